/*
 * The generated SQL on a real engine: SQLite runs the sqlite dialect of
 * every piece over the boundary fixture and a synthetic sample; the
 * scoring table gives every lead_id the tier `tiergate score` gives it,
 * the views hold the same rows and values as tiergate's views, and the
 * summary's counts equal the tally.
 */
#define _GNU_SOURCE /* strcasestr */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_util.h"
#include "testutil.h"

typedef struct {
    char *key;      /* lead_id */
    char **f;       /* fields */
    int n;
} rec;

typedef struct {
    char **names;
    int ncols;
    rec *rows;
    int nrows;
} table;

static int by_key(const void *a, const void *b)
{
    return strcmp(((const rec *)a)->key, ((const rec *)b)->key);
}

static void table_free(table *t)
{
    for (int i = 0; i < t->nrows; i++) {
        for (int k = 0; k < t->ncols; k++)
            free(t->rows[i].f[k]);
        free(t->rows[i].f);
    }
    for (int k = 0; k < t->ncols; k++)
        free(t->names[k]);
    free(t->names);
    free(t->rows);
}

/* A view as tiergate writes it (CSV), keyed by column key. */
/* The rule set the views are checked with (relative to the source). */
static const char *rules_path = "registry/tiers/v3.2.json";

static void tiergate_view(table *t, const char *data, tg_view v, int key)
{
    tg_rules *r = tt_rules(rules_path);
    char *buf = NULL;
    size_t len;
    FILE *m = open_memstream(&buf, &len);
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = &data;
    o.npaths = 1;
    tg_score_options so = {v, 0, "2025-12-22T00:00:00Z", TG_SCORE_CSV, NULL};
    uint64_t rows;
    tg_error err;
    assert_tg_ok(tg_score_write(m, r, &o, &so, &rows, &err));
    fclose(m);
    const char *p = tt_write("view.csv", buf);
    free(buf);
    tg_csv *c = NULL;
    assert_tg_ok(tg_csv_open(&c, p, &err));
    assert_int_equal(tg_csv_next(c, &err), 1);
    memset(t, 0, sizeof *t);
    t->ncols = (int)tg_csv_nfields(c);
    t->names = calloc((size_t)t->ncols, sizeof *t->names);
    for (int k = 0; k < t->ncols; k++) {
        const char *f = tg_csv_field(c, (size_t)k, &len);
        t->names[k] = strndup(f, len);
    }
    int cap = 1024;
    t->rows = malloc((size_t)cap * sizeof *t->rows);
    while (tg_csv_next(c, &err) == 1) {
        if (t->nrows == cap)
            t->rows = realloc(t->rows, (size_t)(cap *= 2) * sizeof *t->rows);
        rec *x = &t->rows[t->nrows++];
        x->n = t->ncols;
        x->f = calloc((size_t)t->ncols, sizeof *x->f);
        for (int k = 0; k < t->ncols; k++) {
            const char *f = tg_csv_field(c, (size_t)k, &len);
            x->f[k] = strndup(f ? f : "", f ? len : 0);
        }
        x->key = x->f[key];
    }
    tg_csv_free(c);
    assert_int_equal((uint64_t)t->nrows, rows);
    tg_rules_free(r);
}

/* The same from a SQLite query. */
static void sqlite_view(table *t, sqlite3 *db, const char *sql, int key)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s\n%s", sqlite3_errmsg(db), sql);
    memset(t, 0, sizeof *t);
    t->ncols = sqlite3_column_count(st);
    t->names = calloc((size_t)t->ncols, sizeof *t->names);
    for (int k = 0; k < t->ncols; k++)
        t->names[k] = strdup(sqlite3_column_name(st, k));
    int cap = 1024;
    t->rows = malloc((size_t)cap * sizeof *t->rows);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (t->nrows == cap)
            t->rows = realloc(t->rows, (size_t)(cap *= 2) * sizeof *t->rows);
        rec *x = &t->rows[t->nrows++];
        x->n = t->ncols;
        x->f = calloc((size_t)t->ncols, sizeof *x->f);
        for (int k = 0; k < t->ncols; k++) {
            const unsigned char *v = sqlite3_column_text(st, k);
            x->f[k] = strdup(v ? (const char *)v : "");
        }
        x->key = x->f[key];
    }
    sqlite3_finalize(st);
}

