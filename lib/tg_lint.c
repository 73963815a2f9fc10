/*
 * Lint. When every condition compares single features with constants
 * (as the tier table requires), each feature's line splits into a few
 * regions inside which every comparison keeps one truth value; checking
 * one point of every combination of regions is then exhaustive: it
 * decides exactly which tiers can be first to match and which earlier
 * tiers take their leads. Regions outside a feature's declared range are
 * left out, since no lead lives there.
 */
#include "tg_lint.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_cond_internal.h"

static const char *sev_names[] = {"info", "warning", "error"};

static int add(tg_lint_report *r, tg_lint_severity s, const char *code,
               int tier, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int add(tg_lint_report *r, tg_lint_severity s, const char *code,
               int tier, const char *fmt, ...)
{
    /* Capacity doubles at each power of two: a rule set with many
     * findings costs linear time, not a copy per finding. */
    tg_lint_finding *n = r->findings;
    if ((r->n & (r->n - 1)) == 0) {
        size_t cap = r->n ? 2 * (size_t)r->n : 8;
        n = realloc(r->findings, cap * sizeof *n);
        if (!n)
            return TG_ENOMEM;
        r->findings = n;
    }
    tg_lint_finding *f = &n[r->n++];
    f->severity = s;
    f->code = code;
    f->tier = tier;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    if (s == TG_LINT_ERROR)
        r->errors++;
    else if (s == TG_LINT_WARNING)
        r->warnings++;
    else
        r->infos++;
    return TG_OK;
}

void tg_lint_report_release(tg_lint_report *r)
{
    if (!r)
        return;
    free(r->findings);
    memset(r, 0, sizeof *r);
}

/*
 * A point of region k (see tg_tiermap) inside the declared range
 * [lo, hi], or 0 when the region holds no value of that range.
 */
static int region_point(const double *c, int n, int k, double lo, double hi,
                        double *out)
{
    if (k == 0) {
        *out = NAN;
        return 1;
    }
    int i = (k - 1) / 2;
    if (k % 2 == 0) {
        *out = c[i];
        return !(c[i] < lo || c[i] > hi);
    }
    double a = i == 0 ? -INFINITY : c[i - 1];
    double b = i == n ? INFINITY : c[i];
    double l = fmax(a, lo), h = fmin(b, hi);
    if (!(l <= h))
        return 0;
    if (l == h) {
        /* One value: inside the open interval only if it is not a cut. */
        *out = l;
        return l != a && l != b;
    }
    if (isinf(l))
        l = h - 2;
    if (isinf(h))
        h = l + 2;
    *out = l + (h - l) / 2;
    return *out > a && *out < b;
}

static void names(char *buf, size_t n, const tg_rules *r, const unsigned char *set,
                  int upto)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int u = 0; u < upto && off < n; u++)
        if (set[u])
            off += (size_t)snprintf(buf + off, n - off, "%s%s", off ? ", " : "",
                                    r->tiers[u].name);
}

