/*
 * The edits of a variant, applied in order to a copy of the base rule
 * set's document: set one constant, rewrite a `when`, add, remove or
 * merge tiers. Each records what it changed; a bad edit is an error
 * naming its variant and key.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_score.h"
#include "tg_sweep_internal.h"

static void change(tg_sweep_edit_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void change(tg_sweep_edit_ctx *x, const char *fmt, ...)
{
    va_list ap;
    if (x->nchanges++)
        fputs("; ", x->changes);
    va_start(ap, fmt);
    vfprintf(x->changes, fmt, ap);
    va_end(ap);
}

/* The non-default tier named by key, or an error. */
static int tier_arg(tg_sweep_edit_ctx *x, const cJSON *e, const char *kp,
                    const char *key, cJSON **tier, int *idx, tg_error *err)
{
    const char *name = tg_sweep_str_key(e, key);
    char k[160];
    snprintf(k, sizeof k, "%s.%s", kp, key);
    if (!name)
        return tg_sweep_verr(err, x->s, x->variant, k, "expected a tier name");
    if (!(*tier = tg_sweep_find_tier(x->doc, name, idx)))
        return tg_sweep_verr(err, x->s, x->variant, k,
                             "no tier '%s' (the default "
                             "tier cannot be edited)",
                             name);
    return TG_OK;
}

static int edit_set(tg_sweep_edit_ctx *x, const cJSON *e, const char *kp,
                    tg_error *err)
{
    cJSON *tier;
    int idx, feat, op, rc;
    char k[160], why[200];
    if ((rc = tier_arg(x, e, kp, "tier", &tier, &idx, err)))
        return rc;
    const char *at = tg_sweep_str_key(e, "at");
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(e, "value");
    const char *rest;
    snprintf(k, sizeof k, "%s.at", kp);
    if (!at)
        return tg_sweep_verr(err, x->s, x->variant, k,
                             "expected a string such as "
                             "\"firm_rep_count_at_contact <=\"");
    if (tg_sweep_at_parse(x->base, at, &feat, &op, &rest, why) < 0)
        return tg_sweep_verr(err, x->s, x->variant, k, "%s", why);
    while (*rest == ' ')
        rest++;
    if (*rest)
        return tg_sweep_verr(err, x->s, x->variant, k,
                             "unexpected '%.40s' after the "
                             "operator",
                             rest);
    snprintf(k, sizeof k, "%s.value", kp);
    if (!cJSON_IsNumber(val) || !isfinite(val->valuedouble))
        return tg_sweep_verr(err, x->s, x->variant, k, "expected a number");
    double old;
    const char *tname = tg_sweep_str_key(tier, "name");
    snprintf(k, sizeof k, "%s.at", kp);
    if (tg_sweep_replace_constant(tier, x->base, feat, op, val->valuedouble,
                                  &old, why) < 0)
        return tg_sweep_verr(err, x->s, x->variant, k, "tier '%s': %s", tname,
                             why);
    char a[32], b[32];
    change(x, "%s: %s %s %s -> %s", tname, x->base->features[feat].name,
           tg_sweep_at_name(op), tg_fmt_number(old, a),
           tg_fmt_number(val->valuedouble, b));
    return TG_OK;
}

static int edit_when(tg_sweep_edit_ctx *x, const cJSON *e, const char *kp,
                     tg_error *err)
{
    cJSON *tier;
    int idx, rc;
    if ((rc = tier_arg(x, e, kp, "tier", &tier, &idx, err)))
        return rc;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(e, "when");
    char k[160];
    snprintf(k, sizeof k, "%s.when", kp);
    if (!cJSON_IsString(w) && !cJSON_IsArray(w))
        return tg_sweep_verr(err, x->s, x->variant, k,
                             "expected a string or an "
                             "array of lines");
    /* Checked when the variant is compiled, with the tier's name. */
    cJSON *copy = cJSON_Duplicate(w, 1);
    if (!copy)
        return tg_error_oom(err, NULL);
    if (cJSON_GetObjectItemCaseSensitive(tier, "when"))
        cJSON_ReplaceItemInObjectCaseSensitive(tier, "when", copy);
    else
        cJSON_AddItemToObject(tier, "when", copy);
    change(x, "%s: when rewritten", tg_sweep_str_key(tier, "name"));
    return TG_OK;
}

