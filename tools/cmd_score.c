/*
 * tiergate score: scored rows and the change request's views (steps 3-6), from
 * the same rule set the SQL is generated from.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_escape.h"

enum { OPT_VIEW = 3000, OPT_PRIORITY_ONLY, OPT_SCORED_AT };

/* Scoring streams rows: no --summary (counts cannot be scored) and no
 * --threads (the rows go out in input order, read by one reader). */
static const cli_opt score_opts[] = {
    CLI_OPT_RULES,
    CLI_OPT_DATA,
    CLI_OPT_DATE_CONFIG,
    CLI_OPT_ON_BAD_ROW,
    {"view", 0, "V", OPT_VIEW,
     "scores (default), production, salesforce, sga"},
    {"priority-only", 0, NULL, OPT_PRIORITY_ONLY,
     "scores view: leave out the default tier"},
    {"scored-at", 0, "TIME", OPT_SCORED_AT,
     "pin scored_at (UTC, e.g. 2025-12-22T00:00:00Z) so\n"
     "the output is reproducible; default: now"},
    {"format", 0, "FMT", OPT_FORMAT,
     "csv (default) or json (an array of objects)"},
    CLI_OPT_OUTPUT,
    CLI_OPT_END,
};

static const cli_spec score_spec = {
    "score",
    "score --rules FILE --data FILE...\n"
    "      [--view scores|production|salesforce|sga]\n"
    "      [--priority-only] [--scored-at TIME] [--format csv|json]\n"
    "      [-o FILE]\n",
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
    "does not grow with the number of rows.\n",
    score_opts,
    0,
    NULL,
};

/* One option of score's own; returns an exit code. */
static int score_option(tg_score_options *so, int c, const char *arg)
{
    char shown[96];
    switch (c) {
    case OPT_PRIORITY_ONLY: so->priority_only = 1; return TG_EXIT_OK;
    case OPT_VIEW: {
        int v = tg_view_parse(arg);
        if (v < 0)
            return cli_usage("score",
                             "--view takes scores, production, salesforce "
                             "or sga, not '%s'",
                             tg_esc_term_buf(arg, shown, sizeof shown));
        so->view = (tg_view)v;
        return TG_EXIT_OK;
    }
    case OPT_SCORED_AT:
        if (!tg_scored_at_valid(arg))
            return cli_usage("score",
                             "--scored-at takes a UTC time such as "
                             "2025-12-22T00:00:00Z, not '%s'",
                             tg_esc_term_buf(arg, shown, sizeof shown));
        so->scored_at = arg;
        return TG_EXIT_OK;
    case OPT_FORMAT: {
        int fmt = FMT_CSV;
        int r = cli_format_option("score", arg,
                                  FMT_BIT(FMT_CSV) | FMT_BIT(FMT_JSON), &fmt);
        so->format = fmt == FMT_JSON ? TG_SCORE_JSON : TG_SCORE_CSV;
        return r;
    }
    }
    return TG_EXIT_OK;
}

int cmd_score(int argc, char **argv)
{
    cli_data d = CLI_DATA_INIT;
    tg_score_options so = {TG_VIEW_SCORES, 0, NULL, TG_SCORE_CSV, NULL};
    const char *out_path = NULL;
    tg_rules *rules = NULL;
    int c, r = TG_EXIT_OK;
    tg_error err;
    tg_error_clear(&err);
    cli_parser p;
    cli_parse_begin(&p, &score_spec, argc, argv);
    while ((c = cli_next_option(&p, &d, NULL)) != CLI_END) {
        if (c == CLI_STOP) {
            r = p.rc;
            goto done;
        }
        if (c == OPT_OUTPUT)
            out_path = p.arg;
        else if ((r = score_option(&so, c, p.arg)))
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
    if (r == TG_EXIT_OK && skips.skipped)
        cli_warn_skipped(skips.skipped, skips.skipped + rows, skips.skipped_by,
                         &skips.first);
done:
    tg_rules_free(rules);
    free(d.data);
    return cli_flush_stdout(r);
}
