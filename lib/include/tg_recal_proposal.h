/*
 * A proposed calibration table, as `monitor --recalibrate` writes it,
 * read back and checked before the execution log records it: the file's
 * SHA-256 (of the very bytes parsed), the rules it was computed from,
 * the windows, the shrinkage, and per tier the previous rate, the
 * proposed rate with its interval and the weight of the data. A file of
 * another shape (a plain `calibrate` table, anything else) is refused
 * with the JSON key that is missing or wrong.
 */
#ifndef TG_RECAL_PROPOSAL_H
#define TG_RECAL_PROPOSAL_H

#include <stdint.h>

#include "tg_error.h"
#include "tg_rules.h"

typedef struct {
    const char *tier;          /* the rule set's name for it */
    uint64_t labeled, conversions; /* mature leads of the windows */
    double previous_rate;      /* NAN: none */
    double rate, ci_lower, ci_upper; /* proposed; NAN: none (no data, k = 0) */
    double weight_of_data;     /* labeled / (labeled + k); NAN: none */
} tg_recal_tier;

typedef struct {
    char *path;
    char sha256[65];           /* of the file's bytes */
    const char *model_id, *model_version, *calibrated_at;
    const char *rules_file, *rules_sha256;
    const char *previous_file, *previous_sha256;
    const char *first_date, *last_date; /* of the windows */
    const char *ci_method;
    double ci_level;
    double strength;           /* shrinkage: prior weight in labeled leads */
    const char **windows;      /* labels, in time order */
    int nwindows;
    tg_recal_tier *tiers;      /* in the rule set's order */
    int ntiers;
    void *doc_;                /* the parsed document the strings live in */
} tg_recal_proposal;

/**
 * Read the proposal at path and check its shape: every key the log
 * records present and typed, counts whole (conversions <= labeled),
 * rates in [0, 1], each proposed rate inside its interval, the windows
 * as many as the shrinkage says. Errors (TG_EINVAL) name the file and
 * the JSON key.
 */
int tg_recal_proposal_load(tg_recal_proposal *out, const char *path,
                           tg_error *err);

/**
 * Check a loaded proposal against the rule set it claims: the same
 * model version and rules SHA-256, and exactly one entry per tier of
 * the rules; tiers[] is put in the rule set's order.
 */
int tg_recal_proposal_match(tg_recal_proposal *p, const tg_rules *rules,
                            tg_error *err);
void tg_recal_proposal_release(tg_recal_proposal *p);

#endif
