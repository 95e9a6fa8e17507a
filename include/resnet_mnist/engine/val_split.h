#ifndef RESNET_MNIST_VAL_SPLIT_H
#define RESNET_MNIST_VAL_SPLIT_H

#include <stdint.h>

#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/io/status.h"

/* The validation split of a run (train --val N): N of the training images held out, chosen by
 * the run's seed, the same for every epoch and every resumption of the run. */

/* The split's stream is seeded with seed ^ RUN_VAL_SALT ("VALID" in ASCII), apart from the
 * initialisation stream (seed) and the shuffling stream (seed ^ RUN_SHUFFLE_SALT), so that
 * holding images out changes neither the initial weights nor how the shuffling stream is drawn.
 * Every split depends on it: never change it. */
#define RUN_VAL_SALT 0x56414c4944ull

/* Splits all (n images) into fit (n - n_val images, to train on) and val (n_val images, to
 * validate on). The rule: a permutation of 0..n-1 is drawn by rng_shuffle from a stream seeded
 * with seed ^ RUN_VAL_SALT; its first n_val entries are the validation images; both parts keep
 * the file's order. fit and val are new datasets (malloc'd copies: free each with idx_free);
 * all is not changed. Refuses n_val < 1 or n_val >= n ("--val 600: must be less than the 600
 * training images the run uses"); on failure fit and val are zeroed. */
int val_split_data(struct idx_dataset *fit, struct idx_dataset *val, const struct idx_dataset *all,
                   int n_val, uint64_t seed, struct rm_status *st);

#endif
