/*
 * Judging a monitor policy on monitor windows, and the monitor document.
 * Rates are judged on mature leads only; shares and PSI on every lead.
 */
#include "tg_monitor_policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_render.h"
#include "tg_util.h"

const char *tg_mstatus_name(tg_mstatus s)
{
    static const char *n[] = {"pass", "inconclusive", "fail", "insufficient"};
    return (unsigned)s <= TG_MSTATUS_INSUFFICIENT ? n[s] : "unknown";
}

const char *tg_level_name(tg_level l)
{
    return l == TG_LEVEL_BLOCK ? "block" : l == TG_LEVEL_WARN ? "warn" : "none";
}

void tg_monitor_result_release(tg_monitor_result *r)
{
    if (!r)
        return;
    free(r->outcomes);
    r->outcomes = NULL;
    r->noutcomes = 0;
}

static tg_moutcome *push(tg_monitor_result *r, int *cap, const tg_mgate *g,
                         int window, int tier)
{
    if (r->noutcomes == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        tg_moutcome *o = realloc(r->outcomes, (size_t)nc * sizeof *o);
        if (!o)
            return NULL;
        r->outcomes = o;
        *cap = nc;
    }
    tg_moutcome *o = &r->outcomes[r->noutcomes++];
    memset(o, 0, sizeof *o);
    o->gate = g;
    o->window = window;
    o->tier = tier;
    o->actual = o->ci_lower = o->ci_upper = NAN;
    o->min = g->min;
    o->max = g->max;
    return o;
}

static void set_verdict(tg_moutcome *o, tg_verdict v)
{
    o->status = v == TG_VERDICT_PASS ? TG_MSTATUS_PASS
              : v == TG_VERDICT_FAIL ? TG_MSTATUS_FAIL
                                     : TG_MSTATUS_INCONCLUSIVE;
}

static const char *band(const tg_mgate *g, tg_unit u, char buf[80])
{
    char a[32], b[32];
    if (!isnan(g->min) && !isnan(g->max))
        snprintf(buf, 80, "[%s, %s]", tg_fmt_unit(g->min, u, a),
                 tg_fmt_unit(g->max, u, b));
    else if (!isnan(g->min))
        snprintf(buf, 80, ">= %s", tg_fmt_unit(g->min, u, a));
    else
        snprintf(buf, 80, "<= %s", tg_fmt_unit(g->max, u, b));
    return buf;
}

static void judge_drift(tg_monitor_result *r, const tg_mgate *g,
                        const tg_monitor_stats *s, int *cap, int *ok)
{
    char bb[80], a[32], l[32], h[32];
    band(g, TG_UNIT_RATIO, bb);
    for (int ti = 0; ti < g->ntiers; ti++) {
        int k = g->tiers[ti], run = 0;
        for (int i = 0; i < s->nwindows; i++) {
            const tg_window_tier *t = &s->w[i].tiers[k];
            tg_moutcome *o = push(r, cap, g, i, k);
            if (!o) {
                *ok = 0;
                return;
            }
            o->actual = t->ratio;
            o->ci_lower = t->ratio_lower;
            o->ci_upper = t->ratio_upper;
            if (t->labeled < (uint64_t)g->min_labeled || t->labeled == 0 ||
                !isfinite(t->ratio_lower)) {
                o->status = TG_MSTATUS_INSUFFICIENT;
                run = 0;
                snprintf(o->message, sizeof o->message,
                         "%llu mature labeled leads (%llu held back as "
                         "immature), need %ld%s",
                         (unsigned long long)t->labeled,
                         (unsigned long long)t->held_back, g->min_labeled,
                         t->calibrated_rate > 0 ? "" : "; no calibrated rate");
                continue;
            }
            tg_verdict v = tg_verdict_within(t->ratio_lower, t->ratio_upper,
                                           g->min, g->max);
            run = v == TG_VERDICT_FAIL ? run + 1 : 0;
            o->run = run;
            set_verdict(o, v);
            const char *what = v == TG_VERDICT_PASS ? "wholly inside"
                             : v == TG_VERDICT_FAIL ? "wholly outside"
                                                    : "straddles";
            tg_fmt_unit(t->ratio, TG_UNIT_RATIO, a);
            tg_fmt_unit(t->ratio_lower, TG_UNIT_RATIO, l);
            tg_fmt_unit(t->ratio_upper, TG_UNIT_RATIO, h);
            int n = snprintf(o->message, sizeof o->message,
                             "observed/calibrated %s [%s, %s] %s %s", a, l, h,
                             what, bb);
            if (v == TG_VERDICT_FAIL && run < g->consecutive) {
                o->status = TG_MSTATUS_INCONCLUSIVE;
                snprintf(o->message + n, sizeof o->message - (size_t)n,
                         " (%d of %d consecutive windows needed)", run,
                         g->consecutive);
            } else if (v == TG_VERDICT_FAIL && g->consecutive > 1) {
                snprintf(o->message + n, sizeof o->message - (size_t)n,
                         " for %d consecutive windows", run);
            }
        }
    }
}

