#ifndef RESNET_MNIST_XENT_H
#define RESNET_MNIST_XENT_H

#include <stdint.h>

/* Softmax cross-entropy, as torch.nn.CrossEntropyLoss with reduction "mean" (spec section 3):
 *   loss = (1/n) sum_b [ logsumexp(z[b,:]) - z[b, label[b]] ]
 * z is [n, classes]; labels are in 0..classes-1. */

/* The softmax of one row of logits z[0..classes), in double: p[k] = exp(z[k] - m) / sum_j
 * exp(z[j] - m) with m = max_j z[j] (so no exp overflows). For the probabilities that are
 * printed (predict); xent_forward's float probs come from the same row sums. */
void xent_softmax(double *p, const float *z, int classes);

/* Returns the mean loss (computed stably, with the row maximum subtracted) and writes the
 * softmax probabilities into probs [n, classes], which the backward pass needs. */
double xent_forward(float *probs, const float *z, const uint8_t *labels, int n, int classes);

/* dz += (probs - onehot(label)) / n. */
void xent_backward(float *dz, const float *probs, const uint8_t *labels, int n, int classes);

#endif
