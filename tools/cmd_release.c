/*
 * tiergate release: checklist steps 1-10 in one run.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_gate_output.h"
#include "tg_textfit.h"

enum {
    OPT_POLICY_R = 8000,
    OPT_DRY,
    OPT_TAG,
    OPT_REPORTS,
    OPT_REGISTRY_R,
    OPT_LOG_R,
    OPT_SQL_DIR,
    OPT_CALIB,
    OPT_DATE_R,
    OPT_AT_R,
    OPT_STRICT_R
};

static const cli_opt release_opts[] = {
    CLI_OPTS_DATA,
    {"policy", 0, "FILE", OPT_POLICY_R, "gate policy (JSON)"},
    {"dry-run", 0, NULL, OPT_DRY, "write nothing; print what would change"},
    {"tag", 0, NULL, OPT_TAG,
     "create the annotated tag <model_id> on HEAD, its\n"
     "message holding the log's SHA-256 through this\n"
     "release's entry (refused when the tree has\n"
     "uncommitted changes; checked before any write)"},
    {"reports", 0, "DIR", OPT_REPORTS, "default " CLI_DEFAULT_REPORTS},
    {"registry", 0, "FILE", OPT_REGISTRY_R, "default " CLI_DEFAULT_REGISTRY},
    {"log", 0, "FILE", OPT_LOG_R, "default " CLI_DEFAULT_LOG},
    {"sql-dir", 0, "DIR", OPT_SQL_DIR, "default " CLI_DEFAULT_SQL_DIR},
    {"calibration", 0, "FILE", OPT_CALIB,
     "default " CLI_DEFAULT_CALIBRATION},
    {"date", 0, "YYYY-MM-DD", OPT_DATE_R,
     "the registry's date (default today, UTC)"},
    {"at", 0, "TIME", OPT_AT_R, "executed/calibrated time (default now)"},
    {"strict", 0, NULL, OPT_STRICT_R, "warnings fail the release too"},
    CLI_OPTS_STATS,
    CLI_OPT_COLOR,
    CLI_OPT_END,
};

static const cli_spec release_spec = {
    "release",
    "release --rules FILE --policy FILE\n"
    "     (--data FILE... | --summary FILE)\n"
    "     [--dry-run] [--tag] [--reports DIR] [--strict]\n"
    "     [--ci METHOD] [--level L] [--registry FILE]\n"
    "     [--log FILE] [--sql-dir DIR] [--calibration FILE]\n"
    "     [--date YYYY-MM-DD] [--at TIME]\n",
    "Check the schema, preview and gate; write the gate report (gate.json,\n"
    "gate.md, junit.xml, report.html) into a new evidence folder\n"
    "reports/<version>/<run id>/ (never reused). When the gates pass\n"
    "(perhaps with warnings): write the calibration (step 9), regenerate\n"
    "sql/ (steps 3-6), register the version and promote it to production\n"
    "(step 7), append the log (step 10). When a blocking gate fails: the\n"
    "version is recorded as rejected (production does not move), a FAILED\n"
    "log entry is appended, the calibration and sql/ stay, exit 1.\n"
    "Calibration, SQL, registry and log are replaced as one transaction: a\n"
    "run killed at any point leaves all of them old or, once the next\n"
    "tiergate command has completed it, all new. Every file it will update\n"
    "is checked first: a corrupt registry or log stops it with exit 2 and\n"
    "nothing written.\n",
    release_opts,
    0,
    NULL,
};

/* Read argv into d and ro; -1 to go on, else the exit code. */
static int parse_release(cli_data *d, tg_release_options *ro, int argc,
                         char **argv)
{
    cli_parser p;
    cli_parse_begin(&p, &release_spec, argc, argv);
    int c;
    while ((c = cli_next_option(&p, d, NULL)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc;
        switch (c) {
        case OPT_COLOR:
            if (cli_color_option("release", p.arg))
                return TG_EXIT_USAGE;
            break;
        case OPT_POLICY_R: ro->policy_path = p.arg; break;
        case OPT_DRY: ro->dry_run = 1; break;
        case OPT_TAG: ro->tag = 1; break;
        case OPT_REPORTS: ro->reports_dir = p.arg; break;
        case OPT_REGISTRY_R: ro->registry_path = p.arg; break;
        case OPT_LOG_R: ro->log_path = p.arg; break;
        case OPT_SQL_DIR: ro->sql_dir = p.arg; break;
        case OPT_CALIB: ro->calibration_path = p.arg; break;
        case OPT_DATE_R: ro->date = p.arg; break;
        case OPT_STRICT_R: ro->strict = 1; break;
        case OPT_AT_R:
            if (!tg_scored_at_valid(p.arg) || strlen(p.arg) < 20)
                return cli_usage("release", "--at takes a UTC time such as "
                                            "2025-12-22T10:00:00Z");
            ro->at = p.arg;
            break;
        }
    }
    if (!d->rules || !ro->policy_path)
        return cli_usage("release",
                         "--rules FILE and --policy FILE are required");
    if (!!d->summary == !!d->ndata)
        return cli_usage("release", "give --data FILE... or --summary FILE");
    return -1;
}

int cmd_release(int argc, char **argv)
{
    cli_data d = CLI_DATA_INIT;
    tg_release_options ro;
    memset(&ro, 0, sizeof ro);
    ro.reports_dir = CLI_DEFAULT_REPORTS;
    ro.registry_path = CLI_DEFAULT_REGISTRY;
    ro.log_path = CLI_DEFAULT_LOG;
    ro.sql_dir = CLI_DEFAULT_SQL_DIR;
    ro.calibration_path = CLI_DEFAULT_CALIBRATION;
    tg_release_report rep;
    memset(&rep, 0, sizeof rep);
    int r;
    tg_error err;
    tg_error_clear(&err);
    if ((r = parse_release(&d, &ro, argc, argv)) >= 0)
        goto done;
    ro.rules_path = d.rules;
    ro.data = d.data;
    ro.ndata = d.ndata;
    ro.summary = d.summary;
    ro.date_config = cli_default_date_config(&d);
    ro.on_bad_row = d.on_bad_row;
    ro.threads = d.threads;
    ro.ci_method = d.ci_method;
    ro.ci_level = d.ci_level;
    ro.repo_dir = ".";
    /* What the regenerated SQL files say regenerates them. */
    char regen[TG_PATH_JOIN_MAX];
    snprintf(regen, sizeof regen, "tiergate sql --rules %s --out-dir DIR",
             ro.rules_path);
    ro.sql_regenerate = regen;
    int rc = tg_release_run(&rep, &ro, &err);
    if (rep.have_gate) {
        tg_gate_output_options go = {cli_color(stdout), cli_term_width()};
        tg_gate_output_write(stdout, &rep.gate, NULL, TG_GATE_OUT_TEXT, &go);
    }
    printf("\n%s:\n", ro.dry_run ? "dry run, nothing written" : "release");
    for (int i = 0; i < rep.nactions; i++) {
        /* Each action a paragraph, wrapped between words. */
        size_t n = strlen(rep.actions[i]) * 4 + 1;
        char *e = malloc(n);
        fputs("  ", stdout);
        if (e)
            tg_text_wrap(stdout, tg_esc_term_buf(rep.actions[i], e, n),
                         cli_term_width(), 2, 4);
        else
            putchar('\n');
        free(e);
    }
    if (rc != TG_OK)
        r = cli_fail(&err);
    else
        r = tg_overall_exit_code(rep.gate.status);
done:
    tg_release_report_release(&rep);
    free(d.data);
    return cli_flush_stdout(r);
}
