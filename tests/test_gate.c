/*
 * The gate engine: every check with counts that pass it and counts
 * that fail it, interval judging, "insufficient" tiers, strict mode,
 * and policy errors that name the gate and the key.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *RULES =
    "{\"model_id\": \"m\", \"model_version\": \"v1\", \"features\": [\"x\"],"
    " \"tiers\": ["
    "  {\"name\": \"TIER_1A\", \"when\": \"x = 1\", \"priority_rank\": 1,"
    "   \"expected_conversion_rate\": 0.20},"
    "  {\"name\": \"TIER_2A\", \"when\": \"x = 2\", \"priority_rank\": 2,"
    "   \"expected_conversion_rate\": 0.10}],"
    " \"default_tier\": {\"name\": \"STANDARD\", \"priority_rank\": 99,"
    "   \"expected_conversion_rate\": 0.04}}";

enum { A = 0, B = 1, S = 2 };

static tg_rules *rules(void)
{
    tg_rules *r = NULL;
    assert_tg_ok(tg_rules_parse(&r, RULES, strlen(RULES), "r.json", NULL));
    return r;
}

static void set(tg_tally *t, int split, int tier, uint64_t leads,
                uint64_t labeled, uint64_t conv)
{
    tg_count *c = &t->cells[split * t->ntiers + tier];
    c->leads = leads;
    c->labeled = labeled;
    c->conversions = conv;
}

/* A healthy tally, large enough for decisive intervals: A 22% of 2000,
 * B 10.5% of 4000, STANDARD 3% of 40000 in TRAIN; TEST alike. */
static void healthy(tg_tally *t, const tg_rules *r)
{
    assert_tg_ok(tg_tally_init(t, r, NULL));
    set(t, TG_SPLIT_TRAIN, A, 2000, 2000, 440);
    set(t, TG_SPLIT_TRAIN, B, 4000, 4000, 420);
    set(t, TG_SPLIT_TRAIN, S, 40000, 40000, 1200);
    set(t, TG_SPLIT_TEST, A, 1000, 1000, 210);
    set(t, TG_SPLIT_TEST, B, 2000, 2000, 200);
    set(t, TG_SPLIT_TEST, S, 20000, 20000, 700);
}

typedef struct {
    tg_rules *rules;
    tg_policy *policy;
    tg_gate_result res;
} run;

static int judge(run *x, const char *gates, const tg_tally *t, int strict,
                 tg_error *err)
{
    char json[4096];
    snprintf(json, sizeof json, "{\"policy_id\": \"p\", \"gates\": [%s]}",
             gates);
    tg_error_clear(err);
    int rc = tg_policy_parse(&x->policy, json, strlen(json), "p.json",
                             x->rules, err);
    if (rc)
        return rc;
    return tg_gate_run(&x->res, x->rules, x->policy, t, TG_CI_WILSON, 0.95,
                       strict, err);
}

static void done(run *x)
{
    tg_gate_result_release(&x->res);
    tg_policy_free(x->policy);
    x->policy = NULL;
}

/* The outcome for tier (or -1) of the first gate. */
static const tg_gate_outcome *outcome_of(const run *x, int tier)
{
    for (int i = 0; i < x->res.noutcomes; i++)
        if (x->res.outcomes[i].tier == tier)
            return &x->res.outcomes[i];
    fail_msg("no outcome for tier %d", tier);
    return NULL;
}

static int status_of(const run *x, int tier)
{
    return (int)outcome_of(x, tier)->status;
}

/* Judge gate on the healthy tally modified by edit (NULL: as it is). */
static void expect(const char *gate, int tier, void (*edit)(tg_tally *),
                   int want)
{
    run x = {rules(), NULL, {0}};
    tg_tally t;
    tg_error err;
    healthy(&t, x.rules);
    if (edit)
        edit(&t);
    if (judge(&x, gate, &t, 0, &err))
        fail_msg("%s: %s", gate, err.msg);
    const tg_gate_outcome *o = outcome_of(&x, tier);
    if ((int)o->status != want)
        fail_msg("%s should be %s, is %s: %s", gate, tg_status_name(want),
                 tg_status_name(o->status), o->message);
    /* Every value lies in the interval printed beside it. */
    if (!isnan(o->ci_lower) && o->gate->check != TG_CHECK_CI_SEPARATION &&
        o->gate->check != TG_CHECK_RANK_ORDER &&
        !(o->ci_lower <= o->actual && o->actual <= o->ci_upper))
        fail_msg("%s: %g outside [%g, %g]", gate, o->actual, o->ci_lower,
                 o->ci_upper);
    done(&x);
    tg_tally_release(&t);
    tg_rules_free(x.rules);
}

