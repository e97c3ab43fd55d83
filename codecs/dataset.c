/* dataset.c — a whole CSV file as typed columns, for `driftd compare` and reference files.
 *
 * Two passes over the memory-mapped file: the first checks the shape and decides each column's
 * kind (numeric when every non-null cell parses), the second fills arrays sized from the first.
 * Category spellings are kept per column in a hash table, up to NAMES_MAX per column, so a
 * report can name categories without keeping every cell; the same table tells, once a file is
 * read, which categorical columns hold only booleans (dataset_booleans, shared by the loaders). */
#include "codecs.h"
#include "dataset_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define NAMES_MAX ((size_t)1 << 20)
#define NUMBER_CHARS_MAX 63

uint64_t dd_codec_hash(const void *bytes, size_t len) {
    return (uint64_t)XXH3_64bits(bytes, len);
}

static void names_free(dataset_names_t *t) {
    for (size_t i = 0; i < t->cap; i++)
        free(t->names[i]);
    free(t->names);
    free(t->hashes);
}

static int names_grow(dataset_names_t *t) {
    const size_t cap = t->cap ? t->cap * 2 : 64;
    uint64_t *hashes = calloc(cap, sizeof(uint64_t));
    char **names = calloc(cap, sizeof(char *));
    if (hashes == NULL || names == NULL) {
        free(hashes);
        free(names);
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->names[i] == NULL)
            continue;
        size_t j = (size_t)t->hashes[i] & (cap - 1);
        while (names[j] != NULL)
            j = (j + 1) & (cap - 1);
        hashes[j] = t->hashes[i];
        names[j] = t->names[i];
    }
    free(t->names);
    free(t->hashes);
    t->names = names;
    t->hashes = hashes;
    t->cap = cap;
    return 0;
}

/* Keeps the first spelling of a hash; silently stops adding past NAMES_MAX (names are for
 * reports only; the hashes carry the data). */
