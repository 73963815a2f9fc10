/*
 * Monitor policy loading. Same conventions as gate policies: every
 * error names the file, the gate and the key; tier selections are
 * "priority", "all" or arrays of names and shell patterns. Unknown keys
 * are errors, so that a misspelt threshold never silently disappears.
 */
#include "tg_monitor_policy.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_json.h"
#include "tg_util.h"

static const char *mcheck_names[TG_MCHECK_COUNT] = {
    "calibration_drift", "psi", "volume_share", "below_reference"};

const char *tg_mcheck_name(tg_mcheck c)
{
    return (unsigned)c < TG_MCHECK_COUNT ? mcheck_names[c] : "unknown";
}

static int gerr(tg_error *err, const char *file, const char *id,
                const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int gerr(tg_error *err, const char *file, const char *id,
                const char *key, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!id)
        return tg_error_set(err, TG_EINVAL, file, 0, 0, "key '%s': %s", key,
                            msg);
    return tg_error_set(err, TG_EINVAL, file, 0, 0, "gate '%s': key '%s': %s",
                        id, key, msg);
}

/* "warn" or "block" (the values of gate policies); -1 otherwise. */
static int inconclusive_parse(const char *s)
{
    return strcmp(s, "block") == 0  ? (int)TG_INCONCLUSIVE_BLOCK
         : strcmp(s, "warn") == 0   ? (int)TG_INCONCLUSIVE_WARN
                                    : -1;
}

static int only_keys(const cJSON *o, const char *const *known,
                     const char *file, const char *id, tg_error *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            ok |= strcmp(it->string, *k) == 0;
        if (!ok)
            return gerr(err, file, id, it->string, "unknown key");
    }
    return TG_OK;
}

static int num(const cJSON *o, const char *key, double *out, double lo,
               double hi, const char *file, const char *id, tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return TG_OK;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
        return gerr(err, file, id, key, "expected a number from %g to %g", lo,
                    hi);
    *out = v->valuedouble;
    return TG_OK;
}

static int str(const cJSON *o, const char *key, const char **out, int required,
               const char *file, const char *id, tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return required ? gerr(err, file, id, key, "missing") : TG_OK;
    if (!cJSON_IsString(v))
        return gerr(err, file, id, key, "expected a string");
    *out = v->valuestring;
    return TG_OK;
}

static int resolve_tiers(tg_mgate *g, const cJSON *sel, const char *dflt,
                         const tg_rules *r, const char *file, tg_error *err)
{
    int def = tg_rules_default(r);
    unsigned char *on = calloc((size_t)r->ntiers, 1);
    if (!on)
        return tg_error_oom(err, file);
    int rc = TG_OK;
    const char *word = !sel ? dflt : cJSON_IsString(sel) ? sel->valuestring : NULL;
    if (word && strcmp(word, "priority") == 0) {
        memset(on, 1, (size_t)def);
    } else if (word && strcmp(word, "all") == 0) {
        memset(on, 1, (size_t)r->ntiers);
    } else if (!word && cJSON_IsArray(sel) && cJSON_GetArraySize(sel) > 0) {
        const cJSON *it;
        cJSON_ArrayForEach(it, sel)
        {
            if (!cJSON_IsString(it)) {
                rc = gerr(err, file, g->id, "tiers",
                          "expected tier names or patterns");
                break;
            }
            int hit = 0;
            for (int t = 0; t < r->ntiers; t++)
                if (fnmatch(it->valuestring, r->tiers[t].name, 0) == 0)
                    on[t] = hit = 1;
            if (!hit) {
                rc = gerr(err, file, g->id, "tiers",
                          "'%s' matches no tier of %s", it->valuestring,
                          r->model_id);
                break;
            }
        }
    } else {
        rc = gerr(err, file, g->id, "tiers",
                  "expected \"priority\", \"all\" or an array of tier names "
                  "and patterns");
    }
    if (!rc && !(g->tiers = malloc((size_t)r->ntiers * sizeof *g->tiers)))
        rc = tg_error_oom(err, file);
    for (int t = 0; !rc && t < r->ntiers; t++)
        if (on[t])
            g->tiers[g->ntiers++] = t;
    free(on);
    return rc;
}

