/* ReLU and the residual join relu(a + b): hand-computed forward and backward, the gradient 0
 * at exactly 0 (as PyTorch), and the in-place mask. */
#include "test_util.h"

#include "resnet_mnist/ops/relu.h"

static void test_relu_forward_backward(void **state)
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

static void test_relu_add_forward_backward(void **state)
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

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relu_forward_backward),
        cmocka_unit_test(test_relu_add_forward_backward),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
