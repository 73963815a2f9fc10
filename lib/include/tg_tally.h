/*
 * The tally: for each (split, tier) the number of leads, of labeled
 * leads (target not NULL) and of conversions. Everything downstream of
 * the data scan (statistics, gates, calibration, registry, log,
 * reports) works on a tally, never on rows.
 */
#ifndef TG_TALLY_H
#define TG_TALLY_H

#include <stdint.h>

#include "tg_error.h"
#include "tg_rules.h"

typedef enum {
    TG_SPLIT_TRAIN = 0,
    TG_SPLIT_TEST = 1,
    TG_SPLIT_OTHER = 2, /* another or empty split value */
    TG_NSPLITS = 3,
    TG_SPLIT_ALL = -1   /* the sum of the three, for queries */
} tg_split;

typedef struct {
    uint64_t leads;
    uint64_t labeled;
    uint64_t conversions;
} tg_count;

typedef struct tg_tally {
    int ntiers;              /* the rule set's, default tier last */
    char **tier_names;       /* owned copies: a tally outlives its rules */
    tg_count *cells;         /* [split * ntiers + tier] */
    int first_date[TG_NSPLITS]; /* yyyymmdd of contacted_date, 0 unknown */
    int last_date[TG_NSPLITS];
    uint64_t rows;           /* rows read, skipped ones included */
    uint64_t skipped;        /* rows skipped by --on-bad-row skip */
    char input_sha256[65];   /* of the input bytes as read, "" if unknown */
} tg_tally;

/** Prepare an empty tally for the tiers of rules. */
int tg_tally_init(tg_tally *t, const tg_rules *rules, tg_error *err);

/** Free what tg_tally_init allocated; the struct itself is the caller's. */
void tg_tally_release(tg_tally *t);

/** Add the counts and date ranges of src (same tiers) into dst. */
void tg_tally_merge(tg_tally *dst, const tg_tally *src);

/** The cell of one tier in one split, or summed over splits for ALL. */
tg_count tg_tally_cell(const tg_tally *t, int split, int tier);

/** The whole split (every tier), or every row for TG_SPLIT_ALL. */
tg_count tg_tally_total(const tg_tally *t, int split);

/** Record a contacted date (yyyymmdd) seen in split. */
static inline void tg_tally_see_date(tg_tally *t, int split, int date)
{
    if (date <= 0)
        return;
    if (!t->first_date[split] || date < t->first_date[split])
        t->first_date[split] = date;
    if (date > t->last_date[split])
        t->last_date[split] = date;
}

/** "TRAIN", "TEST", "OTHER" or "ALL". */
const char *tg_split_name(int split);

/** Parse a split name (any case); returns TG_SPLIT_* or -2 if unknown. */
int tg_split_parse(const char *name);

#endif
