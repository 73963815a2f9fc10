/*
 * Summary CSVs into tallies, with every inconsistency reported at its
 * line: a summary that does not add up must not pass a gate.
 */
#include "tg_summary.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_csv.h"
#include "tg_slice.h"
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
    /* Range first: the cast of anything outside it is undefined. */
    if (*end || !(v >= 0 && v <= 9e15) || v != floor(v))
        return field_error(c, col, err, "'%s' needs a whole count >= 0, "
                                        "found '%s' (counts stop at 9e15)",
                           names[k], buf);
    *out = (uint64_t)v;
    return TG_OK;
}

/* Is the summary's value v (len bytes) a key the slicing can produce? */
static int slice_value_ok(const tg_slice_spec *s, const char *v, size_t len)
{
    char buf[64];
    if (len > TG_SLICE_MAX_KEY)
        return 0;
    if (s->is_boolean)
        return (len == 4 && !memcmp(v, "true", 4)) ||
               (len == 5 && !memcmp(v, "false", 5));
    if (s->kind == TG_SLICE_MONTH)
        return len == 7 && v[4] == '-' &&
               tg_parse_date((snprintf(buf, sizeof buf, "%.7s-01", v), buf),
                             10) != 0;
    if (s->kind == TG_SLICE_BINS) {
        for (int i = 0; i <= s->nedges; i++)
            if (strlen(tg_slice_bin_label(s, i, buf)) == len &&
                !memcmp(buf, v, len))
                return 1;
        return 0;
    }
    return 1;
}

/*
 * The rows seen, by key: the split and tier and every column that is
 * not a count or a date (slice values, or anything else the export
 * groups by). A second row with the same key is an error: a summary
 * that double counts must not pass a gate. Open addressing on FNV-1a.
 */
typedef struct {
    char **key;
    size_t *len;
    size_t cap, n;
} key_set;

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* 1 when key was new (and is now kept), 0 when seen, -1 on no memory. */
static int key_set_add(key_set *ks, const char *key, size_t len)
{
    if (2 * (ks->n + 1) > ks->cap) {
        size_t ncap = ks->cap ? 2 * ks->cap : 64;
        char **nk = calloc(ncap, sizeof *nk);
        size_t *nl = calloc(ncap, sizeof *nl);
        if (!nk || !nl) {
            free(nk);
            free(nl);
            return -1;
        }
        for (size_t i = 0; i < ks->cap; i++)
            if (ks->key[i]) {
                size_t j = fnv1a(ks->key[i], ks->len[i]) & (ncap - 1);
                while (nk[j])
                    j = (j + 1) & (ncap - 1);
                nk[j] = ks->key[i];
                nl[j] = ks->len[i];
            }
        free(ks->key);
        free(ks->len);
        ks->key = nk;
        ks->len = nl;
        ks->cap = ncap;
    }
    size_t j = fnv1a(key, len) & (ks->cap - 1);
    for (; ks->key[j]; j = (j + 1) & (ks->cap - 1))
        if (ks->len[j] == len && memcmp(ks->key[j], key, len) == 0)
            return 0;
    if (!(ks->key[j] = malloc(len ? len : 1)))
        return -1;
    memcpy(ks->key[j], key, len);
    ks->len[j] = len;
    ks->n++;
    return 1;
}

static void key_set_free(key_set *ks)
{
    for (size_t i = 0; i < ks->cap; i++)
        free(ks->key[i]);
    free(ks->key);
    free(ks->len);
}

/* The key of the current row (see key_set) into *buf (grown as needed):
 * each key field's length, then its bytes; the split in upper case. */
