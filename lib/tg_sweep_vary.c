/*
 * Command-line grids: `--vary TIER:feature OP v1,v2,...` as one variant
 * per value, each the base with that one constant replaced.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_score.h"
#include "tg_sweep_internal.h"

/* One --vary grid: the tier, the constant's address and what follows. */
typedef struct {
    const char *spec;
    char tier[200];
    int feat, op;
} vary_grid;

/* "TIER:feature OP" of spec; *values is where the numbers start. */
static int vary_parse(tg_sweep *s, vary_grid *g, const char **values,
                      tg_error *err)
{
    const tg_rules *base = s->variants[0].rules;
    const char *spec = g->spec, *colon = strchr(spec, ':'), *rest;
    char why[200];
    int idx;
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof g->tier)
        return tg_error_set(
            err, TG_EINVAL, "--vary", 0, 0,
            "expected TIER:feature OP v1,v2,... such as "
            "TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=10,20");
    snprintf(g->tier, sizeof g->tier, "%.*s", (int)(colon - spec), spec);
    if (!tg_sweep_find_tier(s->variants[0].doc, g->tier, &idx))
        return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                            "no tier '%.100s' in %s (the default tier has no "
                            "constant)",
                            g->tier, base->model_id);
    if (tg_sweep_at_parse(base, colon + 1, &g->feat, &g->op, &rest, why) < 0)
        return tg_error_set(err, TG_EINVAL, "--vary", 0, 0, "'%.200s': %s",
                            spec, why);
    while (*rest == ' ')
        rest++;
    if (g->op >= TG_SWEEP_AT_BETWEEN_LOW && *rest == '=')
        rest++;
    *values = rest;
    return TG_OK;
}

/* The variant's name: the tier, the feature as the rule set spells it,
 * the operator and the value, one token (a space becomes '.'). */
static void vary_name(const vary_grid *g, const tg_rules *base, const char *num,
                      char name[300])
{
    int op = g->op;
    snprintf(name, 300, "%s:%s%s%s", g->tier, base->features[g->feat].name,
             op >= TG_SWEEP_AT_BETWEEN_LOW
                 ? (op == TG_SWEEP_AT_BETWEEN_LOW ? " BETWEEN.low="
                                                  : " BETWEEN.high=")
                 : tg_sweep_at_name(op),
             num);
    for (char *q = name; *q; q++)
        if (*q == ' ')
            *q = '.';
}

/* The variant of the grid with value v (none when v is the base's own). */
static int vary_value(tg_sweep *s, const vary_grid *g, double v, tg_error *err)
{
    const tg_rules *base = s->variants[0].rules;
    char num[32], name[300], at[200], why[200];
    int idx;
    tg_fmt_number(v, num);
    snprintf(at, sizeof at, "%s %s", base->features[g->feat].name,
             tg_sweep_at_name(g->op));
    vary_name(g, base, num, name);
    if (tg_sweep_variant_index(s, name) >= 0)
        return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                            "variant '%s' given twice", name);
    cJSON *doc = cJSON_Duplicate(s->variants[0].doc, 1);
    cJSON *tobj = doc ? tg_sweep_find_tier(doc, g->tier, &idx) : NULL;
    double old = NAN;
    if (!tobj) {
        cJSON_Delete(doc);
        return tg_error_oom(err, NULL);
    }
    if (tg_sweep_replace_constant(tobj, base, g->feat, g->op, v, &old, why) <
        0) {
        cJSON_Delete(doc);
        return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                            "'%.200s': tier '%s': %s", g->spec, g->tier, why);
    }
    if (old == v) {
        /* The base's own value: that variant is the base. */
        cJSON_Delete(doc);
        return TG_OK;
    }
    char a[32], changes[600];
    snprintf(changes, sizeof changes, "%s: %s %s -> %s", g->tier, at,
             tg_fmt_number(old, a), num);
    char *c = strdup(changes);
    if (!c) {
        cJSON_Delete(doc);
        return tg_error_oom(err, NULL);
    }
    return tg_sweep_finish_variant(s, name, "", doc, c, err);
}

int tg_sweep_add_vary(tg_sweep *s, const char *spec, tg_error *err)
{
    vary_grid g = {spec, "", 0, 0};
    const char *p = spec;
    int rc = vary_parse(s, &g, &p, err);
    if (rc)
        return rc;
    int nvalues = 0;
    for (;;) {
        char *end;
        while (*p == ' ')
            p++;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v))
            return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                                "'%.200s': expected numbers separated by "
                                "commas at '%.40s'",
                                spec, p);
        p = end;
        while (*p == ' ')
            p++;
        if (*p && *p != ',')
            return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                                "'%.200s': expected ',' at '%.40s'", spec, p);
        if (++nvalues > TG_SWEEP_MAX_VARIANTS)
            return tg_error_set(err, TG_EINVAL, "--vary", 0, 0,
                                "more than %d values", TG_SWEEP_MAX_VARIANTS);
        if ((rc = vary_value(s, &g, v, err)))
            return rc;
        if (!*p)
            break;
        p++;
    }
    return tg_sweep_compile_pending(s, err);
}
