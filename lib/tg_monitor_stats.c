/*
 * Statistics of monitor windows: per tier the rate of mature leads with
 * its interval, the calibrated rate and the ratio of the two, the tier's
 * share of the window, the PSI of the window's shares against the
 * training distribution, and, with a second rule set, the conversion
 * rate of each model's priority tiers and their difference.
 */
#include "tg_monitor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_json.h"
#include "tg_util.h"

/* ---- the reference: calibration table or the rule set ----------------- */

void tg_monitor_baseline_release(tg_monitor_baseline *b)
{
    if (!b)
        return;
    free(b->source);
    free(b->calibrated_at);
    free(b->rate);
    free(b->volume);
    free(b->labeled);
    free(b->conversions);
    memset(b, 0, sizeof *b);
}

static int key_error(tg_error *err, const char *path, const char *key,
                     const char *msg, const char *arg)
{
    return tg_error_set(err, TG_EINVAL, path, 0, 0, "key '%s': %s%s", key, msg,
                        arg ? arg : "");
}

static int count_key(const cJSON *o, const char *key, const char *path,
                     const char *where, uint64_t *out, tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char kp[160];
    snprintf(kp, sizeof kp, "%s.%s", where, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 9e15 ||
        v->valuedouble != floor(v->valuedouble))
        return key_error(err, path, kp, "expected a whole count >= 0", NULL);
    *out = (uint64_t)v->valuedouble;
    return TG_OK;
}

int tg_monitor_baseline_load(tg_monitor_baseline *b, const char *path,
                             const tg_rules *r, tg_error *err)
{
    memset(b, 0, sizeof *b);
    int n = b->ntiers = r->ntiers;
    b->rate = malloc((size_t)n * sizeof *b->rate);
    b->volume = calloc((size_t)n, sizeof *b->volume);
    b->labeled = calloc((size_t)n, sizeof *b->labeled);
    b->conversions = calloc((size_t)n, sizeof *b->conversions);
    if (!b->rate || !b->volume || !b->labeled || !b->conversions) {
        tg_monitor_baseline_release(b);
        return tg_error_oom(err, NULL);
    }
    for (int k = 0; k < n; k++)
        b->rate[k] = r->tiers[k].expected_conversion_rate;
    if (!path)
        return TG_OK;
    cJSON *doc = NULL;
    int rc = tg_json_load(&doc, path, err);
    if (rc)
        goto fail;
    if ((rc = tg_sha256_file(path, b->sha256, err)))
        goto fail;
    b->source = strdup(path);
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "calibrated_at"));
    b->calibrated_at = s ? strdup(s) : NULL;
    s = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "model_version"));
    if (!s || strcmp(s, r->model_version) != 0) {
        rc = key_error(err, path, "model_version",
                       s ? "calibrates another model version than the rules' "
                         : "missing; the rules are ",
                       r->model_version);
        goto fail;
    }
    const cJSON *tiers = cJSON_GetObjectItem(doc, "tiers");
    if (!cJSON_IsArray(tiers)) {
        rc = key_error(err, path, "tiers", "expected an array", NULL);
        goto fail;
    }
    unsigned char *seen = calloc((size_t)n, 1);
    if (!seen) {
        rc = tg_error_oom(err, NULL);
        goto fail;
    }
    int i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, tiers)
    {
        char where[64];
        snprintf(where, sizeof where, "tiers[%d]", i++);
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(t, "score_tier"));
        int k = name ? tg_rules_tier_index(r, name) : -1;
        if (k < 0 || seen[k]) {
            char kp[80];
            snprintf(kp, sizeof kp, "%s.score_tier", where);
            rc = key_error(err, path, kp,
                           !name ? "expected a tier name"
                           : k < 0 ? "not a tier of the rules: "
                                   : "given twice: ",
                           name && k < 0 ? r->model_id : name);
            break;
        }
        seen[k] = 1;
        if ((rc = count_key(t, "training_volume", path, where, &b->volume[k], err)) ||
            (rc = count_key(t, "labeled", path, where, &b->labeled[k], err)) ||
            (rc = count_key(t, "conversions", path, where, &b->conversions[k], err)))
            break;
        const cJSON *v = cJSON_GetObjectItem(t, "conversion_rate");
        if (!cJSON_IsNumber(v))
            v = cJSON_GetObjectItem(t, "calibrated_conversion_rate");
        if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1)
            b->rate[k] = v->valuedouble;
        else if (v && !cJSON_IsNull(v)) {
            char kp[96];
            snprintf(kp, sizeof kp, "%s.conversion_rate", where);
            rc = key_error(err, path, kp, "expected a rate between 0 and 1",
                           NULL);
            break;
        } else
            b->rate[k] = NAN; /* no labeled lead in training */
    }
    for (int k = 0; rc == TG_OK && k < n; k++)
        if (!seen[k])
            rc = key_error(err, path, "tiers", "no entry for tier ",
                           r->tiers[k].name);
    free(seen);
    if (rc)
        goto fail;
    uint64_t total = 0;
    for (int k = 0; k < n; k++)
        total += b->volume[k];
    b->has_distribution = total > 0;
    cJSON_Delete(doc);
    return TG_OK;
