/*
 * Three-way verdicts on intervals: a check passes when the whole
 * interval lies on the passing side of its threshold, fails when the
 * whole interval lies on the failing side, and is inconclusive when the
 * interval straddles the threshold (the data can neither confirm nor
 * refute). Thresholds are exact: an interval that touches a bound is on
 * the side that includes the bound.
 */
#ifndef TG_VERDICT_H
#define TG_VERDICT_H

typedef enum {
    TG_VERDICT_PASS = 0,
    TG_VERDICT_INCONCLUSIVE,
    TG_VERDICT_FAIL
} tg_verdict;

/** How an inconclusive verdict counts: as a warning or as blocking. */
typedef enum { TG_INCONCLUSIVE_WARN = 0, TG_INCONCLUSIVE_BLOCK = 1 } tg_inconclusive;

/**
 * [lo, hi] against the passing band [min, max] (either bound NAN when
 * open): pass when min <= lo and hi <= max, fail when hi < min or
 * lo > max, inconclusive otherwise (NAN bounds on the interval too).
 */
tg_verdict tg_verdict_band(double lo, double hi, double min, double max);

/**
 * Whether [lo, hi] lies above the reference interval [rlo, rhi]: pass
 * when lo > rhi (wholly above), fail when hi < rlo (wholly below),
 * inconclusive when they overlap.
 */
tg_verdict tg_verdict_above(double lo, double hi, double rlo, double rhi);

const char *tg_verdict_name(tg_verdict v);
/** "warn" or "block"; -1 from the parser when neither. */
int tg_inconclusive_parse(const char *s);
const char *tg_inconclusive_name(tg_inconclusive i);

#endif
