/*
 * Policy loading. Every error names the file, the gate id and the key:
 *   registry/gates/v3.2.json: gate 'V3.2.1': key 'min': expected a number
 */
#include "tg_policy.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_json.h"
#include "tg_tally.h"
#include "tg_util.h"

static const char *check_names[TG_CHECK_COUNT] = {
    "conversion_rate", "lift", "volume_share", "volume_count",
    "ci_separation", "calibration", "test_train_lift_ratio", "tier_size",
    "expected_range", "rank_order", "data_quality",
};

const char *tg_check_name(tg_check c)
{
    return (unsigned)c < TG_CHECK_COUNT ? check_names[c] : "unknown";
}

const char *tg_judge_name(tg_judge j)
{
    return j == TG_JUDGE_POINT ? "point" : "interval";
}

const char *tg_inconclusive_name(tg_inconclusive i)
{
    return i == TG_INCONCLUSIVE_WARN ? "warn" : "block";
}

/*
 * "judge" and "inconclusive", at policy or gate level. Older policies
 * said "estimate" (now "point") or "ci_bound", which was removed: a
 * bound against a threshold is two-way and flips its sense with the side
 * of the threshold, so its users must choose the three-way judging.
 */
static int parse_judge(const char *v, tg_judge *out, char *why, size_t n)
{
    if (strcmp(v, "interval") == 0)
        *out = TG_JUDGE_INTERVAL;
    else if (strcmp(v, "point") == 0)
        *out = TG_JUDGE_POINT;
    else if (strcmp(v, "ci_bound") == 0)
        snprintf(why, n, "\"ci_bound\" was removed: use \"judge\": "
                 "\"interval\" (pass, fail or inconclusive from the "
                 "interval) with \"inconclusive\": \"block\" or \"warn\"");
    else if (strcmp(v, "estimate") == 0)
        snprintf(why, n, "\"estimate\" was renamed: use \"judge\": "
                 "\"point\"");
    else
        snprintf(why, n, "expected \"interval\" or \"point\", not '%s'", v);
    return strcmp(v, "interval") == 0 || strcmp(v, "point") == 0 ? TG_OK
                                                                   : TG_EINVAL;
}

static int parse_inconclusive(const char *v, tg_inconclusive *out, char *why,
                              size_t n)
{
    if (strcmp(v, "block") == 0)
        *out = TG_INCONCLUSIVE_BLOCK;
    else if (strcmp(v, "warn") == 0)
        *out = TG_INCONCLUSIVE_WARN;
    else {
        snprintf(why, n, "expected \"block\" or \"warn\", not '%s'", v);
        return TG_EINVAL;
    }
    return TG_OK;
}

static int gate_error(tg_error *err, const char *file, const char *id,
                      const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int gate_error(tg_error *err, const char *file, const char *id,
                      const char *key, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tg_error_set(err, TG_EINVAL, file, 0, 0, "gate '%s': key '%s': %s",
                        id, key, msg);
}

/* A lead count a policy may ask for: whole, 0 .. 1e12 (so it fits a
 * long exactly; the cast of anything else would be undefined). */
static int whole_count(double v)
{
    return v >= 0 && v <= 1e12 && v == floor(v);
}

static int get_number(const cJSON *g, const char *key, double *out,
                      const char *file, const char *id, tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, key);
    if (!v || cJSON_IsNull(v))
        return TG_OK;
    if (!cJSON_IsNumber(v))
        return gate_error(err, file, id, key, "expected a number");
    *out = v->valuedouble;
    return TG_OK;
}

static int get_string(const cJSON *g, const char *key, const char **out,
                      int required, const char *file, const char *id,
                      tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, key);
    if (!v || cJSON_IsNull(v))
        return required ? gate_error(err, file, id, key, "missing") : TG_OK;
    if (!cJSON_IsString(v))
        return gate_error(err, file, id, key, "expected a string");
    *out = v->valuestring;
    return TG_OK;
}

