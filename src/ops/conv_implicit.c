/* Implicit-GEMM convolution over padded planes (see the header). The images of a call sit
 * side by side in one wide strip per channel and share their zero padding: image img's columns
 * start at pad + img * (w + pad), so one image's right padding is the next one's left. The
 * extended grid has oh rows of the strip's width, of which each image owns w + pad columns and
 * ow are real outputs: 83-100% for the layers that use this, against 75-86% with one padded
 * plane per image (which measured 10-20% slower). Per call:
 *   1. the strips are built (zero frame, images copied in);
 *   2. an MR x NR register tile of the extended output is summed over all K taps, B loaded
 *      from strip offset tap_offset[k] + column, A from weights packed once per call;
 *   3. the extended rows are cropped to each image's ow columns, with the bias (and ReLU)
 *      added, or added into dx. */
#include "conv_implicit.h"

#include <assert.h>
#include <string.h>

#include "resnet_mnist/ops/vec.h"

#define TAPS_MAX 4096 /* K = channels * kh * kw; larger layers take the im2col path */

/* Crops of the extended rows, short like the rows of vec.h's copy_row. */
enum crop_mode { CROP_BIAS, CROP_BIAS_RELU, CROP_ADD };

static inline __attribute__((always_inline)) void
crop_n(float *restrict d, const float *restrict row, int n, float bias, enum crop_mode mode)
{
    for (int q = 0; q < n; q++) {
        float v = row[q] + bias;
        if (mode == CROP_ADD)
            d[q] += row[q];
        else
            d[q] = mode == CROP_BIAS_RELU && !(v > 0.0f) ? 0.0f : v;
    }
}

static void crop_row(float *restrict d, const float *restrict row, int n, float bias,
                     enum crop_mode mode)
{
#define CROP(w)                                                                                    \
    (mode == CROP_ADD         ? crop_n(d, row, w, 0.0f, CROP_ADD)                                  \
     : mode == CROP_BIAS_RELU ? crop_n(d, row, w, bias, CROP_BIAS_RELU)                            \
                              : crop_n(d, row, w, bias, CROP_BIAS))
    FIXED_WIDTHS(CROP, n)
#undef CROP
}

/* The convolution actually computed: n images of cin planes of h x w in, cout planes out. */
struct geom {
    int n, cin, h, w, cout, kh, kw, pad;
    int hp, oh, ow, taps;
    int step;  /* columns from one image to the next in the strip: w + pad */
    int width; /* of the strip: pad + n * step */
    size_t plane, ext, ext_pad, cout_pad, planes_floats;
};

static size_t round_up(size_t v, size_t to)
{
    return (v + to - 1) / to * to;
}

static struct geom make_geom(int n, int cin, int h, int w, int cout, int kh, int kw, int pad)
{
    struct geom g = {
        .n = n, .cin = cin, .h = h, .w = w, .cout = cout, .kh = kh, .kw = kw, .pad = pad};
    g.hp = h + 2 * pad;
    g.oh = g.hp - kh + 1, g.ow = w + 2 * pad - kw + 1;
    g.taps = cin * kh * kw;
    g.step = w + pad;
    g.width = pad + n * g.step;
    g.plane = (size_t)g.hp * g.width;
    g.ext = (size_t)g.oh * g.width;
    g.ext_pad = round_up(g.ext, NR);
    g.cout_pad = round_up((size_t)cout, MR);
    /* the last tile reads up to ext_pad - ext + kw - 1 floats past the last strip */
    g.planes_floats = (size_t)cin * g.plane + round_up(g.ext_pad - g.ext + (size_t)kw, VL);
    return g;
}

