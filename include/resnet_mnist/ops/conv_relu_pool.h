#ifndef RESNET_MNIST_CONV_RELU_POOL_H
#define RESNET_MNIST_CONV_RELU_POOL_H

#include <stddef.h>
#include <stdint.h>

/* The model's first layer as one step: a 5x5 convolution of one input plane into 16 output
 * planes (stride 1, no padding), ReLU, then 2x2 max-pooling with stride 2:
 *   y = maxpool2d(relu(conv2d(x, w) + b))
 * The same numbers as conv2d_forward_relu then maxpool2d_forward (each output sums its 25 taps
 * in the same order), without writing the 16 planes between them. */
#define CRP_OUT 16 /* output planes */
#define CRP_K   5  /* kernel side */

struct conv_relu_pool_shape {
    int n, h, w; /* images of h x w; the pooled planes are (h - 4) / 2 x (w - 4) / 2 */
};

/* Pooled windows per image and plane. */
size_t conv_relu_pool_windows(const struct conv_relu_pool_shape *s);

/* y [n, 16, ph, pw] from x [n, 1, h, w], w [16, 1, 5, 5], b [16]. code [n, windows, 16]
 * records, window-major, which of the 4 elements of each window won (0..3, row-major, ties to
 * the first) or 4 where ReLU's output there is not positive: that window passes no gradient. */
void conv_relu_pool_forward(float *y, uint8_t *code, const float *x, const float *w, const float *b,
                            const struct conv_relu_pool_shape *s);

/* Adds the weight and bias gradients for dy [n, 16, ph, pw], the pooled output's gradient, and
 * the forward pass's code: dw [16, 1, 5, 5] += ..., db [16] += ... The input gets no gradient
 * (it is the data). */
void conv_relu_pool_weight_grad(float *dw, float *db, const float *dy, const uint8_t *code,
                                const float *x, const struct conv_relu_pool_shape *s);

#endif
