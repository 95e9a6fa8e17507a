#ifndef RESNET_MNIST_CONV_WINOGRAD_H
#define RESNET_MNIST_CONV_WINOGRAD_H

#include <stddef.h>

#include "resnet_mnist/ops/conv2d.h"

/* Winograd's minimal filtering (Lavin & Gray 2015) for the model's 3x3 and 5x5 convolutions:
 * fewer multiplications than conv2d, and results that differ from it by rounding (the
 * transforms scale some terms up before they cancel). An experiment beside conv2d, called with
 * the same arguments; scripts/winograd_report.c measures its error and speed per layer.
 *
 * Output tiles of m x m are computed from input tiles of t x t = (m + r - 1)^2 as
 *   y_tile = A^T [ sum_c (G w[o,c] G^T) . (B^T x_tile[c] B) ] A
 * where . is the elementwise product: t*t small GEMMs over the channels per tile instead of
 * m*m*r*r multiplications per channel pair. The tile is chosen by kernel size
 * (conv_winograd_ok): F(2x2, 3x3) for 3x3 kernels, F(2x2, 5x5) for 5x5 ones.
 *
 * An image's results do not depend on n or on its place in the batch: every tile is
 * transformed, multiplied and transformed back by the same code and in the same order. */

/* Whether shape s can go this way: square 3x3 or 5x5 kernels, pad <= kernel - 1 (so that the
 * input gradient is again a convolution with padding kernel - 1 - pad) and a non-empty output. */
int conv_winograd_ok(const struct conv2d_shape *s);

/* Floats of scratch any of the three products below needs for shape s. */
size_t conv_winograd_scratch_floats(const struct conv2d_shape *s);

/* y [n, oc, oh, ow] = conv(x, w) + b as conv2d_forward, then ReLU if relu is set (negative
 * values and NaN become 0). Overwrites y. Requires conv_winograd_ok(s). */
void conv_winograd_forward(float *y, const float *x, const float *w, const float *b, int relu,
                           float *scratch, const struct conv2d_shape *s);

/* dx [n, ic, ih, iw] += dL/dx for dy [n, oc, oh, ow]: the transposed convolution, a Winograd
 * convolution of dy with w rotated by 180 degrees and its channels swapped. */
void conv_winograd_input_grad(float *dx, const float *dy, const float *w, float *scratch,
                              const struct conv2d_shape *s);

/* dw += dL/dw and db += dL/db for dy [n, oc, oh, ow] and input x:
 *   dw[o,c] += G^T [ sum_tiles (B^T x_tile[c] B) . (A dy_tile[o] A^T) ] G,
 * the gradient of the forward formula, summed over the batch's tiles in order. */
void conv_winograd_weight_grad(float *dw, float *db, const float *dy, const float *x,
                               float *scratch, const struct conv2d_shape *s);

#endif
