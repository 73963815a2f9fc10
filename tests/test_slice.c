/*
 * Slices and the warehouse's own names.
 *
 * - slice keys: values, bins (edges exact), months (dates and
 *   timestamps), NULL, booleans, bad values and bad expressions;
 * - the one-pass sliced scan against SQLite: per slice value, the counts
 *   of the brief's V3.2 CASE run verbatim with hand-written slice
 *   expressions (not the generated SQL);
 * - the cap on distinct values;
 * - per-slice gates in both directions (a slice that passes, one that
 *   fails while the whole passes, one inconclusive, one too small);
 * - on SQLite, a table whose features carry aliases: the schema-check
 *   SQL finds them, the alias-aware scoring SQL gives every lead
 *   tiergate's tier, and the sliced summary gives the same slice tallies
 *   and the same per-slice gates as the rows.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_util.h"
#include "testutil.h"

static const char *V32 = "registry/tiers/v3.2.json";

/* A copy of a path that outlives tt_path's ring of buffers (no heap:
 * the sanitizer build checks for leaks). */
static const char *keep(const char *path)
{
    static char pool[64][1024];
    static int next;
    char *p = pool[next++ % 64];
    snprintf(p, sizeof pool[0], "%s", path);
    return p;
}

/* tt_write, with a copy of the path that outlives tt_path's ring. */
static const char *tt_strdup_write(const char *name, const char *text)
{
    return keep(tt_write(name, text));
}

static void spec(tg_slice_spec *s, const char *expr, const tg_rules *r)
{
    tg_error err;
    assert_tg_ok(tg_slice_parse(s, expr, r, &err));
}

static const char *key(const tg_slice_spec *s, const char *v)
{
    static char buf[TG_SLICE_MAX_KEY + 1];
    int rc = tg_slice_key(s, v, strlen(v), buf);
    return rc > 0 ? buf : rc == 0 ? "(null)" : "(bad)";
}

static void test_slice_keys(void **state)
{
    (void)state;
    tg_rules *r = tt_rules(V32);
    tg_slice_spec s;
    spec(&s, "firm_rep_count_at_contact:0,10,50,200", r);
    assert_int_equal(s.kind, TG_SLICE_BINS);
    assert_int_equal(s.nedges, 4);
    assert_string_equal(key(&s, "-1"), "< 0");
    assert_string_equal(key(&s, "0"), "[0, 10)");
    assert_string_equal(key(&s, "9.999"), "[0, 10)");
    assert_string_equal(key(&s, "10"), "[10, 50)"); /* an edge opens its bin */
    assert_string_equal(key(&s, "199"), "[50, 200)");
    assert_string_equal(key(&s, "200"), ">= 200");
    assert_string_equal(key(&s, ""), "(null)");
    assert_string_equal(key(&s, "  "), "(null)");
    assert_string_equal(key(&s, "ten"), "(bad)");
    tg_slice_spec_release(&s);

    spec(&s, "contacted_date:month", r);
    assert_string_equal(key(&s, "2024-02-29"), "2024-02");
    assert_string_equal(key(&s, "2025-12-31T23:59:59Z"), "2025-12");
    assert_string_equal(key(&s, "2025-13-01"), "(bad)");
    assert_string_equal(key(&s, ""), "(null)");
    tg_slice_spec_release(&s);

    /* A boolean feature: true/1 and false/0 are one key each. */
    spec(&s, "is_wirehouse", r);
    assert_true(s.is_boolean);
    assert_string_equal(key(&s, "TRUE"), "true");
    assert_string_equal(key(&s, "1"), "true");
    assert_string_equal(key(&s, "false"), "false");
    assert_string_equal(key(&s, "2"), "(bad)");
    tg_slice_spec_release(&s);

    spec(&s, "lead_source", r);
    assert_int_equal(s.feature, -1);
    assert_string_equal(key(&s, "Referral, inbound"), "Referral, inbound");
    assert_string_equal(key(&s, "a\033[31mb"), "(bad)"); /* no control bytes */
    tg_slice_spec_release(&s);

    /* An alias names the feature. */
    spec(&s, "pit_firm_rep_count:10", r);
    assert_int_equal(s.feature, tg_rules_feature_index(r, "firm_rep_count_at_contact",
                                                       25));
    tg_slice_spec_release(&s);

    static const char *bad[] = {"a;b", "x:10,5", "x:", "x:abc", "1x",
                                "x:1,,2", "is_wirehouse:month", "",
                                "x y", "x:nan"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tg_error err;
        tg_error_clear(&err);
        if (tg_slice_parse(&s, bad[i], r, &err) != TG_EINVAL)
            fail_msg("'%s' parsed", bad[i]);
    }
    tg_rules_free(r);
}

/* ---- the sliced scan against SQLite ------------------------------------ */

static const char *synth_file(const char *name, long rows)
{
    const char *p = tt_path(name);
    FILE *f = fopen(p, "wb");
    tg_synth_options o = {rows, 11};
    assert_tg_ok(tg_synth_write(f, &o, NULL));
    fclose(f);
    return p;
}

