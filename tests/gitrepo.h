/*
 * Temporary git repositories for the governance tests, made with
 * libgit2: a copy of the rule sets, policy, registry and an empty log,
 * committed; helpers to run commands in them and read their files.
 */
#ifndef TG_GITREPO_H
#define TG_GITREPO_H

#include "testutil.h"

/** Run a shell command; fail the test when it fails. */
void gr_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Commit every file of the work tree as Test Author; HEAD's SHA. */
void gr_commit_all(const char *dir, const char *message, char sha[41]);

/** A fresh committed repository named name in the temp dir. */
const char *gr_make_repo(const char *name, char sha[41]);

/** `tiergate synth ARGS -o data/leads.csv` in dir. */
void gr_synth(const char *dir, const char *args);

/** `tiergate gate ... --json out` in dir (exit 0 or 1). */
void gr_gate_json(const char *dir, const char *out);

/** A file of dir (caller frees; NULL when absent). */
char *gr_read(const char *dir, const char *rel);

/** The registry of dir, parsed (caller deletes). */
cJSON *gr_registry(const char *dir);
/** Write doc as dir's registry. */
void gr_write_registry(const char *dir, const cJSON *doc);

/** SHA-256 of the first bytes of a file, by coreutils' sha256sum. */
void gr_sha256sum_prefix(const char *path, long bytes, char hex[65]);

/** Count of names in folder dir matching the shell glob pattern. */
int gr_count(const char *dir, const char *pattern);

#endif
