/* Winograd convolution (conv_winograd.h) against the direct loops, on the model's six
 * convolution shapes and odd ones, with every tile kind; and the batch independence the model
 * relies on: an image gives bitwise the same outputs alone or anywhere in a batch.
 *
 * Tolerance (tol below): the transforms add rounding that grows with the tile (B^T's entries
 * up to 5, A^T's up to 8 for F(4x4,3x3)), so the bound is per tile kind, times the sum of the
 * |terms| of each output. Measured on these cases: a quarter of tol fails the odd shapes, an
 * eighth fails the model's; tol is 2 to 4 times the worst error seen. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv_winograd.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/ops/conv2d.h"

static size_t xsize(const struct conv2d_shape *s)
{
    return (size_t)s->n * s->ic * s->ih * s->iw;
}
static size_t wsize(const struct conv2d_shape *s)
{
    return (size_t)s->oc * s->ic * s->kh * s->kw;
}
static size_t ysize(const struct conv2d_shape *s)
{
    return (size_t)s->n * s->oc * conv2d_out_h(s) * conv2d_out_w(s);
}

/* The largest error allowed, relative to the sum of |terms| of the output (so that it scales
 * with the number of terms and their size): per tile kind. */
static double tol(enum conv_winograd_tile k)
{
    static const double t[CONV_WINOGRAD_TILES] = {
        [CONV_WINOGRAD_F2_3] = 2e-6,
        [CONV_WINOGRAD_F4_3] = 1e-5,
        [CONV_WINOGRAD_F2_5] = 1e-5,
        [CONV_WINOGRAD_F2_5H] = 1e-5,
    };
    return t[k];
}

/* The model's five 3x3 and 5x5 convolutions (spec section 3), at small batches. */
static const struct conv2d_shape model[] = {
    {4, 16, 12, 12, 16, 3, 3, 1}, /* RB1.conv1 */
    {4, 16, 12, 12, 16, 5, 5, 2}, /* RB1.conv2 */
    {5, 16, 12, 12, 32, 3, 3, 0}, /* conv2 */
    {8, 32, 5, 5, 32, 3, 3, 1},   /* RB2.conv1 */
    {8, 32, 5, 5, 32, 5, 5, 2},   /* RB2.conv2 */
};

/* |w| * |x| summed over the terms of each output, the scale of its rounding error. */
static void abs_forward(float *ya, const float *x, const float *w, const struct conv2d_shape *s)
{
    size_t nx = xsize(s), nw = wsize(s), no = (size_t)s->oc;
    float *xa = malloc(nx * 4), *wa = malloc(nw * 4), *b = calloc(no, 4);
    for (size_t i = 0; i < nx; i++)
        xa[i] = fabsf(x[i]);
    for (size_t i = 0; i < nw; i++)
        wa[i] = fabsf(w[i]);
    conv2d_forward_ref(ya, xa, wa, b, s);
    free(xa), free(wa), free(b);
}

