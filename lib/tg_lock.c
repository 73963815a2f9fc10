/*
 * flock(2) on a lock file beside the locked file.
 */
#include "tg_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int tg_lock_acquire(tg_lock *l, const char *target, tg_error *err)
{
    char *path = l->path;
    l->fd = -1;
    snprintf(path, sizeof l->path, "%s.tiergate.lock", target);
    for (;;) {
        int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
        if (fd < 0)
            return tg_error_set(err, TG_EIO, path, 0, 0, "cannot open: %s",
                                strerror(errno));
        while (flock(fd, LOCK_EX) != 0)
            if (errno != EINTR) {
                int e = errno;
                close(fd);
                return tg_error_set(err, TG_EIO, path, 0, 0,
                                    "cannot lock: %s", strerror(e));
            }
        struct stat held, named;
        if (fstat(fd, &held) == 0 && stat(path, &named) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
            l->fd = fd;
            return TG_OK;
        }
        close(fd); /* removed by the previous holder: take the new one */
    }
}

void tg_lock_release(tg_lock *l)
{
    if (l->fd >= 0) {
        unlink(l->path); /* still held: nobody is between open and flock */
        flock(l->fd, LOCK_UN);
        close(l->fd);
    }
    l->fd = -1;
}
