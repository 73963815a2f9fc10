/*
 * Tallies: counts per (split, tier), merged across scan threads and
 * files, queried per split.
 */
#include "tg_tally.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tg_tally_init(tg_tally *t, const tg_rules *rules, tg_error *err)
{
    memset(t, 0, sizeof *t);
    t->ntiers = rules->ntiers;
    t->tier_names = calloc((size_t)t->ntiers, sizeof *t->tier_names);
    t->cells = calloc((size_t)(TG_NSPLITS * t->ntiers), sizeof *t->cells);
    if (!t->tier_names || !t->cells) {
        tg_tally_release(t);
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (int i = 0; i < t->ntiers; i++)
        if (!(t->tier_names[i] = strdup(rules->tiers[i].name))) {
            tg_tally_release(t);
            return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        }
    return TG_OK;
}

void tg_tally_release(tg_tally *t)
{
    if (!t)
        return;
    if (t->tier_names)
        for (int i = 0; i < t->ntiers; i++)
            free(t->tier_names[i]);
    free(t->tier_names);
    free(t->cells);
    t->tier_names = NULL;
    t->cells = NULL;
}

void tg_tally_merge(tg_tally *dst, const tg_tally *src)
{
    for (int i = 0; i < TG_NSPLITS * dst->ntiers; i++) {
        dst->cells[i].leads += src->cells[i].leads;
        dst->cells[i].labeled += src->cells[i].labeled;
        dst->cells[i].conversions += src->cells[i].conversions;
    }
    for (int s = 0; s < TG_NSPLITS; s++) {
        tg_tally_see_date(dst, s, src->first_date[s]);
        tg_tally_see_date(dst, s, src->last_date[s]);
    }
    dst->rows += src->rows;
    dst->skipped += src->skipped;
}

tg_count tg_tally_cell(const tg_tally *t, int split, int tier)
{
    tg_count c = {0, 0, 0};
    for (int s = 0; s < TG_NSPLITS; s++) {
        if (split != TG_SPLIT_ALL && s != split)
            continue;
        const tg_count *x = &t->cells[s * t->ntiers + tier];
        c.leads += x->leads;
        c.labeled += x->labeled;
        c.conversions += x->conversions;
    }
    return c;
}

tg_count tg_tally_total(const tg_tally *t, int split)
{
    tg_count c = {0, 0, 0};
    for (int k = 0; k < t->ntiers; k++) {
        tg_count x = tg_tally_cell(t, split, k);
        c.leads += x.leads;
        c.labeled += x.labeled;
        c.conversions += x.conversions;
    }
    return c;
}

const char *tg_split_name(int split)
{
    switch (split) {
    case TG_SPLIT_TRAIN: return "TRAIN";
    case TG_SPLIT_TEST:  return "TEST";
    case TG_SPLIT_OTHER: return "OTHER";
    default:             return "ALL";
    }
}

int tg_split_parse(const char *name)
{
    if (strcasecmp(name, "TRAIN") == 0)
        return TG_SPLIT_TRAIN;
    if (strcasecmp(name, "TEST") == 0)
        return TG_SPLIT_TEST;
    if (strcasecmp(name, "ALL") == 0)
        return TG_SPLIT_ALL;
    return -2;
}
