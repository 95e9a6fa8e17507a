/* status.c: rm_fail formats one message into the status, returns -1 whether or not there is a
 * status to fill, replaces any earlier message, escapes control characters so that the message
 * stays one harmless line, and elides the middle of a message too long for the buffer (its end,
 * where the problem is named, is kept) without writing past it. */
#include "test_util.h"

#include <stdarg.h>
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

/* A message longer than the buffer loses its middle, not its end: the first characters, "...",
 * then the last ones, RM_STATUS_LEN - 1 in all, so that the problem after a long path is kept.
 * Nothing after the buffer is touched. */
static void test_status_fail_elides_the_middle_of_long_messages(void **state)
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
    assert_memory_equal(s.st.msg, path, RM_STATUS_HEAD);
    assert_memory_equal(s.st.msg + RM_STATUS_HEAD, "...", 3);
    const char *end = s.st.msg + strlen(s.st.msg) - strlen(": cannot open");
    assert_string_equal(end, ": cannot open");
    size_t tail = RM_STATUS_LEN - 1 - RM_STATUS_HEAD - 3 - strlen(": cannot open");
    assert_memory_equal(end - tail, path + strlen(path) - tail, tail);
    for (size_t i = 0; i < sizeof s.guard; i++)
        assert_int_equal((unsigned char)s.guard[i], 0x5a);
    /* exactly RM_STATUS_LEN - 1 characters fit whole */
    path[RM_STATUS_LEN - 1] = 0;
    assert_int_equal(rm_fail(&s.st, "%s", path), -1);
    assert_string_equal(s.st.msg, path);
}

/* The case: a 4,080-character --out (PATH_MAX is 4,096) followed by its problem. */
static void test_status_long_path_keeps_the_problem(void **state)
{
    (void)state;
    static char path[4081];
    memset(path, 'd', 4080);
    for (size_t i = 0; i < 4080; i += 100)
        path[i] = '/';
    struct rm_status st;
    rm_fail(&st, "%s/best.bin: cannot create: %s", path, "No such file or directory");
    assert_true(strlen(st.msg) < RM_STATUS_LEN);
    assert_non_null(strstr(st.msg, "/best.bin: cannot create: No such file or directory"));
    assert_memory_equal(st.msg, "/ddd", 4);
    assert_non_null(strstr(st.msg, "..."));
}

/* Control characters from a file name (or a file's contents) never reach the terminal: the
 * message stays one line and cannot move the cursor, clear the screen or forge another line.
 * C0 controls and DEL as \xNN (\n, \r, \t by name), C1 controls (U+0080..U+009F in UTF-8) and
 * bytes that are not UTF-8 as \xNN too; printable UTF-8 and backslashes stay as they are. */
static void test_status_control_characters_escaped(void **state)
{
    (void)state;
    struct rm_status st;
    rm_fail(&st, "%s: cannot open: %s", "a\nresnet-mnist: forged\r\x1b[2J\t\x7f.png", "gone");
    assert_string_equal(st.msg,
                        "a\\nresnet-mnist: forged\\r\\x1b[2J\\t\\x7f.png: cannot open: gone");
    rm_fail(&st, "%s",
            "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xc2\x9b"
            "2J \xff\xc3 C:\\dir");
    assert_string_equal(st.msg, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \\xc2\\x9b2J \\xff\\xc3 C:\\dir");
    /* escaping an escaped message changes nothing (messages are nested: "path: <inner>") */
    char copy[RM_STATUS_LEN];
    strcpy(copy, st.msg);
    rm_fail(&st, "%s", copy);
    assert_string_equal(st.msg, copy);
}

/* Escaped or not, a long message is elided on whole characters and whole escapes. */
static void test_status_elision_keeps_escapes_whole(void **state)
{
    (void)state;
    static char name[2 * RM_STATUS_LEN];
    for (size_t i = 0; i < sizeof name - 1; i++)
        name[i] = i % 2 ? '\x1b' : '\xc3', name[i] = i % 3 == 2 ? 'a' : name[i];
    name[sizeof name - 1] = 0;
    struct rm_status st;
    rm_fail(&st, "%s: bad", name);
    size_t n = strlen(st.msg);
    assert_true(n < RM_STATUS_LEN);
    assert_string_equal(st.msg + n - 5, ": bad");
    /* every backslash starts a whole \xNN */
    for (const char *p = st.msg; (p = strchr(p, '\\')) != NULL; p++) {
        assert_int_equal(p[1], 'x');
        assert_true(p[2] && p[3]);
    }
}

/* rm_vfail is rm_fail for callers that hold a va_list (the CLI's error lines). */
static int vfail(struct rm_status *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = rm_vfail(st, fmt, ap);
    va_end(ap);
    return rc;
}

static void test_status_vfail(void **state)
{
    (void)state;
    struct rm_status st;
    assert_int_equal(vfail(&st, "%s: %d", "x\ny", 3), -1);
    assert_string_equal(st.msg, "x\\ny: 3");
    assert_int_equal(vfail(NULL, "%s", "nobody"), -1);
}

/* rm_escape_unit, the same rules one character at a time (for reports that are not status
 * lines): the escaped text, its length, and how many input bytes it stands for. */
static void test_status_escape_unit(void **state)
{
    (void)state;
    const struct {
        const char *in;
        size_t n;
        const char *out;
        size_t used;
    } cases[] = {
        {"a", 1, "a", 1},
        {"\n", 1, "\\n", 1},
        {"\x1b[", 2, "\\x1b", 1},
        {"\xc3\xa9t", 3, "\xc3\xa9", 2},
        {"\xc3", 1, "\\xc3", 1}, /* cut short: not UTF-8 */
        {"\xc2\x9b", 2, "\\xc2\\x9b", 2},
        {"\\", 1, "\\", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[RM_ESCAPE_UNIT_MAX + 1];
        size_t used = 0;
        size_t k = rm_escape_unit((const unsigned char *)cases[i].in, cases[i].n, out, &used);
        assert_true(k <= RM_ESCAPE_UNIT_MAX);
        out[k] = 0;
        assert_string_equal(out, cases[i].out);
        assert_int_equal(used, cases[i].used);
    }
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_fail_formats_and_returns_minus_one),
        cmocka_unit_test(test_status_fail_without_a_status),
        cmocka_unit_test(test_status_fail_elides_the_middle_of_long_messages),
        cmocka_unit_test(test_status_long_path_keeps_the_problem),
        cmocka_unit_test(test_status_control_characters_escaped),
        cmocka_unit_test(test_status_elision_keeps_escapes_whole),
        cmocka_unit_test(test_status_vfail),
        cmocka_unit_test(test_status_escape_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
