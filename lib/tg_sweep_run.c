/*
 * Ranking on TRAIN, choosing, then confirming on TEST (see
 * tg_sweep_run.h). The gate engine is called through its public API:
 * selection uses the policy's gates that read TRAIN only, judged on a
 * copy of the tally whose TEST and other rows are removed, so gates
 * over ALL rows are judged on TRAIN's while choosing.
 */
#include "tg_sweep_run.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_json.h"
#include "tg_score.h"
#include "tg_stats.h"
#include "tg_summary.h"
#include "tg_util.h"

/* ---- the policy, per variant --------------------------------------------- */

static int has_tier(const tg_rules *r, const char *pattern)
{
    for (int t = 0; t < r->ntiers; t++)
        if (fnmatch(pattern, r->tiers[t].name, 0) == 0)
            return 1;
    return 0;
}

/*
 * The policy document for one variant: names and patterns that match
 * none of its tiers are removed from "tiers", "advice" and "ranges"; a
 * gate left with no tier, or whose "against" tier is gone, is removed
 * and named in dropped. The result is then loaded as any policy is.
 */
static cJSON *policy_for(const cJSON *policy, const tg_rules *r, FILE *dropped,
                         int *ndropped)
{
    cJSON *doc = cJSON_Duplicate(policy, 1);
    cJSON *gates = doc ? cJSON_GetObjectItemCaseSensitive(doc, "gates") : NULL;
    if (!cJSON_IsArray(gates))
        return doc;
    for (int i = cJSON_GetArraySize(gates) - 1; i >= 0; i--) {
        cJSON *g = cJSON_GetArrayItem(gates, i);
        if (!cJSON_IsObject(g))
            continue;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(g, "id");
        const char *gid = cJSON_IsString(id) ? id->valuestring : "?";
        cJSON *tiers = cJSON_GetObjectItemCaseSensitive(g, "tiers");
        const cJSON *against = cJSON_GetObjectItemCaseSensitive(g, "against");
        int drop = 0;
        if (cJSON_IsArray(tiers) && cJSON_GetArraySize(tiers) > 0) {
            for (int k = cJSON_GetArraySize(tiers) - 1; k >= 0; k--) {
                const cJSON *t = cJSON_GetArrayItem(tiers, k);
                if (cJSON_IsString(t) && !has_tier(r, t->valuestring))
                    cJSON_DeleteItemFromArray(tiers, k);
            }
            drop = cJSON_GetArraySize(tiers) == 0;
        }
        if (cJSON_IsString(against) && !has_tier(r, against->valuestring))
            drop = 1;
        static const char *maps[] = {"advice", "ranges"};
        for (int m = 0; m < 2 && !drop; m++) {
            cJSON *obj = cJSON_GetObjectItemCaseSensitive(g, maps[m]);
            if (!cJSON_IsObject(obj))
                continue;
            for (int k = cJSON_GetArraySize(obj) - 1; k >= 0; k--) {
                const cJSON *e = cJSON_GetArrayItem(obj, k);
                if (tg_rules_tier_index(r, e->string) < 0)
                    cJSON_DeleteItemFromArray(obj, k);
            }
        }
        if (drop) {
            /* Named in policy order once every gate is seen. */
            cJSON_AddItemToObject(g, "\x01drop", cJSON_CreateTrue());
            (void)gid;
        }
    }
    for (int i = 0; i < cJSON_GetArraySize(gates);) {
        cJSON *g = cJSON_GetArrayItem(gates, i);
        if (!cJSON_GetObjectItemCaseSensitive(g, "\x01drop")) {
            i++;
            continue;
        }
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(g, "id");
        fprintf(dropped, "%s%s", (*ndropped)++ ? ", " : "",
                cJSON_IsString(id) ? id->valuestring : "?");
        cJSON_DeleteItemFromArray(gates, i);
    }
    return doc;
}

/* The policy's gates that read TRAIN only: a shallow copy (free with
 * free_train_policy, never tg_policy_free). */
static tg_policy *train_only(const tg_policy *p)
{
    tg_policy *q = malloc(sizeof *q);
    if (!q)
        return NULL;
    *q = *p;
    q->gates = calloc((size_t)p->ngates + 1, sizeof *q->gates);
    if (!q->gates) {
        free(q);
        return NULL;
    }
    q->ngates = 0;
    for (int i = 0; i < p->ngates; i++) {
        const tg_gate_def *g = &p->gates[i];
        if (g->check == TG_CHECK_TEST_TRAIN_LIFT || g->split == TG_SPLIT_TEST)
            continue;
        q->gates[q->ngates++] = *g;
    }
    return q;
}

