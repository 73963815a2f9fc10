/*
 * What every subcommand shares: messages on stderr, output to stdout or
 * to a file replaced atomically, the data options (--rules, --data,
 * --summary, ...) and loading a tally from them.
 */
#ifndef TG_CLI_H
#define TG_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "cli_opt.h"
#include "tiergate.h"

/* Exit codes (README, "Exit codes"). */
enum {
    TG_EXIT_OK = 0,      /* success; gates passed, perhaps with warnings */
    TG_EXIT_GATE = 1,    /* a blocking gate (or check) failed */
    TG_EXIT_USAGE = 2,   /* bad usage or bad input */
    TG_EXIT_INTERNAL = 3 /* internal or I/O error */
};

/* The repository layout the commands assume unless told otherwise
 * (what `tiergate init` creates); the library takes every path from
 * its caller. */
#define CLI_DEFAULT_REGISTRY "registry/model_registry_v3.json"
#define CLI_DEFAULT_LOG "EXECUTION_LOG.md"
#define CLI_DEFAULT_CALIBRATION "registry/tier_statistics.json"
#define CLI_DEFAULT_DATE_CONFIG "registry/date_config.json"
#define CLI_DEFAULT_REPORTS "reports"
#define CLI_DEFAULT_SQL_DIR "sql"

/** Print "tiergate: <error>" (with context and caret) on stderr. */
int cli_fail(const tg_error *err);
/** Print a usage error naming the command; returns TG_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Print a warning line on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Output: everything is written to memory first, then to stdout or, with
 * -o FILE, to FILE atomically, so that a failure leaves no half report.
 */
typedef struct {
    char *buf;
    size_t len;
    FILE *f;
    const char *path; /* NULL or "-" for stdout */
} cli_out;

int cli_out_open(cli_out *o, const char *path);
/** Finish: write where asked; returns an exit code (0 or 3). */
int cli_out_close(cli_out *o);
/** Discard what was written (on error). */
void cli_out_discard(cli_out *o);

/** Output formats; cli_format_parse returns -1 when not in allowed. */
typedef enum { FMT_TEXT, FMT_JSON, FMT_MARKDOWN, FMT_CSV, FMT_HTML } cli_format;
int cli_format_parse(const char *name, unsigned allowed_mask);
#define FMT_BIT(f) (1u << (f))

/* Data options shared by preview, gate, calibrate, compare, release. */
typedef struct {
    const char *rules;
    const char **data;
    int ndata;
    const char *summary;
    const char *date_config;
    tg_bad_row on_bad_row;
    int threads;
    tg_ci_method ci_method; /* --ci, for commands with intervals */
    double ci_level;        /* --level */
    const char **slices;    /* --slice, for the commands that take it */
    int nslices;
} cli_data;

#define CLI_DATA_INIT                                                          \
    {                                                                          \
        NULL, NULL, 0, NULL, NULL, TG_BAD_ROW_ERROR, 0, TG_CI_WILSON, 0.95,    \
            NULL, 0                                                            \
    }

enum {
    OPT_RULES = 1000,
    OPT_DATA,
    OPT_SUMMARY,
    OPT_DATE_CONFIG,
    OPT_ON_BAD_ROW,
    OPT_THREADS,
    OPT_CI,
    OPT_LEVEL,
    OPT_SLICE
};

/* --slice, for preview and gate (cli_slice.c). */
#define CLI_SLICE_LONG_OPTION                                                  \
    {                                                                          \
        "slice", required_argument, NULL, OPT_SLICE                            \
    }

#define CLI_SLICE_HELP                                                         \
    "  --slice EXPR         also per slice, in the same pass (repeatable):\n"  \
    "                       COLUMN (each value), COLUMN:E1,E2,... (bins\n"     \
    "                       [E1,E2) ... >= En, and < E1) or COLUMN:month;\n"   \
    "                       an empty field is the NULL slice\n"

typedef struct {
    tg_slicing *s;
    int n;
} cli_slices;

/**
 * Like cli_load_tally, and the tallies of every --slice (from the rows,
 * or from the slice columns of a --summary). Returns an exit code.
 */
