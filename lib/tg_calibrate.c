/*
 * Calibration from a tally: TRAIN rows only, lift against TRAIN's own
 * baseline. The rounded fields equal what phase_9_tier_calibration.sql
 * computes (ROUND(rate, 4), ROUND(lift, 2)); the exact ones are kept for
 * anything downstream that must not compound rounding.
 */
#include "tg_calibrate.h"

#include <math.h>
#include <string.h>

#include "tg_preview.h"
#include "tg_util.h"

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* ROUND(v, d) as SQL engines do it: half away from zero. */
static double sql_round(double v, int d)
{
    double m = pow(10, d);
    return round(v * m) / m;
}

int tg_calibrate(cJSON **out, const tg_rules *r, const tg_tally *t,
                 const tg_calibrate_options *o, tg_error *err)
{
    tg_split_stats s;
    *out = NULL;
    int rc = tg_split_stats_compute(&s, t, TG_SPLIT_TRAIN, r->model_version,
                                    o->ci_method, o->ci_level, err);
    if (rc)
        return rc;
    char now[32], d[11];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model_id", r->model_id);
    cJSON_AddStringToObject(j, "model_version", r->model_version);
    cJSON_AddStringToObject(j, "calibrated_at",
                            o->calibrated_at ? o->calibrated_at : tg_now_iso(now));
    cJSON_AddStringToObject(j, "rules_file", r->path);
    cJSON_AddStringToObject(j, "rules_sha256", r->sha256);
    cJSON *data = cJSON_AddObjectToObject(j, "data");
    cJSON_AddStringToObject(data, "source", o->source ? o->source : "rows");
    cJSON *files = cJSON_AddArrayToObject(data, "files");
    for (int i = 0; i < o->nfiles; i++)
        cJSON_AddItemToArray(files, cJSON_CreateString(o->files[i]));
    cJSON_AddNumberToObject(data, "rows", (double)t->rows);
    if (t->input_sha256[0])
        cJSON_AddStringToObject(data, "sha256", t->input_sha256);
    else
        cJSON_AddNullToObject(data, "sha256");
    cJSON_AddStringToObject(j, "split", "TRAIN");
    cJSON_AddNumberToObject(j, "training_leads", (double)s.rows);
    cJSON_AddItemToObject(j, "baseline_rate", num_or_null(s.baseline_rate));
    cJSON_AddItemToObject(j, "first_contacted_date",
                          s.first_date ? cJSON_CreateString(tg_format_date(s.first_date, d))
                                       : cJSON_CreateNull());
    cJSON_AddItemToObject(j, "last_contacted_date",
                          s.last_date ? cJSON_CreateString(tg_format_date(s.last_date, d))
                                      : cJSON_CreateNull());
    cJSON_AddStringToObject(j, "ci_method", tg_ci_name(o->ci_method));
    cJSON_AddNumberToObject(j, "ci_level", o->ci_level);
    cJSON *tiers = cJSON_AddArrayToObject(j, "tiers");
    for (int k = 0; k < s.ntiers; k++) {
        const tg_tier_stats *ts = &s.tiers[k];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "score_tier", ts->tier);
        cJSON_AddNumberToObject(x, "priority_rank", r->tiers[k].priority_rank);
        cJSON_AddNumberToObject(x, "training_volume", (double)ts->leads);
        cJSON_AddNumberToObject(x, "labeled", (double)ts->labeled);
        cJSON_AddNumberToObject(x, "conversions", (double)ts->conversions);
        cJSON_AddItemToObject(x, "calibrated_conversion_rate",
                              num_or_null(sql_round(ts->rate, 4)));
        cJSON_AddItemToObject(x, "calibrated_lift",
                              num_or_null(sql_round(ts->lift, 2)));
        cJSON_AddItemToObject(x, "conversion_rate", num_or_null(ts->rate));
        cJSON_AddItemToObject(x, "lift", num_or_null(ts->lift));
        cJSON_AddItemToObject(x, "ci_lower", num_or_null(ts->ci_lower));
        cJSON_AddItemToObject(x, "ci_upper", num_or_null(ts->ci_upper));
        cJSON_AddItemToObject(x, "expected_conversion_rate",
                              num_or_null(r->tiers[k].expected_conversion_rate));
        cJSON_AddItemToArray(tiers, x);
    }
    tg_split_stats_release(&s);
    *out = j;
    return TG_OK;
}
