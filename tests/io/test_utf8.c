/* utf8.c: the one UTF-8 decoder of the program accepts every well-formed character with its code
 * point and length, and refuses each kind of ill-formed sequence RFC 3629 names (stray
 * continuation bytes, overlong forms, surrogates, code points above U+10FFFF, sequences cut
 * short), at the first bad byte. Expected values are worked out by hand from the RFC's table. */
#include "test_util.h"

#include <string.h>

#include "resnet_mnist/io/utf8.h"

static size_t len_of(const char *s, unsigned *cp)
{
    return utf8_char_length((const unsigned char *)s, strlen(s), cp);
}

static void test_utf8_well_formed_characters(void **state)
{
    (void)state;
    unsigned cp = 0;
    assert_int_equal(len_of("A", &cp), 1);
    assert_int_equal(cp, 0x41);
    assert_int_equal(len_of("\xC2\x80", &cp), 2); /* the smallest two-byte character */
    assert_int_equal(cp, 0x80);
    assert_int_equal(len_of("\xC3\xA9", &cp), 2); /* e acute */
    assert_int_equal(cp, 0xE9);
    assert_int_equal(len_of("\xE0\xA0\x80", &cp), 3); /* U+0800 */
    assert_int_equal(cp, 0x800);
    assert_int_equal(len_of("\xED\x9F\xBF", &cp), 3); /* U+D7FF, just below the surrogates */
    assert_int_equal(cp, 0xD7FF);
    assert_int_equal(len_of("\xEF\xBF\xBD", &cp), 3); /* U+FFFD */
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(len_of("\xF0\x90\x80\x80", &cp), 4); /* U+10000 */
    assert_int_equal(cp, 0x10000);
    assert_int_equal(len_of("\xF4\x8F\xBF\xBF", &cp), 4); /* U+10FFFF, the last */
    assert_int_equal(cp, 0x10FFFF);
    assert_int_equal(len_of("\xC3\xA9", NULL), 2);
}

static void test_utf8_ill_formed_sequences(void **state)
{
    (void)state;
    unsigned cp = 12345;
    assert_int_equal(len_of("\x80", &cp), 0);             /* a stray continuation byte */
    assert_int_equal(len_of("\xC0\xAF", &cp), 0);         /* overlong '/' */
    assert_int_equal(len_of("\xC1\xBF", &cp), 0);         /* overlong, two bytes */
    assert_int_equal(len_of("\xE0\x9F\xBF", &cp), 0);     /* overlong, three bytes */
    assert_int_equal(len_of("\xF0\x8F\xBF\xBF", &cp), 0); /* overlong, four bytes */
    assert_int_equal(len_of("\xED\xA0\x80", &cp), 0);     /* U+D800, a surrogate */
    assert_int_equal(len_of("\xED\xBF\xBF", &cp), 0);     /* U+DFFF */
    assert_int_equal(len_of("\xF4\x90\x80\x80", &cp), 0); /* U+110000 */
    assert_int_equal(len_of("\xF5\x80\x80\x80", &cp), 0); /* a lead byte never used */
    assert_int_equal(len_of("\xFF", &cp), 0);
    assert_int_equal(len_of("\xC3\x28", &cp), 0); /* continuation missing */
    assert_int_equal(cp, 12345);                  /* untouched on refusal */
    /* cut short by n, though the bytes beyond would complete it */
    assert_int_equal(utf8_char_length((const unsigned char *)"\xE2\x82\xAC", 2, NULL), 0);
    assert_int_equal(utf8_char_length((const unsigned char *)"\xE2\x82\xAC", 3, NULL), 3);
}

static void test_utf8_valid_prefix_and_strings(void **state)
{
    (void)state;
    const unsigned char s[] = "ab\xC3\xA9"
                              "c\xED\xA0\x80"
                              "d";
    assert_int_equal(utf8_valid_prefix(s, sizeof s - 1), 5); /* stops at the surrogate */
    assert_int_equal(utf8_valid_prefix(s, 5), 5);
    assert_int_equal(utf8_valid_prefix(s, 3), 2); /* the e acute cut in half */
    assert_int_equal(utf8_valid_prefix(s, 0), 0);
    assert_true(utf8_valid(""));
    assert_true(utf8_valid("T-shirt/top"));
    assert_true(utf8_valid("Ankle boot \xE2\x80\x94 \xF0\x9F\x91\x9F"));
    assert_false(utf8_valid("trouser\xC0\xAF"));
    assert_false(utf8_valid("\xE2\x82"));
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_well_formed_characters),
        cmocka_unit_test(test_utf8_ill_formed_sequences),
        cmocka_unit_test(test_utf8_valid_prefix_and_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