fail:
    cJSON_Delete(doc);
    tg_monitor_baseline_release(b);
    return rc;
}

/* ---- PSI ----------------------------------------------------------------- */

double tg_psi(const uint64_t *ref, const uint64_t *obs, int n)
{
    uint64_t a = 0, b = 0;
    for (int k = 0; k < n; k++) {
        a += ref[k];
        b += obs[k];
    }
    if (!a || !b)
        return NAN;
    double v = 0;
    for (int k = 0; k < n; k++) {
        double p = (double)ref[k] / (double)a, q = (double)obs[k] / (double)b;
        p = p < 1e-4 ? 1e-4 : p;
        q = q < 1e-4 ? 1e-4 : q;
        v += (q - p) * log(q / p);
    }
    return v;
}

/* ---- per window ---------------------------------------------------------- */

void tg_monitor_stats_release(tg_monitor_stats *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nwindows; i++)
        free(s->w[i].tiers);
    free(s->w);
    s->w = NULL;
    s->nwindows = 0;
}

static void rate_ci(tg_rate_ci *r, uint64_t x, uint64_t n, tg_ci_method m,
                    double level)
{
    r->labeled = n;
    r->conversions = x;
    r->rate = r->ci_lower = r->ci_upper = NAN;
    if (!n)
        return;
    r->rate = (double)x / (double)n;
    tg_ci(&r->ci_lower, &r->ci_upper, x, n, level, m);
}

/*
 * The ratio observed / calibrated with its interval. When the
 * calibration carries its counts (x0 of n0) and the window converted at
 * least once, the calibration's own sampling error counts too: on the
 * log scale, log(rate / calibrated) +- z sqrt(1/x - 1/n + 1/x0 - 1/n0)
 * (Katz's variance of a ratio of two independent proportions). Else the
 * calibrated rate is taken as fixed and the rate's interval is divided
 * by it.
 */
static void ratio_ci(tg_window_tier *t, uint64_t x0, uint64_t n0, double level)
{
    t->ratio = t->rate / t->calibrated_rate;
    if (t->conversions > 0 && x0 > 0 && n0 > 0) {
        double v = 1.0 / (double)t->conversions - 1.0 / (double)t->labeled +
                   1.0 / (double)x0 - 1.0 / (double)n0;
        double z = tg_normal_quantile(0.5 + level / 2);
        double se = sqrt(v > 0 ? v : 0);
        t->ratio_lower = t->ratio * exp(-z * se);
        t->ratio_upper = t->ratio * exp(z * se);
    } else {
        t->ratio_lower = t->ci_lower / t->calibrated_rate;
        t->ratio_upper = t->ci_upper / t->calibrated_rate;
    }
}

/*
 * Difference of the two models' priority rates on the same leads. The
 * leads fall in three independent groups: prioritised by both models,
 * by the new one only, by the old one only. With group sizes fixed,
 * d = x11 (1/NN - 1/NO) + xN / NN - xO / NO, whose variance is the sum
 * of the groups' binomial variances; the interval is d +- z sd (Wald,
 * with adjusted variances).
 */
static void difference(tg_window_stats *ws, const tg_window *w, double level)
{
    const tg_count *both = &w->cross[TG_CROSS_BOTH];
    const tg_count *nw = &w->cross[TG_CROSS_NEW], *od = &w->cross[TG_CROSS_OLD];
    double n11 = (double)both->labeled, nn = (double)nw->labeled,
           no = (double)od->labeled;
    double NN = n11 + nn, NO = n11 + no;
    ws->diff = ws->diff_lower = ws->diff_upper = NAN;
    if (NN == 0 || NO == 0)
        return;
    /* Each group's variance from (x + 1) / (n + 2), as Agresti and
     * Caffo adjust, so that a small group with no conversion (or only
     * conversions) does not claim a variance of zero. */
    double r11 = ((double)both->conversions + 1) / (n11 + 2);
    double rn = ((double)nw->conversions + 1) / (nn + 2);
    double ro = ((double)od->conversions + 1) / (no + 2);
    double c = 1 / NN - 1 / NO;
    double var = c * c * n11 * r11 * (1 - r11) + nn * rn * (1 - rn) / (NN * NN) +
                 no * ro * (1 - ro) / (NO * NO);
    ws->diff = ws->new_priority.rate - ws->old_priority.rate;
    double z = tg_normal_quantile(0.5 + level / 2);
    ws->diff_lower = ws->diff - z * sqrt(var);
    ws->diff_upper = ws->diff + z * sqrt(var);
}

