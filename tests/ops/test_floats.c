/* The whole-array float steps (floats.h) on every length around the vector widths, so that the
 * vector body and the tail are both checked. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/ops/floats.h"

static void test_floats_add_adds_every_element(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 31);
    for (size_t n = 0; n <= 70; n++) {
        float *a = tu_random_floats(n, &r), *b = tu_random_floats(n, &r);
        float *want = malloc((n ? n : 1) * sizeof *want);
        for (size_t i = 0; i < n; i++)
            want[i] = a[i] + b[i];
        floats_add(a, b, n);
        for (size_t i = 0; i < n; i++)
            if (memcmp(&a[i], &want[i], sizeof(float)) != 0)
                fail_msg("n %zu element %zu: %.9g, want %.9g", n, i, a[i], want[i]);
        free(a), free(b), free(want);
    }
}

static void test_floats_all_finite_finds_any_infinity_or_nan(void **state)
{
    (void)state;
    const float bad[] = {INFINITY, -INFINITY, NAN, -NAN};
    for (size_t n = 1; n <= 70; n++) {
        float *x = malloc(n * sizeof *x);
        for (size_t i = 0; i < n; i++) /* finite extremes pass */
            x[i] = i % 4 == 0 ? 3.4028235e38f : i % 4 == 1 ? -0.0f : i % 4 == 2 ? 1e-45f : 1.0f;
        assert_int_equal(floats_all_finite(x, n), 1);
        for (size_t at = 0; at < n; at++)
            for (int k = 0; k < 4; k++) {
                float keep = x[at];
                x[at] = bad[k];
                if (floats_all_finite(x, n) != 0)
                    fail_msg("n %zu: %g at %zu not found", n, (double)bad[k], at);
                x[at] = keep;
            }
        free(x);
    }
    assert_int_equal(floats_all_finite(NULL, 0), 1);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_floats_add_adds_every_element),
        cmocka_unit_test(test_floats_all_finite_finds_any_infinity_or_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