/*
 * Insert item into the doc's tiers before index idx by rebuilding the
 * array: cJSON_InsertItemInArray of the packaged cJSON (1.7.15) drops
 * an item inserted in the middle of an array.
 */
static int insert_tier(cJSON *doc, int idx, cJSON *item)
{
    cJSON *old = tg_sweep_tiers(doc), *arr = cJSON_CreateArray();
    if (!arr)
        return TG_ENOMEM;
    int i = 0;
    while (cJSON_GetArraySize(old) > 0) {
        if (i++ == idx)
            cJSON_AddItemToArray(arr, item);
        cJSON_AddItemToArray(arr, cJSON_DetachItemFromArray(old, 0));
    }
    if (i <= idx)
        cJSON_AddItemToArray(arr, item);
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "tiers", arr);
    return TG_OK;
}

static int edit_add(tg_sweep_edit_ctx *x, const cJSON *e, const char *kp,
                    tg_error *err)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "tier");
    char k[160];
    snprintf(k, sizeof k, "%s.tier", kp);
    if (!cJSON_IsObject(t) || !tg_sweep_str_key(t, "name"))
        return tg_sweep_verr(err, x->s, x->variant, k,
                             "expected a tier object with "
                             "a name");
    cJSON *arr = tg_sweep_tiers(x->doc), *copy = cJSON_Duplicate(t, 1);
    if (!copy)
        return tg_error_oom(err, NULL);
    const char *before = tg_sweep_str_key(e, "before");
    if (before) {
        int idx;
        if (!tg_sweep_find_tier(x->doc, before, &idx)) {
            cJSON_Delete(copy);
            snprintf(k, sizeof k, "%s.before", kp);
            return tg_sweep_verr(err, x->s, x->variant, k, "no tier '%s'",
                                 before);
        }
        if (insert_tier(x->doc, idx, copy) != TG_OK) {
            cJSON_Delete(copy);
            return tg_error_oom(err, NULL);
        }
        change(x, "added %s before %s", tg_sweep_str_key(t, "name"), before);
    } else {
        cJSON_AddItemToArray(arr, copy);
        change(x, "added %s last", tg_sweep_str_key(t, "name"));
    }
    return TG_OK;
}

static int edit_remove(tg_sweep_edit_ctx *x, const cJSON *e, const char *kp,
                       tg_error *err)
{
    cJSON *tier;
    int idx, rc;
    if ((rc = tier_arg(x, e, kp, "tier", &tier, &idx, err)))
        return rc;
    change(x, "removed %s", tg_sweep_str_key(tier, "name"));
    cJSON_DeleteItemFromArray(tg_sweep_tiers(x->doc), idx);
    return TG_OK;
}

/* The two tiers a merge names, the earlier one first. */
static int merge_pair(tg_sweep_edit_ctx *x, const cJSON *e, const char *kp,
                      cJSON **a, int *ia, cJSON **b, int *ib, tg_error *err)
{
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(e, "tiers");
    char k[160];
    snprintf(k, sizeof k, "%s.tiers", kp);
    if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) != 2 ||
        !cJSON_IsString(cJSON_GetArrayItem(names, 0)) ||
        !cJSON_IsString(cJSON_GetArrayItem(names, 1)))
        return tg_sweep_verr(err, x->s, x->variant, k,
                             "expected two tier names");
    const char *na = cJSON_GetArrayItem(names, 0)->valuestring;
    const char *nb = cJSON_GetArrayItem(names, 1)->valuestring;
    *a = tg_sweep_find_tier(x->doc, na, ia);
    *b = tg_sweep_find_tier(x->doc, nb, ib);
    if (!*a || !*b)
        return tg_sweep_verr(err, x->s, x->variant, k, "no tier '%s'",
                             *a ? nb : na);
    if (*ia == *ib)
        return tg_sweep_verr(err, x->s, x->variant, k,
                             "a tier cannot merge with itself");
    if (*ib < *ia) {
        cJSON *t = *a;
        *a = *b;
        *b = t;
        int ti = *ia;
        *ia = *ib;
        *ib = ti;
    }
    return TG_OK;
}

/* The merged condition (A) OR (B) as lines, the parentheses on lines of
 * their own: a "--" comment in a condition runs to the end of its line.
 * NULL when a tier has no condition or memory runs out. */
