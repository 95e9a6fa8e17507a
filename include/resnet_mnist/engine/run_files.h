#ifndef RESNET_MNIST_RUN_FILES_H
#define RESNET_MNIST_RUN_FILES_H

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/io/status.h"

/* The files of a run's output folder (spec sections 4 and 6), each rewritten whole (atomically)
 * after every epoch: best.bin (the best epoch's weights), last.bin (the resumable state),
 * metrics.csv (one line per epoch), accuracy.png and loss.png. Nothing here prints. */

struct run_files {
    char *best, *last, *csv, *acc_png, *loss_png; /* "<dir>/best.bin" ...; owned */
};

/* The paths of the run's files in folder dir (no '/' doubled when dir ends with one). On failure
 * (out of memory) f is left freeable. */
int run_files_init(struct run_files *f, const char *dir, struct rm_status *st);
/* Frees the paths and zeroes f; accepts a zeroed struct. */
void run_files_free(struct run_files *f);

/* The output folder must exist and be writable, so that a run finds out before it trains.
 * Messages: "<dir>: output folder does not exist (create it first)", "... is not a folder",
 * "... is not writable: <reason>". */
int run_files_check_dir(const char *dir, struct rm_status *st);

/* What `--resume PATH` names: PATH itself, or PATH/last.bin when PATH is a folder (*file), and
 * the folder of that file, "." when it has none (*dir, the run's default output folder). Both
 * malloc'd (caller frees); on failure (out of memory) both are NULL. */
int run_files_locate_resume(const char *path, char **file, char **dir, struct rm_status *st);

/* Writes metrics.csv: the header "epoch,train_loss,test_loss,test_accuracy,seconds", then one
 * line per done epoch "E,%.6f,%.6f,%.6f,%.3f". */
int run_files_write_metrics(const char *path, const struct run_state *r, struct rm_status *st);

/* Writes the two plots against epoch: test accuracy (points labelled, the best marked) into
 * acc_png, and the train and test losses (the lowest test loss marked) into loss_png, each of
 * plot_write_png's default size. r must hold at least one epoch. */
int run_files_write_plots(const char *acc_png, const char *loss_png, const struct run_state *r,
                          struct rm_status *st);

/* Seconds are not in the checkpoints: a resumed run takes the earlier epochs' seconds from the
 * metrics.csv it continues. Every line after the first (the header) that reads as five numbers
 * "E,train,test,accuracy,seconds" with 1 <= E <= r->epochs_done sets hist[E-1].seconds; other
 * lines, and a missing file, change nothing. Returns the number of lines used. */
int run_files_recover_seconds(const char *csv, struct run_state *r);

/* The end of a training epoch whose mean batch loss is train_loss: evaluates m on test, appends
 * the epoch to r (its seconds counted from epoch_start, a clock_seconds() value, to after the
 * evaluation) and saves the files (run_files_save, best.bin when the epoch is r's new best). */
int run_files_end_epoch(const struct run_files *f, struct run_state *r, struct model *m,
                        const struct trainer *t, const struct idx_dataset *test, double train_loss,
                        double epoch_start, struct rm_status *st);

/* Everything rewritten after an epoch (or on a stop): best.bin when new_best, last.bin, then,
 * once an epoch is done, metrics.csv and the plots; stops at the first failure. */
int run_files_save(const struct run_files *f, const struct model *m, const struct trainer *t,
                   const struct run_state *r, int new_best, struct rm_status *st);

#endif
