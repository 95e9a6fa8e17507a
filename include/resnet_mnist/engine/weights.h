#ifndef RESNET_MNIST_WEIGHTS_H
#define RESNET_MNIST_WEIGHTS_H

#include "resnet_mnist/engine/dataset.h"
#include "resnet_mnist/engine/run_options.h"
#include "resnet_mnist/io/data_fingerprint.h"
#include "resnet_mnist/io/status.h"

/* A model's weights from any checkpoint, for the commands that only evaluate them (test,
 * predict) or start from them (train --init): a weights file written by train (best.bin), a
 * resumable file (last.bin: its optimizer state and any other tensor it carries are ignored),
 * or a file written elsewhere, e.g. by PyTorch (spec section 5). */

/* What a checkpoint is, from its metadata. */
enum weights_kind {
    WEIGHTS_PLAIN,     /* no checksummed metadata of this program's (e.g. written by PyTorch) */
    WEIGHTS_BEST,      /* a weights file written by this program (best.bin) */
    WEIGHTS_RESUMABLE, /* a resumable file written by this program (last.bin) */
};

/* The highest epoch a checkpoint may name, and the most test images it may say it was tested
 * on: the limits of train's --epochs and --limit-test. */
#define WEIGHTS_MAX_EPOCH RUN_MAX_EPOCHS
#define WEIGHTS_MAX_TOTAL RUN_MAX_IMAGES

struct weights_info {
    int kind;  /* enum weights_kind */
    int epoch; /* the last whole epoch the weights include, 1-based; 0 when unknown or none */
    int batch; /* batches of the next epoch they also include (a run stopped in the middle of
                  an epoch); 0 otherwise */
    int correct, total; /* the test result training recorded for exactly these weights (correct
                           of total test images); 0 and 0 when there is none */
    int has_data;       /* the file records the data it was trained on: data and test_images */
    struct data_fingerprint data; /* of the run's four files (data_fingerprint.h) */
    int test_images;              /* the test images it used */
};

/* Loads the 16 tensors of the model (names and shapes of model_params) from the checkpoint at
 * path into params (MODEL_PARAM_FLOATS floats, laid out by the table) and describes it in
 * *info. Through ckpt_load_some, so everything ckpt_parse refuses is refused (a bad checksum of
 * the data or of the metadata, NaN or infinite values in any tensor, ...). Beyond that:
 *  - tensors that are not the model's are accepted only in a resumable file (metadata "resume",
 *    with its checksums); in any other file the first is named: "<path>: unexpected tensor 'x'
 *    (not part of this model)";
 *  - the metadata it reports is validated, and only in a file that carries the checksums (that
 *    of a plain file is not this program's, so it is neither trusted nor reported):
 *    "epoch" a whole number in 1..WEIGHTS_MAX_EPOCH; "test_correct" and "test_total" whole
 *    numbers with 0 <= test_correct <= test_total and 1 <= test_total <= WEIGHTS_MAX_TOTAL,
 *    present together with "epoch"; in a resumable file "epochs_done" in 0..WEIGHTS_MAX_EPOCH,
 *    "batch_in_epoch" >= 0, and "epoch", when there, equal to "epochs_done". Refusals are one
 *    line naming the file and the key: "<path>: metadata 'epoch': 'banana' is not a whole
 *    number".
 * All or nothing: on failure params and *info are untouched. */
int weights_load(const char *path, float *params, struct weights_info *info, struct rm_status *st);

/* The number of classes of the model the checkpoint at path holds: the length of its tensor
 * linear2.bias, read from the header (ckpt_peek_shape), 1..MODEL_MAX_CLASSES. Nothing else is
 * checked: weights_load_classes does. */
int weights_peek_classes(const char *path, int *classes, struct rm_status *st);

/* weights_load for the model of `classes` outputs (params: model_param_floats(classes)
 * floats); weights_load is this with MODEL_CLASSES and data NULL. When data is not NULL it
 * receives the data set the file records (dataset_from_meta: from trusted metadata only, so a
 * plain file stands for MNIST when it has 10 outputs), and info->has_data says whether the
 * file records the data's fingerprint ("data_sha256", "test_images"), checked as above. */
int weights_load_classes(const char *path, float *params, int classes, struct weights_info *info,
                         struct dataset_info *data, struct rm_status *st);

/* "best", "resumable" or "plain". */
const char *weights_kind_name(int kind);

#endif
