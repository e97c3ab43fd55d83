/* replay_main.c — runs a libFuzzer target over every file in the given directories or files, so
 * the seed corpus (and any crash reproducer added to it) is a plain regression test under CTest,
 * with or without the fuzzer runtime. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { REPLAY_MAX_BYTES = 1 << 24 };

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    uint8_t *buf = malloc(REPLAY_MAX_BYTES);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    const size_t n = fread(buf, 1, REPLAY_MAX_BYTES, f);
    fclose(f);
    /* Copy to an exact-size buffer so ASan catches a read one past the input. */
    uint8_t *exact = malloc(n > 0 ? n : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

int main(int argc, char **argv) {
    int files = 0, errors = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s does not exist\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            errors += replay_file(argv[i]) != 0;
            files++;
            continue;
        }
        DIR *dir = opendir(argv[i]);
        if (dir == NULL) {
            fprintf(stderr, "replay: cannot read directory %s\n", argv[i]);
            return 1;
        }
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
            errors += replay_file(path) != 0;
            files++;
        }
        closedir(dir);
    }
    printf("replayed %d inputs, %d unreadable\n", files, errors);
    /* An empty corpus proves nothing: fail rather than pass vacuously. */
    return files > 0 && errors == 0 ? 0 : 1;
}
