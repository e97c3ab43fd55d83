/* test_run_stream.c — one stream of `driftd run` without Kafka: records into panes, late records,
 * decode errors, event-time evaluation triggers, first-window references, alert states through
 * their checkpoint encoding, and an Avro stream whose timestamp field is a logical type.
 *
 * Properties:
 * - every decoded record lands in the pane of its event time: after a flush the window holds
 *   exactly the records of its live panes, and the stream's record counter all of them;
 * - a record older than the watermark minus the allowed lateness is counted as late and added
 *   nowhere; records that go back and forth between two live panes are all counted;
 * - a record that does not decode is an error and leaves the batch as it was;
 * - the watermark crossing a multiple of evaluate_every asks for exactly one evaluation, and
 *   run_evaluate takes the first full window as the reference;
 * - alert states survive run_alerts_encode/decode, and a wrong length is refused;
 * - an Avro timestamp-millis field gives the same panes as the Kafka timestamp would;
 * - with the sketch worker thread the window is byte for byte the one the loop thread alone
 *   builds from the same records (pane changes, late records, full batches included), and the
 *   evaluations merged on the worker are as many, over the same windows, and take the same
 *   reference as those merged at once;
 * - events.file that refuses writes (/dev/full: no space) keeps the events, whole and in order,
 *   and writes them all once the file takes writes again (the descriptor replaced by a file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "config.h"
#include "run_int.h"

static const char json_config[] =
    "version: 1\n"
    "kafka: {bootstrap.servers: 127.0.0.1:9}\n"
    "streams:\n"
    "  - name: s\n"
    "    topics: [t]\n"
    "    codec: json\n"
    "    timestamp: {source: field, field: ts, format: millis}\n"
    "    fields:\n"
    "      - {path: x, kind: numeric}\n"
    "      - {path: c, kind: categorical}\n"
    "window: {length: 10s, pane: 1s, time: event, watermark: 1s, allowed_lateness: 2s, "
    "evaluate_every: 1s}\n"
    "reference: {type: first_window}\n"
    "events: {stdout: false, file: /dev/null}\n"
    "alerts: {topic: null, raise_after: 2}\n"
    "log: {level: error}\n";

/* The clock the tests' records arrive at: after all their event times (2027-01-15). */
#define NOW_MS 1800000000000LL

typedef struct fixture {
    dd_config_t *cfg;
    run_t r;
    run_stream_t s;
    run_stream_t *all[8];
} fixture_t;

static int setup(void **state) {
    fixture_t *f = calloc(1, sizeof(*f));
    char errstr[512];
    assert_int_equal(dd_config_parse(json_config, sizeof json_config - 1, "test.yaml", &f->cfg,
                                     errstr, sizeof errstr),
                     0);
    f->r.cfg = f->cfg;
    f->r.log.level = DD_CONFIG_LOG_ERROR;
    assert_int_equal(run_stream_init(&f->r, &f->s, &f->cfg->streams[0], 0, errstr, sizeof errstr),
                     0);
    f->all[0] = &f->s;
    f->r.all = f->all;
    f->r.n_all = 1;
    f->r.cap_all = 8;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    run_stream_free(&f->s);
    dd_config_free(f->cfg);
    free(f->r.scratch); /* run_emit's event text */
    free(f);
    return 0;
}

static dd_codec_err_t add(fixture_t *f, int64_t ts, double x, const char *c) {
    char msg[256], errstr[256];
    const int n = snprintf(msg, sizeof msg, "{\"ts\":%lld,\"x\":%.17g,\"c\":\"%s\"}",
                           (long long)ts, x, c);
    return run_stream_add(&f->r, &f->s, (const uint8_t *)msg, (size_t)n, -1, NOW_MS, errstr,
                          sizeof errstr);
}