/* Every (split, tier) of slice value v of sl against SQLite's counts. */
static void compare_slices(sqlite3 *db, const tg_rules *r, const tg_slicing *sl,
                           const char *slice_sql, const tg_tally *overall)
{
    char *q = NULL;
    assert_true(asprintf(&q,
                         "SELECT CASE WHEN split IN ('TRAIN','TEST') THEN split "
                         "ELSE 'OTHER' END AS s, %s AS tier, %s AS v, COUNT(*), "
                         "COUNT(target), TOTAL(target) FROM leads "
                         "GROUP BY s, tier, v",
                         TT_BRIEF_V32_CASE, slice_sql) > 0);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    uint64_t seen = 0;
    int groups = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *sp = (const char *)sqlite3_column_text(st, 0);
        int split = tg_split_parse(sp);
        if (split == -2)
            split = TG_SPLIT_OTHER;
        int tier = tg_rules_tier_index(r, (const char *)sqlite3_column_text(st, 1));
        const char *v = (const char *)sqlite3_column_text(st, 2);
        const tg_tally *t = NULL;
        for (int i = 0; i < sl->nvalues; i++)
            if (v ? sl->values[i].value && !strcmp(v, sl->values[i].value)
                  : !sl->values[i].value)
                t = &sl->values[i].tally;
        if (!t)
            fail_msg("%s: SQLite has slice value '%s', tiergate does not",
                     sl->spec.expr, v ? v : "NULL");
        tg_count c = t->cells[split * t->ntiers + tier];
        assert_int_equal(c.leads, sqlite3_column_int64(st, 3));
        assert_int_equal(c.labeled, sqlite3_column_int64(st, 4));
        assert_int_equal(c.conversions, (uint64_t)sqlite3_column_double(st, 5));
        seen += c.leads;
        groups++;
    }
    sqlite3_finalize(st);
    free(q);
    /* Every row is in exactly one slice value. */
    assert_int_equal(seen, overall->rows);
    uint64_t sum = 0;
    for (int i = 0; i < sl->nvalues; i++)
        sum += tg_tally_total(&sl->values[i].tally, TG_SPLIT_ALL).leads;
    assert_int_equal(sum, overall->rows);
    assert_true(groups > sl->nvalues);
}

static void test_sliced_scan_equals_sqlite(void **state)
{
    (void)state;
    const char *data = synth_file("sample.csv", 20000);
    tg_rules *r = tt_rules(V32);
    static const char *exprs[] = {"is_wirehouse",
                                  "firm_rep_count_at_contact:0,10,50,200",
                                  "contacted_date:month"};
    static const char *oracle[] = {
        "CASE is_wirehouse WHEN 1 THEN 'true' WHEN 0 THEN 'false' END",
        "CASE WHEN firm_rep_count_at_contact IS NULL THEN NULL "
        "WHEN firm_rep_count_at_contact < 0 THEN '< 0' "
        "WHEN firm_rep_count_at_contact < 10 THEN '[0, 10)' "
        "WHEN firm_rep_count_at_contact < 50 THEN '[10, 50)' "
        "WHEN firm_rep_count_at_contact < 200 THEN '[50, 200)' "
        "ELSE '>= 200' END",
        "substr(contacted_date, 1, 7)"};
    tg_slicing sl[3];
    for (int k = 0; k < 3; k++) {
        tg_slice_spec s;
        spec(&s, exprs[k], r);
        tg_slicing_init(&sl[k], &s);
    }
    tg_tally t, fast;
    tg_error err, skip;
    tg_error_clear(&err);
    assert_tg_ok(tg_tally_init(&t, r, &err));
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = &data;
    o.npaths = 1;
    assert_tg_ok(tg_scan_sliced(&t, sl, 3, r, &o, &skip, &err));
    /* The overall tally is the fast path's. */
    tt_scan(&fast, r, &data, 1, 2);
    assert_int_equal(t.rows, fast.rows);
    assert_memory_equal(t.cells, fast.cells,
                        sizeof *t.cells * (size_t)(TG_NSPLITS * t.ntiers));
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_load(db, data);
    for (int k = 0; k < 3; k++)
        compare_slices(db, r, &sl[k], oracle[k], &t);
    /* The synthetic export has NULL features: the NULL slice exists and
     * sorts last; months cover the whole period in order. */
    assert_null(sl[0].values[sl[0].nvalues - 1].value);
    assert_string_equal(sl[0].values[0].value, "false");
    assert_string_equal(sl[1].values[0].value, "[0, 10)");
    assert_true(sl[2].nvalues >= 22);
    for (int i = 1; i < sl[2].nvalues; i++)
        assert_true(strcmp(sl[2].values[i - 1].value, sl[2].values[i].value) < 0);
    sqlite3_close(db);
    for (int k = 0; k < 3; k++)
        tg_slicing_release(&sl[k]);
    tg_tally_release(&t);
    tg_tally_release(&fast);
    tg_rules_free(r);
}

/* Shards: 1 to 4 threads give the one-file scan's slices, and the error
 * and first skipped row of the first bad file. */
