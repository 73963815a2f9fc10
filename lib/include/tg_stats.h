/*
 * Statistics on counts, with GSL underneath: binomial confidence
 * intervals, lift with its Katz interval, Fisher's exact test and Holm's
 * adjustment. Every function is pure and checks its inputs; none can
 * abort the process (GSL's error handler is switched off by the tools).
 */
#ifndef TG_STATS_H
#define TG_STATS_H

#include <stdint.h>

typedef enum {
    TG_CI_WILSON = 0,
    TG_CI_EXACT,          /* Clopper-Pearson */
    TG_CI_JEFFREYS,
    TG_CI_AGRESTI_COULL,
    TG_CI_WALD            /* checklist step 8d formula, not clipped */
} tg_ci_method;

/** Parse "wilson", "exact" (or "clopper-pearson"), "jeffreys",
 *  "agresti-coull", "wald"; -1 when unknown. */
int tg_ci_parse(const char *name);
const char *tg_ci_name(tg_ci_method m);

/**
 * Two-sided interval at level (0 < level < 1) for x successes in n
 * trials. With n == 0 there is no interval: *lo = *hi = NAN and
 * TG_EINVAL is returned. Returns TG_OK or TG_EINTERNAL when a numerical
 * routine failed to converge.
 */
int tg_ci(double *lo, double *hi, uint64_t x, uint64_t n, double level,
          tg_ci_method m);

/**
 * Lift of a tier (x of n) against the rest of its split (rx of rn),
 * with the Katz log interval at level: the risk ratio of the tier to the
 * rest. NAN bounds when a cell is empty.
 */
int tg_lift_katz(double *rr, double *lo, double *hi, uint64_t x, uint64_t n,
                 uint64_t rx, uint64_t rn, double level);

/**
 * Lift of a tier against its whole split, the tier included: the number
 * reported beside it everywhere, L = p_tier / p_split. With the tier's
 * share w = n / (n + rn) of the split's labeled leads and the risk ratio
 * RR = p_tier / p_rest, L = RR / (w RR + 1 - w), which increases with
 * RR; the Katz interval of RR mapped through it is an interval for L
 * with the Katz coverage (w taken as fixed), and it always holds L.
 * Edge cases:
 *  - no conversion anywhere (x + rx == 0): baseline 0, L and its bounds
 *    NAN (TG_OK);
 *  - the tier is the whole split (rn == 0): L = 1, interval [1, 1];
 *  - x == 0: L = 0, lower 0, upper from the Katz interval of the table
 *    whose empty cells count 0.5 (as statsmodels' Table2x2);
 *  - rx == 0: L = 1 / w (its largest possible value), upper 1 / w, lower
 *    from that corrected table (likewise when a tier or the rest all
 *    convert).
 * TG_EINVAL when n == 0, x > n, rx > rn or the level is not in (0, 1).
 */
int tg_lift_interval(double *lift, double *lo, double *hi, uint64_t x,
                     uint64_t n, uint64_t rx, uint64_t rn, double level);

/**
 * The standard error of log L (L as in tg_lift_interval) by the delta
 * method: se(log RR) (1 - w) / (w RR + 1 - w), from the table whose
 * empty cells count 0.5; 0 when the tier is the
 * whole split; NAN when nothing converted. With a pinned baseline
 * (pinned > 0) L = p / pinned and this is se(log p) = sqrt(1/x - 1/n).
 */
double tg_lift_log_se(uint64_t x, uint64_t n, uint64_t rx, uint64_t rn,
                      double pinned);

/**
 * The ratio R = L1 / L2 of two lifts from independent samples (TEST lift
 * over TRAIN lift), each from the counts of its tier (x of n) and of the
 * rest of its split (rx of rn), or against a pinned baseline (pinned > 0,
 * else NAN): exp(log R +- z sqrt(se1^2 + se2^2)) with tg_lift_log_se.
 * When L1 = 0, R = 0, the lower bound is 0 and the upper bound uses the
 * table whose empty cells count 0.5. R and its bounds are NAN when L2
 * is 0 or undefined.
 */
int tg_lift_ratio_interval(double *ratio, double *lo, double *hi,
                           uint64_t x1, uint64_t n1, uint64_t rx1,
                           uint64_t rn1, double pinned1, uint64_t x2,
                           uint64_t n2, uint64_t rx2, uint64_t rn2,
                           double pinned2, double level);

/**
 * Newcombe's hybrid score interval (method 10, from Wilson intervals) for
 * the difference of two independent proportions p1 - p2, as
 * statsmodels' confint_proportions_2indep(method="newcomb").
 */
int tg_newcombe_diff(double *diff, double *lo, double *hi, uint64_t x1,
                     uint64_t n1, uint64_t x2, uint64_t n2, double level);

/**
 * Two-sided Fisher exact test of the 2x2 table [[a, b], [c, d]], as
 * scipy.stats.fisher_exact computes it.
 */
int tg_fisher_exact(double *p, uint64_t a, uint64_t b, uint64_t c,
                    uint64_t d);

/** Holm's step-down adjustment of k p-values, in place order kept. */
void tg_holm(double *adjusted, const double *p, int k);

/** Quantile of the standard normal distribution. */
double tg_normal_quantile(double p);

/** Quantile of Beta(a, b) at p, by root-finding on the CDF. */
int tg_beta_quantile(double *out, double p, double a, double b);

#endif
