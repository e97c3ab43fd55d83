/* csv.c — RFC 4180 records from a buffer, bounded and position-aware.
 *
 * Fields point straight into the input unless they contain "" escapes; those are unescaped into a
 * scratch buffer that only grows (to the longest record seen), so steady-state reading allocates
 * nothing. Scratch fields are kept as offsets until the record is complete, because growing the
 * scratch may move it. */
#include "codecs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOT_IN_SCRATCH SIZE_MAX

struct dd_csv_reader {
    const uint8_t *pos, *end, *data;
    dd_csv_options_t opt;
    const char **fields;
    size_t *lengths;
    size_t *scratch_at; /* per field: offset in scratch, or NOT_IN_SCRATCH */
    size_t fields_cap;
    char *scratch;
    size_t scratch_cap, scratch_len;
    uint64_t line;              /* line number at pos, 1-based */
    const uint8_t *line_start;  /* first byte of that line */
    uint64_t record_line;
    uint64_t err_line, err_column, err_offset;
};

void dd_csv_options_default(dd_csv_options_t *o) {
    o->delimiter = ',';
    o->field_bytes_max = (size_t)1 << 20;
    o->fields_max = 16384;
}

dd_codec_err_t dd_csv_reader_new(const uint8_t *data, size_t len, const dd_csv_options_t *opts,
                                 dd_csv_reader_t **out) {
    if (out == NULL || (data == NULL && len > 0))
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    dd_csv_options_t o;
    dd_csv_options_default(&o);
    if (opts != NULL)
        o = *opts;
    if (o.delimiter == '"' || o.delimiter == '\r' || o.delimiter == '\n' || o.fields_max == 0 ||
        o.field_bytes_max == 0)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    dd_csv_reader_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    r->data = data;
    r->pos = data;
    r->end = data + len;
    r->opt = o;
    r->line = 1;
    r->line_start = data;
    if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
        r->pos += 3; /* UTF-8 byte-order mark */
        r->line_start = r->pos;
    }
    *out = r;
    return DD_CODEC_OK;
}

void dd_csv_reader_destroy(dd_csv_reader_t *r) {
    if (r == NULL)
        return;
    free(r->fields);
    free(r->lengths);
    free(r->scratch_at);
    free(r->scratch);
    free(r);
}

