/*
 * tiergate check-schema: checklist step 1. Which column each feature
 * was found as (by name or alias) and how often it is NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_textfit.h"

enum { OPT_COLUMNS = 5000 };

/* Only what a schema check reads: no --summary (it has no columns to
 * check), no --threads or --on-bad-row (every row is read and each bad
 * one reported). */
static const cli_opt check_schema_opts[] = {
    {"rules", 0, "FILE", OPT_RULES, "rule set (JSON)"},
    {"data", 0, "FILE", OPT_DATA, "feature export (CSV or CSV.gz); repeatable"},
    {"columns", 0, "FILE", OPT_COLUMNS,
     "the table's columns: the schema-check export, any\n"
     "CSV with a column_name column, or a CSV header"},
    CLI_OPT_DATE_CONFIG,
    {"format", 0, "FMT", OPT_FORMAT, "text (default) or json"},
    {"output", 'o', "FILE", OPT_OUTPUT, "write the report to FILE"},
    CLI_OPT_END,
};

static const cli_spec check_schema_spec = {
    "check-schema",
    "check-schema --rules FILE (--data FILE... | --columns FILE)\n"
    "             [--date-config FILE] [--format text|json] [-o FILE]\n",
    "Check that the export has every feature the rules need, under its name\n"
    "or one of its aliases, and report each feature's NULL rate. Every row\n"
    "is validated as preview reads it (field count, numbers, booleans,\n"
    "declared ranges, target, dates); each kind of bad value is reported\n"
    "with its count and first file:line:column. Exits 2 when a column is\n"
    "missing or any row is bad: whenever preview would fail. With\n"
    "--columns, the column check on the warehouse table itself, from the\n"
    "CSV export of `tiergate sql --emit schema-check` (no rows, so no NULL\n"
    "rates and no value checks).\n",
    check_schema_opts,
    0,
    NULL,
};

/* The names a feature was looked for under, terminal-escaped. */
static void aliases_tried(FILE *f, const tg_feature *ft)
{
    fputc('\'', f);
    tg_esc_term(f, ft->name);
    fputc('\'', f);
    for (int a = 0; a < ft->naliases; a++) {
        fputs(", '", f);
        tg_esc_term(f, ft->aliases[a]);
        fputc('\'', f);
    }
}

static void missing_json(cJSON *j, const tg_missing_column *m, int n)
{
    cJSON *arr = cJSON_AddArrayToObject(j, "missing_columns");
    for (int i = 0; i < n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "column", m[i].column);
        cJSON_AddStringToObject(x, "file", m[i].file);
        if (m[i].did_you_mean)
            cJSON_AddStringToObject(x, "did_you_mean", m[i].did_you_mean);
        else
            cJSON_AddNullToObject(x, "did_you_mean");
        cJSON_AddStringToObject(x, "hint", m[i].hint);
        cJSON_AddItemToArray(arr, x);
    }
}

static void report_json(FILE *out, const tg_rules *rules,
                        const tg_schema_report *rep, const char *columns_path,
                        const tg_missing_column *missing, int nmissing)
{
    cJSON *j = tg_json_stamp(cJSON_CreateObject());
    cJSON_AddStringToObject(j, "rules", rules->path);
    cJSON_AddStringToObject(j, "status", rep->missing     ? "missing"
                                         : rep->nproblems ? "bad_values"
                                                          : "ok");
    cJSON_AddStringToObject(j, "source", columns_path ? "columns" : "data");
    if (columns_path)
        cJSON_AddNullToObject(j, "rows");
    else
        cJSON_AddNumberToObject(j, "rows", (double)rep->rows);
    cJSON *arr = cJSON_AddArrayToObject(j, "features");
    for (int f = 0; f < rules->nfeatures; f++) {
        const tg_feature *ft = &rules->features[f];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "feature", ft->name);
        cJSON_AddBoolToObject(x, "used", rep->features[f].used);
        if (rep->features[f].column)
            cJSON_AddStringToObject(x, "column", rep->features[f].column);
        else
            cJSON_AddNullToObject(x, "column");
        cJSON *tried = cJSON_AddArrayToObject(x, "names_tried");
        cJSON_AddItemToArray(tried, cJSON_CreateString(ft->name));
        for (int a = 0; a < ft->naliases; a++)
            cJSON_AddItemToArray(tried, cJSON_CreateString(ft->aliases[a]));
        if (rep->missing || rep->rows == 0)
            cJSON_AddNullToObject(x, "null_rate");
        else
            cJSON_AddNumberToObject(x, "null_rate",
                                    (double)rep->features[f].nulls /
                                        (double)rep->rows);
        cJSON_AddItemToArray(arr, x);
    }
    missing_json(j, missing, nmissing);
    cJSON_AddBoolToObject(j, "has_target", rep->has_target);
    cJSON_AddBoolToObject(j, "has_split", rep->has_split);
    cJSON_AddBoolToObject(j, "has_contacted_date", rep->has_date);
    cJSON_AddNumberToObject(j, "bad_rows", (double)rep->bad_rows);
    cJSON *probs = cJSON_AddArrayToObject(j, "problems");
    for (int i = 0; i < rep->nproblems; i++) {
        const tg_schema_problem *p = &rep->problems[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "problem", p->what);
        cJSON_AddStringToObject(x, "reason", tg_skip_reason_name(p->reason));
        cJSON_AddNumberToObject(x, "rows", (double)p->count);
        cJSON *first = cJSON_AddObjectToObject(x, "first");
        cJSON_AddStringToObject(first, "file", p->first.file);
        cJSON_AddNumberToObject(first, "line", (double)p->first.line);
        cJSON_AddNumberToObject(first, "column", (double)p->first.column);
        cJSON_AddStringToObject(first, "message", p->first.msg);
        cJSON_AddItemToArray(probs, x);
    }
    char *s = cJSON_Print(j);
    if (s)
        fprintf(out, "%s\n", s);
    cJSON_free(s);
    cJSON_Delete(j);
}

