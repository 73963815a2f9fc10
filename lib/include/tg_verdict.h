/*
 * Three-way verdicts: an interval judged against a threshold or a band.
 *
 *   pass          the whole interval is on the passing side;
 *   fail          the whole interval is on the failing side;
 *   inconclusive  the interval straddles the threshold: the data can
 *                 neither confirm nor contradict it.
 *
 * A point estimate is the interval [v, v], so the same calls judge the
 * literal ("point") reading, where nothing is ever inconclusive. A value
 * equal to a threshold is on the passing side. Every gate kind of the
 * gate engine, and any other judge of rates (sweep, monitor), decides
 * through these functions so that all of them agree at the boundaries.
 */
#ifndef TG_VERDICT_H
#define TG_VERDICT_H

typedef enum {
    TG_VERDICT_PASS = 0,
    TG_VERDICT_FAIL,
    TG_VERDICT_INCONCLUSIVE
} tg_verdict;

/** "pass", "fail" or "inconclusive". */
const char *tg_verdict_name(tg_verdict v);

/** [lo, hi] against "value >= min": pass lo >= min, fail hi < min. */
tg_verdict tg_verdict_at_least(double lo, double hi, double min);

/** [lo, hi] against "value <= max": pass hi <= max, fail lo > max. */
tg_verdict tg_verdict_at_most(double lo, double hi, double max);

/**
 * [lo, hi] against "min <= value <= max" (either bound may be NAN: no
 * bound on that side). With both bounds this is an equivalence check:
 * pass when the interval lies inside the band, fail when it lies wholly
 * outside, inconclusive otherwise. A NAN interval is inconclusive.
 */
tg_verdict tg_verdict_within(double lo, double hi, double min, double max);

/**
 * Is [lo, hi] above the reference interval [ref_lo, ref_hi]? Pass when
 * lo > ref_hi (separated the right way), fail when hi < ref_lo
 * (separated the wrong way), inconclusive when they overlap.
 */
tg_verdict tg_verdict_above(double lo, double hi, double ref_lo,
                            double ref_hi);

/** Both must hold: fail if either fails, else inconclusive if either is. */
tg_verdict tg_verdict_and(tg_verdict a, tg_verdict b);

/**
 * A threshold computed from other numbers (10% x (1 - 20%)), rounded to
 * 15 significant digits so that decimal inputs give the decimal result
 * (0.08, not 0.08000000000000002) and a rate that equals it exactly, such
 * as 8 of 100, compares equal.
 */
double tg_decimal_threshold(double v);

#endif