static void records_land_in_their_panes(void **state) {
    fixture_t *f = *state;
    const int64_t t0 = 1700000000000;
    /* 5,000 records 5 ms apart: 25 s of event time; the window compares 10 panes and keeps 3
     * more: the watermark's second, the pane of the record that moves it past a boundary, and
     * evaluate_every's that a partition may read ahead of another (run_align.c). */
    assert_int_equal(f->s.ring_panes, 13);
    uint64_t in_window = 0;
    for (int i = 0; i < 5000; i++) {
        const int64_t t = t0 + 5 * i;
        assert_int_equal(add(f, t, i, i % 2 ? "a" : "b"), DD_CODEC_OK);
    }
    run_stream_flush(&f->r, &f->s);
    const int64_t newest_pane = (t0 + 5 * 4999) / 1000;
    for (int i = 0; i < 5000; i++)
        in_window += (t0 + 5 * i) / 1000 > newest_pane - 13;
    assert_int_equal(f->s.records, 5000);
    assert_int_equal(f->s.late, 0);
    assert_int_equal(dd_window_rows(f->s.window), in_window);
    assert_int_equal(dd_window_live_panes(f->s.window), 13);
}

static void late_and_out_of_order_records(void **state) {
    fixture_t *f = *state;
    const int64_t t0 = 1700000000000;
    assert_int_equal(add(f, t0 + 10000, 1, "a"), DD_CODEC_OK);
    /* watermark 1 s + lateness 2 s: 3 s behind the newest is the limit */
    assert_int_equal(add(f, t0 + 6999, 1, "a"), DD_CODEC_OK); /* late */
    assert_int_equal(add(f, t0 + 7000, 1, "a"), DD_CODEC_OK); /* just in time */
    for (int i = 0; i < 100; i++) /* back and forth between two live panes */
        assert_int_equal(add(f, t0 + (i % 2 ? 9500 : 8500), i, "b"), DD_CODEC_OK);
    run_stream_flush(&f->r, &f->s);
    assert_int_equal(f->s.late, 1);
    assert_int_equal(f->s.records, 102);
    assert_int_equal(dd_window_rows(f->s.window), 102);
}

/* A record dated more than RUN_FUTURE_MS ahead of the clock is late and moves nothing. */
static void future_records_are_late(void **state) {
    fixture_t *f = *state;
    const int64_t t0 = NOW_MS - 60000;
    assert_int_equal(add(f, t0, 1, "a"), DD_CODEC_OK);
    assert_int_equal(add(f, NOW_MS + RUN_FUTURE_MS + 1, 1, "a"), DD_CODEC_OK);
    assert_int_equal(f->s.late, 1);
    assert_int_equal(f->s.future, 1);
    assert_int_equal(f->s.max_time_ms, t0); /* the watermark did not move */
    assert_int_equal(add(f, t0 + 10, 1, "a"), DD_CODEC_OK); /* so this one still counts */
    run_stream_flush(&f->r, &f->s);
    assert_int_equal(f->s.records, 2);
    assert_int_equal(add(f, NOW_MS + RUN_FUTURE_MS - 1000, 1, "a"), DD_CODEC_OK); /* within */
    assert_int_equal(f->s.late, 1);
}

static void decode_errors_leave_no_row(void **state) {
    fixture_t *f = *state;
    char errstr[256];
    assert_int_equal(add(f, 1700000000000, 1, "a"), DD_CODEC_OK);
    const size_t rows = f->s.batch->rows;
    static const char bad[] = "{\"ts\":1700000000001,\"x\":";
    assert_int_equal(run_stream_add(&f->r, &f->s, (const uint8_t *)bad, sizeof bad - 1, -1,
                                    NOW_MS, errstr, sizeof errstr),
                     DD_CODEC_ERR_TRUNCATED);
    assert_non_null(strstr(errstr, "at byte"));
    assert_int_equal(f->s.batch->rows, rows);
    /* a time that is not a number is late, not lost */
    static const char no_time[] = "{\"x\":2,\"c\":\"a\"}";
    assert_int_equal(run_stream_add(&f->r, &f->s, (const uint8_t *)no_time, sizeof no_time - 1,
                                    -1, NOW_MS, errstr, sizeof errstr),
                     DD_CODEC_OK);
    assert_int_equal(f->s.late, 1);
    assert_int_equal(f->s.batch->rows, rows);
}

