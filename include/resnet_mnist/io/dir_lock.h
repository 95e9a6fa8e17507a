#ifndef RESNET_MNIST_DIR_LOCK_H
#define RESNET_MNIST_DIR_LOCK_H

#include "resnet_mnist/io/status.h"

/* An exclusive lock on a folder, so that two processes never write their files into it at the
 * same time. It is flock(2) on the file DIR_LOCK_NAME inside the folder, which holds the pid of
 * the holder: the kernel releases it when the holder's descriptor is closed, so a holder that
 * dies, even by kill -9, never leaves the folder locked. (A stale lock file may be left behind
 * then; the next holder takes it over.) Advisory, as every flock: it binds the processes that
 * ask for it. Nothing here prints. */

#define DIR_LOCK_NAME ".resnet-mnist.lock"

struct dir_lock {
    int held;    /* 1 between a successful acquire and the release */
    int dir_fd;  /* the folder */
    int lock_fd; /* the lock file, locked */
};

/* Takes the lock of folder dir (which must exist), without waiting. Fails at once when another
 * open of the lock file holds it, another process or this one: "<dir>: in use by another
 * resnet-mnist process (pid N)" (the pid written in the lock file; "pid unknown" when it
 * holds none); "<dir>: cannot lock: <reason>" for other failures. On failure l is left
 * released. */
int dir_lock_acquire(struct dir_lock *l, const char *dir, struct rm_status *st);

/* Removes the lock file and releases the lock; a no-op on a zeroed struct, after a failed
 * acquire and after a release. */
void dir_lock_release(struct dir_lock *l);

#endif
