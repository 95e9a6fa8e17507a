/* fma_probe.c, without timing thresholds: the figure is a positive finite GFLOP/s for pools of
 * one and more threads, even for a probe of no time at all, and the name of the vector width is
 * the active path's. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/fma_probe.h"
#include "resnet_mnist/engine/thread_pool.h"
#include "resnet_mnist/ops/isa.h"

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

/* The probe names the active path's vectors (ops/isa.h): $RESNET_MNIST_ISA's path when CTest
 * forces one (case@path), else the widest this CPU has. */
static void test_fma_probe_isa_names_the_active_path(void **state)
{
    (void)state;
    const char *env = getenv("RESNET_MNIST_ISA");
    enum isa_path want = isa_best_path(isa_read_features());
    if (env && *env)
        assert_int_equal(isa_parse_path(env, &want), 0);
    const char *isa = fma_probe_isa();
    assert_non_null(isa);
    const char *labels[ISA_PATHS] = {"SSE2", "AVX2+FMA", "AVX-512"};
    assert_string_equal(isa, labels[want]);
    assert_ptr_equal(fma_probe_isa(), isa); /* a constant, not a buffer to free */
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fma_probe_gflops_positive_and_finite),
        cmocka_unit_test(test_fma_probe_isa_names_the_active_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