static cJSON *merged_when(const cJSON *a, const cJSON *b)
{
    char *wa = tg_sweep_when_text(a), *wb = tg_sweep_when_text(b);
    cJSON *lines = wa && wb ? cJSON_CreateArray() : NULL;
    const char *parts[] = {"(", wa, ") OR (", wb, ")"};
    for (int p = 0; lines && p < 5; p++)
        if (tg_sweep_add_lines(lines, parts[p]) != TG_OK) {
            cJSON_Delete(lines);
            lines = NULL;
        }
    free(wa);
    free(wb);
    return lines;
}

/* The keys of a tier the merge edit sets on the merged tier. */
static void override_keys(cJSON *merged, const cJSON *e)
{
    static const char *const keys[] = {
        "display",       "expected_conversion_rate",
        "expected_lift", "priority_rank",
        "action",        "explanation"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, keys[i]);
        if (!v)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(merged, keys[i]);
        cJSON_AddItemToObject(merged, keys[i], cJSON_Duplicate(v, 1));
    }
}

/*
 * Merge two tiers into one at the earlier one's place: its condition is
 * (A) OR (B), so a lead either tier took goes to the merged tier. When
 * the two are not adjacent, leads of the later one that a tier between
 * them took move to the merged tier too: first match is kept.
 */
static int edit_merge(tg_sweep_edit_ctx *x, const cJSON *e, const char *kp,
                      tg_error *err)
{
    cJSON *a = NULL, *b = NULL;
    int ia = 0, ib = 0;
    int rc = merge_pair(x, e, kp, &a, &ia, &b, &ib, err);
    if (rc)
        return rc;
    cJSON *merged = cJSON_Duplicate(a, 1), *lines = merged_when(a, b);
    if (!merged || !lines) {
        cJSON_Delete(merged);
        cJSON_Delete(lines);
        return tg_error_oom(err, NULL);
    }
    cJSON_ReplaceItemInObjectCaseSensitive(merged, "when", lines);
    const char *name = tg_sweep_str_key(e, "name");
    if (cJSON_GetObjectItemCaseSensitive(e, "name") && !name) {
        char k[160];
        snprintf(k, sizeof k, "%s.name", kp);
        cJSON_Delete(merged);
        return tg_sweep_verr(err, x->s, x->variant, k, "expected a tier name");
    }
    char merged_name[300];
    snprintf(merged_name, sizeof merged_name, "%s",
             name ? name : tg_sweep_str_key(a, "name"));
    cJSON_ReplaceItemInObjectCaseSensitive(merged, "name",
                                           cJSON_CreateString(merged_name));
    override_keys(merged, e);
    change(x, "merged %s + %s as %s", tg_sweep_str_key(a, "name"),
           tg_sweep_str_key(b, "name"), merged_name);
    cJSON *arr = tg_sweep_tiers(x->doc);
    cJSON_DeleteItemFromArray(arr, ib);
    cJSON_ReplaceItemInArray(arr, ia, merged);
    return TG_OK;
}

int tg_sweep_apply_edit(tg_sweep_edit_ctx *x, const cJSON *e, const char *kp,
                        tg_error *err)
{
    if (!cJSON_IsObject(e))
        return tg_sweep_verr(err, x->s, x->variant, kp,
                             "expected an edit object");
    const char *op = tg_sweep_str_key(e, "op");
    char k[160];
    snprintf(k, sizeof k, "%s.op", kp);
    if (!op)
        return tg_sweep_verr(err, x->s, x->variant, k,
                             "expected one of set, when, "
                             "add_tier, remove_tier, merge");
    if (strcmp(op, "set") == 0)
        return edit_set(x, e, kp, err);
    if (strcmp(op, "when") == 0)
        return edit_when(x, e, kp, err);
    if (strcmp(op, "add_tier") == 0)
        return edit_add(x, e, kp, err);
    if (strcmp(op, "remove_tier") == 0)
        return edit_remove(x, e, kp, err);
    if (strcmp(op, "merge") == 0)
        return edit_merge(x, e, kp, err);
    return tg_sweep_verr(err, x->s, x->variant, k,
                         "unknown edit '%s' (set, when, "
                         "add_tier, remove_tier, merge)",
                         op);
}
