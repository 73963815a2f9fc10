/*
 * Sweeps: loading a sweep file (its id, objective and variants) or
 * starting one for command-line grids, describing the objective, and
 * freeing it. The edits are lib/tg_sweep_edit.c, the variants
 * lib/tg_sweep_variant.c, the grids lib/tg_sweep_vary.c.
 */
#include "tg_sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_json.h"
#include "tg_score.h"
#include "tg_sweep_internal.h"
#include "tg_util.h"

static const char *metric_names[TG_METRIC_COUNT] = {
    "priority_volume",     "priority_conversions", "priority_lift",
    "priority_lift_lower", "tier1_volume",         "tier1_lift",
    "tier1_lift_lower"};

const char *tg_metric_name(tg_metric m)
{
    return (unsigned)m < TG_METRIC_COUNT ? metric_names[m] : "unknown";
}

int tg_metric_parse(const char *name)
{
    for (int i = 0; i < TG_METRIC_COUNT; i++)
        if (strcmp(name, metric_names[i]) == 0)
            return i;
    return -1;
}

/* ---- the sweep ----------------------------------------------------------- */

static int sweep_start(tg_sweep **out, const char *path, const char *base_path,
                       tg_error *err)
{
    tg_sweep *s = calloc(1, sizeof *s);
    tg_variant *v;
    *out = NULL;
    if (!s || !(s->path = strdup(path ? path : ""))) {
        free(s);
        return tg_error_oom(err, NULL);
    }
    for (int m = 0; m < TG_METRIC_COUNT; m++)
        s->objective.min[m] = s->objective.max[m] = NAN;
    s->objective.maximize = TG_METRIC_PRIORITY_VOLUME;
    s->objective.require_blocking = 1;
    int rc = tg_sweep_add_variant(s, &v, err);
    if (rc == TG_OK) {
        v->name = strdup("base");
        v->changes = strdup("");
        v->description = strdup("the rule set as it is");
        rc = !v->name || !v->changes || !v->description
                 ? tg_error_oom(err, NULL)
                 : tg_rules_load(&v->rules, base_path, err);
    }
    if (rc == TG_OK && !(v->doc = cJSON_Duplicate(v->rules->json, 1)))
        rc = tg_error_oom(err, NULL);
    if (rc) {
        tg_sweep_free(s);
        return rc;
    }
    *out = s;
    return TG_OK;
}

int tg_sweep_new(tg_sweep **out, const char *base_path, tg_error *err)
{
    int rc = sweep_start(out, NULL, base_path, err);
    if (rc == TG_OK && !((*out)->sweep_id = strdup(""))) {
        tg_sweep_free(*out);
        *out = NULL;
        rc = tg_error_oom(err, NULL);
    }
    return rc;
}

static int load_objective(tg_sweep *s, const cJSON *o, tg_error *err)
{
    if (!o)
        return TG_OK;
    if (!cJSON_IsObject(o))
        return tg_sweep_verr(err, s, NULL, "objective", "expected an object");
    const char *m = tg_sweep_str_key(o, "maximize");
    if (cJSON_GetObjectItemCaseSensitive(o, "maximize")) {
        int k = m ? tg_metric_parse(m) : -1;
        if (k < 0)
            return tg_sweep_verr(
                err, s, NULL, "objective.maximize",
                "expected one of "
                "priority_volume, priority_conversions, priority_lift, "
                "priority_lift_lower, tier1_volume, tier1_lift, "
                "tier1_lift_lower");
        s->objective.maximize = (tg_metric)k;
    }
    const cJSON *rb =
        cJSON_GetObjectItemCaseSensitive(o, "require_blocking_gates");
    if (rb) {
        if (!cJSON_IsBool(rb))
            return tg_sweep_verr(err, s, NULL,
                                 "objective.require_blocking_gates",
                                 "expected true or false");
        s->objective.require_blocking = cJSON_IsTrue(rb);
    }
    static const char *bounds[] = {"min", "max"};
    for (int b = 0; b < 2; b++) {
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(o, bounds[b]), *it;
        char k[120];
        if (!obj)
            continue;
        snprintf(k, sizeof k, "objective.%s", bounds[b]);
        if (!cJSON_IsObject(obj))
            return tg_sweep_verr(err, s, NULL, k,
                                 "expected an object of metric: "
                                 "number");
        cJSON_ArrayForEach (it, obj) {
            int mk = tg_metric_parse(it->string);
            snprintf(k, sizeof k, "objective.%s.%.60s", bounds[b], it->string);
            if (mk < 0)
                return tg_sweep_verr(err, s, NULL, k, "unknown metric");
            if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
                return tg_sweep_verr(err, s, NULL, k, "expected a number");
            (b ? s->objective.max : s->objective.min)[mk] = it->valuedouble;
        }
    }
    return TG_OK;
}

