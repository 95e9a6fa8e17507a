/* Winograd convolution (conv_winograd.h), in the batched formulation of Lavin & Gray:
 *   1. the batch is copied once into zero-padded planes with the channels innermost
 *      (xt [n][hp][wp][cin_v]), so that a tile's transform works on vectors of channels;
 *   2. the weights are transformed once per call, in double, U[xi][c][o] = (G w[o,c] G^T)[xi];
 *   3. the tiles are taken CHUNK at a time: their input transforms V[xi][tile][c], then for
 *      each of the t*t points xi one small GEMM M[xi] = V[xi] * U[xi] over the channels, then
 *      the inverse transforms, written out with the bias (and ReLU) or added into dx.
 * The weight gradient runs the same tiles backwards: Z[xi] += V[xi]^T * (A dy A^T)[xi] over
 * all tiles, then dw += G^T Z G.
 *
 * Every tile goes through the same code whatever the chunk it falls in (a chunk's spare rows
 * are zeros, and the GEMM always works on whole register tiles), so an image's outputs do not
 * depend on the batch. The transform matrices were derived exactly (Toom-Cook at the points
 * named in conv_winograd.h, infinity last) and checked against the paper's for F(2x2, 3x3) and
 * F(4x4, 3x3). */
#include "conv_winograd.h"

#include <assert.h>
#include <string.h>

#include "resnet_mnist/ops/vec.h"

#define TB    8  /* rows of a GEMM register tile: tiles (forward) or input channels (dw) */
#define CHUNK 32 /* tiles transformed and multiplied at a time, a multiple of TB */
#define T_MAX 6  /* the largest tile side */

