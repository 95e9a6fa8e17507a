/* im2col.c, the unfolding behind conv2d's im2col + GEMM plan: im2col_packed against a
 * hand-computed tiny case and against the header's formula, im2row_packed as its transpose,
 * and col2im_add as its adjoint (on planes that take the stack buffer and on larger ones). The
 * packed outputs are read back through gemm_packed_b with an identity A, which copies B exactly
 * (every sum is one product by 1 plus products by 0). */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "im2col.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/ops/gemm.h"

struct unfold {
    int n, c, h, w, kh, kw, pad;
};

static int out_h(const struct unfold *u)
{
    return u->h + 2 * u->pad - u->kh + 1;
}
static int out_w(const struct unfold *u)
{
    return u->w + 2 * u->pad - u->kw + 1;
}
static int taps(const struct unfold *u)
{
    return u->c * u->kh * u->kw;
}
static int cols(const struct unfold *u)
{
    return u->n * out_h(u) * out_w(u);
}

/* The k x n matrix held in gemm's packed layout, as plain rows (malloc'd). */
static float *unpack(const float *bp, int k, int n)
{
    float *eye = calloc((size_t)k * k, sizeof *eye), *m = malloc((size_t)k * n * sizeof *m);
    assert_non_null(eye);
    assert_non_null(m);
    for (int i = 0; i < k; i++)
        eye[(size_t)i * k + i] = 1.0f;
    gemm_packed_b(0, k, n, k, eye, k, bp, 0.0f, m, n);
    free(eye);
    return m;
}

/* col [c*kh*kw, n*oh*ow] by im2col_packed, unpacked. */
static float *im2col(const float *x, const struct unfold *u)
{
    int hp = u->h + 2 * u->pad, wp = u->w + 2 * u->pad;
    float *bp = malloc(gemm_packed_b_floats(taps(u), cols(u)) * sizeof(float));
    float *row = malloc((size_t)cols(u) * sizeof(float));
    float *pad = malloc((size_t)u->n * hp * wp * sizeof(float));
    assert_non_null(bp);
    assert_non_null(row);
    assert_non_null(pad);
    im2col_packed(bp, row, pad, x, u->n, u->c, u->h, u->w, u->kh, u->kw, u->pad);
    float *col = unpack(bp, taps(u), cols(u));
    free(bp), free(row), free(pad);
    return col;
}

/* col^T [n*oh*ow, c*kh*kw] by im2row_packed, unpacked. */
static float *im2row(const float *x, const struct unfold *u)
{
    int hp = u->h + 2 * u->pad, wp = u->w + 2 * u->pad;
    float *bp = malloc(gemm_packed_b_floats(cols(u), taps(u)) * sizeof(float));
    float *row = malloc((size_t)taps(u) * sizeof(float));
    float *pad = malloc((size_t)u->c * hp * wp * sizeof(float));
    assert_non_null(bp);
    assert_non_null(row);
    assert_non_null(pad);
    im2row_packed(bp, row, pad, x, u->n, u->c, u->h, u->w, u->kh, u->kw, u->pad);
    float *t = unpack(bp, cols(u), taps(u));
    free(bp), free(row), free(pad);
    return t;
}

/* Small whole numbers, so that every sum below is exact in float and in double. */
static float *small_ints(size_t n, struct rng *r)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)rng_below(r, 7) - 3.0f;
    return v;
}

static size_t xsize(const struct unfold *u)
{
    return (size_t)u->n * u->c * u->h * u->w;
}

static const struct unfold shapes[] = {
    {1, 1, 2, 2, 2, 2, 1},   {2, 3, 7, 5, 3, 2, 0},    {3, 2, 6, 9, 5, 5, 2},
    {1, 5, 4, 4, 5, 5, 3}, /* padding wider than the image */
    {2, 1, 28, 28, 5, 5, 0}, {2, 16, 12, 12, 3, 3, 1}, {1, 1, 9, 2, 3, 1, 1},
    {1, 2, 70, 66, 3, 3, 1}, /* planes over the 4096-float stack buffer of col2im_add */
};

/* x = [1 2; 3 4], a 2x2 kernel, padding 1: 3x3 outputs, and for tap (i, j) the output (p, q)
 * reads x[p + i - 1][q + j - 1]. */
