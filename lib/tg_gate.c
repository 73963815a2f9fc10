/*
 * The gate engine. Each check reads per-split statistics (computed once
 * with the chosen interval method and level) and decides three ways from
 * the interval that belongs to the value it reports (tg_verdict.h), or
 * two ways from the point estimate when the gate judges "point". A tier
 * below the gate's minimum of labeled leads or conversions is
 * "insufficient": for a blocking gate that fails the release, since an
 * untestable tier must not ship as if it passed.
 */
#include "tg_gate.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_json.h"
#include "tg_render.h"
#include "tg_util.h"

const char *tg_status_name(tg_gate_status s)
{
    static const char *n[] = {"pass", "warn", "fail", "insufficient",
                              "inconclusive"};
    return (unsigned)s < 5 ? n[s] : "unknown";
}

const char *tg_overall_name(tg_overall s)
{
    static const char *n[] = {"PASSED", "PASSED_WITH_WARNINGS", "FAILED"};
    return (unsigned)s < 3 ? n[s] : "FAILED";
}

int tg_overall_exit_code(tg_overall s)
{
    return s == TG_OVERALL_FAILED ? 1 : 0;
}

tg_gate_options tg_gate_options_default(void)
{
    tg_gate_options o = {TG_CI_WILSON, 0.95, 0, NAN, NAN, NAN, 0, 0};
    return o;
}

const tg_split_stats *tg_gate_split(const tg_gate_result *r, int split)
{
    return split == TG_SPLIT_TRAIN ? &r->train
         : split == TG_SPLIT_TEST  ? &r->test
                                   : &r->all;
}

static const tg_split_stats *stats_of(const tg_gate_result *r, int split)
{
    return tg_gate_split(r, split);
}

/* Room for more outcomes, growing geometrically: a gate over many tiers
 * adds thousands, and plan judges the policy thousands of times. */
static int reserve_outcomes(tg_gate_result *r, int more)
{
    if (more <= r->outcomes_cap - r->noutcomes)
        return TG_OK;
    if (more > INT_MAX / 2 - r->noutcomes)
        return TG_ENOMEM;
    int cap = r->outcomes_cap ? r->outcomes_cap : 16;
    while (cap < r->noutcomes + more)
        cap *= 2;
    tg_gate_outcome *n = realloc(r->outcomes, (size_t)cap * sizeof *n);
    if (!n)
        return TG_ENOMEM;
    r->outcomes = n;
    r->outcomes_cap = cap;
    return TG_OK;
}

static int add_outcome(tg_gate_result *r, const tg_gate_def *g, int tier,
                       int split, tg_gate_outcome **out)
{
    if (reserve_outcomes(r, 1) != TG_OK)
        return TG_ENOMEM;
    tg_gate_outcome *n = r->outcomes;
    tg_gate_outcome *o = &n[r->noutcomes++];
    memset(o, 0, sizeof *o);
    o->gate = g;
    o->tier = tier;
    o->split = split;
    o->other_tier = -1;
    o->quiet = r->verdicts_only;
    o->actual = o->ci_lower = o->ci_upper = o->min = o->max = NAN;
    *out = o;
    return TG_OK;
}

static void say(tg_gate_outcome *o, const char *f, ...)
    __attribute__((format(printf, 2, 3)));
static void say(tg_gate_outcome *o, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(o->message, sizeof o->message, f, ap);
    va_end(ap);
}

/*
 * Messages are only worded for a result someone reads: a simulation
 * (verdicts_only) judges the same gates thousands of times, and
 * formatting numbers would cost it more than the judging.
 */
#define SAY(o, ...)                                                       \
    do {                                                                  \
        if (!(o)->quiet)                                                  \
            say((o), __VA_ARGS__);                                        \
    } while (0)
#define WORD(o, buf, ...)                                                 \
    do {                                                                  \
        if (!(o)->quiet)                                                  \
            snprintf((buf), sizeof(buf), __VA_ARGS__);                    \
    } while (0)

static void threshold_text(double min, double max, tg_unit u, char *buf,
                           size_t n)
{
    char a[32], b[32];
    if (!isnan(min) && !isnan(max))
        snprintf(buf, n, "%s to %s", tg_fmt_unit(min, u, a),
                 tg_fmt_unit(max, u, b));
    else if (!isnan(min))
        snprintf(buf, n, ">= %s", tg_fmt_unit(min, u, a));
    else
        snprintf(buf, n, "<= %s", tg_fmt_unit(max, u, a));
}

