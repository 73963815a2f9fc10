/*
 * Operating characteristics of one gate on one tier: the probability
 * that the gate passes when the tier converts at a given true rate, and
 * the labeled leads the tier needs for a given chance of a decisive pass.
 *
 * The tier's conversions are binomial; the probability is the exact sum
 * of binomial probabilities (GSL) over the counts the gate passes. Where
 * a gate also reads other counts, the rest of the split (lift) and the
 * reference tier (ci_separation) are held at their expected counts --
 * they are tens of times larger than a priority tier -- while the TRAIN
 * tier of test_train_lift_ratio is random too (a double sum).
 */
#ifndef TG_POWER_H
#define TG_POWER_H

#include <stdint.h>

#include "tg_policy.h"
#include "tg_stats.h"
#include "tg_verdict.h"

typedef struct {
    tg_check check;          /* conversion_rate, lift, calibration,
                                expected_range, ci_separation,
                                test_train_lift_ratio, rank_order */
    tg_judge judge;
    tg_ci_method method;
    double level;
    double min, max;         /* the threshold in the gate's unit; NAN none
                                (calibration and expected_range: the band) */
    double lift_min;         /* expected_range's minimum lift, NAN none */
    double p;                /* the tier's true rate */
    uint64_t n;              /* its labeled leads */
    double pinned;           /* the split's pinned baseline, NAN if not */
    /* The rest of the split (lift): rate and labeled leads per tier lead. */
    double rest_p, rest_share;
    /* The reference tier of ci_separation (or the rank above, for
     * rank_order), likewise. */
    double ref_p, ref_share;
    /* test_train_lift_ratio: the tier on TRAIN and the rest of TRAIN. */
    double train_p, train_share, train_rest_p, train_rest_share;
    double train_pinned;
} tg_oc_case;

/** The verdict of the gate when the tier has x conversions of n (and the
 *  TRAIN tier x2 for test_train_lift_ratio; ignored otherwise). */
tg_verdict tg_oc_verdict(const tg_oc_case *c, uint64_t x, uint64_t n,
                         uint64_t x2);

/** P(the gate passes) at c->n labeled leads and true rate c->p. */
double tg_oc_pass_probability(const tg_oc_case *c);

/**
 * The labeled leads (in the gate's split; the other counts grow in
 * proportion) for a chance of at least power (0 < power < 1) that the
 * gate passes. Sets *n; returns 0, or -1 when no size up to a million
 * reaches it (the true rate is on the failing side or on the threshold,
 * or too close to it for any realistic sample).
 * Pass probabilities rise in a saw-tooth with n, so this is the first
 * size found by doubling and bisection: "about".
 */
int tg_oc_leads_needed(const tg_oc_case *c, double power, uint64_t *n);

#endif
