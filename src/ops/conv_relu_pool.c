/* The first layer fused (conv_relu_pool.h), with vector lanes along its 16 output channels: one
 * 16-float vector per output position. The general convolution (conv_implicit.c) puts lanes
 * along positions; for this layer, with K = 25 taps from one input plane, it spent as much time
 * copying the image into a strip, computing the strip's dropped columns (4 of 28) and cropping
 * 16 planes out, then re-reading them to pool, as on its multiply-adds. Here 12 output positions
 * of a row are summed side by side (row_sums12), each input broadcast straight from the image;
 * the 4 sums of a pooling window are pooled in registers (pool_window), and only the pooled
 * planes are written, transposed 16 windows at a time.
 *
 * The weight gradient takes the same layout, a row of windows at a time: each window's gradient
 * (16 channels, one vector) goes to its lanes' winning positions only (code), and the taps'
 * sums run over the row's positions (row_grads). Nothing between the pool and the convolution
 * is written in either direction (before: the 16 unpooled planes and their gradient). */
#include "resnet_mnist/ops/conv_relu_pool.h"

#include <string.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

/* 16-float vectors on every path (two or four registers below AVX-512): the helpers that take
 * or return them are static and inlined, so no call passes one and the ABI note is moot */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef uint8_t v16b __attribute__((vector_size(16)));

_Static_assert(CRP_OUT == 16, "one 16-float vector holds the output channels");
#define TAPS (CRP_K * CRP_K)

