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
    "                            monitor-summary|schema-check|all]\n"
    "                    [--by week|month] [--maturity DAYS]\n"
    "                    [--columns FILE] [--alias FEATURE=COLUMN]...\n"
    "                    [--slice EXPR]... [--project P --dataset D]\n"
    "                    [--out-dir DIR] [--check]\n"
    "       tiergate sql --emit sweep --sweep FILE [--rules FILE] [--dialect D]\n"
    "                    [--project P --dataset D] [-o FILE]\n\n"
    "Generate the warehouse SQL from the rule set: the scoring table (step 3),\n"
    "the production view (4), the Salesforce sync (5), the SGA dashboard (6),\n"
    "the calibration table (9), and the summary query whose CSV export\n"
    "`tiergate gate --summary` reads. BigQuery names tables\n"
    "`project.dataset.table` (default: the rule set's \"tables\", the change request's\n"
    "savvy-gtm-analytics.ml_features); the other dialects use bare names, so\n"
    "the SQL runs as is in a database holding lead_scoring_features_pit.\n"
    "schema-check is checklist step 1 in the warehouse: for every feature,\n"
    "each name it may have and the column the table has by that name\n"
    "(INFORMATION_SCHEMA.COLUMNS; SQLite's pragma_table_info); its CSV\n"
    "export is what `check-schema --columns` and `sql --columns` read.\n\n"
    "  --rules FILE     rule set (JSON)\n"
    "  --dialect D      bigquery (default), sqlite, duckdb, postgres\n"
    "  --emit WHAT      one piece, or all (default)\n"
    "  --columns FILE   write the SQL against the columns the table has: the\n"
    "                   CSV export of schema-check (or any list with a\n"
    "                   column_name column), or a CSV whose header is the\n"
    "                   table's; a feature found under an alias is read by\n"
    "                   that name (exit 2 when a feature is missing)\n"
    "  --alias F=C      the table calls feature F column C (repeatable;\n"
    "                   wins over --columns)\n"
    "  --slice EXPR     summary: also GROUP BY this slicing (COLUMN,\n"
    "                   COLUMN:E1,E2,... or COLUMN:month), for `gate\n"
    "                   --summary --slice EXPR` (repeatable)\n"
    "  --project P      BigQuery project\n"
    "  --dataset D      BigQuery dataset\n"
    "  --out-dir DIR    write each piece to DIR/<its file name>\n"
    "                   (replaced atomically); default: standard output\n"
    "  --by week|month  monitor-summary windows (default week)\n"
    "  --maturity DAYS  monitor-summary maturity (default 30)\n"
    "  --sweep FILE     with --emit sweep: one query counting every variant\n"
    "                   of the sweep per split and tier (one CASE per\n"
    "                   variant, the table read once), whose CSV export\n"
    "                   `tiergate sweep --summary` reads; --rules replaces\n"
    "                   the sweep's base\n"
    "  -o FILE          with --emit sweep: write there (atomically)\n"
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
    OPT_MATURITY,
    OPT_COLUMNS,
    OPT_ALIAS,
    OPT_SQL_SLICE,
    OPT_SWEEP
};

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/*
 * The table's column for each feature, from --columns and --alias, into
 * cols (one per feature, NULL = the feature's own name). Names that go
 * into the SQL must be plain identifiers.
 */
