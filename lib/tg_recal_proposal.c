/*
 * A proposed calibration (monitor --recalibrate) read back for the
 * execution log. The file is input like any other: it may have been
 * edited by hand or be something else altogether, so every key the log
 * records is checked here and a problem names the key.
 */
#include "tg_recal_proposal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_json.h"
#include "tg_monitor.h"
#include "tg_util.h"

static int key_error(tg_error *err, const char *path, const char *key,
                     const char *what)
{
    return tg_error_set(err, TG_EINVAL, path, 0, 0, "key '%s': %s", key, what);
}

static int is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

/* A string at o.k (key path kp for messages); max bytes keep the log's
 * lines short whatever the file holds. */
static int get_str(const cJSON *o, const char *k, const char *kp,
                   size_t max, const char *path, const char **out,
                   tg_error *err)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    if (!s)
        return key_error(err, path, kp, "expected a string");
    if (strlen(s) > max) {
        char what[80];
        snprintf(what, sizeof what, "longer than %zu bytes", max);
        return key_error(err, path, kp, what);
    }
    *out = s;
    return TG_OK;
}

static int get_sha(const cJSON *o, const char *k, const char *kp,
                   const char *path, const char **out, tg_error *err)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    if (!is_hex64(s))
        return key_error(err, path, kp, "expected a SHA-256 (64 lowercase "
                                        "hex digits)");
    *out = s;
    return TG_OK;
}

/* A rate in [0, 1], or null (NAN) when allowed. */
static int get_rate(const cJSON *o, const char *k, const char *where,
                    const char *path, double *out, tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    char kp[96];
    snprintf(kp, sizeof kp, "%s.%s", where, k);
    if (cJSON_IsNull(v)) {
        *out = NAN;
        return TG_OK;
    }
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1))
        return key_error(err, path, kp, "expected a number between 0 and 1, "
                                        "or null");
    *out = v->valuedouble;
    return TG_OK;
}

static int get_count(const cJSON *o, const char *k, const char *where,
                     const char *path, uint64_t *out, tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    char kp[96];
    snprintf(kp, sizeof kp, "%s.%s", where, k);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 9e15 ||
        v->valuedouble != floor(v->valuedouble))
        return key_error(err, path, kp, "expected a whole count >= 0");
    *out = (uint64_t)v->valuedouble;
    return TG_OK;
}

static int load_tier(const cJSON *t, int i, const char *path, tg_recal_tier *x,
                     tg_error *err)
{
    char where[48], kp[80];
    snprintf(where, sizeof where, "tiers[%d]", i);
    snprintf(kp, sizeof kp, "%s.score_tier", where);
    int rc;
    if (!cJSON_IsObject(t))
        return key_error(err, path, where, "expected an object");
    if ((rc = get_str(t, "score_tier", kp, 64, path, &x->tier, err)) ||
        (rc = get_count(t, "labeled", where, path, &x->labeled, err)) ||
        (rc = get_count(t, "conversions", where, path, &x->conversions, err)) ||
        (rc = get_rate(t, "previous_conversion_rate", where, path,
                       &x->previous_rate, err)) ||
        (rc = get_rate(t, "conversion_rate", where, path, &x->rate, err)) ||
        (rc = get_rate(t, "ci_lower", where, path, &x->ci_lower, err)) ||
        (rc = get_rate(t, "ci_upper", where, path, &x->ci_upper, err)) ||
        (rc = get_rate(t, "weight_of_data", where, path, &x->weight_of_data,
                       err)))
        return rc;
    if (x->conversions > x->labeled) {
        snprintf(kp, sizeof kp, "%s.conversions", where);
        return key_error(err, path, kp, "more conversions than labeled leads");
    }
    /* The log prints the rate beside its interval: it must belong. */
    if (!isnan(x->rate) && ((!isnan(x->ci_lower) && x->rate < x->ci_lower) ||
                            (!isnan(x->ci_upper) && x->rate > x->ci_upper))) {
        snprintf(kp, sizeof kp, "%s.conversion_rate", where);
        return key_error(err, path, kp, "outside its interval [ci_lower, "
                                        "ci_upper]");
    }
    if (isnan(x->rate) != isnan(x->ci_lower) ||
        isnan(x->rate) != isnan(x->ci_upper)) {
        snprintf(kp, sizeof kp, "%s.ci_lower", where);
        return key_error(err, path, kp, "a proposed rate and its interval are "
                                        "given together, or neither");
    }
    return TG_OK;
}

