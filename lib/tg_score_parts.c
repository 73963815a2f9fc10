/*
 * The ordered views' output order: every row is read before any is
 * written, so rows wait in temporary files, one per tier or per group of
 * tiers adjacent in the order, and are copied out tier after tier. Each
 * file is written through its own buffer and read back in large blocks
 * straight into the output's buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_score_internal.h"

/* Tier output order of the ordered views: rank, then expected rate
 * descending, then rule order (ORDER BY priority_rank,
 * expected_conversion_rate DESC). */
static void tier_order(const tg_rules *r, int *order)
{
    int n = r->ntiers;
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            const tg_tier *a = &r->tiers[order[j - 1]],
                          *b = &r->tiers[order[j]];
            int swap =
                b->priority_rank < a->priority_rank ||
                (b->priority_rank == a->priority_rank &&
                 b->expected_conversion_rate > a->expected_conversion_rate);
            if (!swap)
                break;
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
}

/* A row in a shared file: its tier, then len bytes of formatted row. */
typedef struct {
    int tier;
    uint32_t len;
} part_record;

/* Up to n bytes of from into out's buffer; what was read, 0 at the end
 * or on an error (ferror tells). */
static size_t read_into(FILE *from, tg_outbuf *out, size_t n)
{
    char *room = tg_outbuf_reserve(out, 1);
    if (!room)
        return 0;
    size_t free_bytes = out->cap - out->len;
    size_t got = fread(room, 1, n < free_bytes ? n : free_bytes, from);
    out->len += got;
    return got;
}

/* Drop the first *skip bytes of what was just read into out (the
 * separator in front of the very first JSON row). */
static void drop_front(tg_outbuf *out, size_t before, size_t got, long *skip)
{
    size_t drop = (size_t)*skip < got ? (size_t)*skip : got;
    if (!drop)
        return;
    memmove(out->buf + before, out->buf + before + drop, got - drop);
    out->len -= drop;
    *skip -= (long)drop;
}

/* Copy from a shared file the records of tier. */
static int copy_tier(FILE *from, tg_outbuf *to, int tier, long *skip)
{
    part_record h;
    rewind(from);
    while (fread(&h, sizeof h, 1, from) == 1) {
        if (h.tier != tier) {
            if (fseek(from, (long)h.len, SEEK_CUR) != 0)
                return -1;
            continue;
        }
        size_t left = h.len;
        while (left > 0) {
            size_t before = to->len;
            size_t got = read_into(from, to, left);
            if (got == 0)
                return -1;
            drop_front(to, before, got, skip);
            left -= got;
        }
    }
    return ferror(from) || to->err ? -1 : 0;
}

static int copy_stream(FILE *from, tg_outbuf *to, long skip)
{
    rewind(from);
    if (skip && fseek(from, skip, SEEK_SET) != 0)
        return -1;
    while (read_into(from, to, SIZE_MAX) > 0)
        ;
    return ferror(from) || to->err ? -1 : 0;
}

static int io_error(tg_error *err, const char *what, int e)
{
    return tg_error_set(err, TG_EIO, NULL, 0, 0, "cannot %s a temporary file: %s",
                        what, strerror(e ? e : EIO));
}

int tg_score_parts_open(tg_score_parts *p, const tg_rules *r, tg_error *err)
{
    p->nparts = r->ntiers < TG_SCORE_MAX_PARTS ? r->ntiers : TG_SCORE_MAX_PARTS;
    p->shared = p->nparts < r->ntiers;
    p->parts = calloc((size_t)p->nparts, sizeof *p->parts);
    p->bufs = calloc((size_t)p->nparts, sizeof *p->bufs);
    p->order = malloc((size_t)r->ntiers * sizeof *p->order);
    p->part_of = malloc((size_t)r->ntiers * sizeof *p->part_of);
    if (!p->parts || !p->bufs || !p->order || !p->part_of ||
        (p->shared && tg_outbuf_init(&p->row, NULL, 4096)))
        return tg_error_oom(err, NULL);
    tier_order(r, p->order);
    for (int k = 0; k < r->ntiers; k++)
        p->part_of[p->order[k]] = (int)((long)k * p->nparts / r->ntiers);
    /* The buffers share a budget: a few large ones for a few tiers, at
     * least 64 KiB each however many files there are. */
    size_t each = TG_SCORE_PARTS_BUDGET / (size_t)p->nparts;
    if (each < ((size_t)64 << 10))
        each = (size_t)64 << 10;
    for (int t = 0; t < p->nparts; t++) {
        if (!(p->parts[t] = tmpfile()))
            return tg_error_set(err, TG_EIO, NULL, 0, 0,
                                "cannot create a temporary file: %s",
                                strerror(errno));
        if (tg_outbuf_init(&p->bufs[t], p->parts[t], each))
            return tg_error_oom(err, NULL);
    }
    return TG_OK;
}

void tg_score_parts_close(tg_score_parts *p)
{
    if (p->parts)
        for (int t = 0; t < p->nparts; t++)
            if (p->parts[t])
                fclose(p->parts[t]);
    if (p->bufs)
        for (int t = 0; t < p->nparts; t++)
            tg_outbuf_free(&p->bufs[t]);
    free(p->parts);
    free(p->bufs);
    free(p->order);
    free(p->part_of);
    tg_outbuf_free(&p->row);
    memset(p, 0, sizeof *p);
}

tg_outbuf *tg_score_parts_target(tg_score_parts *p, int tier)
{
    if (p->shared) {
        p->row.len = 0;
        return &p->row;
    }
    return &p->bufs[p->part_of[tier]];
}

/* The row just formatted in memory, as a record of its tier's file. */
int tg_score_parts_put(tg_score_parts *p, int tier, tg_error *err)
{
    if (p->row.err || p->row.len > UINT32_MAX)
        return tg_error_oom(err, NULL);
    part_record h = {tier, (uint32_t)p->row.len};
    tg_outbuf *b = &p->bufs[p->part_of[tier]];
    tg_outbuf_put(b, &h, sizeof h);
    tg_outbuf_put(b, p->row.buf, p->row.len);
    return b->err ? io_error(err, "write", b->err) : TG_OK;
}

/* Every tier's rows to out in output order; JSON drops the separator in
 * front of the very first row. */
int tg_score_parts_copy(tg_score_parts *p, const tg_rules *r, tg_outbuf *out,
                        tg_score_format fmt, tg_error *err)
{
    for (int t = 0; t < p->nparts; t++)
        if (tg_outbuf_flush(&p->bufs[t]) != 0)
            return io_error(err, "write", p->bufs[t].err);
    long skip = fmt == TG_SCORE_JSON ? 2 : 0;
    for (int k = 0; k < r->ntiers; k++) {
        FILE *f = p->parts[p->part_of[p->order[k]]];
        if (!p->shared && ftell(f) <= 0)
            continue;
        int bad = p->shared ? copy_tier(f, out, p->order[k], &skip)
                            : copy_stream(f, out, skip);
        if (!p->shared)
            skip = 0;
        if (bad)
            return io_error(err, "copy", out->err ? out->err : errno);
    }
    return TG_OK;
}
