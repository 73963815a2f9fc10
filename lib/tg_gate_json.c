/*
 * A gate result as JSON: what `gate --json` writes, what the registry,
 * the log and the report read back (schemas/gate.schema.json).
 */
#include <math.h>

#include "tg_gate.h"
#include "tg_json.h"

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *tg_gate_result_json(const tg_gate_result *r)
{
    cJSON *j = tg_json_stamp(cJSON_CreateObject());
    cJSON_AddStringToObject(j, "status", tg_overall_name(r->status));
    cJSON_AddStringToObject(j, "model_id", r->rules->model_id);
    cJSON_AddStringToObject(j, "model_version", r->rules->model_version);
    cJSON_AddStringToObject(j, "policy", r->policy->policy_id);
    cJSON_AddStringToObject(j, "ci_method", tg_ci_name(r->ci_method));
    cJSON_AddNumberToObject(j, "ci_level", r->ci_level);
    cJSON_AddBoolToObject(j, "strict", r->strict);
    cJSON_AddStringToObject(j, "generated_at", r->generated_at);
    cJSON *prov = cJSON_AddObjectToObject(j, "provenance");
    cJSON_AddStringToObject(prov, "rules_file", r->rules->path);
    cJSON_AddStringToObject(prov, "rules_sha256", r->rules->sha256);
    cJSON_AddStringToObject(prov, "policy_file", r->policy->path);
    cJSON_AddStringToObject(prov, "policy_sha256", r->policy->sha256);
    cJSON_AddNumberToObject(prov, "rows", (double)r->rows);
    cJSON_AddNumberToObject(prov, "skipped_rows", (double)r->skipped);
    tg_input_quality_json(prov, r->skipped_by, r->other, r->nother,
                          r->other_more, r->out_of_range);
    if (r->input_sha256[0])
        cJSON_AddStringToObject(prov, "data_sha256", r->input_sha256);
    else
        cJSON_AddNullToObject(prov, "data_sha256");
    if (r->commit[0])
        cJSON_AddStringToObject(prov, "commit", r->commit);
    else
        cJSON_AddNullToObject(prov, "commit");
    cJSON *sum = cJSON_AddObjectToObject(j, "summary");
    cJSON_AddNumberToObject(sum, "pass", r->passed);
    cJSON_AddNumberToObject(sum, "warn", r->warned);
    cJSON_AddNumberToObject(sum, "fail", r->failed);
    cJSON_AddNumberToObject(sum, "insufficient", r->insufficient);
    cJSON_AddNumberToObject(sum, "inconclusive", r->inconclusive);
    cJSON *gates = cJSON_AddArrayToObject(j, "gates");
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "id", o->gate->id);
        cJSON_AddStringToObject(x, "description", o->gate->description);
        cJSON_AddStringToObject(x, "check", tg_check_name(o->gate->check));
        cJSON_AddStringToObject(x, "severity", o->gate->severity ==
                                TG_SEVERITY_BLOCK ? "block" : "warn");
        cJSON_AddStringToObject(x, "judge", tg_judge_name(o->gate->judge));
        cJSON_AddStringToObject(x, "inconclusive",
                                tg_inconclusive_name(o->gate->inconclusive));
        cJSON_AddStringToObject(x, "status", tg_status_name(o->status));
        cJSON_AddBoolToObject(x, "blocks", o->blocks);
        if (o->tier >= 0)
            cJSON_AddStringToObject(x, "tier", r->rules->tiers[o->tier].name);
        else
            cJSON_AddNullToObject(x, "tier");
        cJSON_AddStringToObject(x, "split", tg_split_name(o->split));
        if (o->slice[0])
            cJSON_AddStringToObject(x, "slice", o->slice);
        cJSON_AddItemToObject(x, "actual", num_or_null(o->actual));
        if (!isnan(o->min) && !isnan(o->max)) {
            cJSON *th = cJSON_AddArrayToObject(x, "threshold");
            cJSON_AddItemToArray(th, cJSON_CreateNumber(o->min));
            cJSON_AddItemToArray(th, cJSON_CreateNumber(o->max));
        } else {
            cJSON_AddItemToObject(x, "threshold",
                                  num_or_null(isnan(o->min) ? o->max : o->min));
        }
        cJSON_AddItemToObject(x, "ci_lower", num_or_null(o->ci_lower));
        cJSON_AddItemToObject(x, "ci_upper", num_or_null(o->ci_upper));
        if (o->status == TG_STATUS_INCONCLUSIVE && o->leads_needed) {
            cJSON_AddNumberToObject(x, "labeled", (double)o->leads_now);
            cJSON_AddNumberToObject(x, "labeled_needed_80",
                                    (double)o->leads_needed);
        }
        cJSON_AddStringToObject(x, "message", o->message);
        cJSON_AddItemToArray(gates, x);
    }
    cJSON *splits = cJSON_AddObjectToObject(j, "splits");
    cJSON_AddItemToObject(splits, "TRAIN", tg_split_stats_json(&r->train, 1));
    cJSON_AddItemToObject(splits, "TEST", tg_split_stats_json(&r->test, 1));
    if (r->slices)
        cJSON_AddItemToObject(j, "slices", cJSON_Duplicate(r->slices, 1));
    return j;
}
