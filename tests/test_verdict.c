/*
 * tg_verdict: the three-way verdicts at their exact boundaries. Every
 * expected verdict below follows from the definitions in tg_verdict.h
 * (pass when the whole interval is on the passing side, fail when the
 * whole interval is on the failing side, a value equal to the threshold
 * passing); the boundaries are probed with the neighbouring doubles
 * (nextafter), so an off-by-one comparison (> for >=) fails a test.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define P TG_VERDICT_PASS
#define F TG_VERDICT_FAIL
#define I TG_VERDICT_INCONCLUSIVE

static double below(double x) { return nextafter(x, -INFINITY); }
static double above(double x) { return nextafter(x, INFINITY); }

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(tg_verdict_name(P), "pass");
    assert_string_equal(tg_verdict_name(F), "fail");
    assert_string_equal(tg_verdict_name(I), "inconclusive");
    assert_string_equal(tg_verdict_name((tg_verdict)7), "unknown");
}

/* value >= 0.08: pass iff lo >= 0.08, fail iff hi < 0.08. */
static void test_at_least_boundaries(void **state)
{
    (void)state;
    const double m = 0.08;
    assert_int_equal(tg_verdict_at_least(m, 0.2, m), P);            /* lo == min */
    assert_int_equal(tg_verdict_at_least(below(m), 0.2, m), I);     /* lo just under */
    assert_int_equal(tg_verdict_at_least(0.01, below(m), m), F);    /* hi just under */
    assert_int_equal(tg_verdict_at_least(0.01, m, m), I);           /* hi == min */
    /* A point estimate is never inconclusive. */
    assert_int_equal(tg_verdict_at_least(m, m, m), P);
    assert_int_equal(tg_verdict_at_least(below(m), below(m), m), F);
    /* No threshold: nothing to fail; an unknown interval: unknown. */
    assert_int_equal(tg_verdict_at_least(0, 0, NAN), P);
    assert_int_equal(tg_verdict_at_least(NAN, 1, 0.5), I);
    assert_int_equal(tg_verdict_at_least(0, NAN, 0.5), I);
}

/* value <= 0.3: pass iff hi <= 0.3, fail iff lo > 0.3. */
static void test_at_most_boundaries(void **state)
{
    (void)state;
    const double m = 0.3;
    assert_int_equal(tg_verdict_at_most(0.1, m, m), P);
    assert_int_equal(tg_verdict_at_most(0.1, above(m), m), I);
    assert_int_equal(tg_verdict_at_most(above(m), 0.9, m), F);
    assert_int_equal(tg_verdict_at_most(m, 0.9, m), I);
    assert_int_equal(tg_verdict_at_most(m, m, m), P);
    assert_int_equal(tg_verdict_at_most(0, 1, NAN), P);
    assert_int_equal(tg_verdict_at_most(NAN, NAN, m), I);
}

/* Band [0.1, 0.2]: inside passes, wholly outside fails, otherwise
 * inconclusive; a NAN bound is no bound. */
static void test_within_band(void **state)
{
    (void)state;
    assert_int_equal(tg_verdict_within(0.1, 0.2, 0.1, 0.2), P);
    assert_int_equal(tg_verdict_within(0.12, 0.18, 0.1, 0.2), P);
    assert_int_equal(tg_verdict_within(below(0.1), 0.15, 0.1, 0.2), I);
    assert_int_equal(tg_verdict_within(0.15, above(0.2), 0.1, 0.2), I);
    assert_int_equal(tg_verdict_within(0.0, below(0.1), 0.1, 0.2), F);
    assert_int_equal(tg_verdict_within(above(0.2), 0.5, 0.1, 0.2), F);
    /* Wider than the band on both sides: neither confirmed nor refuted. */
    assert_int_equal(tg_verdict_within(0.0, 0.5, 0.1, 0.2), I);
    assert_int_equal(tg_verdict_within(0.9, 0.95, 0.1, NAN), P);
    assert_int_equal(tg_verdict_within(0.0, 0.05, NAN, 0.2), P);
    assert_int_equal(tg_verdict_within(0.0, 0.05, NAN, NAN), P);
    assert_int_equal(tg_verdict_within(NAN, 0.15, 0.1, 0.2), I);
}

/* [lo, hi] above [ref_lo, ref_hi]: strictly separated to pass or fail;
 * touching intervals overlap, so they are inconclusive. */
static void test_above_reference(void **state)
{
    (void)state;
    assert_int_equal(tg_verdict_above(0.5, 0.6, 0.3, 0.4), P);
    assert_int_equal(tg_verdict_above(0.4, 0.6, 0.3, 0.4), I);     /* touch */
    assert_int_equal(tg_verdict_above(above(0.4), 0.6, 0.3, 0.4), P);
    assert_int_equal(tg_verdict_above(0.1, 0.2, 0.3, 0.4), F);
    assert_int_equal(tg_verdict_above(0.1, 0.3, 0.3, 0.4), I);     /* touch */
    assert_int_equal(tg_verdict_above(0.1, below(0.3), 0.3, 0.4), F);
    assert_int_equal(tg_verdict_above(0.5, 0.6, NAN, 0.4), I);
}

/* The conjunction table, all nine pairs: fail dominates, then
 * inconclusive. */
static void test_and_table(void **state)
{
    (void)state;
    const tg_verdict v[] = {P, F, I};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            tg_verdict want = (v[a] == F || v[b] == F)   ? F
                              : (v[a] == I || v[b] == I) ? I
                                                         : P;
            assert_int_equal(tg_verdict_and(v[a], v[b]), want);
        }
}

/*
 * 10% x (1 - 20%) is 0.08 in decimal, but in doubles 0.1 * 0.8 is
 * 0.08000000000000002 (checked first, so the test shows why rounding is
 * needed). Rounded, it equals the rate 8/100 exactly and that rate then
 * passes "at least" -- the boundary case the rounding exists for.
 */
static void test_decimal_threshold(void **state)
{
    (void)state;
    double raw = 0.1 * (1 - 0.2);
    assert_true(raw != 0.08);
    assert_true(8.0 / 100 < raw); /* without rounding 8 of 100 would fail */
    double t = tg_decimal_threshold(raw);
    assert_true(t == 0.08);
    assert_true(8.0 / 100 == t);
    assert_int_equal(tg_verdict_at_least(8.0 / 100, 8.0 / 100, t), P);
    /* 1.1 * 3 = 3.3000000000000003 in doubles. */
    assert_true(1.1 * 3 != 3.3);
    assert_true(tg_decimal_threshold(1.1 * 3) == 3.3);
    /* Special values pass through. */
    assert_true(tg_decimal_threshold(0.0) == 0.0);
    assert_true(isnan(tg_decimal_threshold(NAN)));
    assert_true(isinf(tg_decimal_threshold(INFINITY)));
    /* A value that needs its 15 digits is kept: 0.123456789012345. */
    assert_true(tg_decimal_threshold(0.123456789012345) == 0.123456789012345);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_at_least_boundaries),
        cmocka_unit_test(test_at_most_boundaries),
        cmocka_unit_test(test_within_band),
        cmocka_unit_test(test_above_reference),
        cmocka_unit_test(test_and_table),
        cmocka_unit_test(test_decimal_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
