/*
 * Statistics on counts. Conventions follow statsmodels and scipy so the
 * committed reference table can hold us to 1e-9:
 *  - Clopper-Pearson is 0 at x = 0 and 1 at x = n; so is Jeffreys here
 *    (statsmodels' is not: the tests expect exactly that difference).
 *  - Agresti-Coull adds z^2 to n and z^2/2 to x and is clipped to [0, 1].
 *  - Wald is the change request's p +- z sqrt(p(1-p)/n), not clipped.
 *  - Fisher's two-sided p sums the tables no more probable than the
 *    observed one times (1 + tolerance), as scipy.stats.fisher_exact.
 * GSL's beta quantiles (gsl_cdf_beta_Pinv) fail to converge for large
 * counts, so beta quantiles are found by Brent's method on the CDF.
 */
#include "tg_stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>

#include "tg_error.h"

int tg_ci_parse(const char *name)
{
    if (strcmp(name, "wilson") == 0)
        return TG_CI_WILSON;
    if (strcmp(name, "exact") == 0 || strcmp(name, "clopper-pearson") == 0)
        return TG_CI_EXACT;
    if (strcmp(name, "jeffreys") == 0)
        return TG_CI_JEFFREYS;
    if (strcmp(name, "agresti-coull") == 0)
        return TG_CI_AGRESTI_COULL;
    if (strcmp(name, "wald") == 0)
        return TG_CI_WALD;
    return -1;
}

const char *tg_ci_name(tg_ci_method m)
{
    static const char *names[] = {"wilson", "exact", "jeffreys",
                                  "agresti-coull", "wald"};
    return (unsigned)m < 5 ? names[m] : "unknown";
}

/* Every interval asks for the same few quantiles (one per confidence
 * level), thousands of times in a simulation: remember the last one
 * per thread. */
double tg_normal_quantile(double p)
{
    static _Thread_local double last_p = NAN, last_q = NAN;
    if (p == last_p)
        return last_q;
    double q = gsl_cdf_ugaussian_Pinv(p);
    last_p = p;
    last_q = q;
    return q;
}

/*
 * The continued fraction of the incomplete beta function (modified
 * Lentz), for the parameters where GSL's own gives up: its iteration
 * cap of 512 is reached near the mean once a and b pass about 1e6.
 * Returns NAN when it does not converge either.
 */
static double beta_cont_frac(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 2000000; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16)
            return h;
    }
    return NAN;
}

/* I_x(a, b) by the continued fraction on the side where it converges. */
static void beta_inc_cf(double x, double a, double b, double *P, double *Q)
{
    gsl_sf_result lb;
    if (gsl_sf_lnbeta_e(a, b, &lb) != GSL_SUCCESS) {
        *P = *Q = NAN;
        return;
    }
    if (x < (a + 1) / (a + b + 2)) {
        double front = exp(a * log(x) + b * log1p(-x) - lb.val);
        *P = front * beta_cont_frac(a, b, x) / a;
        *Q = 1 - *P;
    } else {
        double front = exp(b * log1p(-x) + a * log(x) - lb.val);
        *Q = front * beta_cont_frac(b, a, 1 - x) / b;
        *P = 1 - *Q;
    }
}

/*
 * Lower and upper tails of Beta(a, b) at x: GSL's, unless it fails to
 * converge (it returns NAN), then the continued fraction above.
 */
static void beta_tails(double x, double a, double b, double *P, double *Q)
{
    if (x <= 0) {
        *P = 0;
        *Q = 1;
        return;
    }
    if (x >= 1) {
        *P = 1;
        *Q = 0;
        return;
    }
    *P = gsl_cdf_beta_P(x, a, b);
    *Q = gsl_cdf_beta_Q(x, a, b);
    if (isnan(*P) || isnan(*Q))
        beta_inc_cf(x, a, b, P, Q);
}

typedef struct {
    double a, b, target;
    int upper;  /* solve Q(x) = target instead of P(x) = target */
} beta_eq;

