/*
 * Feature exports to rows to tallies.
 *
 * A row is parsed straight from the CSV reader's field spans: integers
 * without a copy, anything else through strtod, empty fields as NULL
 * (NAN), true/false as 1/0. Large plain files are cut into line-aligned
 * ranges scanned by one thread each; a range is trusted only if an even
 * number of quote bytes precedes it (it starts outside any quoted
 * field), else the file is scanned again in one piece.
 */
#include "tg_scan.h"
#include "tg_suggest.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tg_json.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "tg_util.h"

#define TG_SCAN_MAX_THREADS 16
#define TG_SCAN_MIN_RANGE (16u << 20)  /* smaller files are not split */

/* ---- header binding ---------------------------------------------------- */

static int field_is(tg_csv *csv, size_t i, const char *name)
{
    size_t len;
    const char *f = tg_csv_field(csv, i, &len);
    return f && strlen(name) == len && strncasecmp(f, name, len) == 0;
}

int tg_schema_bind(tg_schema *s, const tg_rules *r, tg_csv *csv,
                   tg_error *err)
{
    memset(s, 0, sizeof *s);
    s->ncols = (int)tg_csv_nfields(csv);
    s->target_col = s->split_col = s->date_col = s->lead_id_col = -1;
    s->feature_col = malloc((size_t)r->nfeatures * sizeof *s->feature_col);
    if (!s->feature_col)
        return tg_error_set(err, TG_ENOMEM, tg_csv_name(csv), 1, 0,
                            "out of memory");
    for (int f = 0; f < r->nfeatures; f++)
        s->feature_col[f] = -1;
    s->header = calloc((size_t)s->ncols + 1, sizeof *s->header);
    if (!s->header) {
        tg_schema_release(s);
        return tg_error_set(err, TG_ENOMEM, tg_csv_name(csv), 1, 0,
                            "out of memory");
    }
    for (int i = 0; i < s->ncols; i++) {
        size_t len;
        const char *name = tg_csv_field(csv, (size_t)i, &len);
        if (!(s->header[i] = strndup(name, len))) {
            tg_schema_release(s);
            return tg_error_set(err, TG_ENOMEM, tg_csv_name(csv), 1, 0,
                                "out of memory");
        }
        for (int j = 0; j < i; j++)
            if (field_is(csv, (size_t)j, "") == 0) {
                size_t l2;
                const char *n2 = tg_csv_field(csv, (size_t)j, &l2);
                if (len > 0 && l2 == len && strncasecmp(n2, name, len) == 0) {
                    long line, col;
                    tg_csv_field_position(csv, (size_t)i, &line, &col);
                    tg_error_set(err, TG_EINVAL, tg_csv_name(csv), line, col,
                                 "column '%.*s' appears twice in the header",
                                 (int)len, name);
                    tg_csv_error_context(csv, (size_t)i, err);
                    tg_schema_release(s);
                    return TG_EINVAL;
                }
            }
    }
    /* A feature's own name wins over its aliases, then alias order. */
    for (int f = 0; f < r->nfeatures; f++) {
        const tg_feature *ft = &r->features[f];
        for (int a = -1; a < ft->naliases && s->feature_col[f] < 0; a++) {
            const char *want = a < 0 ? ft->name : ft->aliases[a];
            for (int i = 0; i < s->ncols; i++)
                if (field_is(csv, (size_t)i, want)) {
                    s->feature_col[f] = i;
                    break;
                }
        }
    }
    for (int i = 0; i < s->ncols; i++) {
        if (field_is(csv, (size_t)i, "target"))
            s->target_col = i;
        else if (field_is(csv, (size_t)i, "split"))
            s->split_col = i;
        else if (field_is(csv, (size_t)i, "contacted_date"))
            s->date_col = i;
        else if (field_is(csv, (size_t)i, "lead_id"))
            s->lead_id_col = i;
    }
    return TG_OK;
}

void tg_schema_release(tg_schema *s)
{
    if (!s)
        return;
    free(s->feature_col);
    s->feature_col = NULL;
    if (s->header)
        for (int i = 0; i < s->ncols; i++)
            free(s->header[i]);
    free(s->header);
    s->header = NULL;
}

/* ---- date windows ------------------------------------------------------ */

int tg_date_config_load(tg_date_config *out, const char *path, tg_error *err)
{
    cJSON *root = NULL;
    int rc = tg_json_load(&root, path, err);
    if (rc)
        return rc;
    static const char *keys[] = {"train_start_date", "train_end_date",
                                 "test_start_date", "test_end_date"};
    int *dst[] = {&out->train_start, &out->train_end, &out->test_start,
                  &out->test_end};
    for (int k = 0; k < 4 && !rc; k++) {
        const char *v = NULL;
        rc = tg_json_get_string(root, keys[k], 1, path, "", &v, err);
        if (!rc && !(*dst[k] = tg_parse_date(v, strlen(v))))
            rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                              "key '%s': '%s' is not a YYYY-MM-DD date",
                              keys[k], v);
    }
    cJSON_Delete(root);
    return rc;
}

/* ---- progress ----------------------------------------------------------- */

/*
 * Shared by every thread of one scan: counters added to after each
 * window of records, and the caller's function called at most every
 * quarter second by whichever thread gets the lock first (the others
 * do not wait for it).
 */
typedef struct {
    tg_scan_progress_fn fn;
    void *ctx;
    _Atomic uint64_t rows, bytes;
    uint64_t total;
    double start, last;
    int reported;
    pthread_mutex_t lock;
} tg_progress_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress_call(tg_progress_state *ps, int done)
{
    tg_scan_progress p;
    p.rows = atomic_load(&ps->rows);
    p.bytes = atomic_load(&ps->bytes);
    p.total_bytes = ps->total;
    p.seconds = now_seconds() - ps->start;
    p.done = done;
    ps->fn(ps->ctx, &p);
    ps->reported = 1;
}

static void progress_add(tg_progress_state *ps, uint64_t rows, uint64_t bytes)
{
    if (!ps)
        return;
    atomic_fetch_add(&ps->rows, rows);
    atomic_fetch_add(&ps->bytes, bytes);
    if (pthread_mutex_trylock(&ps->lock) != 0)
        return;
    double t = now_seconds();
    if (t - ps->last >= 0.25) {
        ps->last = t;
        progress_call(ps, 0);
    }
    pthread_mutex_unlock(&ps->lock);
}

/* ---- one source: a CSV reader bound to the rules ------------------------ */

typedef struct {
    const tg_rules *rules;
    const tg_date_config *dates;  /* NULL when every file has a split */
    tg_csv *csv;
    tg_schema schema;
    unsigned char *used;          /* features the tiers read */
    int *cols;                    /* bound column of each used feature */
    int *feats;                   /* and its feature index */
    int ncols_used;
    int maxcol;                   /* highest column a row must have */
    double *values;
    tg_row row;
    int reason;                   /* tg_skip_reason of the last bad row */
    int bad_col;                  /* and its column (not for field counts) */
    uint64_t *oor;                /* per feature: out-of-range warnings */
    tg_progress_state *progress;  /* NULL: nobody is watching */
} tg_source;

static int bad_value(tg_source *s, int col, const char *f, size_t len,
                     const char *what, const char *expected, int reason,
                     tg_error *err)
{
    long line, column;
    tg_csv_field_position(s->csv, (size_t)col, &line, &column);
    tg_error_set(err, TG_EINVAL, tg_csv_name(s->csv), line, column,
                 "bad value '%.*s' in column '%s'%s%s",
                 len > 40 ? 40 : (int)len, f, what, expected ? ": expected " : "",
                 expected ? expected : "");
    tg_csv_error_context(s->csv, (size_t)col, err);
    s->reason = reason;
    s->bad_col = col;
    return TG_EINVAL;
}

