/*
 * Registry updates. The brief's step 7 shape (model_id, model_version
 * "v3.2-updated-YYYYMMDD", model_type, status, created_date,
 * updated_date, changes_from_<previous>, expected_performance,
 * training_data, tables), measured rather than typed in, plus
 * "validation" (the gates and the commit behind the status) and
 * "history".
 */
#include "tg_registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_json.h"
#include "tg_result_check.h"
#include "tg_util.h"

static const char *REQUIRED[] = {"model_id", "model_version", "model_type",
                                 "status"};
static const char *STATUSES[] = {"production", "rejected", "staging",
                                 "retired"};

static const cJSON *path_get(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    return b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
}

int tg_result_load(cJSON **out, const char *path, const tg_rules *rules,
                   tg_error *err)
{
    cJSON *j = NULL;
    int rc = tg_json_load(&j, path, err);
    if (rc)
        return rc;
    /* Every key any reader uses, in full, before anything reads it. */
    if ((rc = tg_result_check(j, path, err)))
        goto fail;
    if (rules) {
        const char *mv = cJSON_GetStringValue(path_get(j, "model_version", NULL));
        const char *sha = cJSON_GetStringValue(path_get(j, "provenance",
                                                        "rules_sha256"));
        if (!mv || strcmp(mv, rules->model_version) != 0) {
            rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                              "key 'model_version': the result is for '%s', "
                              "the rules are '%s'", mv ? mv : "?",
                              rules->model_version);
            goto fail;
        }
        if (!sha || strcmp(sha, rules->sha256) != 0) {
            rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                              "key 'provenance.rules_sha256': the result was "
                              "produced from other rules than %s",
                              rules->path);
            goto fail;
        }
    }
    *out = j;
    return TG_OK;
fail:
    cJSON_Delete(j);
    return rc;
}

int tg_registry_validate(const cJSON *doc, const char *path, tg_error *err)
{
    if (!cJSON_IsObject(doc))
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "expected a JSON object at the top");
    for (size_t k = 0; k < sizeof REQUIRED / sizeof *REQUIRED; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, REQUIRED[k]);
        if (!v)
            return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                "key '%s': missing", REQUIRED[k]);
        if (!cJSON_IsString(v))
            return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                "key '%s': expected a string", REQUIRED[k]);
    }
    const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "status"));
    int known = 0;
    for (size_t k = 0; k < sizeof STATUSES / sizeof *STATUSES; k++)
        known |= strcmp(st, STATUSES[k]) == 0;
    if (!known)
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "key 'status': '%s' is not production, rejected, "
                            "staging or retired", st);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(doc, "history");
    if (h && !cJSON_IsArray(h))
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "key 'history': expected an array");
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, h)
    {
        if (!cJSON_IsObject(e) ||
            !cJSON_IsString(cJSON_GetObjectItem(e, "model_version")))
            return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                "key 'history[%d]': expected an entry with a "
                                "model_version", i);
        i++;
    }
    return TG_OK;
}

int tg_registry_load(cJSON **out, const char *path, tg_error *err)
{
    int rc = tg_json_load(out, path, err);
    if (rc)
        return rc;
    if ((rc = tg_registry_validate(*out, path, err))) {
        cJSON_Delete(*out);
        *out = NULL;
    }
    return rc;
}

static void set(cJSON *o, const char *key, cJSON *v)
{
    if (cJSON_GetObjectItemCaseSensitive(o, key))
        cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
    else
        cJSON_AddItemToObject(o, key, v);
}

/* "v3.2-updated-20251222" -> "v3.2": what "changes_from_" names. */
static void base_version(const char *v, char *buf, size_t n)
{
    const char *u = strstr(v, "-updated-");
    snprintf(buf, n, "%.*s", u ? (int)(u - v) : (int)strlen(v), v);
}