static void check_tile(enum conv_winograd_tile k, const struct conv2d_shape *s, struct rng *r)
{
    size_t nx = xsize(s), nw = wsize(s), ny = ysize(s), no = (size_t)s->oc;
    size_t need = conv_winograd_tile_scratch_floats(k, s);
    float *x = tu_random_floats(nx, r), *w = tu_random_floats(nw, r);
    float *b = tu_random_floats(no, r), *dy = tu_random_floats(ny, r);
    float *y = tu_random_floats(ny, r), *yref = tu_random_floats(ny, r);
    float *yr = tu_random_floats(ny, r), *ya = malloc(ny * 4);
    float *scratch = tu_random_floats(need, r);
    float *dx = tu_random_floats(nx, r), *dw = tu_random_floats(nw, r);
    float *db = tu_random_floats(no, r);
    float *dx2 = malloc(nx * 4), *dw2 = malloc(nw * 4), *db2 = malloc(no * 4);
    memcpy(dx2, dx, nx * 4), memcpy(dw2, dw, nw * 4), memcpy(db2, db, no * 4);
    double e = tol(k);

    conv_winograd_tile_forward(k, y, x, w, b, 0, scratch, s);
    conv2d_forward_ref(yref, x, w, b, s);
    abs_forward(ya, x, w, s);
    for (size_t i = 0; i < ny; i++)
        assert_float_equal(y[i], yref[i], e * (ya[i] + 1.0));
    /* the fused ReLU: exactly relu of the same sums */
    conv_winograd_tile_forward(k, yr, x, w, b, 1, scratch, s);
    for (size_t i = 0; i < ny; i++)
        assert_true(yr[i] == (y[i] > 0.0f ? y[i] : 0.0f));

    /* the gradients: |dy| and |x| are below 1, |w| below 1, so the terms of dx[i] are bounded
     * by oc*kh*kw and those of dw by the outputs per channel */
    conv2d_backward_ref(dx2, dw2, db2, dy, x, w, s);
    conv_winograd_tile_input_grad(k, dx, dy, w, scratch, s);
    for (size_t i = 0; i < nx; i++)
        assert_float_equal(dx[i], dx2[i], e * (s->oc * s->kh * s->kw + 1));
    conv_winograd_tile_weight_grad(k, dw, db, dy, x, scratch, s);
    double terms = (double)ny / s->oc + 1;
    for (size_t i = 0; i < nw; i++)
        assert_float_equal(dw[i], dw2[i], e * terms);
    for (size_t i = 0; i < no; i++)
        assert_float_equal(db[i], db2[i], 2e-6 * terms);

    free(x), free(w), free(b), free(dy), free(y), free(yref), free(yr), free(ya), free(scratch);
    free(dx), free(dw), free(db), free(dx2), free(dw2), free(db2);
}

static void check_all_tiles(const struct conv2d_shape *s, struct rng *r)
{
    int any = 0;
    for (int k = 0; k < CONV_WINOGRAD_TILES; k++)
        if (conv_winograd_tile_ok((enum conv_winograd_tile)k, s)) {
            check_tile((enum conv_winograd_tile)k, s, r);
            any = 1;
        }
    assert_true(any);
}

static void test_conv_winograd_takes_model_shapes(void **state)
{
    (void)state;
    for (size_t l = 0; l < sizeof model / sizeof model[0]; l++)
        assert_true(conv_winograd_ok(&model[l]));
    /* conv1's 5x5 kernel on one channel could, but 1x1, 2x2 and 7x7 kernels cannot */
    assert_false(conv_winograd_ok(&(struct conv2d_shape){1, 1, 8, 8, 4, 1, 1, 0}));
    assert_false(conv_winograd_ok(&(struct conv2d_shape){1, 1, 8, 8, 4, 7, 7, 0}));
    assert_false(conv_winograd_ok(&(struct conv2d_shape){1, 1, 8, 8, 4, 3, 5, 0}));
    /* padding past kernel - 1 has no transposed convolution of this form */
    assert_false(conv_winograd_ok(&(struct conv2d_shape){1, 1, 8, 8, 4, 3, 3, 3}));
    assert_int_equal(conv_winograd_default_tile(&model[0]), CONV_WINOGRAD_F2_3);
    assert_int_equal(conv_winograd_default_tile(&model[1]), CONV_WINOGRAD_F2_5);
}

static void test_conv_winograd_matches_reference_on_model_shapes(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 15);
    for (size_t l = 0; l < sizeof model / sizeof model[0]; l++)
        check_all_tiles(&model[l], &r);
}

/* Outputs that are not whole tiles, one image and seven, one channel, channels that are not
 * whole vectors, images smaller than a tile, more tiles than one chunk. */
static void test_conv_winograd_matches_reference_on_odd_shapes(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 16);
    const struct conv2d_shape shapes[] = {
        {1, 1, 1, 1, 1, 3, 3, 1},    {7, 3, 9, 11, 10, 3, 3, 1},   {1, 2, 6, 9, 7, 5, 5, 2},
        {7, 5, 7, 7, 3, 3, 3, 0},    {1, 17, 5, 5, 33, 3, 3, 1},   {2, 3, 3, 3, 2, 5, 5, 4},
        {1, 4, 13, 13, 19, 5, 5, 0}, {3, 2, 2, 3, 5, 3, 3, 2},     {7, 1, 28, 28, 16, 5, 5, 0},
        {2, 9, 4, 6, 1, 5, 5, 1},    {1, 40, 10, 10, 48, 3, 3, 1},
    };
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++)
        check_all_tiles(&shapes[t], &r);
}

