/* data_locate's search order (--data, $RESNET_MNIST_DATA, ./data/<dataset>,
 * $XDG_DATA_HOME/resnet-mnist/<dataset> or ~/.local/share/..., /usr/share/datasets/<dataset>)
 * and where fetch writes, on folders made here with an environment set here. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resnet_mnist/io/data_locate.h"

static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

static void make_dirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = buf + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(buf, 0777);
            *s = '/';
        }
    mkdir(buf, 0777);
}

/* A folder holding the four files (their content does not matter to the search); suffix ".gz"
 * names them as gzip'd. skip: the index of a file to leave out, or -1. */
static void dataset_dir(const char *dir, const char *suffix, int skip)
{
    make_dirs(dir);
    for (int i = 0; i < 4; i++) {
        if (i == skip)
            continue;
        char name[64];
        snprintf(name, sizeof name, "%s%s", names[i], suffix);
        char *p = tu_path(dir, name);
        tu_write_file(p, "x", 1);
        free(p);
    }
}

/* A fresh temporary folder as the current folder, with HOME and XDG_DATA_HOME inside it and no
 * RESNET_MNIST_DATA. */
static char *setup(void)
{
    char *tmp = tu_make_temp_dir();
    assert_int_equal(chdir(tmp), 0);
    char *home = tu_path(tmp, "home");
    char *xdg = tu_path(tmp, "xdg");
    make_dirs(home);
    setenv("HOME", home, 1);
    setenv("XDG_DATA_HOME", xdg, 1);
    unsetenv("RESNET_MNIST_DATA");
    free(home);
    free(xdg);
    return tmp;
}

static void teardown(char *tmp)
{
    assert_int_equal(chdir("/"), 0);
    tu_remove_dir(tmp);
}

static void expect_found(const char *dataset, const char *flag, const char *want)
{
    char out[4096];
    struct rm_status st;
    if (data_locate(dataset, flag, out, sizeof out, &st) != 0)
        fail_msg("expected %s, got: %s", want, st.msg);
    assert_string_equal(out, want);
}

static void test_data_locate_search_order(void **state)
{
    (void)state;
    char *tmp = setup();
    char *env = tu_path(tmp, "env");
    char *xdg_dir = tu_path(tmp, "xdg/resnet-mnist/test-set");
    char *home_dir = tu_path(tmp, "home/.local/share/resnet-mnist/test-set");
    dataset_dir(env, "", -1);
    dataset_dir("data/test-set", ".gz", -1);
    dataset_dir(xdg_dir, "", -1);
    dataset_dir(home_dir, "", -1);

    setenv("RESNET_MNIST_DATA", env, 1);
    expect_found("test-set", NULL, env);
    setenv("RESNET_MNIST_DATA", "", 1); /* empty: as unset */
    expect_found("test-set", NULL, "data/test-set");
    unsetenv("RESNET_MNIST_DATA");
    expect_found("test-set", NULL, "data/test-set");
    /* a folder missing one file does not hold the dataset: the next one is used */
    char *gone = tu_path("data/test-set", "t10k-labels-idx1-ubyte.gz");
    assert_int_equal(unlink(gone), 0);
    expect_found("test-set", NULL, xdg_dir);
    /* a relative XDG_DATA_HOME is ignored (the XDG spec), as is an unset one: ~/.local/share */
    setenv("XDG_DATA_HOME", "xdg", 1);
    expect_found("test-set", NULL, home_dir);
    unsetenv("XDG_DATA_HOME");
    expect_found("test-set", NULL, home_dir);
    /* --data comes first */
    expect_found("test-set", env, env);
    free(gone);
    free(env);
    free(xdg_dir);
    free(home_dir);
    teardown(tmp);
}

/* test reads only the test split: a folder with the two t10k files is enough for it */
static void test_data_locate_test_split_only(void **state)
{
    (void)state;
    char *tmp = setup();
    char *user = tu_path(tmp, "xdg/resnet-mnist/test-set");
    dataset_dir("data/test-set", "", -1);
    char *gone = tu_path("data/test-set", "train-images-idx3-ubyte"); /* the t10k files only */
    unlink(gone);
    dataset_dir(user, "", -1);
    char out[4096];
    struct rm_status st;
    assert_int_equal(data_locate_splits("test-set", NULL, 0, out, sizeof out, &st), 0);
    assert_string_equal(out, "data/test-set");
    assert_int_equal(data_locate_splits("test-set", NULL, 1, out, sizeof out, &st), 0);
    assert_string_equal(out, user);
    expect_found("test-set", NULL, user);
    free(gone);
    free(user);
    teardown(tmp);
}