static void free_train_policy(tg_policy *q)
{
    if (q)
        free(q->gates);
    free(q);
}

/* A copy of t with only the TRAIN rows. */
static int train_tally(tg_tally *out, const tg_tally *t, const tg_rules *r,
                       tg_error *err)
{
    int rc = tg_tally_init(out, r, err);
    if (rc)
        return rc;
    memcpy(out->cells, t->cells, (size_t)t->ntiers * sizeof *t->cells);
    out->first_date[TG_SPLIT_TRAIN] = t->first_date[TG_SPLIT_TRAIN];
    out->last_date[TG_SPLIT_TRAIN] = t->last_date[TG_SPLIT_TRAIN];
    out->rows = tg_tally_total(t, TG_SPLIT_TRAIN).leads;
    memcpy(out->input_sha256, t->input_sha256, sizeof out->input_sha256);
    return TG_OK;
}

/* ---- metrics --------------------------------------------------------------- */

static int is_tier1(const char *name)
{
    return strncmp(name, "TIER_1", 6) == 0;
}

static void group_lift(double *lift, double *lo, double *hi, uint64_t x,
                       uint64_t n, double baseline, tg_ci_method m,
                       double level)
{
    *lift = *lo = *hi = NAN;
    if (n == 0 || !(baseline > 0))
        return;
    double rlo, rhi;
    *lift = ((double)x / (double)n) / baseline;
    if (tg_ci(&rlo, &rhi, x, n, level, m) == TG_OK) {
        *lo = rlo / baseline;
        *hi = rhi / baseline;
        /* Wald's interval can leave [0, 1]; the point stays inside. */
        if (*lo > *lift)
            *lo = *lift;
        if (*hi < *lift)
            *hi = *lift;
    }
}

static void measure(tg_sweep_metrics *o, const tg_tally *t, int split,
                    tg_ci_method m, double level)
{
    uint64_t pl = 0, plab = 0, pconv = 0, tl = 0, tlab = 0, tconv = 0;
    int def = t->ntiers - 1;
    for (int k = 0; k < def; k++) {
        tg_count c = tg_tally_cell(t, split, k);
        pl += c.leads;
        plab += c.labeled;
        pconv += c.conversions;
        if (is_tier1(t->tier_names[k])) {
            tl += c.leads;
            tlab += c.labeled;
            tconv += c.conversions;
        }
    }
    tg_count all = tg_tally_total(t, split);
    double base = all.labeled ? (double)all.conversions / (double)all.labeled
                              : NAN;
    memset(o, 0, sizeof *o);
    o->priority_leads = pl;
    o->tier1_leads = tl;
    o->priority_rate = plab ? (double)pconv / (double)plab : NAN;
    o->tier1_rate = tlab ? (double)tconv / (double)tlab : NAN;
    double *mt = o->metric;
    mt[TG_METRIC_PRIORITY_VOLUME] = (double)pl;
    mt[TG_METRIC_PRIORITY_CONVERSIONS] = (double)pconv;
    mt[TG_METRIC_TIER1_VOLUME] = (double)tl;
    group_lift(&mt[TG_METRIC_PRIORITY_LIFT], &o->priority_lift_lo,
               &o->priority_lift_hi, pconv, plab, base, m, level);
    group_lift(&mt[TG_METRIC_TIER1_LIFT], &o->tier1_lift_lo, &o->tier1_lift_hi,
               tconv, tlab, base, m, level);
    mt[TG_METRIC_PRIORITY_LIFT_LOWER] = o->priority_lift_lo;
    mt[TG_METRIC_TIER1_LIFT_LOWER] = o->tier1_lift_lo;
}

/* ---- judging ----------------------------------------------------------------- */

/* The first outcome that fails the release, for the reason line. */
static const tg_gate_outcome *first_blocking_failure(const tg_gate_result *g)
{
    for (int i = 0; i < g->noutcomes; i++)
        if (g->outcomes[i].blocks)
            return &g->outcomes[i];
    return NULL;
}