static int out_of_range(tg_source *s, int col, const tg_feature *ft, double v,
                        tg_error *err)
{
    long line, column;
    tg_csv_field_position(s->csv, (size_t)col, &line, &column);
    char lo[32] = "", hi[32] = "";
    if (!isnan(ft->min))
        snprintf(lo, sizeof lo, "%g", ft->min);
    if (!isnan(ft->max))
        snprintf(hi, sizeof hi, "%g", ft->max);
    tg_error_set(err, TG_EINVAL, tg_csv_name(s->csv), line, column,
                 "value %g in column '%s' is outside its declared range "
                 "%s..%s (\"out_of_range\": \"warn\" in the rule set counts "
                 "such values instead)", v, ft->name, lo, hi);
    tg_csv_error_context(s->csv, (size_t)col, err);
    s->reason = TG_SKIP_RANGE;
    s->bad_col = col;
    return TG_EINVAL;
}

/*
 * Up to 8 ASCII digits to their value without a loop or a branch per
 * digit (the SWAR method of simdjson's parse_eight_digits_unrolled).
 * Reads 8 bytes at s: the CSV buffer keeps readable slack past its data.
 * Returns -1 when a byte is not a digit.
 */
static inline int64_t swar_digits(const char *s, size_t n)
{
    uint64_t x;
    memcpy(&x, s, 8);
    if (n < 8)
        x = (x << (8 * (8 - n))) | (0x3030303030303030ULL >> (8 * n));
    if ((x & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL ||
        ((x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) !=
            0x3030303030303030ULL)
        return -1;
    x -= 0x3030303030303030ULL;
    x = (x * 10) + (x >> 8);
    x = (((x & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
         (((x >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >>
        32;
    return (int64_t)(uint32_t)x;
}

/* Parse a number the way BigQuery exports one; 0 ok, -1 not a number. */
static inline int parse_number(const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (n == 0) {
        *out = NAN;
        return 0;
    }
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i < n && n - i <= 8) {
        int64_t v = swar_digits(s + i, n - i);
        if (v >= 0) {
            *out = neg ? -(double)v : (double)v;
            return 0;
        }
    }
    char buf[64];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* strtod accepts hex, "inf" and "nan": a feature value is none. */
    for (size_t k = 0; k < n; k++)
        if (!strchr("0123456789+-.eE", buf[k]))
            return -1;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + n)
        return -1;
    /* 1e400 overflows and 1e-400 underflows (to 0, or a subnormal that
     * has lost digits): neither reads back as what was written. */
    if (errno == ERANGE || !isfinite(v))
        return -2;
    *out = v;
    return 0;
}

/* A boolean the way exports write one: 0, 1, true or false (any case). */
static inline int parse_bool(const char *s, size_t n, double *out)
{
    if (n == 0) {
        *out = NAN;
        return 0;
    }
    if (n == 1 && (s[0] == '0' || s[0] == '1')) {
        *out = s[0] - '0';
        return 0;
    }
    if (n == 4 && strncasecmp(s, "true", 4) == 0) {
        *out = 1;
        return 0;
    }
    if (n == 5 && strncasecmp(s, "false", 5) == 0) {
        *out = 0;
        return 0;
    }
    return -1;
}

/*
 * A feature's value: a number (or a boolean for a boolean feature)
 * inside its declared range. 0 ok, 1 outside the range (*out holds the
 * value), <0 not a value (*why says what was expected).
 */
static int feature_value(const tg_feature *ft, const char *f, size_t len,
                         double *out, const char **why)
{
    int rc = ft->is_boolean ? parse_bool(f, len, out) : parse_number(f, len, out);
    if (rc < 0) {
        *why = ft->is_boolean ? "a boolean (0, 1, true or false)"
             : rc == -2       ? "a number within the range of a double "
                                "(this one overflows or underflows)"
                              : "a number";
        return rc;
    }
    if (*out < ft->min || *out > ft->max) /* false for NULL and no bound */
        return 1;
    return 0;
}

static void source_close(tg_source *s)
{
    tg_csv_free(s->csv);
    tg_schema_release(&s->schema);
    free(s->used);
    free(s->cols);
    free(s->feats);
    free(s->values);
    free(s->oor);
    memset(s, 0, sizeof *s);
}

/*
 * Take a copy of schema (bound from this file's header) and check that
 * it holds every column the rules need.
 */
static int source_setup(tg_source *s, const tg_rules *r,
                        const tg_date_config *dates, const tg_schema *schema,
                        tg_error *err)
{
    const char *name = tg_csv_name(s->csv);
    s->schema = *schema;
    s->schema.feature_col = malloc((size_t)r->nfeatures * sizeof(int));
    if (!s->schema.feature_col)
        return tg_error_set(err, TG_ENOMEM, name, 1, 0, "out of memory");
    memcpy(s->schema.feature_col, schema->feature_col,
           (size_t)r->nfeatures * sizeof(int));
    s->schema.header = NULL;
    if (schema->header) {
        s->schema.header = calloc((size_t)schema->ncols + 1, sizeof(char *));
        if (!s->schema.header)
            return tg_error_set(err, TG_ENOMEM, name, 1, 0, "out of memory");
        for (int i = 0; i < schema->ncols; i++)
            if (!(s->schema.header[i] = strdup(schema->header[i])))
                return tg_error_set(err, TG_ENOMEM, name, 1, 0,
                                    "out of memory");
    }
    s->rules = r;
    s->dates = dates;
    s->used = malloc((size_t)r->nfeatures);
    s->cols = malloc((size_t)r->nfeatures * sizeof *s->cols);
    s->feats = malloc((size_t)r->nfeatures * sizeof *s->feats);
    s->values = malloc((size_t)r->nfeatures * sizeof *s->values);
    s->oor = calloc((size_t)r->nfeatures + 1, sizeof *s->oor);
    if (!s->used || !s->cols || !s->feats || !s->values || !s->oor)
        return tg_error_set(err, TG_ENOMEM, name, 1, 0, "out of memory");
    tg_rules_used_features(r, s->used);
    s->maxcol = -1;
    for (int f = 0; f < r->nfeatures; f++) {
        s->values[f] = NAN;
        if (!s->used[f])
            continue;
        int col = s->schema.feature_col[f];
        if (col < 0) {
            const tg_feature *ft = &r->features[f];
            char tried[512];
            size_t off = 0;
            for (int a = 0; a < ft->naliases && off < sizeof tried; a++)
                off += (size_t)snprintf(tried + off, sizeof tried - off,
                                        ", '%s'", ft->aliases[a]);
            tried[off < sizeof tried ? off : sizeof tried - 1] = '\0';
            char hint[384] = "";
            if (s->schema.header)
                tg_suggest_missing_column(
                    hint, sizeof hint, ft->name,
                    (const char *const *)s->schema.header, s->schema.ncols);
            return tg_error_set(err, TG_EINVAL, name, 1, 1,
                                "missing column '%s' (tried '%s'%s)%s",
                                ft->name, ft->name, tried, hint);
        }
        s->cols[s->ncols_used] = col;
        s->feats[s->ncols_used] = f;
        s->ncols_used++;
        if (col > s->maxcol)
            s->maxcol = col;
    }
    if (s->schema.target_col < 0) {
        char hint[384] = "";
        if (s->schema.header)
            tg_suggest_missing_column(hint, sizeof hint, "target",
                                      (const char *const *)s->schema.header,
                                      s->schema.ncols);
        return tg_error_set(err, TG_EINVAL, name, 1, 1,
                            "missing column 'target'%s", hint);
    }
    if (s->schema.split_col < 0) {
        if (s->schema.date_col < 0)
            return tg_error_set(err, TG_EINVAL, name, 1, 0,
                                "no 'split' column and no 'contacted_date' "
                                "to assign one from");
        if (!dates)
            return tg_error_set(err, TG_EINVAL, name, 1, 0,
                                "no 'split' column: give a date config "
                                "(--date-config) to assign one from "
                                "contacted_date");
    }
    int extra[] = {s->schema.target_col, s->schema.split_col,
                   s->schema.date_col};
    for (int k = 0; k < 3; k++)
        if (extra[k] > s->maxcol)
            s->maxcol = extra[k];
    s->row.values = s->values;
    return TG_OK;
}

static int source_open_header(tg_source *s, const tg_rules *r,
                              const tg_date_config *dates, tg_error *err)
{
    int rc = tg_csv_next(s->csv, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tg_error_set(err, TG_EINVAL, tg_csv_name(s->csv), 1, 0,
                            "empty file: expected a header row");
    tg_schema schema;
    if ((rc = tg_schema_bind(&schema, r, s->csv, err)))
        return rc;
    rc = source_setup(s, r, dates, &schema, err);
    tg_schema_release(&schema);
    return rc;
}

static inline int split_of(const char *f, size_t len)
{
    if (len == 5 && memcmp(f, "TRAIN", 5) == 0)
        return TG_SPLIT_TRAIN;
    if (len == 4 && memcmp(f, "TEST", 4) == 0)
        return TG_SPLIT_TEST;
    if (len == 5 && strncasecmp(f, "TRAIN", 5) == 0)
        return TG_SPLIT_TRAIN;
    if (len == 4 && strncasecmp(f, "TEST", 4) == 0)
        return TG_SPLIT_TEST;
    return TG_SPLIT_OTHER;
}

/* Field i of a record without a call, unescaping only when needed. */
static inline const char *field_at(tg_csv *csv, const tg_csv_record *rec,
                                   int i, size_t *len)
{
    const tg_csv_span *sp = &rec->spans[i];
    if (sp->escaped)
        return tg_csv_field(csv, (size_t)i, len);
    *len = sp->len;
    return rec->buf + sp->off;
}

/* yyyymmdd of an ISO date; the common exact form inline, the rest
 * (timestamps, invalid dates) through tg_parse_date. */
static inline int date_of(const char *f, size_t len)
{
    if (len == 10 && f[4] == '-' && f[7] == '-') {
        unsigned y = (unsigned)(f[0] - '0') * 1000 + (unsigned)(f[1] - '0') * 100 +
                     (unsigned)(f[2] - '0') * 10 + (unsigned)(f[3] - '0');
        unsigned m = (unsigned)(f[5] - '0') * 10 + (unsigned)(f[6] - '0');
        unsigned d = (unsigned)(f[8] - '0') * 10 + (unsigned)(f[9] - '0');
        unsigned bad = 0;
        for (int k = 0; k < 10; k++)
            bad |= (k != 4 && k != 7) & ((unsigned)(f[k] - '0') > 9);
        if (!bad && m >= 1 && m <= 12 && d >= 1 && d <= 28 && y >= 1000)
            return (int)(y * 10000 + m * 100 + d);
    }
    return tg_parse_date(f, len);
}

/* Turn the current record into s->row; TG_EINVAL for a bad row. */
static int source_parse_row(tg_source *s, tg_error *err)
{
    tg_csv *csv = s->csv;
    const tg_schema *sc = &s->schema;
    tg_csv_record rec = tg_csv_current(csv);
    if ((int)rec.nfields != sc->ncols) {
        /* One unquoted comma shifts every later column: an error at the
         * first extra field (or just past the last field of a short row),
         * never a silently misread row. */
        int more = (int)rec.nfields > sc->ncols;
        size_t at = more ? (size_t)sc->ncols : rec.nfields - 1;
        long line, column;
        tg_csv_field_position(csv, at, &line, &column);
        if (!more)
            column += (long)rec.spans[at].len;
        tg_error_set(err, TG_EINVAL, tg_csv_name(csv), line, column,
                     more ? "more fields than the %d of the header (found %zu; "
                            "an unquoted comma?)"
                          : "fewer fields than the %d of the header (found %zu)",
                     sc->ncols, rec.nfields);
        tg_csv_error_context(csv, at, err);
        if (err && err->caret >= 0 && !more)
            err->caret += (long)rec.spans[at].len;
        s->reason = TG_SKIP_FIELDS;
        return TG_EINVAL;
    }
    size_t len;
    const char *f;
    double *values = s->values;
    const tg_feature *features = s->rules->features;
    for (int k = 0; k < s->ncols_used; k++) {
        const tg_feature *ft = &features[s->feats[k]];
        const char *why;
        f = field_at(csv, &rec, s->cols[k], &len);
        int rc = feature_value(ft, f, len, &values[s->feats[k]], &why);
        if (rc < 0)
            return bad_value(s, s->cols[k], f, len, ft->name, why,
                             TG_SKIP_VALUE, err);
        if (rc > 0) {
            if (!ft->range_warn)
                return out_of_range(s, s->cols[k], ft, values[s->feats[k]], err);
            s->oor[s->feats[k]]++;
        }
    }
    f = field_at(csv, &rec, sc->target_col, &len);
    if (len == 1 && (f[0] == '0' || f[0] == '1')) {
        s->row.target = f[0] - '0';
    } else {
        double t;
        if ((parse_bool(f, len, &t) < 0 && parse_number(f, len, &t) < 0) ||
            !(isnan(t) || t == 0 || t == 1))
            return bad_value(s, sc->target_col, f, len, "target",
                             "0, 1 or empty", TG_SKIP_TARGET, err);
        s->row.target = isnan(t) ? -1 : (int)t;
    }
    s->row.date = 0;
    if (sc->date_col >= 0) {
        f = field_at(csv, &rec, sc->date_col, &len);
        if (len > 0 && !(s->row.date = date_of(f, len)))
            return bad_value(s, sc->date_col, f, len, "contacted_date",
                             "a date YYYY-MM-DD or a timestamp "
                             "YYYY-MM-DD HH:MM[:SS]", TG_SKIP_DATE, err);
    }
    s->row.split_value = NULL;
    s->row.split_len = 0;
    if (sc->split_col >= 0) {
        f = field_at(csv, &rec, sc->split_col, &len);
        s->row.split = split_of(f, len);
        s->row.split_value = f;
        s->row.split_len = len;
    } else {
        int d = s->row.date;
        const tg_date_config *dc = s->dates;
        s->row.split = d >= dc->train_start && d <= dc->train_end
                           ? TG_SPLIT_TRAIN
                       : d >= dc->test_start && d <= dc->test_end
                           ? TG_SPLIT_TEST
                           : TG_SPLIT_OTHER;
    }
    s->row.tier = tg_rules_assign(s->rules, values);
    return TG_OK;
}

/*
 * Next good row of the source: 1, 0 at the end, <0 on error. Bad rows
 * are counted into *skipped (and the first kept in first) when skip.
 */
static int source_next(tg_source *s, int skip, uint64_t *skipped,
                       uint64_t *skipped_by, tg_error *first, tg_error *err)
{
    for (;;) {
        int rc = tg_csv_next(s->csv, err);
        if (rc <= 0)
            return rc;
        rc = source_parse_row(s, err);
        if (rc == TG_OK)
            return 1;
        if (!skip)
            return rc;
        if (*skipped == 0 && first && err)
            *first = *err;
        (*skipped)++;
        skipped_by[s->reason]++;
    }
}

static inline void tally_row(tg_tally *t, const tg_row *row)
{
    tg_count *c = &t->cells[row->split * t->ntiers + row->tier];
    c->leads++;
    if (row->target >= 0) {
        c->labeled++;
        c->conversions += (uint64_t)row->target;
    }
    tg_tally_see_date(t, row->split, row->date);
    /* Neither TRAIN nor TEST: counted in ALL, and reported by value. */
    if (row->split == TG_SPLIT_OTHER) {
        if (row->split_value)
            tg_tally_other_split(t, row->split_value, row->split_len, 1);
        else
            tg_tally_other_split(t, "(date outside the windows)", 26, 1);
    }
}


/* ---- the fast path of the tally scan ------------------------------------ */

/*
 * Most exported rows are plain: no quotes, LF endings, integers, the
 * header's field count. For those the scan fuses tokenising, parsing
 * and tier lookup: a 64-byte bit mask of separators gives each field's
 * end, integers are parsed eight digits at a time, and each feature's
 * value maps straight to its region of the tier table through a small
 * lookup array. Any other record (quotes, CR, decimals, a bad value, a
 * blank line, a short row) is handed to the general reader, one record
 * at a time, so results and messages are the same either way.
 */

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
    int mincols;             /* a record needs more fields than this */
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
    fp->mincols = s->maxcol;
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

/* Bit mask of ',', '\n', '\r' and '"' in the 64 bytes at s. */
static inline uint64_t sep_mask(const char *s)
{
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), cm = _mm_set1_epi8(','),
                  nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * k));
        __m128i x = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, cm)),
            _mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, cr)));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(x) << (16 * k);
    }
    return m;
