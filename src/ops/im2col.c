#include "im2col.h"

#include "resnet_mnist/ops/gemm.h"
#include "resnet_mnist/ops/vec.h"

#include <stddef.h>

/* Both directions go through a zero-padded copy of one input plane, so that every row of a
 * column is a plain copy of ow floats with no bounds checks. Planes up to this size use a stack
 * buffer (the model's largest is 28x28); larger ones take the bounds-checked path. */
#define PLANE_MAX 4096

/* For a kernel offset (i or j minus pad) the valid output range is where the input index
 * p + off lies in [0, size). Used by the bounds-checked path. */
static void valid_range(int off, int size, int out, int *lo, int *hi)
{
    *lo = off < 0 ? -off : 0;
    *hi = size - off < out ? size - off : out;
    if (*hi < *lo)
        *hi = *lo;
}

/* Zero-padded copies of planes: pad[i] is plane i of x (h x w) inside a (h+2p) x (w+2p) frame. */
static void pad_planes(float *pad, const float *x, int planes, int h, int w, int padding)
{
    int hp = h + 2 * padding, wp = w + 2 * padding;
    for (int i = 0; i < planes; i++) {
        float *dst = pad + (size_t)i * hp * wp;
        const float *src = x + (size_t)i * h * w;
        for (int t = 0; t < hp * wp; t++)
            dst[t] = 0.0f;
        for (int r = 0; r < h; r++)
            copy_row(dst + (size_t)(r + padding) * wp + padding, src + (size_t)r * w, w);
    }
}

void im2col_packed(float *bp, float *row, float *pad, const float *x, int n, int c, int h, int w,
                   int kh, int kw, int padding)
{
    int oh = h + 2 * padding - kh + 1, ow = w + 2 * padding - kw + 1;
    int hp = h + 2 * padding, wp = w + 2 * padding, cols = n * oh * ow, k = c * kh * kw;
    for (int ci = 0; ci < c; ci++) {
        /* channel ci of every image; the images' planes are c planes apart in x */
        for (int img = 0; img < n; img++)
            pad_planes(pad + (size_t)img * hp * wp, x + ((size_t)img * c + ci) * h * w, 1, h, w,
                       padding);
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                for (int img = 0; img < n; img++)
                    for (int p = 0; p < oh; p++)
                        copy_row(row + ((size_t)img * oh + p) * ow,
                                 pad + (size_t)img * hp * wp + (size_t)(p + i) * wp + j, ow);
                gemm_pack_b_row(bp, k, cols, (ci * kh + i) * kw + j, row);
            }
    }
}

void im2row_packed(float *bp, float *row, float *pad, const float *x, int n, int c, int h, int w,
                   int kh, int kw, int padding)
{
    int oh = h + 2 * padding - kh + 1, ow = w + 2 * padding - kw + 1;
    int hp = h + 2 * padding, wp = w + 2 * padding, cols = n * oh * ow, k = c * kh * kw;
    for (int img = 0; img < n; img++) {
        pad_planes(pad, x + (size_t)img * c * h * w, c, h, w, padding);
        for (int p = 0; p < oh; p++)
            for (int q = 0; q < ow; q++) {
                for (int ci = 0; ci < c; ci++)
                    for (int i = 0; i < kh; i++)
                        copy_row(row + (size_t)(ci * kh + i) * kw,
                                 pad + (size_t)ci * hp * wp + (size_t)(p + i) * wp + q, kw);
                gemm_pack_b_row(bp, cols, k, (img * oh + p) * ow + q, row);
            }
    }
}

void col2im_add(float *dx, const float *dcol, int n, int c, int h, int w, int kh, int kw, int pad)
{
    int oh = h + 2 * pad - kh + 1, ow = w + 2 * pad - kw + 1;
    int hp = h + 2 * pad, wp = w + 2 * pad;
    size_t cols = (size_t)n * oh * ow;
    float dxp[PLANE_MAX];
    for (int img = 0; img < n; img++)
        for (int ci = 0; ci < c; ci++) {
            float *xc = dx + ((size_t)img * c + ci) * h * w;
            const float *base = dcol + (size_t)ci * kh * kw * cols + (size_t)img * oh * ow;
            if ((size_t)hp * wp > PLANE_MAX) {
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++) {
                        const float *src = base + (size_t)(i * kw + j) * cols;
                        int p0, p1, q0, q1;
                        valid_range(i - pad, h, oh, &p0, &p1);
                        valid_range(j - pad, w, ow, &q0, &q1);
                        for (int p = p0; p < p1; p++)
                            for (int q = q0; q < q1; q++)
                                xc[(size_t)(p + i - pad) * w + q + j - pad] += src[p * ow + q];
                    }
                continue;
            }
            for (int k = 0; k < hp * wp; k++)
                dxp[k] = 0.0f;
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++) {
                    const float *src = base + (size_t)(i * kw + j) * cols;
                    float *dst = dxp + (size_t)i * wp + j;
                    for (int p = 0; p < oh; p++)
                        add_row(dst + (size_t)p * wp, src + (size_t)p * ow, ow);
                }
            /* the padding's share is dropped: those pixels do not exist */
            for (int r = 0; r < h; r++)
                add_row(xc + (size_t)r * w, dxp + (size_t)(r + pad) * wp + pad, w);
        }
}
