/*
 * tiergate sql: the warehouse SQL, generated from the rule set.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_escape.h"

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

static const cli_opt sql_opts[] = {
    {"rules", 0, "FILE", OPT_RULES, "rule set (JSON)"},
    {"dialect", 0, "D", OPT_DIALECT, "bigquery (default), sqlite, duckdb, postgres"},
    {"emit", 0, "WHAT", OPT_EMIT, "one piece, or all (default)"},
    {"columns", 0, "FILE", OPT_COLUMNS,
     "write the SQL against the columns the table\n"
     "has: the CSV export of schema-check (or any list\n"
     "with a column_name column), or a CSV whose header\n"
     "is the table's; a feature found under an alias is\n"
     "read by that name (exit 2 when a feature is\n"
     "missing)"},
    {"alias", 0, "F=C", OPT_ALIAS,
     "the table calls feature F column C (repeatable;\n"
     "wins over --columns)"},
    {"slice", 0, "EXPR", OPT_SQL_SLICE,
     "summary: also GROUP BY this slicing (COLUMN,\n"
     "COLUMN:E1,E2,... or COLUMN:month), for `gate\n"
     "--summary --slice EXPR` (repeatable)"},
    {"project", 0, "P", OPT_PROJECT, "BigQuery project"},
    {"dataset", 0, "D", OPT_DATASET, "BigQuery dataset"},
    {"out-dir", 0, "DIR", OPT_OUT_DIR,
     "write each piece to DIR/<its file name>\n"
     "(replaced atomically); default: standard output"},
    {"by", 0, "week|month", OPT_BY, "monitor-summary windows (default week)"},
    {"maturity", 0, "DAYS", OPT_MATURITY,
     "monitor-summary maturity (default 30)"},
    {"sweep", 0, "FILE", OPT_SWEEP,
     "with --emit sweep: one query counting every\n"
     "variant of the sweep per split and tier (one CASE\n"
     "per variant, the table read once), whose CSV\n"
     "export `tiergate sweep --summary` reads; --rules\n"
     "replaces the sweep's base"},
    {"output", 'o', "FILE", OPT_OUTPUT,
     "with --emit sweep: write there (atomically)"},
    {"check", 0, NULL, OPT_CHECK,
     "write nothing: exit 1 and list the files in DIR\n"
     "(default sql) that differ from what the rule set\n"
     "generates"},
    CLI_OPT_END,
};

static const cli_spec sql_spec = {
    "sql",
    "sql --rules FILE [--dialect bigquery|sqlite|duckdb|postgres]\n"
    "    [--emit scoring|production-view|salesforce-sync|\n"
    "            sga-dashboard|calibration|summary|\n"
    "            monitor-summary|schema-check|all]\n"
    "    [--by week|month] [--maturity DAYS]\n"
    "    [--columns FILE] [--alias FEATURE=COLUMN]...\n"
    "    [--slice EXPR]... [--project P --dataset D]\n"
    "    [--out-dir DIR] [--check]\n"
    "sql --emit sweep --sweep FILE [--rules FILE] [--dialect D]\n"
    "    [--project P --dataset D] [-o FILE]\n",
    "Generate the warehouse SQL from the rule set: the scoring table (step\n"
    "3), the production view (4), the Salesforce sync (5), the SGA dashboard\n"
    "(6), the calibration table (9), and the summary query whose CSV export\n"
    "`tiergate gate --summary` reads. BigQuery names tables\n"
    "`project.dataset.table` (default: the rule set's \"tables\", the change\n"
    "request's savvy-gtm-analytics.ml_features); the other dialects use bare\n"
    "names, so the SQL runs as is in a database holding\n"
    "lead_scoring_features_pit. schema-check is checklist step 1 in the\n"
    "warehouse: for every feature, each name it may have and the column the\n"
    "table has by that name (INFORMATION_SCHEMA.COLUMNS; SQLite's\n"
    "pragma_table_info); its CSV export is what `check-schema --columns` and\n"
    "`sql --columns` read.\n",
    sql_opts,
    0,
    NULL,
};

/* Limits and defaults of the command line. */
enum {
    EMIT_ALL = -1,
    GO_ON = -1,
    MAX_ALIASES = 64,
    DEFAULT_MATURITY = 30,
    MAX_CHECKED_FILE = 64 << 20 /* --check reads no file larger */
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
                       const char *const *alias, int nalias, const char **cols,
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
            return TG_EXIT_USAGE;
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
    return TG_EXIT_OK;
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
    int r = TG_EXIT_INTERNAL;
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
        r = fputs(text, stdout) < 0 ? TG_EXIT_INTERNAL : TG_EXIT_OK;
done:
    free(text);
    free(rs);
    free(names);
    tg_sweep_free(sw);
    return r;
}

