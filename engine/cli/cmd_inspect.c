/* cmd_inspect.c — `driftd inspect FILE`: what a state file or snapshot holds (docs/state.md), as
 * text for people or one JSON object for scripts and tests. The file is read with the same
 * validating reader `driftd run` uses, so a file inspect accepts is one run would restore. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cli_int.h"
#include "json.h"
#include "events.h"

static const char inspect_synopsis[] =
    "Usage: driftd inspect FILE [--format text|json]\n"
    "\n"
    "Shows what a state file (driftd run's state.dir/driftd.state) or a snapshot (driftd\n"
    "baseline -o FILE) holds: its kind, when and by whom it was written, the consumed offsets,\n"
    "and per stream the fields, the window (pane length, panes, live panes, [start, end), rows),\n"
    "the reference, the counters, and a summary of every field in the window and the reference\n"
    "(numeric: count, nulls, mean, min, max, median from the quantile sketch; categorical:\n"
    "count, nulls, distinct estimate, tracked categories). The file is fully validated first.\n";

static const char inspect_epilogue[] =
    "Exit status: 0 shown, 2 usage error or a file that is missing or not valid (the message\n"
    "names the byte offset and what was wrong).\n";

enum { OPT_FORMAT };

static const dd_cli_option_t inspect_options[] = {
    {OPT_FORMAT, "format", 0, "F", "text (default) or json (one object; keys in docs/state.md)",
     NULL},
    {0},
};

typedef struct field_summary {
    int present;
    dd_field_kind_t kind;
    uint64_t count, nulls;
    double mean, min, max, p50; /* numeric */
    double distinct;            /* categorical */
    size_t tracked;             /* categorical */
} field_summary_t;

static field_summary_t summarize(const dd_sketch_set_t *set, size_t f) {
    field_summary_t s;
    memset(&s, 0, sizeof s);
    if (set == NULL || f >= dd_sketch_set_fields(set))
        return s;
    s.present = 1;
    s.kind = dd_sketch_set_kind(set, f);
    if (s.kind == DD_FIELD_NUMERIC) {
        const dd_moments_t *m = dd_sketch_set_moments(set, f);
        const dd_kll_t *k = dd_sketch_set_kll(set, f);
        s.count = m->count;
        s.nulls = m->nulls;
        const int empty = m->count == 0;
        s.mean = empty ? NAN : m->mean;
        s.min = empty ? NAN : m->min;
        s.max = empty ? NAN : m->max;
        s.p50 = dd_kll_quantile(k, 0.5);
    } else {
        const dd_frequent_t *q = dd_sketch_set_frequent(set, f);
        s.count = dd_frequent_total(q);
        s.nulls = dd_frequent_nulls(q);
        s.distinct = dd_hll_estimate(dd_sketch_set_hll(set, f));
        s.tracked = dd_frequent_tracked(q);
    }
    return s;
}

static const char *kind_name(dd_field_kind_t k) {
    return k == DD_FIELD_NUMERIC ? "numeric" : "categorical";
}

static void json_summary(FILE *out, const field_summary_t *s) {
    if (!s->present) {
        fputs("null", out);
        return;
    }
    fprintf(out, "{\"count\":%" PRIu64 ",\"nulls\":%" PRIu64, s->count, s->nulls);
    if (s->kind == DD_FIELD_NUMERIC) {
        fputs(",\"mean\":", out);
        dd_json_write_number(out, s->mean);
        fputs(",\"min\":", out);
        dd_json_write_number(out, s->min);
        fputs(",\"max\":", out);
        dd_json_write_number(out, s->max);
        fputs(",\"p50\":", out);
        dd_json_write_number(out, s->p50);
    } else {
        fputs(",\"distinct\":", out);
        dd_json_write_number(out, s->distinct);
        fprintf(out, ",\"tracked\":%zu", s->tracked);
    }
    fputc('}', out);
}

static void text_summary(FILE *out, const char *label, const field_summary_t *s) {
    if (!s->present)
        return;
    fprintf(out, "      %-9s count %" PRIu64 ", nulls %" PRIu64, label, s->count, s->nulls);
    if (s->kind == DD_FIELD_NUMERIC) {
        if (s->count > 0)
            fprintf(out, ", mean %.6g, min %.6g, max %.6g, p50 %.6g", s->mean, s->min, s->max,
                    s->p50);
    } else {
        fprintf(out, ", distinct ~%.0f, tracked categories %zu", s->distinct, s->tracked);
    }
    fputc('\n', out);
}

