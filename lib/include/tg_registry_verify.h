/*
 * What `registry verify` checks: the registry's meaning, not only its
 * shape. Each problem names the JSON key it is about.
 *  - exactly one version is production, and "production" names it;
 *  - the history replays: every transition starts from the stage the
 *    version was in, and ends in the stage the entry records;
 *  - every cited evidence file exists with its SHA-256;
 *  - what an entry says about its gate result (gate status, policy,
 *    rules and data SHA-256, the gates, measured_performance,
 *    training_data) equals the cited gate result;
 *  - rules_sha256 equals the SHA-256 of the rule file as committed at
 *    the cited commit (read through libgit2);
 *  - production passed its gates, unless the transition that made it
 *    production was forced with a reason;
 *  - versions and history are append-only against the registry as
 *    committed at HEAD: entries added, never removed or changed (only a
 *    version's status moves, through a recorded transition).
 */
#ifndef TG_REGISTRY_VERIFY_H
#define TG_REGISTRY_VERIFY_H

#include <cjson/cJSON.h>

#include "tg_error.h"

/**
 * Verify doc (read from path) in the repository holding repo_dir.
 * Problems are malloc'd strings appended to *problems (n of them).
 */
int tg_registry_verify(const cJSON *doc, const char *path,
                       const char *repo_dir, char ***problems, int *n,
                       tg_error *err);

#endif