static double beta_residual(double x, void *params)
{
    const beta_eq *e = params;
    /* The upper tail is computed directly (not 1 - P) to keep its
     * relative accuracy when the target is small. */
    double P, Q;
    beta_tails(x, e->a, e->b, &P, &Q);
    return e->upper ? e->target - Q : P - e->target;
}

static int beta_solve(double *out, double target, double a, double b,
                      int upper)
{
    beta_eq eq = {a, b, target, upper};
    gsl_function F = {beta_residual, &eq};
    double lo = 0.0, hi = 1.0;
    /* Narrow the bracket around the mean by bisection-friendly steps so
     * Brent starts close and tiny roots keep their relative precision. */
    double m = a / (a + b), sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
    for (double k = 1; k <= 64; k *= 2) {
        double l = m - k * 8 * sd, h = m + k * 8 * sd;
        if (l > 0 && beta_residual(l, &eq) < 0)
            lo = l > lo ? l : lo;
        if (h < 1 && beta_residual(h, &eq) > 0)
            hi = h < hi ? h : hi;
    }
    double flo = beta_residual(lo, &eq), fhi = beta_residual(hi, &eq);
    if (flo == 0) {
        *out = lo;
        return TG_OK;
    }
    if (fhi == 0) {
        *out = hi;
        return TG_OK;
    }
    if (!(flo < 0 && fhi > 0))
        return TG_EINTERNAL;
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return TG_EINTERNAL;
    int status = gsl_root_fsolver_set(s, &F, lo, hi);
    double root = NAN;
    for (int it = 0; status == GSL_SUCCESS && it < 500; it++) {
        status = gsl_root_fsolver_iterate(s);
        if (status != GSL_SUCCESS)
            break;
        root = gsl_root_fsolver_root(s);
        double l = gsl_root_fsolver_x_lower(s), h = gsl_root_fsolver_x_upper(s);
        status = gsl_root_test_interval(l, h, 0.0, 1e-15);
        if (status == GSL_SUCCESS)
            break;
        if (status == GSL_CONTINUE)
            status = GSL_SUCCESS;
        if (h - l <= 4 * DBL_EPSILON * fabs(root) + DBL_MIN)
            break;
    }
    gsl_root_fsolver_free(s);
    if (status != GSL_SUCCESS || isnan(root))
        return TG_EINTERNAL;
    *out = root;
    return TG_OK;
}

int tg_beta_quantile(double *out, double p, double a, double b)
{
    if (!(a > 0 && b > 0 && p >= 0 && p <= 1))
        return TG_EINVAL;
    if (p == 0) {
        *out = 0;
        return TG_OK;
    }
    if (p == 1) {
        *out = 1;
        return TG_OK;
    }
    return beta_solve(out, p, a, b, 0);
}

/* Upper quantile: x with Q(x) = q. */
static int beta_upper_quantile(double *out, double q, double a, double b)
{
    if (!(a > 0 && b > 0 && q > 0 && q < 1))
        return TG_EINVAL;
    return beta_solve(out, q, a, b, 1);
}

/*
 * The beta-quantile intervals cost a root search each; simulations and
 * sample-size searches ask for the same (x, n) again and again, so the
 * last answers are kept in a small per-thread table (the function stays
 * pure: the same arguments always give the same bounds).
 */
typedef struct {
    uint64_t x, n;
    double level, lo, hi;
    int method; /* -1: empty */
} ci_memo;

enum { CI_MEMO_SIZE = 4096 };
static _Thread_local ci_memo ci_cache[CI_MEMO_SIZE];
static _Thread_local int ci_cache_ready;

static ci_memo *memo_slot(uint64_t x, uint64_t n, double level, int m)
{
    if (!ci_cache_ready) {
        for (int i = 0; i < CI_MEMO_SIZE; i++)
            ci_cache[i].method = -1;
        ci_cache_ready = 1;
    }
    uint64_t h = x * 0x9E3779B97F4A7C15ull ^ (n + 0x632BE59BD9B4E019ull) *
                                                0xC2B2AE3D27D4EB4Full;
    h ^= (uint64_t)(level * 1e6) + (uint64_t)m * 0x165667B19E3779F9ull;
    return &ci_cache[(h >> 17) % CI_MEMO_SIZE];
}

