/* test_rfc3339.c — dd_parse_rfc3339: RFC 3339 timestamps to Unix ms.
 *
 * Properties:
 * - 20,000 random instants from 1900 to 2199, printed with a random separator (T, t, space),
 *   0 to 9 fractional digits and a random zone (Z, z, ±HH:MM), parse to glibc timegm's seconds
 *   (an independent calendar) × 1000 + the fraction's milliseconds (truncated) − the offset;
 * - fixed points: the epoch, leap days, a leap second, negative (pre-1970) times;
 * - every malformed form is refused: fields out of range (month 13, day 31 of a 30-day month,
 *   29 February of a common year, hour 24, minute 60, second 61, offset 24:00), missing zone,
 *   empty or 10-digit fractions, trailing or missing bytes, wrong separators. */
#define _DEFAULT_SOURCE 1 /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "codecs.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int parse(const char *s, int64_t *ms) {
    return dd_parse_rfc3339((const uint8_t *)s, strlen(s), ms);
}

static void random_instants_match_timegm(void **state) {
    (void)state;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 20000; i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const int year = 1900 + (int)(next() % 300), mon = (int)(next() % 12);
        const int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        const int mlen = mdays[mon] + (mon == 1 && leap);
        tm.tm_year = year - 1900;
        tm.tm_mon = mon;
        tm.tm_mday = 1 + (int)(next() % (uint64_t)mlen);
        tm.tm_hour = (int)(next() % 24);
        tm.tm_min = (int)(next() % 60);
        tm.tm_sec = (int)(next() % 60);
        const int64_t secs = (int64_t)timegm(&tm);
        const int frac_digits = (int)(next() % 10);
        char frac[16] = "";
        int64_t millis = 0;
        if (frac_digits > 0) {
            frac[0] = '.';
            for (int d = 0; d < frac_digits; d++) {
                const int digit = (int)(next() % 10);
                frac[1 + d] = (char)('0' + digit);
                if (d < 3)
                    millis = millis * 10 + digit;
            }
            frac[1 + frac_digits] = '\0';
            for (int d = frac_digits; d < 3; d++)
                millis *= 10;
        }
        char zone[8];
        int offset_min = 0;
        switch (next() % 3) {
        case 0:
            strcpy(zone, next() % 2 ? "Z" : "z");
            break;
        default: {
            const int oh = (int)(next() % 24), om = (int)(next() % 60), neg = (int)(next() % 2);
            snprintf(zone, sizeof zone, "%c%02d:%02d", neg ? '-' : '+', oh, om);
            offset_min = (oh * 60 + om) * (neg ? -1 : 1);
        }
        }
        const char sep = "Tt "[next() % 3];
        char text[64];
        snprintf(text, sizeof text, "%04d-%02d-%02d%c%02d:%02d:%02d%s%s", year, mon + 1,
                 tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, zone);
        int64_t got = 0;
        assert_int_equal(parse(text, &got), 0);
        assert_int_equal(got, (secs - offset_min * 60) * 1000 + millis);
    }
}

static void fixed_points(void **state) {
    (void)state;
    int64_t ms = -1;
    assert_int_equal(parse("1970-01-01T00:00:00Z", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(parse("1969-12-31T23:59:59.999Z", &ms), 0);
    assert_int_equal(ms, -1);
    assert_int_equal(parse("2026-12-04T12:00:00.250+01:00", &ms), 0);
    assert_int_equal(ms, 1796382000250LL); /* 11:00:00.250 UTC */
    assert_int_equal(parse("2024-02-29T00:00:00Z", &ms), 0);
    assert_int_equal(parse("2000-02-29T00:00:00Z", &ms), 0);
    assert_int_equal(parse("2016-12-31T23:59:60Z", &ms), 0); /* a leap second */
    assert_int_equal(ms, 1483228799999LL);
}

static void malformed_refused(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",
        "2026-12-04",
        "2026-12-04T12:00:00",        /* no zone */
        "2026-12-04T12:00:00Zx",      /* trailing byte */
        "2026-12-04T12:00:00 Z",      /* space before the zone */
        "2026-13-01T00:00:00Z",       /* month 13 */
        "2026-00-01T00:00:00Z",       /* month 0 */
        "2026-04-31T00:00:00Z",       /* 31 April */
        "2023-02-29T00:00:00Z",       /* not a leap year */
        "1900-02-29T00:00:00Z",       /* not a leap year either */
        "2026-12-00T00:00:00Z",       /* day 0 */
        "2026-12-04T24:00:00Z",       /* hour 24 */
        "2026-12-04T12:60:00Z",       /* minute 60 */
        "2026-12-04T12:00:61Z",       /* second 61 */
        "2026-12-04T12:00:00.Z",      /* empty fraction */
        "2026-12-04T12:00:00.1234567890Z", /* 10 fractional digits */
        "2026-12-04T12:00:00+24:00",  /* offset hour 24 */
        "2026-12-04T12:00:00+01:60",  /* offset minute 60 */
        "2026-12-04T12:00:00+0100",   /* offset without colon */
        "2026-12-04T12:00:00+01",     /* offset without minutes */
        "2026-12-04X12:00:00Z",       /* separator */
        "2026/12/04T12:00:00Z",       /* date separators */
        "2026-12-04T12.00.00Z",       /* time separators */
        "20261204T120000Z",           /* basic format */
        "+2026-12-04T12:00:00Z",      /* expanded year */
        "2026-1a-04T12:00:00Z",       /* not a digit */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 12345;
        if (parse(bad[i], &ms) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(ms, 12345); /* untouched */
    }
    int64_t ms;
    assert_int_equal(dd_parse_rfc3339(NULL, 0, &ms), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_instants_match_timegm),
        cmocka_unit_test(fixed_points),
        cmocka_unit_test(malformed_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