int cli_load_sliced(tg_tally *t, cli_slices *sl, const tg_rules *rules,
                    const cli_data *d, int fingerprint, const char *cmd);
void cli_slices_release(cli_slices *sl);

/* --ci and --level, for the commands that compute intervals. */
#define CLI_STATS_LONG_OPTIONS                                                 \
    {"ci", required_argument, NULL, OPT_CI},                                   \
    {                                                                          \
        "level", required_argument, NULL, OPT_LEVEL                            \
    }

#define CLI_STATS_HELP                                                         \
    "  --ci METHOD          wilson (default), exact, jeffreys, "               \
    "agresti-coull,\n"                                                         \
    "                       wald\n"                                            \
    "  --level L            interval level, 0 < L < 1 (default 0.95)\n"

#define CLI_DATA_LONG_OPTIONS                                                  \
    {"data", required_argument, NULL, OPT_DATA},                               \
        {"date-config", required_argument, NULL, OPT_DATE_CONFIG},             \
        {"on-bad-row", required_argument, NULL, OPT_ON_BAD_ROW},               \
        {"rules", required_argument, NULL, OPT_RULES},                         \
        {"summary", required_argument, NULL, OPT_SUMMARY},                     \
    {                                                                          \
        "threads", required_argument, NULL, OPT_THREADS                        \
    }

#define CLI_DATA_HELP                                                          \
    "  --rules FILE         rule set (JSON), e.g. registry/tiers/v3.2.json\n"  \
    "  --data FILE          feature export: CSV or CSV.gz, '-' for stdin;\n"   \
    "                       repeat for sharded exports (read as one table)\n"  \
    "  --summary FILE       instead of --data: counts per split and tier as\n" \
    "                       the warehouse exports them "                       \
    "(sql/gate_summary.sql)\n"                                                 \
    "  --date-config FILE   train/test windows used when the export has no\n"  \
    "                       split column (default: registry/date_config.json\n" \
    "                       of the rule set's repository)\n"                    \
    "  --on-bad-row MODE    error (default) or skip rows with bad values\n"    \
    "  --threads N          scan threads for large plain files (default: "     \
    "cores)\n"

/**
 * Handle one shared data or stats option; returns 1 if it was one, 0 if
 * not, -1 after printing a usage error.
 */
int cli_data_option(cli_data *d, const char *cmd, int opt, const char *arg);

/**
 * cli_next, with the shared data options (and the plan's --power,
 * --draws and --seed when plan is not NULL) handled here: returns the
 * next option the command handles itself, CLI_END, or CLI_STOP (p->rc
 * the exit code) after help or a usage error.
 */
int cli_next_option(cli_parser *p, cli_data *d, tg_plan_options *plan);

/**
 * --date-config, else registry/date_config.json of the rule set's
 * repository (the nearest folder above --rules that has one), or NULL.
 */
const char *cli_default_date_config(const cli_data *d);
/** The same for a rule set given another way (compare's --to). */
const char *cli_date_config_for(const cli_data *d, const char *rules_path);

/** Load the rule set named by --rules (required). */
int cli_load_rules(tg_rules **out, const cli_data *d, const char *cmd);

/**
 * Fill t (initialised here) from --data or --summary; prints skipped
 * rows as a warning. Returns an exit code (0 ok).
 */
int cli_load_tally(tg_tally *t, const tg_rules *rules, const cli_data *d,
                   int fingerprint, const char *cmd);

/*
 * --baseline RATE (every split) or --baseline SPLIT=RATE (repeatable):
 * pinned baselines, for reproducing published lifts. NAN = measured.
 */
typedef struct {
    double train, test, all;
} cli_baseline;
void cli_baseline_init(cli_baseline *b);
/** Parse one --baseline; prints a usage error and returns 2 when bad. */
int cli_parse_baseline(const char *cmd, const char *arg, cli_baseline *b);
#define CLI_BASELINE_HELP                                                      \
    "  --baseline R         pin the baseline of every split to R (0 < R <= 1)"  \
    "\n"                                                                       \
    "                       instead of measuring it; SPLIT=R pins one split\n" \
    "                       (TRAIN=0.0366 TEST=0.0416); lifts are then R-based\n"

