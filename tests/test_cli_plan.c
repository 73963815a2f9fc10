/*
 * `tiergate plan`, the reliability section of `gate`, the inconclusive
 * status in every output, removed policy keys, and --baseline, end to
 * end on the synthetic export.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define RULES "--rules registry/tiers/v3.2.json "
#define POLICY "--policy registry/gates/v3.2.json "

static const char *data(void)
{
    static char path[4096];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s", tt_path("plan.csv"));
        tt_run_result r = tt_run("synth -o '%s'", path);
        assert_int_equal(r.status, 0);
        tt_run_free(&r);
    }
    return path;
}

static const cJSON *key(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v)
        fail_msg("missing key '%s'", k);
    return v;
}

static void test_cli_plan_text_json_and_reproducible(void **state)
{
    (void)state;
    tt_run_result r = tt_run("plan " RULES POLICY "--data '%s' --draws 2000",
                             data());
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "How reliable is this verdict?"));
    assert_non_null(strstr(r.out, "passes when every tier converts at its "
                                  "expected rate"));
    assert_non_null(strstr(r.out, "V3.2.1"));
    tt_run_free(&r);

    r = tt_run("plan " RULES POLICY "--data '%s' --draws 2000 --format json",
               data());
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    const cJSON *rel = key(j, "reliability");
    assert_true(key(rel, "draws")->valuedouble == 2000);
    double pe = key(rel, "policy_pass_at_expected")->valuedouble;
    double pb = key(rel, "policy_block_at_no_signal")->valuedouble;
    assert_true(pe >= 0.9 && pe <= 1 && pb >= 0.95 && pb <= 1);
    /* V3.2.1 on TIER_1A (204 labeled, expected 15%, >= 10% judged on the
     * Wilson interval) against scipy/statsmodels (power.csv). */
    const cJSON *g;
    int seen = 0;
    cJSON_ArrayForEach(g, key(rel, "gates"))
    {
        double p = key(g, "pass_at_expected")->valuedouble;
        assert_true(cJSON_IsNull(key(g, "pass_at_expected")) ||
                    (p >= 0 && p <= 1));
        if (!strcmp(key(g, "id")->valuestring, "V3.2.1")) {
            assert_true(key(g, "labeled")->valuedouble == 204);
            assert_true(fabs(p - 0.6526135567044119) < 1e-9);
            seen++;
        }
    }
    assert_int_equal(seen, 1);
    /* Per tier: needed sizes at 80% and 95%, weeks from the dates. */
    const cJSON *t = cJSON_GetArrayItem(key(rel, "tiers"), 0);
    assert_string_equal(key(t, "tier")->valuestring,
                        "TIER_1A_PRIME_MOVER_SMALL");
    const cJSON *train = key(t, "TRAIN");
    double n80 = key(train, "needed")->valuedouble;
    double n95 = key(train, "needed_95")->valuedouble;
    assert_true(n80 > 204 && n95 > n80);
    assert_true(key(train, "weeks")->valuedouble > 0);
    assert_true(key(train, "labeled_per_week")->valuedouble > 0);
    tt_run_free(&r);

    /* Same seed, same figures; the JSON is byte-identical. */
    tt_run_result a = tt_run("plan " RULES POLICY "--data '%s' --draws 1000 "
                             "--seed 7 --format json", data());
    tt_run_result b = tt_run("plan " RULES POLICY "--data '%s' --draws 1000 "
                             "--seed 7 --format json", data());
    assert_string_equal(a.out, b.out);
    tt_run_free(&a);
    tt_run_free(&b);
    cJSON_Delete(j);
}

static void test_cli_plan_usage_errors(void **state)
{
    (void)state;
    static const char *bad[] = {"--power 1.5", "--power x", "--draws 10",
                                "--draws 2.5", "--seed -1", "--baseline 0",
                                "--baseline DEV=0.03"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tt_run_result r = tt_run("plan " RULES POLICY "--data '%s' %s",
                                 data(), bad[i]);
        if (r.status != 2)
            fail_msg("%s: exit %d", bad[i], r.status);
        assert_string_equal(r.out, "");
        tt_run_free(&r);
    }
    tt_run_result r = tt_run("plan " RULES "--data '%s'", data());
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--policy FILE is required"));
    tt_run_free(&r);
    r = tt_run("plan --help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: tiergate plan"));
    tt_run_free(&r);
}