/* The status of a verdict under the gate's severity. */
static void set_verdict(tg_gate_outcome *o, tg_verdict v)
{
    const tg_gate_def *g = o->gate;
    o->verdict = v;
    o->status = v == TG_VERDICT_PASS ? TG_STATUS_PASS
              : v == TG_VERDICT_INCONCLUSIVE ? TG_STATUS_INCONCLUSIVE
              : g->severity == TG_SEVERITY_BLOCK ? TG_STATUS_FAIL
                                                 : TG_STATUS_WARN;
}

/*
 * Judge [lo, hi] (the point for "point") against [o->min, o->max], set
 * the status and the message "VALUE [CI] VERB THRESHOLD; extra".
 */
static tg_verdict conclude(tg_gate_outcome *o, tg_unit u, const char *extra)
{
    const tg_gate_def *g = o->gate;
    int interval = g->judge == TG_JUDGE_INTERVAL && !isnan(o->ci_lower);
    double lo = interval ? o->ci_lower : o->actual;
    double hi = interval ? o->ci_upper : o->actual;
    tg_verdict v = tg_verdict_within(lo, hi, o->min, o->max);
    set_verdict(o, v);
    char a[32], t[80], l[32], h[32];
    if (o->quiet)
        return v;
    threshold_text(o->min, o->max, u, t, sizeof t);
    const char *sep = extra ? "; " : "", *ex = extra ? extra : "";
    if (interval)
        SAY(o, "%s [%s, %s]: %s %s%s%s", tg_fmt_unit(o->actual, u, a),
            tg_fmt_unit(o->ci_lower, u, l), tg_fmt_unit(o->ci_upper, u, h),
            v == TG_VERDICT_PASS ? "the whole interval meets"
            : v == TG_VERDICT_FAIL ? "the whole interval misses"
                                   : "the interval straddles",
            t, sep, ex);
    else
        SAY(o, "%s %s %s%s%s", tg_fmt_unit(o->actual, u, a),
            v == TG_VERDICT_PASS ? "meets" : "misses", t, sep, ex);
    return v;
}

static int too_small(const tg_gate_def *g, const tg_tier_stats *ts)
{
    return ts->labeled < (uint64_t)g->min_labeled ||
           ts->conversions < (uint64_t)g->min_conversions;
}

static void insufficient(tg_gate_outcome *o, const tg_tier_stats *ts)
{
    char a[32], b[32];
    o->status = TG_STATUS_INSUFFICIENT;
    o->verdict = TG_VERDICT_INCONCLUSIVE;
    SAY(o, "too few leads to judge: %s labeled, %s conversions (the gate "
           "needs %ld labeled and %ld conversions)",
        tg_fmt_count(ts->labeled, a), tg_fmt_count(ts->conversions, b),
        o->gate->min_labeled, o->gate->min_conversions);
}

/* A value computed from several counts, rounded like a derived
 * threshold so that one exactly on a decimal threshold compares equal. */