static void a_10pct(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 2000, 2000, 200); }
static void a_small_15pct(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 100, 100, 15); }
static void a_6pct(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 2000, 2000, 120); }
static void a_small_9pct(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 100, 100, 9); }
static void a_1pct(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 2000, 2000, 20); }
static void a_small_5pct(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 100, 100, 5); }
static void a_test_4pct(tg_tally *t) { set(t, TG_SPLIT_TEST, A, 1000, 1000, 40); }
static void a_test_small(tg_tally *t) { set(t, TG_SPLIT_TEST, A, 100, 100, 10); }
static void b_30pct(tg_tally *t) { set(t, TG_SPLIT_TRAIN, B, 4000, 4000, 1200); }
static void b_22pct(tg_tally *t) { set(t, TG_SPLIT_TRAIN, B, 4000, 4000, 880); }
static void a_shrinks(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 40, 40, 10); }
static void b_grows(tg_tally *t) { set(t, TG_SPLIT_TRAIN, B, 30000, 30000, 3150); }

#define BLOCK ", \"severity\": \"block\"}"
#define WARN ", \"severity\": \"warn\"}"
#define G(check) "{\"id\": \"g\", \"description\": \"d\", \"check\": \"" check "\""

enum { P = TG_STATUS_PASS, F = TG_STATUS_FAIL, W = TG_STATUS_WARN,
       I = TG_STATUS_INCONCLUSIVE };

/* Every statistical kind: pass, fail and inconclusive from intervals. */
static void test_gate_each_kind_three_ways(void **state)
{
    (void)state;
    const char *rate = G("conversion_rate") ", \"tiers\": [\"TIER_1*\"], "
                       "\"min\": 0.15" BLOCK;
    expect(rate, A, NULL, P);
    expect(rate, A, a_10pct, F);
    expect(rate, A, a_small_15pct, I);
    const char *lift = G("lift") ", \"tiers\": \"priority\", \"min\": 2.0"
                       BLOCK;
    expect(lift, A, NULL, P);
    expect(lift, A, a_6pct, F);
    expect(lift, A, a_small_9pct, I);
    const char *cal = G("calibration") ", \"max_relative_error\": 0.3" BLOCK;
    expect(cal, A, NULL, P);
    expect(cal, A, a_10pct, F);
    expect(cal, A, a_small_15pct, I);
    const char *sep = G("ci_separation") ", \"tiers\": \"priority\"" BLOCK;
    expect(sep, A, NULL, P);
    expect(sep, A, a_1pct, F);
    expect(sep, A, a_small_5pct, I);
    const char *ratio = G("test_train_lift_ratio") ", \"min\": 0.5" BLOCK;
    expect(ratio, A, NULL, P);
    expect(ratio, A, a_test_4pct, F);
    expect(ratio, A, a_test_small, I);
    const char *range = G("expected_range") ", \"tiers\": \"all\", "
                        "\"ranges\": {\"TIER_1A\": {\"rate\": [0.2, 0.3], "
                        "\"lift_min\": 3}}" WARN;
    expect(range, A, NULL, P);
    expect(range, A, a_10pct, W);
    expect(range, A, a_small_15pct, I);
    const char *rank = G("rank_order") WARN;
    expect(rank, B, NULL, P);
    expect(rank, B, b_30pct, W); /* an inversion the data show */
    expect(rank, B, b_22pct, I); /* equal rates: the data cannot tell */
    /* Counts are judged as they are: never inconclusive. */
    const char *size = G("tier_size") ", \"tiers\": \"all\", \"min\": 50"
                       WARN;
    expect(size, A, NULL, P);
    expect(size, A, a_shrinks, W);
    const char *share = G("volume_share") ", \"split\": \"ALL\", "
                        "\"min\": 0.05, \"max\": 0.15" BLOCK;
    expect(share, -1, NULL, P);
    expect(share, -1, b_grows, F);
    const char *count = G("volume_count") ", \"min\": 100, \"max\": 7000"
                        WARN;
    expect(count, -1, NULL, P);
    expect(count, -1, b_grows, W);
}

