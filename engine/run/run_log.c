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

void run_log(const run_log_t *log, dd_config_log_level_t level, const char *fmt, ...) {
    if (log != NULL && level > log->level)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
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
    if (log == NULL || log->format == DD_CONFIG_LOG_JSON) {
        flockfile(stderr);
        fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", when, level_name(level));
        dd_json_write_string(stderr, text, len);
        fputs("}\n", stderr);
        funlockfile(stderr);
    } else {
        fprintf(stderr, "%s %-5s %.*s\n", when, level_name(level), (int)len, text);
    }
    fflush(stderr);
}