#else
    uint64_t m = 0;
    for (int k = 0; k < 64; k++)
        m |= (uint64_t)(s[k] == ',' || s[k] == '"' || s[k] == '\n' ||
                        s[k] == '\r') << k;
    return m;
#endif
}

/* A signed integer of at most 8 digits (0), or true/false (1); -1 not. */
static inline int fast_int(const char *f, size_t len, int64_t *out)
{
    int neg = 0;
    if (f[0] >= 'a') {
        if (len == 4 && memcmp(f, "true", 4) == 0) {
            *out = 1;
            return 1;
        }
        if (len == 5 && memcmp(f, "false", 5) == 0) {
            *out = 0;
            return 1;
        }
        return -1;
    }
    if (len && f[0] == '-') {
        neg = 1;
        f++;
        len--;
    }
    if (len == 0 || len > 8)
        return -1;
    int64_t v = swar_digits(f, len);
    if (v < 0)
        return -1;
    *out = neg ? -v : v;
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
        uint64_t mask = sep_mask(b + base);
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
                    int w = fast_int(f, flen, &v);
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
                    if ((split = split_of(f, flen)) == TG_SPLIT_OTHER)
                        goto anomaly;
                    break;
                default: /* ACT_DATE */
                    if (flen && !(date = date_of(f, flen)))
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
                split = date >= dc->train_start && date <= dc->train_end
                            ? TG_SPLIT_TRAIN
                        : date >= dc->test_start && date <= dc->test_end
                            ? TG_SPLIT_TEST
                            : TG_SPLIT_OTHER;
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

/*
 * Tally every remaining row of s into t: simple records on the fast
 * path, anything else through source_next one record at a time.
 */
static int tally_source(tg_source *s, tg_tally *t, int skip,
                        tg_error *first_skip, tg_error *err)
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
            progress_add(s->progress, t->rows - rows_before, used);
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
        int r = source_next(s, skip, &t->skipped, t->skipped_by, first_skip,
                            err);
        t->rows += t->skipped - before;
        if (r <= 0) {
            rc = r;
            break;
        }
        t->rows++;
        tally_row(t, &s->row);
        if (s->progress && (++slow_rows & 4095) == 0)
            progress_add(s->progress, 4096, 0);
    }
    if (s->progress)
        progress_add(s->progress, slow_rows & 4095, 0);
    fast_plan_release(&fp);
    for (int f = 0; f < t->nfeatures && f < s->rules->nfeatures; f++) {
        t->out_of_range[f] += s->oor[f];
        s->oor[f] = 0;
    }
    return rc;
}

