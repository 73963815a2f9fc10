/*
 * Between lib/tg_score.c (the views and the scoring pass), lib/
 * tg_score_plan.c (each tier's row, compiled once) and lib/
 * tg_score_parts.c (the ordered views' temporary files).
 */
#ifndef TG_SCORE_INTERNAL_H
#define TG_SCORE_INTERNAL_H

#include <stdio.h>

#include "tg_csv.h"
#include "tg_outbuf.h"
#include "tg_score.h"

/* ---- the columns of a view --------------------------------------------- */

typedef enum {
    SRC_INPUT,      /* a header column, by position (arg) */
    SRC_NAMED,      /* an input column by name, or a feature's column */
    SRC_TIER,       /* score_tier */
    SRC_DISPLAY,
    SRC_RATE,
    SRC_LIFT,
    SRC_RANK,
    SRC_ACTION,
    SRC_EXPLANATION,
    SRC_SCORED_AT,
    SRC_MODEL_VERSION,
    SRC_RATE_PCT,   /* ROUND(rate * 100, 1) */
    SRC_SF_RATE,    /* "15.0%" */
    SRC_SF_LIFT,    /* "3.5x" */
    SRC_YEARS1,     /* ROUND(feature / 12.0, 1) */
    SRC_YEARS0      /* ROUND(feature / 12.0, 0) */
} tg_score_src;

typedef struct {
    const char *name;
    tg_score_src kind;
    const char *input;  /* SRC_NAMED / SRC_YEARS*: column or feature name */
} tg_view_col;

/* A view's columns, bound to the current file's header. */
typedef struct {
    const tg_view_col *cols;
    int ncols;
    int *in_col;   /* per output column: input column, or -1 */
    int *feat;     /* per output column: feature index, or -1 (also for a
                    * feature no rule reads: the scan leaves it unread,
                    * so its column is copied as the input's text) */
    unsigned char *used; /* per feature: some tier reads it */
    char **names;  /* scores view: output names (input header + derived) */
    int nnames;
} tg_score_layout;

/* ---- a tier's row, compiled -------------------------------------------- */

/*
 * Everything in a row that does not come from the input row (separators,
 * JSON keys, the tier's name, texts, rate, lift, rank, the time stamp,
 * the model version) is the same for every row of a tier: it is
 * formatted and escaped once, into runs of constant bytes between the
 * few values read from the row.
 */
typedef enum {
    OP_CONST,  /* nothing more: the row's end */
    OP_INPUT,  /* output column col from the input row */
    OP_YEARS1, /* column col: its feature's months in years, 1 decimal */
    OP_YEARS0
} tg_row_op_kind;

/* One step of a row: len constant bytes of the plan's text at off, then
 * the value of kind. */
typedef struct {
    tg_row_op_kind kind;
    int col;
    size_t off, len;
} tg_row_op;

typedef struct {
    tg_row_op *ops;
    int nops;
    char *text;
} tg_row_plan;

/** One plan per tier of r for the layout's columns. */
int tg_score_plans_build(tg_row_plan **plans, const tg_score_layout *l,
                         const tg_rules *r, tg_score_format fmt,
                         const char *scored_at, tg_error *err);
void tg_score_plans_free(tg_row_plan *plans, int ntiers);
/** One row, from its tier's plan, appended to out. */
void tg_score_plan_write(tg_outbuf *out, const tg_row_plan *plan,
                         const tg_score_layout *l, tg_score_format fmt,
                         tg_csv *csv, const tg_row *row);

/* ---- the ordered views' temporary files -------------------------------- */

/*
 * The ordered views keep one temporary file per tier, at most
 * TG_SCORE_MAX_PARTS of them (open files are a limited resource): with
 * more tiers, tiers adjacent in the output order share a file whose
 * records carry their tier, and the file is read once per tier in it.
 */
#define TG_SCORE_MAX_PARTS 64
/* What the buffers in front of one view's temporary files take in all. */
#define TG_SCORE_PARTS_BUDGET ((size_t)1 << 20)

/*
 * Where the ordered views keep their rows until every row is read: one
 * temporary file per group of tiers adjacent in the output order, each
 * written through its own buffer; when files are shared, each row is
 * formatted in memory (row) first and written as a record with its tier.
 */
typedef struct {
    FILE **parts;
    tg_outbuf *bufs; /* per file */
    int nparts, shared;
    int *order;   /* the tiers in output order */
    int *part_of; /* per tier: its file */
    tg_outbuf row; /* one row, when parts are shared */
} tg_score_parts;

/** The files, the tiers' output order and which file holds each tier. */
int tg_score_parts_open(tg_score_parts *p, const tg_rules *r, tg_error *err);
void tg_score_parts_close(tg_score_parts *p);
/** Where a row of tier is formatted: its file's buffer, or p->row. */
tg_outbuf *tg_score_parts_target(tg_score_parts *p, int tier);
/** The row just formatted into p->row, as a record of its tier's file. */
int tg_score_parts_put(tg_score_parts *p, int tier, tg_error *err);
/** Every tier's rows to out in output order. */
int tg_score_parts_copy(tg_score_parts *p, const tg_rules *r, tg_outbuf *out,
                        tg_score_format fmt, tg_error *err);

#endif