/* Everything but the tiers; p's strings point into doc. */
static int load_keys(tg_recal_proposal *p, const cJSON *doc, const char *path,
                     tg_error *err)
{
    int rc;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(doc, "shrinkage");
    const cJSON *prev = cJSON_GetObjectItemCaseSensitive(doc, "previous_calibration");
    const cJSON *wins = cJSON_GetObjectItemCaseSensitive(data, "windows");
    const cJSON *strength = cJSON_GetObjectItemCaseSensitive(sh, "strength");
    const cJSON *nwin = cJSON_GetObjectItemCaseSensitive(sh, "windows");
    const cJSON *level = cJSON_GetObjectItemCaseSensitive(doc, "ci_level");
    if ((rc = get_str(doc, "model_id", "model_id", 200, path, &p->model_id, err)) ||
        (rc = get_str(doc, "model_version", "model_version", 64, path,
                      &p->model_version, err)) ||
        (rc = get_str(doc, "calibrated_at", "calibrated_at", 40, path,
                      &p->calibrated_at, err)) ||
        (rc = get_str(doc, "rules_file", "rules_file", 1024, path,
                      &p->rules_file, err)) ||
        (rc = get_sha(doc, "rules_sha256", "rules_sha256", path,
                      &p->rules_sha256, err)))
        return rc;
    /* What sets a proposal apart from a plain calibration table. */
    if (!cJSON_IsObject(sh))
        return key_error(err, path, "shrinkage",
                         "missing: not a proposal of `monitor --recalibrate` "
                         "(a calibration table without its shrinkage)");
    if (!cJSON_IsNumber(strength) || !(strength->valuedouble >= 0) ||
        strength->valuedouble > 1e9)
        return key_error(err, path, "shrinkage.strength",
                         "expected a number between 0 and 1e9");
    p->strength = strength->valuedouble;
    if (!cJSON_IsObject(data) || !cJSON_IsArray(wins) ||
        cJSON_GetArraySize(wins) < 1 || cJSON_GetArraySize(wins) > 520)
        return key_error(err, path, "data.windows",
                         "expected an array of 1 to 520 window labels");
    p->nwindows = cJSON_GetArraySize(wins);
    if (!cJSON_IsNumber(nwin) || nwin->valuedouble != p->nwindows)
        return key_error(err, path, "shrinkage.windows",
                         "expected the number of data.windows");
    p->windows = calloc((size_t)p->nwindows, sizeof *p->windows);
    if (!p->windows)
        return tg_error_oom(err, path);
    for (int i = 0; i < p->nwindows; i++) {
        char kp[48];
        snprintf(kp, sizeof kp, "data.windows[%d]", i);
        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(wins, i));
        if (!s || !*s || strlen(s) > 16)
            return key_error(err, path, kp, "expected a window label such as "
                                            "2026-W04 or 2026-01");
        p->windows[i] = s;
    }
    if ((rc = get_str(doc, "first_contacted_date", "first_contacted_date", 10,
                      path, &p->first_date, err)) ||
        (rc = get_str(doc, "last_contacted_date", "last_contacted_date", 10,
                      path, &p->last_date, err)) ||
        (rc = get_str(doc, "ci_method", "ci_method", 40, path, &p->ci_method,
                      err)))
        return rc;
    if (!cJSON_IsNumber(level) || !(level->valuedouble > 0 &&
                                     level->valuedouble < 1))
        return key_error(err, path, "ci_level", "expected a number between 0 "
                                                "and 1");
    p->ci_level = level->valuedouble;
    if (!cJSON_IsObject(prev))
        return key_error(err, path, "previous_calibration",
                         "expected an object {file, sha256}");
    if ((rc = get_str(prev, "file", "previous_calibration.file", 1024, path,
                      &p->previous_file, err)) ||
        (rc = get_sha(prev, "sha256", "previous_calibration.sha256", path,
                      &p->previous_sha256, err)))
        return rc;
    return TG_OK;
}

