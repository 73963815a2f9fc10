/*
 * Sweeps: editing constants, rewriting and merging tiers, lint of
 * variants, the one-pass tally against one separate scan per variant
 * (joined table and row by row, threads included), selection on TRAIN
 * only (TEST cannot change the choice; TEST of the others stays
 * hidden), and the warehouse path on SQLite (DuckDB in
 * tests/node/duckdb_check.mjs).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_util.h"
#include "testutil.h"

#define V32 "registry/tiers/v3.2.json"
#define POLICY "registry/gates/v3.2.json"
#define LOOSEN "registry/sweeps/v3.2-loosen.json"

static tg_sweep *load_sweep_text(const char *name, const char *json)
{
    tg_sweep *s = NULL;
    tg_error err;
    tg_error_clear(&err);
    if (tg_sweep_load(&s, tt_write(name, json), tt_src(V32), &err) != TG_OK) {
        char buf[2048];
        fail_msg("%s", tg_error_format(&err, buf, sizeof buf));
    }
    return s;
}

/* The error message of loading json as a sweep (which must fail). */
static void expect_sweep_error(const char *json, const char *needle)
{
    tg_sweep *s = NULL;
    tg_error err;
    tg_error_clear(&err);
    int rc = tg_sweep_load(&s, tt_write("bad.json", json), tt_src(V32), &err);
    if (rc == TG_OK)
        fail_msg("loaded, expected an error with '%s'", needle);
    if (!strstr(err.msg, needle))
        fail_msg("error '%s' lacks '%s'", err.msg, needle);
}

/* The default synthetic export (what `tiergate synth` writes), once. */
static const char *default_export(void)
{
    static char path[1100];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s", tt_path("default_export.csv"));
        FILE *f = fopen(path, "wb");
        tg_synth_options so = TG_SYNTH_OPTIONS_INIT;
        assert_tg_ok(tg_synth_write(f, &so, NULL));
        fclose(f);
    }
    return path;
}

static const tg_variant *variant(const tg_sweep *s, const char *name)
{
    for (int i = 0; i < s->nvariants; i++)
        if (strcmp(s->variants[i].name, name) == 0)
            return &s->variants[i];
    fail_msg("no variant %s", name);
    return NULL;
}

static int tier_of(const tg_rules *r, double tenure, double industry,
                   double net, double reps, double prior, double wire)
{
    double v[6] = {tenure, industry, net, reps, prior, wire};
    return tg_rules_assign(r, v);
}

static const char *tier_name(const tg_rules *r, int t)
{
    return r->tiers[t].name;
}

/* ---- editing --------------------------------------------------------------- */

static void test_sweep_set_constant(void **state)
{
    (void)state;
    tg_sweep *s = NULL;
    tg_error err;
    tg_error_clear(&err);
    assert_tg_ok(tg_sweep_load(&s, tt_src(LOOSEN), NULL, &err));
    assert_int_equal(s->nvariants, 10); /* base, 3 loosenings, 4 combos, 2 merges */
    const tg_rules *base = s->variants[0].rules;
    const tg_rules *firm = variant(s, "firm100")->rules;
    const tg_rules *ten = variant(s, "tenure4")->rules;
    const tg_rules *pri = variant(s, "prior2")->rules;
    const tg_rules *all = variant(s, "firm100+tenure4+prior2")->rules;
    /* A prime mover at a bleeding firm of 75 reps: 1C in the base, 1A
     * once 1A takes firms up to 100; 100 itself is in, 101 is not. */
    assert_string_equal(tier_name(base, tier_of(base, 24, 120, -3, 75, 0, 0)),
                        "TIER_1C_PRIME_MOVER");
    assert_string_equal(tier_name(firm, tier_of(firm, 24, 120, -3, 75, 0, 0)),
                        "TIER_1A_PRIME_MOVER_SMALL");
    assert_string_equal(tier_name(firm, tier_of(firm, 24, 120, -3, 100, 0, 0)),
                        "TIER_1A_PRIME_MOVER_SMALL");
    assert_string_equal(tier_name(firm, tier_of(firm, 24, 120, -3, 101, 0, 0)),
                        "TIER_1C_PRIME_MOVER");
    /* 42 months at a 5-rep firm: 1B only with tenure up to 4 years. */
    assert_string_equal(tier_name(base, tier_of(base, 42, 30, 5, 5, 0, 0)),
                        "STANDARD");
    assert_string_equal(tier_name(ten, tier_of(ten, 42, 30, 5, 5, 0, 0)),
                        "TIER_1B_SMALL_FIRM");
    assert_string_equal(tier_name(ten, tier_of(ten, 49, 30, 5, 5, 0, 0)),
                        "STANDARD");
    /* Two prior firms: 2A only once the threshold is 2. */
    assert_string_equal(tier_name(base, tier_of(base, 100, 100, 5, 500, 2, 0)),
                        "STANDARD");
    assert_string_equal(tier_name(pri, tier_of(pri, 100, 100, 5, 500, 2, 0)),
                        "TIER_2A_PROVEN_MOVER");
    assert_string_equal(tier_name(all, tier_of(all, 42, 120, -3, 75, 2, 0)),
                        "TIER_1A_PRIME_MOVER_SMALL");
    /* The text keeps its layout; only the constant changed. */
    assert_non_null(strstr(firm->tiers[0].when,
                           "AND firm_rep_count_at_contact <= 100\n"));
    assert_non_null(strstr(ten->tiers[0].when,
                           "current_firm_tenure_months BETWEEN 12 AND 48\n"));
    assert_string_equal(variant(s, "firm100")->changes,
                        "TIER_1A_PRIME_MOVER_SMALL: firm_rep_count_at_contact "
                        "<= 50 -> 100");
    /* The emitted rule set loads on its own and says where it came from. */
    char *text = tg_variant_rules_text(variant(s, "firm100+tenure4+prior2"));
    tg_rules *again = NULL;
    assert_tg_ok(tg_rules_parse(&again, text, strlen(text), "emitted.json", &err));
    assert_string_equal(tier_name(again, tier_of(again, 42, 120, -3, 75, 2, 0)),
                        "TIER_1A_PRIME_MOVER_SMALL");
    assert_non_null(strstr(text, "\"derived_from\""));
    assert_non_null(strstr(text, "Sweep v3.2-loosen, variant "
                                 "firm100+tenure4+prior2"));
    free(text);
    tg_rules_free(again);
    tg_sweep_free(s);
}

