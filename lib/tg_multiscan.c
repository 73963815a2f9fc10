/*
 * One pass, many rule sets (see tg_multiscan.h). The joined table is a
 * rule set of its own whose "tiers" are atoms; it goes through tg_scan
 * unchanged, so the multi-rule-set tally gets the scan's fast path,
 * threads, error positions and fingerprint without a second scanner.
 */
#include "tg_multiscan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_util.h"

#define TG_JOINED_MAX_CELLS (1u << 22)
#define TG_JOINED_MAX_ATOMS 65535 /* a tier table cell is two bytes */

static int same_features(const tg_rules *a, const tg_rules *b)
{
    if (a->nfeatures != b->nfeatures)
        return 0;
    for (int i = 0; i < a->nfeatures; i++)
        if (strcmp(a->features[i].name, b->features[i].name) != 0 ||
            a->features[i].naliases != b->features[i].naliases)
            return 0;
    return 1;
}

static int resolve(void *ctx, const char *name, size_t len)
{
    return tg_rules_feature_index(ctx, name, len);
}

/*
 * The rule set that carries the joined table: the features of rules[0],
 * ntiers atoms, and on its first tier a condition that reads every
 * feature in used[] (so the scan parses those columns; the table, not
 * the condition, assigns rows).
 */
static int joined_rules(tg_rules **out, const tg_rules *r0,
                        const unsigned char *used, int ntiers, tg_error *err)
{
    tg_rules *j = calloc(1, sizeof *j);
    char *cond = NULL;
    size_t clen;
    FILE *cf = NULL;
    int rc = TG_ENOMEM;
    *out = NULL;
    if (!j)
        goto fail;
    j->path = strdup(r0->path);
    memcpy(j->sha256, r0->sha256, sizeof j->sha256);
    j->model_id = strdup(r0->model_id);
    j->model_version = strdup(r0->model_version);
    j->model_type = strdup(r0->model_type);
    j->features = calloc((size_t)r0->nfeatures, sizeof *j->features);
    j->tiers = calloc((size_t)ntiers, sizeof *j->tiers);
    if (!j->path || !j->model_id || !j->model_version || !j->model_type ||
        !j->features || !j->tiers)
        goto fail;
    for (int i = 0; i < r0->nfeatures; i++) {
        const tg_feature *f = &r0->features[i];
        tg_feature *g = &j->features[i];
        j->nfeatures = i + 1;
        *g = *f;
        g->name = strdup(f->name);
        g->description = strdup(f->description);
        g->aliases = calloc((size_t)f->naliases + 1, sizeof *g->aliases);
        g->naliases = 0;
        if (!g->name || !g->description || !g->aliases)
            goto fail;
        for (int a = 0; a < f->naliases; a++)
            if (!(g->aliases[g->naliases++] = strdup(f->aliases[a])))
                goto fail;
    }
    for (int t = 0; t < ntiers; t++) {
        char name[32];
        snprintf(name, sizeof name, "ATOM_%d", t);
        j->ntiers = t + 1;
        tg_tier *x = &j->tiers[t];
        x->name = strdup(name);
        x->when = strdup("");
        x->display = strdup(name);
        x->action = strdup("");
        x->explanation = strdup("");
        if (!x->name || !x->when || !x->display || !x->action ||
            !x->explanation)
            goto fail;
    }
    if (!(cf = open_memstream(&cond, &clen)))
        goto fail;
    int n = 0;
    for (int i = 0; i < r0->nfeatures; i++)
        if (used[i])
            fprintf(cf, "%s%s IS NULL", n++ ? " OR " : "",
                    r0->features[i].name);
    fclose(cf);
    if (n && (rc = tg_cond_parse(&j->tiers[0].cond, cond, resolve, j,
                                 "joined rule sets", err)))
        goto fail_rc;
    free(cond);
    *out = j;
    return TG_OK;
fail:
    rc = tg_error_oom(err, NULL);
fail_rc:
    free(cond);
    tg_rules_free(j);
    return rc;
}

/* ---- the joined table ----------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A value inside region k of a feature cut at c[0..n-1] (as tg_tiermap). */
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

/* Tier combinations seen so far: open addressing, grown at half full. */
typedef struct {
    unsigned char *keys;  /* natoms x n */
    int natoms, cap;
    int *slot;            /* nslot entries, -1 for empty */
    size_t nslot;
    int n;
} atom_set;

