/* The random generator: the same seed gives the same stream, another seed another; uniform
 * draws in [0, 1) and below n; a shuffle is a permutation that moves nearly everything. */
#include "test_util.h"

#include "resnet_mnist/engine/rng.h"

static void test_rng_is_deterministic_and_uniform(void **state)
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
        cmocka_unit_test(test_rng_is_deterministic_and_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