/* The strips of cin channels of n images (x is [n, cin, h, w]), zero outside the images. */
static void build_strips(float *planes, size_t floats, const float *x, const struct geom *g)
{
    size_t in_plane = (size_t)g->h * g->w;
    memset(planes, 0, floats * sizeof(float));
    for (int img = 0; img < g->n; img++)
        for (int c = 0; c < g->cin; c++) {
            const float *src = x + ((size_t)img * g->cin + c) * in_plane;
            float *dst = planes + (size_t)c * g->plane + (size_t)g->pad * g->width + g->pad +
                         (size_t)img * g->step;
            for (int r = 0; r < g->h; r++)
                copy_row(dst + (size_t)r * g->width, src + (size_t)r * g->w, g->w);
        }
}

/* The implicit convolution that computes the input gradient of shape s. */
static struct geom input_grad_geom(const struct conv2d_shape *s)
{
    return make_geom(s->n, s->oc, conv2d_out_h(s), conv2d_out_w(s), s->ic, s->kh, s->kw,
                     s->kh - 1 - s->pad);
}

static struct geom forward_geom(const struct conv2d_shape *s)
{
    return make_geom(s->n, s->ic, s->ih, s->iw, s->oc, s->kh, s->kw, s->pad);
}

static int worth_it(const struct geom *g)
{
    /* At least half of each image's strip columns are outputs. This must not depend on n:
     * the path decides the order of the sums, and an image's results may not depend on the
     * batch it came in. */
    return g->oh > 0 && g->ow > 0 && g->taps <= TAPS_MAX && 2 * g->ow >= g->step;
}

int conv_implicit_ok(const struct conv2d_shape *s, int input_grad)
{
    /* The input gradient is the full convolution of dy with the kernels turned (pad k - 1 -
     * pad). For conv2 (pad 0, so pad 2 here, 32 planes in and 16 out) it once measured slower
     * than GEMM + col2im (32.2 against 28.6 us an image for the whole backward pass); with
     * today's kernels it is faster: 13.5-13.7 against 14.5-15.0 us (batch 5, one thread, best
     * of 30, both in one process). Square kernels only, as the packing assumes. */
    if (input_grad && s->kh != s->kw)
        return 0;
    struct geom g = input_grad ? input_grad_geom(s) : forward_geom(s);
    return worth_it(&g);
}

static size_t scratch_of(const struct geom *g)
{
    return g->cout_pad * (size_t)g->taps + g->planes_floats + g->cout_pad * g->ext_pad;
}

size_t conv_implicit_scratch_floats(const struct conv2d_shape *s, int input_grad)
{
    struct geom g = input_grad ? input_grad_geom(s) : forward_geom(s);
    return scratch_of(&g);
}

static _Thread_local int tap_offset[TAPS_MAX];

/* C[MR x NR] = A panel (MR rows x taps) * B, where B row k is the NR floats at b + off[k]. */
/* C[MR x NR] = A panel (MR rows x taps) * B, where B row k is the NR floats at b + off[k].
 * Only taps k_lo <= k % per_channel < k_hi of each of the channels are summed: the caller
 * leaves out kernel rows that fall on the zero padding for every output row of the tile,
 * whose products are exact zeros (on RB2.conv2's 5-row images, a quarter of all taps). */
static void tile_kernel(int channels, int per_channel, int k_lo, int k_hi, const int *restrict off,
                        const float *restrict b, const float *restrict ap, float *restrict c,
                        size_t ldc)
{
    vfloat acc[MR][2];
    for (int i = 0; i < MR; i++)
        acc[i][0] = acc[i][1] = (vfloat){0};
    for (int ch = 0; ch < channels; ch++)
        for (int k = ch * per_channel + k_lo; k < ch * per_channel + k_hi; k++) {
            const float *bk = b + off[k];
            vfloat b0 = vload(bk), b1 = vload(bk + VL);
#pragma GCC unroll 16
            for (int i = 0; i < MR; i++) {
                float ai = ap[(size_t)k * MR + i];
                acc[i][0] += ai * b0;
                acc[i][1] += ai * b1;
            }
        }
    for (int i = 0; i < MR; i++) {
        vstore(c + (size_t)i * ldc, acc[i][0]);
        vstore(c + (size_t)i * ldc + VL, acc[i][1]);
    }
}

