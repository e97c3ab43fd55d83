/* tool_io.h — shared by the oracle tools that read their samples from files written by numpy. */
#ifndef DRIFTD_ORACLE_TOOL_IO_H
#define DRIFTD_ORACLE_TOOL_IO_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file, malloc'd (the caller frees it), its length in *size; NULL when it cannot be
 * read. */
static inline void *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    const long len = ftell(f);
    rewind(f);
    unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf == NULL || len < 0 || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

#endif /* DRIFTD_ORACLE_TOOL_IO_H */