int tg_registry_update(cJSON **out, const cJSON *old, const tg_rules *r,
                       const cJSON *result, const char *result_path,
                       const tg_registry_update_options *o, tg_error *err)
{
    *out = NULL;
    char today[11];
    if (o->date) {
        if (strlen(o->date) != 10 || !tg_parse_date(o->date, 10))
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "--date takes YYYY-MM-DD, not '%s'", o->date);
        snprintf(today, sizeof today, "%s", o->date);
    } else {
        char now[32];
        snprintf(today, sizeof today, "%.10s", tg_now_iso(now));
    }
    if (o->force && (!o->reason || !*o->reason))
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "--force needs --reason TEXT, which is recorded");
    const char *gate_status = cJSON_GetStringValue(cJSON_GetObjectItem(result,
                                                                       "status"));
    int failed = strcmp(gate_status, "FAILED") == 0;

    /* Start from the old document so that unknown keys are kept. */
    cJSON *doc = cJSON_Duplicate(old, 1);
    cJSON *history = cJSON_DetachItemFromObjectCaseSensitive(doc, "history");
    if (!history)
        history = cJSON_CreateArray();
    cJSON *previous = cJSON_Duplicate(doc, 1);
    cJSON_AddItemToArray(history, previous);

    const char *old_id = cJSON_GetStringValue(cJSON_GetObjectItem(old, "model_id"));
    const char *old_version = cJSON_GetStringValue(cJSON_GetObjectItem(old,
                                                                       "model_version"));
    const char *old_created = cJSON_GetStringValue(cJSON_GetObjectItem(old,
                                                                       "created_date"));
    char version[128], compact[9], base[64], key[96];
    snprintf(compact, sizeof compact, "%.4s%.2s%.2s", today, today + 5,
             today + 8);
    snprintf(version, sizeof version, "%s-updated-%s", r->model_version, compact);
    base_version(old_version, base, sizeof base);

    /* Keys of the previous version's changes do not carry over. */
    const cJSON *it = doc->child;
    while (it) {
        const cJSON *next = it->next;
        if (it->string && strncmp(it->string, "changes_from_", 13) == 0)
            cJSON_DeleteItemFromObjectCaseSensitive(doc, it->string);
        it = next;
    }
    set(doc, "model_id", cJSON_CreateString(r->model_id));
    set(doc, "model_version", cJSON_CreateString(version));
    set(doc, "model_type", cJSON_CreateString(r->model_type));
    set(doc, "status", cJSON_CreateString(failed && !o->force ? "rejected"
                                                              : "production"));
    set(doc, "created_date",
        cJSON_CreateString(old_created && old_id && strcmp(old_id, r->model_id) == 0
                               ? old_created : today));
    set(doc, "updated_date", cJSON_CreateString(today));
    snprintf(key, sizeof key, "changes_from_%s", base);
    cJSON *changes = cJSON_CreateArray();
    for (int i = 0; i < r->nchanges; i++)
        cJSON_AddItemToArray(changes, cJSON_CreateString(r->changes[i]));
    set(doc, key, changes);
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(r->json,
                                                      "expected_performance");
    set(doc, "expected_performance",
        ep ? cJSON_Duplicate(ep, 1) : cJSON_CreateObject());

    const cJSON *train = path_get(result, "splits", "TRAIN");
    cJSON *td = cJSON_CreateObject();
    const char *first = cJSON_GetStringValue(cJSON_GetObjectItem(train,
                                                                 "first_contacted_date"));
    const char *last = cJSON_GetStringValue(cJSON_GetObjectItem(train,
                                                                "last_contacted_date"));
    cJSON_AddItemToObject(td, "start_date", first ? cJSON_CreateString(first)
                                                  : cJSON_CreateNull());
    cJSON_AddItemToObject(td, "end_date", last ? cJSON_CreateString(last)
                                               : cJSON_CreateNull());
    const cJSON *rows = cJSON_GetObjectItem(train, "rows");
    cJSON_AddNumberToObject(td, "total_leads", cJSON_IsNumber(rows) ? rows->valuedouble : 0);
    const cJSON *br = cJSON_GetObjectItem(train, "baseline_rate");
    char pct[32];
    if (cJSON_IsNumber(br)) {
        snprintf(pct, sizeof pct, "%.2f%%", br->valuedouble * 100);
        cJSON_AddStringToObject(td, "baseline_conversion", pct);
        cJSON_AddNumberToObject(td, "baseline_rate", br->valuedouble);
    } else {
        cJSON_AddNullToObject(td, "baseline_conversion");
    }
    set(doc, "training_data", td);

    cJSON *tables = cJSON_CreateObject();
    const char *ds = tg_rules_table(r, "dataset", "ml_features");
    static const char *tk[][2] = {{"features", "lead_scoring_features_pit"},
                                  {"scores", "lead_scores_v3"},
                                  {"calibration", "tier_calibration_v3"}};
    for (int k = 0; k < 3; k++) {
        char t[256];
        snprintf(t, sizeof t, "%s.%s", ds, tg_rules_table(r, tk[k][0], tk[k][1]));
        cJSON_AddStringToObject(tables, tk[k][0], t);
    }
    set(doc, "tables", tables);

    cJSON *val = cJSON_CreateObject();
    cJSON_AddStringToObject(val, "gate_status", gate_status);
    cJSON_AddStringToObject(val, "policy",
                            cJSON_GetStringValue(cJSON_GetObjectItem(result, "policy")));
    cJSON_AddStringToObject(val, "policy_sha256",
                            cJSON_GetStringValue(path_get(result, "provenance",
                                                          "policy_sha256")));
    cJSON_AddStringToObject(val, "rules_sha256", r->sha256);
    const cJSON *dsha = path_get(result, "provenance", "data_sha256");
    cJSON_AddItemToObject(val, "data_sha256",
                          cJSON_IsString(dsha) ? cJSON_CreateString(dsha->valuestring)
                                               : cJSON_CreateNull());
    cJSON_AddStringToObject(val, "result_file", result_path ? result_path : "");
    cJSON_AddStringToObject(val, "commit", o->commit ? o->commit : "");
    cJSON *gates = cJSON_AddArrayToObject(val, "gates");
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(result, "gates"))
    {
        cJSON *x = cJSON_CreateObject();
        static const char *keep[] = {"id", "tier", "split", "status", "actual",
                                     "threshold"};
        for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) {
            const cJSON *v = cJSON_GetObjectItem(g, keep[k]);
            cJSON_AddItemToObject(x, keep[k], v ? cJSON_Duplicate(v, 1)
                                                : cJSON_CreateNull());
        }
        cJSON_AddItemToArray(gates, x);
    }
    if (o->force && failed) {
        cJSON *f = cJSON_AddObjectToObject(val, "forced");
        cJSON_AddStringToObject(f, "reason", o->reason);
        cJSON_AddStringToObject(f, "date", today);
    }
    set(doc, "validation", val);
    cJSON_AddItemToObject(doc, "history", history);
    *out = doc;
    return TG_OK;
}
