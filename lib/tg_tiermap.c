/*
 * Compiling a rule set into a lookup table (tg_tiermap.h). Exact by construction: within one region of every
 * feature each atomic predicate (feature op constant, BETWEEN, IN,
 * IS NULL) keeps one truth value, so evaluating the rules once at a
 * representative point of each combination gives the tier of every row
 * in it, NULL handling and three-valued logic included.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_cond_internal.h"
#include "tg_rules.h"
#include "tg_tiermap.h"

#define TG_TIERMAP_MAX (1u << 22) /* cells; larger rule sets walk trees */
/* Building the table evaluates the rules once per cell, so its cost is
 * cells times the rules' size: capped, so that a huge condition (which
 * also has many constants, hence cells) cannot make loading quadratic.
 * Past the cap rows are assigned by walking the conditions. */
#define TG_TIERMAP_WORK ((size_t)1 << 26)

/* The tier of a representative point: the first TRUE condition, as
 * tg_rules_assign_slow decides a row. */
static int first_true(const tg_rules *r, const double *values)
{
    int last = r->ntiers - 1;
    for (int t = 0; t < last; t++)
        if (tg_cond_eval(r->tiers[t].cond, values) == TG_TRUE)
            return t;
    return last;
}

typedef struct {
    double *v;
    int n, cap;
} consts;

static int add_const(consts *c, double v)
{
    if (isnan(v))
        return 0;
    if (c->n == c->cap) {
        int ncap = c->cap ? 2 * c->cap : 8;
        double *nv = realloc(c->v, (size_t)ncap * sizeof *nv);
        if (!nv)
            return -1;
        c->v = nv;
        c->cap = ncap;
    }
    c->v[c->n++] = v;
    return 0;
}

static int is_const(const tg_cond *c, int i)
{
    return c->n[i].kind == TG_N_NUM;
}

static int is_feat(const tg_cond *c, int i)
{
    return c->n[i].kind == TG_N_FEAT;
}

/*
 * Collect the constants each feature is compared with; returns 0 when
 * every predicate is table-able, 1 when one is not, -1 on no memory.
 */
static int collect(const tg_cond *c, consts *per)
{
    for (int i = 0; i < c->nn; i++) {
        const tg_node *n = &c->n[i];
        switch (n->kind) {
        case TG_N_FCMP:
            if (add_const(&per[n->feat], n->num))
                return -1;
            break;
        case TG_N_CMP:
            /* "3 < x" or "1 = 1": one feature against a constant. */
            if (is_const(c, n->a) && is_const(c, n->b))
                break;
            if (is_const(c, n->a) && is_feat(c, n->b)) {
                if (add_const(&per[c->n[n->b].feat], c->n[n->a].num))
                    return -1;
                break;
            }
            if (is_feat(c, n->a) && is_const(c, n->b)) {
                if (add_const(&per[c->n[n->a].feat], c->n[n->b].num))
                    return -1;
                break;
            }
            return 1;
        case TG_N_BETWEEN:
            if (!is_feat(c, n->a) || !is_const(c, n->b) || !is_const(c, n->c))
                return 1;
            if (add_const(&per[c->n[n->a].feat], c->n[n->b].num) ||
                add_const(&per[c->n[n->a].feat], c->n[n->c].num))
                return -1;
            break;
        case TG_N_IN:
            if (!is_feat(c, n->a))
                return 1;
            for (int k = 0; k < n->c; k++) {
                int e = c->list[n->b + k];
                if (!is_const(c, e))
                    return 1;
                if (add_const(&per[c->n[n->a].feat], c->n[e].num))
                    return -1;
            }
            break;
        case TG_N_ISNULL:
            if (!is_feat(c, n->a))
                return 1;
            break;
        case TG_N_NEG:
        case TG_N_ARITH:
            return 1;
        default:
            break;
        }
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A value inside region k of a feature cut at c[0..n-1]. */
static double representative(const double *c, int n, int region)
{
    if (region == 0)
        return NAN;
    int k = (region - 1) / 2;
    if (region % 2 == 0)
        return c[k];
    if (n == 0)
        return 0;
    if (k == 0)
        return c[0] - 1;
    if (k == n)
        return c[n - 1] + 1;
    return c[k - 1] + (c[k] - c[k - 1]) / 2;
}

void tg_tiermap_free(tg_tiermap *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nfeat; i++)
        free(m->cut[i]);
    free(m->cut);
    free(m->feat);
    free(m->ncut);
    free(m->stride);
    free(m->tier);
    free(m);
}

tg_tiermap *tg_tiermap_build(const tg_rules *r, const unsigned char *used)
{
    int nf = r->nfeatures, rc = 0;
    tg_tiermap *built = NULL;
    consts *per = calloc((size_t)nf, sizeof *per);
    tg_tiermap *m = calloc(1, sizeof *m);
    double *vals = malloc((size_t)nf * sizeof *vals);
    int *region = calloc((size_t)nf, sizeof *region);
    if (!per || !m || !vals || !region || r->ntiers > 255)
        goto fallback;
    for (int t = 0; t < r->ntiers - 1 && rc == 0; t++)
        rc = collect(r->tiers[t].cond, per);
    if (rc != 0)
        goto fallback;
    m->feat = calloc((size_t)nf, sizeof *m->feat);
    m->ncut = calloc((size_t)nf, sizeof *m->ncut);
    m->cut = calloc((size_t)nf, sizeof *m->cut);
    m->stride = calloc((size_t)nf, sizeof *m->stride);
    if (!m->feat || !m->ncut || !m->cut || !m->stride)
        goto fallback;
    size_t size = 1;
    for (int f = 0; f < nf; f++) {
        if (!used[f])
            continue;
        consts *c = &per[f];
        if (c->n > 1) /* a feature only tested IS NULL has none (v NULL) */
            qsort(c->v, (size_t)c->n, sizeof *c->v, cmp_double);
        int u = 0;
        for (int k = 0; k < c->n; k++)
            if (u == 0 || c->v[k] != c->v[u - 1])
                c->v[u++] = c->v[k];
        int i = m->nfeat++;
        m->feat[i] = f;
        m->ncut[i] = u;
        m->cut[i] = c->v;
        c->v = NULL;
        m->stride[i] = (uint32_t)size;
        size *= (size_t)(2 * u + 2);
        if (size > TG_TIERMAP_MAX)
            goto fallback;
    }
    size_t nodes = 0;
    for (int t = 0; t < r->ntiers - 1; t++)
        nodes += (size_t)r->tiers[t].cond->nn;
    if (nodes && size > TG_TIERMAP_WORK / nodes)
        goto fallback;
    m->size = size;
    m->tier = malloc(size * sizeof *m->tier);
    if (!m->tier)
        goto fallback;
    /* Odometer over every combination of regions. */
    for (int f = 0; f < nf; f++)
        vals[f] = NAN;
    for (size_t idx = 0; idx < size; idx++) {
        size_t rem = idx;
        for (int i = m->nfeat - 1; i >= 0; i--) {
            region[i] = (int)(rem / m->stride[i]);
            rem %= m->stride[i];
        }
        for (int i = 0; i < m->nfeat; i++)
            vals[m->feat[i]] = representative(m->cut[i], m->ncut[i], region[i]);
        m->tier[idx] = (uint16_t)first_true(r, vals);
    }
    built = m;
    m = NULL;
fallback:
    for (int f = 0; per && f < nf; f++)
        free(per[f].v);
    free(per);
    free(vals);
    free(region);
    tg_tiermap_free(m);
    return built;
}