/* out (+)= conv(in) over g, A already packed: ap[panel][k][MR]. With bias, out is
 * overwritten with conv + bias; without, the convolution is added to out. */
static void run(float *out, const float *in, const float *ap, const float *bias,
                enum crop_mode mode, float *scratch, const struct geom *g)
{
    float *planes = scratch + g->cout_pad * (size_t)g->taps;
    float *yext = planes + g->planes_floats;
    for (int c = 0; c < g->cin; c++)
        for (int i = 0; i < g->kh; i++)
            for (int j = 0; j < g->kw; j++)
                tap_offset[(c * g->kh + i) * g->kw + j] =
                    (int)((size_t)c * g->plane) + i * g->width + j;
    build_strips(planes, g->planes_floats, in, g);
    for (size_t jr = 0; jr < g->ext_pad; jr += NR) {
        /* output rows p1..p2 of the tile read padded rows p + i: the real ones for
         * pad - p <= i < pad + h - p */
        int p1 = (int)(jr / (size_t)g->width), p2 = (int)((jr + NR - 1) / (size_t)g->width);
        p2 = p2 < g->oh - 1 ? p2 : g->oh - 1;
        int i_lo = g->pad - p2 > 0 ? g->pad - p2 : 0;
        int i_hi = g->pad + g->h - p1 < g->kh ? g->pad + g->h - p1 : g->kh;
        if (i_hi < i_lo)
            i_hi = i_lo;
        for (size_t ir = 0; ir < g->cout_pad; ir += MR)
            tile_kernel(g->cin, g->kh * g->kw, i_lo * g->kw, i_hi * g->kw, tap_offset, planes + jr,
                        ap + ir * (size_t)g->taps, yext + ir * g->ext_pad + jr, g->ext_pad);
    }
    size_t out_plane = (size_t)g->oh * g->ow;
    for (int img = 0; img < g->n; img++)
        for (int o = 0; o < g->cout; o++) {
            float *dst = out + ((size_t)img * g->cout + o) * out_plane;
            const float *src = yext + (size_t)o * g->ext_pad + (size_t)img * g->step;
            for (int p = 0; p < g->oh; p++)
                crop_row(dst + (size_t)p * g->ow, src + (size_t)p * g->width, g->ow,
                         bias ? bias[o] : 0.0f, mode);
        }
}

size_t conv_implicit_pack_floats(const struct conv2d_shape *s, int input_grad)
{
    struct geom g = input_grad ? input_grad_geom(s) : forward_geom(s);
    return g.cout_pad * (size_t)g.taps;
}

/* The forward pass's A: panels of MR output channels, tap-major. */
static void pack_forward(float *ap, const float *w, const struct geom g)
{
    /* read along w's rows, write every MR-th float */
    for (size_t o = 0; o < g.cout_pad; o++) {
        float *dst = ap + o / MR * MR * (size_t)g.taps + o % MR;
        const float *src = w + o * (size_t)g.taps;
        if (o < (size_t)g.cout)
            for (int k = 0; k < g.taps; k++)
                dst[(size_t)k * MR] = src[k];
        else
            for (int k = 0; k < g.taps; k++)
                dst[(size_t)k * MR] = 0.0f;
    }
}

/* The input gradient's A: row c is input channel c; tap (o, i, j) reads w[o][c] rotated by
 * 180 degrees. */
static void pack_input_grad(float *ap, const float *w, const struct conv2d_shape *s,
                            const struct geom g)
{
    int kk = s->kh * s->kw;
    for (size_t c = 0; c < g.cout_pad; c++) {
        float *dst = ap + c / MR * MR * (size_t)g.taps + c % MR;
        for (int o = 0; o < s->oc; o++) {
            const float *src = w + ((size_t)o * s->ic + c) * kk;
            float *d = dst + (size_t)o * kk * MR;
            if (c < (size_t)s->ic)
                for (int t = 0; t < kk; t++)
                    d[(size_t)t * MR] = src[kk - 1 - t];
            else
                for (int t = 0; t < kk; t++)
                    d[(size_t)t * MR] = 0.0f;
        }
    }
}

