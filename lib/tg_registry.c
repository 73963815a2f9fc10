/*
 * The registry's lifecycle: entries built from a rule set and its gate
 * result, stages moved by recorded transitions, exactly one production.
 */
#include "tg_registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_evidence.h"
#include "tg_json.h"
#include "tg_result_check.h"
#include "tg_util.h"

static const char *STAGES[] = {"candidate", "production", "archived",
                               "rejected"};

static const cJSON *path_get(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    return b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
}

static const char *str_at(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

int tg_registry_status_passed(const char *s)
{
    return s && (!strcmp(s, "PASSED") || !strcmp(s, "PASSED_WITH_WARNINGS"));
}

/* ---- gate results ------------------------------------------------------ */

int tg_result_matches(const cJSON *j, const char *path, const tg_rules *rules,
                      tg_error *err)
{
    /* Every key any reader uses, in full, before anything reads it. */
    int rc = tg_result_check(j, path, err);
    if (rc || !rules)
        return rc;
    const char *mv = str_at(j, "model_version");
    const char *sha = cJSON_GetStringValue(path_get(j, "provenance",
                                                    "rules_sha256"));
    if (!mv || strcmp(mv, rules->model_version) != 0)
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "key 'model_version': the result is for '%s', "
                            "the rules are '%s'", mv ? mv : "?",
                            rules->model_version);
    if (!sha || strcmp(sha, rules->sha256) != 0)
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "key 'provenance.rules_sha256': the result was "
                            "produced from other rules than %s (its SHA-256 "
                            "is %.12s..., the result records %.12s...)",
                            rules->path, rules->sha256, sha ? sha : "?");
    return TG_OK;
}

int tg_result_load(cJSON **out, const char *path, const tg_rules *rules,
                   tg_error *err)
{
    cJSON *j = NULL;
    int rc = tg_json_load(&j, path, err);
    if (rc)
        return rc;
    if ((rc = tg_result_matches(j, path, rules, err))) {
        cJSON_Delete(j);
        return rc;
    }
    *out = j;
    return TG_OK;
}

/* ---- the document ------------------------------------------------------ */

cJSON *tg_registry_new(void)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "tiergate_registry", TG_REGISTRY_FORMAT);
    cJSON_AddNullToObject(d, "production");
    cJSON_AddArrayToObject(d, "versions");
    cJSON_AddArrayToObject(d, "history");
    return d;
}

static int is_stage(const char *s)
{
    for (size_t k = 0; k < sizeof STAGES / sizeof *STAGES; k++)
        if (s && !strcmp(s, STAGES[k]))
            return 1;
    return 0;
}

int tg_registry_validate(const cJSON *doc, const char *path, tg_error *err)
{
    if (!cJSON_IsObject(doc))
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "expected a JSON object at the top");
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "tiergate_registry");
    if (!cJSON_IsNumber(fmt) || fmt->valuedouble != TG_REGISTRY_FORMAT)
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "key 'tiergate_registry': expected %d (the "
                            "registry layout with versions and history)",
                            TG_REGISTRY_FORMAT);
    const cJSON *prod = cJSON_GetObjectItemCaseSensitive(doc, "production");
    if (!cJSON_IsString(prod) && !cJSON_IsNull(prod))
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "key 'production': expected a version or null");
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(doc, "versions");
    if (!cJSON_IsArray(vs))
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "key 'versions': expected an array");
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, vs)
    {
        static const char *req[] = {"model_id", "model_version", "model_type",
                                    "status"};
        if (!cJSON_IsObject(e))
            return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                "key 'versions[%d]': expected an object", i);
        for (size_t k = 0; k < sizeof req / sizeof *req; k++)
            if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, req[k])))
                return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                    "key 'versions[%d].%s': expected a string",
                                    i, req[k]);
        if (!is_stage(str_at(e, "status")))
            return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                "key 'versions[%d].status': '%s' is not "
                                "candidate, production, archived or rejected",
                                i, str_at(e, "status"));
        if (!tg_safe_path_component(str_at(e, "model_version")))
            return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                "key 'versions[%d].model_version': only "
                                "letters, digits, '.', '_' and '-'", i);
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(e, "validation");
        if (val && !cJSON_IsObject(val))
            return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                "key 'versions[%d].validation': expected an "
                                "object", i);
        i++;
    }
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(doc, "history");
    if (!cJSON_IsArray(h))
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "key 'history': expected an array");
    i = 0;
    cJSON_ArrayForEach(e, h)
    {
        static const char *req[] = {"at", "action", "version", "to"};
        if (!cJSON_IsObject(e))
            return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                "key 'history[%d]': expected an object", i);
        for (size_t k = 0; k < sizeof req / sizeof *req; k++)
            if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, req[k])))
                return tg_error_set(err, TG_EINVAL, path, 0, 0,
                                    "key 'history[%d].%s': expected a string",
                                    i, req[k]);
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

