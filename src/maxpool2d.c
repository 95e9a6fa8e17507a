#include "resnet_mnist/maxpool2d.h"

#include <stddef.h>
#include <string.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

typedef float v16f __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) void copy_pairs(float *restrict top,
                                                             float *restrict bot,
                                                             const float *restrict r0,
                                                             const float *restrict r1, int ow)
{
    for (int q = 0; q < 2 * ow; q++) {
        top[q] = r0[q];
        bot[q] = r1[q];
    }
}

/* One output row of at most 16 windows, as 16-wide vectors: the rows are short (12 and 5 in
 * the model), too short for the compiler's own vectorisation, and branchy scalar code
 * mispredicts on the ties that ReLU's zeros make common. */
static void pool_row16(float *yr, uint8_t *ar, const float *r0, const float *r1, int ow)
{
    v16f t0, t1, b0, b1;
#if defined(__AVX512F__)
    /* masked loads straight from the rows: no staging copy, whose narrow stores a wide load
     * could not forward from (measured: 5.8 us for conv1's 16 x 24 x 24 before, per image) */
    __mmask16 lo = (__mmask16)(2 * ow >= 16 ? 0xFFFF : (1u << (2 * ow)) - 1);
    __mmask16 hi = (__mmask16)(2 * ow <= 16 ? 0 : (1u << (2 * ow - 16)) - 1);
    t0 = (v16f)_mm512_maskz_loadu_ps(lo, r0), t1 = (v16f)_mm512_maskz_loadu_ps(hi, r0 + 16);
    b0 = (v16f)_mm512_maskz_loadu_ps(lo, r1), b1 = (v16f)_mm512_maskz_loadu_ps(hi, r1 + 16);
#else
    float top[32] = {0}, bot[32] = {0};
    switch (ow) { /* the model's widths as constants: a few vector moves, not a loop */
    case 12:
        copy_pairs(top, bot, r0, r1, 12);
        break;
    case 5:
        copy_pairs(top, bot, r0, r1, 5);
        break;
    default:
        copy_pairs(top, bot, r0, r1, ow);
    }
    memcpy(&t0, top, 64);
    memcpy(&t1, top + 16, 64);
    memcpy(&b0, bot, 64);
    memcpy(&b1, bot + 16, 64);
#endif
    const v16i even = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
    const v16i odd = even + 1;
    v16f v[4] = {__builtin_shuffle(t0, t1, even), __builtin_shuffle(t0, t1, odd),
                 __builtin_shuffle(b0, b1, even), __builtin_shuffle(b0, b1, odd)};
    v16f m = v[0];
    v16i k = {0};
    for (int i = 1; i < 4; i++) {
        /* PyTorch's rule in scan order: a later element wins if greater or NaN */
        v16i t = (v[i] > m) | (v[i] != v[i]);
        m = (v16f)(((v16i)v[i] & t) | ((v16i)m & ~t));
        k = (i & t) | (k & ~t);
    }
#if defined(__AVX512F__)
    __mmask16 out = (__mmask16)((1u << ow) - 1);
    _mm512_mask_storeu_ps(yr, out, (__m512)m);
    _mm512_mask_cvtepi32_storeu_epi8(ar, out, (__m512i)k);
#else
    float mv[16];
    int kv[16];
    memcpy(mv, &m, 64);
    memcpy(kv, &k, 64);
    for (int q = 0; q < ow; q++) {
        yr[q] = mv[q];
        ar[q] = (uint8_t)kv[q];
    }
#endif
}

void maxpool2d_forward(float *y, uint8_t *argmax, const float *x, const struct maxpool2d_shape *s)
{
    int oh = s->h / 2, ow = s->w / 2;
    for (int plane = 0; plane < s->n * s->c; plane++) {
        const float *xp = x + (size_t)plane * s->h * s->w;
        float *yp = y + (size_t)plane * oh * ow;
        uint8_t *ap = argmax + (size_t)plane * oh * ow;
        for (int p = 0; p < oh; p++) {
            const float *r0 = xp + (size_t)(2 * p) * s->w, *r1 = r0 + s->w;
            float *yr = yp + (size_t)p * ow;
            uint8_t *ar = ap + (size_t)p * ow;
            if (ow <= 16) {
                pool_row16(yr, ar, r0, r1, ow);
                continue;
            }
            for (int q = 0; q < ow; q++) {
                float v0 = r0[2 * q], v1 = r0[2 * q + 1], v2 = r1[2 * q], v3 = r1[2 * q + 1];
                float m = v0;
                int k = 0;
                int t = (v1 > m) | (v1 != v1);
                m = t ? v1 : m;
                k = t ? 1 : k;
                t = (v2 > m) | (v2 != v2);
                m = t ? v2 : m;
                k = t ? 2 : k;
                t = (v3 > m) | (v3 != v3);
                m = t ? v3 : m;
                k = t ? 3 : k;
                yr[q] = m;
                ar[q] = (uint8_t)k;
            }
        }
    }
}

void maxpool2d_backward(float *dx, const float *dy, const uint8_t *argmax,
                        const struct maxpool2d_shape *s)
{
    int oh = s->h / 2, ow = s->w / 2;
    for (int plane = 0; plane < s->n * s->c; plane++) {
        float *xp = dx + (size_t)plane * s->h * s->w;
        const float *yp = dy + (size_t)plane * oh * ow;
        const uint8_t *ap = argmax + (size_t)plane * oh * ow;
        for (int p = 0; p < oh; p++)
            for (int q = 0; q < ow; q++) {
                int k = ap[p * ow + q];
                xp[(size_t)(2 * p + (k >> 1)) * s->w + 2 * q + (k & 1)] += yp[p * ow + q];
            }
    }
}
