#include "test_util.h"

static void test_model_placeholder(void **state)
{
    (void)state;
    assert_true(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_placeholder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
