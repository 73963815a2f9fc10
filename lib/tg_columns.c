/*
 * Column lists from exports of the warehouse's metadata.
 */
#include "tg_columns.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_csv.h"
#include "tg_suggest.h"

int tg_sql_ident_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

void tg_columns_release(tg_columns *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++)
        free(c->names[i]);
    free(c->names);
    c->names = NULL;
    c->n = 0;
}

static int add(tg_columns *c, const char *f, size_t len, const char *path,
               long line, tg_error *err)
{
    if (c->n == TG_COLUMNS_MAX)
        return tg_error_set(err, TG_EINVAL, path, line, 0,
                            "more than %d columns", TG_COLUMNS_MAX);
    char **n = realloc(c->names, (size_t)(c->n + 1) * sizeof *n);
    if (!n)
        return tg_error_oom_at(err, path, line);
    c->names = n;
    if (!(n[c->n] = strndup(f, len)))
        return tg_error_oom_at(err, path, line);
    c->n++;
    return TG_OK;
}

/* The header's fields, or (unless header_only) the values of its
 * column_name column when it has one. */
static int load(tg_columns *out, const char *path, int header_only,
                tg_error *err)
{
    memset(out, 0, sizeof *out);
    tg_csv *csv = NULL;
    int rc = tg_csv_open(&csv, path, err);
    if (rc)
        return rc;
    if ((rc = tg_csv_next(csv, err)) <= 0) {
        if (rc == 0)
            rc = tg_error_set(err, TG_EINVAL, path, 1, 0,
                              "empty file: expected a header row");
        goto done;
    }
    int col = -1;
    size_t len;
    for (size_t i = 0; i < tg_csv_nfields(csv) && !header_only; i++) {
        const char *f = tg_csv_field(csv, i, &len);
        if (len == 11 && strncasecmp(f, "column_name", 11) == 0)
            col = (int)i;
    }
    if (col < 0) {
        for (size_t i = 0; i < tg_csv_nfields(csv) && rc >= 0; i++) {
            const char *f = tg_csv_field(csv, i, &len);
            rc = add(out, f, len, path, 1, err);
        }
        goto done;
    }
    while ((rc = tg_csv_next(csv, err)) == 1) {
        const char *f = tg_csv_field(csv, (size_t)col, &len);
        if (!f) {
            rc = tg_error_set(err, TG_EINVAL, path, tg_csv_record_line(csv), 0,
                              "expected %d fields as in the header, found %zu",
                              col + 1, tg_csv_nfields(csv));
            break;
        }
        if (len && (rc = add(out, f, len, path, tg_csv_record_line(csv), err)))
            break;
    }
done:
    tg_csv_free(csv);
    if (rc < 0) {
        tg_columns_release(out);
        return rc;
    }
    return TG_OK;
}

int tg_columns_load(tg_columns *out, const char *path, tg_error *err)
{
    return load(out, path, 0, err);
}

int tg_columns_header(tg_columns *out, const char *path, tg_error *err)
{
    return load(out, path, 1, err);
}

int tg_schema_check_columns(tg_schema_report *out, const tg_rules *rules,
                            const tg_columns *cols, const char *path,
                            tg_error *err)
{
    memset(out, 0, sizeof *out);
    out->nfeatures = rules->nfeatures;
    out->features = calloc((size_t)rules->nfeatures, sizeof *out->features);
    unsigned char *used = malloc((size_t)rules->nfeatures);
    tg_schema sc;
    if (!out->features || !used ||
        tg_schema_bind_names(&sc, rules, cols->names, cols->n, err) != TG_OK) {
        free(used);
        tg_schema_report_release(out);
        return tg_error_oom(err, path);
    }
    tg_rules_used_features(rules, used);
    int copied = 1;
    for (int f = 0; f < rules->nfeatures; f++) {
        out->features[f].used = used[f];
        int c = sc.feature_col[f];
        if (c >= 0)
            copied &= (out->features[f].column = strdup(cols->names[c])) != NULL;
        else if (used[f] && !out->missing++)
            copied &= (out->missing_file = strdup(path)) != NULL;
    }
    free(used);
    tg_schema_release(&sc);
    if (!copied) {
        tg_schema_report_release(out);
        return tg_error_oom(err, path);
    }
    for (int i = 0; i < cols->n; i++) {
        out->has_target |= !strcasecmp(cols->names[i], "target");
        out->has_split |= !strcasecmp(cols->names[i], "split");
        out->has_date |= !strcasecmp(cols->names[i], "contacted_date");
    }
    return TG_OK;
}