/* What the command line asks for. */
typedef struct {
    const char *rules_path;
    tg_sql_options so;
    int emit; /* a tg_emit, or EMIT_ALL */
    int sweep_emit, check, by_month, maturity;
    const char *out_dir, *sweep_path, *out_path, *columns_path;
    const char *alias[MAX_ALIASES];
    int nalias;
    const char *slice_expr[TG_SUMMARY_MAX_SLICINGS];
    int nslice;
} sql_args;

/* --emit: a piece, all of them, or the sweep's query. */
static int emit_option(sql_args *a, const char *arg)
{
    char shown[96];
    if (strcmp(arg, "all") == 0)
        a->emit = EMIT_ALL;
    else if (strcmp(arg, "sweep") == 0)
        a->sweep_emit = 1;
    else if ((a->emit = tg_emit_parse(arg)) < 0)
        return cli_usage("sql",
                         "--emit takes scoring, production-view, "
                         "salesforce-sync, sga-dashboard, calibration, "
                         "summary, monitor-summary, schema-check, sweep or "
                         "all, not '%s'",
                         tg_esc_term_buf(arg, shown, sizeof shown));
    return TG_EXIT_OK;
}

/* An option whose value needs checking; returns an exit code. */
static int checked_option(sql_args *a, int c, const char *arg)
{
    char shown[96];
    switch (c) {
    case OPT_COLUMNS:
        if (has_control(arg))
            return cli_usage("sql", "--columns: control bytes in the path");
        a->columns_path = arg;
        return TG_EXIT_OK;
    case OPT_BY:
        if (strcmp(arg, "week") && strcmp(arg, "month"))
            return cli_usage("sql", "--by takes week or month, not '%s'",
                             tg_esc_term_buf(arg, shown, sizeof shown));
        a->by_month = strcmp(arg, "month") == 0;
        return TG_EXIT_OK;
    case OPT_MATURITY: {
        char *end;
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || v < 0 || v > 3650)
            return cli_usage("sql", "--maturity takes 0 to 3650 days, not "
                                    "'%s'",
                             tg_esc_term_buf(arg, shown, sizeof shown));
        a->maturity = (int)v;
        return TG_EXIT_OK;
    }
    case OPT_DIALECT: {
        int x = tg_dialect_parse(arg);
        if (x < 0)
            return cli_usage("sql",
                             "--dialect takes bigquery, sqlite, duckdb or "
                             "postgres, not '%s'",
                             tg_esc_term_buf(arg, shown, sizeof shown));
        a->so.dialect = (tg_dialect)x;
        return TG_EXIT_OK;
    }
    case OPT_EMIT: return emit_option(a, arg);
    }
    return TG_EXIT_OK;
}

/* One option; returns an exit code. */
static int sql_option(sql_args *a, int c, const char *arg)
{
    switch (c) {
    case OPT_OUTPUT: a->out_path = arg; break;
    case OPT_SWEEP: a->sweep_path = arg; break;
    case OPT_RULES: a->rules_path = arg; break;
    case OPT_CHECK: a->check = 1; break;
    case OPT_PROJECT: a->so.project = arg; break;
    case OPT_DATASET: a->so.dataset = arg; break;
    case OPT_OUT_DIR: a->out_dir = arg; break;
    case OPT_ALIAS:
        if (a->nalias == MAX_ALIASES)
            return cli_usage("sql", "at most %d --alias options",
                             MAX_ALIASES);
        a->alias[a->nalias++] = arg;
        break;
    case OPT_SQL_SLICE:
        if (a->nslice == TG_SUMMARY_MAX_SLICINGS)
            return cli_usage("sql", "at most %d --slice options",
                             TG_SUMMARY_MAX_SLICINGS);
        a->slice_expr[a->nslice++] = arg;
        break;
    default: return checked_option(a, c, arg);
    }
    return TG_EXIT_OK;
}