static int row_key(tg_csv *c, const int *col, const unsigned char *is_key,
                   size_t nfields, char **buf, size_t *cap, size_t *len)
{
    size_t need = 0;
    for (size_t i = 0; i < nfields; i++)
        if (is_key[i]) {
            size_t l;
            tg_csv_field(c, i, &l);
            need += l + sizeof(size_t);
        }
    if (need > *cap) {
        char *nb = realloc(*buf, need);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = need;
    }
    size_t off = 0;
    for (size_t i = 0; i < nfields; i++) {
        if (!is_key[i])
            continue;
        size_t l;
        const char *f = tg_csv_field(c, i, &l);
        memcpy(*buf + off, &l, sizeof l);
        off += sizeof l;
        for (size_t k = 0; k < l; k++)
            (*buf)[off + k] = (int)i == col[C_SPLIT]
                                  ? (char)((f[k] >= 'a' && f[k] <= 'z') ? f[k] - 32
                                                                        : f[k])
                                  : f[k];
        off += l;
    }
    *len = off;
    return 0;
}

static void add_counts(tg_tally *t, int split, int tier, uint64_t leads,
                       uint64_t labeled, uint64_t conv)
{
    tg_count *cell = &t->cells[split * t->ntiers + tier];
    cell->leads += leads;
    cell->labeled += labeled;
    cell->conversions += conv;
    t->rows += leads;
}

/* Open the summary and read its header; hint names the columns it needs. */
static int open_summary(tg_csv **c, const char *path, const char *hint,
                        tg_error *err)
{
    int rc = tg_csv_open(c, path, err);
    if (rc)
        return rc;
    if ((rc = tg_csv_next(*c, err)) <= 0) {
        if (rc == 0)
            rc = tg_error_set(err, TG_EINVAL, path, 1, 0,
                              "empty file: expected the header %s", hint);
        return rc;
    }
    return TG_OK;
}

/* The column of each field of names[] in the header, -1 when absent. */
static void find_columns(tg_csv *c, int col[C_N])
{
    for (int k = 0; k < C_N; k++)
        col[k] = -1;
    for (size_t i = 0; i < tg_csv_nfields(c); i++) {
        size_t len;
        const char *f = tg_csv_field(c, i, &len);
        for (int k = 0; k < C_N; k++)
            if (strlen(names[k]) == len && strncasecmp(f, names[k], len) == 0)
                col[k] = (int)i;
    }
}

/* Which columns make a row's key (see key_set): all but counts and dates. */
static unsigned char *key_columns(const int col[C_N], size_t nheader)
{
    unsigned char *is_key = calloc(nheader, 1);
    if (!is_key)
        return NULL;
    for (size_t i = 0; i < nheader; i++)
        is_key[i] = 1;
    for (int k = C_LEADS; k < C_N; k++)
        if (col[k] >= 0)
            is_key[col[k]] = 0;
    return is_key;
}

/* The column of each slicing (its summary column name) in the header. */
static int slice_columns(tg_csv *c, const tg_slicing *sl, int nsl, int *scol,
                         const char *path, tg_error *err)
{
    for (int k = 0; k < nsl; k++) {
        char want[TG_SLICE_MAX_NAME + 16];
        tg_slice_summary_column(&sl[k].spec, want, sizeof want);
        scol[k] = -1;
        for (size_t i = 0; i < tg_csv_nfields(c); i++) {
            size_t len;
            const char *f = tg_csv_field(c, i, &len);
            if (strlen(want) == len && strncasecmp(f, want, len) == 0)
                scol[k] = (int)i;
        }
        if (scol[k] < 0)
            return tg_error_set(err, TG_EINVAL, path, 1, 0,
                                "--slice '%s': no column '%s' (generate the "
                                "summary with `tiergate sql --emit summary "
                                "--slice %s`)",
                                sl[k].spec.expr, want, sl[k].spec.expr);
    }
    return TG_OK;
}

/* A row with another number of fields than the header: the error points
 * at the first extra field, or just past the last one. */
static int width_error(tg_csv *c, size_t nheader, const char *path,
                       tg_error *err)
{
    size_t at = tg_csv_nfields(c) > nheader ? nheader : tg_csv_nfields(c) - 1;
    long line, column;
    tg_csv_field_position(c, at, &line, &column);
    if (tg_csv_nfields(c) < nheader) {
        size_t flen;
        tg_csv_field(c, at, &flen);
        column += (long)flen;
    }
    int rc = tg_error_set(err, TG_EINVAL, path, line, column,
                          "expected %zu fields as in the header, found %zu",
                          nheader, tg_csv_nfields(c));
    tg_csv_error_context(c, at, err);
    if (err && err->caret >= 0 && tg_csv_nfields(c) < nheader)
        err->caret = column - 1;
    return rc;
}

