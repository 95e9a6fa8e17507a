/* Convolution, by one of two plans per product, chosen by shape (never by batch size, so an
 * image's result does not depend on the batch it came in):
 *   - the implicit GEMM over padded strips (conv_implicit.c), for every product where it
 *     measured faster: all forward passes, all input gradients of square kernels, and all
 *     weight gradients (lanes along the 32 output channels of conv2 and RB2, along the output
 *     positions for RB1); the model's conv1 takes neither plan (conv_relu_pool.c);
 *   - im2col + GEMM (darknet's plan) for the rest (none of the model's products now; shapes
 *     the implicit plan refuses, and the tests' odd ones): the batch is unfolded into a matrix
 *     col [K = ic*kh*kw, N = n*oh*ow], and
 *       forward:  Y'[oc, N]  = W[oc, K] * col           (Y' is y with batch and channel swapped)
 *       backward: dW        += dY'[oc, N] * col^T
 *                 dcol       = W^T * dY'                then folded back onto dx by col2im_add */
#include "resnet_mnist/ops/conv2d.h"

#include <assert.h>
#include <string.h>

#include "conv_implicit.h"
#include "resnet_mnist/ops/gemm.h"
#include "im2col.h"

int conv2d_out_h(const struct conv2d_shape *s)
{
    return s->ih + 2 * s->pad - s->kh + 1;
}

int conv2d_out_w(const struct conv2d_shape *s)
{
    return s->iw + 2 * s->pad - s->kw + 1;
}

/* Scratch layouts (floats):
 *   forward:  packed col (K x N) | row (N) | padded planes (n x hp x wp) | Y' (oc x N)
 *   backward: packed col^T (N x K) | row (K) | padded planes (ic x hp x wp) | dcol (K x N)
 *             | dY' (oc x N) */
struct conv_scratch {
    size_t packed, row, pad, tail;
};

static struct conv_scratch forward_layout(const struct conv2d_shape *s)
{
    size_t k = (size_t)s->ic * s->kh * s->kw;
    size_t cols = (size_t)s->n * conv2d_out_h(s) * conv2d_out_w(s);
    size_t planes = (size_t)(s->ih + 2 * s->pad) * (s->iw + 2 * s->pad);
    return (struct conv_scratch){gemm_packed_b_floats((int)k, (int)cols), cols,
                                 (size_t)s->n * planes, (size_t)s->oc * cols};
}

static struct conv_scratch backward_layout(const struct conv2d_shape *s)
{
    size_t k = (size_t)s->ic * s->kh * s->kw;
    size_t cols = (size_t)s->n * conv2d_out_h(s) * conv2d_out_w(s);
    size_t planes = (size_t)(s->ih + 2 * s->pad) * (s->iw + 2 * s->pad);
    return (struct conv_scratch){gemm_packed_b_floats((int)cols, (int)k), k, (size_t)s->ic * planes,
                                 (k + (size_t)s->oc) * cols};
}

static size_t layout_total(struct conv_scratch l)
{
    return l.packed + l.row + l.pad + l.tail;
}

size_t conv2d_scratch_floats(const struct conv2d_shape *s)
{
    size_t need[] = {layout_total(forward_layout(s)),
                     layout_total(backward_layout(s)),
                     conv_implicit_scratch_floats(s, 0),
                     conv_implicit_scratch_floats(s, 1),
                     conv_implicit_weight_grad_scratch_floats(s),
                     conv_implicit_weight_grad_cl_scratch_floats(s)};
    size_t most = 0;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        most = need[i] > most ? need[i] : most;
    return most;
}

/* Sum of n floats in 8 interleaved partial sums: the compiler vectorises this, where one
 * running float sum is a chain of dependent adds. */
static float sum_floats(const float *v, size_t n)
{
    float part[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++)
            part[l] += v[i + (size_t)l];
    for (; i < n; i++)
        part[0] += v[i];
    return ((part[0] + part[1]) + (part[2] + part[3])) +
           ((part[4] + part[5]) + (part[6] + part[7]));
}

static inline float bias_act(float v, float bias, int relu)
{
    v += bias;
    return relu && !(v > 0.0f) ? 0.0f : v;
}

