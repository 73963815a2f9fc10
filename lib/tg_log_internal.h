/*
 * What the kinds of execution log entries share (tg_log.c): the marker
 * and separator, the marker's escaping, and the making of an entry from
 * a renderer: the SHA-256 of the log before it (prev_sha256), its own
 * (body_sha256, filled in after rendering), the git facts, the header
 * of a new log, the repository check and the atomic replace.
 */
#ifndef TG_LOG_INTERNAL_H
#define TG_LOG_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "tg_error.h"
#include "tg_git.h"

#define TG_LOG_MARK "<!-- tiergate-log "
#define TG_LOG_ENTRY_START "\n---\n\n## "

/*
 * Write one entry to f: TG_LOG_ENTRY_START, a title, the marker
 * (through tg_log_marker_json) holding "prev_sha256": prev_sha and
 * "body_sha256": "BODY", then the text.
 */
typedef void (*tg_log_render_fn)(FILE *f, const char *prev_sha,
                                 const tg_git_facts *git,
                                 const char *executed_at, const void *ctx);

/** "**Commit:** `hash` on BRANCH by AUTHOR", or why there is none. */
void tg_log_commit_line(FILE *f, const tg_git_facts *git);

/**
 * A new marker object holding the facts every kind of entry starts
 * with, in this order: tiergate_log, kind, version, model_id, status,
 * commit (null without one), branch, dirty, executed_at. NULL when out
 * of memory.
 */
cJSON *tg_log_marker_start(const char *kind, const char *version,
                           const char *model_id, const char *status,
                           const tg_git_facts *git, const char *executed_at);

/** A marker's JSON, '<' and '>' escaped so no value closes the comment. */
void tg_log_marker_json(FILE *f, const char *json);

/** The entry (body_sha256 filled in) fn writes after the log text. */
int tg_log_render_with(char **out, const char *text, size_t len,
                       const char *repo_dir, const tg_git_facts *git,
                       const char *executed_at, tg_log_render_fn fn,
                       const void *ctx, tg_error *err);

/** The log at path (a header when missing) with fn's entry appended. */
int tg_log_compose_with(char **out, size_t *len, const char *path,
                        const char *repo_dir, const tg_git_facts *git,
                        const char *executed_at, tg_log_render_fn fn,
                        const void *ctx, tg_error *err);

/** Check the repository, compose, replace atomically (lock held). */
int tg_log_append_with(const char *path, const char *repo_dir,
                       const tg_git_facts *git, const char *executed_at,
                       tg_log_render_fn fn, const void *ctx, tg_error *err);

#endif
