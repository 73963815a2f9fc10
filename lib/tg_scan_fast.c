/*
 * The fast path of the tally scan, and the tally of one source.
 *
 * Most exported rows are plain: no quotes, LF endings, integers, the
 * header's field count. For those the scan fuses tokenising, parsing
 * and tier lookup: a 64-byte bit mask of separators gives each field's
 * end, integers are parsed eight digits at a time, and each feature's
 * value maps straight to its region of the tier table through a small
 * lookup array. Any other record (quotes, CR, decimals, a bad value, a
 * blank line, a short row) is handed to the general reader, one record
 * at a time, so results and messages are the same either way.
 */
#include "tg_scan_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_csv_mask.h"
#include "tg_scan_dates.h"
#include "tg_scan_number.h"

enum { ACT_SKIP = 0, ACT_FEATURE, ACT_TARGET, ACT_SPLIT, ACT_DATE };

#define TG_LUT_MAX 65536

/* What the fast path does with one column, all in one place. */
typedef struct {
    int action;
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
    unsigned char **lut;     /* region of each integer lo .. lo+n-1 */
    uint32_t *stride;
    int *ncut;
    const double **cut;
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
    memset(fp, 0, sizeof *fp);
}

static int region_of(const double *c, int n, double v)
{
    int k = 0;
    while (k < n && c[k] < v)
        k++;
    return (k < n && c[k] == v) ? 2 + 2 * k : 1 + 2 * k;
}

/* 0 when the plan is ready, -1 when this source cannot use the path. */
static int fast_plan_init(fast_plan *fp, const tg_source *s)
{
    const tg_tiermap *m = s->rules->map;
    memset(fp, 0, sizeof *fp);
    if (!m)
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
        if (col < 0) {
            fast_plan_release(fp);
            return -1;
        }
        fp->action[col] = ACT_FEATURE;
        fp->slot[col] = i;
        int n = m->ncut[i];
        if (n == 0)
            continue;
        double lo = floor(m->cut[i][0]) - 1, hi = ceil(m->cut[i][n - 1]) + 1;
        /* Far from zero the cast to an integer would be undefined. */
        if (!(lo >= -9e15 && hi <= 9e15) || hi - lo + 1 > TG_LUT_MAX)
            continue;
        fp->lut_lo[i] = (int64_t)lo;
        fp->lut_n[i] = (int)(hi - lo + 1);
        fp->lut[i] = malloc((size_t)fp->lut_n[i]);
        if (!fp->lut[i]) {
            fast_plan_release(fp);
            return -1;
        }
        for (int k = 0; k < fp->lut_n[i]; k++)
            fp->lut[i][k] = (unsigned char)region_of(m->cut[i], n, lo + k);
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
    for (int col = 0; col < fp->ncols; col++) {
        fast_col *fc = &fp->cols[col];
        fc->action = fp->action[col];
        if (fc->action != ACT_FEATURE)
            continue;
        int i = fp->slot[col];
        const tg_feature *ft = &s->rules->features[m->feat[i]];
        fc->slot = i;
        fc->is_bool = ft->is_boolean;
        fc->vmin = ft->is_boolean ? 0 : !(ft->min >= -9e15) ? INT64_MIN
                 : (int64_t)ceil(ft->min);
        fc->vmax = ft->is_boolean ? 1 : !(ft->max <= 9e15) ? INT64_MAX
                 : (int64_t)floor(ft->max);
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
    }
    return 0;
}

/*
 * Parse the simple records at the start of the window [b, b+len) into
 * t. Returns the bytes consumed; *lines gets their count, *stop is set
 * when the record at the returned offset needs the general reader (as
 * opposed to more input). Separators are visited as the set bits of
 * 64-byte masks, in order; each closes one field.
 */
static size_t fast_records(const fast_plan *fp, const tg_source *s,
                           tg_tally *t, const char *b, size_t len,
                           long *lines, int *stop)
{
    const tg_tiermap *m = s->rules->map;
    const tg_date_config *dc = s->dates;
    const int no_split = s->schema.split_col < 0;
    const int ncols = fp->ncols;
    const fast_col *cols = fp->cols;
    size_t r = 0, fs = 0, idx = 0;
    int col = 0, target = -1, split = TG_SPLIT_OTHER, date = 0;
    long nl = 0;
    *stop = 0;
    for (size_t base = 0; base < len; base += 64) {
        uint64_t mask = tg_csv_sep_mask(b + base);
        if (len - base < 64)
            mask &= ((uint64_t)1 << (len - base)) - 1;
        while (mask) {
            size_t q = base + (size_t)__builtin_ctzll(mask);
            mask &= mask - 1;
            char ch = b[q];
            if (ch != ',' && ch != '\n')
                goto anomaly; /* a quote or a CR */
            if (col < ncols) {
                const char *f = b + fs;
                size_t flen = q - fs;
                const fast_col *fc = &cols[col];
                switch (fc->action) {
                case ACT_SKIP:
                    break;
                case ACT_FEATURE: {
                    int64_t v;
                    if (flen == 0)
                        break; /* NULL: region 0 */
                    int w = tg_fast_int(f, flen, &v);
                    /* A word for a number, or a value outside the
                     * declared range: the general reader decides. */
                    if (w < 0 || (w > 0 && !fc->is_bool) || v < fc->vmin ||
                        v > fc->vmax)
                        goto anomaly;
                    if (fc->lut_n) {
                        /* The array spans every cut: outside it a value
                         * is below the first or above the last. Clamped
                         * without branches: the side is unpredictable. */
                        int64_t o = v - fc->lut_lo + 1;
                        o = o < 0 ? 0 : o;
                        o = o > fc->lut_n + 1 ? fc->lut_n + 1 : o;
                        idx += fc->lut[o];
                    } else {
                        int i = fc->slot;
                        idx += (size_t)region_of(fp->cut[i], fp->ncut[i],
                                                 (double)v) * fp->stride[i];
                    }
                    break;
                }
                case ACT_TARGET:
                    if (flen == 1 && (f[0] == '0' || f[0] == '1'))
                        target = f[0] - '0';
                    else if (flen != 0)
                        goto anomaly;
                    break;
                case ACT_SPLIT:
                    /* Other values are counted by value, off this path. */
                    if ((split = tg_split_of_name(f, flen)) == TG_SPLIT_OTHER)
                        goto anomaly;
                    break;
                default: /* ACT_DATE */
                    if (flen && !(date = tg_date_of(f, flen)))
                        goto anomaly;
                    break;
                }
            }
            col++;
            fs = q + 1;
            if (ch == ',')
                continue;
            /* End of a record. */
            if (col != ncols)
                goto anomaly;
            if (no_split) {
                split = tg_split_of_date(dc, date);
                if (split == TG_SPLIT_OTHER)
                    goto anomaly;
            }
            tg_count *c = &t->cells[split * t->ntiers + m->tier[idx]];
            c->leads++;
            if (target >= 0) {
                c->labeled++;
                c->conversions += (uint64_t)target;
            }
            tg_tally_see_date(t, split, date);
            t->rows++;
            nl++;
            r = fs;
            idx = 0;
            col = 0;
            target = -1;
            split = TG_SPLIT_OTHER;
            date = 0;
        }
    }
    /* The window ends inside the record at r: more input is needed. */
    *lines = nl;
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
