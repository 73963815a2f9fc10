/*
 * Scored rows: the change request's lead_scores_v3 table (step 3) and the views
 * built on it (production, step 4; Salesforce sync, step 5; SGA
 * dashboard, step 6), computed by tiergate from the same rule set the
 * generated SQL comes from. Streaming: the three ordered views go
 * through one temporary file per tier, so memory never grows with rows.
 */
#ifndef TG_SCORE_H
#define TG_SCORE_H

#include <stdint.h>
#include <stdio.h>

#include "tg_error.h"
#include "tg_outbuf.h" /* tg_fmt_number */
#include "tg_rules.h"
#include "tg_scan.h"

typedef enum {
    TG_VIEW_SCORES = 0,  /* every input column, then the derived ones */
    TG_VIEW_PRODUCTION,  /* step 4 */
    TG_VIEW_SALESFORCE,  /* step 5 */
    TG_VIEW_SGA,         /* step 6 */
    TG_VIEW_COUNT
} tg_view;

typedef enum { TG_SCORE_CSV = 0, TG_SCORE_JSON = 1 } tg_score_format;

/** Rows read, and skipped as bad (--on-bad-row skip), filled by
 * tg_score_write. */
typedef struct {
    uint64_t rows_read; /* rows scored (every view's input) */
    uint64_t skipped;
    uint64_t skipped_by[TG_SKIP_NREASONS];
    tg_error first;
} tg_score_skips;

typedef struct {
    tg_view view;            /* tg_score_write's view */
    int priority_only;       /* scores view; implied by the three others */
    const char *scored_at;   /* pinned UTC timestamp, or NULL for now */
    tg_score_format format;
    tg_score_skips *skips;   /* where to report skipped rows; may be NULL */
} tg_score_options;

int tg_view_parse(const char *name);
const char *tg_view_name(tg_view v);

/** Check a --scored-at value: YYYY-MM-DDTHH:MM:SSZ (or a date). */
int tg_scored_at_valid(const char *s);

/**
 * Score every row of scan's files and write the view to out. *rows
 * receives the number of rows written.
 */
int tg_score_write(FILE *out, const tg_rules *rules,
                   const tg_scan_options *scan, const tg_score_options *o,
                   uint64_t *rows, tg_error *err);

/** One output of a scoring pass: a view and where it goes. */
typedef struct {
    tg_view view;
    FILE *out;
    uint64_t rows; /* rows written, filled by tg_score_write_views */
} tg_score_output;

/**
 * Score every row of scan's files once and write each of the nouts
 * views (o->view is not used) to its own output, each byte for byte
 * what tg_score_write writes for that view alone. Memory does not grow
 * with rows: about 1 MiB per output, and 1 MiB more per ordered view.
 * On success every output is flushed (fflush); on failure what the
 * outputs hold is partial: the caller discards them.
 */
int tg_score_write_views(tg_score_output *outs, int nouts,
                         const tg_rules *rules, const tg_scan_options *scan,
                         const tg_score_options *o, tg_error *err);

/** The Salesforce strings of a tier: "15.0%" and "3.5x". */
void tg_salesforce_rate(double rate, char buf[32]);
void tg_salesforce_lift(double lift, char buf[32]);

#endif