static void judge(tg_variant_result *v, const tg_objective *o)
{
    char num[32], lim[32];
    v->feasible = 1;
    if (o->require_blocking && v->train_gates.status == TG_OVERALL_FAILED) {
        const tg_gate_outcome *x = first_blocking_failure(&v->train_gates);
        const char *tier = x && x->tier >= 0
                               ? v->train_gates.rules->tiers[x->tier].name
                               : "";
        snprintf(v->why, sizeof v->why, "blocking gate %s%s%s: %s on TRAIN",
                 x ? x->gate->id : "?", *tier ? " " : "", tier,
                 x ? tg_status_name(x->status) : "not passed");
        v->feasible = 0;
        return;
    }
    for (int m = 0; m < TG_METRIC_COUNT; m++) {
        double x = v->train.metric[m];
        if (!isnan(o->min[m]) && !(x >= o->min[m])) {
            snprintf(v->why, sizeof v->why, "%s %s is under %s",
                     tg_metric_name((tg_metric)m), tg_fmt_number(x, num),
                     tg_fmt_number(o->min[m], lim));
            v->feasible = 0;
            return;
        }
        if (!isnan(o->max[m]) && !(x <= o->max[m])) {
            snprintf(v->why, sizeof v->why, "%s %s is over %s",
                     tg_metric_name((tg_metric)m), tg_fmt_number(x, num),
                     tg_fmt_number(o->max[m], lim));
            v->feasible = 0;
            return;
        }
    }
    v->objective = v->train.metric[o->maximize];
    if (isnan(v->objective)) {
        snprintf(v->why, sizeof v->why, "%s is undefined (no labeled lead)",
                 tg_metric_name(o->maximize));
        v->feasible = 0;
    }
}

static int confirm_on_test(tg_variant_result *v, const tg_rules *r,
                           const tg_tally *t, tg_ci_method m, double level,
                           tg_error *err)
{
    int rc = tg_gate_run(&v->full_gates, r, v->policy, t, m, level, 0, err);
    if (rc)
        return rc;
    measure(&v->test, t, TG_SPLIT_TEST, m, level);
    v->has_test = 1;
    return TG_OK;
}

int tg_sweep_run(tg_sweep_result *out, const tg_sweep *s,
                 const char *policy_path, const tg_tally *tallies,
                 tg_ci_method m, double level, int show_test_all,
                 tg_error *err)
{
    cJSON *pdoc = NULL;
    memset(out, 0, sizeof *out);
    out->sweep = s;
    out->policy_path = policy_path;
    out->ci_method = m;
    out->ci_level = level;
    out->show_test_all = show_test_all;
    out->chosen = -1;
    out->n = s->nvariants;
    out->rows = tallies[0].rows;
    out->skipped = tallies[0].skipped;
    memcpy(out->input_sha256, tallies[0].input_sha256,
           sizeof out->input_sha256);
    out->v = calloc((size_t)s->nvariants, sizeof *out->v);
    if (!out->v)
        return tg_error_oom(err, NULL);
    /* The policy as written must hold for the base: its errors are the
     * policy file's, with their positions. */
    tg_policy *base_policy = NULL;
    int rc = tg_policy_load(&base_policy, policy_path, s->variants[0].rules,
                            err);
    tg_policy_free(base_policy);
    if (rc == TG_OK)
        rc = tg_json_load(&pdoc, policy_path, err);
    for (int i = 0; i < s->nvariants && rc == TG_OK; i++) {
        const tg_variant *var = &s->variants[i];
        tg_variant_result *v = &out->v[i];
        char *dropped = NULL, *text = NULL;
        size_t dlen;
        int nd = 0;
        FILE *df = open_memstream(&dropped, &dlen);
        cJSON *vp = df ? policy_for(pdoc, var->rules, df, &nd) : NULL;
        if (df)
            fclose(df);
        v->dropped = dropped;
        if (!vp || !(text = cJSON_PrintUnformatted(vp))) {
            cJSON_Delete(vp);
            rc = tg_error_oom(err, NULL);
            break;
        }
        cJSON_Delete(vp);
        rc = tg_policy_parse(&v->policy, text, strlen(text), policy_path,
                             var->rules, err);
        free(text);
        if (rc) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "variant '%.80s': %.400s", var->name,
                     err->msg);
            memcpy(err->msg, msg, sizeof msg);
            break;
        }
        if (!(v->train_policy = train_only(v->policy))) {
            rc = tg_error_oom(err, NULL);
            break;
        }
        if ((rc = train_tally(&v->train_tally, &tallies[i], var->rules, err)))
            break;
        v->have_train_tally = 1;
        rc = tg_gate_run(&v->train_gates, var->rules, v->train_policy,
                         &v->train_tally, m, level, 0, err);
        if (rc)
            break;
        v->have_train_gates = 1;
        measure(&v->train, &tallies[i], TG_SPLIT_TRAIN, m, level);
        judge(v, &s->objective);
    }
    cJSON_Delete(pdoc);
    if (rc) {
        tg_sweep_result_release(out);
        return rc;
    }
    /* Rank the feasible variants; ties go to the earlier one (the base
     * first), so a loosening must do better to be chosen. */
    for (int i = 0; i < out->n; i++) {
        if (!out->v[i].feasible)
            continue;
        int rank = 1;
        for (int j = 0; j < out->n; j++)
            if (j != i && out->v[j].feasible &&
                (out->v[j].objective > out->v[i].objective ||
                 (out->v[j].objective == out->v[i].objective && j < i)))
                rank++;
        out->v[i].rank = rank;
        if (rank == 1)
            out->chosen = i;
    }
    /* Chosen on TRAIN: the interval that holds for all n variants at
     * once (Bonferroni) holds for the chosen one whatever the choice. */
    out->adjusted_level = 1 - (1 - level) / out->n;
    if (out->chosen >= 0) {
        tg_sweep_metrics adj;
        measure(&adj, &tallies[out->chosen], TG_SPLIT_TRAIN, m,
                out->adjusted_level);
        out->chosen_tier1_lift_lo_adj = adj.tier1_lift_lo;
        out->chosen_tier1_lift_hi_adj = adj.tier1_lift_hi;
        out->chosen_priority_lift_lo_adj = adj.priority_lift_lo;
        out->chosen_priority_lift_hi_adj = adj.priority_lift_hi;
    }
    /* Only now: TEST, for the chosen variant and the base. */
    for (int i = 0; i < out->n && rc == TG_OK; i++)
        if (i == 0 || i == out->chosen || show_test_all)
            rc = confirm_on_test(&out->v[i], s->variants[i].rules, &tallies[i],
                                 m, level, err);
    if (rc)
        tg_sweep_result_release(out);
    return rc;
}

