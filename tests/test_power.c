/*
 * tg_power: the pass probability of a gate is the binomial probability
 * of the conversion counts the gate passes. The oracle here computes it
 * independently: the passing counts are found from the gate's definition
 * with integer arithmetic (point reading) or from the Wilson formula
 * written out in this file (interval reading), and their probabilities
 * summed from the binomial pmf via lgamma (no GSL). Two values are also
 * pinned to SciPy:
 *   /usr/bin/python3 -c "from scipy.stats import binom;
 *       print(binom.sf(19,200,0.12));
 *       print(binom.cdf(30,200,0.12)-binom.cdf(19,200,0.12))"
 *   -> 0.8362182331928096, 0.7541243443670833
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "tg_power.h"

/* P(X = x), X ~ Bin(n, p), from log-gamma. */
static double pmf(uint64_t x, uint64_t n, double p)
{
    if (p <= 0)
        return x == 0;
    if (p >= 1)
        return x == n;
    double lc = lgamma((double)n + 1) - lgamma((double)x + 1) -
                lgamma((double)(n - x) + 1);
    return exp(lc + (double)x * log(p) + (double)(n - x) * log1p(-p));
}

static tg_oc_case rate_case(double min, double max, double p, uint64_t n,
                            tg_judge judge)
{
    tg_oc_case c;
    memset(&c, 0, sizeof c);
    c.check = TG_CHECK_CONVERSION_RATE;
    c.judge = judge;
    c.method = TG_CI_WILSON;
    c.level = 0.95;
    c.min = min;
    c.max = max;
    c.lift_min = NAN;
    c.pinned = NAN;
    c.train_pinned = NAN;
    c.p = p;
    c.n = n;
    return c;
}

/* The two SciPy values: rate >= 10% at 200 leads converting at 12%
 * passes for x >= 20; the band [10%, 15%] for 20 <= x <= 30. */
static void test_scipy_reference_values(void **state)
{
    (void)state;
    tg_oc_case c = rate_case(0.10, NAN, 0.12, 200, TG_JUDGE_POINT);
    assert_float_equal(tg_oc_pass_probability(&c), 0.8362182331928096, 1e-12);
    c = rate_case(0.10, 0.15, 0.12, 200, TG_JUDGE_POINT);
    assert_float_equal(tg_oc_pass_probability(&c), 0.7541243443670833, 1e-12);
}

/*
 * Point reading, "rate >= num/den": x passes iff x * den >= num * n, in
 * integers, so the threshold is exact. Sizes and rates over a grid,
 * including n = 1 and rates near 0 and 1.
 */
static void test_point_reading_matches_pmf_sum(void **state)
{
    (void)state;
    static const uint64_t sizes[] = {1, 7, 50, 333, 1000, 2500};
    static const double rates[] = {0.01, 0.1, 0.12, 0.3, 0.5, 0.97};
    static const struct { int num, den; } mins[] = {{1, 10}, {1, 4}, {3, 5}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (size_t j = 0; j < sizeof rates / sizeof *rates; j++)
            for (size_t k = 0; k < sizeof mins / sizeof *mins; k++) {
                uint64_t n = sizes[i];
                double p = rates[j];
                double want = 0;
                for (uint64_t x = 0; x <= n; x++)
                    if (x * (uint64_t)mins[k].den >= (uint64_t)mins[k].num * n)
                        want += pmf(x, n, p);
                tg_oc_case c = rate_case((double)mins[k].num / mins[k].den,
                                         NAN, p, n, TG_JUDGE_POINT);
                double got = tg_oc_pass_probability(&c);
                if (fabs(got - want) > 1e-10)
                    fail_msg("n=%llu p=%g min=%d/%d: %.15g, pmf sum %.15g",
                             (unsigned long long)n, p, mins[k].num,
                             mins[k].den, got, want);
            }
}

/* Wilson score interval, lower end, written out from its formula:
 * (p + z²/2n - z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n). */
static double wilson_lower(uint64_t x, uint64_t n, double z)
{
    double ph = (double)x / (double)n, nn = (double)n, z2 = z * z;
    return (ph + z2 / (2 * nn) -
            z * sqrt(ph * (1 - ph) / nn + z2 / (4 * nn * nn))) /
           (1 + z2 / nn);
}

/* Interval reading: x passes iff the Wilson 95% lower bound >= min. */
static void test_interval_reading_matches_wilson_oracle(void **state)
{
    (void)state;
    const double z = 1.959963984540054; /* the 97.5% normal quantile */
    static const uint64_t sizes[] = {30, 400, 1200};
    static const double rates[] = {0.08, 0.12, 0.14, 0.2};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (size_t j = 0; j < sizeof rates / sizeof *rates; j++) {
            uint64_t n = sizes[i];
            double want = 0;
            for (uint64_t x = 0; x <= n; x++) {
                double lo = wilson_lower(x, n, z);
                /* No count may sit on the threshold to rounding noise,
                 * or the two formulas could honestly disagree. */
                assert_true(fabs(lo - 0.10) > 1e-9);
                if (lo >= 0.10)
                    want += pmf(x, n, rates[j]);
            }
            tg_oc_case c = rate_case(0.10, NAN, rates[j], n, TG_JUDGE_INTERVAL);
            double got = tg_oc_pass_probability(&c);
            if (fabs(got - want) > 1e-10)
                fail_msg("n=%llu p=%g: %.15g, Wilson oracle %.15g",
                         (unsigned long long)n, rates[j], got, want);
        }
}

/* The verdict of single counts, by hand: at 200 leads and min 10%,
 * 20 conversions (exactly 10%) pass and 19 fail under the point reading. */
static void test_single_verdicts(void **state)
{
    (void)state;
    tg_oc_case c = rate_case(0.10, NAN, 0.12, 200, TG_JUDGE_POINT);
    assert_int_equal(tg_oc_verdict(&c, 20, 200, 0), TG_VERDICT_PASS);
    assert_int_equal(tg_oc_verdict(&c, 19, 200, 0), TG_VERDICT_FAIL);
    c.judge = TG_JUDGE_INTERVAL;
    /* 20/200 has a Wilson interval around 10%: inconclusive. */
    assert_int_equal(tg_oc_verdict(&c, 20, 200, 0), TG_VERDICT_INCONCLUSIVE);
}

/*
 * Leads needed for 80% power: at the size returned the pass probability
 * (by the oracle) is at least 80%; a rate on the failing side or on the
 * threshold never gets there.
 */
static void test_leads_needed(void **state)
{
    (void)state;
    tg_oc_case c = rate_case(0.10, NAN, 0.12, 0, TG_JUDGE_POINT);
    uint64_t n = 0;
    assert_int_equal(tg_oc_leads_needed(&c, 0.8, &n), 0);
    assert_true(n > 0);
    double at = 0;
    for (uint64_t x = 0; x <= n; x++)
        if (x * 10 >= n)
            at += pmf(x, n, 0.12);
    if (at < 0.8)
        fail_msg("%llu leads give only %.4f", (unsigned long long)n, at);
    c.p = 0.09;
    assert_int_equal(tg_oc_leads_needed(&c, 0.8, &n), -1);
    c.p = 0.10;
    assert_int_equal(tg_oc_leads_needed(&c, 0.8, &n), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scipy_reference_values),
        cmocka_unit_test(test_point_reading_matches_pmf_sum),
        cmocka_unit_test(test_interval_reading_matches_wilson_oracle),
        cmocka_unit_test(test_single_verdicts),
        cmocka_unit_test(test_leads_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
