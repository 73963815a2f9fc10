/*
 * The checks of the gate engine, one kind at a time. Each reads the
 * split statistics (computed once with the chosen interval method and
 * level) and decides three ways from the interval that belongs to the
 * value it reports (tg_verdict.h), or two ways from the point estimate
 * when the gate judges "point"; then words the outcome for a reader.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_gate_internal.h"
#include "tg_render.h"
#include "tg_util.h"
#include "tg_verdict.h"

static const tg_split_stats *stats_of(const tg_gate_result *r, int split)
{
    return tg_gate_split(r, split);
}

/* Room for more outcomes, growing geometrically: a gate over many tiers
 * adds thousands, and plan judges the policy thousands of times. */
int tg_gate_reserve_outcomes(tg_gate_result *r, int more)
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
    if (tg_gate_reserve_outcomes(r, 1) != TG_OK)
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

/* conversion_rate: the tier's rate and its interval against the band. */
static void judge_conversion_rate(tg_gate_outcome *o, const tg_tier_stats *ts)
{
    const tg_gate_def *g = o->gate;
    o->actual = ts->rate;
    o->ci_lower = ts->ci_lower;
    o->ci_upper = ts->ci_upper;
    o->min = g->min;
    o->max = g->max;
    conclude(o, TG_UNIT_PCT, NULL);
}

/* lift: the lift over the split's baseline and the interval of that
 * lift (not of the tier against the rest). */
static void judge_lift(tg_gate_outcome *o, const tg_split_stats *s,
                       const tg_tier_stats *ts)
{
    const tg_gate_def *g = o->gate;
    char a[32], extra[300];
    o->actual = derived(ts->lift);
    o->ci_lower = ts->lift_ci_lower;
    o->ci_upper = ts->lift_ci_upper;
    o->min = g->min;
    o->max = g->max;
    WORD(o, extra, "baseline %s%s",
         tg_fmt_unit(s->baseline_rate, TG_UNIT_PCT, a),
         s->baseline_pinned ? " (pinned)" : "");
    conclude(o, TG_UNIT_LIFT, extra);
}

/* calibration: an equivalence check, the rate within a relative band
 * around the rule set's expected rate (the band exact in decimals). */
static void judge_calibration(tg_gate_outcome *o, const tg_rules *rules,
                              const tg_tier_stats *ts, int t)
{
    const tg_gate_def *g = o->gate;
    char a[32], extra[300];
    double e = rules->tiers[t].expected_conversion_rate;
    o->actual = ts->rate;
    o->ci_lower = ts->ci_lower;
    o->ci_upper = ts->ci_upper;
    if (isnan(e)) {
        o->status = TG_STATUS_INSUFFICIENT;
        o->verdict = TG_VERDICT_INCONCLUSIVE;
        SAY(o, "the rule set gives this tier no expected_conversion_rate");
        return;
    }
    o->min = tg_decimal_threshold(e * (1 - g->max_relative_error));
    o->max = tg_decimal_threshold(e * (1 + g->max_relative_error));
    WORD(o, extra, "expected %s, off by %.1f%%",
         tg_fmt_unit(e, TG_UNIT_PCT, a), 100 * fabs(ts->rate - e) / e);
    conclude(o, TG_UNIT_PCT, extra);
}

/* tier_size: a count of leads, judged as it is (no sampling error). */
static void judge_tier_size(tg_gate_outcome *o, const tg_tier_stats *ts,
                            const tg_tier_param *tp)
{
    const tg_gate_def *g = o->gate;
    char a[32], extra[300];
    o->actual = (double)ts->leads;
    o->min = g->min;
    o->max = g->max;
    set_verdict(o, tg_verdict_within(o->actual, o->actual, o->min, o->max));
    if (o->quiet)
        return;
    int advise = o->verdict != TG_VERDICT_PASS && tp->advice;
    threshold_text(o->min, o->max, TG_UNIT_COUNT, extra, sizeof extra);
    SAY(o, "%s leads %s %s (a count: judged as it is)%s%s",
        tg_fmt_count(ts->leads, a),
        o->verdict == TG_VERDICT_PASS ? "meets" : "misses", extra,
        advise ? "; " : "", advise ? tp->advice : "");
}

/* expected_range: the tier's own rate band and lift floor; both must
 * hold, so the verdict is the weaker of the two. */