/* Image i of a batch of n gives bitwise the outputs it gives alone, for every pass that is per
 * image (forward and input gradient), with every tile kind. */
static void test_conv_winograd_is_bitwise_batch_independent(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 17);
    const int batch = 30, picks[] = {0, 7, 29};
    for (size_t l = 0; l < sizeof model / sizeof model[0]; l++)
        for (int k = 0; k < CONV_WINOGRAD_TILES; k++) {
            struct conv2d_shape s = model[l], one = model[l];
            if (!conv_winograd_tile_ok((enum conv_winograd_tile)k, &s))
                continue;
            s.n = batch, one.n = 1;
            size_t nx = xsize(&s), ny = ysize(&s), nw = wsize(&s);
            size_t x1 = nx / batch, y1 = ny / batch;
            size_t need = conv_winograd_tile_scratch_floats((enum conv_winograd_tile)k, &s);
            float *x = tu_random_floats(nx, &r), *w = tu_random_floats(nw, &r);
            float *b = tu_random_floats((size_t)s.oc, &r), *dy = tu_random_floats(ny, &r);
            float *y = malloc(ny * 4), *y_one = malloc(y1 * 4), *dx = calloc(nx, 4);
            float *dx_one = calloc(x1, 4), *scratch = tu_random_floats(need, &r);
            conv_winograd_tile_forward((enum conv_winograd_tile)k, y, x, w, b, 1, scratch, &s);
            conv_winograd_tile_input_grad((enum conv_winograd_tile)k, dx, dy, w, scratch, &s);
            for (int p = 0; p < 3; p++) {
                int i = picks[p];
                memset(dx_one, 0, x1 * 4);
                conv_winograd_tile_forward((enum conv_winograd_tile)k, y_one, x + i * x1, w, b, 1,
                                           scratch, &one);
                conv_winograd_tile_input_grad((enum conv_winograd_tile)k, dx_one, dy + i * y1, w,
                                              scratch, &one);
                assert_memory_equal(y_one, y + i * y1, y1 * 4);
                assert_memory_equal(dx_one, dx + i * x1, x1 * 4);
            }
            free(x), free(w), free(b), free(dy), free(y), free(y_one), free(dx), free(dx_one);
            free(scratch);
        }
}

/* A hand-computed case: a 4x4 image of ones with a 3x3 kernel of ones and padding 1 gives the
 * number of taps inside the image (4 at the corners, 6 on the edges, 9 inside), exactly. */
static void test_conv_winograd_counts_taps_exactly(void **state)
{
    (void)state;
    const struct conv2d_shape s = {1, 1, 4, 4, 1, 3, 3, 1};
    float x[16], w[9], b[1] = {0.5f}, y[16];
    for (int i = 0; i < 16; i++)
        x[i] = 1.0f;
    for (int i = 0; i < 9; i++)
        w[i] = 1.0f;
    const float want[16] = {4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4};
    float *scratch = malloc(conv_winograd_tile_scratch_floats(CONV_WINOGRAD_F2_3, &s) * 4);
    conv_winograd_tile_forward(CONV_WINOGRAD_F2_3, y, x, w, b, 0, scratch, &s);
    for (int i = 0; i < 16; i++)
        assert_true(y[i] == want[i] + 0.5f);
    free(scratch);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_winograd_takes_model_shapes),
        cmocka_unit_test(test_conv_winograd_matches_reference_on_model_shapes),
        cmocka_unit_test(test_conv_winograd_matches_reference_on_odd_shapes),
        cmocka_unit_test(test_conv_winograd_is_bitwise_batch_independent),
        cmocka_unit_test(test_conv_winograd_counts_taps_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
