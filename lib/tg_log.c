/*
 * The execution log's file: finding its entries (parsing the markers),
 * and appending an entry of any kind under an exclusive lock with an
 * atomic replace: the SHA-256 of the log before it, its own hash, the
 * git facts and the header of a new log. What an entry says is written
 * by its kind's renderer (tg_log_gate_entry.c, tg_log_recal.c); checking
 * a log is tg_log_verify.c.
 */
#define _XOPEN_SOURCE 700 /* strndup */
#include "tg_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_escape.h"
#include "tg_git.h"
#include "tg_json.h"
#include "tg_log_internal.h"
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
            return tg_error_oom(err, path);
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
        return tg_error_oom(err, NULL);
    fn(f, prev, git, at, ctx);
    if (fclose(f) != 0) {
        free(buf);
        return tg_error_oom(err, NULL);
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
        return tg_error_oom(err, NULL);
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

int tg_log_git_facts(tg_git_facts *out, const char *path, const char *repo,
                     tg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    tg_log log;
    memset(&log, 0, sizeof log);
    int rc = TG_OK;
    if (access(path, F_OK) == 0 &&
        ((rc = tg_read_file(&text, &len, path, TG_LOG_MAX_BYTES, err)) ||
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
        rc = text ? TG_OK : tg_error_oom(err, path);
    } else {
        rc = tg_read_file(&text, &len, path, TG_LOG_MAX_BYTES, err);
    }
    if (rc == TG_OK)
        rc = tg_log_render_with(&entry, text, len, repo_dir, git, executed_at,
                                fn, ctx, err);
    if (rc == TG_OK) {
        size_t el = strlen(entry);
        char *all = malloc(len + el + 1);
        if (!all) {
            rc = tg_error_oom(err, path);
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


cJSON *tg_log_marker_start(const char *kind, const char *version,
                           const char *model_id, const char *status,
                           const tg_git_facts *git, const char *executed_at)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "tiergate_log", 1);
    cJSON_AddStringToObject(m, "kind", kind);
    cJSON_AddStringToObject(m, "version", version);
    cJSON_AddStringToObject(m, "model_id", model_id);
    cJSON_AddStringToObject(m, "status", status);
    if (git->has_head)
        cJSON_AddStringToObject(m, "commit", git->commit);
    else
        cJSON_AddNullToObject(m, "commit");
    cJSON_AddStringToObject(m, "branch", git->branch);
    cJSON_AddBoolToObject(m, "dirty", git->dirty);
    cJSON_AddStringToObject(m, "executed_at", executed_at);
    return m;
}

void tg_log_commit_line(FILE *f, const tg_git_facts *git)
{
    if (!git->in_repo)
        fprintf(f, "**Commit:** not a git repository: this entry is linked "
                   "to no commit\n");
    else if (!git->has_head)
        fprintf(f, "**Commit:** none yet (the repository has no commit)\n");
    else {
        fprintf(f, "**Commit:** `%s` on ", git->commit);
        tg_esc_md(f, git->branch[0] ? git->branch : "a detached HEAD");
        fputs(" by ", f);
        tg_esc_md(f, git->author);
        fprintf(f, "%s\n", git->dirty ? " (with uncommitted changes)" : "");
    }
}
