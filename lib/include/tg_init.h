/*
 * `tiergate init`: a new repository governed by tiergate, written from
 * files embedded in the binary (a starter rule set and policy with their
 * documentation, CI for GitHub Actions and GitLab, a pre-commit hook, an
 * empty registry and execution log).
 */
#ifndef TG_INIT_H
#define TG_INIT_H

#include <stddef.h>

#include "tg_error.h"

typedef struct {
    const char *path;          /* inside the new repository */
    const unsigned char *data;
    size_t len;
    unsigned mode;             /* 0644, or 0755 for hooks */
} tg_init_file;

/** The embedded files, ending with a NULL path (generated at build). */
extern const tg_init_file tg_init_files[];

/**
 * Write files (ending with a NULL path) and an empty registry at
 * registry_path (relative) into a new folder staged beside dir, returned
 * in *staged (malloc'd): the caller adds what it generates (the SQL),
 * then calls tg_init_commit. dir must not exist, or be an empty folder.
 */
int tg_init_stage(char **staged, const char *dir, const tg_init_file *files,
                  const char *registry_path, tg_error *err);

/** Move the staged folder to dir (atomic: dir appears whole or not). */
int tg_init_commit(const char *staged, const char *dir, tg_error *err);

/** Remove a staged folder after a failure. */
void tg_init_abort(const char *staged);

#endif
