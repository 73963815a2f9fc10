/*
 * The gate engine. Each check reads per-split statistics (computed once
 * with the chosen interval method and level) and compares a value, or
 * an interval bound when the gate says judge = ci_bound, with its
 * threshold. A tier below the gate's minimum of labeled leads or
 * conversions is "insufficient": for a blocking gate that fails the
 * release, since an untestable tier must not ship as if it passed.
 */
#include "tg_gate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_render.h"
#include "tg_util.h"

const char *tg_status_name(tg_gate_status s)
{
    static const char *n[] = {"pass", "warn", "fail", "insufficient"};
    return (unsigned)s < 4 ? n[s] : "unknown";
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


static const tg_split_stats *stats_of(const tg_gate_result *r, int split)
{
    return split == TG_SPLIT_TRAIN ? &r->train
         : split == TG_SPLIT_TEST  ? &r->test
                                   : &r->all;
}

static int add_outcome(tg_gate_result *r, const tg_gate_def *g, int tier,
                       int split, tg_gate_outcome **out)
{
    tg_gate_outcome *n = realloc(r->outcomes,
                                 (size_t)(r->noutcomes + 1) * sizeof *n);
    if (!n)
        return TG_ENOMEM;
    r->outcomes = n;
    tg_gate_outcome *o = &n[r->noutcomes++];
    memset(o, 0, sizeof *o);
    o->gate = g;
    o->tier = tier;
    o->split = split;
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

/* Judge o->actual (or its interval) against [o->min, o->max]. */
static int within(const tg_gate_outcome *o, tg_judge judge)
{
    double lo = o->actual, hi = o->actual;
    if (judge == TG_JUDGE_CI_BOUND && !isnan(o->ci_lower)) {
        lo = o->ci_lower;
        hi = o->ci_upper;
    }
    if (isnan(lo) || isnan(hi))
        return 0;
    if (!isnan(o->min) && lo < o->min)
        return 0;
    if (!isnan(o->max) && hi > o->max)
        return 0;
    return 1;
}

static void threshold_text(const tg_gate_outcome *o, tg_unit u, char *buf,
                           size_t n)
{
    char a[32], b[32];
    if (!isnan(o->min) && !isnan(o->max))
        snprintf(buf, n, "%s to %s", tg_fmt_unit(o->min, u, a), tg_fmt_unit(o->max, u, b));
    else if (!isnan(o->min))
        snprintf(buf, n, ">= %s", tg_fmt_unit(o->min, u, a));
    else
        snprintf(buf, n, "<= %s", tg_fmt_unit(o->max, u, a));
}

/* Set status and a message "VALUE [CI] meets/misses THRESHOLD". */
static void conclude(tg_gate_outcome *o, int ok, tg_unit u, const char *extra)
{
    const tg_gate_def *g = o->gate;
    char a[32], t[80], lo[32], hi[32];
    threshold_text(o, u, t, sizeof t);
    o->status = ok ? TG_STATUS_PASS
              : g->severity == TG_SEVERITY_BLOCK ? TG_STATUS_FAIL
                                                 : TG_STATUS_WARN;
    if (g->judge == TG_JUDGE_CI_BOUND && !isnan(o->ci_lower))
        say(o, "%s [%s, %s] %s %s (judged on the interval)%s%s",
            tg_fmt_unit(o->actual, u, a), tg_fmt_unit(o->ci_lower, u, lo),
            tg_fmt_unit(o->ci_upper, u, hi), ok ? "within" : "outside", t,
            extra ? "; " : "", extra ? extra : "");
    else
        say(o, "%s %s %s%s%s", tg_fmt_unit(o->actual, u, a),
            ok ? "meets" : "misses", t, extra ? "; " : "",
            extra ? extra : "");
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
    say(o, "too few leads to judge: %s labeled, %s conversions (the gate "
           "needs %ld labeled and %ld conversions)",
        tg_fmt_count(ts->labeled, a), tg_fmt_count(ts->conversions, b),
        o->gate->min_labeled, o->gate->min_conversions);
}

static int run_per_tier(tg_gate_result *r, const tg_gate_def *g)
{
    const tg_rules *rules = r->rules;
    int split = g->check == TG_CHECK_TEST_TRAIN_LIFT ? TG_SPLIT_TEST : g->split;
    const tg_split_stats *s = stats_of(r, split);
    int prev = -1; /* rank_order: the last judged tier above this one */

    /* rank_order walks the covered tiers by priority rank. */
    int n = g->ntiers;
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    if (!order)
        return TG_ENOMEM;
    for (int i = 0; i < n; i++)
        order[i] = g->tiers[i];
    if (g->check == TG_CHECK_RANK_ORDER)
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && rules->tiers[order[j]].priority_rank <
                                         rules->tiers[order[j - 1]].priority_rank;
                 j--) {
                int x = order[j];
                order[j] = order[j - 1];
                order[j - 1] = x;
            }

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
        char a[32], b[32], extra[300];
        switch (g->check) {
        case TG_CHECK_CONVERSION_RATE:
            o->actual = ts->rate;
            o->ci_lower = ts->ci_lower;
            o->ci_upper = ts->ci_upper;
            o->min = g->min;
            o->max = g->max;
            if (too_small(g, ts))
                insufficient(o, ts);
            else
                conclude(o, within(o, g->judge), TG_UNIT_PCT, NULL);
            break;
        case TG_CHECK_LIFT:
            o->actual = ts->lift;
            o->ci_lower = ts->lift_ci_lower;
            o->ci_upper = ts->lift_ci_upper;
            o->min = g->min;
            o->max = g->max;
            if (too_small(g, ts))
                insufficient(o, ts);
            else {
                snprintf(extra, sizeof extra, "baseline %s",
                         tg_fmt_unit(s->baseline_rate, TG_UNIT_PCT, a));
                conclude(o, within(o, g->judge), TG_UNIT_LIFT, extra);
            }
            break;
        case TG_CHECK_CI_SEPARATION: {
            const tg_tier_stats *ref = &s->tiers[g->against];
            o->actual = ts->ci_lower;
            o->ci_lower = ts->ci_lower;
            o->ci_upper = ts->ci_upper;
            o->min = ref->ci_upper;
            if (too_small(g, ts))
                insufficient(o, ts);
            else if (too_small(g, ref))
                insufficient(o, ref);
            else {
                int ok = ts->ci_lower > ref->ci_upper;
                o->status = ok ? TG_STATUS_PASS
                          : g->severity == TG_SEVERITY_BLOCK ? TG_STATUS_FAIL
                                                             : TG_STATUS_WARN;
                say(o, "lower bound %s %s %s's upper bound %s", tg_fmt_unit(ts->ci_lower,
                    TG_UNIT_PCT, a), ok ? "is above" : "overlaps",
                    ref->tier, tg_fmt_unit(ref->ci_upper, TG_UNIT_PCT, b));
            }
            break;
        }
        case TG_CHECK_CALIBRATION: {
            double e = rules->tiers[t].expected_conversion_rate;
            o->actual = ts->rate;
            o->ci_lower = ts->ci_lower;
            o->ci_upper = ts->ci_upper;
            if (isnan(e)) {
                o->status = TG_STATUS_INSUFFICIENT;
                say(o, "the rule set gives this tier no "
                       "expected_conversion_rate");
                break;
            }
            o->min = e * (1 - g->max_relative_error);
            o->max = e * (1 + g->max_relative_error);
            if (too_small(g, ts))
                insufficient(o, ts);
            else {
                snprintf(extra, sizeof extra, "expected %s, off by %.1f%%",
                         tg_fmt_unit(e, TG_UNIT_PCT, a), 100 * fabs(ts->rate - e) / e);
                conclude(o, within(o, g->judge), TG_UNIT_PCT, extra);
            }
            break;
        }
        case TG_CHECK_TEST_TRAIN_LIFT: {
            const tg_tier_stats *tr = &r->train.tiers[t];
            o->split = TG_SPLIT_TEST;
            o->actual = tr->lift > 0 ? ts->lift / tr->lift : NAN;
            o->min = g->min;
            o->max = g->max;
            if (too_small(g, tr))
                insufficient(o, tr);
            else if (too_small(g, ts))
                insufficient(o, ts);
            else {
                snprintf(extra, sizeof extra, "TEST lift %s, TRAIN lift %s",
                         tg_fmt_unit(ts->lift, TG_UNIT_LIFT, a), tg_fmt_unit(tr->lift, TG_UNIT_LIFT, b));
                conclude(o, within(o, TG_JUDGE_ESTIMATE), TG_UNIT_RATIO, extra);
            }
            break;
        }
        case TG_CHECK_TIER_SIZE:
            o->actual = (double)ts->leads;
            o->min = g->min;
            o->max = g->max;
            conclude(o, within(o, TG_JUDGE_ESTIMATE), TG_UNIT_COUNT,
                     within(o, TG_JUDGE_ESTIMATE) ? NULL : tp->advice);
            break;
        case TG_CHECK_EXPECTED_RANGE:
            o->actual = ts->rate;
            o->ci_lower = ts->ci_lower;
            o->ci_upper = ts->ci_upper;
            o->min = tp->rate_min;
            o->max = tp->rate_max;
            if (too_small(g, ts)) {
                insufficient(o, ts);
                break;
            }
            {
                int ok = isnan(o->min) || within(o, g->judge);
                int lift_ok = isnan(tp->lift_min) || ts->lift >= tp->lift_min;
                snprintf(extra, sizeof extra, "lift %s %s %s",
                         tg_fmt_unit(ts->lift, TG_UNIT_LIFT, a),
                         lift_ok ? "meets" : "misses",
                         isnan(tp->lift_min) ? "(no lift range)"
                                             : (snprintf(b, 32, ">= %.1fx",
                                                         tp->lift_min), b));
                if (isnan(o->min)) {
                    o->status = lift_ok ? TG_STATUS_PASS
                              : g->severity == TG_SEVERITY_BLOCK
                                  ? TG_STATUS_FAIL : TG_STATUS_WARN;
                    say(o, "%s", extra);
                } else {
                    conclude(o, ok && lift_ok, TG_UNIT_PCT, extra);
                }
            }
            break;
        case TG_CHECK_RANK_ORDER:
            o->actual = ts->rate;
            o->ci_lower = ts->ci_lower;
            o->ci_upper = ts->ci_upper;
            if (too_small(g, ts)) {
                insufficient(o, ts);
                break;
            }
            if (prev < 0) {
                o->status = TG_STATUS_PASS;
                say(o, "highest rank (%d): %s, the reference for the next",
                    rules->tiers[t].priority_rank, tg_fmt_unit(ts->rate, TG_UNIT_PCT, a));
            } else {
                const tg_tier_stats *ps = &s->tiers[prev];
                o->max = ps->rate;
                int ok = g->judge == TG_JUDGE_CI_BOUND
                             ? !(ts->ci_lower > ps->ci_upper)
                             : ts->rate <= ps->rate;
                o->status = ok ? TG_STATUS_PASS
                          : g->severity == TG_SEVERITY_BLOCK ? TG_STATUS_FAIL
                                                             : TG_STATUS_WARN;
                say(o, "rank %d converts at %s, %s %s (rank %d) at %s",
                    rules->tiers[t].priority_rank, tg_fmt_unit(ts->rate, TG_UNIT_PCT, a),
                    ok ? "not above" : "above", ps->tier,
                    rules->tiers[prev].priority_rank, tg_fmt_unit(ps->rate, TG_UNIT_PCT, b));
            }
            prev = t;
            break;
        default:
            break;
        }
    }
    free(order);
    return TG_OK;
}

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
    char a[32], b[32], extra[200];
    if (g->check == TG_CHECK_VOLUME_SHARE) {
        o->actual = s->rows ? (double)leads / (double)s->rows : NAN;
        snprintf(extra, sizeof extra, "%s of %s leads in %d tiers",
                 tg_fmt_count(leads, a), tg_fmt_count(s->rows, b), g->ntiers);
        conclude(o, within(o, TG_JUDGE_ESTIMATE), TG_UNIT_PCT, extra);
    } else {
        o->actual = (double)leads;
        snprintf(extra, sizeof extra, "%.2f%% of %s leads",
                 s->rows ? 100.0 * (double)leads / (double)s->rows : 0.0,
                 tg_fmt_count(s->rows, b));
        conclude(o, within(o, TG_JUDGE_ESTIMATE), TG_UNIT_COUNT, extra);
    }
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
    say(o, "%s of %s rows skipped as bad (%.4g%%, at most %.4g%% allowed)%s",
        tg_fmt_count(r->skipped, a), tg_fmt_count(r->rows, b),
        100 * o->actual, 100 * g->max_skipped_share, reasons);
    return TG_OK;
}

