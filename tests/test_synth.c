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


/*
 * The near misses of the three loosenings the change request suggests,
 * in the generator's model: a Tier 1A lead at 51-100 reps, the same lead
 * 37-48 months in, a Tier 1B lead 37-48 months in, and a career mover
 * with two prior firms each convert less often than the tier's own leads
 * and more often than the baseline (3.66%); and Tier 1A's movers convert
 * better than the same movers at a large firm (Tier 1C).
 */
static void test_synth_near_misses_in_the_model(void **state)
{
    (void)state;
    /* tenure, industry tenure, net change, reps, prior firms */
    const long a1[] = {24, 120, -5, 30, 0}, a1_firm100[] = {24, 120, -5, 75, 0},
               a1_large[] = {24, 120, -5, 400, 0}, a1_tenure4[] = {42, 120, -5, 30, 0};
    const long b1[] = {24, 120, 3, 6, 0}, b1_tenure4[] = {42, 120, 3, 6, 0};
    const long m2[] = {100, 120, 3, 400, 3}, m2_prior2[] = {100, 120, 3, 400, 2};
    const double base = 0.0366;
    struct { const char *what; const long *tier, *near; } cases[] = {
        {"Tier 1A at 51-100 reps", a1, a1_firm100},
        {"Tier 1A at 37-48 months", a1, a1_tenure4},
        {"Tier 1B at 37-48 months", b1, b1_tenure4},
        {"Tier 2A with 2 prior firms", m2, m2_prior2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double t = tg_synth_conversion_probability(cases[i].tier, 0);
        double n = tg_synth_conversion_probability(cases[i].near, 0);
        if (!(n > base && n < t))
            fail_msg("%s: %.4f, want between %.4f and %.4f", cases[i].what, n,
                     base, t);
    }
    double small = tg_synth_conversion_probability(a1, 0);
    double mid = tg_synth_conversion_probability(a1_firm100, 0);
    double large = tg_synth_conversion_probability(a1_large, 0);
    assert_true(small > mid && mid > large);
    assert_true(tg_synth_conversion_probability(a1, 1) == large);
}

/* TRAIN conversions of a group. */
typedef struct {
    long n, conv;
} group;

static double grate(const group *g)
{
    return g->n ? (double)g->conv / (double)g->n : NAN;
}

/* a below b by at least z standard errors of the difference. */
static void assert_below(const char *what, const group *a, const group *b, double z)
{
    double pa = grate(a), pb = grate(b);
    double se = sqrt(pa * (1 - pa) / (double)a->n + pb * (1 - pb) / (double)b->n);
    if (!(a->n > 0 && b->n > 0 && pb - pa >= z * se))
        fail_msg("%s: %.2f%% (%ld leads) vs %.2f%% (%ld leads): want a gap of "
                 "%.1f standard errors (%.2f points)", what, 100 * pa, a->n,
                 100 * pb, b->n, z, 100 * z * se);
}

/*
 * The same on generated rows, counted through the shipped sweep's rule
 * sets: the TRAIN leads each loosening adds to its tier convert above
 * the baseline, and below the tier's own rate where that gap can be
 * measured on a million rows (Tier 1A's 1-4 years, Tier 2A's two prior
 * firms). Firm size <= 100 moves too few leads into Tier 1A, and 1-4
 * years brings Tier 1B small-firm leads too close to its rate, for that
 * gap to show at this size; the model test above holds their order.
 */
static void test_synth_loosenings_add_leads_between(void **state)
{
    (void)state;
    const char *p = tt_path("near-misses.csv");
    FILE *f = fopen(p, "wb");
    tg_synth_options o = {1000000, 5};
    assert_tg_ok(tg_synth_write(f, &o, NULL));
    fclose(f);
    tg_sweep *sw = NULL;
    tg_error err;
    assert_tg_ok(tg_sweep_load(&sw, tt_src("registry/sweeps/v3.2-loosen.json"),
                               NULL, &err));
    const char *names[] = {"firm100", "tenure4", "prior2"};
    const char *tiers[][2] = {{"TIER_1A_PRIME_MOVER_SMALL", NULL},
                              {"TIER_1A_PRIME_MOVER_SMALL", "TIER_1B_SMALL_FIRM"},
                              {"TIER_2A_PROVEN_MOVER", NULL}};
    const tg_rules *base = sw->variants[0].rules, *var[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < sw->nvariants; i++)
            if (strcmp(sw->variants[i].name, names[k]) == 0)
                var[k] = sw->variants[i].rules;
    group all = {0, 0}, tier[3][2], added[3][2];
    memset(tier, 0, sizeof tier);
    memset(added, 0, sizeof added);
    tg_reader *rd = NULL;
    tg_scan_options so = TG_SCAN_OPTIONS_INIT;
    so.paths = &p;
    so.npaths = 1;
    assert_tg_ok(tg_reader_open(&rd, base, &so, &err));
    const tg_row *row;
    while (tg_reader_next(rd, &row, &err) == 1) {
        if (row->split != TG_SPLIT_TRAIN || row->target < 0)
            continue;
        all.n++;
        all.conv += row->target;
        for (int k = 0; k < 3; k++) {
            assert_non_null(var[k]);
            int vt = tg_rules_assign(var[k], row->values);
            for (int j = 0; j < 2 && tiers[k][j]; j++) {
                int bt = tg_rules_tier_index(base, tiers[k][j]);
                int vx = tg_rules_tier_index(var[k], tiers[k][j]);
                group *g = row->tier == bt ? &tier[k][j]
                         : vt == vx        ? &added[k][j]
                                           : NULL;
                if (g) {
                    g->n++;
                    g->conv += row->target;
                }
            }
        }
    }
    tg_reader_free(rd);
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 2 && tiers[k][j]; j++) {
            char what[160];
            snprintf(what, sizeof what, "%s: baseline below the leads it adds to %s",
                     names[k], tiers[k][j]);
            assert_below(what, &all, &added[k][j], 3);
            /* Only Tier 1A's tenure and Tier 2A's prior-firm near misses
             * lie far enough under their tier to show at this size. */
            if (!((k == 1 && j == 0) || k == 2))
                continue;
            snprintf(what, sizeof what, "%s: the leads it adds below %s", names[k],
                     tiers[k][j]);
            assert_below(what, &added[k][j], &tier[k][j], 3);
        }
    tg_sweep_free(sw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synth_is_deterministic),
        cmocka_unit_test(test_synth_matches_the_brief),
        cmocka_unit_test(test_synth_near_misses_in_the_model),
        cmocka_unit_test(test_synth_loosenings_add_leads_between),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
