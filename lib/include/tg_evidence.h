/*
 * Evidence that cannot be overwritten: every run that records a gate
 * result writes it into a folder of its own,
 *   <reports>/<model version>/<run id>/
 * where the run id is the UTC time and the data fingerprint
 * ("20251222T100000Z-3f2a9c01b7e4"). The folder is built under a
 * staging name and renamed into place; a name already taken is never
 * reused (the run id gets "-2", "-3", ... instead), so no run ever
 * replaces another's evidence. The registry cites each file with its
 * SHA-256.
 */
#ifndef TG_EVIDENCE_H
#define TG_EVIDENCE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "tg_error.h"

/**
 * 1 when s may be one component of a path: tg_path_name_ok (1 to 64 of
 * A-Z a-z 0-9 . _ -, not '.' or '-' first, no "..").
 */
int tg_safe_path_component(const char *s);

/** Run id from a UTC ISO time and a data SHA-256 (NULL: "nodata"). */
char *tg_run_id(char out[96], const char *at_iso, const char *data_sha256);

typedef struct {
    const char *name;   /* file name inside the folder */
    const void *data;
    size_t len;
} tg_evidence_file;

/**
 * Write files into a new folder <reports>/<version>/<run_id>[-N]; its
 * path goes to dir. Named step "evidence" once it is in place.
 */
int tg_evidence_write(char *dir, size_t n, const char *reports,
                      const char *version, const char *run_id,
                      const tg_evidence_file *files, int nfiles,
                      tg_error *err);

/**
 * [{"file": "<dir>/<name>", "sha256": ...}] for the files written; with
 * repo, each path relative to the work tree of the repository holding
 * repo (so a check from any folder finds it).
 */
cJSON *tg_evidence_cite(const char *dir, const tg_evidence_file *files,
                        int nfiles, const char *repo);

#endif
