/* resnet-mnist fetch as a user runs it, and the data search of train and test: usage errors,
 * where the files land by default ($RESNET_MNIST_DATA, else $XDG_DATA_HOME/resnet-mnist/NAME),
 * a clean failure when every source fails, and train finding its data in the user's folder or
 * naming the folders it tried. Sources are local only ($RESNET_MNIST_MIRROR). */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

static int exists(const char *dir, const char *name)
{
    char *p = tu_path(dir, name);
    struct stat sb;
    int rc = stat(p, &sb) == 0;
    free(p);
    return rc;
}

/* Every line of err is an error line of the program. */
static void expect_error_lines(const char *err)
{
    for (const char *line = err; *line;) {
        if (strncmp(line, "resnet-mnist: ", 14) != 0)
            fail_msg("not an error line: %s", line);
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        line = nl + 1;
    }
}

static void test_cmd_fetch_usage(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(tu_run_program(&out, &err, "fetch", "--help", NULL), 0);
    assert_non_null(strstr(out, "Usage: resnet-mnist fetch [DATASET]"));
    free(out);
    free(err);
    assert_int_equal(tu_run_program(&out, &err, "fetch", "emnist", NULL), 2);
    assert_non_null(strstr(err, "unknown dataset 'emnist' (known: mnist, fashion-mnist)"));
    assert_string_equal(out, "");
    free(out);
    free(err);
    assert_int_equal(tu_run_program(&out, &err, "fetch", "mnist", "fashion-mnist", NULL), 2);
    assert_non_null(strstr(err, "unexpected argument 'fashion-mnist'"));
    free(out);
    free(err);
    assert_int_equal(tu_run_program(&out, &err, "fetch", "--dir", NULL), 2);
    assert_non_null(strstr(err, "--dir"));
    free(out);
    free(err);
}

static void test_cmd_fetch_fails_cleanly_when_every_source_fails(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *dest = tu_path(tmp, "dest");
    char mirror[4300];
    snprintf(mirror, sizeof mirror, "RESNET_MNIST_MIRROR=http://127.0.0.1:1/mnist %s/none", tmp);
    const char *env[] = {mirror, NULL};
    char *out, *err;
    assert_int_equal(tu_run_program_env(&out, &err, env, "fetch", "--dir", dest, NULL), 1);
    expect_error_lines(err);
    assert_non_null(
        strstr(err, "resnet-mnist: http://127.0.0.1:1/mnist/train-images-idx3-ubyte.gz: "));
    assert_non_null(strstr(err, "/none: no such folder\n"));
    assert_non_null(strstr(err, "train-images-idx3-ubyte: not fetched: every source failed"));
    for (int i = 0; i < 4; i++)
        assert_false(exists(dest, names[i]));
    free(out);
    free(err);
    free(dest);
    tu_remove_dir(tmp);
}

/* Needs Debian's dataset-fashion-mnist as the source (the built-in checksums are of the real
 * files); skipped without it. */
static void test_cmd_fetch_writes_where_the_search_looks(void **state)
{
    (void)state;
    const char *debian = "/usr/share/datasets/fashion-mnist";
    struct stat sb;
    if (stat(debian, &sb) != 0)
        skip();
    char *tmp = tu_make_temp_dir();
    char xdg[4200], mirror[4200], data_env[4200];
    snprintf(xdg, sizeof xdg, "XDG_DATA_HOME=%s/xdg", tmp);
    snprintf(mirror, sizeof mirror, "RESNET_MNIST_MIRROR=%s", debian);
    /* no --dir, no $RESNET_MNIST_DATA: the user's folder */
    const char *env[] = {xdg, mirror, NULL};
    char *out, *err;
    if (tu_run_program_env(&out, &err, env, "fetch", "fashion-mnist", NULL) != 0)
        fail_msg("%s", err);
    char *user = tu_path(tmp, "xdg/resnet-mnist/fashion-mnist");
    for (int i = 0; i < 4; i++)
        assert_true(exists(user, names[i]));
    char want[4300];
    snprintf(want, sizeof want, "fashion-mnist: the four files are in %s\n", user);
    assert_non_null(strstr(out, want));
    free(out);
    free(err);
    /* $RESNET_MNIST_DATA when set */
    char *envdir = tu_path(tmp, "env");
    snprintf(data_env, sizeof data_env, "RESNET_MNIST_DATA=%s", envdir);
    const char *env2[] = {xdg, mirror, data_env, NULL};
    if (tu_run_program_env(&out, &err, env2, "fetch", "fashion-mnist", NULL) != 0)
        fail_msg("%s", err);
    for (int i = 0; i < 4; i++)
        assert_true(exists(envdir, names[i]));
    free(out);
    free(err);
    free(envdir);
    free(user);
    tu_remove_dir(tmp);
}

static void test_cmd_fetch_train_searches_the_user_folder(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char xdg[4200];
    snprintf(xdg, sizeof xdg, "XDG_DATA_HOME=%s/xdg", tmp);
    const char *env[] = {xdg, NULL};
    char *run = tu_path(tmp, "run");
    char *out, *err;
    /* nothing anywhere: one line naming the folders tried and the fetch command */
    assert_int_equal(
        tu_run_program_env(&out, &err, env, "train", "--epochs", "1", "--out", run, NULL), 1);
    char want[4300];
    snprintf(want, sizeof want,
             "resnet-mnist: no mnist files in data/mnist, %s/xdg/resnet-mnist/mnist, "
             "/usr/share/datasets/mnist (get them with 'resnet-mnist fetch mnist', or give --data "
             "DIR)\n",
             tmp);
    if (strlen(want) < 500)
        assert_string_equal(err, want);
    else
        assert_non_null(strstr(err, "(get them with 'resnet-mnist fetch mnist'"));
    free(out);
    free(err);
    /* the files in the user's folder: found */
    char *user = tu_path(tmp, "xdg/resnet-mnist/mnist");
    char *p = tu_path(tmp, "xdg");
    assert_int_equal(mkdir(p, 0777), 0);
    free(p);
    p = tu_path(tmp, "xdg/resnet-mnist");
    assert_int_equal(mkdir(p, 0777), 0);
    free(p);
    assert_int_equal(mkdir(user, 0777), 0);
    tu_write_mnist_split(user, "train", 60);
    tu_write_mnist_split(user, "t10k", 30);
    if (tu_run_program_env(&out, &err, env, "train", "--epochs", "1", "--out", run, "--log-every",
                           "0", "--threads", "1", NULL) != 0)
        fail_msg("%s", err);
    assert_non_null(strstr(out, "training on 60 images, testing on 30"));
    free(out);
    free(err);
    char *best = tu_path(run, "best.bin");
    if (tu_run_program_env(&out, &err, env, "test", "--weights", best, "--threads", "1", NULL) != 0)
        fail_msg("%s", err);
    assert_non_null(strstr(out, "/30)"));
    free(out);
    free(err);
    free(best);
    free(user);
    free(run);
    tu_remove_dir(tmp);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_fetch_usage),
        cmocka_unit_test(test_cmd_fetch_fails_cleanly_when_every_source_fails),
        cmocka_unit_test(test_cmd_fetch_writes_where_the_search_looks),
        cmocka_unit_test(test_cmd_fetch_train_searches_the_user_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
