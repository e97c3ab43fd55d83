/* cmd_decode.c — `driftd decode`: what driftd sees in a stream's bytes, one JSON line per record,
 * so a user can debug a topic or a file. Bad records go to stderr with the reason and the byte
 * offset, and decoding goes on wherever the framing allows. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"
#include "cli_int.h"
#include "json.h"

#define INPUT_BYTES_MAX ((size_t)1 << 30)
#define FIELDS_MAX 16384

static const char decode_synopsis[] =
    "Usage: driftd decode [--schema FILE] [--format avro|avro-confluent|json] [--input FILE]\n"
    "                     [--registry URL] [--framing length|concat] [--fields LIST]\n"
    "                     [--max-errors N]\n"
    "\n"
    "Decodes records the way `driftd run` does and prints one JSON object per record:\n"
    "  {\"record\":N,\"offset\":BYTE,[\"schema_id\":ID,]\"fields\":{PATH:VALUE,...}\n"
    "   [,\"type_errors\":[PATH,...]]}\n"
    "Numeric fields print as numbers (null when absent, null, NaN or infinite), categorical ones\n"
    "as the text driftd hashed (for JSON input, as \"#\" and the 64-bit hash). A record that\n"
    "cannot be decoded is reported on standard error with its byte offset and reason, and\n"
    "decoding goes on with the next record.\n";

static const char decode_epilogue[] =
    "Exit status: 0 every record decoded, 1 some records could not be decoded, 2 error.\n";

enum {
    OPT_SCHEMA,
    OPT_FORMAT,
    OPT_INPUT,
    OPT_FRAMING,
    OPT_REGISTRY,
    OPT_FIELDS,
    OPT_MAX_ERRORS,
    N_OPTIONS
};

static const dd_cli_option_t decode_options[] = {
    {OPT_SCHEMA, "schema", 0, "FILE",
     "the Avro writer schema (JSON); its leaf fields, with their kinds, are\n"
     "what is decoded. For JSON input it names the fields to read. Not\n"
     "needed for an Avro object container file, which carries its own.",
     NULL},
    {OPT_FORMAT, "format", 0, "F",
     "avro (raw Avro bodies, default), avro-confluent (magic byte 0, 4-byte\n"
     "schema id, body), or json (one object per line). An Avro object\n"
     "container file is recognised by its header whatever the format.",
     NULL},
    {OPT_INPUT, "input", 0, "FILE", "read FILE instead of standard input (at most 1 GiB)", NULL},
    {OPT_FRAMING, "framing", 0, "F",
     "for avro and avro-confluent: length (default; each message preceded\n"
     "by its size as 4 bytes big-endian, as `kcat -C -t TOPIC -f '%R%s'`\n"
     "writes) or concat (records back to back; decoding stops at the first\n"
     "bad record, since nothing marks where the next one starts)",
     NULL},
    {OPT_REGISTRY, "registry", 0, "URL",
     "with avro-confluent: each message's schema id is looked up in this\n"
     "schema registry (e.g. http://127.0.0.1:8081) instead of --schema",
     NULL},
    {OPT_FIELDS, "fields", 0, "LIST",
     "comma-separated paths to decode (default: every leaf of the schema)", NULL},
    {OPT_MAX_ERRORS, "max-errors", 0, "N", "stop after N bad records (default 100; 0 = no limit)",
     NULL},
    {0},
};

typedef enum format { FORMAT_AVRO, FORMAT_CONFLUENT, FORMAT_JSON } format_t;

/* What one writer schema decodes into: its fields, plan and batch. */
typedef struct view {
    size_t n;
    char **paths;
    dd_column_kind_t *kinds;
    dd_avro_plan_t *avro;
    dd_column_batch_t *batch;
    dd_codec_span_t *texts;
    uint64_t *type_errors; /* per column, before the record */
} view_t;

enum { REGISTRY_VIEWS_MAX = 256 };

typedef struct decoder {
    format_t format;
    view_t main; /* the --schema or container file schema */
    view_t *v;   /* the one decoding the current record */
    dd_json_plan_t *json;
    dd_registry_t *registry; /* avro-confluent with --registry: a view per schema id */
    view_t ids[REGISTRY_VIEWS_MAX];
    uint32_t id_keys[REGISTRY_VIEWS_MAX];
    size_t n_ids;
    const char *fields; /* --fields */
    uint64_t records, bad, max_errors;
} decoder_t;

