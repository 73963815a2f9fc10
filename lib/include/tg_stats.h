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
    TG_CI_WALD            /* the brief's step 8d formula, not clipped */
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
