#ifndef RESNET_MNIST_DATA_LOCATE_H
#define RESNET_MNIST_DATA_LOCATE_H

#include <stddef.h>

#include "resnet_mnist/io/status.h"

/* Where a dataset's four IDX files are (train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each also as .gz or in the dotted form
 * mnist_find_split accepts). A folder "holds the dataset" when mnist_find_split finds both
 * splits in it. */

/* The environment variable naming the data folder (any dataset), searched after --data. */
#define DATA_ENV "RESNET_MNIST_DATA"

/* The folder to use for dataset ("mnist", "fashion-mnist", any short name without '/'):
 *   1. flag_dir (--data), when not NULL: used as given; if it does not hold the dataset, that
 *      is the error (an explicit folder is never passed over for another);
 *   2. $RESNET_MNIST_DATA, when set and not empty;
 *   3. data/<dataset>, relative to the current folder;
 *   4. $XDG_DATA_HOME/resnet-mnist/<dataset> ($XDG_DATA_HOME: when set to an absolute path,
 *      else $HOME/.local/share);
 *   5. /usr/share/datasets/<dataset> (where Debian's dataset packages put them).
 * Writes the first folder that holds the dataset to out (out_size bytes). On failure -1 with
 * one line: for --data, "<dir>: no train-images-idx3-ubyte[.gz] ..." (mnist_find_split's);
 * else "no <dataset> files in <folder>, <folder>, ... (get them with 'resnet-mnist fetch
 * <dataset>', or give --data DIR)". */
int data_locate(const char *dataset, const char *flag_dir, char *out, size_t out_size,
                struct rm_status *st);
/* data_locate for a command that reads only the test split (test): a folder holds the dataset
 * when it has the two t10k files; with train_too, all four (data_locate). */
int data_locate_splits(const char *dataset, const char *flag_dir, int train_too, char *out,
                       size_t out_size, struct rm_status *st);

/* The user's folder for dataset: $XDG_DATA_HOME/resnet-mnist/<dataset> as in step 4 above.
 * -1 when neither $XDG_DATA_HOME (absolute) nor $HOME is set, or out is too small. */
int data_user_dir(const char *dataset, char *out, size_t out_size, struct rm_status *st);

/* Where `fetch` writes dataset: flag_dir (--dir) when not NULL, else $RESNET_MNIST_DATA when set
 * and not empty, else data_user_dir's folder. */
int data_fetch_dir(const char *dataset, const char *flag_dir, char *out, size_t out_size,
                   struct rm_status *st);

#endif
