/*
 * Release gates: a policy judged on a tally. The result holds one
 * outcome per (gate, tier) -- or per gate for checks over several
 * tiers -- and the overall status the brief's log uses.
 */
#ifndef TG_GATE_H
#define TG_GATE_H

#include <cjson/cJSON.h>

#include "tg_policy.h"
#include "tg_preview.h"

typedef enum {
    TG_STATUS_PASS = 0,
    TG_STATUS_WARN,
    TG_STATUS_FAIL,
    TG_STATUS_INSUFFICIENT  /* too few leads to judge: never a pass */
} tg_gate_status;

typedef enum {
    TG_OVERALL_PASSED = 0,
    TG_OVERALL_PASSED_WITH_WARNINGS,
    TG_OVERALL_FAILED
} tg_overall;

typedef struct {
    const tg_gate_def *gate;
    int tier;                /* -1 for a check over several tiers */
    int split;
    tg_gate_status status;
    double actual;           /* NAN when it cannot be computed */
    double ci_lower, ci_upper;
    double min, max;         /* the threshold; NAN where none */
    char message[400];
} tg_gate_outcome;

typedef struct tg_gate_result {
    const tg_rules *rules;
    const tg_policy *policy;
    tg_ci_method ci_method;
    double ci_level;
    int strict;
    tg_split_stats train, test, all;
    tg_gate_outcome *outcomes;
    int noutcomes;
    int passed, warned, failed, insufficient;
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
} tg_gate_result;

/** Judge every gate of policy on tally t. Release with _release. */
int tg_gate_run(tg_gate_result *out, const tg_rules *rules,
                const tg_policy *policy, const tg_tally *t, tg_ci_method m,
                double level, int strict, tg_error *err);
void tg_gate_result_release(tg_gate_result *r);

const char *tg_status_name(tg_gate_status s);
const char *tg_overall_name(tg_overall s);
/** The exit code of DESIGN.md for an overall status: 0 or 1. */
int tg_overall_exit_code(tg_overall s);

/** The gate JSON document (caller deletes). */
cJSON *tg_gate_result_json(const tg_gate_result *r);

#endif
