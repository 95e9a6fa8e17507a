#include "resnet_mnist/im2col.h"

#include <stddef.h>

/* Both directions go through a zero-padded copy of one input plane, so that every row of a
 * column is a plain copy of ow floats with no bounds checks. Planes up to this size use a stack
 * buffer (the model's largest is 28x28); larger ones take the bounds-checked path. */
#define PLANE_MAX 4096

/* dst[0..n) = src[0..n); the widths the model uses get fixed-size copies the compiler turns
 * into a few vector moves. */
static inline void copy_row(float *restrict dst, const float *restrict src, int n)
{
    switch (n) {
    case 24:
        for (int q = 0; q < 24; q++)
            dst[q] = src[q];
        break;
    case 12:
        for (int q = 0; q < 12; q++)
            dst[q] = src[q];
        break;
    case 10:
        for (int q = 0; q < 10; q++)
            dst[q] = src[q];
        break;
    case 5:
        for (int q = 0; q < 5; q++)
            dst[q] = src[q];
        break;
    case 3:
        dst[0] = src[0], dst[1] = src[1], dst[2] = src[2];
        break;
    default:
        for (int q = 0; q < n; q++)
            dst[q] = src[q];
    }
}

static inline void add_row(float *restrict dst, const float *restrict src, int n)
{
    switch (n) {
    case 24:
        for (int q = 0; q < 24; q++)
            dst[q] += src[q];
        break;
    case 12:
        for (int q = 0; q < 12; q++)
            dst[q] += src[q];
        break;
    case 10:
        for (int q = 0; q < 10; q++)
            dst[q] += src[q];
        break;
    case 5:
        for (int q = 0; q < 5; q++)
            dst[q] += src[q];
        break;
    default:
        for (int q = 0; q < n; q++)
            dst[q] += src[q];
    }
}

/* For a kernel offset (i or j minus pad) the valid output range is where the input index
 * p + off lies in [0, size). Used by the bounds-checked path. */
static void valid_range(int off, int size, int out, int *lo, int *hi)
{
    *lo = off < 0 ? -off : 0;
    *hi = size - off < out ? size - off : out;
    if (*hi < *lo)
        *hi = *lo;
}

static float sample(const float *xc, int h, int w, int r, int t)
{
    return r >= 0 && r < h && t >= 0 && t < w ? xc[(size_t)r * w + t] : 0.0f;
}

void im2col(float *col, const float *x, int n, int c, int h, int w, int kh, int kw, int pad)
{
    int oh = h + 2 * pad - kh + 1, ow = w + 2 * pad - kw + 1;
    int hp = h + 2 * pad, wp = w + 2 * pad;
    size_t cols = (size_t)n * oh * ow;
    float xp[PLANE_MAX];
    for (int img = 0; img < n; img++)
        for (int ci = 0; ci < c; ci++) {
            const float *xc = x + ((size_t)img * c + ci) * h * w;
            float *base = col + (size_t)ci * kh * kw * cols + (size_t)img * oh * ow;
            if ((size_t)hp * wp > PLANE_MAX) { /* generic path, never taken by the model */
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++) {
                        float *dst = base + (size_t)(i * kw + j) * cols;
                        for (int p = 0; p < oh; p++)
                            for (int q = 0; q < ow; q++)
                                dst[p * ow + q] = sample(xc, h, w, p + i - pad, q + j - pad);
                    }
                continue;
            }
            for (int k = 0; k < hp * wp; k++)
                xp[k] = 0.0f;
            for (int r = 0; r < h; r++)
                copy_row(xp + (size_t)(r + pad) * wp + pad, xc + (size_t)r * w, w);
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++) {
                    float *dst = base + (size_t)(i * kw + j) * cols;
                    const float *src = xp + (size_t)i * wp + j;
                    for (int p = 0; p < oh; p++)
                        copy_row(dst + (size_t)p * ow, src + (size_t)p * wp, ow);
                }
        }
}

void im2row(float *rows, const float *x, int n, int c, int h, int w, int kh, int kw, int pad)
{
    int oh = h + 2 * pad - kh + 1, ow = w + 2 * pad - kw + 1;
    int hp = h + 2 * pad, wp = w + 2 * pad;
    size_t k = (size_t)c * kh * kw;
    float xp[PLANE_MAX];
    for (int img = 0; img < n; img++)
        for (int ci = 0; ci < c; ci++) {
            const float *xc = x + ((size_t)img * c + ci) * h * w;
            float *base = rows + (size_t)img * oh * ow * k + (size_t)ci * kh * kw;
            if ((size_t)hp * wp > PLANE_MAX) {
                for (int p = 0; p < oh; p++)
                    for (int q = 0; q < ow; q++)
                        for (int i = 0; i < kh; i++)
                            for (int j = 0; j < kw; j++)
                                base[(size_t)(p * ow + q) * k + i * kw + j] =
                                    sample(xc, h, w, p + i - pad, q + j - pad);
                continue;
            }
            for (int t = 0; t < hp * wp; t++)
                xp[t] = 0.0f;
            for (int r = 0; r < h; r++)
                copy_row(xp + (size_t)(r + pad) * wp + pad, xc + (size_t)r * w, w);
            for (int p = 0; p < oh; p++)
                for (int q = 0; q < ow; q++) {
                    float *dst = base + (size_t)(p * ow + q) * k;
                    for (int i = 0; i < kh; i++)
                        copy_row(dst + i * kw, xp + (size_t)(p + i) * wp + q, kw);
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
