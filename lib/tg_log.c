/*
 * Execution log entries: rendering (checklist step 10 layout, filled
 * from the gate result, the rule set and git), appending under an
 * exclusive lock with an atomic replace, parsing and verifying.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "tg_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tg_escape.h"
#include "tg_git.h"
#include "tg_json.h"
#include "tg_log_internal.h"
#include "tg_render.h"
#include "tg_util.h"

#define MARK TG_LOG_MARK
#define ENTRY_START TG_LOG_ENTRY_START

static const char HEADER[] =
    "# Execution log\n\n"
    "Append-only record of lead-scoring model releases. Entries are written "
    "by\n`tiergate log append` / `tiergate release`, each linked to the "
    "commit that\nproduced it; earlier entries are never rewritten.\n";

/* ---- parsing ----------------------------------------------------------- */

void tg_log_release(tg_log *log)
{
    if (!log)
        return;
    for (int i = 0; i < log->n; i++)
        cJSON_Delete(log->entries[i].marker);
    free(log->entries);
    log->entries = NULL;
    log->n = 0;
}

int tg_log_parse(tg_log *out, const char *text, size_t len, const char *path,
                 tg_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *m = strstr(p, MARK);
        if (!m || m >= end)
            break;
        const char *close = strstr(m, " -->");
        long line, col;
        tg_text_position(text, (size_t)(m - text), &line, &col);
        if (!close) {
            tg_log_release(out);
            return tg_error_set(err, TG_EINVAL, path, line, col,
                                "unterminated tiergate-log marker");
        }
        size_t jl = (size_t)(close - (m + strlen(MARK)));
        char *json = strndup(m + strlen(MARK), jl);
        cJSON *j = json ? cJSON_Parse(json) : NULL;
        free(json);
        if (!cJSON_IsObject(j)) {
            cJSON_Delete(j);
            tg_log_release(out);
            return tg_error_set(err, TG_EINVAL, path, line, col,
                                "a tiergate-log marker that is not a JSON "
                                "object");
        }
        /* The entry starts at the separator before its marker. */
        const char *s = m;
        while (s > text && !(s - text >= 5 && strncmp(s - 5, "\n---\n", 5) == 0))
            s--;
        size_t start = s - text >= 5 ? (size_t)(s - 5 - text) : 0;
        tg_log_entry *n = realloc(out->entries,
                                  (size_t)(out->n + 1) * sizeof *n);
        if (!n) {
            cJSON_Delete(j);
            tg_log_release(out);
            return tg_error_set(err, TG_ENOMEM, path, 0, 0, "out of memory");
        }
        out->entries = n;
        out->entries[out->n].start = start;
        out->entries[out->n].end = len;
        out->entries[out->n].line = line;
        out->entries[out->n].marker = j;
        if (out->n > 0)
            out->entries[out->n - 1].end = start;
        out->n++;
        p = close + 4;
    }
    return TG_OK;
}

/* SHA-256 of an entry's text, its marker included, with the marker's
 * own body_sha256 value read as "BODY" (a hash cannot hold itself): an
 * edit anywhere in the entry, the marker's status included, shows. */
static void body_sha(const char *text, const tg_log_entry *e, char hex[65])
{
    static const char KEY[] = "\"body_sha256\":\"";
    const char *s = text + e->start, *t = text + e->end;
    const char *m = strstr(s, MARK);
    const char *slot = m && m < t ? strstr(m, KEY) : NULL;
    tg_sha256 h;
    tg_sha256_init(&h);
    if (slot && slot + strlen(KEY) + 64 < t) {
        const char *v = slot + strlen(KEY);
        tg_sha256_update(&h, s, (size_t)(v - s));
        tg_sha256_update(&h, "BODY", 4);
        tg_sha256_update(&h, v + 64, (size_t)(t - (v + 64)));
    } else {
        tg_sha256_update(&h, s, (size_t)(t - s));
    }
    tg_sha256_hex(&h, hex);
}