int tg_monitor_stats_compute(tg_monitor_stats *out, const tg_rules *rules,
                             const tg_rules *old_rules,
                             const tg_monitor_data *d,
                             const tg_monitor_baseline *b, tg_ci_method m,
                             double level, tg_error *err)
{
    memset(out, 0, sizeof *out);
    out->rules = rules;
    out->old_rules = d->compare ? old_rules : NULL;
    out->data = d;
    out->baseline = b;
    out->ci_method = m;
    out->ci_level = level;
    out->ntiers = d->ntiers;
    int nt = d->ntiers, def = nt - 1;
    out->w = calloc((size_t)(d->nwindows ? d->nwindows : 1), sizeof *out->w);
    uint64_t *shares = calloc((size_t)nt, sizeof *shares);
    if (!out->w || !shares) {
        free(shares);
        return tg_error_oom(err, NULL);
    }
    for (int i = 0; i < d->nwindows; i++) {
        const tg_window *w = &d->w[i];
        tg_window_stats *ws = &out->w[i];
        out->nwindows = i + 1;
        ws->tiers = calloc((size_t)nt, sizeof *ws->tiers);
        if (!ws->tiers) {
            free(shares);
            return tg_error_oom(err, NULL);
        }
        ws->start = w->start;
        ws->end = w->end;
        tg_window_label(w->start, d->unit, ws->label);
        ws->mature = d->cutoff && w->end <= d->cutoff;
        for (int k = 0; k < nt; k++) {
            ws->leads += w->all[k].leads;
            ws->held_back += w->all[k].leads - w->mature[k].leads;
            ws->labeled += w->mature[k].labeled;
            ws->conversions += w->mature[k].conversions;
            if (k != def)
                ws->priority_leads += w->all[k].leads;
            shares[k] = w->all[k].leads;
        }
        for (int k = 0; k < nt; k++) {
            tg_window_tier *t = &ws->tiers[k];
            t->leads = w->all[k].leads;
            t->held_back = w->all[k].leads - w->mature[k].leads;
            t->labeled = w->mature[k].labeled;
            t->conversions = w->mature[k].conversions;
            t->share = ws->leads ? (double)t->leads / (double)ws->leads : NAN;
            tg_rate_ci rc;
            rate_ci(&rc, t->conversions, t->labeled, m, level);
            t->rate = rc.rate;
            t->ci_lower = rc.ci_lower;
            t->ci_upper = rc.ci_upper;
            t->calibrated_rate = b->rate[k];
            t->ratio = t->ratio_lower = t->ratio_upper = NAN;
            if (t->calibrated_rate > 0 && t->labeled)
                ratio_ci(t, b->conversions[k], b->labeled[k], level);
        }
        ws->psi = b->has_distribution ? tg_psi(b->volume, shares, nt) : NAN;
        ws->priority_share = ws->priority_share_lower =
            ws->priority_share_upper = NAN;
        if (ws->leads) {
            ws->priority_share = (double)ws->priority_leads / (double)ws->leads;
            tg_ci(&ws->priority_share_lower, &ws->priority_share_upper,
                  ws->priority_leads, ws->leads, level, m);
        }
        ws->diff = ws->diff_lower = ws->diff_upper = NAN;
        if (d->compare) {
            const tg_count *x = w->cross;
            rate_ci(&ws->old_priority,
                    x[TG_CROSS_OLD].conversions + x[TG_CROSS_BOTH].conversions,
                    x[TG_CROSS_OLD].labeled + x[TG_CROSS_BOTH].labeled, m, level);
            rate_ci(&ws->new_priority,
                    x[TG_CROSS_NEW].conversions + x[TG_CROSS_BOTH].conversions,
                    x[TG_CROSS_NEW].labeled + x[TG_CROSS_BOTH].labeled, m, level);
            difference(ws, w, level);
        }
    }
    free(shares);
    return TG_OK;
}

