#ifndef RESNET_MNIST_RUN_STATE_H
#define RESNET_MNIST_RUN_STATE_H

#include <stdint.h>

#include "resnet_mnist/engine/dataset.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_options.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/data_fingerprint.h"
#include "resnet_mnist/io/status.h"

/* A training run's record and its checkpoints (spec section 5):
 *  - the weights file (best.bin): exactly the 16 tensors of the model, loadable into PyTorch
 *    with strict names, and metadata describing the epoch it comes from;
 *  - the resumable file (last.bin): the same tensors, "momentum.<name>" buffers, once an epoch
 *    is done the best epoch's weights as "best.<name>" (so that best.bin can always be written
 *    again from last.bin alone), and in the metadata every option of the run (run_options, the
 *    target epoch count, the data folder as given and absolute, the limits, --init) with the
 *    data's fingerprint, the trainer's position (epoch, batch, running loss), both generator
 *    states, the optimizer's step count, the best epoch and the per-epoch history: everything
 *    `train --resume` needs to continue bit for bit as if never stopped, and nothing more.
 * Wall-clock times are not stored: they are the one thing a resumed run cannot reproduce, and
 * a run and its resumed copy write the same last.bin. */

struct epoch_record {
    double train_loss; /* mean of the epoch's batch losses */
    double test_loss;  /* mean over the test images */
    int correct, total;
    double seconds;                 /* wall time, not saved in checkpoints */
    int train_correct, train_total; /* the epoch's training images predicted right (by the
                                       forward pass of each step) of those counted: all of the
                                       epoch's, or 0 of 0 in a run resumed from an older file */
    double lr;                      /* the learning rate of the epoch's last step */
    double val_loss;                /* on the validation images, when the run holds some out */
    int val_correct, val_total;     /* val_total 0: no validation */
};

/* Where a run's data comes from: recorded so that `train --resume` needs no option. */
struct run_source {
    char *data_dir;              /* the --data folder as given, owned (NULL: none recorded) */
    char *data_abs;              /* the same folder as an absolute path, owned */
    int limit_train, limit_test; /* --limit-train / --limit-test as given; 0: none */
    char *init;                  /* --init as given, owned; NULL: none */
    struct data_fingerprint data;
};

struct run_state {
    struct run_options opt;
    struct run_source src;
    int epochs; /* the run's target (train --epochs) */
    int epochs_done;
    int best_epoch;            /* 1-based; 0 until an epoch is done */
    struct epoch_record *hist; /* epochs_done records, owned */
    int capacity;
    struct dataset_info data; /* the data set (dataset.h): MNIST's after run_state_init */
    float *best_params;       /* data.classes' param floats (room for MODEL_MAX_PARAM_FLOATS): the
                                 best epoch's weights (meaningful once
                                 best_epoch > 0), owned */
};

/* The optimizer and trainer state a resumable file restores. */
struct resume_point {
    struct rng rng, epoch_rng;
    int batch;          /* batches of epoch epochs_done + 1 already done */
    double loss_sum;    /* their losses' sum */
    long steps;         /* optimizer steps taken */
    long correct, seen; /* the epoch's training predictions so far (trainer.h) */
};

double epoch_accuracy(const struct epoch_record *e);
/* val_correct / val_total, and train_correct / train_total; NaN when the total is 0. */
double epoch_val_accuracy(const struct epoch_record *e);
double epoch_train_accuracy(const struct epoch_record *e);
/* e->lr (a float's value) as the shortest decimal that rounds to the same float, for showing:
 * 0.02 rather than 0.0199999996. */
double epoch_lr_decimal(const struct epoch_record *e);

/* 1 when the run stops early: it has a patience N (opt.patience > 0) and its last N epochs
 * brought no better monitored value (epochs_done - best_epoch >= N). */
int run_state_out_of_patience(const struct run_state *r);

/* Describes the model's parameter table as checkpoint tensors: names and shapes of
 * model_params, data pointing into `data` (MODEL_PARAM_FLOATS floats laid out by the table:
 * m->params, m->grads or m->momentum, or any buffer of that size). t has MODEL_PARAM_COUNT
 * entries. */
void run_ckpt_tensors(const float *data, struct ckpt_tensor *t);
/* run_ckpt_tensors for the model of `classes` outputs (model_param_table). */
void run_ckpt_tensors_classes(const float *data, int classes, struct ckpt_tensor *t);

/* Room for `capacity` epochs (it grows as needed) and the best epoch's weights; the source
 * empty. */
