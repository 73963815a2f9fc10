/*
 * Evidence folders: staged, fsynced, renamed into a name never used.
 */
#include "tg_evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tg_escape.h"
#include "tg_git.h"
#include "tg_util.h"

int tg_safe_path_component(const char *s)
{
    /* One definition of the names allowed in paths (tg_escape.h). */
    return s && tg_path_name_ok(s);
}

char *tg_run_id(char out[96], const char *at, const char *data_sha)
{
    /* "2025-12-22T10:00:00Z" -> "20251222T100000Z" */
    char t[32];
    int k = 0;
    for (const char *p = at; *p && k < 30; p++)
        if ((*p >= '0' && *p <= '9') || *p == 'T' || *p == 'Z')
            t[k++] = *p;
    t[k] = '\0';
    snprintf(out, 96, "%s-%.12s", t, data_sha && *data_sha ? data_sha : "nodata");
    return out;
}

static int write_synced(const char *path, const void *data, size_t len,
                        tg_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return tg_error_set(err, TG_EIO, path, 0, 0, "cannot create: %s",
                            strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return tg_error_set(err, TG_EIO, path, 0, 0, "cannot write: %s",
                                strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0)
        return tg_error_set(err, TG_EIO, path, 0, 0, "cannot write: %s",
                            strerror(errno));
    return TG_OK;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int tg_evidence_write(char *dir, size_t n, const char *reports,
                      const char *version, const char *run_id,
                      const tg_evidence_file *files, int nfiles, tg_error *err)
{
    if (!tg_safe_path_component(version))
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "model version '%s' cannot name a folder (use "
                            "letters, digits, '.', '_' and '-')", version);
    if (!tg_safe_path_component(run_id))
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "run id '%s' cannot name a folder", run_id);
    /* parent/.staging.<pid>.XXXXXX; a file name appended to it still fits
     * TG_PATH_JOIN_MAX. */
    char parent[TG_PATH_MAX], staging[TG_PATH_MAX + 104];
    snprintf(parent, sizeof parent, "%s/%s", reports, version);
    int rc = tg_mkdirs(parent, err);
    if (rc)
        return rc;
    tg_remove_stale_temps(parent, NULL); /* dead runs' staging folders */
    snprintf(staging, sizeof staging, "%s/.staging.%ld.XXXXXX", parent,
             (long)getpid());
    if (!mkdtemp(staging))
        return tg_error_set(err, TG_EIO, parent, 0, 0,
                            "cannot create a staging folder: %s",
                            strerror(errno));
    chmod(staging, 0755);
    for (int i = 0; i < nfiles && rc == TG_OK; i++) {
        char p[TG_PATH_JOIN_MAX];
        if (!tg_safe_path_component(files[i].name)) {
            rc = tg_error_set(err, TG_EINTERNAL, files[i].name, 0, 0,
                              "not a file name");
            break;
        }
        snprintf(p, sizeof p, "%s/%s", staging, files[i].name);
        rc = write_synced(p, files[i].data, files[i].len, err);
    }
    sync_dir(staging);
    if (rc == TG_OK)
        tg_step("evidence-staged", staging);
    /* rename() replaces only an empty folder; the staging folder is never
     * empty, so a folder another run put in place first makes it fail. */
    for (int k = 1; rc == TG_OK; k++) {
        if (k == 1)
            snprintf(dir, n, "%s/%s", parent, run_id);
        else
            snprintf(dir, n, "%s/%s-%d", parent, run_id, k);
        struct stat st;
        if (lstat(dir, &st) == 0)
            continue; /* taken, even if empty: never reused */
        if (rename(staging, dir) == 0)
            break;
        if ((errno != ENOTEMPTY && errno != EEXIST) || k > 1000)
            rc = tg_error_set(err, TG_EIO, dir, 0, 0, "cannot create: %s",
                              strerror(errno));
    }
    if (rc) {
        for (int i = 0; i < nfiles; i++) {
            char p[TG_PATH_JOIN_MAX];
            snprintf(p, sizeof p, "%s/%s", staging, files[i].name);
            unlink(p);
        }
        rmdir(staging);
        return rc;
    }
    sync_dir(parent);
    tg_step("evidence", dir);
    return TG_OK;
}

cJSON *tg_evidence_cite(const char *dir, const tg_evidence_file *files,
                        int nfiles, const char *repo)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < nfiles; i++) {
        char p[TG_PATH_JOIN_MAX], rel[TG_PATH_JOIN_MAX], hex[65];
        snprintf(p, sizeof p, "%s/%s", dir, files[i].name);
        if (repo && tg_git_relpath(repo, p, rel, sizeof rel) == 0)
            snprintf(p, sizeof p, "%s", rel);
        tg_sha256_buffer(files[i].data, files[i].len, hex);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", p);
        cJSON_AddStringToObject(o, "sha256", hex);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}