static void test_sliced_shards(void **state)
{
    (void)state;
    const char *whole = keep(synth_file("whole.csv", 9000));
    size_t len;
    char *text = tt_read(whole, &len);
    char *body = strchr(text, '\n') + 1;
    const char *paths[3];
    char *cut = body;
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "shard%d.csv", i);
        /* Every third of the rows, each shard with the header. */
        char *end = cut;
        for (int k = 0; k < 3000 && *end; k++)
            end = strchr(end, '\n') + 1;
        FILE *f = fopen(tt_path(name), "wb");
        fwrite(text, 1, (size_t)(body - text), f);
        fwrite(cut, 1, (size_t)(end - cut), f);
        fclose(f);
        paths[i] = keep(tt_path(name));
        cut = end;
    }
    tg_rules *r = tt_rules(V32);
    static const char *exprs[] = {"is_wirehouse", "contacted_date:month",
                                  "firm_rep_count_at_contact:0,10,50,200"};
    tg_tally ref;
    tg_slicing refsl[3];
    for (int threads = 0; threads <= 4; threads++) {
        tg_tally t;
        tg_slicing sl[3];
        tg_error err, skip;
        tg_error_clear(&err);
        for (int k = 0; k < 3; k++) {
            tg_slice_spec sp;
            spec(&sp, exprs[k], r);
            tg_slicing_init(threads ? &sl[k] : &refsl[k], &sp);
        }
        assert_tg_ok(tg_tally_init(threads ? &t : &ref, r, &err));
        tg_scan_options o = TG_SCAN_OPTIONS_INIT;
        o.paths = threads ? paths : &whole;
        o.npaths = threads ? 3 : 1;
        o.threads = threads;
        assert_tg_ok(tg_scan_sliced(threads ? &t : &ref, threads ? sl : refsl,
                                    3, r, &o, &skip, &err));
        if (!threads)
            continue;
        assert_int_equal(t.rows, ref.rows);
        assert_memory_equal(t.cells, ref.cells,
                            sizeof *t.cells * (size_t)(TG_NSPLITS * t.ntiers));
        for (int k = 0; k < 3; k++) {
            assert_int_equal(sl[k].nvalues, refsl[k].nvalues);
            for (int v = 0; v < sl[k].nvalues; v++) {
                const char *a = sl[k].values[v].value, *b = refsl[k].values[v].value;
                assert_true((!a && !b) || (a && b && !strcmp(a, b)));
                assert_memory_equal(sl[k].values[v].tally.cells,
                                    refsl[k].values[v].tally.cells,
                                    sizeof *t.cells *
                                        (size_t)(TG_NSPLITS * t.ntiers));
                assert_memory_equal(sl[k].values[v].tally.first_date,
                                    refsl[k].values[v].tally.first_date,
                                    sizeof t.first_date);
            }
            tg_slicing_release(&sl[k]);
        }
        tg_tally_release(&t);
    }
    for (int k = 0; k < 3; k++)
        tg_slicing_release(&refsl[k]);
    tg_tally_release(&ref);
    /* Bad values in shards 1 and 2: the error named is shard 1's. */
    for (int i = 1; i < 3; i++) {
        FILE *f = fopen(paths[i], "ab");
        fprintf(f, "X,1,2024-03-01,1,1,1,1,1,maybe,0,TRAIN\n");
        fclose(f);
    }
    for (int threads = 1; threads <= 3; threads++) {
        tt_run_result rr = tt_run("preview --rules %s --data '%s' --data '%s' "
                                  "--data '%s' --slice is_wirehouse --threads %d",
                                  V32, paths[0], paths[1], paths[2], threads);
        assert_int_equal(rr.status, 2);
        assert_non_null(strstr(rr.err, "shard1.csv:3002"));
        tt_run_free(&rr);
    }
    free(text);
    tg_rules_free(r);
}

/* ---- a small rule set and crafted segments ----------------------------- */

static const char *RULES =
    "{\"model_id\": \"m\", \"model_version\": \"v1\", \"features\": [\"x\"],"
    " \"tiers\": ["
    "  {\"name\": \"TIER_1A\", \"when\": \"x = 1\", \"priority_rank\": 1,"
    "   \"expected_conversion_rate\": 0.20}],"
    " \"default_tier\": {\"name\": \"STANDARD\", \"priority_rank\": 99,"
    "   \"expected_conversion_rate\": 0.04}}";

/* n rows of segment seg, tier 1A (x = 1) or STANDARD, conv of them
 * converting, all TRAIN. */
static void rows(FILE *f, const char *seg, int x, int n, int conv)
{
    for (int i = 0; i < n; i++)
        fprintf(f, "%d,%s,%d,TRAIN\n", x, seg, i < conv);
}

static void test_slice_value_cap(void **state)
{
    (void)state;
    const char *p = tt_path("many.csv");
    FILE *f = fopen(p, "w");
    fprintf(f, "x,segment,target,split\n");
    for (int i = 0; i <= TG_SLICE_MAX_VALUES; i++)
        fprintf(f, "1,s%d,0,TRAIN\n", i);
    fclose(f);
    tt_run_result r = tt_run("preview --rules '%s' --data '%s' --slice segment",
                             tt_write("r.json", RULES), p);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "more than 200 distinct values"));
    assert_non_null(strstr(r.err, "many.csv:202"));
    tt_run_free(&r);
}

