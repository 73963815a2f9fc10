/*
 * Three-way verdicts on intervals (see tg_verdict.h). Kept apart from
 * the judging of any one command so that gates and monitors judge the
 * same way.
 */
#include "tg_verdict.h"

#include <math.h>
#include <string.h>

tg_verdict tg_verdict_band(double lo, double hi, double min, double max)
{
    if (isnan(lo) || isnan(hi))
        return TG_VERDICT_INCONCLUSIVE;
    if ((!isnan(min) && hi < min) || (!isnan(max) && lo > max))
        return TG_VERDICT_FAIL;
    if ((isnan(min) || lo >= min) && (isnan(max) || hi <= max))
        return TG_VERDICT_PASS;
    return TG_VERDICT_INCONCLUSIVE;
}

tg_verdict tg_verdict_above(double lo, double hi, double rlo, double rhi)
{
    if (isnan(lo) || isnan(hi) || isnan(rlo) || isnan(rhi))
        return TG_VERDICT_INCONCLUSIVE;
    if (lo > rhi)
        return TG_VERDICT_PASS;
    if (hi < rlo)
        return TG_VERDICT_FAIL;
    return TG_VERDICT_INCONCLUSIVE;
}

const char *tg_verdict_name(tg_verdict v)
{
    return v == TG_VERDICT_PASS ? "pass"
         : v == TG_VERDICT_FAIL ? "fail"
                                : "inconclusive";
}

int tg_inconclusive_parse(const char *s)
{
    if (strcmp(s, "warn") == 0)
        return TG_INCONCLUSIVE_WARN;
    if (strcmp(s, "block") == 0)
        return TG_INCONCLUSIVE_BLOCK;
    return -1;
}

const char *tg_inconclusive_name(tg_inconclusive i)
{
    return i == TG_INCONCLUSIVE_BLOCK ? "block" : "warn";
}
