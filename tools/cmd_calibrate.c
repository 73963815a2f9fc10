/*
 * tiergate calibrate: the calibration table of checklist step 9
 * (registry/tier_statistics.json).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

static const char help[] =
    "usage: tiergate calibrate --rules FILE (--data FILE... | --summary FILE)\n"
    "                          [--ci METHOD] [--level L] [--at TIME] [-o "
    "FILE]\n\n"
    "Per tier on TRAIN: training volume, calibrated conversion rate and lift\n"
    "(rounded as phase_9_tier_calibration.sql rounds them, and exact), a\n"
    "confidence interval, the expected rate; with calibrated_at, the model\n"
    "version, the rule file's SHA-256 and the data's fingerprint (row count\n"
    "and the SHA-256 of the input bytes).\n\n" CLI_DATA_HELP CLI_STATS_HELP
    "  --at TIME            pin calibrated_at (UTC, 2025-12-22T00:00:00Z)\n"
    "  -o FILE              write to FILE, e.g. registry/tier_statistics.json\n"
    "                       (replaced atomically); default standard output\n"
    "  -h, --help           this help\n";

enum { OPT_AT = 5000 };

int cmd_calibrate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"at", required_argument, NULL, OPT_AT},
        CLI_DATA_LONG_OPTIONS,
        CLI_STATS_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    tg_calibrate_options co = {NULL, TG_CI_WILSON, 0.95, "rows", NULL, 0};
    const char *out_path = NULL;
    tg_rules *rules = NULL;
    tg_tally t;
    int have_tally = 0, c, r = EXIT_OK;
    cJSON *doc = NULL;
    tg_error err;
    tg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int used = cli_data_option(&d, "calibrate", c, optarg);
        if (used < 0) {
            r = EXIT_USAGE;
            goto done;
        }
        if (used)
            continue;
        switch (c) {
        case 'h': r = cli_help(help); goto done;
        case 'o': out_path = optarg; break;
        case OPT_AT:
            if (!tg_scored_at_valid(optarg)) {
                r = cli_usage("calibrate", "--at takes a UTC time such as "
                                           "2025-12-22T00:00:00Z");
                goto done;
            }
            co.calibrated_at = optarg;
            break;
        default: r = cli_usage("calibrate", "bad option"); goto done;
        }
    }
    if (optind < argc) {
        r = cli_usage("calibrate", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if ((r = cli_load_rules(&rules, &d, "calibrate")) ||
        (r = cli_load_tally(&t, rules, &d, 1, "calibrate")))
        goto done;
    have_tally = 1;
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
    if (have_tally)
        tg_tally_release(&t);
    tg_rules_free(rules);
    free(d.data);
    return cli_flush_stdout(r);
}
