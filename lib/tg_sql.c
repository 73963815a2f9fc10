/*
 * The SQL generator. Conditions are printed from the compiled tree
 * (canonical feature names, parentheses only where precedence needs
 * them), so what the warehouse runs is what tiergate evaluates. It also
 * fixes the change request's SQL flaws: the tier is assigned in one CTE and its
 * attributes derived in the next (the change request refers to the alias
 * score_tier inside the SELECT that defines it, which BigQuery rejects);
 * Salesforce strings are literals with fixed decimals (not CAST(0.15 *
 * 100 AS STRING) = 15.000000000000002); joined columns are qualified;
 * baselines are computed, never hard-coded.
 */
#include "tg_sql.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_columns.h"
#include "tg_cond_internal.h"
#include "tg_escape.h"
#include "tg_score.h"

static const char *dialects[TG_DIALECT_COUNT] = {"bigquery", "sqlite",
                                                 "duckdb", "postgres"};
static const char *emits[TG_EMIT_COUNT] = {
    "scoring", "production-view", "salesforce-sync", "sga-dashboard",
    "calibration", "summary", "monitor-summary", "schema-check"};
static const char *purposes[TG_EMIT_COUNT] = {
    "scores every lead (checklist step 3)",
    "priority leads for production (step 4)",
    "the Salesforce sync query (step 5)",
    "the SGA dashboard view (step 6)",
    "the tier calibration table (step 9)",
    "counts per split and tier for `tiergate gate --summary`",
    "counts per window, split, tier and maturity for `tiergate monitor --summary`",
    "the column the table has for each feature (checklist step 1)"};
static const char *files[TG_EMIT_COUNT] = {
    "phase_4_v3_tiered_scoring.sql", "phase_7_production_view.sql",
    "phase_7_salesforce_sync.sql", "phase_7_sga_dashboard.sql",
    "phase_9_tier_calibration.sql", "gate_summary.sql",
    "monitor_summary.sql",
    "phase_1_schema_check.sql"};

int tg_dialect_parse(const char *name)
{
    for (int i = 0; i < TG_DIALECT_COUNT; i++)
        if (strcmp(name, dialects[i]) == 0)
            return i;
    return -1;
}

const char *tg_dialect_name(tg_dialect d)
{
    return (unsigned)d < TG_DIALECT_COUNT ? dialects[d] : "unknown";
}

int tg_emit_parse(const char *name)
{
    for (int i = 0; i < TG_EMIT_COUNT; i++)
        if (strcmp(name, emits[i]) == 0)
            return i;
    return -1;
}

const char *tg_emit_name(tg_emit e)
{
    return (unsigned)e < TG_EMIT_COUNT ? emits[e] : "unknown";
}

const char *tg_emit_file(tg_emit e)
{
    return (unsigned)e < TG_EMIT_COUNT ? files[e] : "unknown.sql";
}

/* ---- output buffer ----------------------------------------------------- */

typedef struct {
    FILE *f;
    const tg_rules *r;
    const tg_sql_options *o;
    tg_dialect d;
    int window_month;      /* monitor summary: months, else ISO weeks */
    int maturity_days;
} gen;

static void out(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g->f, fmt, ap);
    va_end(ap);
}

/* A string literal in the dialect's own escaping (tg_escape.h). */
static void str(gen *g, const char *s)
{
    tg_esc_sql_string(g->f, s,
                      g->d == TG_DIALECT_BIGQUERY ? TG_SQL_LITERAL_BACKSLASH
                      : g->d == TG_DIALECT_POSTGRES ? TG_SQL_LITERAL_POSTGRES
                                                    : TG_SQL_LITERAL_STANDARD);
}

static void num(gen *g, double v)
{
    char buf[32];
    if (isnan(v))
        fputs("NULL", g->f);
    else
        fputs(tg_fmt_number(v, buf), g->f);
}

/* Fully qualified (BigQuery) or bare table name. */
static void table(gen *g, const char *key, const char *fallback)
{
    const char *name = tg_rules_table(g->r, key, fallback);
    if (g->d != TG_DIALECT_BIGQUERY) {
        fputs(name, g->f);
        return;
    }
    const char *p = g->o->project ? g->o->project
                                  : tg_rules_table(g->r, "project",
                                                   "savvy-gtm-analytics");
    const char *ds = g->o->dataset ? g->o->dataset
                                   : tg_rules_table(g->r, "dataset",
                                                    "ml_features");
    out(g, "`%s.%s.%s`", p, ds, name);
}

static const char *float_type(gen *g)
{
    return g->d == TG_DIALECT_BIGQUERY ? "FLOAT64"
         : g->d == TG_DIALECT_SQLITE   ? "REAL"
         : g->d == TG_DIALECT_DUCKDB   ? "DOUBLE"
                                       : "DOUBLE PRECISION";
}

static const char *now(gen *g)
{
    return g->d == TG_DIALECT_BIGQUERY ? "CURRENT_TIMESTAMP()"
                                       : "CURRENT_TIMESTAMP";
}

/* ROUND(expr, n): PostgreSQL rounds only NUMERIC to n places. */
static void round_open(gen *g)
{
    fputs(g->d == TG_DIALECT_POSTGRES ? "ROUND(CAST(" : "ROUND(", g->f);
}

static void round_close(gen *g, int places)
{
    out(g, g->d == TG_DIALECT_POSTGRES ? " AS NUMERIC), %d)" : ", %d)",
        places);
}

