/*
 * Cross-check of tier assignment against a real SQL engine: the rows
 * are loaded into SQLite with empty fields bound as NULL (never as ''
 * text, which SQLite orders above every number), the brief's V3.2 CASE
 * runs there as written in the brief, and its counts per (split, tier)
 * must equal tiergate's tally.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* The brief's step 2 CASE, verbatim but for the alias. */
static const char *BRIEF_V32_CASE =
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
                             "is_wirehouse", "target", "split"};

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

static void load(sqlite3 *db, const char *path)
{
    char *msg = NULL;
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE leads (current_firm_tenure_"
                                  "months, industry_tenure_months, "
                                  "firm_net_change_12mo, "
                                  "firm_rep_count_at_contact, num_prior_firms, "
                                  "is_wirehouse, target, split)",
                                  NULL, NULL, &msg),
                     SQLITE_OK);
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO leads VALUES "
                                            "(?,?,?,?,?,?,?,?)",
                                        -1, &ins, NULL),
                     SQLITE_OK);
    tg_csv *c = NULL;
    tg_error err;
    assert_tg_ok(tg_csv_open(&c, path, &err));
    assert_int_equal(tg_csv_next(c, &err), 1);
    int idx[8];
    for (int k = 0; k < 8; k++)
        idx[k] = col_index(c, COLS[k]);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    while (tg_csv_next(c, &err) == 1) {
        for (int k = 0; k < 8; k++) {
            size_t len;
            const char *f = tg_csv_field(c, (size_t)idx[k], &len);
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%.*s", (int)len, f);
            if (len == 0)
                sqlite3_bind_null(ins, k + 1);
            else if (k == 7)
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

static void cross_check(const char *path, int threads)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    load(db, path);
    /* No empty-string cells may reach SQLite. */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM leads WHERE "
                                            "industry_tenure_months = '' OR "
                                            "current_firm_tenure_months = ''",
                                        -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);

    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT CASE WHEN split IN ('TRAIN', 'TEST') THEN split "
             "ELSE 'OTHER' END AS s, %s AS tier, COUNT(*), COUNT(target), "
             "TOTAL(target) FROM leads GROUP BY s, tier", BRIEF_V32_CASE);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);

    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    tg_tally t;
    tt_scan(&t, r, &path, 1, threads);
    uint64_t seen = 0;
    int groups = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        const char *tier = (const char *)sqlite3_column_text(st, 1);
        int split = strcmp(s, "TRAIN") == 0  ? TG_SPLIT_TRAIN
                  : strcmp(s, "TEST") == 0 ? TG_SPLIT_TEST
                                           : TG_SPLIT_OTHER;
        int k = tg_rules_tier_index(r, tier);
        assert_true(k >= 0);
        tg_count c = tg_tally_cell(&t, split, k);
        if ((sqlite3_int64)c.leads != sqlite3_column_int64(st, 2) ||
            (sqlite3_int64)c.labeled != sqlite3_column_int64(st, 3) ||
            (double)c.conversions != sqlite3_column_double(st, 4))
            fail_msg("%s %s: tiergate %llu/%llu/%llu, SQLite %lld/%lld/%g", s,
                     tier, (unsigned long long)c.leads,
                     (unsigned long long)c.labeled,
                     (unsigned long long)c.conversions,
                     sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                     sqlite3_column_double(st, 4));
        seen += c.leads;
        groups++;
    }
    sqlite3_finalize(st);
    /* Every row was compared, and every tier occurs somewhere. */
    assert_int_equal(seen, tg_tally_total(&t, TG_SPLIT_ALL).leads);
    assert_true(groups >= 8);
    tg_tally_release(&t);
    tg_rules_free(r);
    sqlite3_close(db);
}

static void test_sqlite_boundary_fixture(void **state)
{
    (void)state;
    cross_check(tt_src("tests/fixtures/boundary.csv"), 1);
}

static void test_sqlite_synthetic_sample(void **state)
{
    (void)state;
    const char *p = tt_path("sample.csv");
    FILE *f = fopen(p, "wb");
    tg_synth_options o = {60000, 99};
    assert_tg_ok(tg_synth_write(f, &o, NULL));
    fclose(f);
    cross_check(p, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_boundary_fixture),
        cmocka_unit_test(test_sqlite_synthetic_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
