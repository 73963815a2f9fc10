/*
 * The one-pass sliced scan: the overall tally and every slicing's
 * tallies from the same rows, file after file or one worker per thread
 * over sharded exports. It goes through the row reader (tg_reader),
 * which hands out the raw fields the slice keys come from, rather than
 * the fused fast path of tg_scan, which never looks at columns the
 * rules do not read.
 */
#include "tg_slice.h"
#include "tg_scan_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The column of each slicing in the reader's current file. */
static int bind_columns(const tg_slicing *sl, int n, const tg_schema *sc,
                        const char *file, int *cols, tg_error *err)
{
    for (int k = 0; k < n; k++) {
        const tg_slice_spec *s = &sl[k].spec;
        cols[k] = -1;
        if (s->feature >= 0)
            cols[k] = sc->feature_col[s->feature];
        for (int i = 0; i < sc->ncols && cols[k] < 0; i++)
            if (strcasecmp(sc->header[i], s->column) == 0)
                cols[k] = i;
        if (cols[k] < 0)
            return tg_error_set(err, TG_EINVAL, file, 1, 0,
                                "--slice '%s': no column '%s' in the header",
                                s->expr, s->column);
    }
    return TG_OK;
}

static int bad_key(tg_csv *csv, int col, const tg_slice_spec *s, const char *f,
                   size_t len, tg_error *err)
{
    long line, column;
    tg_csv_field_position(csv, (size_t)col, &line, &column);
    tg_error_set(err, TG_EINVAL, tg_csv_name(csv), line, column,
                 "--slice '%s': '%.*s' in column '%s' is not %s", s->expr,
                 len > 40 ? 40 : (int)len, f, s->column,
                 len > TG_SLICE_MAX_KEY ? "a slice value (too long)"
                 : s->kind == TG_SLICE_VALUE && !s->is_boolean
                     ? "a slice value (control bytes)"
                 : s->kind == TG_SLICE_MONTH ? "a date"
                 : s->is_boolean             ? "a boolean"
                                             : "a number");
    tg_csv_error_context(csv, (size_t)col, err);
    return TG_EINVAL;
}

static void add_row(tg_tally *t, const tg_row *row)
{
    tg_scan_tally_row(t, row);
    t->rows++;
}

/* Where each slicing keeps its current file's column and the tally of
 * the last key it saw (consecutive rows often share a key: exports
 * sorted by date), as 'N' for NULL or 'V' and the key. */
typedef struct {
    int *cols;
    tg_tally **cache;
    char (*last)[TG_SLICE_MAX_KEY + 2];
} slice_cursor;

/* Row into slicing k's tally of its key. The cached pointer stays valid:
 * only tg_slicing_cell on this same slicing moves its cells, and it
 * refreshes it. */
static int slice_row(tg_slicing *sl, int k, slice_cursor *c,
                     const tg_rules *rules, tg_reader *rd, const tg_row *row,
                     tg_error *err)
{
    tg_csv *csv = tg_reader_csv(rd);
    char key[TG_SLICE_MAX_KEY + 1];
    size_t len;
    const char *f = tg_csv_field(csv, (size_t)c->cols[k], &len);
    if (!f)
        return tg_error_set(err, TG_EINVAL, tg_csv_name(csv),
                            tg_csv_record_line(csv), 0,
                            "expected %d fields as in the header, found %zu",
                            tg_reader_schema(rd)->ncols, tg_csv_nfields(csv));
    int got = tg_slice_key(&sl[k].spec, f, len, key);
    if (got < 0)
        return bad_key(csv, c->cols[k], &sl[k].spec, f, len, err);
    char *last = c->last[k];
    if (!c->cache[k] ||
        (got ? last[0] != 'V' || strcmp(last + 1, key) != 0 : last[0] != 'N')) {
        int rc =
            tg_slicing_cell(&sl[k], rules, got ? key : NULL, &c->cache[k], err);
        if (rc) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            tg_error_set(err, rc, tg_csv_name(csv), tg_csv_record_line(csv), 0,
                         "%s", msg);
            return rc;
        }
        last[0] = got ? 'V' : 'N';
        size_t kl = got ? strlen(key) : 0;
        memcpy(last + 1, got ? key : "", kl + 1);
    }
    add_row(c->cache[k], row);
    return TG_OK;
}