static int shadows(tg_lint_report *rep, const tg_rules *r)
{
    const tg_tiermap *m = r->map;
    int nt = r->ntiers - 1;
    if (!m)
        return add(rep, TG_LINT_INFO, "analysis-skipped", -1,
                   "shadowing not analysed: a condition uses arithmetic or "
                   "compares features with each other, or the rule set is "
                   "too large to tabulate");
    unsigned char *ever_true = calloc((size_t)nt, 1);
    unsigned char *ever_first = calloc((size_t)nt, 1);
    unsigned char *taken_by = calloc((size_t)(nt * nt), 1);
    double *v = malloc((size_t)r->nfeatures * sizeof *v);
    int nf = m->nfeat ? m->nfeat : 1;
    int *region = calloc((size_t)nf, sizeof *region);
    /* Per feature and region: a point inside the declared range, or
     * none (computed once, not per cell). */
    size_t nregions = 0;
    for (int i = 0; i < m->nfeat; i++)
        nregions += (size_t)(2 * m->ncut[i] + 2);
    double *point = malloc((nregions ? nregions : 1) * sizeof *point);
    unsigned char *has = calloc(nregions ? nregions : 1, 1);
    size_t *first_region = calloc((size_t)nf, sizeof *first_region);
    int rc = TG_OK;
    if (!ever_true || !ever_first || !taken_by || !v || !region || !point ||
        !has || !first_region) {
        rc = TG_ENOMEM;
        goto done;
    }
    for (int f = 0; f < r->nfeatures; f++)
        v[f] = NAN;
    for (int i = 0, at = 0; i < m->nfeat; i++) {
        const tg_feature *ft = &r->features[m->feat[i]];
        double lo = isnan(ft->min) ? -INFINITY : ft->min;
        double hi = isnan(ft->max) ? INFINITY : ft->max;
        first_region[i] = (size_t)at;
        for (int k = 0; k < 2 * m->ncut[i] + 2; k++, at++)
            has[at] = (unsigned char)region_point(m->cut[i], m->ncut[i], k, lo,
                                                  hi, &point[at]);
    }
    /*
     * Every cell, its regions as an odometer. The table holds each cell's
     * first TRUE tier (exact: inside a cell every condition keeps one
     * truth value), so the tiers before it are false there and only the
     * later ones are evaluated: a cell of the default tier needs none.
     */
    for (size_t idx = 0; idx < m->size; idx++) {
        int ok = 1;
        for (int i = 0; i < m->nfeat && ok; i++) {
            size_t at = first_region[i] + (size_t)region[i];
            ok = has[at];
            v[m->feat[i]] = point[at];
        }
        for (int i = 0; i < m->nfeat; i++) {
            if (++region[i] < 2 * m->ncut[i] + 2)
                break;
            region[i] = 0;
        }
        int first = m->tier[idx];
        if (!ok || first >= nt)
            continue;
        ever_true[first] = ever_first[first] = 1;
        for (int t = first + 1; t < nt; t++)
            if (tg_cond_eval(r->tiers[t].cond, v) == TG_TRUE) {
                ever_true[t] = 1;
                taken_by[t * nt + first] = 1;
            }
    }
    char buf[400];
    for (int t = 0; t < nt; t++) {
        names(buf, sizeof buf, r, taken_by + t * nt, t);
        if (!ever_true[t])
            rc = add(rep, TG_LINT_ERROR, "never-true", t,
                     "its condition is never true for any lead within the "
                     "features' declared ranges");
        else if (!ever_first[t])
            rc = add(rep, TG_LINT_ERROR, "never-matches", t,
                     "can never match: every lead it selects is taken by "
                     "earlier tiers (%s)", buf);
        else if (buf[0])
            rc = add(rep, TG_LINT_INFO, "partly-shadowed", t,
                     "partly shadowed: some leads it selects are taken by "
                     "earlier tiers (%s)", buf);
        if (rc)
            break;
    }
done:
    free(point);
    free(has);
    free(first_region);
    free(ever_true);
    free(ever_first);
    free(taken_by);
    free(v);
    free(region);
    return rc;
}

/* Findings of one kind shown per tier; the rest are counted in one. */
#define TG_LINT_PER_TIER 10

static void const_range(tg_lint_report *rep, const tg_rules *r, int t,
                        const tg_cond *c, int feat, double v, long *seen)
{
    const tg_feature *f = &r->features[feat];
    if (isnan(v) || (isnan(f->min) && isnan(f->max)))
        return;
    if ((!isnan(f->min) && v < f->min) || (!isnan(f->max) && v > f->max)) {
        if ((*seen)++ < TG_LINT_PER_TIER)
            add(rep, TG_LINT_WARNING, "out-of-range", t,
                "compares %s with %g, outside its declared range %g..%g",
                f->name, v, f->min, f->max);
    }
    (void)c;
}

static int is_num(const tg_cond *c, int i)
{
    return c->n[i].kind == TG_N_NUM;
}

static int is_feat(const tg_cond *c, int i)
{
    return c->n[i].kind == TG_N_FEAT;
}

