#ifndef RESNET_MNIST_CONV2D_H
#define RESNET_MNIST_CONV2D_H

#include <stddef.h>

/* 2-D convolution with stride 1 and zero padding, as torch.nn.Conv2d (spec section 3):
 * cross-correlation, no kernel flip. x [n, ic, ih, iw], w [oc, ic, kh, kw], b [oc],
 * y [n, oc, oh, ow] with oh = ih + 2*pad - kh + 1, ow = iw + 2*pad - kw + 1. */
struct conv2d_shape {
    int n, ic, ih, iw; /* input */
    int oc, kh, kw;    /* weights */
    int pad;           /* zero padding on every side */
};

int conv2d_out_h(const struct conv2d_shape *s);
int conv2d_out_w(const struct conv2d_shape *s);
/* Floats of scratch that conv2d_forward and conv2d_backward need for shape s. */
size_t conv2d_scratch_floats(const struct conv2d_shape *s);

/* y[n,o,p,q] = b[o] + sum_{c,i,j} w[o,c,i,j] * x[n,c,p+i-pad,q+j-pad]. Overwrites y.
 * scratch holds conv2d_scratch_floats(s) floats. */
void conv2d_forward(float *y, const float *x, const float *w, const float *b, float *scratch,
                    const struct conv2d_shape *s);

/* The same, then ReLU (negative values and NaN become 0, as relu_forward does), fused into
 * the pass that adds the bias. */
void conv2d_forward_relu(float *y, const float *x, const float *w, const float *b, float *scratch,
                         const struct conv2d_shape *s);

/* Given dy = dL/dy, adds dL/dx into dx (skipped when dx is NULL, as for the first layer),
 * dL/dw into dw and dL/db into db. */
void conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                     const float *w, float *scratch, const struct conv2d_shape *s);

/* The same three with the weights' packing done once for all the groups of a pass: pack holds
 * conv2d_pack_floats(s) floats (0 for a shape that needs none; they do not depend on s->n)
 * written by conv2d_pack from w, which must not change in between. Results are bitwise those
 * of the functions above. */
size_t conv2d_pack_floats(const struct conv2d_shape *s);
void conv2d_pack(float *pack, const float *w, const struct conv2d_shape *s);
/* One direction's part of conv2d_pack: what conv2d_forward_packed reads (backward 0) or what
 * conv2d_backward_packed reads (backward 1), so that a pass packs only what it uses (inference
 * packs nothing for a backward pass). The other part's floats are left as they are. */
void conv2d_pack_pass(float *pack, const float *w, const struct conv2d_shape *s, int backward);
void conv2d_forward_packed(float *y, const float *x, const float *w, const float *pack,
                           const float *b, int relu, float *scratch, const struct conv2d_shape *s);
void conv2d_backward_packed(float *dx, float *dw, float *db, const float *dy, const float *x,
                            const float *w, const float *pack, float *scratch,
                            const struct conv2d_shape *s);

/* Direct nested-loop versions of the two above, with no scratch: the oracle for tests. */
void conv2d_forward_ref(float *y, const float *x, const float *w, const float *b,
                        const struct conv2d_shape *s);
void conv2d_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, const struct conv2d_shape *s);

#endif