/* ---- the row reader (one file after another) --------------------------- */

struct tg_reader {
    const tg_rules *rules;
    tg_scan_options opts;
    tg_date_config dates;
    int have_dates;
    int next_path;
    tg_source src;
    int open;
    uint64_t skipped;
    uint64_t skipped_by[TG_SKIP_NREASONS];
    uint64_t *oor;               /* per feature, of the files closed */
    tg_error first_skip;
    tg_progress_state progress; /* used when opts.progress is set */
    uint64_t unreported;        /* rows not yet added to it */
};

/*
 * The files of one table must be distinct: the same file given twice
 * (by another name, a link, or "-" twice) would be counted twice.
 */
static int check_inputs(const tg_scan_options *o, tg_error *err)
{
    int stdin_seen = 0;
    struct stat *st = calloc((size_t)o->npaths, sizeof *st);
    if (!st)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = TG_OK;
    for (int i = 0; i < o->npaths && rc == TG_OK; i++) {
        if (strcmp(o->paths[i], "-") == 0) {
            if (stdin_seen++)
                rc = tg_error_set(err, TG_EINVAL, o->paths[i], 0, 0,
                                  "standard input given twice as data");
            continue;
        }
        if (stat(o->paths[i], &st[i]) != 0)
            continue; /* reported when it is opened */
        for (int j = 0; j < i; j++)
            if (strcmp(o->paths[j], "-") != 0 && st[j].st_ino == st[i].st_ino &&
                st[j].st_dev == st[i].st_dev && st[i].st_ino != 0) {
                rc = tg_error_set(err, TG_EINVAL, o->paths[i], 0, 0,
                                  "the same file as '%s', given twice: its "
                                  "rows would be counted twice", o->paths[j]);
                break;
            }
    }
    free(st);
    return rc;
}

static int load_dates(const tg_scan_options *o, tg_date_config *d,
                      int *have, tg_error *err)
{
    *have = 0;
    if (!o->date_config)
        return TG_OK;
    int rc = tg_date_config_load(d, o->date_config, err);
    if (rc == TG_OK)
        *have = 1;
    return rc;
}

int tg_reader_open(tg_reader **out, const tg_rules *rules,
                   const tg_scan_options *opts, tg_error *err)
{
    *out = NULL;
    if (opts->npaths < 1)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0, "no data file given");
    tg_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    rd->rules = rules;
    rd->opts = *opts;
    tg_error_clear(&rd->first_skip);
    if (!(rd->oor = calloc((size_t)rules->nfeatures + 1, sizeof *rd->oor))) {
        free(rd);
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int rc = check_inputs(opts, err);
    if (rc == TG_OK)
        rc = load_dates(opts, &rd->dates, &rd->have_dates, err);
    if (rc) {
        free(rd->oor);
        free(rd);
        return rc;
    }
    /* Rows only: the row reader does not see the bytes it parses. */
    if (opts->progress && pthread_mutex_init(&rd->progress.lock, NULL) != 0)
        rd->opts.progress = NULL;
    if (rd->opts.progress) {
        rd->progress.fn = opts->progress;
        rd->progress.ctx = opts->progress_ctx;
        atomic_init(&rd->progress.rows, 0);
        atomic_init(&rd->progress.bytes, 0);
        rd->progress.start = rd->progress.last = now_seconds();
    }
    *out = rd;
    return TG_OK;
}