int run_state_init(struct run_state *r, int capacity, struct rm_status *st);
/* Frees everything r owns and zeroes it; accepts a zeroed struct. */
void run_state_free(struct run_state *r);
/* Appends a finished epoch and updates best_epoch: the first epoch of the highest test accuracy
 * when the run holds no validation images (opt.val 0: the tutorial's rule, which selects on the
 * test set), else the first of the highest validation accuracy, or of the lowest validation
 * loss with opt.monitor RUN_MONITOR_LOSS; the test set then never chooses. An epoch whose
 * train, test or validation loss is NaN or infinite is refused ("epoch E: the test loss is
 * NaN"), so that it is never recorded, let alone made the best; r is unchanged then. The caller
 * copies the weights into best_params when the epoch is the new best. */
int run_state_push(struct run_state *r, const struct epoch_record *e, struct rm_status *st);

/* Records where the run's data comes from: data_dir as given and made absolute (realpath), the
 * limits as given (0: none), init_path (NULL: none) and the data's fingerprint. Replaces what r
 * held. */
int run_state_set_source(struct run_state *r, const char *data_dir, int limit_train, int limit_test,
                         const char *init_path, const struct data_fingerprint *fp,
                         struct rm_status *st);

/* A resumed run's data, loaded from folder dir, must be what it was trained on (path names the
 * run's file in messages): "<path>: the run used 600 training and 100 test images, <dir> holds
 * 500 and 100", or data_fingerprint_check's refusal naming the file that changed. */
int run_state_check_data(const struct run_state *r, const struct idx_dataset *train,
                         const struct idx_dataset *test, const struct data_fingerprint *fp,
                         const char *dir, const char *path, struct rm_status *st);

/* Writes the weights file for epoch `epoch` (1-based) of r, with m's weights. */
int run_save_weights(const char *path, const struct model *m, const struct run_state *r, int epoch,
                     struct rm_status *st);
/* Writes the weights file of r's best epoch, from r->best_params (r->best_epoch >= 1). */
int run_save_best(const char *path, const struct run_state *r, struct rm_status *st);

/* Writes the resumable file: m's weights and momentum, r's best weights, t's position and
 * generators, r's record and source. */
int run_save_resumable(const char *path, const struct model *m, const struct trainer *t,
                       const struct run_state *r, struct rm_status *st);

/* Reads a resumable file into params and momentum (model_param_floats(N) floats each for the
 * file's N classes: room for MODEL_MAX_PARAM_FLOATS, or MODEL_PARAM_FLOATS for MNIST's), *at and r
 * (r->data its data set: dataset_from_meta)
 * (initialised here, best_params and source included; free with run_state_free). Every field
 * is checked: the options by the command line's own rules (run_options.h), so that a value
 * train refuses as an option is refused here too, "<path>: resume field 'lr': 'nan' is not a
 * number"; the history (finite losses, 0 <= correct <= total = the test images), the best
 * epoch against it, the position (batch_in_epoch is 0 once the target is reached). A
 * weights-only file (best.bin, or one from PyTorch) or one whose metadata no checksum covers
 * (written by an older version) is refused with a message suggesting
 * --init, a file of an older format is refused by its version. All or nothing. */
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

/* Starts a new run with options o: r initialised (room for `epochs` epochs, grown as needed,
 * and `epochs` its target), m's weights drawn by model_init_params from a stream seeded with
 * o->seed, then replaced by the weights of the checkpoint init_path when it is not NULL (any
 * checkpoint weights_load reads: best.bin, last.bin, PyTorch's), and t prepared by
 * run_trainer_init. On failure r, m and t are left freeable. */
int run_state_begin(struct run_state *r, struct model *m, struct trainer *t,
                    const struct idx_dataset *train, const struct run_options *o, int epochs,
                    const char *init_path, struct rm_status *st);

/* The mirror of run_save_resumable: puts what run_load_resumable read from path (r, params,
 * momentum, at) back into m and t, so that training continues bit for bit. m must be
 * initialised for r->opt.batch_size images; t is prepared here by run_trainer_init over train
 * (the run's r->opt.train_images images, less the r->opt.val held out by val_split_data) and
 * then given the weights, momentum, step count, both generators, the position in the epoch and
 * its running loss and training accuracy; the epoch's permutation is redrawn on the next
 * trainer_run_epoch. Refuses a model for another batch size, a training set
 * of another size and "<path>: resume field 'batch_in_epoch' (B) is past the epoch's N
 * batches". On failure m and t are left freeable. */
int run_state_restore(struct model *m, struct trainer *t, const struct idx_dataset *train,
                      const struct run_state *r, const float *params, const float *momentum,
                      const struct resume_point *at, const char *path, struct rm_status *st);

#endif
