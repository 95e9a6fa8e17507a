/* The small ops: max-pool, ReLU and the residual join, linear, softmax cross-entropy, SGD with
 * momentum, and the random generator. Each has a hand-computed case; the differentiable ones
 * are checked against central finite differences with a stated tolerance. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/ops/linear.h"
#include "resnet_mnist/ops/maxpool2d.h"
#include "resnet_mnist/ops/relu.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/ops/sgd.h"
#include "resnet_mnist/ops/xent.h"

static void test_ops_maxpool_hand_computed_with_ties(void **state)
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

static void test_ops_maxpool_nan_propagates(void **state)
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
static void test_ops_maxpool_matches_plain_rule_on_ties_and_nan(void **state)
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
static void test_ops_maxpool_relu_backward_matches_separate_steps(void **state)
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

static void test_ops_maxpool_backward_matches_finite_differences(void **state)
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

static void test_ops_relu_forward_backward(void **state)
{
    (void)state;
    const float x[5] = {-2, -0.0f, 0, 0.5f, 3};
    float y[5], dx[5] = {1, 1, 1, 1, 1};
    const float dy[5] = {10, 20, 30, 40, 50};
    relu_forward(y, x, 5);
    const float ey[5] = {0, 0, 0, 0.5f, 3};
    for (int i = 0; i < 5; i++)
        assert_float_equal(y[i], ey[i], 0);
    relu_backward(dx, dy, y, 5);
    /* gradient 0 at exactly 0, as PyTorch */
    const float edx[5] = {1, 1, 1, 41, 51};
    for (int i = 0; i < 5; i++)
        assert_float_equal(dx[i], edx[i], 0);
    float g[5] = {10, 20, 30, 40, 50};
    relu_backward(g, g, y, 5); /* in place masks */
    const float eg[5] = {0, 0, 0, 40, 50};
    for (int i = 0; i < 5; i++)
        assert_float_equal(g[i], eg[i], 0);
}

static void test_ops_relu_add_forward_backward(void **state)
{
    (void)state;
    const float a[4] = {1, -3, 2, 0.5f}, b[4] = {-2, 1, 1, -0.5f};
    float y[4], da[4] = {0}, db[4] = {1, 1, 1, 1};
    relu_add_forward(y, a, b, 4);
    const float ey[4] = {0, 0, 3, 0};
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], ey[i], 0);
    const float dy[4] = {5, 6, 7, 8};
    relu_add_backward(da, db, dy, y, 4);
    const float eda[4] = {0, 0, 7, 0}, edb[4] = {1, 1, 8, 1};
    for (int i = 0; i < 4; i++) {
        assert_float_equal(da[i], eda[i], 0);
        assert_float_equal(db[i], edb[i], 0);
    }
}

static void test_ops_linear_hand_computed(void **state)
{
    (void)state;
    /* x [2,3], w [2,3], b [2] */
    const float x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, b[2] = {1, -1};
    float y[4];
    linear_forward(y, x, w, b, 2, 3, 2);
    const float ey[4] = {1 - 2, 3 - 1, 1 - 2, 7.5f - 1};
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], ey[i], 1e-6);
    const float dy[4] = {1, 0, 0, 2};
    float dx[6] = {0}, dw[6] = {0}, db[2] = {0};
    linear_backward(dx, dw, db, dy, x, w, 2, 3, 2);
    /* dx[0] = dy[0,0] w[0] = [1 0 -1]; dx[1] = 2 w[1] = [1 1 1] */
    const float edx[6] = {1, 0, -1, 1, 1, 1};
    /* dw[0] = x[0]; dw[1] = 2 x[1] */
    const float edw[6] = {1, 2, 3, 8, 10, 12};
    for (int i = 0; i < 6; i++) {
        assert_float_equal(dx[i], edx[i], 1e-6);
        assert_float_equal(dw[i], edw[i], 1e-6);
    }
    assert_float_equal(db[0], 1, 0);
    assert_float_equal(db[1], 2, 0);
}

/* linear1's shape, its outputs computed in the model's blocks of 32: every block and row
 * remainder path against the reference. */