static const char *segments_csv(void)
{
    const char *p = tt_path("segments.csv");
    FILE *f = fopen(p, "w");
    fprintf(f, "x,segment,target,split\n");
    rows(f, "good", 1, 500, 150);  /* 30%: the interval is above 15% */
    rows(f, "good", 0, 3000, 120);
    rows(f, "bad", 1, 500, 25);    /* 5%: wholly below 15% */
    rows(f, "bad", 0, 3000, 120);
    rows(f, "thin", 1, 100, 15);   /* 15% of 100: straddles */
    rows(f, "thin", 0, 1000, 40);
    rows(f, "tiny", 1, 40, 0);     /* 40 labeled: below min_slice_size */
    rows(f, "", 1, 200, 60);       /* the NULL slice, 30% */
    rows(f, "", 0, 1000, 40);
    fclose(f);
    return p;
}

static void test_per_slice_gates(void **state)
{
    (void)state;
    const char *rules = keep(tt_write("r.json", RULES));
    const char *data = keep(segments_csv());
    const char *pol = tt_strdup_write(
        "p.json",
        "{\"policy_id\": \"p\", \"gates\": ["
        " {\"id\": \"rate\", \"description\": \"Tier 1A >= 15%\","
        "  \"check\": \"conversion_rate\", \"tiers\": [\"TIER_1A\"],"
        "  \"min\": 0.15, \"severity\": \"block\", \"per_slice\": true,"
        "  \"min_slice_size\": 100},"
        " {\"id\": \"whole\", \"description\": \"Tier 1A >= 10% overall\","
        "  \"check\": \"conversion_rate\", \"tiers\": [\"TIER_1A\"],"
        "  \"min\": 0.10, \"severity\": \"block\"}]}");
    /* Without --slice: the whole passes (365 of 1,340 = 27%). */
    tt_run_result r = tt_run("gate --rules '%s' --policy '%s' --data '%s'",
                             rules, pol, data);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    /* With it: 'bad' fails, 'thin' is inconclusive, 'good' and NULL pass,
     * 'tiny' is too small to judge; the release fails and names them. */
    r = tt_run("gate --rules '%s' --policy '%s' --data '%s' --slice segment "
               "--format json",
               rules, pol, data);
    assert_int_equal(r.status, 1);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "status")),
                        "FAILED");
    int found = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gates"))
    {
        const char *sl = cJSON_GetStringValue(cJSON_GetObjectItem(g, "slice"));
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(g, "status"));
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(g, "id"));
        if (!sl) {
            assert_string_equal(st, "pass");
            continue;
        }
        assert_string_equal(id, "rate"); /* only the per-slice gate */
        found++;
        if (!strcmp(sl, "segment = bad"))
            assert_string_equal(st, "fail");
        else if (!strcmp(sl, "segment = thin"))
            assert_string_equal(st, "inconclusive");
        else if (!strcmp(sl, "segment = good") || !strcmp(sl, "segment = NULL"))
            assert_string_equal(st, "pass");
        else
            fail_msg("slice '%s' judged", sl);
    }
    assert_int_equal(found, 4);
    /* The tiny slice is shown, with no outcome. */
    const cJSON *vals = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(j, "slices"), 0), "values");
    int tiny = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, vals)
    if (cJSON_IsString(cJSON_GetObjectItem(v, "value")) &&
        !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(v, "value")), "tiny")) {
        tiny = 1;
        assert_int_equal(cJSON_GetObjectItem(v, "outcomes_judged")->valueint, 0);
        assert_int_equal(cJSON_GetObjectItem(v, "leads")->valueint, 40);
    }
    assert_true(tiny);
    cJSON_Delete(j);
    tt_run_free(&r);
    /* Text names the slices that did not pass. */
    r = tt_run("gate --rules '%s' --policy '%s' --data '%s' --slice segment",
               rules, pol, data);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "slices not passing: segment = bad (fail), "
                                  "segment = thin (inconclusive)"));
    tt_run_free(&r);
    /* The other direction: a threshold every judged slice meets. */
    const char *pol2 = tt_strdup_write(
        "p2.json",
        "{\"policy_id\": \"p2\", \"gates\": ["
        " {\"id\": \"rate\", \"description\": \"Tier 1A >= 1%\","
        "  \"check\": \"conversion_rate\", \"tiers\": [\"TIER_1A\"],"
        "  \"min\": 0.01, \"severity\": \"block\", \"per_slice\": true,"
        "  \"min_slice_size\": 101}]}");
    r = tt_run("gate --rules '%s' --policy '%s' --data '%s' --slice segment "
               "--format json",
               rules, pol2, data);
    assert_int_equal(r.status, 0);
    j = cJSON_Parse(r.out);
    /* min_slice_size 101 leaves out 'thin' (100 labeled in TRAIN... plus
     * its 1,000 STANDARD rows: 1,100, so it is judged) and 'tiny'. */
    int judged = 0;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gates"))
    if (cJSON_GetObjectItem(g, "slice")) {
        judged++;
        assert_string_equal(
            cJSON_GetStringValue(cJSON_GetObjectItem(g, "status")), "pass");
    }
    assert_int_equal(judged, 4);
    cJSON_Delete(j);
    tt_run_free(&r);
    /* plan --slice: the per-slice gates' reliability in every slice they
     * judge, none for the slice too small for them. */
    r = tt_run("plan --rules '%s' --policy '%s' --data '%s' --slice segment "
               "--draws 1000 --format json",
               rules, pol, data);
    assert_int_equal(r.status, 0);
    j = cJSON_Parse(r.out);
    assert_non_null(j);
    int planned = 0, unplanned = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(
                              cJSON_GetArrayItem(cJSON_GetObjectItem(j, "slices"), 0),
                              "values"))
    {
        const cJSON *rel = cJSON_GetObjectItem(v, "reliability");
        const char *val = cJSON_GetStringValue(cJSON_GetObjectItem(v, "value"));
        if (cJSON_IsNull(rel)) {
            unplanned++;
            assert_string_equal(val, "tiny");
        } else {
            assert_true(cJSON_IsObject(rel));
            planned++;
        }
    }
    assert_int_equal(planned, 4);
    assert_int_equal(unplanned, 1);
    cJSON_Delete(j);
    tt_run_free(&r);
    /* Policy errors name the gate and the key. */
    const char *bad = tt_strdup_write(
        "p3.json",
        "{\"policy_id\": \"p3\", \"gates\": [{\"id\": \"g\", \"description\": "
        "\"d\", \"check\": \"conversion_rate\", \"tiers\": [\"TIER_1A\"], "
        "\"min\": 0.1, \"severity\": \"block\", \"per_slice\": \"yes\"}]}");
    r = tt_run("gate --rules '%s' --policy '%s' --data '%s'", rules, bad, data);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "per_slice"));
    tt_run_free(&r);
}