/*
 * --power, --draws and --seed of the reliability section (plan, gate).
 */
enum { OPT_POWER = 1100, OPT_DRAWS, OPT_SEED };
#define CLI_PLAN_LONG_OPTIONS                                                  \
    {"draws", required_argument, NULL, OPT_DRAWS},                             \
        {"power", required_argument, NULL, OPT_POWER},                         \
    {                                                                          \
        "seed", required_argument, NULL, OPT_SEED                              \
    }
#define CLI_PLAN_HELP                                                          \
    "  --power P            chance of a decisive pass to plan for, 0 < P < 1\n"\
    "                       (default 0.8)\n"                                   \
    "  --draws N            simulated releases per world, 1000 to 1000000\n"   \
    "                       (default 10000)\n"                                 \
    "  --seed S             the simulation's seed (default 1): the same seed\n"\
    "                       gives the same figures\n"
/**
 * Handle --power, --draws or --seed; 1 if it was one, 0 if not, -1 after
 * printing a usage error.
 */
int cli_plan_option(tg_plan_options *o, const char *cmd, int opt,
                    const char *arg);


/*
 * Shared option entries for cli_spec tables (cli_opt.h): each command
 * lists the ones it takes, so none accepts an option it would ignore.
 */
enum { OPT_OUTPUT = 1300, OPT_FORMAT, OPT_BASELINE };
#define CLI_OPT_RULES                                                          \
    {"rules", 0, "FILE", OPT_RULES,                                            \
     "rule set (JSON), e.g. registry/tiers/v3.2.json"}
#define CLI_OPT_DATA                                                           \
    {"data", 0, "FILE", OPT_DATA,                                              \
     "feature export: CSV or CSV.gz, '-' for stdin;\n"                         \
     "repeat for sharded exports (read as one table)"}
#define CLI_OPT_SUMMARY                                                        \
    {"summary", 0, "FILE", OPT_SUMMARY,                                        \
     "instead of --data: counts per split and tier as\n"                       \
     "the warehouse exports them (sql/gate_summary.sql)"}
#define CLI_OPT_DATE_CONFIG                                                    \
    {"date-config", 0, "FILE", OPT_DATE_CONFIG,                                \
     "train/test windows used when the export has no\n"                        \
     "split column (default: registry/date_config.json\n"                      \
     "of the rule set's repository)"}
#define CLI_OPT_ON_BAD_ROW                                                     \
    {"on-bad-row", 0, "MODE", OPT_ON_BAD_ROW,                                  \
     "error (default) or skip rows with bad values"}
#define CLI_OPT_THREADS                                                        \
    {"threads", 0, "N", OPT_THREADS,                                           \
     "scan threads for large plain files (default: cores)"}
/* The data options of the commands that tally rows or a summary. */
#define CLI_OPTS_DATA                                                          \
    CLI_OPT_RULES, CLI_OPT_DATA, CLI_OPT_SUMMARY, CLI_OPT_DATE_CONFIG,         \
        CLI_OPT_ON_BAD_ROW, CLI_OPT_THREADS
#define CLI_OPT_SLICE                                                          \
    {"slice", 0, "EXPR", OPT_SLICE,                                            \
     "also per slice, in the same pass (repeatable):\n"                        \
     "COLUMN (each value), COLUMN:E1,E2,... (bins\n"                           \
     "[E1,E2) ... >= En, and < E1) or COLUMN:month;\n"                         \
     "an empty field is the NULL slice"}
#define CLI_OPTS_STATS                                                         \
    {"ci", 0, "METHOD", OPT_CI,                                                \
     "wilson (default), exact, jeffreys, agresti-coull,\nwald"},               \
        {"level", 0, "L", OPT_LEVEL,                                           \
         "interval level, 0 < L < 1 (default 0.95)"}
