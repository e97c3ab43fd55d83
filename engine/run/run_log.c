/* run_log.c — `driftd run`'s log lines: one per message, JSON or text, on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "run_int.h"

static const char *level_name(dd_config_log_level_t l) {
    switch (l) {
    case DD_CONFIG_LOG_ERROR:
        return "error";
    case DD_CONFIG_LOG_WARN:
        return "warn";
    case DD_CONFIG_LOG_INFO:
        return "info";
    case DD_CONFIG_LOG_DEBUG:
        return "debug";
    }
    return "info";
}

/* msg with every secret of the log (at least 3 bytes long) replaced by ***; its length. */
static size_t redact(const run_log_t *log, const char *msg, size_t len, char *out, size_t size) {
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < size;) {
        size_t matched = 0;
        for (size_t k = 0; k < log->n_secrets && matched == 0; k++) {
            const size_t sl = strlen(log->secrets[k]);
            if (sl >= 3 && sl <= len - i && memcmp(msg + i, log->secrets[k], sl) == 0)
                matched = sl;
        }
        if (matched > 0) {
            memcpy(out + o, "***", 3);
            o += 3;
            i += matched;
        } else {
            out[o++] = msg[i++];
        }
    }
    out[o] = '\0';
    return o;
}

/* partition and offset go out as JSON numbers (every other field is a string, whatever it
 * looks like): digits without a leading zero, 1 to 18 of them. */
static int is_number_field(const char *name, const char *v) {
    if (strcmp(name, "partition") != 0 && strcmp(name, "offset") != 0)
        return 0;
    size_t i = v[0] == '-', digits = 0;
    if (v[i] == '0' && v[i + 1] != '\0')
        return 0;
    for (; v[i] >= '0' && v[i] <= '9'; i++)
        digits++;
    return v[i] == '\0' && digits > 0 && digits <= 18;
}

/* A text line's message or value holds no control character: they would start a line of
 * their own (a forged one, when a record's key brings it) or move the cursor. */
static int has_control(const char *v, size_t len) {
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7F)
            return 1;
    return 0;
}

__attribute__((format(printf, 5, 0))) static void vlog(const run_log_t *log,
                                                       dd_config_log_level_t level,
                                                       const run_log_field_t *fields,
                                                       size_t n_fields, const char *fmt,
                                                       va_list ap) {
    if (log != NULL && level > log->level)
        return;
    char msg[2048];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    char shown[sizeof msg];
    const char *text = msg;
    if (log != NULL && log->n_secrets > 0) {
        len = redact(log, msg, len, shown, sizeof shown);
        text = shown;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    char when[DD_EVENT_TIME_SIZE];
    dd_event_format_time(ms, when);
    flockfile(stderr);
    if (log == NULL || log->format == DD_CONFIG_LOG_JSON) {
        fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", when, level_name(level));
        dd_json_write_string(stderr, text, len);
        for (size_t i = 0; i < n_fields; i++) {
            if (fields[i].value == NULL)
                continue;
            fputc(',', stderr);
            dd_json_write_string(stderr, fields[i].name, strlen(fields[i].name));
            fputc(':', stderr);
            if (is_number_field(fields[i].name, fields[i].value))
                fputs(fields[i].value, stderr);
            else
                dd_json_write_string(stderr, fields[i].value, strlen(fields[i].value));
        }
        fputs("}\n", stderr);
    } else {
        fprintf(stderr, "%s %-5s ", when, level_name(level));
        if (has_control(text, len)) { /* \n, \r, ESC ... written as \xNN */
            for (size_t i = 0; i < len; i++) {
                const unsigned char ch = (unsigned char)text[i];
                if (ch < 0x20 || ch == 0x7F)
                    fprintf(stderr, "\\x%02x", ch);
                else
                    fputc(ch, stderr);
            }
        } else {
            fwrite(text, 1, len, stderr);
        }
        for (size_t i = 0; i < n_fields; i++) {
            const char *v = fields[i].value;
            if (v == NULL)
                continue;
            if (v[0] != '\0' && strpbrk(v, " \"=\\") == NULL && !has_control(v, strlen(v))) {
                fprintf(stderr, " %s=%s", fields[i].name, v);
            } else { /* quoted, with \ " and control characters escaped as in JSON */
                fprintf(stderr, " %s=", fields[i].name);
                dd_json_write_string(stderr, v, strlen(v));
            }
        }
        fputc('\n', stderr);
    }
    funlockfile(stderr);
    fflush(stderr);
}

void run_log(const run_log_t *log, dd_config_log_level_t level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(log, level, NULL, 0, fmt, ap);
    va_end(ap);
}

void run_log_kv(const run_log_t *log, dd_config_log_level_t level, const run_log_field_t *fields,
                size_t n_fields, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(log, level, fields, n_fields, fmt, ap);
    va_end(ap);
}
