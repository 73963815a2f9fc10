/*
 * SQL generated from a rule set: the change request's scoring table, views,
 * Salesforce sync and calibration, and the summary query whose export
 * `gate --summary` reads, in four dialects. One definition of the rules
 * means the warehouse and tiergate assign every lead the same tier.
 */
#ifndef TG_SQL_H
#define TG_SQL_H

#include "tg_error.h"
#include "tg_rules.h"
#include "tg_slice.h"

typedef enum {
    TG_DIALECT_BIGQUERY = 0,
    TG_DIALECT_SQLITE,
    TG_DIALECT_DUCKDB,
    TG_DIALECT_POSTGRES,
    TG_DIALECT_COUNT
} tg_dialect;

typedef enum {
    TG_EMIT_SCORING = 0,      /* step 3: the lead_scores_v3 table */
    TG_EMIT_PRODUCTION_VIEW,  /* step 4 */
    TG_EMIT_SALESFORCE_SYNC,  /* step 5 */
    TG_EMIT_SGA_DASHBOARD,    /* step 6 */
    TG_EMIT_CALIBRATION,      /* step 9 */
    TG_EMIT_SUMMARY,          /* GROUP BY split, tier for gate --summary */
    TG_EMIT_MONITOR_SUMMARY,  /* GROUP BY window, split, tier, mature */
    TG_EMIT_SCHEMA_CHECK,     /* step 1: which column each feature is */
    TG_EMIT_COUNT
} tg_emit;

typedef struct {
    tg_dialect dialect;
    const char *project;   /* BigQuery: NULL = the rule set's "tables" */
    const char *dataset;
    const char *regen;     /* the command line that regenerates the file */
    /* Per feature, the column the table has for it (an alias), or NULL
     * for the feature's own name; names must pass tg_sql_ident_ok. */
    const char *const *columns;
    /* summary: also GROUP BY these slicings (tg_slice.h). */
    const tg_slice_spec *slices;
    int nslices;
} tg_sql_options;

int tg_dialect_parse(const char *name);
const char *tg_dialect_name(tg_dialect d);
int tg_emit_parse(const char *name);
const char *tg_emit_name(tg_emit e);
/** The change request's file name of a piece ("phase_4_v3_tiered_scoring.sql"). */
const char *tg_emit_file(tg_emit e);

/** Generate one piece; *out is malloc'd SQL text the caller frees. */
int tg_sql_generate(char **out, const tg_rules *rules, tg_emit what,
                    const tg_sql_options *o, tg_error *err);

/**
 * The sweep's summary query: one CASE per variant (rule sets sharing
 * their features), counts per variant, split and tier, the table read
 * once. names[i] is variant i's name (a string literal in the SQL).
 */
int tg_sql_generate_sweep(char **out, tg_rules *const *variants,
                          const char *const *names, int n,
                          const tg_sql_options *o, const char *sweep_path,
                          const char *sweep_sha256, tg_error *err);

/**
 * The monitor summary for `monitor --summary`, with its windows (ISO
 * weeks, or months when by_month) and maturity; tg_sql_generate gives
 * weeks and 30 days.
 */
int tg_sql_generate_monitor(char **out, const tg_rules *rules,
                            const tg_sql_options *o, int by_month,
                            int maturity_days, tg_error *err);

#endif