int tg_gate_run(tg_gate_result *out, const tg_rules *rules,
                const tg_policy *policy, const tg_tally *t, tg_ci_method m,
                double level, int strict, tg_error *err)
{
    memset(out, 0, sizeof *out);
    out->rules = rules;
    out->policy = policy;
    out->ci_method = m;
    out->ci_level = level;
    out->strict = strict;
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
    if ((rc = tg_split_stats_compute(&out->train, t, TG_SPLIT_TRAIN,
                                     rules->model_version, m, level, err)) ||
        (rc = tg_split_stats_compute(&out->test, t, TG_SPLIT_TEST,
                                     rules->model_version, m, level, err)) ||
        (rc = tg_split_stats_compute(&out->all, t, TG_SPLIT_ALL,
                                     rules->model_version, m, level, err)))
        goto fail;
    for (int i = 0; i < policy->ngates; i++) {
        const tg_gate_def *g = &policy->gates[i];
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
    int blocking_bad = 0, warnings = 0;
    for (int i = 0; i < out->noutcomes; i++) {
        const tg_gate_outcome *o = &out->outcomes[i];
        switch (o->status) {
        case TG_STATUS_PASS: out->passed++; break;
        case TG_STATUS_WARN: out->warned++; warnings++; break;
        case TG_STATUS_FAIL: out->failed++; blocking_bad++; break;
        default:
            out->insufficient++;
            if (o->gate->severity == TG_SEVERITY_BLOCK)
                blocking_bad++;
            else
                warnings++;
        }
    }
    out->status = blocking_bad ? TG_OVERALL_FAILED
                : warnings ? (strict ? TG_OVERALL_FAILED
                                     : TG_OVERALL_PASSED_WITH_WARNINGS)
                           : TG_OVERALL_PASSED;
    return TG_OK;
fail:
    tg_gate_result_release(out);
    return rc;
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
}

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *tg_gate_result_json(const tg_gate_result *r)
{
    cJSON *j = cJSON_CreateObject();
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
    cJSON *gates = cJSON_AddArrayToObject(j, "gates");
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "id", o->gate->id);
        cJSON_AddStringToObject(x, "description", o->gate->description);
        cJSON_AddStringToObject(x, "check", tg_check_name(o->gate->check));
        cJSON_AddStringToObject(x, "severity", o->gate->severity ==
                                TG_SEVERITY_BLOCK ? "block" : "warn");
        cJSON_AddStringToObject(x, "judge", o->gate->judge ==
                                TG_JUDGE_CI_BOUND ? "ci_bound" : "estimate");
        cJSON_AddStringToObject(x, "status", tg_status_name(o->status));
        if (o->tier >= 0)
            cJSON_AddStringToObject(x, "tier", r->rules->tiers[o->tier].name);
        else
            cJSON_AddNullToObject(x, "tier");
        cJSON_AddStringToObject(x, "split", tg_split_name(o->split));
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
        cJSON_AddStringToObject(x, "message", o->message);
        cJSON_AddItemToArray(gates, x);
    }
    cJSON *splits = cJSON_AddObjectToObject(j, "splits");
    cJSON_AddItemToObject(splits, "TRAIN", tg_split_stats_json(&r->train, 1));
    cJSON_AddItemToObject(splits, "TEST", tg_split_stats_json(&r->test, 1));
    return j;
}
