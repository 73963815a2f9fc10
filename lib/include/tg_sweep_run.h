/*
 * Judging a sweep: every variant is ranked on TRAIN only (its gates
 * judged on the TRAIN rows, its objective measured there), one variant
 * is chosen, and only then is TEST looked at, for the chosen variant
 * and the base. TEST figures of the variants not chosen are computed
 * only when asked for (exploratory output), so the hold-out cannot
 * steer the choice.
 */
#ifndef TG_SWEEP_RUN_H
#define TG_SWEEP_RUN_H

#include <cjson/cJSON.h>

#include "tg_gate.h"
#include "tg_policy.h"
#include "tg_sweep.h"
#include "tg_tally.h"

typedef struct {
    double metric[TG_METRIC_COUNT];   /* on TRAIN; NAN when undefined */
    uint64_t priority_leads, tier1_leads;
    double priority_rate, tier1_rate;
    /* The lift's interval: the group's rate interval over the split's
     * baseline (taken as known), so the lift always lies inside it. */
    double priority_lift_lo, priority_lift_hi;
    double tier1_lift_lo, tier1_lift_hi;
} tg_sweep_metrics;

typedef struct {
    tg_policy *policy;       /* resolved for this variant's tiers */
    tg_policy *train_policy; /* its gates that read TRAIN only (shallow) */
    char *dropped;           /* gates that name no tier of the variant */
    tg_sweep_metrics train;
    tg_tally train_tally;    /* the TRAIN rows alone, as judged */
    int have_train_tally;
    tg_gate_result train_gates;
    int have_train_gates;
    int feasible;            /* meets every constraint of the objective */
    char why[300];           /* why not, when infeasible */
    double objective;        /* the maximised metric when feasible */
    int rank;                /* 1 is best; 0 when infeasible */
    /* TEST: only for the chosen variant and the base, or for all with
     * show_test_all (then the output is exploratory). */
    int has_test;
    tg_sweep_metrics test;
    tg_gate_result full_gates; /* every gate of the policy, TEST included */
} tg_variant_result;

typedef struct {
    const tg_sweep *sweep;
    const char *policy_path;
    tg_ci_method ci_method;
    double ci_level;
    int show_test_all;
    int n;
    tg_variant_result *v;
    int chosen;              /* -1 when no variant meets the objective */
    double adjusted_level;   /* Bonferroni level over n variants */
    double chosen_tier1_lift_lo_adj, chosen_tier1_lift_hi_adj;
    double chosen_priority_lift_lo_adj, chosen_priority_lift_hi_adj;
    uint64_t rows, skipped;
    char input_sha256[65];
    int joined, atoms;       /* how the one pass ran */
    char source[16];         /* "data" or "summary" */
} tg_sweep_result;

/**
 * Judge every variant of s on tallies[i] (one per variant, as
 * tg_multi_scan or tg_sweep_summary_load give them) against the policy
 * at policy_path. Gates naming a tier a variant does not have are left
 * out for that variant and listed in its `dropped`.
 */
int tg_sweep_run(tg_sweep_result *out, const tg_sweep *s,
                 const char *policy_path, const tg_tally *tallies,
                 tg_ci_method m, double level, int show_test_all,
                 tg_error *err);
void tg_sweep_result_release(tg_sweep_result *r);

/** The sweep JSON document (caller deletes). */
cJSON *tg_sweep_result_json(const tg_sweep_result *r);

/**
 * Read the CSV export of `sql --emit sweep` (variant,split,tier,leads,
 * labeled,conversions, dates optional) into one tally per variant of s.
 * Every variant must be there, every tier known, and every variant must
 * count the same leads per split as the base (one query, one table).
 */
int tg_sweep_summary_load(tg_tally *tallies, const tg_sweep *s,
                          const char *path, tg_error *err);

#endif