void conv_implicit_pack(float *ap, const float *w, const struct conv2d_shape *s, int input_grad)
{
    assert(conv_implicit_ok(s, input_grad));
    if (input_grad)
        pack_input_grad(ap, w, s, input_grad_geom(s));
    else
        pack_forward(ap, w, forward_geom(s));
}

void conv_implicit_forward(float *y, const float *x, const float *w, const float *packed,
                           const float *b, int relu, float *scratch, const struct conv2d_shape *s)
{
    assert(conv_implicit_ok(s, 0));
    struct geom g = forward_geom(s);
    if (!packed) { /* the start of scratch is kept for A either way */
        pack_forward(scratch, w, g);
        packed = scratch;
    }
    run(y, x, packed, b, relu ? CROP_BIAS_RELU : CROP_BIAS, scratch, &g);
}

void conv_implicit_input_grad(float *dx, const float *dy, const float *w, const float *packed,
                              float *scratch, const struct conv2d_shape *s)
{
    assert(conv_implicit_ok(s, 1));
    struct geom g = input_grad_geom(s);
    if (!packed) {
        pack_input_grad(scratch, w, s, g);
        packed = scratch;
    }
    run(dx, dy, packed, NULL, CROP_ADD, scratch, &g);
}

/* ---- weight gradient: dw[o][c][i][j] += sum over the extended outputs e of
 * dy~[o][e] * strip_c[e + i*width + j], where dy~ is dy laid out on the extended grid with
 * zeros in the dropped columns. Vector lanes run along e; each (o, c, i, j) keeps a vector of
 * partial sums over the whole group and is summed across lanes once at the end. A block of OB
 * outputs by kw taps of one kernel row shares every load: OB + kw loads feed OB * kw FMAs. */
#define WG_KW_MAX 8

struct wgrad_geom {
    struct geom g;
    size_t ext_vec; /* extended outputs rounded up to whole vectors */
    size_t planes;  /* floats of the strips, slack included */
};

static struct wgrad_geom wgrad_geom_of(const struct conv2d_shape *s)
{
    struct wgrad_geom w = {.g = forward_geom(s)};
    w.ext_vec = round_up(w.g.ext, VL);
    w.planes = (size_t)w.g.cin * w.g.plane + round_up(w.ext_vec - w.g.ext + (size_t)w.g.kw, VL);
    return w;
}

int conv_implicit_weight_grad_ok(const struct conv2d_shape *s)
{
    struct wgrad_geom w = wgrad_geom_of(s);
    /* At least 3/4 of each image's strip columns are outputs. RB2.conv2's 5 of 7 measured
     * slower than im2row + GEMM (43.6 against 39.1 us an image for the whole backward pass):
     * its 19-vector rows leave too few FMAs per lane sum. Independent of n, as worth_it. */
    return w.g.oh > 0 && w.g.ow > 0 && s->kw <= WG_KW_MAX && 4 * w.g.ow >= 3 * w.g.step;
}

size_t conv_implicit_weight_grad_scratch_floats(const struct conv2d_shape *s)
{
    struct wgrad_geom w = wgrad_geom_of(s);
    return w.planes + (size_t)s->oc * w.ext_vec;
}

/* One block: outputs o0..o0+OB, taps (c, i, 0..KW) of every image. Each block shape is its own
 * function with exactly sized, fully unrolled accumulators, so they stay in registers. */