static void watermark_triggers_evaluations(void **state) {
    fixture_t *f = *state;
    const int64_t t0 = 1700000000000; /* a whole second */
    int evaluations = 0;
    /* 12 s of records, 10 ms apart: the watermark (newest − 1 s) crosses each second once. */
    for (int i = 0; i < 1200; i++) {
        assert_int_equal(add(f, t0 + 10 * i, i % 7, "a"), DD_CODEC_OK);
        if (f->s.eval_due) {
            run_evaluate(&f->r, &f->s, 0);
            evaluations++;
            assert_false(f->s.eval_due);
        }
    }
    /* the first record sets the first boundary at t0 (its watermark is t0 − 1 s); the records at
     * t0 + 1 s, 2 s ... 11 s bring the watermark to t0, t0 + 1 s ... t0 + 10 s: 11 crossings */
    assert_int_equal(evaluations, 11);
    /* the record at t0 + 11 s brings the watermark to t0 + 10 s: the window [t0, t0 + 10 s) is
     * full and becomes the reference, records 0..999 exactly (not the records after its end
     * that are already in, nor short of its first second) */
    assert_non_null(f->s.reference);
    assert_int_equal(dd_sketch_set_rows(f->s.reference), 1000);
    assert_int_equal(f->s.merged_start_ms, t0);
    assert_int_equal(f->s.merged_end_ms, t0 + 10000);
    assert_non_null(strstr(f->s.reference_id, "first_window:"));
}

static void alert_states_round_trip(void **state) {
    fixture_t *f = *state;
    f->s.fields[1].drift = (dd_alert_state_t){1, 2, 3, DD_SEVERITY_CRITICAL, 1700000000123, 4, DD_SEVERITY_NONE};
    f->s.fields[0].quality[RUN_Q_OUT_OF_RANGE].breach_run = 7;
    f->s.stream_alerts[RUN_S_IDLE].raised = 1;
    f->s.first_time_ms = 1700000000000;
    f->s.max_time_ms = 1700000009999;
    f->s.next_eval_ms = 1700000010000;
    f->s.trailing_end_ms = 1700000005000;
    const size_t n = run_alerts_encode(&f->s, NULL, 0);
    uint8_t *buf = malloc(n);
    assert_int_equal(run_alerts_encode(&f->s, buf, n), n);
    run_stream_t copy = f->s;
    memset(&copy.stream_alerts, 0, sizeof copy.stream_alerts);
    copy.first_time_ms = copy.max_time_ms = copy.next_eval_ms = INT64_MIN;
    copy.trailing_end_ms = 0;
    run_field_t fields[2];
    memset(fields, 0, sizeof fields);
    copy.fields = fields;
    assert_int_equal(run_alerts_decode(&copy, buf, n), 0);
    assert_int_equal(fields[1].drift.raised, 1);
    assert_int_equal(fields[1].drift.breach_run, 2);
    assert_int_equal(fields[1].drift.clean_run, 3);
    assert_int_equal(fields[1].drift.severity, DD_SEVERITY_CRITICAL);
    assert_int_equal(fields[1].drift.raised_at_ms, 1700000000123);
    assert_int_equal(fields[1].drift.raises, 4);
    assert_int_equal(fields[0].quality[RUN_Q_OUT_OF_RANGE].breach_run, 7);
    assert_int_equal(copy.stream_alerts[RUN_S_IDLE].raised, 1);
    /* the watermark, the next evaluation and the trailing reference's end survive a restart */
    assert_int_equal(copy.first_time_ms, 1700000000000);
    assert_int_equal(copy.max_time_ms, 1700000009999);
    assert_int_equal(copy.next_eval_ms, 1700000010000);
    assert_int_equal(copy.trailing_end_ms, 1700000005000);
    assert_int_equal(run_alerts_decode(&copy, buf, n - 1), -1);
    buf[0] ^= 0xff;
    assert_int_equal(run_alerts_decode(&copy, buf, n), -1);
    free(buf);
}

