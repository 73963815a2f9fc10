/*
 * Tallies: counts per (split, tier), merged across scan threads and
 * files, queried per split.
 */
#include "tg_tally.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tg_tally_init(tg_tally *t, const tg_rules *rules, tg_error *err)
{
    memset(t, 0, sizeof *t);
    t->ntiers = rules->ntiers;
    t->tier_names = calloc((size_t)t->ntiers, sizeof *t->tier_names);
    t->cells = calloc((size_t)(TG_NSPLITS * t->ntiers), sizeof *t->cells);
    t->nfeatures = rules->nfeatures;
    t->out_of_range = calloc((size_t)(t->nfeatures + 1), sizeof *t->out_of_range);
    if (!t->tier_names || !t->cells || !t->out_of_range) {
        tg_tally_release(t);
        return tg_error_oom(err, NULL);
    }
    for (int i = 0; i < t->ntiers; i++)
        if (!(t->tier_names[i] = strdup(rules->tiers[i].name))) {
            tg_tally_release(t);
            return tg_error_oom(err, NULL);
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
    free(t->out_of_range);
    t->tier_names = NULL;
    t->cells = NULL;
    t->out_of_range = NULL;
}

void tg_input_quality_json(cJSON *obj, const uint64_t *skipped_by,
                           const tg_other_split *other, int nother,
                           uint64_t other_more, uint64_t out_of_range)
{
    cJSON *by = cJSON_AddObjectToObject(obj, "skipped_by_reason");
    for (int k = 0; k < TG_SKIP_NREASONS; k++)
        cJSON_AddNumberToObject(by, tg_skip_reason_name(k),
                                (double)skipped_by[k]);
    cJSON *ov = cJSON_AddObjectToObject(obj, "other_split_values");
    for (int i = 0; i < nother; i++)
        cJSON_AddNumberToObject(ov, other[i].value, (double)other[i].rows);
    if (other_more)
        cJSON_AddNumberToObject(ov, "(more values)", (double)other_more);
    cJSON_AddNumberToObject(obj, "out_of_range_warnings", (double)out_of_range);
}

static int count_in(const cJSON *o, const char *key, unsigned long long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 9e15) ||
        v->valuedouble != (double)(unsigned long long)v->valuedouble)
        return 0;
    *out = (unsigned long long)v->valuedouble;
    return 1;
}

char *tg_skipped_text(const cJSON *prov, char *buf, size_t size)
{
    unsigned long long rows = 0, skipped = 0, n;
    size_t off = 0;
    int have_rows = count_in(prov, "rows", &rows);
    count_in(prov, "skipped_rows", &skipped);
    off += (size_t)snprintf(buf, size, "%llu%s rows read, %llu skipped as bad",
                            rows, have_rows ? "" : " (unknown)", skipped);
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(prov, "skipped_by_reason");
    int first = 1;
    for (int k = 0; k < TG_SKIP_NREASONS && off < size; k++)
        if (count_in(by, tg_skip_reason_name(k), &n) && n > 0) {
            off += (size_t)snprintf(buf + off, size - off, "%s%s %llu",
                                    first ? " (" : ", ",
                                    tg_skip_reason_name(k), n);
            first = 0;
        }
    if (!first && off + 1 < size)
        snprintf(buf + off, size - off, ")");
    return buf;
}

const char *tg_skip_reason_name(int reason)
{
    static const char *names[TG_SKIP_NREASONS] = {
        "field_count", "bad_value", "out_of_range", "bad_target", "bad_date"};
    return reason >= 0 && reason < TG_SKIP_NREASONS ? names[reason] : "other";
}

/* Count rows under an already escaped value. */
static void add_other(tg_tally *t, const char *v, uint64_t rows)
{
    for (int i = 0; i < t->nother; i++)
        if (strcmp(t->other[i].value, v) == 0) {
            t->other[i].rows += rows;
            return;
        }
    if (t->nother < TG_TALLY_MAX_OTHER) {
        snprintf(t->other[t->nother].value, sizeof t->other[0].value, "%s", v);
        t->other[t->nother++].rows = rows;
    } else {
        t->other_more += rows;
    }
}

void tg_tally_other_split(tg_tally *t, const char *value, size_t len,
                          uint64_t rows)
{
    /* Printable ASCII as is, anything else (control bytes, invalid or
     * valid UTF-8) as \xHH: the value is shown, never trusted. */
    char v[48];
    size_t o = 0;
    for (size_t i = 0; i < len && o < 40; i++) {
        unsigned char ch = (unsigned char)value[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            v[o++] = (char)ch;
        else
            o += (size_t)snprintf(v + o, sizeof v - o, "\\x%02X", ch);
    }
    if (o > 40)
        o = 40;
    v[o] = '\0';
    add_other(t, v, rows);
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
    for (int k = 0; k < TG_SKIP_NREASONS; k++)
        dst->skipped_by[k] += src->skipped_by[k];
    for (int i = 0; i < src->nother; i++)
        add_other(dst, src->other[i].value, src->other[i].rows);
    dst->other_more += src->other_more;
    for (int f = 0; f < dst->nfeatures && f < src->nfeatures; f++)
        dst->out_of_range[f] += src->out_of_range[f];
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
