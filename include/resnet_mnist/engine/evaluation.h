#ifndef RESNET_MNIST_EVALUATION_H
#define RESNET_MNIST_EVALUATION_H

#include <stdint.h>

#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/io/status.h"

/* Loading batches from an idx_dataset, and evaluation as the tutorial's test() (spec section 4).
 * Nothing here prints. */

struct eval_result {
    int correct, total;
    double loss; /* mean cross-entropy over the images */
};

/* Copies images idx[0..n) of ds into m->x, normalised with the model's in_mean and in_std
 * (((float)byte / 255 - mean) / std in float32 steps, as idx_normalize for MNIST's constants),
 * and their labels into
 * labels[0..n). idx NULL means images first..first+n-1 in file order (first = 0). */
void batch_load(struct model *m, uint8_t *labels, const struct idx_dataset *ds, const int *idx,
                int first, int n);

/* Runs the model over all of ds in batches of m->max_batch (the last one may be smaller) and
 * counts correct predictions (the arg-max of the logits, first on ties as torch.max). */
void evaluate(struct model *m, const struct idx_dataset *ds, struct eval_result *r);

/* evaluate, also keeping each image's result: predicted[i] the arg-max above, confidence[i] the
 * softmax probability of that class (model_loss's probs). Both arrays hold ds->n entries and
 * either may be NULL; evaluate is this with both NULL. */
void evaluate_detailed(struct model *m, const struct idx_dataset *ds, struct eval_result *r,
                       uint8_t *predicted, float *confidence);

#endif