/* ---- conditions -------------------------------------------------------- */

enum { P_OR = 1, P_AND, P_NOT, P_PRED, P_ADD, P_MUL, P_UNARY, P_PRIMARY };

static int prec(const tg_node *n)
{
    switch (n->kind) {
    case TG_N_OR: return P_OR;
    case TG_N_AND: return P_AND;
    case TG_N_NOT: return P_NOT;
    case TG_N_CMP:
    case TG_N_FCMP:
    case TG_N_BETWEEN:
    case TG_N_IN:
    case TG_N_ISNULL: return P_PRED;
    case TG_N_ARITH: return (n->op == '+' || n->op == '-') ? P_ADD : P_MUL;
    case TG_N_NEG: return P_UNARY;
    default: return P_PRIMARY;
    }
}

/* A column name from outside the rule set (--columns, --alias, --slice),
 * already checked by tg_sql_ident_ok, quoted so that a reserved word
 * stays a name: `x` in BigQuery, "x" elsewhere (PostgreSQL then matches
 * the exact case, as its catalog lists it). */
static void ident(gen *g, const char *name)
{
    char q = g->d == TG_DIALECT_BIGQUERY ? '`' : '"';
    fprintf(g->f, "%c%s%c", q, name, q);
}

/* The table's column for feature f: its alias there, or its name. */
static void feature_column(gen *g, int f)
{
    const char *col = g->o->columns ? g->o->columns[f] : NULL;
    if (col && strcmp(col, g->r->features[f].name) != 0)
        ident(g, col);
    else
        fputs(g->r->features[f].name, g->f);
}

static void feature(gen *g, int f)
{
    const tg_feature *ft = &g->r->features[f];
    /* Booleans are compared as 0/1, as the change request writes is_wirehouse = 0;
     * the cast makes that valid for a BOOL column too. */
    if (ft->is_boolean) {
        fputs("CAST(", g->f);
        feature_column(g, f);
        out(g, " AS %s)", g->d == TG_DIALECT_BIGQUERY ? "INT64" : "INTEGER");
    } else {
        feature_column(g, f);
    }
}

static const char *cmp_ops[] = {"=", "<>", "<", "<=", ">", ">="};

static void expr(gen *g, const tg_cond *c, int i, int parent, int indent);
static void chain(gen *g, const tg_cond *c, int i, int indent, int leftmost);

static void sub(gen *g, const tg_cond *c, int i, int min_prec, int indent)
{
    int paren = prec(&c->n[i]) < min_prec;
    /* Only a chain of ANDs at the top spreads over lines. */
    if (paren || c->n[i].kind != TG_N_AND)
        indent = -1;
    if (paren)
        fputc('(', g->f);
    expr(g, c, i, min_prec, indent);
    if (paren)
        fputc(')', g->f);
}

static void expr(gen *g, const tg_cond *c, int i, int parent, int indent)
{
    const tg_node *n = &c->n[i];
    (void)parent;
    switch (n->kind) {
    case TG_N_NUM: num(g, n->num); break;
    case TG_N_FEAT: feature(g, n->feat); break;
    case TG_N_NEG:
        fputc('-', g->f);
        sub(g, c, n->a, P_UNARY, indent);
        break;
    case TG_N_ARITH:
        if (n->op == '/') {
            /* Division by zero is NULL in tiergate (and SQLite); integer
             * division truncates in SQLite and PostgreSQL: avoid both. */
            if (g->d == TG_DIALECT_BIGQUERY) {
                fputs("SAFE_DIVIDE(", g->f);
                sub(g, c, n->a, P_OR, indent);
                fputs(", ", g->f);
                sub(g, c, n->b, P_OR, indent);
                fputc(')', g->f);
            } else {
                out(g, "(CAST(");
                sub(g, c, n->a, P_OR, indent);
                out(g, " AS %s) / NULLIF(", float_type(g));
                sub(g, c, n->b, P_OR, indent);
                fputs(", 0))", g->f);
            }
            break;
        }
        sub(g, c, n->a, prec(n), indent);
        out(g, " %c ", n->op);
        sub(g, c, n->b, prec(n) + 1, indent);
        break;
    case TG_N_FCMP:
        feature(g, n->feat);
        out(g, " %s ", cmp_ops[n->op]);
        num(g, n->num);
        break;
    case TG_N_CMP:
        sub(g, c, n->a, P_ADD, indent);
        out(g, " %s ", cmp_ops[n->op]);
        sub(g, c, n->b, P_ADD, indent);
        break;
    case TG_N_BETWEEN:
        sub(g, c, n->a, P_ADD, indent);
        fputs(n->neg ? " NOT BETWEEN " : " BETWEEN ", g->f);
        sub(g, c, n->b, P_ADD, indent);
        fputs(" AND ", g->f);
        sub(g, c, n->c, P_ADD, indent);
        break;
    case TG_N_IN:
        sub(g, c, n->a, P_ADD, indent);
        fputs(n->neg ? " NOT IN (" : " IN (", g->f);
        for (int k = 0; k < n->c; k++) {
            if (k)
                fputs(", ", g->f);
            sub(g, c, c->list[n->b + k], P_ADD, indent);
        }
        fputc(')', g->f);
        break;
    case TG_N_ISNULL:
        sub(g, c, n->a, P_ADD, indent);
        fputs(n->neg ? " IS NOT NULL" : " IS NULL", g->f);
        break;
    case TG_N_NOT:
        fputs("NOT ", g->f);
        sub(g, c, n->a, P_NOT, indent);
        break;
    case TG_N_AND:
        /* A top-level conjunction goes one condition per line, as the
         * brief writes them; everything inside stays on its line. */
        chain(g, c, i, indent, 1);
        break;
    case TG_N_OR:
        chain(g, c, i, -1, 1);
        break;
    }
}