int tg_reader_next(tg_reader *rd, const tg_row **row, tg_error *err)
{
    for (;;) {
        if (!rd->open) {
            if (rd->next_path >= rd->opts.npaths)
                return 0;
            const char *p = rd->opts.paths[rd->next_path++];
            int rc = tg_csv_open(&rd->src.csv, p, err);
            if (rc == TG_OK)
                rc = source_open_header(&rd->src, rd->rules,
                                        rd->have_dates ? &rd->dates : NULL,
                                        err);
            if (rc) {
                source_close(&rd->src);
                return rc;
            }
            rd->open = 1;
        }
        int rc = source_next(&rd->src, rd->opts.on_bad_row == TG_BAD_ROW_SKIP,
                             &rd->skipped, rd->skipped_by, &rd->first_skip,
                             err);
        if (rc == 1) {
            *row = &rd->src.row;
            if (rd->opts.progress && ++rd->unreported == 4096) {
                progress_add(&rd->progress, rd->unreported, 0);
                rd->unreported = 0;
            }
            return 1;
        }
        if (rc < 0)
            return rc;
        for (int f = 0; f < rd->rules->nfeatures; f++)
            rd->oor[f] += rd->src.oor[f];
        source_close(&rd->src);
        rd->open = 0;
    }
}

tg_csv *tg_reader_csv(tg_reader *rd)
{
    return rd->src.csv;
}

const tg_schema *tg_reader_schema(const tg_reader *rd)
{
    return &rd->src.schema;
}

int tg_reader_file_index(const tg_reader *rd)
{
    return rd->next_path - 1;
}

uint64_t tg_reader_skipped(const tg_reader *rd, tg_error *first)
{
    if (first)
        *first = rd->first_skip;
    return rd->skipped;
}

uint64_t tg_reader_out_of_range(const tg_reader *rd, int feature)
{
    if (feature < 0 || feature >= rd->rules->nfeatures)
        return 0;
    return rd->oor[feature] +
           (rd->open && rd->src.oor ? rd->src.oor[feature] : 0);
}

uint64_t tg_reader_skipped_by(const tg_reader *rd, int reason)
{
    return reason >= 0 && reason < TG_SKIP_NREASONS ? rd->skipped_by[reason]
                                                    : 0;
}

void tg_reader_free(tg_reader *rd)
{
    if (!rd)
        return;
    source_close(&rd->src);
    if (rd->opts.progress) {
        if (rd->progress.reported)
            progress_call(&rd->progress, 1);
        pthread_mutex_destroy(&rd->progress.lock);
    }
    free(rd->oor);
    free(rd);
}

/* ---- the scan ---------------------------------------------------------- */

typedef struct {
    tg_source src;
    tg_tally tally;
    int skip;
    int rc;
    tg_error err, first_skip;
    uint64_t quotes;
} tg_range_job;

static void *range_worker(void *arg)
{
    tg_range_job *j = arg;
    j->rc = tally_source(&j->src, &j->tally, j->skip, &j->first_skip,
                         &j->err);
    j->quotes = tg_csv_quotes(j->src.csv);
    return NULL;
}

/* Offset just past the first '\n' at or after off (or end). */
static uint64_t next_line_start(int fd, uint64_t off, uint64_t end)
{
    char buf[4096];
    while (off < end) {
        ssize_t r = pread(fd, buf, sizeof buf, (off_t)off);
        if (r <= 0)
            return end;
        char *nl = memchr(buf, '\n', (size_t)r);
        if (nl)
            return off + (uint64_t)(nl - buf) + 1;
        off += (uint64_t)r;
    }
    return end;
}

static uint64_t count_quotes(int fd, uint64_t off, uint64_t end)
{
    char buf[4096];
    uint64_t q = 0;
    while (off < end) {
        size_t want = end - off < sizeof buf ? (size_t)(end - off) : sizeof buf;
        ssize_t r = pread(fd, buf, want, (off_t)off);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++)
            q += buf[i] == '"';
        off += (uint64_t)r;
    }
    return q;
}

/*
 * Scan one plain file with n threads over line-aligned ranges. Returns
 * 1 when the ranges were trusted and merged into t, 0 when the file
 * must be scanned in one piece instead, <0 on error.
 */
static int scan_ranges(tg_tally *t, const tg_rules *rules,
                       const tg_date_config *dates, const char *path,
                       int fd, uint64_t size, int n, int skip,
                       tg_progress_state *prog, tg_error *first_skip,
                       tg_error *err)
{
    tg_range_job *jobs = calloc((size_t)n, sizeof *jobs);
    pthread_t th[TG_SCAN_MAX_THREADS];
    int started[TG_SCAN_MAX_THREADS] = {0};
    uint64_t bound[TG_SCAN_MAX_THREADS + 1];
    int rc = TG_OK, trusted = 1;
    if (!jobs)
        return tg_error_set(err, TG_ENOMEM, path, 0, 0, "out of memory");

    /* The header: read with a range reader over the whole file. */
    tg_csv *head = NULL;
    tg_source hs;
    memset(&hs, 0, sizeof hs);
    if ((rc = tg_csv_open_range(&head, path, fd, 0, size, 1, err)))
        goto done;
    hs.csv = head;
    if ((rc = source_open_header(&hs, rules, dates, err)))
        goto done_head;
    /* The body starts at the line after the header; find it by reading
     * the header's line count (a quoted header may span lines). */
    long body_line = tg_csv_lines(head);
    uint64_t body = 0;
    for (long l = 1; l < body_line; l++)
        body = next_line_start(fd, body, size);
    bound[0] = body;
    for (int k = 1; k < n; k++)
        bound[k] = next_line_start(fd, body + (size - body) * (uint64_t)k / (uint64_t)n,
                                   size);
    bound[n] = size;
    for (int k = 1; k <= n; k++)
        if (bound[k] < bound[k - 1])
            bound[k] = bound[k - 1];

    for (int k = 0; k < n; k++) {
        tg_range_job *j = &jobs[k];
        j->skip = skip;
        tg_error_clear(&j->err);
        tg_error_clear(&j->first_skip);
        if ((rc = tg_tally_init(&j->tally, rules, err)))
            goto join;
        /* Lines are numbered from 1 per range; fixed up on error. */
        if ((rc = tg_csv_open_range(&j->src.csv, path, fd, bound[k],
                                    bound[k + 1], 1, err)) ||
            (rc = source_setup(&j->src, rules, dates, &hs.schema, err)))
            goto join;
        j->src.progress = prog;
        if (pthread_create(&th[k], NULL, range_worker, j) != 0) {
            rc = tg_error_set(err, TG_EINTERNAL, path, 0, 0,
                              "cannot start a scan thread");
            goto join;
        }
        started[k] = 1;
    }
join:
    for (int k = 0; k < n; k++)
        if (started[k])
            pthread_join(th[k], NULL);
    if (rc == TG_OK) {
        /* Trust range k only if the bytes before it hold an even number
         * of quotes: otherwise its first line was inside a quoted field. */
        uint64_t q = count_quotes(fd, 0, body);
        for (int k = 0; k < n && trusted; k++) {
            if (q % 2 != 0)
                trusted = 0;
            q += jobs[k].quotes;
        }
        long lines_before = body_line - 1;
        for (int k = 0; k < n && trusted; k++) {
            tg_range_job *j = &jobs[k];
            if (j->rc < 0) {
                *err = j->err;
                if (err->line > 0)
                    err->line += lines_before;
                rc = j->rc;
                break;
            }
            if (j->tally.skipped && first_skip && !first_skip->msg[0]) {
                *first_skip = j->first_skip;
                if (first_skip->line > 0)
                    first_skip->line += lines_before;
            }
            lines_before += tg_csv_lines(j->src.csv) - 1;
            tg_tally_merge(t, &j->tally);
        }
    }
    for (int k = 0; k < n; k++) {
        source_close(&jobs[k].src);
        tg_tally_release(&jobs[k].tally);
    }
done_head:
    source_close(&hs);
done:
    free(jobs);
    if (rc < 0)
        return rc;
    return trusted ? 1 : 0;
}