static uint32_t hash_key(const unsigned char *k, int n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

static int atom_rehash(atom_set *a, size_t nslot)
{
    int *slot = malloc(nslot * sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < nslot; i++)
        slot[i] = -1;
    for (int k = 0; k < a->natoms; k++) {
        size_t s = hash_key(a->keys + (size_t)k * (size_t)a->n, a->n) % nslot;
        while (slot[s] >= 0)
            s = (s + 1) % nslot;
        slot[s] = k;
    }
    free(a->slot);
    a->slot = slot;
    a->nslot = nslot;
    return 0;
}

/* The atom of key, added when new; -1 on no memory or too many. */
static int atom_of(atom_set *a, const unsigned char *key)
{
    size_t s = hash_key(key, a->n) % a->nslot;
    while (a->slot[s] >= 0) {
        if (memcmp(a->keys + (size_t)a->slot[s] * (size_t)a->n, key,
                   (size_t)a->n) == 0)
            return a->slot[s];
        s = (s + 1) % a->nslot;
    }
    if (a->natoms == TG_JOINED_MAX_ATOMS)
        return -1;
    if (a->natoms == a->cap) {
        int ncap = a->cap ? 2 * a->cap : 256;
        unsigned char *nk = realloc(a->keys, (size_t)ncap * (size_t)a->n);
        if (!nk)
            return -1;
        a->keys = nk;
        a->cap = ncap;
    }
    int id = a->natoms++;
    memcpy(a->keys + (size_t)id * (size_t)a->n, key, (size_t)a->n);
    a->slot[s] = id;
    if ((size_t)a->natoms * 2 > a->nslot && atom_rehash(a, a->nslot * 2) < 0)
        return -1;
    return id;
}

/* Region of v among the cuts c[0..n-1] (as tg_rules_assign numbers it). */
static int region_of(const double *c, int n, double v)
{
    if (v != v)
        return 0;
    int k = 0;
    while (k < n && c[k] < v)
        k++;
    return (k < n && c[k] == v) ? 2 + 2 * k : 1 + 2 * k;
}

/*
 * Per feature of rules[0], the constants of every rule set (unsorted),
 * marking the features some rule set reads in used[]. 1 done, 0 when
 * these rule sets cannot be joined, -1 on no memory.
 */
static int gather_cuts(double **cuts, int *ncuts, unsigned char *used,
                       tg_rules *const *rules, int n)
{
    for (int v = 0; v < n; v++) {
        const tg_tiermap *vm = rules[v]->map;
        if (!vm || rules[v]->ntiers > 255)
            return 0;
        for (int i = 0; i < vm->nfeat; i++) {
            int f = vm->feat[i];
            used[f] = 1;
            double *nc = realloc(cuts[f], ((size_t)ncuts[f] + (size_t)vm->ncut[i] + 1) *
                                              sizeof *nc);
            if (!nc)
                return -1;
            cuts[f] = nc;
            memcpy(nc + ncuts[f], vm->cut[i], (size_t)vm->ncut[i] * sizeof *nc);
            ncuts[f] += vm->ncut[i];
        }
    }
    return 1;
}

/*
 * The joined table's axes: per used feature its sorted distinct cuts
 * (taken over from cuts[]) and its stride; then m->size and m->tier.
 * 1 done, 0 when the table would have too many cells, -1 on no memory.
 */
static int build_axes(tg_tiermap *m, double **cuts, const int *ncuts,
                      const unsigned char *used, int nf)
{
    m->feat = calloc((size_t)nf, sizeof *m->feat);
    m->ncut = calloc((size_t)nf, sizeof *m->ncut);
    m->cut = calloc((size_t)nf, sizeof *m->cut);
    m->stride = calloc((size_t)nf, sizeof *m->stride);
    if (!m->feat || !m->ncut || !m->cut || !m->stride)
        return -1;
    size_t size = 1;
    for (int f = 0; f < nf; f++) {
        if (!used[f])
            continue;
        int u = 0;
        if (ncuts[f]) {
            qsort(cuts[f], (size_t)ncuts[f], sizeof **cuts, cmp_double);
            for (int k = 0; k < ncuts[f]; k++)
                if (u == 0 || cuts[f][k] != cuts[f][u - 1])
                    cuts[f][u++] = cuts[f][k];
        }
        int i = m->nfeat++;
        m->feat[i] = f;
        m->ncut[i] = u;
        m->cut[i] = cuts[f];
        cuts[f] = NULL;
        m->stride[i] = (uint32_t)size;
        size *= (size_t)(2 * u + 2);
        if (size > TG_JOINED_MAX_CELLS)
            return 0;
    }
    m->size = size;
    m->tier = malloc(size * sizeof *m->tier);
    return m->tier ? 1 : -1;
}

static void free_offsets(size_t **off, size_t count)
{
    for (size_t k = 0; off && k < count; k++)
        free(off[k]);
    free(off);
}

/*
 * off[v * m->nfeat + i][g]: the offset in rule set v's own table of
 * region g of the joined table's feature i (0 where v does not read
 * that feature). NULL on no memory.
 */
static size_t **region_offsets(const tg_tiermap *m, tg_rules *const *rules,
                               int n)
{
    size_t count = (size_t)n * (size_t)m->nfeat;
    size_t **off = calloc(count + 1, sizeof *off);
    if (!off)
        return NULL;
    for (int v = 0; v < n; v++) {
        const tg_tiermap *vm = rules[v]->map;
        for (int i = 0; i < m->nfeat; i++) {
            int nreg = 2 * m->ncut[i] + 2, vi = -1;
            size_t *o = calloc((size_t)nreg, sizeof *o);
            if (!(off[(size_t)v * (size_t)m->nfeat + (size_t)i] = o)) {
                free_offsets(off, count);
                return NULL;
            }
            for (int k = 0; k < vm->nfeat; k++)
                if (vm->feat[k] == m->feat[i])
                    vi = k;
            if (vi < 0)
                continue; /* the rule set does not read this feature */
            for (int g = 0; g < nreg; g++)
                o[g] = (size_t)region_of(vm->cut[vi], vm->ncut[vi],
                                         representative(m->cut[i], m->ncut[i], g)) *
                       vm->stride[vi];
        }
    }
    return off;
}

/*
 * Every cell of m, in index order, gets the atom of the rule sets' tiers
 * there. region[] is an odometer whose first digit (stride 1) turns
 * fastest, so most steps update each rule set's index by one difference.
 * 1 done, 0 when there are too many atoms, -1 on no memory.
 */
static int fill_cells(tg_tiermap *m, size_t *const *off,
                      tg_rules *const *rules, int n, atom_set *a)
{
    const uint16_t **vt = malloc((size_t)n * sizeof *vt);
    const size_t **o0 = malloc((size_t)n * sizeof *o0);
    int *region = calloc((size_t)m->nfeat + 1, sizeof *region);
    unsigned char *key = malloc((size_t)n);
    size_t *vidx = calloc((size_t)n, sizeof *vidx);
    int built = -1;
    if (!vt || !o0 || !region || !key || !vidx)
        goto out;
    for (int v = 0; v < n; v++) {
        vt[v] = rules[v]->map->tier;
        o0[v] = off[(size_t)v * (size_t)m->nfeat];
    }
    for (size_t idx = 0; idx < m->size; idx++) {
        if (region[0] == 0) {
            for (int v = 0; v < n; v++) {
                size_t x = 0;
                for (int i = 0; i < m->nfeat; i++)
                    x += off[(size_t)v * (size_t)m->nfeat + (size_t)i][region[i]];
                vidx[v] = x;
                key[v] = (unsigned char)vt[v][x];
            }
        } else {
            int g = region[0];
            for (int v = 0; v < n; v++) {
                vidx[v] += o0[v][g] - o0[v][g - 1];
                key[v] = (unsigned char)vt[v][vidx[v]];
            }
        }
        /* Neighbouring cells mostly hold the same combination. */
        int id = idx > 0 && memcmp(key, a->keys + (size_t)m->tier[idx - 1] *
                                                      (size_t)n,
                                   (size_t)n) == 0
                     ? m->tier[idx - 1]
                     : atom_of(a, key);
        if (id < 0) {
            built = a->natoms == TG_JOINED_MAX_ATOMS ? 0 : -1;
            goto out;
        }
        m->tier[idx] = (uint16_t)id;
        for (int i = 0; i < m->nfeat; i++) {
            if (++region[i] < 2 * m->ncut[i] + 2)
                break;
            region[i] = 0;
        }
    }
    built = 1;
out:
    free(vt);
    free(o0);
    free(region);
    free(key);
    free(vidx);
    return built;
}

/*
 * Build the joined table of rules[0..n-1] into *map and the atoms'
 * tiers into *atoms (natoms x n). Returns 1 when built, 0 when these
 * rule sets cannot be joined, <0 on no memory.
 *
 * Each rule set's own table is indexed by its own regions; a region of
 * the joined table lies inside exactly one region of each rule set, so
 * per rule set and feature a small array maps joined regions to the
 * rule set's index offset, and walking the cells in order updates every
 * rule set's index by one difference per step.
 */
static int build_joined(tg_tiermap **out_map, unsigned char **out_atoms,
                        int *out_natoms, unsigned char *used,
                        tg_rules *const *rules, int n)
{
    int nf = rules[0]->nfeatures, built = -1;
    double **cuts = calloc((size_t)nf, sizeof *cuts);
    int *ncuts = calloc((size_t)nf, sizeof *ncuts);
    tg_tiermap *m = calloc(1, sizeof *m);
    size_t **off = NULL;
    atom_set a = {NULL, 0, 0, NULL, 0, n};
    if (cuts && ncuts && m && atom_rehash(&a, 1024) == 0 &&
        (built = gather_cuts(cuts, ncuts, used, rules, n)) == 1 &&
        (built = build_axes(m, cuts, ncuts, used, nf)) == 1) {
        off = region_offsets(m, rules, n);
        built = off ? fill_cells(m, off, rules, n, &a) : -1;
    }
    for (int f = 0; f < nf && cuts; f++)
        free(cuts[f]);
    if (off)
        free_offsets(off, (size_t)n * (size_t)m->nfeat);
    free(cuts);
    free(ncuts);
    free(a.slot);
    if (built == 1) {
        *out_map = m;
        *out_atoms = a.keys;
        *out_natoms = a.natoms;
    } else {
        tg_tiermap_free(m);
        free(a.keys);
    }
    return built;
}

/* ---- the two passes ------------------------------------------------------- */

static int init_all(tg_tally *tallies, tg_rules *const *rules, int n,
                    tg_error *err)
{
    for (int v = 0; v < n; v++) {
        int rc = tg_tally_init(&tallies[v], rules[v], err);
        if (rc) {
            while (v-- > 0)
                tg_tally_release(&tallies[v]);
            return rc;
        }
    }
    return TG_OK;
}

static void copy_totals(tg_tally *dst, const tg_tally *src)
{
    memcpy(dst->first_date, src->first_date, sizeof dst->first_date);
    memcpy(dst->last_date, src->last_date, sizeof dst->last_date);
    dst->rows = src->rows;
    dst->skipped = src->skipped;
    memcpy(dst->input_sha256, src->input_sha256, sizeof dst->input_sha256);
}

static int scan_joined(tg_tally *tallies, tg_rules *const *rules, int n,
                       tg_rules *j, const unsigned char *atoms, int natoms,
                       const tg_scan_options *opts, tg_error *first_skip,
                       tg_error *err)
{
    tg_tally jt;
    int rc = tg_tally_init(&jt, j, err);
    if (rc)
        return rc;
    if ((rc = tg_scan(&jt, j, opts, first_skip, err)) == TG_OK &&
        (rc = init_all(tallies, rules, n, err)) == TG_OK) {
        for (int v = 0; v < n; v++) {
            tg_tally *t = &tallies[v];
            for (int s = 0; s < TG_NSPLITS; s++)
                for (int a = 0; a < natoms; a++) {
                    const tg_count *src = &jt.cells[s * jt.ntiers + a];
                    tg_count *dst =
                        &t->cells[s * t->ntiers + atoms[(size_t)a * (size_t)n + (size_t)v]];
                    dst->leads += src->leads;
                    dst->labeled += src->labeled;
                    dst->conversions += src->conversions;
                }
            copy_totals(t, &jt);
        }
    }
    tg_tally_release(&jt);
    return rc;
}

static int scan_rows(tg_tally *tallies, tg_rules *const *rules, int n,
                     tg_rules *j, const tg_scan_options *opts,
                     tg_error *first_skip, tg_error *err)
{
    tg_reader *rd = NULL;
    tg_fingerprint *fp = NULL;
    int rc = init_all(tallies, rules, n, err);
    if (rc)
        return rc;
    if ((rc = tg_reader_open(&rd, j, opts, err)))
        goto fail;
    /* The row reader is one thread: the hash runs beside it. */
    if (opts->fingerprint &&
        (rc = tg_fingerprint_start(&fp, opts->paths, opts->npaths,
                                   opts->threads != 1, err)))
        goto fail;
    const tg_row *row;
    uint64_t rows = 0;
    int r;
    while ((r = tg_reader_next(rd, &row, err)) == 1) {
        rows++;
        for (int v = 0; v < n; v++) {
            tg_tally *t = &tallies[v];
            int tier = tg_rules_assign(rules[v], row->values);
            tg_count *c = &t->cells[row->split * t->ntiers + tier];
            c->leads++;
            if (row->target >= 0) {
                c->labeled++;
                c->conversions += (uint64_t)row->target;
            }
            tg_tally_see_date(t, row->split, row->date);
        }
    }
    if (r < 0) {
        rc = r;
        goto fail;
    }
    tg_error fs;
    tg_error_clear(&fs);
    uint64_t skipped = tg_reader_skipped(rd, &fs);
    if (first_skip)
        *first_skip = fs;
    if (fp) {
        rc = tg_fingerprint_finish(fp, tallies[0].input_sha256, err);
        fp = NULL;
        if (rc)
            goto fail;
    }
    for (int v = 0; v < n; v++) {
        tallies[v].rows = rows + skipped;
        tallies[v].skipped = skipped;
        memcpy(tallies[v].input_sha256, tallies[0].input_sha256,
               sizeof tallies[v].input_sha256);
    }
    tg_reader_free(rd);
    return TG_OK;
fail:
    tg_fingerprint_cancel(fp);
    tg_reader_free(rd);
    for (int v = 0; v < n; v++)
        tg_tally_release(&tallies[v]);
    return rc;
}

int tg_multi_scan(tg_tally *tallies, tg_rules *const *rules, int n,
                  const tg_scan_options *opts, tg_multi_mode mode,
                  tg_multi_info *info, tg_error *first_skip, tg_error *err)
{
    tg_multi_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    if (n < 1)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0, "no rule set");
    for (int v = 1; v < n; v++)
        if (!same_features(rules[0], rules[v]))
            return tg_error_set(err, TG_EINVAL, rules[v]->path, 0, 0,
                                "declares other features than %s: rule sets "
                                "scanned together share their features",
                                rules[0]->path);
    int nf = rules[0]->nfeatures;
    unsigned char *used = calloc((size_t)nf, 1), *u1 = malloc((size_t)nf);
    tg_tiermap *map = NULL;
    unsigned char *atoms = NULL;
    tg_rules *j = NULL;
    int natoms = 0, rc = TG_OK;
    if (!used || !u1) {
        rc = tg_error_oom(err, NULL);
        goto done;
    }
    int built = mode == TG_MULTI_ROWS
                    ? 0
                    : build_joined(&map, &atoms, &natoms, used, rules, n);
    if (built < 0) {
        rc = tg_error_oom(err, NULL);
        goto done;
    }
    /* The features any rule set reads, joined table or not. */
    for (int v = 0; v < n; v++) {
        tg_rules_used_features(rules[v], u1);
        for (int f = 0; f < nf; f++)
            used[f] |= u1[f];
    }
    if ((rc = joined_rules(&j, rules[0], used,
                           built == 1 && natoms > 2 ? natoms : 2, err)))
        goto done;
    if (built == 1) {
        j->map = map;
        map = NULL;
        info->joined = 1;
        info->atoms = natoms;
        info->cells = j->map->size;
        rc = scan_joined(tallies, rules, n, j, atoms, natoms, opts, first_skip,
                         err);
    } else {
        rc = scan_rows(tallies, rules, n, j, opts, first_skip, err);
    }
done:
    tg_rules_free(j);
    tg_tiermap_free(map);
    free(atoms);
    free(used);
    free(u1);
    return rc;
}
