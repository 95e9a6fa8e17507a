/* Tests of net_libs.c: libcurl and libarchive load when asked for, a missing library or
 * function is named in one line, and the program itself starts without them. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/net_libs.h"

static void test_net_libs_load_gives_working_functions(void **state)
{
    (void)state;
    struct rm_status st = {0};
    const struct net_libs *net = net_libs_load(&st);
    assert_non_null(net);
    assert_ptr_equal(net_libs_load(&st), net); /* loaded once */
    assert_string_equal(net->curl_easy_strerror(CURLE_OK), "No error");
    CURL *c = net->curl_easy_init();
    assert_non_null(c);
    net->curl_easy_cleanup(c);
    struct archive *a = net->archive_read_new();
    assert_non_null(a);
    assert_int_equal(net->archive_read_support_format_tar(a), ARCHIVE_OK);
    assert_int_equal(net->archive_read_free(a), ARCHIVE_OK);
}

static void test_net_libs_names_a_missing_library(void **state)
{
    (void)state;
    struct net_libs l;
    struct rm_status st = {0};
    assert_int_equal(net_libs_open(&l, "libnosuchcurl.so.99", "libarchive.so.13", &st), -1);
    assert_non_null(strstr(st.msg, "cannot load libnosuchcurl.so.99"));
    assert_non_null(strstr(st.msg, "libcurl4"));
    assert_null(strchr(st.msg, '\n'));
}

/* A library that is there but is not libcurl: the first function looked for is named. */
static void test_net_libs_names_a_missing_function(void **state)
{
    (void)state;
    struct net_libs l;
    struct rm_status st = {0};
    assert_int_equal(net_libs_open(&l, "libz.so.1", "libarchive.so.13", &st), -1);
    assert_non_null(strstr(st.msg, "libz.so.1 has no curl_global_init"));
}

/* The dynamic loader's own list of what the program loads at start (LD_TRACE_LOADED_OBJECTS, as
 * ldd): neither library, so no command but fetch pays for them. */
static void test_net_libs_not_loaded_at_start(void **state)
{
    (void)state;
    const char *const env[] = {"LD_TRACE_LOADED_OBJECTS=1", NULL};
    char *out = NULL;
    assert_int_equal(tu_run_program_env(&out, NULL, env, "--version", NULL), 0);
    assert_non_null(strstr(out, "libc.so")); /* the list was printed */
    assert_null(strstr(out, "libcurl"));
    assert_null(strstr(out, "libarchive"));
    free(out);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_libs_load_gives_working_functions),
        cmocka_unit_test(test_net_libs_names_a_missing_library),
        cmocka_unit_test(test_net_libs_names_a_missing_function),
        cmocka_unit_test(test_net_libs_not_loaded_at_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