static int load_gate(tg_monitor_policy *p, tg_mgate *g, const cJSON *o,
                     int index, const tg_rules *r, double ml, double mleads,
                     int inconclusive, tg_error *err)
{
    static const char *const known[] = {
        "id", "description", "check", "severity", "tiers", "min", "max",
        "consecutive", "against", "min_labeled", "min_leads", "inconclusive",
        NULL};
    const char *file = p->path;
    char idx[32];
    snprintf(idx, sizeof idx, "gates[%d]", index);
    if (!cJSON_IsObject(o))
        return gerr(err, file, NULL, idx, "expected an object");
    const char *id = NULL, *desc = NULL, *check = NULL, *sev = NULL,
               *against = NULL, *inc = NULL;
    int rc;
    char kid[48];
    snprintf(kid, sizeof kid, "%s.id", idx);
    if ((rc = str(o, "id", &id, 1, file, NULL, err)))
        return gerr(err, file, NULL, kid, "missing or not a string");
    if (!(g->id = strdup(id)))
        return tg_error_oom(err, file);
    for (int k = 0; k < index; k++)
        if (strcmp(p->gates[k].id, id) == 0)
            return gerr(err, file, id, "id", "defined twice");
    g->min = g->max = NAN;
    g->consecutive = 1;
    g->against = tg_rules_default(r);
    double cons = 1;
    g->min_labeled = (long)ml;
    g->min_leads = (long)mleads;
    g->inconclusive = (tg_inconclusive)inconclusive;
    double gml = ml, gmleads = mleads;
    if ((rc = only_keys(o, known, file, id, err)) ||
        (rc = str(o, "description", &desc, 1, file, id, err)) ||
        (rc = str(o, "check", &check, 1, file, id, err)) ||
        (rc = str(o, "severity", &sev, 1, file, id, err)) ||
        (rc = str(o, "against", &against, 0, file, id, err)) ||
        (rc = str(o, "inconclusive", &inc, 0, file, id, err)) ||
        (rc = num(o, "min", &g->min, -1e9, 1e9, file, id, err)) ||
        (rc = num(o, "max", &g->max, -1e9, 1e9, file, id, err)) ||
        (rc = num(o, "consecutive", &cons, 1, 52, file, id, err)) ||
        (rc = num(o, "min_labeled", &gml, 0, 1e12, file, id, err)) ||
        (rc = num(o, "min_leads", &gmleads, 0, 1e12, file, id, err)))
        return rc;
    if (cons != floor(cons))
        return gerr(err, file, id, "consecutive", "expected a whole number");
    g->consecutive = (int)cons;
    g->min_labeled = (long)gml;
    g->min_leads = (long)gmleads;
    if (!(g->description = strdup(desc)))
        return tg_error_oom(err, file);
    g->check = TG_MCHECK_COUNT;
    for (int c = 0; c < TG_MCHECK_COUNT; c++)
        if (strcmp(check, mcheck_names[c]) == 0)
            g->check = (tg_mcheck)c;
    if (g->check == TG_MCHECK_COUNT)
        return gerr(err, file, id, "check",
                    "unknown check '%s' (known: calibration_drift, psi, "
                    "volume_share, below_reference)", check);
    if (strcmp(sev, "block") == 0)
        g->block = 1;
    else if (strcmp(sev, "warn") != 0)
        return gerr(err, file, id, "severity",
                    "expected \"block\" or \"warn\", not '%s'", sev);
    if (inc) {
        int v = inconclusive_parse(inc);
        if (v < 0)
            return gerr(err, file, id, "inconclusive",
                        "expected \"warn\" or \"block\", not '%s'", inc);
        g->inconclusive = (tg_inconclusive)v;
    }
    if (against && (g->against = tg_rules_tier_index(r, against)) < 0)
        return gerr(err, file, id, "against", "no tier '%s' in %s", against,
                    r->model_id);
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(o, "tiers");
    switch (g->check) {
    case TG_MCHECK_PSI:
        if (sel)
            return gerr(err, file, id, "tiers",
                        "check 'psi' covers every tier's share; no 'tiers'");
        if (isnan(g->max) || !isnan(g->min))
            return gerr(err, file, id, "max",
                        "check 'psi' needs 'max' (and no 'min')");
        return resolve_tiers(g, NULL, "all", r, file, err);
    case TG_MCHECK_CALIBRATION_DRIFT:
    case TG_MCHECK_VOLUME_SHARE:
        if (isnan(g->min) && isnan(g->max))
            return gerr(err, file, id, "min", "check '%s' needs 'min' or 'max'",
                        check);
        if (!isnan(g->min) && !isnan(g->max) && g->min > g->max)
            return gerr(err, file, id, "max", "'max' (%g) is below 'min' (%g)",
                        g->max, g->min);
        break;
    default:
        if (!isnan(g->min) || !isnan(g->max))
            return gerr(err, file, id, "min",
                        "check 'below_reference' takes no threshold: it "
                        "compares intervals");
        break;
    }
    return resolve_tiers(g, sel,
                         g->check == TG_MCHECK_CALIBRATION_DRIFT ? "all"
                                                                  : "priority",
                         r, file, err);
}

