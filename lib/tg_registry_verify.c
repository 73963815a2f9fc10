/*
 * Registry verification: replay, evidence, git, append-only.
 */
#include "tg_registry_verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_git.h"
#include "tg_json.h"
#include "tg_registry.h"
#include "tg_util.h"

static void problem(char ***p, int *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(char ***p, int *n, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **x = realloc(*p, (size_t)(*n + 1) * sizeof *x);
    if (!x)
        return;
    *p = x;
    if ((x[*n] = strdup(buf)))
        (*n)++;
}

static const char *str_at(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const char *or_q(const char *s)
{
    return s ? s : "?";
}

/* The stage each version is left in by replaying the history. */
static void replay(const cJSON *doc, char ***p, int *n)
{
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(doc, "versions");
    int nv = cJSON_GetArraySize(vs);
    const char **stage = calloc((size_t)(nv ? nv : 1), sizeof *stage);
    if (!stage)
        return;
    int i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "history"))
    {
        int k = -1;
        const char *v = str_at(t, "version");
        tg_registry_find(doc, v, &k);
        const cJSON *from = cJSON_GetObjectItemCaseSensitive(t, "from");
        const char *f = cJSON_GetStringValue(from);
        if (k < 0) {
            problem(p, n, "history[%d].version: '%s' is not in versions", i,
                    or_q(v));
        } else if ((stage[k] == NULL) != (f == NULL) ||
                   (f && strcmp(f, stage[k]))) {
            problem(p, n, "history[%d].from: %s moves from '%s', but the "
                          "history before it leaves it '%s'", i, v,
                    f ? f : "(new)", stage[k] ? stage[k] : "(new)");
            stage[k] = str_at(t, "to");
        } else {
            stage[k] = str_at(t, "to");
        }
        i++;
    }
    i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, vs)
    {
        const char *st = str_at(e, "status");
        if (!stage[i])
            problem(p, n, "versions[%d].status: %s has no transition in the "
                          "history", i, or_q(str_at(e, "model_version")));
        else if (strcmp(st, stage[i]))
            problem(p, n, "versions[%d].status: '%s', but the history leaves "
                          "%s '%s'", i, st, or_q(str_at(e, "model_version")),
                    stage[i]);
        i++;
    }
    free(stage);
}

/* The last transition that made version production. */
static const cJSON *made_production(const cJSON *doc, const char *version)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(doc, "history");
    for (int i = cJSON_GetArraySize(h) - 1; i >= 0; i--) {
        const cJSON *t = cJSON_GetArrayItem(h, i);
        if (!strcmp(or_q(str_at(t, "version")), version) &&
            !strcmp(or_q(str_at(t, "to")), "production"))
            return t;
    }
    return NULL;
}

static void compare(char ***p, int *n, int k, const char *key,
                    const cJSON *recorded, cJSON *from_evidence)
{
    if (!recorded || !cJSON_Compare(recorded, from_evidence, 1))
        problem(p, n, "versions[%d].%s: differs from the cited gate result",
                k, key);
    cJSON_Delete(from_evidence);
}

static void compare_str(char ***p, int *n, int k, const char *key,
                        const char *recorded, const char *from_evidence)
{
    if (!recorded || !from_evidence || strcmp(recorded, from_evidence))
        problem(p, n, "versions[%d].%s: '%s', the cited gate result says "
                      "'%s'", k, key, or_q(recorded), or_q(from_evidence));
}

/* What the entry took from its rule set, against that rule set as
 * committed: model id and type, changes, expected performance, tables. */
static void check_rules_parts(const cJSON *e, int k, const char *text,
                              size_t len, const char *file, char ***p, int *n)
{
    tg_rules *r = NULL;
    tg_error rerr;
    if (tg_rules_parse(&r, text, len, file, &rerr) != TG_OK) {
        problem(p, n, "versions[%d].validation.rules_file: %s at the cited "
                      "commit does not load: %s", k, file, rerr.msg);
        return;
    }
    static const char *ids[] = {"model_id", "model_type"};
    const char *want[] = {r->model_id, r->model_type};
    for (int q = 0; q < 2; q++)
        if (strcmp(or_q(str_at(e, ids[q])), want[q]))
            problem(p, n, "versions[%d].%s: '%s', the rule file at the cited "
                          "commit says '%s'", k, ids[q],
                    or_q(str_at(e, ids[q])), want[q]);
    static const char *what = "differs from the rule file at the cited commit";
    cJSON *x = tg_registry_tables(r);
    if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(e, "tables"), x, 1))
        problem(p, n, "versions[%d].tables: %s", k, what);
    cJSON_Delete(x);
    x = tg_registry_expected_performance(r);
    if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(e,
                                                        "expected_performance"),
                       x, 1))
        problem(p, n, "versions[%d].expected_performance: %s", k, what);
    cJSON_Delete(x);
    x = tg_registry_changes(r);
    const cJSON *c, *changes = NULL;
    cJSON_ArrayForEach(c, e)
        if (c->string && !strncmp(c->string, "changes_from_", 13))
            changes = c;
    if (!changes || !cJSON_Compare(changes, x, 1))
        problem(p, n, "versions[%d].%s: %s", k,
                changes ? changes->string : "changes_from_*", what);
    cJSON_Delete(x);
    tg_rules_free(r);
}

