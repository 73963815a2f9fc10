/*
 * The pieces every generated query is made of, each in the dialect's
 * own form: literals, numbers, table and column names, types, ROUND,
 * CREATE. Names reach here only after tg_sql_check_identifiers.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_score.h"
#include "tg_sql_internal.h"

void tg_sql_out(tg_sql_gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g->f, fmt, ap);
    va_end(ap);
}

/* A string literal in the dialect's own escaping (tg_escape.h). */
void tg_sql_str(tg_sql_gen *g, const char *s)
{
    tg_esc_sql_string(g->f, s,
                      g->d == TG_DIALECT_BIGQUERY   ? TG_SQL_LITERAL_BACKSLASH
                      : g->d == TG_DIALECT_POSTGRES ? TG_SQL_LITERAL_POSTGRES
                                                    : TG_SQL_LITERAL_STANDARD);
}

void tg_sql_num(tg_sql_gen *g, double v)
{
    char buf[32];
    if (isnan(v))
        fputs("NULL", g->f);
    else
        fputs(tg_fmt_number(v, buf), g->f);
}

/* The rule set's "tables" name the warehouse when the command line does
 * not; the change request's project and dataset are the defaults. */
const char *tg_sql_project(const tg_rules *r, const tg_sql_options *o)
{
    return o->project ? o->project
                      : tg_rules_table(r, "project", "savvy-gtm-analytics");
}

const char *tg_sql_dataset(const tg_rules *r, const tg_sql_options *o)
{
    return o->dataset ? o->dataset
                      : tg_rules_table(r, "dataset", "ml_features");
}

/* Fully qualified (BigQuery) or bare table name. */
void tg_sql_table(tg_sql_gen *g, const char *key, const char *fallback)
{
    const char *name = tg_rules_table(g->r, key, fallback);
    if (g->d != TG_DIALECT_BIGQUERY) {
        fputs(name, g->f);
        return;
    }
    const char *p = tg_sql_project(g->r, g->o),
               *ds = tg_sql_dataset(g->r, g->o);
    tg_sql_out(g, "`%s.%s.%s`", p, ds, name);
}

const char *tg_sql_float_type(tg_sql_gen *g)
{
    return g->d == TG_DIALECT_BIGQUERY ? "FLOAT64"
           : g->d == TG_DIALECT_SQLITE ? "REAL"
           : g->d == TG_DIALECT_DUCKDB ? "DOUBLE"
                                       : "DOUBLE PRECISION";
}

const char *tg_sql_now(tg_sql_gen *g)
{
    return g->d == TG_DIALECT_BIGQUERY ? "CURRENT_TIMESTAMP()"
                                       : "CURRENT_TIMESTAMP";
}

void tg_sql_round_open(tg_sql_gen *g)
{
    fputs(g->d == TG_DIALECT_POSTGRES ? "ROUND(CAST(" : "ROUND(", g->f);
}

void tg_sql_round_close(tg_sql_gen *g, int places)
{
    tg_sql_out(g, g->d == TG_DIALECT_POSTGRES ? " AS NUMERIC), %d)" : ", %d)",
               places);
}

/* A column name from outside the rule set (--columns, --alias, --slice),
 * already checked by tg_sql_ident_ok, quoted so that a reserved word
 * stays a name: `x` in BigQuery, "x" elsewhere (PostgreSQL then matches
 * the exact case, as its catalog lists it). */
void tg_sql_ident(tg_sql_gen *g, const char *name)
{
    char q = g->d == TG_DIALECT_BIGQUERY ? '`' : '"';
    fprintf(g->f, "%c%s%c", q, name, q);
}

/* The table's column for feature f: its alias there, or its name. */
void tg_sql_feature_column(tg_sql_gen *g, int f)
{
    const char *col = g->o->columns ? g->o->columns[f] : NULL;
    if (col && strcmp(col, g->r->features[f].name) != 0)
        tg_sql_ident(g, col);
    else
        fputs(g->r->features[f].name, g->f);
}

void tg_sql_create(tg_sql_gen *g, const char *kind, const char *key,
                   const char *fallback)
{
    if (g->d == TG_DIALECT_BIGQUERY || g->d == TG_DIALECT_DUCKDB) {
        tg_sql_out(g, "CREATE OR REPLACE %s ", kind);
    } else {
        /* SQLite has no CREATE OR REPLACE; PostgreSQL cannot replace a
         * view whose columns change, nor drop a table views depend on
         * (CASCADE drops them; their own files create them again). */
        tg_sql_out(g, "DROP %s IF EXISTS ", kind);
        tg_sql_table(g, key, fallback);
        tg_sql_out(g, "%s;\nCREATE %s ",
                   g->d == TG_DIALECT_POSTGRES ? " CASCADE" : "", kind);
    }
    tg_sql_table(g, key, fallback);
    tg_sql_out(g, " AS\n");
}

const char *tg_sql_default_tier(tg_sql_gen *g)
{
    return g->r->tiers[g->r->ntiers - 1].name;
}
