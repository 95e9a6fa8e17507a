#ifndef RESNET_MNIST_TRAIN_PROGRESS_H
#define RESNET_MNIST_TRAIN_PROGRESS_H

/* What `train` prints while it runs (private to src/cli): the tutorial's "epoch: E num: N Loss:
 * L" lines, a live status line on a terminal, and one line (or JSON object) per epoch. */

#include "resnet_mnist/engine/run_files.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/trainer.h"

enum output_mode { OUT_LIVE, OUT_PLAIN, OUT_QUIET, OUT_JSON };

struct train_progress {
    enum output_mode mode;
    int log_every, epochs, batch_size;
    const struct trainer *t;
    int epoch, first_batch; /* the epoch running, and the batch it (re)started from */
    double epoch_start, last_draw;
    int live_shown; /* a live line is on screen and must be cleared before other output */
};

/* The lines before training (nothing with --quiet or --json): where a resumed run continues
 * (resume_file not NULL), or that it has nothing left to train, then the data and options. */
void train_progress_print_start(const struct train_progress *p, const struct run_state *r,
                                const struct idx_dataset *train, const struct idx_dataset *test,
                                const char *resume_file, int threads, int from_init);
/* Notes the start of epoch `epoch` at the trainer's current batch. */
void train_progress_begin_epoch(struct train_progress *p, int epoch);
/* trainer_run_epoch's callback (ctx: a struct train_progress): the tutorial's line every
 * log_every batches, and on a terminal the live line (epoch, batch, speed, mean loss, ETAs),
 * redrawn at most every 0.1 s; nothing with --quiet or --json. */
void train_progress_on_batch(void *ctx, int batch, int batches, double loss);
/* Clears the live line, if one is shown, so that what follows starts on a clean line. */
void train_progress_clear(struct train_progress *p);
/* The last epoch of r: a JSON object with --json, else a line marking the best so far. */
void train_progress_print_epoch(struct train_progress *p, const struct run_state *r);

/* The end of a complete run (nothing with --quiet or --json): its best epoch and its files. */
void train_progress_print_summary(struct train_progress *p, const struct run_state *r,
                                  const struct run_files *f);

#endif