static void test_data_locate_never_passes_over_data_flag(void **state)
{
    (void)state;
    char *tmp = setup();
    dataset_dir("data/test-set", "", -1);
    dataset_dir("flag", "", 1); /* no train-labels */
    char out[4096];
    struct rm_status st;
    assert_int_equal(data_locate("test-set", "flag", out, sizeof out, &st), -1);
    assert_non_null(strstr(st.msg, "flag: no train-labels-idx1-ubyte"));
    assert_int_equal(data_locate("test-set", "no-such", out, sizeof out, &st), -1);
    assert_non_null(strstr(st.msg, "no-such: no such folder"));
    teardown(tmp);
}

static void test_data_locate_names_the_folders_tried(void **state)
{
    (void)state;
    char *tmp = setup();
    char *env = tu_path(tmp, "env");
    setenv("RESNET_MNIST_DATA", env, 1);
    dataset_dir("data/mnist", "", 0); /* incomplete */
    char out[4096];
    struct rm_status st;
    /* mnist is not under /usr/share/datasets on a test machine (no Debian package ships it) */
    assert_int_equal(data_locate("mnist", NULL, out, sizeof out, &st), -1);
    char want[4096];
    snprintf(want, sizeof want,
             "no mnist files in %s, data/mnist, %s/xdg/resnet-mnist/mnist, "
             "/usr/share/datasets/mnist (get them with 'resnet-mnist fetch mnist', or give --data "
             "DIR)",
             env, tmp);
    if (strlen(want) < RM_STATUS_LEN)
        assert_string_equal(st.msg, want);
    else
        assert_non_null(strstr(st.msg, "(get them with 'resnet-mnist fetch mnist'"));
    /* a dataset fetch does not know */
    unsetenv("RESNET_MNIST_DATA");
    assert_int_equal(data_locate("emnist", NULL, out, sizeof out, &st), -1);
    assert_non_null(strstr(st.msg, "no emnist files in data/emnist, "));
    assert_non_null(strstr(st.msg, "give --data DIR; 'resnet-mnist fetch' knows only mnist, "
                                   "fashion-mnist)"));
    assert_int_equal(data_locate("../x", NULL, out, sizeof out, &st), -1);
    assert_non_null(strstr(st.msg, "not a dataset name"));
    free(env);
    teardown(tmp);
}

/* The last step: Debian's dataset-fashion-mnist (skipped when it is not installed). */
static void test_data_locate_finds_debian_datasets(void **state)
{
    (void)state;
    struct stat sb;
    if (stat("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", &sb) != 0)
        skip();
    char *tmp = setup();
    expect_found("fashion-mnist", NULL, "/usr/share/datasets/fashion-mnist");
    dataset_dir("data/fashion-mnist", "", -1);
    expect_found("fashion-mnist", NULL, "data/fashion-mnist");
    teardown(tmp);
}

static void test_data_locate_fetch_dir(void **state)
{
    (void)state;
    char *tmp = setup();
    char out[4096], want[4096];
    struct rm_status st;
    assert_int_equal(data_fetch_dir("mnist", "mine", out, sizeof out, &st), 0);
    assert_string_equal(out, "mine");
    setenv("RESNET_MNIST_DATA", "/data/x", 1);
    assert_int_equal(data_fetch_dir("mnist", "mine", out, sizeof out, &st), 0);
    assert_string_equal(out, "mine");
    assert_int_equal(data_fetch_dir("mnist", NULL, out, sizeof out, &st), 0);
    assert_string_equal(out, "/data/x");
    unsetenv("RESNET_MNIST_DATA");
    assert_int_equal(data_fetch_dir("fashion-mnist", NULL, out, sizeof out, &st), 0);
    snprintf(want, sizeof want, "%s/xdg/resnet-mnist/fashion-mnist", tmp);
    assert_string_equal(out, want);
    unsetenv("XDG_DATA_HOME");
    assert_int_equal(data_fetch_dir("mnist", NULL, out, sizeof out, &st), 0);
    snprintf(want, sizeof want, "%s/home/.local/share/resnet-mnist/mnist", tmp);
    assert_string_equal(out, want);
    assert_int_equal(data_fetch_dir("mnist", NULL, out, 8, &st), -1);
    assert_non_null(strstr(st.msg, "path too long"));
    unsetenv("HOME");
    assert_int_equal(data_fetch_dir("mnist", NULL, out, sizeof out, &st), -1);
    assert_non_null(strstr(st.msg, "neither XDG_DATA_HOME nor HOME is set"));
    teardown(tmp);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_locate_search_order),
        cmocka_unit_test(test_data_locate_test_split_only),
        cmocka_unit_test(test_data_locate_never_passes_over_data_flag),
        cmocka_unit_test(test_data_locate_names_the_folders_tried),
        cmocka_unit_test(test_data_locate_finds_debian_datasets),
        cmocka_unit_test(test_data_locate_fetch_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