static int ci_compute(double *lo, double *hi, uint64_t x, uint64_t n,
                      double level, tg_ci_method m);

int tg_ci(double *lo, double *hi, uint64_t x, uint64_t n, double level,
          tg_ci_method m)
{
    if ((m != TG_CI_EXACT && m != TG_CI_JEFFREYS) || n == 0 || x > n ||
        !(level > 0 && level < 1))
        return ci_compute(lo, hi, x, n, level, m);
    ci_memo *e = memo_slot(x, n, level, (int)m);
    if (e->method == (int)m && e->x == x && e->n == n && e->level == level) {
        *lo = e->lo;
        *hi = e->hi;
        return TG_OK;
    }
    int rc = ci_compute(lo, hi, x, n, level, m);
    if (rc == TG_OK)
        *e = (ci_memo){x, n, level, *lo, *hi, (int)m};
    return rc;
}

static int ci_compute(double *lo, double *hi, uint64_t x, uint64_t n,
                      double level, tg_ci_method m)
{
    *lo = *hi = NAN;
    if (n == 0 || x > n || !(level > 0 && level < 1))
        return TG_EINVAL;
    double alpha = 1 - level;
    double z = tg_normal_quantile(1 - alpha / 2);
    double dn = (double)n, dx = (double)x, p = dx / dn;
    int rc = TG_OK;
    switch (m) {
    case TG_CI_WILSON: {
        double z2 = z * z, denom = 1 + z2 / dn;
        double center = (p + z2 / (2 * dn)) / denom;
        double dist = z * sqrt(p * (1 - p) / dn + z2 / (4 * dn * dn)) / denom;
        *lo = center - dist;
        *hi = center + dist;
        break;
    }
    case TG_CI_WALD: {
        double dist = z * sqrt(p * (1 - p) / dn);
        *lo = p - dist;
        *hi = p + dist;
        break;
    }
    case TG_CI_AGRESTI_COULL: {
        double nc = dn + z * z, pc = (dx + z * z / 2) / nc;
        double dist = z * sqrt(pc * (1 - pc) / nc);
        *lo = fmin(fmax(pc - dist, 0), 1);
        *hi = fmin(fmax(pc + dist, 0), 1);
        break;
    }
    case TG_CI_EXACT:
        if (x == 0)
            *lo = 0;
        else
            rc = tg_beta_quantile(lo, alpha / 2, dx, dn - dx + 1);
        if (rc == TG_OK) {
            if (x == n)
                *hi = 1;
            else
                rc = beta_upper_quantile(hi, alpha / 2, dx + 1, dn - dx);
        }
        break;
    case TG_CI_JEFFREYS:
        /* With Brown, Cai and DasGupta's boundary modification: 0 at
         * x = 0 and 1 at x = n, where the plain Jeffreys interval would
         * exclude the observed rate itself. */
        if (x == 0)
            *lo = 0;
        else
            rc = tg_beta_quantile(lo, alpha / 2, dx + 0.5, dn - dx + 0.5);
        if (rc == TG_OK) {
            if (x == n)
                *hi = 1;
            else
                rc = beta_upper_quantile(hi, alpha / 2, dx + 0.5,
                                         dn - dx + 0.5);
        }
        break;
    default:
        return TG_EINVAL;
    }
    if (rc != TG_OK)
        *lo = *hi = NAN;
    return rc;
}