/*
 * The operands of an AND (or OR) chain, written as one flat chain: the
 * parser builds a long chain as a balanced tree (its inner nodes have
 * neg set), which reads back as "a AND b AND c", as written. The first
 * operand binds like a left operand, the others like right ones.
 */
static void chain(gen *g, const tg_cond *c, int i, int indent, int leftmost)
{
    const tg_node *n = &c->n[i];
    int p = n->kind == TG_N_AND ? P_AND : P_OR;
    const tg_node *l = &c->n[n->a], *r = &c->n[n->b];
    if (l->kind == n->kind && l->neg)
        chain(g, c, n->a, indent, leftmost);
    else
        sub(g, c, n->a, leftmost ? p : p + 1, indent);
    if (n->kind == TG_N_OR)
        fputs(" OR ", g->f);
    else if (indent >= 0)
        out(g, "\n%*sAND ", indent, "");
    else
        fputs(" AND ", g->f);
    if (r->kind == n->kind && r->neg)
        chain(g, c, n->b, indent, 0);
    else
        sub(g, c, n->b, p + 1, indent);
}

/* The first-match CASE that assigns score_tier. */
static void tier_case(gen *g, const char *pad)
{
    const tg_rules *r = g->r;
    out(g, "%sCASE\n", pad);
    for (int t = 0; t < r->ntiers - 1; t++) {
        const tg_tier *x = &r->tiers[t];
        const tg_cond *c = x->cond;
        /* The display is text from the rule set: escaped, so that no
         * character of it can end the comment. */
        out(g, "%s  -- ", pad);
        tg_esc_sql_comment(g->f, x->display);
        out(g, "\n%s  WHEN ", pad);
        /* A top-level OR keeps its lines but must not be split into
         * separate WHENs; conjunction lines align under WHEN. */
        int indent = (int)strlen(pad) + 7;
        if (c->n[c->root].kind == TG_N_AND)
            expr(g, c, c->root, 0, indent);
        else
            expr(g, c, c->root, 0, -1);
        out(g, "\n%s  THEN ", pad);
        str(g, x->name);
        fputc('\n', g->f);
    }
    out(g, "%s  ELSE ", pad);
    str(g, r->tiers[r->ntiers - 1].name);
    out(g, "\n%sEND", pad);
}

typedef enum { A_DISPLAY, A_RATE, A_LIFT, A_RANK, A_ACTION, A_EXPLANATION,
               A_SF_RATE, A_SF_LIFT } attr;

/* CASE score_tier WHEN ... THEN <attribute> ... END */
static void attr_case(gen *g, const char *col, attr a, const char *pad)
{
    const tg_rules *r = g->r;
    out(g, "%sCASE %s\n", pad, col);
    for (int t = 0; t < r->ntiers; t++) {
        const tg_tier *x = &r->tiers[t];
        char buf[32];
        if (t < r->ntiers - 1) {
            out(g, "%s  WHEN ", pad);
            str(g, x->name);
            fputs(" THEN ", g->f);
        } else {
            out(g, "%s  ELSE ", pad);
        }
        switch (a) {
        case A_DISPLAY: str(g, x->display); break;
        case A_RATE: num(g, x->expected_conversion_rate); break;
        case A_LIFT: num(g, x->expected_lift); break;
        case A_RANK: out(g, "%d", x->priority_rank); break;
        case A_ACTION: str(g, x->action); break;
        case A_EXPLANATION: str(g, x->explanation); break;
        case A_SF_RATE:
            tg_salesforce_rate(x->expected_conversion_rate, buf);
            str(g, buf);
            break;
        case A_SF_LIFT:
            tg_salesforce_lift(x->expected_lift, buf);
            str(g, buf);
            break;
        }
        fputc('\n', g->f);
    }
    out(g, "%sEND", pad);
}

static void create(gen *g, const char *kind, const char *key,
                   const char *fallback)
{
    if (g->d == TG_DIALECT_BIGQUERY || g->d == TG_DIALECT_DUCKDB) {
        out(g, "CREATE OR REPLACE %s ", kind);
    } else {
        /* SQLite has no CREATE OR REPLACE; PostgreSQL cannot replace a
         * view whose columns change, nor drop a table views depend on
         * (CASCADE drops them; their own files create them again). */
        out(g, "DROP %s IF EXISTS ", kind);
        table(g, key, fallback);
        out(g, "%s;\nCREATE %s ", g->d == TG_DIALECT_POSTGRES ? " CASCADE" : "",
            kind);
    }
    table(g, key, fallback);
    out(g, " AS\n");
}

static const char *default_tier(gen *g)
{
    return g->r->tiers[g->r->ntiers - 1].name;
}