static double derived(double v)
{
    return tg_decimal_threshold(v);
}

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
    const tg_split_stats *s = stats_of(r, o->split);
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
static void add_leads_needed(const tg_gate_result *r, tg_gate_outcome *o)
{
    if (o->status != TG_STATUS_INCONCLUSIVE || o->tier < 0)
        return;
    double e = tg_gate_expected_rate(r, o->tier, o->split);
    tg_oc_case c;
    const tg_split_stats *s = stats_of(r, o->split);
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

/* rank_order: walk the covered tiers by priority rank. */
static int by_rank(const tg_rules *rules, const tg_gate_def *g, int *order)
{
    int n = g->ntiers;
    for (int i = 0; i < n; i++)
        order[i] = g->tiers[i];
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && rules->tiers[order[j]].priority_rank <
                                     rules->tiers[order[j - 1]].priority_rank;
             j--) {
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    return n;
}

static void judge_ci_separation(tg_gate_outcome *o,
                                const tg_split_stats *s,
                                const tg_tier_stats *ts)
{
    const tg_gate_def *g = o->gate;
    const tg_tier_stats *ref = &s->tiers[g->against];
    char a[32], b[32], c[32], d[32];
    o->actual = ts->ci_lower;
    o->ci_lower = ts->ci_lower;
    o->ci_upper = ts->ci_upper;
    o->min = ref->ci_upper;
    if (too_small(g, ts)) {
        insufficient(o, ts);
        return;
    }
    if (too_small(g, ref)) {
        insufficient(o, ref);
        return;
    }
    tg_verdict v = tg_verdict_above(ts->ci_lower, ts->ci_upper,
                                    ref->ci_lower, ref->ci_upper);
    /* The literal reading: separated, or not. */
    if (g->judge == TG_JUDGE_POINT && v == TG_VERDICT_INCONCLUSIVE)
        v = TG_VERDICT_FAIL;
    set_verdict(o, v);
    SAY(o, "[%s, %s] %s %s's [%s, %s]",
        tg_fmt_unit(ts->ci_lower, TG_UNIT_PCT, a),
        tg_fmt_unit(ts->ci_upper, TG_UNIT_PCT, b),
        v == TG_VERDICT_PASS ? "is wholly above"
        : v == TG_VERDICT_FAIL && ts->ci_upper < ref->ci_lower
            ? "is wholly below"
            : "overlaps",
        ref->tier, tg_fmt_unit(ref->ci_lower, TG_UNIT_PCT, c),
        tg_fmt_unit(ref->ci_upper, TG_UNIT_PCT, d));
}

static void judge_lift_ratio(tg_gate_result *r, tg_gate_outcome *o,
                             const tg_split_stats *s, const tg_tier_stats *ts,
                             int t)
{
    const tg_gate_def *g = o->gate;
    const tg_tier_stats *tr = &r->train.tiers[t];
    char a[32], b[32], extra[300];
    o->split = TG_SPLIT_TEST;
    o->min = g->min;
    o->max = g->max;
    if (too_small(g, tr)) {
        insufficient(o, tr);
        return;
    }
    if (too_small(g, ts)) {
        insufficient(o, ts);
        return;
    }
    double ratio;
    tg_lift_ratio_interval(&ratio, &o->ci_lower, &o->ci_upper,
                           ts->conversions, ts->labeled,
                           s->conversions - ts->conversions,
                           s->labeled - ts->labeled,
                           s->baseline_pinned ? s->baseline_rate : NAN,
                           tr->conversions, tr->labeled,
                           r->train.conversions - tr->conversions,
                           r->train.labeled - tr->labeled,
                           r->train.baseline_pinned ? r->train.baseline_rate
                                                    : NAN,
                           r->ci_level);
    o->actual = derived(ratio);
    WORD(o, extra, "TEST lift %s, TRAIN lift %s",
             tg_fmt_unit(ts->lift, TG_UNIT_LIFT, a),
             tg_fmt_unit(tr->lift, TG_UNIT_LIFT, b));
    if (isnan(o->actual)) {
        o->status = TG_STATUS_INSUFFICIENT;
        o->verdict = TG_VERDICT_INCONCLUSIVE;
        SAY(o, "no ratio: the TRAIN lift is 0 or undefined; %s", extra);
        return;
    }
    conclude(o, TG_UNIT_RATIO, extra);
}

static void judge_rank_order(tg_gate_result *r, tg_gate_outcome *o,
                             const tg_split_stats *s, const tg_tier_stats *ts,
                             int t, int prev)
{
    const tg_rules *rules = r->rules;
    const tg_gate_def *g = o->gate;
    char a[32], b[32];
    o->actual = ts->rate;
    o->ci_lower = ts->ci_lower;
    o->ci_upper = ts->ci_upper;
    if (prev < 0) {
        set_verdict(o, TG_VERDICT_PASS);
        SAY(o, "highest rank (%d): %s, the reference for the next",
            rules->tiers[t].priority_rank,
            tg_fmt_unit(ts->rate, TG_UNIT_PCT, a));
        return;
    }
    const tg_tier_stats *ps = &s->tiers[prev];
    o->max = ps->rate;
    o->other_tier = prev;
    /* The difference "rank above minus this one" should not be negative;
     * only an inversion the data show fails. */
    double d, dlo, dhi;
    tg_newcombe_diff(&d, &dlo, &dhi, ps->conversions, ps->labeled,
                     ts->conversions, ts->labeled, r->ci_level);
    tg_verdict v = g->judge == TG_JUDGE_POINT
                       ? (ts->rate <= ps->rate ? TG_VERDICT_PASS
                                               : TG_VERDICT_FAIL)
                       : tg_verdict_at_least(dlo, dhi, 0);
    set_verdict(o, v);
    if (g->judge == TG_JUDGE_POINT)
        SAY(o, "rank %d converts at %s, %s %s (rank %d) at %s",
            rules->tiers[t].priority_rank, tg_fmt_unit(ts->rate, TG_UNIT_PCT, a),
            v == TG_VERDICT_PASS ? "not above" : "above", ps->tier,
            rules->tiers[prev].priority_rank,
            tg_fmt_unit(ps->rate, TG_UNIT_PCT, b));
    else {
        char dd[32], dl[32], dh[32];
        WORD(o, dd, "%+.2f", 100 * d);
        WORD(o, dl, "%+.2f", 100 * dlo);
        WORD(o, dh, "%+.2f", 100 * dhi);
        SAY(o, "rank %d converts at %s, %s (rank %d) at %s: the difference "
               "%s points [%s, %s] (Newcombe) %s",
            rules->tiers[t].priority_rank, tg_fmt_unit(ts->rate, TG_UNIT_PCT, a),
            ps->tier, rules->tiers[prev].priority_rank,
            tg_fmt_unit(ps->rate, TG_UNIT_PCT, b), dd, dl, dh,
            v == TG_VERDICT_PASS ? "shows the order holds"
            : v == TG_VERDICT_FAIL ? "shows an inversion"
                                   : "cannot tell the order");
    }
}

static int run_per_tier(tg_gate_result *r, const tg_gate_def *g)
{
    const tg_rules *rules = r->rules;
    int split = g->check == TG_CHECK_TEST_TRAIN_LIFT ? TG_SPLIT_TEST : g->split;
    const tg_split_stats *s = stats_of(r, split);
    int prev = -1; /* rank_order: the last judged tier above this one */
    /* Every covered tier, however many (no fixed-size array). */
    int n;
    int *order = malloc((size_t)(g->ntiers > 0 ? g->ntiers : 1) * sizeof *order);
    if (!order)
        return TG_ENOMEM;
    if (g->check == TG_CHECK_RANK_ORDER)
        n = by_rank(rules, g, order);
    else
        for (n = 0; n < g->ntiers; n++)
            order[n] = g->tiers[n];

    for (int i = 0; i < n; i++) {
        int t = order[i];
        const tg_tier_stats *ts = &s->tiers[t];
        const tg_tier_param *tp = &g->params[t];
        tg_gate_outcome *o;
        if (g->check == TG_CHECK_CI_SEPARATION && t == g->against)
            continue;
        if (g->check == TG_CHECK_EXPECTED_RANGE && isnan(tp->rate_min) &&
            isnan(tp->lift_min))
            continue;
        if (add_outcome(r, g, t, split, &o)) {
            free(order);
            return TG_ENOMEM;
        }
        char a[32], extra[300];
        if (g->check != TG_CHECK_TIER_SIZE &&
            g->check != TG_CHECK_TEST_TRAIN_LIFT &&
            g->check != TG_CHECK_CI_SEPARATION && too_small(g, ts)) {
            o->actual = ts->rate;
            insufficient(o, ts);
            continue;
        }
        switch (g->check) {
        case TG_CHECK_CONVERSION_RATE:
            o->actual = ts->rate;
            o->ci_lower = ts->ci_lower;
            o->ci_upper = ts->ci_upper;
            o->min = g->min;
            o->max = g->max;
            conclude(o, TG_UNIT_PCT, NULL);
            break;
        case TG_CHECK_LIFT:
            o->actual = derived(ts->lift);
            o->ci_lower = ts->lift_ci_lower;
            o->ci_upper = ts->lift_ci_upper;
            o->min = g->min;
            o->max = g->max;
            WORD(o, extra, "baseline %s%s",
                     tg_fmt_unit(s->baseline_rate, TG_UNIT_PCT, a),
                     s->baseline_pinned ? " (pinned)" : "");
            conclude(o, TG_UNIT_LIFT, extra);
            break;
        case TG_CHECK_CI_SEPARATION:
            judge_ci_separation(o, s, ts);
            break;
        case TG_CHECK_CALIBRATION: {
            double e = rules->tiers[t].expected_conversion_rate;
            o->actual = ts->rate;
            o->ci_lower = ts->ci_lower;
            o->ci_upper = ts->ci_upper;
            if (isnan(e)) {
                o->status = TG_STATUS_INSUFFICIENT;
                o->verdict = TG_VERDICT_INCONCLUSIVE;
                SAY(o, "the rule set gives this tier no "
                       "expected_conversion_rate");
                break;
            }
            /* An equivalence check: the band is exact in decimals. */
            o->min = tg_decimal_threshold(e * (1 - g->max_relative_error));
            o->max = tg_decimal_threshold(e * (1 + g->max_relative_error));
            WORD(o, extra, "expected %s, off by %.1f%%",
                     tg_fmt_unit(e, TG_UNIT_PCT, a),
                     100 * fabs(ts->rate - e) / e);
            conclude(o, TG_UNIT_PCT, extra);
            break;
        }
        case TG_CHECK_TEST_TRAIN_LIFT:
            judge_lift_ratio(r, o, s, ts, t);
            break;
        case TG_CHECK_TIER_SIZE:
            o->actual = (double)ts->leads;
            o->min = g->min;
            o->max = g->max;
            set_verdict(o, tg_verdict_within(o->actual, o->actual, o->min,
                                             o->max));
            if (!o->quiet)
                threshold_text(o->min, o->max, TG_UNIT_COUNT, extra,
                               sizeof extra);
            SAY(o, "%s leads %s %s (a count: judged as it is)%s%s",
                tg_fmt_count(ts->leads, a),
                o->verdict == TG_VERDICT_PASS ? "meets" : "misses", extra,
                o->verdict != TG_VERDICT_PASS && tp->advice ? "; " : "",
                o->verdict != TG_VERDICT_PASS && tp->advice ? tp->advice : "");
            break;
        case TG_CHECK_EXPECTED_RANGE: {
            o->actual = ts->rate;
            o->ci_lower = ts->ci_lower;
            o->ci_upper = ts->ci_upper;
            o->min = tp->rate_min;
            o->max = tp->rate_max;
            int iv = g->judge == TG_JUDGE_INTERVAL;
            double lift = derived(ts->lift);
            tg_verdict lv = tg_verdict_at_least(
                iv ? ts->lift_ci_lower : lift, iv ? ts->lift_ci_upper : lift,
                tp->lift_min);
            if (isnan(tp->lift_min))
                WORD(o, extra, "lift %s (no lift range)",
                         tg_fmt_unit(ts->lift, TG_UNIT_LIFT, a));
            else {
                char l[32], h[32], m[32];
                if (iv)
                    WORD(o, extra, "lift %s [%s, %s] %s >= %s",
                             tg_fmt_unit(ts->lift, TG_UNIT_LIFT, a),
                             tg_fmt_unit(ts->lift_ci_lower, TG_UNIT_LIFT, l),
                             tg_fmt_unit(ts->lift_ci_upper, TG_UNIT_LIFT, h),
                             lv == TG_VERDICT_PASS ? "meets"
                             : lv == TG_VERDICT_FAIL ? "misses"
                                                     : "straddles",
                             tg_fmt_unit(tp->lift_min, TG_UNIT_LIFT, m));
                else
                    WORD(o, extra, "lift %s %s >= %s",
                             tg_fmt_unit(ts->lift, TG_UNIT_LIFT, a),
                             lv == TG_VERDICT_PASS ? "meets" : "misses",
                             tg_fmt_unit(tp->lift_min, TG_UNIT_LIFT, m));
            }
            if (isnan(o->min)) {
                set_verdict(o, lv);
                SAY(o, "%s", extra);
            } else {
                tg_verdict rv = conclude(o, TG_UNIT_PCT, extra);
                set_verdict(o, tg_verdict_and(rv, lv));
            }
            break;
        }
        case TG_CHECK_RANK_ORDER:
            judge_rank_order(r, o, s, ts, t, prev);
            prev = t;
            break;
        default:
            break;
        }
        if (!r->verdicts_only)
            add_leads_needed(r, o);
    }
    free(order);
    return TG_OK;
}

/* Gates over counts: no sampling error, so judged on the count. */
static int run_aggregate(tg_gate_result *r, const tg_gate_def *g)
{
    const tg_split_stats *s = stats_of(r, g->split);
    tg_gate_outcome *o;
    if (add_outcome(r, g, -1, g->split, &o))
        return TG_ENOMEM;
    uint64_t leads = 0;
    for (int i = 0; i < g->ntiers; i++)
        leads += s->tiers[g->tiers[i]].leads;
    o->min = g->min;
    o->max = g->max;
    char a[32], b[32], v[32], t[80];
    tg_unit u = g->check == TG_CHECK_VOLUME_SHARE ? TG_UNIT_PCT : TG_UNIT_COUNT;
    o->actual = g->check == TG_CHECK_VOLUME_SHARE
                    ? (s->rows ? (double)leads / (double)s->rows : NAN)
                    : (double)leads;
    set_verdict(o, isnan(o->actual)
                       ? TG_VERDICT_FAIL
                       : tg_verdict_within(o->actual, o->actual, o->min,
                                           o->max));
    if (!o->quiet)
        threshold_text(o->min, o->max, u, t, sizeof t);
    SAY(o, "%s %s %s: %s of %s leads in %d tiers (a count: judged as it is)",
        tg_fmt_unit(o->actual, u, v),
        o->verdict == TG_VERDICT_PASS ? "meets" : "misses", t,
        tg_fmt_count(leads, a), tg_fmt_count(s->rows, b), g->ntiers);
    return TG_OK;
}

/*
 * data_quality: rows skipped as bad (--on-bad-row skip) may not exceed
 * max_skipped_share of the rows read, exactly at the boundary; skipped
 * rows could be anything (all converters, all of one tier), so the
 * rates the other gates judge are only trusted when few were dropped.
 */
static int run_data_quality(tg_gate_result *r, const tg_gate_def *g)
{
    tg_gate_outcome *o;
    if (add_outcome(r, g, -1, TG_SPLIT_ALL, &o))
        return TG_ENOMEM;
    o->actual = r->rows ? (double)r->skipped / (double)r->rows : 0;
    o->max = g->max_skipped_share;
    /* skipped <= share * rows without rounding the share of rows. */
    int ok = (double)r->skipped <= g->max_skipped_share * (double)r->rows;
    o->status = ok ? TG_STATUS_PASS
              : g->severity == TG_SEVERITY_BLOCK ? TG_STATUS_FAIL
                                                 : TG_STATUS_WARN;
    char a[32], b[32], reasons[200] = "";
    size_t off = 0;
    for (int k = 0; k < TG_SKIP_NREASONS && off < sizeof reasons; k++)
        if (r->skipped_by[k])
            off += (size_t)snprintf(reasons + off, sizeof reasons - off,
                                    "%s%s %llu", off ? ", " : "; ",
                                    tg_skip_reason_name(k),
                                    (unsigned long long)r->skipped_by[k]);
    SAY(o, "%s of %s rows skipped as bad (%.4g%%, at most %.4g%% allowed)%s",
        tg_fmt_count(r->skipped, a), tg_fmt_count(r->rows, b),
        100 * o->actual, 100 * g->max_skipped_share, reasons);
    return TG_OK;
}

/* Does an outcome fail the release by itself (strict aside)? */
static int outcome_blocks(const tg_gate_outcome *o)
{
    int block = o->gate->severity == TG_SEVERITY_BLOCK;
    switch (o->status) {
    case TG_STATUS_FAIL: return 1;
    case TG_STATUS_INSUFFICIENT: return block;
    case TG_STATUS_INCONCLUSIVE:
        return block && o->gate->inconclusive == TG_INCONCLUSIVE_BLOCK;
    default: return 0;
    }
}

int tg_gate_run(tg_gate_result *out, const tg_rules *rules,
                const tg_policy *policy, const tg_tally *t, tg_ci_method m,
                double level, int strict, tg_error *err)
{
    tg_gate_options o = tg_gate_options_default();
    o.ci_method = m;
    o.ci_level = level;
    o.strict = strict;
    return tg_gate_run_with(out, rules, policy, t, &o, err);
}

static void count_statuses(tg_gate_result *out);

static int pin(tg_split_stats *s, double rate, tg_error *err)
{
    if (isnan(rate))
        return TG_OK;
    if (tg_split_stats_pin_baseline(s, rate) != TG_OK)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "a pinned baseline must be in (0, 1], not %g",
                            rate);
    return TG_OK;
}