static void test_sweep_vary_grid(void **state)
{
    (void)state;
    tg_sweep *s = NULL;
    tg_error err;
    tg_error_clear(&err);
    assert_tg_ok(tg_sweep_new(&s, tt_src(V32), &err));
    assert_tg_ok(tg_sweep_add_vary(s, "TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=5,10,20,100", &err));
    /* 10 is the base's own value: not a variant. */
    assert_int_equal(s->nvariants, 4);
    assert_string_equal(s->variants[1].name,
                        "TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=5");
    assert_string_equal(s->variants[3].changes,
                        "TIER_1B_SMALL_FIRM: firm_rep_count_at_contact <= 10 -> 100");
    const tg_rules *r = s->variants[2].rules; /* <= 20 */
    assert_string_equal(tier_name(r, tier_of(r, 24, 30, 5, 20, 0, 0)),
                        "TIER_1B_SMALL_FIRM");
    assert_string_equal(tier_name(r, tier_of(r, 24, 30, 5, 21, 0, 0)), "STANDARD");
    /* An alias addresses the same feature; BETWEEN ends by name. */
    assert_tg_ok(tg_sweep_add_vary(s, "TIER_1A_PRIME_MOVER_SMALL:current_firm_tenure_months BETWEEN.high=48", &err));
    assert_int_equal(s->nvariants, 5);
    assert_tg_ok(tg_sweep_add_vary(s, "TIER_2A_PROVEN_MOVER:prior_firm_count >= 2", &err));
    assert_int_equal(s->nvariants, 6);
    /* Bad grids name what is wrong. */
    assert_int_equal(tg_sweep_add_vary(s, "TIER_9:firm_rep_count_at_contact<=5", &err), TG_EINVAL);
    assert_non_null(strstr(err.msg, "no tier 'TIER_9'"));
    assert_int_equal(tg_sweep_add_vary(s, "TIER_1B_SMALL_FIRM:firm_reps<=5", &err), TG_EINVAL);
    assert_non_null(strstr(err.msg, "unknown feature 'firm_reps'"));
    assert_int_equal(tg_sweep_add_vary(s, "TIER_1B_SMALL_FIRM:firm_rep_count_at_contact>=5", &err), TG_EINVAL);
    assert_non_null(strstr(err.msg, "no comparison"));
    assert_int_equal(tg_sweep_add_vary(s, "TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=7,x", &err), TG_EINVAL);
    assert_non_null(strstr(err.msg, "expected numbers"));
    tg_sweep_free(s);
}

static void test_sweep_edit_errors(void **state)
{
    (void)state;
    expect_sweep_error("{\"sweep_id\":\"x\",\"variants\":[{\"name\":\"a\",\"edits\":"
                       "[{\"op\":\"set\",\"tier\":\"TIER_9\",\"at\":\"num_prior_firms >=\","
                       "\"value\":2}]}]}",
                       "variant 'a': key 'edits[0].tier': no tier 'TIER_9'");
    expect_sweep_error("{\"sweep_id\":\"x\",\"variants\":[{\"name\":\"a\",\"edits\":"
                       "[{\"op\":\"set\",\"tier\":\"TIER_2A_PROVEN_MOVER\",\"at\":"
                       "\"num_prior_firms <=\",\"value\":2}]}]}",
                       "no comparison 'num_prior_firms <= constant'");
    /* A feature compared twice the same way: ambiguous, rewrite instead. */
    expect_sweep_error("{\"sweep_id\":\"x\",\"variants\":[{\"name\":\"a\",\"edits\":["
                       "{\"op\":\"when\",\"tier\":\"TIER_4_HEAVY_BLEEDER\",\"when\":"
                       "\"firm_net_change_12mo < -10 OR firm_net_change_12mo < -50\"},"
                       "{\"op\":\"set\",\"tier\":\"TIER_4_HEAVY_BLEEDER\",\"at\":"
                       "\"firm_net_change_12mo <\",\"value\":-20}]}]}",
                       "appears more than once");
    expect_sweep_error("{\"sweep_id\":\"x\",\"variants\":[{\"name\":\"a\",\"edits\":"
                       "[{\"op\":\"explode\"}]}]}", "unknown edit 'explode'");
    expect_sweep_error("{\"sweep_id\":\"x\",\"variants\":[{\"name\":\"base\",\"edits\":"
                       "[{\"op\":\"remove_tier\",\"tier\":\"TIER_4_HEAVY_BLEEDER\"}]}]}",
                       "the name is taken");
    expect_sweep_error("{\"sweep_id\":\"x\",\"variants\":[{\"name\":\"a b\",\"edits\":[]}]}",
                       "expected a 'name'");
    expect_sweep_error("{\"sweep_id\":\"x\",\"variants\":[{\"name\":\"c\",\"combine\":"
                       "[\"nothere\"]}]}", "key 'combine[0]'");
    expect_sweep_error("{\"sweep_id\":\"x\",\"objective\":{\"maximize\":\"happiness\"},"
                       "\"variants\":[]}", "objective.maximize");
    /* A rewritten condition is checked as a rule set's would be: the
     * message names the variant and the tier. */
    tg_sweep *s = NULL;
    tg_error err;
    tg_error_clear(&err);
    int rc = tg_sweep_load(&s, tt_write("badwhen.json",
                           "{\"sweep_id\":\"x\",\"variants\":[{\"name\":\"w\",\"edits\":"
                           "[{\"op\":\"when\",\"tier\":\"TIER_4_HEAVY_BLEEDER\","
                           "\"when\":\"firm_reps < 3\"}]}]}"), tt_src(V32), &err);
    assert_int_equal(rc, TG_EINVAL);
    assert_non_null(strstr(err.file, "badwhen.json#w#TIER_4_HEAVY_BLEEDER"));
    assert_non_null(strstr(err.msg, "unknown feature 'firm_reps'"));
}

