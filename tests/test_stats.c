/*
 * Statistics against the reference values computed with statsmodels
 * and scipy (tests/stats/make_reference.py, committed output in
 * tests/fixtures/stats/): every interval method, level and edge case,
 * Katz lift intervals, Fisher's exact test and Holm's adjustment, to
 * 1e-9 relative (1e-15 absolute for values that are mathematically 0).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "testutil.h"

static void close_enough(double got, double want, const char *what)
{
    if (isnan(got) || fabs(got - want) > fmax(1e-9 * fabs(want), 1e-15))
        fail_msg("%s: got %.17g, want %.17g (rel %.3g)", what, got, want,
                 fabs(got - want) / fabs(want));
}

typedef struct {
    tg_csv *csv;
    char f[16][512];
} ref;

static void ref_open(ref *r, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/stats/%s", name);
    tg_error err;
    if (tg_csv_open(&r->csv, tt_src(path), &err) != TG_OK)
        fail_msg("%s: %s", path, err.msg);
    assert_int_equal(tg_csv_next(r->csv, &err), 1); /* header */
}

static int ref_next(ref *r)
{
    tg_error err;
    if (tg_csv_next(r->csv, &err) != 1) {
        tg_csv_free(r->csv);
        return 0;
    }
    for (size_t i = 0; i < tg_csv_nfields(r->csv) && i < 16; i++) {
        size_t len;
        const char *s = tg_csv_field(r->csv, i, &len);
        snprintf(r->f[i], sizeof r->f[i], "%.*s", (int)len, s);
    }
    return 1;
}

static void test_stats_intervals_match_statsmodels(void **state)
{
    (void)state;
    ref r;
    int rows = 0, methods_seen[5] = {0};
    ref_open(&r, "ci.csv");
    while (ref_next(&r)) {
        int m = tg_ci_parse(r.f[0]);
        assert_true(m >= 0);
        double level = atof(r.f[1]);
        uint64_t x = strtoull(r.f[2], NULL, 10), n = strtoull(r.f[3], NULL, 10);
        double lo, hi;
        int rc = tg_ci(&lo, &hi, x, n, level, (tg_ci_method)m);
        char what[2400];
        snprintf(what, sizeof what, "%s %g %llu/%llu", r.f[0], level,
                 (unsigned long long)x, (unsigned long long)n);
        if (rc != TG_OK)
            fail_msg("%s: rc %d", what, rc);
        /* Jeffreys takes the boundary modification statsmodels lacks:
         * 0 at x = 0, 1 at x = n; elsewhere they agree. */
        if (m == TG_CI_JEFFREYS && x == 0)
            assert_true(lo == 0.0);
        else
            close_enough(lo, atof(r.f[4]), what);
        if (m == TG_CI_JEFFREYS && x == n)
            assert_true(hi == 1.0);
        else
            close_enough(hi, atof(r.f[5]), what);
        methods_seen[m]++;
        rows++;
    }
    assert_int_equal(rows, 405);
    for (int m = 0; m < 5; m++)
        assert_int_equal(methods_seen[m], 81);
}

static void test_stats_interval_edges(void **state)
{
    (void)state;
    double lo, hi;
    /* No interval without trials. */
    assert_int_equal(tg_ci(&lo, &hi, 0, 0, 0.95, TG_CI_WILSON), TG_EINVAL);
    assert_true(isnan(lo) && isnan(hi));
    /* Clopper-Pearson is exactly 0 at x = 0 and 1 at x = n. */
    assert_tg_ok(tg_ci(&lo, &hi, 0, 40, 0.95, TG_CI_EXACT));
    assert_true(lo == 0.0);
    assert_tg_ok(tg_ci(&lo, &hi, 40, 40, 0.95, TG_CI_EXACT));
    assert_true(hi == 1.0);
    /* So is Jeffreys (statsmodels' excludes the observed 0 there). */
    assert_tg_ok(tg_ci(&lo, &hi, 0, 40, 0.95, TG_CI_JEFFREYS));
    assert_true(lo == 0.0 && hi > 0);
    assert_tg_ok(tg_ci(&lo, &hi, 40, 40, 0.95, TG_CI_JEFFREYS));
    assert_true(hi == 1.0 && lo < 1);
    /* Every method holds the observed rate, at every count. */
    for (int m = 0; m < 5; m++)
        for (uint64_t x = 0; x <= 25; x++) {
            assert_tg_ok(tg_ci(&lo, &hi, x, 25, 0.95, (tg_ci_method)m));
            assert_true(lo <= x / 25.0 && x / 25.0 <= hi);
        }
    /* Agresti-Coull is clipped; Wald is not. */
    assert_tg_ok(tg_ci(&lo, &hi, 0, 5, 0.95, TG_CI_AGRESTI_COULL));
    assert_true(lo == 0.0);
    assert_tg_ok(tg_ci(&lo, &hi, 1, 5, 0.95, TG_CI_WALD));
    assert_true(lo < 0);
    assert_int_equal(tg_ci(&lo, &hi, 3, 2, 0.95, TG_CI_WILSON), TG_EINVAL);
    assert_int_equal(tg_ci(&lo, &hi, 1, 2, 1.0, TG_CI_WILSON), TG_EINVAL);
}

