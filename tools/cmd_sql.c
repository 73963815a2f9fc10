/*
 * tiergate sql: the warehouse SQL, generated from the rule set.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

static const char help[] =
    "usage: tiergate sql --rules FILE [--dialect "
    "bigquery|sqlite|duckdb|postgres]\n"
    "                    [--emit scoring|production-view|salesforce-sync|\n"
    "                            sga-dashboard|calibration|summary|\n"
    "                            monitor-summary|all]\n"
    "                    [--by week|month] [--maturity DAYS]\n"
    "                    [--project P --dataset D] [--out-dir DIR] "
    "[--check]\n\n"
    "Generate the brief's SQL from the rule set: the scoring table (step 3),\n"
    "the production view (4), the Salesforce sync (5), the SGA dashboard (6),\n"
    "the calibration table (9), and the summary query whose CSV export\n"
    "`tiergate gate --summary` reads. BigQuery names tables\n"
    "`project.dataset.table` (default: the rule set's \"tables\", the brief's\n"
    "savvy-gtm-analytics.ml_features); the other dialects use bare names, so\n"
    "the SQL runs as is in a database holding lead_scoring_features_pit.\n\n"
    "  --rules FILE     rule set (JSON)\n"
    "  --dialect D      bigquery (default), sqlite, duckdb, postgres\n"
    "  --emit WHAT      one piece, or all (default)\n"
    "  --project P      BigQuery project\n"
    "  --dataset D      BigQuery dataset\n"
    "  --out-dir DIR    write each piece to DIR/<brief's file name>\n"
    "                   (replaced atomically); default: standard output\n"
    "  --by week|month  monitor-summary windows (default week)\n"
    "  --maturity DAYS  monitor-summary maturity (default 30)\n"
    "  --check          write nothing: exit 1 and list the files in DIR\n"
    "                   (default sql) that differ from what the rule set\n"
    "                   generates\n"
    "  -h, --help       this help\n";

enum {
    OPT_DIALECT = 4000,
    OPT_EMIT,
    OPT_PROJECT,
    OPT_DATASET,
    OPT_OUT_DIR,
    OPT_CHECK,
    OPT_BY,
    OPT_MATURITY
};

int cmd_sql(int argc, char **argv)
{
    static const struct option opts[] = {
        {"by", required_argument, NULL, OPT_BY},
        {"check", no_argument, NULL, OPT_CHECK},
        {"maturity", required_argument, NULL, OPT_MATURITY},
        {"dataset", required_argument, NULL, OPT_DATASET},
        {"dialect", required_argument, NULL, OPT_DIALECT},
        {"emit", required_argument, NULL, OPT_EMIT},
        {"help", no_argument, NULL, 'h'},
        {"out-dir", required_argument, NULL, OPT_OUT_DIR},
        {"project", required_argument, NULL, OPT_PROJECT},
        {"rules", required_argument, NULL, OPT_RULES},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    tg_sql_options so = {TG_DIALECT_BIGQUERY, NULL, NULL, NULL};
    int emit = -1, check = 0, c, r = EXIT_OK, by_month = 0, maturity = 30;
    const char *out_dir = NULL;
    tg_rules *rules = NULL;
    tg_error err;
    tg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': r = cli_help(help); goto done;
        case OPT_RULES: d.rules = optarg; break;
        case OPT_CHECK: check = 1; break;
        case OPT_PROJECT: so.project = optarg; break;
        case OPT_DATASET: so.dataset = optarg; break;
        case OPT_OUT_DIR: out_dir = optarg; break;
        case OPT_BY:
            if (strcmp(optarg, "week") && strcmp(optarg, "month")) {
                r = cli_usage("sql", "--by takes week or month, not '%s'",
                              optarg);
                goto done;
            }
            by_month = strcmp(optarg, "month") == 0;
            break;
        case OPT_MATURITY: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0 || v > 3650) {
                r = cli_usage("sql", "--maturity takes 0 to 3650 days, not "
                                     "'%s'", optarg);
                goto done;
            }
            maturity = (int)v;
            break;
        }
        case OPT_DIALECT: {
            int x = tg_dialect_parse(optarg);
            if (x < 0) {
                r = cli_usage("sql",
                              "--dialect takes bigquery, sqlite, "
                              "duckdb or postgres, not '%s'",
                              optarg);
                goto done;
            }
            so.dialect = (tg_dialect)x;
            break;
        }
        case OPT_EMIT:
            if (strcmp(optarg, "all") == 0)
                emit = -1;
            else if ((emit = tg_emit_parse(optarg)) < 0) {
                r = cli_usage("sql",
                              "--emit takes scoring, production-view, "
                              "salesforce-sync, sga-dashboard, "
                              "calibration, summary, monitor-summary or all, "
                              "not '%s'",
                              optarg);
                goto done;
            }
            break;
        default: r = cli_usage("sql", "bad option"); goto done;
        }
    }
    if (optind < argc) {
        r = cli_usage("sql", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (check && !out_dir)
        out_dir = "sql";
    if ((r = cli_load_rules(&rules, &d, "sql")))
        goto done;
    /* The command that regenerates these files, written in their header. */
    char regen[2048];
    int n = snprintf(regen, sizeof regen, "tiergate sql --rules %s", d.rules);
    if (so.dialect != TG_DIALECT_BIGQUERY)
        n += snprintf(regen + n, sizeof regen - (size_t)n, " --dialect %s",
                      tg_dialect_name(so.dialect));
    if (emit >= 0)
        n += snprintf(regen + n, sizeof regen - (size_t)n, " --emit %s",
                      tg_emit_name((tg_emit)emit));
    if (so.project)
        n += snprintf(regen + n, sizeof regen - (size_t)n, " --project %s",
                      so.project);
    if (so.dataset)
        n += snprintf(regen + n, sizeof regen - (size_t)n, " --dataset %s",
                      so.dataset);
    if (by_month)
        n += snprintf(regen + n, sizeof regen - (size_t)n, " --by month");
    if (maturity != 30)
        n += snprintf(regen + n, sizeof regen - (size_t)n, " --maturity %d",
                      maturity);
    /* The folder is left out: the same files may be checked anywhere. */
    snprintf(regen + n, sizeof regen - (size_t)n, " --out-dir DIR");
    so.regen = regen;
    int differ = 0, checked = 0;
    for (int e = 0; e < TG_EMIT_COUNT; e++) {
        if (emit >= 0 && e != emit)
            continue;
        char *text = NULL;
        int grc = e == TG_EMIT_MONITOR_SUMMARY
                      ? tg_sql_generate_monitor(&text, rules, &so, by_month,
                                                maturity, &err)
                      : tg_sql_generate(&text, rules, (tg_emit)e, &so, &err);
        if (grc != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        if (!out_dir) {
            fputs(text, stdout);
            if (emit < 0 && e + 1 < TG_EMIT_COUNT)
                fputs("\n", stdout);
            free(text);
            continue;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", out_dir, tg_emit_file((tg_emit)e));
        if (check) {
            size_t len = 0;
            char *have = NULL;
            tg_error ignore;
            checked++;
            if (tg_read_file(&have, &len, path, 64u << 20, &ignore) != TG_OK ||
                len != strlen(text) || memcmp(have, text, len) != 0) {
                printf("%s: differs from what %s generates\n", path, d.rules);
                differ++;
            }
            free(have);
        } else {
            r = cli_write_file(path, text, strlen(text));
        }
        free(text);
        if (r)
            goto done;
    }
    if (check) {
        if (differ)
            fprintf(stderr,
                    "tiergate: %d of %d files in %s are stale: run\n"
                    "  %s\n",
                    differ, checked, out_dir, regen);
        else
            printf("%d files in %s match %s\n", checked, out_dir, d.rules);
        r = differ ? EXIT_GATE : EXIT_OK;
    }
done:
    tg_rules_free(rules);
    return cli_flush_stdout(r);
}
