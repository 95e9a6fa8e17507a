/* Strict numbers from text (strict_number.h): the whole text is the number, nothing around it;
 * ranges inclusive; a float must be in range once rounded to float; the messages name the
 * source. */
#include "test_util.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "resnet_mnist/io/strict_number.h"

static void test_strict_number_long_and_int(void **state)
{
    (void)state;
    struct rm_status st;
    long l = -7;
    assert_int_equal(strict_parse_long("n", "-12", -20, 20, &l, &st), 0);
    assert_int_equal(l, -12);
    assert_int_equal(strict_parse_long("n", "+5", 0, 20, &l, &st), 0);
    assert_int_equal(l, 5);
    const char *bad[] = {"", " 1", "1 ", "1x", "0x10", "1.0", "9223372036854775808", "\n1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        l = -7;
        assert_int_equal(strict_parse_long("n", bad[i], -100, 100, &l, &st), -1);
        assert_int_equal(l, -7);
        assert_non_null(strstr(st.msg, "is not a whole number"));
    }
    assert_int_equal(strict_parse_long("--epochs", "101", 1, 100, &l, &st), -1);
    assert_string_equal(st.msg, "--epochs: 101 is out of range 1..100");
    int v = 3;
    assert_int_equal(strict_parse_int("x: field 'b'", "4294967297", 1, 1 << 20, &v, &st), -1);
    assert_string_equal(st.msg, "x: field 'b': 4294967297 is out of range 1..1048576");
    assert_int_equal(v, 3);
    assert_int_equal(strict_parse_int("b", "2147483647", 0, 2147483647, &v, &st), 0);
    assert_int_equal(v, 2147483647);
}

static void test_strict_number_u64(void **state)
{
    (void)state;
    struct rm_status st;
    uint64_t u = 1;
    assert_int_equal(strict_parse_u64("s", "18446744073709551615", &u, &st), 0);
    assert_true(u == UINT64_MAX);
    const char *bad[] = {"-1", "+1", " 1", "18446744073709551616", "", "1e3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        u = 9;
        assert_int_equal(strict_parse_u64("--seed", bad[i], &u, &st), -1);
        assert_true(u == 9);
        char want[128];
        snprintf(want, sizeof want, "--seed: '%s' is not a number from 0 to 18446744073709551615",
                 bad[i]);
        assert_string_equal(st.msg, want);
    }
}

static void test_strict_number_double_and_float(void **state)
{
    (void)state;
    struct rm_status st;
    double d = 0;
    assert_int_equal(strict_parse_double("x", "0.125", &d, &st), 0);
    assert_true(d == 0.125);
    const char *bad[] = {"nan", "inf", "-inf", "1e999", "1e-400", "", " 1", "1,5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = 2;
        assert_int_equal(strict_parse_double("x", bad[i], &d, &st), -1);
        assert_true(d == 2);
    }
    float f = 0;
    assert_int_equal(strict_parse_float("--lr", "1e6", 0, 1, 1e6, &f, &st), 0);
    assert_true(f == 1e6f);
    assert_int_equal(strict_parse_float("--lr", "1e-40", 0, 1, 1e6, &f, &st), 0); /* subnormal */
    assert_true(f > 0);
    /* in range as a double, 0 as a float: refused rather than kept as 0 */
    f = 7;
    assert_int_equal(strict_parse_float("--lr", "1e-50", 0, 1, 1e6, &f, &st), -1);
    assert_string_equal(st.msg, "--lr: 1e-50 is 0 in single precision, out of range (0..1e+06]");
    assert_true(f == 7);
    /* just above 1 as a double, 1 as a float: in range */
    assert_int_equal(strict_parse_float("--momentum", "1.00000001", 0, 0, 1, &f, &st), -1);
    assert_int_equal(strict_parse_float("--momentum", "0.999999999", 0, 0, 1, &f, &st), 0);
    assert_true(f == 1.0f);
    assert_int_equal(strict_parse_float("--momentum", "-0.5", 0, 0, 1, &f, &st), -1);
    assert_string_equal(st.msg, "--momentum: -0.5 is out of range [0..1]");
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_number_long_and_int),
        cmocka_unit_test(test_strict_number_u64),
        cmocka_unit_test(test_strict_number_double_and_float),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