void tg_sweep_result_release(tg_sweep_result *r)
{
    if (!r || !r->v)
        return;
    for (int i = 0; i < r->n; i++) {
        tg_variant_result *v = &r->v[i];
        if (v->have_train_gates)
            tg_gate_result_release(&v->train_gates);
        if (v->have_train_tally)
            tg_tally_release(&v->train_tally);
        if (v->has_test)
            tg_gate_result_release(&v->full_gates);
        free_train_policy(v->train_policy);
        tg_policy_free(v->policy);
        free(v->dropped);
    }
    free(r->v);
    r->v = NULL;
}

/* ---- JSON ---------------------------------------------------------------------- */

static void add_num(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *metrics_json(const tg_sweep_metrics *m, const tg_tally *t_unused)
{
    (void)t_unused;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "priority_volume", (double)m->priority_leads);
    add_num(o, "priority_rate", m->priority_rate);
    add_num(o, "priority_lift", m->metric[TG_METRIC_PRIORITY_LIFT]);
    add_num(o, "priority_lift_ci_lower", m->priority_lift_lo);
    add_num(o, "priority_lift_ci_upper", m->priority_lift_hi);
    cJSON_AddNumberToObject(o, "priority_conversions",
                            m->metric[TG_METRIC_PRIORITY_CONVERSIONS]);
    cJSON_AddNumberToObject(o, "tier1_volume", (double)m->tier1_leads);
    add_num(o, "tier1_rate", m->tier1_rate);
    add_num(o, "tier1_lift", m->metric[TG_METRIC_TIER1_LIFT]);
    add_num(o, "tier1_lift_ci_lower", m->tier1_lift_lo);
    add_num(o, "tier1_lift_ci_upper", m->tier1_lift_hi);
    return o;
}