/* "point" judges the estimate alone: what the interval left open is
 * decided, one way or the other. */
static void test_gate_point_judging(void **state)
{
    (void)state;
    expect(G("conversion_rate") ", \"tiers\": [\"TIER_1A\"], \"min\": 0.15, "
           "\"judge\": \"point\"" BLOCK, A, a_small_15pct, P);
    expect(G("conversion_rate") ", \"tiers\": [\"TIER_1A\"], \"min\": 0.16, "
           "\"judge\": \"point\"" BLOCK, A, a_small_15pct, F);
    expect(G("calibration") ", \"max_relative_error\": 0.3, \"judge\": "
           "\"point\"" BLOCK, A, a_small_15pct, P);
    /* Overlapping intervals fail the separation gate read literally. */
    expect(G("ci_separation") ", \"tiers\": \"priority\", \"judge\": "
           "\"point\"" BLOCK, A, a_small_5pct, F);
    expect(G("rank_order") ", \"judge\": \"point\"" WARN, B, b_22pct, P);
    expect(G("test_train_lift_ratio") ", \"min\": 0.5, \"judge\": \"point\""
           BLOCK, A, a_test_small, F);
}

/* Exact boundaries: a value equal to its threshold passes, in both modes,
 * also when the threshold is computed (10% x (1 - 20%) = 8%). */
static const char *BRULES =
    "{\"model_id\": \"m\", \"model_version\": \"v1\", \"features\": [\"x\"],"
    " \"tiers\": ["
    "  {\"name\": \"T\", \"when\": \"x = 1\", \"priority_rank\": 1,"
    "   \"expected_conversion_rate\": 0.10},"
    "  {\"name\": \"U\", \"when\": \"x = 2\", \"priority_rank\": 2,"
    "   \"expected_conversion_rate\": 0.10}],"
    " \"default_tier\": {\"name\": \"STANDARD\", \"priority_rank\": 99,"
    "   \"expected_conversion_rate\": 0.04}}";

static tg_verdict boundary(const char *gate, uint64_t tx, uint64_t tn,
                           uint64_t ux, uint64_t un, uint64_t sx, uint64_t sn,
                           uint64_t test_tx, char *msg)
{
    tg_rules *r = NULL;
    assert_tg_ok(tg_rules_parse(&r, BRULES, strlen(BRULES), "r.json", NULL));
    tg_tally t;
    assert_tg_ok(tg_tally_init(&t, r, NULL));
    set(&t, TG_SPLIT_TRAIN, 0, tn, tn, tx);
    set(&t, TG_SPLIT_TRAIN, 1, un, un, ux);
    set(&t, TG_SPLIT_TRAIN, 2, sn, sn, sx);
    set(&t, TG_SPLIT_TEST, 0, tn, tn, test_tx);
    set(&t, TG_SPLIT_TEST, 1, un, un, ux);
    set(&t, TG_SPLIT_TEST, 2, sn, sn, sx);
    run x = {r, NULL, {0}};
    tg_error err;
    if (judge(&x, gate, &t, 0, &err))
        fail_msg("%s: %s", gate, err.msg);
    tg_verdict v = outcome_of(&x, gate[0] == '{' && strstr(gate, "volume")
                                      ? -1 : 0)->verdict;
    snprintf(msg, 480, "%s", outcome_of(&x, strstr(gate, "volume") ? -1 : 0)
                                 ->message);
    done(&x);
    tg_tally_release(&t);
    tg_rules_free(r);
    return v;
}