/* base relative to the sweep file's folder (absolute stays as is). */
static char *base_beside(const char *sweep_path, const char *base)
{
    if (base[0] == '/')
        return strdup(base);
    const char *slash = strrchr(sweep_path, '/');
    size_t dir = slash ? (size_t)(slash - sweep_path + 1) : 0;
    char *p = malloc(dir + strlen(base) + 1);
    if (p) {
        memcpy(p, sweep_path, dir);
        strcpy(p + dir, base);
    }
    return p;
}

int tg_sweep_load(tg_sweep **out, const char *path, const char *base_path,
                  tg_error *err)
{
    char *text = NULL, *beside = NULL;
    size_t len;
    cJSON *root = NULL;
    tg_sweep *s = NULL;
    *out = NULL;
    int rc = tg_read_file(&text, &len, path, TG_MAX_DOC_BYTES, err);
    if (rc)
        return rc;
    if ((rc = tg_json_parse(&root, text, path, err)))
        goto done;
    if (!cJSON_IsObject(root)) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                          "expected a JSON object at the top");
        goto done;
    }
    const char *id = NULL, *desc = NULL, *base = NULL;
    if ((rc = tg_json_get_string(root, "sweep_id", 1, path, "", &id, err)) ||
        (rc = tg_json_get_string(root, "description", 0, path, "", &desc,
                                 err)) ||
        (rc = tg_json_get_string(root, "base", 0, path, "", &base, err)))
        goto done;
    if (!base_path && !base) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                          "key 'base': missing "
                          "(or give the base rule set with --rules)");
        goto done;
    }
    if (!base_path && !(base_path = beside = base_beside(path, base))) {
        rc = tg_error_oom(err, NULL);
        goto done;
    }
    if ((rc = sweep_start(&s, path, base_path, err)))
        goto done;
    tg_sha256_buffer(text, len, s->sha256);
    s->sweep_id = strdup(id);
    s->description = strdup(desc ? desc : "");
    if ((rc = load_objective(
             s, cJSON_GetObjectItemCaseSensitive(root, "objective"), err)))
        goto done;
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(root, "variants");
    if (!cJSON_IsArray(vars)) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                          "key 'variants': expected an array");
        goto done;
    }
    s->json_variants = vars;
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach (it, vars)
        if ((rc = tg_sweep_build_variant(s, it, i++, err)))
            goto done;
    rc = tg_sweep_compile_pending(s, err);
done:
    if (s)
        s->json_variants = NULL;
    cJSON_Delete(root);
    free(text);
    free(beside);
    if (rc) {
        tg_sweep_free(s);
        return rc;
    }
    *out = s;
    return TG_OK;
}

void tg_sweep_free(tg_sweep *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nvariants; i++) {
        tg_variant *v = &s->variants[i];
        free(v->name);
        free(v->changes);
        free(v->description);
        tg_rules_free(v->rules);
        cJSON_Delete(v->doc);
        free(v->pending);
    }
    free(s->variants);
    free(s->path);
    free(s->sweep_id);
    free(s->description);
    free(s->objective_text);
    free(s);
}

const char *tg_objective_describe(const tg_sweep *cs)
{
    tg_sweep *s = (tg_sweep *)cs; /* the text is built once, lazily */
    if (s->objective_text)
        return s->objective_text;
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return "";
    const tg_objective *o = &s->objective;
    fprintf(f, "maximise %s on TRAIN", tg_metric_name(o->maximize));
    int n = 0;
    if (o->require_blocking) {
        fputs(" subject to every blocking gate passing on TRAIN", f);
        n++;
    }
    for (int m = 0; m < TG_METRIC_COUNT; m++)
        for (int b = 0; b < 2; b++) {
            double v = b ? o->max[m] : o->min[m];
            char num[32];
            if (isnan(v))
                continue;
            fprintf(f, "%s%s %s %s", n++ ? " and " : " subject to ",
                    tg_metric_name((tg_metric)m),
                    b ? "<=" : ">=", tg_fmt_number(v, num));
        }
    fclose(f);
    s->objective_text = buf;
    return buf ? buf : "";
}

char *tg_variant_rules_text(const tg_variant *v)
{
    char *t = cJSON_Print(v->doc);
    if (!t)
        return NULL;
    size_t n = strlen(t);
    char *r = realloc(t, n + 2);
    if (!r) {
        free(t);
        return NULL;
    }
    r[n] = '\n';
    r[n + 1] = '\0';
    return r;
}