static void test_stats_katz_matches_statsmodels(void **state)
{
    (void)state;
    ref r;
    int rows = 0;
    ref_open(&r, "katz.csv");
    while (ref_next(&r)) {
        double level = atof(r.f[0]), rr, lo, hi;
        assert_tg_ok(tg_lift_katz(&rr, &lo, &hi, strtoull(r.f[1], NULL, 10),
                                  strtoull(r.f[2], NULL, 10),
                                  strtoull(r.f[3], NULL, 10),
                                  strtoull(r.f[4], NULL, 10), level));
        close_enough(rr, atof(r.f[5]), "risk ratio");
        close_enough(lo, atof(r.f[6]), "katz lower");
        close_enough(hi, atof(r.f[7]), "katz upper");
        rows++;
    }
    assert_int_equal(rows, 24);
}

static void test_stats_fisher_matches_scipy(void **state)
{
    (void)state;
    ref r;
    int rows = 0;
    ref_open(&r, "fisher.csv");
    while (ref_next(&r)) {
        double p;
        assert_tg_ok(tg_fisher_exact(&p, strtoull(r.f[0], NULL, 10),
                                     strtoull(r.f[1], NULL, 10),
                                     strtoull(r.f[2], NULL, 10),
                                     strtoull(r.f[3], NULL, 10)));
        char what[2400];
        snprintf(what, sizeof what, "fisher %s %s %s %s", r.f[0], r.f[1],
                 r.f[2], r.f[3]);
        close_enough(p, atof(r.f[4]), what);
        rows++;
    }
    assert_int_equal(rows, 20);
}

static void split_list(const char *s, double *out, int k)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL, *tok = strtok_r(buf, ";", &save);
    for (int i = 0; i < k; i++, tok = strtok_r(NULL, ";", &save))
        out[i] = atof(tok);
}

static void test_stats_holm_matches_statsmodels(void **state)
{
    (void)state;
    ref r;
    int rows = 0;
    ref_open(&r, "holm.csv");
    while (ref_next(&r)) {
        int k = atoi(r.f[0]);
        double p[16], want[16], got[16];
        split_list(r.f[1], p, k);
        split_list(r.f[2], want, k);
        tg_holm(got, p, k);
        for (int i = 0; i < k; i++)
            close_enough(got[i], want[i], "holm");
        rows++;
    }
    assert_int_equal(rows, 6);
}

/* NAN in the reference is "nan". */
static void same(double got, const char *want, const char *what)
{
    if (strcmp(want, "nan") == 0) {
        if (!isnan(got))
            fail_msg("%s: got %.17g, want nan", what, got);
        return;
    }
    close_enough(got, atof(want), what);
}

static uint64_t u(const char *s) { return strtoull(s, NULL, 10); }

static void test_stats_lift_interval_matches_reference(void **state)
{
    (void)state;
    ref r;
    int rows = 0;
    ref_open(&r, "lift.csv");
    while (ref_next(&r)) {
        double level = atof(r.f[0]), l, lo, hi;
        char what[3000];
        snprintf(what, sizeof what, "lift %s %s/%s vs %s/%s", r.f[0], r.f[1],
                 r.f[2], r.f[3], r.f[4]);
        assert_tg_ok(tg_lift_interval(&l, &lo, &hi, u(r.f[1]), u(r.f[2]),
                                      u(r.f[3]), u(r.f[4]), level));
        same(l, r.f[5], what);
        same(lo, r.f[6], what);
        same(hi, r.f[7], what);
        rows++;
    }
    assert_int_equal(rows, 42);
}

