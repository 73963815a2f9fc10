/*
 * tiergate score: scored rows and the change request's views (steps 3-6), from
 * the same rule set the SQL is generated from.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

static const char help[] =
    "usage: tiergate score --rules FILE --data FILE... "
    "[--view scores|production|salesforce|sga]\n"
    "                      [--priority-only] [--scored-at TIME] "
    "[--format csv|json] [-o FILE]\n\n"
    "Score every lead and write one of the change request's outputs:\n"
    "  scores      every input column, then score_tier, tier_display,\n"
    "              expected_conversion_rate, expected_lift, priority_rank,\n"
    "              action_recommended, tier_explanation, scored_at,\n"
    "              model_version (step 3, the lead_scores_v3 table)\n"
    "  production  the production view (step 4)\n"
    "  salesforce  the Salesforce sync (step 5): __c fields, Expected_\n"
    "              Conversion__c as 15.0%, Expected_Lift__c as 3.5x\n"
    "  sga         the SGA dashboard (step 6)\n"
    "The last three hold priority tiers only, ordered by priority rank, then\n"
    "expected conversion rate, as the change request's views are. Streaming: memory\n"
    "does not grow with the number of rows.\n\n" CLI_DATA_HELP
    "  --view V             scores (default), production, salesforce, sga\n"
    "  --priority-only      scores view: leave out the default tier\n"
    "  --scored-at TIME     pin scored_at (UTC, e.g. 2025-12-22T00:00:00Z) so\n"
    "                       the output is reproducible; default: now\n"
    "  --format FMT         csv (default) or json (an array of objects)\n"
    "  -o FILE              write to FILE (replaced atomically)\n"
    "  -h, --help           this help\n";

enum { OPT_VIEW = 3000, OPT_PRIORITY_ONLY, OPT_SCORED_AT };

int cmd_score(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_DATA_LONG_OPTIONS,
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {"priority-only", no_argument, NULL, OPT_PRIORITY_ONLY},
        {"scored-at", required_argument, NULL, OPT_SCORED_AT},
        {"view", required_argument, NULL, OPT_VIEW},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    tg_score_options so = {TG_VIEW_SCORES, 0, NULL, TG_SCORE_CSV, NULL};
    const char *out_path = NULL;
    tg_rules *rules = NULL;
    int c, r = EXIT_OK;
    tg_error err;
    tg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int used = cli_data_option(&d, "score", c, optarg);
        if (used < 0) {
            r = EXIT_USAGE;
            goto done;
        }
        if (used)
            continue;
        switch (c) {
        case 'h': r = cli_help(help); goto done;
        case 'o': out_path = optarg; break;
        case OPT_PRIORITY_ONLY: so.priority_only = 1; break;
        case OPT_VIEW: {
            int v = tg_view_parse(optarg);
            if (v < 0) {
                r = cli_usage("score",
                              "--view takes scores, production, "
                              "salesforce or sga, not '%s'",
                              optarg);
                goto done;
            }
            so.view = (tg_view)v;
            break;
        }
        case OPT_SCORED_AT:
            if (!tg_scored_at_valid(optarg)) {
                r = cli_usage("score",
                              "--scored-at takes a UTC time such as "
                              "2025-12-22T00:00:00Z, not '%s'",
                              optarg);
                goto done;
            }
            so.scored_at = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                so.format = TG_SCORE_CSV;
            else if (strcmp(optarg, "json") == 0)
                so.format = TG_SCORE_JSON;
            else {
                r = cli_usage("score", "--format takes csv or json, not '%s'",
                              optarg);
                goto done;
            }
            break;
        default: r = cli_usage("score", "bad option"); goto done;
        }
    }
    if (optind < argc) {
        r = cli_usage("score", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (d.summary) {
        r = cli_usage("score", "scoring needs rows: give --data, not "
                               "--summary");
        goto done;
    }
    if (d.ndata == 0) {
        r = cli_usage("score", "give the data with --data FILE");
        goto done;
    }
    if ((r = cli_load_rules(&rules, &d, "score")))
        goto done;
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = d.data;
    o.npaths = d.ndata;
    o.on_bad_row = d.on_bad_row;
    o.date_config = cli_default_date_config(&d);
    uint64_t rows = 0;
    tg_score_skips skips;
    memset(&skips, 0, sizeof skips);
    so.skips = &skips;
    if (out_path && strcmp(out_path, "-") != 0) {
        /* Through memory would defeat streaming: write a temporary file
         * beside the target and rename it when complete. */
        tg_atomic_file af;
        if (tg_atomic_open(&af, out_path, &err) != TG_OK) {
            r = cli_fail(&err);
        } else if (tg_score_write(af.f, rules, &o, &so, &rows, &err) != TG_OK) {
            tg_atomic_abort(&af);
            r = cli_fail(&err);
        } else if (tg_atomic_commit(&af, &err) != TG_OK) {
            r = cli_fail(&err);
        }
    } else {
        if (tg_score_write(stdout, rules, &o, &so, &rows, &err) != TG_OK)
            r = cli_fail(&err);
    }
    /* Dropped rows are never silent: the same warning as preview's. */
    if (r == EXIT_OK && skips.skipped)
        cli_warn_skipped(skips.skipped, skips.skipped + rows, skips.skipped_by,
                         &skips.first);
done:
    tg_rules_free(rules);
    free(d.data);
    return cli_flush_stdout(r);
}