/* ---- recalibration ------------------------------------------------------- */

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static double sql_round(double v, int places)
{
    double m = pow(10, places);
    return round(v * m) / m;
}

/* The windows a recalibration reads: the last n fully mature ones. */
static int mature_windows(const tg_monitor_stats *s, int n, int *first,
                          int *last, tg_error *err)
{
    *last = -1;
    for (int i = s->nwindows - 1; i >= 0 && *last < 0; i--)
        if (s->w[i].mature)
            *last = i;
    if (*last < 0)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "no fully mature window to recalibrate from (the "
                            "last mature contacted date is %d days before "
                            "the data's last)",
                            s->data->maturity_days);
    *first = *last - n + 1 < 0 ? 0 : *last - n + 1;
    return TG_OK;
}

/* Counts of the windows first..last, per tier and in all. */
typedef struct {
    uint64_t *leads, *labeled, *conversions;
    uint64_t all_leads, all_labeled, all_conversions;
} window_sums;

static void window_sums_free(window_sums *w)
{
    free(w->leads);
    free(w->labeled);
    free(w->conversions);
}

static int sum_windows(window_sums *w, const tg_monitor_stats *s, int first,
                       int last, tg_error *err)
{
    int nt = s->ntiers;
    memset(w, 0, sizeof *w);
    w->leads = calloc((size_t)nt, sizeof *w->leads);
    w->labeled = calloc((size_t)nt, sizeof *w->labeled);
    w->conversions = calloc((size_t)nt, sizeof *w->conversions);
    if (!w->leads || !w->labeled || !w->conversions) {
        window_sums_free(w);
        return tg_error_oom(err, NULL);
    }
    for (int i = first; i <= last; i++)
        for (int k = 0; k < nt; k++) {
            const tg_window_tier *t = &s->w[i].tiers[k];
            w->leads[k] += t->leads;
            w->labeled[k] += t->labeled;
            w->conversions[k] += t->conversions;
            w->all_labeled += t->labeled;
            w->all_conversions += t->conversions;
            w->all_leads += t->leads;
        }
    return TG_OK;
}

/* The document's head: what was read, how, and the calibration before. */
static cJSON *recal_head(const tg_monitor_stats *s,
                         const tg_recalibrate_options *o, int first, int last,
                         const window_sums *w, double base)
{
    const tg_rules *r = s->rules;
    const tg_monitor_data *d = s->data;
    char now[32], a[11], b[11];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model_id", r->model_id);
    cJSON_AddStringToObject(j, "model_version", r->model_version);
    cJSON_AddStringToObject(j, "calibrated_at",
                            o->calibrated_at ? o->calibrated_at : tg_now_iso(now));
    cJSON_AddStringToObject(j, "rules_file", r->path);
    cJSON_AddStringToObject(j, "rules_sha256", r->sha256);
    cJSON *data = cJSON_AddObjectToObject(j, "data");
    cJSON_AddStringToObject(data, "source", "monitor");
    cJSON_AddNumberToObject(data, "rows", (double)w->all_leads);
    if (d->input_sha256[0])
        cJSON_AddStringToObject(data, "sha256", d->input_sha256);
    else
        cJSON_AddNullToObject(data, "sha256");
    cJSON *wins = cJSON_AddArrayToObject(data, "windows");
    for (int i = first; i <= last; i++)
        cJSON_AddItemToArray(wins, cJSON_CreateString(s->w[i].label));
    cJSON_AddStringToObject(j, "split", "PRODUCTION");
    cJSON_AddNumberToObject(j, "training_leads", (double)w->all_leads);
    cJSON_AddItemToObject(j, "baseline_rate", num_or_null(base));
    cJSON_AddStringToObject(j, "first_contacted_date",
                            tg_format_date(s->w[first].start, a));
    cJSON_AddStringToObject(j, "last_contacted_date",
                            tg_format_date(s->w[last].end, b));
    cJSON_AddStringToObject(j, "ci_method", "beta-posterior");
    cJSON_AddNumberToObject(j, "ci_level", s->ci_level);
    cJSON *sh = cJSON_AddObjectToObject(j, "shrinkage");
    cJSON_AddStringToObject(sh, "method",
                            "(conversions + k * previous_rate) / (labeled + k)");
    cJSON_AddNumberToObject(sh, "strength", o->strength);
    cJSON_AddNumberToObject(sh, "windows", (double)(last - first + 1));
    cJSON *prev = cJSON_AddObjectToObject(j, "previous_calibration");
    int own = s->baseline->source != NULL;
    cJSON_AddStringToObject(prev, "file", own ? s->baseline->source : r->path);
    cJSON_AddStringToObject(prev, "sha256",
                            own ? s->baseline->sha256 : r->sha256);
    return j;
}