/* Resolve "priority", "all", or an array of names and patterns. */
static int resolve_tiers(tg_gate_def *g, const cJSON *sel,
                         const tg_rules *r, const char *file, tg_error *err)
{
    int def = tg_rules_default(r);
    unsigned char *on = calloc((size_t)r->ntiers, 1);
    if (!on)
        return tg_error_oom(err, file);
    int rc = TG_OK;
    if (!sel || (cJSON_IsString(sel) && strcmp(sel->valuestring, "priority") == 0)) {
        for (int t = 0; t < def; t++)
            on[t] = 1;
    } else if (cJSON_IsString(sel) && strcmp(sel->valuestring, "all") == 0) {
        memset(on, 1, (size_t)r->ntiers);
    } else if (cJSON_IsArray(sel) && cJSON_GetArraySize(sel) > 0) {
        const cJSON *it;
        cJSON_ArrayForEach(it, sel)
        {
            if (!cJSON_IsString(it)) {
                rc = gate_error(err, file, g->id, "tiers",
                                "expected tier names or patterns");
                break;
            }
            int hit = 0;
            for (int t = 0; t < r->ntiers; t++)
                if (fnmatch(it->valuestring, r->tiers[t].name, 0) == 0) {
                    on[t] = 1;
                    hit = 1;
                }
            if (!hit) {
                rc = gate_error(err, file, g->id, "tiers",
                                "'%s' matches no tier of %s", it->valuestring,
                                r->model_id);
                break;
            }
        }
    } else {
        rc = gate_error(err, file, g->id, "tiers",
                        "expected \"priority\", \"all\" or an array of tier "
                        "names and patterns");
    }
    if (rc == TG_OK) {
        g->tiers = malloc((size_t)r->ntiers * sizeof *g->tiers);
        if (!g->tiers)
            rc = tg_error_oom(err, file);
        for (int t = 0; rc == TG_OK && t < r->ntiers; t++)
            if (on[t])
                g->tiers[g->ntiers++] = t;
    }
    free(on);
    return rc;
}

static int load_params(tg_gate_def *g, const cJSON *obj, const tg_rules *r,
                       const char *file, tg_error *err)
{
    g->params = calloc((size_t)r->ntiers, sizeof *g->params);
    if (!g->params)
        return tg_error_oom(err, file);
    g->nparams = r->ntiers;
    for (int t = 0; t < r->ntiers; t++)
        g->params[t].rate_min = g->params[t].rate_max =
            g->params[t].lift_min = NAN;
    const cJSON *adv = cJSON_GetObjectItemCaseSensitive(obj, "advice");
    const cJSON *ranges = cJSON_GetObjectItemCaseSensitive(obj, "ranges");
    if (adv && !cJSON_IsObject(adv))
        return gate_error(err, file, g->id, "advice",
                          "expected an object of tier: text");
    if (ranges && !cJSON_IsObject(ranges))
        return gate_error(err, file, g->id, "ranges",
                          "expected an object of tier: {\"rate\": [min, max], "
                          "\"lift_min\": x}");
    const cJSON *it;
    cJSON_ArrayForEach(it, adv)
    {
        int t = tg_rules_tier_index(r, it->string);
        char key[200];
        snprintf(key, sizeof key, "advice.%s", it->string);
        if (t < 0)
            return gate_error(err, file, g->id, key, "no such tier in %s",
                              r->model_id);
        if (!cJSON_IsString(it))
            return gate_error(err, file, g->id, key, "expected a string");
        free(g->params[t].advice); /* a key given twice: the last wins */
        if (!(g->params[t].advice = strdup(it->valuestring)))
            return tg_error_oom(err, file);
    }
    cJSON_ArrayForEach(it, ranges)
    {
        int t = tg_rules_tier_index(r, it->string);
        char key[200];
        snprintf(key, sizeof key, "ranges.%s", it->string);
        if (t < 0)
            return gate_error(err, file, g->id, key, "no such tier in %s",
                              r->model_id);
        const cJSON *rate = cJSON_GetObjectItemCaseSensitive(it, "rate");
        const cJSON *lift = cJSON_GetObjectItemCaseSensitive(it, "lift_min");
        if (rate) {
            if (!cJSON_IsArray(rate) || cJSON_GetArraySize(rate) != 2 ||
                !cJSON_IsNumber(cJSON_GetArrayItem(rate, 0)) ||
                !cJSON_IsNumber(cJSON_GetArrayItem(rate, 1)))
                return gate_error(err, file, g->id, key,
                                  "'rate' must be [min, max]");
            g->params[t].rate_min = cJSON_GetArrayItem(rate, 0)->valuedouble;
            g->params[t].rate_max = cJSON_GetArrayItem(rate, 1)->valuedouble;
        }
        if (lift) {
            if (!cJSON_IsNumber(lift))
                return gate_error(err, file, g->id, key,
                                  "'lift_min' must be a number");
            g->params[t].lift_min = lift->valuedouble;
        }
    }
    return TG_OK;
}

