/*
 * Table-driven command lines. Each command (and each subcommand of
 * `registry` and `log`) declares its options once, in a cli_spec: name,
 * argument, help text. One parser reads argv against that table, so
 * every command treats options alike:
 *   --name VALUE, --name=VALUE, -o VALUE, -oVALUE; "--" ends options;
 *   "-" is a value (standard input or output), never an option;
 *   -h/--help prints the help built from the same table (exit 0);
 *   an option the command does not take is refused with one message
 *   naming the command, and "did you mean ...?" for a near miss (exit 2).
 */
#ifndef TG_CLI_OPT_H
#define TG_CLI_OPT_H

#include <stdio.h>

/* One option. The table ends with an entry whose name is NULL. */
typedef struct {
    const char *name;  /* long name without "--" */
    char letter;       /* short form (-o), 0 when none */
    const char *arg;   /* what the value is ("FILE", "N"), NULL for a flag */
    int id;            /* what cli_next returns for it */
    const char *help;  /* its description; "\n" starts a new help line */
} cli_opt;

typedef struct {
    const char *name;        /* "gate", "registry show" */
    const char *usage;       /* synopsis after "usage: tiergate " (several
                                lines allowed) */
    const char *about;       /* what it does, printed after the synopsis */
    const cli_opt *opts;     /* its options, without -h/--help */
    int max_positional;      /* positional arguments it takes (0: none) */
    const char *epilogue;    /* printed after the options, or NULL */
} cli_spec;

enum {
    CLI_END = -1,   /* no more options: positionals are in p->pos */
    CLI_STOP = -2   /* stop: help printed (p->rc 0) or usage error (2) */
};

enum { CLI_MAX_POSITIONAL = 8 };

typedef struct {
    const cli_spec *spec;
    int argc;
    char **argv;
    int next;                /* the next argv index to read */
    const char *arg;         /* the value of the option just returned */
    const char *pos[CLI_MAX_POSITIONAL];
    int npos;
    int rc;                  /* after CLI_STOP: the exit code */
    int done_options;        /* "--" seen */
} cli_parser;

/** Start reading argv (argv[0] is the command's own name). */
void cli_parse_begin(cli_parser *p, const cli_spec *s, int argc, char **argv);

/**
 * The id of the next option (its value in p->arg), CLI_END when all are
 * read, or CLI_STOP after printing the help or a usage error.
 */
int cli_next(cli_parser *p);

/** Print the help of s to out: synopsis, about, options, epilogue. */
void cli_print_help(FILE *out, const cli_spec *s);

/** A usage error for the command of p: prints it; sets and returns 2. */
int cli_parser_usage(cli_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Subcommands (registry, log): each with its own spec and function, as
 * a table ending with a NULL name.
 */
typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_subcommand_def;

/**
 * Run the subcommand argv[1] of command cmd: help for "--help" or no
 * subcommand, "did you mean" for a near miss (exit 2).
 */
int cli_run_subcommand(const char *cmd, const char *about,
                       const cli_subcommand_def *subs, int argc, char **argv);

#endif
