/*
 * libgit2 behind a small interface. Errors are copied from
 * git_error_last() into tg_error; no libgit2 type leaves this file.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "tg_git.h"

#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int git_fail(tg_error *err, const char *what)
{
    const git_error *e = git_error_last();
    return tg_error_set(err, TG_EIO, NULL, 0, 0, "git: %s: %s", what,
                        e && e->message ? e->message : "unknown error");
}

static int open_repo(git_repository **repo, const char *dir)
{
    git_libgit2_init();
    return git_repository_open_ext(repo, dir, 0, NULL);
}

static int add_path(char ***list, int *n, const char *path)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*list)[i], path) == 0)
            return 0;
    char **x = realloc(*list, (size_t)(*n + 1) * sizeof *x);
    if (!x)
        return -1;
    *list = x;
    if (!(x[*n] = strdup(path)))
        return -1;
    (*n)++;
    return 0;
}

static int add_changed(tg_git_facts *f, const char *path)
{
    return add_path(&f->changed, &f->nchanged, path);
}

int tg_git_listed(char *const *list, int n, const char *path)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], path) == 0)
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files that differ between two trees (either may be NULL = empty). */
static int diff_trees(tg_git_facts *f, git_repository *repo, git_tree *a,
                      git_tree *b)
{
    git_diff *diff = NULL;
    if (git_diff_tree_to_tree(&diff, repo, a, b, NULL) != 0)
        return -1;
    size_t n = git_diff_num_deltas(diff);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        rc = add_changed(f, d->new_file.path ? d->new_file.path
                                             : d->old_file.path);
    }
    git_diff_free(diff);
    return rc;
}

int tg_git_facts_get(tg_git_facts *f, const char *dir, const char *since,
                     tg_error *err)
{
    memset(f, 0, sizeof *f);
    git_repository *repo = NULL;
    git_reference *head = NULL;
    git_commit *commit = NULL, *base = NULL, *parent = NULL;
    git_tree *tree = NULL, *base_tree = NULL;
    git_status_list *status = NULL;
    int rc = TG_OK;
    if (open_repo(&repo, dir) != 0)
        return TG_OK; /* not a repository: the log says so */
    f->in_repo = 1;
    const char *wd = git_repository_workdir(repo);
    snprintf(f->workdir, sizeof f->workdir, "%s", wd ? wd : "");
    int hr = git_repository_head(&head, repo);
    if (hr == 0) {
        git_object *obj = NULL;
        if (git_reference_peel(&obj, head, GIT_OBJECT_COMMIT) != 0) {
            rc = git_fail(err, "cannot resolve HEAD");
            goto done;
        }
        commit = (git_commit *)obj;
        f->has_head = 1;
        git_oid_tostr(f->commit, sizeof f->commit, git_commit_id(commit));
        if (git_reference_is_branch(head))
            snprintf(f->branch, sizeof f->branch, "%s",
                     git_reference_shorthand(head));
        const git_signature *a = git_commit_author(commit);
        snprintf(f->author, sizeof f->author, "%s <%s>", a->name, a->email);
        if (git_commit_tree(&tree, commit) != 0) {
            rc = git_fail(err, "cannot read HEAD's tree");
            goto done;
        }
        /* Changed since the given commit (a first entry has none: HEAD's
         * own last commit says nothing about this run). */
        git_oid oid;
        if (since && *since && git_oid_fromstrp(&oid, since) == 0 &&
            git_commit_lookup(&base, repo, &oid) == 0 &&
            git_commit_tree(&base_tree, base) == 0 &&
            diff_trees(f, repo, base_tree, tree) != 0) {
            rc = git_fail(err, "cannot diff");
            goto done;
        }
    } else if (hr != GIT_EUNBORNBRANCH && hr != GIT_ENOTFOUND) {
        rc = git_fail(err, "cannot read HEAD");
        goto done;
    }
    git_status_options so;
    git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
    so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
               GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
               GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    if (git_status_list_new(&status, repo, &so) != 0) {
        rc = git_fail(err, "cannot read the status");
        goto done;
    }
    size_t n = git_status_list_entrycount(status);
    for (size_t i = 0; i < n; i++) {
        const git_status_entry *e = git_status_byindex(status, i);
        if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED))
            continue;
        const git_diff_delta *d = e->head_to_index ? e->head_to_index
                                                   : e->index_to_workdir;
        if (!d)
            continue;
        f->dirty = 1;
        if (add_path(&f->uncommitted, &f->nuncommitted,
                     d->new_file.path ? d->new_file.path
                                      : d->old_file.path) != 0) {
            rc = tg_error_oom(err, NULL);
            goto done;
        }
    }
    if (f->nchanged > 1)
        qsort(f->changed, (size_t)f->nchanged, sizeof *f->changed, cmp_str);
    if (f->nuncommitted > 1)
        qsort(f->uncommitted, (size_t)f->nuncommitted, sizeof *f->uncommitted,
              cmp_str);