static void test_sweep_add_remove_rewrite(void **state)
{
    (void)state;
    tg_sweep *s = load_sweep_text("edits.json",
        "{\"sweep_id\":\"edits\",\"variants\":["
        "{\"name\":\"drop4\",\"edits\":[{\"op\":\"remove_tier\",\"tier\":\"TIER_4_HEAVY_BLEEDER\"}]},"
        "{\"name\":\"add0\",\"edits\":[{\"op\":\"add_tier\",\"before\":\"TIER_1A_PRIME_MOVER_SMALL\","
        "\"tier\":{\"name\":\"TIER_0_TINY\",\"when\":\"firm_rep_count_at_contact <= 2\","
        "\"priority_rank\":0}}]},"
        "{\"name\":\"rewrite3\",\"edits\":[{\"op\":\"when\",\"tier\":\"TIER_3_EXPERIENCED_MOVER\","
        "\"when\":[\"industry_tenure_months >= 300\"]}]}]}");
    const tg_rules *base = s->variants[0].rules;
    const tg_rules *d = variant(s, "drop4")->rules;
    const tg_rules *a = variant(s, "add0")->rules;
    const tg_rules *w = variant(s, "rewrite3")->rules;
    assert_int_equal(d->ntiers, base->ntiers - 1);
    assert_int_equal(tg_rules_tier_index(d, "TIER_4_HEAVY_BLEEDER"), -1);
    assert_string_equal(tier_name(d, tier_of(d, 100, 100, -50, 500, 0, 0)), "STANDARD");
    assert_string_equal(tier_name(base, tier_of(base, 100, 100, -50, 500, 0, 0)),
                        "TIER_4_HEAVY_BLEEDER");
    assert_int_equal(tg_rules_tier_index(a, "TIER_0_TINY"), 0);
    assert_string_equal(tier_name(a, tier_of(a, 24, 120, -3, 2, 0, 0)), "TIER_0_TINY");
    assert_string_equal(tier_name(w, tier_of(w, 24, 250, 5, 500, 0, 0)), "STANDARD");
    assert_string_equal(tier_name(w, tier_of(w, 24, 300, 5, 500, 0, 0)),
                        "TIER_3_EXPERIENCED_MOVER");
    assert_string_equal(variant(s, "add0")->changes,
                        "added TIER_0_TINY before TIER_1A_PRIME_MOVER_SMALL");
    tg_sweep_free(s);
}

/* ---- merging ----------------------------------------------------------------- */

/* Every row of the boundary fixture: the merged variant gives the merged
 * tier exactly where the base gives either tier, and the base's tier
 * everywhere else. */
static void test_sweep_merge_is_union(void **state)
{
    (void)state;
    tg_sweep *s = NULL;
    tg_error err;
    tg_error_clear(&err);
    assert_tg_ok(tg_sweep_load(&s, tt_src(LOOSEN), NULL, &err));
    const tg_rules *base = s->variants[0].rules;
    static const char *merges[2][3] = {
        {"merge1A1B", "TIER_1A_PRIME_MOVER_SMALL", "TIER_1B_SMALL_FIRM"},
        {"merge2A2B", "TIER_2A_PROVEN_MOVER", "TIER_2B_MODERATE_BLEEDER"}};
    for (int m = 0; m < 2; m++) {
        const tg_variant *v = variant(s, merges[m][0]);
        const tg_rules *r = v->rules;
        assert_int_equal(r->ntiers, base->ntiers - 1);
        int a = tg_rules_tier_index(base, merges[m][1]);
        int b = tg_rules_tier_index(base, merges[m][2]);
        const char *merged = r->tiers[a].name; /* at the earlier place */
        assert_int_equal(tg_rules_tier_index(r, merges[m][1]), -1);
        assert_int_equal(tg_rules_tier_index(r, merges[m][2]), -1);
        tg_scan_options o = TG_SCAN_OPTIONS_INIT;
        const char *p = tt_src("tests/fixtures/boundary.csv");
        o.paths = &p;
        o.npaths = 1;
        o.date_config = tt_src("registry/date_config.json");
        tg_reader *rd = NULL;
        assert_tg_ok(tg_reader_open(&rd, base, &o, &err));
        const tg_row *row;
        long rows = 0, in_merged = 0;
        while (tg_reader_next(rd, &row, &err) == 1) {
            const char *got = tier_name(r, tg_rules_assign(r, row->values));
            if (row->tier == a || row->tier == b) {
                assert_string_equal(got, merged);
                in_merged++;
            } else {
                assert_string_equal(got, tier_name(base, row->tier));
            }
            rows++;
        }
        assert_int_equal(rows, 13230);
        assert_true(in_merged > 0);
        tg_reader_free(rd);
    }
    assert_string_equal(variant(s, "merge1A1B")->rules->tiers[0].name,
                        "TIER_1AB_SMALL_FIRM");
    assert_true(fabs(variant(s, "merge1A1B")->rules->tiers[0]
                         .expected_conversion_rate - 0.14) < 1e-12);
    tg_sweep_free(s);
}

/* ---- lint ---------------------------------------------------------------------- */

