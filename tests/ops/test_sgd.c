/* SGD with momentum, step by step against PyTorch's formula (no dampening, the buffer taken
 * from the first gradient). */
#include "test_util.h"

#include "resnet_mnist/ops/sgd.h"

static void test_sgd_momentum_matches_pytorch_formula(void **state)
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

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd_momentum_matches_pytorch_formula),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