/* A cited file: relative paths are relative to the work tree. */
static const char *resolve(const char *file, const char *workdir, char *buf,
                           size_t n)
{
    if (file[0] == '/' || !workdir[0])
        return file;
    snprintf(buf, n, "%s%s", workdir, file);
    return buf;
}

/* Every cited file exists and has the SHA-256 recorded; 1 when all do. */
static int evidence_intact(const cJSON *ev, int k, const char *workdir,
                           char ***p, int *n)
{
    char where[8500];
    int j = 0, intact = 1;
    const cJSON *f;
    cJSON_ArrayForEach(f, ev)
    {
        const char *file = str_at(f, "file"), *sha = str_at(f, "sha256");
        char hex[65];
        tg_error ignored;
        if (!file || !sha) {
            problem(p, n, "versions[%d].validation.evidence[%d]: expected "
                          "file and sha256", k, j);
            intact = 0;
        } else if (tg_sha256_file(resolve(file, workdir, where, sizeof where),
                                  hex, &ignored) != TG_OK) {
            problem(p, n, "versions[%d].validation.evidence[%d]: %s is "
                          "missing", k, j, file);
            intact = 0;
        } else if (strcmp(hex, sha)) {
            problem(p, n, "versions[%d].validation.evidence[%d]: %s was "
                          "changed (SHA-256 %.12s..., recorded %.12s...)", k,
                    j, file, hex, sha);
            intact = 0;
        }
        j++;
    }
    return intact;
}

/* What the entry says against the gate result it cites first: status,
 * policy, hashes, model, gates, measures, training data. */
static void check_against_result(const cJSON *e, const cJSON *val,
                                 const cJSON *result, int k, char ***p,
                                 int *n)
{
    const cJSON *prov = cJSON_GetObjectItemCaseSensitive(result, "provenance");
    compare_str(p, n, k, "validation.gate_status", str_at(val, "gate_status"),
                str_at(result, "status"));
    compare_str(p, n, k, "validation.policy", str_at(val, "policy"),
                str_at(result, "policy"));
    compare_str(p, n, k, "validation.policy_sha256",
                str_at(val, "policy_sha256"), str_at(prov, "policy_sha256"));
    compare_str(p, n, k, "validation.rules_sha256",
                str_at(val, "rules_sha256"), str_at(prov, "rules_sha256"));
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(prov, "data_sha256");
    const cJSON *vd = cJSON_GetObjectItemCaseSensitive(val, "data_sha256");
    if (!vd || !cJSON_Compare(vd, d ? d : vd, 1) || (!d && !cJSON_IsNull(vd)))
        problem(p, n, "versions[%d].validation.data_sha256: differs from "
                      "the cited gate result", k);
    compare_str(p, n, k, "model_id", str_at(e, "model_id"),
                str_at(result, "model_id") ? str_at(result, "model_id")
                                           : str_at(e, "model_id"));
    compare(p, n, k, "validation.gates",
            cJSON_GetObjectItemCaseSensitive(val, "gates"),
            tg_registry_gates(result));
    compare(p, n, k, "measured_performance",
            cJSON_GetObjectItemCaseSensitive(e, "measured_performance"),
            tg_registry_measured(result));
    compare(p, n, k, "training_data",
            cJSON_GetObjectItemCaseSensitive(e, "training_data"),
            tg_registry_training_data(result));
}

/* The evidence: the cited files intact, the first a gate result that
 * agrees with the entry. */
static void check_evidence(const cJSON *e, const cJSON *val, const cJSON *ev,
                           int k, const char *workdir, char ***p, int *n)
{
    char where[8500];
    int intact = evidence_intact(ev, k, workdir, p, n);
    const char *gate_path = str_at(cJSON_GetArrayItem(ev, 0), "file");
    cJSON *result = NULL;
    tg_error lerr;
    if (intact && tg_result_load(&result, resolve(gate_path, workdir, where,
                                                  sizeof where),
                                 NULL, &lerr) != TG_OK) {
        problem(p, n, "versions[%d].validation.evidence[0]: not a gate "
                      "result: %s", k, lerr.msg);
        intact = 0;
    }
    if (intact)
        check_against_result(e, val, result, k, p, n);
    cJSON_Delete(result);
}