static void judge_expected_range(tg_gate_outcome *o, const tg_tier_stats *ts,
                                 const tg_tier_param *tp)
{
    const tg_gate_def *g = o->gate;
    char a[32], l[32], h[32], m[32], extra[300];
    o->actual = ts->rate;
    o->ci_lower = ts->ci_lower;
    o->ci_upper = ts->ci_upper;
    o->min = tp->rate_min;
    o->max = tp->rate_max;
    int iv = g->judge == TG_JUDGE_INTERVAL;
    double lift = derived(ts->lift);
    tg_verdict lv = tg_verdict_at_least(iv ? ts->lift_ci_lower : lift,
                                        iv ? ts->lift_ci_upper : lift,
                                        tp->lift_min);
    const char *verb = lv == TG_VERDICT_PASS   ? "meets"
                     : lv == TG_VERDICT_FAIL   ? "misses"
                     : iv                      ? "straddles"
                                               : "misses";
    if (isnan(tp->lift_min))
        WORD(o, extra, "lift %s (no lift range)",
             tg_fmt_unit(ts->lift, TG_UNIT_LIFT, a));
    else if (iv)
        WORD(o, extra, "lift %s [%s, %s] %s >= %s",
             tg_fmt_unit(ts->lift, TG_UNIT_LIFT, a),
             tg_fmt_unit(ts->lift_ci_lower, TG_UNIT_LIFT, l),
             tg_fmt_unit(ts->lift_ci_upper, TG_UNIT_LIFT, h), verb,
             tg_fmt_unit(tp->lift_min, TG_UNIT_LIFT, m));
    else
        WORD(o, extra, "lift %s %s >= %s",
             tg_fmt_unit(ts->lift, TG_UNIT_LIFT, a), verb,
             tg_fmt_unit(tp->lift_min, TG_UNIT_LIFT, m));
    if (isnan(o->min)) {
        set_verdict(o, lv);
        SAY(o, "%s", extra);
    } else {
        tg_verdict rv = conclude(o, TG_UNIT_PCT, extra);
        set_verdict(o, tg_verdict_and(rv, lv));
    }
}

/* The tiers a per-tier gate judges, in the order it judges them: by
 * priority rank for rank_order, else as the policy lists them. The
 * caller frees the array; *n is its length. NULL when out of memory. */
static int *judged_tiers(const tg_rules *rules, const tg_gate_def *g, int *n)
{
    int *order = malloc((size_t)(g->ntiers > 0 ? g->ntiers : 1) *
                        sizeof *order);
    if (!order)
        return NULL;
    if (g->check == TG_CHECK_RANK_ORDER)
        *n = by_rank(rules, g, order);
    else
        for (*n = 0; *n < g->ntiers; (*n)++)
            order[*n] = g->tiers[*n];
    return order;
}

/* Is tier t left out of this gate altogether (no outcome)? */
static int skips_tier(const tg_gate_def *g, int t)
{
    const tg_tier_param *tp = &g->params[t];
    return (g->check == TG_CHECK_CI_SEPARATION && t == g->against) ||
           (g->check == TG_CHECK_EXPECTED_RANGE && isnan(tp->rate_min) &&
            isnan(tp->lift_min));
}

/* Checks that need a minimum of labeled leads and conversions (tier
 * size is a count; the ratio and separation checks judge two tiers). */
static int needs_minimum(const tg_gate_def *g)
{
    return g->check != TG_CHECK_TIER_SIZE &&
           g->check != TG_CHECK_TEST_TRAIN_LIFT &&
           g->check != TG_CHECK_CI_SEPARATION;
}

int tg_gate_run_per_tier(tg_gate_result *r, const tg_gate_def *g)
{
    const tg_rules *rules = r->rules;
    int split = g->check == TG_CHECK_TEST_TRAIN_LIFT ? TG_SPLIT_TEST : g->split;
    const tg_split_stats *s = stats_of(r, split);
    int prev = -1; /* rank_order: the last judged tier above this one */
    int n = 0;
    /* Every covered tier, however many (no fixed-size array). */
    int *order = judged_tiers(rules, g, &n);
    if (!order)
        return TG_ENOMEM;
    for (int i = 0; i < n; i++) {
        int t = order[i];
        const tg_tier_stats *ts = &s->tiers[t];
        const tg_tier_param *tp = &g->params[t];
        tg_gate_outcome *o;
        if (skips_tier(g, t))
            continue;
        if (add_outcome(r, g, t, split, &o)) {
            free(order);
            return TG_ENOMEM;
        }
        if (needs_minimum(g) && too_small(g, ts)) {
            o->actual = ts->rate;
            insufficient(o, ts);
            continue;
        }
        switch (g->check) {
        case TG_CHECK_CONVERSION_RATE: judge_conversion_rate(o, ts); break;
        case TG_CHECK_LIFT: judge_lift(o, s, ts); break;
        case TG_CHECK_CI_SEPARATION: judge_ci_separation(o, s, ts); break;
        case TG_CHECK_CALIBRATION: judge_calibration(o, rules, ts, t); break;
        case TG_CHECK_TEST_TRAIN_LIFT: judge_lift_ratio(r, o, s, ts, t); break;
        case TG_CHECK_TIER_SIZE: judge_tier_size(o, ts, tp); break;
        case TG_CHECK_EXPECTED_RANGE: judge_expected_range(o, ts, tp); break;
        case TG_CHECK_RANK_ORDER:
            judge_rank_order(r, o, s, ts, t, prev);
            prev = t;
            break;
        default: break;
        }
        if (!r->verdicts_only)
            tg_gate_add_leads_needed(r, o);
    }
    free(order);
    return TG_OK;
}

/* Gates over counts: no sampling error, so judged on the count. */
int tg_gate_run_aggregate(tg_gate_result *r, const tg_gate_def *g)
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
int tg_gate_run_data_quality(tg_gate_result *r, const tg_gate_def *g)
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