int tg_gate_run_with(tg_gate_result *out, const tg_rules *rules,
                     const tg_policy *policy, const tg_tally *t,
                     const tg_gate_options *opt, tg_error *err)
{
    memset(out, 0, sizeof *out);
    tg_ci_method m = opt->ci_method;
    double level = opt->ci_level;
    out->rules = rules;
    out->policy = policy;
    out->ci_method = m;
    out->ci_level = level;
    out->strict = opt->strict;
    out->verdicts_only = opt->verdicts_only;
    out->rows = t->rows;
    out->skipped = t->skipped;
    memcpy(out->skipped_by, t->skipped_by, sizeof out->skipped_by);
    memcpy(out->other, t->other, sizeof out->other);
    out->nother = t->nother;
    out->other_more = t->other_more;
    for (int f = 0; f < t->nfeatures && t->out_of_range; f++)
        out->out_of_range += t->out_of_range[f];
    snprintf(out->input_sha256, sizeof out->input_sha256, "%s",
             t->input_sha256);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out->generated_at, sizeof out->generated_at, "%Y-%m-%dT%H:%M:%SZ",
             &tm);
    int rc;
    if ((rc = tg_split_stats_compute_with(&out->train, t, TG_SPLIT_TRAIN,
                                          rules->model_version, m, level,
                                          !opt->verdicts_only, err)) ||
        (rc = tg_split_stats_compute_with(&out->test, t, TG_SPLIT_TEST,
                                          rules->model_version, m, level,
                                          !opt->verdicts_only, err)) ||
        (rc = tg_split_stats_compute_with(&out->all, t, TG_SPLIT_ALL,
                                          rules->model_version, m, level,
                                          !opt->verdicts_only, err)) ||
        (rc = pin(&out->train, opt->baseline_train, err)) ||
        (rc = pin(&out->test, opt->baseline_test, err)) ||
        (rc = pin(&out->all, opt->baseline_all, err)))
        goto fail;
    for (int i = 0; i < policy->ngates; i++) {
        const tg_gate_def *g = &policy->gates[i];
        /* A slice's run judges only the per-slice gates for which the
         * slice has enough labeled leads in the gate's split. */
        if (opt->slice_only &&
            (!g->per_slice ||
             tg_tally_total(t, g->split).labeled < (uint64_t)g->min_slice_size))
            continue;
        rc = g->check == TG_CHECK_DATA_QUALITY ? run_data_quality(out, g)
           : (g->check == TG_CHECK_VOLUME_SHARE ||
              g->check == TG_CHECK_VOLUME_COUNT)
                 ? run_aggregate(out, g)
                 : run_per_tier(out, g);
        if (rc) {
            tg_error_set(err, rc, policy->path, 0, 0, "out of memory");
            goto fail;
        }
    }
    count_statuses(out);
    return TG_OK;
