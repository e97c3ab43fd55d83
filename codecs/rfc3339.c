/* rfc3339.c — RFC 3339 timestamps ("2026-12-04T12:00:00.250+01:00") to Unix milliseconds, for
 * event times carried as strings. Strict: the full date and time, a separator T, t or a space,
 * optional fractional seconds (1 to 9 digits, truncated to the millisecond towards the past), and
 * a zone Z, z or ±HH:MM. Every field is range-checked (the day against its month, leap years
 * included); a leap second (:60) is read as the last millisecond of its minute. */
#include "codecs.h"

#include <stdint.h>

static int digits(const uint8_t *s, size_t n, int *out) {
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int dd_parse_rfc3339(const uint8_t *s, size_t len, int64_t *out_ms) {
    /* YYYY-MM-DDTHH:MM:SS is 19 bytes; the longest form adds .nnnnnnnnn+HH:MM */
    if (s == NULL || out_ms == NULL || len < 20 || len > 35)
        return -1;
    int year, month, day, hour, minute, second;
    if (digits(s, 4, &year) || s[4] != '-' || digits(s + 5, 2, &month) || s[7] != '-' ||
        digits(s + 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &hour) || s[13] != ':' || digits(s + 14, 2, &minute) || s[16] != ':' ||
        digits(s + 17, 2, &second))
        return -1;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 60)
        return -1;
    size_t i = 19;
    int millis = 0;
    if (s[i] == '.') {
        size_t n = 0;
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (n < 3)
                millis = millis * 10 + (s[i] - '0');
            n++;
            i++;
        }
        if (n == 0 || n > 9)
            return -1;
        for (size_t k = n; k < 3; k++)
            millis *= 10;
    }
    if (i >= len)
        return -1;
    int offset_min = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        int oh, om;
        if (len - i != 6 || digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
            digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return -1;
    }
    if (i != len)
        return -1;
    if (second == 60) { /* a leap second: the last millisecond of the minute */
        second = 59;
        millis = 999;
    }
    const int64_t days = days_from_civil(year, month, day);
    const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    *out_ms = secs * 1000 + millis;
    return 0;
}
