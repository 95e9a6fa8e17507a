#ifndef RESNET_MNIST_IDX_H
#define RESNET_MNIST_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* MNIST's IDX files (spec section 1): a big-endian header (magic 0x00000803 for images,
 * 0x00000801 for labels, then the counts and sizes as uint32) and a raw uint8 payload.
 * Files may be gzip-compressed; that is decided by content (the 1f 8b magic), not by name. */

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
#define MNIST_ROWS       28
#define MNIST_COLS       28
#define MNIST_PIXELS     (MNIST_ROWS * MNIST_COLS)
#define MNIST_CLASSES    10

/* One split held as bytes: images[n][28][28] row-major, labels[n] (0..N-1 for N classes).
 * Normalised per batch by idx_normalize, never held as floats. */
struct idx_dataset {
    int n;
    uint8_t *images; /* n * MNIST_PIXELS bytes, owned */
    uint8_t *labels; /* n bytes, owned */
};

enum mnist_split { MNIST_SPLIT_TRAIN, MNIST_SPLIT_TEST };

/* Reads a whole file, gunzipping it when it starts with 1f 8b (concatenated gzip members are
 * read as one file, as gunzip does). On success *data is malloc'd (caller frees) and *len set;
 * on failure *data is NULL and *len 0. Refuses missing/unreadable files, directories and other
 * non-regular files, files or decompressed contents over 64 MiB (MNIST's largest is 45 MiB;
 * this stops gzip bombs), and corrupt gzip streams (bad CRC or length, cut short, trailing
 * garbage) with "<path>: <problem>". */
int idx_read_file(const char *path, uint8_t **data, size_t *len, struct rm_status *st);

/* Parses an in-memory IDX images file (already decompressed). name is used in messages.
 * Checks magic, 3 dimensions, 28x28, n >= 1 and that the payload length equals n*28*28
 * exactly (header counts up to 2^32-1 are handled without overflow). Keeps the first `limit`
 * images (limit <= 0 or > n: all). On success *images is malloc'd (count * 784 bytes, caller
 * frees) and *count set; on failure *images is NULL and *count 0. */
int idx_parse_images(const uint8_t *buf, size_t len, const char *name, int limit, uint8_t **images,
                     int *count, struct rm_status *st);

/* Same for a labels file: magic 0x801, 1 dimension, n >= 1, payload length n. Any byte is a
 * label here: the number of classes is the run's, and the engine checks labels against it. */
int idx_parse_labels(const uint8_t *buf, size_t len, const char *name, int limit, uint8_t **labels,
                     int *count, struct rm_status *st);

/* Loads an images file and a labels file (each raw or gzip) into ds: the first `limit` items,
 * or all when limit <= 0 or larger than the files. Both files must hold the same number of
 * items (compared over the whole files, whatever the limit). ds is overwritten, not freed.
 * All or nothing: on failure ds is zeroed and nothing is left allocated. */
int idx_load(struct idx_dataset *ds, const char *images_path, const char *labels_path, int limit,
             struct rm_status *st);

/* Finds a split under dir by its official names (train-images-idx3-ubyte /
 * t10k-images-idx3-ubyte, the dotted form train-images.idx3-ubyte, each optionally with .gz;
 * the first that exists, in that order) and loads it with idx_load. A missing folder or file
 * is reported with the folder, the names tried and the scripts/fetch_mnist.sh hint. */
int mnist_load(struct idx_dataset *ds, const char *dir, enum mnist_split split, int limit,
               struct rm_status *st);

/* The two files mnist_load would read for split under dir (*images and *labels malloc'd, the
 * first existing name of each in mnist_load's order); -1 with mnist_load's message when one
 * is missing, both left NULL. */
int mnist_find_split(const char *dir, enum mnist_split split, char **images, char **labels,
                     struct rm_status *st);

/* Frees ds and zeroes it; accepts a zeroed struct. */
void idx_free(struct idx_dataset *ds);

/* x[i] = (pixels[i] / 255 - 0.1307) / 0.3081 in float32, step by step as torchvision's
 * ToTensor followed by Normalize((0.1307,), (0.3081,)) computes it, so bit for bit equal.
 * Pure, thread-safe. */
void idx_normalize(float *x, const uint8_t *pixels, size_t count);

#endif