fail:
    tg_gate_result_release(out);
    return rc;
}

/* The summary counts and the overall status from the outcomes. */
static void count_statuses(tg_gate_result *out)
{
    int blocking_bad = 0, warnings = 0;
    out->passed = out->warned = out->failed = out->insufficient =
        out->inconclusive = 0;
    for (int i = 0; i < out->noutcomes; i++) {
        tg_gate_outcome *o = &out->outcomes[i];
        switch (o->status) {
        case TG_STATUS_PASS: out->passed++; break;
        case TG_STATUS_WARN: out->warned++; break;
        case TG_STATUS_FAIL: out->failed++; break;
        case TG_STATUS_INCONCLUSIVE: out->inconclusive++; break;
        default: out->insufficient++; break;
        }
        o->blocks = outcome_blocks(o);
        if (o->blocks)
            blocking_bad++;
        else if (o->status != TG_STATUS_PASS)
            warnings++;
    }
    out->status = blocking_bad ? TG_OVERALL_FAILED
                : warnings ? (out->strict ? TG_OVERALL_FAILED
                                          : TG_OVERALL_PASSED_WITH_WARNINGS)
                           : TG_OVERALL_PASSED;
}

int tg_gate_add_slice(tg_gate_result *r, const tg_tally *t, const char *label,
                      const tg_gate_options *opt, int *judged, tg_error *err)
{
    tg_gate_options o = *opt;
    o.slice_only = 1;
    tg_gate_result sr;
    int rc = tg_gate_run_with(&sr, r->rules, r->policy, t, &o, err);
    if (rc)
        return rc;
    *judged = sr.noutcomes;
    if (sr.noutcomes) {
        if (reserve_outcomes(r, sr.noutcomes) != TG_OK) {
            tg_gate_result_release(&sr);
            return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        }
        tg_gate_outcome *n = r->outcomes;
        for (int i = 0; i < sr.noutcomes; i++) {
            tg_gate_outcome *x = &n[r->noutcomes++];
            *x = sr.outcomes[i];
            snprintf(x->slice, sizeof x->slice, "%s", label);
        }
        count_statuses(r);
    }
    tg_gate_result_release(&sr);
    return TG_OK;
}

