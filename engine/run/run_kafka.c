/* run_kafka.c — the Kafka clients of `driftd run`: the consumer (group membership, rebalances,
 * positions, commits) and the producer (alerts and dead letters), made from the configuration's
 * kafka properties.
 *
 * Exactly-once counting: offsets are tracked per partition as the next offset after the last
 * record decoded (run_position); on an assignment consumption starts from the furthest of the
 * group's committed offset, the state file's and this member's own position, so each record is
 * either in a restored window or read again, never both. A revocation checkpoints first. */
#include <inttypes.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run_int.h"

/* ---- positions ------------------------------------------------------------------------------ */

run_partition_t *run_position(run_t *r, const char *topic, int32_t partition, int create) {
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i].partition == partition && strcmp(r->parts[i].topic, topic) == 0)
            return &r->parts[i];
    if (!create)
        return NULL;
    if (r->n_parts == r->cap_parts) {
        const size_t cap = r->cap_parts ? r->cap_parts * 2 : 64;
        run_partition_t *bigger = realloc(r->parts, cap * sizeof(*bigger));
        if (bigger == NULL)
            return NULL;
        r->parts = bigger;
        r->cap_parts = cap;
    }
    run_partition_t *p = &r->parts[r->n_parts];
    memset(p, 0, sizeof *p);
    p->topic = strdup(topic);
    if (p->topic == NULL)
        return NULL;
    p->partition = partition;
    p->next_offset = RD_KAFKA_OFFSET_INVALID;
    p->stream = SIZE_MAX;
    p->max_time_ms = INT64_MIN;
    r->n_parts++;
    return p;
}

/* The stream reading `topic`: by name, else by a ^regex subscription. */
size_t run_stream_of_topic(run_t *r, const char *topic) {
    for (size_t i = 0; i < r->n_streams; i++) {
        const dd_config_stream_t *c = r->streams[i].cfg;
        for (size_t t = 0; t < c->n_topics; t++) {
            if (c->topics[t][0] != '^') {
                if (strcmp(c->topics[t], topic) == 0)
                    return i;
                continue;
            }
            regex_t re;
            if (regcomp(&re, c->topics[t], REG_EXTENDED | REG_NOSUB) != 0)
                continue;
            const int match = regexec(&re, topic, 0, NULL, 0) == 0;
            regfree(&re);
            if (match)
                return i;
        }
    }
    return SIZE_MAX;
}


/* ---- commits -------------------------------------------------------------------------------- */