/* A policy that blocks on inconclusive: TIER_1C (13.79% of 116, Wilson
 * [8.67%, 21.24%]) against >= 10%. */
static void test_cli_inconclusive_in_every_output(void **state)
{
    (void)state;
    const char *pol = tt_write(
        "incon.json",
        "{\"policy_id\": \"p\", \"inconclusive\": \"block\", \"gates\": "
        "[{\"id\": \"T1C\", \"description\": \"Tier 1C >= 10%\", \"check\": "
        "\"conversion_rate\", \"tiers\": [\"TIER_1C_PRIME_MOVER\"], \"min\": "
        "0.1, \"severity\": \"block\"}]}");
    const char *junit = tt_path("incon.xml"), *md = tt_path("incon.md"),
               *js = tt_path("incon-g.json"), *html = tt_path("incon.html");
    tt_run_result r = tt_run("gate " RULES "--policy '%s' --data '%s' "
                             "--draws 1000 --junit '%s' --markdown '%s' "
                             "--json '%s' --html '%s' --wide",
                             pol, data(), junit, md, js, html);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "INCONCLUSIVE"));
    assert_non_null(strstr(r.out, "overall: FAILED (0 pass, 0 warn, 0 fail, "
                                  "0 insufficient, 1 inconclusive)"));
    assert_non_null(strstr(r.out, "labeled leads (it has 116) would give an "
                                  "80% chance of a decisive pass at the "
                                  "expected 13.00%"));
    tt_run_free(&r);
    char *x = tt_read(junit, NULL);
    assert_non_null(strstr(x, "<failure type=\"inconclusive\""));
    free(x);
    x = tt_read(md, NULL);
    assert_non_null(strstr(x, "❓ inconclusive"));
    assert_non_null(strstr(x, "## How reliable is this verdict?"));
    free(x);
    x = tt_read(html, NULL);
    assert_non_null(strstr(x, "<h2>How reliable is this verdict?</h2>"));
    assert_non_null(strstr(x, "1 inconclusive"));
    free(x);
    x = tt_read(js, NULL);
    cJSON *j = cJSON_Parse(x);
    free(x);
    assert_true(key(key(j, "summary"), "inconclusive")->valuedouble == 1);
    const cJSON *g = cJSON_GetArrayItem(key(j, "gates"), 0);
    assert_string_equal(key(g, "status")->valuestring, "inconclusive");
    assert_true(cJSON_IsTrue(key(g, "blocks")));
    assert_true(key(g, "labeled_needed_80")->valuedouble > 116);
    key(j, "reliability");
    cJSON_Delete(j);

    /* Under "warn" the same outcome passes with a warning (exit 0). */
    pol = tt_write(
        "incon-warn.json",
        "{\"policy_id\": \"p\", \"inconclusive\": \"warn\", \"gates\": "
        "[{\"id\": \"T1C\", \"description\": \"Tier 1C >= 10%\", \"check\": "
        "\"conversion_rate\", \"tiers\": [\"TIER_1C_PRIME_MOVER\"], \"min\": "
        "0.1, \"severity\": \"block\"}]}");
    r = tt_run("gate " RULES "--policy '%s' --data '%s' --draws 1000", pol,
               data());
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "PASSED_WITH_WARNINGS"));
    tt_run_free(&r);
}

static void test_cli_removed_policy_keys(void **state)
{
    (void)state;
    const char *pol = tt_write(
        "ci-bound.json",
        "{\"policy_id\": \"p\", \"gates\": [{\"id\": \"L\", \"description\": "
        "\"d\", \"check\": \"lift\", \"min\": 2, \"judge\": \"ci_bound\", "
        "\"severity\": \"block\"}]}");
    tt_run_result r = tt_run("gate " RULES "--policy '%s' --data '%s'", pol,
                             data());
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "gate 'L': key 'judge': \"ci_bound\" was "
                                  "removed: use \"judge\": \"interval\""));
    tt_run_free(&r);
    pol = tt_write("estimate.json",
                   "{\"policy_id\": \"p\", \"judge\": \"estimate\", \"gates\": "
                   "[{\"id\": \"L\", \"description\": \"d\", \"check\": "
                   "\"lift\", \"min\": 2, \"severity\": \"block\"}]}");
    r = tt_run("plan " RULES "--policy '%s' --data '%s'", pol, data());
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "key 'judge': \"estimate\" was renamed: use "
                                  "\"judge\": \"point\""));
    tt_run_free(&r);
}