#define PT ", \"judge\": \"point\""
static void test_gate_exact_boundaries(void **state)
{
    (void)state;
    char m[480];
    /* 8 of 100 against 10% x (1 - 20%): on the band's edge, inside. */
    assert_int_equal(boundary(G("calibration") ", \"tiers\": [\"T\"], "
                              "\"max_relative_error\": 0.2" PT BLOCK,
                              8, 100, 10, 100, 40, 1000, 8, m),
                     TG_VERDICT_PASS);
    assert_string_equal(m, "8.00% meets 8.00% to 12.00%; expected 10.00%, "
                           "off by 20.0%");
    /* 12 of 100 is the upper edge; 7 of 100 is out. */
    assert_int_equal(boundary(G("calibration") ", \"tiers\": [\"T\"], "
                              "\"max_relative_error\": 0.2" PT BLOCK,
                              12, 100, 10, 100, 40, 1000, 12, m),
                     TG_VERDICT_PASS);
    assert_int_equal(boundary(G("calibration") ", \"tiers\": [\"T\"], "
                              "\"max_relative_error\": 0.2" PT BLOCK,
                              7, 100, 10, 100, 40, 1000, 7, m),
                     TG_VERDICT_FAIL);
    /* conversion_rate: 7 of 70 is exactly 10%. */
    assert_int_equal(boundary(G("conversion_rate") ", \"tiers\": [\"T\"], "
                              "\"min\": 0.1" PT BLOCK,
                              7, 70, 10, 100, 40, 1000, 7, m),
                     TG_VERDICT_PASS);
    assert_int_equal(boundary(G("conversion_rate") ", \"tiers\": [\"T\"], "
                              "\"max\": 0.1" PT BLOCK,
                              7, 70, 10, 100, 40, 1000, 7, m),
                     TG_VERDICT_PASS);
    /* lift: T 30% against a split at 10% is 3x exactly (0.3 / 0.1 is
     * 2.9999999999999996 in binary). */
    assert_int_equal(boundary(G("lift") ", \"tiers\": [\"T\"], \"min\": 3"
                              PT BLOCK, 30, 100, 0, 100, 0, 100, 30, m),
                     TG_VERDICT_PASS);
    /* test_train_lift_ratio: TEST lift exactly half of TRAIN lift. */
    assert_int_equal(boundary(G("test_train_lift_ratio") ", \"tiers\": "
                              "[\"T\"], \"min\": 0.5" PT BLOCK,
                              40, 100, 10, 100, 10, 100, 15, m),
                     TG_VERDICT_PASS);
    /* volume_share: 100 of 2000 leads is 5%. */
    assert_int_equal(boundary(G("volume_share") ", \"tiers\": [\"T\"], "
                              "\"min\": 0.05, \"max\": 0.15" BLOCK,
                              10, 100, 10, 900, 40, 1000, 10, m),
                     TG_VERDICT_PASS);
    /* tier_size: 50 leads against >= 50. */
    assert_int_equal(boundary(G("tier_size") ", \"tiers\": [\"T\"], "
                              "\"min\": 50" WARN, 5, 50, 10, 100, 40, 1000,
                              5, m),
                     TG_VERDICT_PASS);
    /* rank_order: equal rates do not invert. */
    assert_int_equal(boundary(G("rank_order") PT WARN, 10, 100, 10, 100, 40,
                              1000, 10, m),
                     TG_VERDICT_PASS);
}

/* The same boundaries judged on intervals: a threshold equal to the
 * interval's bound (written with 17 digits, so it is that double) passes;
 * the next double up leaves it inconclusive. */
static void interval_edge(const char *fmt, double bound, uint64_t tx,
                          uint64_t tn, uint64_t test_tx)
{
    char gate[512], m[480];
    snprintf(gate, sizeof gate, fmt, bound);
    if (boundary(gate, tx, tn, 10, 100, 40, 1000, test_tx, m) !=
        TG_VERDICT_PASS)
        fail_msg("%s: %s", gate, m);
    snprintf(gate, sizeof gate, fmt, nextafter(bound, INFINITY));
    if (boundary(gate, tx, tn, 10, 100, 40, 1000, test_tx, m) !=
        TG_VERDICT_INCONCLUSIVE)
        fail_msg("%s: %s", gate, m);
}

