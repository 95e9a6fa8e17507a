#ifndef RESNET_MNIST_RUN_OPTIONS_H
#define RESNET_MNIST_RUN_OPTIONS_H

#include <stdint.h>

#include "resnet_mnist/engine/augment.h"
#include "resnet_mnist/engine/lr_schedule.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/io/status.h"

/* The options that decide a training run's numbers, and the rules of every option a run
 * records. The command line (train's flags) and a resumable file's metadata are read by these
 * same functions, so a value one refuses the other refuses too. */

#define RUN_MAX_EPOCHS 100000
#define RUN_MAX_BATCH  4096
#define RUN_MAX_IMAGES (1 << 30)
#define RUN_MAX_LR     1e6

/* What chooses best.bin when a run holds out validation images (--monitor). */
enum run_monitor { RUN_MONITOR_ACCURACY, RUN_MONITOR_LOSS };

/* The options that decide a run's numbers; a resumed run must keep them. */
struct run_options {
    int batch_size;
    int shuffle;
    float lr, momentum;
    uint64_t seed;
    int train_images, test_images; /* the images the run uses (after --limit-*) */
    enum model_conv conv;          /* --conv; recorded as "conv" only when fast */
    int val;                       /* --val: training images held out for validation (val_split.h),
                                      counted in train_images; 0: none, best.bin chosen on the test set */
    enum run_monitor monitor;      /* --monitor: what chooses best.bin on validation (val > 0) */
    /* --schedule and its options (lr_schedule.h; lr and momentum above are its base); recorded
     * only when not constant, step_size and gamma for step, min_lr for cosine, warmup when > 0 */
    enum lr_schedule_kind schedule;
    int step_size, warmup;
    float gamma, min_lr;
    float weight_decay; /* --weight-decay: SGD's coupled L2; recorded when > 0 */
    int nesterov;       /* --nesterov; recorded when set */
    int augment;        /* --augment: 1 to augment with aug; recorded as its text when set */
    struct augment aug;
    char recipe[16]; /* --recipe as given ("" none): recorded, for the record only */
    int patience;    /* --patience: stop after this many epochs without a better monitored
                        value (val > 0); 0: never */
};

/* Each reads text by its option's rule (strict_number.h: the whole text, nothing around it) and
 * returns 0 with *out set, or -1 with "<name>: <problem>" in st and *out untouched. name says
 * where the text came from: "--lr" on the command line, "last.bin: field 'lr'" in a file. */

/* A number of epochs (train --epochs, the run's target): 1..RUN_MAX_EPOCHS. */
int run_parse_epochs(const char *name, const char *text, int *out, struct rm_status *st);
/* Images per SGD step and per test batch (--batch-size): 1..RUN_MAX_BATCH. */
int run_parse_batch_size(const char *name, const char *text, int *out, struct rm_status *st);
/* The learning rate (--lr): in (0, RUN_MAX_LR], also once rounded to float (1e-50 is refused,
 * not made 0). */
int run_parse_lr(const char *name, const char *text, float *out, struct rm_status *st);
/* SGD momentum (--momentum): in [0, 1], as a float. */
int run_parse_momentum(const char *name, const char *text, float *out, struct rm_status *st);
/* The seed (--seed): 0..2^64-1, decimal. */
int run_parse_seed(const char *name, const char *text, uint64_t *out, struct rm_status *st);
/* How the convolutions compute (--conv): "direct" or "fast". */
int run_parse_conv(const char *name, const char *text, enum model_conv *out, struct rm_status *st);
/* The word run_parse_conv reads for conv. */
const char *run_conv_name(enum model_conv conv);
/* What chooses best.bin on validation (--monitor): "accuracy" or "loss". */
int run_parse_monitor(const char *name, const char *text, enum run_monitor *out,
                      struct rm_status *st);
/* The word run_parse_monitor reads for monitor. */
const char *run_monitor_name(enum run_monitor monitor);
/* Epochs without improvement before a run stops (--patience): 1..RUN_MAX_EPOCHS. */
int run_parse_patience(const char *name, const char *text, int *out, struct rm_status *st);
/* The schedule's options: --step-size (epochs, 1..RUN_MAX_EPOCHS), --warmup (epochs,
 * 0..RUN_MAX_EPOCHS - 1), --gamma (a float in (0, 1]), --min-lr (a float in [0, RUN_MAX_LR]),
 * --weight-decay (a float in [0, 1]). */
int run_parse_step_size(const char *name, const char *text, int *out, struct rm_status *st);
int run_parse_warmup(const char *name, const char *text, int *out, struct rm_status *st);
int run_parse_gamma(const char *name, const char *text, float *out, struct rm_status *st);
int run_parse_min_lr(const char *name, const char *text, float *out, struct rm_status *st);
int run_parse_weight_decay(const char *name, const char *text, float *out, struct rm_status *st);
/* The options' combination as a run needs it: the schedule by lr_schedule_check for `epochs`
 * epochs, Nesterov only with a momentum (as PyTorch requires). "<what>: <problem>". */
int run_check_options(const struct run_options *o, int epochs, const char *what,
                      struct rm_status *st);
/* A recipe's name (--recipe): tutorial, fast or accurate, copied into out. */
int run_parse_recipe(const char *name, const char *text, char out[16], struct rm_status *st);
/* The schedule o describes for a run of `epochs` epochs of `batches` batches. */
void run_schedule(const struct run_options *o, int epochs, int batches, struct lr_schedule *s);
/* A number of images (--limit-train, --limit-test, --val, and the counts a run used):
 * 1..RUN_MAX_IMAGES. */
int run_parse_images(const char *name, const char *text, int *out, struct rm_status *st);

#endif