/* The fields to decode: the schema's leaves, or those of them --fields names. */
static int choose_fields(view_t *v, const dd_avro_schema_t *schema, const char *list,
                         int strict) {
    dd_avro_leaf_t *leaves = malloc(FIELDS_MAX * sizeof(*leaves));
    if (leaves == NULL)
        return -1;
    const size_t n_leaves = dd_avro_schema_leaves(schema, leaves, FIELDS_MAX);
    int rc = -1;
    if (n_leaves == 0 || n_leaves > FIELDS_MAX) {
        fprintf(stderr, "driftd decode: the schema has %s\n",
                n_leaves == 0 ? "no numeric or categorical fields" : "more than 16384 fields");
        goto done;
    }
    v->paths = calloc(n_leaves, sizeof(char *));
    v->kinds = calloc(n_leaves, sizeof(*v->kinds));
    if (v->paths == NULL || v->kinds == NULL)
        goto done;
    for (size_t i = 0; i < n_leaves; i++) {
        int wanted = list == NULL;
        for (const char *p = list; p != NULL && *p && !wanted;) {
            const char *comma = strchr(p, ',');
            const size_t len = comma ? (size_t)(comma - p) : strlen(p);
            wanted = len == strlen(leaves[i].path) && memcmp(p, leaves[i].path, len) == 0;
            p = comma ? comma + 1 : NULL;
        }
        if (!wanted)
            continue;
        if ((v->paths[v->n] = strdup(leaves[i].path)) == NULL)
            goto done;
        v->kinds[v->n++] = leaves[i].kind;
    }
    for (const char *p = strict ? list : NULL; p != NULL && *p;) { /* each --fields name exists */
        const char *comma = strchr(p, ',');
        const size_t len = comma ? (size_t)(comma - p) : strlen(p);
        size_t i = 0;
        while (i < v->n && !(strlen(v->paths[i]) == len && memcmp(p, v->paths[i], len) == 0))
            i++;
        if (i == v->n) {
            fprintf(stderr, "driftd decode: --fields names '%.*s', which is not a leaf of the "
                    "schema\n", (int)(len < 200 ? len : 200), p);
            goto done;
        }
        p = comma ? comma + 1 : NULL;
    }
    if (v->n == 0) {
        fprintf(stderr, "driftd decode: none of the --fields is in the schema\n");
        goto done;
    }
    rc = 0;
done:
    free(leaves);
    return rc;
}

static void view_free(view_t *v) {
    for (size_t i = 0; v->paths != NULL && i < v->n; i++)
        free(v->paths[i]);
    free(v->paths);
    free(v->kinds);
    free(v->texts);
    free(v->type_errors);
    dd_batch_destroy(v->batch);
    dd_avro_plan_destroy(v->avro);
    memset(v, 0, sizeof *v);
}

/* Fields, plan and batch for one Avro writer schema. strict: every --fields name must exist. */
static int view_build_avro(view_t *v, const dd_avro_schema_t *schema, const char *list,
                           int strict) {
    if (choose_fields(v, schema, list, strict) != 0)
        return -1;
    v->texts = calloc(v->n, sizeof(*v->texts));
    v->type_errors = calloc(v->n, sizeof(*v->type_errors));
    dd_avro_field_t *f = calloc(v->n, sizeof(*f));
    if (v->texts == NULL || v->type_errors == NULL || f == NULL) {
        free(f);
        return -1;
    }
    for (size_t i = 0; i < v->n; i++)
        f[i] = (dd_avro_field_t){v->paths[i], v->kinds[i], 0};
    char detail[512] = "";
    dd_codec_err_t err = dd_avro_plan_new(schema, f, v->n, NULL, &v->avro, detail, sizeof detail);
    free(f);
    if (err == DD_CODEC_OK)
        err = dd_batch_new(v->kinds, v->n, 1, &v->batch);
    if (err != DD_CODEC_OK) {
        fprintf(stderr, "driftd decode: %s\n", detail[0] ? detail : dd_codec_strerror(err));
        return -1;
    }
    return 0;
}