static void test_gate_interval_boundaries(void **state)
{
    (void)state;
    double lo, hi, l;
    /* conversion_rate: 8 of 100, Wilson lower bound. */
    assert_tg_ok(tg_ci(&lo, &hi, 8, 100, 0.95, TG_CI_WILSON));
    interval_edge(G("conversion_rate") ", \"tiers\": [\"T\"], \"min\": %.17g"
                  BLOCK, lo, 8, 100, 8);
    /* expected_range: the same bound as the range's minimum. */
    interval_edge(G("expected_range") ", \"tiers\": [\"T\"], \"ranges\": "
                  "{\"T\": {\"rate\": [%.17g, 0.5]}}" WARN, lo, 8, 100, 8);
    /* lift: T 30 of 100 against U 10 of 100 and STANDARD 40 of 1000. */
    assert_tg_ok(tg_lift_interval(&l, &lo, &hi, 30, 100, 50, 1100, 0.95));
    interval_edge(G("lift") ", \"tiers\": [\"T\"], \"min\": %.17g" BLOCK, lo,
                  30, 100, 30);
    /* test_train_lift_ratio: TEST 20 of 100 against TRAIN 30 of 100. */
    double v;
    assert_tg_ok(tg_lift_ratio_interval(&v, &lo, &hi, 20, 100, 50, 1100, NAN,
                                        30, 100, 50, 1100, NAN, 0.95));
    interval_edge(G("test_train_lift_ratio") ", \"tiers\": [\"T\"], \"min\": "
                  "%.17g" BLOCK, lo, 30, 100, 20);
}

/* The remaining kinds on their boundary, read literally. */
static void test_gate_point_boundaries_more(void **state)
{
    (void)state;
    char m[480];
    /* expected_range: 8 of 100 against [0.08, 0.12]. */
    assert_int_equal(boundary(G("expected_range") ", \"tiers\": [\"T\"], "
                              "\"ranges\": {\"T\": {\"rate\": [0.08, 0.12]}}"
                              PT WARN, 8, 100, 10, 100, 40, 1000, 8, m),
                     TG_VERDICT_PASS);
    /* volume_count: 100 leads against 100-200. */
    assert_int_equal(boundary(G("volume_count") ", \"tiers\": [\"T\"], "
                              "\"min\": 100, \"max\": 200" WARN,
                              10, 100, 10, 100, 40, 1000, 10, m),
                     TG_VERDICT_PASS);
    assert_int_equal(boundary(G("volume_count") ", \"tiers\": [\"T\"], "
                              "\"min\": 101, \"max\": 200" WARN,
                              10, 100, 10, 100, 40, 1000, 10, m),
                     TG_VERDICT_FAIL);
    /* ci_separation read literally: intervals that overlap fail. */
    assert_int_equal(boundary(G("ci_separation") ", \"tiers\": [\"T\"]" PT
                              BLOCK, 5, 100, 10, 100, 40, 1000, 5, m),
                     TG_VERDICT_FAIL);
    assert_int_equal(boundary(G("ci_separation") ", \"tiers\": [\"T\"]" PT
                              BLOCK, 30, 100, 10, 100, 40, 1000, 30, m),
                     TG_VERDICT_PASS);
}