static int same_value(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 1;
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    /* 15 and 15.0, or true and 1 (SQLite stores booleans as 0/1). */
    if (*a && *b && !*ea && !*eb)
        return fabs(x - y) <= 1e-9 * fmax(1, fabs(x));
    return (strcmp(a, "true") == 0 && strcmp(b, "1") == 0) ||
           (strcmp(a, "false") == 0 && strcmp(b, "0") == 0);
}

/* Same columns, same rows (by key), same values; scored_at skipped. */
static void assert_same_table(table *a, table *b, const char *what)
{
    assert_int_equal(a->ncols, b->ncols);
    for (int k = 0; k < a->ncols; k++)
        if (strcmp(a->names[k], b->names[k]) != 0)
            fail_msg("%s: column %d is %s vs %s", what, k, a->names[k],
                     b->names[k]);
    if (a->nrows != b->nrows)
        fail_msg("%s: %d rows vs %d", what, a->nrows, b->nrows);
    qsort(a->rows, (size_t)a->nrows, sizeof *a->rows, by_key);
    qsort(b->rows, (size_t)b->nrows, sizeof *b->rows, by_key);
    for (int i = 0; i < a->nrows; i++)
        for (int k = 0; k < a->ncols; k++) {
            if (strcasestr(a->names[k], "scored_at"))
                continue; /* CURRENT_TIMESTAMP vs the pinned time */
            if (!same_value(a->rows[i].f[k], b->rows[i].f[k]))
                fail_msg("%s: lead %s, %s: tiergate '%s', SQLite '%s'", what,
                         a->rows[i].key, a->names[k], a->rows[i].f[k],
                         b->rows[i].f[k]);
        }
}

static char *sql_of(tg_emit e)
{
    tg_rules *r = tt_rules(rules_path);
    tg_sql_options o = {TG_DIALECT_SQLITE, NULL, NULL, NULL, NULL, NULL, 0};
    char *text = NULL;
    assert_tg_ok(tg_sql_generate(&text, r, e, &o, NULL));
    tg_rules_free(r);
    return text;
}

static sqlite3 *scored_db(const char *data)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_load_table(db, data, "lead_scoring_features_pit");
    /* Canaries: what the hostile rule set's text tries to drop. */
    tt_sqlite_exec(db, "CREATE TABLE important (x); CREATE TABLE z (x);");
    for (int e = TG_EMIT_SCORING; e <= TG_EMIT_SGA_DASHBOARD; e++) {
        if (e == TG_EMIT_SALESFORCE_SYNC)
            continue; /* a query, not a table or view */
        char *sql = sql_of((tg_emit)e);
        tt_sqlite_exec(db, sql);
        free(sql);
    }
    return db;
}

static void check_views(const char *data)
{
    sqlite3 *db = scored_db(data);
    table a, b;
    /* Scores: every lead_id, the same tier and attributes. */
    tiergate_view(&a, data, TG_VIEW_SCORES, 0);
    sqlite_view(&b, db, "SELECT * FROM lead_scores_v3", 0);
    assert_same_table(&a, &b, "scores");
    table_free(&a);
    table_free(&b);
    tiergate_view(&a, data, TG_VIEW_PRODUCTION, 0);
    sqlite_view(&b, db, "SELECT * FROM lead_scores_v3_current", 0);
    assert_same_table(&a, &b, "production view");
    table_free(&a);
    table_free(&b);
    tiergate_view(&a, data, TG_VIEW_SGA, 0);
    sqlite_view(&b, db, "SELECT * FROM sga_priority_leads_v3", 0);
    assert_same_table(&a, &b, "SGA view");
    table_free(&a);
    table_free(&b);
    tiergate_view(&a, data, TG_VIEW_SALESFORCE, 0);
    char *sf = sql_of(TG_EMIT_SALESFORCE_SYNC);
    sqlite_view(&b, db, sf, 0);
    free(sf);
    /* Both list tiers in priority order. */
    for (int i = 1; i < b.nrows; i++)
        assert_true(atoi(b.rows[i - 1].f[5]) <= atoi(b.rows[i].f[5]));
    for (int i = 1; i < a.nrows; i++)
        assert_true(atoi(a.rows[i - 1].f[5]) <= atoi(a.rows[i].f[5]));
    assert_same_table(&a, &b, "Salesforce sync");
    table_free(&a);
    table_free(&b);
    sqlite_view(&a, db, "SELECT name, name FROM sqlite_master WHERE name IN "
                        "('important', 'z')", 0);
    assert_int_equal(a.nrows, 2);
    table_free(&a);
    sqlite3_close(db);
}

