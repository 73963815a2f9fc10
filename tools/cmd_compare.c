/*
 * tiergate compare: two rule sets on the same leads in one pass.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

static const char help[] =
    "usage: tiergate compare --from RULES --to RULES --data FILE... "
    "[--split TRAIN|TEST|ALL]\n"
    "                        [--format text|json|markdown] [-o FILE]\n\n"
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
    "between TRAIN and TEST.\n\n"
    "  --from FILE          the previous rule set\n"
    "  --to FILE            the new rule set\n"
    "  --data FILE          feature export; repeatable\n"
    "  --split S            the split the metrics and matrix use (default "
    "ALL)\n"
    "  --format FMT         text (default), json or markdown\n"
    "  -o FILE              write to FILE (replaced atomically)\n"
    "  -h, --help           this help\n";

enum { OPT_FROM_C = 9100, OPT_TO_C };

int cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_DATA_LONG_OPTIONS,
        {"format", required_argument, NULL, 'f'},
        {"from", required_argument, NULL, OPT_FROM_C},
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {"split", required_argument, NULL, 's'},
        {"to", required_argument, NULL, OPT_TO_C},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    const char *from_path = NULL, *to_path = NULL, *out_path = NULL;
    int fmt = FMT_TEXT, split = TG_SPLIT_ALL, c, r = EXIT_OK, have = 0;
    tg_rules *from = NULL, *to = NULL;
    tg_comparison cmp;
    tg_error err;
    tg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int used = cli_data_option(&d, "compare", c, optarg);
        if (used < 0) {
            r = EXIT_USAGE;
            goto done;
        }
        if (used)
            continue;
        switch (c) {
        case 'h': r = cli_help(help); goto done;
        case 'o': out_path = optarg; break;
        case OPT_FROM_C: from_path = optarg; break;
        case OPT_TO_C: to_path = optarg; break;
        case 's':
            if ((split = tg_split_parse(optarg)) == -2) {
                r = cli_usage("compare", "--split takes TRAIN, TEST or ALL");
                goto done;
            }
            break;
        case 'f':
            if ((fmt = cli_format_parse(optarg,
                                        FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                            FMT_BIT(FMT_MARKDOWN))) < 0) {
                r = cli_usage("compare", "--format takes text, json or "
                                         "markdown");
                goto done;
            }
            break;
        default: r = cli_usage("compare", "bad option"); goto done;
        }
    }
    if (optind < argc || !from_path || !to_path || !d.ndata) {
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
    if ((r = cli_out_open(&out, out_path)) == EXIT_OK) {
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