int tg_registry_save(const cJSON *doc, const char *path, tg_error *err)
{
    return tg_json_write_atomic(doc, path, err);
}

cJSON *tg_registry_find(const cJSON *doc, const char *version, int *index)
{
    int i = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "versions"))
    {
        const char *v = str_at(e, "model_version");
        if (v && version && !strcmp(v, version)) {
            if (index)
                *index = i;
            return e;
        }
        i++;
    }
    return NULL;
}

cJSON *tg_registry_production(const cJSON *doc)
{
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "versions"))
        if (!strcmp(str_at(e, "status"), "production"))
            return e;
    return NULL;
}

/* ---- entries from gate results ----------------------------------------- */

static cJSON *num_or_null(const cJSON *v)
{
    return cJSON_IsNumber(v) ? cJSON_CreateNumber(v->valuedouble)
                             : cJSON_CreateNull();
}

/* Per split: each tier's counts, rate and lift with their intervals;
 * the priority volume (every tier but the last, the catch-all). */
cJSON *tg_registry_measured(const cJSON *result)
{
    cJSON *m = cJSON_CreateObject();
    static const char *splits[] = {"TRAIN", "TEST"};
    static const char *keys[] = {"leads", "labeled", "conversions",
                                 "conversion_rate", "ci_lower", "ci_upper",
                                 "lift", "lift_ci_lower", "lift_ci_upper"};
    for (int s = 0; s < 2; s++) {
        const cJSON *sp = path_get(result, "splits", splits[s]);
        if (!sp)
            continue;
        cJSON *o = cJSON_AddObjectToObject(m, splits[s]);
        cJSON_AddItemToObject(o, "baseline_rate",
                              num_or_null(path_get(sp, "baseline_rate", NULL)));
        cJSON *tiers = cJSON_AddArrayToObject(o, "tiers");
        const cJSON *list = path_get(sp, "tiers", NULL);
        int n = cJSON_GetArraySize(list), k = 0;
        double priority = 0;
        const cJSON *t;
        cJSON_ArrayForEach(t, list)
        {
            cJSON *x = cJSON_CreateObject();
            const char *name = str_at(t, "tier");
            cJSON_AddStringToObject(x, "tier", name ? name : "");
            for (size_t q = 0; q < sizeof keys / sizeof *keys; q++)
                cJSON_AddItemToObject(x, keys[q],
                                      num_or_null(path_get(t, keys[q], NULL)));
            const cJSON *leads = path_get(t, "leads", NULL);
            if (k < n - 1 && cJSON_IsNumber(leads))
                priority += leads->valuedouble;
            cJSON_AddItemToArray(tiers, x);
            k++;
        }
        cJSON_AddNumberToObject(o, "priority_volume", priority);
    }
    return m;
}

cJSON *tg_registry_training_data(const cJSON *result)
{
    const cJSON *train = path_get(result, "splits", "TRAIN");
    cJSON *td = cJSON_CreateObject();
    const char *first = str_at(train, "first_contacted_date");
    const char *last = str_at(train, "last_contacted_date");
    cJSON_AddItemToObject(td, "start_date", first ? cJSON_CreateString(first)
                                                  : cJSON_CreateNull());
    cJSON_AddItemToObject(td, "end_date", last ? cJSON_CreateString(last)
                                               : cJSON_CreateNull());
    const cJSON *rows = path_get(train, "rows", NULL);
    cJSON_AddNumberToObject(td, "total_leads",
                            cJSON_IsNumber(rows) ? rows->valuedouble : 0);
    const cJSON *br = path_get(train, "baseline_rate", NULL);
    if (cJSON_IsNumber(br)) {
        char pct[32];
        snprintf(pct, sizeof pct, "%.2f%%", br->valuedouble * 100);
        cJSON_AddStringToObject(td, "baseline_conversion", pct);
        cJSON_AddNumberToObject(td, "baseline_rate", br->valuedouble);
    } else {
        cJSON_AddNullToObject(td, "baseline_conversion");
    }
    return td;
}