int run_commit_offsets(run_t *r, int async) {
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)r->n_parts);
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i].assigned && r->parts[i].next_offset >= 0)
            rd_kafka_topic_partition_list_add(list, r->parts[i].topic, r->parts[i].partition)
                ->offset = r->parts[i].next_offset;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (list->cnt > 0)
        err = rd_kafka_commit(r->consumer, list, async);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        run_log(&r->log, DD_CONFIG_LOG_WARN, "committing offsets: %s", rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

/* ---- rebalancing ---------------------------------------------------------------------------- */

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    run_t *r = opaque;
    const int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        /* Where to start: the furthest of the group's committed offset (another member may have
         * counted records since), the state file's offset (this member's window holds records up
         * to it even if its last commit was lost) and this member's own position when the
         * partition comes back. Anything earlier would count records twice. */
        rd_kafka_topic_partition_list_t *committed = rd_kafka_topic_partition_list_copy(parts);
        const rd_kafka_resp_err_t cerr = rd_kafka_committed(rk, committed, 10000);
        if (cerr != RD_KAFKA_RESP_ERR_NO_ERROR)
            run_log(&r->log, DD_CONFIG_LOG_WARN, "reading committed offsets: %s",
                    rd_kafka_err2str(cerr));
        for (int i = 0; i < parts->cnt; i++) {
            rd_kafka_topic_partition_t *p = &parts->elems[i];
            int64_t start = cerr == RD_KAFKA_RESP_ERR_NO_ERROR && committed->elems[i].offset >= 0
                                ? committed->elems[i].offset
                                : RD_KAFKA_OFFSET_INVALID;
            for (size_t k = 0; k < r->n_restored; k++) {
                run_partition_t *rp = &r->restored[k];
                if (rp->topic != NULL && rp->partition == p->partition &&
                    strcmp(rp->topic, p->topic) == 0) {
                    if (rp->next_offset > start)
                        start = rp->next_offset;
                    free(rp->topic);
                    rp->topic = NULL;
                }
            }
            run_partition_t *pos = run_position(r, p->topic, p->partition, 1);
            if (pos != NULL) {
                if (pos->next_offset > start)
                    start = pos->next_offset;
                pos->assigned = 1;
                pos->paused = 0; /* librdkafka starts a new assignment unpaused */
                pos->next_offset = start;
                run_align_assigned(r, (size_t)(pos - r->parts), run_now_ms());
            }
            p->offset = start;
        }
        rd_kafka_topic_partition_list_destroy(committed);
        rd_kafka_error_t *e = NULL;
        rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (cooperative)
            e = rd_kafka_incremental_assign(rk, parts);
        else
            aerr = rd_kafka_assign(rk, parts);
        if (e != NULL) {
            run_log(&r->log, DD_CONFIG_LOG_ERROR, "assigning partitions: %s",
                    rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        } else if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
            run_log(&r->log, DD_CONFIG_LOG_ERROR, "assigning partitions: %s",
                    rd_kafka_err2str(aerr));
        }
        r->assigned_any = 1;
        run_log(&r->log, DD_CONFIG_LOG_INFO, "assigned %d partitions", parts->cnt);
    } else {
        if (!rd_kafka_assignment_lost(rk))
            run_checkpoint(r, "revocation"); /* before the partitions go */
        else
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "assignment lost: not committing (another member may own the partitions)");
        for (int i = 0; i < parts->cnt; i++) {
            run_partition_t *pos = run_position(r, parts->elems[i].topic, parts->elems[i].partition, 0);
            if (pos != NULL) {
                pos->assigned = 0;
                pos->ahead = 0;
                run_align_drop(pos); /* not counted: the next owner reads them */
            }
        }
        if (cooperative) {
            rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
            if (e != NULL)
                rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, NULL);
        }
        run_log(&r->log, DD_CONFIG_LOG_INFO, "revoked %d partitions", parts->cnt);
    }
}

/* ---- set-up --------------------------------------------------------------------------------- */

/* At start (before the loop, at most 5 s): the topic driftd produces to must exist or be created
 * by the brokers. A missing or forbidden one would make every event (or dead letter) wait for
 * librdkafka's metadata timeout, postpone checkpoints meanwhile and then fail for good: refused
 * here, with what to do. A cluster that does not answer in time is not judged (logged). */
static int check_sink_topic(run_t *r, const char *topic, const char *key, char *errstr,
                            size_t errstr_size) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(r->producer, topic, NULL);
    if (rkt == NULL)
        return 0;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    /* A broker that creates topics on use answers the first request "unknown" while it creates
     * the topic: ask again, 4 times at most, 300 ms apart. */
    const int64_t deadline = run_now_ms() + 5000;
    for (int attempt = 0; attempt < 4; attempt++) {
        const int64_t left = deadline - run_now_ms();
        err = rd_kafka_metadata(r->producer, 0, rkt, &md, left > 100 ? (int)left : 100);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 ||
            md->topics[0].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || attempt == 3 ||
            run_now_ms() + 300 >= deadline)
            break;
        rd_kafka_metadata_destroy(md);
        md = NULL;
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
    }
    int rc = 0;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        run_log(&r->log, DD_CONFIG_LOG_WARN, "%s: could not check that topic %s exists (%s)", key,
                topic, rd_kafka_err2str(err));
    } else if (md->topic_cnt == 1 &&
               (md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                md->topics[0].err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)) {
        snprintf(errstr, errstr_size,
                 md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                     ? "%s: topic %s does not exist and the brokers do not create topics on use; "
                       "create it, or set %s: null"
                     : "%s: not authorised to produce to topic %s; grant it, or set %s: null",
                 key, topic, key);
        rc = -1;
    }
    if (md != NULL)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return rc;
}