int tg_monitor_policy_parse(tg_monitor_policy **out, const char *text,
                            size_t len, const char *path, const tg_rules *r,
                            tg_error *err)
{
    static const char *const known[] = {
        "policy_id", "description", "maturity_days", "window", "min_labeled",
        "min_leads", "inconclusive", "recalibrate", "gates", NULL};
    *out = NULL;
    tg_monitor_policy *p = calloc(1, sizeof *p);
    cJSON *root = NULL;
    if (!p || !(p->path = strdup(path))) {
        free(p);
        return tg_error_oom(err, path);
    }
    tg_sha256_buffer(text, len, p->sha256);
    int rc = tg_json_parse(&root, text, path, err);
    if (rc)
        goto fail;
    if (!cJSON_IsObject(root)) {
        rc = tg_error_set(err, TG_EINVAL, path, 1, 1, "expected an object");
        goto fail;
    }
    const char *pid = NULL, *desc = NULL, *win = NULL, *inc = NULL;
    double maturity = 30, ml = 30, mleads = 100, rw = 4, strength = 100;
    if ((rc = only_keys(root, known, path, NULL, err)) ||
        (rc = str(root, "policy_id", &pid, 1, path, NULL, err)) ||
        (rc = str(root, "description", &desc, 0, path, NULL, err)) ||
        (rc = str(root, "window", &win, 0, path, NULL, err)) ||
        (rc = str(root, "inconclusive", &inc, 0, path, NULL, err)) ||
        (rc = num(root, "maturity_days", &maturity, 0, 3650, path, NULL, err)) ||
        (rc = num(root, "min_labeled", &ml, 0, 1e12, path, NULL, err)) ||
        (rc = num(root, "min_leads", &mleads, 0, 1e12, path, NULL, err)))
        goto fail;
    if (maturity != floor(maturity)) {
        rc = gerr(err, path, NULL, "maturity_days", "expected whole days");
        goto fail;
    }
    p->maturity_days = (int)maturity;
    p->policy_id = strdup(pid);
    p->description = strdup(desc ? desc : "");
    int w = win ? tg_window_unit_parse(win) : TG_WINDOW_WEEK;
    if (w < 0) {
        rc = gerr(err, path, NULL, "window", "expected \"week\" or \"month\"");
        goto fail;
    }
    p->window = (tg_window_unit)w;
    int incv = inc ? inconclusive_parse(inc) : (int)TG_INCONCLUSIVE_BLOCK;
    if (incv < 0) {
        rc = gerr(err, path, NULL, "inconclusive",
                  "expected \"warn\" or \"block\", not '%s'", inc);
        goto fail;
    }
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(root, "recalibrate");
    static const char *const rkeys[] = {"windows", "shrinkage_strength", NULL};
    if (rec && !cJSON_IsObject(rec)) {
        rc = gerr(err, path, NULL, "recalibrate", "expected an object");
        goto fail;
    }
    if (rec && ((rc = only_keys(rec, rkeys, path, NULL, err)) ||
                (rc = num(rec, "windows", &rw, 1, 520, path, NULL, err)) ||
                (rc = num(rec, "shrinkage_strength", &strength, 0, 1e9, path,
                          NULL, err))))
        goto fail;
    p->recalibrate_windows = (int)rw;
    p->shrinkage_strength = strength;
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(root, "gates");
    if (!cJSON_IsArray(gates) || cJSON_GetArraySize(gates) == 0) {
        rc = gerr(err, path, NULL, "gates", "expected a non-empty array");
        goto fail;
    }
    p->gates = calloc((size_t)cJSON_GetArraySize(gates), sizeof *p->gates);
    if (!p->gates || !p->policy_id || !p->description) {
        rc = tg_error_oom(err, path);
        goto fail;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, gates)
    {
        tg_mgate *g = &p->gates[p->ngates++];
        if ((rc = load_gate(p, g, it, p->ngates - 1, r, ml, mleads, incv, err)))
            goto fail;
    }
    cJSON_Delete(root);
    *out = p;
    return TG_OK;
fail:
    cJSON_Delete(root);
    tg_monitor_policy_free(p);
    return rc ? rc : TG_EINVAL;
}

int tg_monitor_policy_load(tg_monitor_policy **out, const char *path,
                           const tg_rules *rules, tg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = tg_read_file(&text, &len, path, TG_MAX_DOC_BYTES, err);
    if (rc)
        return rc;
    rc = tg_monitor_policy_parse(out, text, len, path, rules, err);
    free(text);
    return rc;
}

void tg_monitor_policy_free(tg_monitor_policy *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ngates; i++) {
        free(p->gates[i].id);
        free(p->gates[i].description);
        free(p->gates[i].tiers);
    }
    free(p->gates);
    free(p->policy_id);
    free(p->description);
    free(p->path);
    free(p);
}