done:
    git_status_list_free(status);
    git_tree_free(base_tree);
    git_tree_free(tree);
    git_commit_free(parent);
    git_commit_free(base);
    git_commit_free(commit);
    git_reference_free(head);
    git_repository_free(repo);
    if (rc)
        tg_git_facts_release(f);
    return rc;
}

void tg_git_facts_release(tg_git_facts *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->nchanged; i++)
        free(f->changed[i]);
    free(f->changed);
    f->changed = NULL;
    f->nchanged = 0;
    for (int i = 0; i < f->nuncommitted; i++)
        free(f->uncommitted[i]);
    free(f->uncommitted);
    f->uncommitted = NULL;
    f->nuncommitted = 0;
}

int tg_git_commit_exists(const char *dir, const char *sha, int *exists,
                         tg_error *err)
{
    git_repository *repo = NULL;
    git_commit *c = NULL;
    git_oid oid;
    *exists = 0;
    if (open_repo(&repo, dir) != 0)
        return tg_error_set(err, TG_EINVAL, dir, 0, 0,
                            "not inside a git repository");
    if (git_oid_fromstrp(&oid, sha) == 0 && strlen(sha) == 40 &&
        git_commit_lookup(&c, repo, &oid) == 0)
        *exists = 1;
    git_commit_free(c);
    git_repository_free(repo);
    (void)err;
    return TG_OK;
}

int tg_git_tag_head(const char *dir, const char *name, const char *message,
                    tg_error *err)
{
    git_repository *repo = NULL;
    git_object *head = NULL;
    git_signature *sig = NULL;
    git_oid oid;
    int rc = TG_OK;
    if (open_repo(&repo, dir) != 0)
        return tg_error_set(err, TG_EINVAL, dir, 0, 0,
                            "cannot tag: not inside a git repository");
    if (git_revparse_single(&head, repo, "HEAD") != 0) {
        rc = git_fail(err, "cannot tag: no HEAD commit");
        goto done;
    }
    if (git_signature_default(&sig, repo) != 0 &&
        git_signature_now(&sig, "tiergate", "tiergate@localhost") != 0) {
        rc = git_fail(err, "cannot make a tagger signature");
        goto done;
    }
    int r = git_tag_create(&oid, repo, name, head, sig, message, 0);
    if (r == GIT_EEXISTS)
        rc = tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                          "cannot tag: tag '%s' already exists", name);
    else if (r != 0)
        rc = git_fail(err, "cannot create the tag");
done:
    git_signature_free(sig);
    git_object_free(head);
    git_repository_free(repo);
    return rc;
}

int tg_git_tag_exists(const char *dir, const char *name, int *exists,
                      tg_error *err)
{
    git_repository *repo = NULL;
    git_reference *ref = NULL;
    char full[512];
    *exists = 0;
    if (open_repo(&repo, dir) != 0)
        return tg_error_set(err, TG_EINVAL, dir, 0, 0,
                            "not inside a git repository");
    snprintf(full, sizeof full, "refs/tags/%s", name);
    if (git_reference_lookup(&ref, repo, full) == 0)
        *exists = 1;
    git_reference_free(ref);
    git_repository_free(repo);
    return TG_OK;
}

int tg_git_relpath(const char *dir, const char *file, char *out, size_t n)
{
    git_repository *repo = NULL;
    char real[PATH_MAX], wd[PATH_MAX];
    out[0] = '\0';
    if (!realpath(file, real)) {
        /* A file yet to be written: its folder must exist. */
        char parent[PATH_MAX];
        const char *slash = strrchr(file, '/');
        snprintf(parent, sizeof parent, "%.*s",
                 slash ? (int)(slash - file) : 1, slash ? file : ".");
        if (slash == file)
            snprintf(parent, sizeof parent, "/");
        char rp[PATH_MAX];
        if (!realpath(parent, rp) ||
            (size_t)snprintf(real, sizeof real, "%s/%s", rp,
                             slash ? slash + 1 : file) >= sizeof real)
            return -1;
    }
    if (open_repo(&repo, dir) != 0)
        return -1;
    const char *w = git_repository_workdir(repo);
    int rc = -1;
    if (w && realpath(w, wd)) {
        size_t l = strlen(wd);
        if (strncmp(real, wd, l) == 0 && real[l] == '/') {
            snprintf(out, n, "%s", real + l + 1);
            rc = 0;
        }
    }
    git_repository_free(repo);
    return rc;
}

