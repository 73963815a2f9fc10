/*
 * What the SQL generator's files share (lib/tg_sql*.c): the state of one
 * piece being written and the dialect-aware pieces every query is made
 * of. Nothing here is escaped twice or quoted by hand: literals go
 * through tg_escape.h, names are checked first (tg_sql_check_identifiers).
 */
#ifndef TG_SQL_INTERNAL_H
#define TG_SQL_INTERNAL_H

#include <stdio.h>

#include "tg_sql.h"

/* One piece being written: where, from which rules, in which dialect. */
typedef struct {
    FILE *f;
    const tg_rules *r;
    const tg_sql_options *o;
    tg_dialect d;
    int window_month; /* monitor summary: months, else ISO weeks */
    int maturity_days;
} tg_sql_gen;

/* ---- pieces of SQL (lib/tg_sql_write.c) ---- */

void tg_sql_out(tg_sql_gen *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** A string literal in the dialect's own escaping (tg_escape.h). */
void tg_sql_str(tg_sql_gen *g, const char *s);
/** A number as tiergate prints it; NaN is NULL. */
void tg_sql_num(tg_sql_gen *g, double v);
/** The BigQuery project and dataset: the options', else the rule set's. */
const char *tg_sql_project(const tg_rules *r, const tg_sql_options *o);
const char *tg_sql_dataset(const tg_rules *r, const tg_sql_options *o);
/** Fully qualified (BigQuery) or bare table name. */
void tg_sql_table(tg_sql_gen *g, const char *key, const char *fallback);
const char *tg_sql_float_type(tg_sql_gen *g);
const char *tg_sql_now(tg_sql_gen *g);
/** ROUND(expr, n): PostgreSQL rounds only NUMERIC to n places. */
void tg_sql_round_open(tg_sql_gen *g);
void tg_sql_round_close(tg_sql_gen *g, int places);
/** A checked column name from outside the rule set, quoted. */
void tg_sql_ident(tg_sql_gen *g, const char *name);
/** The table's column for feature f: its alias there, or its name. */
void tg_sql_feature_column(tg_sql_gen *g, int f);
/** CREATE (OR REPLACE) kind name AS, or DROP ... IF EXISTS first. */
void tg_sql_create(tg_sql_gen *g, const char *kind, const char *key,
                   const char *fallback);
/** The name of the last, default tier. */
const char *tg_sql_default_tier(tg_sql_gen *g);

/* ---- conditions (lib/tg_sql_cond.c) ---- */

/** The first-match CASE that assigns score_tier, each line after pad. */
void tg_sql_tier_case(tg_sql_gen *g, const char *pad);

/* ---- the pieces (one function each) ---- */

/* lib/tg_sql_views.c: the checklist's scoring table and views. */
void tg_sql_gen_scoring(tg_sql_gen *g);
void tg_sql_gen_production(tg_sql_gen *g);
void tg_sql_gen_salesforce(tg_sql_gen *g);
void tg_sql_gen_sga(tg_sql_gen *g);
void tg_sql_gen_calibration(tg_sql_gen *g);
/* lib/tg_sql_summary.c: the counts tiergate reads back. */
void tg_sql_gen_summary(tg_sql_gen *g);
void tg_sql_gen_monitor_summary(tg_sql_gen *g);
void tg_sql_gen_sweep_summary(tg_sql_gen *g, tg_rules *const *variants,
                              const char *const *names, int n);
/* lib/tg_sql_schema.c: which column the table has for each feature. */
void tg_sql_gen_schema_check(tg_sql_gen *g);

/* ---- names (lib/tg_sql_ident.c) ---- */

/** Every name the SQL writes as an identifier, checked before any SQL. */
int tg_sql_check_identifiers(const tg_rules *r, const tg_sql_options *o,
                             tg_error *err);

#endif