/* One row's tier, split and counts, checked against each other. */
typedef struct {
    char tier_name[256];
    int tier, split;
    uint64_t leads, labeled, conv;
} summary_row;

static int read_row(tg_csv *c, const int col[C_N], const tg_rules *rules,
                    summary_row *r, tg_error *err)
{
    size_t len;
    const char *f = tg_csv_field(c, (size_t)col[C_TIER], &len);
    snprintf(r->tier_name, sizeof r->tier_name, "%.*s", (int)len, f);
    if ((r->tier = tg_rules_tier_index(rules, r->tier_name)) < 0)
        return field_error(c, col[C_TIER], err, "unknown tier '%s' (not in "
                           "%s)", r->tier_name, rules->model_id);
    f = tg_csv_field(c, (size_t)col[C_SPLIT], &len);
    r->split = len == 5 && strncasecmp(f, "TRAIN", 5) == 0 ? TG_SPLIT_TRAIN
             : len == 4 && strncasecmp(f, "TEST", 4) == 0  ? TG_SPLIT_TEST
                                                           : TG_SPLIT_OTHER;
    int rc;
    if ((rc = count_of(c, col, C_LEADS, &r->leads, err)) ||
        (rc = count_of(c, col, C_LABELED, &r->labeled, err)) ||
        (rc = count_of(c, col, C_CONV, &r->conv, err)))
        return rc;
    char a[24], b[24];
    if (r->labeled > r->leads || r->conv > r->labeled) {
        int over = r->labeled > r->leads;
        snprintf(a, sizeof a, "%llu",
                 (unsigned long long)(over ? r->labeled : r->conv));
        snprintf(b, sizeof b, "%llu",
                 (unsigned long long)(over ? r->leads : r->labeled));
        return field_error(c, col[over ? C_LABELED : C_CONV], err,
                           over ? "labeled (%s) exceeds leads (%s)"
                                : "conversions (%s) exceed labeled (%s)",
                           a, b);
    }
    return TG_OK;
}

/* The row's first and last contacted dates (0 when empty or absent). */
static int read_dates(tg_csv *c, const int col[C_N], int dates[2],
                      tg_error *err)
{
    dates[0] = dates[1] = 0;
    for (int d = C_FIRST; d <= C_LAST; d++) {
        if (col[d] < 0)
            continue;
        size_t len;
        const char *f = tg_csv_field(c, (size_t)col[d], &len);
        if (len == 0)
            continue;
        int v = tg_parse_date(f, len);
        if (!v) {
            char text[48];
            snprintf(text, sizeof text, "%.*s", (int)(len < 40 ? len : 40), f);
            return field_error(c, col[d], err, "'%s' needs a date "
                               "(YYYY-MM-DD), found '%s'", names[d], text);
        }
        dates[d - C_FIRST] = v;
    }
    return TG_OK;
}

/* A second row with the same key double counts: an error at its tier. */
static int check_unique(tg_csv *c, const int col[C_N],
                        const unsigned char *is_key, size_t nheader,
                        key_set *seen, char **rowkey, size_t *key_cap,
                        const summary_row *r, const char *path, tg_error *err)
{
    size_t key_len = 0;
    int fresh = row_key(c, col, is_key, nheader, rowkey, key_cap, &key_len)
                    ? -1
                    : key_set_add(seen, *rowkey, key_len);
    if (fresh < 0)
        return tg_error_oom(err, path);
    if (!fresh) {
        size_t len;
        const char *f = tg_csv_field(c, (size_t)col[C_SPLIT], &len);
        char sp[48];
        snprintf(sp, sizeof sp, "%.*s", (int)(len < 40 ? len : 40), f);
        return field_error(c, col[C_TIER], err, "a second row for split "
                           "'%s' and tier '%.100s' (same values in every "
                           "other key column too)", sp, r->tier_name);
    }
    return TG_OK;
}