static void test_stats_lift_ratio_matches_reference(void **state)
{
    (void)state;
    ref r;
    int rows = 0;
    ref_open(&r, "ratio.csv");
    while (ref_next(&r)) {
        double level = atof(r.f[0]), v, lo, hi;
        assert_tg_ok(tg_lift_ratio_interval(
            &v, &lo, &hi, u(r.f[1]), u(r.f[2]), u(r.f[3]), u(r.f[4]), NAN,
            u(r.f[5]), u(r.f[6]), u(r.f[7]), u(r.f[8]), NAN, level));
        same(v, r.f[9], "ratio");
        same(lo, r.f[10], "ratio lower");
        same(hi, r.f[11], "ratio upper");
        rows++;
    }
    assert_int_equal(rows, 15);
}

static void test_stats_newcombe_matches_statsmodels(void **state)
{
    (void)state;
    ref r;
    int rows = 0;
    ref_open(&r, "newcombe.csv");
    while (ref_next(&r)) {
        double level = atof(r.f[0]), d, lo, hi;
        assert_tg_ok(tg_newcombe_diff(&d, &lo, &hi, u(r.f[1]), u(r.f[2]),
                                      u(r.f[3]), u(r.f[4]), level));
        same(d, r.f[5], "newcombe diff");
        same(lo, r.f[6], "newcombe lower");
        same(hi, r.f[7], "newcombe upper");
        rows++;
    }
    assert_int_equal(rows, 24);
}

/* The exact pass probability of a rate gate against scipy's binomial
 * summed over statsmodels' intervals. */
static void test_stats_pass_probability_matches_scipy(void **state)
{
    (void)state;
    ref r;
    int rows = 0;
    ref_open(&r, "power.csv");
    while (ref_next(&r)) {
        tg_oc_case c;
        memset(&c, 0, sizeof c);
        c.check = TG_CHECK_CONVERSION_RATE;
        c.judge = TG_JUDGE_INTERVAL;
        c.method = (tg_ci_method)tg_ci_parse(r.f[0]);
        c.level = atof(r.f[1]);
        c.n = u(r.f[2]);
        c.p = atof(r.f[3]);
        c.min = strcmp(r.f[4], "nan") ? atof(r.f[4]) : NAN;
        c.max = strcmp(r.f[5], "nan") ? atof(r.f[5]) : NAN;
        c.lift_min = c.pinned = c.train_pinned = NAN;
        char what[2400];
        snprintf(what, sizeof what, "P(pass) %s n=%s p=%s", r.f[0], r.f[2],
                 r.f[3]);
        close_enough(tg_oc_pass_probability(&c), atof(r.f[6]), what);
        rows++;
    }
    assert_int_equal(rows, 8);
}

/* Every lift lies in its interval: every method, level and edge. */
static void test_stats_lift_point_inside_interval(void **state)
{
    (void)state;
    static const uint64_t ns[] = {1, 2, 7, 30, 93, 1000};
    static const uint64_t rns[] = {0, 1, 5, 100, 30000};
    static const double levels[] = {0.5, 0.9, 0.95, 0.999};
    int checked = 0;
    for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
        for (size_t b = 0; b < sizeof rns / sizeof *rns; b++)
            for (size_t k = 0; k < sizeof levels / sizeof *levels; k++) {
                uint64_t n = ns[a], rn = rns[b];
                for (uint64_t x = 0; x <= n; x += n > 10 ? n / 7 + 1 : 1)
                    for (uint64_t rx = 0; rx <= rn; rx += rn > 10 ? rn / 5 + 1 : 1) {
                        double l, lo, hi;
                        assert_tg_ok(tg_lift_interval(&l, &lo, &hi, x, n, rx,
                                                      rn, levels[k]));
                        if (x + rx == 0) {
                            assert_true(isnan(l) && isnan(lo) && isnan(hi));
                            continue;
                        }
                        if (!(lo <= l && l <= hi))
                            fail_msg("%llu/%llu vs %llu/%llu at %g: %g "
                                     "outside [%g, %g]",
                                     (unsigned long long)x,
                                     (unsigned long long)n,
                                     (unsigned long long)rx,
                                     (unsigned long long)rn, levels[k], l, lo,
                                     hi);
                        checked++;
                    }
            }
    assert_true(checked > 1000);
    /* The tier is the whole split: exactly 1. */
    double l, lo, hi;
    assert_tg_ok(tg_lift_interval(&l, &lo, &hi, 7, 70, 0, 0, 0.95));
    assert_true(l == 1 && lo == 1 && hi == 1);
}

