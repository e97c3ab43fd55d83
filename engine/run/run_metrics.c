/* run_metrics.c — the Prometheus text of `driftd run` (docs/metrics.md), rendered on the loop
 * thread about once a second and handed to the HTTP thread as text. */
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "prom.h"
#include "run_int.h"

/* Labels of a stream's samples: its name, and a key's values ("k=v,…") for a key's window. */
static size_t stream_labels(const run_stream_t *s, const char **names, const char **values) {
    names[0] = "stream";
    values[0] = s->cfg->name;
    if (s->parent == NULL)
        return 1;
    names[1] = "key";
    values[1] = s->key_label;
    return 2;
}

/* A counter or gauge per stream with a window (a key's, or a stream without keys). */
static void window_samples(run_t *r, dd_prom_t *p, const char *family,
                           uint64_t (*value)(const run_stream_t *)) {
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        if (s->keys != NULL)
            continue;
        const char *ln[2], *lv[2];
        const size_t n = stream_labels(s, ln, lv);
        dd_prom_sample_u64(p, family, ln, lv, n, value(s));
    }
}

/* A counter or gauge per stream with keys (streams without keys have none of these). */
static void keyed_samples(run_t *r, dd_prom_t *p, const char *family, const char *type,
                          const char *help, uint64_t (*value)(const run_stream_t *)) {
    dd_prom_family(p, family, type, help);
    const char *sl[] = {"stream"};
    for (size_t i = 0; i < r->n_streams; i++)
        if (r->streams[i].keys != NULL)
            dd_prom_sample_u64(p, family, sl, &r->streams[i].cfg->name, 1, value(&r->streams[i]));
}

static uint64_t keys_of(const run_stream_t *s) {
    return run_keys_count(s);
}
static uint64_t untracked_of(const run_stream_t *s) {
    return s->untracked;
}

static uint64_t records_of(const run_stream_t *s) {
    return s->records + s->batch->rows;
}
static uint64_t window_records_of(const run_stream_t *s) {
    return dd_window_rows_range(s->window, s->view_start_ms, s->view_end_ms);
}
static uint64_t reference_records_of(const run_stream_t *s) {
    return s->reference ? dd_sketch_set_rows(s->reference) : 0;
}

/* The standard process collector's families (Prometheus client libraries' names). */
static void process_samples(run_t *r, dd_prom_t *p) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        dd_prom_family(p, "process_cpu_seconds_total", "counter",
                       "Total user and system CPU time spent in seconds.");
        dd_prom_sample(p, "process_cpu_seconds_total", NULL, NULL, 0,
                       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6);
    }
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long pages_virtual = 0, pages_resident = 0;
    if (f != NULL) {
        const int got = fscanf(f, "%llu %llu", &pages_virtual, &pages_resident);
        fclose(f);
        if (got == 2) {
            const double page = (double)sysconf(_SC_PAGESIZE);
            dd_prom_family(p, "process_resident_memory_bytes", "gauge",
                           "Resident memory size in bytes.");
            dd_prom_sample(p, "process_resident_memory_bytes", NULL, NULL, 0,
                           (double)pages_resident * page);
            dd_prom_family(p, "process_virtual_memory_bytes", "gauge",
                           "Virtual memory size in bytes.");
            dd_prom_sample(p, "process_virtual_memory_bytes", NULL, NULL, 0,
                           (double)pages_virtual * page);
        }
    }
    DIR *d = opendir("/proc/self/fd");
    if (d != NULL) {
        uint64_t fds = 0;
        for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
            fds += e->d_name[0] != '.';
        closedir(d);
        dd_prom_family(p, "process_open_fds", "gauge", "Number of open file descriptors.");
        dd_prom_sample_u64(p, "process_open_fds", NULL, NULL, 0, fds > 0 ? fds - 1 : 0); /* not d */
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        dd_prom_family(p, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
        dd_prom_sample(p, "process_max_fds", NULL, NULL, 0,
                       rl.rlim_cur == RLIM_INFINITY ? 1.0 / 0.0 : (double)rl.rlim_cur);
    }
    dd_prom_family(p, "process_start_time_seconds", "gauge",
                   "Start time of the process since unix epoch in seconds.");
    dd_prom_sample(p, "process_start_time_seconds", NULL, NULL, 0, r->start_time_s);
}

