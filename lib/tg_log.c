/*
 * Execution log entries: rendering (the brief's step 10 layout, filled
 * from the gate result, the rule set and git), appending under an
 * exclusive lock with an atomic replace, parsing and verifying.
 */
#include "tg_log.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "tg_git.h"
#include "tg_json.h"
#include "tg_render.h"
#include "tg_util.h"

#define MARK "<!-- tiergate-log "
#define ENTRY_START "\n---\n\n## "

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

/* SHA-256 of an entry's text with its marker line left out (the marker
 * cannot hold a hash of itself). */
static void body_sha(const char *text, const tg_log_entry *e, char hex[65])
{
    const char *s = text + e->start, *t = text + e->end;
    const char *m = strstr(s, MARK);
    const char *nl = m ? strchr(m, '\n') : NULL;
    tg_sha256 h;
    tg_sha256_init(&h);
    if (m && m < t && nl && nl < t) {
        tg_sha256_update(&h, s, (size_t)(m - s));
        tg_sha256_update(&h, nl + 1, (size_t)(t - (nl + 1)));
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
    return !strcmp(status, "fail") ? 3 : !strcmp(status, "insufficient") ? 2
         : !strcmp(status, "warn") ? 1 : 0;
}

static const char *badge(const char *overall)
{
    return !strcmp(overall, "PASSED") ? "✅ PASSED"
         : !strcmp(overall, "FAILED") ? "❌ FAILED"
                                      : "⚠️ PASSED WITH WARNINGS";
}

static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static void gate_table(FILE *f, const cJSON *gates)
{
    static const char *words[] = {"✅ PASS", "⚠️ WARN", "❔ INSUFFICIENT",
                                  "❌ FAIL"};
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
        fprintf(f, "| %s | ", id);
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
                fprintf(f, "; %s: ", str_of(x, "tier"));
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

static int render(FILE *f, const char *prev_sha, const tg_git_facts *git,
                  const tg_log_append_options *o, const char *executed_at)
{
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
    cJSON_AddStringToObject(m, "prev_sha256", prev_sha);
    cJSON_AddStringToObject(m, "body_sha256", "BODY");
    char *mj = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);

    fprintf(f, ENTRY_START "Phase %s: Tier Logic Update\n\n", title);
    fprintf(f, MARK "%s -->\n\n", mj);
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
    else
        fprintf(f, "**Commit:** `%s` on %s by %s%s\n", git->commit,
                git->branch[0] ? git->branch : "a detached HEAD", git->author,
                git->dirty ? " (with uncommitted changes)" : "");
    fprintf(f, "**Policy:** %s · %s %g%% intervals\n", str_of(res, "policy"),
            str_of(res, "ci_method"), num_of(res, "ci_level") * 100);
    char skipped[300];
    fprintf(f, "**Data:** %s\n",
            tg_skipped_text(cJSON_GetObjectItem(res, "provenance"), skipped,
                            sizeof skipped));

    fprintf(f, "\n### What We Did\n");
    if (r->nchanges == 0)
        fprintf(f, "- Validated the tier logic of %s\n", r->model_version);
    for (int i = 0; i < r->nchanges; i++)
        fprintf(f, "- %s\n", r->changes[i]);

    fprintf(f, "\n### Files Modified\n");
    if (!git->in_repo && o->nextra == 0) {
        fprintf(f, "Not recorded: not inside a git repository.\n");
    } else {
        fprintf(f, "| File | Changes |\n|------|---------|\n");
        for (int i = 0; i < o->nextra; i++)
            fprintf(f, "| `%s` | written by this release |\n", o->extra_files[i]);
        for (int i = 0; i < git->nchanged; i++) {
            int dup = 0;
            for (int k = 0; k < o->nextra; k++)
                dup |= strcmp(git->changed[i], o->extra_files[k]) == 0;
            if (!dup)
                fprintf(f, "| `%s` | changed since the previous entry |\n",
                        git->changed[i]);
        }
        if (o->nextra == 0 && git->nchanged == 0)
            fprintf(f, "| (none) | |\n");
    }

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
        /* A count outside 0..9e15 (or not whole) is not cast: the cast
         * of an out-of-range double is undefined. */
        fprintf(f, "- **%s - Count:** %s\n", name,
                leads >= 0 && leads <= 9e15 && leads == floor(leads)
                    ? tg_fmt_count((unsigned long long)leads, a)
                    : "(invalid)");
        if (isfinite(num_of(t, "conversion_rate"))) {
            fprintf(f, "- **%s - Conversion Rate:** %.2f%%\n", name,
                    num_of(t, "conversion_rate") * 100);
            fprintf(f, "- **%s - Lift:** %.2fx\n", name, num_of(t, "lift"));
        }
    }

    fprintf(f, "\n### What We Learned\n");
    int learned = 0;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(res, "gates"))
    {
        if (!rank(str_of(t, "status")))
            continue;
        fprintf(f, "- %s %s: ", str_of(t, "id"),
                cJSON_IsString(cJSON_GetObjectItem(t, "tier"))
                    ? str_of(t, "tier") : "(priority tiers)");
        md_cell(f, str_of(t, "message"));
        fprintf(f, " (%s)\n", str_of(t, "status"));
        learned++;
    }
    if (!learned)
        fprintf(f, "- Every gate passed\n");

    fprintf(f, "\n### Next Steps\n");
    if (!strcmp(status, "FAILED"))
        fprintf(f, "- Fix what failed above; the registry and the calibration "
                   "were left unchanged\n- Re-run the gates before release\n");
    else
        fprintf(f, "- Monitor production performance for 2-4 weeks\n"
                   "- Compare %s vs the previous version's conversion rates\n"
                   "- Adjust calibration if needed\n", r->model_version);
    return 0;
}

