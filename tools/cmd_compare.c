/*
 * tiergate compare: two rule sets on the same leads in one pass.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_escape.h"

enum { OPT_FROM_C = 9100, OPT_TO_C, OPT_SPLIT_C };

/* The rule sets come from --from and --to, the rows from --data only:
 * no --rules, no --summary (the matrix needs rows), and no --threads
 * (one sequential pass reads both rule sets' features). */
static const cli_opt compare_opts[] = {
    {"from", 0, "FILE", OPT_FROM_C, "the previous rule set"},
    {"to", 0, "FILE", OPT_TO_C, "the new rule set"},
    CLI_OPT_DATA,
    {"date-config", 0, "FILE", OPT_DATE_CONFIG,
     "train/test windows used when the export has no\n"
     "split column (default: registry/date_config.json\n"
     "of the --to rule set's repository)"},
    CLI_OPT_ON_BAD_ROW,
    {"split", 0, "S", OPT_SPLIT_C,
     "the split the metrics and matrix use (default ALL)"},
    {"format", 0, "FMT", OPT_FORMAT, "text (default), json or markdown"},
    CLI_OPT_OUTPUT,
    CLI_OPT_END,
};

static const cli_spec compare_spec = {
    "compare",
    "compare --from RULES --to RULES --data FILE...\n"
    "        [--split TRAIN|TEST|ALL] [--format text|json|markdown]\n"
    "        [-o FILE]\n",
    "Evaluate both rule sets (e.g. registry/tiers/v3.1.json and v3.2.json)\n"
    "in one pass over the same leads: Tier 1 lift and volume (every tier\n"
    "named TIER_1*), total priority volume and rate, coverage of best\n"
    "signals (the share of all conversions captured by priority tiers),\n"
    "per-tier rate and lift; when the --to rule set has an\n"
    "expected_outcomes block, its rows beside the measured values (the\n"
    "value it quotes for the previous version, and which version that is;\n"
    "the value it expects); the migration matrix (leads, labeled and\n"
    "conversions per old tier and new tier; its cells sum to the totals),\n"
    "and the population stability index of each model's tier shares\n"
    "between TRAIN and TEST.\n",
    compare_opts,
    0,
    NULL,
};

int cmd_compare(int argc, char **argv)
{
    cli_data d = CLI_DATA_INIT;
    const char *from_path = NULL, *to_path = NULL, *out_path = NULL;
    int fmt = FMT_TEXT, split = TG_SPLIT_ALL, c, r = TG_EXIT_OK, have = 0;
    tg_rules *from = NULL, *to = NULL;
    tg_comparison cmp;
    tg_error err;
    tg_error_clear(&err);
    cli_parser p;
    cli_parse_begin(&p, &compare_spec, argc, argv);
    while ((c = cli_next_option(&p, &d, NULL)) != CLI_END) {
        if (c == CLI_STOP) {
            r = p.rc;
            goto done;
        }
        switch (c) {
        case OPT_OUTPUT: out_path = p.arg; break;
        case OPT_FROM_C: from_path = p.arg; break;
        case OPT_TO_C: to_path = p.arg; break;
        case OPT_SPLIT_C:
            if ((split = tg_split_parse(p.arg)) == -2) {
                char shown[96];
                r = cli_usage("compare", "--split takes TRAIN, TEST or ALL, "
                                         "not '%s'",
                              tg_esc_term_buf(p.arg, shown, sizeof shown));
            }
            break;
        case OPT_FORMAT:
            r = cli_format_option("compare", p.arg,
                                  FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                      FMT_BIT(FMT_MARKDOWN),
                                  &fmt);
            break;
        }
        if (r)
            goto done;
    }
    if (!from_path || !to_path || !d.ndata) {
        r = cli_usage("compare", "give --from RULES --to RULES --data FILE");
        goto done;
    }
    if (tg_rules_load(&from, from_path, &err) != TG_OK ||
        tg_rules_load(&to, to_path, &err) != TG_OK ||
        tg_expected_outcomes_check(to, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = d.data;
    o.npaths = d.ndata;
    o.on_bad_row = d.on_bad_row;
    o.date_config = cli_date_config_for(&d, to_path);
    cli_progress_attach(&o);
    if (tg_compare_scan(&cmp, from, to, &o, split, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    have = 1;
    cJSON *j = tg_comparison_json(&cmp, from, to, TG_CI_WILSON, 0.95);
    cli_out out;
    if ((r = cli_out_open(&out, out_path)) == TG_EXIT_OK) {
        if (fmt == FMT_JSON) {
            char *s = cJSON_Print(tg_json_stamp(j));
            fprintf(out.f, "%s\n", s);
            cJSON_free(s);
        } else {
            /* Fitted to the terminal; 80 columns in a file. */
            tg_render_compare(out.f, j, fmt == FMT_MARKDOWN,
                              out_path && strcmp(out_path, "-")
                                  ? 80
                                  : cli_term_width());
        }
        r = cli_out_close(&out);
    }
    cJSON_Delete(j);
done:
    if (have)
        tg_comparison_release(&cmp);
    tg_rules_free(from);
    tg_rules_free(to);
    free(d.data);
    return cli_flush_stdout(r);
}