/* Add `want` as missing from the header names[0..ncols) of file. */
static int add_missing(tg_missing_column **out, int *n, const char *want,
                       int feature, const char *file, char *const *names,
                       int ncols)
{
    tg_missing_column *m = realloc(*out, (size_t)(*n + 1) * sizeof *m);
    if (!m)
        return TG_ENOMEM;
    *out = m;
    m += *n;
    memset(m, 0, sizeof *m);
    char hint[512];
    const char *const *hdr = (const char *const *)names;
    tg_suggest_missing_column(hint, sizeof hint, want, hdr, ncols);
    /* The scan appends the hint to its message: "; did you mean ...". */
    const char *h = strncmp(hint, "; ", 2) == 0 ? hint + 2 : hint;
    int near = tg_suggest_delimiter(hdr, ncols)
                   ? -1 : tg_suggest_nearest(want, hdr, ncols);
    m->column = strdup(want);
    m->feature = feature;
    m->file = strdup(file);
    m->hint = strdup(h);
    m->did_you_mean = near >= 0 ? strdup(names[near]) : NULL;
    (*n)++;
    if (!m->column || !m->file || !m->hint || (near >= 0 && !m->did_you_mean))
        return TG_ENOMEM;
    return TG_OK;
}

int tg_missing_columns(tg_missing_column **out, int *n, const tg_rules *rules,
                       const char *const *paths, int npaths,
                       const tg_columns *cols, const char *cols_path,
                       tg_error *err)
{
    *out = NULL;
    *n = 0;
    unsigned char *used = malloc((size_t)rules->nfeatures + 1);
    /* reported[f]: already listed (features, then the target last). */
    unsigned char *reported = calloc((size_t)rules->nfeatures + 1, 1);
    int rc = used && reported ? TG_OK
                              : tg_error_oom(err, NULL);
    if (rc == TG_OK)
        tg_rules_used_features(rules, used);
    int nfiles = cols ? 1 : npaths;
    for (int i = 0; i < nfiles && rc == TG_OK; i++) {
        const char *file = cols ? cols_path : paths[i];
        tg_columns hdr = {0, NULL};
        const tg_columns *h = cols;
        if (!cols) {
            if ((rc = tg_columns_header(&hdr, file, err)) != TG_OK)
                break;
            h = &hdr;
        }
        tg_schema sc;
        memset(&sc, 0, sizeof sc);
        sc.target_col = -1;
        rc = tg_schema_bind_names(&sc, rules, h->names, h->n, err);
        for (int c = 0; c < h->n && rc == TG_OK; c++)
            if (strcasecmp(h->names[c], "target") == 0)
                sc.target_col = c; /* bind_names binds the features only */
        for (int f = 0; f <= rules->nfeatures && rc == TG_OK; f++) {
            int target = f == rules->nfeatures;
            if (reported[f] || (!target && !used[f]))
                continue;
            if ((target ? sc.target_col : sc.feature_col[f]) >= 0)
                continue;
            reported[f] = 1;
            if (add_missing(out, n, target ? "target" : rules->features[f].name,
                            target ? -1 : f, file, h->names, h->n) != TG_OK)
                rc = tg_error_oom(err, NULL);
        }
        tg_schema_release(&sc);
        tg_columns_release(&hdr);
    }
    free(used);
    free(reported);
    if (rc != TG_OK) {
        tg_missing_columns_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void tg_missing_columns_free(tg_missing_column *m, int n)
{
    for (int i = 0; m && i < n; i++) {
        free(m[i].column);
        free(m[i].file);
        free(m[i].did_you_mean);
        free(m[i].hint);
    }
    free(m);
}
