/*
 * tg_tiermap: the lookup table built from a rule set gives each row the
 * tier SQLite gives it. SQLite evaluates the rules' own condition text
 * as one CASE WHEN ... END (first TRUE wins, NULL is not TRUE), so the
 * oracle shares no code with tiergate's evaluator or its table. Rows
 * take values on, just beside (nextafter) and between the rules'
 * constants, and NULL, where a table region could be off by one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "testutil.h"

#define NFEAT 3

/* Conditions in the syntax both tiergate and SQLite read: comparisons,
 * BETWEEN / NOT BETWEEN, IN / NOT IN, IS [NOT] NULL, AND, OR, NOT,
 * <>, fractional and negative constants. */
static const char *const CONDS[] = {
    "a BETWEEN 12 AND 36 AND b <= 50 AND c = 0",
    "a IN (1, 2, 3.5) OR b IS NULL",
    "NOT (a < 0) AND b NOT BETWEEN -10 AND -1 AND c <> 1",
    "a IS NULL AND c NOT IN (0, 2)",
    "b > 0.25 AND b < 0.75 OR a >= 240",
    "NOT (a IS NOT NULL AND b = 7) AND c >= -3",
};
#define NCOND ((int)(sizeof CONDS / sizeof *CONDS))

static const double CONSTS[] = {12, 36, 50, 0, 1, 2, 3.5, -10, -1, 0.25,
                                0.75, 240, 7, -3};

static double pick(unsigned *seed)
{
    unsigned k = rand_r(seed) % 10;
    double c = CONSTS[rand_r(seed) % (sizeof CONSTS / sizeof *CONSTS)];
    switch (k) {
    case 0: return NAN;
    case 1: return nextafter(c, -INFINITY);
    case 2: return nextafter(c, INFINITY);
    case 3: return c - 0.5;
    case 4: return c + 0.5;
    case 5: return (double)((int)(rand_r(seed) % 600) - 300);
    default: return c;
    }
}

static tg_rules *rules_of(int first, int ncond)
{
    char json[4096];
    int n = snprintf(json, sizeof json,
                     "{\"model_id\": \"m\", \"model_version\": \"v\", "
                     "\"features\": [\"a\", \"b\", \"c\"], \"tiers\": [");
    for (int i = 0; i < ncond; i++)
        n += snprintf(json + n, sizeof json - (size_t)n,
                      "%s{\"name\": \"T%d\", \"when\": \"%s\"}",
                      i ? ", " : "", i, CONDS[first + i]);
    snprintf(json + n, sizeof json - (size_t)n,
             "], \"default_tier\": {\"name\": \"STANDARD\"}}");
    tg_rules *r = NULL;
    assert_tg_ok(tg_rules_parse(&r, json, strlen(json), "t.json", NULL));
    return r;
}

static sqlite3_stmt *oracle_of(sqlite3 *db, int first, int ncond)
{
    char sql[4096];
    int n = snprintf(sql, sizeof sql,
                     "SELECT CASE");
    for (int i = 0; i < ncond; i++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " WHEN %s THEN %d",
                      CONDS[first + i], i);
    snprintf(sql + n, sizeof sql - (size_t)n,
             " ELSE %d END FROM (SELECT ?1 AS a, ?2 AS b, ?3 AS c)", ncond);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    return st;
}

/* The rule set of conditions first .. first + ncond - 1, in order. */
static void check_against_sqlite(int first, int ncond, int rows)
{
    tg_rules *r = rules_of(first, ncond);
    /* The table must exist, or this would test the slow path only. */
    assert_non_null(r->map);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    sqlite3_stmt *st = oracle_of(db, first, ncond);
    unsigned seed = 2026;
    double v[NFEAT];
    for (int i = 0; i < rows; i++) {
        for (int f = 0; f < NFEAT; f++) {
            v[f] = pick(&seed);
            if (isnan(v[f]))
                sqlite3_bind_null(st, f + 1);
            else
                sqlite3_bind_double(st, f + 1, v[f]);
        }
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        int want = sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        int got = tg_rules_assign(r, v);
        if (got != want)
            fail_msg("a=%.17g b=%.17g c=%.17g: table %s, SQLite %s", v[0],
                     v[1], v[2], r->tiers[got].name, r->tiers[want].name);
        assert_int_equal(tg_rules_assign_slow(r, v), want);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    tg_rules_free(r);
}

static void test_each_condition_alone(void **state)
{
    (void)state;
    for (int i = 0; i < NCOND; i++)
        check_against_sqlite(i, 1, 20000);
}

static void test_all_conditions_first_match_wins(void **state)
{
    (void)state;
    check_against_sqlite(0, NCOND, 100000);
}

/* The shipped V3.2, whose conditions are plain SQL too. */
static void test_v32_against_sqlite(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    assert_non_null(r->map);
    char sql[8192];
    int n = snprintf(sql, sizeof sql, "SELECT CASE");
    for (int t = 0; t < r->ntiers - 1; t++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " WHEN %s THEN %d",
                      r->tiers[t].when, t);
    n += snprintf(sql + n, sizeof sql - (size_t)n, " ELSE %d END FROM (SELECT",
                  r->ntiers - 1);
    for (int f = 0; f < r->nfeatures; f++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s ?%d AS %s",
                      f ? "," : "", f + 1, r->features[f].name);
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    static const double cuts[] = {-11, -10, -1, 0, 1, 3, 10, 12, 36, 48, 50,
                                  60, 180, 240};
    unsigned seed = 32;
    double *v = malloc((size_t)r->nfeatures * sizeof *v);
    for (int i = 0; i < 50000; i++) {
        for (int f = 0; f < r->nfeatures; f++) {
            unsigned k = rand_r(&seed) % 6;
            double c = cuts[rand_r(&seed) % (sizeof cuts / sizeof *cuts)];
            v[f] = k == 0 ? NAN : k == 1 ? c - 1 : k == 2 ? c + 1
                 : k == 3 ? c + 0.5 : c;
            if (isnan(v[f]))
                sqlite3_bind_null(st, f + 1);
            else
                sqlite3_bind_double(st, f + 1, v[f]);
        }
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        int want = sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        assert_int_equal(tg_rules_assign(r, v), want);
    }
    free(v);
    sqlite3_finalize(st);
    sqlite3_close(db);
    tg_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_condition_alone),
        cmocka_unit_test(test_all_conditions_first_match_wins),
        cmocka_unit_test(test_v32_against_sqlite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