static int scan_file(tg_tally *t, const tg_rules *rules,
                     const tg_date_config *dates, const char *path,
                     int threads, uint64_t min_range, int skip,
                     tg_progress_state *prog, tg_error *first_skip,
                     tg_error *err)
{
    /* Split a large plain regular file; stream anything else. */
    if (strcmp(path, "-") != 0 && threads > 1) {
        int fd = open(path, O_RDONLY);
        struct stat st;
        unsigned char magic[2] = {0, 0};
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            (uint64_t)st.st_size >= 2 * min_range &&
            pread(fd, magic, 2, 0) == 2 && !(magic[0] == 0x1f && magic[1] == 0x8b)) {
            uint64_t size = (uint64_t)st.st_size;
            int n = threads;
            if ((uint64_t)n > size / min_range)
                n = (int)(size / min_range);
            tg_tally part;
            int rc = tg_tally_init(&part, rules, err);
            if (rc == TG_OK) {
                rc = scan_ranges(&part, rules, dates, path, fd, size, n, skip,
                                 prog, first_skip, err);
                if (rc == 1)
                    tg_tally_merge(t, &part);
                tg_tally_release(&part);
            }
            close(fd);
            if (rc != 0)
                return rc < 0 ? rc : TG_OK;
        } else if (fd >= 0) {
            close(fd);
        }
    }
    tg_source s;
    memset(&s, 0, sizeof s);
    /* With a core to spare, a gzip file inflates on one and parses on
     * the other. */
    int rc = threads > 1 ? tg_csv_open_pipelined(&s.csv, path, err)
                         : tg_csv_open(&s.csv, path, err);
    if (rc == TG_OK)
        rc = source_open_header(&s, rules, dates, err);
    s.progress = prog;
    if (rc == TG_OK)
        rc = tally_source(&s, t, skip, first_skip, err);
    source_close(&s);
    return rc;
}

/*
 * Several files (a sharded export): one file per thread, each into its
 * own tally, merged in file order. The result, the error reported (that
 * of the first failing file) and the first skipped row are those of a
 * scan of the files one after the other: files are handed out in order
 * and none is started after a failure, so every file before a failing
 * one has been scanned.
 */
typedef struct {
    const tg_rules *rules;
    const tg_date_config *dates;
    const char *const *paths;
    int npaths, skip;
    uint64_t min_range;
    tg_progress_state *progress;
    pthread_mutex_t lock;
    int next, failed;
    tg_tally *tallies;
    int *rcs, *done;
    tg_error *errs, *skips;
} tg_shard_pool;

static void *shard_worker(void *arg)
{
    tg_shard_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int i = p->failed || p->next >= p->npaths ? -1 : p->next++;
        pthread_mutex_unlock(&p->lock);
        if (i < 0)
            return NULL;
        tg_error_clear(&p->errs[i]);
        tg_error_clear(&p->skips[i]);
        int rc = tg_tally_init(&p->tallies[i], p->rules, &p->errs[i]);
        if (rc == TG_OK)
            rc = scan_file(&p->tallies[i], p->rules, p->dates, p->paths[i], 1,
                           p->min_range, p->skip, p->progress, &p->skips[i],
                           &p->errs[i]);
        pthread_mutex_lock(&p->lock);
        p->rcs[i] = rc;
        p->done[i] = 1;
        if (rc != TG_OK)
            p->failed = 1;
        pthread_mutex_unlock(&p->lock);
    }
}