/* Count of needle in hay. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/*
 * Slice values come from the data: markup, pipes, quotes and ampersands
 * reach every writer escaped, control bytes are refused at their line,
 * and the report draws one panel per value.
 */
static void test_slice_values_are_text(void **state)
{
    (void)state;
    const char *rules = keep(tt_write("r.json", RULES));
    const char *p = tt_path("hostile_segments.csv");
    FILE *f = fopen(p, "w");
    fprintf(f, "x,segment,target,split\n");
    rows(f, "\"<script>alert(1)</script>\"", 1, 200, 60);
    rows(f, "\"a|b & c\"\"d\"", 1, 200, 10);
    rows(f, "plain", 1, 200, 60);
    rows(f, "plain", 0, 500, 20);
    fclose(f);
    const char *data = keep(p);
    const char *pol = tt_strdup_write(
        "hp.json",
        "{\"policy_id\": \"hp\", \"gates\": ["
        " {\"id\": \"rate\", \"description\": \"Tier 1A >= 15%\","
        "  \"check\": \"conversion_rate\", \"tiers\": [\"TIER_1A\"],"
        "  \"min\": 0.15, \"severity\": \"block\", \"per_slice\": true,"
        "  \"min_slice_size\": 100}]}");
    const char *html = keep(tt_path("h.html")), *md = keep(tt_path("h.md")),
               *junit = keep(tt_path("h.xml")), *js = keep(tt_path("h.json"));
    tt_run_result r = tt_run("gate --rules '%s' --policy '%s' --data '%s' "
                             "--slice segment --html '%s' --markdown '%s' "
                             "--junit '%s' --json '%s'",
                             rules, pol, data, html, md, junit, js);
    assert_int_equal(r.status, 1); /* 'a|b...' converts at 5% */
    assert_non_null(strstr(r.out, "segment = a|b & c\"d (fail)"));
    assert_null(strchr(r.out, '\033'));
    tt_run_free(&r);
    char *h = tt_read(html, NULL);
    assert_null(strstr(h, "<script>"));
    assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    /* One panel per value: three values, each with a title. */
    assert_int_equal(count_of(h, "class=\"chart\" id=\"slice-0-"), 3);
    assert_int_equal(count_of(h, "<title id=\"slice-0-"), 3);
    free(h);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s' '%s'", html, junit);
    assert_int_equal(system(cmd), 0);
    /* report reads the sliced result back (its schema check included). */
    r = tt_run("report --from '%s' --slice segment -o '%s'", js, html);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    h = tt_read(html, NULL);
    assert_int_equal(count_of(h, "class=\"chart\" id=\"slice-0-"), 3);
    free(h);
    r = tt_run("report --from '%s' --format markdown", js);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\\[segment = plain\\]"));
    tt_run_free(&r);
    /* A tampered slice table is refused. */
    char *doc = tt_read(js, NULL);
    char *at = strstr(doc, "\"slices\"");
    assert_non_null(at);
    at = strstr(at, "\"leads\":");
    assert_non_null(at);
    memcpy(at, "\"leadz\"", 7);
    const char *bad = tt_write("tampered.json", doc);
    free(doc);
    r = tt_run("report --from '%s'", bad);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "slices[0].values[0].leads"));
    tt_run_free(&r);
    /* Markdown: every row of the gates table keeps its 7 cells (3 rows). */
    char *m = tt_read(md, NULL);
    for (char *line = strtok(m, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "| rate |", 8) != 0 || !strstr(line, "Tier 1A >= 15%"))
            continue;
        int cells = 0;
        for (char *c = line; *c; c++)
            cells += *c == '|' && (c == line || c[-1] != '\\');
        assert_int_equal(cells, 8);
    }
    free(m);
    /* A control byte in a value stops the run at its line and column. */
    f = fopen(p, "a");
    fprintf(f, "1,bad\033[31m,0,TRAIN\n");
    fclose(f);
    r = tt_run("preview --rules '%s' --data '%s' --slice segment", rules, data);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "hostile_segments.csv:1102:3"));
    assert_non_null(strstr(r.err, "control bytes"));
    tt_run_free(&r);
}

