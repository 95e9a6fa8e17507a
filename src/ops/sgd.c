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
