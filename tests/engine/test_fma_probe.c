/* fma_probe.c, without timing thresholds: the figure is a positive finite GFLOP/s for pools of
 * one and more threads, even for a probe of no time at all, and the name of the vector width is
 * the one this build targets (the tests are built with the library's flags). */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "resnet_mnist/engine/fma_probe.h"
#include "resnet_mnist/engine/thread_pool.h"

static void test_fma_probe_gflops_positive_and_finite(void **state)
{
    (void)state;
    const int threads[] = {1, 2, 3};
    const double seconds[] = {0.0, 0.002};
    for (int i = 0; i < 3; i++) {
        struct thread_pool p;
        struct rm_status st;
        assert_int_equal(thread_pool_init(&p, threads[i], &st), 0);
        for (int s = 0; s < 2; s++) {
            double g = fma_probe_gflops(&p, seconds[s]);
            if (!(isfinite(g) && g > 0.0))
                fail_msg("%d threads, %g s: %g GFLOP/s", threads[i], seconds[s], g);
        }
        thread_pool_free(&p);
    }
}

static void test_fma_probe_isa_names_the_build_width(void **state)
{
    (void)state;
    const char *isa = fma_probe_isa();
    assert_non_null(isa);
#if defined(__AVX512F__)
    assert_string_equal(isa, "AVX-512");
#elif defined(__AVX2__) && defined(__FMA__)
    assert_string_equal(isa, "AVX2+FMA");
#elif defined(__AVX__)
    assert_string_equal(isa, "AVX");
#else
    assert_string_equal(isa, "SSE/portable");
#endif
    assert_ptr_equal(fma_probe_isa(), isa); /* a constant, not a buffer to free */
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fma_probe_gflops_positive_and_finite),
        cmocka_unit_test(test_fma_probe_isa_names_the_build_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
