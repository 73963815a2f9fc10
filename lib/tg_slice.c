/*
 * Slicings: parsing the expressions, the key of a field, one tally per
 * key, and the one-pass sliced scan. The scan goes through the row
 * reader (tg_reader), which hands out the raw fields the slice keys come
 * from, rather than the fused fast path of tg_scan, which never looks at
 * columns the rules do not read.
 */
#include "tg_slice.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tg_preview.h"
#include "tg_score.h"
#include "tg_util.h"

static int ident_ok(const char *s, size_t n)
{
    if (n == 0 || n > TG_SLICE_MAX_NAME)
        return 0;
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

static int parse_edges(tg_slice_spec *s, const char *p, tg_error *err)
{
    s->edges = malloc(TG_SLICE_MAX_EDGES * sizeof *s->edges);
    if (!s->edges)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    const char *q = p;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(q, &end);
        if (end == q || errno || !isfinite(v) || (*end && *end != ','))
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "--slice '%s': bin edges must be numbers "
                                "separated by commas",
                                s->expr);
        if (s->nedges == TG_SLICE_MAX_EDGES)
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "--slice '%s': at most %d bin edges", s->expr,
                                TG_SLICE_MAX_EDGES);
        if (s->nedges && !(v > s->edges[s->nedges - 1]))
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "--slice '%s': bin edges must increase",
                                s->expr);
        s->edges[s->nedges++] = v;
        if (!*end)
            return TG_OK;
        q = end + 1;
    }
}

int tg_slice_parse(tg_slice_spec *s, const char *expr, const tg_rules *rules,
                   tg_error *err)
{
    memset(s, 0, sizeof *s);
    s->feature = -1;
    if (!(s->expr = strdup(expr)))
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    const char *colon = strchr(expr, ':');
    size_t n = colon ? (size_t)(colon - expr) : strlen(expr);
    int rc = TG_OK;
    if (!ident_ok(expr, n)) {
        rc = tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                          "--slice '%.60s': the column must be a name of "
                          "letters, digits and '_' (at most %d bytes), "
                          "optionally followed by ':month' or ':E1,E2,...'",
                          expr, TG_SLICE_MAX_NAME);
        goto fail;
    }
    if (!(s->column = strndup(expr, n))) {
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    if (colon) {
        if (strcmp(colon + 1, "month") == 0)
            s->kind = TG_SLICE_MONTH;
        else if ((s->kind = TG_SLICE_BINS),
                 (rc = parse_edges(s, colon + 1, err)))
            goto fail;
    }
    if (s->kind == TG_SLICE_BINS) {
        /* The labels once, not per row. */
        if (!(s->labels = malloc((size_t)(s->nedges + 1) * sizeof *s->labels))) {
            rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
            goto fail;
        }
        for (int i = 0; i <= s->nedges; i++)
            tg_slice_bin_label(s, i, s->labels[i]);
    }
    if (rules) {
        s->feature = tg_rules_feature_index(rules, s->column, n);
        if (s->feature >= 0)
            s->is_boolean = rules->features[s->feature].is_boolean;
    }
    if (s->is_boolean && s->kind != TG_SLICE_VALUE) {
        rc = tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                          "--slice '%s': '%s' is a boolean feature: slice it "
                          "by value",
                          expr, s->column);
        goto fail;
    }
    return TG_OK;
fail:
    tg_slice_spec_release(s);
    return rc;
}

void tg_slice_spec_release(tg_slice_spec *s)
{
    if (!s)
        return;
    free(s->expr);
    free(s->column);
    free(s->edges);
    free(s->labels);
    memset(s, 0, sizeof *s);
    s->feature = -1;
}

const char *tg_slice_bin_label(const tg_slice_spec *s, int i, char *buf)
{
    char a[32], b[32];
    if (i == 0)
        snprintf(buf, 64, "< %s", tg_fmt_number(s->edges[0], a));
    else if (i == s->nedges)
        snprintf(buf, 64, ">= %s", tg_fmt_number(s->edges[i - 1], a));
    else
        snprintf(buf, 64, "[%s, %s)", tg_fmt_number(s->edges[i - 1], a),
                 tg_fmt_number(s->edges[i], b));
    return buf;
}

