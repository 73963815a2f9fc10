/*
 * Comparison of two rule sets. The rows are read once with the newer
 * rule set's reader; the older one's features are parsed from the same
 * record through its own binding of the header.
 */
#include "tg_compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_preview.h"

void tg_comparison_release(tg_comparison *c)
{
    if (!c)
        return;
    tg_tally_release(&c->from);
    tg_tally_release(&c->to);
    free(c->matrix);
    c->matrix = NULL;
}

static void count(tg_count *c, int target)
{
    c->leads++;
    if (target >= 0) {
        c->labeled++;
        c->conversions += (uint64_t)target;
    }
}

int tg_compare_scan(tg_comparison *out, const tg_rules *from,
                    const tg_rules *to, const tg_scan_options *o, int split,
                    tg_error *err)
{
    memset(out, 0, sizeof *out);
    out->split = split;
    tg_reader *rd = NULL;
    tg_schema fs;
    memset(&fs, 0, sizeof fs);
    double *fv = malloc((size_t)from->nfeatures * sizeof *fv);
    out->matrix = calloc((size_t)(from->ntiers * to->ntiers), sizeof *out->matrix);
    int rc, file = -1;
    if (!fv || !out->matrix) {
        rc = tg_error_oom(err, NULL);
        goto done;
    }
    if ((rc = tg_tally_init(&out->from, from, err)) ||
        (rc = tg_tally_init(&out->to, to, err)) ||
        (rc = tg_reader_open(&rd, to, o, err)))
        goto done;
    unsigned char *used = malloc((size_t)from->nfeatures);
    if (!used) {
        rc = tg_error_oom(err, NULL);
        goto done;
    }
    tg_rules_used_features(from, used);
    const tg_row *row;
    while ((rc = tg_reader_next(rd, &row, err)) == 1) {
        if (tg_reader_file_index(rd) != file) {
            /* A new file: bind the older rules to its header. */
            file = tg_reader_file_index(rd);
            const tg_schema *ts = tg_reader_schema(rd);
            tg_schema_release(&fs);
            if ((rc = tg_schema_bind_names(&fs, from, ts->header, ts->ncols,
                                           err)))
                break;
            for (int f = 0; f < from->nfeatures; f++)
                if (used[f] && fs.feature_col[f] < 0) {
                    rc = tg_error_set(err, TG_EINVAL,
                                      o->paths[file], 1, 0,
                                      "missing column '%s' (needed by %s)",
                                      from->features[f].name, from->path);
                    break;
                }
            if (rc)
                break;
        }
        if ((rc = tg_parse_features(from, &fs, tg_reader_csv(rd), fv, err)))
            break;
        int ft = tg_rules_assign(from, fv), tt = row->tier;
        count(&out->from.cells[row->split * from->ntiers + ft], row->target);
        count(&out->to.cells[row->split * to->ntiers + tt], row->target);
        tg_tally_see_date(&out->from, row->split, row->date);
        tg_tally_see_date(&out->to, row->split, row->date);
        out->from.rows++;
        out->to.rows++;
        if (split == TG_SPLIT_ALL || split == row->split)
            count(&out->matrix[ft * to->ntiers + tt], row->target);
    }
    free(used);
done:
    tg_reader_free(rd);
    tg_schema_release(&fs);
    free(fv);
    if (rc < 0) {
        tg_comparison_release(out);
        return rc;
    }
    return TG_OK;
}

typedef struct {
    uint64_t t1_leads, t1_labeled, t1_conv;
    uint64_t pri_leads, pri_labeled, pri_conv;
    uint64_t all_conv;
    double baseline, t1_lift, t1_rate, pri_rate, coverage;
} summary;

/* "Tier 1" is every tier named TIER_1*, as the change request's LIKE 'TIER_1%'. */
static summary summarize(const tg_tally *t, const tg_rules *r, int split)
{
    summary s;
    memset(&s, 0, sizeof s);
    tg_count all = tg_tally_total(t, split);
    s.baseline = all.labeled ? (double)all.conversions / (double)all.labeled : NAN;
    s.all_conv = all.conversions;
    for (int k = 0; k < r->ntiers - 1; k++) {
        tg_count c = tg_tally_cell(t, split, k);
        s.pri_leads += c.leads;
        s.pri_labeled += c.labeled;
        s.pri_conv += c.conversions;
        if (strncmp(r->tiers[k].name, "TIER_1", 6) == 0) {
            s.t1_leads += c.leads;
            s.t1_labeled += c.labeled;
            s.t1_conv += c.conversions;
        }
    }
    s.t1_rate = s.t1_labeled ? (double)s.t1_conv / (double)s.t1_labeled : NAN;
    s.t1_lift = s.t1_rate / s.baseline;
    s.pri_rate = s.pri_labeled ? (double)s.pri_conv / (double)s.pri_labeled : NAN;
    s.coverage = s.all_conv ? (double)s.pri_conv / (double)s.all_conv : NAN;
    return s;
}

