#ifndef RESNET_MNIST_RUN_OPTIONS_H
#define RESNET_MNIST_RUN_OPTIONS_H

#include <stdint.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/io/status.h"

/* The options that decide a training run's numbers, and the rules of every option a run
 * records. The command line (train's flags) and a resumable file's metadata are read by these
 * same functions, so a value one refuses the other refuses too. */

#define RUN_MAX_EPOCHS 100000
#define RUN_MAX_BATCH  4096
#define RUN_MAX_IMAGES (1 << 30)
#define RUN_MAX_LR     1e6

/* The options that decide a run's numbers; a resumed run must keep them. */
struct run_options {
    int batch_size;
    int shuffle;
    float lr, momentum;
    uint64_t seed;
    int train_images, test_images; /* the images the run uses (after --limit-*) */
    enum model_conv conv;          /* --conv; recorded as "conv" only when fast */
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
/* A number of images (--limit-train, --limit-test, and the counts a run used):
 * 1..RUN_MAX_IMAGES. */
int run_parse_images(const char *name, const char *text, int *out, struct rm_status *st);

#endif
