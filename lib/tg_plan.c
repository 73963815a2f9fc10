/*
 * Operating characteristics of a policy on a tally (see tg_plan.h).
 */
#include "tg_plan.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

tg_plan_options tg_plan_options_default(void)
{
    tg_plan_options o = {0.8, 10000, 1};
    return o;
}

/* Days since 1970-01-01 of a yyyymmdd date (proleptic Gregorian). */
static long days_of(int ymd)
{
    long y = ymd / 10000, m = (ymd / 100) % 100, d = ymd % 100;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Labeled leads of a tier per week over the split's contacted dates. */
static double per_week(const tg_split_stats *s, int tier)
{
    if (!s->first_date || !s->last_date)
        return NAN;
    double days = (double)(days_of(s->last_date) - days_of(s->first_date) + 1);
    if (days < 1)
        return NAN;
    return (double)s->tiers[tier].labeled / (days / 7.0);
}

/* The true rate that puts the tier on the gate's threshold. */
static double rate_on_threshold(const tg_oc_case *c)
{
    double w, l;
    switch (c->check) {
    case TG_CHECK_CONVERSION_RATE:
    case TG_CHECK_CALIBRATION:
    case TG_CHECK_EXPECTED_RANGE:
        return !isnan(c->min) ? c->min : c->max;
    case TG_CHECK_LIFT:
        l = !isnan(c->min) ? c->min : c->max;
        if (c->pinned > 0)
            return l * c->pinned;
        w = 1 / (1 + c->rest_share);
        return 1 - l * w > 0 ? l * (1 - w) * c->rest_p / (1 - l * w) : NAN;
    case TG_CHECK_CI_SEPARATION:
        return c->ref_p;
    case TG_CHECK_TEST_TRAIN_LIFT: {
        /* TEST lift = min x the TRAIN lift at the TRAIN rate. */
        double wt = c->train_share / (c->train_share + c->train_rest_share);
        double lt = c->train_pinned > 0
                        ? c->train_p / c->train_pinned
                        : c->train_p / (wt * c->train_p +
                                        (1 - wt) * c->train_rest_p);
        l = c->min * lt;
        if (c->pinned > 0)
            return l * c->pinned;
        w = 1 / (1 + c->rest_share);
        return 1 - l * w > 0 ? l * (1 - w) * c->rest_p / (1 - l * w) : NAN;
    }
    default:
        return NAN;
    }
}

double tg_plan_simulate(const tg_rules *rules, const tg_policy *policy,
                        const tg_tally *t, const double *rate,
                        const tg_gate_options *gopt, int draws,
                        unsigned long seed)
{
    tg_tally sim;
    if (tg_tally_init(&sim, rules, NULL) != TG_OK)
        return NAN;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) {
        tg_tally_release(&sim);
        return NAN;
    }
    gsl_rng_set(rng, seed);
    memcpy(sim.first_date, t->first_date, sizeof sim.first_date);
    memcpy(sim.last_date, t->last_date, sizeof sim.last_date);
    sim.rows = t->rows;
    tg_gate_options o = *gopt;
    o.verdicts_only = 1;
    o.strict = 0;
    int failed = 0, done = 0;
    int cells = TG_NSPLITS * t->ntiers;
    for (int d = 0; d < draws; d++) {
        for (int k = 0; k < cells; k++) {
            sim.cells[k] = t->cells[k];
            double p = rate[k];
            uint64_t n = t->cells[k].labeled;
            sim.cells[k].conversions =
                n && p > 0 ? gsl_ran_binomial(rng, fmin(p, 1), (unsigned)n) : 0;
        }
        tg_gate_result res;
        if (tg_gate_run_with(&res, rules, policy, &sim, &o, NULL) != TG_OK)
            break;
        failed += res.status == TG_OVERALL_FAILED;
        done++;
        tg_gate_result_release(&res);
    }
    gsl_rng_free(rng);
    tg_tally_release(&sim);
    return done == draws && draws > 0 ? (double)failed / draws : NAN;
}

