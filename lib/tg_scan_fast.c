/*
 * The fast path of the tally scan, and the tally of one source.
 *
 * Most exported rows are plain: no quotes, LF endings, integers, the
 * header's field count. For those the scan fuses tokenising, parsing
 * and tier lookup: the separators' offsets are listed a chunk at a time
 * (tg_scan_simd.c), so a plain record's columns are spans between them
 * and only the rules' columns are read; integers are parsed eight digits
 * at a time, and each feature's value maps straight to its region of
 * the tier table through a small lookup array. Any other record (quotes, CR, decimals, a bad value, a
 * blank line, a short row) is handed to the general reader, one record
 * at a time, so results and messages are the same either way.
 */
#include "tg_scan_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_scan_dates.h"
#include "tg_scan_number.h"
#include "tg_scan_simd.h"

enum { ACT_SKIP = 0, ACT_FEATURE, ACT_TARGET, ACT_SPLIT, ACT_DATE };

#define TG_LUT_MAX 65536
/* Bytes listed at a time: the offsets of one chunk stay in the
 * first-level cache. */
#define TG_FAST_CHUNK 4096

/* What the fast path does with one column, all in one place. */
typedef struct {
    int action;
    int col;                 /* its place in the header */
    int lut_n;               /* values the array spans, 0 when none */
    int64_t lut_lo;          /* value of lut[1] */
    const uint32_t *lut;     /* region * stride: lut[0] for any value
                                below lut_lo, lut[1 + k] for lut_lo + k,
                                lut[lut_n + 1] for any value above */
    int slot;
    int is_bool;             /* true/false allowed */
    int64_t vmin, vmax;      /* declared range; outside it the general
                                reader decides (error or warning) */
} fast_col;

typedef struct {
    int ncols;
    fast_col *cols;          /* per header column */
    uint32_t **luts;         /* per slot, owned */
    unsigned char *action;   /* per header column */
    int *slot;               /* per column: its slot in the tier table */
    int nslots;
    int64_t *lut_lo;         /* per slot: value of lut[0] */
    int *lut_n;              /* entries, 0 when there is no array */
    uint32_t **lut;          /* region of each integer lo .. lo+n-1: a
                                feature cut at n values has 2n + 2
                                regions, more than a byte holds once n
                                passes 127 (an IN list of 200 values) */
    uint32_t *stride;
    int *ncut;
    const double **cut;
    int nfeat_cols;          /* the feature columns, in header order: */
    fast_col *feat_cols;     /* copies, read one after the other */
    int target_col, split_col, date_col; /* -1 when absent */
    tg_sep_list_fn list;
    uint32_t *pos;           /* separator offsets + 1, after one slot */
} fast_plan;

static void fast_plan_release(fast_plan *fp)
{
    if (!fp)
        return;
    for (int i = 0; i < fp->nslots && fp->lut; i++)
        free(fp->lut[i]);
    for (int i = 0; i < fp->nslots && fp->luts; i++)
        free(fp->luts[i]);
    free(fp->luts);
    free(fp->cols);
    free(fp->lut);
    free(fp->lut_lo);
    free(fp->lut_n);
    free(fp->action);
    free(fp->slot);
    free(fp->feat_cols);
    free(fp->pos);
    memset(fp, 0, sizeof *fp);
}

static int region_of(const double *c, int n, double v)
{
    int k = 0;
    while (k < n && c[k] < v)
        k++;
    return (k < n && c[k] == v) ? 2 + 2 * k : 1 + 2 * k;
}

/*
 * The whole numbers of a declared range [lo, hi] (NAN: no bound) as
 * vmin..vmax. The bounds are clamped to +-9e15: the fast path's values
 * have at most 8 digits, so this changes no answer, and it keeps the
 * casts defined (a bound of 1e300 has no int64_t). A range without a
 * whole number (0.5..0.7) becomes {INT64_MAX}, a value no 8-digit field
 * has, so that every value goes to the general reader, which reports it;
 * vmin > vmax would wrap the unsigned range check and let every value
 * in.
 */
static void whole_numbers(double lo, double hi, int64_t *vmin, int64_t *vmax)
{
    double a = isnan(lo) ? -9e15 : fmax(-9e15, fmin(9e15, ceil(lo)));
    double b = isnan(hi) ? 9e15 : fmax(-9e15, fmin(9e15, floor(hi)));
    if (a > b) {
        *vmin = *vmax = INT64_MAX;
        return;
    }
    *vmin = (int64_t)a;
    *vmax = (int64_t)b;
}

/* The region of each integer around slot i's cuts, when they span few
 * enough (else none: fast_row searches the cuts). -1 out of memory. */
