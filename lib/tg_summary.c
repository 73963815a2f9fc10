/*
 * Summary CSVs into tallies, with every inconsistency reported at its
 * line: a summary that does not add up must not pass a gate.
 */
#include "tg_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_csv.h"
#include "tg_util.h"

enum { C_SPLIT, C_TIER, C_LEADS, C_LABELED, C_CONV, C_FIRST, C_LAST,
       C_VARIANT, C_N };
static const char *names[C_N] = {"split", "tier", "leads", "labeled",
                                 "conversions", "first_contacted_date",
                                 "last_contacted_date", "variant"};

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

/* Field k (C_*) of the record, at column col[k]: names[] is indexed by
 * the field, not by the column, which may be any. */
static int count_of(tg_csv *c, const int *cl, int k, uint64_t *out,
                    tg_error *err)
{
    int col = cl[k];
    size_t len;
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
    if (*end || v < 0 || v != (double)(uint64_t)v || v > 9e15)
        return field_error(c, col, err, "'%s' needs a whole count >= 0, "
                                        "found '%s'", names[k], buf);
    *out = (uint64_t)v;
    return TG_OK;
}

/*
 * The reader behind both summaries: with variant names (n of them), the
 * CSV has a variant column and each row goes to its variant's tally;
 * without (n = 1, vnames NULL), every row is the one rule set's.
 */
static int load(tg_tally *ts, tg_rules *const *rs, const char *const *vnames,
                int n, const char *path, tg_error *err)
{
    tg_csv *c = NULL;
    int col[C_N], rc, ninit = 0;
    for (int k = 0; k < C_N; k++)
        col[k] = -1;
    for (; ninit < n; ninit++)
        if ((rc = tg_tally_init(&ts[ninit], rs[ninit], err)))
            goto fail;
    if ((rc = tg_csv_open(&c, path, err)))
        goto fail;
    if ((rc = tg_csv_next(c, err)) <= 0) {
        if (rc == 0)
            rc = tg_error_set(err, TG_EINVAL, path, 1, 0,
                              "empty file: expected the header %ssplit,tier,"
                              "leads,labeled,conversions",
                              vnames ? "variant," : "");
        goto fail;
    }
    for (size_t i = 0; i < tg_csv_nfields(c); i++) {
        size_t len;
        const char *f = tg_csv_field(c, i, &len);
        for (int k = 0; k < C_N; k++)
            if (strlen(names[k]) == len && strncasecmp(f, names[k], len) == 0)
                col[k] = (int)i;
    }
    for (int k = 0; k <= C_VARIANT; k++)
        if (col[k] < 0 && (k <= C_CONV || (k == C_VARIANT && vnames))) {
            rc = tg_error_set(err, TG_EINVAL, path, 1, 0,
                              "missing column '%s' (a summary has %ssplit,tier,"
                              "leads,labeled,conversions)", names[k],
                              vnames ? "variant," : "");
            goto fail;
        }
    if (!vnames)
        col[C_VARIANT] = -1;
    int maxcol = 0;
    for (int k = 0; k < C_N; k++)
        maxcol = col[k] > maxcol ? col[k] : maxcol;
    while ((rc = tg_csv_next(c, err)) == 1) {
        if ((int)tg_csv_nfields(c) <= maxcol) {
            rc = tg_error_set(err, TG_EINVAL, path, tg_csv_record_line(c), 0,
                              "expected %d fields, found %zu", maxcol + 1,
                              tg_csv_nfields(c));
            goto fail;
        }
        size_t len;
        const char *f;
        int v = 0;
        char tier[256];
        if (vnames) {
            f = tg_csv_field(c, (size_t)col[C_VARIANT], &len);
            for (v = 0; v < n; v++)
                if (strlen(vnames[v]) == len && memcmp(vnames[v], f, len) == 0)
                    break;
            if (v == n) {
                snprintf(tier, sizeof tier, "%.*s", (int)(len > 100 ? 100 : len), f);
                rc = field_error(c, col[C_VARIANT], err, "unknown variant "
                                 "'%s'%s", tier, " (not in the sweep)");
                goto fail;
            }
        }
        tg_tally *t = &ts[v];
        const tg_rules *rules = rs[v];
        f = tg_csv_field(c, (size_t)col[C_TIER], &len);
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
        tg_count *cell = &t->cells[split * t->ntiers + k];
        cell->leads += leads;
        cell->labeled += labeled;
        cell->conversions += conv;
        t->rows += leads;
        for (int d = C_FIRST; d <= C_LAST; d++) {
            if (col[d] < 0)
                continue;
            f = tg_csv_field(c, (size_t)col[d], &len);
            if (len == 0)
                continue;
            int day = tg_parse_date(f, len);
            if (!day) {
                snprintf(tier, sizeof tier, "%.*s", (int)(len < 40 ? len : 40), f);
                rc = field_error(c, col[d], err, "'%s' needs a date "
                                 "(YYYY-MM-DD), found '%s'", names[d], tier);
                goto fail;
            }
            tg_tally_see_date(t, split, day);
        }
    }
    if (rc < 0)
        goto fail;
    tg_csv_free(c);
    return TG_OK;
fail:
    tg_csv_free(c);
    for (int k = 0; k < ninit; k++)
        tg_tally_release(&ts[k]);
    return rc;
}

int tg_summary_load(tg_tally *t, const tg_rules *rules, const char *path,
                    tg_error *err)
{
    tg_rules *r = (tg_rules *)rules; /* read only */
    return load(t, &r, NULL, 1, path, err);
}

int tg_summary_load_variants(tg_tally *tallies, tg_rules *const *rules,
                             const char *const *variants, int n,
                             const char *path, tg_error *err)
{
    return load(tallies, rules, variants, n, path, err);
}
