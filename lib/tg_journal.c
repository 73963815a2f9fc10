/*
 * The roll-forward journal: JSON holding, per file, its absolute path,
 * the SHA-256 of its new content and the content itself.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "tg_journal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_json.h"
#include "tg_util.h"

/* Absolute path of a file whose folder exists: the journal may be
 * completed by a run started from another working directory. */
static int absolute(const char *path, char *out, size_t n, tg_error *err)
{
    char dir[TG_PATH_MAX], real[PATH_MAX];
    tg_dirname(path, dir, sizeof dir);
    if (!realpath(dir, real))
        return tg_error_set(err, TG_EIO, dir, 0, 0, "cannot resolve: %s",
                            strerror(errno));
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if ((size_t)snprintf(out, n, "%s/%s", strcmp(real, "/") ? real : "", base) >= n)
        return tg_error_set(err, TG_EINVAL, path, 0, 0, "path too long");
    return TG_OK;
}

/* A file the journal may write: inside root once links are resolved. */
static int inside_root(const char *path, const char *root, const char *journal,
                       const char *key, tg_error *err)
{
    int inside = 0;
    int rc = tg_path_within(path, root, &inside, err);
    if (rc)
        return rc;
    if (!inside)
        return tg_error_set(err, TG_EINVAL, journal, 0, 0,
                            "%s: %s is outside %s; a transaction only writes "
                            "inside the repository (inspect the journal, then "
                            "remove it)", key, path, root);
    return TG_OK;
}

int tg_journal_run(const char *journal, const char *root,
                   const tg_journal_file *files, int n, tg_error *err)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "tiergate_journal", 1);
    cJSON *arr = cJSON_AddArrayToObject(j, "files");
    int rc = TG_OK;
    char (*abs)[TG_PATH_JOIN_MAX] = calloc((size_t)(n ? n : 1), sizeof *abs);
    if (!j || !arr || !abs) {
        rc = tg_error_oom(err, journal);
        goto done;
    }
    for (int i = 0; i < n && rc == TG_OK; i++) {
        if ((rc = absolute(files[i].path, abs[i], sizeof abs[i], err)) ||
            (rc = inside_root(abs[i], root, files[i].path, "a file to write",
                              err)))
            break;
        char *text = strndup(files[i].data, files[i].len);
        char hex[65];
        tg_sha256_buffer(files[i].data, files[i].len, hex);
        cJSON *f = cJSON_CreateObject();
        if (f && !cJSON_AddItemToArray(arr, f)) {
            cJSON_Delete(f);
            f = NULL;
        }
        /* A journal missing a file's content would "complete" the change
         * with an empty file: every piece is checked. */
        int built = f && text && cJSON_AddStringToObject(f, "path", abs[i]) &&
                    cJSON_AddStringToObject(f, "sha256", hex) &&
                    cJSON_AddBoolToObject(f, "locked", files[i].locked) &&
                    cJSON_AddStringToObject(f, "content", text);
        free(text);
        if (!built)
            rc = tg_error_oom(err, files[i].path);
        else if (strlen(files[i].data) < files[i].len)
            rc = tg_error_set(err, TG_EINVAL, files[i].path, 0, 0,
                              "a journaled file must be text");
    }
    if (rc || (rc = tg_json_write_atomic(j, journal, err)))
        goto done;
    tg_step("journal", journal);
    for (int i = 0; i < n && rc == TG_OK; i++) {
        tg_step("apply", abs[i]);
        rc = tg_write_atomic(abs[i], files[i].data, files[i].len, err);
    }
    if (rc)
        goto done; /* the journal stays: the next run completes it */
    tg_step("applied", journal);
    if (unlink(journal) != 0) {
        rc = tg_error_set(err, TG_EIO, journal, 0, 0, "cannot remove: %s",
                          strerror(errno));
        goto done;
    }
    tg_step("committed", journal);
done:
    free(abs);
    cJSON_Delete(j);
    return rc;
}

int tg_journal_recover(const char *journal, const char *root, int *completed,
                       tg_error *err)
{
    *completed = 0;
    if (access(journal, F_OK) != 0)
        return TG_OK;
    cJSON *j = NULL;
    int rc = tg_json_load(&j, journal, err);
    if (rc)
        return rc;
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
    if (!cJSON_IsArray(files)) {
        rc = tg_error_set(err, TG_EINVAL, journal, 0, 0,
                          "key 'files': expected an array (a damaged "
                          "journal: inspect it, then remove it)");
        goto done;
    }
    /* Check everything before writing anything. */
    int i = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, files)
    {
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(f, "path"));
        const char *sha = cJSON_GetStringValue(cJSON_GetObjectItem(f, "sha256"));
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(f, "content"));
        char hex[65];
        if (text)
            tg_sha256_buffer(text, strlen(text), hex);
        if (!path || path[0] != '/' || !sha || !text || strcmp(hex, sha)) {
            rc = tg_error_set(err, TG_EINVAL, journal, 0, 0,
                              "key 'files[%d]': path, sha256 and content do "
                              "not agree (a damaged journal: inspect it, then "
                              "remove it)", i);
            goto done;
        }
        char key[64];
        snprintf(key, sizeof key, "key 'files[%d].path'", i);
        if ((rc = inside_root(path, root, journal, key, err)))
            goto done;
        i++;
    }
    cJSON_ArrayForEach(f, files)
    {
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(f, "path"));
        const char *sha = cJSON_GetStringValue(cJSON_GetObjectItem(f, "sha256"));
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(f, "content"));
        char hex[65];
        tg_error ignored;
        if (tg_sha256_file(path, hex, &ignored) == TG_OK && !strcmp(hex, sha))
            continue; /* already written before the run died */
        tg_step("apply", path);
        if ((rc = tg_write_atomic(path, text, strlen(text), err)))
            goto done;
    }
    if (unlink(journal) != 0) {
        rc = tg_error_set(err, TG_EIO, journal, 0, 0, "cannot remove: %s",
                          strerror(errno));
        goto done;
    }
    *completed = 1;
    /* The dead run may have left a temporary file beside any of them. */
    cJSON_ArrayForEach(f, files)
    {
        char dir[TG_PATH_MAX];
        tg_remove_stale_temps(tg_dirname(cJSON_GetStringValue(
                                             cJSON_GetObjectItem(f, "path")),
                                         dir, sizeof dir), NULL);
    }
done:
    cJSON_Delete(j);
    return rc;
}

int tg_journal_locked_files(const char *journal, char ***paths, int *n,
                            tg_error *err)
{
    *paths = NULL;
    *n = 0;
    if (access(journal, F_OK) != 0)
        return TG_OK;
    cJSON *j = NULL;
    int rc = tg_json_load(&j, journal, err);
    if (rc)
        return rc;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(j, "files"))
    {
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(f, "path"));
        if (!path || !cJSON_IsTrue(cJSON_GetObjectItem(f, "locked")))
            continue;
        char **x = realloc(*paths, (size_t)(*n + 1) * sizeof *x);
        if (!x)
            break;
        *paths = x;
        if ((x[*n] = strdup(path)))
            (*n)++;
    }
    cJSON_Delete(j);
    return TG_OK;
}
