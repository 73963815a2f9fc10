/*
 * Sweep files and command-line grids into compiled variants. Edits work
 * on the base rule set's JSON document; a constant is replaced in the
 * text of its tier's `when` at the byte offset the parser recorded, so
 * the emitted rule set reads as the base does, comments and layout kept.
 */
#include "tg_sweep.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tg_cond_internal.h"
#include "tg_json.h"
#include "tg_score.h"
#include "tg_util.h"

/* Input decides how many variants there are, and each compiles into a
 * tier table of up to 8 MB: both are bounded so that a sweep file cannot
 * exhaust memory. */
#define TG_SWEEP_MAX_VARIANTS 256
#define TG_SWEEP_MAX_TABLE_BYTES ((size_t)1 << 30)

static const char *metric_names[TG_METRIC_COUNT] = {
    "priority_volume", "priority_conversions", "priority_lift",
    "priority_lift_lower", "tier1_volume", "tier1_lift", "tier1_lift_lower"};

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

/* ---- messages ------------------------------------------------------------ */

static int verr(tg_error *err, const tg_sweep *s, const char *variant,
                const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "variant 'x': key 'edits[1].at': message", naming the sweep file. */
static int verr(tg_error *err, const tg_sweep *s, const char *variant,
                const char *key, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = s->path && *s->path ? s->path : "--vary";
    if (variant && key)
        return tg_error_set(err, TG_EINVAL, file, 0, 0,
                            "variant '%s': key '%s': %s", variant, key, msg);
    if (variant)
        return tg_error_set(err, TG_EINVAL, file, 0, 0, "variant '%s': %s",
                            variant, msg);
    if (key)
        return tg_error_set(err, TG_EINVAL, file, 0, 0, "key '%s': %s", key,
                            msg);
    return tg_error_set(err, TG_EINVAL, file, 0, 0, "%s", msg);
}

/* Variant names go into SQL literals, CSV cells, HTML and file names of
 * reports: a short, plain alphabet keeps every one of them safe. */
static int valid_variant_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100)
        return 0;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("_.:+<>=!-", *p)))
            return 0;
    return 1;
}

/* ---- the document -------------------------------------------------------- */

static cJSON *tiers_of(cJSON *doc)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "tiers");
    return cJSON_IsArray(t) ? t : NULL;
}

/* The tier object called name, its index in *idx. */
static cJSON *find_tier(cJSON *doc, const char *name, int *idx)
{
    cJSON *arr = tiers_of(doc), *it;
    int i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
            if (idx)
                *idx = i;
            return it;
        }
        i++;
    }
    return NULL;
}

/* A tier's `when` as one text (lines joined by '\n'); NULL if absent. */
static char *when_text(const cJSON *tier)
{
    char *t = NULL;
    if (tg_json_get_text(tier, "when", 1, "", "", &t, NULL) != TG_OK)
        return NULL;
    return t;
}

/* Store text as the tier's `when`, as lines when the base used lines. */
static int set_when(cJSON *tier, const char *text)
{
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(tier, "when");
    cJSON *v;
    if (cJSON_IsArray(old)) {
        v = cJSON_CreateArray();
        const char *p = text;
        for (;;) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            char *line = strndup(p, len);
            cJSON *s = line ? cJSON_CreateString(line) : NULL;
            free(line);
            if (!v || !s) {
                cJSON_Delete(s);
                cJSON_Delete(v);
                return TG_ENOMEM;
            }
            cJSON_AddItemToArray(v, s);
            if (!nl)
                break;
            p = nl + 1;
        }
    } else {
        v = cJSON_CreateString(text);
    }
    if (!v)
        return TG_ENOMEM;
    if (cJSON_GetObjectItemCaseSensitive(tier, "when"))
        cJSON_ReplaceItemInObjectCaseSensitive(tier, "when", v);
    else
        cJSON_AddItemToObject(tier, "when", v);
    return TG_OK;
}

static int resolve(void *ctx, const char *name, size_t len)
{
    return tg_rules_feature_index(ctx, name, len);
}

/* ---- addressing one constant: "feature <=" or "feature BETWEEN.high" ---- */

enum { AT_BETWEEN_LOW = 6, AT_BETWEEN_HIGH = 7 };
static const char *at_ops[] = {"=", "<>", "<", "<=", ">", ">=",
                               "BETWEEN.low", "BETWEEN.high"};

/*
 * Parse the address at s into the feature and the operator; *rest is
 * what follows. Returns 0, or -1 with a reason in why.
 */