static void test_sql_views_boundary_fixture(void **state)
{
    (void)state;
    check_views(tt_src("tests/fixtures/boundary.csv"));
}

static void test_sql_views_synthetic_sample(void **state)
{
    (void)state;
    const char *p = tt_path("sample.csv");
    FILE *f = fopen(p, "wb");
    tg_synth_options o = {20000, 3};
    assert_tg_ok(tg_synth_write(f, &o, NULL));
    fclose(f);
    check_views(p);
}

/* The summary query's counts per (split, tier) equal the tally's. */
static void check_summary(void)
{
    const char *data = tt_src("tests/fixtures/boundary.csv");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_load_table(db, data, "lead_scoring_features_pit");
    char *sql = sql_of(TG_EMIT_SUMMARY);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    free(sql);
    tg_rules *r = tt_rules(rules_path);
    tg_tally t;
    tt_scan(&t, r, &data, 1, 1);
    uint64_t total = 0;
    int first[TG_NSPLITS] = {0}, last[TG_NSPLITS] = {0};
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        int split = !s ? TG_SPLIT_OTHER
                  : strcmp(s, "TRAIN") == 0 ? TG_SPLIT_TRAIN
                  : strcmp(s, "TEST") == 0  ? TG_SPLIT_TEST
                                            : TG_SPLIT_OTHER;
        int k = tg_rules_tier_index(r, (const char *)sqlite3_column_text(st, 1));
        tg_count c = tg_tally_cell(&t, split, k);
        assert_int_equal(c.leads, sqlite3_column_int64(st, 2));
        assert_int_equal(c.labeled, sqlite3_column_int64(st, 3));
        assert_int_equal(c.conversions, sqlite3_column_int64(st, 4));
        total += c.leads;
        const char *d0 = (const char *)sqlite3_column_text(st, 5);
        const char *d1 = (const char *)sqlite3_column_text(st, 6);
        int a = tg_parse_date(d0, strlen(d0)), b = tg_parse_date(d1, strlen(d1));
        if (!first[split] || a < first[split])
            first[split] = a;
        if (b > last[split])
            last[split] = b;
    }
    sqlite3_finalize(st);
    assert_int_equal(total, 13230);
    for (int s = 0; s < TG_NSPLITS; s++) {
        assert_int_equal(first[s], t.first_date[s]);
        assert_int_equal(last[s], t.last_date[s]);
    }
    tg_tally_release(&t);
    tg_rules_free(r);
    sqlite3_close(db);
}

static void test_sql_summary_equals_tally(void **state)
{
    (void)state;
    check_summary();
}

/*
 * A rule set whose every free text tries to get out of its SQL comment
 * or literal (a newline and WHEN 1=1, quotes, backslashes, backticks,
 * end-of-comment, control characters): the SQLite dialect still gives
 * every lead the tier and the texts tiergate gives it, the summary still
 * counts what the tally counts, and the tables the text names survive.
 */
static void test_sql_hostile_text_stays_text(void **state)
{
    (void)state;
    rules_path = "tests/fixtures/hostile/hostile_rules.json";
    check_views(tt_src("tests/fixtures/boundary.csv"));
    check_views(tt_src("tests/fixtures/synthetic_sample.csv"));
    check_summary();
    rules_path = "registry/tiers/v3.2.json";
}

