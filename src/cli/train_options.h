#ifndef RESNET_MNIST_TRAIN_OPTIONS_H
#define RESNET_MNIST_TRAIN_OPTIONS_H

/* train's command line (private to src/cli): its options, their rules (run_options.h, shared
 * with a resumable file's metadata) and its help. */

#include <stdint.h>

#include "train_progress.h"
#include "resnet_mnist/engine/dataset.h"
#include "resnet_mnist/engine/run_options.h"

struct train_cli {
    int epochs, batch_size, limit_train, limit_test, shuffle, log_every, threads;
    float lr, momentum;
    enum model_conv conv;
    int val, patience;        /* --val, --patience; 0: none */
    enum run_monitor monitor; /* --monitor */
    /* --schedule, --step-size, --gamma, --warmup, --min-lr, --weight-decay, --nesterov,
     * --augment and --recipe, in the run_options fields of those names (the others unused) */
    struct run_options training;
    uint64_t seed;
    const char *data_dir, *out_dir, *init_path, *resume_path;
    struct dataset_options dataset; /* --classes, --mean, --std, --class-names,
                                       --dataset-name, --kind, --transpose (dataset.h) */
    enum output_mode mode;
    int quiet, json, overwrite;
    /* given['b']: the option of that letter (--batch-size) was given; a resumed run takes the
     * options not given from its checkpoint */
    unsigned char given[128];
};

/* Parses train's arguments (argv[0] is "train") into o. 0 to go on; -1 when --help was printed
 * (exit 0); EXIT_USAGE after a usage error was printed. */
int train_parse(int argc, char **argv, struct train_cli *o);

#endif
