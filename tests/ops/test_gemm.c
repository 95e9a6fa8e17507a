/* gemm against hand-computed products and against gemm_ref on shapes that cross every block
 * boundary (MR, NR, KC = 256, MC = 96, NC = 1024) and on every shape the model uses. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/ops/gemm.h"
#include "resnet_mnist/engine/rng.h"

static void fill(float *v, size_t n, struct rng *r)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(rng_uniform(r) * 2.0 - 1.0);
}

static void test_gemm_hand_computed(void **state)
{
    (void)state;
    /* [1 2 3; 4 5 6] * [7 8; 9 10; 11 12] = [58 64; 139 154] */
    const float a[] = {1, 2, 3, 4, 5, 6}, b[] = {7, 8, 9, 10, 11, 12};
    float c[4] = {NAN, NAN, NAN, NAN}; /* beta 0 must not read C */
    gemm(0, 0, 2, 2, 3, a, 3, b, 2, 0.0f, c, 2);
    assert_float_equal(c[0], 58, 0);
    assert_float_equal(c[1], 64, 0);
    assert_float_equal(c[2], 139, 0);
    assert_float_equal(c[3], 154, 0);
    /* accumulate: C += A^T-stored A times B^T-stored B gives the same product again */
    const float at[] = {1, 4, 2, 5, 3, 6}, bt[] = {7, 9, 11, 8, 10, 12};
    gemm(1, 1, 2, 2, 3, at, 2, bt, 3, 1.0f, c, 2);
    assert_float_equal(c[0], 116, 0);
    assert_float_equal(c[3], 308, 0);
}

/* Compares gemm with gemm_ref for one shape and transposition, with padded leading
 * dimensions, in both overwrite and accumulate mode. Tolerance: 1e-5 relative to the sum of
 * |a||b| terms (float rounding of a k-term sum). */
static void check_shape(int ta, int tb, int m, int n, int k, struct rng *r)
{
    int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
    size_t asz = (size_t)(ta ? k : m) * lda, bsz = (size_t)(tb ? n : k) * ldb;
    size_t csz = (size_t)m * ldc;
    float *a = malloc(asz * sizeof *a), *b = malloc(bsz * sizeof *b);
    float *c = malloc(csz * sizeof *c), *ref = malloc(csz * sizeof *ref);
    assert_non_null(a && b && c && ref);
    fill(a, asz, r);
    fill(b, bsz, r);
    fill(c, csz, r);
    memcpy(ref, c, csz * sizeof *c);
    for (int pass = 0; pass < 2; pass++) {
        float beta = pass ? 1.0f : 0.0f;
        gemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
        gemm_ref(ta, tb, m, n, k, a, lda, b, ldb, beta, ref, ldc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++) {
                size_t at = (size_t)i * ldc + j;
                if (j >= n) { /* padding columns are never written */
                    assert_true(c[at] == ref[at]);
                    continue;
                }
                double tol = 1e-5 * (k + 1 + (pass ? 1 : 0)) * 1.0;
                if (fabs(c[at] - ref[at]) > tol)
                    fail_msg("ta=%d tb=%d m=%d n=%d k=%d beta=%g: C[%d,%d] = %.9g, reference %.9g",
                             ta, tb, m, n, k, beta, i, j, c[at], ref[at]);
            }
    }
    free(a);
    free(b);
    free(c);
    free(ref);
}

static void test_gemm_matches_reference_on_odd_shapes(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 1);
    const int sizes[][3] = {{1, 1, 1},     {7, 5, 3},     {9, 33, 17},
                            {17, 31, 255}, {97, 65, 257}, {13, 1030, 9},
                            {200, 3, 513}, {8, 32, 256},  {6, 16, 1}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                check_shape(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], &r);
}

static void test_gemm_matches_reference_on_model_shapes(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 2);
    /* forward, weight-gradient and input-gradient products of the five convolutions and two
     * linear layers at batch 30 (conv1 takes a smaller batch to keep the test quick) */
    const int shapes[][5] = {
        {0, 0, 16, 576 * 4, 25}, {0, 1, 16, 25, 576 * 4}, {0, 0, 16, 4320, 144},
        {0, 1, 16, 144, 4320},   {1, 0, 144, 4320, 16},   {0, 0, 16, 4320, 400},
        {0, 1, 16, 400, 4320},   {1, 0, 400, 4320, 16},   {0, 0, 32, 3000, 144},
        {0, 1, 32, 144, 3000},   {1, 0, 144, 3000, 32},   {0, 0, 32, 750, 288},
        {0, 0, 32, 750, 800},    {0, 1, 32, 800, 750},    {1, 0, 800, 750, 32},
        {0, 1, 30, 200, 800},    {1, 0, 200, 800, 30},    {0, 0, 30, 800, 200},
        {0, 1, 30, 10, 200},     {1, 0, 10, 200, 30},     {0, 0, 30, 200, 10},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        check_shape(shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], shapes[s][4], &r);
}

static void test_gemm_zero_k_clears_or_keeps(void **state)
{
    (void)state;
    float c[2] = {3, 4};
    gemm(0, 0, 1, 2, 0, NULL, 1, NULL, 2, 1.0f, c, 2);
    assert_float_equal(c[0], 3, 0);
    gemm(0, 0, 1, 2, 0, NULL, 1, NULL, 2, 0.0f, c, 2);
    assert_float_equal(c[0], 0, 0);
    assert_float_equal(c[1], 0, 0);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_hand_computed),
        cmocka_unit_test(test_gemm_matches_reference_on_odd_shapes),
        cmocka_unit_test(test_gemm_matches_reference_on_model_shapes),
        cmocka_unit_test(test_gemm_zero_k_clears_or_keeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
