/*
 * One file as a source of rows: a CSV reader whose header is bound to
 * the rules, and each record turned into a validated row (values, target,
 * date, split and tier) or an error that names file, line, column and
 * what was expected. The general reader; plain rows also have a faster
 * path (tg_scan_fast.c) that gives the same results.
 */
#include "tg_scan_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_scan_dates.h"
#include "tg_scan_number.h"
#include "tg_suggest.h"

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

void tg_source_close(tg_source *s)
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

int tg_source_setup(tg_source *s, const tg_rules *r,
                    const tg_date_config *dates, const tg_schema *schema,
                    tg_error *err)
{
    const char *name = tg_csv_name(s->csv);
    s->schema = *schema;
    s->schema.feature_col = malloc((size_t)r->nfeatures * sizeof(int));
    if (!s->schema.feature_col)
        return tg_error_oom_at(err, name, 1);
    memcpy(s->schema.feature_col, schema->feature_col,
           (size_t)r->nfeatures * sizeof(int));
    s->schema.header = NULL;
    if (schema->header) {
        s->schema.header = calloc((size_t)schema->ncols + 1, sizeof(char *));
        if (!s->schema.header)
            return tg_error_oom_at(err, name, 1);
        for (int i = 0; i < schema->ncols; i++)
            if (!(s->schema.header[i] = strdup(schema->header[i])))
                return tg_error_oom_at(err, name, 1);
    }
    s->rules = r;
    s->dates = dates;
    s->used = malloc((size_t)r->nfeatures);
    s->cols = malloc((size_t)r->nfeatures * sizeof *s->cols);
    s->feats = malloc((size_t)r->nfeatures * sizeof *s->feats);
    s->values = malloc((size_t)r->nfeatures * sizeof *s->values);
    s->oor = calloc((size_t)r->nfeatures + 1, sizeof *s->oor);
    if (!s->used || !s->cols || !s->feats || !s->values || !s->oor)
        return tg_error_oom_at(err, name, 1);
    tg_rules_used_features(r, s->used);
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
    s->row.values = s->values;
    return TG_OK;
}

int tg_source_open_header(tg_source *s, const tg_rules *r,
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
    rc = tg_source_setup(s, r, dates, &schema, err);
    tg_schema_release(&schema);
    return rc;
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

int tg_source_parse_row(tg_source *s, tg_error *err)
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
        int rc = tg_feature_value(ft, f, len, &values[s->feats[k]], &why);
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
        if ((tg_parse_bool(f, len, &t) < 0 && tg_parse_number(f, len, &t) < 0) ||
            !(isnan(t) || t == 0 || t == 1))
            return bad_value(s, sc->target_col, f, len, "target",
                             "0, 1 or empty", TG_SKIP_TARGET, err);
        s->row.target = isnan(t) ? -1 : (int)t;
    }
    s->row.date = 0;
    if (sc->date_col >= 0) {
        f = field_at(csv, &rec, sc->date_col, &len);
        if (len > 0 && !(s->row.date = tg_date_of(f, len)))
            return bad_value(s, sc->date_col, f, len, "contacted_date",
                             "a date YYYY-MM-DD or a timestamp "
                             "YYYY-MM-DD HH:MM[:SS]", TG_SKIP_DATE, err);
    }
    s->row.split_value = NULL;
    s->row.split_len = 0;
    if (sc->split_col >= 0) {
        f = field_at(csv, &rec, sc->split_col, &len);
        s->row.split = tg_split_of_name(f, len);
        s->row.split_value = f;
        s->row.split_len = len;
    } else {
        s->row.split = tg_split_of_date(s->dates, s->row.date);
    }
    s->row.tier = tg_rules_assign(s->rules, values);
    return TG_OK;
}

int tg_source_next(tg_source *s, int skip, uint64_t *skipped,
                   uint64_t *skipped_by, tg_error *first, tg_error *err)
{
    for (;;) {
        int rc = tg_csv_next(s->csv, err);
        if (rc <= 0)
            return rc;
        rc = tg_source_parse_row(s, err);
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
