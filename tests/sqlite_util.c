/*
 * Loading a feature export into SQLite for cross-checks: empty fields
 * are bound as NULL (never as '' text, which SQLite orders above every
 * number), booleans as 0/1, split and contacted_date as text.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_util.h"
#include "testutil.h"

/* The brief's step 2 CASE, verbatim but for the alias. */
const char *TT_BRIEF_V32_CASE =
    "CASE\n"
    "  WHEN current_firm_tenure_months BETWEEN 12 AND 36\n"
    "       AND industry_tenure_months BETWEEN 60 AND 180\n"
    "       AND firm_net_change_12mo < 0\n"
    "       AND firm_rep_count_at_contact <= 50\n"
    "       AND is_wirehouse = 0\n"
    "  THEN 'TIER_1A_PRIME_MOVER_SMALL'\n"
    "  WHEN current_firm_tenure_months BETWEEN 12 AND 36\n"
    "       AND firm_rep_count_at_contact <= 10\n"
    "       AND is_wirehouse = 0\n"
    "  THEN 'TIER_1B_SMALL_FIRM'\n"
    "  WHEN current_firm_tenure_months BETWEEN 12 AND 48\n"
    "       AND industry_tenure_months BETWEEN 60 AND 180\n"
    "       AND firm_net_change_12mo < 0\n"
    "       AND is_wirehouse = 0\n"
    "  THEN 'TIER_1C_PRIME_MOVER'\n"
    "  WHEN num_prior_firms >= 3\n"
    "       AND industry_tenure_months >= 60\n"
    "       AND is_wirehouse = 0\n"
    "  THEN 'TIER_2A_PROVEN_MOVER'\n"
    "  WHEN firm_net_change_12mo BETWEEN -10 AND -1\n"
    "       AND industry_tenure_months >= 60\n"
    "  THEN 'TIER_2B_MODERATE_BLEEDER'\n"
    "  WHEN current_firm_tenure_months BETWEEN 12 AND 48\n"
    "       AND industry_tenure_months >= 240\n"
    "  THEN 'TIER_3_EXPERIENCED_MOVER'\n"
    "  WHEN firm_net_change_12mo < -10\n"
    "       AND industry_tenure_months >= 60\n"
    "  THEN 'TIER_4_HEAVY_BLEEDER'\n"
    "  ELSE 'STANDARD'\n"
    "END";

static int is_integer(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

void tt_sqlite_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("SQLite: %s\n%s", msg, sql);
}

void tt_sqlite_load_table(sqlite3 *db, const char *path, const char *name)
{
    tg_csv *c = NULL;
    tg_error err;
    assert_tg_ok(tg_csv_open(&c, path, &err));
    assert_int_equal(tg_csv_next(c, &err), 1);
    size_t ncols = tg_csv_nfields(c);
    char sql[8192];
    size_t n = (size_t)snprintf(sql, sizeof sql, "CREATE TABLE %s (", name);
    for (size_t i = 0; i < ncols; i++) {
        size_t len;
        const char *f = tg_csv_field(c, i, &len);
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s\"%.*s\"",
                              i ? ", " : "", (int)len, f);
    }
    snprintf(sql + n, sizeof sql - n, ")");
    tt_sqlite_exec(db, sql);
    n = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (", name);
    for (size_t i = 0; i < ncols; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s?", i ? "," : "");
    snprintf(sql + n, sizeof sql - n, ")");
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &ins, NULL), SQLITE_OK);
    tt_sqlite_exec(db, "BEGIN");
    while (tg_csv_next(c, &err) == 1) {
        for (size_t k = 0; k < ncols; k++) {
            size_t len;
            const char *f = tg_csv_field(c, k, &len);
            char tmp[512];
            snprintf(tmp, sizeof tmp, "%.*s", f ? (int)len : 0, f ? f : "");
            int col = (int)k + 1;
            if (!f || len == 0)
                sqlite3_bind_null(ins, col);
            else if (strcmp(tmp, "true") == 0 || strcmp(tmp, "false") == 0)
                sqlite3_bind_int(ins, col, tmp[0] == 't');
            else if (is_integer(tmp))
                sqlite3_bind_int64(ins, col, strtoll(tmp, NULL, 10));
            else
                sqlite3_bind_text(ins, col, tmp, -1, SQLITE_TRANSIENT);
        }
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    tt_sqlite_exec(db, "COMMIT");
    sqlite3_finalize(ins);
    tg_csv_free(c);
}

void tt_sqlite_load(sqlite3 *db, const char *path)
{
    tt_sqlite_load_table(db, path, "leads");
}