static dd_codec_err_t ensure_fields(dd_csv_reader_t *r, size_t n) {
    if (n < r->fields_cap)
        return DD_CODEC_OK;
    size_t cap = r->fields_cap ? r->fields_cap * 2 : 64;
    if (cap > r->opt.fields_max)
        cap = r->opt.fields_max;
    const char **f = realloc(r->fields, cap * sizeof(*f));
    if (f != NULL)
        r->fields = f;
    size_t *l = realloc(r->lengths, cap * sizeof(*l));
    if (l != NULL)
        r->lengths = l;
    size_t *s = realloc(r->scratch_at, cap * sizeof(*s));
    if (s != NULL)
        r->scratch_at = s;
    if (f == NULL || l == NULL || s == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    r->fields_cap = cap;
    return DD_CODEC_OK;
}

static dd_codec_err_t ensure_scratch(dd_csv_reader_t *r, size_t extra) {
    if (r->scratch_len + extra <= r->scratch_cap)
        return DD_CODEC_OK;
    size_t cap = r->scratch_cap ? r->scratch_cap : 4096;
    while (cap < r->scratch_len + extra)
        cap *= 2;
    char *s = realloc(r->scratch, cap);
    if (s == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    r->scratch = s;
    r->scratch_cap = cap;
    return DD_CODEC_OK;
}

/* Consumes one line break at pos (CRLF, LF or CR) and starts the next line. */
static void take_newline(dd_csv_reader_t *r) {
    if (r->pos < r->end && *r->pos == '\r') {
        r->pos++;
        if (r->pos < r->end && *r->pos == '\n')
            r->pos++;
    } else if (r->pos < r->end && *r->pos == '\n') {
        r->pos++;
    }
    r->line++;
    r->line_start = r->pos;
}

static int at_newline(const dd_csv_reader_t *r) {
    return r->pos < r->end && (*r->pos == '\n' || *r->pos == '\r');
}

static void set_error(dd_csv_reader_t *r, const uint8_t *where, uint64_t line,
                      const uint8_t *line_start) {
    r->err_line = line;
    r->err_column = (uint64_t)(where - line_start) + 1;
    r->err_offset = (uint64_t)(where - r->data);
}

static void skip_rest_of_line(dd_csv_reader_t *r) {
    while (r->pos < r->end && !at_newline(r))
        r->pos++;
    if (r->pos < r->end)
        take_newline(r);
}

/* Records the error's position on the current line, then skips to the next line so reading can
 * go on. */
static dd_codec_err_t fail(dd_csv_reader_t *r, dd_codec_err_t err, const uint8_t *where) {
    set_error(r, where, r->line, r->line_start);
    skip_rest_of_line(r);
    return err;
}

/* A quoted field; pos is on the opening quote. */
static dd_codec_err_t quoted_field(dd_csv_reader_t *r, size_t i) {
    const uint8_t *open = r->pos;
    const uint64_t open_line = r->line;
    const uint8_t *open_line_start = r->line_start;
    const uint8_t *start = ++r->pos;
    size_t escapes = 0;
    for (;;) {
        if (r->pos >= r->end) {
            /* Report the opening quote: that is where the user has to look. */
            set_error(r, open, open_line, open_line_start);
            return DD_CODEC_ERR_CSV_UNTERMINATED;
        }
        const uint8_t c = *r->pos;
        if (c == '"') {
            if (r->pos + 1 < r->end && r->pos[1] == '"') {
                escapes++;
                r->pos += 2;
                continue;
            }
            break;
        }
        if (c == '\n' || (c == '\r' && (r->pos + 1 >= r->end || r->pos[1] != '\n'))) {
            r->pos++;
            r->line++;
            r->line_start = r->pos;
            continue;
        }
        r->pos++;
    }
    const size_t raw_len = (size_t)(r->pos - start);
    const size_t len = raw_len - escapes;
    r->pos++; /* closing quote */
    if (len > r->opt.field_bytes_max) {
        set_error(r, open, open_line, open_line_start); /* the field may span lines */
        skip_rest_of_line(r);
        return DD_CODEC_ERR_FIELD_TOO_LONG;
    }
    if (r->pos < r->end && *r->pos != (uint8_t)r->opt.delimiter && !at_newline(r))
        return fail(r, DD_CODEC_ERR_CSV_AFTER_QUOTE, r->pos);
    r->lengths[i] = len;
    if (escapes == 0) {
        r->fields[i] = (const char *)start;
        r->scratch_at[i] = NOT_IN_SCRATCH;
        return DD_CODEC_OK;
    }
    if (ensure_scratch(r, len) != DD_CODEC_OK)
        return DD_CODEC_ERR_NO_MEMORY;
    char *dst = r->scratch + r->scratch_len;
    for (const uint8_t *p = start; p < start + raw_len; p++) {
        *dst++ = (char)*p;
        if (*p == '"')
            p++; /* the second quote of "" */
    }
    r->scratch_at[i] = r->scratch_len;
    r->scratch_len += len;
    return DD_CODEC_OK;
}

static dd_codec_err_t plain_field(dd_csv_reader_t *r, size_t i) {
    const uint8_t *start = r->pos;
    const uint8_t delimiter = (uint8_t)r->opt.delimiter;
    while (r->pos < r->end) {
        const uint8_t c = *r->pos;
        if (c == delimiter || c == '\n' || c == '\r')
            break;
        if (c == '"')
            return fail(r, DD_CODEC_ERR_CSV_STRAY_QUOTE, r->pos);
        r->pos++;
    }
    const size_t len = (size_t)(r->pos - start);
    if (len > r->opt.field_bytes_max)
        return fail(r, DD_CODEC_ERR_FIELD_TOO_LONG, start + r->opt.field_bytes_max);
    r->fields[i] = (const char *)start;
    r->lengths[i] = len;
    r->scratch_at[i] = NOT_IN_SCRATCH;
    return DD_CODEC_OK;
}

dd_codec_err_t dd_csv_next(dd_csv_reader_t *r, const char *const **fields, const size_t **lengths,
                           size_t *n_fields) {
    if (r == NULL || fields == NULL || lengths == NULL || n_fields == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    while (at_newline(r))
        take_newline(r); /* empty lines */
    if (r->pos >= r->end)
        return DD_CODEC_END;
    r->record_line = r->line;
    r->scratch_len = 0;
    size_t n = 0;
    for (;;) {
        if (n >= r->opt.fields_max)
            return fail(r, DD_CODEC_ERR_TOO_MANY_FIELDS, r->pos);
        if (ensure_fields(r, n) != DD_CODEC_OK)
            return DD_CODEC_ERR_NO_MEMORY;
        const dd_codec_err_t err =
            (r->pos < r->end && *r->pos == '"') ? quoted_field(r, n) : plain_field(r, n);
        if (err != DD_CODEC_OK)
            return err;
        n++;
        if (r->pos < r->end && *r->pos == (uint8_t)r->opt.delimiter) {
            r->pos++;
            continue;
        }
        if (r->pos < r->end)
            take_newline(r);
        break;
    }
    for (size_t i = 0; i < n; i++)
        if (r->scratch_at[i] != NOT_IN_SCRATCH)
            r->fields[i] = r->scratch + r->scratch_at[i];
    *fields = r->fields;
    *lengths = r->lengths;
    *n_fields = n;
    return DD_CODEC_OK;
}

uint64_t dd_csv_record_line(const dd_csv_reader_t *r) {
    return r->record_line;
}

void dd_csv_error_position(const dd_csv_reader_t *r, uint64_t *line, uint64_t *column,
                           uint64_t *offset) {
    if (line != NULL)
        *line = r->err_line;
    if (column != NULL)
        *column = r->err_column;
    if (offset != NULL)
        *offset = r->err_offset;
}
