#ifndef RESNET_MNIST_RELU_H
#define RESNET_MNIST_RELU_H

#include <stddef.h>

/* ReLU and the residual block's ReLU-of-a-sum, over flat arrays of n floats. */

/* y = max(x, 0). y may equal x (in place). */
void relu_forward(float *y, const float *x, size_t n);

/* dx += dy where y > 0, given the forward's output y (y > 0 exactly where x > 0; the gradient
 * at x == 0 is 0, as PyTorch's, spec section 3). dx may equal dy (then it masks in place:
 * dx = dy * [y > 0]). */
void relu_backward(float *dx, const float *dy, const float *y, size_t n);

/* y = max(a + b, 0): the residual join relu(x + F(x)). */
void relu_add_forward(float *y, const float *a, const float *b, size_t n);

/* Backward of y = relu(a + b): with g = dy * [y > 0], da += g and db += g. */
void relu_add_backward(float *da, float *db, const float *dy, const float *y, size_t n);

#endif