/* PSI of tier shares, TRAIN to TEST; shares floored at 1e-4 so that an
 * empty tier does not make it infinite. */
static double psi(const tg_tally *t)
{
    tg_count a = tg_tally_total(t, TG_SPLIT_TRAIN), b = tg_tally_total(t, TG_SPLIT_TEST);
    if (!a.leads || !b.leads)
        return NAN;
    double v = 0;
    for (int k = 0; k < t->ntiers; k++) {
        double p = (double)tg_tally_cell(t, TG_SPLIT_TRAIN, k).leads / (double)a.leads;
        double q = (double)tg_tally_cell(t, TG_SPLIT_TEST, k).leads / (double)b.leads;
        p = p < 1e-4 ? 1e-4 : p;
        q = q < 1e-4 ? 1e-4 : q;
        v += (q - p) * log(q / p);
    }
    return v;
}

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *model_json(const tg_tally *t, const tg_rules *r, int split,
                         tg_ci_method m, double level)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model_id", r->model_id);
    cJSON_AddStringToObject(o, "model_version", r->model_version);
    cJSON_AddStringToObject(o, "rules_sha256", r->sha256);
    summary s = summarize(t, r, split);
    cJSON_AddNumberToObject(o, "tier1_leads", (double)s.t1_leads);
    cJSON_AddItemToObject(o, "tier1_rate", num_or_null(s.t1_rate));
    cJSON_AddItemToObject(o, "tier1_lift", num_or_null(s.t1_lift));
    cJSON_AddNumberToObject(o, "priority_leads", (double)s.pri_leads);
    cJSON_AddItemToObject(o, "priority_rate", num_or_null(s.pri_rate));
    cJSON_AddItemToObject(o, "coverage", num_or_null(s.coverage));
    cJSON_AddItemToObject(o, "baseline_rate", num_or_null(s.baseline));
    tg_split_stats st;
    if (tg_split_stats_compute(&st, t, split, r->model_version, m, level,
                               NULL) == TG_OK) {
        cJSON_AddItemToObject(o, "stats", tg_split_stats_json(&st, 1));
        tg_split_stats_release(&st);
    }
    return o;
}

/* The metrics compare measures, by the ids an expected_outcomes block
 * of a rule set uses. */
static const struct {
    const char *id, *label;
} METRICS[] = {
    {"tier1_lift", "Tier 1 Lift"},
    {"tier1_volume", "Tier 1 Volume"},
    {"priority_volume", "Total Priority Volume"},
    {"priority_rate", "Priority Conversion Rate"},
    /* the share of all conversions that land in priority tiers */
    {"coverage", "Coverage of Best Signals"},
};
#define NMETRICS (int)(sizeof METRICS / sizeof *METRICS)

static int metric_index(const char *id)
{
    for (int k = 0; id && k < NMETRICS; k++)
        if (!strcmp(id, METRICS[k].id))
            return k;
    return -1;
}

static void measured(char *buf, size_t n, int k, const summary *s)
{
    switch (k) {
    case 0: snprintf(buf, n, "%.2fx", s->t1_lift); break;
    case 1: snprintf(buf, n, "%llu leads", (unsigned long long)s->t1_leads); break;
    case 2: snprintf(buf, n, "%llu leads", (unsigned long long)s->pri_leads); break;
    case 3: snprintf(buf, n, "%.2f%%", s->pri_rate * 100); break;
    default: snprintf(buf, n, "%.1f%%", s->coverage * 100); break;
    }
}