static int plan_regions(fast_plan *fp, const tg_tiermap *m, int i)
{
    int n = m->ncut[i];
    if (n == 0)
        return 0;
    double lo = floor(m->cut[i][0]) - 1, hi = ceil(m->cut[i][n - 1]) + 1;
    /* Far from zero the cast to an integer would be undefined. */
    if (!(lo >= -9e15 && hi <= 9e15) || hi - lo + 1 > TG_LUT_MAX)
        return 0;
    fp->lut_lo[i] = (int64_t)lo;
    fp->lut_n[i] = (int)(hi - lo + 1);
    fp->lut[i] = malloc((size_t)fp->lut_n[i] * sizeof **fp->lut);
    if (!fp->lut[i])
        return -1;
    for (int k = 0; k < fp->lut_n[i]; k++)
        fp->lut[i][k] = (uint32_t)region_of(m->cut[i], n, lo + k);
    return 0;
}

/* 0 when the plan is ready, -1 when this source cannot use the path. */
static int fast_plan_init(fast_plan *fp, const tg_source *s)
{
    const tg_tiermap *m = s->rules->map;
    memset(fp, 0, sizeof *fp);
    if (!m || !(fp->list = tg_scan_sep_lister()))
        return -1;
    fp->ncols = s->schema.ncols;
    fp->action = calloc((size_t)fp->ncols, 1);
    fp->slot = calloc((size_t)fp->ncols, sizeof *fp->slot);
    fp->nslots = m->nfeat;
    fp->lut = calloc((size_t)m->nfeat + 1, sizeof *fp->lut);
    fp->lut_lo = calloc((size_t)m->nfeat + 1, sizeof *fp->lut_lo);
    fp->lut_n = calloc((size_t)m->nfeat + 1, sizeof *fp->lut_n);
    if (!fp->action || !fp->slot || !fp->lut || !fp->lut_lo || !fp->lut_n) {
        fast_plan_release(fp);
        return -1;
    }
    fp->stride = m->stride;
    fp->ncut = m->ncut;
    fp->cut = (const double **)m->cut;
    for (int i = 0; i < m->nfeat; i++) {
        int col = s->schema.feature_col[m->feat[i]];
        /* A feature bound to the target, split or contacted_date column
         * (named so, or by an alias) is read by the general reader both
         * as a value and in its other role, which a date or a split
         * name fails: a column has one role here, so such a file is
         * left to the general reader whole. */
        if (col < 0 || fp->action[col] != ACT_SKIP ||
            col == s->schema.target_col || col == s->schema.split_col ||
            col == s->schema.date_col) {
            fast_plan_release(fp);
            return -1;
        }
        fp->action[col] = ACT_FEATURE;
        fp->slot[col] = i;
        if (plan_regions(fp, m, i) < 0) {
            fast_plan_release(fp);
            return -1;
        }
    }
    fp->action[s->schema.target_col] = ACT_TARGET;
    if (s->schema.split_col >= 0)
        fp->action[s->schema.split_col] = ACT_SPLIT;
    if (s->schema.date_col >= 0)
        fp->action[s->schema.date_col] = ACT_DATE;
    fp->cols = calloc((size_t)fp->ncols, sizeof *fp->cols);
    fp->luts = calloc((size_t)m->nfeat + 1, sizeof *fp->luts);
    if (!fp->cols || !fp->luts) {
        fast_plan_release(fp);
        return -1;
    }
    fp->feat_cols = calloc((size_t)fp->ncols, sizeof *fp->feat_cols);
    /* The slot before, a record's separators carried over, a chunk's
     * and the entries the lister may write past them. */
    fp->pos = calloc((size_t)TG_FAST_CHUNK + (size_t)fp->ncols + 1 +
                         TG_SEP_LIST_SLACK,
                     sizeof *fp->pos);
    if (!fp->feat_cols || !fp->pos) {
        fast_plan_release(fp);
        return -1;
    }
    fp->target_col = fp->split_col = fp->date_col = -1;
    for (int col = 0; col < fp->ncols; col++) {
        fast_col *fc = &fp->cols[col];
        fc->action = fp->action[col];
        if (fc->action == ACT_TARGET)
            fp->target_col = col;
        else if (fc->action == ACT_SPLIT)
            fp->split_col = col;
        else if (fc->action == ACT_DATE)
            fp->date_col = col;
        if (fc->action != ACT_FEATURE)
            continue;
        int i = fp->slot[col];
        const tg_feature *ft = &s->rules->features[m->feat[i]];
        fc->slot = i;
        fc->is_bool = ft->is_boolean;
        /* A boolean's declared range may be narrower than 0..1. */
        if (ft->is_boolean)
            whole_numbers(fmax(ft->min, 0), fmin(ft->max, 1), &fc->vmin,
                          &fc->vmax);
        else
            whole_numbers(ft->min, ft->max, &fc->vmin, &fc->vmax);
        fc->lut_n = fp->lut_n[i];
        fc->lut_lo = fp->lut_lo[i];
        if (fc->lut_n) {
            uint32_t *l = malloc(((size_t)fc->lut_n + 2) * sizeof(uint32_t));
            if (!(fp->luts[i] = l)) {
                fast_plan_release(fp);
                return -1;
            }
            l[0] = 1 * m->stride[i];
            for (int k = 0; k < fc->lut_n; k++)
                l[k + 1] = fp->lut[i][k] * m->stride[i];
            l[fc->lut_n + 1] = (uint32_t)(2 * m->ncut[i] + 1) * m->stride[i];
            fc->lut = l;
        }
        fc->col = col;
        fp->feat_cols[fp->nfeat_cols++] = *fc;
    }
    /* A column given two roles (the target also named as the split,
     * say) is left to the general reader, which reports it. */
    if (fp->target_col < 0 ||
        (s->schema.split_col >= 0) != (fp->split_col >= 0)) {
        fast_plan_release(fp);
        return -1;
    }
    return 0;
}