/* The view for a Confluent schema id, from the registry the first time it is seen. */
static dd_codec_err_t view_for_id(decoder_t *d, uint32_t id, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < d->n_ids; i++)
        if (d->id_keys[i] == id) {
            d->v = &d->ids[i];
            return d->v->avro ? DD_CODEC_OK : DD_CODEC_ERR_BAD_SCHEMA;
        }
    const dd_avro_schema_t *schema = NULL;
    dd_codec_err_t err = dd_registry_get(d->registry, id, &schema, errstr, errstr_size);
    if (err != DD_CODEC_OK)
        return err; /* the registry client remembers failures itself */
    if (d->n_ids == REGISTRY_VIEWS_MAX) {
        snprintf(errstr, errstr_size, "more than %d schema ids", REGISTRY_VIEWS_MAX);
        return DD_CODEC_ERR_UNSUPPORTED;
    }
    view_t *v = &d->ids[d->n_ids];
    d->id_keys[d->n_ids++] = id;
    d->v = v;
    if (view_build_avro(v, schema, d->fields, 0) != 0) {
        view_free(v);
        snprintf(errstr, errstr_size, "schema id %u: no plan (see above)", id);
        return DD_CODEC_ERR_BAD_SCHEMA;
    }
    return DD_CODEC_OK;
}