/* Fill the needed sizes of one split of a tier from one gate case. */
static void need(tg_plan_split *ps, const tg_oc_case *c, double power)
{
    const double powers[2] = {power, 0.95};
    for (int k = 0; k < 2; k++) {
        uint64_t n = 0;
        if (ps->out_of_reach[k])
            continue;
        if (tg_oc_leads_needed(c, powers[k], &n) != 0) {
            ps->out_of_reach[k] = 1;
            ps->needed[k] = 0;
        } else if (n > ps->needed[k]) {
            ps->needed[k] = n;
        }
    }
    ps->gates++;
}

static void finish(tg_plan_split *ps, const tg_split_stats *s, int tier)
{
    ps->labeled = s->tiers[tier].labeled;
    ps->per_week = per_week(s, tier);
    for (int k = 0; k < 2; k++) {
        if (!ps->gates || ps->needed[k] == 0) {
            ps->weeks[k] = NAN;
            continue;
        }
        double more = (double)ps->needed[k] - (double)ps->labeled;
        ps->weeks[k] = more <= 0 ? 0
                     : ps->per_week > 0 ? more / ps->per_week : NAN;
    }
}

int tg_plan_compute(tg_plan *out, const tg_gate_result *r, const tg_tally *t,
                    const tg_gate_options *gopt, const tg_plan_options *opt,
                    tg_error *err)
{
    memset(out, 0, sizeof *out);
    out->opt = *opt;
    const tg_rules *rules = r->rules;
    int nt = rules->ntiers;
    out->gates = calloc((size_t)(r->noutcomes ? r->noutcomes : 1),
                        sizeof *out->gates);
    out->tiers = calloc((size_t)nt, sizeof *out->tiers);
    double *rate = calloc((size_t)(TG_NSPLITS * nt), sizeof *rate);
    if (!out->gates || !out->tiers || !rate) {
        free(rate);
        tg_plan_release(out);
        return tg_error_oom(err, NULL);
    }
    out->ntiers = nt;
    for (int k = 0; k < nt; k++) {
        out->tiers[k].tier = k;
        out->tiers[k].expected = rules->tiers[k].expected_conversion_rate;
    }
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        if (o->gate->severity != TG_SEVERITY_BLOCK || o->tier < 0)
            continue;
        tg_plan_gate *pg = &out->gates[out->ngates];
        double e = tg_gate_expected_rate(r, o->tier, o->split);
        double etr = tg_gate_expected_rate(r, o->tier, TG_SPLIT_TRAIN);
        tg_oc_case c;
        pg->outcome = i;
        pg->rate_expected = e;
        pg->pass_expected = pg->rate_threshold = pg->pass_threshold = NAN;
        if (tg_gate_oc_case(r, o, e, etr, &c) != 0) {
            out->ngates++;
            continue;
        }
        pg->pass_expected = tg_oc_pass_probability(&c);
        double pt = rate_on_threshold(&c);
        if (pt >= 0 && pt <= 1) {
            tg_oc_case ct = c;
            ct.p = pt;
            pg->rate_threshold = pt;
            pg->pass_threshold = tg_oc_pass_probability(&ct);
        }
        out->ngates++;
        tg_plan_tier *pt_ = &out->tiers[o->tier];
        need(o->split == TG_SPLIT_TEST ? &pt_->test : &pt_->train, &c,
             opt->power);
    }
    for (int k = 0; k < nt; k++) {
        finish(&out->tiers[k].train, &r->train, k);
        finish(&out->tiers[k].test, &r->test, k);
    }
    /* The two simulated worlds. */
    for (int s = 0; s < TG_NSPLITS; s++)
        for (int k = 0; k < nt; k++) {
            double e = rules->tiers[k].expected_conversion_rate;
            tg_count c = tg_tally_cell(t, s, k);
            rate[s * nt + k] = !isnan(e) ? e
                             : c.labeled ? (double)c.conversions /
                                               (double)c.labeled
                                         : 0;
        }
    double fail = tg_plan_simulate(rules, r->policy, t, rate, gopt,
                                   opt->draws, opt->seed);
    out->pass_at_expected = 1 - fail;
    for (int s = 0; s < TG_NSPLITS; s++) {
        tg_count tot = tg_tally_total(t, s);
        double b = tot.labeled ? (double)tot.conversions / (double)tot.labeled
                               : 0;
        for (int k = 0; k < nt; k++)
            rate[s * nt + k] = b;
    }
    out->block_at_no_signal = tg_plan_simulate(rules, r->policy, t, rate,
                                               gopt, opt->draws,
                                               opt->seed + 1);
    free(rate);
    if (isnan(fail) || isnan(out->block_at_no_signal)) {
        tg_plan_release(out);
        return tg_error_set(err, TG_EINTERNAL, NULL, 0, 0,
                            "the simulation of the policy failed");
    }
    return TG_OK;
}

