/*
 * Identifiers: every table, feature, column and BigQuery project or
 * dataset name the generated SQL writes is checked before any SQL is
 * written (a plain name, not a keyword of any of the four dialects); a
 * bad one is an error naming its key.
 */
#include <string.h>
#include <strings.h>

#include "tg_columns.h"
#include "tg_escape.h"
#include "tg_sql_internal.h"

/*
 * Words that are reserved (or mean a value, like NULL and CURRENT_DATE)
 * in at least one of the four dialects. As a bare column or table name
 * they would be a syntax error at best and, for the value words, a
 * silently different condition at worst.
 */
/* clang-format off */
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
/* clang-format on */

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
int tg_sql_check_identifiers(const tg_rules *r, const tg_sql_options *o,
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
                                tables[k],
                                tg_esc_term_buf(v, shown, sizeof shown));
    }
    for (int f = 0; f < r->nfeatures; f++)
        if (!plain_identifier(r->features[f].name))
            return tg_error_set(
                err, TG_EINVAL, r->path, 0, 0,
                "key 'features[%d].name': '%s' is an SQL "
                "keyword in at least one dialect; rename the "
                "feature (or use an alias for the export)",
                f, tg_esc_term_buf(r->features[f].name, shown, sizeof shown));
    /* The table's own names (--columns, --alias) and slice columns are
     * written quoted, so a keyword among them stays a name; they must
     * still be plain names, never text that could close the quote. */
    for (int f = 0; o->columns && f < r->nfeatures; f++)
        if (o->columns[f] && !tg_sql_ident_ok(o->columns[f]))
            return tg_error_set(
                err, TG_EINVAL, NULL, 0, 0,
                "column '%s' of feature '%s' is not a plain "
                "SQL name (letters, digits and _)",
                tg_esc_term_buf(o->columns[f], shown, sizeof shown),
                r->features[f].name);
    for (int k = 0; k < o->nslices; k++)
        if (!tg_sql_ident_ok(o->slices[k].column))
            return tg_error_set(
                err, TG_EINVAL, NULL, 0, 0,
                "--slice: '%s' is not a plain SQL name",
                tg_esc_term_buf(o->slices[k].column, shown, sizeof shown));
    if (o->dialect != TG_DIALECT_BIGQUERY)
        return TG_OK;
    const char *p = tg_sql_project(r, o);
    if (!bigquery_project(p))
        return tg_error_set(err, TG_EINVAL, o->project ? "--project" : r->path,
                            0, 0,
                            "%s'%s' is not a BigQuery project id (6 to 30 "
                            "lowercase letters, digits and -, starting with a "
                            "letter)",
                            o->project ? "" : "key 'tables.project': ",
                            tg_esc_term_buf(p, shown, sizeof shown));
    const char *ds = tg_sql_dataset(r, o);
    if (!bigquery_dataset(ds))
        return tg_error_set(err, TG_EINVAL, o->dataset ? "--dataset" : r->path,
                            0, 0,
                            "%s'%s' is not a BigQuery dataset name (letters, "
                            "digits and _)",
                            o->dataset ? "" : "key 'tables.dataset': ",
                            tg_esc_term_buf(ds, shown, sizeof shown));
    return TG_OK;
}
