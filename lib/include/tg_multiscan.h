/*
 * Several rule sets tallied in one pass over the data, layered on the
 * ordinary scan. Rule sets that share their features and are table-able
 * are joined into one lookup table over the union of their constants:
 * within one cell of it every rule set keeps one tier, so each cell
 * stands for one combination of tiers (an "atom"). The scan tallies
 * atoms exactly as it tallies tiers for `preview` (same fast path, same
 * threads), and each rule set's tally is summed from the atoms. Rule
 * sets that cannot be joined so (arithmetic in a condition, more than
 * 65,535 atoms) are assigned row by row, each row to every rule set, in
 * the same single pass.
 */
#ifndef TG_MULTISCAN_H
#define TG_MULTISCAN_H

#include "tg_error.h"
#include "tg_rules.h"
#include "tg_scan.h"
#include "tg_tally.h"

typedef enum {
    TG_MULTI_AUTO = 0,   /* the joined table when possible */
    TG_MULTI_ROWS = 1    /* row by row (tests compare the two) */
} tg_multi_mode;

typedef struct {
    int joined;          /* 1 when the joined table was used */
    int atoms;           /* its cells' distinct tier combinations */
    size_t cells;        /* its size */
} tg_multi_info;

/**
 * Tally rules[0..n-1] over the files of opts in one pass. tallies[i] is
 * initialised here for rules[i] (release each with tg_tally_release).
 * Every rule set must declare the same features (a sweep's variants
 * do). info may be NULL.
 */
int tg_multi_scan(tg_tally *tallies, tg_rules *const *rules, int n,
                  const tg_scan_options *opts, tg_multi_mode mode,
                  tg_multi_info *info, tg_error *first_skip, tg_error *err);

#endif
