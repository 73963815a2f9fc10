/*
 * Sliced tallies: one tg_tally per slice value, found by key in a
 * bounded open-addressing index, merged across scan workers, sorted for
 * display, and written as JSON.
 */
#include "tg_slice.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_preview.h"

void tg_slicing_init(tg_slicing *s, tg_slice_spec *spec)
{
    memset(s, 0, sizeof *s);
    s->spec = *spec;
    memset(spec, 0, sizeof *spec);
    spec->feature = -1;
}

void tg_slicing_release(tg_slicing *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nvalues; i++) {
        free(s->values[i].value);
        tg_tally_release(&s->values[i].tally);
    }
    free(s->values);
    tg_slice_spec_release(&s->spec);
    memset(s, 0, sizeof *s);
}

/* FNV-1a of a key; NULL (the NULL slice) has its own value. */
static unsigned key_hash(const char *key)
{
    uint32_t h = 2166136261u;
    if (!key)
        return 7;
    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 16777619u;
    return h;
}

/* The index slot of key: where it is, or the free slot it would take. */
static int slot_of(const tg_slicing *s, const char *key)
{
    unsigned i = key_hash(key) & (TG_SLICE_INDEX - 1);
    for (;; i = (i + 1) & (TG_SLICE_INDEX - 1)) {
        int k = s->index[i];
        if (!k)
            return (int)i;
        const char *v = s->values[k - 1].value;
        if (key ? v && strcmp(v, key) == 0 : !v)
            return (int)i;
    }
}

static void reindex(tg_slicing *s)
{
    memset(s->index, 0, sizeof s->index);
    for (int i = 0; i < s->nvalues; i++)
        s->index[slot_of(s, s->values[i].value)] = (short)(i + 1);
}

int tg_slicing_cell(tg_slicing *s, const tg_rules *rules, const char *key,
                    tg_tally **out, tg_error *err)
{
    int slot = slot_of(s, key);
    if (s->index[slot]) {
        *out = &s->values[s->index[slot] - 1].tally;
        return TG_OK;
    }
    if (s->nvalues == TG_SLICE_MAX_VALUES)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "--slice '%s': more than %d distinct values; "
                            "slice a numeric column by bins (COLUMN:E1,E2,...) "
                            "or a date by month",
                            s->spec.expr, TG_SLICE_MAX_VALUES);
    tg_slice_cell *n = realloc(s->values, (size_t)(s->nvalues + 1) * sizeof *n);
    if (!n)
        return tg_error_oom(err, NULL);
    s->values = n;
    tg_slice_cell *c = &n[s->nvalues];
    memset(c, 0, sizeof *c);
    if (key && !(c->value = strdup(key)))
        return tg_error_oom(err, NULL);
    /* Bins sort by position, not by their labels' text. */
    for (int i = 0; key && s->spec.kind == TG_SLICE_BINS && i <= s->spec.nedges;
         i++)
        if (strcmp(key, s->spec.labels[i]) == 0)
            c->order = i;
    int rc = tg_tally_init(&c->tally, rules, err);
    if (rc) {
        free(c->value);
        return rc;
    }
    s->nvalues++;
    s->index[slot] = (short)s->nvalues;
    *out = &c->tally;
    return TG_OK;
}

static int cell_cmp(const void *a, const void *b)
{
    const tg_slice_cell *x = a, *y = b;
    if (!x->value || !y->value)
        return !x->value - !y->value;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->value, y->value);
}

void tg_slicing_sort(tg_slicing *s)
{
    if (s->nvalues > 1)
        qsort(s->values, (size_t)s->nvalues, sizeof *s->values, cell_cmp);
    reindex(s);
}

/* Add every value of src into dst (same slicing). */
int tg_slicing_merge(tg_slicing *dst, const tg_slicing *src,
                     const tg_rules *rules, tg_error *err)
{
    for (int i = 0; i < src->nvalues; i++) {
        tg_tally *t;
        int rc = tg_slicing_cell(dst, rules, src->values[i].value, &t, err);
        if (rc)
            return rc;
        tg_tally_merge(t, &src->values[i].tally);
    }
    return TG_OK;
}

static const char *kind_name(tg_slice_kind k)
{
    return k == TG_SLICE_BINS    ? "bins"
           : k == TG_SLICE_MONTH ? "month"
                                 : "value";
}

void tg_slice_label(const tg_slicing *s, int i, char *buf, size_t n)
{
    const char *v = s->values[i].value;
    if (v && s->spec.kind == TG_SLICE_BINS)
        snprintf(buf, n, "%s %s%s", s->spec.column, v[0] == '[' ? "in " : "",
                 v);
    else
        snprintf(buf, n, "%s = %s", s->spec.column, v ? v : "NULL");
}

cJSON *tg_slicing_json(const tg_slicing *s, const int *splits, int nsplits,
                       const char *model_version, tg_ci_method m, double level,
                       int extended, tg_error *err)
{
    cJSON *j = cJSON_CreateObject();
    char col[TG_SLICE_MAX_NAME + 16];
    cJSON_AddStringToObject(j, "slice", s->spec.expr);
    cJSON_AddStringToObject(j, "column", s->spec.column);
    cJSON_AddStringToObject(j, "by", kind_name(s->spec.kind));
    cJSON_AddStringToObject(j, "summary_column",
                            tg_slice_summary_column(&s->spec, col, sizeof col));
    cJSON *vals = cJSON_AddArrayToObject(j, "values");
    for (int i = 0; i < s->nvalues; i++) {
        const tg_tally *t = &s->values[i].tally;
        cJSON *v = cJSON_CreateObject();
        if (s->values[i].value)
            cJSON_AddStringToObject(v, "value", s->values[i].value);
        else
            cJSON_AddNullToObject(v, "value");
        tg_count all = tg_tally_total(t, TG_SPLIT_ALL);
        cJSON_AddNumberToObject(v, "leads", (double)all.leads);
        cJSON_AddNumberToObject(v, "labeled", (double)all.labeled);
        cJSON *sp = cJSON_AddObjectToObject(v, "splits");
        for (int k = 0; k < nsplits; k++) {
            tg_split_stats st;
            if (tg_split_stats_compute(&st, t, splits[k], model_version, m,
                                       level, err) != TG_OK) {
                cJSON_Delete(v);
                cJSON_Delete(j);
                return NULL;
            }
            cJSON_AddItemToObject(sp, tg_split_name(splits[k]),
                                  tg_split_stats_json(&st, extended));
            tg_split_stats_release(&st);
        }
        cJSON_AddItemToArray(vals, v);
    }
    return j;
}
