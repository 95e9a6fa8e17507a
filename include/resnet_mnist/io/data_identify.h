#ifndef RESNET_MNIST_DATA_IDENTIFY_H
#define RESNET_MNIST_DATA_IDENTIFY_H

#include "resnet_mnist/io/status.h"

/* Which data set a labels file belongs to, and its largest label: a known data set is
 * recognised by the SHA-256 (libcrypto) of the whole labels file, decompressed, against the
 * published files of MNIST (spec section 1) and Fashion-MNIST, training or test split. */

#define DATA_IDENTIFY_NAME 32

struct data_labels_scan {
    char name[DATA_IDENTIFY_NAME]; /* "mnist", "fashion-mnist", or "" when not recognised */
    int count;                     /* labels in the whole file */
    int max_label;                 /* the largest of them */
};

/* Reads the whole IDX labels file at path (raw or gzip, with idx_read_file and
 * idx_parse_labels' checks, whatever limit the run uses) into *out. 0, or -1 with idx's
 * "<path>: <problem>". */
int data_identify_labels(const char *path, struct data_labels_scan *out, struct rm_status *st);

#endif