/* Coverage, measured: 4,000 draws per setting with GSL's generator; the
 * interval holds the true lift about 95% of the time. */
static void test_stats_lift_interval_coverage(void **state)
{
    (void)state;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 7);
    static const struct {
        uint64_t n, rn;
        double p, rp;
    } cases[] = {{200, 30000, 0.15, 0.035}, {93, 27000, 0.13, 0.04},
                 {1500, 28000, 0.10, 0.03}, {300, 3000, 0.2, 0.1}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        double w = (double)cases[c].n / (double)(cases[c].n + cases[c].rn);
        double truth = cases[c].p / (w * cases[c].p + (1 - w) * cases[c].rp);
        int hit = 0, draws = 4000;
        for (int d = 0; d < draws; d++) {
            uint64_t x = gsl_ran_binomial(g, cases[c].p, (unsigned)cases[c].n);
            uint64_t rx = gsl_ran_binomial(g, cases[c].rp,
                                           (unsigned)cases[c].rn);
            double l, lo, hi;
            assert_tg_ok(tg_lift_interval(&l, &lo, &hi, x, cases[c].n, rx,
                                          cases[c].rn, 0.95));
            hit += lo <= truth && truth <= hi;
        }
        double cov = (double)hit / draws;
        if (cov < 0.93 || cov > 0.975)
            fail_msg("case %zu: coverage %.3f", c, cov);
        print_message("coverage at 95%%: lift case %zu %.3f\n", c, cov);
    }
    /* The TEST/TRAIN lift ratio (true ratio 1) and Newcombe's difference
     * at the synthetic export's sizes. */
    int hit_r = 0, hit_d = 0, draws = 4000;
    for (int d = 0; d < draws; d++) {
        uint64_t x1 = gsl_ran_binomial(g, 0.12, 122), r1 = gsl_ran_binomial(g, 0.035, 17364);
        uint64_t x2 = gsl_ran_binomial(g, 0.12, 204), r2 = gsl_ran_binomial(g, 0.035, 30062);
        double v, lo, hi;
        double w1 = 122.0 / (122 + 17364), w2 = 204.0 / (204 + 30062);
        double truth = (1 / (w1 * 0.12 + (1 - w1) * 0.035)) /
                       (1 / (w2 * 0.12 + (1 - w2) * 0.035));
        assert_tg_ok(tg_lift_ratio_interval(&v, &lo, &hi, x1, 122, r1, 17364,
                                            NAN, x2, 204, r2, 30062, NAN,
                                            0.95));
        hit_r += lo <= truth && truth <= hi;
        uint64_t a = gsl_ran_binomial(g, 0.15, 204), b = gsl_ran_binomial(g, 0.13, 93);
        assert_tg_ok(tg_newcombe_diff(&v, &lo, &hi, a, 204, b, 93, 0.95));
        hit_d += lo <= 0.02 && 0.02 <= hi;
    }
    if ((double)hit_r / draws < 0.93 || (double)hit_r / draws > 0.975)
        fail_msg("lift ratio coverage %.3f", (double)hit_r / draws);
    if ((double)hit_d / draws < 0.93 || (double)hit_d / draws > 0.975)
        fail_msg("Newcombe coverage %.3f", (double)hit_d / draws);
    print_message("coverage at 95%%: lift ratio %.3f, Newcombe %.3f\n",
                  (double)hit_r / draws, (double)hit_d / draws);
    gsl_rng_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_intervals_match_statsmodels),
        cmocka_unit_test(test_stats_interval_edges),
        cmocka_unit_test(test_stats_katz_matches_statsmodels),
        cmocka_unit_test(test_stats_fisher_matches_scipy),
        cmocka_unit_test(test_stats_holm_matches_statsmodels),
        cmocka_unit_test(test_stats_lift_interval_matches_reference),
        cmocka_unit_test(test_stats_lift_ratio_matches_reference),
        cmocka_unit_test(test_stats_newcombe_matches_statsmodels),
        cmocka_unit_test(test_stats_pass_probability_matches_scipy),
        cmocka_unit_test(test_stats_lift_point_inside_interval),
        cmocka_unit_test(test_stats_lift_interval_coverage),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
