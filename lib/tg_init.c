/*
 * A new governed repository, staged in a folder beside its destination
 * and renamed into place, so that an interrupted `init` never leaves a
 * half repository where the user asked for one.
 */
#include "tg_init.h"
#include "tg_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tg_registry.h"

/* mkdir -p of the folders above path (relative to root). */
static int make_parents(const char *root, const char *path, tg_error *err)
{
    size_t n = strlen(root) + strlen(path) + 2;
    char *full = malloc(n);
    if (!full)
        return tg_error_oom(err, root);
    snprintf(full, n, "%s/%s", root, path);
    for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(full, 0755) != 0 && errno != EEXIST) {
            int rc = tg_error_set(err, TG_EIO, full, 0, 0,
                                  "cannot create the folder: %s",
                                  strerror(errno));
            free(full);
            return rc;
        }
        *p = '/';
    }
    free(full);
    return TG_OK;
}

static int write_new(const char *root, const tg_init_file *f, tg_error *err)
{
    int rc = make_parents(root, f->path, err);
    if (rc)
        return rc;
    char full[TG_PATH_MAX];
    if ((size_t)snprintf(full, sizeof full, "%s/%s", root, f->path) >=
        sizeof full)
        return tg_error_set(err, TG_EINVAL, root, 0, 0, "path too long");
    int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  (mode_t)f->mode);
    if (fd < 0)
        return tg_error_set(err, TG_EIO, full, 0, 0, "cannot create: %s",
                            strerror(errno));
    size_t off = 0;
    while (off < f->len) {
        ssize_t w = write(fd, f->data + off, f->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = tg_error_set(err, TG_EIO, full, 0, 0, "cannot write: %s",
                              strerror(errno));
            close(fd);
            return rc;
        }
        off += (size_t)w;
    }
    /* The umask may have narrowed the mode; a hook must stay runnable. */
    if (fchmod(fd, (mode_t)f->mode) != 0 || close(fd) != 0)
        return tg_error_set(err, TG_EIO, full, 0, 0, "cannot write: %s",
                            strerror(errno));
    return TG_OK;
}

/* 1 when path is an empty folder, 0 when it does not exist; else an
 * error (a file, or a folder with something in it). */
static int check_destination(const char *dir, tg_error *err)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? 0
                               : tg_error_set(err, TG_EIO, dir, 0, 0,
                                              "cannot inspect: %s",
                                              strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return tg_error_set(err, TG_EINVAL, dir, 0, 0,
                            "exists and is not a folder");
    DIR *d = opendir(dir);
    if (!d)
        return tg_error_set(err, TG_EIO, dir, 0, 0, "cannot read: %s",
                            strerror(errno));
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = 0;
            break;
        }
    closedir(d);
    if (!empty)
        return tg_error_set(err, TG_EINVAL, dir, 0, 0,
                            "is not empty: init writes only into a new or "
                            "empty folder");
    return 1;
}

int tg_init_stage(char **staged, const char *dir, const tg_init_file *files,
                  const char *registry_path, tg_error *err)
{
    *staged = NULL;
    int rc = check_destination(dir, err);
    if (rc < 0)
        return rc;
    /* Stage beside dir (same file system, so the final rename is atomic). */
    size_t n = strlen(dir) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return tg_error_oom(err, dir);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    snprintf(tmp, n, "%.*s.tmp.XXXXXX", (int)dl, dir);
    if (!mkdtemp(tmp)) {
        rc = tg_error_set(err, TG_EIO, dir, 0, 0,
                          "cannot create a folder beside it: %s",
                          strerror(errno));
        free(tmp);
        return rc;
    }
    chmod(tmp, 0755); /* mkdtemp makes it private */
    for (const tg_init_file *f = files; f->path && rc >= 0; f++)
        rc = write_new(tmp, f, err);
    if (rc >= 0) {
        cJSON *reg = tg_registry_new();
        char full[TG_PATH_MAX];
        snprintf(full, sizeof full, "%s/%s", tmp, registry_path);
        rc = reg ? make_parents(tmp, registry_path, err)
                 : tg_error_oom(err, dir);
        if (rc >= 0)
            rc = tg_registry_save(reg, full, err);
        cJSON_Delete(reg);
    }
    if (rc < 0) {
        tg_init_abort(tmp);
        free(tmp);
        return rc;
    }
    *staged = tmp;
    return TG_OK;
}

int tg_init_commit(const char *staged, const char *dir, tg_error *err)
{
    /* rename(2) replaces an empty folder and refuses a non-empty one, so
     * a folder filled meanwhile is never overwritten. */
    if (rename(staged, dir) != 0)
        return tg_error_set(err, errno == ENOTEMPTY || errno == EEXIST
                                     ? TG_EINVAL
                                     : TG_EIO,
                            dir, 0, 0, "cannot move the new repository into "
                                       "place: %s",
                            strerror(errno));
    return TG_OK;
}

/* Remove a staged tree (only what init wrote: regular files, folders). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char child[TG_PATH_MAX];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(child);
            else
                unlink(child);
        }
        closedir(d);
    }
    rmdir(path);
}

void tg_init_abort(const char *staged)
{
    if (staged)
        remove_tree(staged);
}
