/*
 * Opening the audit trail: locks in order, recovery, cleanup.
 */
#include "tg_trail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_git.h"
#include "tg_journal.h"
#include "tg_util.h"

const char *tg_trail_journal_path(const char *registry, char *buf, size_t n)
{
    snprintf(buf, n, "%s.journal", registry);
    return buf;
}

const char *tg_trail_root(const char *registry, char *buf, size_t n)
{
    char dir[TG_PATH_MAX];
    tg_git_facts g;
    tg_error ignored;
    snprintf(buf, n, ".");
    if (tg_git_facts_get(&g, tg_dirname(registry, dir, sizeof dir), NULL,
                         &ignored) == TG_OK) {
        if (g.in_repo && g.workdir[0])
            snprintf(buf, n, "%s", g.workdir);
        tg_git_facts_release(&g);
    }
    return buf;
}

int tg_trail_open(tg_trail *t, const char *registry, const char *log,
                  const char *const *dirs, int ndirs, tg_error *err)
{
    memset(t, 0, sizeof *t);
    t->registry_lock.fd = -1;
    t->log_lock.fd = -1;
    int rc;
    if (registry && (rc = tg_lock_acquire(&t->registry_lock, registry, err)))
        return rc;
    if (log && (rc = tg_lock_acquire(&t->log_lock, log, err))) {
        tg_trail_close(t);
        return rc;
    }
    if (registry) {
        char journal[TG_PATH_JOIN_MAX];
        tg_trail_journal_path(registry, journal, sizeof journal);
        /* A command that does not touch the log still completes a
         * transaction that covers it, under the log's lock (taken after
         * the registry's, as everywhere). */
        char **locked = NULL;
        int nlocked = 0;
        if (!log && (rc = tg_journal_locked_files(journal, &locked, &nlocked,
                                                  err))) {
            tg_trail_close(t);
            return rc;
        }
        if (nlocked > 0)
            rc = tg_lock_acquire(&t->log_lock, locked[0], err);
        for (int i = 0; i < nlocked; i++)
            free(locked[i]);
        free(locked);
        if (rc) {
            tg_trail_close(t);
            return rc;
        }
        char root[TG_PATH_MAX];
        if (access(journal, F_OK) == 0 &&
            (rc = tg_journal_recover(journal,
                                     tg_trail_root(registry, root, sizeof root),
                                     &t->recovered, err))) {
            tg_trail_close(t);
            return rc;
        }
    }
    char rdir[TG_PATH_MAX], ldir[TG_PATH_MAX];
    if (registry)
        tg_remove_stale_temps(tg_dirname(registry, rdir, sizeof rdir),
                              &t->stale_removed);
    if (log && (!registry || strcmp(rdir, tg_dirname(log, ldir, sizeof ldir))))
        tg_remove_stale_temps(tg_dirname(log, ldir, sizeof ldir),
                              &t->stale_removed);
    for (int i = 0; i < ndirs; i++)
        tg_remove_stale_temps(dirs[i], &t->stale_removed);
    return TG_OK;
}

void tg_trail_close(tg_trail *t)
{
    /* The reverse of the order they were taken in. */
    tg_lock_release(&t->log_lock);
    tg_lock_release(&t->registry_lock);
}
