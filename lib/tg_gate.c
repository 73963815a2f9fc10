/*
 * The gate engine's entry: a policy run over a tally. It computes each
 * split's statistics once (the chosen interval method and level, pinned
 * baselines), hands every gate to its check (tg_gate_checks.c), and
 * counts the outcomes into the overall status. A tier below the gate's
 * minimum of labeled leads or conversions is "insufficient": for a
 * blocking gate that fails the release, since an untestable tier must
 * not ship as if it passed. Per-slice gates run again on each slice's
 * tally and join the same result.
 */
#include "tg_gate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_gate_internal.h"

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
        rc = g->check == TG_CHECK_DATA_QUALITY ? tg_gate_run_data_quality(out, g)
           : (g->check == TG_CHECK_VOLUME_SHARE ||
              g->check == TG_CHECK_VOLUME_COUNT)
                 ? tg_gate_run_aggregate(out, g)
                 : tg_gate_run_per_tier(out, g);
        if (rc) {
            /* The check engines fail only for want of memory. */
            rc = tg_error_oom(err, policy->path);
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
        if (tg_gate_reserve_outcomes(r, sr.noutcomes) != TG_OK) {
            tg_gate_result_release(&sr);
            return tg_error_oom(err, NULL);
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

