/*
 * Three-way verdicts (see tg_verdict.h). Kept apart from the gate engine
 * so that every judge of an interval -- gates, sweeps, monitors -- shares
 * one definition of the boundaries.
 */
#include "tg_verdict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

const char *tg_verdict_name(tg_verdict v)
{
    static const char *n[] = {"pass", "fail", "inconclusive"};
    return (unsigned)v < 3 ? n[v] : "unknown";
}

tg_verdict tg_verdict_at_least(double lo, double hi, double min)
{
    if (isnan(min))
        return TG_VERDICT_PASS;
    if (isnan(lo) || isnan(hi))
        return TG_VERDICT_INCONCLUSIVE;
    if (lo >= min)
        return TG_VERDICT_PASS;
    if (hi < min)
        return TG_VERDICT_FAIL;
    return TG_VERDICT_INCONCLUSIVE;
}

tg_verdict tg_verdict_at_most(double lo, double hi, double max)
{
    if (isnan(max))
        return TG_VERDICT_PASS;
    if (isnan(lo) || isnan(hi))
        return TG_VERDICT_INCONCLUSIVE;
    if (hi <= max)
        return TG_VERDICT_PASS;
    if (lo > max)
        return TG_VERDICT_FAIL;
    return TG_VERDICT_INCONCLUSIVE;
}

tg_verdict tg_verdict_and(tg_verdict a, tg_verdict b)
{
    if (a == TG_VERDICT_FAIL || b == TG_VERDICT_FAIL)
        return TG_VERDICT_FAIL;
    if (a == TG_VERDICT_INCONCLUSIVE || b == TG_VERDICT_INCONCLUSIVE)
        return TG_VERDICT_INCONCLUSIVE;
    return TG_VERDICT_PASS;
}

tg_verdict tg_verdict_within(double lo, double hi, double min, double max)
{
    if (isnan(lo) || isnan(hi))
        return TG_VERDICT_INCONCLUSIVE;
    return tg_verdict_and(tg_verdict_at_least(lo, hi, min),
                          tg_verdict_at_most(lo, hi, max));
}

tg_verdict tg_verdict_above(double lo, double hi, double ref_lo,
                            double ref_hi)
{
    if (isnan(lo) || isnan(hi) || isnan(ref_lo) || isnan(ref_hi))
        return TG_VERDICT_INCONCLUSIVE;
    if (lo > ref_hi)
        return TG_VERDICT_PASS;
    if (hi < ref_lo)
        return TG_VERDICT_FAIL;
    return TG_VERDICT_INCONCLUSIVE;
}

double tg_decimal_threshold(double v)
{
    if (!isfinite(v) || v == 0)
        return v;
    /* A round trip through 15 significant decimal digits: doubles hold
     * 15 of them exactly, so a decimal result survives and the binary
     * noise of the multiplication (1e-17) is dropped. */
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    return strtod(buf, NULL);
}