/* check-schema --columns on a header gives the verdict of --data. */
static void test_columns_same_verdict(void **state)
{
    (void)state;
    const char *data = tt_src("tests/fixtures/aliases.csv");
    tt_run_result a = tt_run("check-schema --rules %s --data '%s' --format json",
                             V32, data);
    tt_run_result b = tt_run("check-schema --rules %s --columns '%s' --format "
                             "json",
                             V32, data);
    assert_int_equal(a.status, b.status);
    cJSON *ja = cJSON_Parse(a.out), *jb = cJSON_Parse(b.out);
    const cJSON *fa = cJSON_GetObjectItem(ja, "features");
    const cJSON *fb = cJSON_GetObjectItem(jb, "features");
    assert_int_equal(cJSON_GetArraySize(fa), cJSON_GetArraySize(fb));
    for (int i = 0; i < cJSON_GetArraySize(fa); i++) {
        const cJSON *x = cJSON_GetArrayItem(fa, i), *y = cJSON_GetArrayItem(fb, i);
        const char *cx = cJSON_GetStringValue(cJSON_GetObjectItem(x, "column"));
        const char *cy = cJSON_GetStringValue(cJSON_GetObjectItem(y, "column"));
        assert_true((!cx && !cy) || (cx && cy && !strcmp(cx, cy)));
    }
    static const char *keys[] = {"status", "has_target", "has_split",
                                 "has_contacted_date"};
    for (size_t k = 0; k < 4; k++) {
        char *x = cJSON_PrintUnformatted(cJSON_GetObjectItem(ja, keys[k]));
        char *y = cJSON_PrintUnformatted(cJSON_GetObjectItem(jb, keys[k]));
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    cJSON_Delete(ja);
    cJSON_Delete(jb);
    tt_run_free(&a);
    tt_run_free(&b);
}

/* sql --check on files written in a table's own names: they match when
 * checked with the same names and are stale without them. */
static void test_sql_check_aliased(void **state)
{
    (void)state;
    const char *dir = keep(tt_path("aliased_sql"));
    char mk[1100];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
    assert_int_equal(system(mk), 0);
    const char *hdr = tt_strdup_write(
        "header.csv", "lead_id,current_firm_tenure_months,"
                      "industry_tenure_months,firm_net_change_12mo,"
                      "pit_firm_rep_count,prior_firm_count,is_wirehouse,target,"
                      "split,contacted_date\n");
    tt_run_result r = tt_run("sql --rules %s --columns '%s' --slice is_wirehouse "
                             "--out-dir '%s'",
                             V32, hdr, dir);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    char *scoring = tt_read(keep(tt_path("aliased_sql/phase_4_v3_tiered_scoring.sql")),
                            NULL);
    assert_non_null(strstr(scoring, "f.`pit_firm_rep_count` AS "
                                    "firm_rep_count_at_contact"));
    assert_non_null(strstr(scoring, "`prior_firm_count` >= 3"));
    free(scoring);
    r = tt_run("sql --rules %s --columns '%s' --slice is_wirehouse --out-dir "
               "'%s' --check",
               V32, hdr, dir);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    /* --alias saying the same writes the same SQL but another
     * regeneration command: stale, as is the plain generation. */
    r = tt_run("sql --rules %s --out-dir '%s' --check", V32, dir);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "phase_4_v3_tiered_scoring.sql: differs"));
    assert_non_null(strstr(r.out, "gate_summary.sql: differs"));
    tt_run_free(&r);
    /* A header without one of the features: exit 2, nothing written. */
    const char *bad = tt_strdup_write("bad_header.csv", "lead_id,target\n");
    r = tt_run("sql --rules %s --columns '%s' --out-dir '%s'", V32, bad,
               keep(tt_path("never")));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "missing column 'num_prior_firms'"));
    tt_run_free(&r);
    char *none = tt_read(keep(tt_path("never/phase_4_v3_tiered_scoring.sql")), NULL);
    assert_null(none);
    /* A column that is not a plain name is refused. */
    r = tt_run("sql --rules %s --alias 'num_prior_firms=x\"; DROP TABLE t; --'",
               V32);
    assert_int_equal(r.status, 2);
    tt_run_free(&r);
    r = tt_run("sql --rules %s --alias no_such_feature=x", V32);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "no feature 'no_such_feature'"));
    tt_run_free(&r);
}

/* ---- the warehouse's own names, on SQLite ------------------------------ */