/* An Avro stream (schema file) whose time field is timestamp-millis: panes by that time. */
static void avro_timestamp_field(void **state) {
    (void)state;
    char dir[] = "/tmp/test_run_stream.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char schema_path[128], config[1024];
    snprintf(schema_path, sizeof schema_path, "%s/s.avsc", dir);
    FILE *fp = fopen(schema_path, "w");
    assert_non_null(fp);
    fputs("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"ts\",\"type\":{\"type\":"
          "\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"x\",\"type\":\"double\"}]}",
          fp);
    fclose(fp);
    const int n = snprintf(config, sizeof config,
                           "version: 1\nkafka: {bootstrap.servers: 127.0.0.1:9}\nstreams:\n"
                           "  - {name: a, topics: [t], codec: avro, schema: {file: %s},\n"
                           "     timestamp: {source: field, field: ts, format: seconds},\n"
                           "     fields: [{path: x}]}\n"
                           "window: {length: 10s, pane: 1s, watermark: 1s}\n"
                           "events: {file: /dev/null}\nalerts: {topic: null}\n",
                           schema_path);
    dd_config_t *cfg = NULL;
    char errstr[512];
    assert_int_equal(dd_config_parse(config, (size_t)n, "a.yaml", &cfg, errstr, sizeof errstr), 0);
    run_t r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    run_stream_t s;
    assert_int_equal(run_stream_init(&r, &s, &cfg->streams[0], 0, errstr, sizeof errstr), 0);
    assert_int_equal(s.fields[0].kind, DD_COLUMN_NUMERIC); /* from the schema: a double */
    /* ts = 1,700,000,005,500 ms (zig-zag varint), x = 1.0 */
    uint8_t rec[32];
    uint64_t z = (uint64_t)1700000005500LL << 1;
    size_t len = 0;
    while (z >= 0x80) {
        rec[len++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    rec[len++] = (uint8_t)z;
    const double one = 1.0;
    memcpy(rec + len, &one, 8);
    len += 8;
    assert_int_equal(run_stream_add(&r, &s, rec, len, -1, NOW_MS, errstr, sizeof errstr),
                     DD_CODEC_OK);
    run_stream_flush(&r, &s);
    assert_int_equal(dd_window_end_ms(s.window), 1700000006000); /* the pane of 5.5 s */
    assert_int_equal(dd_window_rows(s.window), 1);
    run_stream_free(&s);
    dd_config_free(cfg);
    unlink(schema_path);
    rmdir(dir);
}

/* Idleness: a whole window (10 s) without records raises after raise_after (2) wall-clock
 * checks, and resolves after clear_after (3) checks once records flow again. */
static void idle_stream_raises_and_resolves(void **state) {
    fixture_t *f = *state;
    char errstr[256];
    static const char rec[] = "{\"ts\":500,\"x\":1,\"c\":\"a\"}";
    assert_int_equal(run_stream_add(&f->r, &f->s, (const uint8_t *)rec, sizeof rec - 1, -1, 1000,
                                    errstr, sizeof errstr),
                     DD_CODEC_OK);
    run_freshness(&f->r, &f->s, 10000); /* 9 s idle: fine */
    assert_false(f->s.stream_alerts[RUN_S_IDLE].raised);
    run_freshness(&f->r, &f->s, 12000);
    assert_false(f->s.stream_alerts[RUN_S_IDLE].raised); /* one breach of the two needed */
    run_freshness(&f->r, &f->s, 13000);
    assert_true(f->s.stream_alerts[RUN_S_IDLE].raised);
    assert_int_equal(f->s.events, 1);
    assert_int_equal(run_stream_add(&f->r, &f->s, (const uint8_t *)rec, sizeof rec - 1, -1, 14000,
                                    errstr, sizeof errstr),
                     DD_CODEC_OK);
    for (int64_t t = 15000; t <= 17000; t += 1000)
        run_freshness(&f->r, &f->s, t);
    assert_false(f->s.stream_alerts[RUN_S_IDLE].raised);
    assert_int_equal(f->s.events, 2); /* the resolved event */
    assert_false(f->s.stream_alerts[RUN_S_LAG].raised); /* max_lag is off by default */
}

/* Category names: bounded put/get, and an Avro stream learning spellings from sampled records. */
static void category_names(void **state) {
    (void)state;
    run_names_t *n = run_names_new(2);
    assert_non_null(n);
    run_names_put(n, 1, 42, "DE", 2);
    run_names_put(n, 1, 42, "XX", 2); /* the first spelling stays */
    assert_string_equal(run_names_get(n, 1, 42), "DE");
    assert_null(run_names_get(n, 0, 42));
    assert_null(run_names_get(n, 1, 43));
    char long_name[RUN_NAME_BYTES_MAX + 2];
    memset(long_name, 'x', sizeof long_name);
    run_names_put(n, 1, 44, long_name, sizeof long_name); /* too long: not remembered */
    assert_null(run_names_get(n, 1, 44));
    for (uint64_t h = 1000; h < 1000 + 2 * RUN_NAMES_MAX; h++)
        run_names_put(n, 0, h, "v", 1);
    assert_non_null(run_names_get(n, 0, 1000));
    assert_null(run_names_get(n, 0, 1000 + 2 * RUN_NAMES_MAX - 1)); /* the table is full */
    run_names_put(n, 5, 1, "out of range", 12);
    run_names_free(n);

    char dir[] = "/tmp/test_run_names.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char schema_path[128], config[1024];
    snprintf(schema_path, sizeof schema_path, "%s/s.avsc", dir);
    FILE *fp = fopen(schema_path, "w");
    assert_non_null(fp);
    fputs("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"c\",\"type\":\"string\"}]}",
          fp);
    fclose(fp);
    const int len = snprintf(config, sizeof config,
                             "version: 1\nkafka: {bootstrap.servers: 127.0.0.1:9}\nstreams:\n"
                             "  - {name: a, topics: [t], codec: avro, schema: {file: %s},\n"
                             "     fields: [{path: c}]}\n"
                             "events: {file: /dev/null}\nalerts: {topic: null}\n",
                             schema_path);
    dd_config_t *cfg = NULL;
    char errstr[512];
    assert_int_equal(dd_config_parse(config, (size_t)len, "a.yaml", &cfg, errstr, sizeof errstr), 0);
    run_t r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    run_stream_t st;
    assert_int_equal(run_stream_init(&r, &st, &cfg->streams[0], 0, errstr, sizeof errstr), 0);
    assert_int_equal(st.fields[0].kind, DD_COLUMN_CATEGORICAL);
    const uint8_t rec[] = {10, 'h', 'e', 'l', 'l', 'o'}; /* string of 5 bytes */
    assert_int_equal(run_stream_add(&r, &st, rec, sizeof rec, 1700000000000, NOW_MS, errstr,
                                    sizeof errstr),
                     DD_CODEC_OK);
    assert_string_equal(run_names_get(st.names, 0, dd_codec_hash("hello", 5)), "hello");
    run_stream_free(&st);
    dd_config_free(cfg);
    unlink(schema_path);
    rmdir(dir);
}

/* A JSON stream whose event time is an RFC 3339 string: records land in the pane of the
 * parsed time, an unparseable time is counted late, and categorical spellings are learned from
 * the JSON record (one in RUN_NAMES_SAMPLE, the first included). Avro refuses iso8601. */
static void json_iso8601_time_and_names(void **state) {
    (void)state;
    const char config[] =
        "version: 1\nkafka: {bootstrap.servers: 127.0.0.1:9}\nstreams:\n"
        "  - {name: a, topics: [t], codec: json,\n"
        "     timestamp: {source: field, field: ts, format: iso8601},\n"
        "     fields: [{path: x, kind: numeric}, {path: c, kind: categorical}]}\n"
        "window: {length: 10s, pane: 1s, watermark: 1s}\n"
        "events: {file: /dev/null}\nalerts: {topic: null}\n";
    dd_config_t *cfg = NULL;
    char errstr[512];
    assert_int_equal(dd_config_parse(config, sizeof config - 1, "a.yaml", &cfg, errstr,
                                     sizeof errstr),
                     0);
    run_t r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    run_stream_t s;
    assert_int_equal(run_stream_init(&r, &s, &cfg->streams[0], 0, errstr, sizeof errstr), 0);
    const char *recs[] = {
        "{\"ts\":\"2023-11-14T22:13:25.500Z\",\"x\":1,\"c\":\"DE\"}", /* 1700000005500 */
        "{\"ts\":\"2023-11-14T23:13:26.250+01:00\",\"x\":2,\"c\":\"FR\"}", /* …006250 */
        "{\"ts\":\"2023-11-14 22:13:26Z\",\"x\":3,\"c\":\"FR\"}",
        "{\"ts\":\"yesterday\",\"x\":4,\"c\":\"FR\"}", /* no usable time: late */
        "{\"ts\":1700000006000,\"x\":5,\"c\":\"FR\"}",   /* a number: no time either */
    };
    for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++)
        assert_int_equal(run_stream_add(&r, &s, (const uint8_t *)recs[i], strlen(recs[i]), -1,
                                        NOW_MS, errstr, sizeof errstr),
                         DD_CODEC_OK);
    run_stream_flush(&r, &s);
    assert_int_equal(s.records, 3);
    assert_int_equal(s.late, 2);
    assert_int_equal(dd_window_end_ms(s.window), 1700000007000); /* the pane of 6.25 s */
    assert_int_equal(dd_window_rows(s.window), 3);
    assert_string_equal(run_names_get(s.names, 1, dd_codec_hash("DE", 2)), "DE");
    run_stream_free(&s);
    dd_config_free(cfg);

    const char avro[] = "version: 1\nkafka: {bootstrap.servers: 127.0.0.1:9}\nstreams:\n"
                        "  - {name: a, topics: [t], codec: avro-confluent,\n"
                        "     timestamp: {source: field, field: ts, format: iso8601},\n"
                        "     fields: [{path: x, kind: numeric}]}\n"
                        "schema_registry: {url: 'http://127.0.0.1:9'}\n"
                        "window: {length: 10s, pane: 1s, watermark: 1s}\n"
                        "events: {file: /dev/null}\nalerts: {topic: null}\n";
    if (dd_config_parse(avro, sizeof avro - 1, "b.yaml", &cfg, errstr, sizeof errstr) == 0) {
        memset(&r, 0, sizeof r);
        r.cfg = cfg;
        assert_int_equal(run_stream_init(&r, &s, &cfg->streams[0], 0, errstr, sizeof errstr), -1);
        assert_non_null(strstr(errstr, "iso8601 is for codec json"));
        run_stream_free(&s);
        dd_config_free(cfg);
    } else {
        fail_msg("the Avro config did not parse: %s", errstr);
    }
}

/* A stream of its own for the window boundary cases: length 4 s of 1 s panes, no watermark,
 * evaluations every 2 s. */
static run_stream_t *boundary_stream(dd_config_t **cfg, run_t *r) {
    static const char config[] =
        "version: 1\nkafka: {bootstrap.servers: 127.0.0.1:9}\nstreams:\n"
        "  - {name: a, topics: [t], codec: json,\n"
        "     timestamp: {source: field, field: ts, format: millis},\n"
        "     fields: [{path: x, kind: numeric}, {path: c, kind: categorical}]}\n"
        "window: {length: 4s, pane: 1s, watermark: 0s, evaluate_every: 2s}\n"
        "events: {file: /dev/null}\nalerts: {topic: null}\nlog: {level: error}\n";
    char errstr[512];
    assert_int_equal(dd_config_parse(config, sizeof config - 1, "b.yaml", cfg, errstr,
                                     sizeof errstr),
                     0);
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->log.level = DD_CONFIG_LOG_ERROR;
    run_stream_t *s = calloc(1, sizeof(*s));
    assert_int_equal(run_stream_init(r, s, &(*cfg)->streams[0], 0, errstr, sizeof errstr), 0);
    return s;
}

static void add_at(run_t *r, run_stream_t *s, int64_t t) {
    char msg[128], errstr[256];
    const int n = snprintf(msg, sizeof msg, "{\"ts\":%lld,\"x\":1,\"c\":\"a\"}", (long long)t);
    assert_int_equal(run_stream_add(r, s, (const uint8_t *)msg, (size_t)n, -1, NOW_MS, errstr,
                                    sizeof errstr),
                     DD_CODEC_OK);
    if (s->eval_due)
        run_evaluate(r, s, NOW_MS);
}

/* After a gap, the record that moves the watermark past a boundary lands up to evaluate_every
 * beyond it: the window [B − 4 s, B) is still whole (the ring keeps those panes too). */
static void window_whole_after_gap(void **state) {
    (void)state;
    dd_config_t *cfg;
    run_t r;
    run_stream_t *s = boundary_stream(&cfg, &r);
    assert_int_equal(s->ring_panes, 8); /* 4 + (0 s + 2 s + 2 s ahead) / 1 s */
    const int64_t t0 = 1700000000000;
    for (int i = 0; i < 800; i++) /* 100 a second from t0 to t0 + 8 s */
        add_at(&r, s, t0 + 10 * i);
    add_at(&r, s, t0 + 9500); /* watermark 9.5 s: boundary t0 + 8 s */
    assert_int_equal(s->merged_end_ms, t0 + 8000);
    assert_int_equal(s->merged_start_ms, t0 + 4000);
    assert_int_equal(dd_sketch_set_rows(s->current), 400);
    run_stream_free(s);
    free(s);
    dd_config_free(cfg);
}

/* Before 1970 (negative times) every boundary is evaluated once, in order. */
static void negative_times_every_boundary(void **state) {
    (void)state;
    dd_config_t *cfg;
    run_t r;
    run_stream_t *s = boundary_stream(&cfg, &r);
    int64_t ends[16];
    int n = 0;
    for (int64_t t = -10003; t <= -210; t += 7) {
        const uint64_t before = s->evaluations;
        add_at(&r, s, t);
        if (s->evaluations != before) {
            assert_true(n < 16);
            ends[n++] = s->merged_end_ms;
        }
    }
    assert_int_equal(n, 5);
    for (int i = 0; i < n; i++)
        assert_int_equal(ends[i], -10000 + 2000 * i);
    run_stream_free(s);
    free(s);
    dd_config_free(cfg);
}

static void window_bytes(const dd_window_t *w, uint8_t **out, size_t *len) {
    *len = dd_window_serialized_size(w);
    *out = malloc(*len);
    size_t written = 0;
    assert_int_equal(dd_window_serialize(w, *out, *len, &written), DD_SKETCH_OK);
    assert_int_equal(written, *len);
}

static void worker_matches_loop_thread(void **state) {
    (void)state;
    fixture_t *a = NULL, *b = NULL;
    void *sa = NULL, *sb = NULL;
    setup(&sa);
    setup(&sb);
    a = sa;
    b = sb;
    a->r.streams = &a->s;
    a->r.n_streams = 1;
    assert_int_equal(run_worker_start(&a->r), 0);
    uint64_t rng = 12345;
    const int64_t t0 = 1700000000000;
    for (int i = 0; i < 30000; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        /* mostly forward in time, some records up to 4 s back (late beyond 3 s) */
        const int64_t jitter = (int64_t)((rng >> 33) % 1000) < 30 ? -(int64_t)((rng >> 20) % 4000) : 0;
        const int64_t t = t0 + 3 * i + jitter;
        const double x = (double)((rng >> 11) % 100000) / 7.0;
        const char *c = (rng >> 40) % 3 == 0 ? "a" : (rng >> 40) % 3 == 1 ? "b" : "c";
        assert_int_equal(add(a, t, x, c), DD_CODEC_OK);
        assert_int_equal(add(b, t, x, c), DD_CODEC_OK);
        /* evaluations as the loop starts them: merged on the worker in a, at once in b */
        if (a->s.eval_due)
            run_evaluate(&a->r, &a->s, NOW_MS);
        if (b->s.eval_due)
            run_evaluate(&b->r, &b->s, NOW_MS);
        if (i % 1000 == 0)
            run_evaluations_finish(&a->r);
    }
    run_stream_flush(&a->r, &a->s);
    run_worker_wait_idle(&a->r);
    run_stream_flush(&b->r, &b->s);
    assert_false(a->s.eval_pending);
    assert_true(a->s.evaluations > 50);
    assert_int_equal(a->s.evaluations, b->s.evaluations);
    assert_int_equal(a->s.merged_end_ms, b->s.merged_end_ms);
    assert_non_null(a->s.reference);
    assert_non_null(b->s.reference);
    uint8_t *ra = NULL, *rb = NULL;
    size_t lra = dd_sketch_set_serialized_size(a->s.reference);
    size_t lrb = dd_sketch_set_serialized_size(b->s.reference);
    ra = malloc(lra);
    rb = malloc(lrb);
    assert_int_equal(dd_sketch_set_serialize(a->s.reference, ra, lra, NULL), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_serialize(b->s.reference, rb, lrb, NULL), DD_SKETCH_OK);
    assert_int_equal(lra, lrb);
    assert_memory_equal(ra, rb, lra);
    free(ra);
    free(rb);
    assert_int_equal(a->s.records, b->s.records);
    assert_int_equal(a->s.late, b->s.late);
    assert_true(a->s.late > 0);
    assert_int_equal(a->s.records + a->s.late, 30000);
    uint8_t *wa = NULL, *wb = NULL;
    size_t la = 0, lb = 0;
    window_bytes(a->s.window, &wa, &la);
    window_bytes(b->s.window, &wb, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(wa, wb, la);
    free(wa);
    free(wb);
    run_worker_stop(&a->r);
    assert_null(a->r.worker);
    teardown(&sa);
    teardown(&sb);
}

static void events_file_keeps_what_it_refused(void **state) {
    fixture_t *f = *state;
    run_t *r = &f->r;
    const char lines[] = "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n";
    r->events_fd = open("/dev/full", O_WRONLY | O_APPEND | O_CLOEXEC);
    assert_true(r->events_fd >= 0);
    r->events_file_open = 1;
    r->events_pending = malloc(sizeof lines);
    memcpy(r->events_pending, lines, sizeof lines - 1);
    r->events_pending_len = r->events_pending_cap = sizeof lines - 1;
    assert_int_equal(run_events_file_flush(r), -1);
    assert_int_equal(r->events_pending_len, sizeof lines - 1); /* nothing taken, nothing lost */
    assert_true(r->events_file_failing);
    assert_int_equal(run_events_file_flush(r), -1); /* still refused: still kept */
    assert_int_equal(r->events_pending_len, sizeof lines - 1);
    /* Space again: the same descriptor now a regular file. */
    char path[] = "/tmp/driftd-events-XXXXXX";
    const int good = mkstemp(path);
    assert_true(good >= 0);
    assert_true(dup2(good, r->events_fd) == r->events_fd);
    assert_int_equal(run_events_file_flush(r), 0);
    assert_int_equal(r->events_pending_len, 0);
    assert_false(r->events_file_failing);
    char got[sizeof lines] = {0};
    assert_int_equal(pread(good, got, sizeof got, 0), (ssize_t)(sizeof lines - 1));
    assert_string_equal(got, lines);
    close(good);
    unlink(path);
    close(r->events_fd);
    r->events_file_open = 0;
    free(r->events_pending);
    r->events_pending = NULL;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(records_land_in_their_panes, setup, teardown),
        cmocka_unit_test_setup_teardown(late_and_out_of_order_records, setup, teardown),
        cmocka_unit_test_setup_teardown(decode_errors_leave_no_row, setup, teardown),
        cmocka_unit_test_setup_teardown(future_records_are_late, setup, teardown),
        cmocka_unit_test_setup_teardown(watermark_triggers_evaluations, setup, teardown),
        cmocka_unit_test_setup_teardown(alert_states_round_trip, setup, teardown),
        cmocka_unit_test(avro_timestamp_field),
        cmocka_unit_test(worker_matches_loop_thread),
        cmocka_unit_test(category_names),
        cmocka_unit_test(json_iso8601_time_and_names),
        cmocka_unit_test(window_whole_after_gap),
        cmocka_unit_test(negative_times_every_boundary),
        cmocka_unit_test_setup_teardown(idle_stream_raises_and_resolves, setup, teardown),
        cmocka_unit_test_setup_teardown(events_file_keeps_what_it_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