/* The row's counts into the tally of its value of every slicing. */
static int add_to_slices(tg_csv *c, tg_slicing *sl, int nsl, const int *scol,
                         const tg_rules *rules, const summary_row *r,
                         tg_tally **slice_t, const char *path, tg_error *err)
{
    for (int q = 0; q < nsl; q++) {
        char key[TG_SLICE_MAX_KEY + 1];
        size_t len;
        const char *f = tg_csv_field(c, (size_t)scol[q], &len);
        if (len && !slice_value_ok(&sl[q].spec, f, len)) {
            char expr[48], val[48];
            snprintf(val, sizeof val, "%.*s", (int)(len < 40 ? len : 40), f);
            snprintf(expr, sizeof expr, "%.40s", sl[q].spec.expr);
            return field_error(c, scol[q], err,
                               "'%s' is not a value of --slice %s "
                               "(regenerate the summary with the same "
                               "--slice)",
                               val, expr);
        }
        snprintf(key, sizeof key, "%.*s", (int)len, f);
        int rc = tg_slicing_cell(&sl[q], rules, len ? key : NULL, &slice_t[q],
                                 err);
        if (rc) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            tg_error_set(err, rc, path, tg_csv_record_line(c), 0, "%s", msg);
            return rc;
        }
        add_counts(slice_t[q], r->split, r->tier, r->leads, r->labeled,
                   r->conv);
    }
    return TG_OK;
}

int tg_summary_load(tg_tally *t, const tg_rules *rules, const char *path,
                    tg_error *err)
{
    return tg_summary_load_sliced(t, NULL, 0, rules, path, err);
}

/* What loading one summary keeps between its rows. */
typedef struct {
    tg_csv *c;
    const char *path;
    const tg_rules *rules;
    tg_slicing *sl;
    int nsl;
    int col[C_N];
    int scol[TG_SUMMARY_MAX_SLICINGS];
    size_t nheader;
    unsigned char *is_key;
    key_set seen;
    char *rowkey;
    size_t key_cap;
} summary_load;

/* The header: the columns every summary has, and each slicing's. */
static int load_header(summary_load *L, tg_error *err)
{
    int rc = open_summary(&L->c, L->path,
                          "split,tier,leads,labeled,conversions", err);
    if (rc)
        return rc;
    find_columns(L->c, L->col);
    for (int k = 0; k <= C_CONV; k++)
        if (L->col[k] < 0)
            return tg_error_set(err, TG_EINVAL, L->path, 1, 0,
                                "missing column '%s' (a summary has split,"
                                "tier,leads,labeled,conversions)",
                                names[k]);
    L->nheader = tg_csv_nfields(L->c);
    if (!(L->is_key = key_columns(L->col, L->nheader)))
        return tg_error_oom(err, L->path);
    return slice_columns(L->c, L->sl, L->nsl, L->scol, L->path, err);
}

/* One data row into t and the slicings, after every check. */
static int load_row(summary_load *L, tg_tally *t, tg_error *err)
{
    tg_csv *c = L->c;
    if (tg_csv_nfields(c) != L->nheader)
        return width_error(c, L->nheader, L->path, err);
    summary_row r;
    int rc = read_row(c, L->col, L->rules, &r, err);
    if (rc || (rc = check_unique(c, L->col, L->is_key, L->nheader, &L->seen,
                                 &L->rowkey, &L->key_cap, &r, L->path, err)))
        return rc;
    /* Each count is at most 9e15; so is their total, so that no sum
     * wraps around (counts are 64-bit). */
    if (t->rows + r.leads > (uint64_t)9e15)
        return field_error(c, L->col[C_LEADS], err, "the summary's leads add "
                           "up to more than %s%s", "9e15", "");
    add_counts(t, r.split, r.tier, r.leads, r.labeled, r.conv);
    tg_tally *slice_t[TG_SUMMARY_MAX_SLICINGS];
    int dates[2];
    if ((rc = add_to_slices(c, L->sl, L->nsl, L->scol, L->rules, &r, slice_t,
                            L->path, err)) ||
        (rc = read_dates(c, L->col, dates, err)))
        return rc;
    if (dates[0] && dates[1] && dates[0] > dates[1]) {
        char d0[11], d1[11];
        return field_error(c, L->col[C_LAST], err, "last_contacted_date %s is "
                           "before first_contacted_date %s",
                           tg_format_date(dates[1], d1),
                           tg_format_date(dates[0], d0));
    }
    for (int d = 0; d < 2; d++) {
        tg_tally_see_date(t, r.split, dates[d]);
        for (int q = 0; q < L->nsl; q++)
            tg_tally_see_date(slice_t[q], r.split, dates[d]);
    }
    return TG_OK;
}