static void json_str(FILE *out, const char *s) {
    if (s == NULL)
        fputs("null", out);
    else
        dd_json_write_string(out, s, strlen(s));
}

static const char *const counter_names[] = {"records",     "late",   "decode_errors",
                                            "evaluations", "events", "untracked_keys"};
enum { N_COUNTER_NAMES = sizeof(counter_names) / sizeof(counter_names[0]) };

/* The merge of a stream's live panes (NULL when there is no window or memory). */
static dd_sketch_set_t *merged_window(const dd_window_t *w) {
    dd_sketch_set_t *set = NULL;
    if (w == NULL || dd_window_new_set(w, &set) != DD_SKETCH_OK)
        return NULL;
    if (dd_window_merge_live(w, set) != DD_SKETCH_OK) {
        dd_sketch_set_destroy(set);
        return NULL;
    }
    return set;
}

static void print_json(FILE *out, const dd_ckpt_contents_t *c) {
    fprintf(out, "{\"kind\":\"%s\",\"version\":%u,\"created_ms\":%" PRId64 ",\"instance\":",
            c->kind == DD_CKPT_STATE ? "state" : "snapshot", DD_CKPT_VERSION, c->created_ms);
    json_str(out, c->instance);
    fputs(",\"offsets\":[", out);
    for (size_t i = 0; i < c->n_offsets; i++) {
        fputs(i ? ",{\"topic\":" : "{\"topic\":", out);
        json_str(out, c->offsets[i].topic);
        fprintf(out, ",\"partition\":%" PRId32 ",\"offset\":%" PRId64 "}",
                c->offsets[i].partition, c->offsets[i].offset);
    }
    fputs("],\"streams\":[", out);
    for (size_t i = 0; i < c->n_streams; i++) {
        const dd_ckpt_stream_t *s = &c->streams[i];
        dd_sketch_set_t *win = merged_window(s->window);
        fputs(i ? ",{\"name\":" : "{\"name\":", out);
        json_str(out, s->name);
        fputs(",\"fields\":[", out);
        for (size_t f = 0; f < s->n_fields; f++) {
            fputs(f ? ",{\"path\":" : "{\"path\":", out);
            json_str(out, s->field_paths[f]);
            fprintf(out, ",\"kind\":\"%s\",\"window\":", kind_name(s->kinds[f]));
            field_summary_t sum = summarize(win, f);
            json_summary(out, &sum);
            fputs(",\"reference\":", out);
            sum = summarize(s->reference, f);
            json_summary(out, &sum);
            fputc('}', out);
        }
        fputs("],\"window\":", out);
        if (s->window == NULL) {
            fputs("null", out);
        } else {
            fprintf(out,
                    "{\"pane_ms\":%" PRId64 ",\"panes\":%" PRIu32 ",\"live_panes\":%" PRIu32
                    ",\"start_ms\":%" PRId64 ",\"end_ms\":%" PRId64 ",\"rows\":%" PRIu64 "}",
                    dd_window_pane_ms(s->window), dd_window_n_panes(s->window),
                    dd_window_live_panes(s->window), dd_window_start_ms(s->window),
                    dd_window_end_ms(s->window), dd_window_rows(s->window));
        }
        fputs(",\"reference\":", out);
        if (s->reference == NULL)
            fputs("null", out);
        else
            fprintf(out, "{\"rows\":%" PRIu64 ",\"time_ms\":%" PRId64 "}",
                    dd_sketch_set_rows(s->reference), s->reference_time_ms);
        fputs(",\"counters\":{", out);
        for (int k = 0; k < N_COUNTER_NAMES; k++)
            fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", counter_names[k], s->counters[k]);
        fprintf(out, "},\"opaque_bytes\":%zu}", s->opaque_len);
        dd_sketch_set_destroy(win);
    }
    fputs("]}\n", out);
}