static int at_parse(const tg_rules *base, const char *s, int *feat, int *op,
                    const char **rest, char why[200])
{
    const char *p = s;
    while (*p == ' ')
        p++;
    const char *name = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    if (p == name) {
        snprintf(why, 200, "expected 'feature OP' (OP one of = <> != < <= > "
                           ">= BETWEEN.low BETWEEN.high)");
        return -1;
    }
    *feat = tg_rules_feature_index(base, name, (size_t)(p - name));
    if (*feat < 0) {
        snprintf(why, 200, "unknown feature '%.*s'",
                 (int)(p - name > 100 ? 100 : p - name), name);
        return -1;
    }
    while (*p == ' ')
        p++;
    if (strncasecmp(p, "BETWEEN.low", 11) == 0) {
        *op = AT_BETWEEN_LOW;
        p += 11;
    } else if (strncasecmp(p, "BETWEEN.high", 12) == 0) {
        *op = AT_BETWEEN_HIGH;
        p += 12;
    } else if (p[0] == '<' && p[1] == '=') {
        *op = TG_OP_LE, p += 2;
    } else if (p[0] == '>' && p[1] == '=') {
        *op = TG_OP_GE, p += 2;
    } else if ((p[0] == '<' && p[1] == '>') || (p[0] == '!' && p[1] == '=')) {
        *op = TG_OP_NE, p += 2;
    } else if (p[0] == '<') {
        *op = TG_OP_LT, p += 1;
    } else if (p[0] == '>') {
        *op = TG_OP_GT, p += 1;
    } else if (p[0] == '=') {
        *op = TG_OP_EQ, p += 1;
    } else {
        snprintf(why, 200, "expected an operator after the feature (= <> "
                           "!= < <= > >= BETWEEN.low BETWEEN.high)");
        return -1;
    }
    *rest = p;
    return 0;
}

/*
 * The node of the constant that (feat, op) addresses in c: exactly one
 * must match. Returns the node index, -1 for none, -2 for several.
 */
static int find_constant(const tg_cond *c, int feat, int op)
{
    int found = -1, n = 0;
    for (int i = 0; i < c->nn; i++) {
        const tg_node *x = &c->n[i];
        int k = -1;
        if (x->kind == TG_N_FCMP && op < AT_BETWEEN_LOW && x->feat == feat &&
            x->op == op)
            k = x->b;
        else if (x->kind == TG_N_BETWEEN && op >= AT_BETWEEN_LOW &&
                 c->n[x->a].kind == TG_N_FEAT && c->n[x->a].feat == feat)
            k = op == AT_BETWEEN_LOW ? x->b : x->c;
        if (k >= 0 && c->n[k].kind == TG_N_NUM) {
            found = k;
            n++;
        }
    }
    return n > 1 ? -2 : found;
}

/*
 * Replace the constant (feat, op) of tier in its `when` by value. On
 * success *old holds the value replaced.
 */
static int replace_constant(cJSON *tier, const tg_rules *base, int feat,
                            int op, double value, double *old, char why[200])
{
    char *text = when_text(tier), *edited = NULL;
    tg_cond *c = NULL, *c2 = NULL;
    int rc = -1;
    if (!text) {
        snprintf(why, 200, "the tier has no condition");
        return -1;
    }
    if (tg_cond_parse(&c, text, resolve, (void *)base, "", NULL) != TG_OK) {
        snprintf(why, 200, "the tier's condition does not parse");
        goto done;
    }
    int k = find_constant(c, feat, op);
    const char *fname = base->features[feat].name;
    if (k < 0) {
        snprintf(why, 200, k == -1 ? "no comparison '%s %s constant' in the "
                                     "tier (rewrite its when instead)"
                                   : "'%s %s' appears more than once in the "
                                     "tier (rewrite its when instead)",
                 fname, at_ops[op]);
        goto done;
    }
    *old = c->n[k].num;
    /* The constant's text: from its offset (a folded sign included) to
     * the end of the number. */
    size_t start = (size_t)c->n[k].pos, i = start;
    while (text[i] && strchr("+- \t\r\n", text[i]))
        i++;
    char *end = NULL;
    strtod(text + i, &end);
    if (!end || end == text + i) {
        snprintf(why, 200, "cannot locate the constant's text");
        goto done;
    }
    char num[32];
    tg_fmt_number(value, num);
    size_t tail = strlen(end), head = start;
    edited = malloc(head + strlen(num) + tail + 1);
    if (!edited) {
        snprintf(why, 200, "out of memory");
        goto done;
    }
    memcpy(edited, text, head);
    strcpy(edited + head, num);
    strcat(edited + head, end);
    /* The edit must say what was meant: the same address now holds the
     * new value (anything else, e.g. "-(3)", asks for a rewrite). */
    if (tg_cond_parse(&c2, edited, resolve, (void *)base, "", NULL) != TG_OK ||
        (k = find_constant(c2, feat, op)) < 0 || c2->n[k].num != value) {
        snprintf(why, 200, "the constant cannot be replaced in place "
                           "(rewrite the tier's when instead)");
        goto done;
    }
    if (set_when(tier, edited) != TG_OK) {
        snprintf(why, 200, "out of memory");
        goto done;
    }
    rc = 0;
done:
    tg_cond_free(c);
    tg_cond_free(c2);
    free(text);
    free(edited);
    return rc;
}

