#include "resnet_mnist/ops/maxpool2d.h"

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

#if defined(__AVX512F__)
/* One row of at most 16 windows: each window's gradient goes to the lane of its winner, the
 * even and odd columns are interleaved back, and ReLU's mask is applied, all in registers
 * (scalar code branches on argmax, which is as good as random: measured 4x slower). */
static void unpool_relu_row16(float *d0, float *d1, const float *a0, const float *a1,
                              const float *g_row, const uint8_t *k_row, int ow)
{
    __mmask16 win = (__mmask16)((1u << ow) - 1);
    __mmask16 lo = (__mmask16)(2 * ow >= 16 ? 0xFFFF : (1u << (2 * ow)) - 1);
    __mmask16 hi = (__mmask16)(2 * ow <= 16 ? 0 : (1u << (2 * ow - 16)) - 1);
    __m512i k = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(win, k_row));
    __m512 g = _mm512_maskz_loadu_ps(win, g_row), zero = _mm512_setzero_ps();
    __m512 v[4];
    for (int j = 0; j < 4; j++)
        v[j] = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(k, _mm512_set1_epi32(j)), g);
    const __m512i first = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i second =
        _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    float *d[2] = {d0, d1};
    const float *a[2] = {a0, a1};
    for (int r = 0; r < 2; r++) {
        __m512 even = v[2 * r], odd = v[2 * r + 1];
        __m512 out0 = _mm512_permutex2var_ps(even, first, odd);
        __m512 out1 = _mm512_permutex2var_ps(even, second, odd);
        __m512 act0 = _mm512_maskz_loadu_ps(lo, a[r]), act1 = _mm512_maskz_loadu_ps(hi, a[r] + 16);
        out0 = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(act0, zero, _CMP_GT_OQ), out0);
        out1 = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(act1, zero, _CMP_GT_OQ), out1);
        _mm512_mask_storeu_ps(d[r], lo, out0);
        _mm512_mask_storeu_ps(d[r] + 16, hi, out1);
    }
}
#endif

void maxpool2d_relu_backward(float *dx, const float *dy, const uint8_t *argmax, const float *x,
                             const struct maxpool2d_shape *s)
{
    int oh = s->h / 2, ow = s->w / 2;
    for (int plane = 0; plane < s->n * s->c; plane++) {
        size_t base = (size_t)plane * s->h * s->w;
        float *xp = dx + base;
        const float *yp = dy + (size_t)plane * oh * ow, *act = x + base;
        const uint8_t *ap = argmax + (size_t)plane * oh * ow;
        for (int p = 0; p < oh; p++) {
            float *d0 = xp + (size_t)(2 * p) * s->w, *d1 = d0 + s->w;
            const float *a0 = act + (size_t)(2 * p) * s->w, *a1 = a0 + s->w;
#if defined(__AVX512F__)
            if (ow <= 16) {
                unpool_relu_row16(d0, d1, a0, a1, yp + p * ow, ap + p * ow, ow);
                for (int q = 2 * ow; q < s->w; q++)
                    d0[q] = d1[q] = 0.0f;
                continue;
            }
#endif
            for (int q = 0; q < ow; q++) {
                int k = ap[p * ow + q];
                float g = yp[p * ow + q];
                /* & rather than &&: no branches on argmax, which is as good as random */
                d0[2 * q] = ((k == 0) & (a0[2 * q] > 0.0f)) ? g : 0.0f;
                d0[2 * q + 1] = ((k == 1) & (a0[2 * q + 1] > 0.0f)) ? g : 0.0f;
                d1[2 * q] = ((k == 2) & (a1[2 * q] > 0.0f)) ? g : 0.0f;
                d1[2 * q + 1] = ((k == 3) & (a1[2 * q + 1] > 0.0f)) ? g : 0.0f;
            }
            for (int q = 2 * ow; q < s->w; q++) /* an odd last column: no window */
                d0[q] = d1[q] = 0.0f;
        }
        for (int r = 2 * oh; r < s->h; r++) /* an odd last row */
            for (int q = 0; q < s->w; q++)
                xp[(size_t)r * s->w + q] = 0.0f;
    }
}
