/*
 * tiergate check-schema: checklist step 1. Which column each feature
 * was found as (by name or alias) and how often it is NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_textfit.h"

static const char help[] =
    "usage: tiergate check-schema --rules FILE (--data FILE... | --columns "
    "FILE)\n"
    "                             [--format text|json] [-o FILE]\n\n"
    "Check that the export has every feature the rules need, under its name\n"
    "or one of its aliases, and report each feature's NULL rate. Every row\n"
    "is validated as preview reads it (field count, numbers, booleans,\n"
    "declared ranges, target, dates); each kind of bad value is reported\n"
    "with its count and first file:line:column. Exits 2 when a column is\n"
    "missing or any row is bad: whenever preview would fail. With\n"
    "--columns, the column check on the warehouse table itself, from the\n"
    "CSV export of `tiergate sql --emit schema-check` (no rows, so no NULL\n"
    "rates and no value checks).\n\n"
    "  --rules FILE         rule set (JSON)\n"
    "  --data FILE          feature export (CSV or CSV.gz); repeatable\n"
    "  --columns FILE       the table's columns: the schema-check export, any\n"
    "                       CSV with a column_name column, or a CSV header\n"
    "  --format FMT         text (default) or json\n"
    "  -o FILE              write the report to FILE\n"
    "  -h, --help           this help\n";

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
        return EXIT_USAGE;
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
    return rep->nproblems ? EXIT_USAGE : EXIT_OK;
}

int cmd_check_schema(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_DATA_LONG_OPTIONS,
        {"columns", required_argument, NULL, 5000},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    int fmt = FMT_TEXT, c, r = EXIT_OK;
    const char *out_path = NULL, *columns_path = NULL;
    tg_columns cols = {0, NULL};
    tg_rules *rules = NULL;
    tg_schema_report rep;
    tg_missing_column *missing = NULL;
    int nmissing = 0;
    tg_error err;
    memset(&rep, 0, sizeof rep);
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int used = cli_data_option(&d, "check-schema", c, optarg);
        if (used < 0) {
            r = EXIT_USAGE;
            goto done;
        }
        if (used)
            continue;
        switch (c) {
        case 'h': {
            r = cli_help(help);
            goto done;
        }
        case 'o': out_path = optarg; break;
        case 5000: columns_path = optarg; break;
        case 'f':
            if ((fmt = cli_format_parse(optarg, FMT_BIT(FMT_TEXT) |
                                                    FMT_BIT(FMT_JSON))) < 0) {
                r = cli_usage("check-schema", "--format takes text or json");
                goto done;
            }
            break;
        default: {
            r = cli_usage("check-schema", "bad option");
            goto done;
        }
        }
    }
    if (optind < argc) {
        r = cli_usage("check-schema", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if ((r = cli_load_rules(&rules, &d, "check-schema")))
        goto done;
    if ((d.ndata == 0) == !columns_path) {
        r = cli_usage("check-schema", "give the data with --data FILE or the "
                                      "table's columns with --columns FILE");
        goto done;
    }
    tg_error_clear(&err);
    int rc = columns_path
                 ? tg_columns_load(&cols, columns_path, &err)
                 : tg_schema_check(&rep, rules, d.data, d.ndata,
                                   cli_default_date_config(&d), &err);
    if (rc == TG_OK && columns_path)
        rc = tg_schema_check_columns(&rep, rules, &cols, columns_path, &err);
    if (rc != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    /* What is missing, each column once with the first file lacking it
     * and the nearest name in that header (as a scan's error says). */
    if ((rep.missing || !rep.has_target) &&
        tg_missing_columns(&missing, &nmissing, rules,
                           (const char *const *)d.data, d.ndata,
                           columns_path ? &cols : NULL, columns_path,
                           &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    cli_out o;
    if ((r = cli_out_open(&o, out_path)))
        goto done;
    if (fmt == FMT_JSON)
        report_json(o.f, rules, &rep, columns_path, missing, nmissing);
    else /* the terminal's width (else COLUMNS, else 80; 80 in a file) */
        report_text(o.f, rules, &rep, columns_path,
                    out_path && strcmp(out_path, "-") ? 80 : cli_term_width());
    r = cli_out_close(&o);
    if (r == EXIT_OK)
        r = report_stderr(rules, &rep, missing, nmissing);
done:
    tg_missing_columns_free(missing, nmissing);
    tg_columns_release(&cols);
    tg_schema_report_release(&rep);
    tg_rules_free(rules);
    free(d.data);
    return cli_flush_stdout(r);
}