/* A copy of the export whose header calls two features by aliases. */
static const char *aliased_copy(const char *data)
{
    size_t len;
    char *text = tt_read(data, &len);
    char *nl = strchr(text, '\n');
    char *hdr = strndup(text, (size_t)(nl - text));
    char *p;
    while ((p = strstr(hdr, "firm_rep_count_at_contact")) ||
           (p = strstr(hdr, "num_prior_firms"))) {
        const char *to = p[0] == 'f' ? "pit_firm_rep_count" : "prior_firm_count";
        size_t from = p[0] == 'f' ? 25 : 15;
        char *n = NULL;
        assert_true(asprintf(&n, "%.*s%s%s", (int)(p - hdr), hdr, to, p + from) > 0);
        free(hdr);
        hdr = n;
    }
    const char *out = tt_path("aliased.csv");
    FILE *f = fopen(out, "wb");
    fprintf(f, "%s%s", hdr, nl);
    fclose(f);
    free(hdr);
    free(text);
    return out;
}

static __attribute__((noinline)) char *gen_sql(const tg_rules *r, tg_emit e, const char *const *cols,
                     const tg_slice_spec *sl, int nsl)
{
    tg_sql_options o = {TG_DIALECT_SQLITE, NULL, NULL, NULL, cols, sl, nsl};
    char *text = NULL;
    assert_tg_ok(tg_sql_generate(&text, r, e, &o, NULL));
    return text;
}

/* A query's result as CSV (NULL as an empty field, text quoted). */
static const char *export_csv(sqlite3 *db, const char *sql, const char *name)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s", sqlite3_errmsg(db));
    const char *p = tt_path(name);
    FILE *f = fopen(p, "w");
    int n = sqlite3_column_count(st);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? "," : "", sqlite3_column_name(st, i));
    fputc('\n', f);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            if (i)
                fputc(',', f);
            if (sqlite3_column_type(st, i) == SQLITE_NULL)
                continue;
            fputc('"', f);
            for (const char *c = (const char *)sqlite3_column_text(st, i); *c; c++)
                fprintf(f, *c == '"' ? "\"\"" : "%c", *c);
            fputc('"', f);
        }
        fputc('\n', f);
    }
    sqlite3_finalize(st);
    fclose(f);
    return p;
}

