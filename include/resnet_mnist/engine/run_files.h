#ifndef RESNET_MNIST_RUN_FILES_H
#define RESNET_MNIST_RUN_FILES_H

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/io/dir_lock.h"
#include "resnet_mnist/io/status.h"

/* The files of a run's output folder (spec sections 4 and 6), each rewritten whole (atomically)
 * after every epoch: best.bin (the best epoch's weights), last.bin (the resumable state),
 * metrics.csv (one line per epoch), accuracy.png and loss.png. A folder holds a run when any of
 * these five is there. Nothing here prints. */

#define RUN_FILES_COUNT 5

struct run_files {
    char *best, *last, *csv, *acc_png, *loss_png; /* "<dir>/best.bin" ...; owned */
    int best_written;     /* best.bin holds the run's best epoch, written by this process */
    struct dir_lock lock; /* held from run_files_open to run_files_free */
};

/* The paths of the run's files in folder dir (no '/' doubled when dir ends with one), without
 * touching the folder. On failure (out of memory) f is left freeable. */
int run_files_init(struct run_files *f, const char *dir, struct rm_status *st);
/* The folder of a run that is about to write there: made when missing (run_files_make_dir),
 * locked (dir_lock.h: a second process fails at once, naming the holder) until run_files_free,
 * and the paths set (run_files_init). On failure f is left freeable. */
int run_files_open(struct run_files *f, const char *dir, struct rm_status *st);
/* Releases the folder's lock, if held, frees the paths and zeroes f; accepts a zeroed struct. */
void run_files_free(struct run_files *f);
/* The five paths, in the order above. */
void run_files_paths(const struct run_files *f, const char *paths[RUN_FILES_COUNT]);

/* Makes the output folder dir when it is missing, with its parents (as mkdir -p, permissions
 * from the umask), so that a run finds out before it trains whether it can write there.
 * Refuses: a path longer than the system takes ("<dir>: output folder path is too long (N
 * characters; the system takes at most 4095)"), a part of it that cannot be made ("<part>:
 * cannot make the output folder: <reason>"), "<dir>: output path is not a folder", "<dir>:
 * output folder is not writable: <reason>". */
int run_files_make_dir(const char *dir, struct rm_status *st);

/* The first of the run's files found in f's folder (e.g. "metrics.csv"), or NULL when the folder
 * holds no run. */
const char *run_files_find_run(const struct run_files *f);

/* Removes the run's five files from the folder (what is missing is fine): `train --overwrite`
 * starting a new run there, so that nothing of the old one is left to mix with it. */
int run_files_remove(const struct run_files *f, struct rm_status *st);

/* Checks before any work that every file can be written where it will be: for each, creates
 * and removes its temporary file as a save does (atomic_file_open, atomic_file_abort). Fails with
 * that file's problem ("<path>: cannot create: <reason>"). */
int run_files_probe(const struct run_files *f, struct rm_status *st);

/* What `--resume PATH` names: PATH itself, or PATH/last.bin when PATH is a folder (*file), and
 * the folder of that file, "." when it has none (*dir, the run's default output folder). Both
 * malloc'd (caller frees); on failure (out of memory) both are NULL. */
int run_files_locate_resume(const char *path, char **file, char **dir, struct rm_status *st);

/* Writes metrics.csv: the header
 * "epoch,train_loss,test_loss,test_accuracy,seconds,train_accuracy,lr,val_loss,val_accuracy"
 * (the first five columns as before the others were added), then one line per done epoch
 * "E,%.6f,%.6f,%.6f,%.3f,%.6f,%.9g,%.6f,%.6f"; a value the run does not have is an empty field
 * (validation without --val; training accuracy and lr of epochs recorded by an older version). */
int run_files_write_metrics(const char *path, const struct run_state *r, struct rm_status *st);

/* Writes the two plots against epoch, each of plot_write_png's default size: the test accuracy
 * (points labelled), the training accuracy (where recorded) and the validation accuracy (with
 * --val) into acc_png; the train, test and validation losses into loss_png. The value that chose
 * best.bin is marked: the highest test accuracy and lowest test loss without validation, else
 * the highest validation accuracy or (--monitor loss) the lowest validation loss. r must hold
 * at least one epoch. */
int run_files_write_plots(const char *acc_png, const char *loss_png, const struct run_state *r,
                          struct rm_status *st);

/* Seconds are not in the checkpoints: a resumed run takes the earlier epochs' seconds from the
 * metrics.csv of the run it continues, and from no other. The file counts as the run's own
 * only when its first line is the header and every following line is one of r's epochs in
 * order, "E,train,test,accuracy,seconds" with E = 1, 2, ... (at most r->epochs_done lines), the
 * first four fields exactly as run_files_write_metrics writes r's record of that epoch; then
 * each line's seconds go to its epoch. Any other file (another run's, a damaged one) and a
 * missing file change nothing. Returns the number of epochs whose seconds were taken. */
int run_files_recover_seconds(const char *csv, struct run_state *r);

/* The end of a training epoch whose mean batch loss is train_loss: evaluates m on val (the
 * held-out images; NULL: none) and on test, appends the epoch to r with t's training accuracy
 * and lr (its seconds counted from epoch_start, a clock_seconds() value, to after the
 * evaluations), keeps m's weights as r's best_params when the epoch is the new best, and saves the
 * files (run_files_save). A test loss that is NaN or infinite ends the run instead, recording
 * and saving nothing: "training diverged: the test loss is NaN after epoch E, whose last step
 * (batch B) left weights whose outputs overflow; try a smaller --lr (now X)", and "; best.bin
 * keeps the best earlier epoch" when there is one. */
int run_files_end_epoch(struct run_files *f, struct run_state *r, struct model *m,
                        const struct trainer *t, const struct idx_dataset *val,
                        const struct idx_dataset *test, double train_loss, double epoch_start,
                        struct rm_status *st);

/* Everything rewritten after an epoch (or on a stop): best.bin, from r's best_params, when
 * new_best or when this process has not written it yet (f->best_written; a resumed run writes
 * it whole in its folder, whatever was there); then last.bin; then, once an epoch is done,
 * metrics.csv and the plots. Stops at the first failure. */
int run_files_save(struct run_files *f, const struct model *m, const struct trainer *t,
                   const struct run_state *r, int new_best, struct rm_status *st);

#endif
