/* The rules of a run's options (run_options.h), the ones the command line and a resumable file
 * share: each option's bounds, inclusive, and the float rules of --lr and --momentum. */
#include "test_util.h"

#include <stdint.h>
#include <string.h>

#include "resnet_mnist/engine/run_options.h"

static void test_run_options_bounds(void **state)
{
    (void)state;
    struct rm_status st;
    int v = -1;
    assert_int_equal(run_parse_epochs("--epochs", "1", &v, &st), 0);
    assert_int_equal(run_parse_epochs("--epochs", "100000", &v, &st), 0);
    assert_int_equal(v, RUN_MAX_EPOCHS);
    assert_int_equal(run_parse_epochs("--epochs", "0", &v, &st), -1);
    assert_string_equal(st.msg, "--epochs: 0 is out of range 1..100000");
    assert_int_equal(run_parse_epochs("--epochs", "100001", &v, &st), -1);
    assert_int_equal(run_parse_batch_size("b", "4096", &v, &st), 0);
    assert_int_equal(run_parse_batch_size("b", "4097", &v, &st), -1);
    assert_int_equal(run_parse_batch_size("b", "1048576", &v, &st), -1);
    assert_string_equal(st.msg, "b: 1048576 is out of range 1..4096");
    assert_int_equal(run_parse_images("n", "1073741824", &v, &st), 0);
    assert_int_equal(run_parse_images("n", "1073741825", &v, &st), -1);
    assert_int_equal(run_parse_images("n", "0", &v, &st), -1);
    uint64_t seed = 0;
    assert_int_equal(run_parse_seed("s", "18446744073709551615", &seed, &st), 0);
    assert_int_equal(run_parse_seed("s", "-1", &seed, &st), -1);
}

static void test_run_options_lr_and_momentum(void **state)
{
    (void)state;
    struct rm_status st;
    float x = -1;
    assert_int_equal(run_parse_lr("--lr", "0.005", &x, &st), 0);
    assert_true(x == 0.005f);
    assert_int_equal(run_parse_lr("--lr", "1e6", &x, &st), 0);
    const char *bad_lr[] = {"0", "-0.1", "1e6000", "1000001", "nan", "1e-50", "0.01 "};
    for (size_t i = 0; i < sizeof bad_lr / sizeof bad_lr[0]; i++) {
        x = -1;
        assert_int_equal(run_parse_lr("--lr", bad_lr[i], &x, &st), -1);
        assert_true(x == -1);
        assert_true(strncmp(st.msg, "--lr: ", 6) == 0);
    }
    assert_int_equal(run_parse_momentum("m", "0", &x, &st), 0);
    assert_true(x == 0);
    assert_int_equal(run_parse_momentum("m", "1", &x, &st), 0);
    assert_int_equal(run_parse_momentum("m", "5", &x, &st), -1);
    assert_string_equal(st.msg, "m: 5 is out of range [0..1]");
    assert_int_equal(run_parse_momentum("m", "inf", &x, &st), -1);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_options_bounds),
        cmocka_unit_test(test_run_options_lr_and_momentum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
