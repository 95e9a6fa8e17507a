#ifndef RESNET_MNIST_RUN_STATE_H
#define RESNET_MNIST_RUN_STATE_H

#include <stdint.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/status.h"
#include "resnet_mnist/engine/trainer.h"

/* A training run's record and its checkpoints (spec section 5):
 *  - the weights file (best.bin): the 16 tensors of the model, loadable into PyTorch with
 *    strict names, and metadata describing the epoch it comes from;
 *  - the resumable file (last.bin): the same tensors, plus "momentum.<name>" buffers and, in
 *    the metadata, the trainer's position (epoch, batch, running loss), both generator states,
 *    the optimizer's step count, the best epoch and the per-epoch history, everything that
 *    `train --resume` needs to continue bit for bit as if never stopped.
 * Wall-clock times are not stored: they are the one thing a resumed run cannot reproduce. */

struct epoch_record {
    double train_loss; /* mean of the epoch's batch losses */
    double test_loss;  /* mean over the test images */
    int correct, total;
    double seconds; /* wall time, not saved in checkpoints */
};

/* The options that decide a run's numbers; a resumed run must keep them. */
struct run_options {
    int batch_size;
    int shuffle;
    float lr, momentum;
    uint64_t seed;
    int train_images, test_images;
};

struct run_state {
    struct run_options opt;
    int epochs_done;
    int best_epoch;            /* 1-based; 0 until an epoch is done */
    struct epoch_record *hist; /* epochs_done records, owned */
    int capacity;
};

/* The optimizer and trainer state a resumable file restores. */
struct resume_point {
    struct rng rng, epoch_rng;
    int batch;       /* batches of epoch epochs_done + 1 already done */
    double loss_sum; /* their losses' sum */
    long steps;      /* optimizer steps taken */
};

double epoch_accuracy(const struct epoch_record *e);

/* Describes the model's parameter table as checkpoint tensors: names and shapes of
 * model_params, data pointing into `data` (MODEL_PARAM_FLOATS floats laid out by the table:
 * m->params, m->grads or m->momentum, or any buffer of that size). t has MODEL_PARAM_COUNT
 * entries. */
void run_ckpt_tensors(const float *data, struct ckpt_tensor *t);

/* Room for `capacity` epochs (it grows as needed). */
int run_state_init(struct run_state *r, int capacity, struct rm_status *st);
void run_state_free(struct run_state *r);
/* Appends a finished epoch and updates best_epoch (the first epoch of the highest accuracy). */
int run_state_push(struct run_state *r, const struct epoch_record *e, struct rm_status *st);

/* Writes the weights file for epoch `epoch` (1-based) of r. */
int run_save_weights(const char *path, const struct model *m, const struct run_state *r, int epoch,
                     struct rm_status *st);

/* Writes the resumable file: m's weights and momentum, t's position and generators, r. */
int run_save_resumable(const char *path, const struct model *m, const struct trainer *t,
                       const struct run_state *r, struct rm_status *st);

/* Reads a resumable file into params and momentum (MODEL_PARAM_FLOATS floats each), *at and r
 * (initialised here; free with run_state_free). A weights-only file (best.bin, or one from
 * PyTorch) is refused with a message suggesting --init. All or nothing. */
int run_load_resumable(const char *path, float *params, float *momentum, struct resume_point *at,
                       struct run_state *r, struct rm_status *st);

#endif
