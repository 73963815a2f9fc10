/*
 * A gate outcome as a question of power: the rates a model converting
 * as expected would show (the tier's, and the rest of its split's), the
 * operating-characteristic case of the outcome's check (tg_power.h),
 * and, for an inconclusive outcome, how many labeled leads a decisive
 * pass would need. Used by the engine's messages and by `plan`.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tg_gate_internal.h"
#include "tg_power.h"
#include "tg_render.h"

double tg_gate_expected_rate(const tg_gate_result *r, int tier, int split)
{
    if (tier < 0 || tier >= r->rules->ntiers)
        return NAN;
    double e = r->rules->tiers[tier].expected_conversion_rate;
    if (!isnan(e))
        return e;
    return tg_gate_split(r, split)->tiers[tier].rate;
}

/*
 * The rest of a split around tier, as a model converting at its expected
 * rates would have it: each other tier at its expected rate (observed
 * when the rule set gives none), weighted by its labeled leads; and the
 * rest's size per labeled lead of the tier.
 */
static void rest_of(const tg_gate_result *r, const tg_split_stats *s,
                    int tier, double *p, double *share)
{
    const tg_tier_stats *ts = &s->tiers[tier];
    double conv = 0, n = 0;
    for (int k = 0; k < s->ntiers; k++) {
        if (k == tier || s->tiers[k].labeled == 0)
            continue;
        double e = tg_gate_expected_rate(r, k, s->split);
        conv += e * (double)s->tiers[k].labeled;
        n += (double)s->tiers[k].labeled;
    }
    *p = n > 0 ? conv / n : 0;
    *share = ts->labeled ? n / (double)ts->labeled : 0;
}

int tg_gate_oc_case(const tg_gate_result *r, const tg_gate_outcome *o,
                    double p, double train_p, tg_oc_case *c)
{
    const tg_gate_def *g = o->gate;
    if (o->tier < 0 || o->status == TG_STATUS_INSUFFICIENT || isnan(p))
        return -1;
    const tg_split_stats *s = tg_gate_split(r, o->split);
    const tg_tier_stats *ts = &s->tiers[o->tier];
    if (ts->labeled == 0)
        return -1;
    memset(c, 0, sizeof *c);
    c->check = g->check;
    c->judge = g->judge;
    c->method = r->ci_method;
    c->level = r->ci_level;
    c->min = o->min;
    c->max = o->max;
    c->lift_min = NAN;
    c->p = p;
    c->n = ts->labeled;
    c->pinned = s->baseline_pinned ? s->baseline_rate : NAN;
    c->train_pinned = NAN;
    rest_of(r, s, o->tier, &c->rest_p, &c->rest_share);
    switch (g->check) {
    case TG_CHECK_CONVERSION_RATE:
    case TG_CHECK_LIFT:
    case TG_CHECK_CALIBRATION:
        return 0;
    case TG_CHECK_EXPECTED_RANGE:
        c->lift_min = g->params[o->tier].lift_min;
        return 0;
    case TG_CHECK_CI_SEPARATION: {
        const tg_tier_stats *ref = &s->tiers[g->against];
        if (ref->labeled == 0)
            return -1;
        c->ref_p = tg_gate_expected_rate(r, g->against, o->split);
        c->ref_share = (double)ref->labeled / (double)ts->labeled;
        return 0;
    }
    case TG_CHECK_RANK_ORDER: {
        /* The rank above, held at its expected rate and its leads. */
        if (o->other_tier < 0 || s->tiers[o->other_tier].labeled == 0)
            return -1;
        c->min = c->max = NAN;
        c->ref_p = tg_gate_expected_rate(r, o->other_tier, o->split);
        c->ref_share = (double)s->tiers[o->other_tier].labeled /
                       (double)ts->labeled;
        return 0;
    }
    case TG_CHECK_TEST_TRAIN_LIFT: {
        const tg_tier_stats *tr = &r->train.tiers[o->tier];
        if (tr->labeled == 0 || isnan(train_p))
            return -1;
        c->train_p = train_p;
        c->train_share = (double)tr->labeled / (double)ts->labeled;
        double rs;
        rest_of(r, &r->train, o->tier, &c->train_rest_p, &rs);
        c->train_rest_share = rs * c->train_share;
        c->train_pinned = r->train.baseline_pinned ? r->train.baseline_rate
                                                   : NAN;
        return 0;
    }
    default:
        return -1;
    }
}

/*
 * For an inconclusive outcome: about how many labeled leads would give
 * an 80% chance of a decisive pass at the tier's expected rate, added to
 * the message.
 */
void tg_gate_add_leads_needed(const tg_gate_result *r, tg_gate_outcome *o)
{
    if (o->status != TG_STATUS_INCONCLUSIVE || o->tier < 0)
        return;
    double e = tg_gate_expected_rate(r, o->tier, o->split);
    tg_oc_case c;
    const tg_split_stats *s = tg_gate_split(r, o->split);
    o->leads_now = s->tiers[o->tier].labeled;
    size_t len = strlen(o->message);
    char a[32], b[32], pe[32];
    if (tg_gate_oc_case(r, o, e, e, &c) != 0)
        return;
    uint64_t n = 0;
    if (tg_oc_leads_needed(&c, 0.8, &n) == 0) {
        o->leads_needed = n;
        snprintf(o->message + len, sizeof o->message - len,
                 "; about %s labeled leads (it has %s) would give an 80%% "
                 "chance of a decisive pass at the expected %s",
                 tg_fmt_count(n, a), tg_fmt_count(o->leads_now, b),
                 tg_fmt_unit(e, TG_UNIT_PCT, pe));
    } else {
        snprintf(o->message + len, sizeof o->message - len,
                 "; at the expected %s no number of labeled leads (up to "
                 "1,000,000) makes a "
                 "decisive pass likely (it has %s)",
                 tg_fmt_unit(e, TG_UNIT_PCT, pe),
                 tg_fmt_count(o->leads_now, b));
    }
}

