/* test_prom.c — the Prometheus text builder (engine/out/prom.c).
 *
 * - output follows the exposition format 0.0.4 grammar, checked line by line by a small parser
 *   written here independently of prom.c (HELP/TYPE before a family's samples, a family's
 *   samples contiguous, only the defined escapes, valid UTF-8 everywhere);
 * - label values and HELP text from untrusted sources are escaped, never rejected, and read
 *   back to exactly what was written (random values with every special character); bytes that
 *   are not UTF-8 come out as U+FFFD;
 * - sample values: NaN, +Inf, -Inf spelled as Prometheus wants, every finite double reads back
 *   bit-exactly, integer counters are exact up to 2^64-1 through dd_prom_sample_u64;
 * - an invalid metric name, label name, repeated label or type sets `failed`, writes nothing,
 *   and nothing is written after it until dd_prom_reset;
 * - the buffer grows to 100,000 samples; an allocation failure at any point leaves text that is
 *   the full rendering cut at a line boundary.
 *
 * realloc is wrapped at link time (-Wl,--wrap=realloc) so allocations can be made to fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

/* ---- allocation failure injection ---------------------------------------------------------- */

void *__real_realloc(void *ptr, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static long realloc_calls;
static long realloc_fail_at = -1; /* the call index that returns NULL; -1 never */

void *__wrap_realloc(void *ptr, size_t size) {
    if (realloc_fail_at >= 0 && realloc_calls++ == realloc_fail_at)
        return NULL;
    return __real_realloc(ptr, size);
}

/* ---- an independent parser of the exposition format ---------------------------------------- */

#define LABELS_MAX 8
#define FAMILIES_MAX 64

typedef struct sample {
    char *name;
    size_t n_labels;
    char *label_names[LABELS_MAX];
    char *label_values[LABELS_MAX]; /* unescaped */
    char *value_text;
    double value;
} sample_t;

typedef struct parsed {
    sample_t *samples;
    size_t n_samples, cap;
    char *help_name[FAMILIES_MAX], *help_text[FAMILIES_MAX]; /* help unescaped */
    size_t n_help;
    char *type_name[FAMILIES_MAX], *type_text[FAMILIES_MAX];
    size_t n_type;
    char error[256];
} parsed_t;

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    assert_non_null(d);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void parsed_free(parsed_t *p) {
    for (size_t i = 0; i < p->n_samples; i++) {
        free(p->samples[i].name);
        free(p->samples[i].value_text);
        for (size_t l = 0; l < p->samples[i].n_labels; l++) {
            free(p->samples[i].label_names[l]);
            free(p->samples[i].label_values[l]);
        }
    }
    free(p->samples);
    for (size_t i = 0; i < p->n_help; i++) {
        free(p->help_name[i]);
        free(p->help_text[i]);
    }
    for (size_t i = 0; i < p->n_type; i++) {
        free(p->type_name[i]);
        free(p->type_text[i]);
    }
    memset(p, 0, sizeof *p);
}

static int utf8_valid(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        const unsigned c = s[i];
        size_t len;
        unsigned cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static int is_name_start(char c, int colon_ok) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
}

static int is_name_char(char c, int colon_ok) {
    return is_name_start(c, colon_ok) || (c >= '0' && c <= '9');
}

/* Reads a name at *s; returns its length (0 when there is none). */
static size_t read_name(const char *s, int colon_ok) {
    if (!is_name_start(s[0], colon_ok))
        return 0;
    size_t n = 1;
    while (is_name_char(s[n], colon_ok))
        n++;
    return n;
}

/* Unescapes text up to `end` (exclusive) or, for quoted label values, up to the first unescaped
 * quote; only the escapes the format defines are accepted. Returns the bytes consumed, or
 * SIZE_MAX on a bad escape or a missing closing quote. */
static size_t unescape(const char *s, size_t avail, int quoted, char **out) {
    char *d = malloc(avail + 1);
    assert_non_null(d);
    size_t i = 0, n = 0;
    for (;;) {
        if (i == avail) {
            if (quoted) {
                free(d);
                return SIZE_MAX;
            }
            break;
        }
        const char c = s[i];
        if (quoted && c == '"')
            break;
        if (c == '\\') {
            if (i + 1 == avail) {
                free(d);
                return SIZE_MAX;
            }
            const char e = s[i + 1];
            if (e == '\\')
                d[n++] = '\\';
            else if (e == 'n')
                d[n++] = '\n';
            else if (e == '"' && quoted)
                d[n++] = '"';
            else {
                free(d);
                return SIZE_MAX;
            }
            i += 2;
            continue;
        }
        d[n++] = c;
        i++;
    }
    d[n] = '\0';
    *out = d;
    return i;
}

static int parse_fail(parsed_t *p, size_t line, const char *what) {
    snprintf(p->error, sizeof p->error, "line %zu: %s", line, what);
    return -1;
}

static const char *find_in(char *const *names, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return names[i];
    return NULL;
}

/* The family a sample name belongs to: the name itself, or the name without _bucket, _sum or
 * _count when that is a histogram or summary typed earlier. */
static void family_of(const parsed_t *p, const char *name, char *family, size_t size) {
    snprintf(family, size, "%s", name);
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    for (size_t s = 0; s < 3; s++) {
        const size_t n = strlen(name), k = strlen(suffixes[s]);
        if (n > k && strcmp(name + n - k, suffixes[s]) == 0) {
            char base[256];
            snprintf(base, sizeof base, "%.*s", (int)(n - k), name);
            for (size_t t = 0; t < p->n_type; t++)
                if (strcmp(p->type_name[t], base) == 0 &&
                    (strcmp(p->type_text[t], "histogram") == 0 ||
                     strcmp(p->type_text[t], "summary") == 0))
                    snprintf(family, size, "%s", base);
        }
    }
}

static int parse_exposition(const char *text, size_t len, parsed_t *p) {
    memset(p, 0, sizeof *p);
    if (!utf8_valid((const unsigned char *)text, len))
        return parse_fail(p, 0, "not UTF-8");
    if (len > 0 && text[len - 1] != '\n')
        return parse_fail(p, 0, "the last line does not end with a newline");
    if (memchr(text, '\0', len) != NULL)
        return parse_fail(p, 0, "NUL byte");
    char *closed[FAMILIES_MAX]; /* families whose samples ended */
    size_t n_closed = 0;
    char current[256] = "";
    size_t line_no = 0;
    int rc = 0;
    for (size_t at = 0; at < len && rc == 0;) {
        line_no++;
        const char *line = text + at;
        const size_t n = (size_t)((const char *)memchr(line, '\n', len - at) - line);
        at += n + 1;
        if (n == 0)
            continue; /* blank lines are allowed */
        if (line[0] == '#') {
            const int help = n > 7 && strncmp(line, "# HELP ", 7) == 0;
            const int type = n > 7 && strncmp(line, "# TYPE ", 7) == 0;
            if (!help && !type)
                continue; /* any other comment */
            const size_t name_len = read_name(line + 7, 1);
            if (name_len == 0 || 7 + name_len >= n || line[7 + name_len] != ' ') {
                rc = parse_fail(p, line_no, "HELP/TYPE without a valid name and a space");
                break;
            }
            char *name = dup_n(line + 7, name_len);
            const char *rest = line + 8 + name_len;
            const size_t rest_len = n - 8 - name_len;
            if (find_in(closed, n_closed, name) != NULL || strcmp(name, current) == 0) {
                free(name);
                rc = parse_fail(p, line_no, "HELP/TYPE after the family's samples");
                break;
            }
            if (help) {
                char *doc = NULL;
                if (find_in(p->help_name, p->n_help, name) != NULL || p->n_help == FAMILIES_MAX ||
                    unescape(rest, rest_len, 0, &doc) == SIZE_MAX) {
                    free(name);
                    rc = parse_fail(p, line_no, "repeated HELP or bad escape in HELP");
                    break;
                }
                p->help_name[p->n_help] = name;
                p->help_text[p->n_help++] = doc;
            } else {
                static const char *const types[] = {"counter", "gauge", "histogram", "summary",
                                                    "untyped"};
                int ok = 0;
                for (size_t t = 0; t < 5; t++)
                    ok |= rest_len == strlen(types[t]) && strncmp(rest, types[t], rest_len) == 0;
                if (!ok || find_in(p->type_name, p->n_type, name) != NULL ||
                    p->n_type == FAMILIES_MAX) {
                    free(name);
                    rc = parse_fail(p, line_no, "unknown or repeated TYPE");
                    break;
                }
                p->type_name[p->n_type] = name;
                p->type_text[p->n_type++] = dup_n(rest, rest_len);
            }
            continue;
        }
        /* A sample: name [{labels}] value [timestamp] */
        if (p->n_samples == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 64;
            p->samples = realloc(p->samples, p->cap * sizeof *p->samples);
            assert_non_null(p->samples);
        }
        sample_t *s = &p->samples[p->n_samples];
        memset(s, 0, sizeof *s);
        size_t i = read_name(line, 1);
        if (i == 0) {
            rc = parse_fail(p, line_no, "sample without a valid metric name");
            break;
        }
        s->name = dup_n(line, i);
        p->n_samples++;
        if (i < n && line[i] == '{') {
            i++;
            while (i < n && line[i] != '}') {
                const size_t ln = read_name(line + i, 0);
                if (ln == 0 || s->n_labels == LABELS_MAX || i + ln + 1 >= n ||
                    line[i + ln] != '=' || line[i + ln + 1] != '"') {
                    rc = parse_fail(p, line_no, "bad label name or missing =\"");
                    break;
                }
                s->label_names[s->n_labels] = dup_n(line + i, ln);
                for (size_t k = 0; k < s->n_labels; k++)
                    if (strcmp(s->label_names[k], s->label_names[s->n_labels]) == 0)
                        rc = parse_fail(p, line_no, "repeated label name");
                i += ln + 2;
                char *value = NULL;
                const size_t used = unescape(line + i, n - i, 1, &value);
                if (used == SIZE_MAX) {
                    s->n_labels++;
                    rc = parse_fail(p, line_no, "bad escape or unterminated label value");
                    break;
                }
                s->label_values[s->n_labels++] = value;
                i += used + 1;
                if (i < n && line[i] == ',')
                    i++;
                else if (i >= n || line[i] != '}') {
                    rc = parse_fail(p, line_no, "expected , or } after a label");
                    break;
                }
            }
            if (rc != 0)
                break;
            if (i >= n || line[i] != '}') {
                rc = parse_fail(p, line_no, "unterminated label set");
                break;
            }
            i++;
        }
        if (i >= n || line[i] != ' ') {
            rc = parse_fail(p, line_no, "no space before the value");
            break;
        }
        i++;
        const char *sp = memchr(line + i, ' ', n - i);
        const size_t vlen = sp != NULL ? (size_t)(sp - (line + i)) : n - i;
        s->value_text = dup_n(line + i, vlen);
        if (strcmp(s->value_text, "NaN") == 0) {
            s->value = NAN;
        } else if (strcmp(s->value_text, "+Inf") == 0) {
            s->value = INFINITY;
        } else if (strcmp(s->value_text, "-Inf") == 0) {
            s->value = -INFINITY;
        } else {
            char *end = NULL;
            s->value = strtod(s->value_text, &end);
            if (vlen == 0 || *end != '\0' || strpbrk(s->value_text, "nNiI") != NULL) {
                rc = parse_fail(p, line_no, "value is not a float");
                break;
            }
        }
        if (sp != NULL) { /* a timestamp: an integer */
            const char *ts = sp + 1;
            const size_t tlen = n - (size_t)(ts - line);
            if (tlen == 0 || strspn(ts, "-0123456789") < tlen) {
                rc = parse_fail(p, line_no, "bad timestamp");
                break;
            }
        }
        char family[256];
        family_of(p, s->name, family, sizeof family);
        if (strcmp(family, current) != 0) {
            if (find_in(closed, n_closed, family) != NULL) {
                rc = parse_fail(p, line_no, "samples of a family are not contiguous");
                break;
            }
            if (current[0] != '\0') {
                assert_true(n_closed < FAMILIES_MAX);
                closed[n_closed++] = dup_n(current, strlen(current));
            }
            snprintf(current, sizeof current, "%s", family);
        }
    }
    for (size_t i = 0; i < n_closed; i++)
        free(closed[i]);
    return rc;
}

/* Parses and fails the test, showing the reason, when the text is not valid exposition. */
static void parse_ok(const dd_prom_t *pr, parsed_t *p) {
    const int rc = parse_exposition(pr->data != NULL ? pr->data : "", pr->len, p);
    if (rc != 0)
        print_error("exposition error: %s\n", p->error);
    assert_int_equal(rc, 0);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_basic_text(void **state) {
    (void)state;
    dd_prom_t p;
    dd_prom_init(&p);
    assert_null(p.data);
    assert_int_equal(p.len, 0);
    dd_prom_reset(&p); /* fine on an empty buffer */
    const char *ln[] = {"stream", "reason"};
    const char *lv[] = {"features", "bad_magic"};
    dd_prom_family(&p, "driftd_decode_errors_total", "counter", "Messages that could not be decoded");
    dd_prom_sample_u64(&p, "driftd_decode_errors_total", ln, lv, 2, 60);
    dd_prom_family(&p, "driftd_evaluation_seconds", "gauge", NULL);
    dd_prom_sample(&p, "driftd_evaluation_seconds", NULL, NULL, 0, 0.25);
    assert_false(p.failed);
    assert_string_equal(p.data,
                        "# HELP driftd_decode_errors_total Messages that could not be decoded\n"
                        "# TYPE driftd_decode_errors_total counter\n"
                        "driftd_decode_errors_total{stream=\"features\",reason=\"bad_magic\"} 60\n"
                        "# TYPE driftd_evaluation_seconds gauge\n"
                        "driftd_evaluation_seconds 0.25\n");
    assert_int_equal(p.len, strlen(p.data));
    parsed_t parsed;
    parse_ok(&p, &parsed);
    assert_int_equal(parsed.n_samples, 2);
    parsed_free(&parsed);

    /* reset keeps the memory and empties the text */
    char *const before = p.data;
    dd_prom_reset(&p);
    assert_int_equal(p.len, 0);
    assert_ptr_equal(p.data, before);
    assert_string_equal(p.data, "");
    dd_prom_free(&p);
    assert_null(p.data);
    dd_prom_free(&p);
    dd_prom_free(NULL);
}

/* Constant labels (alerts.labels) follow a sample's own, on every sample, escaped like the
 * others; a sample's own label of the same name wins; a bad name fails the page. */
static void test_const_labels(void **state) {
    (void)state;
    dd_prom_t p;
    dd_prom_init(&p);
    const char *cn[] = {"team", "stream"};
    const char *cv[] = {"ml \"core\"", "ignored"};
    dd_prom_set_const_labels(&p, cn, cv, 2);
    const char *ln[] = {"stream"};
    const char *lv[] = {"features"};
    dd_prom_family(&p, "driftd_records_total", "counter", NULL);
    dd_prom_sample_u64(&p, "driftd_records_total", ln, lv, 1, 5);
    dd_prom_family(&p, "driftd_events_total", "counter", NULL);
    dd_prom_sample_u64(&p, "driftd_events_total", NULL, NULL, 0, 2);
    assert_false(p.failed);
    assert_string_equal(p.data,
                        "# TYPE driftd_records_total counter\n"
                        "driftd_records_total{stream=\"features\",team=\"ml \\\"core\\\"\"} 5\n"
                        "# TYPE driftd_events_total counter\n"
                        "driftd_events_total{team=\"ml \\\"core\\\"\",stream=\"ignored\"} 2\n");
    parsed_t parsed;
    parse_ok(&p, &parsed);
    parsed_free(&parsed);
    const char *bad[] = {"0team"};
    dd_prom_set_const_labels(&p, bad, cv, 1);
    assert_true(p.failed);
    dd_prom_free(&p);
}

static void test_escaping(void **state) {
    (void)state;
    dd_prom_t p;
    dd_prom_init(&p);
    const char *ln[] = {"field", "topic"};
    const char *lv[] = {"a\\b\"c\nd", "x,y}z{w=\"\"\\\\"};
    dd_prom_family(&p, "m", "gauge", "help with \\ backslash, \"quotes\"\nand a newline");
    dd_prom_sample(&p, "m", ln, lv, 2, 1);
    assert_false(p.failed);
    assert_string_equal(p.data,
                        "# HELP m help with \\\\ backslash, \"quotes\"\\nand a newline\n"
                        "# TYPE m gauge\n"
                        "m{field=\"a\\\\b\\\"c\\nd\",topic=\"x,y}z{w=\\\"\\\"\\\\\\\\\"} 1\n");
    parsed_t parsed;
    parse_ok(&p, &parsed);
    assert_string_equal(parsed.help_text[0], "help with \\ backslash, \"quotes\"\nand a newline");
    assert_string_equal(parsed.samples[0].label_values[0], lv[0]);
    assert_string_equal(parsed.samples[0].label_values[1], lv[1]);
    parsed_free(&parsed);

    /* Not UTF-8: each bad byte becomes U+FFFD; valid multi-byte sequences pass through. NULL
     * values read as empty. Tabs and carriage returns need no escape. */
    dd_prom_reset(&p);
    const char *ln3[] = {"a", "b", "c"};
    const char *lv3[] = {"\xff\xfeok\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80\xc0\xaf",
                         NULL, "tab\there\rcr"};
    dd_prom_family(&p, "m", "untyped", "bad \xff byte");
    dd_prom_sample(&p, "m", ln3, lv3, 3, 2);
    assert_false(p.failed);
    parse_ok(&p, &parsed);
    assert_string_equal(parsed.help_text[0], "bad \xef\xbf\xbd byte");
    assert_string_equal(parsed.samples[0].label_values[0],
                        "\xef\xbf\xbd\xef\xbf\xbdok\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(parsed.samples[0].label_values[1], "");
    assert_string_equal(parsed.samples[0].label_values[2], "tab\there\rcr");
    parsed_free(&parsed);

    /* NULL label_values with labels: all empty */
    dd_prom_reset(&p);
    dd_prom_sample(&p, "m", ln, NULL, 2, 3);
    assert_string_equal(p.data, "m{field=\"\",topic=\"\"} 3\n");
    dd_prom_free(&p);
}

static void test_special_values(void **state) {
    (void)state;
    dd_prom_t p;
    dd_prom_init(&p);
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {NAN, "NaN"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
        {0.0, "0"},
        {-0.0, "-0"},
        {42.0, "42"},
        {-7.0, "-7"},
        {0.1, "0.1"},
        {1e-300, "1e-300"},
        {9007199254740992.0, "9007199254740992"}, /* 2^53 */
        {123456789012345.0, "123456789012345"},
        {1.5e300, "1.5e+300"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dd_prom_reset(&p);
        dd_prom_sample(&p, "v", NULL, NULL, 0, cases[i].v);
        char want[64];
        snprintf(want, sizeof want, "v %s\n", cases[i].text);
        assert_string_equal(p.data, want);
    }
    /* -NaN is still NaN */
    dd_prom_reset(&p);
    dd_prom_sample(&p, "v", NULL, NULL, 0, -NAN);
    assert_string_equal(p.data, "v NaN\n");

    /* Exact unsigned integers, beyond what a double holds. */
    static const struct {
        uint64_t v;
        const char *text;
    } ints[] = {
        {0, "0"},
        {(UINT64_C(1) << 53) + 1, "9007199254740993"},
        {UINT64_MAX, "18446744073709551615"},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        dd_prom_reset(&p);
        dd_prom_sample_u64(&p, "c_total", NULL, NULL, 0, ints[i].v);
        char want[64];
        snprintf(want, sizeof want, "c_total %s\n", ints[i].text);
        assert_string_equal(p.data, want);
    }
    dd_prom_free(&p);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

/* Random values of every kind read back exactly: label values made of the characters that need
 * escaping and of multi-byte UTF-8, doubles from random bit patterns (NaNs, infinities and
 * subnormals included) and random u64. */
static void test_roundtrip_random(void **state) {
    (void)state;
    static const char *const pieces[] = {"\\", "\"", "\n", " ", ",", "{", "}", "=", "a", "Z",
                                         "0", "#", "\t", "\xc3\xa9", "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80", "\\n", "\\\""};
    enum { N = 2000 };
    static char values[N][3][64];
    static double doubles[N];
    static uint64_t ints[N];
    dd_prom_t p;
    dd_prom_init(&p);
    const char *ln[] = {"l0", "l_1", "_L2"};
    dd_prom_family(&p, "rand_value", "gauge", "random doubles");
    for (size_t i = 0; i < N; i++) {
        const char *lv[3];
        for (size_t l = 0; l < 3; l++) {
            size_t len = 0;
            const size_t pieces_n = rng() % 12;
            values[i][l][0] = '\0';
            for (size_t k = 0; k < pieces_n; k++) {
                const char *piece = pieces[rng() % (sizeof pieces / sizeof pieces[0])];
                const size_t pl = strlen(piece);
                if (len + pl + 1 > sizeof values[i][l])
                    break;
                memcpy(values[i][l] + len, piece, pl + 1);
                len += pl;
            }
            lv[l] = values[i][l];
        }
        uint64_t bits = rng();
        memcpy(&doubles[i], &bits, sizeof bits);
        if (i % 7 == 0)
            doubles[i] = (double)(int64_t)(rng() % 2000000) - 1e6;
        dd_prom_sample(&p, "rand_value", ln, lv, 3, doubles[i]);
    }
    dd_prom_family(&p, "rand_total", "counter", "random integers");
    for (size_t i = 0; i < N; i++) {
        ints[i] = i % 3 == 0 ? rng() : rng() % 1000;
        const char *lv[] = {values[i][0]};
        dd_prom_sample_u64(&p, "rand_total", ln, lv, 1, ints[i]);
    }
    assert_false(p.failed);
    parsed_t parsed;
    parse_ok(&p, &parsed);
    assert_int_equal(parsed.n_samples, 2 * N);
    for (size_t i = 0; i < N; i++) {
        const sample_t *s = &parsed.samples[i];
        assert_string_equal(s->name, "rand_value");
        assert_int_equal(s->n_labels, 3);
        for (size_t l = 0; l < 3; l++) {
            assert_string_equal(s->label_names[l], ln[l]);
            assert_string_equal(s->label_values[l], values[i][l]);
        }
        if (isnan(doubles[i])) {
            assert_true(isnan(s->value));
        } else {
            assert_true(s->value == doubles[i]);
            assert_int_equal(!!signbit(s->value), !!signbit(doubles[i]));
        }
        const sample_t *c = &parsed.samples[N + i];
        assert_string_equal(c->name, "rand_total");
        assert_int_equal(c->n_labels, 1);
        assert_string_equal(c->label_values[0], values[i][0]);
        assert_int_equal(strtoull(c->value_text, NULL, 10), ints[i]);
    }
    parsed_free(&parsed);
    dd_prom_free(&p);
}

static void test_invalid_names(void **state) {
    (void)state;
    static const char *const bad_metric[] = {"", "1abc", "a-b", "a b", "a.b", "é", "a\n"};
    static const char *const good_metric[] = {"a", "_", ":", "a:b_c9", "driftd_x_total", "A1"};
    static const char *const bad_label[] = {"", "1a", "a:b", "a-b", "a b"};
    for (size_t i = 0; i < sizeof bad_metric / sizeof bad_metric[0]; i++)
        assert_false(dd_prom_metric_name_ok(bad_metric[i]));
    assert_false(dd_prom_metric_name_ok(NULL));
    for (size_t i = 0; i < sizeof good_metric / sizeof good_metric[0]; i++)
        assert_true(dd_prom_metric_name_ok(good_metric[i]));
    for (size_t i = 0; i < sizeof bad_label / sizeof bad_label[0]; i++)
        assert_false(dd_prom_label_name_ok(bad_label[i]));
    assert_true(dd_prom_label_name_ok("_a1"));
    assert_false(dd_prom_label_name_ok(NULL));

    const char *v[] = {"x", "y"};
    for (int k = 0; k < 7; k++) {
        dd_prom_t p;
        dd_prom_init(&p);
        dd_prom_family(&p, "ok", "gauge", "fine");
        dd_prom_sample(&p, "ok", NULL, NULL, 0, 1);
        const size_t len = p.len;
        const char *dup[] = {"a", "a"};
        const char *badl[] = {"a", "b-c"};
        switch (k) {
        case 0:
            dd_prom_family(&p, "bad-name", "gauge", "h");
            break;
        case 1:
            dd_prom_family(&p, "bad_type", "gauges", "h");
            break;
        case 2:
            dd_prom_family(&p, "null_type", NULL, "h");
            break;
        case 3:
            dd_prom_sample(&p, "0bad", NULL, NULL, 0, 1);
            break;
        case 4:
            dd_prom_sample_u64(&p, "ok", badl, v, 2, 1);
            break;
        case 5:
            dd_prom_sample(&p, "ok", dup, v, 2, 1);
            break;
        case 6:
            dd_prom_sample(&p, "ok", NULL, v, 1, 1); /* labels promised, no names */
            break;
        }
        assert_true(p.failed);
        assert_int_equal(p.len, len);
        /* sticky: nothing more is written */
        dd_prom_family(&p, "later", "gauge", "h");
        dd_prom_sample(&p, "later", NULL, NULL, 0, 1);
        assert_int_equal(p.len, len);
        assert_int_equal(strlen(p.data), len);
        parsed_t parsed;
        parse_ok(&p, &parsed);
        parsed_free(&parsed);
        /* reset clears it */
        dd_prom_reset(&p);
        assert_false(p.failed);
        dd_prom_sample(&p, "later", NULL, NULL, 0, 1);
        assert_string_equal(p.data, "later 1\n");
        dd_prom_free(&p);
    }
}

/* 100,000 samples: the buffer grows, the text stays exact and parseable. */
static void test_growth(void **state) {
    (void)state;
    enum { N = 100000 };
    dd_prom_t p;
    dd_prom_init(&p);
    const char *ln[] = {"stream", "field"};
    dd_prom_family(&p, "driftd_field_statistic", "gauge", "The latest statistic");
    size_t expect_len = strlen("# HELP driftd_field_statistic The latest statistic\n"
                               "# TYPE driftd_field_statistic gauge\n");
    for (size_t i = 0; i < N; i++) {
        char field[32];
        snprintf(field, sizeof field, "f%zu", i);
        const char *lv[] = {"s", field};
        dd_prom_sample(&p, "driftd_field_statistic", ln, lv, 2, (double)i + 0.5);
        char line[128];
        expect_len += (size_t)snprintf(line, sizeof line,
                                       "driftd_field_statistic{stream=\"s\",field=\"%s\"} %.1f\n",
                                       field, (double)i + 0.5);
    }
    assert_false(p.failed);
    assert_int_equal(p.len, expect_len);
    assert_true(p.cap > p.len);
    assert_int_equal(strlen(p.data), p.len);
    parsed_t parsed;
    parse_ok(&p, &parsed);
    assert_int_equal(parsed.n_samples, N);
    assert_string_equal(parsed.samples[N - 1].label_values[1], "f99999");
    assert_true(parsed.samples[N - 1].value == 99999.5);
    parsed_free(&parsed);
    dd_prom_free(&p);
}

static void render_document(dd_prom_t *p) {
    const char *ln[] = {"stream", "field"};
    for (int f = 0; f < 6; f++) {
        char name[32];
        snprintf(name, sizeof name, "family_%d", f);
        dd_prom_family(p, name, f % 2 ? "gauge" : "counter", "a help text\nover two lines");
        for (int i = 0; i < 60; i++) {
            char field[96];
            snprintf(field, sizeof field, "a/rather/long/field/path/number/%d/with \"quotes\"", i);
            const char *lv[] = {"stream", field};
            if (f % 2)
                dd_prom_sample(p, name, ln, lv, 2, i * 0.5);
            else
                dd_prom_sample_u64(p, name, ln, lv, 2, (uint64_t)i);
        }
    }
}

/* An allocation failure at any point leaves the complete rendering cut at a line boundary. */
static void test_out_of_memory(void **state) {
    (void)state;
    dd_prom_t full;
    dd_prom_init(&full);
    realloc_calls = 0;
    realloc_fail_at = -1;
    render_document(&full);
    assert_false(full.failed);
    realloc_fail_at = 1000000;
    realloc_calls = 0;
    dd_prom_t probe;
    dd_prom_init(&probe);
    render_document(&probe);
    const long allocations = realloc_calls;
    dd_prom_free(&probe);
    assert_true(allocations >= 3);
    for (long k = 0; k < allocations; k++) {
        dd_prom_t p;
        dd_prom_init(&p);
        realloc_calls = 0;
        realloc_fail_at = k;
        render_document(&p);
        realloc_fail_at = -1;
        assert_true(p.failed);
        assert_true(p.len < full.len);
        if (p.len > 0) {
            assert_memory_equal(p.data, full.data, p.len);
            assert_int_equal(p.data[p.len - 1], '\n');
            assert_int_equal(p.data[p.len], '\0');
        }
        parsed_t parsed;
        parse_ok(&p, &parsed);
        parsed_free(&parsed);
        /* the memory it has is still usable after a reset */
        dd_prom_reset(&p);
        dd_prom_sample(&p, "x", NULL, NULL, 0, 1);
        if (p.data != NULL)
            assert_string_equal(p.data, "x 1\n");
        dd_prom_free(&p);
    }
    dd_prom_free(&full);
}

/* The parser itself rejects what it should (so the checks above mean something). */
static void test_parser_rejects(void **state) {
    (void)state;
    static const char *const bad[] = {
        "m 1",                                  /* no final newline */
        "m{a=\"x} 1\n",                         /* unterminated value */
        "m{a=\"\\t\"} 1\n",                     /* undefined escape */
        "m{a=\"x\",a=\"y\"} 1\n",               /* repeated label */
        "m x\n",                                /* not a float */
        "m inf\n",                              /* Prometheus spells it +Inf */
        "1m 1\n",                               /* bad name */
        "m{1a=\"x\"} 1\n",                      /* bad label name */
        "a 1\nb 1\na 2\n",                      /* not contiguous */
        "# TYPE m gauge\n# TYPE m gauge\nm 1\n", /* repeated TYPE */
        "m 1\n# TYPE m gauge\n",                /* TYPE after samples */
        "# TYPE m gauges\n",                    /* unknown type */
        "m{a=\"\xff\"} 1\n",                    /* not UTF-8 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parsed_t parsed;
        if (parse_exposition(bad[i], strlen(bad[i]), &parsed) == 0)
            fail_msg("accepted: %s", bad[i]);
        parsed_free(&parsed);
    }
    const char *good = "# some comment\n\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 2\n"
                       "h_count 3\nm{a=\"x\",} 1 1700000000000\n";
    parsed_t parsed;
    assert_int_equal(parse_exposition(good, strlen(good), &parsed), 0);
    assert_int_equal(parsed.n_samples, 4);
    parsed_free(&parsed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_rejects), cmocka_unit_test(test_basic_text),
        cmocka_unit_test(test_escaping),       cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_const_labels),
        cmocka_unit_test(test_roundtrip_random), cmocka_unit_test(test_invalid_names),
        cmocka_unit_test(test_growth),         cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
