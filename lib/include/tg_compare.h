/*
 * Two rule sets on the same leads, in one pass: per-tier statistics of
 * each, the headline metrics measured beside the newer rule set's own
 * expected outcomes (when it states them), the migration matrix
 * of leads from the old tiers to the new, and the population stability
 * of each model's tier shares between TRAIN and TEST.
 */
#ifndef TG_COMPARE_H
#define TG_COMPARE_H

#include <cjson/cJSON.h>

#include "tg_rules.h"
#include "tg_scan.h"
#include "tg_stats.h"
#include "tg_tally.h"

typedef struct {
    tg_tally from, to;     /* each model's tally, every split */
    int split;             /* the matrix's split: TRAIN, TEST or ALL */
    tg_count *matrix;      /* [from tier * to->ntiers + to tier] */
} tg_comparison;

int tg_compare_scan(tg_comparison *out, const tg_rules *from,
                    const tg_rules *to, const tg_scan_options *o, int split,
                    tg_error *err);
void tg_comparison_release(tg_comparison *c);

/**
 * Check the rule set's optional expected_outcomes block: rows of
 * {metric, previous_version, previous, expected}, metric one of
 * tier1_lift, tier1_volume, priority_volume, priority_rate, coverage.
 */
int tg_expected_outcomes_check(const tg_rules *r, tg_error *err);

/**
 * The comparison document (caller deletes): "metrics" measured on both
 * rule sets; "expected_outcomes" (only when the newer rule set has such
 * a block) adds, per row, the value it quotes for the previous version
 * (previous_version, previous) and the value it expects (expected).
 */
cJSON *tg_comparison_json(const tg_comparison *c, const tg_rules *from,
                          const tg_rules *to, tg_ci_method m, double level);

#endif
