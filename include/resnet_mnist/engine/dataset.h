#ifndef RESNET_MNIST_DATASET_H
#define RESNET_MNIST_DATASET_H

#include <stddef.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/io/status.h"

/* The data set a run trains on, as part of the run: its short name, the number of classes N
 * and their names, the input's normalisation, what kind of pictures it holds (which decides
 * how predict prepares a picture) and whether its images are stored transposed (EMNIST).
 * Recorded in every checkpoint (dataset_to_meta) and used by test and predict from there
 * (dataset_from_meta). README "Checkpoints" gives the keys. Nothing here prints. */

#define DATASET_NAME_MAX       64        /* bytes of a data set's name, with its NUL */
#define DATASET_CLASS_NAME_MAX 64        /* bytes of a class name, with its NUL */
#define DATASET_NAMES_FILE_MAX (1 << 20) /* --class-names: the largest file read */

/* MNIST's normalisation (spec section 1). */
#define DATASET_MNIST_MEAN 0.1307f
#define DATASET_MNIST_STD  0.3081f

enum dataset_kind {
    DATASET_DIGITS, /* handwritten characters: predict crops, fits 20x20, centres the mass */
    DATASET_IMAGES, /* anything else: predict resizes the picture to 28x28 */
};

struct dataset_info {
    char name[DATASET_NAME_MAX]; /* "mnist", "fashion-mnist", or the run's own */
    int classes;                 /* N: labels are 0..N-1 */
    float mean, std;             /* x = (byte/255 - mean)/std */
    enum dataset_kind kind;
    int transpose; /* images are stored transposed (EMNIST): swapped when loaded */
    char class_names[MODEL_MAX_CLASSES][DATASET_CLASS_NAME_MAX]; /* [0..classes) */
};

/* What the user chose on train's command line; zero / NULL: not given. */
struct dataset_options {
    int classes;           /* --classes N */
    int has_mean, has_std; /* --mean X, --std Y */
    float mean, std;
    const char *names_file; /* --class-names FILE */
    const char *name;       /* --dataset-name NAME */
    int kind;               /* --kind: -1 when not given, else an enum dataset_kind */
    int transpose;          /* --transpose */
};

/* MNIST as the tutorial has it: "mnist", 10 classes named "0".."9", mean 0.1307, std 0.3081,
 * digits, not transposed. What a checkpoint without dataset metadata stands for. */
void dataset_info_mnist(struct dataset_info *d);

/* Describes a new run's data set in *d from the options and the data (train and test as
 * loaded, test_labels_path the test labels file, dir the --data folder). train_labels_path is
 * read whole (data_identify.h) to recognise MNIST or Fashion-MNIST and find its largest label:
 *  - name: --dataset-name, else the recognised name, else dir's last component ("unknown"
 *    when that is not a usable name);
 *  - classes: --classes, else 10 for a recognised set, else the largest label of the whole
 *    training labels file + 1; every label the run uses (training and test) must be below it:
 *    "<file>: label 12 (index 5) is out of range 0..9 for 10 classes";
 *  - mean and std: --mean / --std, else MNIST's for MNIST, else computed over every pixel of
 *    the training images the run uses, in [0,1], exactly (integer sums), the standard
 *    deviation with divisor n ("<dir>: the training images are all one value (std 0); give
 *    --std" when it is 0);
 *  - class names: --class-names (dataset_read_class_names), else built in for MNIST (digits)
 *    and Fashion-MNIST (T-shirt/top ... Ankle boot) with 10 classes, else "0".."N-1";
 *  - kind: --kind, else digits for MNIST, images for everything else; transpose: --transpose.
 * 0, or -1 with one line. */
int dataset_describe(struct dataset_info *d, const struct dataset_options *o,
                     const struct idx_dataset *train, const struct idx_dataset *test,
                     const char *train_labels_path, const char *test_labels_path, const char *dir,
                     struct rm_status *st);

/* 0 when every label of ds is below classes; else -1 with "<what>: label L (index I) is out of
 * range 0..N-1 for N classes". */
int dataset_check_labels(const struct idx_dataset *ds, int classes, const char *what,
                         struct rm_status *st);

/* Swaps every image of ds across its diagonal (row r, column c <- row c, column r): EMNIST's
 * files store each image transposed. Applying it twice gives the images back. */
void dataset_transpose(struct idx_dataset *ds);

/* Reads d->classes class names from the file at path, one per line (a last newline optional,
 * "\r\n" read as "\n"): each valid UTF-8, without control characters, 1 to
 * DATASET_CLASS_NAME_MAX-1 bytes, and exactly d->classes lines. Refusals are one line naming
 * the file and the line: "<path>: line 3 is empty", "<path>: line 2 is not UTF-8", "<path>:
 * line 4 is longer than 63 bytes", "<path>: line 5 holds a control character", "<path>: 9
 * class names, the data has 10 classes"; a file over DATASET_NAMES_FILE_MAX bytes is refused.
 * d->class_names is untouched on failure. */
int dataset_read_class_names(struct dataset_info *d, const char *path, struct rm_status *st);

/* Adds the keys "dataset", "classes", "mean", "std" (%.9g, read back exactly), "class_names"
 * (the names joined by "\n"), "kind" ("digits" or "images") and "transpose" ("true" or "false")
 * to meta. -1 only when out of memory. */
int dataset_to_meta(const struct dataset_info *d, struct ckpt_meta *meta, struct rm_status *st);

/* Reads the keys dataset_to_meta writes from a checkpoint's trusted metadata for a model of
 * `classes` outputs. None of them (a file from PyTorch, from an older resnet-mnist, or not
 * trusted: pass meta NULL): MNIST's description (dataset_info_mnist) when classes is 10, else
 * name "unknown", MNIST's normalisation, classes named "0".."N-1", images. Some of them: all
 * must be there and valid, "classes" equal to the model's; refusals name the file and the key:
 * "<path>: metadata 'std': '0' is out of range (0..1]". *d is untouched on failure. */
int dataset_from_meta(struct dataset_info *d, const struct ckpt_meta *meta, int classes,
                      const char *path, struct rm_status *st);

/* "digits" or "images"; dataset_parse_kind reads them ("<name>: '<text>' is neither digits
 * nor images"). */
const char *dataset_kind_name(enum dataset_kind kind);
int dataset_parse_kind(const char *name, const char *text, int *out, struct rm_status *st);

/* The title word for plots: "MNIST" for mnist (as before), else the data set's name. */
const char *dataset_title(const struct dataset_info *d);

/* 1 when two descriptions are the same (name, classes, names, normalisation, kind, transpose). */
int dataset_same(const struct dataset_info *a, const struct dataset_info *b);

#endif