static int scan_shards(tg_tally *t, const tg_rules *rules,
                       const tg_date_config *dates, const char *const *paths,
                       int npaths, int threads, uint64_t min_range, int skip,
                       tg_progress_state *prog, tg_error *first_skip,
                       tg_error *err)
{
    tg_shard_pool p;
    memset(&p, 0, sizeof p);
    p.progress = prog;
    p.rules = rules;
    p.dates = dates;
    p.paths = paths;
    p.npaths = npaths;
    p.skip = skip;
    p.min_range = min_range;
    size_t n = (size_t)npaths;
    p.tallies = calloc(n, sizeof *p.tallies);
    p.rcs = calloc(n, sizeof *p.rcs);
    p.done = calloc(n, sizeof *p.done);
    p.errs = calloc(n, sizeof *p.errs);
    p.skips = calloc(n, sizeof *p.skips);
    pthread_t th[TG_SCAN_MAX_THREADS];
    int nth = 0, rc = TG_OK;
    if (!p.tallies || !p.rcs || !p.done || !p.errs || !p.skips ||
        pthread_mutex_init(&p.lock, NULL) != 0) {
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (threads > npaths)
        threads = npaths;
    for (; nth < threads; nth++)
        if (pthread_create(&th[nth], NULL, shard_worker, &p) != 0)
            break;
    if (nth == 0) /* no thread could start: scan here */
        shard_worker(&p);
    for (int k = 0; k < nth; k++)
        pthread_join(th[k], NULL);
    for (int i = 0; i < npaths; i++) {
        if (!p.done[i])
            break; /* never started: a file before it failed */
        if (p.rcs[i] != TG_OK) {
            *err = p.errs[i];
            rc = p.rcs[i];
            break;
        }
        if (first_skip && !first_skip->msg[0] && p.skips[i].msg[0])
            *first_skip = p.skips[i];
        tg_tally_merge(t, &p.tallies[i]);
    }
    pthread_mutex_destroy(&p.lock);
out:
    for (int i = 0; p.tallies && p.done && i < npaths; i++)
        if (p.done[i])
            tg_tally_release(&p.tallies[i]);
    free(p.tallies);
    free(p.rcs);
    free(p.done);
    free(p.errs);
    free(p.skips);
    return rc;
}

/* ---- the fingerprint ------------------------------------------------------ */

/*
 * The SHA-256 of the input files' bytes, in order (what sha256sum prints
 * for one file, or for their concatenation), computed by a thread of its
 * own while the scan parses. The parsers cannot feed the hash: the ranges
 * of one file are parsed at the same time, out of file order, and hashing
 * them in order would mean holding whole ranges in memory. So this thread
 * reads the files once more, front to back, a block at a time: from the
 * page cache that costs a copy, and the hashing (the expensive part) runs
 * beside the parsing instead of after it. Memory is one block.
 *
 * Only regular files are fingerprinted: standard input and pipes (a
 * process substitution) cannot be read twice, and a second reader would
 * take bytes from the scan. With one of those the fingerprint is "" (not
 * known) rather than that of the other files passing for the whole input.
 */
#define TG_FINGERPRINT_BLOCK (1u << 20)

struct tg_fingerprint {
    const char *const *paths;
    int npaths;
    pthread_t thread;
    int started;                 /* the thread runs; finish joins it */
    _Atomic int stop;            /* set by cancel: stop between blocks */
    int rc;
    tg_error err;
    char hex[65];
};

static int fingerprint_regular(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
           S_ISREG(st.st_mode);
}

static void fingerprint_compute(tg_fingerprint *fp)
{
    tg_sha256 h;
    char *buf = NULL;
    fp->rc = TG_OK;
    fp->hex[0] = '\0';
    for (int i = 0; i < fp->npaths; i++)
        if (!fingerprint_regular(fp->paths[i]))
            return;
    if (tg_sha256_init(&h) || !(buf = malloc(TG_FINGERPRINT_BLOCK))) {
        tg_sha256_hex(&h, fp->hex);
        fp->hex[0] = '\0';
        fp->rc = tg_error_set(&fp->err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        free(buf);
        return;
    }
    for (int i = 0; i < fp->npaths && fp->rc == TG_OK; i++) {
        /* O_NONBLOCK: a path replaced by a pipe since the check above
         * must not block the open; fstat then refuses it. */
        int fd = open(fp->paths[i], O_RDONLY | O_NONBLOCK);
        struct stat st;
        if (fd < 0) {
            fp->rc = tg_error_set(&fp->err, errno == ENOENT ? TG_EINVAL : TG_EIO,
                                  fp->paths[i], 0, 0, "cannot open: %s",
                                  strerror(errno));
            break;
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            tg_sha256_hex(&h, fp->hex);
            fp->hex[0] = '\0';
            free(buf);
            return;
        }
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
        for (;;) {
            if (atomic_load(&fp->stop)) {
                fp->rc = TG_EINTERNAL; /* cancelled: never read */
                break;
            }
            ssize_t n = read(fd, buf, TG_FINGERPRINT_BLOCK);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                fp->rc = tg_error_set(&fp->err, TG_EIO, fp->paths[i], 0, 0,
                                      "cannot read: %s", strerror(errno));
                break;
            }
            if (n == 0)
                break;
            tg_sha256_update(&h, buf, (size_t)n);
        }
        close(fd);
    }
    free(buf);
    tg_sha256_hex(&h, fp->hex);
    if (fp->rc != TG_OK)
        fp->hex[0] = '\0';
}

static void *fingerprint_thread(void *arg)
{
    fingerprint_compute(arg);
    return NULL;
}

int tg_fingerprint_start(tg_fingerprint **out, const char *const *paths,
                         int npaths, int background, tg_error *err)
{
    tg_fingerprint *fp = calloc(1, sizeof *fp);
    *out = NULL;
    if (!fp)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    fp->paths = paths;
    fp->npaths = npaths;
    atomic_init(&fp->stop, 0);
    tg_error_clear(&fp->err);
    /* No thread to spare (or none can start): finish computes it. */
    fp->started = background &&
                  pthread_create(&fp->thread, NULL, fingerprint_thread, fp) == 0;
    *out = fp;
    return TG_OK;
}

int tg_fingerprint_finish(tg_fingerprint *fp, char hex[65], tg_error *err)
{
    if (fp->started)
        pthread_join(fp->thread, NULL);
    else
        fingerprint_compute(fp);
    int rc = fp->rc;
    memcpy(hex, fp->hex, 65);
    if (rc != TG_OK && err)
        *err = fp->err;
    free(fp);
    return rc;
}

void tg_fingerprint_cancel(tg_fingerprint *fp)
{
    if (!fp)
        return;
    if (fp->started) {
        atomic_store(&fp->stop, 1);
        pthread_join(fp->thread, NULL);
    }
    free(fp);
}

int tg_scan_fingerprint(tg_tally *t, const tg_scan_options *opts,
                        tg_error *err)
{
    tg_fingerprint *fp;
    int rc = tg_fingerprint_start(&fp, opts->paths, opts->npaths, 0, err);
    return rc ? rc : tg_fingerprint_finish(fp, t->input_sha256, err);
}

/* The bytes a scan will parse, when every file is a plain regular file;
 * 0 when one is standard input or gzip (its parsed size is unknown). */
static uint64_t total_plain_bytes(const tg_scan_options *o)
{
    uint64_t total = 0;
    for (int i = 0; i < o->npaths; i++) {
        struct stat st;
        unsigned char magic[2] = {0, 0};
        if (strcmp(o->paths[i], "-") == 0)
            return 0;
        int fd = open(o->paths[i], O_RDONLY);
        if (fd < 0)
            return 0;
        int plain = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                    !(pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
                      magic[1] == 0x8b);
        close(fd);
        if (!plain)
            return 0;
        total += (uint64_t)st.st_size;
    }
    return total;
}

int tg_scan(tg_tally *t, const tg_rules *rules, const tg_scan_options *opts,
            tg_error *first_skip, tg_error *err)
{
    tg_date_config dates;
    int have_dates = 0;
    if (opts->npaths < 1)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0, "no data file given");
    int rc = check_inputs(opts, err);
    if (rc == TG_OK)
        rc = load_dates(opts, &dates, &have_dates, err);
    if (rc)
        return rc;
    int threads = opts->threads;
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (int)cpus : 1;
    }
    if (threads > TG_SCAN_MAX_THREADS)
        threads = TG_SCAN_MAX_THREADS;
    if (first_skip)
        tg_error_clear(first_skip);
    /* With more than one thread allowed, the fingerprint is hashed beside
     * the parsing; with one, after it (as a second read). */
    tg_fingerprint *fp = NULL;
    if (opts->fingerprint &&
        (rc = tg_fingerprint_start(&fp, opts->paths, opts->npaths,
                                   threads > 1, err)))
        return rc;
    uint64_t min_range = opts->min_range ? opts->min_range : TG_SCAN_MIN_RANGE;
    int skip = opts->on_bad_row == TG_BAD_ROW_SKIP;
    const tg_date_config *dp = have_dates ? &dates : NULL;
    tg_progress_state ps, *prog = NULL;
    if (opts->progress && pthread_mutex_init(&ps.lock, NULL) == 0) {
        prog = &ps;
        ps.fn = opts->progress;
        ps.ctx = opts->progress_ctx;
        atomic_init(&ps.rows, 0);
        atomic_init(&ps.bytes, 0);
        ps.start = ps.last = now_seconds();
        ps.reported = 0;
        ps.total = total_plain_bytes(opts);
    }
    if (opts->npaths > 1 && threads > 1)
        rc = scan_shards(t, rules, dp, opts->paths, opts->npaths, threads,
                         min_range, skip, prog, first_skip, err);
    else
        for (int i = 0; i < opts->npaths && rc == TG_OK; i++)
            rc = scan_file(t, rules, dp, opts->paths[i], threads, min_range,
                           skip, prog, first_skip, err);
    if (prog) {
        if (ps.reported)
            progress_call(prog, 1);
        pthread_mutex_destroy(&ps.lock);
    }
    if (fp && rc == TG_OK)
        rc = tg_fingerprint_finish(fp, t->input_sha256, err);
    else
        tg_fingerprint_cancel(fp);
    return rc;
}

/* ---- check-schema ------------------------------------------------------ */

