/*
 * Slices: the same tier table per segment of the leads (wirehouse or
 * not, each contact month, each firm-size band), because a model can
 * hold overall and fail for a segment that matters.
 *
 * A slicing is a column of the export and how its values become slice
 * keys:
 *   COLUMN                  each distinct value is a slice;
 *   COLUMN:E1,E2,...,En     numeric bins [E1, E2), ..., [En, +inf) plus
 *                           "< E1" below the first edge;
 *   COLUMN:month            a date or timestamp's month, "YYYY-MM".
 * An empty field (NULL) is its own slice. The generated SQL computes the
 * same keys (tg_sql), so summaries exported from the warehouse slice
 * exactly as the rows do.
 *
 * A sliced tally holds one tg_tally per slice value, filled in the same
 * pass as the overall tally. The number of distinct values is capped
 * (TG_SLICE_MAX_VALUES) so memory stays bounded whatever the data.
 */
#ifndef TG_SLICE_H
#define TG_SLICE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "tg_error.h"
#include "tg_stats.h"
#include "tg_rules.h"
#include "tg_scan.h"
#include "tg_tally.h"

/* More distinct values than this is an error: slice by bins instead. */
#define TG_SLICE_MAX_VALUES 200
/* Column names: SQL identifiers of at most this many bytes. */
#define TG_SLICE_MAX_NAME 128
/* Slice values (keys) longer than this are an error. */
#define TG_SLICE_MAX_KEY 128
/* Bin edges per binning. */
#define TG_SLICE_MAX_EDGES 32

typedef enum {
    TG_SLICE_VALUE = 0,  /* each distinct value */
    TG_SLICE_BINS,       /* numeric bins */
    TG_SLICE_MONTH       /* a date's month */
} tg_slice_kind;

typedef struct {
    char *expr;          /* as given, for messages and JSON */
    char *column;        /* the column (a feature's name or any column) */
    tg_slice_kind kind;
    int nedges;
    double *edges;       /* strictly increasing */
    char (*labels)[64];  /* bins: the label of each bin, nedges + 1 */
    int feature;         /* the rule feature it names, or -1 */
    int is_boolean;      /* a boolean feature: keys "true"/"false" */
} tg_slice_spec;

/**
 * Parse EXPR. Column names must be SQL identifiers ([A-Za-z_][A-Za-z0-9_]*)
 * since they go into generated SQL; rules (may be NULL) resolves feature
 * names and aliases so that a slice on a feature follows its alias.
 */
int tg_slice_parse(tg_slice_spec *out, const char *expr, const tg_rules *rules,
                   tg_error *err);
void tg_slice_spec_release(tg_slice_spec *s);
/** A deep copy of s into d (each scan worker slices with its own). */
int tg_slice_spec_copy(tg_slice_spec *d, const tg_slice_spec *s);

/**
 * The key of one raw field into buf (TG_SLICE_MAX_KEY + 1 bytes):
 * 1 for a key, 0 for NULL (an empty field), -1 when the field is not a
 * value of the slicing's kind (not a number for bins, not a date for
 * month, too long).
 */
int tg_slice_key(const tg_slice_spec *s, const char *f, size_t len, char *buf);

/** Label of bin i (0 = below the first edge) into buf (64 bytes). */
const char *tg_slice_bin_label(const tg_slice_spec *s, int i, char *buf);

/** The column name a summary export uses for this slicing. */
const char *tg_slice_summary_column(const tg_slice_spec *s, char *buf,
                                    size_t n);

typedef struct {
    char *value;         /* NULL: the NULL slice */
    int order;           /* bins: the bin's index, else 0 (for sorting) */
    tg_tally tally;
} tg_slice_cell;

/* Open-addressing index of the values: a power of two above twice the
 * value cap, so a probe ends quickly. */
#define TG_SLICE_INDEX 512

typedef struct {
    tg_slice_spec spec;
    int nvalues;
    tg_slice_cell *values;  /* in display order after tg_slicing_sort */
    short index[TG_SLICE_INDEX]; /* value position + 1 by key hash, 0 free */
} tg_slicing;

/** Take spec (moved in) and prepare an empty slicing. */
void tg_slicing_init(tg_slicing *s, tg_slice_spec *spec);
void tg_slicing_release(tg_slicing *s);

/**
 * The tally of key (NULL: the NULL slice), created on first use.
 * TG_EINVAL when that would exceed TG_SLICE_MAX_VALUES.
 */
int tg_slicing_cell(tg_slicing *s, const tg_rules *rules, const char *key,
                    tg_tally **out, tg_error *err);

/** Add every value's tally of src into dst (the same slicing). */
int tg_slicing_merge(tg_slicing *dst, const tg_slicing *src,
                     const tg_rules *rules, tg_error *err);

/** Order the values: bins and months in order, values by text, NULL last. */
void tg_slicing_sort(tg_slicing *s);

/**
 * One pass over the files of opts: the overall tally t (initialised by
 * the caller) and every slicing's tallies. Rows skipped as bad count in
 * t only. The slicing columns are found in each file's header (a
 * feature's alias counts); a missing one is an error naming the file.
 */
int tg_scan_sliced(tg_tally *t, tg_slicing *slicings, int nslicings,
                   const tg_rules *rules, const tg_scan_options *opts,
                   tg_error *first_skip, tg_error *err);

/** "column = value" (or "column = NULL") of value i, into buf. */
void tg_slice_label(const tg_slicing *s, int i, char *buf, size_t n);

/**
 * The slicing as JSON: {"slice", "column", "by", "summary_column",
 * "values": [{"value" (null for NULL), "leads", "labeled", "splits":
 * {SPLIT: preview object}}]} for the given splits (extended: with the
 * lift intervals and Fisher tests, as in a gate result). NULL on error.
 */
cJSON *tg_slicing_json(const tg_slicing *s, const int *splits, int nsplits,
                       const char *model_version, tg_ci_method m,
                       double level, int extended, tg_error *err);

#endif