int dataset_names_add(dataset_names_t *t, uint64_t hash, const char *s, size_t len) {
    if (t->used >= NAMES_MAX)
        return 0;
    if ((t->used + 1) * 2 > t->cap && names_grow(t) != 0)
        return -1;
    size_t j = (size_t)hash & (t->cap - 1);
    while (t->names[j] != NULL) {
        if (t->hashes[j] == hash)
            return 0;
        j = (j + 1) & (t->cap - 1);
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    t->names[j] = copy;
    t->hashes[j] = hash;
    t->used++;
    return 0;
}

void dd_dataset_destroy(dd_dataset_t *d) {
    if (d == NULL)
        return;
    for (size_t i = 0; d->cols != NULL && i < d->n_cols; i++) {
        free(d->cols[i].name);
        free(d->cols[i].numbers);
        free(d->cols[i].hashes);
        free(d->cols[i].nulls);
        names_free(&d->cols[i].names);
    }
    free(d->cols);
    free(d);
}

__attribute__((format(printf, 3, 4))) static void say(char *errstr, size_t size, const char *fmt, ...) {
    if (errstr == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

static void trim(const char **s, size_t *len) {
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

static int is_null_cell(const char *s, size_t len) {
    static const char *const spellings[] = {"NA", "N/A", "null", "NULL", "None"};
    trim(&s, &len);
    if (len == 0)
        return 1;
    for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
        if (strlen(spellings[i]) == len && memcmp(spellings[i], s, len) == 0)
            return 1;
    return 0;
}

/* 10^0 .. 10^22: every one an exact double. */
static const double exact_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The common cell, [+-]digits[.digits][(e|E)[+-]digits] with at most 19 significant digits, by
 * Clinger's fast path: when the digits w ≤ 2^53 and |e10| ≤ 22, w and 10^|e10| are exact doubles
 * and one multiplication or division rounds correctly, so the result is strtod's bit for bit.
 * 1 when it decided (*out set), 0 when strtod must (other spellings, more digits, larger
 * exponents). */
static int parse_number_fast(const char *s, size_t len, double *out) {
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    uint64_t w = 0;
    unsigned significant = 0, digits = 0;
    int64_t e10 = 0;
    for (; i < len && (unsigned)(s[i] - '0') <= 9; i++, digits++) {
        if (w == 0 && s[i] == '0')
            continue;
        if (++significant > 19)
            return 0;
        w = w * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && (unsigned)(s[i] - '0') <= 9; i++, digits++) {
            e10--;
            if (w == 0 && s[i] == '0')
                continue;
            if (++significant > 19)
                return 0;
            w = w * 10 + (uint64_t)(s[i] - '0');
        }
    }
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            eneg = s[i++] == '-';
        int64_t e = 0;
        unsigned edigits = 0;
        for (; i < len && (unsigned)(s[i] - '0') <= 9; i++)
            if (++edigits > 4 || (e = e * 10 + (s[i] - '0')) < 0)
                return 0;
        if (edigits == 0)
            return 0;
        e10 += eneg ? -e : e;
    }
    if (i != len)
        return 0;
    if (w == 0) {
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    if (w > ((uint64_t)1 << 53) || e10 < -22 || e10 > 22)
        return 0;
    const double v = e10 < 0 ? (double)w / exact_pow10[-e10] : (double)w * exact_pow10[e10];
    *out = neg ? -v : v;
    return 1;
}

/* A number in C syntax (strtod, "C" locale), surrounding blanks allowed. */
int dataset_parse_number(const char *s, size_t len, double *out) {
    trim(&s, &len);
    if (len == 0 || len > NUMBER_CHARS_MAX)
        return -1;
    if (parse_number_fast(s, len, out))
        return 0;
    char buf[NUMBER_CHARS_MAX + 1];
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    const double v = strtod(buf, &end);
    if (end != buf + len)
        return -1;
    /* Overflow gives ±HUGE_VAL with ERANGE: keep it as ±inf, which is what the text says. */
    *out = v;
    return 0;
}

/* ---- Booleans ---- */

int dataset_boolean_spelling(const char *s, size_t len) {
    trim(&s, &len);
    if (len == 1 && (s[0] == '0' || s[0] == '1'))
        return s[0] == '1' ? 3 : 2;
    if (len == 4 && strncasecmp(s, "true", 4) == 0)
        return 1;
    if (len == 5 && strncasecmp(s, "false", 5) == 0)
        return 0;
    return -1;
}

/* A numeric cell: a number, or, in a hinted column, true/false in any case as 1/0 (as JSON and
 * Avro booleans read into a numeric column). */
static int parse_numeric_cell(const char *s, size_t len, int hinted, double *out) {
    if (dataset_parse_number(s, len, out) == 0)
        return 0;
    const int b = hinted ? dataset_boolean_spelling(s, len) : -1;
    if (b != 0 && b != 1)
        return -1;
    *out = b;
    return 0;
}

/* Room for every letter-case variant of true and false and both digits, with blanks to spare. */
enum { SPELLINGS_MAX = 128 };

typedef struct spellings {
    uint64_t hashes[SPELLINGS_MAX];
    uint8_t truth[SPELLINGS_MAX];
    size_t n;
} spellings_t;

static long spelling_index(const spellings_t *sp, uint64_t h) {
    for (size_t i = 0; i < sp->n; i++)
        if (sp->hashes[i] == h)
            return (long)i;
    return -1;
}

/* One column (see dataset_booleans). Returns 0, or −1 when out of memory. */
static int column_booleans(dataset_column_t *col, size_t rows) {
    if (col->kind != DD_COLUMN_CATEGORICAL || col->boolean_hint == DD_BOOLEAN_NO)
        return 0;
    const int forced = col->boolean_hint == DD_BOOLEAN_YES;
    dataset_names_t *t = &col->names;
    /* A names table at its cap may lack spellings: then the values are not all known. */
    if (!forced && t->used >= NAMES_MAX)
        return 0;
    spellings_t sp;
    sp.n = 0;
    int words = 0;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->names[i] == NULL)
            continue;
        const int b = dataset_boolean_spelling(t->names[i], strlen(t->names[i]));
        if (b < 0 || sp.n == SPELLINGS_MAX) {
            if (!forced)
                return 0; /* a value that is not a boolean: an ordinary categorical column */
            continue;     /* kept as written */
        }
        words |= b <= 1;
        sp.hashes[sp.n] = t->hashes[i];
        sp.truth[sp.n] = (uint8_t)(b & 1);
        sp.n++;
    }
    if (!forced && !words)
        return 0; /* 0 and 1 alone are numbers (or codes), not booleans */
    const uint8_t *nulls = col->nulls;
    if (!forced) /* every value must be a known spelling (a loader may not have named one) */
        for (size_t r = 0; r < rows; r++)
            if (!((nulls[r / 8] >> (r % 8)) & 1) && spelling_index(&sp, col->hashes[r]) < 0)
                return 0;
    const uint64_t h_true = dd_codec_hash("true", 4), h_false = dd_codec_hash("false", 5);
    int seen_true = 0, seen_false = 0;
    for (size_t r = 0; r < rows; r++) {
        if ((nulls[r / 8] >> (r % 8)) & 1)
            continue;
        const long k = spelling_index(&sp, col->hashes[r]);
        if (k < 0)
            continue;
        col->hashes[r] = sp.truth[k] ? h_true : h_false;
        seen_true |= sp.truth[k];
        seen_false |= !sp.truth[k];
    }
    /* The names: the canonical two, and (forced) the other categories as written. */
    dataset_names_t fresh = {0};
    int status = 0;
    for (size_t i = 0; i < t->cap && status == 0; i++)
        if (t->names[i] != NULL && spelling_index(&sp, t->hashes[i]) < 0)
            status = dataset_names_add(&fresh, t->hashes[i], t->names[i], strlen(t->names[i]));
    if (status == 0 && seen_true)
        status = dataset_names_add(&fresh, h_true, "true", 4);
    if (status == 0 && seen_false)
        status = dataset_names_add(&fresh, h_false, "false", 5);
    names_free(t);
    *t = fresh;
    col->boolean = 1;
    return status;
}

int dataset_booleans(dd_dataset_t *d) {
    for (size_t c = 0; c < d->n_cols; c++)
        if (column_booleans(&d->cols[c], d->rows) != 0)
            return -1;
    return 0;
}

/* Memory-maps path read-only; *len 0 gives a NULL map. */
dd_codec_err_t dataset_map_file(const char *path, const uint8_t **data, size_t *len, char *errstr,
                                size_t errstr_size) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        say(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return DD_CODEC_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        say(errstr, errstr_size, "%s: not a regular file", path);
        close(fd);
        return DD_CODEC_ERR_IO;
    }
    *len = (size_t)st.st_size;
    *data = NULL;
    if (*len > 0) {
        void *map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            say(errstr, errstr_size, "%s: %s", path, strerror(errno));
            close(fd);
            return DD_CODEC_ERR_IO;
        }
        *data = map;
    }
    close(fd);
    return DD_CODEC_OK;
}

