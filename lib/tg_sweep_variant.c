/*
 * Variants: building each from its sweep file object (the edits, or the
 * replayed edits of the variants it combines), recording where it came
 * from in its document, and compiling every pending one as a rule set
 * file would be, spread over the cores.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_sweep_internal.h"

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

/* ---- variants ------------------------------------------------------------ */

int tg_sweep_add_variant(tg_sweep *s, tg_variant **out, tg_error *err)
{
    if (s->nvariants >= TG_SWEEP_MAX_VARIANTS)
        return tg_sweep_verr(err, s, NULL, NULL, "more than %d variants",
                             TG_SWEEP_MAX_VARIANTS);
    if (s->nvariants == s->cap) {
        int ncap = s->cap ? 2 * s->cap : 16;
        tg_variant *nv = realloc(s->variants, (size_t)ncap * sizeof *nv);
        if (!nv)
            return tg_error_oom(err, NULL);
        s->variants = nv;
        s->cap = ncap;
    }
    *out = &s->variants[s->nvariants++];
    memset(*out, 0, sizeof **out);
    return TG_OK;
}

int tg_sweep_variant_index(const tg_sweep *s, const char *name)
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
int tg_sweep_finish_variant(tg_sweep *s, const char *name, const char *desc,
                            cJSON *doc, char *changes, tg_error *err)
{
    tg_variant *v;
    int rc = tg_sweep_add_variant(s, &v, err);
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
    /* Compiled later, all pending variants at once
     * (tg_sweep_compile_pending). */
    v->pending = cJSON_Print(doc);
    if (!v->name || !v->description || !v->pending)
        return tg_error_oom(err, NULL);
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
        snprintf(path, sizeof path, "%s#%s",
                 *j->s->path ? j->s->path : "--vary", v->name);
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
int tg_sweep_compile_pending(tg_sweep *s, tg_error *err)
{
    int *which = malloc((size_t)s->nvariants * sizeof *which), nwhich = 0;
    if (!which)
        return tg_error_oom(err, NULL);
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
        return tg_error_oom(err, NULL);
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
        rc = tg_sweep_verr(err, s, NULL, NULL,
                           "the variants' tier tables take %zu MB "
                           "(at most %zu): split the sweep",
                           bytes >> 20, TG_SWEEP_MAX_TABLE_BYTES >> 20);
    free(which);
    free(rcs);
    free(errs);
    return rc;
}

/* The edits of the variants a combination names, in order, into x. */
static int replay_combination(tg_sweep_edit_ctx *x, const cJSON *obj,
                              const cJSON *combine, tg_error *err)
{
    tg_sweep *s = x->s;
    const char *name = x->variant;
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach (it, combine) {
        char k[64];
        snprintf(k, sizeof k, "combine[%d]", i++);
        const cJSON *src = NULL, *v;
        if (cJSON_IsString(it))
            cJSON_ArrayForEach (v, s->json_variants) {
                const char *n = tg_sweep_str_key(v, "name");
                if (n && strcmp(n, it->valuestring) == 0 && v != obj)
                    src = v;
            }
        if (!src)
            return tg_sweep_verr(err, s, name, k,
                                 "expected the name of a variant defined "
                                 "with 'edits'");
        const cJSON *se = cJSON_GetObjectItemCaseSensitive(src, "edits");
        if (!cJSON_IsArray(se))
            return tg_sweep_verr(err, s, name, k,
                                 "variant '%s' has no 'edits' (a combination "
                                 "combines variants with edits)",
                                 it->valuestring);
        const cJSON *e;
        int j = 0;
        cJSON_ArrayForEach (e, se) {
            char ek[160];
            snprintf(ek, sizeof ek, "%s -> edits[%d]", k, j++);
            int rc = tg_sweep_apply_edit(x, e, ek, err);
            if (rc)
                return rc;
        }
    }
    return TG_OK;
}

int tg_sweep_build_variant(tg_sweep *s, const cJSON *obj, int index,
                           tg_error *err)
{
    char kp[64];
    snprintf(kp, sizeof kp, "variants[%d]", index);
    if (!cJSON_IsObject(obj))
        return tg_sweep_verr(err, s, NULL, kp, "expected a variant object");
    const char *name = tg_sweep_str_key(obj, "name");
    const char *desc = tg_sweep_str_key(obj, "description");
    if (!name || !valid_variant_name(name))
        return tg_sweep_verr(err, s, NULL, kp,
                             "expected a 'name' of 1-100 letters, "
                             "digits or _.:+<>=!-");
    if (strcmp(name, "base") == 0 || tg_sweep_variant_index(s, name) >= 0)
        return tg_sweep_verr(err, s, name, NULL,
                             "the name is taken (\"base\" is the "
                             "unchanged rule set)");
    const cJSON *edits = cJSON_GetObjectItemCaseSensitive(obj, "edits");
    const cJSON *combine = cJSON_GetObjectItemCaseSensitive(obj, "combine");
    if (!edits && !combine)
        return tg_sweep_verr(err, s, name, NULL, "needs 'edits' or 'combine'");
    if ((edits && !cJSON_IsArray(edits)) ||
        (combine && !cJSON_IsArray(combine)))
        return tg_sweep_verr(err, s, name, edits ? "edits" : "combine",
                             "expected an array");
    tg_sweep_edit_ctx x = {s, s->variants[0].rules, name, NULL, NULL, 0};
    char *changes = NULL;
    size_t clen;
    x.doc = cJSON_Duplicate(s->variants[0].doc, 1);
    x.changes = open_memstream(&changes, &clen);
    int rc = TG_OK;
    if (!x.doc || !x.changes) {
        rc = tg_error_oom(err, NULL);
        goto fail;
    }
    /* A combination replays the edits of earlier variants, in order. */
    if ((rc = replay_combination(&x, obj, combine, err)))
        goto fail;
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach (it, edits) {
        char ek[64];
        snprintf(ek, sizeof ek, "edits[%d]", i++);
        if ((rc = tg_sweep_apply_edit(&x, it, ek, err)))
            goto fail;
    }
    if (x.nchanges == 0) {
        rc = tg_sweep_verr(err, s, name, NULL, "no edit");
        goto fail;
    }
    fclose(x.changes);
    x.changes = NULL;
    return tg_sweep_finish_variant(s, name, desc, x.doc, changes, err);
fail:
    if (x.changes)
        fclose(x.changes);
    free(changes);
    cJSON_Delete(x.doc);
    return rc;
}
