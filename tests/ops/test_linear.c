/* The fully connected layer: a hand-computed case, the fast kernels (whole and in the model's
 * blocks of 32 outputs) against the reference, and backward against finite differences. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

#include "resnet_mnist/ops/linear.h"
#include "resnet_mnist/engine/rng.h"

static void test_linear_hand_computed(void **state)
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
static void test_linear_model_shape_in_blocks(void **state)
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

static void test_linear_fast_matches_reference_and_finite_differences(void **state)
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

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_hand_computed),
        cmocka_unit_test(test_linear_fast_matches_reference_and_finite_differences),
        cmocka_unit_test(test_linear_model_shape_in_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
