/*
 * Operating characteristics of a gate on a tier (see tg_power.h): the
 * exact binomial probability of a pass, and the size at which a decisive
 * pass becomes likely.
 */
#include "tg_power.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>

/* Sizes above this are reported as out of reach. */
#define MAX_LEADS 1000000ull

static uint64_t scaled(double share, uint64_t n)
{
    double v = share * (double)n;
    return v < 0 ? 0 : (uint64_t)llround(v);
}

static uint64_t conversions_at(double p, uint64_t n)
{
    double v = p * (double)n;
    if (v < 0)
        v = 0;
    uint64_t x = (uint64_t)llround(v);
    return x > n ? n : x;
}

/* The rate interval, or the point twice under "point". */
static void rate_judged(const tg_oc_case *c, uint64_t x, uint64_t n,
                        double *lo, double *hi)
{
    double p = (double)x / (double)n;
    if (c->judge == TG_JUDGE_POINT || tg_ci(lo, hi, x, n, c->level, c->method))
        *lo = *hi = p;
}

static void lift_judged(const tg_oc_case *c, uint64_t x, uint64_t n,
                        double *lo, double *hi)
{
    double l;
    if (c->pinned > 0) {
        rate_judged(c, x, n, lo, hi);
        *lo /= c->pinned;
        *hi /= c->pinned;
        if (c->judge == TG_JUDGE_POINT)
            *lo = *hi = tg_decimal_threshold(*lo);
        return;
    }
    uint64_t rn = scaled(c->rest_share, n), rx = conversions_at(c->rest_p, rn);
    tg_lift_interval(&l, lo, hi, x, n, rx, rn, c->level);
    if (c->judge == TG_JUDGE_POINT)
        *lo = *hi = tg_decimal_threshold(l);
}

tg_verdict tg_oc_verdict(const tg_oc_case *c, uint64_t x, uint64_t n,
                         uint64_t x2)
{
    double lo, hi;
    switch (c->check) {
    case TG_CHECK_CONVERSION_RATE:
    case TG_CHECK_CALIBRATION:
        rate_judged(c, x, n, &lo, &hi);
        return tg_verdict_within(lo, hi, c->min, c->max);
    case TG_CHECK_LIFT:
        lift_judged(c, x, n, &lo, &hi);
        return tg_verdict_within(lo, hi, c->min, c->max);
    case TG_CHECK_EXPECTED_RANGE: {
        double llo, lhi;
        rate_judged(c, x, n, &lo, &hi);
        lift_judged(c, x, n, &llo, &lhi);
        return tg_verdict_and(isnan(c->min) && isnan(c->max)
                                  ? TG_VERDICT_PASS
                                  : tg_verdict_within(lo, hi, c->min, c->max),
                              tg_verdict_at_least(llo, lhi, c->lift_min));
    }
    case TG_CHECK_CI_SEPARATION: {
        uint64_t rn = scaled(c->ref_share, n), rx = conversions_at(c->ref_p, rn);
        double rlo, rhi;
        if (rn == 0 || tg_ci(&lo, &hi, x, n, c->level, c->method) ||
            tg_ci(&rlo, &rhi, rx, rn, c->level, c->method))
            return TG_VERDICT_INCONCLUSIVE;
        tg_verdict v = tg_verdict_above(lo, hi, rlo, rhi);
        return c->judge == TG_JUDGE_POINT && v == TG_VERDICT_INCONCLUSIVE
                   ? TG_VERDICT_FAIL : v;
    }
    case TG_CHECK_RANK_ORDER: {
        /* The rank above minus this one should not be negative. */
        uint64_t rn = scaled(c->ref_share, n), rx = conversions_at(c->ref_p, rn);
        double d;
        if (rn == 0)
            return TG_VERDICT_INCONCLUSIVE;
        if (c->judge == TG_JUDGE_POINT)
            return (double)x / (double)n <= (double)rx / (double)rn
                       ? TG_VERDICT_PASS : TG_VERDICT_FAIL;
        if (tg_newcombe_diff(&d, &lo, &hi, rx, rn, x, n, c->level))
            return TG_VERDICT_INCONCLUSIVE;
        return tg_verdict_at_least(lo, hi, 0);
    }
    case TG_CHECK_TEST_TRAIN_LIFT: {
        uint64_t rn = scaled(c->rest_share, n), rx = conversions_at(c->rest_p, rn);
        uint64_t n2 = scaled(c->train_share, n);
        uint64_t rn2 = scaled(c->train_rest_share, n);
        uint64_t rx2 = conversions_at(c->train_rest_p, rn2);
        double r;
        if (n2 == 0)
            return TG_VERDICT_INCONCLUSIVE;
        tg_lift_ratio_interval(&r, &lo, &hi, x, n, rx, rn, c->pinned, x2, n2,
                               rx2, rn2, c->train_pinned, c->level);
        if (isnan(r))
            return TG_VERDICT_INCONCLUSIVE;
        if (c->judge == TG_JUDGE_POINT)
            lo = hi = tg_decimal_threshold(r);
        return tg_verdict_within(lo, hi, c->min, c->max);
    }
    default:
        return TG_VERDICT_INCONCLUSIVE;
    }
}