/* The reader's skipped rows into t (and t->rows), the first kept in
 * first_skip when it is the first; its out-of-range counts too. */
static void count_skipped(tg_tally *t, tg_reader *rd, tg_error *first_skip)
{
    tg_error skip;
    tg_error_clear(&skip);
    uint64_t skipped = tg_reader_skipped(rd, &skip);
    if (skipped && !t->skipped && first_skip)
        *first_skip = skip;
    t->skipped += skipped;
    t->rows += skipped;
    for (int k = 0; k < TG_SKIP_NREASONS; k++)
        t->skipped_by[k] += tg_reader_skipped_by(rd, k);
    for (int f = 0; f < t->nfeatures && t->out_of_range; f++)
        t->out_of_range[f] += tg_reader_out_of_range(rd, f);
}

/* The rows of the files of opts into t and sl, in file order; skipped
 * rows are added to t->skipped (and t->rows), the first kept in
 * first_skip when it is the first. */
static int scan_rows(tg_tally *t, tg_slicing *sl, int n, const tg_rules *rules,
                     const tg_scan_options *opts, tg_error *first_skip,
                     tg_error *err)
{
    tg_reader *rd = NULL;
    int rc = tg_reader_open(&rd, rules, opts, err);
    if (rc)
        return rc;
    slice_cursor c = {calloc((size_t)n + 1, sizeof *c.cols),
                      calloc((size_t)n + 1, sizeof *c.cache),
                      calloc((size_t)n + 1, sizeof *c.last)};
    if (!c.cols || !c.cache || !c.last) {
        rc = tg_error_oom(err, NULL);
        goto done;
    }
    int file = -1;
    const tg_row *row;
    while ((rc = tg_reader_next(rd, &row, err)) == 1) {
        if (tg_reader_file_index(rd) != file) {
            file = tg_reader_file_index(rd);
            if ((rc =
                     bind_columns(sl, n, tg_reader_schema(rd),
                                  tg_csv_name(tg_reader_csv(rd)), c.cols, err)))
                goto done;
            for (int k = 0; k < n; k++)
                c.cache[k] = NULL;
        }
        add_row(t, row);
        for (int k = 0; k < n; k++)
            if ((rc = slice_row(sl, k, &c, rules, rd, row, err)))
                goto done;
    }
    if (rc < 0)
        goto done;
    count_skipped(t, rd, first_skip);
    rc = TG_OK;
done:
    free(c.cols);
    free(c.cache);
    free(c.last);
    tg_reader_free(rd);
    return rc;
}

/*
 * Sharded exports: one worker per thread takes files w, w + T, ... into
 * its own tallies; the error reported is that of the first failing file
 * and the first skipped row that of the first file with one, as a scan
 * file after file would report them.
 */
typedef struct {
    const tg_rules *rules;
    const tg_scan_options *opts;
    int n, worker, nworkers;
    tg_tally t;
    tg_slicing *sl;
    int err_file, skip_file, rc;
    tg_error err, skip;
} shard_worker;

static void *shard_main(void *arg)
{
    shard_worker *w = arg;
    for (int f = w->worker; f < w->opts->npaths; f += w->nworkers) {
        tg_scan_options o = *w->opts;
        o.paths = &w->opts->paths[f];
        o.npaths = 1;
        tg_error skip;
        tg_error_clear(&skip);
        uint64_t before = w->t.skipped;
        int rc = scan_rows(&w->t, w->sl, w->n, w->rules, &o, &skip, &w->err);
        if (w->t.skipped > before && w->skip_file < 0) {
            w->skip_file = f;
            w->skip = skip;
        }
        if (rc) {
            w->rc = rc;
            w->err_file = f;
            break;
        }
    }
    return NULL;
}

