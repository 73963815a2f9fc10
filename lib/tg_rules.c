/*
 * Rule set loading: JSON to features and compiled tiers. Every error
 * names the file and the key (tiers[2].when) or, for a condition, the
 * tier and the column inside its text.
 */
#include "tg_rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_json.h"
#include "tg_util.h"

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static int resolve_feature(void *ctx, const char *name, size_t len)
{
    return tg_rules_feature_index(ctx, name, len);
}

int tg_rules_feature_index(const tg_rules *r, const char *name, size_t len)
{
    for (int i = 0; i < r->nfeatures; i++) {
        const tg_feature *f = &r->features[i];
        if (strlen(f->name) == len && strncasecmp(f->name, name, len) == 0)
            return i;
        for (int a = 0; a < f->naliases; a++)
            if (strlen(f->aliases[a]) == len &&
                strncasecmp(f->aliases[a], name, len) == 0)
                return i;
    }
    return -1;
}

int tg_rules_tier_index(const tg_rules *r, const char *name)
{
    for (int t = 0; t < r->ntiers; t++)
        if (r->tiers[t].name && strcmp(r->tiers[t].name, name) == 0)
            return t;
    return -1;
}

static void mark_used(void *ctx, int feature)
{
    ((unsigned char *)ctx)[feature] = 1;
}

void tg_rules_used_features(const tg_rules *r, unsigned char *used)
{
    memset(used, 0, (size_t)r->nfeatures);
    for (int t = 0; t < r->ntiers; t++)
        if (r->tiers[t].cond)
            tg_cond_each_feature(r->tiers[t].cond, mark_used, used);
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return !(s[0] >= '0' && s[0] <= '9');
}

static int load_features(tg_rules *r, const cJSON *arr, tg_error *err)
{
    const char *file = r->path;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
        return tg_error_set(err, TG_EINVAL, file, 0, 0,
                            "key 'features': expected a non-empty array");
    int n = cJSON_GetArraySize(arr);
    r->features = calloc((size_t)n, sizeof *r->features);
    if (!r->features)
        return tg_error_oom(err, file);
    const cJSON *it;
    int i = 0, rc;
    cJSON_ArrayForEach(it, arr)
    {
        char kp[64];
        snprintf(kp, sizeof kp, "features[%d]", i);
        tg_feature *f = &r->features[i];
        f->min = f->max = NAN;
        const char *name = NULL, *desc = NULL, *type = NULL, *oor = NULL;
        if (cJSON_IsString(it)) {
            name = it->valuestring;
        } else if (cJSON_IsObject(it)) {
            if ((rc = tg_json_get_string(it, "name", 1, file, kp, &name, err)) ||
                (rc = tg_json_get_string(it, "description", 0, file, kp, &desc,
                                         err)) ||
                (rc = tg_json_get_number(it, "min", 0, file, kp, &f->min, err)) ||
                (rc = tg_json_get_number(it, "max", 0, file, kp, &f->max, err)) ||
                (rc = tg_json_get_string(it, "type", 0, file, kp, &type, err)) ||
                (rc = tg_json_get_string(it, "out_of_range", 0, file, kp, &oor,
                                         err)))
                return rc;
            if (oor && strcmp(oor, "error") != 0 && strcmp(oor, "warn") != 0)
                return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                    "key '%s.out_of_range': expected \"error\" "
                                    "or \"warn\", not '%s'", kp, oor);
            f->range_warn = oor && strcmp(oor, "warn") == 0;
            if (!isnan(f->min) && !isnan(f->max) && f->min > f->max)
                return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                    "key '%s.min': %g is above max %g", kp,
                                    f->min, f->max);
            if (type && strcmp(type, "boolean") != 0 &&
                strcmp(type, "number") != 0)
                return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                    "key '%s.type': expected \"number\" or "
                                    "\"boolean\", not '%s'", kp, type);
            f->is_boolean = type && strcmp(type, "boolean") == 0;
        } else {
            return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                "key '%s': expected an object or a name", kp);
        }
        if (!valid_name(name))
            return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                "key '%s.name': '%s' is not a column name", kp,
                                name);
        if (tg_rules_feature_index(r, name, strlen(name)) >= 0)
            return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                "key '%s.name': feature '%s' declared twice",
                                kp, name);
        f->name = strdup(name);
        r->nfeatures = i + 1;
        f->description = dup_or_empty(desc);
        const cJSON *al = cJSON_IsObject(it)
                              ? cJSON_GetObjectItemCaseSensitive(it, "aliases")
                              : NULL;
        if (al) {
            if (!cJSON_IsArray(al))
                return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                    "key '%s.aliases': expected an array of "
                                    "names", kp);
            f->aliases = calloc((size_t)cJSON_GetArraySize(al) + 1,
                                sizeof *f->aliases);
            if (!f->aliases)
                return tg_error_oom(err, file);
            const cJSON *a;
            cJSON_ArrayForEach(a, al)
            {
                if (!cJSON_IsString(a) || !valid_name(a->valuestring))
                    return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                        "key '%s.aliases': expected an array "
                                        "of names", kp);
                if (tg_rules_feature_index(r, a->valuestring,
                                           strlen(a->valuestring)) >= 0)
                    return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                        "key '%s.aliases': '%s' already names "
                                        "a feature", kp, a->valuestring);
                if (!(f->aliases[f->naliases++] = strdup(a->valuestring)))
                    return tg_error_oom(err, file);
            }
        }
        i++;
    }
    return TG_OK;
}

