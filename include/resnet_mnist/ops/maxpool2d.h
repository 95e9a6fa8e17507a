#ifndef RESNET_MNIST_MAXPOOL2D_H
#define RESNET_MNIST_MAXPOOL2D_H

#include <stdint.h>

/* 2x2 max pooling with stride 2, as torch.nn.MaxPool2d(2): x [n, c, h, w] -> y [n, c, h/2, w/2]
 * (floor: an odd last row or column is dropped). */
struct maxpool2d_shape {
    int n, c, h, w; /* input */
};

/* y = max of each 2x2 window; argmax[k] in 0..3 records which element won (row-major inside
 * the window). On ties the first in row-major order wins, and a NaN wins over any number,
 * as in PyTorch (spec section 3). Overwrites y and argmax (both n*c*(h/2)*(w/2)). */
void maxpool2d_forward(float *y, uint8_t *argmax, const float *x, const struct maxpool2d_shape *s);

/* Adds each dy to the winning element of its window: dx[winner] += dy. */
void maxpool2d_backward(float *dx, const float *dy, const uint8_t *argmax,
                        const struct maxpool2d_shape *s);

/* The backward pass of relu then pool, fused: dx = (x > 0) * (dy at its window's winner, 0
 * elsewhere), where x is the pool's input (ReLU's output). Overwrites dx, every element: the
 * same values as zeroing dx, maxpool2d_backward, then relu_backward in place, in one pass. */
void maxpool2d_relu_backward(float *dx, const float *dy, const uint8_t *argmax, const float *x,
                             const struct maxpool2d_shape *s);

#endif