int tg_expected_outcomes_check(const tg_rules *r, tg_error *err)
{
    const cJSON *eo = cJSON_GetObjectItemCaseSensitive(r->json,
                                                      "expected_outcomes");
    if (!eo)
        return TG_OK;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(eo, "rows");
    if (!cJSON_IsObject(eo) || !cJSON_IsArray(rows))
        return tg_error_set(err, TG_EINVAL, r->path, 0, 0,
                            "key 'expected_outcomes.rows': expected an array "
                            "of {metric, previous_version, previous, "
                            "expected}");
    int i = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        static const char *keys[] = {"metric", "previous_version", "previous",
                                     "expected"};
        for (int k = 0; k < 4; k++)
            if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(row, keys[k])))
                return tg_error_set(err, TG_EINVAL, r->path, 0, 0,
                                    "key 'expected_outcomes.rows[%d].%s': "
                                    "expected a string", i, keys[k]);
        if (metric_index(cJSON_GetStringValue(cJSON_GetObjectItem(row, "metric"))) < 0)
            return tg_error_set(err, TG_EINVAL, r->path, 0, 0,
                                "key 'expected_outcomes.rows[%d].metric': "
                                "not one of tier1_lift, tier1_volume, "
                                "priority_volume, priority_rate, coverage", i);
        i++;
    }
    return TG_OK;
}

cJSON *tg_comparison_json(const tg_comparison *c, const tg_rules *from,
                          const tg_rules *to, tg_ci_method m, double level)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "split", tg_split_name(c->split));
    cJSON_AddItemToObject(j, "from", model_json(&c->from, from, c->split, m, level));
    cJSON_AddItemToObject(j, "to", model_json(&c->to, to, c->split, m, level));
    summary a = summarize(&c->from, from, c->split),
            b = summarize(&c->to, to, c->split);
    char x[64], y[64];
    cJSON *metrics = cJSON_AddArrayToObject(j, "metrics");
    for (int k = 0; k < NMETRICS; k++) {
        cJSON *o = cJSON_CreateObject();
        measured(x, sizeof x, k, &a);
        measured(y, sizeof y, k, &b);
        cJSON_AddStringToObject(o, "metric", METRICS[k].id);
        cJSON_AddStringToObject(o, "label", METRICS[k].label);
        cJSON_AddStringToObject(o, "measured_from", x);
        cJSON_AddStringToObject(o, "measured_to", y);
        cJSON_AddItemToArray(metrics, o);
    }
    /* What the newer rule set says it expects, beside what is measured;
     * a rule set without an expected_outcomes block gets no such rows. */
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(to->json, "expected_outcomes"), "rows");
    if (cJSON_IsArray(rows)) {
        cJSON *eo = cJSON_AddArrayToObject(j, "expected_outcomes");
        const cJSON *row;
        cJSON_ArrayForEach(row, rows)
        {
            int k = metric_index(cJSON_GetStringValue(
                cJSON_GetObjectItemCaseSensitive(row, "metric")));
            if (k < 0)
                continue; /* tg_expected_outcomes_check refuses these */
            cJSON *o = cJSON_CreateObject();
            measured(x, sizeof x, k, &a);
            measured(y, sizeof y, k, &b);
            cJSON_AddStringToObject(o, "metric", METRICS[k].id);
            cJSON_AddStringToObject(o, "label", METRICS[k].label);
            static const char *keep[] = {"previous_version", "previous",
                                         "expected"};
            for (int q = 0; q < 3; q++) {
                const char *v = cJSON_GetStringValue(
                    cJSON_GetObjectItemCaseSensitive(row, keep[q]));
                cJSON_AddStringToObject(o, keep[q], v ? v : "");
            }
            cJSON_AddStringToObject(o, "expected_version", to->model_version);
            cJSON_AddStringToObject(o, "measured_from", x);
            cJSON_AddStringToObject(o, "measured_to", y);
            cJSON_AddItemToArray(eo, o);
        }
    }
    cJSON *mig = cJSON_AddArrayToObject(j, "migration");
    for (int f = 0; f < from->ntiers; f++)
        for (int t = 0; t < to->ntiers; t++) {
            const tg_count *cell = &c->matrix[f * to->ntiers + t];
            if (!cell->leads)
                continue;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "from", from->tiers[f].name);
            cJSON_AddStringToObject(o, "to", to->tiers[t].name);
            cJSON_AddNumberToObject(o, "leads", (double)cell->leads);
            cJSON_AddNumberToObject(o, "labeled", (double)cell->labeled);
            cJSON_AddNumberToObject(o, "conversions", (double)cell->conversions);
            cJSON_AddItemToArray(mig, o);
        }
    cJSON *p = cJSON_AddObjectToObject(j, "psi");
    cJSON_AddItemToObject(p, "from", num_or_null(psi(&c->from)));
    cJSON_AddItemToObject(p, "to", num_or_null(psi(&c->to)));
    return j;
}