static void test_ops_linear_model_shape_in_blocks(void **state)
{
    (void)state;
    enum { N = 30, IN = 800, OUT = 200 };
    struct rng g;
    rng_seed(&g, 9);
    float *x = malloc(N * IN * 4), *w = malloc(OUT * IN * 4), *b = malloc(OUT * 4);
    float *y = malloc(N * OUT * 4), *yr = malloc(N * OUT * 4);
    for (int i = 0; i < N * IN; i++)
        x[i] = (float)(rng_uniform(&g) * 2 - 1);
    for (int i = 0; i < OUT * IN; i++)
        w[i] = (float)(rng_uniform(&g) * 2 - 1);
    for (int i = 0; i < OUT; i++)
        b[i] = (float)(rng_uniform(&g) * 2 - 1);
    linear_forward_ref(yr, x, w, b, N, IN, OUT);
    for (int n = 1; n <= N; n += 29) { /* 1 row (a remainder), then 30 */
        for (int o0 = 0; o0 < OUT; o0 += 32)
            linear_forward_cols(y, x, w, b, n, IN, OUT, o0, o0 + 32 < OUT ? o0 + 32 : OUT);
        for (int i = 0; i < n * OUT; i++)
            assert_float_equal(y[i], yr[i], 1e-4);
    }
    free(x), free(w), free(b), free(y), free(yr);
}

static void test_ops_linear_fast_matches_reference_and_finite_differences(void **state)
{
    (void)state;
    enum { N = 7, IN = 37, OUT = 13 };
    struct rng g;
    rng_seed(&g, 8);
    float x[N * IN], w[OUT * IN], b[OUT], r[N * OUT], y[N * OUT], yr[N * OUT];
    float *vars[3] = {x, w, b};
    size_t counts[3] = {N * IN, OUT * IN, OUT};
    for (int v = 0; v < 3; v++)
        for (size_t i = 0; i < counts[v]; i++)
            vars[v][i] = (float)(rng_uniform(&g) * 2 - 1);
    for (int i = 0; i < N * OUT; i++)
        r[i] = (float)(rng_uniform(&g) * 2 - 1);
    linear_forward(y, x, w, b, N, IN, OUT);
    linear_forward_ref(yr, x, w, b, N, IN, OUT);
    for (int i = 0; i < N * OUT; i++)
        assert_float_equal(y[i], yr[i], 1e-5);
    float dx[N * IN] = {0}, dw[OUT * IN] = {0}, db[OUT] = {0};
    float dx2[N * IN] = {0}, dw2[OUT * IN] = {0}, db2[OUT] = {0};
    linear_backward(dx, dw, db, r, x, w, N, IN, OUT);
    linear_backward_ref(dx2, dw2, db2, r, x, w, N, IN, OUT);
    float *grads[3] = {dx, dw, db}, *refs[3] = {dx2, dw2, db2};
    for (int v = 0; v < 3; v++)
        for (size_t i = 0; i < counts[v]; i++)
            assert_float_equal(grads[v][i], refs[v][i], 1e-5);
    /* linear in every variable: central differences exact up to rounding (tolerance 1e-4) */
    const float eps = 0.25f;
    for (int v = 0; v < 3; v++)
        for (size_t i = 0; i < counts[v]; i++) {
            double l[2];
            float keep = vars[v][i];
            for (int side = 0; side < 2; side++) {
                vars[v][i] = keep + (side ? -eps : eps);
                linear_forward_ref(yr, x, w, b, N, IN, OUT);
                l[side] = 0;
                for (int k = 0; k < N * OUT; k++)
                    l[side] += (double)r[k] * yr[k];
            }
            vars[v][i] = keep;
            assert_true(fabs((l[0] - l[1]) / (2 * eps) - grads[v][i]) < 1e-4);
        }
}

static void test_ops_xent_hand_computed(void **state)
{
    (void)state;
    /* equal logits: loss ln(3); a huge logit must not overflow (stable logsumexp) */
    const float z[6] = {0, 0, 0, 1000, 0, 0};
    const uint8_t labels[2] = {2, 0};
    float p[6], dz[6] = {0};
    double loss = xent_forward(p, z, labels, 2, 3);
    assert_true(fabs(loss - (log(3.0) + 0.0) / 2) < 1e-6);
    assert_float_equal(p[0], 1.0f / 3, 1e-7);
    assert_float_equal(p[3], 1.0f, 1e-7);
    xent_backward(dz, p, labels, 2, 3);
    assert_float_equal(dz[0], (1.0f / 3) / 2, 1e-7);
    assert_float_equal(dz[2], (1.0f / 3 - 1) / 2, 1e-7);
    assert_float_equal(dz[3], 0, 1e-7);
}