/* The features in columns as wide as their widest cell (names from the
 * rules and the header escaped), then the verdict lines wrapped between
 * words. */
static void report_text(FILE *f, const tg_rules *rules,
                        const tg_schema_report *rep, const char *columns_path,
                        int width)
{
    char a[32], line[2048], e1[1024], e2[1024];
    tg_text_cells t;
    if (tg_text_cells_init(&t, rules->nfeatures + 1, 3)) {
        tg_text_cells_set(&t, 0, 0, "feature");
        tg_text_cells_set(&t, 0, 1, "found as");
        tg_text_cells_set(&t, 0, 2, "null rate");
        for (int i = 0; i < rules->nfeatures; i++) {
            const tg_schema_feature *sf = &rep->features[i];
            char rate[32] = "-";
            if (!rep->missing && rep->rows)
                tg_fmt_pct((double)sf->nulls / (double)rep->rows, 2, rate);
            tg_text_cells_set(&t, i + 1, 0, "%s",
                              tg_esc_term_buf(rules->features[i].name, e1,
                                              sizeof e1));
            tg_text_cells_set(&t, i + 1, 1, "%s",
                              sf->column ? tg_esc_term_buf(sf->column, e1,
                                                           sizeof e1)
                                         : "MISSING");
            /* Right-aligned under "null rate", then the note. */
            tg_text_cells_set(&t, i + 1, 2, "%9s%s", rate,
                              sf->used ? "" : "  (not used by any tier)");
        }
        tg_text_cells_out(f, &t, "lll", 0, width, 1, 2);
    }
    snprintf(line, sizeof line, "target: %s, split: %s, contacted_date: %s",
             rep->has_target ? "present" : "MISSING",
             rep->has_split ? "present" : "absent (assigned from dates)",
             rep->has_date ? "present" : "absent");
    tg_text_wrap(f, line, width, 0, 2);
    if (!rep->missing && columns_path) {
        snprintf(line, sizeof line, "the table's columns (%s): every feature "
                 "the rules use is present",
                 tg_esc_term_buf(columns_path, e1, sizeof e1));
        tg_text_wrap(f, line, width, 0, 2);
    } else if (!rep->missing) {
        snprintf(line, sizeof line, "%s rows checked: every feature the rules "
                 "use is present", tg_fmt_count(rep->rows, a));
        tg_text_wrap(f, line, width, 0, 2);
    }
    for (int i = 0; i < rep->nproblems; i++) {
        const tg_schema_problem *p = &rep->problems[i];
        snprintf(line, sizeof line, "%s row%s with %s (first at %s:%ld:%ld)",
                 tg_fmt_count(p->count, a), p->count == 1 ? "" : "s",
                 tg_esc_term_buf(p->what, e1, sizeof e1),
                 tg_esc_term_buf(p->first.file, e2, sizeof e2), p->first.line,
                 p->first.column);
        tg_text_wrap(f, line, width, 0, 2);
    }
}

/* On stderr: each missing column with its hint, or each kind of bad row
 * with where it first occurs. Returns the exit code. */
