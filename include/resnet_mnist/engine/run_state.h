#ifndef RESNET_MNIST_RUN_STATE_H
#define RESNET_MNIST_RUN_STATE_H

#include <stdint.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_options.h"
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

/* The shuffling stream of a run seeded with `seed` is seeded with seed ^ RUN_SHUFFLE_SALT
 * ("SHUFFLE" in ASCII), apart from the initialisation stream (seeded with seed itself). Every
 * run's numbers depend on it: never change it. */
#define RUN_SHUFFLE_SALT 0x53485546464c45ull

/* trainer_init for a run with options o: its shuffling stream (RUN_SHUFFLE_SALT), shuffle, lr
 * and momentum. m must be initialised for o->batch_size images. */
int run_trainer_init(struct trainer *t, struct model *m, const struct idx_dataset *train,
                     const struct run_options *o, struct rm_status *st);

/* Starts a new run with options o: r initialised (room for `epochs` epochs, grown as needed),
 * m's weights drawn by model_init_params from a stream seeded with o->seed, then replaced by the
 * weights file init_path when it is not NULL, and t prepared by run_trainer_init. On failure r,
 * m and t are left freeable. */
int run_state_begin(struct run_state *r, struct model *m, struct trainer *t,
                    const struct idx_dataset *train, const struct run_options *o, int epochs,
                    const char *init_path, struct rm_status *st);

/* The mirror of run_save_resumable: puts what run_load_resumable read from path (r, params,
 * momentum, at) back into m and t, so that training continues bit for bit. m must be
 * initialised for r->opt.batch_size images; t is prepared here by run_trainer_init over train
 * (the run's r->opt.train_images images) and then given the weights, momentum, step count,
 * both generators, the position in the epoch and its running loss; the epoch's permutation is
 * redrawn on the next trainer_run_epoch. Refuses a model for another batch size, a training set
 * of another size and "<path>: resume field 'batch_in_epoch' (B) is past the epoch's N
 * batches". On failure m and t are left freeable. */
int run_state_restore(struct model *m, struct trainer *t, const struct idx_dataset *train,
                      const struct run_state *r, const float *params, const float *momentum,
                      const struct resume_point *at, const char *path, struct rm_status *st);

#endif