static int scan_shards(tg_tally *t, tg_slicing *sl, int n,
                       const tg_rules *rules, const tg_scan_options *opts,
                       int nworkers, tg_error *first_skip, tg_error *err)
{
    shard_worker *w = calloc((size_t)nworkers, sizeof *w);
    pthread_t *tid = calloc((size_t)nworkers, sizeof *tid);
    int rc = w && tid
                 ? TG_OK
                 : tg_error_oom(err, NULL);
    int started = 0, prepared = 0;
    for (; rc == TG_OK && prepared < nworkers; prepared++) {
        shard_worker *x = &w[prepared];
        *x = (shard_worker){rules, opts, n,  prepared, nworkers, {0},
                            NULL,  -1,   -1, TG_OK,    {0},      {0}};
        if ((rc = tg_tally_init(&x->t, rules, err)))
            break;
        if (!(x->sl = calloc((size_t)n, sizeof *x->sl))) {
            rc = tg_error_oom(err, NULL);
            break;
        }
        for (int k = 0; k < n && rc == TG_OK; k++) {
            tg_slice_spec copy;
            if (tg_slice_spec_copy(&copy, &sl[k].spec))
                rc = tg_error_oom(err, NULL);
            else
                tg_slicing_init(&x->sl[k], &copy);
        }
    }
    for (; rc == TG_OK && started < nworkers; started++)
        if (pthread_create(&tid[started], NULL, shard_main, &w[started])) {
            rc = tg_error_set(err, TG_EINTERNAL, NULL, 0, 0,
                              "cannot start a scan thread");
            break;
        }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (rc == TG_OK) {
        /* The first failing file's error, as a sequential scan reports. */
        int bad = -1, skipper = -1;
        for (int i = 0; i < nworkers; i++) {
            if (w[i].rc && (bad < 0 || w[i].err_file < w[bad].err_file))
                bad = i;
            if (w[i].skip_file >= 0 &&
                (skipper < 0 || w[i].skip_file < w[skipper].skip_file))
                skipper = i;
        }
        if (bad >= 0) {
            *err = w[bad].err;
            rc = w[bad].rc;
        }
        if (skipper >= 0 && first_skip)
            *first_skip = w[skipper].skip;
        for (int i = 0; i < nworkers && rc == TG_OK; i++) {
            tg_tally_merge(t, &w[i].t);
            for (int k = 0; k < n && rc == TG_OK; k++)
                rc = tg_slicing_merge(&sl[k], &w[i].sl[k], rules, err);
        }
    }
    for (int i = 0; i < prepared && w; i++) {
        tg_tally_release(&w[i].t);
        for (int k = 0; w[i].sl && k < n; k++)
            tg_slicing_release(&w[i].sl[k]);
        free(w[i].sl);
    }
    free(w);
    free(tid);
    return rc;
}

int tg_scan_sliced(tg_tally *t, tg_slicing *sl, int n, const tg_rules *rules,
                   const tg_scan_options *opts, tg_error *first_skip,
                   tg_error *err)
{
    if (first_skip)
        tg_error_clear(first_skip);
    int threads = opts->threads;
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (int)cpus : 1;
    }
    /* The fingerprint is hashed beside the parsing (see tg_scan). */
    tg_fingerprint *fp = NULL;
    int rc = opts->fingerprint
                 ? tg_fingerprint_start(&fp, opts->paths, opts->npaths,
                                        threads > 1, err)
                 : TG_OK;
    if (rc)
        return rc;
    if (threads > opts->npaths)
        threads = opts->npaths;
    if (threads > TG_SCAN_MAX_THREADS)
        threads = TG_SCAN_MAX_THREADS;
    rc = threads > 1
             ? scan_shards(t, sl, n, rules, opts, threads, first_skip, err)
             : scan_rows(t, sl, n, rules, opts, first_skip, err);
    if (rc) {
        tg_fingerprint_cancel(fp);
        return rc;
    }
    for (int k = 0; k < n; k++)
        tg_slicing_sort(&sl[k]);
    return fp ? tg_fingerprint_finish(fp, t->input_sha256, err) : TG_OK;
}