const char *tg_slice_summary_column(const tg_slice_spec *s, char *buf,
                                    size_t n)
{
    snprintf(buf, n, "slice_%s%s", s->column,
             s->kind == TG_SLICE_BINS    ? "_bin"
             : s->kind == TG_SLICE_MONTH ? "_month"
                                         : "");
    return buf;
}

/* Trim the blanks an export may leave around a value. */
static void trim(const char **f, size_t *len)
{
    while (*len && isspace((unsigned char)**f))
        (*f)++, (*len)--;
    while (*len && isspace((unsigned char)(*f)[*len - 1]))
        (*len)--;
}

int tg_slice_key(const tg_slice_spec *s, const char *f, size_t len, char *buf)
{
    trim(&f, &len);
    if (len == 0)
        return 0;
    if (len > TG_SLICE_MAX_KEY)
        return -1;
    if (s->kind == TG_SLICE_MONTH) {
        /* A valid date starts YYYY-MM-DD (tg_parse_date reads those ten
         * bytes), so its month is its first seven. */
        if (!tg_parse_date(f, len))
            return -1;
        memcpy(buf, f, 7);
        buf[7] = '\0';
        return 1;
    }
    char tmp[TG_SLICE_MAX_KEY + 1];
    memcpy(tmp, f, len);
    tmp[len] = '\0';
    if (s->is_boolean) {
        /* Exports write booleans as true/false or 1/0: one key each. */
        if ((len == 1 && tmp[0] == '1') || (len == 4 && !strcasecmp(tmp, "true")))
            strcpy(buf, "true");
        else if ((len == 1 && tmp[0] == '0') ||
                 (len == 5 && !strcasecmp(tmp, "false")))
            strcpy(buf, "false");
        else
            return -1;
        return 1;
    }
    if (s->kind == TG_SLICE_VALUE) {
        /* Keys reach terminals, Markdown, XML and HTML: no control
         * bytes (each writer escapes the rest). */
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)tmp[i] < 0x20 || tmp[i] == 0x7f)
                return -1;
        memcpy(buf, tmp, len + 1);
        return 1;
    }
    char *end;
    double v = strtod(tmp, &end);
    if (*end || end == tmp || isnan(v))
        return -1;
    int i = 0;
    while (i < s->nedges && v >= s->edges[i])
        i++;
    memcpy(buf, s->labels[i], strlen(s->labels[i]) + 1);
    return 1;
}

/* ---- sliced tallies ---------------------------------------------------- */

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
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    s->values = n;
    tg_slice_cell *c = &n[s->nvalues];
    memset(c, 0, sizeof *c);
    if (key && !(c->value = strdup(key)))
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
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