static void test_sweep_lints_variants(void **state)
{
    (void)state;
    /* A tier added after 1B that 1B already takes whole: never matches. */
    const char *p = tt_write("dead.json",
        "{\"sweep_id\":\"dead\",\"base\":\"" TG_SOURCE_DIR "/" V32 "\",\"variants\":["
        "{\"name\":\"ok\",\"edits\":[{\"op\":\"set\",\"tier\":\"TIER_2A_PROVEN_MOVER\","
        "\"at\":\"num_prior_firms >=\",\"value\":4}]},"
        "{\"name\":\"dead\",\"edits\":[{\"op\":\"add_tier\",\"before\":\"TIER_1C_PRIME_MOVER\","
        "\"tier\":{\"name\":\"TIER_1B2_TINY\",\"when\":\"current_firm_tenure_months "
        "BETWEEN 12 AND 36 AND firm_rep_count_at_contact <= 5 AND is_wirehouse = 0\"}}]}]}");
    tt_run_result r = tt_run("sweep --policy " POLICY " --sweep '%s' --data "
                             "tests/fixtures/synthetic_sample.csv", p);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "variant 'dead': lint never-matches"));
    assert_null(strstr(r.err, "variant 'ok'"));
    assert_non_null(strstr(r.err, "nothing was scanned"));
    assert_string_equal(r.out, "");
    tt_run_free(&r);
}

/* ---- one pass ------------------------------------------------------------------ */

static void assert_same_counts(const tg_tally *a, const tg_tally *b,
                               const char *what)
{
    assert_int_equal(a->ntiers, b->ntiers);
    for (int i = 0; i < TG_NSPLITS * a->ntiers; i++)
        if (a->cells[i].leads != b->cells[i].leads ||
            a->cells[i].labeled != b->cells[i].labeled ||
            a->cells[i].conversions != b->cells[i].conversions)
            fail_msg("%s: cell %d: %llu/%llu/%llu one pass, %llu/%llu/%llu alone",
                     what, i, (unsigned long long)a->cells[i].leads,
                     (unsigned long long)a->cells[i].labeled,
                     (unsigned long long)a->cells[i].conversions,
                     (unsigned long long)b->cells[i].leads,
                     (unsigned long long)b->cells[i].labeled,
                     (unsigned long long)b->cells[i].conversions);
    for (int s = 0; s < TG_NSPLITS; s++) {
        assert_int_equal(a->first_date[s], b->first_date[s]);
        assert_int_equal(a->last_date[s], b->last_date[s]);
    }
    assert_int_equal(a->rows, b->rows);
}

/* One pass over files gives, for every variant, exactly the tally of a
 * scan of that variant alone (what `preview` reads). */
