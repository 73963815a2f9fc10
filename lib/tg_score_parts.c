/*
 * The ordered views' output order: every row is read before any is
 * written, so rows wait in temporary files, one per tier or per group of
 * tiers adjacent in the order, and are copied out tier after tier.
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

/* Copy from a shared file the records of tier, dropping the first skip
 * bytes of what is copied. */
static int copy_tier(FILE *from, FILE *to, int tier, long *skip)
{
    char buf[65536];
    part_record h;
    rewind(from);
    while (fread(&h, sizeof h, 1, from) == 1) {
        if (h.tier != tier) {
            if (fseek(from, (long)h.len, SEEK_CUR) != 0)
                return -1;
            continue;
        }
        uint32_t left = h.len;
        while (left > 0) {
            size_t want = left < sizeof buf ? left : sizeof buf;
            if (fread(buf, 1, want, from) != want)
                return -1;
            size_t drop =
                *skip > 0 ? ((size_t)*skip < want ? (size_t)*skip : want) : 0;
            *skip -= (long)drop;
            if (fwrite(buf + drop, 1, want - drop, to) != want - drop)
                return -1;
            left -= (uint32_t)want;
        }
    }
    return ferror(from) ? -1 : 0;
}

static int copy_stream(FILE *from, FILE *to, long skip)
{
    char buf[65536];
    size_t n;
    rewind(from);
    if (skip && fseek(from, skip, SEEK_SET) != 0)
        return -1;
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        if (fwrite(buf, 1, n, to) != n)
            return -1;
    return ferror(from) ? -1 : 0;
}

int tg_score_parts_open(tg_score_parts *p, const tg_rules *r, tg_error *err)
{
    p->nparts = r->ntiers < TG_SCORE_MAX_PARTS ? r->ntiers : TG_SCORE_MAX_PARTS;
    p->shared = p->nparts < r->ntiers;
    p->parts = calloc((size_t)p->nparts, sizeof *p->parts);
    p->order = malloc((size_t)r->ntiers * sizeof *p->order);
    p->part_of = malloc((size_t)r->ntiers * sizeof *p->part_of);
    if (p->shared)
        p->mem = open_memstream(&p->mbuf, &p->mlen);
    if (!p->parts || !p->order || !p->part_of || (p->shared && !p->mem))
        return tg_error_oom(err, NULL);
    tier_order(r, p->order);
    for (int k = 0; k < r->ntiers; k++)
        p->part_of[p->order[k]] = (int)((long)k * p->nparts / r->ntiers);
    for (int t = 0; t < p->nparts; t++)
        if (!(p->parts[t] = tmpfile()))
            return tg_error_set(err, TG_EIO, NULL, 0, 0,
                                "cannot create a temporary file: %s",
                                strerror(errno));
    return TG_OK;
}

void tg_score_parts_close(tg_score_parts *p)
{
    if (p->parts)
        for (int t = 0; t < p->nparts; t++)
            if (p->parts[t])
                fclose(p->parts[t]);
    free(p->parts);
    free(p->order);
    free(p->part_of);
    if (p->mem)
        fclose(p->mem);
    free(p->mbuf);
}

/* The row just formatted in memory, as a record of its tier's file. */
int tg_score_parts_put(tg_score_parts *p, int tier, tg_error *err)
{
    fflush(p->mem);
    part_record h = {tier, (uint32_t)ftell(p->mem)};
    FILE *pf = p->parts[p->part_of[tier]];
    if (fwrite(&h, sizeof h, 1, pf) != 1 ||
        fwrite(p->mbuf, 1, h.len, pf) != h.len)
        return tg_error_set(err, TG_EIO, NULL, 0, 0,
                            "cannot write a temporary file: %s",
                            strerror(errno));
    return TG_OK;
}

/* Every tier's rows to out in output order; JSON drops the separator in
 * front of the very first row. */
int tg_score_parts_copy(tg_score_parts *p, const tg_rules *r, FILE *out,
                        tg_score_format fmt, tg_error *err)
{
    long skip = fmt == TG_SCORE_JSON ? 2 : 0;
    for (int k = 0; k < r->ntiers; k++) {
        FILE *f = p->parts[p->part_of[p->order[k]]];
        if (ftell(f) <= 0 && !p->shared)
            continue;
        int bad = p->shared ? copy_tier(f, out, p->order[k], &skip)
                            : copy_stream(f, out, skip);
        if (!p->shared)
            skip = 0;
        if (bad)
            return tg_error_set(err, TG_EIO, NULL, 0, 0,
                                "cannot copy a temporary file: %s",
                                strerror(errno));
    }
    return TG_OK;
}