/* One tier's shrunk rate and the equal-tailed interval of its Beta
 * posterior (x + k·p0, n − x + k(1 − p0)). */
static void shrunk_rate(double *est, double *lo, double *hi, uint64_t conv,
                        uint64_t lab, double p0, double k, double level)
{
    double n = (double)lab, x = (double)conv;
    *est = *lo = *hi = NAN;
    if (!(n + k > 0 && p0 >= 0 && p0 <= 1))
        return;
    *est = (x + k * p0) / (n + k);
    double pa = x + k * p0, pb = n - x + k * (1 - p0);
    if (pa > 0 && pb > 0) {
        tg_beta_quantile(lo, (1 - level) / 2, pa, pb);
        tg_beta_quantile(hi, (1 + level) / 2, pa, pb);
    } else if (lab) {
        /* k = 0 or a prior of exactly 0 or 1: the estimate is the
         * observed rate, inside its exact interval. */
        tg_ci(lo, hi, conv, lab, level, TG_CI_EXACT);
    }
    /* Keep the estimate inside its interval even for very skewed
     * posteriors. */
    if (isfinite(*lo) && *est < *lo)
        *lo = *est;
    if (isfinite(*hi) && *est > *hi)
        *hi = *est;
}

static cJSON *recal_tier(const tg_monitor_stats *s, const window_sums *w,
                         int k, double strength, double base)
{
    const tg_rules *r = s->rules;
    double p0 = s->baseline->rate[k];
    if (!(p0 >= 0 && p0 <= 1))
        p0 = r->tiers[k].expected_conversion_rate;
    double n = (double)w->labeled[k], x = (double)w->conversions[k];
    double est, lo, hi;
    shrunk_rate(&est, &lo, &hi, w->conversions[k], w->labeled[k], p0,
                strength, s->ci_level);
    double lift = base > 0 ? est / base : NAN;
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "score_tier", r->tiers[k].name);
    cJSON_AddNumberToObject(t, "priority_rank", r->tiers[k].priority_rank);
    cJSON_AddNumberToObject(t, "training_volume", (double)w->leads[k]);
    cJSON_AddNumberToObject(t, "labeled", n);
    cJSON_AddNumberToObject(t, "conversions", x);
    cJSON_AddItemToObject(t, "calibrated_conversion_rate",
                          num_or_null(sql_round(est, 4)));
    cJSON_AddItemToObject(t, "calibrated_lift",
                          num_or_null(sql_round(lift, 2)));
    cJSON_AddItemToObject(t, "conversion_rate", num_or_null(est));
    cJSON_AddItemToObject(t, "lift", num_or_null(lift));
    cJSON_AddItemToObject(t, "ci_lower", num_or_null(lo));
    cJSON_AddItemToObject(t, "ci_upper", num_or_null(hi));
    cJSON_AddItemToObject(t, "observed_conversion_rate",
                          num_or_null(n > 0 ? x / n : NAN));
    cJSON_AddItemToObject(t, "previous_conversion_rate", num_or_null(p0));
    cJSON_AddItemToObject(t, "weight_of_data",
                          num_or_null(n + strength > 0 ? n / (n + strength)
                                                       : NAN));
    cJSON_AddItemToObject(t, "expected_conversion_rate",
                          num_or_null(r->tiers[k].expected_conversion_rate));
    return t;
}

int tg_monitor_recalibrate(cJSON **out, const tg_monitor_stats *s,
                           const tg_recalibrate_options *o, tg_error *err)
{
    *out = NULL;
    int first = 0, last = -1, rc;
    window_sums w;
    if ((rc = mature_windows(s, o->windows, &first, &last, err)) ||
        (rc = sum_windows(&w, s, first, last, err)))
        return rc;
    double base = w.all_labeled
                      ? (double)w.all_conversions / (double)w.all_labeled
                      : NAN;
    cJSON *j = recal_head(s, o, first, last, &w, base);
    cJSON *tiers = j ? cJSON_AddArrayToObject(j, "tiers") : NULL;
    for (int k = 0; tiers && k < s->ntiers; k++)
        cJSON_AddItemToArray(tiers, recal_tier(s, &w, k, o->strength, base));
    window_sums_free(&w);
    if (!tiers) {
        cJSON_Delete(j);
        return tg_error_oom(err, NULL);
    }
    *out = j;
    return TG_OK;
}
