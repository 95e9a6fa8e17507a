/* A folder's exclusive lock: see dir_lock.h. */
#include "resnet_mnist/io/dir_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The pid written in an open lock file, or 0 when it holds none. */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *end;
    long pid = strtol(buf, &end, 10);
    return end != buf && (*end == '\n' || *end == 0) && pid > 0 ? pid : 0;
}

static void close_all(struct dir_lock *l)
{
    if (l->lock_fd >= 0)
        close(l->lock_fd);
    if (l->dir_fd >= 0)
        close(l->dir_fd);
    l->dir_fd = l->lock_fd = -1;
    l->held = 0;
}

int dir_lock_acquire(struct dir_lock *l, const char *dir, struct rm_status *st)
{
    l->held = 0;
    l->lock_fd = -1;
    l->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (l->dir_fd < 0)
        return rm_fail(st, "%s: cannot lock: %s", dir, strerror(errno));
    /* The holder removes the file when it is done. A process that opened the file just before
     * that, and locks it just after, holds a lock on a file no longer in the folder: it sees
     * so (the name now names another file, or none) and starts again. */
    for (int attempt = 0; attempt < 100; attempt++) {
        l->lock_fd =
            openat(l->dir_fd, DIR_LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (l->lock_fd < 0)
            break;
        if (flock(l->lock_fd, LOCK_EX | LOCK_NB) != 0) {
            int err = errno;
            long pid = err == EWOULDBLOCK ? holder_pid(l->lock_fd) : 0;
            close_all(l);
            if (err != EWOULDBLOCK)
                return rm_fail(st, "%s: cannot lock: %s", dir, strerror(err));
            if (pid)
                return rm_fail(st, "%s: in use by another resnet-mnist process (pid %ld)", dir,
                               pid);
            return rm_fail(st, "%s: in use by another resnet-mnist process (pid unknown)", dir);
        }
        struct stat held, named;
        if (fstat(l->lock_fd, &held) == 0 &&
            fstatat(l->dir_fd, DIR_LOCK_NAME, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
            char pid[32];
            int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
            if (ftruncate(l->lock_fd, 0) == 0 && pwrite(l->lock_fd, pid, (size_t)n, 0) == n) {
                l->held = 1;
                return 0;
            }
            int err = errno;
            close_all(l);
            return rm_fail(st, "%s: cannot lock: %s/%s: %s", dir, dir, DIR_LOCK_NAME,
                           strerror(err));
        }
        close(l->lock_fd);
        l->lock_fd = -1;
    }
    int err = l->lock_fd < 0 ? errno : EAGAIN;
    close_all(l);
    return rm_fail(st, "%s: cannot lock: %s/%s: %s", dir, dir, DIR_LOCK_NAME, strerror(err));
}

void dir_lock_release(struct dir_lock *l)
{
    if (!l->held)
        return;
    /* unlink while still holding the lock: whoever opened this file meanwhile sees it gone */
    unlinkat(l->dir_fd, DIR_LOCK_NAME, 0);
    close_all(l);
}