static void gen_scoring(gen *g)
{
    create(g, "TABLE", "scores", "lead_scores_v3");
    out(g, "WITH tiered AS (\n  SELECT\n    f.*,\n");
    /* Features the table holds under an alias are also written under
     * their own names, which the views and tiergate's outputs use. */
    for (int k = 0; g->o->columns && k < g->r->nfeatures; k++) {
        const char *col = g->o->columns[k];
        if (!col || strcmp(col, g->r->features[k].name) == 0)
            continue;
        fputs("    f.", g->f);
        ident(g, col);
        out(g, " AS %s,\n", g->r->features[k].name);
    }
    tier_case(g, "    ");
    out(g, " AS score_tier\n  FROM ");
    table(g, "features", "lead_scoring_features_pit");
    out(g, " AS f\n)\nSELECT\n  t.*,\n");
    static const struct {
        attr a;
        const char *name;
    } cols[] = {{A_DISPLAY, "tier_display"},
                {A_RATE, "expected_conversion_rate"},
                {A_LIFT, "expected_lift"},
                {A_RANK, "priority_rank"},
                {A_ACTION, "action_recommended"},
                {A_EXPLANATION, "tier_explanation"}};
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++) {
        attr_case(g, "t.score_tier", cols[k].a, "  ");
        out(g, " AS %s,\n", cols[k].name);
    }
    out(g, "  %s AS scored_at,\n  ", now(g));
    str(g, g->r->model_version);
    out(g, " AS model_version\nFROM tiered AS t;\n");
}

static void priority_where(gen *g, const char *order)
{
    out(g, "FROM ");
    table(g, "scores", "lead_scores_v3");
    out(g, " AS s\nWHERE s.score_tier <> ");
    str(g, default_tier(g));
    out(g, "\nORDER BY %s;\n", order);
}

static void gen_production(gen *g)
{
    create(g, "VIEW", "production_view", "lead_scores_v3_current");
    static const char *cols[] = {
        "lead_id", "advisor_crd", "contacted_date", "score_tier",
        "tier_display", "expected_conversion_rate", "expected_lift",
        "priority_rank", "action_recommended", "tier_explanation",
        "current_firm_tenure_months", "industry_tenure_months",
        "firm_net_change_12mo", "firm_rep_count_at_contact",
        "num_prior_firms", "is_wirehouse", "scored_at", "model_version"};
    out(g, "SELECT\n");
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
        out(g, "  s.%s%s\n", cols[k], k + 1 < sizeof cols / sizeof *cols ? "," : "");
    priority_where(g, "s.priority_rank, s.expected_conversion_rate DESC");
}

static void gen_salesforce(gen *g)
{
    out(g, "SELECT\n"
           "  s.lead_id AS Lead_ID__c,\n"
           "  s.score_tier AS Lead_Score_Tier__c,\n"
           "  s.tier_display AS Lead_Score_Display__c,\n");
    attr_case(g, "s.score_tier", A_SF_RATE, "  ");
    out(g, " AS Expected_Conversion__c,\n");
    attr_case(g, "s.score_tier", A_SF_LIFT, "  ");
    out(g, " AS Expected_Lift__c,\n"
           "  s.priority_rank AS Lead_Priority_Rank__c,\n"
           "  s.action_recommended AS Lead_Action__c,\n"
           "  s.tier_explanation AS Lead_Score_Explanation__c,\n"
           "  s.model_version AS Lead_Score_Model__c,\n"
           "  s.scored_at AS Lead_Scored_At__c\n");
    priority_where(g, "s.priority_rank, s.expected_conversion_rate DESC");
}

static void gen_sga(gen *g)
{
    create(g, "VIEW", "sga_view", "sga_priority_leads_v3");
    out(g, "SELECT\n"
           "  s.lead_id,\n  s.advisor_crd,\n  s.contacted_date,\n"
           "  s.tier_display AS Priority,\n"
           "  s.action_recommended AS Action,\n"
           "  s.tier_explanation AS Why_Prioritized,\n  ");
    round_open(g);
    out(g, "s.expected_conversion_rate * 100");
    round_close(g, 1);
    out(g, " AS Expected_Conv_Pct,\n"
           "  s.expected_lift AS Lift_vs_Baseline,\n  ");
    round_open(g);
    out(g, "s.current_firm_tenure_months / 12.0");
    round_close(g, 1);
    out(g, " AS Tenure_Years,\n  ");
    round_open(g);
    out(g, "s.industry_tenure_months / 12.0");
    round_close(g, 0);
    out(g, " AS Experience_Years,\n"
           "  s.firm_net_change_12mo AS Firm_Net_Change,\n"
           "  s.firm_rep_count_at_contact AS Firm_Size,\n"
           "  s.num_prior_firms AS Prior_Firms,\n"
           "  s.scored_at,\n  s.model_version\n");
    priority_where(g, "s.priority_rank, s.expected_conversion_rate DESC");
}

static void gen_calibration(gen *g)
{
    create(g, "TABLE", "calibration", "tier_calibration_v3");
    out(g, "WITH train AS (\n  SELECT s.score_tier, s.target\n  FROM ");
    table(g, "scores", "lead_scores_v3");
    out(g, " AS s\n  WHERE s.split = 'TRAIN'\n),\n"
           "baseline AS (\n"
           "  -- computed from the data, not the change request's hard-coded 3.66%%\n"
           "  SELECT AVG(CAST(b.target AS %s)) AS rate FROM train AS b\n"
           ")\nSELECT\n"
           "  t.score_tier,\n"
           "  COUNT(*) AS training_volume,\n"
           "  COUNT(t.target) AS labeled,\n"
           "  COALESCE(SUM(t.target), 0) AS conversions,\n  ",
        float_type(g));
    round_open(g);
    out(g, "AVG(CAST(t.target AS %s))", float_type(g));
    round_close(g, 4);
    out(g, " AS calibrated_conversion_rate,\n  ");
    round_open(g);
    out(g, "AVG(CAST(t.target AS %s)) / NULLIF(MAX(b.rate), 0)",
        float_type(g));
    round_close(g, 2);
    out(g, " AS calibrated_lift,\n  %s AS calibrated_at,\n  ", now(g));
    str(g, g->r->model_version);
    out(g, " AS model_version\nFROM train AS t\nCROSS JOIN baseline AS b\n"
           "GROUP BY t.score_tier\nORDER BY t.score_tier;\n");
}