/* Count one bad row under its problem (reason and column). */
static int add_problem(tg_schema_report *out, const tg_source *s,
                       const tg_rules *rules, const tg_error *bad)
{
    int column = s->reason == TG_SKIP_FIELDS ? -1 : s->bad_col;
    for (int i = 0; i < out->nproblems; i++)
        if (out->problems[i].reason == s->reason &&
            out->problems[i].column == column) {
            out->problems[i].count++;
            return TG_OK;
        }
    tg_schema_problem *n = realloc(out->problems, (size_t)(out->nproblems + 1) *
                                                      sizeof *n);
    if (!n)
        return TG_ENOMEM;
    out->problems = n;
    tg_schema_problem *p = &n[out->nproblems++];
    memset(p, 0, sizeof *p);
    p->reason = s->reason;
    p->column = column;
    p->count = 1;
    p->first = *bad;
    const char *name = column >= 0 && s->schema.header
                           ? s->schema.header[column] : "";
    (void)rules;
    switch (s->reason) {
    case TG_SKIP_FIELDS:
        snprintf(p->what, sizeof p->what,
                 "a field count unlike the header's");
        break;
    case TG_SKIP_RANGE:
        snprintf(p->what, sizeof p->what,
                 "values outside the declared range in column '%.100s'", name);
        break;
    default:
        snprintf(p->what, sizeof p->what, "bad values in column '%.100s'",
                 name);
        break;
    }
    return TG_OK;
}

int tg_schema_check(tg_schema_report *out, const tg_rules *rules,
                    const char *const *paths, int npaths,
                    const char *date_config, tg_error *err)
{
    memset(out, 0, sizeof *out);
    {
        tg_scan_options o = TG_SCAN_OPTIONS_INIT;
        o.paths = paths;
        o.npaths = npaths;
        int rc0 = check_inputs(&o, err);
        if (rc0)
            return rc0;
    }
    out->nfeatures = rules->nfeatures;
    out->features = calloc((size_t)rules->nfeatures, sizeof *out->features);
    unsigned char *used = malloc((size_t)rules->nfeatures);
    if (!out->features || !used) {
        free(used);
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    tg_rules_used_features(rules, used);
    for (int f = 0; f < rules->nfeatures; f++)
        out->features[f].used = used[f];
    free(used);
    out->has_target = out->has_split = out->has_date = 1;
    int rc = TG_OK;
    /* Pass 1: headers only, so a missing column is reported at once. */
    for (int i = 0; i < npaths && rc == TG_OK; i++) {
        tg_csv *csv = NULL;
        tg_schema sc;
        memset(&sc, 0, sizeof sc);
        rc = tg_csv_open(&csv, paths[i], err);
        if (rc == TG_OK && (rc = tg_csv_next(csv, err)) == 0)
            rc = tg_error_set(err, TG_EINVAL, paths[i], 1, 0,
                              "empty file: expected a header row");
        if (rc == 1)
            rc = tg_schema_bind(&sc, rules, csv, err);
        if (rc == TG_OK) {
            for (int f = 0; f < rules->nfeatures; f++) {
                int col = sc.feature_col[f];
                if (col < 0) {
                    if (out->features[f].used && !out->missing++)
                        out->missing_file = strdup(paths[i]);
                    continue;
                }
                if (!out->features[f].column) {
                    size_t len;
                    const char *name = tg_csv_field(csv, (size_t)col, &len);
                    out->features[f].column = strndup(name, len);
                }
            }
            out->has_target &= sc.target_col >= 0;
            out->has_split &= sc.split_col >= 0;
            out->has_date &= sc.date_col >= 0;
        }
        tg_schema_release(&sc);
        tg_csv_free(csv);
    }
    if (rc != TG_OK || out->missing)
        return rc;
    /* Pass 2: NULL counts, and every row through the scan's validator. */
    tg_date_config dates;
    int have_dates = 0;
    if (out->has_target)
        rc = load_dates(&(tg_scan_options){.date_config = date_config},
                        &dates, &have_dates, err);
    for (int i = 0; i < npaths && rc == TG_OK; i++) {
        tg_csv *csv = NULL;
        tg_schema sc;
        tg_source src;
        memset(&sc, 0, sizeof sc);
        memset(&src, 0, sizeof src);
        int validate = 0;
        rc = tg_csv_open(&csv, paths[i], err);
        if (rc == TG_OK && (rc = tg_csv_next(csv, err)) == 1)
            rc = tg_schema_bind(&sc, rules, csv, err);
        if (rc == TG_OK && out->has_target) {
            src.csv = csv;
            rc = source_setup(&src, rules, have_dates ? &dates : NULL, &sc, err);
            validate = rc == TG_OK;
        }
        while (rc == TG_OK && (rc = tg_csv_next(csv, err)) == 1) {
            rc = TG_OK;
            out->rows++;
            size_t len;
            for (int f = 0; f < rules->nfeatures; f++) {
                int col = sc.feature_col[f];
                if (col >= 0 && (!tg_csv_field(csv, (size_t)col, &len) || !len))
                    out->features[f].nulls++;
            }
            if (sc.target_col >= 0 &&
                (!tg_csv_field(csv, (size_t)sc.target_col, &len) || !len))
                out->target_nulls++;
            tg_error bad;
            if (validate && source_parse_row(&src, &bad) != TG_OK) {
                out->bad_rows++;
                if (add_problem(out, &src, rules, &bad) != TG_OK)
                    rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0,
                                      "out of memory");
            }
        }
        src.csv = NULL; /* csv is freed below */
        source_close(&src);
        tg_schema_release(&sc);
        tg_csv_free(csv);
    }
    return rc;
}

void tg_schema_report_release(tg_schema_report *r)
{
    if (!r)
        return;
    for (int f = 0; f < r->nfeatures && r->features; f++)
        free(r->features[f].column);
    free(r->features);
    free(r->missing_file);
    free(r->problems);
    r->problems = NULL;
    r->nproblems = 0;
    r->features = NULL;
}

int tg_schema_bind_names(tg_schema *s, const tg_rules *r, char *const *names,
                         int ncols, tg_error *err)
{
    memset(s, 0, sizeof *s);
    s->ncols = ncols;
    s->target_col = s->split_col = s->date_col = s->lead_id_col = -1;
    s->feature_col = malloc((size_t)r->nfeatures * sizeof *s->feature_col);
    if (!s->feature_col)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    for (int f = 0; f < r->nfeatures; f++) {
        const tg_feature *ft = &r->features[f];
        s->feature_col[f] = -1;
        for (int a = -1; a < ft->naliases && s->feature_col[f] < 0; a++) {
            const char *want = a < 0 ? ft->name : ft->aliases[a];
            for (int i = 0; i < ncols; i++)
                if (strcasecmp(names[i], want) == 0) {
                    s->feature_col[f] = i;
                    break;
                }
        }
    }
    return TG_OK;
}

int tg_parse_features(const tg_rules *r, const tg_schema *sc, tg_csv *csv,
                      double *values, tg_error *err)
{
    size_t n = tg_csv_nfields(csv);
    for (int f = 0; f < r->nfeatures; f++) {
        int col = sc->feature_col[f];
        values[f] = NAN;
        if (col < 0 || (size_t)col >= n)
            continue;
        size_t len;
        const char *v = tg_csv_field(csv, (size_t)col, &len), *why = NULL;
        const tg_feature *ft = &r->features[f];
        int rc = feature_value(ft, v, len, &values[f], &why);
        if (rc < 0 || (rc > 0 && !ft->range_warn)) {
            long line, column;
            tg_csv_field_position(csv, (size_t)col, &line, &column);
            if (rc < 0)
                tg_error_set(err, TG_EINVAL, tg_csv_name(csv), line, column,
                             "bad value '%.*s' in column '%s': expected %s",
                             len > 40 ? 40 : (int)len, v, ft->name, why);
            else
                tg_error_set(err, TG_EINVAL, tg_csv_name(csv), line, column,
                             "value %g in column '%s' is outside its "
                             "declared range %g..%g", values[f], ft->name,
                             ft->min, ft->max);
            tg_csv_error_context(csv, (size_t)col, err);
            return TG_EINVAL;
        }
    }
    return TG_OK;
}