static int load_tier(tg_rules *r, tg_tier *t, const cJSON *obj,
                     const char *kp, int is_default, tg_error *err)
{
    const char *file = r->path;
    const char *name = NULL, *display = NULL, *action = NULL, *expl = NULL;
    double rank = 99;
    int rc;
    if (!cJSON_IsObject(obj))
        return tg_error_set(err, TG_EINVAL, file, 0, 0,
                            "key '%s': expected an object", kp);
    t->expected_conversion_rate = NAN;
    t->expected_lift = NAN;
    if ((rc = tg_json_get_string(obj, "name", 1, file, kp, &name, err)) ||
        (rc = tg_json_get_string(obj, "display", 0, file, kp, &display, err)) ||
        (rc = tg_json_get_string(obj, "action", 0, file, kp, &action, err)) ||
        (rc = tg_json_get_string(obj, "explanation", 0, file, kp, &expl,
                                 err)) ||
        (rc = tg_json_get_number(obj, "expected_conversion_rate", 0, file, kp,
                                 &t->expected_conversion_rate, err)) ||
        (rc = tg_json_get_number(obj, "expected_lift", 0, file, kp,
                                 &t->expected_lift, err)) ||
        (rc = tg_json_get_number(obj, "priority_rank", 0, file, kp, &rank,
                                 err)))
        return rc;
    if (!valid_name(name))
        return tg_error_set(err, TG_EINVAL, file, 0, 0,
                            "key '%s.name': '%s' is not a valid tier name "
                            "(letters, digits, _)", kp, name);
    if (tg_rules_tier_index(r, name) >= 0)
        return tg_error_set(err, TG_EINVAL, file, 0, 0,
                            "key '%s.name': tier '%s' defined twice", kp, name);
    if (rank != floor(rank) || rank < 0 || rank > 1e6)
        return tg_error_set(err, TG_EINVAL, file, 0, 0,
                            "key '%s.priority_rank': expected a whole number",
                            kp);
    t->name = strdup(name);
    t->display = dup_or_empty(display ? display : name);
    t->action = dup_or_empty(action);
    t->explanation = dup_or_empty(expl);
    if (!t->name || !t->display || !t->action || !t->explanation)
        return tg_error_oom(err, file);
    t->priority_rank = (int)rank;
    if (is_default) {
        if (cJSON_GetObjectItemCaseSensitive(obj, "when"))
            return tg_error_set(err, TG_EINVAL, file, 0, 0,
                                "key '%s.when': the default tier takes every "
                                "lead no tier matched; it has no condition",
                                kp);
        return (t->when = strdup("")) ? TG_OK : tg_error_oom(err, file);
    }
    if ((rc = tg_json_get_text(obj, "when", 1, file, kp, &t->when, err)))
        return rc;
    char where[600];
    snprintf(where, sizeof where, "%s#%s", file, name);
    return tg_cond_parse(&t->cond, t->when, resolve_feature, r, where, err);
}

/* The slow path: each condition in rule order, the first TRUE wins. */
int tg_rules_assign_slow(const tg_rules *r, const double *values)
{
    int last = r->ntiers - 1;
    for (int t = 0; t < last; t++)
        if (tg_cond_eval(r->tiers[t].cond, values) == TG_TRUE)
            return t;
    return last;
}

/* The lookup table when the conditions allow one (tg_tiermap.h); without
 * one, rows take the slow path, so only memory for the list of used
 * features is an error. */
static int build_table(tg_rules *r, tg_error *err)
{
    unsigned char *used = malloc((size_t)(r->nfeatures ? r->nfeatures : 1));
    if (!used)
        return tg_error_oom(err, r->path);
    tg_rules_used_features(r, used);
    r->map = tg_tiermap_build(r, used);
    free(used);
    return TG_OK;
}

