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

#include "sqlite_util.h"
#include "testutil.h"

static void cross_check(const char *path, int threads)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_load(db, path);
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
             "TOTAL(target) FROM leads GROUP BY s, tier", TT_BRIEF_V32_CASE);
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
