/*
 * Addressing one constant of a tier's condition ("feature <=",
 * "feature BETWEEN.high") and replacing it in the text of the tier's
 * `when` at the byte offset the parser recorded, so that the emitted
 * rule set reads as the base does, comments and layout kept.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_cond_internal.h"
#include "tg_score.h"
#include "tg_sweep_internal.h"

/* ---- addressing one constant: "feature <=" or "feature BETWEEN.high" ---- */

static int resolve(void *ctx, const char *name, size_t len)
{
    return tg_rules_feature_index(ctx, name, len);
}

static const char *const at_ops[] = {
    "=", "<>", "<", "<=", ">", ">=", "BETWEEN.low", "BETWEEN.high"};

const char *tg_sweep_at_name(int op)
{
    return at_ops[op];
}

int tg_sweep_at_parse(const tg_rules *base, const char *s, int *feat, int *op,
                      const char **rest, char why[200])
{
    const char *p = s;
    while (*p == ' ')
        p++;
    const char *name = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    if (p == name) {
        snprintf(why, 200,
                 "expected 'feature OP' (OP one of = <> != < <= > "
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
        *op = TG_SWEEP_AT_BETWEEN_LOW;
        p += 11;
    } else if (strncasecmp(p, "BETWEEN.high", 12) == 0) {
        *op = TG_SWEEP_AT_BETWEEN_HIGH;
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
        snprintf(why, 200,
                 "expected an operator after the feature (= <> "
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
        if (x->kind == TG_N_FCMP && op < TG_SWEEP_AT_BETWEEN_LOW &&
            x->feat == feat && x->op == op)
            k = x->b;
        else if (x->kind == TG_N_BETWEEN && op >= TG_SWEEP_AT_BETWEEN_LOW &&
                 c->n[x->a].kind == TG_N_FEAT && c->n[x->a].feat == feat)
            k = op == TG_SWEEP_AT_BETWEEN_LOW ? x->b : x->c;
        if (k >= 0 && c->n[k].kind == TG_N_NUM) {
            found = k;
            n++;
        }
    }
    return n > 1 ? -2 : found;
}

int tg_sweep_replace_constant(cJSON *tier, const tg_rules *base, int feat,
                              int op, double value, double *old, char why[200])
{
    char *text = tg_sweep_when_text(tier), *edited = NULL;
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
        snprintf(why, 200,
                 k == -1 ? "no comparison '%s %s constant' in the "
                           "tier (rewrite its when instead)"
                         : "'%s %s' appears more than once in the "
                           "tier (rewrite its when instead)",
                 fname, tg_sweep_at_name(op));
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
        snprintf(why, 200,
                 "the constant cannot be replaced in place "
                 "(rewrite the tier's when instead)");
        goto done;
    }
    if (tg_sweep_set_when(tier, edited) != TG_OK) {
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
