/*
 * The command-line parser (tools/cli_opt.c): the input is argv, split at
 * NUL bytes, read against a table with every kind of option (flags,
 * values, short forms, positionals) and then dispatched as subcommands.
 * scripts/fuzz.sh closes its stdout and stderr (the messages); what
 * matters is that no argv crashes, leaks or reads past its strings.
 */
#include "fuzz_common.h"

#include "cli.h"

enum { F_FLAG = 1, F_VALUE, F_SHORT, F_OTHER };

static const cli_opt opts[] = {
    {"flag", 0, NULL, F_FLAG, "a flag"},
    {"value", 0, "V", F_VALUE, "a value\nover two lines"},
    {"output", 'o', "FILE", F_SHORT, "a short form"},
    {"x", 'x', NULL, F_OTHER, "a one-letter flag"},
    CLI_OPT_END,
};

static const cli_spec spec = {"fuzz", "fuzz [--flag] [--value V] [-o F] [ARG]\n",
                              "Fuzzing.\n", opts, 2, NULL};

static int sub_run(int argc, char **argv)
{
    cli_parser p;
    cli_parse_begin(&p, &spec, argc, argv);
    int c;
    while ((c = cli_next(&p)) != CLI_END && c != CLI_STOP)
        if (c == F_VALUE && p.arg)
            (void)strlen(p.arg);
    return p.rc;
}

static const cli_subcommand_def subs[] = {
    {"show", sub_run, "show"},
    {"update", sub_run, "update"},
    {NULL, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* argv[0], then the input's NUL-separated strings (at most 64). */
    char *text = fuzz_text(data, size);
    char *argv[66];
    int argc = 0;
    argv[argc++] = "fuzz";
    for (char *s = text; argc < 65 && s <= text + size;
         s += strlen(s) + 1)
        argv[argc++] = s;
    argv[argc] = NULL;
    sub_run(argc, argv);
    cli_run_subcommand("fuzz", "Fuzzing.\n", subs, argc, argv);
    free(text);
    return 0;
}
