/* Softmax cross-entropy: a hand-computed case (and a huge logit that must not overflow), and
 * backward against finite differences. */
#include "test_util.h"

#include <math.h>

#include "resnet_mnist/ops/xent.h"
#include "resnet_mnist/engine/rng.h"

static void test_xent_hand_computed(void **state)
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

static void test_xent_backward_matches_finite_differences(void **state)
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

/* Softmax of hand-computed rows: [0, ln 2, ln 3] gives [1/6, 2/6, 3/6]; a shift of every logit
 * by 1000 changes nothing (the row maximum is subtracted, so no exp overflows); the first of
 * two equal large logits does not win more than the second. */
static void test_xent_softmax_hand_computed(void **state)
{
    (void)state;
    double p[3];
    const float z[3] = {0.0f, (float)log(2.0), (float)log(3.0)};
    xent_softmax(p, z, 3);
    assert_float_equal(p[0], 1.0 / 6, 1e-7);
    assert_float_equal(p[1], 2.0 / 6, 1e-7);
    assert_float_equal(p[2], 3.0 / 6, 1e-7);

    const float big[3] = {1000.0f, 1000.0f + (float)log(2.0), 1000.0f + (float)log(3.0)};
    double q[3];
    xent_softmax(q, big, 3);
    for (int k = 0; k < 3; k++) {
        assert_true(isfinite(q[k]));
        assert_float_equal(q[k], p[k], 1e-4); /* float spacing at 1000 is 6e-5 */
    }

    const float tie[4] = {-3.0f, 80.0f, 80.0f, -90.0f};
    double t[4];
    xent_softmax(t, tie, 4);
    assert_float_equal(t[1], 0.5, 1e-12);
    assert_float_equal(t[2], 0.5, 1e-12);
    assert_true(t[0] >= 0 && t[0] < 1e-30 && t[3] >= 0);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xent_hand_computed),
        cmocka_unit_test(test_xent_softmax_hand_computed),
        cmocka_unit_test(test_xent_backward_matches_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