/* Per tier: leads, labeled, conversions, rate in one split. */
static cJSON *tiers_json(const tg_split_stats *s)
{
    cJSON *a = cJSON_CreateArray();
    for (int k = 0; k < s->ntiers; k++) {
        const tg_tier_stats *t = &s->tiers[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "tier", t->tier);
        cJSON_AddNumberToObject(o, "leads", (double)t->leads);
        cJSON_AddNumberToObject(o, "labeled", (double)t->labeled);
        cJSON_AddNumberToObject(o, "conversions", (double)t->conversions);
        add_num(o, "conversion_rate", t->rate);
        add_num(o, "lift", t->lift);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *gate_summary_json(const tg_gate_result *g)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", tg_overall_name(g->status));
    cJSON_AddNumberToObject(o, "pass", g->passed);
    cJSON_AddNumberToObject(o, "warn", g->warned);
    cJSON_AddNumberToObject(o, "fail", g->failed);
    cJSON_AddNumberToObject(o, "inconclusive", g->inconclusive);
    cJSON_AddNumberToObject(o, "insufficient", g->insufficient);
    cJSON *f = cJSON_AddArrayToObject(o, "not_passed_blocking");
    for (int i = 0; i < g->noutcomes; i++) {
        const tg_gate_outcome *x = &g->outcomes[i];
        if (!x->blocks)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", x->gate->id);
        cJSON_AddStringToObject(e, "tier", x->tier >= 0
                                ? g->rules->tiers[x->tier].name : "");
        cJSON_AddStringToObject(e, "status", tg_status_name(x->status));
        cJSON_AddStringToObject(e, "message", x->message);
        cJSON_AddItemToArray(f, e);
    }
    return o;
}

/* The outcomes that read TEST: the gates on TEST (8c included). */
static cJSON *test_outcomes_json(const tg_gate_result *g)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < g->noutcomes; i++) {
        const tg_gate_outcome *x = &g->outcomes[i];
        if (x->split != TG_SPLIT_TEST && x->split != TG_SPLIT_ALL &&
            x->gate->check != TG_CHECK_TEST_TRAIN_LIFT)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", x->gate->id);
        cJSON_AddStringToObject(e, "check", tg_check_name(x->gate->check));
        cJSON_AddStringToObject(e, "severity", x->gate->severity ==
                                TG_SEVERITY_BLOCK ? "block" : "warn");
        cJSON_AddStringToObject(e, "split", tg_split_name(x->split));
        cJSON_AddStringToObject(e, "tier", x->tier >= 0
                                ? g->rules->tiers[x->tier].name : "");
        cJSON_AddStringToObject(e, "status", tg_status_name(x->status));
        add_num(e, "actual", x->actual);
        cJSON_AddStringToObject(e, "message", x->message);
        cJSON_AddItemToArray(a, e);
    }
    return a;
}

