/* max-pool 2x2 and the fused pool + ReLU backward: a hand-computed case with ties, NaN, the
 * row kernels against the rule written plainly, and backward against finite differences. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/ops/maxpool2d.h"
#include "resnet_mnist/ops/relu.h"
#include "resnet_mnist/engine/rng.h"

static void test_maxpool2d_hand_computed_with_ties(void **state)
{
    (void)state;
    /* one 4x5 plane (the odd last column is dropped): windows
     *   [1 3; 2 0] -> 3 at 1    [3 3; 3 3] -> 3 at 0 (tie: first)   [-1 -2; -5 -1] -> -1 at 0
     *   [0 0; 7 7] -> 7 at 2 */
    const float x[20] = {1, 3, 3, 3, 99, 2, 0, 3, 3, 99, -1, -2, 0, 0, 99, -5, -1, 7, 7, 99};
    struct maxpool2d_shape s = {1, 1, 4, 5};
    float y[4];
    uint8_t am[4];
    maxpool2d_forward(y, am, x, &s);
    const float ey[4] = {3, 3, -1, 7};
    const uint8_t ea[4] = {1, 0, 0, 2};
    for (int i = 0; i < 4; i++) {
        assert_float_equal(y[i], ey[i], 0);
        assert_int_equal(am[i], ea[i]);
    }
    /* backward routes each gradient to the winner only, and adds */
    float dx[20];
    for (int i = 0; i < 20; i++)
        dx[i] = 1.0f;
    const float dy[4] = {10, 20, 30, 40};
    maxpool2d_backward(dx, dy, am, &s);
    assert_float_equal(dx[1], 11, 0); /* window 0, position 1 */
    assert_float_equal(dx[2], 21, 0); /* window 1, first of the tie */
    assert_float_equal(dx[3], 1, 0);  /* a tied loser gets nothing */
    assert_float_equal(dx[7], 1, 0);
    assert_float_equal(dx[10], 31, 0);
    assert_float_equal(dx[17], 41, 0); /* window 3: second row, first column */
    assert_float_equal(dx[18], 1, 0);
    assert_float_equal(dx[4], 1, 0); /* the dropped column */
}

static void test_maxpool2d_nan_propagates(void **state)
{
    (void)state;
    const float x[4] = {1, NAN, 5, 2};
    struct maxpool2d_shape s = {1, 1, 2, 2};
    float y[1];
    uint8_t am[1];
    maxpool2d_forward(y, am, x, &s);
    assert_true(isnan(y[0]));
    assert_int_equal(am[0], 1);
}

/* The row kernel (rows of up to 16 windows) and the long-row loop against the rule written
 * plainly, on data full of ties (ReLU zeros) and a few NaNs. */
static void test_maxpool2d_matches_plain_rule_on_ties_and_nan(void **state)
{
    (void)state;
    const int widths[] = {2, 10, 24, 32, 34, 40};
    struct rng g;
    rng_seed(&g, 11);
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        int w = widths[wi], h = 6, oh = 3, ow = w / 2;
        struct maxpool2d_shape s = {2, 3, h, w};
        size_t nx = (size_t)2 * 3 * h * w, ny = (size_t)2 * 3 * oh * ow;
        float *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y);
        uint8_t *am = malloc(ny);
        for (size_t i = 0; i < nx; i++) {
            uint32_t r = rng_below(&g, 8);
            x[i] = r < 4                    ? 0.0f
                   : r < 7                  ? (float)rng_below(&g, 3)
                   : (r == 7 && i % 5 == 0) ? NAN
                                            : 1.0f;
        }
        maxpool2d_forward(y, am, x, &s);
        for (int plane = 0; plane < 6; plane++)
            for (int p = 0; p < oh; p++)
                for (int q = 0; q < ow; q++) {
                    const float *r0 = x + (size_t)plane * h * w + (size_t)2 * p * w + 2 * q;
                    float v[4] = {r0[0], r0[1], r0[w], r0[w + 1]};
                    int best = 0;
                    for (int k = 1; k < 4; k++)
                        if (v[k] > v[best] || isnan(v[k]))
                            best = k;
                    size_t o = (size_t)plane * oh * ow + (size_t)p * ow + q;
                    assert_int_equal(am[o], best);
                    if (isnan(v[best]))
                        assert_true(isnan(y[o]));
                    else
                        assert_true(y[o] == v[best]);
                }
        free(x), free(y), free(am);
    }
}