static void check_one_pass(tg_sweep *s, const char **paths, int npaths,
                           int threads, uint64_t min_range,
                           tg_multi_mode mode, int expect_joined)
{
    int n = s->nvariants;
    tg_rules **rs = malloc((size_t)n * sizeof *rs);
    tg_tally *multi = calloc((size_t)n, sizeof *multi);
    for (int i = 0; i < n; i++)
        rs[i] = s->variants[i].rules;
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = paths;
    o.npaths = npaths;
    o.threads = threads;
    o.min_range = min_range;
    o.date_config = tt_src("registry/date_config.json");
    tg_error err, skip;
    tg_error_clear(&err);
    tg_multi_info info;
    if (tg_multi_scan(multi, rs, n, &o, mode, &info, &skip, &err) != TG_OK) {
        char buf[2048];
        fail_msg("%s", tg_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(info.joined, expect_joined);
    for (int i = 0; i < n; i++) {
        tg_tally alone;
        tg_tally_init(&alone, rs[i], &err);
        tg_scan_options o1 = o;
        assert_tg_ok(tg_scan(&alone, rs[i], &o1, &skip, &err));
        assert_same_counts(&multi[i], &alone, s->variants[i].name);
        tg_tally_release(&alone);
        tg_tally_release(&multi[i]);
    }
    free(multi);
    free(rs);
}

static tg_sweep *big_sweep(void)
{
    tg_sweep *s = NULL;
    tg_error err;
    tg_error_clear(&err);
    assert_tg_ok(tg_sweep_load(&s, tt_src(LOOSEN), NULL, &err));
    assert_tg_ok(tg_sweep_add_vary(s, "TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=5,11,20,50,100", &err));
    assert_tg_ok(tg_sweep_add_vary(s, "TIER_4_HEAVY_BLEEDER:firm_net_change_12mo<-5,-20,-1", &err));
    assert_tg_ok(tg_sweep_add_vary(s, "TIER_3_EXPERIENCED_MOVER:industry_tenure_months>=180,200,300", &err));
    return s;
}

static void test_sweep_one_pass_equals_separate_scans(void **state)
{
    (void)state;
    tg_sweep *s = big_sweep();
    assert_int_equal(s->nvariants, 21);
    const char *sample = tt_src("tests/fixtures/synthetic_sample.csv");
    const char *boundary = tt_src("tests/fixtures/boundary.csv");
    const char *both[2] = {sample, boundary};
    check_one_pass(s, both, 2, 1, 0, TG_MULTI_AUTO, 1);
    check_one_pass(s, both, 2, 1, 0, TG_MULTI_ROWS, 0);
    /* Parallel ranges of one file (split even when small). */
    const char *p = tt_path("synth_40k.csv");
    FILE *f = fopen(p, "wb");
    tg_synth_options so = {40000, 11};
    assert_tg_ok(tg_synth_write(f, &so, NULL));
    fclose(f);
    check_one_pass(s, &p, 1, 2, 4096, TG_MULTI_AUTO, 1);
    tg_sweep_free(s);

    /* The benchmark's 32 variants: more tier combinations than a byte
     * holds (the joined table's cells are two bytes). */
    tg_error err;
    tg_error_clear(&err);
    assert_tg_ok(tg_sweep_load(&s, tt_src(LOOSEN), NULL, &err));
    static const char *grids[] = {
        "TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=3,5,7,15,20,30,40,50,75,100,150",
        "TIER_4_HEAVY_BLEEDER:firm_net_change_12mo<-5,-15,-20,-30,-50",
        "TIER_3_EXPERIENCED_MOVER:industry_tenure_months>=180,200,220,260,300",
        "TIER_2A_PROVEN_MOVER:num_prior_firms>=4"};
    for (int g = 0; g < 4; g++)
        assert_tg_ok(tg_sweep_add_vary(s, grids[g], &err));
    assert_int_equal(s->nvariants, 32);
    tg_rules *rs[32];
    tg_tally ts[32];
    for (int i = 0; i < 32; i++)
        rs[i] = s->variants[i].rules;
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = both;
    o.npaths = 2;
    o.date_config = tt_src("registry/date_config.json");
    tg_multi_info info;
    tg_error skip;
    assert_tg_ok(tg_multi_scan(ts, rs, 32, &o, TG_MULTI_AUTO, &info, &skip, &err));
    assert_int_equal(info.joined, 1);
    assert_true(info.atoms > 255);
    for (int i = 0; i < 32; i++)
        tg_tally_release(&ts[i]);
    check_one_pass(s, both, 2, 1, 0, TG_MULTI_AUTO, 1);
    tg_sweep_free(s);
}

/* A variant with arithmetic cannot be joined into one table: the pass
 * assigns rows to every variant one by one, with the same result. */
static void test_sweep_one_pass_row_by_row_fallback(void **state)
{
    (void)state;
    tg_sweep *s = load_sweep_text("arith.json",
        "{\"sweep_id\":\"arith\",\"variants\":["
        "{\"name\":\"ratio\",\"edits\":[{\"op\":\"when\",\"tier\":\"TIER_3_EXPERIENCED_MOVER\","
        "\"when\":\"industry_tenure_months / 12 >= 20 AND current_firm_tenure_months < 60\"}]},"
        "{\"name\":\"drop4\",\"edits\":[{\"op\":\"remove_tier\",\"tier\":\"TIER_4_HEAVY_BLEEDER\"}]}]}");
    const char *paths[2] = {tt_src("tests/fixtures/synthetic_sample.csv"),
                            tt_src("tests/fixtures/boundary.csv")};
    check_one_pass(s, paths, 2, 1, 0, TG_MULTI_AUTO, 0);
    tg_sweep_free(s);
}

/* ---- selection ----------------------------------------------------------------- */

static cJSON *sweep_json(const char *args)
{
    tt_run_result r = tt_run("sweep --policy " POLICY " --format json %s", args);
    if (r.status != 0 && r.status != 1)
        fail_msg("sweep exit %d: %s", r.status, r.err);
    cJSON *j = cJSON_Parse(r.out);
    tt_run_free(&r);
    assert_non_null(j);
    return j;
}

static const cJSON *jvariant(const cJSON *doc, const char *name)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(doc, "variants"))
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(v, "name")), name) == 0)
            return v;
    fail_msg("no variant %s in the output", name);
    return NULL;
}

/* A copy of the export whose TEST targets are all flipped. */
static const char *flip_test(const char *src, const char *name)
{
    size_t len;
    char *t = tt_read(src, &len);
    assert_non_null(t);
    const char *p = tt_path(name);
    FILE *f = fopen(p, "wb");
    char *line = t;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > 5 && memcmp(line + n - 5, ",TEST", 5) == 0 && line[n - 7] == ',') {
            char c = line[n - 6];
            line[n - 6] = c == '1' ? '0' : c == '0' ? '1' : c;
        }
        fwrite(line, 1, n, f);
        fputc('\n', f);
        line = nl ? nl + 1 : NULL;
    }
    fclose(f);
    free(t);
    return p;
}

