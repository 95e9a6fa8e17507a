#include "resnet_mnist/im2col.h"

#include <string.h>

/* For a kernel offset i (or j) the valid output range is where 0 <= p + i - pad < h. */
static void valid_range(int off, int size, int out, int *lo, int *hi)
{
    *lo = off < 0 ? -off : 0;
    *hi = size - off < out ? size - off : out;
    if (*hi < *lo)
        *hi = *lo;
}

void im2col(float *col, const float *x, int n, int c, int h, int w, int kh, int kw, int pad)
{
    int oh = h + 2 * pad - kh + 1, ow = w + 2 * pad - kw + 1;
    size_t cols = (size_t)n * oh * ow;
    for (int ci = 0; ci < c; ci++) {
        for (int i = 0; i < kh; i++) {
            int di = i - pad, p0, p1;
            valid_range(di, h, oh, &p0, &p1);
            for (int j = 0; j < kw; j++) {
                int dj = j - pad, q0, q1;
                valid_range(dj, w, ow, &q0, &q1);
                float *row = col + ((size_t)(ci * kh + i) * kw + j) * cols;
                for (int img = 0; img < n; img++) {
                    const float *xc = x + ((size_t)img * c + ci) * h * w;
                    float *dst = row + (size_t)img * oh * ow;
                    for (int p = 0; p < oh; p++) {
                        float *d = dst + (size_t)p * ow;
                        if (p < p0 || p >= p1) {
                            memset(d, 0, (size_t)ow * sizeof(float));
                            continue;
                        }
                        const float *s = xc + (size_t)(p + di) * w + dj;
                        for (int q = 0; q < q0; q++)
                            d[q] = 0.0f;
                        memcpy(d + q0, s + q0, (size_t)(q1 - q0) * sizeof(float));
                        for (int q = q1; q < ow; q++)
                            d[q] = 0.0f;
                    }
                }
            }
        }
    }
}

void col2im_add(float *dx, const float *dcol, int n, int c, int h, int w, int kh, int kw, int pad)
{
    int oh = h + 2 * pad - kh + 1, ow = w + 2 * pad - kw + 1;
    size_t cols = (size_t)n * oh * ow;
    for (int ci = 0; ci < c; ci++) {
        for (int i = 0; i < kh; i++) {
            int di = i - pad, p0, p1;
            valid_range(di, h, oh, &p0, &p1);
            for (int j = 0; j < kw; j++) {
                int dj = j - pad, q0, q1;
                valid_range(dj, w, ow, &q0, &q1);
                const float *row = dcol + ((size_t)(ci * kh + i) * kw + j) * cols;
                for (int img = 0; img < n; img++) {
                    float *xc = dx + ((size_t)img * c + ci) * h * w;
                    const float *src = row + (size_t)img * oh * ow;
                    for (int p = p0; p < p1; p++) {
                        float *d = xc + (size_t)(p + di) * w + dj;
                        const float *s = src + (size_t)p * ow;
                        for (int q = q0; q < q1; q++)
                            d[q] += s[q];
                    }
                }
            }
        }
    }
}
