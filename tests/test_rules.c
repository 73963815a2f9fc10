/*
 * Rule sets: the shipped V3.1 and V3.2 load as the brief defines them;
 * broken ones are refused with the file and key or line named; the
 * compiled tier table agrees with condition-by-condition evaluation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void test_rules_v32_as_in_the_brief(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    assert_string_equal(r->model_version, "v3.2");
    assert_int_equal(r->ntiers, 8);
    static const char *names[] = {
        "TIER_1A_PRIME_MOVER_SMALL", "TIER_1B_SMALL_FIRM", "TIER_1C_PRIME_MOVER",
        "TIER_2A_PROVEN_MOVER", "TIER_2B_MODERATE_BLEEDER",
        "TIER_3_EXPERIENCED_MOVER", "TIER_4_HEAVY_BLEEDER", "STANDARD"};
    static const double rates[] = {0.15, 0.14, 0.13, 0.10, 0.11, 0.10, 0.10, 0.04};
    for (int t = 0; t < 8; t++) {
        assert_string_equal(r->tiers[t].name, names[t]);
        assert_true(fabs(r->tiers[t].expected_conversion_rate - rates[t]) < 1e-12);
        assert_int_equal(r->tiers[t].priority_rank, t < 7 ? t + 1 : 99);
    }
    assert_string_equal(r->tiers[0].display, "🥇 Prime Mover (Small Firm)");
    assert_string_equal(r->tiers[6].display, "🎖️ Heavy Bleeder");
    assert_null(r->tiers[7].cond);
    assert_int_equal(r->nchanges, 6);
    int f = tg_rules_feature_index(r, "pit_firm_rep_count", 18);
    assert_string_equal(r->features[f].name, "firm_rep_count_at_contact");
    f = tg_rules_feature_index(r, "PRIOR_FIRM_COUNT", 16);
    assert_string_equal(r->features[f].name, "num_prior_firms");
    assert_non_null(r->map); /* every V3.2 condition is table-able */
    assert_int_equal(strlen(r->sha256), 64);
    tg_rules_free(r);

    r = tt_rules("registry/tiers/v3.1.json");
    assert_int_equal(r->ntiers, 5);
    assert_string_equal(r->tiers[0].name, "TIER_1_PRIME_MOVER");
    tg_rules_free(r);
}

static int load_text(const char *json, tg_error *err)
{
    tg_rules *r = NULL;
    tg_error_clear(err);
    int rc = tg_rules_parse(&r, json, strlen(json), "x.json", err);
    tg_rules_free(r);
    return rc;
}

#define HEAD "{\"model_id\": \"m\", \"model_version\": \"v\", " \
             "\"features\": [\"a\", {\"name\": \"b\", \"aliases\": [\"bb\"]}], "
#define DEF ", \"default_tier\": {\"name\": \"STANDARD\"}}"