static void test_im2col_hand_computed_with_padding(void **state)
{
    (void)state;
    const float x[4] = {1, 2, 3, 4};
    const struct unfold u = {1, 1, 2, 2, 2, 2, 1};
    const float want[4][9] = {
        {0, 0, 0, 0, 1, 2, 0, 3, 4}, /* tap (0,0) */
        {0, 0, 0, 1, 2, 0, 3, 4, 0}, /* tap (0,1) */
        {0, 1, 2, 0, 3, 4, 0, 0, 0}, /* tap (1,0) */
        {1, 2, 0, 3, 4, 0, 0, 0, 0}, /* tap (1,1) */
    };
    float *col = im2col(x, &u);
    assert_int_equal(cols(&u), 9);
    for (int t = 0; t < 4; t++)
        for (int j = 0; j < 9; j++)
            if (col[t * 9 + j] != want[t][j])
                fail_msg("tap %d, output %d: %g, want %g", t, j, col[t * 9 + j], want[t][j]);
    free(col);

    /* two images of two channels: channel-major rows, image-major columns */
    const float x2[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const struct unfold u2 = {2, 2, 2, 2, 1, 1, 0};
    col = im2col(x2, &u2);
    const float want2[2][8] = {{1, 2, 3, 4, 9, 10, 11, 12}, {5, 6, 7, 8, 13, 14, 15, 16}};
    assert_memory_equal(col, want2, sizeof want2);
    free(col);
}

/* Every entry against the header's formula, 0 outside the image. */
static void test_im2col_matches_the_formula(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 21);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const struct unfold *u = &shapes[s];
        float *x = tu_random_floats(xsize(u), &r), *col = im2col(x, u);
        int oh = out_h(u), ow = out_w(u);
        for (int ci = 0; ci < u->c; ci++)
            for (int i = 0; i < u->kh; i++)
                for (int j = 0; j < u->kw; j++)
                    for (int img = 0; img < u->n; img++)
                        for (int p = 0; p < oh; p++)
                            for (int q = 0; q < ow; q++) {
                                int y = p + i - u->pad, z = q + j - u->pad;
                                float want =
                                    y >= 0 && y < u->h && z >= 0 && z < u->w
                                        ? x[(((size_t)img * u->c + ci) * u->h + y) * u->w + z]
                                        : 0.0f;
                                size_t at = (size_t)((ci * u->kh + i) * u->kw + j) * cols(u) +
                                            ((size_t)img * oh + p) * ow + q;
                                if (col[at] != want)
                                    fail_msg("shape %zu: col[%zu] = %g, want %g", s, at, col[at],
                                             want);
                            }
        free(x), free(col);
    }
}

static void test_im2col_im2row_is_the_transpose(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 22);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const struct unfold *u = &shapes[s];
        float *x = tu_random_floats(xsize(u), &r), *col = im2col(x, u), *t = im2row(x, u);
        for (int a = 0; a < taps(u); a++)
            for (int b = 0; b < cols(u); b++)
                if (t[(size_t)b * taps(u) + a] != col[(size_t)a * cols(u) + b])
                    fail_msg("shape %zu: row %d, tap %d", s, b, a);
        free(x), free(col), free(t);
    }
}

/* <im2col(x), y> == <x, col2im(y)>, exactly (small whole numbers); col2im_add adds onto dx. */
static void test_im2col_col2im_is_the_adjoint(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 23);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const struct unfold *u = &shapes[s];
        size_t nx = xsize(u), ncol = (size_t)taps(u) * cols(u);
        float *x = small_ints(nx, &r), *y = small_ints(ncol, &r), *col = im2col(x, u);
        float *dx0 = small_ints(nx, &r), *dx = malloc(nx * sizeof *dx);
        assert_non_null(dx);
        memcpy(dx, dx0, nx * sizeof *dx);
        col2im_add(dx, y, u->n, u->c, u->h, u->w, u->kh, u->kw, u->pad);
        double lhs = 0, rhs = 0;
        for (size_t i = 0; i < ncol; i++)
            lhs += (double)col[i] * y[i];
        for (size_t i = 0; i < nx; i++)
            rhs += (double)x[i] * (dx[i] - dx0[i]);
        if (lhs != rhs)
            fail_msg("shape %zu: <im2col(x), y> = %g, <x, col2im(y)> = %g", s, lhs, rhs);
        free(x), free(y), free(col), free(dx0), free(dx);
    }
    /* by hand: with a 2x2 kernel and padding 1, each pixel of a 2x2 image is under all 4 taps */
    float dx[4] = {10, 20, 30, 40}, ones[36];
    for (int i = 0; i < 36; i++)
        ones[i] = 1.0f;
    col2im_add(dx, ones, 1, 1, 2, 2, 2, 2, 1);
    const float want[4] = {14, 24, 34, 44};
    assert_memory_equal(dx, want, sizeof want);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_im2col_hand_computed_with_padding),
        cmocka_unit_test(test_im2col_matches_the_formula),
        cmocka_unit_test(test_im2col_im2row_is_the_transpose),
        cmocka_unit_test(test_im2col_col2im_is_the_adjoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