#define CLI_OPT_BASELINE                                                       \
    {"baseline", 0, "R", OPT_BASELINE,                                         \
     "pin the baseline of every split to R (0 < R <= 1)\n"                     \
     "instead of measuring it; SPLIT=R pins one split\n"                       \
     "(TRAIN=0.0366 TEST=0.0416); lifts are then R-based"}
#define CLI_OPTS_PLAN                                                          \
    {"power", 0, "P", OPT_POWER,                                               \
     "chance of a decisive pass to plan for, 0 < P < 1\n(default 0.8)"},       \
        {"draws", 0, "N", OPT_DRAWS,                                           \
         "simulated releases per world, 1000 to 1000000\n(default 10000)"},    \
        {"seed", 0, "S", OPT_SEED,                                             \
         "the simulation's seed (default 1): the same seed\n"                  \
         "gives the same figures"}
#define CLI_OPT_COLOR                                                          \
    {"color", 0, "WHEN", OPT_COLOR,                                            \
     "auto (default: colour on a terminal unless\n"                            \
     "TERM=dumb or NO_COLOR is set), always or never"}
#define CLI_OPT_WIDE                                                           \
    {"wide", 0, NULL, OPT_WIDE,                                                \
     "the text table with one column per field\n"                              \
     "(default: fitted to the terminal's width,\n"                             \
     "COLUMNS, else 80)"}
#define CLI_OPT_OUTPUT                                                         \
    {"output", 'o', "FILE", OPT_OUTPUT,                                        \
     "write to FILE (replaced atomically) instead of\n"                        \
     "standard output; '-' is standard output"}
#define CLI_OPT_END {NULL, 0, NULL, 0, NULL}

/**
 * --format: the format named by arg among allowed (FMT_BIT mask) into
 * *fmt; else a usage error listing the allowed ones (returns 2).
 */
int cli_format_option(const char *cmd, const char *arg, unsigned allowed,
                      int *fmt);

/** Parse --level; prints a usage error and returns 2 when bad. */
int cli_parse_level(const char *cmd, const char *arg, double *out);

/** Warn on stderr about rows skipped as bad: counts per reason, the first. */
void cli_warn_skipped(uint64_t skipped, uint64_t rows,
                      const uint64_t *skipped_by, const tg_error *first);

/**
 * The first argument of a command with subcommands (registry, log):
 * returns it, or NULL after printing the help (*rc = 0) or a usage error
 * naming the choices (*rc = 2).
 */
const char *cli_subcommand(int argc, char **argv, const char *cmd,
                           const char *help, const char *choices, int *rc);

/** Print text to stdout and return 0 (for --help). */
int cli_help(const char *text);

/**
 * Write text to path ("-": standard output) atomically; returns an exit
 * code (0, 2 for a path that cannot be an output, 3).
 */
int cli_write_file(const char *path, const char *text, size_t len);

/** A JSON document, indented, to path ("-": standard output). */
int cli_write_json(const char *path, const cJSON *doc);

/*
 * --color auto|always|never and --wide, for the commands that colour or
 * lay out tables. auto (the default) colours a terminal only, and not
 * when TERM is "dumb" or NO_COLOR is set.
 */
enum { OPT_COLOR = 1200, OPT_WIDE };
#define CLI_COLOR_HELP                                                         \
    "  --color WHEN         auto (default: colour on a terminal unless\n"     \
    "                       TERM=dumb or NO_COLOR is set), always or never\n"
/** Parse --color; prints a usage error and returns 2 when bad. */
int cli_color_option(const char *cmd, const char *arg);
/** Whether to colour output on stream, under --color. */
int cli_color(FILE *stream);

/**
 * Columns available for tables on standard output: the terminal's width
 * (TIOCGWINSZ), else $COLUMNS, else 80.
 */
int cli_term_width(void);

/**
 * Show a progress line on stderr during the scan of o (rows, MB/s, share
 * of bytes, ETA) when stderr is a terminal and CI is not set.
 */
void cli_progress_attach(tg_scan_options *o);

/** Check stdout before exiting: a full disk must not look like success. */
int cli_flush_stdout(int rc);

#endif