#define WGRAD_BLOCK(OB, KW)                                                                        \
    static void wgrad_block_##OB##x##KW(float *dw, size_t dw_o, const float *x, const float *dy,   \
                                        size_t dy_o, size_t nvec)                                  \
    {                                                                                              \
        vfloat acc[OB][KW];                                                                        \
        _Pragma("GCC unroll 8") for (int o = 0; o < OB; o++)                                       \
            _Pragma("GCC unroll 8") for (int j = 0; j < KW; j++) acc[o][j] = (vfloat){0};          \
        for (size_t v = 0; v < nvec; v++) {                                                        \
            vfloat xv[KW];                                                                         \
            _Pragma("GCC unroll 8") for (int j = 0; j < KW; j++)                                   \
            {                                                                                      \
                xv[j] = vload(x + v * VL + j);                                                     \
                REGISTER(xv[j]);                                                                   \
            }                                                                                      \
            _Pragma("GCC unroll 8") for (int o = 0; o < OB; o++)                                   \
            {                                                                                      \
                vfloat d = vload(dy + (size_t)o * dy_o + v * VL);                                  \
                REGISTER(d);                                                                       \
                _Pragma("GCC unroll 8") for (int j = 0; j < KW; j++) acc[o][j] += d * xv[j];       \
            }                                                                                      \
        }                                                                                          \
        _Pragma("GCC unroll 8") for (int o = 0; o < OB; o++)                                       \
            _Pragma("GCC unroll 8") for (int j = 0; j < KW; j++) dw[(size_t)o * dw_o + j] +=       \
            lane_sum(acc[o][j]);                                                                   \
    }

WGRAD_BLOCK(8, 3)
WGRAD_BLOCK(4, 5)
WGRAD_BLOCK(1, 3)
WGRAD_BLOCK(1, 5)

/* Any other width, one output at a time (not used by the model; kept simple). */
static void wgrad_block_any(int kw, float *dw, const float *x, const float *dy, size_t nvec)
{
    for (int j = 0; j < kw; j++) {
        vfloat acc = {0};
        for (size_t v = 0; v < nvec; v++)
            acc += vload(dy + v * VL) * vload(x + v * VL + j);
        dw[j] += lane_sum(acc);
    }
}

void conv_implicit_weight_grad(float *dw, float *db, const float *dy, const float *x,
                               float *scratch, const struct conv2d_shape *s)
{
    assert(conv_implicit_weight_grad_ok(s));
    struct wgrad_geom w = wgrad_geom_of(s);
    const struct geom *g = &w.g;
    float *planes = scratch, *dyext = scratch + w.planes;
    size_t out_plane = (size_t)g->oh * g->ow;
    build_strips(planes, w.planes, x, g);
    /* dy on the extended grid; the bias gradient is its sum, taken in vector lanes (a serial
     * float sum was most of conv1's weight gradient: 10 of 14 us an image) */
    memset(dyext, 0, (size_t)g->cout * w.ext_vec * sizeof(float));
    size_t nvec = w.ext_vec / VL;
    for (int o = 0; o < g->cout; o++) {
        float *row = dyext + (size_t)o * w.ext_vec;
        for (int img = 0; img < g->n; img++) {
            const float *src = dy + ((size_t)img * g->cout + o) * out_plane;
            float *dst = row + (size_t)img * g->step;
            for (int p = 0; p < g->oh; p++)
                copy_row(dst + (size_t)p * g->width, src + (size_t)p * g->ow, g->ow);
        }
        vfloat sum[4] = {{0}};
        size_t v = 0;
        for (; v + 4 <= nvec; v += 4)
            for (int u = 0; u < 4; u++)
                sum[u] += vload(row + (v + (size_t)u) * VL);
        for (; v < nvec; v++)
            sum[0] += vload(row + v * VL);
        db[o] += lane_sum((sum[0] + sum[1]) + (sum[2] + sum[3]));
    }
    size_t taps = (size_t)g->kh * g->kw, dw_o = (size_t)g->cin * taps;
    for (int c = 0; c < g->cin; c++)
        for (int i = 0; i < g->kh; i++) {
            const float *xs = planes + (size_t)c * g->plane + (size_t)i * g->width;
            for (int o0 = 0; o0 < g->cout;) {
                int left = g->cout - o0, ob = 1;
                float *d = dw + (size_t)o0 * dw_o + (size_t)c * taps + (size_t)i * g->kw;
                const float *dys = dyext + (size_t)o0 * w.ext_vec;
                /* the model's kernel widths get blocks that fill the registers */
                if (g->kw == 3 && left >= 8)
                    ob = 8, wgrad_block_8x3(d, dw_o, xs, dys, w.ext_vec, nvec);
                else if (g->kw == 5 && left >= 4)
                    ob = 4, wgrad_block_4x5(d, dw_o, xs, dys, w.ext_vec, nvec);
                else if (g->kw == 3)
                    wgrad_block_1x3(d, dw_o, xs, dys, w.ext_vec, nvec);
                else if (g->kw == 5)
                    wgrad_block_1x5(d, dw_o, xs, dys, w.ext_vec, nvec);
                else
                    wgrad_block_any(g->kw, d, xs, dys, nvec);
                o0 += ob;
            }
        }
}

