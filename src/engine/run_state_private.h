#ifndef RESNET_MNIST_RUN_STATE_PRIVATE_H
#define RESNET_MNIST_RUN_STATE_PRIVATE_H

/* What run_state.c (the record, starting, saving) and run_state_load.c (reading a resumable
 * file) share. Private to src/engine. */

#include "resnet_mnist/engine/run_state.h"

/* The resumable file's format, "resume" in its metadata. 1: before the run's options, data
 * fingerprint and best weights were recorded; 2: before the training accuracy, the lr and the
 * validation split were (still read: a run without validation whose training accuracy is not
 * recorded); 3: now. */
#define RUN_RESUME_FORMAT     "3"
#define RUN_RESUME_FORMAT_OLD "2"

/* The tensors of a resumable file: the weights (from params), "momentum.<name>" (from
 * momentum) and "best.<name>" (from best), MODEL_PARAM_COUNT of each in that order, names in
 * `names` (the caller's storage). */
#define RUN_RESUMABLE_TENSORS (3 * MODEL_PARAM_COUNT)
void run_resumable_tensors(const float *params, const float *momentum, const float *best,
                           int classes, struct ckpt_tensor t[RUN_RESUMABLE_TENSORS],
                           char names[2 * MODEL_PARAM_COUNT][64]);

/* "none" for a limit of 0, else the number. */
void run_limit_text(char buf[16], int limit);

#endif