static const char *const consumer_only[] = {
    "group.id", "group.instance.id", "partition.assignment.strategy", "session.timeout.ms",
    "heartbeat.interval.ms", "group.protocol.type", "coordinator.query.interval.ms",
    "max.poll.interval.ms", "enable.auto.commit", "auto.commit.interval.ms",
    "enable.auto.offset.store", "queued.min.messages", "queued.max.messages.kbytes",
    "fetch.wait.max.ms", "fetch.message.max.bytes", "max.partition.fetch.bytes", "fetch.max.bytes",
    "fetch.min.bytes", "fetch.error.backoff.ms", "offset.store.method", "isolation.level",
    "enable.partition.eof", "check.crcs", "auto.offset.reset", "allow.auto.create.topics",
    "consume.callback.max.messages", "client.rack"};

static int is_consumer_only(const char *name) {
    for (size_t i = 0; i < sizeof(consumer_only) / sizeof(consumer_only[0]); i++)
        if (strcmp(name, consumer_only[i]) == 0)
            return 1;
    return 0;
}

/* librdkafka's own log lines become driftd's (JSON when log.format is json), on whichever
 * thread librdkafka logs from; run_log writes each line whole. */
static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    const run_t *r = rd_kafka_opaque(rk);
    /* A refused authentication or TLS handshake comes again at every reconnect: error_cb says
     * it once, with what to check. */
    if (strcmp(fac, "FAIL") == 0 &&
        (strstr(buf, "SASL authentication error") != NULL ||
         strstr(buf, "SSL handshake failed") != NULL ||
         strstr(buf, "in state SSL_HANDSHAKE") != NULL || strstr(buf, "in state AUTH") != NULL))
        return;
    const dd_config_log_level_t l = level <= 3   ? DD_CONFIG_LOG_ERROR
                                    : level == 4 ? DD_CONFIG_LOG_WARN
                                    : level <= 6 ? DD_CONFIG_LOG_INFO
                                                 : DD_CONFIG_LOG_DEBUG;
    run_log(r != NULL ? &r->log : NULL, l, "kafka %s %s: %s", rd_kafka_name(rk), fac, buf);
}

/* Offset commits tell whether the group coordinator takes this member's progress: a failure
 * (the broker gone, frozen, or refusing) makes /readyz fail until one succeeds. Served by
 * rd_kafka_consumer_poll, on the loop thread. */
static void commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque) {
    (void)rk;
    (void)offsets;
    run_t *r = opaque;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        r->commits_failing = 0;
        r->brokers_down = 0;
    } else if (err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        if (!r->commits_failing)
            run_log(&r->log, DD_CONFIG_LOG_WARN, "offset commit failed: %s",
                    rd_kafka_err2str(err));
        r->commits_failing = 1;
        snprintf(r->commit_error, sizeof r->commit_error, "%s", rd_kafka_err2str(err));
    }
}

/* The configured kafka property `name`, or "" when unset. */
static const char *kafka_prop(const run_t *r, const char *name) {
    for (size_t i = 0; i < r->cfg->n_kafka; i++)
        if (strcmp(r->cfg->kafka[i].name, name) == 0)
            return r->cfg->kafka[i].value;
    return "";
}

