#include "resnet_mnist/ops/relu.h"

void relu_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void relu_backward(float *dx, const float *dy, const float *y, size_t n)
{
    if (dx == dy) {
        for (size_t i = 0; i < n; i++)
            dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (y[i] > 0.0f)
            dx[i] += dy[i];
}

void relu_add_forward(float *y, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float s = a[i] + b[i];
        y[i] = s > 0.0f ? s : 0.0f;
    }
}

void relu_add_backward(float *da, float *db, const float *dy, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] > 0.0f) {
            da[i] += dy[i];
            db[i] += dy[i];
        }
}
