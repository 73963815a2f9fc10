/*
 * Per-split tier statistics from a tally: what `preview` shows and what
 * the gates judge. Lift is against the split's own baseline.
 */
#ifndef TG_PREVIEW_H
#define TG_PREVIEW_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "tg_error.h"
#include "tg_stats.h"
#include "tg_tally.h"

typedef struct {
    const char *tier;        /* borrowed from the tally */
    uint64_t leads, labeled, conversions;
    double rate, lift;       /* NAN when labeled is 0 */
    double ci_lower, ci_upper;
    /* The interval of the lift above (tg_lift_interval: the Katz
     * interval of the risk ratio against the rest of the split, mapped to
     * the lift against the whole split; with a pinned baseline, the rate
     * interval over that baseline), and Fisher's exact test against the
     * rest with Holm's adjustment across the split's tiers. NAN when
     * undefined. */
    double lift_ci_lower, lift_ci_upper;
    double fisher_p, fisher_p_holm;
} tg_tier_stats;

typedef struct {
    int split;               /* TG_SPLIT_TRAIN, _TEST or _ALL */
    const char *model_version;
    uint64_t rows, labeled, conversions;
    double baseline_rate;    /* NAN when nothing is labeled */
    int baseline_pinned;     /* 1: baseline_rate was given, not measured */
    tg_ci_method ci_method;
    double ci_level;
    int first_date, last_date;  /* yyyymmdd, 0 unknown */
    int ntiers;
    tg_tier_stats *tiers;    /* rule order, default tier last */
} tg_split_stats;

int tg_split_stats_compute(tg_split_stats *out, const tg_tally *t, int split,
                           const char *model_version, tg_ci_method m,
                           double level, tg_error *err);
/** The same; fisher = 0 skips Fisher's test (NAN p-values), for the
 *  simulations that only need the verdicts. */
int tg_split_stats_compute_with(tg_split_stats *out, const tg_tally *t,
                                int split, const char *model_version,
                                tg_ci_method m, double level, int fisher,
                                tg_error *err);
void tg_split_stats_release(tg_split_stats *s);

/**
 * Pin the baseline of s to rate (0 < rate <= 1), where fixed published
 * numbers must be reproduced: every lift becomes rate / baseline and its
 * interval the rate interval over the baseline (the baseline carries no
 * sampling error then, so the coverage is the rate interval's).
 */
int tg_split_stats_pin_baseline(tg_split_stats *s, double rate);

/**
 * The preview JSON object of one split (caller deletes). With extended,
 * each tier also carries lift_ci_lower/upper, fisher_p, fisher_p_holm.
 */
cJSON *tg_split_stats_json(const tg_split_stats *s, int extended);

#endif
