/*
 * A synthetic feature export calibrated to the change request's findings, for
 * demos, tests and benchmarks. Deterministic: the same options give the
 * same bytes (GSL's MT19937 generator).
 */
#ifndef TG_SYNTH_H
#define TG_SYNTH_H

#include <stdint.h>
#include <stdio.h>

#include "tg_error.h"

/* A change injected into the production weeks (synth --drift). */
typedef enum {
    TG_DRIFT_RATE,        /* a signal's conversion rate times factor */
    TG_DRIFT_FEATURE_ADD, /* a feature's values plus amount */
    TG_DRIFT_FEATURE_MUL  /* a feature's values times amount */
} tg_drift_kind;

typedef struct {
    tg_drift_kind kind;
    int target;           /* TG_SIGNAL_* or TG_SYNTH_FEATURE_* */
    double amount;
    int from_week;        /* 1-based production week it starts in */
} tg_synth_drift;

enum { TG_SIGNAL_TENURE_1_3Y, TG_SIGNAL_SHORT_BLEED, TG_SIGNAL_SMALL_FIRM,
       TG_SIGNAL_PRIOR_3, TG_SIGNAL_MODERATE_BLEED, TG_SIGNAL_HEAVY_BLEED,
       TG_SIGNAL_UNDER_1Y, TG_SIGNAL_BASE, TG_NSIGNALS };
enum { TG_SYNTH_TENURE, TG_SYNTH_INDUSTRY, TG_SYNTH_NET_CHANGE, TG_SYNTH_REPS,
       TG_SYNTH_PRIOR, TG_SYNTH_NFEATURES };

#define TG_SYNTH_MAX_DRIFTS 8

typedef struct {
    uint64_t rows;        /* default 48,472 as in the change request */
    unsigned long seed;
} tg_synth_options;

#define TG_SYNTH_OPTIONS_INIT {48472, 5}

/*
 * Production weeks written after the export (synth --weeks): each
 * week's leads are contacted Monday to Sunday from the Monday after the
 * TEST window, convert at the TRAIN rates (the calibration's), and a
 * conversion shows only once its delay (exponential, mean 14 days) has
 * passed by the last production day, so the last weeks are immature.
 */
typedef struct {
    int weeks;
    uint64_t weekly_rows; /* 0: the export's own weekly volume */
    int ndrifts;
    tg_synth_drift drifts[TG_SYNTH_MAX_DRIFTS];
} tg_synth_production;

/**
 * Parse a drift spec, comma-separated items
 *   rate:SIGNAL*FACTOR[@WEEK]          e.g. rate:small_firm*0.4@7
 *   feature:NAME(+|-|*)AMOUNT[@WEEK]   e.g. feature:firm_net_change_12mo-6@5
 * into o->drifts (appended).
 */
int tg_synth_drift_parse(tg_synth_production *p, const char *spec,
                         tg_error *err);

/** The first production day (yyyymmdd) and leads per production week. */
int tg_synth_production_start(void);
uint64_t tg_synth_weekly_rows(const tg_synth_options *o,
                              const tg_synth_production *p);

/** The export followed by the production weeks of p. */
int tg_synth_write_production(FILE *out, const tg_synth_options *opts,
                              const tg_synth_production *p, tg_error *err);
int tg_synth_write_file_production(const char *path, int gz,
                                   const tg_synth_options *opts,
                                   const tg_synth_production *p,
                                   tg_error *err);

/**
 * The chance that a TRAIN lead with these features (indexed by
 * TG_SYNTH_*) converts, without drift: the generator's own model, for
 * tests of its mechanism. TEST leads convert 4.16/3.66 times as often.
 */
double tg_synth_conversion_probability(const long *feat, int wirehouse);

/** Number of TRAIN rows for a given total (30,727 of 48,472). */
uint64_t tg_synth_train_rows(uint64_t rows);

/** Write the header and rows as CSV to out. */
int tg_synth_write(FILE *out, const tg_synth_options *opts, tg_error *err);

/**
 * Write the export to path (gzip-compressed when gz), through a
 * temporary file renamed into place, so no partial file is ever seen.
 */
int tg_synth_write_file(const char *path, int gz,
                        const tg_synth_options *opts, tg_error *err);

#endif