/* A refused authentication or TLS handshake, in words that say what to check. */
static void secure_reason(const run_t *r, int err, const char *reason, char *out, size_t size) {
    if (err == RD_KAFKA_RESP_ERR__SSL) {
        snprintf(out, size,
                 "kafka: the TLS handshake failed: %s. Check kafka.ssl.ca.location (the CA that "
                 "signed the brokers' certificates) and the broker address",
                 reason);
        return;
    }
    const char *mech = kafka_prop(r, "sasl.mechanisms");
    if (mech[0] == '\0')
        mech = kafka_prop(r, "sasl.mechanism");
    const int n = snprintf(out, size,
                           "kafka: authentication failed: %s. Check kafka.sasl.mechanisms, "
                           "sasl.username and sasl.password",
                           reason);
    /* librdkafka before 2.6.1 builds a SCRAM client proof Kafka 4 brokers reject (it repeats
     * the client nonce; librdkafka #4895): the credentials may well be right. */
    if (strncmp(mech, "SCRAM", 5) == 0 && rd_kafka_version() < 0x020601ff && n > 0 &&
        (size_t)n < size)
        snprintf(out + n, size - (size_t)n,
                 " (with a Kafka 4.0 broker or later, librdkafka %s cannot complete SCRAM even "
                 "with the right password: it needs librdkafka 2.6.1; use PLAIN over SASL_SSL, "
                 "or OAUTHBEARER, with such brokers)",
                 rd_kafka_version_str());
}

/* librdkafka's errors: "all brokers down" makes /readyz fail until a record or a commit gets
 * through again (logged when it starts). A refused authentication or TLS handshake before this
 * member ever got in ends the run (start-up failed: exit 2, one line saying what to check);
 * after that it is logged once and /readyz fails until records flow again. Other connection
 * errors are already in librdkafka's own log lines (FAIL); the rest are logged here.
 * librdkafka retries by itself. Served on the loop thread (consumer and producer polls). */
static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    run_t *r = opaque;
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL) {
        if (!r->assigned_any && r->messages == 0) {
            if (!r->fatal)
                secure_reason(r, err, reason, r->fatal_reason, sizeof r->fatal_reason);
            r->fatal = 1;
            return;
        }
        if (!r->secure_failing) {
            char why[1024];
            secure_reason(r, err, reason, why, sizeof why);
            run_log(&r->log, DD_CONFIG_LOG_ERROR, "%s; retrying (logged once)", why);
            snprintf(r->secure_error, sizeof r->secure_error, "%s",
                     err == RD_KAFKA_RESP_ERR__SSL ? "TLS handshake failing"
                                                   : "authentication failing");
        }
        r->secure_failing = 1;
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        if (rd_kafka_type(rk) == RD_KAFKA_CONSUMER && !r->brokers_down) {
            r->brokers_down = 1;
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "kafka %s: every broker is down (%s); /readyz fails until one answers",
                    rd_kafka_name(rk), reason);
        }
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT)
        return;
    run_log(&r->log, DD_CONFIG_LOG_WARN, "kafka %s: %s: %s", rd_kafka_name(rk),
            rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *errstr,
                    size_t errstr_size) {
    char detail[512];
    if (rd_kafka_conf_set(conf, k, v, detail, sizeof detail) != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errstr_size, "kafka.%s: %s", k, detail);
        return -1;
    }
    return 0;
}