/* The rules as committed at the cited commit: there, with the SHA-256
 * recorded, and the entry's parts derived from them. */
static void check_rules_commit(const cJSON *e, const cJSON *val, int k,
                               const char *repo, int in_repo, char ***p,
                               int *n)
{
    const char *commit = str_at(val, "commit");
    const char *rules_file = str_at(val, "rules_file");
    const char *rsha = str_at(val, "rules_sha256");
    if (!commit || !*commit) {
        problem(p, n, "versions[%d].validation.commit: missing (the rules "
                      "cannot be traced to a commit)", k);
    } else if (in_repo && rules_file && rsha) {
        char *text = NULL;
        size_t len = 0;
        int found = 0;
        tg_error gerr;
        if (tg_git_read_at(repo, commit, rules_file, &text, &len, &found,
                           &gerr) != TG_OK) {
            problem(p, n, "versions[%d].validation.rules_sha256: cannot read "
                          "%s at %s: %s", k, rules_file, commit, gerr.msg);
        } else if (!found) {
            problem(p, n, "versions[%d].validation.rules_file: %s is not in "
                          "commit %s", k, rules_file, commit);
        } else {
            char hex[65];
            tg_sha256_buffer(text, len, hex);
            if (strcmp(hex, rsha))
                problem(p, n, "versions[%d].validation.rules_sha256: %.12s... "
                              "but %s at commit %.12s has SHA-256 %.12s...",
                        k, rsha, rules_file, commit, hex);
            else
                check_rules_parts(e, k, text, len, rules_file, p, n);
        }
        free(text);
    } else if (!rules_file || !rsha) {
        problem(p, n, "versions[%d].validation.rules_file: missing", k);
    }
}

/* A production version whose gate did not pass got there only by a
 * forced transition with a reason. */
static void check_forced_production(const cJSON *doc, const cJSON *e,
                                    const cJSON *val, int k, char ***p, int *n)
{
    if (strcmp(or_q(str_at(e, "status")), "production") ||
        tg_registry_status_passed(str_at(val, "gate_status")))
        return;
    const cJSON *t = made_production(doc, or_q(str_at(e, "model_version")));
    const char *reason = t ? str_at(t, "reason") : NULL;
    if (!t || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "forced")) ||
        !reason || !*reason)
        problem(p, n, "versions[%d].status: production, but its gate "
                      "result is %s and no forced transition with a "
                      "reason put it there", k,
                or_q(str_at(val, "gate_status")));
}

static void check_entry(const cJSON *doc, const cJSON *e, int k,
                        const char *repo, int in_repo, char ***p, int *n)
{
    char workdir[TG_PATH_MAX];
    if (!in_repo || tg_git_workdir(repo, workdir, sizeof workdir) != 0)
        workdir[0] = '\0';
    if (cJSON_GetObjectItemCaseSensitive(e, "imported"))
        return; /* recorded before tiergate kept the registry: no evidence;
                 * that it was not added since is the append-only check */
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(e, "validation");
    if (!cJSON_IsObject(val)) {
        problem(p, n, "versions[%d].validation: missing", k);
        return;
    }
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(val, "evidence");
    if (!cJSON_IsArray(ev) || cJSON_GetArraySize(ev) == 0) {
        problem(p, n, "versions[%d].validation.evidence: expected the cited "
                      "files with their SHA-256", k);
        return;
    }
    check_evidence(e, val, ev, k, workdir, p, n);
    check_rules_commit(e, val, k, repo, in_repo, p, n);
    check_forced_production(doc, e, val, k, p, n);
}

