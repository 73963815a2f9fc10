/*
 * The summary queries whose CSV exports tiergate reads back instead of
 * rows: counts per split and tier (and slice) for `gate --summary`, per
 * window, split, tier and maturity for `monitor --summary`, per variant
 * for `sweep --summary`. Slice keys are computed exactly as tg_slice_key
 * computes them from an export.
 */
#include <stdio.h>

#include "tg_sql_internal.h"

static const char *text_type(tg_sql_gen *g)
{
    return g->d == TG_DIALECT_BIGQUERY ? "STRING"
           : g->d == TG_DIALECT_DUCKDB ? "VARCHAR"
                                       : "TEXT";
}

/* The slicing's column in the features table. */
static void slice_column(tg_sql_gen *g, const tg_slice_spec *s)
{
    fputs("f.", g->f);
    if (s->feature >= 0)
        tg_sql_feature_column(g, s->feature);
    else
        tg_sql_ident(g, s->column);
}

/*
 * The slice key of a row, exactly as tg_slice_key computes it from the
 * export: the value as text (booleans as 'true'/'false'), the bin label,
 * or the month 'YYYY-MM'; NULL stays NULL.
 */
static void slice_expr(tg_sql_gen *g, const tg_slice_spec *s)
{
    char label[64];
    if (s->is_boolean) {
        const char *it = g->d == TG_DIALECT_BIGQUERY ? "INT64" : "INTEGER";
        fputs("CASE CAST(", g->f);
        slice_column(g, s);
        tg_sql_out(g, " AS %s) WHEN 1 THEN 'true' WHEN 0 THEN 'false' END", it);
    } else if (s->kind == TG_SLICE_VALUE) {
        fputs("CAST(", g->f);
        slice_column(g, s);
        tg_sql_out(g, " AS %s)", text_type(g));
    } else if (s->kind == TG_SLICE_MONTH) {
        switch (g->d) {
        case TG_DIALECT_BIGQUERY:
            /* CAST reads a DATE, a TIMESTAMP or a 'YYYY-MM-DD' STRING. */
            fputs("FORMAT_DATE('%Y-%m', CAST(", g->f);
            slice_column(g, s);
            fputs(" AS DATE))", g->f);
            break;
        case TG_DIALECT_SQLITE:
            fputs("strftime('%Y-%m', ", g->f);
            slice_column(g, s);
            fputs(")", g->f);
            break;
        case TG_DIALECT_DUCKDB:
            fputs("strftime(CAST(", g->f);
            slice_column(g, s);
            fputs(" AS DATE), '%Y-%m')", g->f);
            break;
        default:
            fputs("to_char(CAST(", g->f);
            slice_column(g, s);
            fputs(" AS DATE), 'YYYY-MM')", g->f);
        }
    } else {
        fputs("CASE\n      WHEN ", g->f);
        slice_column(g, s);
        fputs(" IS NULL THEN NULL\n", g->f);
        for (int i = 0; i < s->nedges; i++) {
            fputs("      WHEN ", g->f);
            slice_column(g, s);
            fputs(" < ", g->f);
            tg_sql_num(g, s->edges[i]);
            fputs(" THEN ", g->f);
            tg_sql_str(g, tg_slice_bin_label(s, i, label));
            fputc('\n', g->f);
        }
        fputs("      ELSE ", g->f);
        tg_sql_str(g, tg_slice_bin_label(s, s->nedges, label));
        fputs("\n    END", g->f);
    }
}

