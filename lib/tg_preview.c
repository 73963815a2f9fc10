/*
 * Per-split statistics: rates, lift against the split's own baseline
 * (computed from the data, never a hard-coded 3.66%), and intervals.
 */
#include "tg_preview.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_util.h"

int tg_split_stats_compute(tg_split_stats *out, const tg_tally *t, int split,
                           const char *model_version, tg_ci_method m,
                           double level, tg_error *err)
{
    return tg_split_stats_compute_with(out, t, split, model_version, m, level,
                                       1, err);
}

int tg_split_stats_compute_with(tg_split_stats *out, const tg_tally *t,
                                int split, const char *model_version,
                                tg_ci_method m, double level, int fisher,
                                tg_error *err)
{
    memset(out, 0, sizeof *out);
    out->split = split;
    out->model_version = model_version;
    out->ci_method = m;
    out->ci_level = level;
    out->ntiers = t->ntiers;
    out->tiers = calloc((size_t)t->ntiers, sizeof *out->tiers);
    if (!out->tiers)
        return tg_error_oom(err, NULL);
    tg_count total = tg_tally_total(t, split);
    out->rows = total.leads;
    out->labeled = total.labeled;
    out->conversions = total.conversions;
    out->baseline_rate = total.labeled
                             ? (double)total.conversions / (double)total.labeled
                             : NAN;
    for (int s = 0; s < TG_NSPLITS; s++) {
        if (split != TG_SPLIT_ALL && s != split)
            continue;
        if (t->first_date[s] &&
            (!out->first_date || t->first_date[s] < out->first_date))
            out->first_date = t->first_date[s];
        if (t->last_date[s] > out->last_date)
            out->last_date = t->last_date[s];
    }
    for (int k = 0; k < t->ntiers; k++) {
        tg_tier_stats *ts = &out->tiers[k];
        tg_count c = tg_tally_cell(t, split, k);
        ts->tier = t->tier_names[k];
        ts->leads = c.leads;
        ts->labeled = c.labeled;
        ts->conversions = c.conversions;
        ts->rate = ts->lift = ts->ci_lower = ts->ci_upper = NAN;
        ts->lift_ci_lower = ts->lift_ci_upper = NAN;
        ts->fisher_p = ts->fisher_p_holm = NAN;
        if (c.labeled == 0)
            continue;
        uint64_t rx = total.conversions - c.conversions;
        uint64_t rn = total.labeled - c.labeled;
        tg_lift_interval(&ts->lift, &ts->lift_ci_lower, &ts->lift_ci_upper,
                         c.conversions, c.labeled, rx, rn, level);
        if (fisher)
            tg_fisher_exact(&ts->fisher_p, c.conversions,
                            c.labeled - c.conversions, rx, rn - rx);
        ts->rate = (double)c.conversions / (double)c.labeled;
        int rc = tg_ci(&ts->ci_lower, &ts->ci_upper, c.conversions, c.labeled,
                       level, m);
        if (rc != TG_OK)
            return tg_error_set(err, rc, NULL, 0, 0,
                                "%s interval for tier '%s' (%llu of %llu) did "
                                "not converge", tg_ci_name(m), ts->tier,
                                (unsigned long long)c.conversions,
                                (unsigned long long)c.labeled);
    }
    /* Holm across the tiers that have a p-value. */
    size_t cap = (size_t)(out->ntiers > 0 ? out->ntiers : 1);
    double *p = malloc(cap * sizeof *p), *adj = malloc(cap * sizeof *adj);
    int *idx = malloc(cap * sizeof *idx), k = 0;
    if (!p || !adj || !idx) {
        free(p);
        free(adj);
        free(idx);
        return tg_error_oom(err, NULL);
    }
    for (int i = 0; i < out->ntiers; i++)
        if (!isnan(out->tiers[i].fisher_p)) {
            idx[k] = i;
            p[k++] = out->tiers[i].fisher_p;
        }
    tg_holm(adj, p, k);
    for (int j = 0; j < k; j++)
        out->tiers[idx[j]].fisher_p_holm = adj[j];
    free(p);
    free(adj);
    free(idx);
    return TG_OK;
}

int tg_split_stats_pin_baseline(tg_split_stats *s, double rate)
{
    if (!(rate > 0 && rate <= 1))
        return TG_EINVAL;
    s->baseline_rate = rate;
    s->baseline_pinned = 1;
    for (int k = 0; k < s->ntiers; k++) {
        tg_tier_stats *t = &s->tiers[k];
        if (t->labeled == 0)
            continue;
        t->lift = t->rate / rate;
        t->lift_ci_lower = t->ci_lower / rate;
        t->lift_ci_upper = t->ci_upper / rate;
    }
    return TG_OK;
}

void tg_split_stats_release(tg_split_stats *s)
{
    if (!s)
        return;
    free(s->tiers);
    s->tiers = NULL;
}

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *tg_split_stats_json(const tg_split_stats *s, int extended)
{
    cJSON *o = cJSON_CreateObject();
    char d[11];
    cJSON_AddStringToObject(o, "model_version", s->model_version);
    cJSON_AddStringToObject(o, "split", tg_split_name(s->split));
    cJSON_AddNumberToObject(o, "rows", (double)s->rows);
    cJSON_AddNumberToObject(o, "labeled", (double)s->labeled);
    cJSON_AddNumberToObject(o, "conversions", (double)s->conversions);
    cJSON_AddItemToObject(o, "baseline_rate", num_or_null(s->baseline_rate));
    cJSON_AddBoolToObject(o, "baseline_pinned", s->baseline_pinned);
    cJSON_AddStringToObject(o, "ci_method", tg_ci_name(s->ci_method));
    cJSON_AddNumberToObject(o, "ci_level", s->ci_level);
    if (s->first_date)
        cJSON_AddStringToObject(o, "first_contacted_date",
                                tg_format_date(s->first_date, d));
    else
        cJSON_AddNullToObject(o, "first_contacted_date");
    if (s->last_date)
        cJSON_AddStringToObject(o, "last_contacted_date",
                                tg_format_date(s->last_date, d));
    else
        cJSON_AddNullToObject(o, "last_contacted_date");
    cJSON *arr = cJSON_AddArrayToObject(o, "tiers");
    for (int k = 0; k < s->ntiers; k++) {
        const tg_tier_stats *t = &s->tiers[k];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "tier", t->tier);
        cJSON_AddNumberToObject(x, "leads", (double)t->leads);
        cJSON_AddNumberToObject(x, "labeled", (double)t->labeled);
        cJSON_AddNumberToObject(x, "conversions", (double)t->conversions);
        cJSON_AddItemToObject(x, "conversion_rate", num_or_null(t->rate));
        cJSON_AddItemToObject(x, "lift", num_or_null(t->lift));
        cJSON_AddItemToObject(x, "ci_lower", num_or_null(t->ci_lower));
        cJSON_AddItemToObject(x, "ci_upper", num_or_null(t->ci_upper));
        if (extended) {
            cJSON_AddItemToObject(x, "lift_ci_lower",
                                  num_or_null(t->lift_ci_lower));
            cJSON_AddItemToObject(x, "lift_ci_upper",
                                  num_or_null(t->lift_ci_upper));
            cJSON_AddItemToObject(x, "fisher_p", num_or_null(t->fisher_p));
            cJSON_AddItemToObject(x, "fisher_p_holm",
                                  num_or_null(t->fisher_p_holm));
        }
        cJSON_AddItemToArray(arr, x);
    }
    return o;
}