int tg_lift_katz(double *rr, double *lo, double *hi, uint64_t x, uint64_t n,
                 uint64_t rx, uint64_t rn, double level)
{
    *rr = *lo = *hi = NAN;
    if (n == 0 || rn == 0 || x > n || rx > rn || !(level > 0 && level < 1))
        return TG_EINVAL;
    double p1 = (double)x / (double)n, p2 = (double)rx / (double)rn;
    if (p2 == 0)
        return TG_EINVAL;
    *rr = p1 / p2;
    if (x == 0)
        return TG_OK; /* log(0): no interval */
    double se = sqrt(1.0 / (double)x - 1.0 / (double)n + 1.0 / (double)rx -
                     1.0 / (double)rn);
    double z = tg_normal_quantile(1 - (1 - level) / 2);
    *lo = exp(log(*rr) - z * se);
    *hi = exp(log(*rr) + z * se);
    return TG_OK;
}

/*
 * log P(X = k) - log P(X = mode) for the hypergeometric distribution
 * (population N with K successes, n draws), walked outward from the
 * mode by exact ratios: summing gsl_ran_hypergeometric_pdf terms loses
 * 4e-8 of relative accuracy at N = 1e7, ratios keep it near 1e-13.
 */
int tg_fisher_exact(double *p, uint64_t a, uint64_t b, uint64_t c,
                    uint64_t d)
{
    *p = NAN;
    double N = (double)a + b + c + d, K = (double)a + b, n = (double)a + c;
    double x = (double)a;
    if (N == 0) {
        *p = 1;
        return TG_OK;
    }
    double lo = fmax(0, n - (N - K)), hi = fmin(K, n);
    double mode = floor((n + 1) * (K + 1) / (N + 2));
    mode = fmin(fmax(mode, lo), hi);
    /* Log weight of x relative to the mode. Walking away from the mode
     * the weights only fall, so once below TG_FISHER_ZERO the p-value is
     * 0 exactly as the full sum below would give it: every table at least
     * as extreme weighs under exp(-745.2), which is 0 in a double, and the
     * tails stop at -745. Large exports (millions of leads) reach that
     * after a few steps instead of walking thousands. */
#define TG_FISHER_ZERO (-746.0)
    double lx = 0;
    if (x > mode) {
        for (double k = mode; k < x && lx >= TG_FISHER_ZERO; k++)
            lx += log((K - k) * (n - k) / ((k + 1) * (N - K - n + k + 1)));
    } else {
        for (double k = mode; k > x && lx >= TG_FISHER_ZERO; k--)
            lx += log(k * (N - K - n + k) / ((K - k + 1) * (n - k + 1)));
    }
    if (lx < TG_FISHER_ZERO) {
        *p = 0;
        return TG_OK;
    }
    /* scipy's tolerance is 1e-14 on probabilities; walked log weights
     * carry about 1e-12 of error, so ties are judged with 1e-9 (no two
     * distinct tables of integers come that close otherwise). */
    double cut = lx + 1e-9;
    if (lx > -1e-9) {
        *p = 1; /* the observed table is (tied with) the most probable */
        return TG_OK;
    }
    double total = 1, tail = 0, lw = 0;
    for (double k = mode; k < hi && lw > -745; k++) {
        lw += log((K - k) * (n - k) / ((k + 1) * (N - K - n + k + 1)));
        double w = exp(lw);
        total += w;
        if (lw <= cut)
            tail += w;
    }
    lw = 0;
    for (double k = mode; k > lo && lw > -745; k--) {
        lw += log(k * (N - K - n + k) / ((K - k + 1) * (n - k + 1)));
        double w = exp(lw);
        total += w;
        if (lw <= cut)
            tail += w;
    }
    *p = fmin(1.0, tail / total);
    return TG_OK;
}


typedef struct {
    int idx;
    double p;
} holm_item;

static int cmp_holm(const void *l, const void *r)
{
    const holm_item *a = l, *b = r;
    if (a->p < b->p)
        return -1;
    if (a->p > b->p)
        return 1;
    return a->idx - b->idx;
}

