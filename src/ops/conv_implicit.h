#ifndef RESNET_MNIST_CONV_IMPLICIT_H
#define RESNET_MNIST_CONV_IMPLICIT_H

#include <stddef.h>

#include "resnet_mnist/ops/conv2d.h"

/* Stride-1 convolution as an implicit GEMM over zero-padded planes. With the outputs computed
 * on an "extended" grid of oh rows by wp = iw + 2*pad columns, the im2col row of kernel tap
 * (c, i, j) is simply the padded plane of channel c read from offset i*wp + j: the GEMM's B
 * operand needs neither unfolding nor packing and is loaded straight from planes that sit in
 * L1. The price is the wp - ow columns of each output row that are computed and dropped, so
 * conv2d uses this only where they are few (conv_implicit_ok).
 *
 * Two products go this way:
 *   forward:        y  = conv(x, w) + b
 *   input gradient: dx += conv(dy, w~) with w~[c][o][i][j] = w[o][c][kh-1-i][kw-1-j] and
 *                   padding kh-1-pad: the transposed convolution is a convolution too.
 * Each output element is one sum over its K = channels*kh*kw taps, in tap order. */

/* Whether the forward pass (input_grad 0) or the input gradient (1) of shape s is worth
 * doing this way, and possible (square kernels for the input gradient). */
int conv_implicit_ok(const struct conv2d_shape *s, int input_grad);

/* Floats of scratch either product of shape s needs. */
size_t conv_implicit_scratch_floats(const struct conv2d_shape *s, int input_grad);

/* The A operand of the forward pass (input_grad 0) or of the input gradient (1), packed from w
 * into conv_implicit_pack_floats(s, input_grad) floats: panels of MR rows, tap-major (for the
 * input gradient, the kernels rotated by 180 degrees, channels swapped). It does not depend
 * on s->n, so one packing serves every group of a pass. Requires conv_implicit_ok. */
size_t conv_implicit_pack_floats(const struct conv2d_shape *s, int input_grad);
void conv_implicit_pack(float *ap, const float *w, const struct conv2d_shape *s, int input_grad);

/* y [n, oc, oh, ow] = conv(x, w) + b, overwriting y, then ReLU if relu is set, with A from
 * packed (conv_implicit_pack), or packed from w into scratch when packed is NULL. Requires
 * conv_implicit_ok(s, 0). */
void conv_implicit_forward(float *y, const float *x, const float *w, const float *packed,
                           const float *b, int relu, float *scratch, const struct conv2d_shape *s);

/* dx [n, ic, ih, iw] += dL/dx for dy [n, oc, oh, ow], A as for the forward pass. Requires
 * conv_implicit_ok(s, 1). */
void conv_implicit_input_grad(float *dx, const float *dy, const float *w, const float *packed,
                              float *scratch, const struct conv2d_shape *s);

/* The weight gradient by the same extended grid, vector lanes along the outputs: dw += dL/dw
 * and db += dL/db for dy [n, oc, oh, ow] and input x. Requires conv_implicit_weight_grad_ok. */
int conv_implicit_weight_grad_ok(const struct conv2d_shape *s);
size_t conv_implicit_weight_grad_scratch_floats(const struct conv2d_shape *s);
void conv_implicit_weight_grad(float *dw, float *db, const float *dy, const float *x,
                               float *scratch, const struct conv2d_shape *s);

/* The same sums with vector lanes along the output channels instead, for layers with exactly
 * two vectors of them (oc = 32 with AVX-512): no dropped columns, no lane sums. */
int conv_implicit_weight_grad_cl_ok(const struct conv2d_shape *s);
size_t conv_implicit_weight_grad_cl_scratch_floats(const struct conv2d_shape *s);
void conv_implicit_weight_grad_cl(float *dw, float *db, const float *dy, const float *x,
                                  float *scratch, const struct conv2d_shape *s);

#endif
