/*
 * Schema binding: which column of a header holds each feature of the
 * rules (by its name, else by its aliases in order, without case) and
 * the columns the scan knows by name (target, split, contacted_date,
 * lead_id). One binder serves a CSV header and a header given as names
 * (a second rule set bound to a file the reader has already opened).
 */
#include "tg_scan.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Bind the rules to names[0..ncols-1]. A feature's own name wins over
 * its aliases, then alias order, then the first such column; of the
 * known columns the last one of that name counts (a CSV header never
 * has two: tg_schema_bind refuses them). Fills every field of s but
 * header; TG_ENOMEM is left to the caller to report.
 */
static int bind_columns(tg_schema *s, const tg_rules *r, char *const *names,
                        int ncols)
{
    s->ncols = ncols;
    s->target_col = s->split_col = s->date_col = s->lead_id_col = -1;
    s->feature_col = malloc((size_t)r->nfeatures * sizeof *s->feature_col);
    if (!s->feature_col)
        return TG_ENOMEM;
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
    for (int i = 0; i < ncols; i++) {
        if (strcasecmp(names[i], "target") == 0)
            s->target_col = i;
        else if (strcasecmp(names[i], "split") == 0)
            s->split_col = i;
        else if (strcasecmp(names[i], "contacted_date") == 0)
            s->date_col = i;
        else if (strcasecmp(names[i], "lead_id") == 0)
            s->lead_id_col = i;
    }
    return TG_OK;
}

/* Copy the current record of csv (its header) into s->header, refusing
 * a name that appears twice (without case). */
static int copy_header(tg_schema *s, tg_csv *csv, tg_error *err)
{
    s->header = calloc((size_t)s->ncols + 1, sizeof *s->header);
    if (!s->header)
        return tg_error_oom_at(err, tg_csv_name(csv), 1);
    for (int i = 0; i < s->ncols; i++) {
        size_t len;
        const char *name = tg_csv_field(csv, (size_t)i, &len);
        if (!(s->header[i] = strndup(name, len)))
            return tg_error_oom_at(err, tg_csv_name(csv), 1);
        for (int j = 0; j < i && len > 0; j++)
            if (strcasecmp(s->header[j], s->header[i]) == 0) {
                long line, col;
                tg_csv_field_position(csv, (size_t)i, &line, &col);
                tg_error_set(err, TG_EINVAL, tg_csv_name(csv), line, col,
                             "column '%.*s' appears twice in the header",
                             (int)len, name);
                tg_csv_error_context(csv, (size_t)i, err);
                return TG_EINVAL;
            }
    }
    return TG_OK;
}

int tg_schema_bind(tg_schema *s, const tg_rules *r, tg_csv *csv,
                   tg_error *err)
{
    memset(s, 0, sizeof *s);
    s->ncols = (int)tg_csv_nfields(csv);
    int rc = copy_header(s, csv, err);
    if (rc == TG_OK && bind_columns(s, r, s->header, s->ncols) != TG_OK)
        rc = tg_error_oom_at(err, tg_csv_name(csv), 1);
    if (rc != TG_OK)
        tg_schema_release(s);
    return rc;
}

int tg_schema_bind_names(tg_schema *s, const tg_rules *r, char *const *names,
                         int ncols, tg_error *err)
{
    memset(s, 0, sizeof *s);
    if (bind_columns(s, r, names, ncols) != TG_OK)
        return tg_error_oom(err, NULL);
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
