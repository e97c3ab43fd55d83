/* fuzz_keys_state.c — libFuzzer target: the engine's opaque bytes of a state file's stream
 * (run_alerts_decode) and a key's window restored from them (run_keys_restore), on arbitrary
 * bytes, for a stream with keys [model, segment] and two fields.
 *
 * Checked on every input: both calls return; the stream with keys takes only states without a key
 * ('B', 'D'); a restored key has a name "s{…}" of at most 255 bytes, unique among the keys, and its
 * key re-encodes to exactly the bytes it was read from (the form is canonical); its states then
 * decode from the same bytes; and a second restore of the same bytes is refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "config.h"
#include "run_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config_text[] =
    "version: 1\n"
    "kafka: {bootstrap.servers: 127.0.0.1:9}\n"
    "streams:\n"
    "  - name: s\n"
    "    topics: [t]\n"
    "    codec: json\n"
    "    keys: [model, segment]\n"
    "    max_key_values: 4\n"
    "    fields:\n"
    "      - {path: x, kind: numeric}\n"
    "      - {path: c, kind: categorical}\n"
    "window: {length: 10s, pane: 1s, time: event, watermark: 1s, evaluate_every: 1s}\n"
    "reference: {type: first_window}\n"
    "events: {stdout: false, file: /dev/null}\n"
    "alerts: {topic: null}\n"
    "log: {level: error}\n";

static dd_config_t *cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char errstr[512];
    if (cfg == NULL &&
        dd_config_parse(config_text, sizeof config_text - 1, "fuzz.yaml", &cfg, errstr,
                        sizeof errstr) != 0) {
        fprintf(stderr, "fuzz_keys_state: %s\n", errstr);
        abort();
    }
    run_t r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.log.level = DD_CONFIG_LOG_ERROR;
    run_stream_t parent;
    run_stream_t *all[8];
    if (run_stream_init(&r, &parent, &cfg->streams[0], 0, errstr, sizeof errstr) != 0) {
        fprintf(stderr, "fuzz_keys_state: %s\n", errstr);
        abort();
    }
    all[0] = &parent;
    r.all = all;
    r.n_all = 1;
    r.cap_all = 8;
    const int parent_ok = run_alerts_decode(&parent, data, size);
    if (parent_ok != 0 && parent_ok != -1)
        abort();
    if (parent_ok == 0 && size > 0 &&
        (data[0] == RUN_ALERTS_MAGIC_KEYED || data[0] == RUN_ALERTS_MAGIC_KEYED_MV))
        abort();
    run_stream_t *c = run_keys_restore(&r, &parent, data, size, errstr, sizeof errstr);
    if (c != NULL) {
        const size_t n = strlen(c->name);
        if (n > DD_CKPT_NAME_BYTES_MAX || strncmp(c->name, "s{", 2) != 0 || c->name[n - 1] != '}')
            abort();
        if (run_keys_count(&parent) != 1 || c->parent != &parent || r.n_all != 2)
            abort();
        const size_t at = run_alerts_own_size(c, data[0]);
        const size_t need = run_keys_encode(c, NULL, 0);
        uint8_t *again = malloc(need);
        if (again == NULL || run_keys_encode(c, again, need) != need || at + need != size ||
            memcmp(again, data + at, need) != 0)
            abort();
        free(again);
        const int child_ok = run_alerts_decode(c, data, size);
        if (child_ok != 0 && child_ok != -1)
            abort();
        if (run_keys_restore(&r, &parent, data, size, errstr, sizeof errstr) != NULL)
            abort();
    }
    run_stream_free(&parent);
    return 0;
}
