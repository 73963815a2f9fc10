/*
 * Two rule sets on the same leads, in one pass: per-tier statistics of
 * each, the brief's "Expected Outcomes" measured, the migration matrix
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

/** The comparison document (caller deletes). */
cJSON *tg_comparison_json(const tg_comparison *c, const tg_rules *from,
                          const tg_rules *to, tg_ci_method m, double level);

#endif