static void judge_window(tg_monitor_result *r, const tg_mgate *g,
                         const tg_monitor_stats *s, int *cap, int *ok)
{
    char bb[80], a[32], l[32], h[32];
    int def = s->ntiers - 1;
    for (int i = 0; i < s->nwindows; i++) {
        const tg_window_stats *w = &s->w[i];
        tg_moutcome *o = push(r, cap, g, i, -1);
        if (!o) {
            *ok = 0;
            return;
        }
        if (w->leads < (uint64_t)g->min_leads || w->leads == 0) {
            o->status = TG_MSTATUS_INSUFFICIENT;
            snprintf(o->message, sizeof o->message, "%llu leads, need %ld",
                     (unsigned long long)w->leads, g->min_leads);
            continue;
        }
        if (g->check == TG_MCHECK_PSI) {
            o->actual = w->psi;
            if (isnan(w->psi)) {
                o->status = TG_MSTATUS_INSUFFICIENT;
                snprintf(o->message, sizeof o->message,
                         "no training distribution to compare with (give "
                         "a calibration table)");
                continue;
            }
            /* PSI has no interval: judged on its value, never
             * inconclusive; "above" is strict. */
            o->status = w->psi > g->max ? TG_MSTATUS_FAIL : TG_MSTATUS_PASS;
            snprintf(o->message, sizeof o->message, "PSI %.4f %s %s", w->psi,
                     w->psi > g->max ? "above" : "within",
                     band(g, TG_UNIT_RATIO, bb));
            continue;
        }
        /* volume_share of the covered tiers */
        uint64_t x = 0;
        int is_priority = g->ntiers == def;
        for (int ti = 0; ti < g->ntiers; ti++) {
            x += w->tiers[g->tiers[ti]].leads;
            is_priority &= g->tiers[ti] != def;
        }
        if (is_priority) {
            o->actual = w->priority_share;
            o->ci_lower = w->priority_share_lower;
            o->ci_upper = w->priority_share_upper;
        } else {
            o->actual = (double)x / (double)w->leads;
            tg_ci(&o->ci_lower, &o->ci_upper, x, w->leads, s->ci_level,
                  s->ci_method);
        }
        tg_verdict v = tg_verdict_within(o->ci_lower, o->ci_upper, g->min, g->max);
        set_verdict(o, v);
        snprintf(o->message, sizeof o->message, "share %s [%s, %s] %s %s",
                 tg_fmt_unit(o->actual, TG_UNIT_PCT, a),
                 tg_fmt_unit(o->ci_lower, TG_UNIT_PCT, l),
                 tg_fmt_unit(o->ci_upper, TG_UNIT_PCT, h),
                 v == TG_VERDICT_PASS ? "wholly inside"
                 : v == TG_VERDICT_FAIL ? "wholly outside"
                                        : "straddles",
                 band(g, TG_UNIT_PCT, bb));
    }
}