void tg_sql_gen_summary(tg_sql_gen *g)
{
    char name[TG_SLICE_MAX_NAME + 16];
    tg_sql_out(g,
               "-- Export the result as CSV and run:\n"
               "--   tiergate gate --rules R --policy P --summary summary.csv");
    for (int k = 0; k < g->o->nslices; k++)
        tg_sql_out(g, " --slice %s", g->o->slices[k].expr);
    tg_sql_out(g, "\nWITH tiered AS (\n  SELECT\n    f.split,\n    f.target,\n"
                  "    f.contacted_date,\n");
    for (int k = 0; k < g->o->nslices; k++) {
        fputs("    ", g->f);
        slice_expr(g, &g->o->slices[k]);
        tg_sql_out(
            g, " AS %s,\n",
            tg_slice_summary_column(&g->o->slices[k], name, sizeof name));
    }
    tg_sql_tier_case(g, "    ");
    tg_sql_out(g, " AS score_tier\n  FROM ");
    tg_sql_table(g, "features", "lead_scoring_features_pit");
    tg_sql_out(g, " AS f\n)\nSELECT\n"
                  "  t.split,\n"
                  "  t.score_tier AS tier,\n");
    for (int k = 0; k < g->o->nslices; k++)
        tg_sql_out(
            g, "  t.%s,\n",
            tg_slice_summary_column(&g->o->slices[k], name, sizeof name));
    tg_sql_out(g, "  COUNT(*) AS leads,\n"
                  "  COUNT(t.target) AS labeled,\n"
                  "  COALESCE(SUM(t.target), 0) AS conversions,\n"
                  "  MIN(t.contacted_date) AS first_contacted_date,\n"
                  "  MAX(t.contacted_date) AS last_contacted_date\n"
                  "FROM tiered AS t\n"
                  "GROUP BY t.split, t.score_tier");
    for (int k = 0; k < g->o->nslices; k++)
        tg_sql_out(
            g, ", t.%s",
            tg_slice_summary_column(&g->o->slices[k], name, sizeof name));
    tg_sql_out(g, "\nORDER BY t.split, t.score_tier");
    for (int k = 0; k < g->o->nslices; k++)
        tg_sql_out(
            g, ", t.%s",
            tg_slice_summary_column(&g->o->slices[k], name, sizeof name));
    tg_sql_out(g, ";\n");
}

/*
 * The monitor summary: leads per (window, split, tier, mature). A lead
 * is mature when it was contacted at least maturity_days before the
 * table's last contacted date, exactly as `tiergate monitor` decides
 * from rows; windows are ISO weeks from Monday or calendar months.
 */
void tg_sql_gen_monitor_summary(tg_sql_gen *g)
{
    int m = g->maturity_days;
    const char *day = g->d == TG_DIALECT_SQLITE
                          ? "DATE(f.contacted_date)"
                          : "CAST(f.contacted_date AS DATE)";
    tg_sql_out(g,
               "-- Export the result as CSV and run:\n"
               "--   tiergate monitor --rules R --summary monitor_summary.csv "
               "--by %s --maturity %d\n"
               "WITH tiered AS (\n  SELECT\n    f.split,\n    f.target,\n"
               "    %s AS contacted_day,\n",
               g->window_month ? "month" : "week", m, day);
    tg_sql_tier_case(g, "    ");
    tg_sql_out(g, " AS score_tier\n  FROM ");
    tg_sql_table(g, "features", "lead_scoring_features_pit");
    tg_sql_out(
        g,
        " AS f\n),\nlast_day AS (\n"
        "  SELECT MAX(t.contacted_day) AS d FROM tiered AS t\n)\nSELECT\n  ");
    const char *w = NULL;
    switch (g->d) {
    case TG_DIALECT_BIGQUERY:
        w = g->window_month ? "DATE_TRUNC(t.contacted_day, MONTH)"
                            : "DATE_TRUNC(t.contacted_day, ISOWEEK)";
        break;
    case TG_DIALECT_SQLITE:
        w = g->window_month
                ? "DATE(t.contacted_day, 'start of month')"
                : "DATE(t.contacted_day, '-' || ((CAST(STRFTIME('%w', "
                  "t.contacted_day) AS INTEGER) + 6) % 7) || ' days')";
        break;
    default:
        w = g->window_month
                ? "CAST(DATE_TRUNC('month', t.contacted_day) AS DATE)"
                : "CAST(DATE_TRUNC('week', t.contacted_day) AS DATE)";
        break;
    }
    tg_sql_out(
        g, "%s AS window_start,\n  t.split,\n  t.score_tier AS tier,\n  ", w);
    switch (g->d) {
    case TG_DIALECT_BIGQUERY:
        tg_sql_out(g, "CASE WHEN DATE_DIFF(l.d, t.contacted_day, DAY) >= %d",
                   m);
        break;
    case TG_DIALECT_SQLITE:
        tg_sql_out(
            g, "CASE WHEN JULIANDAY(l.d) - JULIANDAY(t.contacted_day) >= %d",
            m);
        break;
    case TG_DIALECT_DUCKDB:
        tg_sql_out(g, "CASE WHEN DATE_DIFF('day', t.contacted_day, l.d) >= %d",
                   m);
        break;
    default: tg_sql_out(g, "CASE WHEN l.d - t.contacted_day >= %d", m); break;
    }
    tg_sql_out(g,
               " THEN 1 ELSE 0 END AS mature,\n"
               "  %d AS maturity_days,\n"
               "  COUNT(*) AS leads,\n"
               "  COUNT(t.target) AS labeled,\n"
               "  COALESCE(SUM(t.target), 0) AS conversions,\n"
               "  MIN(t.contacted_day) AS first_contacted_date,\n"
               "  MAX(t.contacted_day) AS last_contacted_date\n"
               "FROM tiered AS t\nCROSS JOIN last_day AS l\n"
               "GROUP BY 1, 2, 3, 4\n"
               "ORDER BY 1, 2, 3, 4;\n",
               m);
}