/* The verdict helper at each boundary, for intervals. */
static void test_gate_verdict_helper(void **state)
{
    (void)state;
    assert_int_equal(tg_verdict_at_least(0.08, 0.2, 0.08), TG_VERDICT_PASS);
    assert_int_equal(tg_verdict_at_least(0.01, 0.08, 0.08),
                     TG_VERDICT_INCONCLUSIVE);
    assert_int_equal(tg_verdict_at_least(0.01, 0.0799, 0.08), TG_VERDICT_FAIL);
    assert_int_equal(tg_verdict_at_most(0.01, 0.08, 0.08), TG_VERDICT_PASS);
    assert_int_equal(tg_verdict_at_most(0.08, 0.2, 0.08),
                     TG_VERDICT_INCONCLUSIVE);
    assert_int_equal(tg_verdict_at_most(0.0801, 0.2, 0.08), TG_VERDICT_FAIL);
    assert_int_equal(tg_verdict_within(0.08, 0.12, 0.08, 0.12),
                     TG_VERDICT_PASS);
    assert_int_equal(tg_verdict_within(0.07, 0.12, 0.08, 0.12),
                     TG_VERDICT_INCONCLUSIVE);
    assert_int_equal(tg_verdict_within(0.01, 0.07, 0.08, 0.12),
                     TG_VERDICT_FAIL);
    assert_int_equal(tg_verdict_within(0.13, 0.2, 0.08, 0.12),
                     TG_VERDICT_FAIL);
    assert_int_equal(tg_verdict_within(NAN, NAN, 0.08, 0.12),
                     TG_VERDICT_INCONCLUSIVE);
    assert_int_equal(tg_verdict_above(0.05, 0.1, 0.02, 0.05),
                     TG_VERDICT_INCONCLUSIVE); /* touching is overlap */
    assert_int_equal(tg_verdict_above(0.051, 0.1, 0.02, 0.05),
                     TG_VERDICT_PASS);
    assert_int_equal(tg_verdict_above(0.01, 0.019, 0.02, 0.05),
                     TG_VERDICT_FAIL);
    assert_true(tg_decimal_threshold(0.1 * (1 - 0.2)) == 8.0 / 100);
    assert_true(tg_decimal_threshold(0.14 * (1 + 0.2)) == 0.168);
}

/* What an inconclusive outcome does: block or warn, per policy and gate;
 * its message says how many labeled leads would decide it. */
static void test_gate_inconclusive_block_or_warn(void **state)
{
    (void)state;
    run x = {rules(), NULL, {0}};
    tg_tally t;
    tg_error err;
    healthy(&t, x.rules);
    a_small_15pct(&t);
    const char *g = G("conversion_rate") ", \"tiers\": [\"TIER_1A\"], "
                    "\"min\": 0.15%s" BLOCK;
    char buf[512];
    snprintf(buf, sizeof buf, g, "");
    assert_tg_ok(judge(&x, buf, &t, 0, &err)); /* default: block */
    assert_int_equal(status_of(&x, A), TG_STATUS_INCONCLUSIVE);
    assert_int_equal(x.res.status, TG_OVERALL_FAILED);
    assert_int_equal(x.res.inconclusive, 1);
    const tg_gate_outcome *o = outcome_of(&x, A);
    assert_true(o->blocks);
    assert_int_equal(o->leads_now, 100);
    /* At the expected 20% against 15%, a few hundred leads decide. */
    assert_true(o->leads_needed > 100 && o->leads_needed < 2000);
    assert_non_null(strstr(o->message, "labeled leads (it has 100) would "
                                       "give an 80% chance of a decisive "
                                       "pass at the expected 20.00%"));
    done(&x);
    snprintf(buf, sizeof buf, g, ", \"inconclusive\": \"warn\"");
    assert_tg_ok(judge(&x, buf, &t, 0, &err));
    assert_int_equal(x.res.status, TG_OVERALL_PASSED_WITH_WARNINGS);
    assert_false(outcome_of(&x, A)->blocks);
    done(&x);
    assert_tg_ok(judge(&x, buf, &t, 1, &err)); /* strict */
    assert_int_equal(x.res.status, TG_OVERALL_FAILED);
    done(&x);
    /* The policy level sets the default; the gate overrides it. */
    const char *pol = "{\"policy_id\": \"p\", \"inconclusive\": \"warn\", "
                      "\"gates\": [" G("conversion_rate") ", \"tiers\": "
                      "[\"TIER_1A\"], \"min\": 0.15" BLOCK ", "
                      "{\"id\": \"h\", \"description\": \"d\", \"check\": "
                      "\"calibration\", \"max_relative_error\": 0.3, "
                      "\"inconclusive\": \"block\"" BLOCK "]}";
    assert_tg_ok(tg_policy_parse(&x.policy, pol, strlen(pol), "p.json",
                                 x.rules, &err));
    assert_int_equal(x.policy->gates[0].inconclusive, TG_INCONCLUSIVE_WARN);
    assert_int_equal(x.policy->gates[1].inconclusive, TG_INCONCLUSIVE_BLOCK);
    tg_policy_free(x.policy);
    tg_tally_release(&t);
    tg_rules_free(x.rules);
}