/* Names that become SQL identifiers: a bad one is exit 2 naming its key. */
static void test_sql_bad_identifiers_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *args, *key;
    } cases[] = {
        {"--project 'p`; DROP TABLE z; --'", "--project"},
        {"--project savvy-gtm-analytics --dataset 'ml`.x'", "--dataset"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tt_run_result r = tt_run("sql --rules registry/tiers/v3.2.json %s",
                                 cases[i].args);
        assert_int_equal(r.status, 2);
        assert_string_equal(r.out, "");
        assert_non_null(strstr(r.err, cases[i].key));
        tt_run_free(&r);
    }
    /* From the rule set's "tables", in every dialect. */
    char *text = tt_read(tt_src("registry/tiers/v3.2.json"), NULL);
    static const struct {
        const char *from, *to, *key;
        int bigquery_only;
    } edits[] = {
        {"\"savvy-gtm-analytics\"", "\"p`; DROP TABLE z; --\"",
         "tables.project", 1},
        {"\"ml_features\"", "\"ml features\"", "tables.dataset", 1},
        {"\"lead_scores_v3\"", "\"x; DROP TABLE z\"", "tables.scores", 0},
        {"\"lead_scoring_features_pit\"", "\"select\"", "tables.features", 0},
        {"num_prior_firms", "current_user", "features[4].name", 0},
    };
    static const char *dialects[] = {"bigquery", "sqlite", "duckdb", "postgres"};
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        /* Every occurrence, so a renamed feature is renamed in the
         * conditions too and only the SQL check can object. */
        size_t fl = strlen(edits[i].from), tl = strlen(edits[i].to), n = 0;
        for (const char *q = text; (q = strstr(q, edits[i].from)); q += fl)
            n++;
        assert_true(n > 0);
        char *bad = malloc(strlen(text) + n * tl + 1), *w = bad;
        const char *q = text, *at;
        while ((at = strstr(q, edits[i].from))) {
            memcpy(w, q, (size_t)(at - q));
            w += at - q;
            memcpy(w, edits[i].to, tl);
            w += tl;
            q = at + fl;
        }
        strcpy(w, q);
        const char *p = tt_write("bad_ident.json", bad);
        free(bad);
        for (int d = 0; d < 4; d++) {
            tt_run_result r = tt_run("sql --rules '%s' --dialect %s", p,
                                     dialects[d]);
            int want = edits[i].bigquery_only && d > 0 ? 0 : 2;
            if (r.status != want)
                fail_msg("%s in %s: exit %d, not %d\n%s", edits[i].key,
                         dialects[d], r.status, want, r.err);
            if (want == 2) {
                assert_non_null(strstr(r.err, edits[i].key));
                assert_string_equal(r.out, "");
            }
            tt_run_free(&r);
        }
    }
    free(text);
}

/* `tiergate calibrate` agrees with phase_9_tier_calibration.sql. */
static void test_sql_calibration_equals_calibrate(void **state)
{
    (void)state;
    const char *p = tt_path("calib.csv");
    FILE *f = fopen(p, "wb");
    tg_synth_options so = {30000, 8};
    assert_tg_ok(tg_synth_write(f, &so, NULL));
    fclose(f);
    sqlite3 *db = scored_db(p);
    char *sql = sql_of(TG_EMIT_CALIBRATION);
    tt_sqlite_exec(db, sql);
    free(sql);
    tt_run_result r = tt_run("calibrate --rules registry/tiers/v3.2.json "
                             "--data '%s' --at 2025-12-22T00:00:00Z", p);
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    tt_run_free(&r);
    assert_non_null(j);
    assert_int_equal(strlen(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"),
                                                "sha256")->valuestring), 64);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT score_tier, "
                                            "training_volume, conversions, "
                                            "calibrated_conversion_rate, "
                                            "calibrated_lift FROM "
                                            "tier_calibration_v3", -1, &st,
                                        NULL), SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *tier = (const char *)sqlite3_column_text(st, 0);
        const cJSON *t = NULL, *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(j, "tiers"))
            if (!strcmp(cJSON_GetObjectItem(x, "score_tier")->valuestring, tier))
                t = x;
        assert_non_null(t);
        assert_true(cJSON_GetObjectItem(t, "training_volume")->valuedouble ==
                    sqlite3_column_double(st, 1));
        assert_true(cJSON_GetObjectItem(t, "conversions")->valuedouble ==
                    sqlite3_column_double(st, 2));
        assert_true(fabs(cJSON_GetObjectItem(t, "calibrated_conversion_rate")
                             ->valuedouble - sqlite3_column_double(st, 3)) < 1e-12);
        assert_true(fabs(cJSON_GetObjectItem(t, "calibrated_lift")->valuedouble -
                         sqlite3_column_double(st, 4)) < 1e-12);
        rows++;
    }
    sqlite3_finalize(st);
    assert_int_equal(rows, 8);
    cJSON_Delete(j);
    sqlite3_close(db);
}

