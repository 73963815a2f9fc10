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
        close_enough(lo, atof(r.f[4]), what);
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
    /* Jeffreys has no such fix. */
    assert_tg_ok(tg_ci(&lo, &hi, 0, 40, 0.95, TG_CI_JEFFREYS));
    assert_true(lo > 0);
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
    assert_int_equal(rows, 16);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_intervals_match_statsmodels),
        cmocka_unit_test(test_stats_interval_edges),
        cmocka_unit_test(test_stats_katz_matches_statsmodels),
        cmocka_unit_test(test_stats_fisher_matches_scipy),
        cmocka_unit_test(test_stats_holm_matches_statsmodels),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