/* Which thresholds each check needs. */
static int check_thresholds(const tg_gate_def *g, const char *file,
                            tg_error *err)
{
    switch (g->check) {
    case TG_CHECK_CONVERSION_RATE:
    case TG_CHECK_LIFT:
    case TG_CHECK_VOLUME_SHARE:
    case TG_CHECK_VOLUME_COUNT:
    case TG_CHECK_TEST_TRAIN_LIFT:
    case TG_CHECK_TIER_SIZE:
        if (isnan(g->min) && isnan(g->max))
            return gate_error(err, file, g->id, "min",
                              "check '%s' needs 'min' or 'max'",
                              tg_check_name(g->check));
        if (!isnan(g->min) && !isnan(g->max) && g->min > g->max)
            return gate_error(err, file, g->id, "max",
                              "'max' (%g) is below 'min' (%g)", g->max, g->min);
        break;
    case TG_CHECK_CALIBRATION:
        if (isnan(g->max_relative_error) || g->max_relative_error < 0)
            return gate_error(err, file, g->id, "max_relative_error",
                              "check 'calibration' needs a non-negative "
                              "number");
        break;
    default:
        break;
    }
    return TG_OK;
}

static int load_gate(tg_policy *p, tg_gate_def *g, const cJSON *obj,
                     int index, const tg_rules *r, tg_error *err)
{
    const char *file = p->path;
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "#%d", index);
    if (!cJSON_IsObject(obj))
        return tg_error_set(err, TG_EINVAL, file, 0, 0,
                            "key 'gates[%d]': expected an object", index);
    const char *id = NULL, *desc = NULL, *check = NULL, *sev = NULL,
               *judge = NULL, *incon = NULL, *split = NULL, *against = NULL;
    char why[300];
    int rc;
    if ((rc = get_string(obj, "id", &id, 1, file, idbuf, err)))
        return rc;
    if (!(g->id = strdup(id)))
        return tg_error_oom(err, file);
    for (int k = 0; k < index; k++)
        if (strcmp(p->gates[k].id, id) == 0)
            return gate_error(err, file, id, "id", "defined twice");
    g->min = g->max = g->max_relative_error = NAN;
    g->split = TG_SPLIT_TRAIN;
    g->against = tg_rules_default(r);
    if ((rc = get_string(obj, "description", &desc, 1, file, id, err)) ||
        (rc = get_string(obj, "check", &check, 1, file, id, err)) ||
        (rc = get_string(obj, "severity", &sev, 1, file, id, err)) ||
        (rc = get_string(obj, "judge", &judge, 0, file, id, err)) ||
        (rc = get_string(obj, "inconclusive", &incon, 0, file, id, err)) ||
        (rc = get_string(obj, "split", &split, 0, file, id, err)) ||
        (rc = get_string(obj, "against", &against, 0, file, id, err)) ||
        (rc = get_number(obj, "min", &g->min, file, id, err)) ||
        (rc = get_number(obj, "max", &g->max, file, id, err)) ||
        (rc = get_number(obj, "max_relative_error", &g->max_relative_error,
                         file, id, err)))
        return rc;
    g->max_skipped_share = 0;
    if ((rc = get_number(obj, "max_skipped_share", &g->max_skipped_share, file,
                         id, err)))
        return rc;
    if (!(g->max_skipped_share >= 0 && g->max_skipped_share <= 1))
        return gate_error(err, file, id, "max_skipped_share",
                          "expected a share from 0 to 1, not %g",
                          g->max_skipped_share);
    if (!(g->description = strdup(desc)))
        return tg_error_oom(err, file);
    g->check = TG_CHECK_COUNT;
    for (int c = 0; c < TG_CHECK_COUNT; c++)
        if (strcmp(check, check_names[c]) == 0)
            g->check = (tg_check)c;
    if (g->check == TG_CHECK_COUNT) {
        char known[400];
        size_t off = 0;
        for (int c = 0; c < TG_CHECK_COUNT; c++)
            off += (size_t)snprintf(known + off, sizeof known - off, "%s%s",
                                    c ? ", " : "", check_names[c]);
        return gate_error(err, file, id, "check", "unknown check '%s' (known: "
                          "%s)", check, known);
    }
    if (strcmp(sev, "block") == 0)
        g->severity = TG_SEVERITY_BLOCK;
    else if (strcmp(sev, "warn") == 0)
        g->severity = TG_SEVERITY_WARN;
    else
        return gate_error(err, file, id, "severity",
                          "expected \"block\" or \"warn\", not '%s'", sev);
    g->judge = p->judge;
    g->inconclusive = p->inconclusive;
    if (judge && parse_judge(judge, &g->judge, why, sizeof why))
        return gate_error(err, file, id, "judge", "%s", why);
    if (incon && parse_inconclusive(incon, &g->inconclusive, why, sizeof why))
        return gate_error(err, file, id, "inconclusive", "%s", why);
    if (split && (g->split = tg_split_parse(split)) == -2)
        return gate_error(err, file, id, "split",
                          "expected TRAIN, TEST or ALL, not '%s'", split);
    if (against && (g->against = tg_rules_tier_index(r, against)) < 0)
        return gate_error(err, file, id, "against", "no tier '%s' in %s",
                          against, r->model_id);
    double ml = NAN, mc = NAN;
    if ((rc = get_number(obj, "min_labeled", &ml, file, id, err)) ||
        (rc = get_number(obj, "min_conversions", &mc, file, id, err)))
        return rc;
    if (!isnan(ml) && !whole_count(ml))
        return gate_error(err, file, id, "min_labeled",
                          "expected a whole number from 0 to 1e12, not %g", ml);
    if (!isnan(mc) && !whole_count(mc))
        return gate_error(err, file, id, "min_conversions",
                          "expected a whole number from 0 to 1e12, not %g", mc);
    if (!isnan(ml))
        g->min_labeled = (long)ml;
    if (!isnan(mc))
        g->min_conversions = (long)mc;
    /* Per-slice gates: judged again in every slice of a sliced run whose
     * labeled leads in the gate's split reach min_slice_size. */
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(obj, "per_slice");
    if (ps && !cJSON_IsBool(ps))
        return gate_error(err, file, id, "per_slice",
                          "expected true or false");
    g->per_slice = ps && cJSON_IsTrue(ps);
    double mss = (double)TG_DEFAULT_MIN_SLICE_SIZE;
    if ((rc = get_number(obj, "min_slice_size", &mss, file, id, err)))
        return rc;
    if (!(mss >= 1 && mss <= 1e15 && mss == floor(mss)))
        return gate_error(err, file, id, "min_slice_size",
                          "expected a whole number >= 1");
    g->min_slice_size = (long)mss;
    if (cJSON_GetObjectItemCaseSensitive(obj, "min_slice_size") &&
        !g->per_slice)
        return gate_error(err, file, id, "min_slice_size",
                          "only a gate with \"per_slice\": true has one");
    if ((rc = resolve_tiers(g, cJSON_GetObjectItemCaseSensitive(obj, "tiers"),
                            r, file, err)) ||
        (rc = load_params(g, obj, r, file, err)) ||
        (rc = check_thresholds(g, file, err)))
        return rc;
    return TG_OK;
}