/* driftd_build_info: 1, with the version, librdkafka's and the instance. */
static void build_info(run_t *r, dd_prom_t *p) {
    const char *ln[] = {"version", "librdkafka", "driftd_instance"};
    const char *lv[] = {DRIFTD_VERSION, rd_kafka_version_str(), r->instance};
    dd_prom_family(p, "driftd_build_info", "gauge",
                   "1, with the version, librdkafka's version and the instance name");
    dd_prom_sample(p, "driftd_build_info", ln, lv, 3, 1);
}

static void sink_samples(run_t *r, dd_prom_t *p) {
    if (r->n_sinks == 0)
        return;
    dd_sink_stats_t st[3];
    const char *names[3];
    for (size_t i = 0; i < r->n_sinks; i++) {
        dd_sink_stats(r->sinks[i], &st[i]);
        names[i] = dd_sink_kind_name(dd_sink_kind(r->sinks[i]));
    }
    const char *sl[] = {"sink"};
    dd_prom_family(p, "driftd_sink_deliveries_total", "counter",
                   "Events an alert sink's endpoint took");
    for (size_t i = 0; i < r->n_sinks; i++)
        dd_prom_sample_u64(p, "driftd_sink_deliveries_total", sl, &names[i], 1, st[i].delivered);
    dd_prom_family(p, "driftd_sink_requests_total", "counter",
                   "HTTP requests of an alert sink (retries and Alertmanager re-sends included)");
    for (size_t i = 0; i < r->n_sinks; i++)
        dd_prom_sample_u64(p, "driftd_sink_requests_total", sl, &names[i], 1, st[i].requests);
    dd_prom_family(p, "driftd_sink_failures_total", "counter",
                   "HTTP requests of an alert sink that failed");
    for (size_t i = 0; i < r->n_sinks; i++)
        dd_prom_sample_u64(p, "driftd_sink_failures_total", sl, &names[i], 1, st[i].failures);
    dd_prom_family(p, "driftd_sink_dropped_total", "counter",
                   "Events an alert sink dropped: queue_full, expired (retry_for passed) or "
                   "refused (HTTP 4xx)");
    const char *dl[] = {"sink", "reason"};
    for (size_t i = 0; i < r->n_sinks; i++) {
        const uint64_t v[3] = {st[i].dropped_full, st[i].dropped_expired, st[i].dropped_rejected};
        static const char *const why[3] = {"queue_full", "expired", "refused"};
        for (int k = 0; k < 3; k++) {
            const char *lv[] = {names[i], why[k]};
            dd_prom_sample_u64(p, "driftd_sink_dropped_total", dl, lv, 2, v[k]);
        }
    }
    dd_prom_family(p, "driftd_sink_queued_events", "gauge",
                   "Events waiting for an alert sink");
    for (size_t i = 0; i < r->n_sinks; i++)
        dd_prom_sample_u64(p, "driftd_sink_queued_events", sl, &names[i], 1, st[i].queued);
}