void tg_holm(double *adjusted, const double *p, int k)
{
    holm_item *it = malloc((size_t)(k > 0 ? k : 1) * sizeof *it);
    if (!it) {
        for (int i = 0; i < k; i++)
            adjusted[i] = NAN;
        return;
    }
    for (int i = 0; i < k; i++) {
        it[i].idx = i;
        it[i].p = p[i];
    }
    qsort(it, (size_t)k, sizeof *it, cmp_holm);
    double run = 0;
    for (int j = 0; j < k; j++) {
        double v = it[j].p * (double)(k - j);
        if (v > run)
            run = v;
        adjusted[it[j].idx] = run > 1 ? 1 : run;
    }
    free(it);
}

/* Katz: log RR +- z se(log RR); se from the cells as given. */
static double katz_log_se(double x, double n, double rx, double rn)
{
    return sqrt(1.0 / x - 1.0 / n + 1.0 / rx - 1.0 / rn);
}

/*
 * The 2x2 table of a tier (x of n) against the rest (rx of rn) as
 * statsmodels' Table2x2 uses it: when a cell is empty, every empty cell
 * becomes 0.5 so that the logs exist. Returns whether it shifted; the
 * tier's and the rest's (possibly shifted) totals and conversions.
 */
static int shifted_table(uint64_t x, uint64_t n, uint64_t rx, uint64_t rn,
                         double *cx, double *cn, double *crx, double *crn)
{
    double a = (double)x, b = (double)(n - x), c = (double)rx,
           d = (double)(rn - rx);
    int shift = a == 0 || b == 0 || c == 0 || d == 0;
    if (shift) {
        a = a == 0 ? 0.5 : a;
        b = b == 0 ? 0.5 : b;
        c = c == 0 ? 0.5 : c;
        d = d == 0 ? 0.5 : d;
    }
    *cx = a;
    *cn = a + b;
    *crx = c;
    *crn = c + d;
    return shift;
}

/* L = RR / (w RR + 1 - w), the lift against the whole split. */
static double lift_of_rr(double rr, double w)
{
    if (isinf(rr))
        return 1.0 / w;
    return rr / (w * rr + 1 - w);
}

int tg_lift_interval(double *lift, double *lo, double *hi, uint64_t x,
                     uint64_t n, uint64_t rx, uint64_t rn, double level)
{
    *lift = *lo = *hi = NAN;
    if (n == 0 || x > n || rx > rn || !(level > 0 && level < 1))
        return TG_EINVAL;
    if (x + rx == 0)
        return TG_OK; /* baseline 0: no lift */
    if (rn == 0) {
        *lift = *lo = *hi = 1.0; /* the tier is its own baseline */
        return TG_OK;
    }
    double z = tg_normal_quantile(1 - (1 - level) / 2);
    double dn = (double)n, drn = (double)rn, w = dn / (dn + drn);
    /* An empty cell has no log: it counts as 0.5, as in statsmodels'
     * Table2x2, for the interval only. */
    double cx, cn, crx, crn;
    shifted_table(x, n, rx, rn, &cx, &cn, &crx, &crn);
    double rr_c = (cx / cn) / (crx / crn);
    double se = katz_log_se(cx, cn, crx, crn);
    double rr_lo = exp(log(rr_c) - z * se), rr_hi = exp(log(rr_c) + z * se);
    *lift = (double)x / dn / (((double)x + (double)rx) / (dn + drn));
    *lo = lift_of_rr(rr_lo, w);
    *hi = lift_of_rr(rr_hi, w);
    /* The corrected table can move the interval off the point at the
     * extremes; the point is certain there, so the bound is the point. */
    if (x == 0)
        *lo = 0;
    if (rx == 0)
        *hi = 1.0 / w;
    if (*lo > *lift)
        *lo = *lift;
    if (*hi < *lift)
        *hi = *lift;
    return TG_OK;
}

