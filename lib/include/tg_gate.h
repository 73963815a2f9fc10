/*
 * Release gates: a policy judged on a tally. The result holds one
 * outcome per (gate, tier) -- or per gate for checks over several
 * tiers -- and the overall status.
 *
 * Statistical gates decide three ways from their interval (tg_verdict.h)
 * unless the gate says "judge": "point". An inconclusive outcome blocks
 * the release when its gate blocks and says "inconclusive": "block";
 * otherwise it is a warning. Gates over counts (tier_size, volume_count,
 * volume_share) have no sampling error and are judged on the count.
 */
#ifndef TG_GATE_H
#define TG_GATE_H

#include <cjson/cJSON.h>

#include "tg_policy.h"
#include "tg_power.h"
#include "tg_preview.h"
#include "tg_verdict.h"

typedef enum {
    TG_STATUS_PASS = 0,
    TG_STATUS_WARN,
    TG_STATUS_FAIL,
    TG_STATUS_INSUFFICIENT, /* too few leads to judge: never a pass */
    TG_STATUS_INCONCLUSIVE  /* the interval straddles the threshold */
} tg_gate_status;

typedef enum {
    TG_OVERALL_PASSED = 0,
    TG_OVERALL_PASSED_WITH_WARNINGS,
    TG_OVERALL_FAILED
} tg_overall;

typedef struct {
    const tg_gate_def *gate;
    int tier;                /* -1 for a check over several tiers */
    int other_tier;          /* rank_order: the rank above; else -1 */
    int split;
    tg_gate_status status;
    tg_verdict verdict;      /* before severity: pass, fail, inconclusive */
    int blocks;              /* this outcome alone fails the release */
    double actual;           /* NAN when it cannot be computed */
    double ci_lower, ci_upper;  /* the interval judged, NAN for counts */
    double min, max;         /* the threshold; NAN where none */
    /* Inconclusive outcomes: labeled leads the tier has in the gate's
     * split and about how many would give an 80% chance of a decisive
     * pass at its expected rate (0 when no size would). */
    uint64_t leads_now, leads_needed;
    /* "" for the whole data; for a per-slice gate, which slice
     * ("is_wirehouse = true"). */
    char slice[160];
    int quiet;               /* verdicts only: message left empty */
    char message[480];
} tg_gate_outcome;

/* How to run: interval method and level, strict, pinned baselines. */
typedef struct {
    tg_ci_method ci_method;
    double ci_level;
    int strict;              /* warnings fail the release too */
    /* Pinned baselines of TRAIN, TEST and ALL (NAN: measured). */
    double baseline_train, baseline_test, baseline_all;
    /* Verdicts only: skip the leads-needed search of inconclusive
     * outcomes (for simulations that run the engine thousands of times). */
    int verdicts_only;
    int slice_only;          /* only per-slice gates, large-enough slices */
} tg_gate_options;

/** Wilson 95%, not strict, baselines measured. */
tg_gate_options tg_gate_options_default(void);

typedef struct tg_gate_result {
    const tg_rules *rules;
    const tg_policy *policy;
    tg_ci_method ci_method;
    double ci_level;
    int strict;
    int verdicts_only;       /* as in tg_gate_options */
    tg_split_stats train, test, all;
    tg_gate_outcome *outcomes;
    int noutcomes;
    int outcomes_cap;        /* allocated length of outcomes */
    int passed, warned, failed, insufficient, inconclusive;
    tg_overall status;
    uint64_t rows, skipped;
    uint64_t skipped_by[TG_SKIP_NREASONS];   /* per tg_skip_reason */
    tg_other_split other[TG_TALLY_MAX_OTHER]; /* split values not TRAIN/TEST */
    int nother;
    uint64_t other_more;
    uint64_t out_of_range;   /* values counted as warnings, all features */
    char input_sha256[65];   /* "" when the input was a summary */
    char generated_at[32];   /* UTC, ISO 8601 */
    char commit[41];         /* HEAD when run in a git repository, or "" */
    cJSON *slices;           /* per-slice tier tables (owned), or NULL */
} tg_gate_result;

/** Judge every gate of policy on tally t. Release with _release. */
int tg_gate_run(tg_gate_result *out, const tg_rules *rules,
                const tg_policy *policy, const tg_tally *t, tg_ci_method m,
                double level, int strict, tg_error *err);
/** The same with options (pinned baselines). */
int tg_gate_run_with(tg_gate_result *out, const tg_rules *rules,
                     const tg_policy *policy, const tg_tally *t,
                     const tg_gate_options *opt, tg_error *err);
void tg_gate_result_release(tg_gate_result *r);

/**
 * Judge the per-slice gates of r's policy on the tally of one slice and
 * add their outcomes to r under label; a gate judges the slice only when
 * it has min_slice_size labeled leads in the gate's split. *judged is
 * the number of outcomes added. The summary and overall status of r are
 * recounted, so a failing slice fails the release like any gate.
 */
int tg_gate_add_slice(tg_gate_result *r, const tg_tally *t, const char *label,
                      const tg_gate_options *opt, int *judged, tg_error *err);

/** The statistics of split (TG_SPLIT_TRAIN, _TEST or _ALL) in r. */
static inline const tg_split_stats *tg_gate_split(const tg_gate_result *r,
                                                 int split)
{
    return split == TG_SPLIT_TRAIN ? &r->train
         : split == TG_SPLIT_TEST  ? &r->test
                                   : &r->all;
}

/**
 * The operating-characteristics case of a per-tier outcome of r (see
 * tg_power.h) when the tier's true rate is p (and, for
 * test_train_lift_ratio, its TRAIN rate train_p), the other tiers at
 * their expected rates (observed where the rule set gives none) with the
 * labeled leads observed. Returns 0, or -1 for kinds without one (counts,
 * rank_order, insufficient tiers).
 */
int tg_gate_oc_case(const tg_gate_result *r, const tg_gate_outcome *o,
                    double p, double train_p, tg_oc_case *c);

/** The tier's expected rate from the rule set, else its observed rate
 *  in split; NAN when neither exists. */
double tg_gate_expected_rate(const tg_gate_result *r, int tier, int split);

const char *tg_status_name(tg_gate_status s);
const char *tg_overall_name(tg_overall s);
/** The exit code (README, Exit codes) for an overall status: 0 or 1. */
int tg_overall_exit_code(tg_overall s);

/** The gate JSON document (caller deletes). */
cJSON *tg_gate_result_json(const tg_gate_result *r);

#endif
