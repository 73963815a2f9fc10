/*
 * Checking an execution log: every entry's chain of SHA-256s (the log
 * before it, its own text), its commit, and the prefixes the registry's
 * entries recorded. Each problem comes with its kind, so that callers
 * decide by what is wrong, and with the message users read.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "tg_log.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_git.h"
#include "tg_log_internal.h"
#include "tg_util.h"

#define MARK TG_LOG_MARK

/* The problems found so far; failed set when one could not be kept. */
typedef struct {
    tg_log_problem *p;
    int n;
    int failed;
} problems;

const char *tg_log_problem_kind_name(tg_log_problem_kind kind)
{
    switch (kind) {
    case TG_LOG_PROBLEM_REWRITTEN_BEFORE: return "rewritten_before";
    case TG_LOG_PROBLEM_EDITED: return "edited";
    case TG_LOG_PROBLEM_MISSING_COMMIT: return "missing_commit";
    case TG_LOG_PROBLEM_CANNOT_CHECK_COMMIT: return "cannot_check_commit";
    case TG_LOG_PROBLEM_BAD_REGISTRY_RECORD: return "bad_registry_record";
    case TG_LOG_PROBLEM_TRUNCATED: return "truncated";
    case TG_LOG_PROBLEM_PREFIX_CHANGED: return "prefix_changed";
    }
    return "unknown";
}

void tg_log_problems_free(tg_log_problem *p, int n)
{
    for (int i = 0; p && i < n; i++)
        free(p[i].message);
    free(p);
}

static void problem(problems *ps, tg_log_problem_kind kind, int entry,
                    long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void problem(problems *ps, tg_log_problem_kind kind, int entry,
                    long line, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tg_log_problem *x = realloc(ps->p, (size_t)(ps->n + 1) * sizeof *x);
    char *msg = strdup(buf);
    if (!x || !msg) {
        if (x)
            ps->p = x;
        free(msg);
        ps->failed = 1;
        return;
    }
    ps->p = x;
    x[ps->n++] = (tg_log_problem){kind, entry, line, msg};
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
/* The prefixes registry entries recorded must still be the log's. */
static void check_anchors(const char *path, const char *repo_dir,
                          const char *text, size_t len,
                          const cJSON *registry, problems *ps)
{
    char real[PATH_MAX], other[PATH_MAX], workdir[TG_PATH_MAX], where[8500];
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
            problem(ps, TG_LOG_PROBLEM_BAD_REGISTRY_RECORD, 0, 0,
                    "%s: registry versions[%d].log: expected file, bytes and "
                    "sha256", path, k - 1);
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
            problem(ps, TG_LOG_PROBLEM_TRUNCATED, 0, 0,
                    "%s: the log is %zu bytes, but the registry's %s "
                    "(versions[%d].log) recorded it through its entry as %zu "
                    "bytes: entries were cut off the end", path, len,
                    ver ? ver : "?", k - 1, want);
            continue;
        }
        tg_sha256_buffer(text, want, hex);
        if (strcmp(hex, sha))
            problem(ps, TG_LOG_PROBLEM_PREFIX_CHANGED, 0, 0,
                    "%s: the first %zu bytes (the log through the entry of "
                    "%s, versions[%d].log) no longer have the SHA-256 the "
                    "registry recorded: an entry up to it was edited, removed "
                    "or reordered", path, want, ver ? ver : "?", k - 1);
    }
}

/* Entry i (0-based): the hashes its marker recorded, and its commit. */
static void check_entry(const char *path, const char *repo_dir,
                        const char *text, const tg_log_entry *e, int i,
                        problems *ps)
{
    const char *version = cJSON_GetStringValue(
        cJSON_GetObjectItem(e->marker, "version"));
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(e->marker,
                                                                "kind"));
    /* "v3.2", or "recalibration of v3.2": which entry is meant. */
    char ver[160];
    snprintf(ver, sizeof ver, "%s%.100s",
             kind && !strcmp(kind, "recalibration") ? "recalibration of " : "",
             version ? version : "?");
    const char *prev = cJSON_GetStringValue(cJSON_GetObjectItem(e->marker,
                                                                "prev_sha256"));
    const char *body = cJSON_GetStringValue(cJSON_GetObjectItem(e->marker,
                                                                "body_sha256"));
    const char *commit = cJSON_GetStringValue(cJSON_GetObjectItem(e->marker,
                                                                  "commit"));
    char hex[65];
    tg_sha256_buffer(text, e->start, hex);
    if (!prev || strcmp(prev, hex) != 0)
        problem(ps, TG_LOG_PROBLEM_REWRITTEN_BEFORE, i + 1, e->line,
                "%s:%ld: entry %d (%s): the log before it was rewritten (its "
                "SHA-256 no longer matches)", path, e->line, i + 1, ver);
    body_sha(text, e, hex);
    if (!body || strcmp(body, hex) != 0)
        problem(ps, TG_LOG_PROBLEM_EDITED, i + 1, e->line,
                "%s:%ld: entry %d (%s): the entry itself was edited", path,
                e->line, i + 1, ver);
    if (!commit)
        return;
    int exists = 0;
    tg_error ge;
    tg_error_clear(&ge);
    if (tg_git_commit_exists(repo_dir ? repo_dir : ".", commit, &exists,
                             &ge) != TG_OK)
        problem(ps, TG_LOG_PROBLEM_CANNOT_CHECK_COMMIT, i + 1, e->line,
                "%s:%ld: entry %d (%s): cannot check commit %s: %s", path,
                e->line, i + 1, ver, commit, ge.msg);
    else if (!exists)
        problem(ps, TG_LOG_PROBLEM_MISSING_COMMIT, i + 1, e->line,
                "%s:%ld: entry %d (%s): commit %s does not exist in this "
                "repository", path, e->line, i + 1, ver, commit);
}

int tg_log_verify(const char *path, const char *repo_dir,
                  const cJSON *registry, tg_log_problem **out, int *n,
                  int *entries, tg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    tg_log log;
    problems ps = {NULL, 0, 0};
    *out = NULL;
    *n = 0;
    *entries = 0;
    int rc = tg_read_file(&text, &len, path, TG_LOG_MAX_BYTES, err);
    if (rc)
        return rc;
    if ((rc = tg_log_parse(&log, text, len, path, err))) {
        free(text);
        return rc;
    }
    *entries = log.n;
    for (int i = 0; i < log.n; i++)
        check_entry(path, repo_dir, text, &log.entries[i], i, &ps);
    check_anchors(path, repo_dir, text, len, registry, &ps);
    tg_log_release(&log);
    free(text);
    if (ps.failed) {
        tg_log_problems_free(ps.p, ps.n);
        return tg_error_oom(err, path);
    }
    *out = ps.p;
    *n = ps.n;
    return TG_OK;
}
