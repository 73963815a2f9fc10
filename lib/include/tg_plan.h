/*
 * How reliable a policy's verdict is on a tally (operating
 * characteristics), before a release (`plan`) or beside its verdict
 * (`gate`):
 *  - per blocking per-tier gate: the exact binomial probability of a
 *    pass when the tier converts at its expected rate, and when it sits
 *    exactly on the threshold (tg_power.h);
 *  - for the whole policy, by seeded simulation (GSL's MT19937): the
 *    chance that a model converting exactly at the rule set's expected
 *    rates passes every blocking gate, and the chance that a model with
 *    no signal (every tier converting at its split's baseline) is
 *    blocked; each draw keeps the tally's labeled leads and draws the
 *    conversions, then runs the gate engine;
 *  - per tier: the labeled leads needed for a chance of a decisive pass
 *    of every blocking gate at the expected rate (the largest of the
 *    gates' sizes), and, from the split's contacted_date span, about how
 *    many more weeks of leads that is.
 */
#ifndef TG_PLAN_H
#define TG_PLAN_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "tg_gate.h"

typedef struct {
    double power;            /* the chance asked for (default 0.8); 0.95
                                is always reported too */
    int draws;               /* simulated releases per world (>= 1000) */
    unsigned long seed;      /* the simulation's seed */
} tg_plan_options;

/** power 0.8, 10,000 draws, seed 1. */
tg_plan_options tg_plan_options_default(void);

typedef struct {
    int outcome;             /* index in the gate result's outcomes (an
                                index: outcomes may be added later) */
    double rate_expected;    /* the tier's assumed true rate */
    double pass_expected;    /* P(pass) at that rate; NAN when n/a */
    double rate_threshold;   /* the true rate that sits on the threshold */
    double pass_threshold;   /* P(pass) there; NAN when n/a */
} tg_plan_gate;

typedef struct {
    int gates;               /* blocking gates of the tier in the split */
    uint64_t labeled;        /* labeled leads now */
    double per_week;         /* labeled leads per week, NAN unknown */
    /* [0] at opt.power, [1] at 0.95: labeled leads needed (0 when out of
     * reach) and weeks of leads beyond today's (NAN when unknown). */
    uint64_t needed[2];
    double weeks[2];
    int out_of_reach[2];     /* some gate cannot pass decisively at the
                                expected rate at any size */
} tg_plan_split;

typedef struct {
    int tier;
    double expected;         /* the rule set's expected rate (or NAN) */
    tg_plan_split train, test;
} tg_plan_tier;

typedef struct {
    tg_plan_options opt;
    tg_plan_gate *gates;
    int ngates;
    tg_plan_tier *tiers;
    int ntiers;
    double pass_at_expected;   /* P(the policy does not fail) */
    double block_at_no_signal; /* P(the policy fails) */
} tg_plan;

/**
 * The operating characteristics of r's policy on tally t (the tally r
 * was run on; opt as for the gate run). Release with tg_plan_release.
 */
int tg_plan_compute(tg_plan *out, const tg_gate_result *r, const tg_tally *t,
                    const tg_gate_options *gopt, const tg_plan_options *opt,
                    tg_error *err);
void tg_plan_release(tg_plan *p);

/** The "reliability" JSON object (caller deletes). */
cJSON *tg_plan_json(const tg_plan *p, const tg_gate_result *r);

/** The reliability section as text (a terminal) or Markdown. */
void tg_render_plan_text(FILE *out, const tg_plan *p,
                         const tg_gate_result *r);
void tg_render_plan_markdown(FILE *out, const tg_plan *p,
                             const tg_gate_result *r);

/**
 * One simulated world: conversions drawn for every (split, tier) of t at
 * rate[split * ntiers + tier] with t's labeled leads, judged draws times;
 * returns the share of draws that FAILED (NAN on error).
 */
double tg_plan_simulate(const tg_rules *rules, const tg_policy *policy,
                        const tg_tally *t, const double *rate,
                        const tg_gate_options *gopt, int draws,
                        unsigned long seed);

#endif