static void test_rules_errors_name_key_or_position(void **state)
{
    (void)state;
    tg_error err;
    assert_int_equal(load_text("{\"model_id\": \"m\",\n  \"tiers\": [,]}", &err),
                     TG_EINVAL);
    assert_string_equal(err.msg, "invalid JSON");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 13);

    assert_int_equal(load_text(HEAD "\"tiers\": [{\"name\": \"T1\"}]" DEF, &err),
                     TG_EINVAL);
    assert_string_equal(err.msg, "key 'tiers[0].when': missing");

    assert_int_equal(load_text(HEAD "\"tiers\": [{\"name\": \"T1\", \"when\": 3}]"
                               DEF, &err), TG_EINVAL);
    assert_string_equal(err.msg, "key 'tiers[0].when': expected a string or "
                                 "an array of strings");

    assert_int_equal(load_text(HEAD "\"tiers\": [{\"name\": \"T1\", \"when\": "
                               "[\"a > 1\", \"AND zz = 2\"]}]" DEF, &err),
                     TG_EINVAL);
    assert_string_equal(err.file, "x.json#T1");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 5);
    assert_string_equal(err.msg, "unknown feature 'zz'");

    assert_int_equal(load_text(HEAD "\"tiers\": [{\"name\": \"T1\", \"when\": "
                               "\"a > 1\", \"expected_lift\": \"3x\"}]" DEF,
                               &err), TG_EINVAL);
    assert_string_equal(err.msg, "key 'tiers[0].expected_lift': expected a "
                                 "number");

    assert_int_equal(load_text(HEAD "\"tiers\": [{\"name\": \"T1\", \"when\": "
                               "\"a > 1\"}, {\"name\": \"T1\", \"when\": "
                               "\"a > 2\"}]" DEF, &err), TG_EINVAL);
    assert_string_equal(err.msg, "key 'tiers[1].name': tier 'T1' defined twice");

    assert_int_equal(load_text(HEAD "\"tiers\": [{\"name\": \"T1\", \"when\": "
                               "\"a > 1\"}]}", &err), TG_EINVAL);
    assert_string_equal(err.msg, "key 'default_tier': missing");

    /* An alias resolves in conditions too. */
    assert_int_equal(load_text(HEAD "\"tiers\": [{\"name\": \"T1\", \"when\": "
                               "\"bb > 1\"}]" DEF, &err), TG_OK);
}

/* Values around every constant of V3.2 and V3.1, and NULL. */
static double pick(unsigned *seed, const double *cuts, int n)
{
    int k = (int)(rand_r(seed) % (unsigned)(3 * n + 2));
    if (k == 0)
        return NAN;
    if (k == 1)
        return (double)(rand_r(seed) % 2000) - 1000;
    k -= 2;
    return cuts[k / 3] + (k % 3) - 1; /* c - 1, c, c + 1 */
}

static void check_table_agrees(const char *path)
{
    tg_rules *r = tt_rules(path);
    assert_non_null(r->map);
    static const double cuts[] = {-11, -10, -1, 0, 1, 2, 3, 10, 11, 12, 36,
                                  37, 48, 49, 50, 51, 59, 60, 180, 181, 239,
                                  240, 0.5};
    unsigned seed = 12345;
    double *v = malloc((size_t)r->nfeatures * sizeof *v);
    for (int i = 0; i < 300000; i++) {
        for (int f = 0; f < r->nfeatures; f++)
            v[f] = pick(&seed, cuts, (int)(sizeof cuts / sizeof *cuts));
        int fast = tg_rules_assign(r, v), slow = tg_rules_assign_slow(r, v);
        if (fast != slow)
            fail_msg("%s: table says %s, conditions say %s", path,
                     r->tiers[fast].name, r->tiers[slow].name);
    }
    free(v);
    tg_rules_free(r);
}

static void test_rules_table_agrees_with_conditions(void **state)
{
    (void)state;
    check_table_agrees("registry/tiers/v3.2.json");
    check_table_agrees("registry/tiers/v3.1.json");
}

static void test_rules_arithmetic_falls_back_to_conditions(void **state)
{
    (void)state;
    tg_rules *r = NULL;
    const char *json = HEAD "\"tiers\": [{\"name\": \"T1\", \"when\": "
                            "\"a / 12 BETWEEN 1 AND 3 AND b IS NOT NULL\"}]" DEF;
    assert_tg_ok(tg_rules_parse(&r, json, strlen(json), "x.json", NULL));
    assert_null(r->map);
    double v1[2] = {24, 1}, v2[2] = {24, NAN}, v3[2] = {48, 1};
    assert_int_equal(tg_rules_assign(r, v1), 0);
    assert_int_equal(tg_rules_assign(r, v2), 1);
    assert_int_equal(tg_rules_assign(r, v3), 1); /* 48 / 12 = 4 */
    tg_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_v32_as_in_the_brief),
        cmocka_unit_test(test_rules_errors_name_key_or_position),
        cmocka_unit_test(test_rules_table_agrees_with_conditions),
        cmocka_unit_test(test_rules_arithmetic_falls_back_to_conditions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
