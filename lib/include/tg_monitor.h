/*
 * Monitoring after a release: leads sliced by contacted_date into
 * calendar windows (ISO weeks from Monday, or months), with the leads
 * too recent to have converted ("immature") held out of every rate.
 *
 * The windows come from rows (a daily tally, folded into windows once
 * the data's last contacted date is known, so memory depends on the
 * number of days, never on the number of rows) or from the warehouse's
 * monitor summary (GROUP BY window, split, tier, mature), and both give
 * the same windows.
 */
#ifndef TG_MONITOR_H
#define TG_MONITOR_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "tg_error.h"
#include "tg_rules.h"
#include "tg_scan.h"
#include "tg_stats.h"
#include "tg_tally.h"

typedef enum { TG_WINDOW_WEEK = 0, TG_WINDOW_MONTH = 1 } tg_window_unit;

/** "week"/"month" -> TG_WINDOW_*, -1 when neither. */
int tg_window_unit_parse(const char *s);
const char *tg_window_unit_name(tg_window_unit u);

/** Days since 1970-01-01 of a yyyymmdd date, and back. */
long tg_date_to_days(int yyyymmdd);
int tg_days_to_date(long days);
/** First day (yyyymmdd) of the window holding date. */
int tg_window_start(int date, tg_window_unit u);
/** Last day (yyyymmdd) of the window starting at start. */
int tg_window_end(int start, tg_window_unit u);
/** "2025-W28" (ISO week) or "2025-07" into buf (16 bytes). */
const char *tg_window_label(int start, tg_window_unit u, char buf[16]);

/* Cells of the two-model comparison: is the lead in a priority tier of
 * the old model (bit 1) and of the new one (bit 0). */
enum { TG_CROSS_NONE = 0, TG_CROSS_NEW = 1, TG_CROSS_OLD = 2, TG_CROSS_BOTH = 3 };

typedef struct {
    int start, end;          /* yyyymmdd, inclusive */
    tg_count *all;           /* per tier: every lead (volume, shares) */
    tg_count *mature;        /* per tier: mature leads only (rates) */
    tg_count cross[4];       /* comparison, mature leads, TG_CROSS_* */
    uint64_t cross_leads[4]; /* comparison, every lead */
} tg_window;

typedef struct {
    tg_window_unit unit;
    int maturity_days;
    int ntiers;
    int compare;             /* cross[] is filled */
    int first_date, last_date; /* of the whole input, yyyymmdd, 0 none */
    int cutoff;              /* last mature contacted date, 0 none */
    int nwindows;
    tg_window *w;            /* in time order; empty windows included */
    uint64_t rows;           /* rows read (skipped ones included) */
    uint64_t undated;        /* rows without a contacted_date */
    uint64_t outside;        /* rows outside --since/--until */
    uint64_t skipped;        /* bad rows skipped */
    char input_sha256[65];
} tg_monitor_data;

typedef struct {
    tg_window_unit unit;
    int maturity_days;       /* >= 0 */
    int since, until;        /* yyyymmdd, 0 = open; whole windows */
    const tg_rules *compare; /* older rule set scored on the same leads */
} tg_monitor_options;

/**
 * Read rows (scan options o) into windows. Rows without a contacted date
 * are counted, not windowed. The contacted dates kept (after --since and
 * --until) may span at most 30 years.
 */
int tg_monitor_scan(tg_monitor_data *out, const tg_rules *rules,
                    const tg_scan_options *o, const tg_monitor_options *mo,
                    tg_error *err);

/**
 * Read the warehouse's monitor summary (sql --emit monitor-summary):
 * header window_start,split,tier,mature,maturity_days,leads,labeled,
 * conversions,first_contacted_date,last_contacted_date. The summary's
 * maturity_days and window starts must agree with mo.
 */
int tg_monitor_summary_load(tg_monitor_data *out, const tg_rules *rules,
                            const char *path, const tg_monitor_options *mo,
                            tg_error *err);

void tg_monitor_data_release(tg_monitor_data *d);

/* ---- the reference a window is judged against ------------------------- */

typedef struct {
    char *source;            /* the calibration file, or NULL (rule set) */
    char sha256[65];         /* of that file, "" */
    char *calibrated_at;     /* as recorded, or NULL */
    int ntiers;
    double *rate;            /* calibrated rate per tier, NAN unknown */
    uint64_t *volume;        /* training leads per tier (distribution) */
    uint64_t *labeled, *conversions;
    int has_distribution;    /* volume[] holds the training distribution */
} tg_monitor_baseline;

/**
 * The calibrated rate per tier and the training distribution, from a
 * calibration table (tier_statistics.json as `calibrate` writes it) or,
 * with path NULL, the rule set's expected rates and no distribution.
 * This is the one place that knows the calibration's shape.
 */
int tg_monitor_baseline_load(tg_monitor_baseline *b, const char *path,
                             const tg_rules *rules, tg_error *err);
void tg_monitor_baseline_release(tg_monitor_baseline *b);

/* ---- per window statistics -------------------------------------------- */

typedef struct {
    uint64_t leads, held_back;      /* every lead; immature ones */
    uint64_t labeled, conversions;  /* mature leads only */
    double share;                   /* of the window's leads */
    double rate, ci_lower, ci_upper;
    double calibrated_rate;
    double ratio, ratio_lower, ratio_upper; /* rate / calibrated */
} tg_window_tier;

typedef struct {
    uint64_t labeled, conversions;
    double rate, ci_lower, ci_upper;
} tg_rate_ci;

typedef struct {
    int start, end;
    char label[16];
    int mature;                     /* every lead in it is mature */
    uint64_t leads, held_back, labeled, conversions;
    double psi;                     /* NAN without a distribution */
    uint64_t priority_leads;
    double priority_share, priority_share_lower, priority_share_upper;
    tg_window_tier *tiers;
    /* with a comparison: each model's priority tiers, mature leads */
    tg_rate_ci old_priority, new_priority;
    double diff, diff_lower, diff_upper; /* new - old */
} tg_window_stats;

typedef struct {
    const tg_rules *rules;
    const tg_rules *old_rules;      /* NULL without a comparison */
    const tg_monitor_data *data;
    const tg_monitor_baseline *baseline;
    tg_ci_method ci_method;
    double ci_level;
    int nwindows, ntiers;
    tg_window_stats *w;
} tg_monitor_stats;

int tg_monitor_stats_compute(tg_monitor_stats *out, const tg_rules *rules,
                             const tg_rules *old_rules,
                             const tg_monitor_data *d,
                             const tg_monitor_baseline *b, tg_ci_method m,
                             double level, tg_error *err);
void tg_monitor_stats_release(tg_monitor_stats *s);

/**
 * Population stability index of shares q against reference shares p,
 * both over n categories: sum (q - p) ln(q / p), each share floored at
 * 1e-4 so that an empty category does not make it infinite. The counts
 * are turned into shares here; NAN when either total is 0.
 */
double tg_psi(const uint64_t *reference, const uint64_t *observed, int n);

/* ---- recalibration ----------------------------------------------------- */

typedef struct {
    int windows;             /* the last N fully mature windows */
    double strength;         /* prior weight, in labeled leads */
    const char *calibrated_at; /* NULL = now */
} tg_recalibrate_options;

/**
 * A proposed calibration table (same shape as `calibrate`'s) from the
 * last N fully mature windows, each tier's rate shrunk toward the
 * previous calibration: (conversions + k p0) / (labeled + k).
 */
int tg_monitor_recalibrate(cJSON **out, const tg_monitor_stats *s,
                           const tg_recalibrate_options *o, tg_error *err);

#endif
