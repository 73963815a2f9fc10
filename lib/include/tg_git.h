/*
 * Git facts for the execution log, through libgit2 (the only module
 * that includes git2.h): the commit, branch and author of HEAD, whether
 * the work tree has uncommitted changes, the files changed since a
 * given commit, whether a commit exists, and annotated tags.
 */
#ifndef TG_GIT_H
#define TG_GIT_H

#include "tg_error.h"
#include "tg_util.h" /* TG_PATH_MAX */

typedef struct {
    int in_repo;            /* 0: not inside a git repository */
    int has_head;           /* 0: no commit yet */
    char commit[41];        /* HEAD, hex */
    char branch[256];       /* "" when detached */
    char author[512];       /* "Name <email>" of HEAD's commit */
    int dirty;              /* uncommitted changes (untracked included) */
    char **changed;         /* files changed from `since` to HEAD */
    int nchanged;
    char **uncommitted;     /* files with uncommitted changes (untracked too) */
    int nuncommitted;
    char workdir[TG_PATH_MAX];
} tg_git_facts;

/**
 * Facts about the repository holding dir (searched upward). Outside a
 * repository in_repo is 0 and TG_OK is returned. since: a commit whose
 * changes up to HEAD are listed in changed (NULL or unknown: none).
 */
int tg_git_facts_get(tg_git_facts *out, const char *dir, const char *since,
                     tg_error *err);
void tg_git_facts_release(tg_git_facts *f);

/** *exists = 1 when sha names a commit of the repository holding dir. */
int tg_git_commit_exists(const char *dir, const char *sha, int *exists,
                         tg_error *err);

/** *exists = 1 when the tag name exists in the repository holding dir. */
int tg_git_tag_exists(const char *dir, const char *name, int *exists,
                      tg_error *err);

/** Create the annotated tag name on HEAD; refuses an existing tag. */
int tg_git_tag_head(const char *dir, const char *name, const char *message,
                    tg_error *err);

/** 1 when path is one of the n paths in list. */
int tg_git_listed(char *const *list, int n, const char *path);

/**
 * The path of a file (existing, or to be written in an existing folder)
 * relative to the work tree of the repository holding dir; -1 outside a
 * repository or the tree.
 */
int tg_git_relpath(const char *dir, const char *file, char *out, size_t n);

/**
 * The content of path (relative to the work tree) at revision rev
 * ("HEAD" or a commit SHA). *found is 0 when the revision or the path
 * does not exist there; *text is malloc'd (NUL-terminated).
 */
int tg_git_read_at(const char *dir, const char *rev, const char *path,
                   char **text, size_t *len, int *found, tg_error *err);

/** The work tree ("/path/", with its slash) of the repository holding dir. */
int tg_git_workdir(const char *dir, char *out, size_t n);

/** "Name <email>" of whoever runs tiergate (git config), else HEAD's author. */
int tg_git_whoami(const char *dir, char *out, size_t n);

/** The linked libgit2's version (for --version). */
void tg_git_library_version(int *major, int *minor, int *rev);

/**
 * Make dir a git repository unless it is inside one already; *created
 * says which.
 */
int tg_git_init_repo(const char *dir, int *created, tg_error *err);

#endif