/* The packed weights: the forward pass's A, then the input gradient's, each where that pass
 * takes the implicit path. */
static size_t pack_forward_floats(const struct conv2d_shape *s)
{
    return conv_implicit_ok(s, 0) ? conv_implicit_pack_floats(s, 0) : 0;
}

size_t conv2d_pack_floats(const struct conv2d_shape *s)
{
    return pack_forward_floats(s) + (conv_implicit_ok(s, 1) ? conv_implicit_pack_floats(s, 1) : 0);
}

void conv2d_pack_pass(float *pack, const float *w, const struct conv2d_shape *s, int backward)
{
    if (!backward && conv_implicit_ok(s, 0))
        conv_implicit_pack(pack, w, s, 0);
    if (backward && conv_implicit_ok(s, 1))
        conv_implicit_pack(pack + pack_forward_floats(s), w, s, 1);
}

void conv2d_pack(float *pack, const float *w, const struct conv2d_shape *s)
{
    conv2d_pack_pass(pack, w, s, 0);
    conv2d_pack_pass(pack, w, s, 1);
}

static void forward(float *y, const float *x, const float *w, const float *pack, const float *b,
                    int relu, float *scratch, const struct conv2d_shape *s)
{
    int oh = conv2d_out_h(s), ow = conv2d_out_w(s);
    assert(oh > 0 && ow > 0);
    if (conv_implicit_ok(s, 0)) {
        conv_implicit_forward(y, x, w, pack, b, relu, scratch, s);
        return;
    }
    int k = s->ic * s->kh * s->kw, plane = oh * ow, cols = s->n * plane;
    struct conv_scratch l = forward_layout(s);
    float *bp = scratch, *row = bp + l.packed, *pad = row + l.row, *yt = pad + l.pad;
    im2col_packed(bp, row, pad, x, s->n, s->ic, s->ih, s->iw, s->kh, s->kw, s->pad);
    if (s->n == 1) { /* one image: [oc, plane] is already y's layout */
        gemm_packed_b(0, s->oc, cols, k, w, k, bp, 0.0f, y, cols);
        for (int o = 0; o < s->oc; o++)
            for (int p = 0; p < plane; p++)
                y[(size_t)o * plane + p] = bias_act(y[(size_t)o * plane + p], b[o], relu);
        return;
    }
    gemm_packed_b(0, s->oc, cols, k, w, k, bp, 0.0f, yt, cols);
    for (int img = 0; img < s->n; img++)
        for (int o = 0; o < s->oc; o++) {
            float *dst = y + ((size_t)img * s->oc + o) * plane;
            const float *src = yt + (size_t)o * cols + (size_t)img * plane;
            for (int p = 0; p < plane; p++)
                dst[p] = bias_act(src[p], b[o], relu);
        }
}

void conv2d_forward(float *y, const float *x, const float *w, const float *b, float *scratch,
                    const struct conv2d_shape *s)
{
    forward(y, x, w, NULL, b, 0, scratch, s);
}

void conv2d_forward_relu(float *y, const float *x, const float *w, const float *b, float *scratch,
                         const struct conv2d_shape *s)
{
    forward(y, x, w, NULL, b, 1, scratch, s);
}

void conv2d_forward_packed(float *y, const float *x, const float *w, const float *pack,
                           const float *b, int relu, float *scratch, const struct conv2d_shape *s)
{
    forward(y, x, w, pack, b, relu, scratch, s);
}

void conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                     const float *w, float *scratch, const struct conv2d_shape *s)
{
    conv2d_backward_packed(dx, dw, db, dy, x, w, NULL, scratch, s);
}