static const char *text_type(gen *g)
{
    return g->d == TG_DIALECT_BIGQUERY ? "STRING"
         : g->d == TG_DIALECT_DUCKDB   ? "VARCHAR"
                                       : "TEXT";
}

/* The slicing's column in the features table. */
static void slice_column(gen *g, const tg_slice_spec *s)
{
    fputs("f.", g->f);
    if (s->feature >= 0)
        feature_column(g, s->feature);
    else
        ident(g, s->column);
}

/*
 * The slice key of a row, exactly as tg_slice_key computes it from the
 * export: the value as text (booleans as 'true'/'false'), the bin label,
 * or the month 'YYYY-MM'; NULL stays NULL.
 */
static void slice_expr(gen *g, const tg_slice_spec *s)
{
    char label[64];
    if (s->is_boolean) {
        const char *it = g->d == TG_DIALECT_BIGQUERY ? "INT64" : "INTEGER";
        fputs("CASE CAST(", g->f);
        slice_column(g, s);
        out(g, " AS %s) WHEN 1 THEN 'true' WHEN 0 THEN 'false' END", it);
    } else if (s->kind == TG_SLICE_VALUE) {
        fputs("CAST(", g->f);
        slice_column(g, s);
        out(g, " AS %s)", text_type(g));
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
            num(g, s->edges[i]);
            fputs(" THEN ", g->f);
            str(g, tg_slice_bin_label(s, i, label));
            fputc('\n', g->f);
        }
        fputs("      ELSE ", g->f);
        str(g, tg_slice_bin_label(s, s->nedges, label));
        fputs("\n    END", g->f);
    }
}

static void gen_summary(gen *g)
{
    char name[TG_SLICE_MAX_NAME + 16];
    out(g, "-- Export the result as CSV and run:\n"
           "--   tiergate gate --rules R --policy P --summary summary.csv");
    for (int k = 0; k < g->o->nslices; k++)
        out(g, " --slice %s", g->o->slices[k].expr);
    out(g, "\nWITH tiered AS (\n  SELECT\n    f.split,\n    f.target,\n"
           "    f.contacted_date,\n");
    for (int k = 0; k < g->o->nslices; k++) {
        fputs("    ", g->f);
        slice_expr(g, &g->o->slices[k]);
        out(g, " AS %s,\n",
            tg_slice_summary_column(&g->o->slices[k], name, sizeof name));
    }
    tier_case(g, "    ");
    out(g, " AS score_tier\n  FROM ");
    table(g, "features", "lead_scoring_features_pit");
    out(g, " AS f\n)\nSELECT\n"
           "  t.split,\n"
           "  t.score_tier AS tier,\n");
    for (int k = 0; k < g->o->nslices; k++)
        out(g, "  t.%s,\n",
            tg_slice_summary_column(&g->o->slices[k], name, sizeof name));
    out(g, "  COUNT(*) AS leads,\n"
           "  COUNT(t.target) AS labeled,\n"
           "  COALESCE(SUM(t.target), 0) AS conversions,\n"
           "  MIN(t.contacted_date) AS first_contacted_date,\n"
           "  MAX(t.contacted_date) AS last_contacted_date\n"
           "FROM tiered AS t\n"
           "GROUP BY t.split, t.score_tier");
    for (int k = 0; k < g->o->nslices; k++)
        out(g, ", t.%s",
            tg_slice_summary_column(&g->o->slices[k], name, sizeof name));
    out(g, "\nORDER BY t.split, t.score_tier");
    for (int k = 0; k < g->o->nslices; k++)
        out(g, ", t.%s",
            tg_slice_summary_column(&g->o->slices[k], name, sizeof name));
    out(g, ";\n");
}

/* One candidate name of the wanted list. */
static void wanted(gen *g, int *first, const char *feature,
                   const char *candidate, int preference)
{
    out(g, "  %s", *first ? "SELECT " : "UNION ALL SELECT ");
    str(g, feature);
    fputs(*first ? " AS feature, " : ", ", g->f);
    str(g, candidate);
    out(g, *first ? " AS candidate, %d AS preference\n" : ", %d\n",
        preference);
    *first = 0;
}

/*
 * Step 1 in the warehouse: for every feature, each name it may have
 * (its own, then its aliases in order of preference) beside the column
 * the table really has by that name, or NULL. `check-schema --columns`
 * and `sql --columns` read its CSV export.
 */
