#ifndef RESNET_MNIST_TRAIN_H
#define RESNET_MNIST_TRAIN_H

#include <stdint.h>

#include "resnet_mnist/idx.h"
#include "resnet_mnist/model.h"
#include "resnet_mnist/rng.h"
#include "resnet_mnist/status.h"

/* Epochs of training and evaluation over an idx_dataset, as the tutorial's train() and test()
 * (spec section 4). Nothing here prints: progress reaches the caller through a callback. */

struct eval_result {
    int correct, total;
    double loss; /* mean cross-entropy over the images */
};

/* Copies images idx[0..n) of ds into m->x, normalised (idx_normalize), and their labels into
 * labels[0..n). idx NULL means images first..first+n-1 in file order (first = 0). */
void batch_load(struct model *m, uint8_t *labels, const struct idx_dataset *ds, const int *idx,
                int first, int n);

/* Runs the model over all of ds in batches of m->max_batch (the last one may be smaller) and
 * counts correct predictions (the arg-max of the logits, first on ties as torch.max). */
void evaluate(struct model *m, const struct idx_dataset *ds, struct eval_result *r);

/* Called after each training batch with its 1-based number, the number of batches in the
 * epoch and the batch's loss. */
typedef void (*train_batch_fn)(void *ctx, int batch, int batches, double loss);

struct trainer {
    struct model *m;                 /* not owned */
    const struct idx_dataset *train; /* not owned */
    struct rng rng;                  /* shuffling */
    int shuffle;
    float lr, momentum;
    int *order;      /* train->n indices, owned */
    uint8_t *labels; /* m->max_batch labels of the current batch, owned */
};

/* Prepares a trainer; the generator is seeded with seed (shuffling only: the model's weights
 * are initialised separately). */
int trainer_init(struct trainer *t, struct model *m, const struct idx_dataset *train,
                 uint64_t seed, int shuffle, float lr, float momentum, struct rm_status *st);
void trainer_free(struct trainer *t);

/* One epoch: reshuffles (unless shuffle is off), then one SGD step per batch of m->max_batch
 * images (the last batch may be smaller, as DataLoader's default). Returns the mean loss of the
 * epoch's batches, or NaN/inf as soon as a batch's loss is not finite (training stops there;
 * *bad_batch gets its 1-based number). */
double trainer_run_epoch(struct trainer *t, train_batch_fn on_batch, void *ctx, int *bad_batch);

#endif