static uint8_t *read_input(const char *path, size_t *len) {
    FILE *in = path ? fopen(path, "rb") : stdin;
    if (in == NULL) {
        fprintf(stderr, "driftd decode: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        if (n == cap) {
            if (cap >= INPUT_BYTES_MAX) {
                fprintf(stderr, "driftd decode: %s: larger than 1 GiB\n",
                        path ? path : "standard input");
                free(buf);
                buf = NULL;
                break;
            }
            uint8_t *b = realloc(buf, cap * 2);
            if (b == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        const size_t got = fread(buf + n, 1, cap - n, in);
        n += got;
        if (got == 0) {
            if (ferror(in)) {
                fprintf(stderr, "driftd decode: %s: %s\n", path ? path : "standard input",
                        strerror(errno));
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    if (path)
        fclose(in);
    *len = n;
    return buf;
}

static void print_record(decoder_t *d, size_t offset, long schema_id) {
    const size_t row = d->v->batch->rows - 1;
    printf("{\"record\":%" PRIu64 ",\"offset\":%zu", d->records, offset);
    if (schema_id >= 0)
        printf(",\"schema_id\":%ld", schema_id);
    fputs(",\"fields\":{", stdout);
    for (size_t i = 0; i < d->v->n; i++) {
        const dd_batch_column_t *c = &d->v->batch->columns[i];
        if (i)
            fputc(',', stdout);
        dd_json_write_string(stdout, d->v->paths[i], strlen(d->v->paths[i]));
        fputc(':', stdout);
        if (dd_batch_is_null(c, row)) {
            fputs("null", stdout);
        } else if (c->kind == DD_COLUMN_NUMERIC) {
            dd_json_write_number(stdout, c->numbers[row]);
        } else if (d->v->texts != NULL && d->v->texts[i].is_integer) {
            printf("\"%" PRId64 "\"", d->v->texts[i].integer);
        } else if (d->v->texts != NULL && d->v->texts[i].data != NULL) {
            dd_json_write_string(stdout, d->v->texts[i].data, d->v->texts[i].len);
        } else {
            printf("\"#%016" PRIx64 "\"", c->hashes[row]);
        }
    }
    fputc('}', stdout);
    int any = 0;
    for (size_t i = 0; i < d->v->n; i++)
        if (d->v->batch->columns[i].type_errors != d->v->type_errors[i]) {
            fputs(any ? "," : ",\"type_errors\":[", stdout);
            dd_json_write_string(stdout, d->v->paths[i], strlen(d->v->paths[i]));
            any = 1;
        }
    fputs(any ? "]}\n" : "}\n", stdout);
}

static void begin_record(decoder_t *d) {
    dd_batch_clear(d->v->batch);
    for (size_t i = 0; i < d->v->n; i++)
        d->v->type_errors[i] = d->v->batch->columns[i].type_errors;
}

/* The Confluent header of msg, and the view its schema id decodes with. On failure *detail may
 * say more than the reason code. */
static dd_codec_err_t confluent_view(decoder_t *d, const uint8_t *msg, size_t len, long *schema_id,
                                     char *detail, size_t detail_size) {
    uint32_t id;
    const uint8_t *body;
    size_t body_len;
    dd_codec_err_t err = dd_avro_confluent_header(msg, len, &id, &body, &body_len);
    if (err != DD_CODEC_OK)
        return err;
    *schema_id = (long)id;
    if (d->registry == NULL)
        return DD_CODEC_OK; /* one --schema for every id */
    return view_for_id(d, id, detail, detail_size);
}

static void report_bad(decoder_t *d, size_t offset, dd_codec_err_t err, const char *detail,
                       const char *tail) {
    d->bad++;
    fflush(stdout);
    fprintf(stderr, "driftd decode: record %" PRIu64 " at byte %zu: %s (%s)%s%s%s\n", d->records,
            offset, dd_codec_strerror(err), dd_codec_err_name(err), detail[0] ? ": " : "", detail,
            tail);
}

/* Decodes one message; returns 0, or −1 when it was bad (reported). */
static int decode_one(decoder_t *d, const uint8_t *msg, size_t len, size_t offset) {
    d->records++;
    long schema_id = -1;
    size_t at = 0;
    char detail[512] = "";
    dd_codec_err_t err;
    if (d->format == FORMAT_JSON) {
        begin_record(d);
        err = dd_json_decode(d->json, msg, len, d->v->batch, &at);
    } else {
        const uint8_t *body = msg;
        size_t body_len = len;
        if (d->format == FORMAT_CONFLUENT) {
            err = confluent_view(d, msg, len, &schema_id, detail, sizeof detail);
            if (err != DD_CODEC_OK) {
                report_bad(d, offset, err, detail, "");
                return -1;
            }
            body = msg + 5;
            body_len = len - 5;
            at = 5;
        }
        begin_record(d);
        size_t body_at = 0;
        err = dd_avro_decode(d->v->avro, body, body_len, d->v->batch, &body_at, d->v->texts);
        at += body_at;
    }
    if (err == DD_CODEC_OK) {
        print_record(d, offset, schema_id);
        return 0;
    }
    report_bad(d, offset + at, err, detail, "");
    return -1;
}

static int too_many_errors(const decoder_t *d) {
    if (d->max_errors == 0 || d->bad < d->max_errors)
        return 0;
    fprintf(stderr, "driftd decode: stopping after %" PRIu64 " bad records (--max-errors)\n",
            d->bad);
    return 1;
}

static void decode_lines(decoder_t *d, const uint8_t *data, size_t len) {
    size_t pos = 0;
    while (pos < len && !too_many_errors(d)) {
        const uint8_t *nl = memchr(data + pos, '\n', len - pos);
        const size_t end = nl ? (size_t)(nl - data) : len;
        size_t line_end = end;
        if (line_end > pos && data[line_end - 1] == '\r')
            line_end--;
        int blank = 1;
        for (size_t i = pos; i < line_end && blank; i++)
            blank = data[i] == ' ' || data[i] == '\t';
        if (!blank)
            decode_one(d, data + pos, line_end - pos, pos);
        pos = end + 1;
    }
}

static void decode_framed(decoder_t *d, const uint8_t *data, size_t len, int length_prefixed) {
    size_t pos = 0;
    while (pos < len && !too_many_errors(d)) {
        if (length_prefixed) {
            if (len - pos < 4) {
                fprintf(stderr, "driftd decode: byte %zu: %zu bytes left, too few for a length "
                        "prefix\n", pos, len - pos);
                d->bad++;
                return;
            }
            const size_t size = (size_t)data[pos] << 24 | (size_t)data[pos + 1] << 16 |
                                (size_t)data[pos + 2] << 8 | (size_t)data[pos + 3];
            if (size > len - pos - 4) {
                fprintf(stderr, "driftd decode: byte %zu: a message of %zu bytes, but %zu are "
                        "left\n", pos, size, len - pos - 4);
                d->bad++;
                return;
            }
            decode_one(d, data + pos + 4, size, pos + 4);
            pos += 4 + size;
            continue;
        }
        /* Back to back: each record's own length says where the next begins. */
        d->records++;
        size_t used = 0, at = 0;
        long schema_id = -1;
        size_t header = 0;
        char detail[512] = "";
        dd_codec_err_t err = DD_CODEC_OK;
        if (d->format == FORMAT_CONFLUENT) {
            err = confluent_view(d, data + pos, len - pos, &schema_id, detail, sizeof detail);
            header = 5;
        }
        if (err == DD_CODEC_OK) {
            begin_record(d);
            err = dd_avro_decode_next(d->v->avro, data + pos + header, len - pos - header,
                                      d->v->batch, &used, &at, d->v->texts);
        }
        if (err != DD_CODEC_OK) {
            report_bad(d, pos + header + at, err, detail,
                       "; with --framing concat nothing marks the next record, so decoding stops");
            return;
        }
        print_record(d, pos, schema_id);
        pos += header + used;
    }
}

static int decode_ocf(decoder_t *d, const uint8_t *data, size_t len) {
    char detail[512] = "";
    dd_avro_ocf_t *f = NULL;
    dd_codec_err_t err = dd_avro_ocf_open(data, len, NULL, &f, detail, sizeof detail);
    if (err != DD_CODEC_OK) {
        fprintf(stderr, "driftd decode: %s\n", detail);
        return -1;
    }
    while (!too_many_errors(d)) {
        const uint8_t *block;
        size_t block_len, offset;
        uint64_t records;
        err = dd_avro_ocf_next_block(f, &block, &block_len, &records, &offset);
        if (err == DD_CODEC_END)
            break;
        if (err != DD_CODEC_OK) {
            d->bad++;
            fprintf(stderr, "driftd decode: the block at byte %zu: %s (%s); the rest of the file "
                    "cannot be read\n", offset, dd_codec_strerror(err), dd_codec_err_name(err));
            break;
        }
        size_t pos = 0;
        for (uint64_t r = 0; r < records; r++) {
            d->records++;
            begin_record(d);
            size_t used = 0, at = 0;
            err = dd_avro_decode_next(d->v->avro, block + pos, block_len - pos, d->v->batch, &used, &at,
                                      d->v->texts);
            if (err != DD_CODEC_OK) {
                d->bad++;
                fflush(stdout);
                fprintf(stderr, "driftd decode: record %" PRIu64 " (block at byte %zu, byte %zu "
                        "of the block): %s (%s); skipping the rest of the block\n", d->records,
                        offset, pos + at, dd_codec_strerror(err), dd_codec_err_name(err));
                break;
            }
            print_record(d, offset, -1);
            pos += used;
        }
    }
    dd_avro_ocf_destroy(f);
    return 0;
}

static dd_avro_schema_t *load_schema_text(const char *json, size_t len, const char *where) {
    dd_avro_schema_t *s = NULL;
    char detail[512] = "";
    if (dd_avro_schema_parse(json, len, &s, detail, sizeof detail) != DD_CODEC_OK)
        fprintf(stderr, "driftd decode: %s: %s\n", where, detail);
    return s;
}

static int run_decode(int argc, char **argv) {
    const char *v[N_OPTIONS] = {0};
    const int rc = dd_cli_parse(&dd_command_decode, argc, argv, dd_cli_store, v);
    if (rc != DD_CLI_CONTINUE)
        return rc;
    const char *schema_path = v[OPT_SCHEMA], *input = v[OPT_INPUT], *fields = v[OPT_FIELDS],
               *registry_url = v[OPT_REGISTRY];
    const char *format_name = v[OPT_FORMAT] ? v[OPT_FORMAT] : "avro",
               *framing = v[OPT_FRAMING] ? v[OPT_FRAMING] : "length";
    uint64_t max_errors = 100;
    if (v[OPT_MAX_ERRORS] != NULL && dd_cli_parse_u64("decode", "--max-errors", v[OPT_MAX_ERRORS],
                                                      0, UINT32_MAX, &max_errors) != 0)
        return 2;
    decoder_t *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return 2;
    d->max_errors = max_errors;
    d->fields = fields;
    d->v = &d->main;
    int status = 2;
    size_t len = 0;
    uint8_t *data = NULL;
    dd_avro_schema_t *schema = NULL;
    if (strcmp(format_name, "avro") == 0)
        d->format = FORMAT_AVRO;
    else if (strcmp(format_name, "avro-confluent") == 0)
        d->format = FORMAT_CONFLUENT;
    else if (strcmp(format_name, "json") == 0)
        d->format = FORMAT_JSON;
    else {
        fprintf(stderr, "driftd decode: --format expects avro, avro-confluent or json, got '%s'\n",
                format_name);
        goto done;
    }
    if (strcmp(framing, "length") != 0 && strcmp(framing, "concat") != 0) {
        fprintf(stderr, "driftd decode: --framing expects length or concat, got '%s'\n", framing);
        goto done;
    }
    if (registry_url != NULL && d->format != FORMAT_CONFLUENT) {
        fprintf(stderr, "driftd decode: --registry goes with --format avro-confluent\n");
        goto done;
    }
    if ((data = read_input(input, &len)) == NULL)
        goto done;
    const int is_ocf = len >= 4 && memcmp(data, "Obj\x01", 4) == 0;
    if (is_ocf) {
        dd_avro_ocf_t *f = NULL;
        char detail[512] = "";
        if (dd_avro_ocf_open(data, len, NULL, &f, detail, sizeof detail) != DD_CODEC_OK) {
            fprintf(stderr, "driftd decode: %s: %s\n", input ? input : "standard input", detail);
            goto done;
        }
        size_t schema_len;
        const char *json = dd_avro_ocf_schema(f, &schema_len);
        schema = load_schema_text(json, schema_len, "the file's schema");
        dd_avro_ocf_destroy(f);
        d->format = FORMAT_AVRO;
        registry_url = NULL;
    } else if (registry_url != NULL) {
        char detail[512] = "";
        if (dd_registry_new(registry_url, NULL, &d->registry, detail, sizeof detail) !=
            DD_CODEC_OK) {
            fprintf(stderr, "driftd decode: %s\n", detail);
            goto done;
        }
    } else if (schema_path != NULL) {
        size_t schema_len = 0;
        uint8_t *text = read_input(schema_path, &schema_len);
        if (text == NULL)
            goto done;
        schema = load_schema_text((const char *)text, schema_len, schema_path);
        free(text);
    } else {
        fprintf(stderr, "driftd decode: --schema is required (or --registry with avro-confluent; "
                "an Avro object container file carries its own)\n");
        goto done;
    }
    if (d->registry == NULL) {
        if (schema == NULL)
            goto done;
        if (d->format == FORMAT_JSON) {
            if (choose_fields(&d->main, schema, fields, 1) != 0)
                goto done;
            d->main.type_errors = calloc(d->main.n, sizeof(*d->main.type_errors));
            dd_codec_err_t err = d->main.type_errors == NULL
                                     ? DD_CODEC_ERR_NO_MEMORY
                                     : dd_json_plan_new((const char *const *)d->main.paths,
                                                        d->main.kinds, d->main.n, NULL, &d->json);
            if (err == DD_CODEC_OK)
                err = dd_batch_new(d->main.kinds, d->main.n, 1, &d->main.batch);
            if (err != DD_CODEC_OK) {
                fprintf(stderr, "driftd decode: %s\n", dd_codec_strerror(err));
                goto done;
            }
        } else if (view_build_avro(&d->main, schema, fields, 1) != 0) {
            goto done;
        }
    }
    if (is_ocf) {
        if (decode_ocf(d, data, len) != 0)
            goto done;
    } else if (d->format == FORMAT_JSON) {
        decode_lines(d, data, len);
    } else {
        decode_framed(d, data, len, strcmp(framing, "length") == 0);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "driftd decode: standard output: %s\n", strerror(errno ? errno : EIO));
        goto done;
    }
    status = d->bad > 0 ? 1 : 0;
    if (d->bad > 0)
        fprintf(stderr, "driftd decode: %" PRIu64 " of %" PRIu64 " records could not be decoded\n",
                d->bad, d->records);
done:
    view_free(&d->main);
    for (size_t i = 0; i < d->n_ids; i++)
        view_free(&d->ids[i]);
    dd_registry_destroy(d->registry);
    dd_json_plan_destroy(d->json);
    dd_avro_schema_destroy(schema);
    free(data);
    free(d);
    return status;
}

const dd_command_t dd_command_decode = {
    .name = "decode",
    .summary = "print what driftd decodes from Avro or JSON records, one JSON line each",
    .synopsis = decode_synopsis,
    .epilogue = decode_epilogue,
    .options = decode_options,
    .run = run_decode,
};
