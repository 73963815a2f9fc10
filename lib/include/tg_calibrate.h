/*
 * The calibration table (the checklist's step 9, tier_statistics.json): per
 * tier on TRAIN, its volume, calibrated rate and lift (rounded as the
 * generated SQL rounds them, and exact), and an interval, with the
 * provenance that ties it to the rules and the data.
 */
#ifndef TG_CALIBRATE_H
#define TG_CALIBRATE_H

#include <cjson/cJSON.h>

#include "tg_error.h"
#include "tg_rules.h"
#include "tg_stats.h"
#include "tg_tally.h"

typedef struct {
    const char *calibrated_at;   /* UTC ISO 8601; NULL = now */
    tg_ci_method ci_method;
    double ci_level;
    const char *source;          /* "rows" or "summary" */
    const char *const *files;
    int nfiles;
} tg_calibrate_options;

/** Build the document; the caller deletes *out. */
int tg_calibrate(cJSON **out, const tg_rules *rules, const tg_tally *t,
                 const tg_calibrate_options *o, tg_error *err);

#endif