/* ---- edits --------------------------------------------------------------- */

typedef struct {
    tg_sweep *s;
    const tg_rules *base;
    const char *variant;
    cJSON *doc;
    FILE *changes;      /* what changed, "; "-separated */
    int nchanges;
} edit_ctx;

static void change(edit_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void change(edit_ctx *x, const char *fmt, ...)
{
    va_list ap;
    if (x->nchanges++)
        fputs("; ", x->changes);
    va_start(ap, fmt);
    vfprintf(x->changes, fmt, ap);
    va_end(ap);
}

static const char *str_key(const cJSON *e, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The non-default tier named by key, or an error. */
static int tier_arg(edit_ctx *x, const cJSON *e, const char *kp,
                    const char *key, cJSON **tier, int *idx, tg_error *err)
{
    const char *name = str_key(e, key);
    char k[160];
    snprintf(k, sizeof k, "%s.%s", kp, key);
    if (!name)
        return verr(err, x->s, x->variant, k, "expected a tier name");
    if (!(*tier = find_tier(x->doc, name, idx)))
        return verr(err, x->s, x->variant, k, "no tier '%s' (the default "
                    "tier cannot be edited)", name);
    return TG_OK;
}

static int edit_set(edit_ctx *x, const cJSON *e, const char *kp,
                    tg_error *err)
{
    cJSON *tier;
    int idx, feat, op, rc;
    char k[160], why[200];
    if ((rc = tier_arg(x, e, kp, "tier", &tier, &idx, err)))
        return rc;
    const char *at = str_key(e, "at");
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(e, "value");
    const char *rest;
    snprintf(k, sizeof k, "%s.at", kp);
    if (!at)
        return verr(err, x->s, x->variant, k, "expected a string such as "
                    "\"firm_rep_count_at_contact <=\"");
    if (at_parse(x->base, at, &feat, &op, &rest, why) < 0)
        return verr(err, x->s, x->variant, k, "%s", why);
    while (*rest == ' ')
        rest++;
    if (*rest)
        return verr(err, x->s, x->variant, k, "unexpected '%.40s' after the "
                    "operator", rest);
    snprintf(k, sizeof k, "%s.value", kp);
    if (!cJSON_IsNumber(val) || !isfinite(val->valuedouble))
        return verr(err, x->s, x->variant, k, "expected a number");
    double old;
    const char *tname = str_key(tier, "name");
    snprintf(k, sizeof k, "%s.at", kp);
    if (replace_constant(tier, x->base, feat, op, val->valuedouble, &old,
                         why) < 0)
        return verr(err, x->s, x->variant, k, "tier '%s': %s", tname, why);
    char a[32], b[32];
    change(x, "%s: %s %s %s -> %s", tname, x->base->features[feat].name,
           at_ops[op], tg_fmt_number(old, a),
           tg_fmt_number(val->valuedouble, b));
    return TG_OK;
}

static int edit_when(edit_ctx *x, const cJSON *e, const char *kp,
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
        return verr(err, x->s, x->variant, k, "expected a string or an "
                    "array of lines");
    /* Checked when the variant is compiled, with the tier's name. */
    cJSON *copy = cJSON_Duplicate(w, 1);
    if (!copy)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    if (cJSON_GetObjectItemCaseSensitive(tier, "when"))
        cJSON_ReplaceItemInObjectCaseSensitive(tier, "when", copy);
    else
        cJSON_AddItemToObject(tier, "when", copy);
    change(x, "%s: when rewritten", str_key(tier, "name"));
    return TG_OK;
}

/*
 * Insert item into the doc's tiers before index idx by rebuilding the
 * array: cJSON_InsertItemInArray of the packaged cJSON (1.7.15) drops
 * an item inserted in the middle of an array.
 */
static int insert_tier(cJSON *doc, int idx, cJSON *item)
{
    cJSON *old = tiers_of(doc), *arr = cJSON_CreateArray();
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

static int edit_add(edit_ctx *x, const cJSON *e, const char *kp,
                    tg_error *err)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "tier");
    char k[160];
    snprintf(k, sizeof k, "%s.tier", kp);
    if (!cJSON_IsObject(t) || !str_key(t, "name"))
        return verr(err, x->s, x->variant, k, "expected a tier object with "
                    "a name");
    cJSON *arr = tiers_of(x->doc), *copy = cJSON_Duplicate(t, 1);
    if (!copy)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    const char *before = str_key(e, "before");
    if (before) {
        int idx;
        if (!find_tier(x->doc, before, &idx)) {
            cJSON_Delete(copy);
            snprintf(k, sizeof k, "%s.before", kp);
            return verr(err, x->s, x->variant, k, "no tier '%s'", before);
        }
        if (insert_tier(x->doc, idx, copy) != TG_OK) {
            cJSON_Delete(copy);
            return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        }
        change(x, "added %s before %s", str_key(t, "name"), before);
    } else {
        cJSON_AddItemToArray(arr, copy);
        change(x, "added %s last", str_key(t, "name"));
    }
    return TG_OK;
}

static int edit_remove(edit_ctx *x, const cJSON *e, const char *kp,
                       tg_error *err)
{
    cJSON *tier;
    int idx, rc;
    if ((rc = tier_arg(x, e, kp, "tier", &tier, &idx, err)))
        return rc;
    change(x, "removed %s", str_key(tier, "name"));
    cJSON_DeleteItemFromArray(tiers_of(x->doc), idx);
    return TG_OK;
}

/* Keys of a tier a merge may set on the merged tier. */
static const char *merge_keys[] = {"display", "expected_conversion_rate",
                                   "expected_lift", "priority_rank", "action",
                                   "explanation"};

/*
 * Merge two tiers into one at the earlier one's place: its condition is
 * (A) OR (B), so a lead either tier took goes to the merged tier. When
 * the two are not adjacent, leads of the later one that a tier between
 * them took move to the merged tier too: first match is kept.
 */
static int edit_merge(edit_ctx *x, const cJSON *e, const char *kp,
                      tg_error *err)
{
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(e, "tiers");
    char k[160];
    snprintf(k, sizeof k, "%s.tiers", kp);
    if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) != 2 ||
        !cJSON_IsString(cJSON_GetArrayItem(names, 0)) ||
        !cJSON_IsString(cJSON_GetArrayItem(names, 1)))
        return verr(err, x->s, x->variant, k, "expected two tier names");
    const char *na = cJSON_GetArrayItem(names, 0)->valuestring;
    const char *nb = cJSON_GetArrayItem(names, 1)->valuestring;
    int ia, ib;
    cJSON *a = find_tier(x->doc, na, &ia), *b = find_tier(x->doc, nb, &ib);
    if (!a || !b)
        return verr(err, x->s, x->variant, k, "no tier '%s'", a ? nb : na);
    if (ia == ib)
        return verr(err, x->s, x->variant, k, "a tier cannot merge with "
                    "itself");
    if (ib < ia) {
        cJSON *t = a;
        a = b;
        b = t;
        int ti = ia;
        ia = ib;
        ib = ti;
    }
    char *wa = when_text(a), *wb = when_text(b);
    cJSON *merged = cJSON_Duplicate(a, 1);
    cJSON *lines = cJSON_CreateArray();
    int rc = TG_OK;
    if (!wa || !wb || !merged || !lines) {
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    /* Parentheses on lines of their own: a "--" comment in a condition
     * runs to the end of its line. */
    const char *parts[] = {"(", wa, ") OR (", wb, ")"};
    for (int p = 0; p < 5; p++) {
        const char *s = parts[p];
        for (;;) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            char *line = strndup(s, len);
            cJSON_AddItemToArray(lines, cJSON_CreateString(line ? line : ""));
            free(line);
            if (!nl)
                break;
            s = nl + 1;
        }
    }
    cJSON_ReplaceItemInObjectCaseSensitive(merged, "when", lines);
    lines = NULL;
    const char *name = str_key(e, "name");
    if (cJSON_GetObjectItemCaseSensitive(e, "name") && !name) {
        snprintf(k, sizeof k, "%s.name", kp);
        rc = verr(err, x->s, x->variant, k, "expected a tier name");
        goto done;
    }
    char merged_name[300];
    snprintf(merged_name, sizeof merged_name, "%s", name ? name : str_key(a, "name"));
    cJSON_ReplaceItemInObjectCaseSensitive(merged, "name",
                                           cJSON_CreateString(merged_name));
    for (size_t i = 0; i < sizeof merge_keys / sizeof *merge_keys; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, merge_keys[i]);
        if (!v)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(merged, merge_keys[i]);
        cJSON_AddItemToObject(merged, merge_keys[i], cJSON_Duplicate(v, 1));
    }
    change(x, "merged %s + %s as %s", str_key(a, "name"), str_key(b, "name"),
           merged_name);
    cJSON *arr = tiers_of(x->doc);
    cJSON_DeleteItemFromArray(arr, ib);
    cJSON_ReplaceItemInArray(arr, ia, merged);
    merged = NULL;
