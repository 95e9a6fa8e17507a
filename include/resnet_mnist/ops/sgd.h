#ifndef RESNET_MNIST_SGD_H
#define RESNET_MNIST_SGD_H

#include <stddef.h>

/* One step of torch.optim.SGD with momentum (no dampening, no Nesterov, no weight decay),
 * spec section 3, over n parameters:
 *   buf = first ? grad : momentum * buf + grad;   param -= lr * buf
 * With momentum 0 PyTorch keeps no buffer and the step is param -= lr * grad, which the
 * formula above gives too. */
void sgd_step(float *param, float *buf, const float *grad, size_t n, float lr, float momentum,
              int first);

#endif