cJSON *tg_sweep_result_json(const tg_sweep_result *r)
{
    const tg_sweep *s = r->sweep;
    cJSON *root = cJSON_CreateObject();
    char now[32];
    cJSON_AddStringToObject(root, "sweep_id", s->sweep_id ? s->sweep_id : "");
    cJSON_AddStringToObject(root, "sweep_file", s->path);
    cJSON_AddStringToObject(root, "sweep_sha256", s->sha256);
    cJSON_AddStringToObject(root, "base_rules", s->variants[0].rules->path);
    cJSON_AddStringToObject(root, "base_rules_sha256",
                            s->variants[0].rules->sha256);
    cJSON_AddStringToObject(root, "model_version",
                            s->variants[0].rules->model_version);
    cJSON_AddStringToObject(root, "policy", r->policy_path);
    cJSON_AddStringToObject(root, "objective", tg_objective_describe(s));
    cJSON_AddStringToObject(root, "maximize",
                            tg_metric_name(s->objective.maximize));
    cJSON_AddStringToObject(root, "ci_method", tg_ci_name(r->ci_method));
    cJSON_AddNumberToObject(root, "ci_level", r->ci_level);
    cJSON_AddNumberToObject(root, "variants_tried", r->n);
    cJSON_AddBoolToObject(root, "exploratory", r->show_test_all);
    cJSON_AddStringToObject(root, "source", r->source);
    cJSON_AddNumberToObject(root, "rows", (double)r->rows);
    cJSON_AddNumberToObject(root, "skipped_rows", (double)r->skipped);
    if (r->input_sha256[0])
        cJSON_AddStringToObject(root, "data_sha256", r->input_sha256);
    else
        cJSON_AddNullToObject(root, "data_sha256");
    cJSON_AddStringToObject(root, "generated_at", tg_now_iso(now));
    if (r->chosen >= 0) {
        cJSON_AddStringToObject(root, "chosen", s->variants[r->chosen].name);
        const tg_variant_result *c = &r->v[r->chosen];
        cJSON *sel = cJSON_AddObjectToObject(root, "selection");
        char note[600];
        snprintf(note, sizeof note,
                 "chosen as the best of %d variants on TRAIN: its TRAIN "
                 "figures are optimistic; the adjusted intervals hold at "
                 "%.4g for all %d variants at once (Bonferroni), hence for "
                 "the chosen one", r->n, r->adjusted_level, r->n);
        cJSON_AddStringToObject(sel, "note", note);
        cJSON_AddNumberToObject(sel, "adjusted_level", r->adjusted_level);
        add_num(sel, "tier1_lift", c->train.metric[TG_METRIC_TIER1_LIFT]);
        add_num(sel, "tier1_lift_ci_lower_adjusted",
                r->chosen_tier1_lift_lo_adj);
        add_num(sel, "tier1_lift_ci_upper_adjusted",
                r->chosen_tier1_lift_hi_adj);
        add_num(sel, "priority_lift", c->train.metric[TG_METRIC_PRIORITY_LIFT]);
        add_num(sel, "priority_lift_ci_lower_adjusted",
                r->chosen_priority_lift_lo_adj);
        add_num(sel, "priority_lift_ci_upper_adjusted",
                r->chosen_priority_lift_hi_adj);
        cJSON_AddBoolToObject(sel, "passes_gate", c->has_test &&
                              c->full_gates.status != TG_OVERALL_FAILED);
    } else {
        cJSON_AddNullToObject(root, "chosen");
    }
    cJSON *vars = cJSON_AddArrayToObject(root, "variants");
    for (int i = 0; i < r->n; i++) {
        const tg_variant *var = &s->variants[i];
        const tg_variant_result *v = &r->v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", var->name);
        cJSON_AddStringToObject(o, "changes", var->changes);
        cJSON_AddStringToObject(o, "description", var->description);
        cJSON_AddStringToObject(o, "rules_sha256", var->rules->sha256);
        cJSON_AddBoolToObject(o, "chosen", i == r->chosen);
        cJSON_AddBoolToObject(o, "feasible", v->feasible);
        if (v->feasible) {
            add_num(o, "objective", v->objective);
            cJSON_AddNumberToObject(o, "rank", v->rank);
        } else {
            cJSON_AddNullToObject(o, "objective");
            cJSON_AddNullToObject(o, "rank");
            cJSON_AddStringToObject(o, "why_not", v->why);
        }
        cJSON_AddStringToObject(o, "gates_not_applicable",
                                v->dropped ? v->dropped : "");
        cJSON *train = metrics_json(&v->train, NULL);
        cJSON_AddItemToObject(train, "gates", gate_summary_json(&v->train_gates));
        cJSON_AddItemToObject(train, "tiers", tiers_json(&v->train_gates.train));
        cJSON_AddItemToObject(o, "train", train);
        if (v->has_test) {
            cJSON *test = metrics_json(&v->test, NULL);
            cJSON_AddItemToObject(test, "tiers", tiers_json(&v->full_gates.test));
            cJSON_AddItemToObject(test, "gate", gate_summary_json(&v->full_gates));
            cJSON_AddItemToObject(test, "test_gates",
                                  test_outcomes_json(&v->full_gates));
            cJSON_AddItemToObject(o, "test", test);
        }
        cJSON_AddItemToArray(vars, o);
    }
    return root;
}

/* ---- the warehouse's counts ------------------------------------------------- */

int tg_sweep_summary_load(tg_tally *tallies, const tg_sweep *s,
                          const char *path, tg_error *err)
{
    int n = s->nvariants;
    tg_rules **rules = malloc((size_t)n * sizeof *rules);
    const char **names = malloc((size_t)n * sizeof *names);
    int rc = TG_OK;
    if (!rules || !names) {
        free(rules);
        free(names);
        return tg_error_oom(err, NULL);
    }
    for (int i = 0; i < n; i++) {
        rules[i] = s->variants[i].rules;
        names[i] = s->variants[i].name;
    }
    rc = tg_summary_load_variants(tallies, rules, names, n, path, err);
    free(rules);
    free(names);
    if (rc)
        return rc;
    /* One query over one table: every variant counts the same leads. */
    for (int i = 1; i < n && rc == TG_OK; i++)
        for (int sp = 0; sp < TG_NSPLITS; sp++) {
            tg_count a = tg_tally_total(&tallies[0], sp);
            tg_count b = tg_tally_total(&tallies[i], sp);
            if (a.leads != b.leads || a.labeled != b.labeled ||
                a.conversions != b.conversions) {
                rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                                  "variant '%s' counts %llu %s leads, the "
                                  "base %llu: the rows are not from one query "
                                  "of this sweep",
                                  s->variants[i].name,
                                  (unsigned long long)b.leads,
                                  tg_split_name(sp),
                                  (unsigned long long)a.leads);
                break;
            }
        }
    if (rc)
        for (int i = 0; i < n; i++)
            tg_tally_release(&tallies[i]);
    return rc;
}