/* One sample per raised condition: 1, with its stream, field, type, condition and severity. */
static void raised_samples(run_t *r, dd_prom_t *p) {
    static const char *const qn[RUN_Q_N] = {"null_rate", "out_of_range", "new_categories"};
    static const char *const sn[RUN_S_N] = {"decode_errors", "volume", "idle", "lag"};
    static const char *const st_type[RUN_S_N] = {"quality", "volume", "freshness", "freshness"};
    dd_prom_family(p, "driftd_alert_raised", "gauge",
                   "1 for each raised condition, with its type, condition and severity");
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        const char *ln[6], *lv[6];
        const size_t n = stream_labels(s, ln, lv);
        ln[n] = "field";
        ln[n + 1] = "type";
        ln[n + 2] = "condition";
        ln[n + 3] = "severity";
        for (size_t f = 0; s->keys == NULL && f < s->n_fields; f++) {
            const run_field_t *rf = &s->fields[f];
            lv[n] = rf->cfg->path;
            if (rf->drift.raised) {
                lv[n + 1] = "drift";
                lv[n + 2] = "drift";
                lv[n + 3] = dd_severity_name(rf->drift.severity);
                dd_prom_sample(p, "driftd_alert_raised", ln, lv, n + 4, 1);
            }
            for (int q = 0; q < RUN_Q_N; q++)
                if (rf->quality[q].raised) {
                    lv[n + 1] = "quality";
                    lv[n + 2] = qn[q];
                    lv[n + 3] = dd_severity_name(rf->quality[q].severity);
                    dd_prom_sample(p, "driftd_alert_raised", ln, lv, n + 4, 1);
                }
        }
        for (int c = 0; s->keys == NULL && c < RUN_S_N; c++)
            if (s->stream_alerts[c].raised) {
                lv[n] = "";
                lv[n + 1] = st_type[c];
                lv[n + 2] = sn[c];
                lv[n + 3] = dd_severity_name(s->stream_alerts[c].severity);
                dd_prom_sample(p, "driftd_alert_raised", ln, lv, n + 4, 1);
            }
        if (s->keys == NULL && s->mv_alert.raised) {
            lv[n] = "";
            lv[n + 1] = "multivariate";
            lv[n + 2] = run_mv_condition;
            lv[n + 3] = dd_severity_name(s->mv_alert.severity);
            dd_prom_sample(p, "driftd_alert_raised", ln, lv, n + 4, 1);
        }
    }
}

/* The latest multivariate verdict of each stream (and key) that judges its numeric fields
 * together and has judged them. */
static void multivariate_samples(run_t *r, dd_prom_t *p) {
    dd_prom_family(p, "driftd_multivariate_ratio", "gauge",
                   "The window's mean reconstruction error over the reference's, at the latest "
                   "evaluation");
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        const char *ln[6], *lv[6];
        const size_t n = stream_labels(s, ln, lv);
        if (s->keys == NULL && s->mv_fields > 0 && isfinite(s->mv_ratio))
            dd_prom_sample(p, "driftd_multivariate_ratio", ln, lv, n, s->mv_ratio);
    }
    dd_prom_family(p, "driftd_multivariate_p_value", "gauge",
                   "The p-value of the latest multivariate test");
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        const char *ln[6], *lv[6];
        const size_t n = stream_labels(s, ln, lv);
        if (s->keys == NULL && s->mv_fields > 0 && isfinite(s->mv_p_value))
            dd_prom_sample(p, "driftd_multivariate_p_value", ln, lv, n, s->mv_p_value);
    }
}

static double field_value(const run_field_t *f) {
    return f->value;
}
static double field_threshold(const run_field_t *f) {
    return f->threshold;
}
static double field_critical(const run_field_t *f) {
    return f->critical;
}
static double field_p_value(const run_field_t *f) {
    return f->p_value;
}
static double field_alpha(const run_field_t *f) {
    return f->alpha;
}

/* One sample per judged field of every window: stream[, key], field, then statistic (when
 * with_statistic) and extra_name="extra_value" (when extra_name is not NULL). */
static void judged_samples(run_t *r, dd_prom_t *p, const char *family, int with_statistic,
                           const char *extra_name, const char *extra_value,
                           double (*value)(const run_field_t *)) {
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        for (size_t f = 0; s->keys == NULL && f < s->n_fields; f++) {
            const run_field_t *rf = &s->fields[f];
            if (!rf->judged)
                continue;
            const char *ln[5], *lv[5];
            size_t n = stream_labels(s, ln, lv);
            ln[n] = "field";
            lv[n++] = rf->cfg->path;
            if (with_statistic) {
                ln[n] = "statistic";
                lv[n++] = rf->statistic;
            }
            if (extra_name != NULL) {
                ln[n] = extra_name;
                lv[n++] = extra_value;
            }
            dd_prom_sample(p, family, ln, lv, n, value(rf));
        }
    }
}