static void judge_below(tg_monitor_result *r, const tg_mgate *g,
                        const tg_monitor_stats *s, int *cap, int *ok)
{
    char a[32], l[32], h[32], rl[32], rh[32];
    const char *ref = s->rules->tiers[g->against].name;
    for (int ti = 0; ti < g->ntiers; ti++) {
        int k = g->tiers[ti];
        if (k == g->against)
            continue;
        for (int i = 0; i < s->nwindows; i++) {
            const tg_window_tier *t = &s->w[i].tiers[k];
            const tg_window_tier *rt = &s->w[i].tiers[g->against];
            tg_moutcome *o = push(r, cap, g, i, k);
            if (!o) {
                *ok = 0;
                return;
            }
            o->actual = t->rate;
            o->ci_lower = t->ci_lower;
            o->ci_upper = t->ci_upper;
            o->min = rt->ci_lower;
            o->max = rt->ci_upper;
            if (t->labeled < (uint64_t)g->min_labeled || !t->labeled ||
                rt->labeled < (uint64_t)g->min_labeled || !rt->labeled) {
                o->status = TG_MSTATUS_INSUFFICIENT;
                snprintf(o->message, sizeof o->message,
                         "%llu mature labeled leads, %s %llu; need %ld each",
                         (unsigned long long)t->labeled, ref,
                         (unsigned long long)rt->labeled, g->min_labeled);
                continue;
            }
            tg_verdict v = tg_verdict_above(t->ci_lower, t->ci_upper,
                                            rt->ci_lower, rt->ci_upper);
            set_verdict(o, v);
            snprintf(o->message, sizeof o->message,
                     "rate %s [%s, %s] %s %s's [%s, %s]",
                     tg_fmt_unit(t->rate, TG_UNIT_PCT, a),
                     tg_fmt_unit(t->ci_lower, TG_UNIT_PCT, l),
                     tg_fmt_unit(t->ci_upper, TG_UNIT_PCT, h),
                     v == TG_VERDICT_PASS ? "wholly above"
                     : v == TG_VERDICT_FAIL ? "wholly below"
                                            : "overlaps",
                     ref, tg_fmt_unit(rt->ci_lower, TG_UNIT_PCT, rl),
                     tg_fmt_unit(rt->ci_upper, TG_UNIT_PCT, rh));
        }
    }
}

int tg_monitor_judge(tg_monitor_result *out, const tg_monitor_policy *p,
                     const tg_monitor_stats *s, tg_error *err)
{
    memset(out, 0, sizeof *out);
    out->policy = p;
    out->stats = s;
    tg_now_iso(out->generated_at);
    int cap = 0, ok = 1;
    for (int gi = 0; gi < p->ngates && ok; gi++) {
        const tg_mgate *g = &p->gates[gi];
        switch (g->check) {
        case TG_MCHECK_CALIBRATION_DRIFT: judge_drift(out, g, s, &cap, &ok); break;
        case TG_MCHECK_BELOW_REFERENCE: judge_below(out, g, s, &cap, &ok); break;
        default: judge_window(out, g, s, &cap, &ok); break;
        }
    }
    if (!ok) {
        tg_monitor_result_release(out);
        return tg_error_oom(err, NULL);
    }
    for (int i = 0; i < out->noutcomes; i++) {
        tg_moutcome *o = &out->outcomes[i];
        switch (o->status) {
        case TG_MSTATUS_PASS: out->pass++; break;
        case TG_MSTATUS_INSUFFICIENT: out->insufficient++; break;
        case TG_MSTATUS_FAIL:
            out->fail++;
            o->level = o->gate->block ? TG_LEVEL_BLOCK : TG_LEVEL_WARN;
            break;
        case TG_MSTATUS_INCONCLUSIVE:
            out->inconclusive++;
            o->level = o->gate->block &&
                               o->gate->inconclusive == TG_INCONCLUSIVE_BLOCK
                           ? TG_LEVEL_BLOCK
                           : TG_LEVEL_WARN;
            break;
        }
        if (o->level == TG_LEVEL_BLOCK)
            out->blocking++;
        else if (o->level == TG_LEVEL_WARN)
            out->warnings++;
    }
    out->status = out->blocking ? TG_OVERALL_FAILED
                : out->warnings ? TG_OVERALL_PASSED_WITH_WARNINGS
                                : TG_OVERALL_PASSED;
    return TG_OK;
}