int run_kafka_open(run_t *r, char *errstr, size_t errstr_size) {
    rd_kafka_conf_t *cc = rd_kafka_conf_new(), *pc = rd_kafka_conf_new();
    int has_strategy = 0, has_reset = 0, has_queued_min = 0, has_refresh = 0;
    for (size_t i = 0; i < r->cfg->n_kafka; i++) {
        const dd_config_property_t *p = &r->cfg->kafka[i];
        has_strategy |= strcmp(p->name, "partition.assignment.strategy") == 0;
        has_reset |= strcmp(p->name, "auto.offset.reset") == 0;
        has_queued_min |= strcmp(p->name, "queued.min.messages") == 0;
        has_refresh |= strcmp(p->name, "topic.metadata.refresh.interval.ms") == 0;
        if (conf_set(cc, p->name, p->value, errstr, errstr_size) != 0)
            goto fail;
        if (!is_consumer_only(p->name) && conf_set(pc, p->name, p->value, errstr, errstr_size) != 0)
            goto fail;
    }
    /* cooperative-sticky by default, except on librdkafka before 2.10.0: there a commit made
     * while a cooperative rebalance is under way can fail with ILLEGAL_GENERATION and lose the
     * assignment (librdkafka #4059, fixed by #4908), so the revocation checkpoint's commit is
     * lost and the partition's next owner counts records again. The eager protocol commits
     * before the group rejoins and keeps the count exact (kafka_run's rebalance scenario). */
    const char *strategy = rd_kafka_version() >= 0x020a0000 ? "cooperative-sticky"
                                                            : "range,roundrobin";
    if (!has_strategy)
        run_log(&r->log, DD_CONFIG_LOG_INFO,
                "partition.assignment.strategy: %s (librdkafka %s; see docs/run.md)", strategy,
                rd_kafka_version_str());
    if ((!has_strategy && conf_set(cc, "partition.assignment.strategy", strategy, errstr,
                                   errstr_size) != 0) ||
        (!has_reset && conf_set(cc, "auto.offset.reset", "earliest", errstr, errstr_size) != 0) ||
        /* librdkafka 2.0.2 stops fetching a partition for up to a second once its local queue
         * holds queued.min.messages (default 100,000): while catching up on a backlog, a loop
         * that decodes and sketches every record would idle most of that second. The queue's
         * bytes stay capped by queued.max.messages.kbytes. */
        (!has_queued_min &&
         conf_set(cc, "queued.min.messages", "1000000", errstr, errstr_size) != 0) ||
        /* A configured topic created after the start (librdkafka looks again only at this
         * refresh; its default is 5 minutes): noticed within seconds, for one small metadata
         * request every 5 s. */
        (!has_refresh &&
         conf_set(cc, "topic.metadata.refresh.interval.ms", "5000", errstr, errstr_size) != 0) ||
        conf_set(cc, "enable.auto.commit", "false", errstr, errstr_size) != 0 ||
        conf_set(cc, "enable.auto.offset.store", "false", errstr, errstr_size) != 0 ||
        conf_set(pc, "enable.idempotence", "true", errstr, errstr_size) != 0 ||
        conf_set(pc, "linger.ms", "5", errstr, errstr_size) != 0)
        goto fail;
    rd_kafka_conf_set_log_cb(cc, kafka_log_cb);
    rd_kafka_conf_set_log_cb(pc, kafka_log_cb);
    rd_kafka_conf_set_rebalance_cb(cc, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(cc, commit_cb);
    rd_kafka_conf_set_error_cb(cc, error_cb);
    rd_kafka_conf_set_error_cb(pc, error_cb);
    rd_kafka_conf_set_opaque(cc, r);
    rd_kafka_conf_set_dr_msg_cb(pc, run_delivery_cb);
    rd_kafka_conf_set_opaque(pc, r);
    char detail[512];
    const int need_producer = r->cfg->alerts.topic != NULL || r->cfg->alerts.dead_letter_topic != NULL;
    if (need_producer) {
        r->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, detail, sizeof detail);
        if (r->producer == NULL) {
            snprintf(errstr, errstr_size, "kafka producer: %s", detail);
            rd_kafka_conf_destroy(cc);
            rd_kafka_conf_destroy(pc);
            return -1;
        }
    } else {
        rd_kafka_conf_destroy(pc);
    }
    pc = NULL;
    if ((r->cfg->alerts.topic != NULL &&
         check_sink_topic(r, r->cfg->alerts.topic, "alerts.topic", errstr, errstr_size) != 0) ||
        (r->cfg->alerts.dead_letter_topic != NULL &&
         check_sink_topic(r, r->cfg->alerts.dead_letter_topic, "alerts.dead_letter_topic", errstr,
                          errstr_size) != 0)) {
        rd_kafka_conf_destroy(cc);
        return -1;
    }
    r->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, detail, sizeof detail);
    if (r->consumer == NULL) {
        snprintf(errstr, errstr_size, "kafka consumer: %s", detail);
        rd_kafka_conf_destroy(cc);
        return -1;
    }
    rd_kafka_poll_set_consumer(r->consumer);
    size_t n = 0;
    for (size_t i = 0; i < r->n_streams; i++)
        n += r->streams[i].cfg->n_topics;
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < r->n_streams; i++)
        for (size_t t = 0; t < r->streams[i].cfg->n_topics; t++)
            rd_kafka_topic_partition_list_add(topics, r->streams[i].cfg->topics[t],
                                              RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(r->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errstr_size, "subscribing: %s", rd_kafka_err2str(err));
        return -1;
    }
    return 0;
