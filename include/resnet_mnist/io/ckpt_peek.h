#ifndef RESNET_MNIST_CKPT_PEEK_H
#define RESNET_MNIST_CKPT_PEEK_H

#include <stdint.h>

#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/status.h"

/* The shape one tensor of a safetensors file declares, read from its header alone, before the
 * file is loaded: so that a caller can size what it loads (a model's class count from
 * linear2.bias). Nothing here is trusted: ckpt_load checks the whole file afterwards. */

/* Reads the header of the file at path (its first 8 bytes give the header's length, at most
 * 100 MB and within the file) and writes the shape of tensor `name` into shape[0..*ndim).
 * -1 with one line "<path>: <problem>" for a file that is not a safetensors file, a header
 * that is not a JSON object, a tensor that is not there ("no tensor 'linear2.bias'") or whose
 * shape is not a list of at most CKPT_MAX_DIMS whole numbers in 0..2^31-1. */
int ckpt_peek_shape(const char *path, const char *name, int64_t shape[CKPT_MAX_DIMS], int *ndim,
                    struct rm_status *st);

#endif