double tg_lift_log_se(uint64_t x, uint64_t n, uint64_t rx, uint64_t rn,
                      double pinned)
{
    if (n == 0 || x > n || rx > rn)
        return NAN;
    double cx = (double)x, cn = (double)n;
    if (pinned > 0) {
        if (x == 0 || x == n) { /* the empty cell counts 0.5 */
            cx += x == 0 ? 0.5 : 0;
            cn += 0.5;
        }
        return sqrt(1.0 / cx - 1.0 / cn);
    }
    if (x + rx == 0)
        return NAN;
    if (rn == 0)
        return 0;
    double crx, crn;
    double w = (double)n / ((double)n + (double)rn);
    shifted_table(x, n, rx, rn, &cx, &cn, &crx, &crn);
    double rr = (cx / cn) / (crx / crn);
    return katz_log_se(cx, cn, crx, crn) * (1 - w) / (w * rr + 1 - w);
}

/* The lift (pinned or against the split) and the lift the log interval
 * is centred on: the same, except that an empty cell takes half a
 * conversion so that log L exists. */
static int lift_and_centre(double *lift, double *centre, uint64_t x,
                           uint64_t n, uint64_t rx, uint64_t rn, double pinned)
{
    if (n == 0 || x > n || rx > rn)
        return TG_EINVAL;
    double cx = (double)x, cn = (double)n;
    if (pinned > 0) {
        *lift = cx / cn / pinned;
        if (x == 0 || x == n) { /* the empty cell counts 0.5 */
            cx += x == 0 ? 0.5 : 0;
            cn += 0.5;
        }
        *centre = cx / cn / pinned;
        return TG_OK;
    }
    double lo, hi;
    int rc = tg_lift_interval(lift, &lo, &hi, x, n, rx, rn, 0.95);
    if (rc)
        return rc;
    *centre = *lift;
    if (x == 0 && rx > 0 && rn > 0) {
        double crx, crn;
        shifted_table(x, n, rx, rn, &cx, &cn, &crx, &crn);
        *centre = lift_of_rr((cx / cn) / (crx / crn),
                             (double)n / ((double)n + (double)rn));
    }
    return TG_OK;
}

int tg_lift_ratio_interval(double *ratio, double *lo, double *hi,
                           uint64_t x1, uint64_t n1, uint64_t rx1,
                           uint64_t rn1, double pinned1, uint64_t x2,
                           uint64_t n2, uint64_t rx2, uint64_t rn2,
                           double pinned2, double level)
{
    *ratio = *lo = *hi = NAN;
    if (!(level > 0 && level < 1))
        return TG_EINVAL;
    double l1, c1, l2, c2;
    int rc;
    if ((rc = lift_and_centre(&l1, &c1, x1, n1, rx1, rn1, pinned1)) ||
        (rc = lift_and_centre(&l2, &c2, x2, n2, rx2, rn2, pinned2)))
        return rc;
    double se1 = tg_lift_log_se(x1, n1, rx1, rn1, pinned1);
    double se2 = tg_lift_log_se(x2, n2, rx2, rn2, pinned2);
    if (!(l2 > 0) || isnan(l1) || isnan(se1) || isnan(se2))
        return TG_OK;
    double z = tg_normal_quantile(1 - (1 - level) / 2);
    double se = sqrt(se1 * se1 + se2 * se2);
    *ratio = l1 / l2;
    double centre = log(c1 / l2);
    *lo = l1 == 0 ? 0 : exp(centre - z * se);
    *hi = exp(centre + z * se);
    if (*lo > *ratio)
        *lo = *ratio;
    if (*hi < *ratio)
        *hi = *ratio;
    return TG_OK;
}

int tg_newcombe_diff(double *diff, double *lo, double *hi, uint64_t x1,
                     uint64_t n1, uint64_t x2, uint64_t n2, double level)
{
    *diff = *lo = *hi = NAN;
    double l1, u1, l2, u2;
    int rc;
    if ((rc = tg_ci(&l1, &u1, x1, n1, level, TG_CI_WILSON)) ||
        (rc = tg_ci(&l2, &u2, x2, n2, level, TG_CI_WILSON)))
        return rc;
    double p1 = (double)x1 / (double)n1, p2 = (double)x2 / (double)n2;
    *diff = p1 - p2;
    *lo = *diff - sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));
    *hi = *diff + sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));
    return TG_OK;
}
