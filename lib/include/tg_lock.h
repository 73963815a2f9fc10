/*
 * Exclusive locks on the files of the audit trail. The lock is taken
 * on "<file>.tiergate.lock" beside the file, not on the file itself:
 * the file is replaced by rename, so a lock on its descriptor would not
 * exclude the next writer. Locks are flock(2) locks, released by the
 * kernel when a process dies, so a killed run never leaves one held.
 * The holder removes the lock file before releasing it, so none is left
 * behind; a waiter that then wakes up holding the removed file sees that
 * the path no longer names it and takes the new one.
 *
 * Lock order, everywhere: the registry, then the log. Nothing takes the
 * registry's lock while holding the log's, so nothing deadlocks.
 */
#ifndef TG_LOCK_H
#define TG_LOCK_H

#include "tg_error.h"
#include "tg_util.h" /* TG_PATH_JOIN_MAX */

typedef struct {
    int fd; /* -1 when not held */
    char path[TG_PATH_JOIN_MAX];
} tg_lock;

#define TG_LOCK_INIT {-1}

/** Block until the exclusive lock for target is held. */
int tg_lock_acquire(tg_lock *l, const char *target, tg_error *err);
/** Release (no-op when not held). */
void tg_lock_release(tg_lock *l);

#endif