done:
    free(wa);
    free(wb);
    cJSON_Delete(merged);
    cJSON_Delete(lines);
    return rc;
}

static int apply_edit(edit_ctx *x, const cJSON *e, const char *kp,
                      tg_error *err)
{
    if (!cJSON_IsObject(e))
        return verr(err, x->s, x->variant, kp, "expected an edit object");
    const char *op = str_key(e, "op");
    char k[160];
    snprintf(k, sizeof k, "%s.op", kp);
    if (!op)
        return verr(err, x->s, x->variant, k, "expected one of set, when, "
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
    return verr(err, x->s, x->variant, k, "unknown edit '%s' (set, when, "
                "add_tier, remove_tier, merge)", op);
}

/* ---- variants ------------------------------------------------------------ */

static int add_variant(tg_sweep *s, tg_variant **out, tg_error *err)
{
    if (s->nvariants >= TG_SWEEP_MAX_VARIANTS)
        return verr(err, s, NULL, NULL, "more than %d variants",
                    TG_SWEEP_MAX_VARIANTS);
    if (s->nvariants == s->cap) {
        int ncap = s->cap ? 2 * s->cap : 16;
        tg_variant *nv = realloc(s->variants, (size_t)ncap * sizeof *nv);
        if (!nv)
            return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        s->variants = nv;
        s->cap = ncap;
    }
    *out = &s->variants[s->nvariants++];
    memset(*out, 0, sizeof **out);
    return TG_OK;
}

static int variant_index(const tg_sweep *s, const char *name)
{
    for (int i = 0; i < s->nvariants; i++)
        if (strcmp(s->variants[i].name, name) == 0)
            return i;
    return -1;
}

/*
 * Compile the edited document of a new variant: the text is loaded as a
 * rule set file would be, under the name "SWEEP#variant". The changes
 * are recorded in the document so an emitted rule set says where it
 * came from.
 */
static int finish_variant(tg_sweep *s, const char *name, const char *desc,
                          cJSON *doc, char *changes, tg_error *err)
{
    tg_variant *v;
    int rc = add_variant(s, &v, err);
    if (rc) {
        cJSON_Delete(doc);
        free(changes);
        return rc;
    }
    v->name = strdup(name);
    v->description = strdup(desc ? desc : "");
    v->changes = changes;
    v->doc = doc;
    cJSON *ch = cJSON_GetObjectItemCaseSensitive(doc, "changes");
    if (!cJSON_IsArray(ch)) {
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "changes");
        ch = cJSON_AddArrayToObject(doc, "changes");
    }
    char line[1200];
    snprintf(line, sizeof line, "Sweep %s, variant %s: %s",
             s->sweep_id ? s->sweep_id : "--vary", name, changes);
    cJSON_AddItemToArray(ch, cJSON_CreateString(line));
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "derived_from");
    cJSON *from = cJSON_AddObjectToObject(doc, "derived_from");
    cJSON_AddStringToObject(from, "rules_sha256", s->variants[0].rules->sha256);
    cJSON_AddStringToObject(from, "sweep", s->sweep_id ? s->sweep_id : "");
    cJSON_AddStringToObject(from, "sweep_sha256", s->sha256);
    cJSON_AddStringToObject(from, "variant", name);
    /* Compiled later, all pending variants at once (compile_pending). */
    v->pending = cJSON_Print(doc);
    if (!v->name || !v->description || !v->pending)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    return TG_OK;
}