cJSON *tg_registry_gates(const cJSON *result)
{
    cJSON *gates = cJSON_CreateArray();
    const cJSON *g;
    cJSON_ArrayForEach(g, path_get(result, "gates", NULL))
    {
        cJSON *x = cJSON_CreateObject();
        static const char *keep[] = {"id", "tier", "split", "status", "actual",
                                     "threshold"};
        for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, keep[k]);
            cJSON_AddItemToObject(x, keep[k], v ? cJSON_Duplicate(v, 1)
                                                : cJSON_CreateNull());
        }
        /* A per-slice outcome (gate --slice) says which slice. */
        const cJSON *sl = cJSON_GetObjectItemCaseSensitive(g, "slice");
        if (cJSON_IsString(sl))
            cJSON_AddItemToObject(x, "slice", cJSON_Duplicate(sl, 1));
        cJSON_AddItemToArray(gates, x);
    }
    return gates;
}

cJSON *tg_registry_tables(const tg_rules *r)
{
    cJSON *tables = cJSON_CreateObject();
    const char *ds = tg_rules_table(r, "dataset", "ml_features");
    static const char *tk[][2] = {{"features", "lead_scoring_features_pit"},
                                  {"scores", "lead_scores_v3"},
                                  {"calibration", "tier_calibration_v3"}};
    for (int k = 0; k < 3; k++) {
        char tb[256];
        snprintf(tb, sizeof tb, "%s.%s", ds, tg_rules_table(r, tk[k][0], tk[k][1]));
        cJSON_AddStringToObject(tables, tk[k][0], tb);
    }
    return tables;
}

cJSON *tg_registry_changes(const tg_rules *r)
{
    cJSON *changes = cJSON_CreateArray();
    for (int i = 0; i < r->nchanges; i++)
        cJSON_AddItemToArray(changes, cJSON_CreateString(r->changes[i]));
    return changes;
}

cJSON *tg_registry_expected_performance(const tg_rules *r)
{
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(r->json,
                                                      "expected_performance");
    return ep ? cJSON_Duplicate(ep, 1) : cJSON_CreateObject();
}

static cJSON *transition(const char *action, const char *version,
                         const char *from, const char *to,
                         const tg_transition_info *t)
{
    char now[32];
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "at", t->at ? t->at : tg_now_iso(now));
    cJSON_AddStringToObject(x, "action", action);
    cJSON_AddStringToObject(x, "version", version);
    cJSON_AddItemToObject(x, "from", from ? cJSON_CreateString(from)
                                          : cJSON_CreateNull());
    cJSON_AddStringToObject(x, "to", to);
    cJSON_AddStringToObject(x, "author", t->author ? t->author : "unknown");
    cJSON_AddStringToObject(x, "commit", t->commit ? t->commit : "");
    cJSON_AddItemToObject(x, "reason", t->reason ? cJSON_CreateString(t->reason)
                                                 : cJSON_CreateNull());
    if (t->force)
        cJSON_AddTrueToObject(x, "forced");
    return x;
}

static void set_status(cJSON *e, const char *stage)
{
    cJSON_ReplaceItemInObjectCaseSensitive(e, "status",
                                           cJSON_CreateString(stage));
}

/* "v3.2-updated-20251222" -> "v3.2": what "changes_from_" names. */
static void base_version(const char *v, char *buf, size_t n)
{
    const char *u = strstr(v, "-updated-");
    snprintf(buf, n, "%.*s", u ? (int)(u - v) : (int)strlen(v), v);
}

