/*
 * The gate result's schema, checked key by key. The closed sets are
 * taken from the writers' own name functions (tg_status_name, ...), so a
 * status the gate engine gains is accepted here without a second list.
 */
#include "tg_result_check.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_gate.h"
#include "tg_policy.h"
#include "tg_stats.h"
#include "tg_tally.h"

/* Largest count a double holds exactly. */
#define MAX_COUNT 9007199254740992.0

typedef struct {
    const char *path;
    tg_error *err;
    char key[160]; /* the key being checked, for messages */
} ctx;

static int bad(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(ctx *c, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tg_error_set(c->err, TG_EINVAL, c->path, 0, 0,
                        "key '%s': %s (is this what `tiergate gate --json` "
                        "wrote?)",
                        c->key, msg);
}

static const cJSON *at(ctx *c, const cJSON *o, const char *prefix,
                       const char *k)
{
    snprintf(c->key, sizeof c->key, "%s%s%s", prefix, *prefix ? "." : "", k);
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int string(ctx *c, const cJSON *v, int nullable)
{
    if (nullable && cJSON_IsNull(v))
        return TG_OK;
    if (!cJSON_IsString(v))
        return bad(c, v ? "expected a string" : "missing");
    return TG_OK;
}

typedef const char *(*namer)(int);

static const char *status_n(int i) { return tg_status_name((tg_gate_status)i); }
static const char *overall_n(int i) { return tg_overall_name((tg_overall)i); }
static const char *check_n(int i) { return tg_check_name((tg_check)i); }
static const char *ci_n(int i) { return tg_ci_name((tg_ci_method)i); }
static const char *split_n(int i) { return i < 4 ? tg_split_name(i - 1) : "unknown"; }
static const char *severity_n(int i) { return i == 0 ? "block" : i == 1 ? "warn" : "unknown"; }
static const char *judge_n(int i) { return i < 2 ? tg_judge_name((tg_judge)i) : "unknown"; }
static const char *inconclusive_n(int i)
{
    return i < 2 ? tg_inconclusive_name((tg_inconclusive)i) : "unknown";
}

/* A word from the set that name(0), name(1), ... spell ("unknown", or a
 * name met before, ends it: name functions map what is out of range to
 * "unknown" or to one of their names). */
static int word(ctx *c, const cJSON *v, namer name)
{
    int rc = string(c, v, 0);
    if (rc)
        return rc;
    char set[400] = "";
    size_t n = 0;
    for (int i = 0; i < 32; i++) {
        const char *w = name(i);
        int again = !strcmp(w, "unknown");
        for (int k = 0; k < i && !again; k++)
            again = !strcmp(w, name(k));
        if (again)
            break;
        if (!strcmp(v->valuestring, w))
            return TG_OK;
        n += (size_t)snprintf(set + n, n < sizeof set ? sizeof set - n : 0,
                              "%s%s", n ? ", " : "", w);
    }
    char shown[64];
    return bad(c, "'%s' is not one of %s",
               tg_esc_term_buf(v->valuestring, shown, sizeof shown), set);
}

/* A finite number in [lo, hi]; null allowed when nullable. */
static int number(ctx *c, const cJSON *v, double lo, double hi, int nullable)
{
    if (nullable && cJSON_IsNull(v))
        return TG_OK;
    if (!cJSON_IsNumber(v))
        return bad(c, v ? "expected a number" : "missing");
    if (!isfinite(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi)
        return bad(c, "%g is outside %g to %g", v->valuedouble, lo, hi);
    return TG_OK;
}

static int count(ctx *c, const cJSON *v)
{
    if (!cJSON_IsNumber(v))
        return bad(c, v ? "expected a number" : "missing");
    double x = v->valuedouble;
    if (!isfinite(x) || x < 0 || x > MAX_COUNT || x != floor(x))
        return bad(c, "%g is not a count (a whole number, 0 or more)", x);
    return TG_OK;
}

/* Hex of the given length (a SHA-256 or a commit); null when nullable. */
static int hex(ctx *c, const cJSON *v, size_t len, int nullable)
{
    int rc = string(c, v, nullable);
    if (rc || cJSON_IsNull(v))
        return rc;
    const char *s = v->valuestring;
    size_t n = strspn(s, "0123456789abcdef");
    if (n != len || s[n])
        return bad(c, "expected %zu lowercase hex digits", len);
    return TG_OK;
}

static int check_provenance(ctx *c, const cJSON *p)
{
    int rc;
    if (!cJSON_IsObject(p))
        return bad(c, p ? "expected an object" : "missing");
    if ((rc = string(c, at(c, p, "provenance", "rules_file"), 0)) ||
        (rc = hex(c, at(c, p, "provenance", "rules_sha256"), 64, 0)) ||
        (rc = string(c, at(c, p, "provenance", "policy_file"), 0)) ||
        (rc = hex(c, at(c, p, "provenance", "policy_sha256"), 64, 0)) ||
        (rc = count(c, at(c, p, "provenance", "rows"))) ||
        (rc = count(c, at(c, p, "provenance", "skipped_rows"))))
        return rc;
    const cJSON *v;
    if ((v = at(c, p, "provenance", "data_sha256")) &&
        (rc = hex(c, v, 64, 1)))
        return rc;
    if ((v = at(c, p, "provenance", "commit")) && (rc = hex(c, v, 40, 1)))
        return rc;
    return TG_OK;
}

static int check_interval(ctx *c, const cJSON *o, const char *prefix,
                          const char *lo_key, const char *hi_key, double max)
{
    const cJSON *lo = at(c, o, prefix, lo_key);
    int rc = number(c, lo, 0, max, 1);
    if (rc)
        return rc;
    const cJSON *hi = at(c, o, prefix, hi_key);
    if ((rc = number(c, hi, 0, max, 1)))
        return rc;
    if (cJSON_IsNumber(lo) && cJSON_IsNumber(hi) &&
        lo->valuedouble > hi->valuedouble)
        return bad(c, "the interval's upper end %g is below its lower end %g",
                   hi->valuedouble, lo->valuedouble);
    return TG_OK;
}

static int check_gate(ctx *c, const cJSON *g, int i)
{
    char p[32];
    snprintf(p, sizeof p, "gates[%d]", i);
    int rc;
    if (!cJSON_IsObject(g)) {
        snprintf(c->key, sizeof c->key, "%s", p);
        return bad(c, "expected an object");
    }
    if ((rc = string(c, at(c, g, p, "id"), 0)) ||
        (rc = string(c, at(c, g, p, "description"), 0)) ||
        (rc = word(c, at(c, g, p, "check"), check_n)) ||
        (rc = word(c, at(c, g, p, "severity"), severity_n)) ||
        (rc = word(c, at(c, g, p, "status"), status_n)) ||
        (rc = string(c, at(c, g, p, "tier"), 1)) ||
        (rc = word(c, at(c, g, p, "split"), split_n)) ||
        (rc = number(c, at(c, g, p, "actual"), -HUGE_VAL, HUGE_VAL, 1)) ||
        (rc = check_interval(c, g, p, "ci_lower", "ci_upper", HUGE_VAL)) ||
        (rc = string(c, at(c, g, p, "message"), 0)))
        return rc;
    const cJSON *v = at(c, g, p, "judge");
    if (v && (rc = word(c, v, judge_n)))
        return rc;
    if ((v = at(c, g, p, "slice")) && (rc = string(c, v, 0)))
        return rc;
    if ((v = at(c, g, p, "inconclusive")) && (rc = word(c, v, inconclusive_n)))
        return rc;
    if ((v = at(c, g, p, "blocks")) && !cJSON_IsBool(v))
        return bad(c, "expected true or false");
    v = at(c, g, p, "threshold");
    if (cJSON_IsArray(v)) {
        if (cJSON_GetArraySize(v) != 2)
            return bad(c, "expected a number or a [low, high] pair");
        for (int k = 0; k < 2; k++)
            if ((rc = number(c, cJSON_GetArrayItem(v, k), -HUGE_VAL,
                             HUGE_VAL, 0)))
                return rc;
        if (cJSON_GetArrayItem(v, 0)->valuedouble >
            cJSON_GetArrayItem(v, 1)->valuedouble)
            return bad(c, "the low end is above the high end");
        return TG_OK;
    }
    return v ? number(c, v, -HUGE_VAL, HUGE_VAL, 1) : bad(c, "missing");
}

static int check_split(ctx *c, const cJSON *s, const char *name)
{
    char p[32];
    snprintf(p, sizeof p, "splits.%s", name);
    int rc;
    if (!cJSON_IsObject(s)) {
        snprintf(c->key, sizeof c->key, "%s", p);
        return bad(c, s ? "expected an object" : "missing");
    }
    if ((rc = count(c, at(c, s, p, "rows"))) ||
        (rc = count(c, at(c, s, p, "labeled"))) ||
        (rc = count(c, at(c, s, p, "conversions"))) ||
        (rc = number(c, at(c, s, p, "baseline_rate"), 0, 1, 1)))
        return rc;
    const cJSON *tiers = at(c, s, p, "tiers");
    if (!cJSON_IsArray(tiers))
        return bad(c, tiers ? "expected an array" : "missing");
    int i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, tiers)
    {
        char q[64];
        snprintf(q, sizeof q, "%s.tiers[%d]", p, i++);
        if (!cJSON_IsObject(t)) {
            snprintf(c->key, sizeof c->key, "%s", q);
            return bad(c, "expected an object");
        }
        if ((rc = string(c, at(c, t, q, "tier"), 0)) ||
            (rc = count(c, at(c, t, q, "leads"))) ||
            (rc = count(c, at(c, t, q, "labeled"))) ||
            (rc = count(c, at(c, t, q, "conversions"))))
            return rc;
        double n = cJSON_GetObjectItem(t, "leads")->valuedouble,
               lab = cJSON_GetObjectItem(t, "labeled")->valuedouble,
               conv = cJSON_GetObjectItem(t, "conversions")->valuedouble;
        if (lab > n || conv > lab) {
            snprintf(c->key, sizeof c->key, "%s", q);
            return bad(c, "conversions <= labeled <= leads does not hold "
                          "(%g, %g, %g)", conv, lab, n);
        }
        if ((rc = number(c, at(c, t, q, "conversion_rate"), 0, 1, 1)) ||
            (rc = check_interval(c, t, q, "ci_lower", "ci_upper", 1)) ||
            (rc = number(c, at(c, t, q, "lift"), 0, HUGE_VAL, 1)) ||
            (rc = check_interval(c, t, q, "lift_ci_lower", "lift_ci_upper",
                                 HUGE_VAL)))
            return rc;
        const cJSON *v;
        if ((v = at(c, t, q, "fisher_p")) && (rc = number(c, v, 0, 1, 1)))
            return rc;
        if ((v = at(c, t, q, "fisher_p_holm")) && (rc = number(c, v, 0, 1, 1)))
            return rc;
    }
    return TG_OK;
}

/*
 * gate --slice: "slices": [{"slice", "column", "values": [{"value"
 * (string or null), "leads", "splits": {"TRAIN", "TEST"}}]}], each
 * split as the whole result's.
 */
static int check_slices(ctx *c, const cJSON *sl)
{
    if (!sl)
        return TG_OK;
    if (!cJSON_IsArray(sl))
        return bad(c, "expected an array");
    int i = 0, rc;
    const cJSON *x;
    cJSON_ArrayForEach(x, sl)
    {
        char p[32];
        snprintf(p, sizeof p, "slices[%d]", i++);
        if (!cJSON_IsObject(x)) {
            snprintf(c->key, sizeof c->key, "%s", p);
            return bad(c, "expected an object");
        }
        if ((rc = string(c, at(c, x, p, "slice"), 0)) ||
            (rc = string(c, at(c, x, p, "column"), 0)))
            return rc;
        const cJSON *vals = at(c, x, p, "values");
        if (!cJSON_IsArray(vals))
            return bad(c, vals ? "expected an array" : "missing");
        int k = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, vals)
        {
            char q[64];
            snprintf(q, sizeof q, "%s.values[%d]", p, k++);
            if (!cJSON_IsObject(v)) {
                snprintf(c->key, sizeof c->key, "%s", q);
                return bad(c, "expected an object");
            }
            if ((rc = string(c, at(c, v, q, "value"), 1)) ||
                (rc = count(c, at(c, v, q, "leads"))))
                return rc;
            const cJSON *sp = at(c, v, q, "splits");
            if (!cJSON_IsObject(sp))
                return bad(c, sp ? "expected an object" : "missing");
            if ((rc = check_split(c, cJSON_GetObjectItem(sp, "TRAIN"),
                                  "TRAIN")) ||
                (rc = check_split(c, cJSON_GetObjectItem(sp, "TEST"), "TEST")))
                return rc;
        }
    }
    return TG_OK;
}

int tg_result_check(const cJSON *doc, const char *path, tg_error *err)
{
    ctx c = {path, err, ""};
    int rc;
    if (!cJSON_IsObject(doc))
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "expected a JSON object (what `tiergate gate "
                            "--json` writes)");
    if ((rc = word(&c, at(&c, doc, "", "status"), overall_n)) ||
        (rc = string(&c, at(&c, doc, "", "model_id"), 0)) ||
        (rc = string(&c, at(&c, doc, "", "model_version"), 0)) ||
        (rc = string(&c, at(&c, doc, "", "policy"), 0)) ||
        (rc = word(&c, at(&c, doc, "", "ci_method"), ci_n)) ||
        (rc = number(&c, at(&c, doc, "", "ci_level"), 1e-9, 1 - 1e-9, 0)) ||
        (rc = string(&c, at(&c, doc, "", "generated_at"), 0)) ||
        (rc = check_provenance(&c, at(&c, doc, "", "provenance"))))
        return rc;
    const cJSON *sum = at(&c, doc, "", "summary"), *v;
    if (!cJSON_IsObject(sum))
        return bad(&c, sum ? "expected an object" : "missing");
    cJSON_ArrayForEach(v, sum)
    {
        snprintf(c.key, sizeof c.key, "summary.%s", v->string);
        if ((rc = count(&c, v)))
            return rc;
    }
    const cJSON *gates = at(&c, doc, "", "gates");
    if (!cJSON_IsArray(gates))
        return bad(&c, gates ? "expected an array" : "missing");
    int i = 0;
    cJSON_ArrayForEach(v, gates)
    {
        if ((rc = check_gate(&c, v, i++)))
            return rc;
    }
    const cJSON *splits = at(&c, doc, "", "splits");
    if (!cJSON_IsObject(splits))
        return bad(&c, splits ? "expected an object" : "missing");
    if ((rc = check_split(&c, cJSON_GetObjectItem(splits, "TRAIN"), "TRAIN")) ||
        (rc = check_split(&c, cJSON_GetObjectItem(splits, "TEST"), "TEST")))
        return rc;
    return check_slices(&c, at(&c, doc, "", "slices"));
}