/*
 * Every gate kind passes when a "lower" condition holds (the interval or
 * value at least a minimum) and an "upper" one holds (at most a maximum).
 * The first only gets easier as the conversions x grow and the second
 * only harder, so the counts that pass form one run [a, b]: found by
 * bisection, and the pass probability is a difference of two binomial
 * tails.
 */
static int lower_holds(const tg_oc_case *c, uint64_t x, uint64_t n,
                       uint64_t x2)
{
    if (c->check == TG_CHECK_RANK_ORDER)
        return 1; /* only an upper condition: fewer conversions help */
    tg_oc_case l = *c;
    l.max = NAN;
    return tg_oc_verdict(&l, x, n, x2) == TG_VERDICT_PASS;
}

static int upper_holds(const tg_oc_case *c, uint64_t x, uint64_t n,
                       uint64_t x2)
{
    if (c->check == TG_CHECK_RANK_ORDER)
        return tg_oc_verdict(c, x, n, x2) == TG_VERDICT_PASS;
    if (isnan(c->max))
        return 1;
    tg_oc_case u = *c;
    u.min = u.lift_min = NAN;
    if (u.check == TG_CHECK_CI_SEPARATION)
        return 1;
    return tg_oc_verdict(&u, x, n, x2) == TG_VERDICT_PASS;
}

/* P(pass) over X ~ Bin(n, p), the other random count fixed at x2. */
static double pass_given(const tg_oc_case *c, double p, uint64_t n,
                         uint64_t x2)
{
    /* a: the fewest conversions meeting the lower condition. */
    if (!lower_holds(c, n, n, x2))
        return 0;
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (lower_holds(c, mid, n, x2))
            hi = mid;
        else
            lo = mid + 1;
    }
    uint64_t a = lo;
    /* b: the most conversions meeting the upper one. */
    if (!upper_holds(c, 0, n, x2))
        return 0;
    lo = 0;
    hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (upper_holds(c, mid, n, x2))
            lo = mid;
        else
            hi = mid - 1;
    }
    uint64_t b = lo;
    if (a > b)
        return 0;
    /* P(a <= X <= b) = P(X <= b) - P(X <= a - 1), each from the nearer
     * tail to keep small probabilities accurate. */
    double upper = b >= n ? 0 : gsl_cdf_binomial_Q((unsigned)b, p, (unsigned)n);
    double below = a == 0 ? 0 : gsl_cdf_binomial_P((unsigned)(a - 1), p,
                                                   (unsigned)n);
    double v = 1 - upper - below;
    return v < 0 ? 0 : v;
}

static double pass_at(const tg_oc_case *c, uint64_t n)
{
    if (n == 0 || n > MAX_LEADS || !(c->p >= 0 && c->p <= 1))
        return 0;
    if (c->check != TG_CHECK_TEST_TRAIN_LIFT)
        return fmin(1, pass_given(c, c->p, n, 0));
    /* The TRAIN tier is random too: sum over its counts. */
    uint64_t n2 = scaled(c->train_share, n);
    double q = c->train_p;
    if (n2 == 0 || !(q >= 0 && q <= 1))
        return 0;
    double mean = q * (double)n2, sd = sqrt(mean * (1 - q));
    double a = floor(mean - 9 * sd - 2), b = ceil(mean + 9 * sd + 2);
    uint64_t from = a < 0 ? 0 : (uint64_t)a;
    uint64_t to = b > (double)n2 ? n2 : (uint64_t)b;
    double sum = 0;
    for (uint64_t x2 = from; x2 <= to; x2++) {
        double w = gsl_ran_binomial_pdf((unsigned)x2, q, (unsigned)n2);
        if (w > 1e-300)
            sum += w * pass_given(c, c->p, n, x2);
    }
    return fmin(1, sum);
}

double tg_oc_pass_probability(const tg_oc_case *c)
{
    return pass_at(c, c->n);
}

int tg_oc_leads_needed(const tg_oc_case *c, double power, uint64_t *n)
{
    *n = 0;
    if (!(power > 0 && power < 1))
        return -1;
    uint64_t hi = 8;
    while (pass_at(c, hi) < power) {
        if (hi >= MAX_LEADS)
            return -1;
        hi = hi * 2 > MAX_LEADS ? MAX_LEADS : hi * 2;
    }
    uint64_t lo = hi / 2;
    /* Bisect to within 1% (the saw-tooth makes finer meaningless). */
    while (hi - lo > 1 && hi - lo > lo / 100) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (pass_at(c, mid) >= power)
            hi = mid;
        else
            lo = mid;
    }
    *n = hi;
    return 0;
}