/*
 * Count one plain record into t. ps[c] is the offset (+ 1) of the
 * separator closing column c, ps[-1] that of the record's start, so
 * column c spans [ps[c - 1], ps[c] - 1). Returns 0, or -1 when a value
 * needs the general reader.
 */
static inline int fast_row(const fast_plan *fp, const tg_source *s,
                           tg_tally *t, const char *b, const uint32_t *ps)
{
    const tg_tiermap *m = s->rules->map;
    size_t idx = 0;
    for (int i = 0; i < fp->nfeat_cols; i++) {
        const fast_col *fc = &fp->feat_cols[i];
        int col = fc->col;
        const char *f = b + ps[col - 1];
        size_t flen = ps[col] - 1 - ps[col - 1];
        int64_t v;
        if (flen == 0)
            continue; /* NULL: region 0 */
        int w = tg_fast_int(f, flen, &v);
        /* A word for a number, a boolean not written 0, 1, true or
         * false ("00" and "-0" are whole numbers, not booleans), or a
         * value outside the declared range: the general reader
         * decides. */
        if (w < 0 || (fc->is_bool ? w == 0 && flen != 1 : w > 0) ||
            (uint64_t)v - (uint64_t)fc->vmin > (uint64_t)fc->vmax - (uint64_t)fc->vmin)
            return -1;
        if (fc->lut_n) {
            /* The array spans every cut: outside it a value is below
             * the first or above the last. Clamped without branches:
             * the side is unpredictable. */
            int64_t o = v - fc->lut_lo + 1;
            o = o < 0 ? 0 : o;
            o = o > fc->lut_n + 1 ? fc->lut_n + 1 : o;
            idx += fc->lut[o];
        } else {
            int k = fc->slot;
            idx += (size_t)region_of(fp->cut[k], fp->ncut[k], (double)v) *
                   fp->stride[k];
        }
    }
    int target = -1, split = TG_SPLIT_OTHER, date = 0;
    {
        const char *f = b + ps[fp->target_col - 1];
        size_t flen = ps[fp->target_col] - 1 - ps[fp->target_col - 1];
        if (flen == 1 && (f[0] == '0' || f[0] == '1'))
            target = f[0] - '0';
        else if (flen != 0)
            return -1;
    }
    if (fp->date_col >= 0) {
        const char *f = b + ps[fp->date_col - 1];
        size_t flen = ps[fp->date_col] - 1 - ps[fp->date_col - 1];
        if (flen && !(date = tg_date_of_padded(f, flen)))
            return -1;
    }
    if (fp->split_col >= 0) {
        const char *f = b + ps[fp->split_col - 1];
        size_t flen = ps[fp->split_col] - 1 - ps[fp->split_col - 1];
        /* Other values are counted by value, off this path. */
        if ((split = tg_split_of_name_padded(f, flen)) == TG_SPLIT_OTHER)
            return -1;
    } else if ((split = tg_split_of_date(s->dates, date)) == TG_SPLIT_OTHER) {
        return -1;
    }
    tg_count *c = &t->cells[split * t->ntiers + m->tier[idx]];
    c->leads++;
    if (target >= 0) {
        c->labeled++;
        c->conversions += (uint64_t)target;
    }
    tg_tally_see_date(t, split, date);
    t->rows++;
    return 0;
}

/*
 * How many of the n records listed in P (ncols separators each) are
 * plain: ncols - 1 commas, then a newline. When every ncols-th
 * separator is a newline and there are n newlines in all, there is no
 * other newline and all n are: checked at once, cheaply. Otherwise the
 * records are checked one by one, to find the first that is not.
 */