int tg_policy_parse(tg_policy **out, const char *text, size_t len,
                    const char *path, const tg_rules *r, tg_error *err)
{
    *out = NULL;
    tg_policy *p = calloc(1, sizeof *p);
    cJSON *root = NULL;
    if (!p || !(p->path = strdup(path))) {
        free(p);
        return tg_error_oom(err, path);
    }
    tg_sha256_buffer(text, len, p->sha256);
    int rc = tg_json_parse(&root, text, path, err);
    if (rc)
        goto fail;
    const char *pid = NULL, *desc = NULL;
    if ((rc = tg_json_get_string(root, "policy_id", 1, path, "", &pid, err)) ||
        (rc = tg_json_get_string(root, "description", 0, path, "", &desc, err)))
        goto fail;
    p->policy_id = strdup(pid);
    p->description = strdup(desc ? desc : "");
    double ml = 30, mc = 0;
    const char *judge = NULL, *incon = NULL;
    char why[300];
    if ((rc = tg_json_get_number(root, "min_labeled", 0, path, "", &ml, err)) ||
        (rc = tg_json_get_number(root, "min_conversions", 0, path, "", &mc,
                                 err)) ||
        (rc = tg_json_get_string(root, "judge", 0, path, "", &judge, err)) ||
        (rc = tg_json_get_string(root, "inconclusive", 0, path, "", &incon,
                                 err)))
        goto fail;
    if (!whole_count(ml) || !whole_count(mc)) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                          "key '%s': expected a whole number from 0 to 1e12, "
                          "not %g", whole_count(ml) ? "min_conversions"
                                                    : "min_labeled",
                          whole_count(ml) ? mc : ml);
        goto fail;
    }
    if (judge && parse_judge(judge, &p->judge, why, sizeof why)) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0, "key 'judge': %s", why);
        goto fail;
    }
    if (incon && parse_inconclusive(incon, &p->inconclusive, why, sizeof why)) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0, "key 'inconclusive': %s",
                          why);
        goto fail;
    }
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(root, "gates");
    if (!cJSON_IsArray(gates) || cJSON_GetArraySize(gates) == 0) {
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                          "key 'gates': expected a non-empty array");
        goto fail;
    }
    p->gates = calloc((size_t)cJSON_GetArraySize(gates), sizeof *p->gates);
    if (!p->gates) {
        rc = tg_error_oom(err, path);
        goto fail;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, gates)
    {
        tg_gate_def *g = &p->gates[p->ngates];
        g->min_labeled = (long)ml;
        g->min_conversions = (long)mc;
        p->ngates++;
        if ((rc = load_gate(p, g, it, p->ngates - 1, r, err)))
            goto fail;
    }
    cJSON_Delete(root);
    *out = p;
    return TG_OK;
fail:
    cJSON_Delete(root);
    tg_policy_free(p);
    return rc ? rc : TG_EINVAL;
}

int tg_policy_load(tg_policy **out, const char *path, const tg_rules *rules,
                   tg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = tg_read_file(&text, &len, path, TG_MAX_DOC_BYTES, err);
    if (rc)
        return rc;
    rc = tg_policy_parse(out, text, len, path, rules, err);
    free(text);
    return rc;
}

void tg_policy_free(tg_policy *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ngates; i++) {
        tg_gate_def *g = &p->gates[i];
        free(g->id);
        free(g->description);
        free(g->tiers);
        if (g->params) {
            /* params has one entry per tier of the rules; advice may be set
             * on any of them, and unset ones are NULL. */
            for (int t = 0; t < g->nparams; t++)
                free(g->params[t].advice);
            free(g->params);
        }
    }
    free(p->gates);
    free(p->policy_id);
    free(p->description);
    free(p->path);
    free(p);
}