void run_render_metrics(run_t *r, dd_prom_t *p) {
    RUN_OWNED(r);
    run_worker_wait_idle(r); /* windows and counts settle (batches being filled stay pending) */
    dd_prom_reset(p);
    /* alerts.labels on every sample (team, model, ...) */
    dd_prom_set_const_labels(p, r->cfg->alerts.label_names, r->cfg->alerts.label_values,
                             r->cfg->alerts.n_labels);
    dd_prom_family(p, "driftd_stream_info", "gauge",
                   "1 per configured stream, with its role (features, predictions, labels) and "
                   "codec");
    for (size_t i = 0; i < r->n_streams; i++) {
        const char *ln[] = {"stream", "role", "codec"};
        const char *lv[] = {r->streams[i].cfg->name, dd_config_role_name(r->streams[i].cfg->role),
                            dd_config_codec_name(r->streams[i].cfg->codec)};
        dd_prom_sample(p, "driftd_stream_info", ln, lv, 3, 1);
    }
    const char *sl[] = {"stream"};
    dd_prom_family(p, "driftd_records_total", "counter",
                   "Records decoded and counted into a window");
    window_samples(r, p, "driftd_records_total", records_of);
    dd_prom_family(p, "driftd_bytes_total", "counter", "Message bytes decoded");
    for (size_t i = 0; i < r->n_streams; i++)
        dd_prom_sample_u64(p, "driftd_bytes_total", sl, &r->streams[i].cfg->name, 1,
                           r->streams[i].bytes);
    dd_prom_family(p, "driftd_decode_errors_total", "counter",
                   "Messages that could not be decoded, by reason");
    const char *rl[] = {"stream", "reason"};
    for (size_t i = 0; i < r->n_streams; i++)
        for (int e = 0; e < 64; e++)
            if (r->streams[i].decode_errors_by_reason[e] > 0) {
                const char *v[] = {r->streams[i].cfg->name,
                                   dd_codec_err_name((dd_codec_err_t)e)};
                dd_prom_sample_u64(p, "driftd_decode_errors_total", rl, v, 2,
                                   r->streams[i].decode_errors_by_reason[e]);
            }
    dd_prom_family(p, "driftd_dead_letters_total", "counter",
                   "Messages handed to the dead-letter topic, by reason (those Kafka then refused "
                   "are in driftd_event_failures_total)");
    for (size_t i = 0; i < r->n_streams; i++)
        for (int e = 0; e < 64; e++)
            if (r->streams[i].dead_letters_by_reason[e] > 0) {
                const char *v[] = {r->streams[i].cfg->name,
                                   dd_codec_err_name((dd_codec_err_t)e)};
                dd_prom_sample_u64(p, "driftd_dead_letters_total", rl, v, 2,
                                   r->streams[i].dead_letters_by_reason[e]);
            }
    dd_prom_family(p, "driftd_late_records_total", "counter",
                   "Records older than the window or the allowed lateness (counted, not added)");
    for (size_t i = 0; i < r->n_all; i++) { /* a stream with keys: behind its watermark */
        const char *ln[2], *lv[2];
        const size_t n = stream_labels(r->all[i], ln, lv);
        dd_prom_sample_u64(p, "driftd_late_records_total", ln, lv, n, r->all[i]->late);
    }
    dd_prom_family(p, "driftd_future_records_total", "counter",
                   "Of the late records: dated more than 5 minutes ahead of the clock");
    for (size_t i = 0; i < r->n_streams; i++)
        dd_prom_sample_u64(p, "driftd_future_records_total", sl, &r->streams[i].cfg->name, 1,
                           r->streams[i].future);
    dd_prom_family(p, "driftd_partitions_behind", "gauge",
                   "Event time: partitions with records to read that gave none for 5 s; the "
                   "stream's clock goes on without them");
    for (size_t i = 0; i < r->n_streams; i++)
        dd_prom_sample_u64(p, "driftd_partitions_behind", sl, &r->streams[i].cfg->name, 1,
                           r->streams[i].parts_behind);
    dd_prom_family(p, "driftd_records_waiting", "gauge",
                   "Event time: records read ahead of the stream's slowest partition, waiting "
                   "(not counted yet)");
    for (size_t i = 0; i < r->n_streams; i++) {
        uint64_t waiting = 0;
        for (size_t k = 0; k < r->n_parts; k++)
            if (r->parts[k].stream == i)
                waiting += r->parts[k].buf_len;
        dd_prom_sample_u64(p, "driftd_records_waiting", sl, &r->streams[i].cfg->name, 1, waiting);
    }
    int any_keys = 0;
    for (size_t i = 0; i < r->n_streams; i++)
        any_keys |= r->streams[i].keys != NULL;
    if (any_keys) {
        keyed_samples(r, p, "driftd_keys", "gauge",
                      "Key value combinations with a window of their own (keys:)", keys_of);
        keyed_samples(r, p, "driftd_evicted_keys_total", "counter",
                      "Keys that gave up their window to a new key after a window without records",
                      run_keys_evicted);
        keyed_samples(r, p, "driftd_untracked_key_records_total", "counter",
                      "Records of key values beyond max_key_values (counted, not judged)",
                      untracked_of);
    }
    dd_prom_family(p, "driftd_window_records", "gauge",
                   "Records in the window the next evaluation compares");
    window_samples(r, p, "driftd_window_records", window_records_of);
    dd_prom_family(p, "driftd_reference_records", "gauge",
                   "Records in the reference (0 before it exists)");
    window_samples(r, p, "driftd_reference_records", reference_records_of);
    dd_prom_family(p, "driftd_field_statistic", "gauge",
                   "The latest value of each field's deciding statistic");
    judged_samples(r, p, "driftd_field_statistic", 1, NULL, NULL, field_value);
    dd_prom_family(p, "driftd_field_threshold", "gauge",
                   "The thresholds of each field's deciding statistic: level warning (drift from "
                   "it) and critical");
    judged_samples(r, p, "driftd_field_threshold", 1, "level", "warning", field_threshold);
    judged_samples(r, p, "driftd_field_threshold", 1, "level", "critical", field_critical);
    dd_prom_family(p, "driftd_field_p_value", "gauge",
                   "The combined p-value of each field's tests at the latest evaluation");
    judged_samples(r, p, "driftd_field_p_value", 0, NULL, NULL, field_p_value);
    dd_prom_family(p, "driftd_field_alpha", "gauge",
                   "The level each field's p-value is compared with (the budgeted alpha)");
    judged_samples(r, p, "driftd_field_alpha", 0, NULL, NULL, field_alpha);
    dd_prom_family(p, "driftd_field_drifted", "gauge",
                   "1 while a drift alert is raised on the field");
    for (size_t i = 0; i < r->n_all; i++) {
        const run_stream_t *s = r->all[i];
        for (size_t f = 0; s->keys == NULL && f < s->n_fields; f++) {
            const char *ln[3], *lv[3];
            const size_t n = stream_labels(s, ln, lv);
            ln[n] = "field";
            lv[n] = s->fields[f].cfg->path;
            dd_prom_sample_u64(p, "driftd_field_drifted", ln, lv, n + 1,
                               (uint64_t)s->fields[f].drift.raised);
        }
    }
    dd_prom_family(p, "driftd_consumer_lag", "gauge",
                   "Messages between the consumed position and the partition's high watermark");
    const char *pl[] = {"topic", "partition", "group"};
    const char *group = "";
    for (size_t i = 0; i < r->cfg->n_kafka; i++)
        if (strcmp(r->cfg->kafka[i].name, "group.id") == 0)
            group = r->cfg->kafka[i].value;
    /* The high watermarks are those librdkafka last heard of: while no broker answers (or offset
     * commits fail) they are stale, and a lag from them would read 0 on a stuck consumer. No
     * sample then: the lag is unknown, and /readyz says why. */
    const int stale = r->brokers_down || r->commits_failing;
    for (size_t i = 0; i < r->n_parts && !stale; i++) {
        const run_partition_t *rp = &r->parts[i];
        int64_t lo = 0, hi = 0;
        if (!rp->assigned || rp->next_offset < 0 ||
            rd_kafka_get_watermark_offsets(r->consumer, rp->topic, rp->partition, &lo, &hi) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            hi < 0)
            continue;
        char part[16];
        snprintf(part, sizeof part, "%" PRId32, rp->partition);
        const char *v[] = {rp->topic, part, group};
        dd_prom_sample_u64(p, "driftd_consumer_lag", pl, v, 3,
                           hi > rp->next_offset ? (uint64_t)(hi - rp->next_offset) : 0);
    }
    dd_prom_family(p, "driftd_events_total", "counter", "Events emitted");
    dd_prom_sample_u64(p, "driftd_events_total", NULL, NULL, 0, r->events_emitted);
    dd_prom_family(p, "driftd_event_failures_total", "counter",
                   "Events or dead letters a sink did not take or Kafka did not confirm");
    dd_prom_sample_u64(p, "driftd_event_failures_total", NULL, NULL, 0,
                       r->events_failed + r->delivery_failures + r->dead_letters_failed);
    dd_prom_family(p, "driftd_evaluations_total", "counter", "Evaluations of all streams");
    dd_prom_sample_u64(p, "driftd_evaluations_total", NULL, NULL, 0, r->evaluations);
    dd_prom_family(p, "driftd_evaluation_seconds", "gauge", "Duration of the latest evaluation");
    dd_prom_sample(p, "driftd_evaluation_seconds", NULL, NULL, 0, r->last_eval_seconds);
    {
        static const double bounds[RUN_EVAL_BUCKETS_N] = RUN_EVAL_BUCKETS;
        dd_prom_family(p, "driftd_evaluation_duration_seconds", "histogram",
                       "Durations of evaluations (merge and judging of one stream's window)");
        const char *le[] = {"le"};
        uint64_t cumulative = 0;
        for (size_t b = 0; b < RUN_EVAL_BUCKETS_N; b++) {
            cumulative += r->eval_buckets[b];
            char bound[32];
            snprintf(bound, sizeof bound, "%g", bounds[b]);
            const char *v[] = {bound};
            dd_prom_sample_u64(p, "driftd_evaluation_duration_seconds_bucket", le, v, 1,
                               cumulative);
        }
        const char *inf[] = {"+Inf"};
        dd_prom_sample_u64(p, "driftd_evaluation_duration_seconds_bucket", le, inf, 1,
                           r->eval_count);
        dd_prom_sample(p, "driftd_evaluation_duration_seconds_sum", NULL, NULL, 0,
                       r->eval_seconds_sum);
        dd_prom_sample_u64(p, "driftd_evaluation_duration_seconds_count", NULL, NULL, 0,
                           r->eval_count);
    }
    dd_prom_family(p, "driftd_evaluation_interval_seconds", "gauge",
                   "How often each stream's window is evaluated (window.evaluate_every)");
    dd_prom_sample(p, "driftd_evaluation_interval_seconds", NULL, NULL, 0,
                   (double)r->cfg->window.evaluate_every_ms / 1000.0);
    raised_samples(r, p);
    multivariate_samples(r, p);
    sink_samples(r, p);
    build_info(r, p);
    process_samples(r, p);
    dd_prom_family(p, "driftd_checkpoints_total", "counter", "State files written");
    dd_prom_sample_u64(p, "driftd_checkpoints_total", NULL, NULL, 0, r->checkpoints);
    dd_prom_family(p, "driftd_registry_waits_total", "counter",
                   "Pauses of a partition while a record's schema was fetched or the registry "
                   "did not answer");
    dd_prom_sample_u64(p, "driftd_registry_waits_total", NULL, NULL, 0, r->registry_waits);
    dd_prom_family(p, "driftd_checkpoint_failures_total", "counter",
                   "Checkpoints that failed or were postponed");
    dd_prom_sample_u64(p, "driftd_checkpoint_failures_total", NULL, NULL, 0,
                       r->checkpoint_failures);
}