/* ---- weight gradient with vector lanes along the output channels, for layers with exactly
 * two vectors of them (32 on AVX-512): dw[., c, i, j] += sum over the real outputs e of
 * dy[., e] * strip_c[e + i*width + j], one broadcast input times two vectors of dy. Nothing
 * is wasted on dropped columns and no lane sums are needed; for 5x5 kernels, kernel rows that
 * read only the strip's zero padding for an output row are skipped. Measured per image, whole
 * backward pass, against the best of the other plans: RB2.conv2 27.8 against 34.9 us,
 * RB2.conv1 12.3 against 14.7, conv2 22.2 against 25.3. */
#define CL_KW_MAX 8

int conv_implicit_weight_grad_cl_ok(const struct conv2d_shape *s)
{
    return s->oc == 2 * VL && s->kw <= CL_KW_MAX && conv2d_out_h(s) > 0 && conv2d_out_w(s) > 0;
}

size_t conv_implicit_weight_grad_cl_scratch_floats(const struct conv2d_shape *s)
{
    struct geom g = forward_geom(s);
    return g.planes_floats + (size_t)s->n * g.oh * g.ow * s->oc;
}

/* d[o * stride] += lane o of (lo, hi), for the 2 * VL output channels. */
static void add_channel_lanes(float *d, size_t stride, vfloat lo, vfloat hi)
{
    float t[2 * VL];
    vstore(t, lo);
    vstore(t + VL, hi);
    for (int o = 0; o < 2 * VL; o++)
        d[(size_t)o * stride] += t[o];
}

/* acc[j] over one kernel row i of channel c: the rows of the strip and of dy^T are given per
 * (image, output row) by the caller's loop below. KW constant at each call site. */