static void per_condition(tg_lint_report *rep, const tg_rules *r)
{
    for (int t = 0; t < r->ntiers - 1; t++) {
        const tg_cond *c = r->tiers[t].cond;
        long seen = 0;
        for (int i = 0; i < c->nn; i++) {
            const tg_node *n = &c->n[i];
            if (n->kind == TG_N_FCMP)
                const_range(rep, r, t, c, n->feat, n->num, &seen);
            if (n->kind == TG_N_BETWEEN && is_num(c, n->b) && is_num(c, n->c)) {
                double lo = c->n[n->b].num, hi = c->n[n->c].num;
                if (lo > hi && !n->neg) {
                    if (is_feat(c, n->a))
                        add(rep, TG_LINT_ERROR, "reversed-between", t,
                            "%s BETWEEN %g AND %g is always false: the lower "
                            "bound is above the upper",
                            r->features[c->n[n->a].feat].name, lo, hi);
                    else
                        add(rep, TG_LINT_ERROR, "reversed-between", t,
                            "BETWEEN %g AND %g is always false: the lower "
                            "bound is above the upper", lo, hi);
                }
                if (is_feat(c, n->a)) {
                    const_range(rep, r, t, c, c->n[n->a].feat, lo, &seen);
                    const_range(rep, r, t, c, c->n[n->a].feat, hi, &seen);
                }
            }
            if (n->kind == TG_N_IN && is_feat(c, n->a))
                for (int k = 0; k < n->c; k++)
                    if (is_num(c, c->list[n->b + k]))
                        const_range(rep, r, t, c, c->n[n->a].feat,
                                    c->n[c->list[n->b + k]].num, &seen);
        }
        if (seen > TG_LINT_PER_TIER)
            add(rep, TG_LINT_WARNING, "out-of-range", t,
                "and %ld more comparisons with constants outside their "
                "features' declared ranges", seen - TG_LINT_PER_TIER);
    }
}

static void ranks(tg_lint_report *rep, const tg_rules *r)
{
    int nt = r->ntiers - 1;
    for (int t = 1; t < nt; t++)
        if (r->tiers[t].priority_rank < r->tiers[t - 1].priority_rank)
            add(rep, TG_LINT_WARNING, "rank-order", t,
                "priority rank %d comes after %s (rank %d) in rule order",
                r->tiers[t].priority_rank, r->tiers[t - 1].name,
                r->tiers[t - 1].priority_rank);
    for (int a = 0; a < nt; a++) {
        long seen = 0;
        for (int b = 0; b < nt; b++) {
            const tg_tier *x = &r->tiers[a], *y = &r->tiers[b];
            if (x->priority_rank < y->priority_rank &&
                x->expected_conversion_rate < y->expected_conversion_rate &&
                seen++ < TG_LINT_PER_TIER)
                add(rep, TG_LINT_WARNING, "rank-vs-rate", a,
                    "ranks above %s (rank %d vs %d) but expects a lower "
                    "conversion rate (%g%% vs %g%%)", y->name,
                    x->priority_rank, y->priority_rank,
                    x->expected_conversion_rate * 100,
                    y->expected_conversion_rate * 100);
        }
        if (seen > TG_LINT_PER_TIER)
            add(rep, TG_LINT_WARNING, "rank-vs-rate", a,
                "and ranks above %ld more tiers that expect a higher "
                "conversion rate", seen - TG_LINT_PER_TIER);
    }
}

int tg_lint(tg_lint_report *out, const tg_rules *r, tg_error *err)
{
    memset(out, 0, sizeof *out);
    per_condition(out, r);
    if (shadows(out, r) != TG_OK)
        return tg_error_oom(err, r->path);
    ranks(out, r);
    return TG_OK;
}

cJSON *tg_lint_json(const tg_lint_report *rep, const tg_rules *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "rules", r->path);
    cJSON_AddNumberToObject(j, "errors", rep->errors);
    cJSON_AddNumberToObject(j, "warnings", rep->warnings);
    cJSON_AddNumberToObject(j, "infos", rep->infos);
    cJSON *arr = cJSON_AddArrayToObject(j, "findings");
    for (int i = 0; i < rep->n; i++) {
        const tg_lint_finding *f = &rep->findings[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "severity", sev_names[f->severity]);
        cJSON_AddStringToObject(x, "code", f->code);
        if (f->tier >= 0)
            cJSON_AddStringToObject(x, "tier", r->tiers[f->tier].name);
        else
            cJSON_AddNullToObject(x, "tier");
        cJSON_AddStringToObject(x, "message", f->message);
        cJSON_AddItemToArray(arr, x);
    }
    return j;
}
