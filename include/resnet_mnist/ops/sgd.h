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

/* The options of torch.optim.SGD that sgd_step_decayed adds to sgd_step. */
struct sgd_options {
    float lr, momentum;
    float weight_decay; /* coupled L2, PyTorch's weight_decay */
    int nesterov;       /* PyTorch's nesterov=True (needs momentum > 0) */
};

/* One step of torch.optim.SGD(lr, momentum, weight_decay, nesterov) (torch 1.13, dampening 0),
 * over n parameters:
 *   g = grad + weight_decay * param;   buf = first ? g : momentum * buf + g;
 *   param -= lr * (nesterov ? g + momentum * buf : buf)
 * With weight_decay 0 and nesterov 0 the values are sgd_step's up to the rounding of fused
 * multiply-adds; the trainer keeps sgd_step for that case, so that the tutorial's numbers stay
 * bit for bit. */
void sgd_step_decayed(float *param, float *buf, const float *grad, size_t n,
                      const struct sgd_options *o, int first);

#endif
