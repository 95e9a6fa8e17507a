#ifndef RESNET_MNIST_TRAINER_H
#define RESNET_MNIST_TRAINER_H

#include <signal.h>
#include <stdint.h>

#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/engine/augment.h"
#include "resnet_mnist/engine/lr_schedule.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/io/status.h"

/* The tutorial's train(): epochs of shuffled batches, one SGD step each (spec section 4). The
 * trainer knows where it is inside an epoch, so an epoch can stop after any batch and continue
 * later, in this process or another, with exactly the steps an uninterrupted run takes. Nothing
 * here prints: progress reaches the caller through a callback. */

/* Called after each training batch with its 1-based number, the number of batches in the
 * epoch and the batch's loss. */
typedef void (*train_batch_fn)(void *ctx, int batch, int batches, double loss);

struct trainer {
    struct model *m;                 /* not owned */
    const struct idx_dataset *train; /* not owned */
    struct rng rng;                  /* the shuffling stream */
    struct rng epoch_rng;            /* rng as it was when the current epoch began */
    int shuffle;
    float lr, momentum;
    int batch;       /* batches of the current epoch already done (0: not begun) */
    double loss_sum; /* the sum of their losses */
    long correct;    /* their images whose prediction (the forward pass of the step, before it)
                        was right: the epoch's running training accuracy, no extra pass */
    long seen;       /* their images */
    int order_ready; /* order holds the current epoch's permutation */
    int *order;      /* train->n indices, owned */
    uint8_t *labels; /* m->max_batch labels of the current batch, owned */
    /* The lr and momentum of every step: trainer_init makes it constant (lr, momentum); the
     * caller may set another schedule (its epochs and batches) before training. */
    struct lr_schedule sched;
    int epoch;           /* the current epoch, 0-based: the epochs done before it */
    int augment;         /* 1: every training image is augmented (trainer_set_augment) */
    struct augment aug;  /* its ranges */
    uint64_t aug_seed;   /* the run's seed, for augment_seed */
    uint8_t *aug_images; /* m->max_batch augmented images, then their labels; owned */
};

enum trainer_status {
    TRAINER_EPOCH_DONE, /* the epoch is complete; the next call starts a new one */
    TRAINER_STOPPED,    /* *stop was set: stopped after a complete batch, resumable */
    TRAINER_DIVERGED,   /* a batch's loss is NaN or infinite (no step taken for it), or its step
                           left a weight that is NaN or infinite */
};

/* Prepares a trainer whose shuffling stream is seeded with seed (the model's weights are
 * initialised separately). */
int trainer_init(struct trainer *t, struct model *m, const struct idx_dataset *train, uint64_t seed,
                 int shuffle, float lr, float momentum, struct rm_status *st);
void trainer_free(struct trainer *t);

/* Turns augmentation on: from now on every training image is replaced, before it is
 * normalised, by augment_image of it drawn from a stream seeded with augment_seed(seed, epoch,
 * its index in train). Fails only for memory. */
int trainer_set_augment(struct trainer *t, const struct augment *a, uint64_t seed,
                        struct rm_status *st);

/* The lr of the step taken last (the first step's before any): what t->sched gives at the
 * trainer's position. */
float trainer_current_lr(const struct trainer *t);

/* Batches in an epoch: ceil(n / batch size), the last one smaller (DataLoader's default). */
int trainer_batches(const struct trainer *t);

/* Runs the current epoch from batch t->batch on: a fresh permutation of the training set when
 * the epoch begins (unless shuffle is off), then one SGD step per batch of m->max_batch images,
 * with the lr and momentum t->sched gives for (t->epoch, the batch); t->epoch is incremented
 * when the epoch completes.
 * Checks *stop (may be NULL) on entry and after every batch but the last; TRAINER_STOPPED leaves
 * t between two batches (or before the epoch, untouched), to be continued by the next call. On
 * TRAINER_EPOCH_DONE *mean_loss gets the mean of the epoch's batch losses (t->correct and
 * t->seen keep the epoch's training predictions until the next one begins). On TRAINER_DIVERGED
 * t->batch + 1 is the bad batch's number and *mean_loss gets its loss: NaN or infinite when the
 * loss diverged, finite when the batch's step made a weight NaN or infinite (checked after every
 * step, the last included); the model must not be trained or saved further then. */
enum trainer_status trainer_run_epoch(struct trainer *t, const volatile sig_atomic_t *stop,
                                      train_batch_fn on_batch, void *ctx, double *mean_loss);

#endif
