#ifndef RESNET_MNIST_DATA_FINGERPRINT_H
#define RESNET_MNIST_DATA_FINGERPRINT_H

#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/io/status.h"

/* What a training run read from its MNIST folder, as four SHA-256 digests (OpenSSL's
 * libcrypto): the training images, the training labels, the test images and the test labels,
 * each over exactly the bytes the run uses (ds->n images of MNIST_PIXELS bytes, ds->n labels,
 * after --limit-*, decompressed). The same data therefore has the same fingerprint whether its
 * files are gzipped or not, and any change to what the run reads changes it. A resumed run is
 * checked against the fingerprint its checkpoint records. */

#define DATA_FINGERPRINT_PARTS 4
/* The text form: "train-images:<64 hex>,train-labels:<hex>,t10k-images:<hex>,t10k-labels:<hex>"
 * and its NUL: 309 characters. */
#define DATA_FINGERPRINT_TEXT (12 + 12 + 11 + 11 + 4 * (1 + 64) + 3 + 1)

struct data_fingerprint {
    unsigned char sha256[DATA_FINGERPRINT_PARTS][32];
};

/* The fingerprint of a run's two data sets. 0, or -1 when libcrypto fails ("SHA-256: ..."). */
int data_fingerprint_compute(struct data_fingerprint *fp, const struct idx_dataset *train,
                             const struct idx_dataset *test, struct rm_status *st);

/* The text form into buf (DATA_FINGERPRINT_TEXT bytes). */
void data_fingerprint_format(const struct data_fingerprint *fp, char *buf);

/* Reads the text form exactly (lower-case hex); name says where it came from in the message
 * "<name>: '<text>' is not a data fingerprint". fp is untouched on failure. */
int data_fingerprint_parse(struct data_fingerprint *fp, const char *name, const char *text,
                           struct rm_status *st);

/* 0 when have equals want; else -1 naming the first part that differs, as a file of the data
 * folder dir: "<dir>: t10k-labels-idx1-ubyte[.gz] is not the data the run was trained on (the
 * SHA-256 of the labels it uses differs)". */
int data_fingerprint_check(const struct data_fingerprint *want, const struct data_fingerprint *have,
                           const char *dir, struct rm_status *st);

#endif