int tg_rules_parse(tg_rules **out, const char *text, size_t len,
                   const char *path, tg_error *err)
{
    *out = NULL;
    tg_rules *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return tg_error_oom(err, path);
    }
    tg_sha256_buffer(text, len, r->sha256);
    int rc = tg_json_parse(&r->json, text, path, err);
    if (rc)
        goto fail;
    const cJSON *root = r->json;
    if (!cJSON_IsObject(root)) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                          "expected a JSON object at the top");
        goto fail;
    }
    const char *id = NULL, *version = NULL, *type = NULL;
    if ((rc = tg_json_get_string(root, "model_id", 1, path, "", &id, err)) ||
        (rc = tg_json_get_string(root, "model_version", 1, path, "", &version,
                                 err)) ||
        (rc = tg_json_get_string(root, "model_type", 0, path, "", &type, err)))
        goto fail;
    r->model_id = strdup(id);
    r->model_version = strdup(version);
    r->model_type = dup_or_empty(type ? type : "rules-based-tiers");
    if ((rc = load_features(
             r, cJSON_GetObjectItemCaseSensitive(root, "features"), err)))
        goto fail;

    const cJSON *tiers = cJSON_GetObjectItemCaseSensitive(root, "tiers");
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(root, "default_tier");
    if (!cJSON_IsArray(tiers) || cJSON_GetArraySize(tiers) == 0) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                          "key 'tiers': expected a non-empty array");
        goto fail;
    }
    if (!def) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                          "key 'default_tier': missing");
        goto fail;
    }
    int n = cJSON_GetArraySize(tiers);
    r->tiers = calloc((size_t)n + 1, sizeof *r->tiers);
    if (!r->tiers) {
        rc = tg_error_oom(err, path);
        goto fail;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, tiers)
    {
        char kp[64];
        snprintf(kp, sizeof kp, "tiers[%d]", r->ntiers);
        r->ntiers++;
        if ((rc = load_tier(r, &r->tiers[r->ntiers - 1], it, kp, 0, err)))
            goto fail;
    }
    r->ntiers++;
    if ((rc = load_tier(r, &r->tiers[r->ntiers - 1], def, "default_tier", 1,
                        err)))
        goto fail;

    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(root, "changes");
    if (ch) {
        if (!cJSON_IsArray(ch)) {
            rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                              "key 'changes': expected an array of strings");
            goto fail;
        }
        r->changes = calloc((size_t)cJSON_GetArraySize(ch) + 1,
                            sizeof *r->changes);
        if (!r->changes) {
            rc = tg_error_oom(err, path);
            goto fail;
        }
        cJSON_ArrayForEach(it, ch)
        {
            if (!cJSON_IsString(it)) {
                rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                                  "key 'changes[%d]': expected a string",
                                  r->nchanges);
                goto fail;
            }
            if (!(r->changes[r->nchanges++] = strdup(it->valuestring))) {
                rc = tg_error_oom(err, path);
                goto fail;
            }
        }
    }
    if ((rc = build_table(r, err)))
        goto fail;
    *out = r;
    return TG_OK;
fail:
    tg_rules_free(r);
    return rc ? rc : TG_EINVAL;
}

int tg_rules_load(tg_rules **out, const char *path, tg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = tg_read_file(&text, &len, path, TG_MAX_DOC_BYTES, err);
    if (rc)
        return rc;
    rc = tg_rules_parse(out, text, len, path, err);
    free(text);
    return rc;
}

void tg_rules_free(tg_rules *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nfeatures; i++) {
        tg_feature *f = &r->features[i];
        free(f->name);
        free(f->description);
        for (int a = 0; a < f->naliases; a++)
            free(f->aliases[a]);
        free(f->aliases);
    }
    free(r->features);
    for (int t = 0; t < r->ntiers; t++) {
        tg_tier *x = &r->tiers[t];
        free(x->name);
        free(x->when);
        tg_cond_free(x->cond);
        free(x->display);
        free(x->action);
        free(x->explanation);
    }
    free(r->tiers);
    for (int c = 0; c < r->nchanges; c++)
        free(r->changes[c]);
    free(r->changes);
    cJSON_Delete(r->json);
    tg_tiermap_free(r->map);
    free(r->model_id);
    free(r->model_version);
    free(r->model_type);
    free(r->path);
    free(r);
}

const char *tg_rules_table(const tg_rules *r, const char *key,
                           const char *fallback)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(r->json, "tables");
    const cJSON *v = t ? cJSON_GetObjectItemCaseSensitive(t, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : fallback;
}
