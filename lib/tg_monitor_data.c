/*
 * Monitor windows from rows or from the warehouse's monitor summary.
 *
 * From rows: maturity depends on the data's last contacted date, which
 * is known only at the end, so the scan keeps a daily tally (days x
 * tiers, at most 30 years of days) and folds it into windows afterwards.
 * From a summary: the warehouse has already grouped by window and by
 * maturity against the same last date, so its rows are windows.
 */
#include "tg_monitor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_csv.h"
#include "tg_util.h"

#define MAX_SPAN_DAYS (30 * 366)
#define SLACK_DAYS 128

/* ---- dates and windows ------------------------------------------------- */

int tg_window_unit_parse(const char *s)
{
    return strcmp(s, "week") == 0 ? TG_WINDOW_WEEK
         : strcmp(s, "month") == 0 ? TG_WINDOW_MONTH
                                   : -1;
}

const char *tg_window_unit_name(tg_window_unit u)
{
    return u == TG_WINDOW_MONTH ? "month" : "week";
}

/* Howard Hinnant's civil calendar algorithms (proleptic Gregorian). */
long tg_date_to_days(int v)
{
    long y = v / 10000, m = (v / 100) % 100, d = v % 100;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int tg_days_to_date(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    return (int)((y + (m <= 2)) * 10000 + m * 100 + d);
}

/* 1970-01-01 was a Thursday: Monday-based weekday 0..6. */
static int weekday(long days)
{
    long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int tg_window_start(int date, tg_window_unit u)
{
    if (u == TG_WINDOW_MONTH)
        return date / 100 * 100 + 1;
    long d = tg_date_to_days(date);
    return tg_days_to_date(d - weekday(d));
}

int tg_window_end(int start, tg_window_unit u)
{
    if (u == TG_WINDOW_WEEK)
        return tg_days_to_date(tg_date_to_days(start) + 6);
    int y = start / 10000, m = (start / 100) % 100;
    int next = m == 12 ? (y + 1) * 10000 + 101 : y * 10000 + (m + 1) * 100 + 1;
    return tg_days_to_date(tg_date_to_days(next) - 1);
}

static int next_window(int start, tg_window_unit u)
{
    return tg_days_to_date(tg_date_to_days(tg_window_end(start, u)) + 1);
}

const char *tg_window_label(int start, tg_window_unit u, char buf[16])
{
    if (u == TG_WINDOW_MONTH) {
        snprintf(buf, 16, "%04d-%02d", (start / 10000) % 10000,
                 (start / 100) % 100);
        return buf;
    }
    /* ISO 8601: the week belongs to the year of its Thursday. */
    int thu = tg_days_to_date(tg_date_to_days(start) + 3);
    long jan1 = tg_date_to_days(thu / 10000 * 10000 + 101);
    int week = (int)((tg_date_to_days(thu) - jan1) / 7 + 1);
    snprintf(buf, 16, "%04d-W%02d", (thu / 10000) % 10000, week % 100);
    return buf;
}

void tg_monitor_data_release(tg_monitor_data *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->nwindows; i++) {
        free(d->w[i].all);
        free(d->w[i].mature);
    }
    free(d->w);
    d->w = NULL;
    d->nwindows = 0;
}

/* Windows from the one holding first to the one holding last. */
static int make_windows(tg_monitor_data *d, int first, int last, tg_error *err)
{
    int n = 0;
    for (int s = tg_window_start(first, d->unit); s <= last;
         s = next_window(s, d->unit))
        n++;
    d->w = calloc((size_t)n, sizeof *d->w);
    if (!d->w)
        return tg_error_oom(err, NULL);
    int s = tg_window_start(first, d->unit);
    for (int i = 0; i < n; i++, s = next_window(s, d->unit)) {
        tg_window *w = &d->w[i];
        w->start = s;
        w->end = tg_window_end(s, d->unit);
        w->all = calloc((size_t)d->ntiers, sizeof *w->all);
        w->mature = calloc((size_t)d->ntiers, sizeof *w->mature);
        d->nwindows = i + 1;
        if (!w->all || !w->mature)
            return tg_error_oom(err, NULL);
    }
    return TG_OK;
}

static int find_window(const tg_monitor_data *d, int start)
{
    int lo = 0, hi = d->nwindows - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (d->w[mid].start == start)
            return mid;
        if (d->w[mid].start < start)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static void add(tg_count *dst, const tg_count *src)
{
    dst->leads += src->leads;
    dst->labeled += src->labeled;
    dst->conversions += src->conversions;
}

/* Whole windows: --since from the start of its window, --until to the
 * end of its window, so rows and summaries select the same leads. */
static void bounds(const tg_monitor_options *mo, int *lo, int *hi)
{
    *lo = mo->since ? tg_window_start(mo->since, mo->unit) : 0;
    *hi = mo->until ? tg_window_end(tg_window_start(mo->until, mo->unit),
                                    mo->unit)
                    : 99991231;
}

/* ---- from rows: a daily tally ------------------------------------------ */

typedef struct {
    int ntiers;
    long base, cap;          /* slots cover days [base, base + cap) */
    long lo, hi;             /* days seen, lo > hi when none */
    tg_count *cells;         /* [slot * ntiers + tier] */
    tg_count *cross;         /* [slot * 4 + TG_CROSS_*] */
} daily;

static int daily_reach(daily *dy, long day, tg_error *err)
{
    if (dy->lo <= dy->hi) {
        long lo = day < dy->lo ? day : dy->lo, hi = day > dy->hi ? day : dy->hi;
        if (hi - lo + 1 > MAX_SPAN_DAYS) {
            char a[11], b[11];
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "contacted_date spans more than 30 years (%s "
                                "to %s): select a period with --since and "
                                "--until",
                                tg_format_date(tg_days_to_date(lo), a),
                                tg_format_date(tg_days_to_date(hi), b));
        }
    }
    if (dy->cap && day >= dy->base && day < dy->base + dy->cap)
        goto seen;
    long nb = dy->cap ? dy->base : day - SLACK_DAYS;
    long ne = dy->cap ? dy->base + dy->cap : day + SLACK_DAYS;
    if (day < nb)
        nb = day - SLACK_DAYS;
    if (day >= ne)
        ne = day + SLACK_DAYS;
    long ncap = ne - nb;
    tg_count *c = calloc((size_t)(ncap * dy->ntiers), sizeof *c);
    tg_count *x = calloc((size_t)(ncap * 4), sizeof *x);
    if (!c || !x) {
        free(c);
        free(x);
        return tg_error_oom(err, NULL);
    }
    if (dy->cap) {
        long off = dy->base - nb;
        memcpy(c + off * dy->ntiers, dy->cells,
               (size_t)(dy->cap * dy->ntiers) * sizeof *c);
        memcpy(x + off * 4, dy->cross, (size_t)(dy->cap * 4) * sizeof *x);
    }
    free(dy->cells);
    free(dy->cross);
    dy->cells = c;
    dy->cross = x;
    dy->base = nb;
    dy->cap = ncap;
seen:
    if (dy->lo > dy->hi)
        dy->lo = dy->hi = day;
    else if (day < dy->lo)
        dy->lo = day;
    else if (day > dy->hi)
        dy->hi = day;
    return TG_OK;
}

static void count_row(tg_count *c, int target)
{
    c->leads++;
    if (target >= 0) {
        c->labeled++;
        c->conversions += (uint64_t)target;
    }
}

/* Bind the older rule set to the header of the reader's current file. */
static int bind_old(tg_schema *fs, const tg_rules *old, tg_reader *rd,
                    const char *path, tg_error *err)
{
    const tg_schema *ts = tg_reader_schema(rd);
    tg_schema_release(fs);
    int rc = tg_schema_bind_names(fs, old, ts->header, ts->ncols, err);
    if (rc)
        return rc;
    unsigned char *used = malloc((size_t)old->nfeatures);
    if (!used)
        return tg_error_oom(err, NULL);
    tg_rules_used_features(old, used);
    for (int f = 0; f < old->nfeatures && !rc; f++)
        if (used[f] && fs->feature_col[f] < 0)
            rc = tg_error_set(err, TG_EINVAL, path, 1, 0,
                              "missing column '%s' (needed by %s)",
                              old->features[f].name, old->path);
    free(used);
    return rc;
}

int tg_monitor_scan(tg_monitor_data *out, const tg_rules *rules,
                    const tg_scan_options *o, const tg_monitor_options *mo,
                    tg_error *err)
{
    memset(out, 0, sizeof *out);
    out->unit = mo->unit;
    out->maturity_days = mo->maturity_days;
    out->ntiers = rules->ntiers;
    out->compare = mo->compare != NULL;
    daily dy = {rules->ntiers, 0, 0, 1, 0, NULL, NULL};
    const tg_rules *old = mo->compare;
    tg_reader *rd = NULL;
    tg_schema fs;
    memset(&fs, 0, sizeof fs);
    double *fv = NULL;
    int rc, file = -1, lo, hi;
    bounds(mo, &lo, &hi);
    if (old && !(fv = malloc((size_t)old->nfeatures * sizeof *fv))) {
        rc = tg_error_oom(err, NULL);
        goto done;
    }
    if ((rc = tg_reader_open(&rd, rules, o, err)))
        goto done;
    const tg_row *row;
    int def = tg_rules_default(rules);
    while ((rc = tg_reader_next(rd, &row, err)) == 1) {
        out->rows++;
        int oldtier = -1;
        if (old) {
            if (tg_reader_file_index(rd) != file) {
                file = tg_reader_file_index(rd);
                if ((rc = bind_old(&fs, old, rd, o->paths[file], err)))
                    break;
            }
            if ((rc = tg_parse_features(old, &fs, tg_reader_csv(rd), fv, err)))
                break;
            oldtier = tg_rules_assign(old, fv);
        }
        if (!row->date) {
            out->undated++;
            continue;
        }
        if (!out->first_date || row->date < out->first_date)
            out->first_date = row->date;
        if (row->date > out->last_date)
            out->last_date = row->date;
        if (row->date < lo || row->date > hi) {
            out->outside++;
            continue;
        }
        long day = tg_date_to_days(row->date);
        if ((rc = daily_reach(&dy, day, err)))
            break;
        long slot = day - dy.base;
        count_row(&dy.cells[slot * dy.ntiers + row->tier], row->target);
        if (old) {
            int c = (oldtier != tg_rules_default(old)) * TG_CROSS_OLD +
                    (row->tier != def) * TG_CROSS_NEW;
            count_row(&dy.cross[slot * 4 + c], row->target);
        }
    }
    if (rc < 0)
        goto done;
    rc = TG_OK;
    out->skipped = tg_reader_skipped(rd, NULL);
    out->rows += out->skipped;
    if (out->last_date)
        out->cutoff = tg_days_to_date(tg_date_to_days(out->last_date) -
                                      mo->maturity_days);
    if (dy.lo > dy.hi)
        goto done; /* no dated row: no window */
    if ((rc = make_windows(out, tg_days_to_date(dy.lo), tg_days_to_date(dy.hi),
                           err)))
        goto done;
    long cut = tg_date_to_days(out->cutoff);
    int wi = 0;
    for (long day = dy.lo; day <= dy.hi; day++) {
        int date = tg_days_to_date(day);
        while (date > out->w[wi].end)
            wi++;
        tg_window *w = &out->w[wi];
        long slot = day - dy.base;
        int mature = day <= cut;
        for (int k = 0; k < dy.ntiers; k++) {
            const tg_count *c = &dy.cells[slot * dy.ntiers + k];
            add(&w->all[k], c);
            if (mature)
                add(&w->mature[k], c);
        }
        for (int c = 0; old && c < 4; c++) {
            w->cross_leads[c] += dy.cross[slot * 4 + c].leads;
            if (mature)
                add(&w->cross[c], &dy.cross[slot * 4 + c]);
        }
    }
done:
    tg_reader_free(rd);
    tg_schema_release(&fs);
    free(fv);
    free(dy.cells);
    free(dy.cross);
    if (rc < 0)
        tg_monitor_data_release(out);
    return rc;
}

/* ---- from the warehouse's summary -------------------------------------- */

enum { S_WINDOW, S_SPLIT, S_TIER, S_MATURE, S_MATURITY, S_LEADS, S_LABELED,
       S_CONV, S_FIRST, S_LAST, S_N };
static const char *cols[S_N] = {
    "window_start", "split", "tier", "mature", "maturity_days", "leads",
    "labeled", "conversions", "first_contacted_date", "last_contacted_date"};

static int field_error(tg_csv *c, int col, tg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int field_error(tg_csv *c, int col, tg_error *err, const char *fmt, ...)
{
    long line, column;
    tg_csv_field_position(c, (size_t)col, &line, &column);
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tg_error_set(err, TG_EINVAL, tg_csv_name(c), line, column, "%s", msg);
    tg_csv_error_context(c, (size_t)col, err);
    return TG_EINVAL;
}

/* The field as a short printable string for messages. */
static const char *shown(tg_csv *c, int col, char buf[48])
{
    size_t len;
    const char *f = tg_csv_field(c, (size_t)col, &len);
    snprintf(buf, 48, "%.*s%s", (int)(len < 40 ? len : 40), f,
             len > 40 ? "..." : "");
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return buf;
}

/* Field k (S_*) of the record, at column col[k], as a count. */
static int whole(tg_csv *c, const int *cl, int k, uint64_t *out, tg_error *err)
{
    int col = cl[k];
    size_t len;
    const char *f = tg_csv_field(c, (size_t)col, &len);
    char buf[32], sh[48];
    if (len == 0 || len >= sizeof buf)
        return field_error(c, col, err, "'%s' needs a whole count >= 0, "
                           "found '%s'", cols[k], shown(c, col, sh));
    memcpy(buf, f, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end || !(v >= 0) || v > 9e15 || v != (double)(uint64_t)v)
        return field_error(c, col, err, "'%s' needs a whole count >= 0, "
                           "found '%s'", cols[k], shown(c, col, sh));
    *out = (uint64_t)v;
    return TG_OK;
}

static int date_field(tg_csv *c, const int *cl, int k, int *out, tg_error *err)
{
    int col = cl[k];
    size_t len;
    const char *f = tg_csv_field(c, (size_t)col, &len);
    char sh[48];
    *out = 0;
    if (len == 0)
        return TG_OK;
    if (!(*out = tg_parse_date(f, len)))
        return field_error(c, col, err, "'%s' needs a date (YYYY-MM-DD), "
                           "found '%s'", cols[k], shown(c, col, sh));
    return TG_OK;
}

/* One summary row, parsed. */
typedef struct {
    int window, tier, mature, first, last;
    tg_count n;
} srow;

static int parse_row(tg_csv *c, const int *col, const tg_rules *rules,
                     const tg_monitor_options *mo, srow *r, tg_error *err)
{
    char sh[48];
    size_t len;
    const char *f = tg_csv_field(c, (size_t)col[S_TIER], &len);
    char tier[256];
    snprintf(tier, sizeof tier, "%.*s", (int)len, f);
    if ((r->tier = tg_rules_tier_index(rules, tier)) < 0)
        return field_error(c, col[S_TIER], err, "unknown tier '%s' (not in %s)",
                           shown(c, col[S_TIER], sh), rules->model_id);
    int rc;
    if ((rc = date_field(c, col, S_WINDOW, &r->window, err)))
        return rc;
    if (r->window && tg_window_start(r->window, mo->unit) != r->window)
        return field_error(c, col[S_WINDOW], err,
                           "'%s' is not the first day of a %s: was the "
                           "summary generated with another --by?",
                           shown(c, col[S_WINDOW], sh),
                           tg_window_unit_name(mo->unit));
    f = tg_csv_field(c, (size_t)col[S_MATURE], &len);
    if (len == 1 && (*f == '0' || *f == '1'))
        r->mature = *f == '1';
    else if (len == 4 && strncasecmp(f, "true", 4) == 0)
        r->mature = 1;
    else if (len == 5 && strncasecmp(f, "false", 5) == 0)
        r->mature = 0;
    else
        return field_error(c, col[S_MATURE], err,
                           "'mature' needs 0 or 1, found '%s'",
                           shown(c, col[S_MATURE], sh));
    uint64_t m;
    if ((rc = whole(c, col, S_MATURITY, &m, err)))
        return rc;
    if (m != (uint64_t)mo->maturity_days)
        return field_error(c, col[S_MATURITY], err,
                           "the summary was made with a maturity of %llu "
                           "days, the monitor uses %d: regenerate it with "
                           "--maturity %d or pass --maturity %llu",
                           (unsigned long long)m, mo->maturity_days,
                           mo->maturity_days, (unsigned long long)m);
    if ((rc = whole(c, col, S_LEADS, &r->n.leads, err)) ||
        (rc = whole(c, col, S_LABELED, &r->n.labeled, err)) ||
        (rc = whole(c, col, S_CONV, &r->n.conversions, err)))
        return rc;
    if (r->n.labeled > r->n.leads)
        return field_error(c, col[S_LABELED], err,
                           "labeled (%llu) exceeds leads (%llu)",
                           (unsigned long long)r->n.labeled,
                           (unsigned long long)r->n.leads);
    if (r->n.conversions > r->n.labeled)
        return field_error(c, col[S_CONV], err,
                           "conversions (%llu) exceed labeled (%llu)",
                           (unsigned long long)r->n.conversions,
                           (unsigned long long)r->n.labeled);
    r->first = 0;
    if (col[S_FIRST] >= 0 && (rc = date_field(c, col, S_FIRST, &r->first, err)))
        return rc;
    if ((rc = date_field(c, col, S_LAST, &r->last, err)))
        return rc;
    if (r->window && r->last &&
        (r->last < r->window || r->last > tg_window_end(r->window, mo->unit)))
        return field_error(c, col[S_LAST], err,
                           "last_contacted_date is outside the window "
                           "starting %s", shown(c, col[S_WINDOW], sh));
    return TG_OK;
}

static int open_summary(tg_csv **c, int *col, const char *path, tg_error *err)
{
    int rc;
    for (int k = 0; k < S_N; k++)
        col[k] = -1;
    if ((rc = tg_csv_open(c, path, err)))
        return rc;
    if ((rc = tg_csv_next(*c, err)) <= 0)
        return rc ? rc
                  : tg_error_set(err, TG_EINVAL, path, 1, 0,
                                 "empty file: expected the monitor summary "
                                 "header (window_start,split,tier,mature,...)");
    for (size_t i = 0; i < tg_csv_nfields(*c); i++) {
        size_t len;
        const char *f = tg_csv_field(*c, i, &len);
        for (int k = 0; k < S_N; k++)
            if (strlen(cols[k]) == len && strncasecmp(f, cols[k], len) == 0)
                col[k] = (int)i;
    }
    for (int k = 0; k < S_N; k++)
        if (col[k] < 0 && k != S_SPLIT && k != S_FIRST)
            return tg_error_set(err, TG_EINVAL, path, 1, 0,
                                "missing column '%s' (a monitor summary is "
                                "what `tiergate sql --emit monitor-summary` "
                                "generates)", cols[k]);
    return TG_OK;
}

static int add_checked(uint64_t *dst, uint64_t v, const char *path,
                       tg_error *err)
{
    if (*dst + v < *dst)
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "counts overflow 64 bits");
    *dst += v;
    return TG_OK;
}

int tg_monitor_summary_load(tg_monitor_data *out, const tg_rules *rules,
                            const char *path, const tg_monitor_options *mo,
                            tg_error *err)
{
    memset(out, 0, sizeof *out);
    out->unit = mo->unit;
    out->maturity_days = mo->maturity_days;
    out->ntiers = rules->ntiers;
    tg_csv *c = NULL;
    int col[S_N], rc, lo, hi, wlo = 0, whi = 0;
    bounds(mo, &lo, &hi);
    /* Two passes: the first finds the windows and the last date, the
     * second adds the counts into them. */
    for (int pass = 0; pass < 2; pass++) {
        tg_csv_free(c);
        c = NULL;
        if ((rc = open_summary(&c, col, path, err)))
            goto fail;
        int maxcol = 0;
        for (int k = 0; k < S_N; k++)
            maxcol = col[k] > maxcol ? col[k] : maxcol;
        while ((rc = tg_csv_next(c, err)) == 1) {
            if ((int)tg_csv_nfields(c) <= maxcol) {
                rc = tg_error_set(err, TG_EINVAL, path, tg_csv_record_line(c),
                                  0, "expected %d fields, found %zu",
                                  maxcol + 1, tg_csv_nfields(c));
                goto fail;
            }
            srow r;
            if ((rc = parse_row(c, col, rules, mo, &r, err)))
                goto fail;
            if (pass == 0) {
                if ((rc = add_checked(&out->rows, r.n.leads, path, err)))
                    goto fail;
                if (!r.window) {
                    out->undated += r.n.leads;
                    continue;
                }
                int first = r.first ? r.first : r.window;
                if (!out->first_date || first < out->first_date)
                    out->first_date = first;
                if (r.last > out->last_date)
                    out->last_date = r.last;
                if (r.window < lo || r.window > hi) {
                    out->outside += r.n.leads;
                    continue;
                }
                if (!wlo || r.window < wlo)
                    wlo = r.window;
                if (r.window > whi)
                    whi = r.window;
                continue;
            }
            if (!r.window || r.window < lo || r.window > hi)
                continue;
            /* Maturity must agree with the summary's own last date:
             * mature rows end by the cutoff, immature ones start after. */
            if ((r.mature && (r.window > out->cutoff ||
                              (r.last && r.last > out->cutoff))) ||
                (!r.mature && r.first && r.first <= out->cutoff)) {
                char sh[48], cut[11];
                rc = field_error(c, col[S_MATURE], err,
                                 "%s row in the window starting %s disagrees "
                                 "with the last mature date %s (the last "
                                 "contacted date minus %d days)",
                                 r.mature ? "a mature" : "an immature",
                                 shown(c, col[S_WINDOW], sh),
                                 tg_format_date(out->cutoff, cut),
                                 mo->maturity_days);
                goto fail;
            }
            int wi = find_window(out, r.window);
            if (wi < 0) { /* cannot happen: every start was validated */
                rc = tg_error_set(err, TG_EINTERNAL, path, 0, 0,
                                  "window %d not found", r.window);
                goto fail;
            }
            tg_window *w = &out->w[wi];
            tg_count *a = &w->all[r.tier];
            if ((rc = add_checked(&a->leads, r.n.leads, path, err)) ||
                (rc = add_checked(&a->labeled, r.n.labeled, path, err)) ||
                (rc = add_checked(&a->conversions, r.n.conversions, path, err)))
                goto fail;
            if (r.mature)
                add(&w->mature[r.tier], &r.n);
        }
        if (rc < 0)
            goto fail;
        if (pass == 0) {
            if (out->last_date)
                out->cutoff = tg_days_to_date(tg_date_to_days(out->last_date) -
                                              mo->maturity_days);
            if (!wlo)
                break;
            if (tg_date_to_days(whi) - tg_date_to_days(wlo) > MAX_SPAN_DAYS) {
                rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                                  "windows span more than 30 years: select a "
                                  "period with --since and --until");
                goto fail;
            }
            if ((rc = make_windows(out, wlo, whi, err)))
                goto fail;
        }
    }
    tg_csv_free(c);
    return TG_OK;
fail:
    tg_csv_free(c);
    tg_monitor_data_release(out);
    return rc;
}