#define CL_ROW(NAME, SIZE, KW)                                                                     \
    static void cl_row_##NAME(float *dw, size_t dw_o, const float *strip, const float *dyt,        \
                              const struct geom *g, int i)                                         \
    {                                                                                              \
        vfloat acc[SIZE][2];                                                                       \
        _Pragma("GCC unroll 8") for (int j = 0; j < KW; j++) acc[j][0] = acc[j][1] = (vfloat){0};  \
        for (int img = 0; img < g->n; img++)                                                       \
            for (int p = 0; p < g->oh; p++) {                                                      \
                int r = p + i; /* strip row: real image rows are pad .. pad + h - 1 */             \
                if (r < g->pad || r >= g->pad + g->h)                                              \
                    continue;                                                                      \
                const float *xr = strip + (size_t)r * g->width + (size_t)img * g->step;            \
                const float *dr = dyt + ((size_t)img * g->oh + p) * g->ow * 2 * VL;                \
                for (int q = 0; q < g->ow; q++) {                                                  \
                    vfloat d0 = vload(dr + (size_t)q * 2 * VL),                                    \
                           d1 = vload(dr + (size_t)q * 2 * VL + VL);                               \
                    _Pragma("GCC unroll 8") for (int j = 0; j < KW; j++)                           \
                    {                                                                              \
                        float xv = xr[q + j];                                                      \
                        acc[j][0] += xv * d0;                                                      \
                        acc[j][1] += xv * d1;                                                      \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        for (int j = 0; j < KW; j++)                                                               \
            add_channel_lanes(dw + j, dw_o, acc[j][0], acc[j][1]);                                 \
    }

CL_ROW(3, 3, 3)
CL_ROW(5, 5, 5)
CL_ROW(any, CL_KW_MAX, g->kw) /* other widths: correct, not tuned */

/* 3x3 kernels: all three kernel rows at once (18 accumulators: 2 loads of dy and 9 broadcasts
 * feed 18 FMAs, where one row at a time gives 6 FMAs for 5 loads). Rows on the padding are
 * read as the strip's zeros rather than skipped. */
static void cl_kernel_3x3(float *dw, size_t dw_o, const float *strip, const float *dyt,
                          const struct geom *g)
{
    vfloat acc[3][3][2];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            acc[i][j][0] = acc[i][j][1] = (vfloat){0};
    for (int img = 0; img < g->n; img++)
        for (int p = 0; p < g->oh; p++) {
            const float *xr = strip + (size_t)p * g->width + (size_t)img * g->step;
            const float *dr = dyt + ((size_t)img * g->oh + p) * g->ow * 2 * VL;
            for (int q = 0; q < g->ow; q++) {
                vfloat d0 = vload(dr + (size_t)q * 2 * VL),
                       d1 = vload(dr + (size_t)q * 2 * VL + VL);
#pragma GCC unroll 3
                for (int i = 0; i < 3; i++)
#pragma GCC unroll 3
                    for (int j = 0; j < 3; j++) {
                        float xv = xr[(size_t)i * g->width + q + j];
                        acc[i][j][0] += xv * d0;
                        acc[i][j][1] += xv * d1;
                    }
            }
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            add_channel_lanes(dw + i * 3 + j, dw_o, acc[i][j][0], acc[i][j][1]);
}

void conv_implicit_weight_grad_cl(float *dw, float *db, const float *dy, const float *x,
                                  float *scratch, const struct conv2d_shape *s)
{
    assert(conv_implicit_weight_grad_cl_ok(s));
    struct geom g = forward_geom(s);
    float *planes = scratch, *dyt = scratch + g.planes_floats;
    size_t out_plane = (size_t)g.oh * g.ow, oc = (size_t)s->oc;
    build_strips(planes, g.planes_floats, x, &g);
    /* dy^T: for every output position, its 2 * VL channels; the bias gradient on the way */
    vfloat sum0 = {0}, sum1 = {0};
    for (int img = 0; img < g.n; img++)
        for (size_t e = 0; e < out_plane; e++) {
            float *d = dyt + ((size_t)img * out_plane + e) * oc;
            for (size_t o = 0; o < oc; o++)
                d[o] = dy[((size_t)img * oc + o) * out_plane + e];
            sum0 += vload(d), sum1 += vload(d + VL);
        }
    add_channel_lanes(db, 1, sum0, sum1);
    size_t taps = (size_t)g.kh * g.kw, dw_o = (size_t)g.cin * taps;
    for (int c = 0; c < g.cin; c++)
        for (int i = 0; i < g.kh; i++) {
            float *d = dw + (size_t)c * taps + (size_t)i * g.kw;
            const float *strip = planes + (size_t)c * g.plane;
            if (g.kh == 3 && g.kw == 3) {
                if (i == 0)
                    cl_kernel_3x3(d, dw_o, strip, dyt, &g);
            } else if (g.kw == 3)
                cl_row_3(d, dw_o, strip, dyt, &g, i);
            else if (g.kw == 5)
                cl_row_5(d, dw_o, strip, dyt, &g, i);
            else
                cl_row_any(d, dw_o, strip, dyt, &g, i);
        }
}