/* ---- the document ---------------------------------------------------- */

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *date_or_null(int v)
{
    char d[11];
    return v ? cJSON_CreateString(tg_format_date(v, d)) : cJSON_CreateNull();
}

static cJSON *rate_json(const tg_rate_ci *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "labeled", (double)r->labeled);
    cJSON_AddNumberToObject(o, "conversions", (double)r->conversions);
    cJSON_AddItemToObject(o, "rate", num_or_null(r->rate));
    cJSON_AddItemToObject(o, "ci_lower", num_or_null(r->ci_lower));
    cJSON_AddItemToObject(o, "ci_upper", num_or_null(r->ci_upper));
    return o;
}

static cJSON *window_json(const tg_monitor_stats *s, int i)
{
    const tg_window_stats *w = &s->w[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "window", w->label);
    cJSON_AddItemToObject(o, "start", date_or_null(w->start));
    cJSON_AddItemToObject(o, "end", date_or_null(w->end));
    cJSON_AddBoolToObject(o, "mature", w->mature);
    cJSON_AddNumberToObject(o, "leads", (double)w->leads);
    cJSON_AddNumberToObject(o, "held_back", (double)w->held_back);
    cJSON_AddNumberToObject(o, "labeled", (double)w->labeled);
    cJSON_AddNumberToObject(o, "conversions", (double)w->conversions);
    cJSON_AddItemToObject(o, "psi", num_or_null(w->psi));
    cJSON_AddNumberToObject(o, "priority_leads", (double)w->priority_leads);
    cJSON_AddItemToObject(o, "priority_share", num_or_null(w->priority_share));
    cJSON_AddItemToObject(o, "priority_share_lower",
                          num_or_null(w->priority_share_lower));
    cJSON_AddItemToObject(o, "priority_share_upper",
                          num_or_null(w->priority_share_upper));
    cJSON *tiers = cJSON_AddArrayToObject(o, "tiers");
    for (int k = 0; k < s->ntiers; k++) {
        const tg_window_tier *t = &w->tiers[k];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "tier", s->rules->tiers[k].name);
        cJSON_AddNumberToObject(x, "leads", (double)t->leads);
        cJSON_AddNumberToObject(x, "held_back", (double)t->held_back);
        cJSON_AddNumberToObject(x, "labeled", (double)t->labeled);
        cJSON_AddNumberToObject(x, "conversions", (double)t->conversions);
        cJSON_AddItemToObject(x, "share", num_or_null(t->share));
        cJSON_AddItemToObject(x, "rate", num_or_null(t->rate));
        cJSON_AddItemToObject(x, "ci_lower", num_or_null(t->ci_lower));
        cJSON_AddItemToObject(x, "ci_upper", num_or_null(t->ci_upper));
        cJSON_AddItemToObject(x, "calibrated_rate",
                              num_or_null(t->calibrated_rate));
        cJSON_AddItemToObject(x, "ratio", num_or_null(t->ratio));
        cJSON_AddItemToObject(x, "ratio_lower", num_or_null(t->ratio_lower));
        cJSON_AddItemToObject(x, "ratio_upper", num_or_null(t->ratio_upper));
        cJSON_AddItemToArray(tiers, x);
    }
    if (s->old_rules) {
        cJSON *c = cJSON_AddObjectToObject(o, "compare");
        cJSON_AddItemToObject(c, "old_priority", rate_json(&w->old_priority));
        cJSON_AddItemToObject(c, "new_priority", rate_json(&w->new_priority));
        cJSON_AddItemToObject(c, "difference", num_or_null(w->diff));
        cJSON_AddItemToObject(c, "difference_lower", num_or_null(w->diff_lower));
        cJSON_AddItemToObject(c, "difference_upper", num_or_null(w->diff_upper));
    }
    return o;
}

