/* test_cli_opts.c — the option parser and help generator every driftd command shares
 * (engine/cli/cli.c: dd_cli_parse, dd_cli_print_help, dd_cli_suggest), on a command of its own:
 *
 * - every GNU form gives the option's value: --name=value, --name value, -nVALUE, -n VALUE,
 *   clustered flags; options and operands come back in command-line order; `--` ends the options
 *   (what follows is an operand even if it looks like an option); a lone "-" is an operand;
 * - parsing again in the same process starts afresh: after a complete parse, after a parse that
 *   stopped at an error, and after one that stopped inside a cluster of short flags;
 * - every usage error returns 2 without calling back for anything after it: an unknown option, an
 *   abbreviated long name (refused on purpose), a missing value, a value given to a flag, an
 *   operand to a command that takes none, a callback that refuses a value;
 * - --help returns 0; the help is usage, description, the options table (one column for every
 *   description, continuation lines aligned, a new heading where a row starts a section, -h last)
 *   and the epilogue;
 * - suggestions: a unique prefix, else the nearest name within two edits (a swap of neighbours is
 *   one edit) and fewer edits than the word has letters; nothing for an ambiguous prefix with no
 *   near name, or a word far from every name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

enum { OPT_FILE, OPT_COUNT, OPT_VERBOSE, OPT_QUIET };

static const dd_cli_option_t options[] = {
    {OPT_FILE, "file", 'f', "FILE", "a file", NULL},
    {OPT_COUNT, "count", 0, "N", "a count\nsecond line", NULL},
    {OPT_VERBOSE, "verbose", 'v', NULL, "more", NULL},
    {OPT_QUIET, "quiet", 'q', NULL, "less", "More:"},
    {0},
};

static int run_nothing(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return 0;
}

static const dd_command_t with_operands = {
    .name = "t",
    .summary = "a test command",
    .synopsis = "Usage: t [OPTIONS] [OPERAND...]\n\nDoes things.\n",
    .epilogue = "Exit status: 0.\n",
    .options = options,
    .operands = 1,
    .run = run_nothing,
};

static const dd_command_t without_operands = {
    .name = "t",
    .summary = "a test command",
    .synopsis = "Usage: t [OPTIONS]\n\nDoes things.\n",
    .epilogue = "Exit status: 0.\n",
    .options = options,
    .operands = 0,
    .run = run_nothing,
};

/* What the callback saw, as "file=a;verbose;@operand;". */
typedef struct seen {
    char log[512];
} seen_t;

static int record(void *ctx, const dd_cli_option_t *o, const char *value) {
    seen_t *s = ctx;
    const size_t len = strlen(s->log);
    if (o != NULL && o->id == OPT_COUNT && strcmp(value, "bad") == 0)
        return -1;
    if (o == NULL)
        snprintf(s->log + len, sizeof s->log - len, "@%s;", value);
    else if (value != NULL)
        snprintf(s->log + len, sizeof s->log - len, "%s=%s;", o->name, value);
    else
        snprintf(s->log + len, sizeof s->log - len, "%s;", o->name);
    return 0;
}