static int map_columns(const tg_rules *rules, const char *columns_path,
                       char **alias, int nalias, const char **cols,
                       tg_columns *held)
{
    tg_error err;
    tg_error_clear(&err);
    if (columns_path) {
        if (tg_columns_load(held, columns_path, &err) != TG_OK)
            return cli_fail(&err);
        tg_schema_report rep;
        if (tg_schema_check_columns(&rep, rules, held, columns_path, &err) !=
            TG_OK)
            return cli_fail(&err);
        int bad = 0;
        for (int f = 0; f < rules->nfeatures; f++) {
            const tg_feature *ft = &rules->features[f];
            const char *c = rep.features[f].column;
            if (!c) {
                if (!rep.features[f].used)
                    continue;
                fprintf(stderr, "tiergate: %s: missing column '%s' (tried '%s'",
                        columns_path, ft->name, ft->name);
                for (int a = 0; a < ft->naliases; a++)
                    fprintf(stderr, ", '%s'", ft->aliases[a]);
                fprintf(stderr, ")\n");
                bad = 1;
                continue;
            }
            if (!tg_sql_ident_ok(c)) {
                fprintf(stderr, "tiergate: %s: column '%.60s' of feature '%s' "
                        "is not a plain SQL name (letters, digits, '_')\n",
                        columns_path, c, ft->name);
                bad = 1;
                continue;
            }
            for (int i = 0; i < held->n; i++)
                if (held->names[i] && strcmp(held->names[i], c) == 0)
                    cols[f] = held->names[i];
        }
        tg_schema_report_release(&rep);
        if (bad)
            return EXIT_USAGE;
    }
    for (int i = 0; i < nalias; i++) {
        char *eq = strchr(alias[i], '=');
        if (!eq)
            return cli_usage("sql", "--alias takes FEATURE=COLUMN, not '%s'",
                             alias[i]);
        int f = tg_rules_feature_index(rules, alias[i],
                                       (size_t)(eq - alias[i]));
        if (f < 0)
            return cli_usage("sql", "--alias '%s': no feature '%.*s' in %s",
                             alias[i], (int)(eq - alias[i]), alias[i],
                             rules->path);
        if (!tg_sql_ident_ok(eq + 1))
            return cli_usage("sql",
                             "--alias '%s': the column must be a plain SQL "
                             "name (letters, digits, '_', at most 128 bytes)",
                             alias[i]);
        cols[f] = eq + 1;
    }
    return EXIT_OK;
}