/* ---- the transforms: B^T (t x t), A^T (m x t), G (t x r) */
static const float BT4[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
static const float AT2_3[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
static const double G2_3[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};

/* points 0, 1, -1, 2, -2: the same B^T serves F(4x4, 3x3) and F(2x2, 5x5) */
static const float BT6[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
static const float AT4_3[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
static const double G4_3[6][3] = {{1.0 / 4, 0, 0},
                                  {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                  {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                  {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                  {0, 0, 1}};
static const float AT2_5[2][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 1}};
static const double G2_5[6][5] = {{1.0 / 4, 0, 0, 0, 0},
                                  {-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6},
                                  {-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 2.0 / 3},
                                  {1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3, 2.0 / 3},
                                  {0, 0, 0, 0, 1}};

/* points 0, 1, -1, 1/2, -1/2 */
static const float BT6H[6][6] = {{0.25f, 0, -1.25f, 0, 1, 0},  {0, -0.25f, -0.25f, 1, 1, 0},
                                 {0, 0.25f, -0.25f, -1, 1, 0}, {0, -0.5f, -1, 0.5f, 1, 0},
                                 {0, 0.5f, -1, -0.5f, 1, 0},   {0, 0.25f, 0, -1.25f, 0, 1}};
static const float AT2_5H[2][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 0.5f, -0.5f, 1}};
static const double G2_5H[6][5] = {{4, 0, 0, 0, 0},
                                   {2.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3},
                                   {2.0 / 3, -2.0 / 3, 2.0 / 3, -2.0 / 3, 2.0 / 3},
                                   {-8.0 / 3, -4.0 / 3, -2.0 / 3, -1.0 / 3, -1.0 / 6},
                                   {-8.0 / 3, 4.0 / 3, -2.0 / 3, 1.0 / 3, -1.0 / 6},
                                   {0, 0, 0, 0, 1}};

struct tile_info {
    int m, r;
    const double *g; /* t x r */
    const char *name;
};

static const struct tile_info tiles[CONV_WINOGRAD_TILES] = {
    [CONV_WINOGRAD_F2_3] = {2, 3, &G2_3[0][0], "F(2x2,3x3)"},
    [CONV_WINOGRAD_F4_3] = {4, 3, &G4_3[0][0], "F(4x4,3x3)"},
    [CONV_WINOGRAD_F2_5] = {2, 5, &G2_5[0][0], "F(2x2,5x5)"},
    [CONV_WINOGRAD_F2_5H] = {2, 5, &G2_5H[0][0], "F(2x2,5x5)h"},
};

const char *conv_winograd_tile_name(enum conv_winograd_tile k)
{
    return tiles[k].name;
}

/* The sums below start from -0, which the compiler drops (-0 + v is v for every v), so that a
 * sum is exactly its nonzero terms; terms with a zero coefficient are skipped and those with
 * +-1 need no multiplication, once the loops are unrolled over the constant matrices. */
#define NEG_ZERO (-(vfloat){0})

/* v[(i*T + j) * v_xi] = (B^T d B)[i][j] for the T x T tile at d (d[k*d_row + j*d_col]), one
 * vector of channels. */
static inline __attribute__((always_inline)) void input_tf(int T, const float *bt,
                                                           float *restrict v, size_t v_xi,
                                                           const float *restrict d, size_t d_row,
                                                           size_t d_col)
{
    vfloat tmp[T_MAX][T_MAX];
#pragma GCC unroll 8
    for (int i = 0; i < T; i++)
#pragma GCC unroll 8
        for (int j = 0; j < T; j++) {
            vfloat s = NEG_ZERO;
#pragma GCC unroll 8
            for (int k = 0; k < T; k++)
                if (bt[i * T + k] != 0.0f)
                    s += bt[i * T + k] * vload(d + (size_t)k * d_row + (size_t)j * d_col);
            tmp[i][j] = s;
        }
#pragma GCC unroll 8
    for (int i = 0; i < T; i++)
#pragma GCC unroll 8
        for (int j = 0; j < T; j++) {
            vfloat s = NEG_ZERO;
#pragma GCC unroll 8
            for (int k = 0; k < T; k++)
                if (bt[j * T + k] != 0.0f)
                    s += bt[j * T + k] * tmp[i][k];
            vstore(v + (size_t)(i * T + j) * v_xi, s);
        }
}

/* y[i][j] = (A^T mm A)[i][j], i, j < M, for the T x T points mm[(k*T + l) * m_xi]. */
static inline __attribute__((always_inline)) void output_tf(int T, int M, const float *at,
                                                            vfloat y[T_MAX][T_MAX],
                                                            const float *restrict mm, size_t m_xi)
{
    vfloat tmp[T_MAX][T_MAX];
#pragma GCC unroll 8
    for (int i = 0; i < M; i++)
#pragma GCC unroll 8
        for (int l = 0; l < T; l++) {
            vfloat s = NEG_ZERO;
#pragma GCC unroll 8
            for (int k = 0; k < T; k++)
                if (at[i * T + k] != 0.0f)
                    s += at[i * T + k] * vload(mm + (size_t)(k * T + l) * m_xi);
            tmp[i][l] = s;
        }
#pragma GCC unroll 8
    for (int i = 0; i < M; i++)
#pragma GCC unroll 8
        for (int j = 0; j < M; j++) {
            vfloat s = NEG_ZERO;
#pragma GCC unroll 8
            for (int l = 0; l < T; l++)
                if (at[j * T + l] != 0.0f)
                    s += at[j * T + l] * tmp[i][l];
            y[i][j] = s;
        }
}

/* mm[(k*T + l) * m_xi] = (A dy A^T)[k][l] for the M x M outputs dy[i*d_row + j*d_col]: the
 * gradient of output_tf. */
static inline __attribute__((always_inline)) void output_tf_grad(int T, int M, const float *at,
                                                                 float *restrict mm, size_t m_xi,
                                                                 const float *restrict dy,
                                                                 size_t d_row, size_t d_col)
{
    vfloat tmp[T_MAX][T_MAX];
#pragma GCC unroll 8
    for (int k = 0; k < T; k++)
#pragma GCC unroll 8
        for (int j = 0; j < M; j++) {
            vfloat s = NEG_ZERO;
#pragma GCC unroll 8
            for (int i = 0; i < M; i++)
                if (at[i * T + k] != 0.0f)
                    s += at[i * T + k] * vload(dy + (size_t)i * d_row + (size_t)j * d_col);
            tmp[k][j] = s;
        }
#pragma GCC unroll 8
    for (int k = 0; k < T; k++)
#pragma GCC unroll 8
        for (int l = 0; l < T; l++) {
            vfloat s = NEG_ZERO;
#pragma GCC unroll 8
            for (int j = 0; j < M; j++)
                if (at[j * T + l] != 0.0f)
                    s += at[j * T + l] * tmp[k][j];
            vstore(mm + (size_t)(k * T + l) * m_xi, s);
        }
}

/* One function per tile kind, so that each is unrolled over its own constant matrices. */
static void input_tf_k(enum conv_winograd_tile k, float *v, size_t v_xi, const float *d,
                       size_t d_row, size_t d_col)
{
    if (k == CONV_WINOGRAD_F2_3)
        input_tf(4, &BT4[0][0], v, v_xi, d, d_row, d_col);
    else if (k == CONV_WINOGRAD_F2_5H)
        input_tf(6, &BT6H[0][0], v, v_xi, d, d_row, d_col);
    else
        input_tf(6, &BT6[0][0], v, v_xi, d, d_row, d_col);
}

static void output_tf_k(enum conv_winograd_tile k, vfloat y[T_MAX][T_MAX], const float *mm,
                        size_t m_xi)
{
    if (k == CONV_WINOGRAD_F2_3)
        output_tf(4, 2, &AT2_3[0][0], y, mm, m_xi);
    else if (k == CONV_WINOGRAD_F4_3)
        output_tf(6, 4, &AT4_3[0][0], y, mm, m_xi);
    else if (k == CONV_WINOGRAD_F2_5)
        output_tf(6, 2, &AT2_5[0][0], y, mm, m_xi);
    else
        output_tf(6, 2, &AT2_5H[0][0], y, mm, m_xi);
}

static void output_tf_grad_k(enum conv_winograd_tile k, float *mm, size_t m_xi, const float *dy,
                             size_t d_row, size_t d_col)
{
    if (k == CONV_WINOGRAD_F2_3)
        output_tf_grad(4, 2, &AT2_3[0][0], mm, m_xi, dy, d_row, d_col);
    else if (k == CONV_WINOGRAD_F4_3)
        output_tf_grad(6, 4, &AT4_3[0][0], mm, m_xi, dy, d_row, d_col);
    else if (k == CONV_WINOGRAD_F2_5)
        output_tf_grad(6, 2, &AT2_5[0][0], mm, m_xi, dy, d_row, d_col);
    else
        output_tf_grad(6, 2, &AT2_5H[0][0], mm, m_xi, dy, d_row, d_col);
}

/* ---- the products over the channels: c[TB rows][NV vectors] (+)= sum_{k < kn}
 * a[row*a_row + k*a_k] * b[k*ldb + v*VL]. */
static inline __attribute__((always_inline)) void
gemm_block(int NV, int kn, const float *restrict a, size_t a_row, size_t a_k,
           const float *restrict b, size_t ldb, float *restrict c, size_t ldc, int accumulate)
{
    vfloat acc[TB][2];
#pragma GCC unroll 8
    for (int i = 0; i < TB; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            acc[i][v] = accumulate ? vload(c + (size_t)i * ldc + (size_t)v * VL) : (vfloat){0};
    for (int k = 0; k < kn; k++) {
        vfloat bv[2];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            bv[v] = vload(b + (size_t)k * ldb + (size_t)v * VL);
            REGISTER(bv[v]);
        }
#pragma GCC unroll 8
        for (int i = 0; i < TB; i++) {
            float ai = a[(size_t)i * a_row + (size_t)k * a_k];
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                acc[i][v] += ai * bv[v];
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < TB; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            vstore(c + (size_t)i * ldc + (size_t)v * VL, acc[i][v]);
}

static void gemm_block_2(int kn, const float *a, size_t a_row, size_t a_k, const float *b,
                         size_t ldb, float *c, size_t ldc, int accumulate)
{
    gemm_block(2, kn, a, a_row, a_k, b, ldb, c, ldc, accumulate);
}

static void gemm_block_1(int kn, const float *a, size_t a_row, size_t a_k, const float *b,
                         size_t ldb, float *c, size_t ldc, int accumulate)
{
    gemm_block(1, kn, a, a_row, a_k, b, ldb, c, ldc, accumulate);
}

/* C [rows x cols] (+)= A * B with rows a multiple of TB and cols of VL: two vectors of columns
 * at a time, then one. */
static void gemm_rows(int rows, int cols, int kn, const float *a, size_t a_row, size_t a_k,
                      const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    for (int r0 = 0; r0 < rows; r0 += TB) {
        const float *ar = a + (size_t)r0 * a_row;
        float *cr = c + (size_t)r0 * ldc;
        int c0 = 0;
        for (; c0 + 2 * VL <= cols; c0 += 2 * VL)
            gemm_block_2(kn, ar, a_row, a_k, b + c0, ldb, cr + c0, ldc, accumulate);
        if (c0 < cols)
            gemm_block_1(kn, ar, a_row, a_k, b + c0, ldb, cr + c0, ldc, accumulate);
    }
}

/* ---- geometry of the convolution computed: n images of cin planes h x w, cout out */
struct geom {
    enum conv_winograd_tile k;
    int n, cin, h, w, cout, r, pad;
    int m, t, tt;        /* tile: m x m outputs from t x t inputs, tt = t * t points */
    int oh, ow, th, tw;  /* outputs, and tiles down and across */
    int hp, wp;          /* padded planes: th*m + r - 1 by tw*m + r - 1 */
    int cin_v, cout_v;   /* channels rounded up to whole vectors (and TB rows) */
    size_t ntiles;       /* n * th * tw */
    size_t xt, u, v, mm; /* floats of the padded input, U (or Z), V and M */
    size_t dyt;          /* floats of dy on the tile grid, channels innermost (dw only) */
};

static int round_up(int v, int to)
{
    return (v + to - 1) / to * to;
}

static struct geom make_geom(enum conv_winograd_tile k, int n, int cin, int h, int w, int cout,
                             int r, int pad)
{
    struct geom g = {.k = k, .n = n, .cin = cin, .h = h, .w = w, .cout = cout, .r = r, .pad = pad};
    g.m = tiles[k].m, g.t = g.m + r - 1, g.tt = g.t * g.t;
    g.oh = h + 2 * pad - r + 1, g.ow = w + 2 * pad - r + 1;
    g.th = (g.oh + g.m - 1) / g.m, g.tw = (g.ow + g.m - 1) / g.m;
    g.hp = g.th * g.m + r - 1, g.wp = g.tw * g.m + r - 1;
    g.cin_v = round_up(cin, VL > TB ? VL : TB), g.cout_v = round_up(cout, VL);
    g.ntiles = (size_t)n * g.th * g.tw;
    g.xt = (size_t)n * g.hp * g.wp * g.cin_v;
    g.u = (size_t)g.tt * g.cin_v * g.cout_v;
    g.v = (size_t)g.tt * CHUNK * g.cin_v;
    g.mm = (size_t)g.tt * CHUNK * g.cout_v;
    g.dyt = (size_t)n * g.th * g.m * g.tw * g.m * g.cout_v;
    return g;
}

static struct geom forward_geom(enum conv_winograd_tile k, const struct conv2d_shape *s)
{
    return make_geom(k, s->n, s->ic, s->ih, s->iw, s->oc, s->kh, s->pad);
}

/* the transposed convolution: dy in, dx out, padding r - 1 - pad */
static struct geom input_grad_geom(enum conv_winograd_tile k, const struct conv2d_shape *s)
{
    return make_geom(k, s->n, s->oc, conv2d_out_h(s), conv2d_out_w(s), s->ic, s->kh,
                     s->kh - 1 - s->pad);
}

int conv_winograd_tile_ok(enum conv_winograd_tile k, const struct conv2d_shape *s)
{
    return (int)k >= 0 && k < CONV_WINOGRAD_TILES && s->kh == tiles[k].r && s->kw == s->kh &&
           s->pad >= 0 && s->pad <= s->kh - 1 && conv2d_out_h(s) > 0 && conv2d_out_w(s) > 0 &&
           s->n > 0 && s->ic > 0 && s->oc > 0;
}

enum conv_winograd_tile conv_winograd_default_tile(const struct conv2d_shape *s)
{
    return s->kh == 5 ? CONV_WINOGRAD_F2_5 : CONV_WINOGRAD_F2_3;
}

int conv_winograd_ok(const struct conv2d_shape *s)
{
    return conv_winograd_tile_ok(conv_winograd_default_tile(s), s);
}

size_t conv_winograd_tile_scratch_floats(enum conv_winograd_tile k, const struct conv2d_shape *s)
{
    struct geom f = forward_geom(k, s), b = input_grad_geom(k, s);
    size_t fwd = f.xt + f.u + f.v + f.mm, bwd = b.xt + b.u + b.v + b.mm;
    size_t dw = f.xt + f.u + f.v + f.mm + f.dyt;
    size_t most = fwd > bwd ? fwd : bwd;
    return most > dw ? most : dw;
}

size_t conv_winograd_scratch_floats(const struct conv2d_shape *s)
{
    return conv_winograd_tile_scratch_floats(conv_winograd_default_tile(s), s);
}

double conv_winograd_mults(enum conv_winograd_tile k, const struct conv2d_shape *s,
                           double *transform_mults)
{
    struct geom g = forward_geom(k, s);
    double per_tile = (double)g.tt * g.cin * g.cout;
    if (transform_mults) {
        /* multiplications by constants other than +-1 in B^T d B (per tile and channel),
         * A^T m A (per tile and output channel) */
        const float *bt = k == CONV_WINOGRAD_F2_3    ? &BT4[0][0]
                          : k == CONV_WINOGRAD_F2_5H ? &BT6H[0][0]
                                                     : &BT6[0][0];
        const float *at = k == CONV_WINOGRAD_F2_3   ? &AT2_3[0][0]
                          : k == CONV_WINOGRAD_F4_3 ? &AT4_3[0][0]
                          : k == CONV_WINOGRAD_F2_5 ? &AT2_5[0][0]
                                                    : &AT2_5H[0][0];
        int in = 0, out = 0;
        for (int i = 0; i < g.t * g.t; i++)
            in += bt[i] != 0.0f && bt[i] != 1.0f && bt[i] != -1.0f;
        for (int i = 0; i < g.m * g.t; i++)
            out += at[i] != 0.0f && at[i] != 1.0f && at[i] != -1.0f;
        /* both passes of a separable transform: t columns then t (or m) rows */
        double in_tile = 2.0 * g.t * in, out_tile = (double)g.t * out + (double)g.m * out;
        *transform_mults = (double)g.ntiles * (in_tile * g.cin + out_tile * g.cout);
    }
    return per_tile * (double)g.ntiles;
}

/* ---- the steps */

/* xt [n][hp][wp][cin_v]: x [n, cin, h, w] at offset (pad, pad), zeros elsewhere. */
static void build_padded(float *xt, const float *x, const struct geom *g)
{
    memset(xt, 0, g->xt * sizeof(float));
    for (int img = 0; img < g->n; img++)
        for (int c = 0; c < g->cin; c++) {
            const float *src = x + ((size_t)img * g->cin + c) * g->h * g->w;
            for (int p = 0; p < g->h; p++) {
                float *dst =
                    xt + (((size_t)img * g->hp + p + g->pad) * g->wp + g->pad) * g->cin_v + c;
                for (int q = 0; q < g->w; q++)
                    dst[(size_t)q * g->cin_v] = src[(size_t)p * g->w + q];
            }
        }
}

/* U[xi][c][o] = (G w~[o,c] G^T)[xi] in double, rounded once; w~ = w, or for the input
 * gradient w rotated by 180 degrees with its channels swapped (w~[o,c] = rot(w[c,o])).
 * Rows c < cin_v, columns o < cout_v; the padding is zeros. OB output channels at a time, the
 * inner loops along them, so that they vectorise. */
#define OB 16

static void transform_weights(float *u, const float *w, int swap, const struct geom *g)
{
    const double *gm = tiles[g->k].g;
    int r = g->r, t = g->t;
    memset(u, 0, g->u * sizeof(float));
    for (int c = 0; c < g->cin; c++)
        for (int o0 = 0; o0 < g->cout; o0 += OB) {
            int ob = g->cout - o0 < OB ? g->cout - o0 : OB;
            double k[5][5][OB] = {{{0}}}, tmp[T_MAX][5][OB];
            for (int o = 0; o < ob; o++)
                for (int i = 0; i < r; i++)
                    for (int j = 0; j < r; j++)
                        k[i][j][o] = swap ? w[(((size_t)c * g->cout + o0 + o) * r + r - 1 - i) * r +
                                              r - 1 - j]
                                          : w[(((size_t)(o0 + o) * g->cin + c) * r + i) * r + j];
            for (int a = 0; a < t; a++)
                for (int j = 0; j < r; j++) {
                    for (int o = 0; o < OB; o++)
                        tmp[a][j][o] = 0;
                    for (int i = 0; i < r; i++)
                        for (int o = 0; o < OB; o++)
                            tmp[a][j][o] += gm[a * r + i] * k[i][j][o];
                }
            for (int a = 0; a < t; a++)
                for (int b = 0; b < t; b++) {
                    double sum[OB] = {0};
                    for (int j = 0; j < r; j++)
                        for (int o = 0; o < OB; o++)
                            sum[o] += tmp[a][j][o] * gm[b * r + j];
                    float *dst = u + ((size_t)(a * t + b) * g->cin_v + c) * g->cout_v + o0;
                    for (int o = 0; o < ob; o++)
                        dst[o] = (float)sum[o];
                }
        }
}

/* Tile number tile of the batch: its image and its first output row and column. */
static void tile_place(const struct geom *g, size_t tile, int *img, int *p0, int *q0)
{
    size_t per = (size_t)g->th * g->tw;
    *img = (int)(tile / per);
    int rem = (int)(tile % per);
    *p0 = rem / g->tw * g->m, *q0 = rem % g->tw * g->m;
}

/* V[xi][ti][c] for the tiles first..first+CHUNK of the batch (zeros past the last). */
static void transform_inputs(float *v, const float *xt, size_t first, const struct geom *g)
{
    size_t v_xi = (size_t)CHUNK * g->cin_v;
    for (int ti = 0; ti < CHUNK; ti++) {
        if (first + (size_t)ti >= g->ntiles) {
            for (int xi = 0; xi < g->tt; xi++)
                memset(v + xi * v_xi + (size_t)ti * g->cin_v, 0, (size_t)g->cin_v * sizeof(float));
            continue;
        }
        int img, p0, q0;
        tile_place(g, first + (size_t)ti, &img, &p0, &q0);
        const float *d = xt + (((size_t)img * g->hp + p0) * g->wp + q0) * g->cin_v;
        for (int cv = 0; cv < g->cin_v; cv += VL)
            input_tf_k(g->k, v + (size_t)ti * g->cin_v + cv, v_xi, d + cv, (size_t)g->wp * g->cin_v,
                       (size_t)g->cin_v);
    }
}

enum out_mode { OUT_BIAS, OUT_BIAS_RELU, OUT_ADD };

/* The inverse transforms of the chunk's tiles, written into out [n, cout, oh, ow]. */
static void write_outputs(float *out, const float *mm, const float *bias, enum out_mode mode,
                          size_t first, const struct geom *g)
{
    size_t m_xi = (size_t)CHUNK * g->cout_v, plane = (size_t)g->oh * g->ow;
    for (int ti = 0; ti < CHUNK && first + (size_t)ti < g->ntiles; ti++) {
        int img, p0, q0;
        tile_place(g, first + (size_t)ti, &img, &p0, &q0);
        int pm = g->oh - p0 < g->m ? g->oh - p0 : g->m, qm = g->ow - q0 < g->m ? g->ow - q0 : g->m;
        for (int ov = 0; ov < g->cout_v; ov += VL) {
            vfloat y[T_MAX][T_MAX];
            output_tf_k(g->k, y, mm + (size_t)ti * g->cout_v + ov, m_xi);
            int lanes = g->cout - ov < VL ? g->cout - ov : VL;
            for (int l = 0; l < lanes; l++) {
                int o = ov + l;
                float *dst = out + ((size_t)img * g->cout + o) * plane + (size_t)p0 * g->ow + q0;
                float b = bias ? bias[o] : 0.0f;
                for (int i = 0; i < pm; i++)
                    for (int j = 0; j < qm; j++) {
                        float val = y[i][j][l];
                        if (mode == OUT_ADD)
                            dst[(size_t)i * g->ow + j] += val;
                        else {
                            val += b;
                            dst[(size_t)i * g->ow + j] =
                                mode == OUT_BIAS_RELU && !(val > 0.0f) ? 0.0f : val;
                        }
                    }
            }
        }
    }
}

/* out = conv(in) over g with the weights already in U (scratch), then written by mode. */
static void run(float *out, const float *in, const float *bias, enum out_mode mode, float *scratch,
                const struct geom *g)
{
    float *u = scratch, *xt = u + g->u, *v = xt + g->xt, *mm = v + g->v;
    build_padded(xt, in, g);
    for (size_t first = 0; first < g->ntiles; first += CHUNK) {
        transform_inputs(v, xt, first, g);
        for (int xi = 0; xi < g->tt; xi++)
            gemm_rows(CHUNK, g->cout_v, g->cin, v + (size_t)xi * CHUNK * g->cin_v, (size_t)g->cin_v,
                      1, u + (size_t)xi * g->cin_v * g->cout_v, (size_t)g->cout_v,
                      mm + (size_t)xi * CHUNK * g->cout_v, (size_t)g->cout_v, 0);
        write_outputs(out, mm, bias, mode, first, g);
    }
}

void conv_winograd_tile_forward(enum conv_winograd_tile k, float *y, const float *x, const float *w,
                                const float *b, int relu, float *scratch,
                                const struct conv2d_shape *s)
{
    assert(conv_winograd_tile_ok(k, s));
    struct geom g = forward_geom(k, s);
    transform_weights(scratch, w, 0, &g);
    run(y, x, b, relu ? OUT_BIAS_RELU : OUT_BIAS, scratch, &g);
}

void conv_winograd_tile_input_grad(enum conv_winograd_tile k, float *dx, const float *dy,
                                   const float *w, float *scratch, const struct conv2d_shape *s)
{
    assert(conv_winograd_tile_ok(k, s));
    struct geom g = input_grad_geom(k, s);
    transform_weights(scratch, w, 1, &g);
    run(dx, dy, NULL, OUT_ADD, scratch, &g);
}

void conv_winograd_tile_weight_grad(enum conv_winograd_tile k, float *dw, float *db,
                                    const float *dy, const float *x, float *scratch,
                                    const struct conv2d_shape *s)
{
    assert(conv_winograd_tile_ok(k, s));
    struct geom g = forward_geom(k, s);
    float *z = scratch, *xt = z + g.u, *v = xt + g.xt, *mm = v + g.v, *dyt = mm + g.mm;
    size_t plane = (size_t)g.oh * g.ow, ohp = (size_t)g.th * g.m, owp = (size_t)g.tw * g.m;
    build_padded(xt, x, &g);
    /* dy on the tile grid, channels innermost, zeros past the outputs; db on the way */
    memset(dyt, 0, g.dyt * sizeof(float));
    for (int o = 0; o < g.cout; o++) {
        float sum = 0.0f;
        for (int img = 0; img < g.n; img++) {
            const float *src = dy + ((size_t)img * g.cout + o) * plane;
            for (int p = 0; p < g.oh; p++)
                for (int q = 0; q < g.ow; q++) {
                    float d = src[(size_t)p * g.ow + q];
                    dyt[(((size_t)img * ohp + p) * owp + q) * g.cout_v + o] = d;
                    sum += d;
                }
        }
        db[o] += sum;
    }
    memset(z, 0, g.u * sizeof(float));
    size_t m_xi = (size_t)CHUNK * g.cout_v;
    for (size_t first = 0; first < g.ntiles; first += CHUNK) {
        transform_inputs(v, xt, first, &g);
        for (int ti = 0; ti < CHUNK; ti++) {
            if (first + (size_t)ti >= g.ntiles) {
                for (int xi = 0; xi < g.tt; xi++)
                    memset(mm + xi * m_xi + (size_t)ti * g.cout_v, 0,
                           (size_t)g.cout_v * sizeof(float));
                continue;
            }
            int img, p0, q0;
            tile_place(&g, first + (size_t)ti, &img, &p0, &q0);
            const float *d = dyt + (((size_t)img * ohp + p0) * owp + q0) * g.cout_v;
            for (int ov = 0; ov < g.cout_v; ov += VL)
                output_tf_grad_k(k, mm + (size_t)ti * g.cout_v + ov, m_xi, d + ov, owp * g.cout_v,
                                 (size_t)g.cout_v);
        }
        /* Z[xi] [cin_v x cout_v] += V[xi]^T * M[xi] over the chunk's tiles */
        for (int xi = 0; xi < g.tt; xi++)
            gemm_rows(g.cin_v, g.cout_v, CHUNK, v + (size_t)xi * CHUNK * g.cin_v, 1,
                      (size_t)g.cin_v, mm + xi * m_xi, (size_t)g.cout_v,
                      z + (size_t)xi * g.cin_v * g.cout_v, (size_t)g.cout_v, 1);
    }
    /* dw[o,c] += G^T Z[.][c][o] G, in double, OB output channels at a time */
    const double *gm = tiles[k].g;
    int r = g.r, t = g.t;
    for (int c = 0; c < g.cin; c++)
        for (int o0 = 0; o0 < g.cout; o0 += OB) {
            int ob = g.cout - o0 < OB ? g.cout - o0 : OB;
            double zc[T_MAX * T_MAX][OB] = {{0}}, tmp[5][T_MAX][OB];
            for (int xi = 0; xi < g.tt; xi++)
                for (int o = 0; o < ob; o++)
                    zc[xi][o] = z[((size_t)xi * g.cin_v + c) * g.cout_v + o0 + o];
            for (int i = 0; i < r; i++)
                for (int b = 0; b < t; b++) {
                    for (int o = 0; o < OB; o++)
                        tmp[i][b][o] = 0;
                    for (int a = 0; a < t; a++)
                        for (int o = 0; o < OB; o++)
                            tmp[i][b][o] += gm[a * r + i] * zc[a * t + b][o];
                }
            for (int i = 0; i < r; i++)
                for (int j = 0; j < r; j++) {
                    double sum[OB] = {0};
                    for (int b = 0; b < t; b++)
                        for (int o = 0; o < OB; o++)
                            sum[o] += tmp[i][b][o] * gm[b * r + j];
                    for (int o = 0; o < ob; o++)
                        dw[(((size_t)(o0 + o) * g.cin + c) * r + i) * r + j] += (float)sum[o];
                }
        }
}

void conv_winograd_forward(float *y, const float *x, const float *w, const float *b, int relu,
                           float *scratch, const struct conv2d_shape *s)
{
    conv_winograd_tile_forward(conv_winograd_default_tile(s), y, x, w, b, relu, scratch, s);
}

void conv_winograd_input_grad(float *dx, const float *dy, const float *w, float *scratch,
                              const struct conv2d_shape *s)
{
    conv_winograd_tile_input_grad(conv_winograd_default_tile(s), dx, dy, w, scratch, s);
}

void conv_winograd_weight_grad(float *dw, float *db, const float *dy, const float *x,
                               float *scratch, const struct conv2d_shape *s)
{
    conv_winograd_tile_weight_grad(conv_winograd_default_tile(s), dw, db, dy, x, scratch, s);
}