static void test_sql_conditions_keep_precedence(void **state)
{
    (void)state;
    /* OR inside AND, NOT, IN, arithmetic and division print with the
     * parentheses their meaning needs, and SQLite agrees row by row. */
    const char *json =
        "{\"model_id\": \"m\", \"model_version\": \"v\", \"features\": "
        "[\"a\", \"b\", {\"name\": \"w\", \"type\": \"boolean\"}], \"tiers\": ["
        "{\"name\": \"T1\", \"when\": \"(a = 1 OR b = 1) AND NOT (a - b) * 2 "
        "> 3 AND w = 0\"},"
        "{\"name\": \"T2\", \"when\": \"a / b BETWEEN 0.5 AND 2 OR b NOT IN "
        "(1, 2, NULL)\"},"
        "{\"name\": \"T3\", \"when\": \"-a + b * 3 >= 4 AND a IS NOT NULL\"}],"
        " \"default_tier\": {\"name\": \"D\"}}";
    tg_rules *r = NULL;
    assert_tg_ok(tg_rules_parse(&r, json, strlen(json), "m.json", NULL));
    tg_sql_options o = {TG_DIALECT_SQLITE, NULL, NULL, NULL, NULL, NULL, 0};
    char *sql = NULL;
    assert_tg_ok(tg_sql_generate(&sql, r, TG_EMIT_SCORING, &o, NULL));
    assert_non_null(strstr(sql, "(a = 1 OR b = 1)"));
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_exec(db, "CREATE TABLE lead_scoring_features_pit (id, a, b, w)");
    double vals[] = {NAN, -1, 0, 1, 2, 3, 4};
    int id = 0;
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO lead_scoring_features_pit VALUES "
                           "(?,?,?,?)", -1, &ins, NULL);
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++)
            for (int k = 0; k < 3; k++) {
                double row[3] = {vals[i], vals[j], k == 2 ? NAN : k};
                sqlite3_bind_int(ins, 1, id++);
                for (int c = 0; c < 3; c++)
                    if (isnan(row[c]))
                        sqlite3_bind_null(ins, c + 2);
                    else
                        sqlite3_bind_double(ins, c + 2, row[c]);
                sqlite3_step(ins);
                sqlite3_reset(ins);
            }
    sqlite3_finalize(ins);
    tt_sqlite_exec(db, sql);
    free(sql);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT a, b, w, score_tier FROM lead_scores_v3",
                       -1, &st, NULL);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        double v[3];
        for (int c = 0; c < 3; c++)
            v[c] = sqlite3_column_type(st, c) == SQLITE_NULL
                       ? NAN : sqlite3_column_double(st, c);
        const char *tier = (const char *)sqlite3_column_text(st, 3);
        const char *mine = r->tiers[tg_rules_assign(r, v)].name;
        if (strcmp(tier, mine) != 0)
            fail_msg("a=%g b=%g w=%g: SQLite %s, tiergate %s", v[0], v[1],
                     v[2], tier, mine);
        n++;
    }
    sqlite3_finalize(st);
    assert_int_equal(n, 147);
    sqlite3_close(db);
    tg_rules_free(r);
}

static void test_sql_check_on_repository(void **state)
{
    (void)state;
    tt_run_result r = tt_run("sql --rules registry/tiers/v3.2.json --check");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "8 files in sql match"));
    tt_run_free(&r);
    /* A stale copy is caught and named. */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp -r '%s/sql' '%s/sqlcopy' && echo '-- edited' "
             ">> '%s/sqlcopy/phase_7_sga_dashboard.sql'", TG_SOURCE_DIR,
             tt_tmpdir(), tt_tmpdir());
    assert_int_equal(system(cmd), 0);
    r = tt_run("sql --rules registry/tiers/v3.2.json --out-dir '%s' --check",
               tt_path("sqlcopy"));
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "phase_7_sga_dashboard.sql: differs"));
    assert_null(strstr(r.out, "phase_4_v3_tiered_scoring.sql"));
    tt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_views_boundary_fixture),
        cmocka_unit_test(test_sql_views_synthetic_sample),
        cmocka_unit_test(test_sql_summary_equals_tally),
        cmocka_unit_test(test_sql_calibration_equals_calibrate),
        cmocka_unit_test(test_sql_conditions_keep_precedence),
        cmocka_unit_test(test_sql_check_on_repository),
        cmocka_unit_test(test_sql_hostile_text_stays_text),
        cmocka_unit_test(test_sql_bad_identifiers_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
