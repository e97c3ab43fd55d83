/* driftd-bench — micro-benchmarks of driftd's building blocks. Timing lives here, never in tests.
 *
 *   driftd-bench sketches [--json] [--values N] [--repeats N] [--peer-python PYTHON]
 *   driftd-bench codecs [--json] [--records N] [--repeats N] [--dump DIR]
 *   driftd-bench judge [--json] [--repeats N]
 *   driftd-bench detectors [--json] [--values N] [--repeats N] [--peer-python PYTHON]
 *
 * Each figure is the median of `repeats` timed runs over the same data after one warm-up run, on
 * one thread. The JSON form is one object on one line; the human form is a table. Both name the
 * command that produced them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "engine.h"

#ifndef DRIFTD_PEER_DIR
#define DRIFTD_PEER_DIR "bench/peers"
#endif

static void usage(FILE *out) {
    fprintf(out,
            "Usage: driftd-bench sketches [--json] [--values N] [--repeats N] [--peer-python PY]\n"
            "       driftd-bench codecs [--json] [--records N] [--repeats N] [--dump DIR]\n"
            "       driftd-bench judge [--json] [--repeats N]\n"
            "       driftd-bench detectors [--json] [--values N] [--repeats N] [--peer-python PY]\n"
            "       driftd-bench --help | --version\n"
            "\n"
            "Suites:\n"
            "  sketches   sketch update speed, accuracy and size; with --peer-python, Apache\n"
            "             DataSketches and numpy on the same data, as ratios\n"
            "  codecs     decoding speed of a 16-field, ~300-byte feature record into a column\n"
            "             batch (JSON, Avro bodies, an Avro object container file; driftd's\n"
            "             decoders and avro-c's generic reader), one thread\n"
            "  judge      one judgement of a field as driftd run makes it (numeric and\n"
            "             categorical, current windows of 1,000 to 30,000 values against a\n"
            "             reference of 30,000), one thread\n"
            "  detectors  updates per second of each sequential change detector (ADWIN,\n"
            "             DDM, EDDM, Page-Hinkley, HDDM-A/W, KSWIN) on a stream whose law\n"
            "             changes every 100,000 values; with --peer-python, River's on\n"
            "             the same values, as ratios\n"
            "\n"
            "Options:\n"
            "  --json              print one JSON object instead of a table\n"
            "  --values N          values per batch (default 1000000)\n"
            "  --records N         codecs: distinct records decoded per run (default 200000)\n"
            "  --dump DIR          codecs: first write the records to DIR (schema.avsc,\n"
            "                      bodies.bin, records.avro, records.jsonl, expected.json)\n"
            "                      for other decoders\n"
            "  --repeats N         timed runs; the median is reported (default 9)\n"
            "  --peer-python PY    a Python with bench/peers/requirements.txt installed\n"
            "                      (bench/venv.sh build makes build/bench-venv/bin/python)\n");
}

static int parse_size(const char *opt, const char *text, size_t min, size_t max, size_t *out) {
    char *end = NULL;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (text == NULL || *text == '\0' || *text == '-' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "driftd-bench: %s expects a number from %zu to %zu\n", opt, min, max);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        dd_engine_print_version(stdout);
        return 0;
    }
    if (strcmp(argv[1], "sketches") != 0 && strcmp(argv[1], "codecs") != 0 &&
        strcmp(argv[1], "judge") != 0 && strcmp(argv[1], "detectors") != 0) {
        fprintf(stderr, "driftd-bench: unknown suite '%s' (see 'driftd-bench --help')\n", argv[1]);
        return 2;
    }
    bench_options_t opt = {0, 1000000, 9, NULL, DRIFTD_PEER_DIR, 200000, NULL};
    for (int i = 2; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--json") == 0) {
            opt.json = 1;
        } else if (strcmp(argv[i], "--values") == 0) {
            if (parse_size(argv[i], value, 1000, (size_t)1 << 28, &opt.values) != 0)
                return 2;
            i++;
        } else if (strcmp(argv[i], "--records") == 0) {
            if (parse_size(argv[i], value, 1000, (size_t)1 << 24, &opt.records) != 0)
                return 2;
            i++;
        } else if (strcmp(argv[i], "--repeats") == 0) {
            if (parse_size(argv[i], value, 1, 1000, &opt.repeats) != 0)
                return 2;
            i++;
        } else if (strcmp(argv[i], "--dump") == 0) {
            if (value == NULL) {
                fprintf(stderr, "driftd-bench: --dump needs a directory\n");
                return 2;
            }
            opt.dump_dir = value;
            i++;
        } else if (strcmp(argv[i], "--peer-python") == 0) {
            if (value == NULL) {
                fprintf(stderr, "driftd-bench: --peer-python needs a value\n");
                return 2;
            }
            opt.peer_python = value;
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "driftd-bench: unknown option '%s' (see 'driftd-bench --help')\n",
                    argv[i]);
            return 2;
        }
    }
    if (strcmp(argv[1], "judge") == 0)
        return bench_judge(&opt);
    if (strcmp(argv[1], "detectors") == 0)
        return bench_detectors(&opt);
    return strcmp(argv[1], "codecs") == 0 ? bench_codecs(&opt) : bench_sketches(&opt);
}