static void test_gate_messages_and_values(void **state)
{
    (void)state;
    run x = {rules(), NULL, {0}};
    tg_tally t;
    tg_error err;
    healthy(&t, x.rules);
    a_shrinks(&t);
    assert_tg_ok(judge(&x, "{\"id\": \"size\", \"description\": \"d\", "
                           "\"check\": \"tier_size\", \"tiers\": \"all\", "
                           "\"min\": 50, \"advice\": {\"TIER_1A\": \"merge 1A "
                           "into 2A\"}" WARN, &t, 0, &err));
    assert_int_equal(x.res.noutcomes, 3);
    assert_string_equal(x.res.outcomes[0].message,
                        "40 leads misses >= 50 (a count: judged as it is); "
                        "merge 1A into 2A");
    assert_int_equal(x.res.status, TG_OVERALL_PASSED_WITH_WARNINGS);
    assert_int_equal(tg_overall_exit_code(x.res.status), 0);
    done(&x);

    /* The lift is against the whole split, tier included: 10/40 over
     * 1630/44040 in TRAIN, and its interval holds it. */
    assert_tg_ok(judge(&x, "{\"id\": \"l\", \"description\": \"d\", \"check\": "
                           "\"lift\", \"min\": 2" BLOCK, &t, 0, &err));
    const tg_gate_outcome *o = &x.res.outcomes[0];
    assert_true(fabs(o->actual - (10.0 / 40) / (1630.0 / 44040)) < 1e-12);
    assert_true(o->ci_lower < o->actual && o->actual < o->ci_upper);
    done(&x);
    tg_tally_release(&t);
    tg_rules_free(x.rules);
}

static void test_gate_insufficient_and_strict(void **state)
{
    (void)state;
    run x = {rules(), NULL, {0}};
    tg_tally t;
    tg_error err;
    healthy(&t, x.rules);
    set(&t, TG_SPLIT_TRAIN, A, 12, 12, 6); /* 50%, but only 12 labeled */
    const char *g = "{\"id\": \"g\", \"description\": \"d\", \"check\": "
                    "\"conversion_rate\", \"tiers\": [\"TIER_1A\"], "
                    "\"min\": 0.15, \"severity\": \"%s\"}";
    char buf[512];
    snprintf(buf, sizeof buf, g, "block");
    assert_tg_ok(judge(&x, buf, &t, 0, &err));
    assert_int_equal(status_of(&x, A), TG_STATUS_INSUFFICIENT);
    assert_int_equal(x.res.status, TG_OVERALL_FAILED);
    assert_non_null(strstr(x.res.outcomes[0].message, "too few leads"));
    done(&x);
    snprintf(buf, sizeof buf, g, "warn");
    assert_tg_ok(judge(&x, buf, &t, 0, &err));
    assert_int_equal(x.res.status, TG_OVERALL_PASSED_WITH_WARNINGS);
    done(&x);
    assert_tg_ok(judge(&x, buf, &t, 1, &err)); /* strict */
    assert_int_equal(x.res.status, TG_OVERALL_FAILED);
    assert_int_equal(tg_overall_exit_code(x.res.status), 1);
    done(&x);
    tg_tally_release(&t);
    tg_rules_free(x.rules);
}

static void expect_policy_error(const char *gate, const char *msg)
{
    run x = {rules(), NULL, {0}};
    tg_tally t;
    tg_error err;
    healthy(&t, x.rules);
    assert_int_equal(judge(&x, gate, &t, 0, &err), TG_EINVAL);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("message '%s', want '%s'", err.msg, msg);
    assert_string_equal(err.file, "p.json");
    tg_policy_free(x.policy);
    tg_tally_release(&t);
    tg_rules_free(x.rules);
}