static cJSON *outcome_json(const tg_monitor_result *r, const tg_moutcome *o)
{
    const tg_monitor_stats *s = r->stats;
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "gate", o->gate->id);
    cJSON_AddStringToObject(x, "check", tg_mcheck_name(o->gate->check));
    cJSON_AddStringToObject(x, "window", s->w[o->window].label);
    if (o->tier >= 0)
        cJSON_AddStringToObject(x, "tier", s->rules->tiers[o->tier].name);
    else
        cJSON_AddNullToObject(x, "tier");
    cJSON_AddStringToObject(x, "status", tg_mstatus_name(o->status));
    cJSON_AddStringToObject(x, "level", tg_level_name(o->level));
    cJSON_AddItemToObject(x, "actual", num_or_null(o->actual));
    cJSON_AddItemToObject(x, "ci_lower", num_or_null(o->ci_lower));
    cJSON_AddItemToObject(x, "ci_upper", num_or_null(o->ci_upper));
    cJSON_AddItemToObject(x, "min", num_or_null(o->min));
    cJSON_AddItemToObject(x, "max", num_or_null(o->max));
    cJSON_AddStringToObject(x, "message", o->message);
    return x;
}

cJSON *tg_monitor_result_json(const tg_monitor_result *r,
                              const tg_monitor_inputs *in)
{
    const tg_monitor_stats *s = r->stats;
    const tg_monitor_data *d = s->data;
    const tg_monitor_policy *p = r->policy;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kind", "tiergate-monitor");
    cJSON_AddStringToObject(j, "status", tg_overall_name(r->status));
    cJSON_AddStringToObject(j, "model_id", s->rules->model_id);
    cJSON_AddStringToObject(j, "model_version", s->rules->model_version);
    cJSON_AddStringToObject(j, "policy", p->policy_id);
    cJSON_AddStringToObject(j, "window", tg_window_unit_name(d->unit));
    cJSON_AddNumberToObject(j, "maturity_days", d->maturity_days);
    cJSON_AddStringToObject(j, "ci_method", tg_ci_name(s->ci_method));
    cJSON_AddNumberToObject(j, "ci_level", s->ci_level);
    cJSON_AddStringToObject(j, "generated_at", r->generated_at);
    cJSON *pv = cJSON_AddObjectToObject(j, "provenance");
    cJSON_AddStringToObject(pv, "rules_file", s->rules->path);
    cJSON_AddStringToObject(pv, "rules_sha256", s->rules->sha256);
    cJSON_AddStringToObject(pv, "policy_file", p->path);
    cJSON_AddStringToObject(pv, "policy_sha256", p->sha256);
    cJSON_AddStringToObject(pv, "source", in && in->source ? in->source : "rows");
    cJSON *files = cJSON_AddArrayToObject(pv, "files");
    for (int i = 0; in && i < in->nfiles; i++)
        cJSON_AddItemToArray(files, cJSON_CreateString(in->files[i]));
    if (d->input_sha256[0])
        cJSON_AddStringToObject(pv, "data_sha256", d->input_sha256);
    else
        cJSON_AddNullToObject(pv, "data_sha256");
    if (r->commit[0])
        cJSON_AddStringToObject(pv, "commit", r->commit);
    else
        cJSON_AddNullToObject(pv, "commit");
    cJSON *dj = cJSON_AddObjectToObject(j, "data");
    cJSON_AddNumberToObject(dj, "rows", (double)d->rows);
    cJSON_AddNumberToObject(dj, "undated", (double)d->undated);
    cJSON_AddNumberToObject(dj, "outside_period", (double)d->outside);
    cJSON_AddNumberToObject(dj, "skipped", (double)d->skipped);
    cJSON_AddItemToObject(dj, "first_contacted_date", date_or_null(d->first_date));
    cJSON_AddItemToObject(dj, "last_contacted_date", date_or_null(d->last_date));
    cJSON_AddItemToObject(dj, "last_mature_date", date_or_null(d->cutoff));
    const tg_monitor_baseline *b = s->baseline;
    cJSON *ref = cJSON_AddObjectToObject(j, "reference");
    if (b->source) {
        cJSON_AddStringToObject(ref, "calibration_file", b->source);
        cJSON_AddStringToObject(ref, "calibration_sha256", b->sha256);
        if (b->calibrated_at)
            cJSON_AddStringToObject(ref, "calibrated_at", b->calibrated_at);
    } else {
        cJSON_AddNullToObject(ref, "calibration_file");
    }
    cJSON_AddStringToObject(ref, "calibrated_rates",
                            b->source ? "calibration table"
                                      : "the rule set's expected rates");
    cJSON *dist = cJSON_AddArrayToObject(ref, "training_distribution");
    for (int k = 0; b->has_distribution && k < s->ntiers; k++)
        cJSON_AddItemToArray(dist, cJSON_CreateNumber((double)b->volume[k]));
    cJSON *rates = cJSON_AddArrayToObject(ref, "calibrated_rate");
    for (int k = 0; k < s->ntiers; k++)
        cJSON_AddItemToArray(rates, num_or_null(b->rate[k]));
    cJSON *tiers = cJSON_AddArrayToObject(j, "tiers");
    for (int k = 0; k < s->ntiers; k++)
        cJSON_AddItemToArray(tiers, cJSON_CreateString(s->rules->tiers[k].name));
    if (s->old_rules) {
        cJSON *c = cJSON_AddObjectToObject(j, "compare");
        cJSON_AddStringToObject(c, "old_model_version", s->old_rules->model_version);
        cJSON_AddStringToObject(c, "old_rules_file", s->old_rules->path);
        cJSON_AddStringToObject(c, "old_rules_sha256", s->old_rules->sha256);
        cJSON_AddStringToObject(c, "new_model_version", s->rules->model_version);
        cJSON_AddStringToObject(c, "difference_method",
                                "Wald, delta method over leads both models, "
                                "only the new or only the old prioritise, "
                                "variances from (x + 1) / (n + 2)");
    }
    cJSON *sum = cJSON_AddObjectToObject(j, "summary");
    cJSON_AddNumberToObject(sum, "pass", r->pass);
    cJSON_AddNumberToObject(sum, "inconclusive", r->inconclusive);
    cJSON_AddNumberToObject(sum, "fail", r->fail);
    cJSON_AddNumberToObject(sum, "insufficient", r->insufficient);
    cJSON_AddNumberToObject(sum, "warnings", r->warnings);
    cJSON_AddNumberToObject(sum, "blocking", r->blocking);
    cJSON *wins = cJSON_AddArrayToObject(j, "windows");
    for (int i = 0; i < s->nwindows; i++)
        cJSON_AddItemToArray(wins, window_json(s, i));
    cJSON *gates = cJSON_AddArrayToObject(j, "gates");
    for (int gi = 0; gi < p->ngates; gi++) {
        const tg_mgate *g = &p->gates[gi];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "id", g->id);
        cJSON_AddStringToObject(x, "description", g->description);
        cJSON_AddStringToObject(x, "check", tg_mcheck_name(g->check));
        cJSON_AddStringToObject(x, "severity", g->block ? "block" : "warn");
        cJSON_AddStringToObject(x, "inconclusive",
                                tg_inconclusive_name(g->inconclusive));
        cJSON_AddItemToObject(x, "min", num_or_null(g->min));
        cJSON_AddItemToObject(x, "max", num_or_null(g->max));
        cJSON_AddNumberToObject(x, "consecutive", g->consecutive);
        cJSON_AddItemToArray(gates, x);
    }
    cJSON *outs = cJSON_AddArrayToObject(j, "outcomes");
    cJSON *alerts = cJSON_AddArrayToObject(j, "alerts");
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_moutcome *o = &r->outcomes[i];
        cJSON_AddItemToArray(outs, outcome_json(r, o));
        if (o->status == TG_MSTATUS_FAIL)
            cJSON_AddItemToArray(alerts, outcome_json(r, o));
    }
    return j;
}