static dd_codec_err_t csv_error(dd_csv_reader_t *r, dd_codec_err_t err, const char *path,
                                char *errstr, size_t errstr_size) {
    uint64_t line, column, offset;
    dd_csv_error_position(r, &line, &column, &offset);
    say(errstr, errstr_size, "%s:%llu:%llu: %s", path, (unsigned long long)line,
        (unsigned long long)column, dd_codec_strerror(err));
    return err;
}

static dd_codec_err_t read_header(dd_dataset_t *d, dd_csv_reader_t *r, const char *path,
                                  char *errstr, size_t errstr_size) {
    const char *const *f;
    const size_t *len;
    size_t n;
    dd_codec_err_t err = dd_csv_next(r, &f, &len, &n);
    if (err == DD_CODEC_END) {
        say(errstr, errstr_size, "%s: empty file (no header row)", path);
        return DD_CODEC_ERR_EMPTY;
    }
    if (err != DD_CODEC_OK)
        return csv_error(r, err, path, errstr, errstr_size);
    d->cols = calloc(n, sizeof(dataset_column_t));
    if (d->cols == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    d->n_cols = n;
    for (size_t i = 0; i < n; i++) {
        const char *s = f[i];
        size_t l = len[i];
        trim(&s, &l);
        d->cols[i].name = malloc(l + 1);
        if (d->cols[i].name == NULL)
            return DD_CODEC_ERR_NO_MEMORY;
        memcpy(d->cols[i].name, s, l);
        d->cols[i].name[l] = '\0';
        d->cols[i].kind = DD_COLUMN_NUMERIC;
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->cols[j].name, d->cols[i].name) == 0) {
                say(errstr, errstr_size, "%s:%llu: columns %zu and %zu are both named '%s'", path,
                    (unsigned long long)dd_csv_record_line(r), j + 1, i + 1, d->cols[i].name);
                return DD_CODEC_ERR_DUPLICATE_COLUMN;
            }
    }
    return DD_CODEC_OK;
}

