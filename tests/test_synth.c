/*
 * The synthetic export: deterministic bytes, the brief's split sizes,
 * and realized signal rates near the brief's findings. Tolerances are
 * about three standard errors of each rate at 48,472 leads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *synth_to_memory(uint64_t rows, unsigned long seed, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    tg_synth_options o = {rows, seed};
    assert_tg_ok(tg_synth_write(f, &o, NULL));
    fclose(f);
    return buf;
}

static void test_synth_is_deterministic(void **state)
{
    (void)state;
    size_t la, lb, lc;
    char *a = synth_to_memory(5000, 1, &la);
    char *b = synth_to_memory(5000, 1, &lb);
    char *c = synth_to_memory(5000, 2, &lc);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_true(la != lc || memcmp(a, c, la) != 0);
    free(a);
    free(b);
    free(c);
    assert_int_equal(tg_synth_train_rows(48472), 30727);
}

typedef struct {
    long n, conv;
} rate;

static void see(rate *r, int target)
{
    r->n++;
    r->conv += target;
}

static double pct(const rate *r)
{
    return 100.0 * (double)r->conv / (double)r->n;
}

static void near(const char *what, const rate *r, double want, double tol)
{
    double got = pct(r);
    if (fabs(got - want) > tol)
        fail_msg("%s: %.2f%% over %ld leads, want %.2f%% +- %.2f", what, got,
                 r->n, want, tol);
}

static void test_synth_matches_the_brief(void **state)
{
    (void)state;
    const char *p = tt_path("default.csv");
    FILE *f = fopen(p, "wb");
    tg_synth_options o = TG_SYNTH_OPTIONS_INIT;
    assert_tg_ok(tg_synth_write(f, &o, NULL));
    fclose(f);

    tg_csv *c = NULL;
    tg_error err;
    assert_tg_ok(tg_csv_open(&c, p, &err));
    assert_int_equal(tg_csv_next(c, &err), 1);
    rate train = {0, 0}, test = {0, 0}, ten13 = {0, 0}, small = {0, 0},
         prior3 = {0, 0}, bleed = {0, 0}, heavy = {0, 0}, under1 = {0, 0};
    long rows = 0, ntrain = 0, cells = 0, nulls = 0, unlabeled = 0;
    int first = 99999999, last = 0;
    while (tg_csv_next(c, &err) == 1) {
        size_t len;
        double v[11];
        const char *s[11];
        size_t l[11];
        for (int i = 0; i < 11; i++) {
            s[i] = tg_csv_field(c, (size_t)i, &len);
            l[i] = len;
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%.*s", (int)len, s[i]);
            v[i] = len ? strtod(tmp, NULL) : NAN;
            if (i >= 3 && i <= 8) {
                cells++;
                nulls += len == 0;
            }
        }
        rows++;
        int is_train = l[10] == 5;
        ntrain += is_train;
        int d = tg_parse_date(s[2], l[2]);
        if (is_train) {
            first = d < first ? d : first;
            last = d > last ? d : last;
        } else {
            assert_true(d >= 20250704);
        }
        if (isnan(v[9])) {
            unlabeled++;
            continue;
        }
        int y = (int)v[9];
        see(is_train ? &train : &test, y);
        if (v[3] >= 12 && v[3] <= 36)
            see(&ten13, y);
        if (v[3] < 12)
            see(&under1, y);
        if (v[6] >= 1 && v[6] <= 10)
            see(&small, y);
        if (v[7] >= 3)
            see(&prior3, y);
        if (v[5] >= -10 && v[5] <= -1)
            see(&bleed, y);
        if (v[5] < -10)
            see(&heavy, y);
    }
    tg_csv_free(c);
    assert_int_equal(rows, 48472);
    assert_int_equal(ntrain, 30727);
    assert_int_equal(first, 20240201);
    assert_int_equal(last, 20250703);
    near("TRAIN baseline", &train, 3.66, 0.35);
    near("TEST baseline", &test, 4.16, 0.45);
    near("1-3 years tenure", &ten13, 15.76, 2.0);
    near("1-10 reps", &small, 14.59, 2.3);
    near("3+ prior firms", &prior3, 10.47, 2.4);
    near("net change -10..-1", &bleed, 11.0, 2.0);
    near("net change below -10", &heavy, 10.18, 4.0);
    near("under 1 year tenure", &under1, 3.92, 0.6);
    double null_share = (double)nulls / (double)cells;
    assert_true(null_share > 0.01 && null_share < 0.05);
    assert_true(unlabeled > 0 && unlabeled < rows / 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synth_is_deterministic),
        cmocka_unit_test(test_synth_matches_the_brief),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
