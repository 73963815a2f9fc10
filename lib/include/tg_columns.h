/*
 * The columns a warehouse table really has, read without its rows: from
 * the CSV export of `sql --emit schema-check` (the INFORMATION_SCHEMA
 * query of step 1), of any query listing column_name, or from the header
 * of a data export. Features are bound to them by name or alias exactly
 * as a data export's header is, so `check-schema --columns` gives the
 * same verdict and `sql --columns` writes SQL against those names.
 */
#ifndef TG_COLUMNS_H
#define TG_COLUMNS_H

#include "tg_error.h"
#include "tg_rules.h"
#include "tg_scan.h"

/* A table with more columns than this is refused (memory stays small). */
#define TG_COLUMNS_MAX 10000

typedef struct {
    int n;
    char **names;
} tg_columns;

/**
 * Read path: when its header has a column_name column, the non-empty
 * values of that column (a schema-check or INFORMATION_SCHEMA export);
 * otherwise the header's own fields (a data export).
 */
int tg_columns_load(tg_columns *out, const char *path, tg_error *err);
/** The header's own fields of the CSV file path (a data export). */
int tg_columns_header(tg_columns *out, const char *path, tg_error *err);
void tg_columns_release(tg_columns *c);

/** Whether name can be written into generated SQL: [A-Za-z_][A-Za-z0-9_]*,
 *  at most 128 bytes. */
int tg_sql_ident_ok(const char *name);

/**
 * Bind the rules' features to cols like a header (a feature's own name
 * first, then its aliases in order), into out (the check-schema report,
 * with no rows counted).
 */
int tg_schema_check_columns(tg_schema_report *out, const tg_rules *rules,
                            const tg_columns *cols, const char *path,
                            tg_error *err);

/** A column the rules need that a file lacks, with help to find it. */
typedef struct {
    char *column;       /* the feature's own name, or "target" */
    int feature;        /* index in the rules, -1 for the target */
    char *file;         /* the first file (or column list) lacking it */
    char *did_you_mean; /* the nearest name in that header, or NULL */
    char *hint;         /* "did you mean ...? ...; the header has ..." */
} tg_missing_column;

/**
 * Every column the rules use (each used feature under its name or an
 * alias, and the target) that a header lacks, each once with the first
 * file lacking it: the headers of paths[0..npaths), or, when cols is
 * given, that column list read from cols_path. The hint is the one a
 * scan's missing-column error carries (tg_suggest_missing_column).
 */
int tg_missing_columns(tg_missing_column **out, int *n, const tg_rules *rules,
                       const char *const *paths, int npaths,
                       const tg_columns *cols, const char *cols_path,
                       tg_error *err);
void tg_missing_columns_free(tg_missing_column *m, int n);

#endif