static void gen_schema_check(gen *g)
{
    const tg_rules *r = g->r;
    out(g, "-- Export the result as CSV and run:\n"
           "--   tiergate check-schema --rules R --columns columns.csv\n"
           "--   tiergate sql --rules R --columns columns.csv ...\n"
           "WITH wanted AS (\n");
    int first = 1;
    for (int f = 0; f < r->nfeatures; f++) {
        const tg_feature *ft = &r->features[f];
        wanted(g, &first, ft->name, ft->name, 0);
        for (int a = 0; a < ft->naliases; a++)
            wanted(g, &first, ft->name, ft->aliases[a], a + 1);
    }
    static const char *extra[] = {"target", "split", "contacted_date",
                                  "lead_id"};
    for (size_t k = 0; k < sizeof extra / sizeof *extra; k++)
        wanted(g, &first, extra[k], extra[k], 0);
    const char *tbl = tg_rules_table(r, "features", "lead_scoring_features_pit");
    out(g, "),\npresent AS (\n");
    switch (g->d) {
    case TG_DIALECT_BIGQUERY: {
        const char *p = g->o->project ? g->o->project
                                      : tg_rules_table(r, "project",
                                                       "savvy-gtm-analytics");
        const char *ds = g->o->dataset ? g->o->dataset
                                       : tg_rules_table(r, "dataset",
                                                        "ml_features");
        out(g, "  SELECT c.column_name\n"
               "  FROM `%s.%s`.INFORMATION_SCHEMA.COLUMNS AS c\n"
               "  WHERE c.table_name = ", p, ds);
        str(g, tbl);
        break;
    }
    case TG_DIALECT_SQLITE:
        out(g, "  SELECT c.name AS column_name\n  FROM pragma_table_info(");
        str(g, tbl);
        out(g, ") AS c");
        break;
    default:
        out(g, "  SELECT c.column_name\n"
               "  FROM information_schema.columns AS c\n"
               "  WHERE c.table_schema = current_schema()\n"
               "    AND c.table_name = ");
        str(g, tbl);
    }
    out(g, "\n)\nSELECT w.feature, w.candidate, w.preference, p.column_name\n"
           "FROM wanted AS w\n"
           "LEFT JOIN present AS p ON LOWER(p.column_name) = "
           "LOWER(w.candidate)\n"
           "ORDER BY w.feature, w.preference;\n");
}

/* ---- identifiers ------------------------------------------------------- */

/*
 * Words that are reserved (or mean a value, like NULL and CURRENT_DATE)
 * in at least one of the four dialects. As a bare column or table name
 * they would be a syntax error at best and, for the value words, a
 * silently different condition at worst.
 */
static const char *const RESERVED[] = {
    "all", "alter", "analyse", "analyze", "and", "any", "array", "as",
    "asc", "assert_rows_modified", "asymmetric", "at", "authorization",
    "between", "binary", "both", "by", "case", "cast", "check", "collate",
    "column", "concurrently", "constraint", "contains", "create", "cross",
    "cube", "current", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user",
    "default", "deferrable", "define", "delete", "desc", "distinct", "do",
    "drop", "else", "end", "enum", "escape", "except", "exclude", "exists",
    "extract", "false", "fetch", "following", "for", "foreign", "freeze",
    "from", "full", "grant", "group", "grouping", "groups", "having", "if",
    "ignore", "ilike", "in", "initially", "inner", "insert", "intersect",
    "interval", "into", "is", "isnull", "join", "lateral", "leading",
    "left", "like", "limit", "localtime", "localtimestamp", "lookup",
    "merge", "natural", "new", "no", "not", "notnull", "null", "nulls",
    "of", "offset", "on", "only", "or", "order", "outer", "over",
    "overlaps", "partition", "placing", "preceding", "primary", "proto",
    "qualify", "range", "recursive", "references", "regexp", "rename",
    "respect", "returning", "right", "rollup", "rows", "select",
    "session_user", "set", "similar", "some", "struct", "symmetric",
    "table", "tablesample", "then", "to", "trailing", "treat", "true",
    "unbounded", "union", "unique", "unnest", "update", "user", "using",
    "variadic", "verbose", "when", "where", "window", "with", "within"};

static int reserved_word(const char *s)
{
    for (size_t i = 0; i < sizeof RESERVED / sizeof *RESERVED; i++)
        if (strcasecmp(s, RESERVED[i]) == 0)
            return 1;
    return 0;
}

/* A bare name every dialect reads as one identifier: a letter or _,
 * then letters, digits and _, at most 128 bytes, not a reserved word. */
static int plain_identifier(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return !reserved_word(s);
}

/* BigQuery project id: 6 to 30 lowercase letters, digits and hyphens,
 * starting with a letter, not ending with a hyphen. */
static int bigquery_project(const char *s)
{
    size_t n = strlen(s);
    if (n < 6 || n > 30 || !(s[0] >= 'a' && s[0] <= 'z') || s[n - 1] == '-')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return 0;
    return 1;
}

/* BigQuery dataset: letters, digits and _, at most 1024 bytes. */
static int bigquery_dataset(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 1024)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

/*
 * Every name that the generated SQL writes as an identifier comes from
 * the rule set or the command line; each is checked here, before any
 * SQL is written, and a bad one is an error naming its key, not
 * something quoted into a different meaning.
 */
