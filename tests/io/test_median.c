/* Tests of include/resnet_mnist/io/median.h: the median of odd and even counts in any order,
 * repeated values, and one value. */
#include "test_util.h"

#include "resnet_mnist/io/median.h"

static void test_median_odd_count(void **state)
{
    (void)state;
    double v[] = {9.0, -1.0, 4.0, 7.5, 2.0};
    assert_true(median_sort(v, 5) == 4.0);
    /* sorted in place */
    for (int i = 1; i < 5; i++)
        assert_true(v[i - 1] <= v[i]);
}

static void test_median_even_count_means_the_middle_two(void **state)
{
    (void)state;
    double v[] = {10.0, 1.0, 3.0, 6.0};
    assert_true(median_sort(v, 4) == 4.5);
}

static void test_median_repeats_and_one_value(void **state)
{
    (void)state;
    double v[] = {2.0, 5.0, 2.0, 5.0, 5.0, 2.0, 2.0};
    assert_true(median_sort(v, 7) == 2.0);
    double one = -3.25;
    assert_true(median_sort(&one, 1) == -3.25);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_odd_count),
        cmocka_unit_test(test_median_even_count_means_the_middle_two),
        cmocka_unit_test(test_median_repeats_and_one_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