static void test_sweep_selection_discipline(void **state)
{
    (void)state;
    const char *data = default_export();
    const char *flipped = flip_test(data, "sel_flipped.csv");
    char args[2400];
    snprintf(args, sizeof args, "--sweep " LOOSEN " --data '%s'", data);
    cJSON *a = sweep_json(args);
    snprintf(args, sizeof args, "--sweep " LOOSEN " --data '%s'", flipped);
    cJSON *b = sweep_json(args);
    snprintf(args, sizeof args, "--sweep " LOOSEN " --data '%s' --show-test-all",
             data);
    cJSON *all = sweep_json(args);

    /* How many were tried, and the warning about the chosen one. */
    assert_int_equal(cJSON_GetObjectItem(a, "variants_tried")->valueint, 10);
    const char *chosen = cJSON_GetStringValue(cJSON_GetObjectItem(a, "chosen"));
    assert_non_null(chosen);
    const cJSON *sel = cJSON_GetObjectItem(a, "selection");
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(sel, "note")),
                           "optimistic"));
    /* The chosen one is the feasible maximum of the stated objective. */
    const char *metric = cJSON_GetStringValue(cJSON_GetObjectItem(a, "maximize"));
    double best = -INFINITY;
    const char *best_name = NULL;
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(a, "variants"))
    {
        const cJSON *t = cJSON_GetObjectItem(v, "train");
        double x = cJSON_GetObjectItem(t, metric)->valuedouble;
        if (cJSON_IsTrue(cJSON_GetObjectItem(v, "feasible"))) {
            assert_true(x == cJSON_GetObjectItem(v, "objective")->valuedouble);
            if (x > best) {
                best = x;
                best_name = cJSON_GetStringValue(cJSON_GetObjectItem(v, "name"));
            }
        } else {
            assert_non_null(cJSON_GetObjectItem(v, "why_not"));
        }
        /* TEST only for the chosen variant and the base. */
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(v, "name"));
        int shown = strcmp(name, chosen) == 0 || strcmp(name, "base") == 0;
        assert_int_equal(cJSON_GetObjectItem(v, "test") != NULL, shown);
    }
    assert_string_equal(best_name, chosen);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(a, "exploratory")));
    /* The adjusted interval is wider and holds the point. */
    double lo = cJSON_GetObjectItem(sel, "tier1_lift_ci_lower_adjusted")->valuedouble;
    double hi = cJSON_GetObjectItem(sel, "tier1_lift_ci_upper_adjusted")->valuedouble;
    double pt = cJSON_GetObjectItem(sel, "tier1_lift")->valuedouble;
    const cJSON *ct = cJSON_GetObjectItem(jvariant(a, chosen), "train");
    assert_true(lo <= pt && pt <= hi);
    assert_true(lo < cJSON_GetObjectItem(ct, "tier1_lift_ci_lower")->valuedouble);
    assert_true(hi > cJSON_GetObjectItem(ct, "tier1_lift_ci_upper")->valuedouble);

    /* Flipping every TEST outcome changes nothing about the choice or
     * any TRAIN figure, but does change TEST. */
    assert_string_equal(chosen, cJSON_GetStringValue(cJSON_GetObjectItem(b, "chosen")));
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(a, "variants"))
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(v, "name"));
        const cJSON *w = jvariant(b, name);
        assert_true(cJSON_Compare(cJSON_GetObjectItem(v, "train"),
                                  cJSON_GetObjectItem(w, "train"), 1));
        assert_true(cJSON_Compare(cJSON_GetObjectItem(v, "rank"),
                                  cJSON_GetObjectItem(w, "rank"), 1));
    }
    assert_false(cJSON_Compare(cJSON_GetObjectItem(jvariant(a, "base"), "test"),
                               cJSON_GetObjectItem(jvariant(b, "base"), "test"), 1));

    /* --show-test-all: every TEST shown, the output marked exploratory,
     * the choice the same. */
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(all, "exploratory")));
    assert_string_equal(chosen, cJSON_GetStringValue(cJSON_GetObjectItem(all, "chosen")));
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(all, "variants"))
        assert_non_null(cJSON_GetObjectItem(v, "test"));
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(all);

    /* Text output: the count of variants and the note. */
    tt_run_result r = tt_run("sweep --policy " POLICY " --sweep " LOOSEN
                             " --data '%s' --show-test-all", data);
    assert_non_null(strstr(r.out, "10 variants tried"));
    assert_non_null(strstr(r.out, "EXPLORATORY"));
    tt_run_free(&r);
}

/* No variant can meet the objective: nothing chosen, exit 1, and the
 * output says why for each; --emit-rules writes nothing. */
static void test_sweep_none_feasible(void **state)
{
    (void)state;
    const char *p = tt_write("impossible.json",
        "{\"sweep_id\":\"impossible\",\"base\":\"" TG_SOURCE_DIR "/" V32 "\","
        "\"objective\":{\"maximize\":\"tier1_lift\",\"min\":{\"priority_volume\":1e9}},"
        "\"variants\":[{\"name\":\"prior4\",\"edits\":[{\"op\":\"set\",\"tier\":"
        "\"TIER_2A_PROVEN_MOVER\",\"at\":\"num_prior_firms >=\",\"value\":4}]}]}");
    const char *emit = tt_path("none.json");
    tt_run_result r = tt_run("sweep --policy " POLICY " --sweep '%s' --data "
                             "tests/fixtures/synthetic_sample.csv --emit-rules '%s'",
                             p, emit);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "No variant meets the objective"));
    assert_non_null(strstr(r.out, "priority_volume"));
    assert_non_null(strstr(r.err, "not written"));
    size_t len;
    assert_null(tt_read(emit, &len));
    tt_run_free(&r);
}

/* --emit-rules writes the chosen variant; preview on it gives the
 * counts the sweep reported for it. */
static void test_sweep_emit_rules_matches_preview(void **state)
{
    (void)state;
    const char *emit = tt_path("chosen.json");
    tt_run_result r = tt_run("sweep --policy " POLICY " --sweep " LOOSEN
                             " --vary 'TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=5,20'"
                             " --data '%s' --format json "
                             "--show-test-all --emit-rules '%s'", default_export(),
                             emit);
    assert_true(r.status == 0 || r.status == 1);
    cJSON *doc = cJSON_Parse(r.out);
    tt_run_free(&r);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetObjectItem(doc, "variants_tried")->valueint, 12);
    /* The data's fingerprint (hashed beside the scan) is what sha256sum
     * prints for the file. */
    {
        char cmd[1200], hex[65] = "";
        snprintf(cmd, sizeof cmd, "sha256sum < '%s'", default_export());
        FILE *sp = popen(cmd, "r");
        assert_non_null(sp);
        assert_int_equal(fscanf(sp, "%64s", hex), 1);
        pclose(sp);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "data_sha256")),
                            hex);
    }
    const char *chosen = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "chosen"));
    assert_non_null(chosen);
    r = tt_run("preview --rules '%s' --data '%s' --format json", emit,
               default_export());
    assert_int_equal(r.status, 0);
    cJSON *pv = cJSON_Parse(r.out);
    tt_run_free(&r);
    const cJSON *v = jvariant(doc, chosen);
    for (int sp = 0; sp < 2; sp++) {
        const cJSON *ours = cJSON_GetObjectItem(cJSON_GetObjectItem(v, sp ? "test" : "train"),
                                                "tiers");
        const cJSON *theirs = cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(pv, "splits"), sp), "tiers");
        assert_int_equal(cJSON_GetArraySize(ours), cJSON_GetArraySize(theirs));
        for (int k = 0; k < cJSON_GetArraySize(ours); k++) {
            const cJSON *a = cJSON_GetArrayItem(ours, k), *b = cJSON_GetArrayItem(theirs, k);
            assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(a, "tier")),
                                cJSON_GetStringValue(cJSON_GetObjectItem(b, "tier")));
            static const char *keys[] = {"leads", "labeled", "conversions"};
            for (int q = 0; q < 3; q++)
                assert_int_equal(cJSON_GetObjectItem(a, keys[q])->valueint,
                                 cJSON_GetObjectItem(b, keys[q])->valueint);
        }
    }
    cJSON_Delete(pv);
    cJSON_Delete(doc);
}