static int check_identifiers(const tg_rules *r, const tg_sql_options *o,
                             tg_error *err)
{
    static const char *tables[] = {"features", "scores", "calibration",
                                   "production_view", "sga_view"};
    char shown[64];
    for (size_t k = 0; k < sizeof tables / sizeof *tables; k++) {
        const char *v = tg_rules_table(r, tables[k], "lead_scores_v3");
        if (!plain_identifier(v))
            return tg_error_set(err, TG_EINVAL, r->path, 0, 0,
                                "key 'tables.%s': '%s' is not a table name "
                                "(a letter or _, then letters, digits and _; "
                                "not an SQL keyword)",
                                tables[k], tg_esc_term_buf(v, shown, sizeof shown));
    }
    for (int f = 0; f < r->nfeatures; f++)
        if (!plain_identifier(r->features[f].name))
            return tg_error_set(err, TG_EINVAL, r->path, 0, 0,
                                "key 'features[%d].name': '%s' is an SQL "
                                "keyword in at least one dialect; rename the "
                                "feature (or use an alias for the export)",
                                f, tg_esc_term_buf(r->features[f].name, shown,
                                                   sizeof shown));
    /* The table's own names (--columns, --alias) and slice columns are
     * written quoted, so a keyword among them stays a name; they must
     * still be plain names, never text that could close the quote. */
    for (int f = 0; o->columns && f < r->nfeatures; f++)
        if (o->columns[f] && !tg_sql_ident_ok(o->columns[f]))
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "column '%s' of feature '%s' is not a plain "
                                "SQL name (letters, digits and _)",
                                tg_esc_term_buf(o->columns[f], shown,
                                                sizeof shown),
                                r->features[f].name);
    for (int k = 0; k < o->nslices; k++)
        if (!tg_sql_ident_ok(o->slices[k].column))
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "--slice: '%s' is not a plain SQL name",
                                tg_esc_term_buf(o->slices[k].column, shown,
                                                sizeof shown));
    if (o->dialect != TG_DIALECT_BIGQUERY)
        return TG_OK;
    const char *p = o->project ? o->project
                               : tg_rules_table(r, "project", "savvy-gtm-analytics");
    if (!bigquery_project(p))
        return tg_error_set(err, TG_EINVAL, o->project ? "--project" : r->path,
                            0, 0,
                            "%s'%s' is not a BigQuery project id (6 to 30 "
                            "lowercase letters, digits and -, starting with a "
                            "letter)",
                            o->project ? "" : "key 'tables.project': ",
                            tg_esc_term_buf(p, shown, sizeof shown));
    const char *ds = o->dataset ? o->dataset
                                : tg_rules_table(r, "dataset", "ml_features");
    if (!bigquery_dataset(ds))
        return tg_error_set(err, TG_EINVAL, o->dataset ? "--dataset" : r->path,
                            0, 0,
                            "%s'%s' is not a BigQuery dataset name (letters, "
                            "digits and _)",
                            o->dataset ? "" : "key 'tables.dataset': ",
                            tg_esc_term_buf(ds, shown, sizeof shown));
    return TG_OK;
}

/*
 * The monitor summary: leads per (window, split, tier, mature). A lead
 * is mature when it was contacted at least maturity_days before the
 * table's last contacted date, exactly as `tiergate monitor` decides
 * from rows; windows are ISO weeks from Monday or calendar months.
 */