fail:
    rd_kafka_conf_destroy(cc);
    if (pc != NULL)
        rd_kafka_conf_destroy(pc);
    return -1;
}


/* ---- configured topics that do not exist yet ------------------------------------------------ */

struct run_topic_watch {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    int stop;
    rd_kafka_t *rk;      /* the consumer: thread-safe, and it never creates topics */
    char **topics;
    size_t n_topics;
    size_t missing;       /* under mu */
    char first[256];      /* under mu */
};

static void *watch_topics(void *arg) {
    struct run_topic_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        pthread_mutex_unlock(&w->mu);
        size_t missing = 0;
        char first[256] = "";
        for (size_t i = 0; i < w->n_topics; i++) {
            pthread_mutex_lock(&w->mu);
            const int stop = w->stop;
            pthread_mutex_unlock(&w->mu);
            if (stop)
                break;
            rd_kafka_topic_t *rkt = rd_kafka_topic_new(w->rk, w->topics[i], NULL);
            if (rkt == NULL)
                continue;
            const struct rd_kafka_metadata *md = NULL;
            const rd_kafka_resp_err_t err = rd_kafka_metadata(w->rk, 0, rkt, &md, 3000);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 &&
                md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                if (missing++ == 0)
                    snprintf(first, sizeof first, "%s", w->topics[i]);
            }
            if (md != NULL)
                rd_kafka_metadata_destroy(md);
            rd_kafka_topic_destroy(rkt);
        }
        pthread_mutex_lock(&w->mu);
        w->missing = missing;
        snprintf(w->first, sizeof w->first, "%s", first);
        if (w->stop)
            break;
        struct timespec until; /* wake's clock is CLOCK_MONOTONIC */
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += missing > 0 ? 5 : 60;
        pthread_cond_timedwait(&w->wake, &w->mu, &until);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void watch_free(struct run_topic_watch *w) {
    for (size_t i = 0; i < w->n_topics; i++)
        free(w->topics[i]);
    free(w->topics);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->wake);
    free(w);
}

int run_topics_watch_start(run_t *r) {
    size_t n = 0;
    for (size_t i = 0; i < r->cfg->n_streams; i++)
        for (size_t t = 0; t < r->cfg->streams[i].n_topics; t++)
            n += r->cfg->streams[i].topics[t][0] != '^';
    if (n == 0 || r->consumer == NULL)
        return 0;
    struct run_topic_watch *w = calloc(1, sizeof *w);
    if (w == NULL)
        return -1;
    w->topics = calloc(n, sizeof *w->topics);
    for (size_t i = 0; w->topics != NULL && i < r->cfg->n_streams; i++)
        for (size_t t = 0; t < r->cfg->streams[i].n_topics; t++)
            if (r->cfg->streams[i].topics[t][0] != '^')
                w->topics[w->n_topics++] = strdup(r->cfg->streams[i].topics[t]);
    w->rk = r->consumer;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (w->topics == NULL || pthread_create(&w->thread, NULL, watch_topics, w) != 0) {
        watch_free(w);
        return -1;
    }
    r->topic_watch = w;
    return 0;
}

size_t run_topics_missing(run_t *r, char *first, size_t first_size) {
    struct run_topic_watch *w = r->topic_watch;
    if (w == NULL)
        return 0;
    pthread_mutex_lock(&w->mu);
    const size_t n = w->missing;
    snprintf(first, first_size, "%s", w->first);
    pthread_mutex_unlock(&w->mu);
    return n;
}

void run_topics_watch_stop(run_t *r) {
    struct run_topic_watch *w = r->topic_watch;
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL); /* after the request in flight, at most 3 s */
    watch_free(w);
    r->topic_watch = NULL;
}