/* ---- rendering --------------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static int rank(const char *status)
{
    return !strcmp(status, "fail") ? 4 : !strcmp(status, "insufficient") ? 3
         : !strcmp(status, "inconclusive") ? 2
         : !strcmp(status, "warn") ? 1 : 0;
}

static const char *badge(const char *overall)
{
    return !strcmp(overall, "PASSED") ? "✅ PASSED"
         : !strcmp(overall, "FAILED") ? "❌ FAILED"
                                      : "⚠️ PASSED WITH WARNINGS";
}

/* Text from the result, the rule set or git, as Markdown text. */
static void md_cell(FILE *f, const char *s)
{
    tg_esc_md(f, s);
}

/*
 * The marker is JSON inside an HTML comment: a string holding "-->"
 * would end the comment. '<' and '>' only occur inside JSON strings, so
 * writing them as \u003c and \u003e keeps the same JSON value.
 */
void tg_log_marker_json(FILE *f, const char *json)
{
    for (; *json; json++)
        if (*json == '<')
            fputs("\\u003c", f);
        else if (*json == '>')
            fputs("\\u003e", f);
        else
            fputc(*json, f);
}

static void gate_table(FILE *f, const cJSON *gates)
{
    static const char *words[] = {"✅ PASS", "⚠️ WARN", "❓ INCONCLUSIVE",
                                  "❔ INSUFFICIENT", "❌ FAIL"};
    fprintf(f, "| Gate ID | Check | Result | Notes |\n"
               "|---------|-------|--------|-------|\n");
    int n = cJSON_GetArraySize(gates);
    for (int i = 0; i < n; i++) {
        const cJSON *g = cJSON_GetArrayItem(gates, i);
        const char *id = str_of(g, "id");
        int seen = 0;
        for (int k = 0; k < i; k++)
            seen |= !strcmp(str_of(cJSON_GetArrayItem(gates, k), "id"), id);
        if (seen)
            continue;
        /* One row per gate: its worst outcome, and what did not pass. */
        int worst = 0, total = 0, passed = 0;
        for (int k = i; k < n; k++) {
            const cJSON *x = cJSON_GetArrayItem(gates, k);
            if (strcmp(str_of(x, "id"), id))
                continue;
            int r = rank(str_of(x, "status"));
            worst = r > worst ? r : worst;
            total++;
            passed += r == 0;
        }
        fputs("| ", f);
        md_cell(f, id);
        fputs(" | ", f);
        md_cell(f, str_of(g, "description"));
        fprintf(f, " | %s | ", words[worst]);
        if (total == 1) {
            md_cell(f, str_of(g, "message"));
        } else {
            fprintf(f, "%d of %d tiers pass", passed, total);
            for (int k = i; k < n; k++) {
                const cJSON *x = cJSON_GetArrayItem(gates, k);
                if (strcmp(str_of(x, "id"), id) || !rank(str_of(x, "status")))
                    continue;
                fputs("; ", f);
                md_cell(f, str_of(x, "tier"));
                if (cJSON_IsString(cJSON_GetObjectItem(x, "slice"))) {
                    fputs(" in ", f); /* a per-slice outcome */
                    md_cell(f, str_of(x, "slice"));
                }
                fputs(": ", f);
                md_cell(f, str_of(x, "message"));
            }
        }
        fprintf(f, " |\n");
    }
}

static double num_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The inputs as paths relative to the work tree, for matching git. */
static char **input_paths(const tg_log_append_options *o, const tg_git_facts *git)
{
    char **rel = calloc((size_t)o->ninputs + 1, sizeof *rel);
    for (int i = 0; rel && i < o->ninputs; i++) {
        char buf[4096];
        if (git->in_repo && o->inputs[i] &&
            tg_git_relpath(o->repo_dir ? o->repo_dir : ".", o->inputs[i], buf,
                           sizeof buf) == 0)
            rel[i] = strdup(buf);
    }
    return rel;
}

static void free_paths(char **p, int n)
{
    for (int i = 0; p && i < n; i++)
        free(p[i]);
    free(p);
}