void tg_gate_result_release(tg_gate_result *r)
{
    if (!r)
        return;
    tg_split_stats_release(&r->train);
    tg_split_stats_release(&r->test);
    tg_split_stats_release(&r->all);
    free(r->outcomes);
    r->outcomes = NULL;
    r->noutcomes = 0;
    r->outcomes_cap = 0;
    cJSON_Delete(r->slices);
    r->slices = NULL;
}

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *tg_gate_result_json(const tg_gate_result *r)
{
    cJSON *j = tg_json_stamp(cJSON_CreateObject());
    cJSON_AddStringToObject(j, "status", tg_overall_name(r->status));
    cJSON_AddStringToObject(j, "model_id", r->rules->model_id);
    cJSON_AddStringToObject(j, "model_version", r->rules->model_version);
    cJSON_AddStringToObject(j, "policy", r->policy->policy_id);
    cJSON_AddStringToObject(j, "ci_method", tg_ci_name(r->ci_method));
    cJSON_AddNumberToObject(j, "ci_level", r->ci_level);
    cJSON_AddBoolToObject(j, "strict", r->strict);
    cJSON_AddStringToObject(j, "generated_at", r->generated_at);
    cJSON *prov = cJSON_AddObjectToObject(j, "provenance");
    cJSON_AddStringToObject(prov, "rules_file", r->rules->path);
    cJSON_AddStringToObject(prov, "rules_sha256", r->rules->sha256);
    cJSON_AddStringToObject(prov, "policy_file", r->policy->path);
    cJSON_AddStringToObject(prov, "policy_sha256", r->policy->sha256);
    cJSON_AddNumberToObject(prov, "rows", (double)r->rows);
    cJSON_AddNumberToObject(prov, "skipped_rows", (double)r->skipped);
    tg_input_quality_json(prov, r->skipped_by, r->other, r->nother,
                          r->other_more, r->out_of_range);
    if (r->input_sha256[0])
        cJSON_AddStringToObject(prov, "data_sha256", r->input_sha256);
    else
        cJSON_AddNullToObject(prov, "data_sha256");
    if (r->commit[0])
        cJSON_AddStringToObject(prov, "commit", r->commit);
    else
        cJSON_AddNullToObject(prov, "commit");
    cJSON *sum = cJSON_AddObjectToObject(j, "summary");
    cJSON_AddNumberToObject(sum, "pass", r->passed);
    cJSON_AddNumberToObject(sum, "warn", r->warned);
    cJSON_AddNumberToObject(sum, "fail", r->failed);
    cJSON_AddNumberToObject(sum, "insufficient", r->insufficient);
    cJSON_AddNumberToObject(sum, "inconclusive", r->inconclusive);
    cJSON *gates = cJSON_AddArrayToObject(j, "gates");
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "id", o->gate->id);
        cJSON_AddStringToObject(x, "description", o->gate->description);
        cJSON_AddStringToObject(x, "check", tg_check_name(o->gate->check));
        cJSON_AddStringToObject(x, "severity", o->gate->severity ==
                                TG_SEVERITY_BLOCK ? "block" : "warn");
        cJSON_AddStringToObject(x, "judge", tg_judge_name(o->gate->judge));
        cJSON_AddStringToObject(x, "inconclusive",
                                tg_inconclusive_name(o->gate->inconclusive));
        cJSON_AddStringToObject(x, "status", tg_status_name(o->status));
        cJSON_AddBoolToObject(x, "blocks", o->blocks);
        if (o->tier >= 0)
            cJSON_AddStringToObject(x, "tier", r->rules->tiers[o->tier].name);
        else
            cJSON_AddNullToObject(x, "tier");
        cJSON_AddStringToObject(x, "split", tg_split_name(o->split));
        if (o->slice[0])
            cJSON_AddStringToObject(x, "slice", o->slice);
        cJSON_AddItemToObject(x, "actual", num_or_null(o->actual));
        if (!isnan(o->min) && !isnan(o->max)) {
            cJSON *th = cJSON_AddArrayToObject(x, "threshold");
            cJSON_AddItemToArray(th, cJSON_CreateNumber(o->min));
            cJSON_AddItemToArray(th, cJSON_CreateNumber(o->max));
        } else {
            cJSON_AddItemToObject(x, "threshold",
                                  num_or_null(isnan(o->min) ? o->max : o->min));
        }
        cJSON_AddItemToObject(x, "ci_lower", num_or_null(o->ci_lower));
        cJSON_AddItemToObject(x, "ci_upper", num_or_null(o->ci_upper));
        if (o->status == TG_STATUS_INCONCLUSIVE && o->leads_needed) {
            cJSON_AddNumberToObject(x, "labeled", (double)o->leads_now);
            cJSON_AddNumberToObject(x, "labeled_needed_80",
                                    (double)o->leads_needed);
        }
        cJSON_AddStringToObject(x, "message", o->message);
        cJSON_AddItemToArray(gates, x);
    }
    cJSON *splits = cJSON_AddObjectToObject(j, "splits");
    cJSON_AddItemToObject(splits, "TRAIN", tg_split_stats_json(&r->train, 1));
    cJSON_AddItemToObject(splits, "TEST", tg_split_stats_json(&r->test, 1));
    if (r->slices)
        cJSON_AddItemToObject(j, "slices", cJSON_Duplicate(r->slices, 1));
    return j;
}