/* Parses a NULL-terminated list of arguments (copied: getopt may permute argv). */
static int parse(const dd_command_t *cmd, seen_t *s, const char *const *args) {
    char *argv[32];
    int argc = 0;
    for (; args[argc] != NULL; argc++) {
        assert_true(argc < 31);
        argv[argc] = strdup(args[argc]);
    }
    argv[argc] = NULL;
    memset(s, 0, sizeof *s);
    const int rc = dd_cli_parse(cmd, argc, argv, record, s);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

static const char *const all_forms[] = {"t",     "--file=a", "--file", "b",  "-fc",
                                        "-f",    "d",        "--count=3",   "-vq", "op1",
                                        "--",    "-x",       "--file=e",    NULL};
static const char all_forms_seen[] =
    "file=a;file=b;file=c;file=d;count=3;verbose;quiet;@op1;@-x;@--file=e;";

static void test_forms(void **state) {
    (void)state;
    seen_t s;
    assert_int_equal(parse(&with_operands, &s, all_forms), DD_CLI_CONTINUE);
    assert_string_equal(s.log, all_forms_seen);
    assert_int_equal(parse(&with_operands, &s, (const char *const[]){"t", "-", "x", "--verbose",
                                                                      "y", NULL}),
                     DD_CLI_CONTINUE);
    assert_string_equal(s.log, "@-;@x;verbose;@y;");
    assert_int_equal(parse(&with_operands, &s, (const char *const[]){"t", "--file=", "--count",
                                                                      "--verbose", NULL}),
                     DD_CLI_CONTINUE);
    assert_string_equal(s.log, "file=;count=--verbose;"); /* a value may look like an option */
    assert_int_equal(parse(&without_operands, &s, (const char *const[]){"t", NULL}),
                     DD_CLI_CONTINUE);
    assert_string_equal(s.log, "");
}

static void test_parse_again(void **state) {
    (void)state;
    seen_t s;
    for (int round = 0; round < 3; round++) {
        assert_int_equal(parse(&with_operands, &s, all_forms), DD_CLI_CONTINUE);
        assert_string_equal(s.log, all_forms_seen);
    }
    assert_int_equal(parse(&with_operands, &s, (const char *const[]){"t", "-v", "--file", NULL}),
                     2);
    assert_int_equal(parse(&with_operands, &s, (const char *const[]){"t", "-q", NULL}),
                     DD_CLI_CONTINUE);
    assert_string_equal(s.log, "quiet;");
    /* Stopped at Z inside the cluster -vZq: the next parse must not resume at q. */
    assert_int_equal(parse(&with_operands, &s, (const char *const[]){"t", "-vZq", NULL}), 2);
    assert_string_equal(s.log, "verbose;");
    assert_int_equal(parse(&with_operands, &s, (const char *const[]){"t", "op", NULL}),
                     DD_CLI_CONTINUE);
    assert_string_equal(s.log, "@op;");
}

static void test_errors(void **state) {
    (void)state;
    static const struct {
        const dd_command_t *cmd;
        const char *args[6];
        const char *seen_before;
    } cases[] = {
        {&with_operands, {"t", "--verbose", "--bogus", "--quiet", NULL}, "verbose;"},
        {&with_operands, {"t", "--fil=x", "-q", NULL}, ""},  /* abbreviations are refused */
        {&with_operands, {"t", "--verb", NULL}, ""},
        {&with_operands, {"t", "--verbose=1", NULL}, ""},
        {&with_operands, {"t", "--help=1", NULL}, ""},
        {&with_operands, {"t", "-q", "--file", NULL}, "quiet;"},
        {&with_operands, {"t", "-f", NULL}, ""},
        {&with_operands, {"t", "-Z", "-q", NULL}, ""},
        {&with_operands, {"t", "--count", "bad", "-q", NULL}, ""},
        {&without_operands, {"t", "-q", "op", "-v", NULL}, "quiet;"},
        {&without_operands, {"t", "--", "-v", NULL}, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        seen_t s;
        assert_int_equal(parse(cases[i].cmd, &s, cases[i].args), 2);
        assert_string_equal(s.log, cases[i].seen_before);
    }
}

static void test_help(void **state) {
    (void)state;
    seen_t s;
    assert_int_equal(parse(&with_operands, &s, (const char *const[]){"t", "-q", "--help", "-v",
                                                                      NULL}),
                     0);
    assert_string_equal(s.log, "quiet;");
    assert_int_equal(parse(&with_operands, &s, (const char *const[]){"t", "-h", NULL}), 0);
    FILE *f = tmpfile();
    assert_non_null(f);
    dd_cli_print_help(&without_operands, f);
    char text[1024];
    rewind(f);
    const size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_string_equal(text, "Usage: t [OPTIONS]\n"
                              "\n"
                              "Does things.\n"
                              "\n"
                              "Options:\n"
                              "  -f, --file FILE   a file\n"
                              "  --count N         a count\n"
                              "                    second line\n"
                              "  -v, --verbose     more\n"
                              "\n"
                              "More:\n"
                              "  -q, --quiet       less\n"
                              "  -h, --help        show this help\n"
                              "\n"
                              "Exit status: 0.\n");
}

static void test_suggest(void **state) {
    (void)state;
    static const char *const names[] = {"reference", "current", "schema", "schema-id",
                                        "schema-version", "help"};
    static const struct {
        const char *word, *want;
    } cases[] = {
        {"refrence", "reference"},  /* a deletion */
        {"referencee", "reference"}, /* an insertion */
        {"refernece", "reference"}, /* a swap of neighbours: one edit */
        {"curent", "current"},
        {"cruernt", "current"},     /* two edits */
        {"ref", "reference"},       /* a unique prefix */
        {"schema-v", "schema-version"},
        {"schem", "schema"},        /* a prefix of three, one edit from schema */
        {"hlep", "help"},
        {"frobnicate", NULL},
        {"xy", NULL},               /* two edits, but the word has only two letters */
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = dd_cli_suggest(cases[i].word, strlen(cases[i].word), names,
                                         sizeof names / sizeof names[0]);
        if (cases[i].want == NULL)
            assert_null(got);
        else
            assert_string_equal(got, cases[i].want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),   cmocka_unit_test(test_parse_again),
        cmocka_unit_test(test_errors),  cmocka_unit_test(test_help),
        cmocka_unit_test(test_suggest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
