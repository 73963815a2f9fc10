/*
 * Between lib/tg_score.c (rows into views) and lib/tg_score_parts.c (the
 * ordered views' temporary files).
 */
#ifndef TG_SCORE_INTERNAL_H
#define TG_SCORE_INTERNAL_H

#include <stdio.h>

#include "tg_score.h"

/*
 * The ordered views keep one temporary file per tier, at most
 * TG_SCORE_MAX_PARTS of them (open files are a limited resource): with
 * more tiers, tiers adjacent in the output order share a file whose
 * records carry their tier, and the file is read once per tier in it.
 */
#define TG_SCORE_MAX_PARTS 64

/*
 * Where the ordered views keep their rows until every row is read: one
 * temporary file per group of tiers adjacent in the output order; when
 * files are shared, each row is formatted in memory first and written
 * as a record with its tier.
 */
typedef struct {
    FILE **parts;
    int nparts, shared;
    int *order;   /* the tiers in output order */
    int *part_of; /* per tier: its file */
    char *mbuf;
    size_t mlen;
    FILE *mem; /* one row, when parts are shared */
} tg_score_parts;

/** The files, the tiers' output order and which file holds each tier. */
int tg_score_parts_open(tg_score_parts *p, const tg_rules *r, tg_error *err);
void tg_score_parts_close(tg_score_parts *p);
/** The row just formatted into p->mem, as a record of its tier's file. */
int tg_score_parts_put(tg_score_parts *p, int tier, tg_error *err);
/** Every tier's rows to out in output order. */
int tg_score_parts_copy(tg_score_parts *p, const tg_rules *r, FILE *out,
                        tg_score_format fmt, tg_error *err);

#endif