/* Render and fill in body_sha256 (over the entry minus its marker). */
static int render_entry(char **out, const char *log_text, size_t log_len,
                        const tg_git_facts *git,
                        const tg_log_append_options *o, tg_error *err)
{
    char prev[65], now[32];
    tg_sha256_buffer(log_text, log_len, prev);
    const char *at = o->executed_at ? o->executed_at : tg_now_iso(now);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    render(f, prev, git, o, at);
    if (fclose(f) != 0) {
        free(buf);
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    tg_log_entry e = {0, len, 0, NULL};
    char hex[65];
    body_sha(buf, &e, hex);
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

int tg_log_render(char **out, const char *text, size_t len,
                  const tg_log_append_options *o, tg_error *err)
{
    tg_log log;
    tg_git_facts git;
    int rc = tg_log_parse(&log, text, len, "log", err);
    if (rc)
        return rc;
    rc = tg_git_facts_get(&git, o->repo_dir ? o->repo_dir : ".",
                          last_commit(&log), err);
    if (rc == TG_OK) {
        rc = render_entry(out, text, len, &git, o, err);
        tg_git_facts_release(&git);
    }
    tg_log_release(&log);
    return rc;
}

int tg_log_append(const char *path, const tg_log_append_options *o,
                  tg_error *err)
{
    /* A lock file beside the log: the log itself is replaced by rename,
     * so a lock on its descriptor would not exclude the next writer. */
    char lock[4200];
    snprintf(lock, sizeof lock, "%s.tiergate.lock", path);
    int fd = open(lock, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0)
        return tg_error_set(err, TG_EIO, lock, 0, 0, "cannot open: %s",
                            strerror(errno));
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            close(fd);
            return tg_error_set(err, TG_EIO, lock, 0, 0, "cannot lock: %s",
                                strerror(errno));
        }
    char *text = NULL, *entry = NULL;
    size_t len = 0;
    int rc;
    if (access(path, F_OK) != 0) {
        text = strdup(HEADER);
        len = strlen(HEADER);
        rc = text ? TG_OK : tg_error_set(err, TG_ENOMEM, path, 0, 0,
                                         "out of memory");
    } else {
        rc = tg_read_file(&text, &len, path, 256u << 20, err);
    }
    if (rc == TG_OK)
        rc = tg_log_render(&entry, text, len, o, err);
    if (rc == TG_OK) {
        size_t el = strlen(entry);
        char *all = malloc(len + el + 2);
        if (!all) {
            rc = tg_error_set(err, TG_ENOMEM, path, 0, 0, "out of memory");
        } else {
            memcpy(all, text, len);
            memcpy(all + len, entry, el);
            rc = tg_write_atomic(path, all, len + el, err);
            free(all);
        }
    }
    free(entry);
    free(text);
    flock(fd, LOCK_UN);
    close(fd);
    return rc;
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

int tg_log_verify(const char *path, const char *repo_dir, char ***problems,
                  int *n, int *entries, tg_error *err)
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
        const char *ver = cJSON_GetStringValue(cJSON_GetObjectItem(e->marker,
                                                                   "version"));
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
    tg_log_release(&log);
    free(text);
    return TG_OK;
}