int tg_registry_add(cJSON *doc, const tg_rules *r, const cJSON *result,
                    const tg_entry_options *o, const tg_transition_info *t,
                    const char **version_out, tg_error *err)
{
    char today[11];
    if (o->date) {
        if (strlen(o->date) != 10 || !tg_parse_date(o->date, 10))
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "--date takes YYYY-MM-DD, not '%s'", o->date);
        snprintf(today, sizeof today, "%s", o->date);
    } else {
        char now[32];
        snprintf(today, sizeof today, "%.10s", t->at ? t->at : tg_now_iso(now));
    }
    const char *gate_status = str_at(result, "status");
    int failed = !tg_registry_status_passed(gate_status);

    char version[160], compact[9];
    snprintf(compact, sizeof compact, "%.4s%.2s%.2s", today, today + 5,
             today + 8);
    snprintf(version, sizeof version, "%s-updated-%s", r->model_version, compact);
    for (int k = 2; tg_registry_find(doc, version, NULL); k++)
        snprintf(version, sizeof version, "%s-updated-%s.%d", r->model_version,
                 compact, k);
    if (!tg_safe_path_component(version))
        return tg_error_set(err, TG_EINVAL, r->path, 0, 0,
                            "key 'model_version': '%s' cannot name a version "
                            "(use letters, digits, '.', '_' and '-')",
                            r->model_version);

    /* Changes are "from" the version in production when this was made. */
    const cJSON *prod = tg_registry_production(doc);
    char base[96], key[128];
    base_version(prod ? str_at(prod, "model_version") : "none", base,
                 sizeof base);

    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "model_id", r->model_id);
    cJSON_AddStringToObject(e, "model_version", version);
    cJSON_AddStringToObject(e, "model_type", r->model_type);
    cJSON_AddStringToObject(e, "status", failed ? "rejected" : "candidate");
    cJSON_AddStringToObject(e, "created_date", today);
    cJSON_AddStringToObject(e, "updated_date", today);
    snprintf(key, sizeof key, "changes_from_%s", base);
    cJSON_AddItemToObject(e, key, tg_registry_changes(r));
    cJSON_AddItemToObject(e, "expected_performance",
                          tg_registry_expected_performance(r));
    cJSON_AddItemToObject(e, "measured_performance",
                          tg_registry_measured(result));
    cJSON_AddItemToObject(e, "training_data", tg_registry_training_data(result));

    cJSON_AddItemToObject(e, "tables", tg_registry_tables(r));

    cJSON *val = cJSON_AddObjectToObject(e, "validation");
    cJSON_AddStringToObject(val, "gate_status", gate_status);
    cJSON_AddStringToObject(val, "policy", str_at(result, "policy"));
    cJSON_AddStringToObject(val, "policy_sha256",
                            cJSON_GetStringValue(path_get(result, "provenance",
                                                          "policy_sha256")));
    cJSON_AddStringToObject(val, "rules_file", o->rules_file ? o->rules_file : r->path);
    cJSON_AddStringToObject(val, "rules_sha256", r->sha256);
    const cJSON *dsha = path_get(result, "provenance", "data_sha256");
    cJSON_AddItemToObject(val, "data_sha256",
                          cJSON_IsString(dsha) ? cJSON_CreateString(dsha->valuestring)
                                               : cJSON_CreateNull());
    cJSON_AddStringToObject(val, "commit", o->commit ? o->commit : "");
    cJSON_AddStringToObject(val, "run_id", o->run_id ? o->run_id : "");
    cJSON_AddItemToObject(val, "evidence", o->evidence ? cJSON_Duplicate(o->evidence, 1)
                                                       : cJSON_CreateArray());
    cJSON_AddItemToObject(val, "gates", tg_registry_gates(result));
    if (o->log_anchor)
        cJSON_AddItemToObject(e, "log", cJSON_Duplicate(o->log_anchor, 1));

    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "versions"), e);
    tg_transition_info ti = *t;
    char why[200];
    if (failed) {
        snprintf(why, sizeof why, "gate result %s", gate_status);
        ti.reason = why;
    }
    ti.force = 0;
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "history"),
                         transition(failed ? "reject" : "register", version,
                                    NULL, failed ? "rejected" : "candidate",
                                    &ti));
    if (version_out)
        *version_out = str_at(e, "model_version");
    return TG_OK;
}