static void test_sqlite_aliased_table(void **state)
{
    (void)state;
    /* tt_path's buffers are a ring: keep copies of the paths used late. */
    const char *data = keep(synth_file("sample2.csv", 20000));
    const char *aliased = keep(aliased_copy(data));
    tg_rules *r = tt_rules(V32);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_load_table(db, aliased, "lead_scoring_features_pit");

    /* Step 1 in the warehouse. */
    char *sc = gen_sql(r, TG_EMIT_SCHEMA_CHECK, NULL, NULL, 0);
    const char *colcsv = keep(export_csv(db, sc, "columns.csv"));
    free(sc);
    tg_columns cols;
    tg_error err;
    assert_tg_ok(tg_columns_load(&cols, colcsv, &err));
    tg_schema_report rep;
    assert_tg_ok(tg_schema_check_columns(&rep, r, &cols, colcsv, &err));
    assert_int_equal(rep.missing, 0);
    assert_true(rep.has_target && rep.has_split && rep.has_date);
    int frc = tg_rules_feature_index(r, "firm_rep_count_at_contact", 25);
    int npf = tg_rules_feature_index(r, "num_prior_firms", 15);
    assert_string_equal(rep.features[frc].column, "pit_firm_rep_count");
    assert_string_equal(rep.features[npf].column, "prior_firm_count");
    tt_run_result run = tt_run("check-schema --rules %s --columns '%s'", V32, colcsv);
    assert_int_equal(run.status, 0);
    tt_run_free(&run);
    /* The table without the firm size column under any name: exit 2. */
    tt_sqlite_exec(db, "CREATE TABLE lead_scoring_features_pit2 AS SELECT * FROM "
                       "lead_scoring_features_pit;"
                       "ALTER TABLE lead_scoring_features_pit2 DROP COLUMN "
                       "pit_firm_rep_count");
    sc = gen_sql(r, TG_EMIT_SCHEMA_CHECK, NULL, NULL, 0);
    char *sc2 = NULL;
    char *at = strstr(sc, "pragma_table_info('lead_scoring_features_pit')");
    assert_non_null(at);
    assert_true(asprintf(&sc2, "%.*spragma_table_info('lead_scoring_features_pit2')%s",
                         (int)(at - sc), sc,
                         at + strlen("pragma_table_info('lead_scoring_features_pit')")) > 0);
    const char *missing = keep(export_csv(db, sc2, "columns2.csv"));
    free(sc);
    free(sc2);
    run = tt_run("check-schema --rules %s --columns '%s'", V32, missing);
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "missing column 'firm_rep_count_at_contact' "
                                    "(tried 'firm_rep_count_at_contact', "
                                    "'pit_firm_rep_count', 'firm_rep_count')"));
    tt_run_free(&run);
    /* sql --columns refuses it too. */
    run = tt_run("sql --rules %s --columns '%s' --emit scoring", V32, missing);
    assert_int_equal(run.status, 2);
    tt_run_free(&run);

    /* Scoring in the table's names: every lead gets tiergate's tier. */
    const char **map = calloc((size_t)r->nfeatures, sizeof *map);
    map[frc] = "pit_firm_rep_count";
    map[npf] = "prior_firm_count";
    char *scoring = gen_sql(r, TG_EMIT_SCORING, map, NULL, 0);
    tt_sqlite_exec(db, scoring);
    free(scoring);
    tg_reader *rd;
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = &data;
    o.npaths = 1;
    assert_tg_ok(tg_reader_open(&rd, r, &o, &err));
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT score_tier, firm_rep_count_at_contact "
                                        "IS pit_firm_rep_count FROM lead_scores_v3 "
                                        "WHERE lead_id = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    const tg_row *row;
    int n = 0;
    while (tg_reader_next(rd, &row, &err) == 1) {
        size_t len;
        const char *id = tg_csv_field(tg_reader_csv(rd),
                                      (size_t)tg_reader_schema(rd)->lead_id_col, &len);
        sqlite3_bind_text(st, 1, id, (int)len, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0),
                            r->tiers[row->tier].name);
        assert_int_equal(sqlite3_column_int(st, 1), 1); /* canonical copy */
        sqlite3_reset(st);
        n++;
    }
    sqlite3_finalize(st);
    tg_reader_free(rd);
    assert_int_equal(n, 20000);

    /* The sliced summary in the table's names: the same slice tallies and
     * the same per-slice gates as the rows. */
    static const char *exprs[] = {"is_wirehouse",
                                  "firm_rep_count_at_contact:0,10,50,200",
                                  "contacted_date:month"};
    tg_slice_spec specs[3];
    for (int k = 0; k < 3; k++)
        spec(&specs[k], exprs[k], r);
    char *sum = gen_sql(r, TG_EMIT_SUMMARY, map, specs, 3);
    const char *sumcsv = keep(export_csv(db, sum, "summary.csv"));
    free(sum);
    const char *pol = tt_strdup_write(
        "slicepol.json",
        "{\"policy_id\": \"s\", \"gates\": ["
        " {\"id\": \"lift\", \"description\": \"priority lift >= 1.5x\","
        "  \"check\": \"lift\", \"tiers\": [\"TIER_2B*\", \"TIER_4*\"],"
        "  \"min\": 1.5, \"severity\": \"block\", \"per_slice\": true,"
        "  \"min_slice_size\": 400},"
        " {\"id\": \"std\", \"description\": \"standard >= 1%\","
        "  \"check\": \"conversion_rate\", \"tiers\": [\"STANDARD\"],"
        "  \"min\": 0.01, \"severity\": \"warn\", \"per_slice\": true,"
        "  \"min_slice_size\": 400}]}");
    for (int k = 0; k < 3; k++) {
        tt_run_result a = tt_run("gate --rules %s --policy '%s' --summary '%s' "
                                 "--slice '%s' --format json",
                                 V32, pol, sumcsv, exprs[k]);
        tt_run_result b = tt_run("gate --rules %s --policy '%s' --data '%s' "
                                 "--slice '%s' --format json",
                                 V32, pol, aliased, exprs[k]);
        if (a.status != b.status)
            fail_msg("--slice %s: exit %d from the summary (%s), %d from the "
                     "rows (%s)",
                     exprs[k], a.status, a.err, b.status, b.err);
        cJSON *ja = cJSON_Parse(a.out), *jb = cJSON_Parse(b.out);
        assert_non_null(ja);
        assert_non_null(jb);
        /* Everything but the provenance (input fingerprint) and time. */
        cJSON_DeleteItemFromObject(ja, "provenance");
        cJSON_DeleteItemFromObject(jb, "provenance");
        cJSON_DeleteItemFromObject(ja, "generated_at");
        cJSON_DeleteItemFromObject(jb, "generated_at");
        char *sa = cJSON_PrintUnformatted(ja), *sb = cJSON_PrintUnformatted(jb);
        if (strcmp(sa, sb) != 0)
            fail_msg("--slice %s: gates from the summary differ from the rows",
                     exprs[k]);
        int slice_outcomes = 0;
        const cJSON *g;
        cJSON_ArrayForEach(g, cJSON_GetObjectItem(ja, "gates"))
        slice_outcomes += cJSON_GetObjectItem(g, "slice") != NULL;
        assert_true(slice_outcomes >= 2);
        free(sa);
        free(sb);
        cJSON_Delete(ja);
        cJSON_Delete(jb);
        tt_run_free(&a);
        tt_run_free(&b);
    }
    /* A summary from another binning is refused at its line. */
    tt_run_result bad = tt_run("preview --rules %s --summary '%s' --slice "
                               "firm_rep_count_at_contact:0,20",
                               V32, sumcsv);
    assert_int_equal(bad.status, 2);
    assert_non_null(strstr(bad.err, "is not a value of --slice firm_rep_count_at_contact:0,20"));
    tt_run_free(&bad);
    for (int k = 0; k < 3; k++)
        tg_slice_spec_release(&specs[k]);
    free(map);
    tg_schema_report_release(&rep);
    tg_columns_release(&cols);
    sqlite3_close(db);
    tg_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slice_keys),
        cmocka_unit_test(test_sliced_scan_equals_sqlite),
        cmocka_unit_test(test_sliced_shards),
        cmocka_unit_test(test_slice_value_cap),
        cmocka_unit_test(test_per_slice_gates),
        cmocka_unit_test(test_slice_values_are_text),
        cmocka_unit_test(test_columns_same_verdict),
        cmocka_unit_test(test_sql_check_aliased),
        cmocka_unit_test(test_sqlite_aliased_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