static void test_gate_policy_errors_name_gate_and_key(void **state)
{
    (void)state;
    expect_policy_error("{\"id\": \"G1\", \"description\": \"d\", \"check\": "
                        "\"rate\", \"min\": 1" BLOCK,
                        "gate 'G1': key 'check': unknown check 'rate' (known: "
                        "conversion_rate, lift, volume_share, volume_count, "
                        "ci_separation, calibration, test_train_lift_ratio, "
                        "tier_size, expected_range, rank_order, "
                        "data_quality)");
    expect_policy_error("{\"id\": \"G2\", \"description\": \"d\", \"check\": "
                        "\"lift\", \"tiers\": [\"TIER_9*\"], \"min\": 1" BLOCK,
                        "gate 'G2': key 'tiers': 'TIER_9*' matches no tier of m");
    expect_policy_error("{\"id\": \"G3\", \"description\": \"d\", \"check\": "
                        "\"lift\", \"min\": \"2x\"" BLOCK,
                        "gate 'G3': key 'min': expected a number");
    expect_policy_error("{\"id\": \"G4\", \"description\": \"d\", \"check\": "
                        "\"lift\"" BLOCK,
                        "gate 'G4': key 'min': check 'lift' needs 'min' or "
                        "'max'");
    expect_policy_error("{\"id\": \"G5\", \"description\": \"d\", \"check\": "
                        "\"lift\", \"min\": 1, \"severity\": \"fatal\"}",
                        "gate 'G5': key 'severity': expected \"block\" or "
                        "\"warn\", not 'fatal'");
    expect_policy_error("{\"id\": \"G6\", \"description\": \"d\", \"check\": "
                        "\"lift\", \"min\": 1, \"split\": \"DEV\"" BLOCK,
                        "gate 'G6': key 'split': expected TRAIN, TEST or ALL, "
                        "not 'DEV'");
    expect_policy_error("{\"id\": \"G7\", \"check\": \"lift\", \"min\": 1" BLOCK,
                        "gate 'G7': key 'description': missing");
    expect_policy_error("{\"id\": \"G9\", \"description\": \"d\", \"check\": "
                        "\"lift\", \"min\": 2, \"judge\": \"ci_bound\"" BLOCK,
                        "gate 'G9': key 'judge': \"ci_bound\" was removed: use "
                        "\"judge\": \"interval\" (pass, fail or inconclusive "
                        "from the interval) with \"inconclusive\": \"block\" "
                        "or \"warn\"");
    expect_policy_error("{\"id\": \"G10\", \"description\": \"d\", \"check\": "
                        "\"lift\", \"min\": 2, \"inconclusive\": \"pass\"" BLOCK,
                        "gate 'G10': key 'inconclusive': expected \"block\" or "
                        "\"warn\", not 'pass'");
    expect_policy_error("{\"id\": \"G8\", \"description\": \"d\", \"check\": "
                        "\"tier_size\", \"min\": 5, \"advice\": {\"TIER_7\": "
                        "\"x\"}" WARN,
                        "gate 'G8': key 'advice.TIER_7': no such tier in m");
}

static void test_gate_v32_policy_loads(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    tg_policy *p = NULL;
    tg_error err;
    assert_tg_ok(tg_policy_load(&p, tt_src("registry/gates/v3.2.json"), r,
                                &err));
    static const char *ids[] = {"V3.2.1", "V3.2.2", "V3.2.3", "V3.2.4",
                                "V3.2.5"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(p->gates[i].id, ids[i]);
    /* TIER_1* covers the three Tier 1 variants, TIER_2* the two. */
    assert_int_equal(p->gates[5].ntiers, 3);
    assert_int_equal(p->gates[6].ntiers, 2);
    tg_policy_free(p);
    tg_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate_each_kind_three_ways),
        cmocka_unit_test(test_gate_point_judging),
        cmocka_unit_test(test_gate_exact_boundaries),
        cmocka_unit_test(test_gate_interval_boundaries),
        cmocka_unit_test(test_gate_point_boundaries_more),
        cmocka_unit_test(test_gate_verdict_helper),
        cmocka_unit_test(test_gate_inconclusive_block_or_warn),
        cmocka_unit_test(test_gate_messages_and_values),
        cmocka_unit_test(test_gate_insufficient_and_strict),
        cmocka_unit_test(test_gate_policy_errors_name_gate_and_key),
        cmocka_unit_test(test_gate_v32_policy_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