static inline __attribute__((always_inline)) v16f load16(const float *p)
{
    v16f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store16(float *p, v16f v)
{
    memcpy(p, &v, sizeof v);
}

/* The first count (< 16) floats at p, the other lanes 0: a masked load where there is one (a
 * memcpy of a variable length became `rep movs`, a fifth of the weight gradient's time). */
static inline __attribute__((always_inline)) v16f load_first(const float *p, int count)
{
#if defined(__AVX512F__)
    return (v16f)_mm512_maskz_loadu_ps((__mmask16)((1u << count) - 1), p);
#else
    v16f v = {0};
    for (int i = 0; i < count; i++)
        v[i] = p[i];
    return v;
#endif
}

static inline __attribute__((always_inline)) v16f select16(v16i mask, v16f a, v16f b)
{
    return (v16f)(((v16i)a & mask) | ((v16i)b & ~mask));
}

/* Transposing 16 x 16 floats: r[i] and r[i + s] exchange blocks of s lanes, for s = 8, 4, 2, 1
 * (each pair: the first gets the low block of every 2s lanes from both, the second the high). */
static inline void interleave8(v16f *a, v16f *b)
{
    v16f lo =
        __builtin_shufflevector(*a, *b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    v16f hi = __builtin_shufflevector(*a, *b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29,
                                      30, 31);
    *a = lo, *b = hi;
}

static inline void interleave4(v16f *a, v16f *b)
{
    v16f lo =
        __builtin_shufflevector(*a, *b, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
    v16f hi =
        __builtin_shufflevector(*a, *b, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
    *a = lo, *b = hi;
}

static inline void interleave2(v16f *a, v16f *b)
{
    v16f lo =
        __builtin_shufflevector(*a, *b, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
    v16f hi =
        __builtin_shufflevector(*a, *b, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
    *a = lo, *b = hi;
}

static inline void interleave1(v16f *a, v16f *b)
{
    v16f lo =
        __builtin_shufflevector(*a, *b, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
    v16f hi =
        __builtin_shufflevector(*a, *b, 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
    *a = lo, *b = hi;
}

static void transpose16(v16f r[16])
{
    for (int i = 0; i < 8; i++)
        interleave8(&r[i], &r[i + 8]);
    for (int i = 0; i < 16; i++)
        if (!(i & 4))
            interleave4(&r[i], &r[i + 4]);
    for (int i = 0; i < 16; i++)
        if (!(i & 2))
            interleave2(&r[i], &r[i + 2]);
    for (int i = 0; i < 16; i += 2)
        interleave1(&r[i], &r[i + 1]);
}

static int pooled_h(const struct conv_relu_pool_shape *s)
{
    return (s->h - CRP_K + 1) / 2;
}

static int pooled_w(const struct conv_relu_pool_shape *s)
{
    return (s->w - CRP_K + 1) / 2;
}

size_t conv_relu_pool_windows(const struct conv_relu_pool_shape *s)
{
    int ph = pooled_h(s), pw = pooled_w(s);
    return ph > 0 && pw > 0 ? (size_t)ph * pw : 0;
}

/* y's planes [16][windows] for windows first .. first + count - 1 from rows[window][channel]. */
static void store_transposed(float *y, size_t windows, size_t first, int count, v16f rows[16])
{
    for (int i = count; i < 16; i++)
        rows[i] = (v16f){0};
    transpose16(rows);
    for (int c = 0; c < CRP_OUT; c++) {
        float *d = y + (size_t)c * windows + first;
        if (count == 16)
            store16(d, rows[c]);
        else
            memcpy(d, &rows[c], (size_t)count * sizeof(float));
    }
}

/* Output positions summed side by side along a row: 12 independent sums hide the
 * multiply-add's latency (one window's 4 positions at a time measured 3.8 us an image, half the
 * peak). They are named variables, not an array: GCC keeps an array of 12 vectors in memory
 * (too large for its scalar replacement), and then every multiply-add goes through the stack. */
#define ROW_BLOCK 12

#define ROW_TAPS(q)                                                                                \
    do {                                                                                           \
        a##q += w0 * xr[q];                                                                        \
        a##q += w1 * xr[q + 1];                                                                    \
        a##q += w2 * xr[q + 2];                                                                    \
        a##q += w3 * xr[q + 3];                                                                    \
        a##q += w4 * xr[q + 4];                                                                    \
    } while (0)

/* out[q] = the sum for output position q (0..11) of the row whose top-left input is x0, each
 * taking its taps in conv2d's order (kernel row i, then column j). */
static void row_sums12(v16f out[ROW_BLOCK], const float *x0, int width, const v16f *wt)
{
    v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0}, a8 = {0},
         a9 = {0}, a10 = {0}, a11 = {0};
    for (int i = 0; i < CRP_K; i++) {
        const float *xr = x0 + (size_t)i * width;
        v16f w0 = wt[i * CRP_K], w1 = wt[i * CRP_K + 1], w2 = wt[i * CRP_K + 2],
             w3 = wt[i * CRP_K + 3], w4 = wt[i * CRP_K + 4];
        ROW_TAPS(0);
        ROW_TAPS(1);
        ROW_TAPS(2);
        ROW_TAPS(3);
        ROW_TAPS(4);
        ROW_TAPS(5);
        ROW_TAPS(6);
        ROW_TAPS(7);
        ROW_TAPS(8);
        ROW_TAPS(9);
        ROW_TAPS(10);
        ROW_TAPS(11);
    }
    out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3, out[4] = a4, out[5] = a5;
    out[6] = a6, out[7] = a7, out[8] = a8, out[9] = a9, out[10] = a10, out[11] = a11;
}
#undef ROW_TAPS

/* The same for npos positions, any number up to ROW_BLOCK (a row's last windows). */
static void row_sums(v16f out[ROW_BLOCK], const float *x0, int width, const v16f *wt, int npos)
{
    for (int q = 0; q < npos; q++) {
        v16f a = {0};
        for (int i = 0; i < CRP_K; i++)
            for (int j = 0; j < CRP_K; j++)
                a += wt[i * CRP_K + j] * x0[(size_t)i * width + q + j];
        out[q] = a;
    }
}

/* ReLU (a NaN becomes 0, as conv2d's) of the window's 4 sums plus the bias, then the pool's
 * rule in scan order: a later element wins only if greater, so ties go to the first. Returns
 * the max; *code gets the winner, or 4 where the max is not positive (no gradient passes). */
static inline __attribute__((always_inline)) v16f pool_window(v16f a0, v16f a1, v16f a2, v16f a3,
                                                              v16f bias, uint8_t *code)
{
    v16f v[4] = {a0 + bias, a1 + bias, a2 + bias, a3 + bias};
    v16f m = select16(v[0] > 0.0f, v[0], (v16f){0});
    v16i won = {0};
    for (int q = 1; q < 4; q++) {
        v16f r = select16(v[q] > 0.0f, v[q], (v16f){0});
        v16i later = r > m;
        m = select16(later, r, m);
        won = (later & q) | (~later & won);
    }
    won = (won & (m > 0.0f)) | (~(m > 0.0f) & 4);
    v16b bytes = __builtin_convertvector(won, v16b);
    memcpy(code, &bytes, sizeof bytes);
    return m;
}

void conv_relu_pool_forward(float *y, uint8_t *code, const float *x, const float *w, const float *b,
                            const struct conv_relu_pool_shape *s)
{
    int ph = pooled_h(s), pw = pooled_w(s);
    size_t windows = conv_relu_pool_windows(s), plane = (size_t)s->h * s->w;
    v16f wt[TAPS], bias = load16(b);
    for (int t = 0; t < TAPS; t++)
        for (int c = 0; c < CRP_OUT; c++)
            wt[t][c] = w[c * TAPS + t];
    for (int img = 0; img < s->n; img++) {
        const float *xi = x + (size_t)img * plane;
        float *yi = y + (size_t)img * CRP_OUT * windows;
        uint8_t *ci = code + (size_t)img * windows * CRP_OUT;
        v16f rows[16]; /* pooled windows first.., a vector of channels each, until stored */
        size_t first = 0, win = 0;
        int count = 0;
        for (int py = 0; py < ph; py++)
            for (int px = 0; px < pw;) {
                /* the window's two rows of positions, ROW_BLOCK / 2 windows at a time */
                const float *x0 = xi + (size_t)(2 * py) * s->w + 2 * px;
                v16f top[ROW_BLOCK], bottom[ROW_BLOCK];
                int nw = pw - px >= ROW_BLOCK / 2 ? ROW_BLOCK / 2 : 1;
                if (nw == ROW_BLOCK / 2) {
                    row_sums12(top, x0, s->w, wt);
                    row_sums12(bottom, x0 + s->w, s->w, wt);
                } else {
                    row_sums(top, x0, s->w, wt, 2);
                    row_sums(bottom, x0 + s->w, s->w, wt, 2);
                }
                for (int k = 0; k < nw; k++, win++) {
                    rows[count++] = pool_window(top[2 * k], top[2 * k + 1], bottom[2 * k],
                                                bottom[2 * k + 1], bias, ci + win * CRP_OUT);
                    if (count == 16) {
                        store_transposed(yi, windows, first, count, rows);
                        first += 16, count = 0;
                    }
                }
                px += nw;
            }
        if (count)
            store_transposed(yi, windows, first, count, rows);
    }
}

/* The weight gradient, a row of windows at a time (up to 16: one transpose of dy): the windows'
 * gradients are spread to their winners' positions (zeros elsewhere) in two rows of vectors,
 * top and bottom, and then for each kernel row i, tap (i, j) sums top[q] * x[r + i][q + j] over
 * the row's positions q (and the same for the bottom row): 5 sums per row of positions, two
 * rows side by side, so 10 independent multiply-add chains, and the 25 taps' totals are loaded
 * and stored once per window row, not per multiply-add (with all 25 in registers plus the
 * inputs, GCC spilled). */
#define GRAD_CHUNK 16

/* tap[j] += sum over q < npos of top[q] * xt[q + j] + bottom[q] * xb[q + j]: the two rows'
 * sums are taken apart and added at the end. */
static inline __attribute__((always_inline)) void row_grads(v16f tap[CRP_K], const v16f *top,
                                                            const v16f *bottom, const float *xt,
                                                            const float *xb, int npos)
{
    v16f t0 = {0}, t1 = {0}, t2 = {0}, t3 = {0}, t4 = {0};
    v16f b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0};
    for (int q = 0; q < npos; q++) {
        v16f gt = top[q], gb = bottom[q];
        t0 += gt * xt[q], t1 += gt * xt[q + 1], t2 += gt * xt[q + 2], t3 += gt * xt[q + 3];
        t4 += gt * xt[q + 4];
        b0 += gb * xb[q], b1 += gb * xb[q + 1], b2 += gb * xb[q + 2], b3 += gb * xb[q + 3];
        b4 += gb * xb[q + 4];
    }
    tap[0] += t0 + b0, tap[1] += t1 + b1, tap[2] += t2 + b2, tap[3] += t3 + b3, tap[4] += t4 + b4;
}

void conv_relu_pool_weight_grad(float *dw, float *db, const float *dy, const uint8_t *code,
                                const float *x, const struct conv_relu_pool_shape *s)
{
    int ph = pooled_h(s), pw = pooled_w(s);
    size_t windows = conv_relu_pool_windows(s), plane = (size_t)s->h * s->w;
    v16f tap[TAPS], dbias = {0};
    for (int t = 0; t < TAPS; t++)
        tap[t] = (v16f){0};
    for (int img = 0; img < s->n; img++) {
        const float *xi = x + (size_t)img * plane;
        const float *dyi = dy + (size_t)img * CRP_OUT * windows;
        const uint8_t *ci = code + (size_t)img * windows * CRP_OUT;
        for (int py = 0; py < ph; py++)
            for (int px0 = 0; px0 < pw; px0 += GRAD_CHUNK) {
                int count = pw - px0 < GRAD_CHUNK ? pw - px0 : GRAD_CHUNK;
                size_t win0 = (size_t)py * pw + px0;
                v16f g[16], top[2 * GRAD_CHUNK], bottom[2 * GRAD_CHUNK];
                for (int c = 0; c < CRP_OUT; c++) /* channel-major in dy */
                    g[c] = count == 16 ? load16(dyi + (size_t)c * windows + win0)
                                       : load_first(dyi + (size_t)c * windows + win0, count);
                transpose16(g);
                for (int k = 0; k < count; k++) {
                    v16b bytes;
                    memcpy(&bytes, ci + (win0 + (size_t)k) * CRP_OUT, sizeof bytes);
                    v16i won = __builtin_convertvector(bytes, v16i);
                    v16i gi = (v16i)g[k];
                    top[2 * k] = (v16f)(gi & (won == 0)), top[2 * k + 1] = (v16f)(gi & (won == 1));
                    bottom[2 * k] = (v16f)(gi & (won == 2));
                    bottom[2 * k + 1] = (v16f)(gi & (won == 3));
                    dbias += (v16f)(gi & (won < 4));
                }
                const float *x0 = xi + (size_t)(2 * py) * s->w + 2 * px0;
                for (int i = 0; i < CRP_K; i++) {
                    const float *xt = x0 + (size_t)i * s->w, *xb = xt + s->w;
                    if (count == 12) /* the model's rows, as a constant */
                        row_grads(tap + i * CRP_K, top, bottom, xt, xb, 24);
                    else
                        row_grads(tap + i * CRP_K, top, bottom, xt, xb, 2 * count);
                }
            }
    }
    for (int c = 0; c < CRP_OUT; c++) {
        for (int t = 0; t < TAPS; t++)
            dw[c * TAPS + t] += tap[t][c];
        db[c] += dbias[c];
    }
}