static void render(FILE *f, const char *prev_sha, const tg_git_facts *git,
                   const char *executed_at, const void *ctx)
{
    const tg_log_append_options *o = ctx;
    char **rel = input_paths(o, git);
    const cJSON *res = o->result;
    const tg_rules *r = o->rules;
    const char *status = str_of(res, "status");
    char title[64];
    snprintf(title, sizeof title, "%s", r->model_version);
    for (char *c = title; *c; c++)
        if (*c == 'v')
            *c = 'V';

    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "tiergate_log", 1);
    cJSON_AddStringToObject(m, "kind", "gate");
    cJSON_AddStringToObject(m, "version", r->model_version);
    cJSON_AddStringToObject(m, "model_id", r->model_id);
    cJSON_AddStringToObject(m, "status", status);
    if (git->has_head)
        cJSON_AddStringToObject(m, "commit", git->commit);
    else
        cJSON_AddNullToObject(m, "commit");
    cJSON_AddStringToObject(m, "branch", git->branch);
    cJSON_AddBoolToObject(m, "dirty", git->dirty);
    cJSON_AddStringToObject(m, "executed_at", executed_at);
    cJSON_AddStringToObject(m, "rules_sha256", r->sha256);
    cJSON_AddStringToObject(m, "policy_sha256",
                            str_of(cJSON_GetObjectItem(res, "provenance"),
                                   "policy_sha256"));
    cJSON *dirty_inputs = cJSON_AddArrayToObject(m, "dirty_inputs");
    for (int i = 0; rel && i < o->ninputs; i++)
        if (rel[i] && tg_git_listed(git->uncommitted, git->nuncommitted, rel[i]))
            cJSON_AddItemToArray(dirty_inputs, cJSON_CreateString(rel[i]));
    cJSON_AddStringToObject(m, "tiergate_version", TG_VERSION);
    if (o->date_config_sha256)
        cJSON_AddStringToObject(m, "date_config_sha256", o->date_config_sha256);
    else
        cJSON_AddNullToObject(m, "date_config_sha256");
    cJSON_AddStringToObject(m, "prev_sha256", prev_sha);
    cJSON_AddStringToObject(m, "body_sha256", "BODY");
    int ndirty = cJSON_GetArraySize(dirty_inputs);
    char *dirty_list = NULL;
    size_t dl = 0;
    FILE *dfp = open_memstream(&dirty_list, &dl);
    const cJSON *di;
    cJSON_ArrayForEach(di, dirty_inputs)
        if (dfp) {
            fputs(di == dirty_inputs->child ? "" : ", ", dfp);
            tg_esc_md_code(dfp, di->valuestring);
        }
    if (dfp)
        fclose(dfp);
    char *mj = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);

    fputs(ENTRY_START "Phase ", f);
    md_cell(f, title); /* one line whatever the version holds */
    fputs(": Tier Logic Update\n\n" MARK, f);
    tg_log_marker_json(f, mj);
    fputs(" -->\n\n", f);
    cJSON_free(mj);
    fprintf(f, "**Executed:** %.10s %.8s UTC\n", executed_at, executed_at + 11);
    if (isnan(o->duration_seconds))
        fprintf(f, "**Duration:** not measured (gate result appended later)\n");
    else
        fprintf(f, "**Duration:** %.1f seconds\n", o->duration_seconds);
    fprintf(f, "**Status:** %s\n", badge(status));
    if (!git->in_repo)
        fprintf(f, "**Commit:** not a git repository: this entry is linked "
                   "to no commit\n");
    else if (!git->has_head)
        fprintf(f, "**Commit:** none yet (the repository has no commit)\n");
    else {
        fprintf(f, "**Commit:** `%s` on ", git->commit);
        md_cell(f, git->branch[0] ? git->branch : "a detached HEAD");
        fputs(" by ", f);
        md_cell(f, git->author);
        fprintf(f, "%s\n", git->dirty ? " (with uncommitted changes)" : "");
    }
    fputs("**Policy:** ", f);
    md_cell(f, str_of(res, "policy"));
    fputs(" · ", f);
    md_cell(f, str_of(res, "ci_method"));
    fprintf(f, " %g%% intervals\n", num_of(res, "ci_level") * 100);
    if (git->in_repo)
        fprintf(f, "**Uncommitted inputs:** %s\n",
                ndirty && dirty_list ? dirty_list
                                     : "none (every input is as committed)");
    /* Both hashes are hex this process computed. */
    fprintf(f, "**Provenance:** tiergate %s · rules SHA-256 `%s` · date "
               "config SHA-256 %s%s%s\n", TG_VERSION, r->sha256,
            o->date_config_sha256 ? "`" : "",
            o->date_config_sha256 ? o->date_config_sha256
                                  : "(none: the export has a split column)",
            o->date_config_sha256 ? "`" : "");
    free(dirty_list);
    char skipped[300];
    fprintf(f, "**Data:** %s\n",
            tg_skipped_text(cJSON_GetObjectItem(res, "provenance"), skipped,
                            sizeof skipped));

    fprintf(f, "\n### What We Did\n");
    if (r->nchanges == 0) {
        fputs("- Validated the tier logic of ", f);
        md_cell(f, r->model_version);
        fputc('\n', f);
    }
    for (int i = 0; i < r->nchanges; i++) {
        fputs("- ", f);
        md_cell(f, r->changes[i]);
        fputc('\n', f);
    }

    /* What this run wrote, and which of its inputs changed since the
     * previous entry's commit or are uncommitted: not the whole tree. */
    fprintf(f, "\n### Files Modified\n");
    fprintf(f, "| File | Changes |\n|------|---------|\n");
    int rows = 0;
    for (int i = 0; i < o->nwritten; i++, rows++) {
        fputs("| ", f);
        tg_esc_md_code(f, o->written[i]);
        fputs(" | written by this run |\n", f);
    }
    for (int i = 0; rel && i < o->ninputs; i++) {
        if (!rel[i])
            continue;
        int dup = 0;
        for (int k = 0; k < i; k++)
            dup |= rel[k] && !strcmp(rel[k], rel[i]);
        if (dup)
            continue;
        int since = tg_git_listed(git->changed, git->nchanged, rel[i]);
        int unc = tg_git_listed(git->uncommitted, git->nuncommitted, rel[i]);
        if (since || unc) {
            fputs("| ", f);
            tg_esc_md_code(f, rel[i]);
            fprintf(f, " | input %s%s%s |\n",
                    since ? "changed since the previous entry's commit" : "",
                    since && unc ? "; " : "",
                    unc ? "with uncommitted changes" : "");
            rows++;
        }
    }
    if (!rows)
        fprintf(f, "| (none) | |\n");
    if (!git->in_repo)
        fprintf(f, "\nInputs not checked: not inside a git repository.\n");
    free_paths(rel, o->ninputs);

    fprintf(f, "\n### Validation Gates\n");
    gate_table(f, cJSON_GetObjectItem(res, "gates"));

    fprintf(f, "\n### Key Metrics (TRAIN)\n");
    const cJSON *train = cJSON_GetObjectItem(cJSON_GetObjectItem(res, "splits"),
                                             "TRAIN");
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(train, "tiers"))
    {
        const char *name = str_of(t, "tier");
        char a[32];
        double leads = num_of(t, "leads");
        fputs("- **", f);
        md_cell(f, name);
        /* A count outside 0..9e15 (or not whole) is not cast: the cast
         * of an out-of-range double is undefined. */
        fprintf(f, " - Count:** %s\n",
                leads >= 0 && leads <= 9e15 && leads == floor(leads)
                    ? tg_fmt_count((unsigned long long)leads, a)
                    : "(invalid)");
        if (isfinite(num_of(t, "conversion_rate"))) {
            fputs("- **", f);
            md_cell(f, name);
            fprintf(f, " - Conversion Rate:** %.2f%%\n",
                    num_of(t, "conversion_rate") * 100);
            fputs("- **", f);
            md_cell(f, name);
            fprintf(f, " - Lift:** %.2fx\n", num_of(t, "lift"));
        }
    }

    fprintf(f, "\n### What We Learned\n");
    int learned = 0;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(res, "gates"))
    {
        if (!rank(str_of(t, "status")))
            continue;
        fputs("- ", f);
        md_cell(f, str_of(t, "id"));
        fputc(' ', f);
        md_cell(f, cJSON_IsString(cJSON_GetObjectItem(t, "tier"))
                       ? str_of(t, "tier") : "(priority tiers)");
        if (cJSON_IsString(cJSON_GetObjectItem(t, "slice"))) {
            fputs(" in ", f); /* a per-slice outcome */
            md_cell(f, str_of(t, "slice"));
        }
        fputs(": ", f);
        md_cell(f, str_of(t, "message"));
        fputs(" (", f);
        md_cell(f, str_of(t, "status"));
        fputs(")\n", f);
        learned++;
    }
    if (!learned)
        fprintf(f, "- Every gate passed\n");

    fprintf(f, "\n### Next Steps\n");
    if (!strcmp(status, "FAILED"))
        fprintf(f, "- Fix what failed above; the registry and the calibration "
                   "were left unchanged\n- Re-run the gates before release\n");
    else {
        fputs("- Monitor production performance for 2-4 weeks\n- Compare ", f);
        md_cell(f, r->model_version);
        fputs(" vs the previous version's conversion rates\n"
              "- Adjust calibration if needed\n", f);
    }
}