/* ---- the sliced scan --------------------------------------------------- */

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
    tg_count *c = &t->cells[row->split * t->ntiers + row->tier];
    c->leads++;
    if (row->target >= 0) {
        c->labeled++;
        c->conversions += (uint64_t)row->target;
    }
    tg_tally_see_date(t, row->split, row->date);
    t->rows++;
    /* Neither TRAIN nor TEST: reported by value, as the scan does. */
    if (row->split == TG_SPLIT_OTHER) {
        if (row->split_value)
            tg_tally_other_split(t, row->split_value, row->split_len, 1);
        else
            tg_tally_other_split(t, "(date outside the windows)", 26, 1);
    }
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
    int *cols = calloc((size_t)n + 1, sizeof *cols);
    tg_tally **cache = calloc((size_t)n + 1, sizeof *cache);
    char (*last)[TG_SLICE_MAX_KEY + 2] = calloc((size_t)n + 1, sizeof *last);
    if (!cols || !cache || !last) {
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    int file = -1;
    const tg_row *row;
    char key[TG_SLICE_MAX_KEY + 1];
    while ((rc = tg_reader_next(rd, &row, err)) == 1) {
        tg_csv *csv = tg_reader_csv(rd);
        if (tg_reader_file_index(rd) != file) {
            file = tg_reader_file_index(rd);
            if ((rc = bind_columns(sl, n, tg_reader_schema(rd),
                                   tg_csv_name(csv), cols, err)))
                goto done;
            for (int k = 0; k < n; k++)
                cache[k] = NULL;
        }
        add_row(t, row);
        for (int k = 0; k < n; k++) {
            size_t len;
            const char *f = tg_csv_field(csv, (size_t)cols[k], &len);
            if (!f) {
                rc = tg_error_set(err, TG_EINVAL, tg_csv_name(csv),
                                  tg_csv_record_line(csv), 0,
                                  "expected %d fields as in the header, "
                                  "found %zu",
                                  tg_reader_schema(rd)->ncols,
                                  tg_csv_nfields(csv));
                goto done;
            }
            int got = tg_slice_key(&sl[k].spec, f, len, key);
            if (got < 0) {
                rc = bad_key(csv, cols[k], &sl[k].spec, f, len, err);
                goto done;
            }
            /* Consecutive rows often share a key (exports sorted by date):
             * remember the last one's tally, as 'N' for NULL or 'V' and
             * the key. The pointer stays valid: only tg_slicing_cell on
             * this same slicing moves its cells, and it refreshes it. */
            if (!cache[k] || (got ? last[k][0] != 'V' ||
                                        strcmp(last[k] + 1, key) != 0
                                  : last[k][0] != 'N')) {
                if ((rc = tg_slicing_cell(&sl[k], rules, got ? key : NULL,
                                          &cache[k], err))) {
                    char msg[sizeof err->msg];
                    snprintf(msg, sizeof msg, "%s", err->msg);
                    tg_error_set(err, rc, tg_csv_name(csv),
                                 tg_csv_record_line(csv), 0, "%s", msg);
                    goto done;
                }
                last[k][0] = got ? 'V' : 'N';
                size_t kl = got ? strlen(key) : 0;
                memcpy(last[k] + 1, got ? key : "", kl + 1);
            }
            add_row(cache[k], row);
        }
    }
    if (rc < 0)
        goto done;
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
    rc = TG_OK;
done:
    free(cols);
    free(cache);
    free(last);
    tg_reader_free(rd);
    return rc;
}

static int spec_copy(tg_slice_spec *d, const tg_slice_spec *s)
{
    *d = *s;
    d->expr = strdup(s->expr);
    d->column = strdup(s->column);
    d->edges = NULL;
    d->labels = NULL;
    if (s->nedges) {
        d->edges = malloc((size_t)s->nedges * sizeof *d->edges);
        d->labels = malloc((size_t)(s->nedges + 1) * sizeof *d->labels);
        if (d->edges && d->labels) {
            memcpy(d->edges, s->edges, (size_t)s->nedges * sizeof *d->edges);
            memcpy(d->labels, s->labels,
                   (size_t)(s->nedges + 1) * sizeof *d->labels);
        }
    }
    if (!d->expr || !d->column || (s->nedges && (!d->edges || !d->labels))) {
        tg_slice_spec_release(d);
        return TG_ENOMEM;
    }
    return TG_OK;
}

/* Add every value of src into dst (same slicing). */
static int slicing_merge(tg_slicing *dst, const tg_slicing *src,
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
    int rc = w && tid ? TG_OK
                      : tg_error_set(err, TG_ENOMEM, NULL, 0, 0,
                                     "out of memory");
    int started = 0, prepared = 0;
    for (; rc == TG_OK && prepared < nworkers; prepared++) {
        shard_worker *x = &w[prepared];
        *x = (shard_worker){rules, opts, n, prepared, nworkers,
                            {0}, NULL, -1, -1, TG_OK, {0}, {0}};
        if ((rc = tg_tally_init(&x->t, rules, err)))
            break;
        if (!(x->sl = calloc((size_t)n, sizeof *x->sl))) {
            rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        for (int k = 0; k < n && rc == TG_OK; k++) {
            tg_slice_spec copy;
            if (spec_copy(&copy, &sl[k].spec))
                rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
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
                rc = slicing_merge(&sl[k], &w[i].sl[k], rules, err);
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
    if (threads > 16)
        threads = 16;
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

/* ---- JSON -------------------------------------------------------------- */

static const char *kind_name(tg_slice_kind k)
{
    return k == TG_SLICE_BINS ? "bins" : k == TG_SLICE_MONTH ? "month" : "value";
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
                       const char *model_version, tg_ci_method m,
                       double level, int extended, tg_error *err)
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