/* The fused pool + ReLU backward gives exactly what the three separate steps give, on ties,
 * zeros, negative values, NaN and odd sizes. */
static void test_maxpool2d_relu_backward_matches_separate_steps(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 12);
    const int sizes[][2] = {{24, 24}, {10, 10}, {5, 7}, {2, 2}, {6, 34}};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        struct maxpool2d_shape s = {2, 3, sizes[t][0], sizes[t][1]};
        size_t nx = (size_t)2 * 3 * s.h * s.w, ny = (size_t)2 * 3 * (s.h / 2) * (s.w / 2);
        float *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y), *dy = malloc(ny * 4);
        float *fused = malloc(nx * 4), *separate = calloc(nx, 4);
        uint8_t *am = malloc(ny);
        for (size_t i = 0; i < nx; i++) {
            uint32_t r = rng_below(&g, 8);
            x[i] = r < 3 ? 0.0f : r < 6 ? (float)rng_below(&g, 3) - 1.0f : r == 6 ? NAN : 0.5f;
            fused[i] = 99.0f; /* overwritten everywhere */
        }
        for (size_t i = 0; i < ny; i++)
            dy[i] = (float)(rng_uniform(&g) - 0.5);
        maxpool2d_forward(y, am, x, &s);
        maxpool2d_relu_backward(fused, dy, am, x, &s);
        maxpool2d_backward(separate, dy, am, &s);
        relu_backward(separate, separate, x, nx);
        for (size_t i = 0; i < nx; i++)
            assert_memory_equal(&fused[i], &separate[i], sizeof(float));
        free(x), free(y), free(dy), free(fused), free(separate), free(am);
    }
}

static void test_maxpool2d_backward_matches_finite_differences(void **state)
{
    (void)state;
    /* distinct values at least 0.1 apart, so a step of 1e-2 changes no winner */
    struct maxpool2d_shape s = {2, 3, 6, 4};
    enum { N = 2 * 3 * 6 * 4, M = N / 4 };
    float x[N], y[M], dx[N] = {0}, r[M];
    uint8_t am[M];
    struct rng g;
    rng_seed(&g, 7);
    int perm[N];
    for (int i = 0; i < N; i++)
        perm[i] = i;
    rng_shuffle(&g, perm, N);
    for (int i = 0; i < N; i++)
        x[i] = 0.1f * (float)perm[i] - 5.0f;
    for (int i = 0; i < M; i++)
        r[i] = (float)(rng_uniform(&g) * 2 - 1);
    maxpool2d_forward(y, am, x, &s);
    maxpool2d_backward(dx, r, am, &s);
    const float eps = 1e-2f;
    for (int i = 0; i < N; i++) {
        double l[2];
        for (int side = 0; side < 2; side++) {
            float keep = x[i];
            x[i] = keep + (side ? -eps : eps);
            maxpool2d_forward(y, am, x, &s);
            x[i] = keep;
            l[side] = 0;
            for (int k = 0; k < M; k++)
                l[side] += (double)r[k] * y[k];
        }
        double fd = (l[0] - l[1]) / (2 * eps);
        assert_true(fabs(fd - dx[i]) < 1e-4); /* tolerance: float rounding of x +- eps */
    }
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maxpool2d_hand_computed_with_ties),
        cmocka_unit_test(test_maxpool2d_nan_propagates),
        cmocka_unit_test(test_maxpool2d_matches_plain_rule_on_ties_and_nan),
        cmocka_unit_test(test_maxpool2d_backward_matches_finite_differences),
        cmocka_unit_test(test_maxpool2d_relu_backward_matches_separate_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