/* Render and fill in body_sha256 (over the entry minus its marker). */
static int render_entry(char **out, const char *log_text, size_t log_len,
                        const tg_git_facts *git, const char *executed_at,
                        tg_log_render_fn fn, const void *ctx, tg_error *err)
{
    char prev[65], now[32];
    tg_sha256_buffer(log_text, log_len, prev);
    const char *at = executed_at ? executed_at : tg_now_iso(now);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    fn(f, prev, git, at, ctx);
    if (fclose(f) != 0) {
        free(buf);
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    char hex[65];
    tg_sha256_buffer(buf, len, hex); /* the placeholder is still "BODY" */
    char *slot = strstr(buf, "\"body_sha256\":\"BODY\"");
    if (!slot) {
        free(buf);
        return tg_error_set(err, TG_EINTERNAL, NULL, 0, 0, "log marker");
    }
    /* Replace the placeholder with the hash (the line grows by 60). */
    size_t pre = (size_t)(slot - buf) + strlen("\"body_sha256\":\"");
    char *n = malloc(len + 64 + 1);
    if (!n) {
        free(buf);
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    memcpy(n, buf, pre);
    memcpy(n + pre, hex, 64);
    memcpy(n + pre + 64, buf + pre + 4, len - pre - 4);
    n[len + 60] = '\0';
    free(buf);
    *out = n;
    return TG_OK;
}

static const char *last_commit(const tg_log *log)
{
    for (int i = log->n - 1; i >= 0; i--) {
        const char *c = cJSON_GetStringValue(
            cJSON_GetObjectItem(log->entries[i].marker, "commit"));
        if (c)
            return c;
    }
    return NULL;
}

int tg_log_render_with(char **out, const char *text, size_t len,
                       const char *repo_dir, const tg_git_facts *given,
                       const char *executed_at, tg_log_render_fn fn,
                       const void *ctx, tg_error *err)
{
    if (given)
        return render_entry(out, text, len, given, executed_at, fn, ctx, err);
    tg_log log;
    tg_git_facts git;
    int rc = tg_log_parse(&log, text, len, "log", err);
    if (rc)
        return rc;
    rc = tg_git_facts_get(&git, repo_dir ? repo_dir : ".", last_commit(&log),
                          err);
    if (rc == TG_OK) {
        rc = render_entry(out, text, len, &git, executed_at, fn, ctx, err);
        tg_git_facts_release(&git);
    }
    tg_log_release(&log);
    return rc;
}

int tg_log_render(char **out, const char *text, size_t len,
                  const tg_log_append_options *o, tg_error *err)
{
    return tg_log_render_with(out, text, len, o->repo_dir, o->git,
                              o->executed_at, render, o, err);
}

int tg_log_git_facts(tg_git_facts *out, const char *path, const char *repo,
                     tg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    tg_log log;
    memset(&log, 0, sizeof log);
    int rc = TG_OK;
    if (access(path, F_OK) == 0 &&
        ((rc = tg_read_file(&text, &len, path, 256u << 20, err)) ||
         (rc = tg_log_parse(&log, text, len, path, err)))) {
        free(text);
        return rc;
    }
    rc = tg_git_facts_get(out, repo ? repo : ".", last_commit(&log), err);
    tg_log_release(&log);
    free(text);
    return rc;
}

int tg_log_compose_with(char **out, size_t *out_len, const char *path,
                        const char *repo_dir, const tg_git_facts *git,
                        const char *executed_at, tg_log_render_fn fn,
                        const void *ctx, tg_error *err)
{
    char *text = NULL, *entry = NULL;
    size_t len = 0;
    int rc;
    *out = NULL;
    if (access(path, F_OK) != 0) {
        text = strdup(HEADER);
        len = strlen(HEADER);
        rc = text ? TG_OK : tg_error_set(err, TG_ENOMEM, path, 0, 0,
                                         "out of memory");
    } else {
        rc = tg_read_file(&text, &len, path, 256u << 20, err);
    }
    if (rc == TG_OK)
        rc = tg_log_render_with(&entry, text, len, repo_dir, git, executed_at,
                                fn, ctx, err);
    if (rc == TG_OK) {
        size_t el = strlen(entry);
        char *all = malloc(len + el + 1);
        if (!all) {
            rc = tg_error_set(err, TG_ENOMEM, path, 0, 0, "out of memory");
        } else {
            memcpy(all, text, len);
            memcpy(all + len, entry, el);
            all[len + el] = '\0';
            *out = all;
            *out_len = len + el;
        }
    }
    free(entry);
    free(text);
    return rc;
}

int tg_log_compose(char **out, size_t *out_len, const char *path,
                   const tg_log_append_options *o, tg_error *err)
{
    return tg_log_compose_with(out, out_len, path, o->repo_dir, o->git,
                               o->executed_at, render, o, err);
}

int tg_log_require_repo(const char *path, const char *repo_dir, tg_error *err)
{
    /* The log links every entry to a commit: outside a repository
     * there is none, and an entry saying so helps nobody. */
    tg_git_facts probe;
    const char *repo = repo_dir ? repo_dir : ".";
    int prc = tg_git_facts_get(&probe, repo, NULL, err);
    if (prc)
        return prc;
    int in_repo = probe.in_repo;
    tg_git_facts_release(&probe);
    if (!in_repo)
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "not inside a git repository (looked from '%s'): "
                            "the execution log links each entry to a commit; "
                            "run this in the model's repository",
                            repo);
    return TG_OK;
}

int tg_log_append_with(const char *path, const char *repo_dir,
                       const tg_git_facts *git, const char *executed_at,
                       tg_log_render_fn fn, const void *ctx, tg_error *err)
{
    int rc = tg_log_require_repo(path, repo_dir, err);
    if (rc)
        return rc;
    char *all = NULL;
    size_t len = 0;
    rc = tg_log_compose_with(&all, &len, path, repo_dir, git, executed_at,
                             fn, ctx, err);
    if (rc == TG_OK)
        rc = tg_write_atomic(path, all, len, err);
    free(all);
    return rc;
}

int tg_log_append(const char *path, const tg_log_append_options *o,
                  tg_error *err)
{
    return tg_log_append_with(path, o->repo_dir, o->git, o->executed_at,
                              render, o, err);
}

static int problem(char ***p, int *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int problem(char ***p, int *n, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **x = realloc(*p, (size_t)(*n + 1) * sizeof *x);
    if (!x)
        return -1;
    *p = x;
    x[(*n)++] = strdup(buf);
    return 0;
}

/* The prefixes registry entries recorded must still be the log's. */
static void check_anchors(const char *path, const char *repo_dir,
                          const char *text, size_t len,
                          const cJSON *registry, char ***problems, int *n)
{
    char real[PATH_MAX], other[PATH_MAX], workdir[4096], where[8500];
    if (!registry || !realpath(path, real))
        return;
    if (tg_git_workdir(repo_dir ? repo_dir : ".", workdir, sizeof workdir))
        workdir[0] = '\0';
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(registry, "versions"))
    {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "log");
        const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(a, "file"));
        const char *sha = cJSON_GetStringValue(cJSON_GetObjectItem(a, "sha256"));
        const cJSON *bytes = cJSON_GetObjectItem(a, "bytes");
        const char *ver = cJSON_GetStringValue(cJSON_GetObjectItem(e, "model_version"));
        k++;
        if (!a)
            continue;
        if (!file || !sha || !cJSON_IsNumber(bytes) || bytes->valuedouble < 0) {
            problem(problems, n, "%s: registry versions[%d].log: expected "
                                 "file, bytes and sha256", path, k - 1);
            continue;
        }
        /* Relative to the work tree, where the release recorded it. */
        if (file[0] != '/' && workdir[0]) {
            snprintf(where, sizeof where, "%s%s", workdir, file);
            file = where;
        }
        if (!realpath(file, other) || strcmp(real, other))
            continue; /* another log */
        size_t want = (size_t)bytes->valuedouble;
        char hex[65];
        if (want > len) {
            problem(problems, n, "%s: the log is %zu bytes, but the registry's "
                                 "%s (versions[%d].log) recorded it through "
                                 "its entry as %zu bytes: entries were cut off "
                                 "the end", path, len, ver ? ver : "?", k - 1,
                    want);
            continue;
        }
        tg_sha256_buffer(text, want, hex);
        if (strcmp(hex, sha))
            problem(problems, n, "%s: the first %zu bytes (the log through the "
                                 "entry of %s, versions[%d].log) no longer "
                                 "have the SHA-256 the registry recorded: an "
                                 "entry up to it was edited, removed or "
                                 "reordered", path, want, ver ? ver : "?",
                    k - 1);
    }
}

