/* status.c: rm_fail formats one message into the status, returns -1 whether or not there is a
 * status to fill, replaces any earlier message, and cuts a message too long for the buffer at
 * RM_STATUS_LEN - 1 characters without writing past it. */
#include "test_util.h"

#include <string.h>

#include "resnet_mnist/io/status.h"

/* The way callers use it: return rm_fail(...). */
static int open_labels(const char *path, unsigned magic, struct rm_status *st)
{
    return rm_fail(st, "%s: bad magic 0x%08x, expected 0x%08x", path, magic, 0x801u);
}

static void test_status_fail_formats_and_returns_minus_one(void **state)
{
    (void)state;
    struct rm_status st;
    memset(st.msg, 'x', sizeof st.msg);
    assert_int_equal(open_labels("t10k-labels-idx1-ubyte", 0x803, &st), -1);
    assert_string_equal(st.msg,
                        "t10k-labels-idx1-ubyte: bad magic 0x00000803, expected 0x00000801");
    /* a later failure replaces the message whole */
    assert_int_equal(rm_fail(&st, "%d%%", 7), -1);
    assert_string_equal(st.msg, "7%");
    assert_int_equal(rm_fail(&st, "%s", ""), -1);
    assert_string_equal(st.msg, "");
}

static void test_status_fail_without_a_status(void **state)
{
    (void)state;
    assert_int_equal(rm_fail(NULL, "%s: nobody reads this", "x"), -1);
    assert_int_equal(open_labels("y", 1, NULL), -1);
}

/* A message longer than the buffer keeps its first RM_STATUS_LEN - 1 characters, ends with a
 * NUL, and nothing after the buffer is touched. */
static void test_status_fail_truncates_long_messages(void **state)
{
    (void)state;
    struct {
        struct rm_status st;
        char guard[64];
    } s;
    memset(&s, 0x5a, sizeof s);
    char path[3 * RM_STATUS_LEN];
    for (size_t i = 0; i < sizeof path - 1; i++)
        path[i] = (char)('a' + i % 26);
    path[sizeof path - 1] = 0;
    assert_int_equal(rm_fail(&s.st, "%s: cannot open", path), -1);
    assert_int_equal(strlen(s.st.msg), RM_STATUS_LEN - 1);
    assert_memory_equal(s.st.msg, path, RM_STATUS_LEN - 1);
    for (size_t i = 0; i < sizeof s.guard; i++)
        assert_int_equal((unsigned char)s.guard[i], 0x5a);
    /* exactly RM_STATUS_LEN - 1 characters fit whole */
    path[RM_STATUS_LEN - 1] = 0;
    assert_int_equal(rm_fail(&s.st, "%s", path), -1);
    assert_string_equal(s.st.msg, path);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_fail_formats_and_returns_minus_one),
        cmocka_unit_test(test_status_fail_without_a_status),
        cmocka_unit_test(test_status_fail_truncates_long_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
