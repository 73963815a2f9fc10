/*
 * The scan's internal interfaces (libtiergate only; callers use
 * tg_scan.h). The scan is one family of files, one concern each:
 *   tg_scan_bind.c      binding a header's columns to the rules
 *   tg_scan_check.c     check-schema: every problem of every row
 *   tg_scan_dates.c     date windows (with tg_scan_dates.h: splits)
 *   tg_scan_number.c    number parsing (with tg_scan_number.h)
 *   tg_scan_progress.c  progress reports shared by the scan's threads
 *   tg_scan_source.c    one file as a source of validated rows
 *   tg_scan_fast.c      the fast path: plain rows straight to a tally
 *   tg_scan_reader.c    the row reader over several files
 *   tg_scan.c           the scan: threads, shards and the fingerprint
 * The sliced scan (tg_slice_scan.c) shares tg_scan_tally_row.
 */
#ifndef TG_SCAN_INTERNAL_H
#define TG_SCAN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tg_scan.h"

/* ---- progress (tg_scan_progress.c) -------------------------------------- */

/*
 * Shared by every thread of one scan: counters added to after each
 * window of records, and the caller's function called at most every
 * quarter second by whichever thread gets the lock first (the others
 * do not wait for it).
 */
typedef struct {
    tg_scan_progress_fn fn;
    void *ctx;
    _Atomic uint64_t rows, bytes;
    uint64_t total;
    double start, last;
    int reported;
    pthread_mutex_t lock;
} tg_progress_state;

/* Start reporting to fn (total: bytes to parse, 0 unknown); 0 when
 * started, -1 when it cannot be (then nothing is reported). */
int tg_progress_start(tg_progress_state *ps, tg_scan_progress_fn fn,
                      void *ctx, uint64_t total);
/* Count rows and bytes done; reports when a quarter second has passed.
 * ps may be NULL (nobody is watching). */
void tg_progress_add(tg_progress_state *ps, uint64_t rows, uint64_t bytes);
/* The last report (when any was made) and the end of ps. */
void tg_progress_end(tg_progress_state *ps);

/* ---- one source: a CSV reader bound to the rules (tg_scan_source.c) ----- */

typedef struct {
    const tg_rules *rules;
    const tg_date_config *dates;  /* NULL when every file has a split */
    tg_csv *csv;
    tg_schema schema;
    unsigned char *used;          /* features the tiers read */
    int *cols;                    /* bound column of each used feature */
    int *feats;                   /* and its feature index */
    int ncols_used;
    double *values;
    tg_row row;
    int reason;                   /* tg_skip_reason of the last bad row */
    int bad_col;                  /* and its column (not for field counts) */
    uint64_t *oor;                /* per feature: out-of-range warnings */
    tg_progress_state *progress;  /* NULL: nobody is watching */
} tg_source;

/* Take a copy of schema (bound from this file's header) and check that
 * it holds every column the rules need. */
int tg_source_setup(tg_source *s, const tg_rules *r,
                    const tg_date_config *dates, const tg_schema *schema,
                    tg_error *err);
/* Read s->csv's header, bind it and set s up. */
int tg_source_open_header(tg_source *s, const tg_rules *r,
                          const tg_date_config *dates, tg_error *err);
/* Turn the current record into s->row; TG_EINVAL for a bad row (with
 * s->reason and s->bad_col saying what was wrong). */
int tg_source_parse_row(tg_source *s, tg_error *err);
/* Next good row of the source: 1, 0 at the end, <0 on error. Bad rows
 * are counted into *skipped (and the first kept in first) when skip. */
int tg_source_next(tg_source *s, int skip, uint64_t *skipped,
                   uint64_t *skipped_by, tg_error *first, tg_error *err);
/* Free what s holds (its CSV reader too, unless set to NULL first). */
void tg_source_close(tg_source *s);

/* ---- the tally of one source (tg_scan_fast.c) --------------------------- */

/* Tally every remaining row of s into t: plain records on the fast path,
 * anything else through tg_source_next one record at a time. */
int tg_source_tally(tg_source *s, tg_tally *t, int skip, tg_error *first_skip,
                    tg_error *err);

/*
 * One validated row into t (the caller counts it in t->rows): its cell,
 * its date, and a split that is neither TRAIN nor TEST by its value.
 * Shared with the sliced scan (tg_slice_scan.c), so that both count a
 * row the same way.
 */
static inline void tg_scan_tally_row(tg_tally *t, const tg_row *row)
{
    tg_count *c = &t->cells[row->split * t->ntiers + row->tier];
    c->leads++;
    if (row->target >= 0) {
        c->labeled++;
        c->conversions += (uint64_t)row->target;
    }
    tg_tally_see_date(t, row->split, row->date);
    /* Neither TRAIN nor TEST: counted in ALL, and reported by value. */
    if (row->split == TG_SPLIT_OTHER) {
        if (row->split_value)
            tg_tally_other_split(t, row->split_value, row->split_len, 1);
        else
            tg_tally_other_split(t, "(date outside the windows)", 26, 1);
    }
}

/* ---- the inputs of one table (tg_scan_reader.c) ------------------------- */

/* The files of one table must be distinct: the same file given twice
 * (by another name, a link, or "-" twice) would be counted twice. */
int tg_scan_check_inputs(const tg_scan_options *o, tg_error *err);

#endif
