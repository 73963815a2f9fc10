/*
 * Checklist step 1 in the warehouse: for every feature, each name it may
 * have beside the column the table really has by that name. Its CSV
 * export is what `check-schema --columns` and `sql --columns` read.
 */
#include <stdio.h>

#include "tg_sql_internal.h"

static void wanted(tg_sql_gen *g, int *first, const char *feature,
                   const char *candidate, int preference)
{
    tg_sql_out(g, "  %s", *first ? "SELECT " : "UNION ALL SELECT ");
    tg_sql_str(g, feature);
    fputs(*first ? " AS feature, " : ", ", g->f);
    tg_sql_str(g, candidate);
    tg_sql_out(g, *first ? " AS candidate, %d AS preference\n" : ", %d\n",
               preference);
    *first = 0;
}

/*
 * Step 1 in the warehouse: for every feature, each name it may have
 * (its own, then its aliases in order of preference) beside the column
 * the table really has by that name, or NULL. `check-schema --columns`
 * and `sql --columns` read its CSV export.
 */
void tg_sql_gen_schema_check(tg_sql_gen *g)
{
    const tg_rules *r = g->r;
    tg_sql_out(g, "-- Export the result as CSV and run:\n"
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
    const char *tbl =
        tg_rules_table(r, "features", "lead_scoring_features_pit");
    tg_sql_out(g, "),\npresent AS (\n");
    switch (g->d) {
    case TG_DIALECT_BIGQUERY: {
        const char *p = tg_sql_project(r, g->o), *ds = tg_sql_dataset(r, g->o);
        tg_sql_out(g,
                   "  SELECT c.column_name\n"
                   "  FROM `%s.%s`.INFORMATION_SCHEMA.COLUMNS AS c\n"
                   "  WHERE c.table_name = ",
                   p, ds);
        tg_sql_str(g, tbl);
        break;
    }
    case TG_DIALECT_SQLITE:
        tg_sql_out(g,
                   "  SELECT c.name AS column_name\n  FROM pragma_table_info(");
        tg_sql_str(g, tbl);
        tg_sql_out(g, ") AS c");
        break;
    default:
        tg_sql_out(g, "  SELECT c.column_name\n"
                      "  FROM information_schema.columns AS c\n"
                      "  WHERE c.table_schema = current_schema()\n"
                      "    AND c.table_name = ");
        tg_sql_str(g, tbl);
    }
    tg_sql_out(
        g, "\n)\nSELECT w.feature, w.candidate, w.preference, p.column_name\n"
           "FROM wanted AS w\n"
           "LEFT JOIN present AS p ON LOWER(p.column_name) = "
           "LOWER(w.candidate)\n"
           "ORDER BY w.feature, w.preference;\n");
}