/* Pass 1: row count, field counts, each column's kind. */
static dd_codec_err_t scan_rows(dd_dataset_t *d, dd_csv_reader_t *r, const char *path,
                                char *errstr, size_t errstr_size) {
    const char *const *f;
    const size_t *len;
    size_t n;
    dd_codec_err_t err;
    while ((err = dd_csv_next(r, &f, &len, &n)) == DD_CODEC_OK) {
        const unsigned long long line = (unsigned long long)dd_csv_record_line(r);
        if (n != d->n_cols) {
            say(errstr, errstr_size, "%s:%llu: %zu fields, but the header has %zu", path, line, n,
                d->n_cols);
            return DD_CODEC_ERR_RAGGED_ROW;
        }
        for (size_t c = 0; c < n; c++) {
            dataset_column_t *col = &d->cols[c];
            double v;
            if (col->kind != DD_COLUMN_NUMERIC || is_null_cell(f[c], len[c]) ||
                parse_numeric_cell(f[c], len[c], col->hinted, &v) == 0)
                continue;
            if (col->hinted) {
                say(errstr, errstr_size, "%s:%llu: column %zu ('%s'): '%.*s' is not a number", path,
                    line, c + 1, col->name, (int)(len[c] > 40 ? 40 : len[c]), f[c]);
                return DD_CODEC_ERR_BAD_NUMBER;
            }
            col->kind = DD_COLUMN_CATEGORICAL;
        }
        d->rows++;
    }
    if (err != DD_CODEC_END)
        return csv_error(r, err, path, errstr, errstr_size);
    return DD_CODEC_OK;
}

/* Pass 2: fill the columns. The shape was checked in pass 1. */
static dd_codec_err_t fill_rows(dd_dataset_t *d, dd_csv_reader_t *r) {
    for (size_t c = 0; c < d->n_cols; c++) {
        dataset_column_t *col = &d->cols[c];
        col->nulls = calloc(d->rows / 8 + 1, 1);
        if (col->kind == DD_COLUMN_NUMERIC)
            col->numbers = calloc(d->rows + 1, sizeof(double));
        else
            col->hashes = calloc(d->rows + 1, sizeof(uint64_t));
        if (col->nulls == NULL || (col->numbers == NULL && col->hashes == NULL))
            return DD_CODEC_ERR_NO_MEMORY;
    }
    const char *const *f;
    const size_t *len;
    size_t n;
    (void)dd_csv_next(r, &f, &len, &n); /* header */
    for (size_t row = 0; row < d->rows; row++) {
        if (dd_csv_next(r, &f, &len, &n) != DD_CODEC_OK || n != d->n_cols)
            return DD_CODEC_ERR_IO; /* the file changed between the passes */
        for (size_t c = 0; c < n; c++) {
            dataset_column_t *col = &d->cols[c];
            if (is_null_cell(f[c], len[c])) {
                col->nulls[row / 8] |= (uint8_t)(1u << (row % 8));
                continue;
            }
            if (col->kind == DD_COLUMN_NUMERIC) {
                if (parse_numeric_cell(f[c], len[c], col->hinted, &col->numbers[row]) != 0)
                    return DD_CODEC_ERR_IO;
            } else {
                const uint64_t h = dd_codec_hash(f[c], len[c]);
                col->hashes[row] = h;
                if (dataset_names_add(&col->names, h, f[c], len[c]) != 0)
                    return DD_CODEC_ERR_NO_MEMORY;
            }
        }
    }
    return DD_CODEC_OK;
}