/* Read the options into a; GO_ON, or the exit code to stop with (0
 * after --help). */
static int sql_parse(sql_args *a, int argc, char **argv)
{
    cli_parser p;
    int c, r;
    cli_parse_begin(&p, &sql_spec, argc, argv);
    while ((c = cli_next(&p)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc;
        if ((r = sql_option(a, c, p.arg)))
            return r;
    }
    return GO_ON;
}

/* Options that go together only in some combinations (the sweep's query
 * is checked where it is emitted); GO_ON when they fit. */
static int sql_combination(sql_args *a)
{
    if (a->out_path)
        return cli_usage("sql", "-o FILE is for --emit sweep; use --out-dir "
                                "DIR");
    if (a->check && !a->out_dir)
        a->out_dir = CLI_DEFAULT_SQL_DIR;
    if (a->nslice && a->emit != TG_EMIT_SUMMARY && a->emit != EMIT_ALL)
        return cli_usage("sql", "--slice goes with --emit summary");
    return GO_ON;
}

/* Append to the command being built in buf (n bytes so far, never past
 * size); returns the length it would have. */
static int append(char *buf, size_t size, int n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t size, int n, const char *fmt, ...)
{
    if (n >= (int)size)
        return n;
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, size - (size_t)n, fmt, ap);
    va_end(ap);
    return n;
}

/*
 * The command that regenerates these files, written in their header:
 * every option that shapes them, the folder left out (the same files
 * may be checked anywhere).
 */
static int regen_command(char *regen, size_t size, const sql_args *a,
                         const tg_slice_spec *specs, int nspecs)
{
    int n = append(regen, size, 0, "tiergate sql --rules %s", a->rules_path);
    if (a->so.dialect != TG_DIALECT_BIGQUERY)
        n = append(regen, size, n, " --dialect %s",
                   tg_dialect_name(a->so.dialect));
    if (a->emit != EMIT_ALL)
        n = append(regen, size, n, " --emit %s", tg_emit_name((tg_emit)a->emit));
    if (a->so.project)
        n = append(regen, size, n, " --project %s", a->so.project);
    if (a->so.dataset)
        n = append(regen, size, n, " --dataset %s", a->so.dataset);
    if (a->by_month)
        n = append(regen, size, n, " --by month");
    if (a->maturity != DEFAULT_MATURITY)
        n = append(regen, size, n, " --maturity %d", a->maturity);
    if (a->columns_path)
        n = append(regen, size, n, " --columns %s", a->columns_path);
    for (int i = 0; i < a->nalias; i++)
        n = append(regen, size, n, " --alias %s", a->alias[i]);
    for (int i = 0; i < nspecs; i++)
        n = append(regen, size, n, " --slice %s", specs[i].expr);
    if (n >= (int)size - 16)
        return cli_usage("sql", "options too long");
    append(regen, size, n, " --out-dir DIR");
    return TG_EXIT_OK;
}

/* --check: whether the file at path holds text; prints it when not. */
static int piece_matches(const char *path, const char *text,
                         const char *rules_path)
{
    size_t len = 0;
    char *have = NULL;
    tg_error ignore;
    int same = tg_read_file(&have, &len, path, MAX_CHECKED_FILE, &ignore) ==
                   TG_OK &&
               len == strlen(text) && memcmp(have, text, len) == 0;
    if (!same)
        printf("%s: differs from what %s generates\n", path, rules_path);
    free(have);
    return same;
}

/*
 * Every piece asked for: to standard output, to the folder, or (--check)
 * compared with the folder's files (exit 1 when one differs).
 */
