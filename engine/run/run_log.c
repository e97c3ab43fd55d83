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
    const size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    char when[DD_EVENT_TIME_SIZE];
    dd_event_format_time(ms, when);
    if (log == NULL || log->format == DD_CONFIG_LOG_JSON) {
        flockfile(stderr);
        fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", when, level_name(level));
        dd_json_write_string(stderr, msg, len);
        fputs("}\n", stderr);
        funlockfile(stderr);
    } else {
        fprintf(stderr, "%s %-5s %.*s\n", when, level_name(level), (int)len, msg);
    }
    fflush(stderr);
}
