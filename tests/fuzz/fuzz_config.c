/* fuzz_config.c — libFuzzer target: the `driftd run` configuration loader (dd_config_parse) on
 * arbitrary text.
 *
 * Checked on every input: the call returns; on failure there is no config and the message is one
 * or more lines (every error found), each starting with "fuzz.yaml:"; on success the field count adds up, and — when no value came
 * from ${ENV:...} or ${FILE:...} — the printed form reads back and prints byte for byte the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print(const dd_config_t *cfg, size_t *len) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL)
        abort();
    dd_config_print_redacted(cfg, f);
    if (fclose(f) != 0)
        abort();
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dd_config_t *cfg = (dd_config_t *)1;
    char err[4096];
    err[0] = 'x';
    if (dd_config_parse((const char *)data, size, "fuzz.yaml", &cfg, err, sizeof(err)) != 0) {
        if (cfg != NULL)
            abort();
        for (const char *line = err; line != NULL;) {
            if (strncmp(line, "fuzz.yaml:", 10) != 0)
                abort();
            line = strchr(line, '\n');
            line = line != NULL ? line + 1 : NULL;
        }
        return 0;
    }
    size_t fields = 0;
    for (size_t i = 0; i < cfg->n_streams; i++)
        fields += cfg->streams[i].n_fields;
    if (cfg == NULL || fields != cfg->n_fields || cfg->n_streams == 0)
        abort();
    size_t len1 = 0;
    char *first = print(cfg, &len1);
    if (cfg->priv->n_substituted == 0) {
        dd_config_t *again = NULL;
        if (dd_config_parse(first, len1, "fuzz.yaml", &again, err, sizeof(err)) != 0) {
            fprintf(stderr, "printed form does not read back: %s\n%s\n", err, first);
            abort();
        }
        size_t len2 = 0;
        char *second = print(again, &len2);
        if (len1 != len2 || memcmp(first, second, len1) != 0) {
            fprintf(stderr, "printed forms differ:\n%s\n---\n%s\n", first, second);
            abort();
        }
        free(second);
        dd_config_free(again);
    }
    free(first);
    dd_config_free(cfg);
    return 0;
}