/* Entries at HEAD must still be there, unchanged but for status. */
static void append_only(const cJSON *doc, const cJSON *head, char ***p, int *n)
{
    const cJSON *hh = cJSON_GetObjectItemCaseSensitive(head, "history");
    const cJSON *nh = cJSON_GetObjectItemCaseSensitive(doc, "history");
    int a = cJSON_GetArraySize(hh), b = cJSON_GetArraySize(nh);
    if (b < a)
        problem(p, n, "history: %d transitions at HEAD, %d now (removed)", a, b);
    for (int i = 0; i < a && i < b; i++)
        if (!cJSON_Compare(cJSON_GetArrayItem(hh, i), cJSON_GetArrayItem(nh, i), 1))
            problem(p, n, "history[%d]: changed since HEAD (history is "
                          "append-only)", i);
    const cJSON *hv = cJSON_GetObjectItemCaseSensitive(head, "versions");
    const cJSON *nv = cJSON_GetObjectItemCaseSensitive(doc, "versions");
    a = cJSON_GetArraySize(hv);
    b = cJSON_GetArraySize(nv);
    if (b < a)
        problem(p, n, "versions: %d at HEAD, %d now (removed)", a, b);
    for (int i = 0; i < a && i < b; i++) {
        cJSON *x = cJSON_Duplicate(cJSON_GetArrayItem(hv, i), 1);
        cJSON *y = cJSON_Duplicate(cJSON_GetArrayItem(nv, i), 1);
        cJSON_DeleteItemFromObjectCaseSensitive(x, "status");
        cJSON_DeleteItemFromObjectCaseSensitive(y, "status");
        if (!cJSON_Compare(x, y, 1)) {
            /* Name the first key that differs. */
            const char *key = NULL;
            const cJSON *c;
            cJSON_ArrayForEach(c, x)
                if (!cJSON_Compare(c, cJSON_GetObjectItemCaseSensitive(y, c->string), 1)) {
                    key = c->string;
                    break;
                }
            if (!key)
                cJSON_ArrayForEach(c, y)
                    if (!cJSON_GetObjectItemCaseSensitive(x, c->string)) {
                        key = c->string;
                        break;
                    }
            problem(p, n, "versions[%d].%s: changed since HEAD (entries are "
                          "never changed, only added)", i, key ? key : "");
        }
        cJSON_Delete(x);
        cJSON_Delete(y);
    }
    /* An entry without evidence may only be one that was there already. */
    for (int i = a; i < b; i++)
        if (cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(nv, i), "imported"))
            problem(p, n, "versions[%d].imported: an entry without evidence "
                          "added since HEAD", i);
}

int tg_registry_verify(const cJSON *doc, const char *path,
                       const char *repo_dir, char ***p, int *n, tg_error *err)
{
    (void)err;
    *p = NULL;
    *n = 0;
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(doc, "versions");
    int nprod = 0, i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, vs)
        nprod += !strcmp(or_q(str_at(e, "status")), "production");
    if (nprod != 1)
        problem(p, n, "versions: %d versions are production (exactly one must "
                      "be)", nprod);
    const cJSON *prod = tg_registry_production(doc);
    const char *pv = str_at(doc, "production");
    if (prod && (!pv || strcmp(pv, str_at(prod, "model_version"))))
        problem(p, n, "production: '%s', but the production version is %s",
                or_q(pv), str_at(prod, "model_version"));
    replay(doc, p, n);

    tg_git_facts g;
    tg_error gerr;
    int in_repo = 0;
    if (tg_git_facts_get(&g, repo_dir, NULL, &gerr) == TG_OK) {
        in_repo = g.in_repo && g.has_head;
        tg_git_facts_release(&g);
    }
    cJSON_ArrayForEach(e, vs)
        check_entry(doc, e, i++, repo_dir, in_repo, p, n);

    if (!in_repo) {
        problem(p, n, "history: cannot check against HEAD: not inside a git "
                      "repository with a commit");
        return TG_OK;
    }
    char rel[TG_PATH_MAX];
    if (tg_git_relpath(repo_dir, path, rel, sizeof rel) != 0) {
        problem(p, n, "history: cannot check against HEAD: %s is not inside "
                      "the repository's work tree", path);
        return TG_OK;
    }
    char *text = NULL;
    size_t len;
    int found = 0;
    if (tg_git_read_at(repo_dir, "HEAD", rel, &text, &len, &found, &gerr) !=
        TG_OK) {
        problem(p, n, "history: cannot read %s at HEAD: %s", rel, gerr.msg);
        return TG_OK;
    }
    if (found) {
        cJSON *head = NULL;
        tg_error perr;
        if (tg_json_parse(&head, text, rel, &perr) != TG_OK ||
            tg_registry_validate(head, rel, &perr) != TG_OK)
            problem(p, n, "history: the registry at HEAD does not validate "
                          "(%s); nothing to compare against", perr.msg);
        else
            append_only(doc, head, p, n);
        cJSON_Delete(head);
    } else {
        /* Not committed yet: entries without evidence cannot be trusted. */
        i = 0;
        cJSON_ArrayForEach(e, vs)
        {
            if (cJSON_GetObjectItemCaseSensitive(e, "imported"))
                problem(p, n, "versions[%d].imported: an entry without "
                              "evidence in a registry not yet committed", i);
            i++;
        }
    }
    free(text);
    return TG_OK;
}