void conv2d_backward_packed(float *dx, float *dw, float *db, const float *dy, const float *x,
                            const float *w, const float *pack, float *scratch,
                            const struct conv2d_shape *s)
{
    int oh = conv2d_out_h(s), ow = conv2d_out_w(s);
    int k = s->ic * s->kh * s->kw, plane = oh * ow, cols = s->n * plane;
    /* the weight gradient: lanes along 32 output channels where there are exactly that many,
     * else lanes along the outputs where enough of them are real, else im2row + GEMM below */
    int implicit_dw = 1;
    if (conv_implicit_weight_grad_cl_ok(s))
        conv_implicit_weight_grad_cl(dw, db, dy, x, scratch, s);
    else if (conv_implicit_weight_grad_ok(s))
        conv_implicit_weight_grad(dw, db, dy, x, scratch, s);
    else
        implicit_dw = 0;
    int implicit_dx = dx && conv_implicit_ok(s, 1);
    if (implicit_dx)
        conv_implicit_input_grad(dx, dy, w, pack ? pack + pack_forward_floats(s) : NULL, scratch,
                                 s);
    if (implicit_dw && (!dx || implicit_dx))
        return;
    struct conv_scratch l = backward_layout(s);
    float *bp = scratch, *row = bp + l.packed, *pad = row + l.row, *dcol = pad + l.pad;
    float *dyt = dcol + (size_t)k * cols;
    for (int o = 0; o < s->oc; o++) {
        for (int img = 0; img < s->n; img++)
            memcpy(dyt + (size_t)o * cols + (size_t)img * plane,
                   dy + ((size_t)img * s->oc + o) * plane, (size_t)plane * sizeof(float));
        if (!implicit_dw)
            db[o] += sum_floats(dyt + (size_t)o * cols, (size_t)cols);
    }
    if (!implicit_dw) { /* dW [oc, K] += dY' [oc, N] * col^T, col^T packed by im2row_packed */
        im2row_packed(bp, row, pad, x, s->n, s->ic, s->ih, s->iw, s->kh, s->kw, s->pad);
        gemm_packed_b(0, s->oc, k, cols, dyt, cols, bp, 1.0f, dw, k);
    }
    if (dx && !implicit_dx) { /* conv2's input gradient */
        gemm(1, 0, k, cols, s->oc, w, k, dyt, cols, 0.0f, dcol, cols);
        col2im_add(dx, dcol, s->n, s->ic, s->ih, s->iw, s->kh, s->kw, s->pad);
    }
}

void conv2d_forward_ref(float *y, const float *x, const float *w, const float *b,
                        const struct conv2d_shape *s)
{
    int oh = conv2d_out_h(s), ow = conv2d_out_w(s);
    for (int img = 0; img < s->n; img++)
        for (int o = 0; o < s->oc; o++)
            for (int p = 0; p < oh; p++)
                for (int q = 0; q < ow; q++) {
                    double sum = b[o];
                    for (int c = 0; c < s->ic; c++)
                        for (int i = 0; i < s->kh; i++)
                            for (int j = 0; j < s->kw; j++) {
                                int r = p + i - s->pad, t = q + j - s->pad;
                                if (r < 0 || r >= s->ih || t < 0 || t >= s->iw)
                                    continue;
                                sum += (double)w[((o * s->ic + c) * s->kh + i) * s->kw + j] *
                                       x[(((size_t)img * s->ic + c) * s->ih + r) * s->iw + t];
                            }
                    y[(((size_t)img * s->oc + o) * oh + p) * ow + q] = (float)sum;
                }
}

void conv2d_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, const struct conv2d_shape *s)
{
    int oh = conv2d_out_h(s), ow = conv2d_out_w(s);
    for (int img = 0; img < s->n; img++)
        for (int o = 0; o < s->oc; o++)
            for (int p = 0; p < oh; p++)
                for (int q = 0; q < ow; q++) {
                    float g = dy[(((size_t)img * s->oc + o) * oh + p) * ow + q];
                    db[o] += g;
                    for (int c = 0; c < s->ic; c++)
                        for (int i = 0; i < s->kh; i++)
                            for (int j = 0; j < s->kw; j++) {
                                int r = p + i - s->pad, t = q + j - s->pad;
                                if (r < 0 || r >= s->ih || t < 0 || t >= s->iw)
                                    continue;
                                size_t wi = ((size_t)(o * s->ic + c) * s->kh + i) * s->kw + j;
                                size_t xi = (((size_t)img * s->ic + c) * s->ih + r) * s->iw + t;
                                dw[wi] += g * x[xi];
                                if (dx)
                                    dx[xi] += g * w[wi];
                            }
                }
}
