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

static const char *COLS[] = {"current_firm_tenure_months",
                             "industry_tenure_months", "firm_net_change_12mo",
                             "firm_rep_count_at_contact", "num_prior_firms",
                             "is_wirehouse", "target", "split",
                             "contacted_date"};

static int col_index(tg_csv *c, const char *name)
{
    for (size_t i = 0; i < tg_csv_nfields(c); i++) {
        size_t len;
        const char *f = tg_csv_field(c, i, &len);
        if (len == strlen(name) && memcmp(f, name, len) == 0)
            return (int)i;
    }
    fail_msg("no column %s", name);
    return -1;
}

void tt_sqlite_load(sqlite3 *db, const char *path)
{
    char *msg = NULL;
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE leads (current_firm_tenure_"
                                  "months, industry_tenure_months, "
                                  "firm_net_change_12mo, "
                                  "firm_rep_count_at_contact, num_prior_firms, "
                                  "is_wirehouse, target, split, "
                                  "contacted_date)",
                                  NULL, NULL, &msg),
                     SQLITE_OK);
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO leads VALUES "
                                            "(?,?,?,?,?,?,?,?,?)",
                                        -1, &ins, NULL),
                     SQLITE_OK);
    tg_csv *c = NULL;
    tg_error err;
    assert_tg_ok(tg_csv_open(&c, path, &err));
    assert_int_equal(tg_csv_next(c, &err), 1);
    int idx[9];
    for (int k = 0; k < 9; k++)
        idx[k] = col_index(c, COLS[k]);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    while (tg_csv_next(c, &err) == 1) {
        for (int k = 0; k < 9; k++) {
            size_t len;
            const char *f = tg_csv_field(c, (size_t)idx[k], &len);
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%.*s", (int)len, f);
            if (len == 0)
                sqlite3_bind_null(ins, k + 1);
            else if (k >= 7)
                sqlite3_bind_text(ins, k + 1, tmp, -1, SQLITE_TRANSIENT);
            else if (strcmp(tmp, "true") == 0 || strcmp(tmp, "false") == 0)
                sqlite3_bind_int(ins, k + 1, tmp[0] == 't');
            else
                sqlite3_bind_int64(ins, k + 1, strtoll(tmp, NULL, 10));
        }
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(ins);
    tg_csv_free(c);
}