int tg_summary_load_sliced(tg_tally *t, tg_slicing *sl, int nsl,
                           const tg_rules *rules, const char *path,
                           tg_error *err)
{
    if (nsl > TG_SUMMARY_MAX_SLICINGS)
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "at most %d slicings", TG_SUMMARY_MAX_SLICINGS);
    summary_load L = {.path = path, .rules = rules, .sl = sl, .nsl = nsl};
    int rc = tg_tally_init(t, rules, err);
    if (rc)
        return rc;
    if ((rc = load_header(&L, err)) == TG_OK) {
        while ((rc = tg_csv_next(L.c, err)) == 1)
            if ((rc = load_row(&L, t, err)))
                break;
        if (rc == 0)
            for (int q = 0; q < nsl; q++)
                tg_slicing_sort(&sl[q]);
    }
    key_set_free(&L.seen);
    free(L.is_key);
    free(L.rowkey);
    tg_csv_free(L.c);
    if (rc)
        tg_tally_release(t);
    return rc;
}

/*
 * The sweep's summary (`sql --emit sweep`): the same columns and checks
 * plus `variant`, whose value sends the row to that variant's tally.
 */
int tg_summary_load_variants(tg_tally *ts, tg_rules *const *rs,
                             const char *const *vnames, int n,
                             const char *path, tg_error *err)
{
    tg_csv *c = NULL;
    int col[C_N], vcol = -1, rc = TG_OK, ninit = 0;
    for (; ninit < n; ninit++)
        if ((rc = tg_tally_init(&ts[ninit], rs[ninit], err)))
            goto fail;
    if ((rc = open_summary(&c, path, "variant,split,tier,leads,labeled,"
                                     "conversions", err)))
        goto fail;
    find_columns(c, col);
    for (size_t i = 0; i < tg_csv_nfields(c); i++) {
        size_t len;
        const char *f = tg_csv_field(c, i, &len);
        if (len == 7 && strncasecmp(f, "variant", 7) == 0)
            vcol = (int)i;
    }
    for (int k = 0; k <= C_CONV; k++)
        if (col[k] < 0 || vcol < 0) {
            rc = tg_error_set(err, TG_EINVAL, path, 1, 0,
                              "missing column '%s' (a sweep summary has "
                              "variant,split,tier,leads,labeled,conversions)",
                              vcol < 0 ? "variant" : names[k]);
            goto fail;
        }
    int maxcol = vcol;
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
        char text[256];
        const char *f = tg_csv_field(c, (size_t)vcol, &len);
        int v = 0;
        while (v < n && !(strlen(vnames[v]) == len &&
                          memcmp(vnames[v], f, len) == 0))
            v++;
        if (v == n) {
            snprintf(text, sizeof text, "%.*s", (int)(len > 100 ? 100 : len), f);
            rc = field_error(c, vcol, err, "unknown variant '%s'%s", text,
                             " (not in the sweep)");
            goto fail;
        }
        summary_row r;
        int dates[2];
        if ((rc = read_row(c, col, rs[v], &r, err)))
            goto fail;
        add_counts(&ts[v], r.split, r.tier, r.leads, r.labeled, r.conv);
        if ((rc = read_dates(c, col, dates, err)))
            goto fail;
        for (int d = 0; d < 2; d++)
            if (dates[d])
                tg_tally_see_date(&ts[v], r.split, dates[d]);
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