/* ---- the warehouse path -------------------------------------------------------- */

/* Run the sqlite dialect of `sql --emit sweep` over data in SQLite, save
 * its rows as CSV, and check `sweep --summary` on it gives the same
 * document as `sweep --data` (every count, TEST included). */
static void test_sweep_summary_sql_on_sqlite(void **state)
{
    (void)state;
    const char *data = default_export();
    tt_run_result r = tt_run("sql --emit sweep --sweep " LOOSEN " --dialect sqlite");
    assert_int_equal(r.status, 0);
    char *sql = strdup(r.out);
    tt_run_free(&r);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_load_table(db, data, "lead_scoring_features_pit");
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    free(sql);
    const char *csv = tt_path("sweep_summary.csv");
    FILE *f = fopen(csv, "wb");
    fprintf(f, "variant,split,tier,leads,labeled,conversions,"
               "first_contacted_date,last_contacted_date\n");
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < 8; c++) {
            const unsigned char *t = sqlite3_column_text(st, c);
            fprintf(f, "%s%s", c ? "," : "", t ? (const char *)t : "");
        }
        fputc('\n', f);
        rows++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    fclose(f);
    assert_true(rows > 20);
    tt_run_result a = tt_run("sweep --policy " POLICY " --sweep " LOOSEN
                             " --data '%s' --show-test-all --format json", data);
    tt_run_result b = tt_run("sweep --policy " POLICY " --sweep " LOOSEN
                             " --summary '%s' --show-test-all --format json", csv);
    assert_int_equal(a.status, b.status);
    cJSON *ja = cJSON_Parse(a.out), *jb = cJSON_Parse(b.out);
    assert_non_null(ja);
    assert_non_null(jb);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(jb, "source")),
                        "summary");
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(ja, "variants"))
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(v, "name"));
        const cJSON *w = jvariant(jb, name);
        assert_true(cJSON_Compare(cJSON_GetObjectItem(v, "train"),
                                  cJSON_GetObjectItem(w, "train"), 1));
        assert_true(cJSON_Compare(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "test"), "tiers"),
                                  cJSON_GetObjectItem(cJSON_GetObjectItem(w, "test"), "tiers"), 1));
        n++;
    }
    assert_int_equal(n, 10);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ja, "chosen")),
                        cJSON_GetStringValue(cJSON_GetObjectItem(jb, "chosen")));
    cJSON_Delete(ja);
    cJSON_Delete(jb);
    tt_run_free(&a);
    tt_run_free(&b);

    /* A summary that is not from one query of this sweep is refused. */
    size_t len;
    char *text = tt_read(csv, &len);
    char *line = strstr(text, "\nmerge2A2B,TRAIN,");
    assert_non_null(line);
    char *comma = line + strlen("\nmerge2A2B,TRAIN,");
    comma = strchr(comma, ',');
    comma[1] = comma[1] == '9' ? '8' : '9'; /* change a lead count */
    const char *bad = tt_write("bad_summary.csv", text);
    free(text);
    r = tt_run("sweep --policy " POLICY " --sweep " LOOSEN " --summary '%s'", bad);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "not from one query"));
    tt_run_free(&r);
    /* An unknown variant names its line. */
    const char *unknown = tt_write("unknown_variant.csv",
        "variant,split,tier,leads,labeled,conversions\n"
        "base,TRAIN,STANDARD,3,3,1\nnope,TRAIN,STANDARD,3,3,1\n");
    r = tt_run("sweep --policy " POLICY " --sweep " LOOSEN " --summary '%s'", unknown);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, ":3:1: unknown variant 'nope'"));
    tt_run_free(&r);
}

/* The committed BigQuery query of the shipped sweep (which the BigQuery
 * grammar check parses with every file in sql/) is what the sweep
 * generates. */
static void test_sweep_committed_sql_is_current(void **state)
{
    (void)state;
    tt_run_result r = tt_run("sql --emit sweep --sweep " LOOSEN);
    assert_int_equal(r.status, 0);
    size_t len;
    char *have = tt_read(tt_src("sql/sweep_summary_v3.2-loosen.sql"), &len);
    assert_non_null(have);
    if (strcmp(have, r.out) != 0)
        fail_msg("sql/sweep_summary_v3.2-loosen.sql is stale: run tiergate sql "
                 "--emit sweep --sweep " LOOSEN " -o sql/sweep_summary_v3.2-loosen.sql");
    assert_non_null(strstr(have, "CROSS JOIN variants AS v"));
    assert_non_null(strstr(have, "`savvy-gtm-analytics.ml_features.lead_scoring_features_pit`"));
    free(have);
    tt_run_free(&r);
}

/* xmllint over a file: 0 when well-formed and expr counts want. */
static void xml_count(const char *file, const char *expr, int want)
{
    char cmd[4096];
    char outp[1100];
    snprintf(outp, sizeof outp, "%s", tt_path("xpath.out"));
    snprintf(cmd, sizeof cmd, "xmllint --xpath \"count(%s)\" '%s' > '%s' 2>&1",
             expr, file, outp);
    if (system(cmd) != 0)
        fail_msg("xmllint failed on %s in %s", expr, file);
    char *out = tt_read(outp, NULL);
    if (atoi(out) != want)
        fail_msg("%s: count(%s) is %s, want %d", file, expr, out, want);
    free(out);
}