dd_codec_err_t dd_dataset_load_csv(const char *path, const dd_csv_options_t *opts,
                                   const dd_column_hint_t *hints, size_t n_hints,
                                   dd_dataset_t **out, char *errstr, size_t errstr_size) {
    if (path == NULL || out == NULL || (hints == NULL && n_hints > 0))
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    const uint8_t *data;
    size_t len;
    dd_codec_err_t err = dataset_map_file(path, &data, &len, errstr, errstr_size);
    if (err != DD_CODEC_OK)
        return err;
    dd_dataset_t *d = calloc(1, sizeof(*d));
    dd_csv_reader_t *r = NULL;
    if (d == NULL) {
        err = DD_CODEC_ERR_NO_MEMORY;
        goto done;
    }
    if ((err = dd_csv_reader_new(data, len, opts, &r)) != DD_CODEC_OK ||
        (err = read_header(d, r, path, errstr, errstr_size)) != DD_CODEC_OK)
        goto done;
    for (size_t h = 0; h < n_hints; h++) {
        const long c = dd_dataset_find_column(d, hints[h].name);
        if (c < 0) {
            say(errstr, errstr_size, "%s: the schema names column '%s', which is not in the header",
                path, hints[h].name);
            err = DD_CODEC_ERR_UNKNOWN_COLUMN;
            goto done;
        }
        d->cols[c].kind = hints[h].kind;
        d->cols[c].hinted = 1;
        d->cols[c].boolean_hint = hints[h].boolean;
    }
    if ((err = scan_rows(d, r, path, errstr, errstr_size)) != DD_CODEC_OK)
        goto done;
    dd_csv_reader_destroy(r);
    r = NULL;
    if ((err = dd_csv_reader_new(data, len, opts, &r)) != DD_CODEC_OK ||
        (err = fill_rows(d, r)) != DD_CODEC_OK) {
        if (err == DD_CODEC_ERR_IO)
            say(errstr, errstr_size, "%s: the file changed while it was read", path);
        goto done;
    }
    if (dataset_booleans(d) != 0)
        err = DD_CODEC_ERR_NO_MEMORY;
done:
    dd_csv_reader_destroy(r);
    if (data != NULL)
        munmap((void *)(uintptr_t)data, len);
    if (err == DD_CODEC_ERR_NO_MEMORY)
        say(errstr, errstr_size, "%s: out of memory", path);
    if (err != DD_CODEC_OK) {
        dd_dataset_destroy(d);
        return err;
    }
    *out = d;
    return DD_CODEC_OK;
}

size_t dd_dataset_rows(const dd_dataset_t *d) {
    return d->rows;
}
size_t dd_dataset_columns(const dd_dataset_t *d) {
    return d->n_cols;
}
const char *dd_dataset_column_name(const dd_dataset_t *d, size_t column) {
    return column < d->n_cols ? d->cols[column].name : NULL;
}
long dd_dataset_find_column(const dd_dataset_t *d, const char *name) {
    for (size_t i = 0; i < d->n_cols; i++)
        if (strcmp(d->cols[i].name, name) == 0)
            return (long)i;
    return -1;
}
dd_column_kind_t dd_dataset_column_kind(const dd_dataset_t *d, size_t column) {
    return d->cols[column].kind;
}
const double *dd_dataset_numbers(const dd_dataset_t *d, size_t column) {
    return column < d->n_cols ? d->cols[column].numbers : NULL;
}
const uint64_t *dd_dataset_hashes(const dd_dataset_t *d, size_t column) {
    return column < d->n_cols ? d->cols[column].hashes : NULL;
}
const uint8_t *dd_dataset_nulls(const dd_dataset_t *d, size_t column) {
    return column < d->n_cols ? d->cols[column].nulls : NULL;
}
int dd_dataset_column_boolean(const dd_dataset_t *d, size_t column) {
    return column < d->n_cols && d->cols[column].boolean;
}
const char *dd_dataset_category_name(const dd_dataset_t *d, size_t column, uint64_t hash) {
    if (column >= d->n_cols || d->cols[column].names.cap == 0)
        return NULL;
    const dataset_names_t *t = &d->cols[column].names;
    size_t j = (size_t)hash & (t->cap - 1);
    while (t->names[j] != NULL) {
        if (t->hashes[j] == hash)
            return t->names[j];
        j = (j + 1) & (t->cap - 1);
    }
    return NULL;
}
