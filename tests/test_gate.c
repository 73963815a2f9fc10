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

/* A healthy tally: A 25% of 200, B 12% of 400, STANDARD 3% of 4000 in
 * TRAIN; TEST alike. */
static void healthy(tg_tally *t, const tg_rules *r)
{
    assert_tg_ok(tg_tally_init(t, r, NULL));
    set(t, TG_SPLIT_TRAIN, A, 200, 200, 50);
    set(t, TG_SPLIT_TRAIN, B, 400, 400, 48);
    set(t, TG_SPLIT_TRAIN, S, 4000, 4000, 120);
    set(t, TG_SPLIT_TEST, A, 100, 100, 22);
    set(t, TG_SPLIT_TEST, B, 200, 200, 22);
    set(t, TG_SPLIT_TEST, S, 2000, 2000, 70);
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

/* Status of the outcome for tier (or -1) of the first gate. */
static int status_of(const run *x, int tier)
{
    for (int i = 0; i < x->res.noutcomes; i++)
        if (x->res.outcomes[i].tier == tier)
            return (int)x->res.outcomes[i].status;
    fail_msg("no outcome for tier %d", tier);
    return -1;
}

/* Judge gate on the healthy tally and on the tally modified by edit. */
static void pass_then_fail(const char *gate, int tier,
                           void (*edit)(tg_tally *), int want_fail)
{
    run x = {rules(), NULL, {0}};
    tg_tally t;
    tg_error err;
    healthy(&t, x.rules);
    if (judge(&x, gate, &t, 0, &err))
        fail_msg("%s: %s", gate, err.msg);
    if (status_of(&x, tier) != TG_STATUS_PASS)
        fail_msg("%s should pass: %s", gate, x.res.outcomes[0].message);
    assert_int_equal(x.res.status, TG_OVERALL_PASSED);
    done(&x);
    edit(&t);
    assert_tg_ok(judge(&x, gate, &t, 0, &err));
    if (status_of(&x, tier) != want_fail)
        fail_msg("%s should be %s: %s", gate, tg_status_name(want_fail),
                 x.res.outcomes[0].message);
    done(&x);
    tg_tally_release(&t);
    tg_rules_free(x.rules);
}

static void a_converts_less(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 200, 200, 20); }
static void b_grows(tg_tally *t) { set(t, TG_SPLIT_TRAIN, B, 3000, 3000, 360); }
static void a_test_drops(tg_tally *t) { set(t, TG_SPLIT_TEST, A, 100, 100, 4); }
static void a_shrinks(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 40, 40, 10); }
static void b_beats_a(tg_tally *t) { set(t, TG_SPLIT_TRAIN, B, 400, 400, 120); }
static void a_near_standard(tg_tally *t) { set(t, TG_SPLIT_TRAIN, A, 200, 200, 12); }

#define BLOCK ", \"severity\": \"block\"}"
#define WARN ", \"severity\": \"warn\"}"

static void test_gate_each_check_passes_and_fails(void **state)
{
    (void)state;
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": "
                   "\"conversion_rate\", \"tiers\": [\"TIER_1*\"], \"min\": 0.15"
                   BLOCK, A, a_converts_less, TG_STATUS_FAIL);
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": \"lift\","
                   " \"tiers\": \"priority\", \"min\": 2.0" BLOCK, A,
                   a_near_standard, TG_STATUS_FAIL);
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": "
                   "\"volume_share\", \"split\": \"ALL\", \"min\": 0.05, "
                   "\"max\": 0.15" BLOCK, -1, b_grows, TG_STATUS_FAIL);
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": "
                   "\"volume_count\", \"min\": 100, \"max\": 1000" WARN, -1,
                   b_grows, TG_STATUS_WARN);
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": "
                   "\"ci_separation\", \"tiers\": \"priority\"" BLOCK, A,
                   a_near_standard, TG_STATUS_FAIL);
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": "
                   "\"calibration\", \"max_relative_error\": 0.3" BLOCK, A,
                   a_converts_less, TG_STATUS_FAIL);
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": "
                   "\"test_train_lift_ratio\", \"min\": 0.5" BLOCK, A,
                   a_test_drops, TG_STATUS_FAIL);
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": "
                   "\"tier_size\", \"tiers\": \"all\", \"min\": 50, \"advice\": "
                   "{\"TIER_1A\": \"merge 1A into 2A\"}" WARN, A, a_shrinks,
                   TG_STATUS_WARN);
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": "
                   "\"expected_range\", \"tiers\": \"all\", \"ranges\": "
                   "{\"TIER_1A\": {\"rate\": [0.2, 0.3], \"lift_min\": 3}}"
                   WARN, A, a_converts_less, TG_STATUS_WARN);
    pass_then_fail("{\"id\": \"g\", \"description\": \"d\", \"check\": "
                   "\"rank_order\"" WARN, B, b_beats_a, TG_STATUS_WARN);
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
                        "40 misses >= 50; merge 1A into 2A");
    assert_int_equal(x.res.status, TG_OVERALL_PASSED_WITH_WARNINGS);
    assert_int_equal(tg_overall_exit_code(x.res.status), 0);
    done(&x);

    /* The baseline is the split's own: 218/4600 in TRAIN. */
    assert_tg_ok(judge(&x, "{\"id\": \"l\", \"description\": \"d\", \"check\": "
                           "\"lift\", \"min\": 2" BLOCK, &t, 0, &err));
    const tg_gate_outcome *o = &x.res.outcomes[0];
    assert_true(fabs(o->actual - (10.0 / 40) / (178.0 / 4440)) < 1e-12);
    assert_true(o->ci_lower < o->actual && o->actual < o->ci_upper);
    done(&x);
    tg_tally_release(&t);
    tg_rules_free(x.rules);
}

static void test_gate_ci_bound_is_stricter(void **state)
{
    (void)state;
    run x = {rules(), NULL, {0}};
    tg_tally t;
    tg_error err;
    healthy(&t, x.rules);
    set(&t, TG_SPLIT_TRAIN, A, 100, 100, 20); /* 20%, Wilson [13.3%, 28.9%] */
    const char *g = "{\"id\": \"g\", \"description\": \"d\", \"check\": "
                    "\"conversion_rate\", \"tiers\": [\"TIER_1A\"], "
                    "\"min\": 0.15, \"judge\": \"%s\"" BLOCK;
    char buf[512];
    snprintf(buf, sizeof buf, g, "estimate");
    assert_tg_ok(judge(&x, buf, &t, 0, &err));
    assert_int_equal(status_of(&x, A), TG_STATUS_PASS);
    done(&x);
    snprintf(buf, sizeof buf, g, "ci_bound");
    assert_tg_ok(judge(&x, buf, &t, 0, &err));
    assert_int_equal(status_of(&x, A), TG_STATUS_FAIL);
    assert_int_equal(x.res.status, TG_OVERALL_FAILED);
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
        cmocka_unit_test(test_gate_each_check_passes_and_fails),
        cmocka_unit_test(test_gate_messages_and_values),
        cmocka_unit_test(test_gate_ci_bound_is_stricter),
        cmocka_unit_test(test_gate_insufficient_and_strict),
        cmocka_unit_test(test_gate_policy_errors_name_gate_and_key),
        cmocka_unit_test(test_gate_v32_policy_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
