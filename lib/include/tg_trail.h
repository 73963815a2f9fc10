/*
 * The audit trail's files (the registry and the execution log) opened
 * for a command: their locks taken in the one order (registry, then
 * log), a transaction a dead run left completed (its journal lives
 * beside the registry: "<registry>.journal"), and the temporary files
 * of dead runs removed from their folders. Every command that reads or
 * writes the registry or the log starts here, so none of them ever
 * sees half a release.
 */
#ifndef TG_TRAIL_H
#define TG_TRAIL_H

#include "tg_error.h"
#include "tg_lock.h"

typedef struct {
    tg_lock registry_lock;
    tg_lock log_lock;
    int recovered;      /* a dead run's transaction was completed */
    int stale_removed;  /* temporary files of dead runs removed */
} tg_trail;

/**
 * The folder a transaction may write in: the work tree of the
 * repository holding the registry, else the working directory.
 */
const char *tg_trail_root(const char *registry, char *buf, size_t n);

/** "<registry>.journal" into buf. */
const char *tg_trail_journal_path(const char *registry, char *buf, size_t n);

/**
 * Lock (registry may be NULL when there is none; log may be NULL when
 * the command does not touch it), recover, clean up. Release with
 * tg_trail_close. Extra folders to clean (the calibration's, sql/) may
 * be given in dirs.
 */
int tg_trail_open(tg_trail *t, const char *registry, const char *log,
                  const char *const *dirs, int ndirs, tg_error *err);
void tg_trail_close(tg_trail *t);

#endif
