/*
 * check-schema: where each feature of the rules is found in the files'
 * headers, the NULLs of each column, and every row the scan would refuse,
 * counted by problem (reason and column) with the first occurrence. Rows
 * are judged by the scan's own validator (tg_source_parse_row), so the
 * check and the scan never disagree.
 */
#include "tg_scan_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_scan_dates.h"

/* Count one bad row under its problem (reason and column). */
static int add_problem(tg_schema_report *out, const tg_source *s,
                       const tg_error *bad)
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
        int rc0 = tg_scan_check_inputs(&o, err);
        if (rc0)
            return rc0;
    }
    out->nfeatures = rules->nfeatures;
    out->features = calloc((size_t)rules->nfeatures, sizeof *out->features);
    unsigned char *used = malloc((size_t)rules->nfeatures);
    if (!out->features || !used) {
        free(used);
        return tg_error_oom(err, NULL);
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
                    if (out->features[f].used && !out->missing++ &&
                        !(out->missing_file = strdup(paths[i])))
                        rc = tg_error_oom(err, paths[i]);
                    continue;
                }
                if (!out->features[f].column) {
                    size_t len;
                    const char *name = tg_csv_field(csv, (size_t)col, &len);
                    if (!(out->features[f].column = strndup(name, len)))
                        rc = tg_error_oom(err, paths[i]);
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
        rc = tg_scan_load_dates(&(tg_scan_options){.date_config = date_config},
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
            rc = tg_source_setup(&src, rules, have_dates ? &dates : NULL, &sc,
                                 err);
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
            if (validate && tg_source_parse_row(&src, &bad) != TG_OK) {
                out->bad_rows++;
                if (add_problem(out, &src, &bad) != TG_OK)
                    rc = tg_error_oom(err, NULL);
            }
        }
        src.csv = NULL; /* csv is freed below */
        tg_source_close(&src);
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
