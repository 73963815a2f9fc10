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

/* Why a row was skipped (--on-bad-row skip), for the counts per reason. */
typedef enum {
    TG_SKIP_FIELDS = 0,  /* more or fewer fields than the header */
    TG_SKIP_VALUE,       /* a feature value that is not a number/boolean */
    TG_SKIP_RANGE,       /* a value outside the feature's declared range */
    TG_SKIP_TARGET,      /* target not 0, 1 or empty */
    TG_SKIP_DATE,        /* contacted_date not a valid date or timestamp */
    TG_SKIP_NREASONS
} tg_skip_reason;

/** "field_count", "bad_value", "out_of_range", "bad_target", "bad_date". */
const char *tg_skip_reason_name(int reason);

/* Split values other than TRAIN and TEST, kept by value (the first
 * TG_TALLY_MAX_OTHER distinct ones; the rest are counted together). */
#define TG_TALLY_MAX_OTHER 16
typedef struct {
    char value[48];          /* printable: other bytes as \xHH, cut at 40 */
    uint64_t rows;
} tg_other_split;

typedef struct tg_tally {
    int ntiers;              /* the rule set's, default tier last */
    char **tier_names;       /* owned copies: a tally outlives its rules */
    tg_count *cells;         /* [split * ntiers + tier] */
    int first_date[TG_NSPLITS]; /* yyyymmdd of contacted_date, 0 unknown */
    int last_date[TG_NSPLITS];
    uint64_t rows;           /* rows read, skipped ones included */
    uint64_t skipped;        /* rows skipped by --on-bad-row skip */
    uint64_t skipped_by[TG_SKIP_NREASONS];
    char input_sha256[65];   /* of the input bytes as read, "" if unknown */
    tg_other_split other[TG_TALLY_MAX_OTHER];
    int nother;
    uint64_t other_more;     /* rows of further distinct values */
    int nfeatures;
    uint64_t *out_of_range;  /* per feature: values kept as warnings */
} tg_tally;

struct cJSON;
/**
 * Add to obj what was read but not counted as TRAIN/TEST rows:
 * "skipped_by_reason" {reason: n}, "other_split_values" {value: n}
 * (with "(more values)" past the kept ones) and "out_of_range_warnings".
 */
void tg_input_quality_json(struct cJSON *obj, const uint64_t *skipped_by,
                           const tg_other_split *other, int nother,
                           uint64_t other_more, uint64_t out_of_range);

/**
 * "N rows read, M skipped (field_count 3, bad_value 2)" from a gate
 * result's provenance (rows, skipped_rows, skipped_by_reason). Only the
 * known reason names are read, and only whole non-negative counts are
 * shown, so the text is safe in any output. Returns buf.
 */
char *tg_skipped_text(const struct cJSON *prov, char *buf, size_t size);

/** Count one row whose split column holds the len bytes at value. */
void tg_tally_other_split(tg_tally *t, const char *value, size_t len,
                          uint64_t rows);

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
