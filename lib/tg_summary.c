/*
 * Summary CSVs into tallies, with every inconsistency reported at its
 * line: a summary that does not add up must not pass a gate.
 */
#include "tg_summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_csv.h"
#include "tg_util.h"

enum { C_SPLIT, C_TIER, C_LEADS, C_LABELED, C_CONV, C_FIRST, C_LAST, C_N };
static const char *names[C_N] = {"split", "tier", "leads", "labeled",
                                 "conversions", "first_contacted_date",
                                 "last_contacted_date"};

static int field_error(tg_csv *c, int col, tg_error *err, const char *fmt,
                       const char *a, const char *b)
    __attribute__((format(printf, 4, 0)));

static int field_error(tg_csv *c, int col, tg_error *err, const char *fmt,
                       const char *a, const char *b)
{
    long line, column;
    tg_csv_field_position(c, (size_t)col, &line, &column);
    char msg[300];
    snprintf(msg, sizeof msg, fmt, a, b);
    tg_error_set(err, TG_EINVAL, tg_csv_name(c), line, column, "%s", msg);
    tg_csv_error_context(c, (size_t)col, err);
    return TG_EINVAL;
}

/* The count in column k (one of C_LEADS..C_CONV) of the current row. */
static int count_of(tg_csv *c, const int *cols, int k, uint64_t *out,
                    tg_error *err)
{
    size_t len;
    int col = cols[k];
    const char *f = tg_csv_field(c, (size_t)col, &len);
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return field_error(c, col, err, "'%s' needs a count, found '%s'",
                           names[k], len ? "(too long)" : "");
    memcpy(buf, f, len);
    buf[len] = '\0';
    /* Exports may write counts as "12" or "12.0"; nothing else. */
    char *end;
    double v = strtod(buf, &end);
    /* Range first: the cast of anything outside it is undefined. */
    if (*end || !(v >= 0 && v <= 9e15) || v != floor(v))
        return field_error(c, col, err, "'%s' needs a whole count >= 0, "
                                        "found '%s' (counts stop at 9e15)",
                           names[k], buf);
    *out = (uint64_t)v;
    return TG_OK;
}