static void gen_monitor_summary(gen *g)
{
    int m = g->maturity_days;
    const char *day = g->d == TG_DIALECT_SQLITE ? "DATE(f.contacted_date)"
                                                 : "CAST(f.contacted_date AS DATE)";
    out(g, "-- Export the result as CSV and run:\n"
           "--   tiergate monitor --rules R --summary monitor_summary.csv "
           "--by %s --maturity %d\n"
           "WITH tiered AS (\n  SELECT\n    f.split,\n    f.target,\n"
           "    %s AS contacted_day,\n",
        g->window_month ? "month" : "week", m, day);
    tier_case(g, "    ");
    out(g, " AS score_tier\n  FROM ");
    table(g, "features", "lead_scoring_features_pit");
    out(g, " AS f\n),\nlast_day AS (\n"
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
    out(g, "%s AS window_start,\n  t.split,\n  t.score_tier AS tier,\n  ", w);
    switch (g->d) {
    case TG_DIALECT_BIGQUERY:
        out(g, "CASE WHEN DATE_DIFF(l.d, t.contacted_day, DAY) >= %d", m);
        break;
    case TG_DIALECT_SQLITE:
        out(g, "CASE WHEN JULIANDAY(l.d) - JULIANDAY(t.contacted_day) >= %d", m);
        break;
    case TG_DIALECT_DUCKDB:
        out(g, "CASE WHEN DATE_DIFF('day', t.contacted_day, l.d) >= %d", m);
        break;
    default:
        out(g, "CASE WHEN l.d - t.contacted_day >= %d", m);
        break;
    }
    out(g, " THEN 1 ELSE 0 END AS mature,\n"
           "  %d AS maturity_days,\n"
           "  COUNT(*) AS leads,\n"
           "  COUNT(t.target) AS labeled,\n"
           "  COALESCE(SUM(t.target), 0) AS conversions,\n"
           "  MIN(t.contacted_day) AS first_contacted_date,\n"
           "  MAX(t.contacted_day) AS last_contacted_date\n"
           "FROM tiered AS t\nCROSS JOIN last_day AS l\n"
           "GROUP BY 1, 2, 3, 4\n"
           "ORDER BY 1, 2, 3, 4;\n", m);
}

int tg_sql_generate_monitor(char **text, const tg_rules *rules,
                            const tg_sql_options *o, int by_month,
                            int maturity_days, tg_error *err);

/* The file's header: what it is, from which rules, how to regenerate it.
 * The version, file name and command are input: comment-escaped. */
static void header(gen *g, tg_emit what)
{
    out(g, "-- %s: %s, ", tg_emit_file(what), purposes[what]);
    tg_esc_sql_comment(g->f, g->r->model_version);
    out(g, ", %s SQL.\n-- Generated by tiergate from ",
        tg_dialect_name(g->d));
    tg_esc_sql_comment(g->f, g->r->path);
    out(g, "\n-- (sha256 %s).\n-- Do not edit: change the rule set and run\n"
           "--   ", g->r->sha256);
    tg_esc_sql_comment(g->f, g->o->regen ? g->o->regen : "tiergate sql");
    out(g, "\n\n");
}

int tg_sql_generate(char **text, const tg_rules *rules, tg_emit what,
                    const tg_sql_options *o, tg_error *err)
{
    if (what == TG_EMIT_MONITOR_SUMMARY)
        return tg_sql_generate_monitor(text, rules, o, 0, 30, err);
    size_t len;
    *text = NULL;
    int rc = check_identifiers(rules, o, err);
    if (rc)
        return rc;
    gen g = {open_memstream(text, &len), rules, o, o->dialect, 0, 30};
    if (!g.f)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    header(&g, what);
    switch (what) {
    case TG_EMIT_SCORING: gen_scoring(&g); break;
    case TG_EMIT_PRODUCTION_VIEW: gen_production(&g); break;
    case TG_EMIT_SALESFORCE_SYNC: gen_salesforce(&g); break;
    case TG_EMIT_SGA_DASHBOARD: gen_sga(&g); break;
    case TG_EMIT_CALIBRATION: gen_calibration(&g); break;
    case TG_EMIT_MONITOR_SUMMARY: gen_monitor_summary(&g); break;
    case TG_EMIT_SCHEMA_CHECK: gen_schema_check(&g); break;
    default: gen_summary(&g); break;
    }
    if (fclose(g.f) != 0) {
        free(*text);
        *text = NULL;
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return TG_OK;
}

int tg_sql_generate_monitor(char **text, const tg_rules *rules,
                            const tg_sql_options *o, int by_month,
                            int maturity_days, tg_error *err)
{
    size_t len;
    *text = NULL;
    int rc = check_identifiers(rules, o, err);
    if (rc)
        return rc;
    gen g = {open_memstream(text, &len), rules, o, o->dialect, by_month != 0,
             maturity_days};
    if (!g.f)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    header(&g, TG_EMIT_MONITOR_SUMMARY);
    gen_monitor_summary(&g);
    if (fclose(g.f) != 0) {
        free(*text);
        *text = NULL;
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return TG_OK;
}

/*
 * The sweep's counts in one query: each lead is joined with the list of
 * variants and takes, per variant, the tier of that variant's CASE; one
 * GROUP BY gives the counts `tiergate sweep --summary` reads. The table
 * is read once.
 */
int tg_sql_generate_sweep(char **text, tg_rules *const *variants,
                          const char *const *names, int n,
                          const tg_sql_options *o, const char *sweep_path,
                          const char *sweep_sha256, tg_error *err)
{
    size_t len;
    *text = NULL;
    if (n < 1)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0, "no variant");
    /* The variants share the base's features and tables. */
    int rc = check_identifiers(variants[0], o, err);
    if (rc)
        return rc;
    gen g = {open_memstream(text, &len), variants[0], o, o->dialect, 0, 30};
    if (!g.f)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    /* Versions, paths and the command are input: comment-escaped. */
    out(&g, "-- sweep_summary.sql: counts per variant, split and tier for "
            "`tiergate sweep --summary`, ");
    tg_esc_sql_comment(g.f, variants[0]->model_version);
    out(&g, ", %s SQL.\n-- Generated by tiergate from the sweep ",
        tg_dialect_name(o->dialect));
    tg_esc_sql_comment(g.f, sweep_path);
    out(&g, " (sha256 %s)\n-- over the rule set ", sweep_sha256);
    tg_esc_sql_comment(g.f, variants[0]->path);
    out(&g, " (sha256 %s): %d variants.\n-- Do not edit: change the sweep "
            "and run\n--   ", variants[0]->sha256, n);
    tg_esc_sql_comment(g.f, o->regen ? o->regen : "tiergate sql --emit sweep");
    out(&g, "\n");
    out(&g, "-- Export the result as CSV and run:\n"
            "--   tiergate sweep --policy P --sweep S --summary "
            "sweep_summary.csv\n\n");
    out(&g, "WITH variants AS (\n");
    for (int v = 0; v < n; v++) {
        out(&g, "  %s", v ? "UNION ALL SELECT " : "SELECT ");
        str(&g, names[v]);
        out(&g, "%s\n", v ? "" : " AS variant");
    }
    out(&g, "),\ntiered AS (\n  SELECT\n    v.variant,\n    f.split,\n"
            "    f.target,\n    f.contacted_date,\n    CASE v.variant\n");
    for (int v = 0; v < n; v++) {
        g.r = variants[v];
        out(&g, "      WHEN ");
        str(&g, names[v]);
        out(&g, " THEN (\n");
        tier_case(&g, "        ");
        out(&g, "\n      )\n");
    }
    g.r = variants[0];
    out(&g, "    END AS tier\n  FROM ");
    table(&g, "features", "lead_scoring_features_pit");
    out(&g, " AS f\n  CROSS JOIN variants AS v\n)\n"
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
    if (fclose(g.f) != 0) {
        free(*text);
        *text = NULL;
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return TG_OK;
}