static int load_tiers(tg_recal_proposal *p, const cJSON *doc, const char *path,
                      tg_error *err)
{
    int rc;
    const cJSON *tiers = cJSON_GetObjectItemCaseSensitive(doc, "tiers");
    if (!cJSON_IsArray(tiers) || cJSON_GetArraySize(tiers) < 1 ||
        cJSON_GetArraySize(tiers) > 4096)
        return key_error(err, path, "tiers", "expected an array of tiers");
    p->ntiers = cJSON_GetArraySize(tiers);
    p->tiers = calloc((size_t)p->ntiers, sizeof *p->tiers);
    if (!p->tiers)
        return tg_error_oom(err, path);
    for (int i = 0; i < p->ntiers; i++)
        if ((rc = load_tier(cJSON_GetArrayItem(tiers, i), i, path,
                            &p->tiers[i], err)))
            return rc;
    return TG_OK;
}

int tg_recal_proposal_load(tg_recal_proposal *p, const char *path,
                           tg_error *err)
{
    memset(p, 0, sizeof *p);
    char *text = NULL;
    size_t len = 0;
    cJSON *doc = NULL;
    int rc = tg_read_file(&text, &len, path, TG_MAX_JSON_BYTES, err);
    if (rc)
        return rc;
    /* The hash of the bytes parsed, not of a second read. */
    tg_sha256_buffer(text, len, p->sha256);
    rc = tg_json_parse(&doc, text, path, err);
    free(text);
    if (rc)
        return rc;
    p->doc_ = doc;
    p->path = strdup(path);
    if (!p->path) {
        tg_recal_proposal_release(p);
        return tg_error_oom(err, path);
    }
    if (!cJSON_IsObject(doc)) {
        tg_recal_proposal_release(p);
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "expected a JSON object (a proposed calibration "
                            "table)");
    }
    if ((rc = load_keys(p, doc, path, err)) ||
        (rc = load_tiers(p, doc, path, err)))
        goto fail;
    return TG_OK;
fail:
    tg_recal_proposal_release(p);
    return rc;
}

int tg_recal_proposal_match(tg_recal_proposal *p, const tg_rules *r,
                            tg_error *err)
{
    if (strcmp(p->model_version, r->model_version) != 0)
        return tg_error_set(err, TG_EINVAL, p->path, 0, 0,
                            "key 'model_version': the proposal is for '%s', "
                            "the rules are '%s'", p->model_version,
                            r->model_version);
    if (strcmp(p->rules_sha256, r->sha256) != 0)
        return tg_error_set(err, TG_EINVAL, p->path, 0, 0,
                            "key 'rules_sha256': the proposal was computed "
                            "from other rules than %s (its SHA-256 is "
                            "%.12s..., the proposal records %.12s...)",
                            r->path, r->sha256, p->rules_sha256);
    if (p->ntiers != r->ntiers)
        return tg_error_set(err, TG_EINVAL, p->path, 0, 0,
                            "key 'tiers': %d entries, the rules have %d tiers",
                            p->ntiers, r->ntiers);
    /* Into the rule set's order, each tier exactly once. */
    tg_recal_tier *sorted = calloc((size_t)r->ntiers, sizeof *sorted);
    unsigned char *seen = calloc((size_t)r->ntiers, 1);
    if (!sorted || !seen) {
        free(sorted);
        free(seen);
        return tg_error_oom(err, p->path);
    }
    for (int i = 0; i < p->ntiers; i++) {
        int k = tg_rules_tier_index(r, p->tiers[i].tier);
        if (k < 0 || seen[k]) {
            free(sorted);
            free(seen);
            return tg_error_set(err, TG_EINVAL, p->path, 0, 0,
                                "key 'tiers[%d].score_tier': %s", i,
                                k < 0 ? "not a tier of the rules"
                                      : "given twice");
        }
        seen[k] = 1;
        sorted[k] = p->tiers[i];
    }
    free(seen);
    free(p->tiers);
    p->tiers = sorted;
    /* Adopting it means the monitor reads it as its calibration. */
    tg_monitor_baseline b;
    int rc = tg_monitor_baseline_load(&b, p->path, r, err);
    if (rc == TG_OK)
        tg_monitor_baseline_release(&b);
    return rc;
}

void tg_recal_proposal_release(tg_recal_proposal *p)
{
    if (!p)
        return;
    free(p->path);
    free(p->windows);
    free(p->tiers);
    cJSON_Delete(p->doc_);
    memset(p, 0, sizeof *p);
}
