#include "resnet_mnist/ops/sgd.h"

void sgd_step(float *param, float *buf, const float *grad, size_t n, float lr, float momentum,
              int first)
{
    for (size_t i = 0; i < n; i++) {
        float v = first ? grad[i] : momentum * buf[i] + grad[i];
        buf[i] = v;
        param[i] -= lr * v;
    }
}

void sgd_step_decayed(float *param, float *buf, const float *grad, size_t n,
                      const struct sgd_options *o, int first)
{
    const float lr = o->lr, momentum = o->momentum, wd = o->weight_decay;
    for (size_t i = 0; i < n; i++) {
        float g = grad[i] + wd * param[i];
        float v = first ? g : momentum * buf[i] + g;
        buf[i] = v;
        param[i] -= lr * (o->nesterov ? g + momentum * v : v);
    }
}