/* sql --emit sweep: the sweep's summary query. */
static int emit_sweep(const char *sweep_path, const char *rules_path,
                      tg_sql_options *so, const char *out_path)
{
    tg_sweep *sw = NULL;
    tg_error err;
    tg_error_clear(&err);
    if (tg_sweep_load(&sw, sweep_path, rules_path, &err) != TG_OK)
        return cli_fail(&err);
    tg_rules **rs = malloc((size_t)sw->nvariants * sizeof *rs);
    const char **names = malloc((size_t)sw->nvariants * sizeof *names);
    char *text = NULL, regen[2048];
    int r = EXIT_INTERNAL;
    if (!rs || !names)
        goto done;
    for (int i = 0; i < sw->nvariants; i++) {
        rs[i] = sw->variants[i].rules;
        names[i] = sw->variants[i].name;
    }
    snprintf(regen, sizeof regen, "tiergate sql --emit sweep --sweep %s%s%s%s%s",
             sweep_path, rules_path ? " --rules " : "",
             rules_path ? rules_path : "",
             so->dialect != TG_DIALECT_BIGQUERY ? " --dialect " : "",
             so->dialect != TG_DIALECT_BIGQUERY ? tg_dialect_name(so->dialect)
                                                 : "");
    so->regen = regen;
    if (tg_sql_generate_sweep(&text, rs, names, sw->nvariants, so, sweep_path,
                              sw->sha256, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if (out_path && strcmp(out_path, "-") != 0)
        r = cli_write_file(out_path, text, strlen(text));
    else
        r = fputs(text, stdout) < 0 ? EXIT_INTERNAL : EXIT_OK;
done:
    free(text);
    free(rs);
    free(names);
    tg_sweep_free(sw);
    return r;
}

int cmd_sql(int argc, char **argv)
{
    static const struct option opts[] = {
        {"alias", required_argument, NULL, OPT_ALIAS},
        {"by", required_argument, NULL, OPT_BY},
        {"check", no_argument, NULL, OPT_CHECK},
        {"columns", required_argument, NULL, OPT_COLUMNS},
        {"maturity", required_argument, NULL, OPT_MATURITY},
        {"slice", required_argument, NULL, OPT_SQL_SLICE},
        {"dataset", required_argument, NULL, OPT_DATASET},
        {"dialect", required_argument, NULL, OPT_DIALECT},
        {"emit", required_argument, NULL, OPT_EMIT},
        {"help", no_argument, NULL, 'h'},
        {"out-dir", required_argument, NULL, OPT_OUT_DIR},
        {"output", required_argument, NULL, 'o'},
        {"project", required_argument, NULL, OPT_PROJECT},
        {"rules", required_argument, NULL, OPT_RULES},
        {"sweep", required_argument, NULL, OPT_SWEEP},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    tg_sql_options so = {TG_DIALECT_BIGQUERY, NULL, NULL, NULL, NULL, NULL, 0};
    int emit = -1, check = 0, c, r = EXIT_OK, by_month = 0, maturity = 30,
        sweep_emit = 0;
    const char *out_dir = NULL, *sweep_path = NULL, *out_path = NULL;
    tg_rules *rules = NULL;
    tg_error err;
    const char *columns_path = NULL;
    char *alias[64], *slice_expr[TG_SUMMARY_MAX_SLICINGS];
    int nalias = 0, nslice = 0;
    const char **cols = NULL;
    tg_columns held = {0, NULL};
    tg_slice_spec specs[TG_SUMMARY_MAX_SLICINGS];
    int nspecs = 0;
    tg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': r = cli_help(help); goto done;
        case 'o': out_path = optarg; break;
        case OPT_SWEEP: sweep_path = optarg; break;
        case OPT_RULES: d.rules = optarg; break;
        case OPT_CHECK: check = 1; break;
        case OPT_PROJECT: so.project = optarg; break;
        case OPT_DATASET: so.dataset = optarg; break;
        case OPT_OUT_DIR: out_dir = optarg; break;
        case OPT_COLUMNS:
            if (has_control(optarg)) {
                r = cli_usage("sql", "--columns: control bytes in the path");
                goto done;
            }
            columns_path = optarg;
            break;
        case OPT_ALIAS:
            if (nalias == 64) {
                r = cli_usage("sql", "at most 64 --alias options");
                goto done;
            }
            alias[nalias++] = optarg;
            break;
        case OPT_SQL_SLICE:
            if (nslice == TG_SUMMARY_MAX_SLICINGS) {
                r = cli_usage("sql", "at most %d --slice options",
                              TG_SUMMARY_MAX_SLICINGS);
                goto done;
            }
            slice_expr[nslice++] = optarg;
            break;
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
            else if (strcmp(optarg, "sweep") == 0)
                sweep_emit = 1;
            else if ((emit = tg_emit_parse(optarg)) < 0) {
                r = cli_usage("sql",
                              "--emit takes scoring, production-view, "
                              "salesforce-sync, sga-dashboard, "
                              "calibration, summary, monitor-summary, "
                              "schema-check, sweep or all, not '%s'",
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
    if (sweep_emit || sweep_path) {
        if (!sweep_emit || !sweep_path || check || out_dir)
            r = cli_usage("sql", "--sweep FILE goes with --emit sweep (and "
                                 "-o FILE, not --out-dir or --check)");
        else
            r = emit_sweep(sweep_path, d.rules, &so, out_path);
        goto done;
    }
    if (out_path) {
        r = cli_usage("sql", "-o FILE is for --emit sweep; use --out-dir DIR");
        goto done;
    }
    if (check && !out_dir)
        out_dir = "sql";
    if (nslice && emit != TG_EMIT_SUMMARY && emit != -1) {
        r = cli_usage("sql", "--slice goes with --emit summary");
        goto done;
    }
    if ((r = cli_load_rules(&rules, &d, "sql")))
        goto done;
    if (!(cols = calloc((size_t)rules->nfeatures, sizeof *cols))) {
        r = EXIT_INTERNAL;
        goto done;
    }
    if ((r = map_columns(rules, columns_path, alias, nalias, cols, &held)))
        goto done;
    so.columns = cols;
    for (; nspecs < nslice; nspecs++)
        if (tg_slice_parse(&specs[nspecs], slice_expr[nspecs], rules, &err) !=
            TG_OK) {
            r = cli_usage("sql", "%s", err.msg);
            goto done;
        }
    so.slices = specs;
    so.nslices = nspecs;
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
    if (columns_path && n < (int)sizeof regen)
        n += snprintf(regen + n, sizeof regen - (size_t)n, " --columns %s",
                      columns_path);
    for (int i = 0; i < nalias && n < (int)sizeof regen; i++)
        n += snprintf(regen + n, sizeof regen - (size_t)n, " --alias %s",
                      alias[i]);
    for (int i = 0; i < nspecs && n < (int)sizeof regen; i++)
        n += snprintf(regen + n, sizeof regen - (size_t)n, " --slice %s",
                      specs[i].expr);
    if (n >= (int)sizeof regen - 16) {
        r = cli_usage("sql", "options too long");
        goto done;
    }
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
    for (int i = 0; i < nspecs; i++)
        tg_slice_spec_release(&specs[i]);
    tg_columns_release(&held);
    free(cols);
    tg_rules_free(rules);
    return cli_flush_stdout(r);
}