static int emit_pieces(const tg_rules *rules, const tg_sql_options *so,
                       const sql_args *a)
{
    tg_error err;
    tg_error_clear(&err);
    int differ = 0, checked = 0, r = TG_EXIT_OK;
    for (int e = 0; e < TG_EMIT_COUNT && r == TG_EXIT_OK; e++) {
        if (a->emit != EMIT_ALL && e != a->emit)
            continue;
        char *text = NULL;
        int grc = e == TG_EMIT_MONITOR_SUMMARY
                      ? tg_sql_generate_monitor(&text, rules, so, a->by_month,
                                                a->maturity, &err)
                      : tg_sql_generate(&text, rules, (tg_emit)e, so, &err);
        if (grc != TG_OK)
            return cli_fail(&err);
        if (!a->out_dir) {
            fputs(text, stdout);
            if (a->emit == EMIT_ALL && e + 1 < TG_EMIT_COUNT)
                fputs("\n", stdout);
        } else {
            char path[TG_PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", a->out_dir,
                     tg_emit_file((tg_emit)e));
            if (a->check) {
                checked++;
                differ += !piece_matches(path, text, a->rules_path);
            } else {
                r = cli_write_file(path, text, strlen(text));
            }
        }
        free(text);
    }
    if (r || !a->check)
        return r;
    if (differ)
        fprintf(stderr, "tiergate: %d of %d files in %s are stale: run\n  %s\n",
                differ, checked, a->out_dir, so->regen);
    else
        printf("%d files in %s match %s\n", checked, a->out_dir, a->rules_path);
    return differ ? TG_EXIT_GATE : TG_EXIT_OK;
}

int cmd_sql(int argc, char **argv)
{
    sql_args a;
    memset(&a, 0, sizeof a);
    a.so.dialect = TG_DIALECT_BIGQUERY;
    a.emit = EMIT_ALL;
    a.maturity = DEFAULT_MATURITY;
    tg_rules *rules = NULL;
    const char **cols = NULL;
    tg_columns held = {0, NULL};
    tg_slice_spec specs[TG_SUMMARY_MAX_SLICINGS];
    int nspecs = 0;
    tg_error err;
    tg_error_clear(&err);
    char regen[2048];
    int r = sql_parse(&a, argc, argv);
    if (r != GO_ON)
        goto done;
    if (a.sweep_emit || a.sweep_path) {
        if (!a.sweep_emit || !a.sweep_path || a.check || a.out_dir)
            r = cli_usage("sql", "--sweep FILE goes with --emit sweep (and "
                                 "-o FILE, not --out-dir or --check)");
        else
            r = emit_sweep(a.sweep_path, a.rules_path, &a.so, a.out_path);
        goto done;
    }
    if ((r = sql_combination(&a)) != GO_ON)
        goto done;
    cli_data d = CLI_DATA_INIT;
    d.rules = a.rules_path;
    if ((r = cli_load_rules(&rules, &d, "sql")))
        goto done;
    if (!(cols = calloc((size_t)rules->nfeatures, sizeof *cols))) {
        r = TG_EXIT_INTERNAL;
        goto done;
    }
    if ((r = map_columns(rules, a.columns_path, a.alias, a.nalias, cols,
                         &held)))
        goto done;
    a.so.columns = cols;
    for (; nspecs < a.nslice; nspecs++)
        if (tg_slice_parse(&specs[nspecs], a.slice_expr[nspecs], rules,
                           &err) != TG_OK) {
            r = cli_usage("sql", "%s", err.msg);
            goto done;
        }
    a.so.slices = specs;
    a.so.nslices = nspecs;
    if ((r = regen_command(regen, sizeof regen, &a, specs, nspecs)))
        goto done;
    a.so.regen = regen;
    r = emit_pieces(rules, &a.so, &a);
done:
    for (int i = 0; i < nspecs; i++)
        tg_slice_spec_release(&specs[i]);
    tg_columns_release(&held);
    free(cols);
    tg_rules_free(rules);
    return cli_flush_stdout(r);
}