void tg_plan_release(tg_plan *p)
{
    if (!p)
        return;
    free(p->gates);
    free(p->tiers);
    p->gates = NULL;
    p->tiers = NULL;
    p->ngates = p->ntiers = 0;
}

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *split_json(const tg_plan_split *s, double power)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "blocking_gates", s->gates);
    cJSON_AddNumberToObject(o, "labeled", (double)s->labeled);
    cJSON_AddItemToObject(o, "labeled_per_week", num_or_null(s->per_week));
    const char *keys[2][2] = {{"needed", "weeks"}, {"needed_95", "weeks_95"}};
    (void)power;
    for (int k = 0; k < 2; k++) {
        if (s->gates && s->needed[k])
            cJSON_AddNumberToObject(o, keys[k][0], (double)s->needed[k]);
        else
            cJSON_AddNullToObject(o, keys[k][0]);
        if (s->gates)
            cJSON_AddBoolToObject(o, k ? "out_of_reach_95" : "out_of_reach",
                                  s->out_of_reach[k]);
        cJSON_AddItemToObject(o, keys[k][1], num_or_null(s->weeks[k]));
    }
    return o;
}

cJSON *tg_plan_json(const tg_plan *p, const tg_gate_result *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "power", p->opt.power);
    cJSON_AddNumberToObject(j, "draws", p->opt.draws);
    cJSON_AddNumberToObject(j, "seed", (double)p->opt.seed);
    cJSON_AddNumberToObject(j, "policy_pass_at_expected", p->pass_at_expected);
    cJSON_AddNumberToObject(j, "policy_block_at_no_signal",
                            p->block_at_no_signal);
    cJSON *gates = cJSON_AddArrayToObject(j, "gates");
    for (int i = 0; i < p->ngates; i++) {
        const tg_plan_gate *g = &p->gates[i];
        const tg_gate_outcome *o = &r->outcomes[g->outcome];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "id", o->gate->id);
        cJSON_AddStringToObject(x, "check", tg_check_name(o->gate->check));
        cJSON_AddStringToObject(x, "tier", r->rules->tiers[o->tier].name);
        cJSON_AddStringToObject(x, "split", tg_split_name(o->split));
        cJSON_AddStringToObject(x, "judge", tg_judge_name(o->gate->judge));
        cJSON_AddStringToObject(x, "inconclusive",
                                tg_inconclusive_name(o->gate->inconclusive));
        cJSON_AddNumberToObject(
            x, "labeled",
            (double)tg_gate_split(r, o->split)->tiers[o->tier].labeled);
        cJSON_AddItemToObject(x, "rate_expected",
                              num_or_null(g->rate_expected));
        cJSON_AddItemToObject(x, "pass_at_expected",
                              num_or_null(g->pass_expected));
        cJSON_AddItemToObject(x, "rate_on_threshold",
                              num_or_null(g->rate_threshold));
        cJSON_AddItemToObject(x, "pass_on_threshold",
                              num_or_null(g->pass_threshold));
        cJSON_AddItemToArray(gates, x);
    }
    cJSON *tiers = cJSON_AddArrayToObject(j, "tiers");
    for (int k = 0; k < p->ntiers; k++) {
        const tg_plan_tier *t = &p->tiers[k];
        if (!t->train.gates && !t->test.gates)
            continue;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "tier", r->rules->tiers[t->tier].name);
        cJSON_AddItemToObject(x, "expected_rate", num_or_null(t->expected));
        cJSON_AddItemToObject(x, "TRAIN", split_json(&t->train, p->opt.power));
        cJSON_AddItemToObject(x, "TEST", split_json(&t->test, p->opt.power));
        cJSON_AddItemToArray(tiers, x);
    }
    return j;
}