int tg_log_verify(const char *path, const char *repo_dir,
                  const cJSON *registry, char ***problems, int *n,
                  int *entries, tg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    tg_log log;
    *problems = NULL;
    *n = 0;
    *entries = 0;
    int rc = tg_read_file(&text, &len, path, 256u << 20, err);
    if (rc)
        return rc;
    if ((rc = tg_log_parse(&log, text, len, path, err))) {
        free(text);
        return rc;
    }
    *entries = log.n;
    for (int i = 0; i < log.n; i++) {
        const tg_log_entry *e = &log.entries[i];
        const char *version = cJSON_GetStringValue(
            cJSON_GetObjectItem(e->marker, "version"));
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(e->marker,
                                                                    "kind"));
        /* "v3.2", or "recalibration of v3.2": which entry is meant. */
        char label[160];
        snprintf(label, sizeof label, "%s%.100s",
                 kind && !strcmp(kind, "recalibration") ? "recalibration of "
                                                         : "",
                 version ? version : "?");
        const char *ver = label;
        const char *prev = cJSON_GetStringValue(cJSON_GetObjectItem(e->marker,
                                                                    "prev_sha256"));
        const char *body = cJSON_GetStringValue(cJSON_GetObjectItem(e->marker,
                                                                    "body_sha256"));
        const char *commit = cJSON_GetStringValue(cJSON_GetObjectItem(e->marker,
                                                                      "commit"));
        char hex[65];
        tg_sha256_buffer(text, e->start, hex);
        if (!prev || strcmp(prev, hex) != 0)
            problem(problems, n, "%s:%ld: entry %d (%s): the log before it was "
                                 "rewritten (its SHA-256 no longer matches)",
                    path, e->line, i + 1, ver ? ver : "?");
        body_sha(text, e, hex);
        if (!body || strcmp(body, hex) != 0)
            problem(problems, n, "%s:%ld: entry %d (%s): the entry itself was "
                                 "edited", path, e->line, i + 1,
                    ver ? ver : "?");
        if (commit) {
            int exists = 0;
            tg_error ge;
            if (tg_git_commit_exists(repo_dir ? repo_dir : ".", commit,
                                     &exists, &ge) != TG_OK)
                problem(problems, n, "%s:%ld: entry %d (%s): cannot check "
                                     "commit %s: %s", path, e->line, i + 1,
                        ver ? ver : "?", commit, ge.msg);
            else if (!exists)
                problem(problems, n, "%s:%ld: entry %d (%s): commit %s does "
                                     "not exist in this repository", path,
                        e->line, i + 1, ver ? ver : "?", commit);
        }
    }
    check_anchors(path, repo_dir, text, len, registry, problems, n);
    tg_log_release(&log);
    free(text);
    return TG_OK;
}