static void test_ops_xent_backward_matches_finite_differences(void **state)
{
    (void)state;
    enum { N = 4, C = 10 };
    struct rng g;
    rng_seed(&g, 9);
    float z[N * C], p[N * C], dz[N * C] = {0};
    uint8_t labels[N] = {3, 0, 9, 3};
    for (int i = 0; i < N * C; i++)
        z[i] = (float)(rng_uniform(&g) * 6 - 3);
    xent_forward(p, z, labels, N, C);
    xent_backward(dz, p, labels, N, C);
    /* smooth: with eps 1e-3 the central difference's truncation error is ~1e-7 and float
     * rounding of z +- eps ~1e-5; tolerance 5e-5 absolute */
    for (int i = 0; i < N * C; i++) {
        float keep = z[i];
        float up = keep + 1e-3f, down = keep - 1e-3f;
        z[i] = up;
        double lu = xent_forward(p, z, labels, N, C);
        z[i] = down;
        double ld = xent_forward(p, z, labels, N, C);
        z[i] = keep;
        double fd = (lu - ld) / ((double)up - (double)down);
        assert_true(fabs(fd - dz[i]) < 5e-5);
    }
}

static void test_ops_sgd_momentum_matches_pytorch_formula(void **state)
{
    (void)state;
    float p[2] = {1, -1}, buf[2] = {123, 456}; /* buf is ignored on the first step */
    const float g1[2] = {0.5f, 2}, g2[2] = {1, -1};
    sgd_step(p, buf, g1, 2, 0.1f, 0.5f, 1);
    assert_float_equal(buf[0], 0.5f, 0);
    assert_float_equal(p[0], 1 - 0.05f, 1e-7);
    assert_float_equal(p[1], -1 - 0.2f, 1e-7);
    sgd_step(p, buf, g2, 2, 0.1f, 0.5f, 0);
    assert_float_equal(buf[0], 0.5f * 0.5f + 1, 1e-7); /* no dampening */
    assert_float_equal(buf[1], 0.5f * 2 - 1, 1e-7);
    assert_float_equal(p[0], 0.95f - 0.1f * 1.25f, 1e-6);
    assert_float_equal(p[1], -1.2f - 0.0f, 1e-6);
}

static void test_ops_rng_is_deterministic_and_uniform(void **state)
{
    (void)state;
    struct rng a, b;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        assert_true(rng_next(&a) == rng_next(&b));
    rng_seed(&b, 43);
    assert_true(rng_next(&a) != rng_next(&b));
    int counts[10] = {0};
    for (int i = 0; i < 100000; i++) {
        double u = rng_uniform(&a);
        assert_true(u >= 0 && u < 1);
        counts[rng_below(&a, 10)]++;
    }
    for (int i = 0; i < 10; i++) /* 10,000 expected; 5 sigma is 474 */
        assert_in_range(counts[i], 9500, 10500);
    int idx[1000], seen[1000] = {0};
    for (int i = 0; i < 1000; i++)
        idx[i] = i;
    rng_shuffle(&a, idx, 1000);
    int moved = 0;
    for (int i = 0; i < 1000; i++) {
        seen[idx[i]]++;
        moved += idx[i] != i;
    }
    for (int i = 0; i < 1000; i++)
        assert_int_equal(seen[i], 1);
    assert_true(moved > 900);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_maxpool_hand_computed_with_ties),
        cmocka_unit_test(test_ops_maxpool_nan_propagates),
        cmocka_unit_test(test_ops_maxpool_matches_plain_rule_on_ties_and_nan),
        cmocka_unit_test(test_ops_maxpool_backward_matches_finite_differences),
        cmocka_unit_test(test_ops_maxpool_relu_backward_matches_separate_steps),
        cmocka_unit_test(test_ops_relu_forward_backward),
        cmocka_unit_test(test_ops_relu_add_forward_backward),
        cmocka_unit_test(test_ops_linear_hand_computed),
        cmocka_unit_test(test_ops_linear_fast_matches_reference_and_finite_differences),
        cmocka_unit_test(test_ops_linear_model_shape_in_blocks),
        cmocka_unit_test(test_ops_xent_hand_computed),
        cmocka_unit_test(test_ops_xent_backward_matches_finite_differences),
        cmocka_unit_test(test_ops_sgd_momentum_matches_pytorch_formula),
        cmocka_unit_test(test_ops_rng_is_deterministic_and_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
