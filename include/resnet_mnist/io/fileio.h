#ifndef RESNET_MNIST_FILEIO_H
#define RESNET_MNIST_FILEIO_H

#include <stddef.h>
#include <stdio.h>

#include "resnet_mnist/io/status.h"

/* Crash-safe output: a file is written under a temporary name in the same folder
 * ("<path>.tmp.XXXXXX"), flushed to disk, then renamed over <path>. An existing file at
 * <path> is therefore either the old one or the new one, never half of either. */
struct atomic_file {
    FILE *fp;         /* write here between open and commit */
    char *tmp_path;   /* owned */
    char *final_path; /* owned */
};

/* Creates the temporary file. On failure nothing is left on disk. */
int atomic_file_open(struct atomic_file *af, const char *path, struct rm_status *st);
/* Flushes, fsyncs, closes and renames into place; any failed step removes the temporary file
 * and reports "<path>: <reason>". Always releases af. */
int atomic_file_commit(struct atomic_file *af, struct rm_status *st);
/* Closes and removes the temporary file (safe on a zeroed or already released af). */
void atomic_file_abort(struct atomic_file *af);

/* Writes len bytes to path through an atomic_file. */
int atomic_write_buffer(const char *path, const void *data, size_t len, struct rm_status *st);

/* Reads a whole regular file into a malloc'd buffer (caller frees *data). Refuses
 * directories and unreadable files with "<path>: <reason>". */
int file_read_all(const char *path, unsigned char **data, size_t *len, struct rm_status *st);

/* "dir/name" in a malloc'd string (no second slash after a folder that ends with one; an empty
 * dir gives the name alone); NULL when out of memory. */
char *file_join_path(const char *dir, const char *name);

/* The folder part of a file path in a malloc'd string: "." when the path has no slash, "/" for
 * a file at the root; NULL when out of memory. */
char *file_parent_dir(const char *path);

#endif