static int report_stderr(const tg_rules *rules, const tg_schema_report *rep,
                         const tg_missing_column *missing, int nmissing)
{
    if (rep->missing || !rep->has_target) {
        for (int i = 0; i < nmissing; i++) {
            const tg_missing_column *m = &missing[i];
            fputs("tiergate: ", stderr);
            tg_esc_term(stderr, m->file);
            fprintf(stderr, ": missing column '");
            tg_esc_term(stderr, m->column);
            fputc('\'', stderr);
            if (m->feature >= 0) {
                fputs(" (tried ", stderr);
                aliases_tried(stderr, &rules->features[m->feature]);
                fputc(')', stderr);
            }
            fputs("; ", stderr);
            tg_esc_term(stderr, m->hint);
            fputc('\n', stderr);
        }
        return TG_EXIT_USAGE;
    }
    /* preview would stop at the first of these (or skip the rows with
     * --on-bad-row skip): each kind once, where it starts. */
    for (int i = 0; i < rep->nproblems; i++) {
        char b[32], e[512];
        fprintf(stderr, "tiergate: %s row%s with %s; the first:\n",
                tg_fmt_count(rep->problems[i].count, b),
                rep->problems[i].count == 1 ? "" : "s",
                tg_esc_term_buf(rep->problems[i].what, e, sizeof e));
        cli_fail(&rep->problems[i].first);
    }
    return rep->nproblems ? TG_EXIT_USAGE : TG_EXIT_OK;
}

typedef struct {
    cli_data d;
    int fmt;
    const char *out_path, *columns_path;
} check_args;

/* The options; -1 after the help. */
static int parse_args(check_args *a, int argc, char **argv)
{
    cli_parser p;
    int c;
    cli_parse_begin(&p, &check_schema_spec, argc, argv);
    while ((c = cli_next_option(&p, &a->d, NULL)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc ? p.rc : -1;
        switch (c) {
        case OPT_OUTPUT: a->out_path = p.arg; break;
        case OPT_COLUMNS: a->columns_path = p.arg; break;
        case OPT_FORMAT:
            if (cli_format_option("check-schema", p.arg,
                                  FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON),
                                  &a->fmt))
                return TG_EXIT_USAGE;
            break;
        }
    }
    if ((a->d.ndata == 0) == !a->columns_path)
        return cli_usage("check-schema", "give --data FILE (the rows) or "
                                         "--columns FILE");
    return TG_EXIT_OK;
}

/* The report on the rows (--data) or on the table's columns, and what
 * is missing: each column once with the first file lacking it and the
 * nearest name in that header (as a scan's error says). */
static int check(const check_args *a, const tg_rules *rules, tg_columns *cols,
                 tg_schema_report *rep, tg_missing_column **missing,
                 int *nmissing)
{
    tg_error err;
    tg_error_clear(&err);
    int rc = a->columns_path
                 ? tg_columns_load(cols, a->columns_path, &err)
                 : tg_schema_check(rep, rules, a->d.data, a->d.ndata,
                                   cli_default_date_config(&a->d), &err);
    if (rc == TG_OK && a->columns_path)
        rc = tg_schema_check_columns(rep, rules, cols, a->columns_path, &err);
    if (rc == TG_OK && (rep->missing || !rep->has_target))
        rc = tg_missing_columns(missing, nmissing, rules,
                                (const char *const *)a->d.data, a->d.ndata,
                                a->columns_path ? cols : NULL, a->columns_path,
                                &err);
    return rc == TG_OK ? TG_EXIT_OK : cli_fail(&err);
}

/* The report to -o or stdout, then the verdict on stderr. */
static int write_report(const check_args *a, const tg_rules *rules,
                        const tg_schema_report *rep,
                        const tg_missing_column *missing, int nmissing)
{
    cli_out o;
    int r = cli_out_open(&o, a->out_path);
    if (r)
        return r;
    if (a->fmt == FMT_JSON)
        report_json(o.f, rules, rep, a->columns_path, missing, nmissing);
    else /* the terminal's width (else COLUMNS, else 80; 80 in a file) */
        report_text(o.f, rules, rep, a->columns_path,
                    a->out_path && strcmp(a->out_path, "-") ? 80
                                                            : cli_term_width());
    r = cli_out_close(&o);
    return r == TG_EXIT_OK ? report_stderr(rules, rep, missing, nmissing) : r;
}

int cmd_check_schema(int argc, char **argv)
{
    check_args a = {CLI_DATA_INIT, FMT_TEXT, NULL, NULL};
    tg_columns cols = {0, NULL};
    tg_rules *rules = NULL;
    tg_schema_report rep;
    tg_missing_column *missing = NULL;
    int nmissing = 0;
    memset(&rep, 0, sizeof rep);
    int r = parse_args(&a, argc, argv);
    if (r == TG_EXIT_OK &&
        !(r = cli_load_rules(&rules, &a.d, "check-schema")) &&
        !(r = check(&a, rules, &cols, &rep, &missing, &nmissing)))
        r = write_report(&a, rules, &rep, missing, nmissing);
    tg_missing_columns_free(missing, nmissing);
    tg_columns_release(&cols);
    tg_schema_report_release(&rep);
    tg_rules_free(rules);
    free(a.d.data);
    return cli_flush_stdout(r < 0 ? TG_EXIT_OK : r);
}