int tg_git_workdir(const char *dir, char *out, size_t n)
{
    git_repository *repo = NULL;
    out[0] = '\0';
    if (open_repo(&repo, dir) != 0)
        return -1;
    const char *w = git_repository_workdir(repo);
    int rc = w ? 0 : -1;
    if (w)
        snprintf(out, n, "%s", w);
    git_repository_free(repo);
    return rc;
}

int tg_git_read_at(const char *dir, const char *rev, const char *path,
                   char **text, size_t *len, int *found, tg_error *err)
{
    git_repository *repo = NULL;
    git_object *obj = NULL;
    git_commit *commit = NULL;
    git_tree *tree = NULL;
    git_tree_entry *entry = NULL;
    git_blob *blob = NULL;
    int rc = TG_OK;
    *text = NULL;
    *found = 0;
    if (len)
        *len = 0;
    if (open_repo(&repo, dir) != 0)
        return tg_error_set(err, TG_EINVAL, dir, 0, 0,
                            "not inside a git repository");
    if (git_revparse_single(&obj, repo, rev) != 0 ||
        git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) != 0)
        goto done; /* no such revision: not found */
    if (git_commit_tree(&tree, commit) != 0) {
        rc = git_fail(err, "cannot read a tree");
        goto done;
    }
    if (git_tree_entry_bypath(&entry, tree, path) != 0 ||
        git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
        goto done;
    if (git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) != 0) {
        rc = git_fail(err, "cannot read a blob");
        goto done;
    }
    size_t n = (size_t)git_blob_rawsize(blob);
    char *buf = malloc(n + 1);
    if (!buf) {
        rc = tg_error_oom(err, NULL);
        goto done;
    }
    memcpy(buf, git_blob_rawcontent(blob), n);
    buf[n] = '\0';
    *text = buf;
    if (len)
        *len = n;
    *found = 1;
done:
    git_blob_free(blob);
    git_tree_entry_free(entry);
    git_tree_free(tree);
    git_commit_free(commit);
    git_object_free(obj);
    git_repository_free(repo);
    return rc;
}

int tg_git_whoami(const char *dir, char *out, size_t n)
{
    git_repository *repo = NULL;
    git_signature *sig = NULL;
    snprintf(out, n, "unknown");
    if (open_repo(&repo, dir) != 0)
        return -1;
    if (git_signature_default(&sig, repo) == 0) {
        snprintf(out, n, "%s <%s>", sig->name, sig->email);
    } else {
        git_object *o = NULL;
        git_commit *c = NULL;
        if (git_revparse_single(&o, repo, "HEAD") == 0 &&
            git_object_peel((git_object **)&c, o, GIT_OBJECT_COMMIT) == 0) {
            const git_signature *a = git_commit_author(c);
            snprintf(out, n, "%s <%s>", a->name, a->email);
        }
        git_commit_free(c);
        git_object_free(o);
    }
    git_signature_free(sig);
    git_repository_free(repo);
    return 0;
}

void tg_git_library_version(int *major, int *minor, int *rev)
{
    git_libgit2_version(major, minor, rev);
}

int tg_git_init_repo(const char *dir, int *created, tg_error *err)
{
    git_buf found = {0};
    *created = 0;
    git_libgit2_init();
    /* Inside a repository already (a monorepo): leave it to that one. */
    if (git_repository_discover(&found, dir, 0, NULL) == 0) {
        git_buf_dispose(&found);
        git_libgit2_shutdown();
        return TG_OK;
    }
    git_repository *repo = NULL;
    int rc = TG_OK;
    if (git_repository_init(&repo, dir, 0) != 0) {
        const git_error *e = git_error_last();
        rc = tg_error_set(err, TG_EIO, dir, 0, 0,
                          "cannot create a git repository: %s",
                          e ? e->message : "unknown error");
    } else {
        *created = 1;
    }
    git_repository_free(repo);
    git_libgit2_shutdown();
    return rc;
}
