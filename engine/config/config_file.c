/* config_file.c — reading a config file for dd_config_load: a regular file up to its size
 * bound, or a pipe (bash's <(...)) as its text arrives, with a deadline so a FIFO nobody writes
 * to cannot hang the process; the text then goes to dd_config_parse (config_yaml.c). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config_int.h"

/* Reads fd to its end into a new buffer (the caller frees), at most max + 1 bytes: one more than
 * allowed tells "too large" without trusting st_size (pipes have none). 0, or an errno. */
int cfg_read_bounded(int fd, size_t max, char **out, size_t *len) {
    char *buf = malloc(max + 1);
    if (buf == NULL)
        return ENOMEM;
    size_t got = 0;
    while (got < max + 1) {
        const ssize_t r = read(fd, buf + got, max + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            const int e = errno;
            free(buf);
            return e;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    *out = buf;
    *len = got;
    return 0;
}

static int64_t monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A config that is not a regular file (a FIFO such as bash's <(...), a terminal, a device):
 * read as it arrives, up to max + 1 bytes, until end of file, for at most wait_ms in all. fd is
 * non-blocking, so a FIFO nobody writes to ends in ETIMEDOUT instead of hanging. */
static int read_stream_bounded(int fd, size_t max, int wait_ms, char **out, size_t *len) {
    char *buf = malloc(max + 1);
    if (buf == NULL)
        return ENOMEM;
    const int64_t deadline = monotonic_ms() + wait_ms;
    size_t got = 0;
    while (got < max + 1) {
        const int64_t left = deadline - monotonic_ms();
        if (left <= 0) {
            free(buf);
            return ETIMEDOUT;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        const int pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            const int e = errno;
            free(buf);
            return e;
        }
        if (pr == 0)
            continue; /* the deadline, checked above */
        const ssize_t r = read(fd, buf + got, max + 1 - got);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0) {
            const int e = errno;
            free(buf);
            return e;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    *out = buf;
    *len = got;
    return 0;
}

int dd_config_load(const char *path, dd_config_t **out, char *errstr, size_t errstr_size) {
    return dd_config_load_flags(path, 0, out, errstr, errstr_size);
}

int dd_config_load_flags(const char *path, unsigned flags, dd_config_t **out, char *errstr,
                         size_t errstr_size) {
    char scratch[8];
    if (errstr == NULL || errstr_size == 0) {
        errstr = scratch;
        errstr_size = sizeof(scratch);
    }
    *out = NULL;
    /* O_NONBLOCK: opening a FIFO nobody writes to must not hang (it is read with a deadline). */
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int e;
    if (fstat(fd, &st) != 0)
        e = errno;
    else if (S_ISDIR(st.st_mode))
        e = EISDIR;
    else if (S_ISREG(st.st_mode))
        e = cfg_read_bounded(fd, DD_CONFIG_BYTES_MAX, &buf, &got);
    else
        e = read_stream_bounded(fd, DD_CONFIG_BYTES_MAX, DD_CONFIG_STREAM_WAIT_MS, &buf, &got);
    close(fd);
    if (e == ETIMEDOUT) {
        snprintf(errstr, errstr_size,
                 "%s: not a regular file, and no complete config arrived within %d s (a FIFO "
                 "nobody writes to?)",
                 path, DD_CONFIG_STREAM_WAIT_MS / 1000);
        return -1;
    }
    if (e != 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, e == ENOMEM ? "out of memory" : strerror(e));
        return -1;
    }
    if (got > DD_CONFIG_BYTES_MAX) {
        free(buf);
        snprintf(errstr, errstr_size,
                 "%s: larger than %zu bytes (1 MiB); a driftd config is at "
                 "most that",
                 path, DD_CONFIG_BYTES_MAX);
        return -1;
    }
    const int rc = dd_config_parse_flags(buf, got, path, flags, out, errstr, errstr_size);
    free(buf);
    return rc;
}
