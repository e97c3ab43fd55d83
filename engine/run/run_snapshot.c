/* run_snapshot.c — `driftd baseline`'s snapshot: each stream's reference sketch set, built from a
 * data file by the code that builds `reference: {type: file}` at start (run_reference_from_file),
 * so loading the snapshot later gives the very sets the file would. */
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "run_int.h"

int dd_run_snapshot(const dd_config_t *cfg, dd_run_snapshot_input_t *in, size_t n,
                    const char *output, const char *instance, char *errstr, size_t errstr_size) {
    run_t r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.log.level = cfg->log.level;
    r.log.format = cfg->log.format;
    r.log.n_secrets = dd_config_secret_values(cfg, r.log.secrets,
                                                sizeof r.log.secrets / sizeof *r.log.secrets);
    run_stream_t *streams = calloc(n + 1, sizeof(*streams));
    dd_sketch_set_t **refs = calloc(n + 1, sizeof(*refs));
    dd_ckpt_stream_t *cs = calloc(n + 1, sizeof(*cs));
    size_t n_ready = 0;
    int rc = -1;
    if (streams == NULL || refs == NULL || cs == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (in[i].stream >= cfg->n_streams) {
            snprintf(errstr, errstr_size, "stream index %zu out of range", in[i].stream);
            goto out;
        }
        const dd_config_stream_t *sc = &cfg->streams[in[i].stream];
        const dd_config_reference_t ref = {
            .type = DD_CONFIG_REFERENCE_FILE, .path = in[i].path, .file_format = in[i].format};
        n_ready = i + 1;
        if (run_stream_prepare(&r, &streams[i], sc, in[i].stream, errstr, errstr_size) != 0 ||
            run_reference_from_file(&streams[i], &ref, &refs[i], errstr, errstr_size) != 0)
            goto out;
        cs[i] = (dd_ckpt_stream_t){
            .name = sc->name,
            .n_fields = streams[i].n_fields,
            .field_paths = streams[i].paths,
            .kinds = streams[i].kinds,
            .reference = refs[i],
            .reference_time_ms = run_now_ms(),
        };
        cs[i].counters[DD_CKPT_C_RECORDS] = dd_sketch_set_rows(refs[i]);
        in[i].out_records = dd_sketch_set_rows(refs[i]);
        in[i].out_fields = streams[i].n_fields;
    }
    const dd_ckpt_contents_t c = {
        .kind = DD_CKPT_SNAPSHOT,
        .created_ms = run_now_ms(),
        .instance = instance,
        .streams = cs,
        .n_streams = n,
    };
    rc = dd_ckpt_write(output, &c, errstr, errstr_size);
out:
    for (size_t i = 0; i < n_ready; i++) {
        run_stream_free(&streams[i]);
        dd_sketch_set_destroy(refs[i]);
    }
    free(streams);
    free(refs);
    free(cs);
    return rc;
}