/* Every lift lies in its interval, for every method and level, and a
 * pinned baseline gives rate / baseline and says so. */
static void test_cli_lift_in_interval_and_pinned_baseline(void **state)
{
    (void)state;
    static const char *methods[] = {"wilson", "exact", "jeffreys",
                                    "agresti-coull", "wald"};
    static const char *levels[] = {"0.8", "0.95", "0.99"};
    for (size_t m = 0; m < 5; m++)
        for (size_t l = 0; l < 3; l++) {
            tt_run_result r = tt_run("gate " RULES POLICY "--data '%s' --ci %s "
                                     "--level %s --draws 1000 --format json",
                                     data(), methods[m], levels[l]);
            cJSON *j = cJSON_Parse(r.out);
            assert_non_null(j);
            static const char *sp[] = {"TRAIN", "TEST"};
            for (int s = 0; s < 2; s++) {
                const cJSON *t;
                cJSON_ArrayForEach(t, key(key(key(j, "splits"), sp[s]), "tiers"))
                {
                    double v = key(t, "lift")->valuedouble;
                    double lo = key(t, "lift_ci_lower")->valuedouble;
                    double hi = key(t, "lift_ci_upper")->valuedouble;
                    if (!(lo <= v && v <= hi))
                        fail_msg("%s %s %s %s: %g outside [%g, %g]",
                                 methods[m], levels[l], sp[s],
                                 key(t, "tier")->valuestring, v, lo, hi);
                }
            }
            const cJSON *g;
            cJSON_ArrayForEach(g, key(j, "gates"))
            {
                /* Every inconclusive outcome says what would decide it. */
                if (!strcmp(key(g, "status")->valuestring, "inconclusive") &&
                    !strstr(key(g, "message")->valuestring, "labeled leads"))
                    fail_msg("%s: %s", key(g, "id")->valuestring,
                             key(g, "message")->valuestring);
                if (strcmp(key(g, "check")->valuestring, "lift"))
                    continue;
                double v = key(g, "actual")->valuedouble;
                assert_true(key(g, "ci_lower")->valuedouble <= v &&
                            v <= key(g, "ci_upper")->valuedouble);
            }
            cJSON_Delete(j);
            tt_run_free(&r);
        }
    tt_run_result r = tt_run("preview " RULES "--data '%s' --baseline "
                             "TRAIN=0.0366 --baseline TEST=0.0416 --format json",
                             data());
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    const cJSON *sps = key(j, "splits");
    const cJSON *train = cJSON_GetArrayItem(sps, 0), *test = cJSON_GetArrayItem(sps, 1);
    assert_true(cJSON_IsTrue(key(train, "baseline_pinned")));
    assert_true(key(train, "baseline_rate")->valuedouble == 0.0366);
    assert_true(key(test, "baseline_rate")->valuedouble == 0.0416);
    const cJSON *t = cJSON_GetArrayItem(key(train, "tiers"), 0);
    assert_true(fabs(key(t, "lift")->valuedouble -
                     key(t, "conversion_rate")->valuedouble / 0.0366) < 1e-12);
    cJSON_Delete(j);
    tt_run_free(&r);
    r = tt_run("preview " RULES "--data '%s' --baseline 0.0366 --wide",
               data());
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "baseline 3.66% (pinned, not measured)"));
    tt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_plan_text_json_and_reproducible),
        cmocka_unit_test(test_cli_plan_usage_errors),
        cmocka_unit_test(test_cli_inconclusive_in_every_output),
        cmocka_unit_test(test_cli_removed_policy_keys),
        cmocka_unit_test(test_cli_lift_in_interval_and_pinned_baseline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