int tg_summary_load(tg_tally *t, const tg_rules *rules, const char *path,
                    tg_error *err)
{
    tg_csv *c = NULL;
    unsigned char *seen = NULL;
    int col[C_N], rc;
    for (int k = 0; k < C_N; k++)
        col[k] = -1;
    if ((rc = tg_tally_init(t, rules, err)))
        return rc;
    if ((rc = tg_csv_open(&c, path, err)))
        goto fail;
    if ((rc = tg_csv_next(c, err)) <= 0) {
        if (rc == 0)
            rc = tg_error_set(err, TG_EINVAL, path, 1, 0,
                              "empty file: expected the header split,tier,"
                              "leads,labeled,conversions");
        goto fail;
    }
    for (size_t i = 0; i < tg_csv_nfields(c); i++) {
        size_t len;
        const char *f = tg_csv_field(c, i, &len);
        for (int k = 0; k < C_N; k++)
            if (strlen(names[k]) == len && strncasecmp(f, names[k], len) == 0)
                col[k] = (int)i;
    }
    for (int k = 0; k <= C_CONV; k++)
        if (col[k] < 0) {
            rc = tg_error_set(err, TG_EINVAL, path, 1, 0,
                              "missing column '%s' (a summary has split,tier,"
                              "leads,labeled,conversions)", names[k]);
            goto fail;
        }
    size_t nheader = tg_csv_nfields(c);
    /* Which (split, tier) rows were seen: a second one is an error (a
     * summary that double counts must not pass a gate). */
    seen = calloc((size_t)TG_NSPLITS * (size_t)t->ntiers, 1);
    if (!seen) {
        rc = tg_error_set(err, TG_ENOMEM, path, 0, 0, "out of memory");
        goto fail;
    }
    while ((rc = tg_csv_next(c, err)) == 1) {
        if (tg_csv_nfields(c) != nheader) {
            /* At the first extra field, or just past the last one. */
            size_t at = tg_csv_nfields(c) > nheader ? nheader
                                                    : tg_csv_nfields(c) - 1;
            long line, column;
            tg_csv_field_position(c, at, &line, &column);
            if (tg_csv_nfields(c) < nheader) {
                size_t flen;
                tg_csv_field(c, at, &flen);
                column += (long)flen;
            }
            rc = tg_error_set(err, TG_EINVAL, path, line, column,
                              "expected %zu fields as in the header, found %zu",
                              nheader, tg_csv_nfields(c));
            tg_csv_error_context(c, at, err);
            if (err && err->caret >= 0 && tg_csv_nfields(c) < nheader)
                err->caret = column - 1;
            goto fail;
        }
        size_t len;
        const char *f = tg_csv_field(c, (size_t)col[C_TIER], &len);
        char tier[256];
        snprintf(tier, sizeof tier, "%.*s", (int)len, f);
        int k = tg_rules_tier_index(rules, tier);
        if (k < 0) {
            rc = field_error(c, col[C_TIER], err, "unknown tier '%s' (not in "
                             "%s)", tier, rules->model_id);
            goto fail;
        }
        f = tg_csv_field(c, (size_t)col[C_SPLIT], &len);
        int split = len == 5 && strncasecmp(f, "TRAIN", 5) == 0 ? TG_SPLIT_TRAIN
                  : len == 4 && strncasecmp(f, "TEST", 4) == 0  ? TG_SPLIT_TEST
                                                                : TG_SPLIT_OTHER;
        uint64_t leads, labeled, conv;
        if ((rc = count_of(c, col, C_LEADS, &leads, err)) ||
            (rc = count_of(c, col, C_LABELED, &labeled, err)) ||
            (rc = count_of(c, col, C_CONV, &conv, err)))
            goto fail;
        char a[24], b[24];
        if (labeled > leads) {
            snprintf(a, sizeof a, "%llu", (unsigned long long)labeled);
            snprintf(b, sizeof b, "%llu", (unsigned long long)leads);
            rc = field_error(c, col[C_LABELED], err,
                             "labeled (%s) exceeds leads (%s)", a, b);
            goto fail;
        }
        if (conv > labeled) {
            snprintf(a, sizeof a, "%llu", (unsigned long long)conv);
            snprintf(b, sizeof b, "%llu", (unsigned long long)labeled);
            rc = field_error(c, col[C_CONV], err,
                             "conversions (%s) exceed labeled (%s)", a, b);
            goto fail;
        }
        /* Other split values (several may map to OTHER) add up. */
        if (split != TG_SPLIT_OTHER && seen[split * t->ntiers + k]++) {
            f = tg_csv_field(c, (size_t)col[C_SPLIT], &len);
            rc = field_error(c, col[C_TIER], err, "a second row for split "
                             "'%s' and tier '%.100s'", tg_split_name(split),
                             tier);
            goto fail;
        }
        /* Each count is at most 9e15; so is their total, so that no sum
         * wraps around (counts are 64-bit). */
        if (t->rows + leads > (uint64_t)9e15) {
            rc = field_error(c, col[C_LEADS], err, "the summary's leads add "
                             "up to more than %s%s", "9e15", "");
            goto fail;
        }
        tg_count *cell = &t->cells[split * t->ntiers + k];
        cell->leads += leads;
        cell->labeled += labeled;
        cell->conversions += conv;
        t->rows += leads;
        int dates[2] = {0, 0};
        for (int d = C_FIRST; d <= C_LAST; d++) {
            if (col[d] < 0)
                continue;
            f = tg_csv_field(c, (size_t)col[d], &len);
            if (len == 0)
                continue;
            int v = tg_parse_date(f, len);
            if (!v) {
                snprintf(tier, sizeof tier, "%.*s", (int)(len < 40 ? len : 40), f);
                rc = field_error(c, col[d], err, "'%s' needs a date "
                                 "(YYYY-MM-DD), found '%s'", names[d], tier);
                goto fail;
            }
            dates[d - C_FIRST] = v;
        }
        if (dates[0] && dates[1] && dates[0] > dates[1]) {
            char d0[11], d1[11];
            rc = field_error(c, col[C_LAST], err, "last_contacted_date %s is "
                             "before first_contacted_date %s",
                             tg_format_date(dates[1], d1),
                             tg_format_date(dates[0], d0));
            goto fail;
        }
        tg_tally_see_date(t, split, dates[0]);
        tg_tally_see_date(t, split, dates[1]);
    }
    if (rc < 0)
        goto fail;
    free(seen);
    tg_csv_free(c);
    return TG_OK;
fail:
    free(seen);
    tg_csv_free(c);
    tg_tally_release(t);
    return rc;
}