/*
 * The sweep's counts in one query: each lead is joined with the list of
 * variants and takes, per variant, the tier of that variant's CASE; one
 * GROUP BY gives the counts `tiergate sweep --summary` reads. The table
 * is read once.
 */
void tg_sql_gen_sweep_summary(tg_sql_gen *g, tg_rules *const *variants,
                              const char *const *names, int n)
{
    tg_sql_out(g, "-- Export the result as CSV and run:\n"
                  "--   tiergate sweep --policy P --sweep S --summary "
                  "sweep_summary.csv\n\n");
    tg_sql_out(g, "WITH variants AS (\n");
    for (int v = 0; v < n; v++) {
        tg_sql_out(g, "  %s", v ? "UNION ALL SELECT " : "SELECT ");
        tg_sql_str(g, names[v]);
        tg_sql_out(g, "%s\n", v ? "" : " AS variant");
    }
    tg_sql_out(g, "),\ntiered AS (\n  SELECT\n    v.variant,\n    f.split,\n"
                  "    f.target,\n    f.contacted_date,\n    CASE v.variant\n");
    for (int v = 0; v < n; v++) {
        g->r = variants[v];
        tg_sql_out(g, "      WHEN ");
        tg_sql_str(g, names[v]);
        tg_sql_out(g, " THEN (\n");
        tg_sql_tier_case(g, "        ");
        tg_sql_out(g, "\n      )\n");
    }
    g->r = variants[0];
    tg_sql_out(g, "    END AS tier\n  FROM ");
    tg_sql_table(g, "features", "lead_scoring_features_pit");
    tg_sql_out(g, " AS f\n  CROSS JOIN variants AS v\n)\n"
                  "SELECT\n"
                  "  t.variant,\n"
                  "  t.split,\n"
                  "  t.tier,\n"
                  "  COUNT(*) AS leads,\n"
                  "  COUNT(t.target) AS labeled,\n"
                  "  COALESCE(SUM(t.target), 0) AS conversions,\n"
                  "  MIN(t.contacted_date) AS first_contacted_date,\n"
                  "  MAX(t.contacted_date) AS last_contacted_date\n"
                  "FROM tiered AS t\n"
                  "GROUP BY t.variant, t.split, t.tier\n"
                  "ORDER BY t.variant, t.split, t.tier;\n");
}