/* Compiling variants k, k + step, ... of the pending ones. */
typedef struct {
    tg_sweep *s;
    int *which, nwhich;
    int *rcs;
    tg_error *errs;
    int k, step;
} compile_job;

static void *compile_worker(void *arg)
{
    compile_job *j = arg;
    for (int w = j->k; w < j->nwhich; w += j->step) {
        tg_variant *v = &j->s->variants[j->which[w]];
        char path[700];
        snprintf(path, sizeof path, "%s#%s", *j->s->path ? j->s->path : "--vary",
                 v->name);
        tg_error_clear(&j->errs[w]);
        j->rcs[w] = tg_rules_parse(&v->rules, v->pending, strlen(v->pending),
                                   path, &j->errs[w]);
    }
    return NULL;
}

/*
 * Load every pending variant as a rule set file would be, under the
 * name "SWEEP#variant". Compiling builds each variant's tier table, the
 * costly part of a large sweep, so it is spread over the cores; the
 * first error in variant order is reported.
 */
static int compile_pending(tg_sweep *s, tg_error *err)
{
    int *which = malloc((size_t)s->nvariants * sizeof *which), nwhich = 0;
    if (!which)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    for (int i = 0; i < s->nvariants; i++)
        if (s->variants[i].pending && !s->variants[i].rules)
            which[nwhich++] = i;
    int *rcs = calloc((size_t)nwhich + 1, sizeof *rcs);
    tg_error *errs = calloc((size_t)nwhich + 1, sizeof *errs);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores < 1 ? 1 : cores > 8 ? 8 : (int)cores, rc = TG_OK;
    compile_job jobs[8];
    pthread_t th[8];
    int started[8] = {0};
    if (!rcs || !errs) {
        free(which);
        free(rcs);
        free(errs);
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (int k = 0; k < threads; k++) {
        jobs[k] = (compile_job){s, which, nwhich, rcs, errs, k, threads};
        started[k] = k > 0 && pthread_create(&th[k], NULL, compile_worker,
                                             &jobs[k]) == 0;
        if (k > 0 && !started[k])
            compile_worker(&jobs[k]);
    }
    compile_worker(&jobs[0]);
    for (int k = 1; k < threads; k++)
        if (started[k])
            pthread_join(th[k], NULL);
    for (int w = 0; w < nwhich; w++) {
        tg_variant *v = &s->variants[which[w]];
        free(v->pending);
        v->pending = NULL;
        if (rcs[w] != TG_OK && rc == TG_OK) {
            rc = rcs[w];
            if (err)
                *err = errs[w];
        }
    }
    size_t bytes = 0;
    for (int i = 0; i < s->nvariants && rc == TG_OK; i++)
        if (s->variants[i].rules && s->variants[i].rules->map)
            bytes += s->variants[i].rules->map->size *
                     sizeof *s->variants[i].rules->map->tier;
    if (rc == TG_OK && bytes > TG_SWEEP_MAX_TABLE_BYTES)
        rc = verr(err, s, NULL, NULL, "the variants' tier tables take %zu MB "
                  "(at most %zu): split the sweep", bytes >> 20,
                  TG_SWEEP_MAX_TABLE_BYTES >> 20);
    free(which);
    free(rcs);
    free(errs);
    return rc;
}

static int build_variant(tg_sweep *s, const cJSON *obj, int index,
                         tg_error *err)
{
    char kp[64];
    snprintf(kp, sizeof kp, "variants[%d]", index);
    if (!cJSON_IsObject(obj))
        return verr(err, s, NULL, kp, "expected a variant object");
    const char *name = str_key(obj, "name");
    const char *desc = str_key(obj, "description");
    if (!name || !valid_variant_name(name))
        return verr(err, s, NULL, kp, "expected a 'name' of 1-100 letters, "
                    "digits or _.:+<>=!-");
    if (strcmp(name, "base") == 0 || variant_index(s, name) >= 0)
        return verr(err, s, name, NULL, "the name is taken (\"base\" is the "
                    "unchanged rule set)");
    const cJSON *edits = cJSON_GetObjectItemCaseSensitive(obj, "edits");
    const cJSON *combine = cJSON_GetObjectItemCaseSensitive(obj, "combine");
    if (!edits && !combine)
        return verr(err, s, name, NULL, "needs 'edits' or 'combine'");
    if ((edits && !cJSON_IsArray(edits)) || (combine && !cJSON_IsArray(combine)))
        return verr(err, s, name, edits ? "edits" : "combine",
                    "expected an array");
    edit_ctx x = {s, s->variants[0].rules, name, NULL, NULL, 0};
    char *changes = NULL;
    size_t clen;
    x.doc = cJSON_Duplicate(s->variants[0].doc, 1);
    x.changes = open_memstream(&changes, &clen);
    int rc = TG_OK;
    if (!x.doc || !x.changes) {
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    /* A combination replays the edits of earlier variants, in order. */
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, combine)
    {
        char k[64];
        snprintf(k, sizeof k, "combine[%d]", i++);
        const cJSON *src = NULL, *v;
        if (cJSON_IsString(it))
            cJSON_ArrayForEach(v, s->json_variants)
            {
                const char *n = str_key(v, "name");
                if (n && strcmp(n, it->valuestring) == 0 && v != obj)
                    src = v;
            }
        if (!src) {
            rc = verr(err, s, name, k, "expected the name of a variant "
                      "defined with 'edits'");
            goto fail;
        }
        const cJSON *se = cJSON_GetObjectItemCaseSensitive(src, "edits");
        if (!cJSON_IsArray(se)) {
            rc = verr(err, s, name, k, "variant '%s' has no 'edits' (a "
                      "combination combines variants with edits)",
                      it->valuestring);
            goto fail;
        }
        const cJSON *e;
        int j = 0;
        cJSON_ArrayForEach(e, se)
        {
            char ek[160];
            snprintf(ek, sizeof ek, "%s -> edits[%d]", k, j++);
            if ((rc = apply_edit(&x, e, ek, err)))
                goto fail;
        }
    }
    i = 0;
    cJSON_ArrayForEach(it, edits)
    {
        char ek[64];
        snprintf(ek, sizeof ek, "edits[%d]", i++);
        if ((rc = apply_edit(&x, it, ek, err)))
            goto fail;
    }
    if (x.nchanges == 0) {
        rc = verr(err, s, name, NULL, "no edit");
        goto fail;
    }
    fclose(x.changes);
    x.changes = NULL;
    return finish_variant(s, name, desc, x.doc, changes, err);
fail:
    if (x.changes)
        fclose(x.changes);
    free(changes);
    cJSON_Delete(x.doc);
    return rc;
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
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (int m = 0; m < TG_METRIC_COUNT; m++)
        s->objective.min[m] = s->objective.max[m] = NAN;
    s->objective.maximize = TG_METRIC_PRIORITY_VOLUME;
    s->objective.require_blocking = 1;
    int rc = add_variant(s, &v, err);
    if (rc == TG_OK) {
        v->name = strdup("base");
        v->changes = strdup("");
        v->description = strdup("the rule set as it is");
        rc = tg_rules_load(&v->rules, base_path, err);
    }
    if (rc == TG_OK && !(v->doc = cJSON_Duplicate(v->rules->json, 1)))
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
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
    if (rc == TG_OK)
        (*out)->sweep_id = strdup("");
    return rc;
}

static int load_objective(tg_sweep *s, const cJSON *o, tg_error *err)
{
    if (!o)
        return TG_OK;
    if (!cJSON_IsObject(o))
        return verr(err, s, NULL, "objective", "expected an object");
    const char *m = str_key(o, "maximize");
    if (cJSON_GetObjectItemCaseSensitive(o, "maximize")) {
        int k = m ? tg_metric_parse(m) : -1;
        if (k < 0)
            return verr(err, s, NULL, "objective.maximize", "expected one of "
                        "priority_volume, priority_conversions, priority_lift, "
                        "priority_lift_lower, tier1_volume, tier1_lift, "
                        "tier1_lift_lower");
        s->objective.maximize = (tg_metric)k;
    }
    const cJSON *rb = cJSON_GetObjectItemCaseSensitive(o,
                                                       "require_blocking_gates");
    if (rb) {
        if (!cJSON_IsBool(rb))
            return verr(err, s, NULL, "objective.require_blocking_gates",
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
            return verr(err, s, NULL, k, "expected an object of metric: "
                        "number");
        cJSON_ArrayForEach(it, obj)
        {
            int mk = tg_metric_parse(it->string);
            snprintf(k, sizeof k, "objective.%s.%.60s", bounds[b], it->string);
            if (mk < 0)
                return verr(err, s, NULL, k, "unknown metric");
            if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
                return verr(err, s, NULL, k, "expected a number");
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
    int rc = tg_read_file(&text, &len, path, 16u << 20, err);
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
        rc = tg_error_set(err, TG_EINVAL, path, 0, 0, "key 'base': missing "
                          "(or give the base rule set with --rules)");
        goto done;
    }
    if (!base_path && !(base_path = beside = base_beside(path, base))) {
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    if ((rc = sweep_start(&s, path, base_path, err)))
        goto done;
    tg_sha256_buffer(text, len, s->sha256);
    s->sweep_id = strdup(id);
    s->description = strdup(desc ? desc : "");
    if ((rc = load_objective(s, cJSON_GetObjectItemCaseSensitive(root,
                                                                 "objective"),
                             err)))
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
    cJSON_ArrayForEach(it, vars)
        if ((rc = build_variant(s, it, i++, err)))
            goto done;
    rc = compile_pending(s, err);
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

int tg_sweep_add_vary(tg_sweep *s, const char *spec, tg_error *err)
{
    const tg_rules *base = s->variants[0].rules;
    const char *colon = strchr(spec, ':');
    char tier[200], why[200];
    int feat, op, idx;
    const char *rest;
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof tier)
        return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                            "expected TIER:feature OP v1,v2,... such as "
                            "TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=10,20");
    snprintf(tier, sizeof tier, "%.*s", (int)(colon - spec), spec);
    cJSON *base_tier = find_tier(s->variants[0].doc, tier, &idx);
    if (!base_tier)
        return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                            "no tier '%.100s' in %s (the default tier has no "
                            "constant)", tier, base->model_id);
    if (at_parse(base, colon + 1, &feat, &op, &rest, why) < 0)
        return tg_error_set(err, TG_EINVAL, "--vary", 0, 0, "'%.200s': %s",
                            spec, why);
    while (*rest == ' ')
        rest++;
    if (op >= AT_BETWEEN_LOW && *rest == '=')
        rest++;
    int nvalues = 0;
    const char *p = rest;
    for (;;) {
        char *end;
        while (*p == ' ')
            p++;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v))
            return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                                "'%.200s': expected numbers separated by "
                                "commas at '%.40s'", spec, p);
        p = end;
        while (*p == ' ')
            p++;
        if (*p && *p != ',')
            return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                                "'%.200s': expected ',' at '%.40s'", spec, p);
        char num[32], name[300], at[200];
        tg_fmt_number(v, num);
        snprintf(at, sizeof at, "%s %s", base->features[feat].name,
                 at_ops[op]);
        snprintf(name, sizeof name, "%s:%s%s%s", tier,
                 base->features[feat].name,
                 op >= AT_BETWEEN_LOW ? (op == AT_BETWEEN_LOW
                                             ? " BETWEEN.low="
                                             : " BETWEEN.high=")
                                      : at_ops[op],
                 num);
        /* The name keeps the feature's spelling; a space is replaced so
         * the name stays one token. */
        for (char *q = name; *q; q++)
            if (*q == ' ')
                *q = '.';
        if (++nvalues > TG_SWEEP_MAX_VARIANTS)
            return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                                "more than %d values", TG_SWEEP_MAX_VARIANTS);
        if (variant_index(s, name) >= 0)
            return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                                "variant '%s' given twice", name);
        cJSON *doc = cJSON_Duplicate(s->variants[0].doc, 1);
        cJSON *tobj = doc ? find_tier(doc, tier, &idx) : NULL;
        double old = NAN;
        if (!tobj) {
            cJSON_Delete(doc);
            return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        }
        if (replace_constant(tobj, base, feat, op, v, &old, why) < 0) {
            cJSON_Delete(doc);
            return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                                "'%.200s': tier '%s': %s", spec, tier, why);
        }
        if (old == v) {
            /* The base's own value: that variant is the base. */
            cJSON_Delete(doc);
        } else {
            char a[32], changes[600];
            snprintf(changes, sizeof changes, "%s: %s %s -> %s", tier, at,
                     tg_fmt_number(old, a), num);
            char *c = strdup(changes);
            if (!c) {
                cJSON_Delete(doc);
                return tg_error_set(err, TG_ENOMEM, NULL, 0, 0,
                                    "out of memory");
            }
            int rc = finish_variant(s, name, "", doc, c, err);
            if (rc)
                return rc;
        }
        if (!*p)
            break;
        p++;
    }
    return compile_pending(s, err);
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
                    tg_metric_name((tg_metric)m), b ? "<=" : ">=",
                    tg_fmt_number(v, num));
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
