/*
 * tiergate calibrate: the calibration table of checklist step 9
 * (registry/tier_statistics.json).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_escape.h"

enum { OPT_AT = 5000 };

static const cli_opt calibrate_opts[] = {
    CLI_OPTS_DATA,
    CLI_OPTS_STATS,
    {"at", 0, "TIME", OPT_AT, "pin calibrated_at (UTC, 2025-12-22T00:00:00Z)"},
    {"output", 'o', "FILE", OPT_OUTPUT,
     "write to FILE, e.g. registry/tier_statistics.json\n"
     "(replaced atomically); default standard output"},
    CLI_OPT_END,
};

static const cli_spec calibrate_spec = {
    "calibrate",
    "calibrate --rules FILE (--data FILE... | --summary FILE)\n"
    "          [--ci METHOD] [--level L] [--at TIME] [-o FILE]\n",
    "Per tier on TRAIN: training volume, calibrated conversion rate and lift\n"
    "(rounded as phase_9_tier_calibration.sql rounds them, and exact), a\n"
    "confidence interval, the expected rate; with calibrated_at, the model\n"
    "version, the rule file's SHA-256 and the data's fingerprint (row count\n"
    "and the SHA-256 of the input bytes).\n",
    calibrate_opts,
    0,
    NULL,
};

int cmd_calibrate(int argc, char **argv)
{
    cli_data d = CLI_DATA_INIT;
    tg_calibrate_options co = {NULL, TG_CI_WILSON, 0.95, "rows", NULL, 0};
    const char *out_path = NULL;
    tg_rules *rules = NULL;
    tg_tally t = {0}; /* zeroed: tg_tally_release accepts it unfilled */
    int c, r = TG_EXIT_OK;
    cJSON *doc = NULL;
    tg_error err;
    tg_error_clear(&err);
    cli_parser p;
    cli_parse_begin(&p, &calibrate_spec, argc, argv);
    while ((c = cli_next_option(&p, &d, NULL)) != CLI_END) {
        if (c == CLI_STOP) {
            r = p.rc;
            goto done;
        }
        switch (c) {
        case OPT_OUTPUT: out_path = p.arg; break;
        case OPT_AT:
            if (!tg_scored_at_valid(p.arg)) {
                char shown[96];
                r = cli_usage("calibrate",
                              "--at takes a UTC time such as "
                              "2025-12-22T00:00:00Z, not '%s'",
                              tg_esc_term_buf(p.arg, shown, sizeof shown));
                goto done;
            }
            co.calibrated_at = p.arg;
            break;
        }
    }
    if ((r = cli_load_rules(&rules, &d, "calibrate")) ||
        (r = cli_load_tally(&t, rules, &d, 1, "calibrate")))
        goto done;
    co.ci_method = d.ci_method;
    co.ci_level = d.ci_level;
    co.source = d.summary ? "summary" : "rows";
    co.files = d.summary ? &d.summary : d.data;
    co.nfiles = d.summary ? 1 : d.ndata;
    if (tg_calibrate(&doc, rules, &t, &co, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    r = cli_write_json(out_path ? out_path : "-", doc);
done:
    cJSON_Delete(doc);
    tg_tally_release(&t);
    tg_rules_free(rules);
    free(d.data);
    return cli_flush_stdout(r);
}