static uint32_t plain_records(const char *b, const uint32_t *P, uint32_t np,
                              uint32_t ncols, uint32_t n)
{
    if ((uint64_t)n * ncols <= np) {
        unsigned bad = 0;
        for (uint32_t j = ncols - 1; j < n * ncols; j += ncols)
            bad |= b[P[j] - 1] != '\n';
        if (!bad)
            return n;
    }
    for (uint32_t k = 0, j = 0;; k++, j += ncols) {
        if (j + ncols > np)
            return k;
        for (uint32_t c = 0; c + 1 < ncols; c++)
            if (b[P[j + c] - 1] != ',')
                return k;
        if (b[P[j + ncols - 1] - 1] != '\n')
            return k;
    }
}

/*
 * Parse the plain records at the start of the window [b, b+len) into
 * t. Returns the bytes consumed; *lines gets their count, *stop is set
 * when the record at the returned offset needs the general reader (as
 * opposed to more input).
 *
 * The separators' offsets are listed a chunk at a time (SIMD, see
 * tg_scan_simd.c); in a plain record column c is
 * simply the span between separators c - 1 and c, so only the columns
 * the rules use are looked at. A quote or a CR stops the listing, so
 * the record holding one goes to the general reader.
 */
static size_t fast_records(const fast_plan *fp, const tg_source *s,
                           tg_tally *t, const char *b, size_t len,
                           long *lines, int *stop)
{
    const uint32_t ncols = (uint32_t)fp->ncols;
    uint32_t *P = fp->pos + 1; /* P[-1]: where the held record starts */
    uint32_t np = 0;
    size_t r = 0;
    long nl = 0;
    int special = 0;
    *stop = 0;
    for (size_t base = 0; base < len && !special; base += TG_FAST_CHUNK) {
        size_t nbytes = len - base < TG_FAST_CHUNK ? len - base : TG_FAST_CHUNK;
        uint32_t newlines;
        np += (uint32_t)fp->list(b + base, nbytes, (uint32_t)base, P + np,
                                 &newlines, &special);
        P[-1] = (uint32_t)r;
        uint32_t plain = plain_records(b, P, np, ncols, newlines), j = 0;
        for (uint32_t k = 0; k < plain; k++, j += ncols) {
            if (fast_row(fp, s, t, b, P + j) < 0)
                goto anomaly;
            r = P[j + ncols - 1];
            nl++;
        }
        /* Fewer or more fields than the header: not plain. The record
         * at r may go on past this chunk, but not with ncols fields
         * already and no newline. */
        np -= j;
        if (plain < newlines || np >= ncols)
            goto anomaly;
        memmove(P, P + j, np * sizeof *P);
    }
    *lines = nl;
    /* A quote or a CR in the record at r, or the window ends inside it
     * (more input is needed). */
    *stop = special;
    return r;
anomaly:
    *stop = 1;
    *lines = nl;
    return r;
}

int tg_source_tally(tg_source *s, tg_tally *t, int skip, tg_error *first_skip,
                    tg_error *err)
{
    fast_plan fp;
    int fast = fast_plan_init(&fp, s) == 0;
    int rc = TG_OK;
    uint64_t slow_rows = 0; /* rows of the general reader, for progress */
    for (;;) {
        if (fast) {
            const char *w;
            size_t len;
            long lines;
            int stop;
            tg_csv_window(s->csv, &w, &len);
            uint64_t rows_before = t->rows;
            size_t used = fast_records(&fp, s, t, w, len, &lines, &stop);
            tg_csv_consume(s->csv, used, lines);
            tg_progress_add(s->progress, t->rows - rows_before, used);
            if (!stop) {
                int more = tg_csv_more(s->csv, err);
                if (more < 0) {
                    rc = more;
                    break;
                }
                if (more > 0)
                    continue;
                /* End of input: a last line without a newline, if any,
                 * goes through the general reader below. */
            }
        }
        uint64_t before = t->skipped;
        int r = tg_source_next(s, skip, &t->skipped, t->skipped_by, first_skip,
                               err);
        t->rows += t->skipped - before;
        if (r <= 0) {
            rc = r;
            break;
        }
        t->rows++;
        tg_scan_tally_row(t, &s->row);
        if (s->progress && (++slow_rows & 4095) == 0)
            tg_progress_add(s->progress, 4096, 0);
    }
    if (s->progress)
        tg_progress_add(s->progress, slow_rows & 4095, 0);
    fast_plan_release(&fp);
    for (int f = 0; f < t->nfeatures && f < s->rules->nfeatures; f++) {
        t->out_of_range[f] += s->oor[f];
        s->oor[f] = 0;
    }
    return rc;
}