static void print_text(FILE *out, const char *path, const dd_ckpt_contents_t *c) {
    char when[DD_EVENT_TIME_SIZE];
    dd_event_format_time(c->created_ms, when);
    fprintf(out, "%s: driftd %s, format version %u\n", path,
            c->kind == DD_CKPT_STATE ? "state file" : "snapshot", DD_CKPT_VERSION);
    fprintf(out, "created:   %s (%" PRId64 " ms)\n", when, c->created_ms);
    fprintf(out, "instance:  %s\n", c->instance ? c->instance : "(none)");
    fprintf(out, "offsets:   %zu\n", c->n_offsets);
    for (size_t i = 0; i < c->n_offsets; i++)
        fprintf(out, "  %s [%" PRId32 "] next offset %" PRId64 "\n", c->offsets[i].topic,
                c->offsets[i].partition, c->offsets[i].offset);
    fprintf(out, "streams:   %zu\n", c->n_streams);
    for (size_t i = 0; i < c->n_streams; i++) {
        const dd_ckpt_stream_t *s = &c->streams[i];
        fprintf(out, "stream %s\n", s->name);
        if (s->window != NULL && dd_window_live_panes(s->window) == 0) {
            fprintf(out, "  window:    %" PRIu32 " panes of %" PRId64 " ms, no pane open yet\n",
                    dd_window_n_panes(s->window), dd_window_pane_ms(s->window));
        } else if (s->window != NULL) {
            char start[DD_EVENT_TIME_SIZE], end[DD_EVENT_TIME_SIZE];
            dd_event_format_time(dd_window_start_ms(s->window), start);
            dd_event_format_time(dd_window_end_ms(s->window), end);
            fprintf(out,
                    "  window:    %" PRIu32 " panes of %" PRId64 " ms, %" PRIu32
                    " live, [%s, %s), %" PRIu64 " rows\n",
                    dd_window_n_panes(s->window), dd_window_pane_ms(s->window),
                    dd_window_live_panes(s->window), start, end, dd_window_rows(s->window));
        } else {
            fputs("  window:    none\n", out);
        }
        if (s->reference != NULL) {
            char t[DD_EVENT_TIME_SIZE];
            dd_event_format_time(s->reference_time_ms, t);
            fprintf(out, "  reference: %" PRIu64 " rows, built %s\n",
                    dd_sketch_set_rows(s->reference), s->reference_time_ms ? t : "(unknown)");
        } else {
            fputs("  reference: none\n", out);
        }
        fputs("  counters: ", out);
        for (int k = 0; k < N_COUNTER_NAMES; k++)
            fprintf(out, "%s %s %" PRIu64, k ? "," : "", counter_names[k], s->counters[k]);
        fprintf(out, "\n  alert state: %zu bytes\n", s->opaque_len);
        fprintf(out, "  fields:    %zu\n", s->n_fields);
        dd_sketch_set_t *win = merged_window(s->window);
        for (size_t f = 0; f < s->n_fields; f++) {
            fprintf(out, "    %s (%s)\n", s->field_paths[f], kind_name(s->kinds[f]));
            field_summary_t sum = summarize(win, f);
            text_summary(out, "window", &sum);
            sum = summarize(s->reference, f);
            text_summary(out, "reference", &sum);
        }
        dd_sketch_set_destroy(win);
    }
}

typedef struct inspect_args {
    const char *path, *format;
} inspect_args_t;

static int on_option(void *ctx, const dd_cli_option_t *o, const char *value) {
    inspect_args_t *a = ctx;
    if (o != NULL) { /* OPT_FORMAT */
        a->format = value;
    } else if (a->path == NULL) {
        a->path = value;
    } else {
        fprintf(stderr, "driftd inspect: one FILE expected, got '%s' and '%s'\n", a->path, value);
        return -1;
    }
    return 0;
}

static int inspect_command(int argc, char **argv) {
    inspect_args_t a = {NULL, "text"};
    const int rc = dd_cli_parse(&dd_command_inspect, argc, argv, on_option, &a);
    if (rc != DD_CLI_CONTINUE)
        return rc;
    const char *path = a.path, *format = a.format;
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "driftd inspect: --format expects text or json, got '%s'\n", format);
        return 2;
    }
    if (path == NULL) {
        dd_cli_print_help(&dd_command_inspect, stderr);
        return 2;
    }
    dd_ckpt_t *ck = NULL;
    char errstr[1024];
    if (dd_ckpt_read(path, &ck, errstr, sizeof errstr) != 0) {
        fprintf(stderr, "driftd inspect: %s\n", errstr);
        return 2;
    }
    const dd_ckpt_contents_t *c = dd_ckpt_contents(ck);
    if (strcmp(format, "json") == 0)
        print_json(stdout, c);
    else
        print_text(stdout, path, c);
    dd_ckpt_free(ck);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "driftd inspect: cannot write the output\n");
        return 2;
    }
    return 0;
}

const dd_command_t dd_command_inspect = {
    .name = "inspect",
    .summary = "show what a state file or snapshot holds (inspect FILE [--format text|json])",
    .synopsis = inspect_synopsis,
    .epilogue = inspect_epilogue,
    .options = inspect_options,
    .operands = 1,
    .run = inspect_command,
};
