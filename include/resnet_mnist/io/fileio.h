#ifndef RESNET_MNIST_FILEIO_H
#define RESNET_MNIST_FILEIO_H

#include <stddef.h>
#include <stdio.h>

#include "resnet_mnist/io/status.h"

/* Crash-safe output: a file is written under a temporary name in the same folder, flushed to
 * disk, then renamed over <path>. An existing file at <path> is therefore either the old one or
 * the new one, never half of either. The temporary's name is "<name>.tmp.XXXXXX" (X random),
 * or, when that would be longer than the folder's longest name (NAME_MAX), the name's first 32
 * bytes (whole UTF-8 characters) and ".tmp.XXXXXX": every name the folder can hold can be
 * written. The folder is held open while the file is, so the temporary's own path never has
 * to fit PATH_MAX. */
struct atomic_file {
    FILE *fp;         /* write here between open and commit */
    char *tmp_path;   /* owned: the folder and the temporary's name, for messages */
    char *final_path; /* owned */
    int dir_fd;       /* the folder (valid while tmp_path is set) */
    int slot;         /* the entry in the table atomic_file_unlink_temporaries reads, or -1 */
};

/* Creates the temporary file, with the permissions the umask gives new files. On failure nothing
 * is left on disk ("<path>: cannot create: <reason>", "<path>: not a file name" for a path that
 * ends with a slash). */
int atomic_file_open(struct atomic_file *af, const char *path, struct rm_status *st);
/* Flushes, fsyncs, closes and renames into place; any failed step removes the temporary file
 * and reports "<path>: <reason>". Always releases af. */
int atomic_file_commit(struct atomic_file *af, struct rm_status *st);
/* Closes and removes the temporary file (safe on a zeroed or already released af). */
void atomic_file_abort(struct atomic_file *af);

/* For a signal handler about to end the process: unlinks the temporary file of every
 * atomic_file that is open (created, neither committed nor aborted), so that none is left
 * behind. Async-signal-safe: it reads a fixed table (the folder's descriptor and the
 * temporary's name, filled at open and cleared at commit or abort) without locks or allocation
 * and calls only unlinkat. Limits: the table holds ATOMIC_FILE_TRACKED files at once (more are
 * written as usual but not removed here); an atomic_file committed in another thread at the
 * same moment may have its rename fail instead; afterwards, a commit of a file whose temporary
 * was removed fails ("cannot rename ...") and leaves nothing. */
#define ATOMIC_FILE_TRACKED 32
void atomic_file_unlink_temporaries(void);

/* Writes len bytes to path through an atomic_file. */
int atomic_write_buffer(const char *path, const void *data, size_t len, struct rm_status *st);

/* Opens path for reading after checking, without blocking, that it is a regular file: a FIFO
 * (which would block the open until a writer comes, or the read for ever), a device, a socket or
 * a folder is refused at once with "<path>: not a regular file (a FIFO)" (a character device,
 * a block device, a socket, a folder); "<path>: cannot open: <reason>" otherwise. Returns a
 * blocking, close-on-exec descriptor (the caller closes it) or -1. */
int file_open_input(const char *path, struct rm_status *st);

/* Reads a whole regular file, opened with file_open_input, into a malloc'd buffer (caller frees
 * *data; one byte of room after *len). Errors as file_open_input's, and "<path>: read error:
 * <reason>", "<path>: out of memory". */
int file_read_all(const char *path, unsigned char **data, size_t *len, struct rm_status *st);

/* 1 when both paths exist and name the same file (same device and inode: hard links, "./x" and
 * "x", a symbolic link and its target), else 0. */
int file_same(const char *a, const char *b);

/* "dir/name" in a malloc'd string (no second slash after a folder that ends with one; an empty
 * dir gives the name alone); NULL when out of memory. */
char *file_join_path(const char *dir, const char *name);

/* The folder part of a file path in a malloc'd string: "." when the path has no slash, "/" for
 * a file at the root; NULL when out of memory. */
char *file_parent_dir(const char *path);

#endif
