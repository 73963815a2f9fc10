/*
 * The execution log (EXECUTION_LOG.md, the checklist's step 10): one
 * Markdown entry per release (kind "gate") or recalibration (kind
 * "recalibration", tg_log_recal.c), appended under a lock and written
 * atomically, each carrying a machine-readable marker
 *   <!-- tiergate-log {"version": ..., "commit": ..., "prev_sha256": ...} -->
 * that links it to its commit and to the log as it stood before it, so
 * that rewriting an earlier entry is detected.
 */
#ifndef TG_LOG_H
#define TG_LOG_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "tg_error.h"
#include "tg_git.h"
#include "tg_rules.h"

/* The largest log read (a log past it is refused, not read in part). */
#define TG_LOG_MAX_BYTES (256u << 20)

typedef struct {
    size_t start;      /* byte offset where the entry begins */
    size_t end;        /* and ends (the next entry's start) */
    long line;         /* line of its marker */
    cJSON *marker;     /* the marker's JSON */
} tg_log_entry;

typedef struct {
    tg_log_entry *entries;
    int n;
} tg_log;

/** Find the entries of a log text; a marker that is not JSON is an error. */
int tg_log_parse(tg_log *out, const char *text, size_t len, const char *path,
                 tg_error *err);
void tg_log_release(tg_log *log);

typedef struct {
    const cJSON *result;        /* what `gate --json` wrote */
    const tg_rules *rules;
    const char *executed_at;    /* UTC ISO 8601; NULL = now */
    double duration_seconds;    /* NAN when unknown */
    const char *repo_dir;       /* where to look for git; NULL = "." */
    const char *const *written; /* files this run wrote (release) */
    int nwritten;
    const char *const *inputs;  /* the run's inputs: rules, policy, ... */
    int ninputs;
    const char *date_config_sha256; /* NULL when none was used */
    /* Git as it was before the run wrote anything (tg_log_git_facts);
     * NULL: read it now. */
    const tg_git_facts *git;
} tg_log_append_options;

/**
 * Git facts for the next entry of the log at path: HEAD, the tree's
 * uncommitted files, and the files changed since the commit of the
 * log's last entry. Read before a run writes anything.
 */
int tg_log_git_facts(tg_git_facts *out, const char *path, const char *repo,
                     tg_error *err);

/**
 * The whole new log: the current one at path (a header when missing)
 * and the new entry. The caller holds the log's lock (tg_trail.h)
 * until it is written.
 */
int tg_log_compose(char **out, size_t *len, const char *path,
                   const tg_log_append_options *o, tg_error *err);

/**
 * TG_EINVAL, naming the log at path, when repo_dir (NULL = ".") is not
 * inside a git repository: every entry is linked to a commit.
 */
int tg_log_require_repo(const char *path, const char *repo_dir, tg_error *err);

/** Compose and replace the log atomically (caller holds the lock). */
int tg_log_append(const char *path, const tg_log_append_options *o,
                  tg_error *err);

/** Render the entry that tg_log_append would write (for --dry-run). */
int tg_log_render(char **out, const char *log_text, size_t log_len,
                  const tg_log_append_options *o, tg_error *err);

/* ---- recalibration entries -------------------------------------------- */

typedef struct {
    const char *proposal;       /* a table `monitor --recalibrate` wrote */
    const tg_rules *rules;      /* the rules it claims (rules_sha256) */
    /* The calibration in use, into which a proposal is adopted
     * (registry/tier_statistics.json); NULL: none. */
    const char *calibration;
    const char *executed_at;    /* UTC ISO 8601; NULL = now */
    const char *repo_dir;       /* where to look for git; NULL = "." */
    int *status_out;            /* set to 1 when adopted, 0 proposed */
} tg_log_recal_options;

/**
 * Append a recalibration entry (caller holds the locks, tg_trail.h):
 * the proposal's path and SHA-256 (of the bytes checked), the rules
 * file and SHA-256, the previous calibration, the windows, the
 * shrinkage strength, per tier the previous and proposed rate with its
 * interval and the weight of the data; the commit, branch, author and
 * who recorded it. Its status is "adopted" when the calibration file
 * as committed at HEAD is the proposal, byte for byte, else
 * "proposed". A proposal of another shape or from other rules is
 * refused (TG_EINVAL naming the file and key) and nothing is written.
 */
int tg_log_append_recalibration(const char *path,
                                const tg_log_recal_options *o, tg_error *err);

/* ---- verification ------------------------------------------------------ */

/* What is wrong with a log, for callers that decide by it (a release
 * refuses a corrupt log, but not one whose commit was rebased away). */
typedef enum {
    /* The log before an entry no longer has the SHA-256 its marker
     * recorded: an earlier entry was edited or removed, or entries were
     * reordered. */
    TG_LOG_PROBLEM_REWRITTEN_BEFORE,
    /* The entry's own text (its marker included) was edited. */
    TG_LOG_PROBLEM_EDITED,
    /* The entry's commit is not in the repository (say, after a rebase). */
    TG_LOG_PROBLEM_MISSING_COMMIT,
    /* The repository could not be asked about the entry's commit. */
    TG_LOG_PROBLEM_CANNOT_CHECK_COMMIT,
    /* A registry entry's record of the log ("log") is not
     * {file, bytes, sha256}. */
    TG_LOG_PROBLEM_BAD_REGISTRY_RECORD,
    /* The log is shorter than a registry entry recorded it: entries were
     * cut off the end. */
    TG_LOG_PROBLEM_TRUNCATED,
    /* The log's first bytes, as far as a registry entry recorded them,
     * changed: an entry up to it was edited, removed or reordered. */
    TG_LOG_PROBLEM_PREFIX_CHANGED
} tg_log_problem_kind;

typedef struct {
    tg_log_problem_kind kind;
    int entry;     /* 1-based entry it concerns; 0: the registry's record */
    long line;     /* line of that entry's marker; 0 when none */
    char *message; /* "<log>:<line>: entry 2 (v3.2): ...", as users read it */
} tg_log_problem;

/** "rewritten_before", "edited", "missing_commit", ... (stable, for JSON). */
const char *tg_log_problem_kind_name(tg_log_problem_kind kind);

/**
 * Check every entry: the SHA-256 of the log before it and of its own
 * text match its marker, and its commit exists in the repository; and,
 * when registry (a registry document) is given, that the log still
 * holds, byte for byte, the prefix each registry entry recorded
 * ("log": {file, bytes, sha256}), so cutting entries off the end or
 * editing the last one shows. The problems found are returned in
 * *problems (n of them; release with tg_log_problems_free), each with
 * its kind and its message.
 */
int tg_log_verify(const char *path, const char *repo_dir,
                  const cJSON *registry, tg_log_problem **problems, int *n,
                  int *entries, tg_error *err);
void tg_log_problems_free(tg_log_problem *problems, int n);

#endif