/* Move production to e (which is in stage from), archiving the old. */
static void move_production(cJSON *doc, cJSON *e, const char *action,
                            const tg_transition_info *t)
{
    cJSON *hist = cJSON_GetObjectItemCaseSensitive(doc, "history");
    cJSON *old = tg_registry_production(doc);
    const char *v = str_at(e, "model_version");
    if (old) {
        tg_transition_info ti = *t;
        char why[300];
        snprintf(why, sizeof why, "replaced by %s%s%s", v,
                 t->reason ? ": " : "", t->reason ? t->reason : "");
        ti.reason = why;
        ti.force = 0;
        cJSON_AddItemToArray(hist, transition(!strcmp(action, "rollback")
                                                  ? "rollback" : "archive",
                                              str_at(old, "model_version"),
                                              "production", "archived", &ti));
        set_status(old, "archived");
    }
    cJSON_AddItemToArray(hist, transition(action, v, str_at(e, "status"),
                                          "production", t));
    set_status(e, "production");
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "production",
                                           cJSON_CreateString(v));
}

/* A version may become production unforced when its gate passed, or
 * when it came in as production before tiergate kept the registry. */
static int may_be_production(const cJSON *e)
{
    return cJSON_GetObjectItemCaseSensitive(e, "imported") ||
           tg_registry_status_passed(cJSON_GetStringValue(
               path_get(e, "validation", "gate_status")));
}

static int check_force(const cJSON *e, const char *verb,
                       const tg_transition_info *t, tg_error *err)
{
    if (t->force && (!t->reason || !*t->reason))
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "--force needs --reason TEXT, which is recorded");
    if (!may_be_production(e) && !t->force)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "cannot %s %s: its gate result is %s (use --force "
                            "--reason TEXT to override, recorded)", verb,
                            str_at(e, "model_version"),
                            cJSON_GetStringValue(path_get(e, "validation",
                                                          "gate_status"))
                                ? cJSON_GetStringValue(path_get(
                                      e, "validation", "gate_status"))
                                : "missing");
    return TG_OK;
}

int tg_registry_promote(cJSON *doc, const char *version,
                        const tg_transition_info *t, tg_error *err)
{
    cJSON *e = tg_registry_find(doc, version, NULL);
    if (!e)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "no version '%s' in the registry", version);
    const char *st = str_at(e, "status");
    if (!strcmp(st, "production"))
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "%s is already production", version);
    int rc = check_force(e, "promote", t, err);
    if (rc)
        return rc;
    tg_transition_info ti = *t;
    ti.force = t->force && !may_be_production(e);
    move_production(doc, e, "promote", &ti);
    return TG_OK;
}

int tg_registry_rollback(cJSON *doc, const char *version,
                         const tg_transition_info *t, tg_error *err)
{
    cJSON *cur = tg_registry_production(doc);
    if (!cur)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "no version is in production: nothing to roll "
                            "back");
    const char *curv = str_at(cur, "model_version");
    cJSON *target = NULL;
    if (version) {
        target = tg_registry_find(doc, version, NULL);
        if (!target)
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "no version '%s' in the registry", version);
    } else {
        /* The most recent other version that entered production. */
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(doc, "history");
        for (int i = cJSON_GetArraySize(h) - 1; i >= 0 && !target; i--) {
            const cJSON *x = cJSON_GetArrayItem(h, i);
            const char *v = str_at(x, "version");
            if (!strcmp(str_at(x, "to"), "production") && strcmp(v, curv))
                target = tg_registry_find(doc, v, NULL);
        }
        if (!target)
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "no earlier production version to roll back "
                                "to");
    }
    if (strcmp(str_at(target, "status"), "archived"))
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "cannot roll back to %s: it is %s (only an "
                            "archived version; a candidate is promoted)",
                            str_at(target, "model_version"),
                            str_at(target, "status"));
    int rc = check_force(target, "roll back to", t, err);
    if (rc)
        return rc;
    tg_transition_info ti = *t;
    ti.force = t->force && !may_be_production(target);
    move_production(doc, target, "rollback", &ti);
    return TG_OK;
}