/* The HTML: one point per variant, the chosen one ringed, the frontier
 * drawn, well-formed alone and as a section of the release report;
 * names from the sweep file escaped. */
static void test_sweep_html(void **state)
{
    (void)state;
    char html[1100], json[1100], gate[1100], report[1100];
    snprintf(html, sizeof html, "%s", tt_path("sweep.html"));
    snprintf(json, sizeof json, "%s", tt_path("sweep.json"));
    snprintf(gate, sizeof gate, "%s", tt_path("gate.json"));
    snprintf(report, sizeof report, "%s", tt_path("report.html"));
    /* A variant name with markup characters the name alphabet allows. */
    const char *p = tt_write("markup.json",
        "{\"sweep_id\":\"<b>x</b>\",\"base\":\"" TG_SOURCE_DIR "/" V32 "\","
        "\"variants\":[{\"name\":\"a<b>c\",\"edits\":[{\"op\":\"set\","
        "\"tier\":\"TIER_2A_PROVEN_MOVER\",\"at\":\"num_prior_firms >=\","
        "\"value\":4}]}]}");
    tt_run_result r = tt_run("sweep --policy " POLICY " --sweep '%s' --data '%s' "
                             "--format html -o '%s' --json '%s'", p,
                             default_export(), html, json);
    assert_true(r.status == 0 || r.status == 1);
    tt_run_free(&r);
    size_t len;
    char *t = tt_read(html, &len);
    assert_non_null(t);
    assert_null(strstr(t, "a<b>c"));
    assert_null(strstr(t, "<b>x</b>"));
    assert_non_null(strstr(t, "a&lt;b&gt;c"));
    free(t);
    xml_count(html, "//*[local-name()='svg']", 1);
    xml_count(html, "//*[local-name()='svg']/*[local-name()='title']", 1);
    xml_count(html, "//*[local-name()='script']", 0);
    r = tt_run("sweep --policy " POLICY " --sweep " LOOSEN " --data '%s' "
               "--json '%s' -o /dev/null", default_export(), json);
    assert_true(r.status == 0 || r.status == 1);
    tt_run_free(&r);
    r = tt_run("gate --rules " V32 " --policy " POLICY " --data '%s' --json '%s'",
               default_export(), gate);
    tt_run_free(&r);
    r = tt_run("report --from '%s' --sweep '%s' -o '%s'", gate, json, report);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    /* The report's three charts and the sweep's. */
    xml_count(report, "//*[local-name()='svg']", 4);
    xml_count(report, "//*[@id='chart-sweep']/*[local-name()='desc']", 1);
    /* One point group per variant, one ringed (chosen) point. */
    xml_count(report, "//*[@id='chart-sweep']/*[local-name()='g']", 10);
    xml_count(report, "//*[@id='chart-sweep']/*[local-name()='g']/"
                      "*[local-name()='circle'][@r='10']", 1);
    xml_count(report, "//*[@id='chart-sweep']/*[local-name()='polyline']", 1);
    r = tt_run("report --from '%s' --sweep '%s'", gate, gate);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "not a sweep result"));
    tt_run_free(&r);
}

/* The sweep id reaches the terminal and Markdown escaped: no control
 * byte in the fitted text, the --wide text or Markdown, and no raw
 * markup in Markdown. */
static void test_sweep_hostile_id_in_text(void **state)
{
    (void)state;
    const char *p = tt_write("hostile-id.json",
        "{\"sweep_id\":\"x\\u001b[31mred\\nline <b>|\",\"base\":\""
        TG_SOURCE_DIR "/" V32 "\",\"variants\":[{\"name\":\"a<b>c\","
        "\"edits\":[{\"op\":\"set\",\"tier\":\"TIER_2A_PROVEN_MOVER\","
        "\"at\":\"num_prior_firms >=\",\"value\":4}]}]}");
    static const char *forms[] = {"", "--wide", "--format markdown"};
    for (int i = 0; i < 3; i++) {
        tt_run_result r = tt_run("sweep --policy " POLICY " --sweep '%s' "
                                 "--data '%s' %s",
                                 p, default_export(), forms[i]);
        assert_true(r.status == 0 || r.status == 1);
        for (const char *c = r.out; *c; c++)
            if ((unsigned char)*c < 0x20 && *c != '\n')
                fail_msg("sweep %s: control byte 0x%02x in the output",
                         forms[i], (unsigned char)*c);
        assert_null(strchr(r.err, '\x1b'));
        /* The id's newline did not start a line of its own. */
        assert_null(strstr(r.out, "\nline <b>"));
        if (i == 2)
            assert_null(strstr(r.out, "<b>"));
        tt_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_set_constant),
        cmocka_unit_test(test_sweep_hostile_id_in_text),
        cmocka_unit_test(test_sweep_vary_grid),
        cmocka_unit_test(test_sweep_edit_errors),
        cmocka_unit_test(test_sweep_add_remove_rewrite),
        cmocka_unit_test(test_sweep_merge_is_union),
        cmocka_unit_test(test_sweep_lints_variants),
        cmocka_unit_test(test_sweep_one_pass_equals_separate_scans),
        cmocka_unit_test(test_sweep_one_pass_row_by_row_fallback),
        cmocka_unit_test(test_sweep_selection_discipline),
        cmocka_unit_test(test_sweep_none_feasible),
        cmocka_unit_test(test_sweep_emit_rules_matches_preview),
        cmocka_unit_test(test_sweep_summary_sql_on_sqlite),
        cmocka_unit_test(test_sweep_html),
        cmocka_unit_test(test_sweep_committed_sql_is_current),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
