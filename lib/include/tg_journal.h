/*
 * Several files replaced as one transaction, with a roll-forward
 * journal: the new content of every file is first written, complete and
 * durable, to the journal (itself replaced atomically, so it exists
 * whole or not at all); then each file is replaced atomically; then the
 * journal is removed. A run killed before the journal exists changed
 * nothing; a run killed after it is completed by the next run's
 * tg_journal_recover, which rewrites every file whose content differs
 * from the journal's and removes the journal. Readers that recover
 * first (under the trail's locks, see tg_trail.h) therefore see every
 * file old or every file new.
 */
#ifndef TG_JOURNAL_H
#define TG_JOURNAL_H

#include <stddef.h>

#include "tg_error.h"

typedef struct {
    const char *path;  /* its folder must exist */
    const char *data;
    size_t len;
    int locked;        /* others write it under its lock (the log): a
                        * recovery takes that lock too */
} tg_journal_file;

/**
 * Replace the files together. Every file must lie inside the folder
 * root (the repository's work tree): a journal names the files it will
 * write, and one that names others is refused, here and on recovery. Named steps (tg_step): "journal" once the
 * journal is durable, "apply" before each file (detail: its path),
 * "applied" when all are written, "committed" once the journal is gone.
 */
int tg_journal_run(const char *journal, const char *root,
                   const tg_journal_file *files, int n, tg_error *err);

/**
 * Complete a journal left by a dead run (the caller holds the locks of
 * the files it names). *completed is 1 when there was one. A journal
 * whose content does not match its own checksums is an error and is
 * left in place for a person to inspect, as is one naming a file outside
 * root (a journal is input too: one planted in a pull request must not
 * write anywhere).
 */
int tg_journal_recover(const char *journal, const char *root, int *completed,
                       tg_error *err);

/**
 * The files of a pending journal marked locked (absolute paths, malloc'd
 * array of malloc'd strings); *n is 0 when there is no journal.
 */
int tg_journal_locked_files(const char *journal, char ***paths, int *n,
                            tg_error *err);

#endif
