/* The program as a user runs it: usage errors (exit 2) of every command, failures (exit 1) with
 * one line naming the file or flag, help and version, divergence, and a small end-to-end train
 * + test on IDX files the test writes itself. Each command's own behaviour has its own file
 * (test_cmd_train.c, test_cmd_test.c, test_cmd_predict.c, test_cmd_bench.c). */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resnet_mnist/ops/isa.h"

static int run(char **out, char **err, const char *a0, const char *a1, const char *a2,
               const char *a3, const char *a4, const char *a5, const char *a6, const char *a7)
{
    return tu_run_program(out, err, a0, a1, a2, a3, a4, a5, a6, a7, NULL);
}

/* Asserts a usage error: exit 2, stderr's first line starts with "resnet-mnist: " and contains
 * want, followed by a "Try ... --help" line. */
static void expect_usage_error(const char *want, const char *a0, const char *a1, const char *a2)
{
    char *out, *err;
    int rc = run(&out, &err, a0, a1, a2, NULL, NULL, NULL, NULL, NULL);
    if (rc != 2 || strncmp(err, "resnet-mnist: ", 14) != 0 || !strstr(err, want) ||
        !strstr(err, "--help"))
        fail_msg("'%s %s %s': exit %d, stderr: %s", a0 ? a0 : "", a1 ? a1 : "", a2 ? a2 : "", rc,
                 err);
    assert_string_equal(out, "");
    free(out);
    free(err);
}

static void test_cli_usage_errors(void **state)
{
    (void)state;
    expect_usage_error("no command", NULL, NULL, NULL);
    expect_usage_error("unknown command 'fly'", "fly", NULL, NULL);
    expect_usage_error("unknown option '--frobnicate'", "--frobnicate", NULL, NULL);
    expect_usage_error("--epochs: 'abc' is not a whole number", "train", "--epochs", "abc");
    expect_usage_error("--epochs: '3x' is not a whole number", "train", "--epochs", "3x");
    expect_usage_error("--epochs: 0 is out of range", "train", "--epochs", "0");
    expect_usage_error("--epochs: '99999999999999999999' is not a whole number", "train",
                       "--epochs", "99999999999999999999");
    expect_usage_error("--lr: -1 is out of range", "train", "--lr", "-1");
    expect_usage_error("--lr: 0 is out of range", "train", "--lr", "0");
    expect_usage_error("--lr: 'nan' is not a number", "train", "--lr", "nan");
    expect_usage_error("--momentum: 1.5 is out of range", "train", "--momentum", "1.5");
    expect_usage_error("--batch-size: 0 is out of range", "train", "--batch-size", "0");
    expect_usage_error("--seed: '-4' is not a number", "train", "--seed", "-4");
    expect_usage_error("unknown option '--bogus'", "train", "--bogus", NULL);
    expect_usage_error("option '--epochs' needs a value", "train", "--epochs", NULL);
    expect_usage_error("unexpected argument 'extra'", "train", "extra", NULL);
    expect_usage_error("--limit-test: '' is not a whole number", "test", "--limit-test", "");
    expect_usage_error("unknown option '--epochs'", "test", "--epochs", "3");
    /* every numeric flag of every command refuses non-numbers and out-of-range values */
    expect_usage_error("--threads: 0 is out of range", "train", "--threads", "0");
    expect_usage_error("--threads: 'two' is not a whole number", "test", "--threads", "two");
    expect_usage_error("--limit-train: '1e3' is not a whole number", "train", "--limit-train",
                       "1e3");
    expect_usage_error("--limit-test: 0 is out of range", "train", "--limit-test", "0");
    expect_usage_error("--log-every: -1 is out of range", "train", "--log-every", "-1");
    expect_usage_error("--batch-size: 5000 is out of range", "test", "--batch-size", "5000");
    expect_usage_error("--steps: 0 is out of range", "bench", "--steps", "0");
    expect_usage_error("--runs: 'x' is not a whole number", "bench", "--runs", "x");
    expect_usage_error("--batch-size: ' 3' is not a whole number", "bench", "--batch-size", " 3");
    expect_usage_error("--momentum: 'inf' is not a number", "train", "--momentum", "inf");
    expect_usage_error("unknown option '--bogus'", "predict", "--bogus", NULL);
    expect_usage_error("--errors-max: 0 is out of range 1..1000", "test", "--errors-max", "0");
    expect_usage_error("--errors-max: 1001 is out of range", "test", "--errors-max", "1001");
    expect_usage_error("--errors-max: 'ten' is not a whole number", "test", "--errors-max", "ten");
    expect_usage_error("option '--errors' needs a value", "test", "--errors", NULL);
    expect_usage_error("--errors: empty file name", "test", "--errors", "");
}

static void test_cli_help_and_version(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(run(&out, &err, "--version", NULL, NULL, NULL, NULL, NULL, NULL, NULL), 0);
    assert_true(strncmp(out, "resnet-mnist ", 13) == 0);
    free(out), free(err);
    assert_int_equal(run(&out, &err, "--help", NULL, NULL, NULL, NULL, NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "Usage: resnet-mnist COMMAND"));
    assert_string_equal(err, "");
    free(out), free(err);
    const char *cmds[] = {"train", "test"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(run(&out, &err, cmds[i], "--help", NULL, NULL, NULL, NULL, NULL, NULL), 0);
        assert_non_null(strstr(out, "Usage: resnet-mnist"));
        assert_non_null(strstr(out, "Example"));
        assert_non_null(strstr(out, i == 0 ? "--epochs" : "--weights"));
        free(out), free(err);
    }
}

static void test_cli_train_then_test_reproduces_recorded_accuracy(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    tu_write_mnist_split(dir, "train", 90);
    tu_write_mnist_split(dir, "t10k", 40);
    char *out, *err;
    int rc = run(&out, &err, "train", "--epochs", "3", "--data", dir, "--out", dir, "--lr=0.05");
    if (rc != 0)
        fail_msg("train: exit %d: %s", rc, err);
    assert_non_null(strstr(out, "epoch 3: test accuracy"));
    assert_non_null(strstr(out, "best.bin"));
    /* the best epoch's accuracy, as printed "best test accuracy X% (c/t) at epoch E" */
    const char *best = strstr(out, "best test accuracy ");
    assert_non_null(best);
    char recorded[64];
    assert_int_equal(sscanf(best, "best test accuracy %63s", recorded), 1);
    const char *names[] = {"best.bin", "last.bin", "metrics.csv", "accuracy.png"};
    for (int i = 0; i < 4; i++) {
        char *p = tu_path(dir, names[i]);
        struct stat sb;
        assert_int_equal(stat(p, &sb), 0);
        assert_true(sb.st_size > 0);
        free(p);
    }
    char *png = tu_path(dir, "accuracy.png");
    size_t len;
    uint8_t *bytes = tu_read_file(png, &len);
    assert_memory_equal(bytes, "\x89PNG\r\n\x1a\n", 8);
    free(bytes), free(png);
    char *csv = tu_path(dir, "metrics.csv");
    char *text = (char *)tu_read_file(csv, &len);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 4); /* header + 3 epochs */
    const char *header = "epoch,train_loss,test_loss,test_accuracy,seconds,train_accuracy,lr,"
                         "val_loss,val_accuracy\n";
    assert_true(strncmp(text, header, strlen(header)) == 0);
    free(text), free(csv), free(out), free(err);

    char *weights = tu_path(dir, "best.bin");
    rc = run(&out, &err, "test", "--weights", weights, "--data", dir, NULL, NULL, NULL);
    if (rc != 0)
        fail_msg("test: exit %d: %s", rc, err);
    char want[128];
    snprintf(want, sizeof want, "test accuracy %s", recorded);
    if (!strstr(out, want))
        fail_msg("test printed '%s', training recorded '%s'", out, recorded);
    free(out), free(err), free(weights);
    tu_remove_dir(dir);
}

static void test_cli_failures_name_the_file(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *missing = tu_path(dir, "nope");
    char *out, *err;
    /* an output folder that cannot be: refused before any data is read */
    char *file = tu_path(dir, "file");
    tu_write_file(file, "x", 1);
    assert_int_equal(run(&out, &err, "train", "--out", file, NULL, NULL, NULL, NULL, NULL), 1);
    assert_non_null(strstr(err, file));
    assert_non_null(strstr(err, "not a folder"));
    free(out), free(err), free(file);
    /* data folder missing */
    assert_int_equal(run(&out, &err, "train", "--data", missing, "--out", dir, NULL, NULL, NULL),
                     1);
    assert_true(strncmp(err, "resnet-mnist: ", 14) == 0);
    assert_non_null(strstr(err, missing));
    free(out), free(err);
    /* weights missing */
    assert_int_equal(run(&out, &err, "test", "--weights", missing, NULL, NULL, NULL, NULL, NULL),
                     1);
    assert_non_null(strstr(err, missing));
    free(out), free(err);
    /* weights that are not a checkpoint */
    char *junk = tu_path(dir, "junk.bin");
    tu_write_file(junk, "hello, world", 12);
    assert_int_equal(run(&out, &err, "test", "--weights", junk, NULL, NULL, NULL, NULL, NULL), 1);
    assert_non_null(strstr(err, junk));
    /* one line, nothing else */
    assert_non_null(strchr(err, '\n'));
    assert_true(strchr(err, '\n')[1] == '\0');
    free(out), free(err), free(junk), free(missing);
    tu_remove_dir(dir);
}

static void test_cli_divergence_stops_with_a_hint(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    tu_write_mnist_split(dir, "train", 60);
    tu_write_mnist_split(dir, "t10k", 10);
    char *out, *err;
    int rc = run(&out, &err, "train", "--epochs", "3", "--data", dir, "--out", dir, "--lr=1e5");
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "diverged"));
    assert_non_null(strstr(err, "smaller --lr"));
    assert_non_null(strstr(err, "batch"));
    free(out), free(err);
    tu_remove_dir(dir);
}

/* Runs "resnet-mnist [a0 a1] --version" with RESNET_MNIST_ISA set to env (NULL: unset) and
 * returns the exit status, stdout and stderr (malloc'd). */
static int run_isa(char **out, char **err, const char *env, const char *a0, const char *a1)
{
    char var[64];
    snprintf(var, sizeof var, "RESNET_MNIST_ISA=%s", env ? env : "");
    const char *e[] = {env ? var : "RESNET_MNIST_ISA", NULL};
    if (!a0)
        return tu_run_program_env(out, err, e, "--version", NULL);
    if (!a1)
        return tu_run_program_env(out, err, e, a0, "--version", NULL);
    return tu_run_program_env(out, err, e, a0, a1, "--version", NULL);
}

/* Asserts a usage error whose first line is "resnet-mnist: " + want (then the "Try" line). */
static void expect_isa_error(const char *want, const char *env, const char *a0, const char *a1)
{
    char *out, *err;
    int rc = run_isa(&out, &err, env, a0, a1);
    size_t n = strlen(want);
    if (rc != 2 || strncmp(err, "resnet-mnist: ", 14) != 0 || strncmp(err + 14, want, n) != 0 ||
        err[14 + n] != '\n' || !strstr(err, "--help"))
        fail_msg("env %s, %s %s: exit %d, stderr: %s", env ? env : "unset", a0 ? a0 : "",
                 a1 ? a1 : "", rc, err);
    assert_string_equal(out, "");
    free(out), free(err);
}

/* --isa NAME (before the command) and RESNET_MNIST_ISA choose the kernels' path, which
 * --version names; the flag wins over the variable; an unknown name, a missing value and a path
 * this CPU (or a native build) lacks are usage errors of one line. */
static void test_cli_isa_chooses_the_kernels(void **state)
{
    (void)state;
    expect_isa_error(
        "--isa: unknown instruction-set path 'avx' (expected avx512, avx2 or baseline)", NULL,
        "--isa", "avx");
    expect_isa_error("RESNET_MNIST_ISA: unknown instruction-set path 'AVX2' (expected avx512, avx2 "
                     "or baseline)",
                     "AVX2", NULL, NULL);
    expect_isa_error("--isa: unknown instruction-set path '' (expected avx512, avx2 or baseline)",
                     NULL, "--isa=", NULL);
    char *out, *err;
    assert_int_equal(tu_run_program(&out, &err, "--isa", NULL), 2);
    assert_non_null(strstr(err, "option '--isa' needs a value"));
    free(out), free(err);
    /* help needs no kernels: a bad variable does not stop it */
    const char *bad[] = {"RESNET_MNIST_ISA=avx", NULL};
    assert_int_equal(tu_run_program_env(&out, &err, bad, "--help", NULL), 0);
    free(out), free(err);

    unsigned features = isa_read_features();
    char want[128];
    enum isa_path best = isa_best_path(features);
    snprintf(want, sizeof want, "\nkernels: %s (%s, %d floats per vector)\n", isa_path_name(best),
             isa_path_label(best), isa_path_floats(best));
    assert_int_equal(run_isa(&out, &err, NULL, NULL, NULL), 0);
    if (!strstr(out, want))
        fail_msg("default path: want %s in %s", want + 1, out);
    free(out), free(err);
    assert_int_equal(run_isa(&out, &err, "", NULL, NULL), 0); /* empty: as unset */
    if (!strstr(out, want))
        fail_msg("empty RESNET_MNIST_ISA: want %s in %s", want + 1, out);
    free(out), free(err);
    for (int p = 0; p < ISA_PATHS; p++) {
        const char *name = isa_path_name((enum isa_path)p);
        char flag[32];
        snprintf(flag, sizeof flag, "--isa=%s", name);
        if (!isa_path_compiled((enum isa_path)p)) {
            snprintf(want, sizeof want,
                     "--isa: this build has only the %s path (built with "
                     "RESNET_MNIST_NATIVE=ON)",
                     isa_path_name(best));
            expect_isa_error(want, NULL, "--isa", name);
            continue;
        }
        if (!isa_path_supported((enum isa_path)p, features)) {
            snprintf(want, sizeof want,
                     "RESNET_MNIST_ISA: the %s path needs %s, which this CPU lacks", name,
                     isa_path_needs((enum isa_path)p));
            expect_isa_error(want, name, NULL, NULL);
            continue;
        }
        snprintf(want, sizeof want, "\nkernels: %s (%s, %d floats per vector)\n", name,
                 isa_path_label((enum isa_path)p), isa_path_floats((enum isa_path)p));
        /* the variable, the flag in both forms, and the flag over a bad variable */
        int rc[4] = {run_isa(&out, &err, name, NULL, NULL), 0, 0, 0};
        for (int k = 0; k < 4; k++) {
            if (k == 1)
                rc[k] = run_isa(&out, &err, NULL, "--isa", name);
            if (k == 2)
                rc[k] = run_isa(&out, &err, NULL, flag, NULL);
            if (k == 3)
                rc[k] = run_isa(&out, &err, "avx", "--isa", name);
            if (rc[k] != 0 || !strstr(out, want))
                fail_msg("%s, way %d: exit %d, stdout %s, stderr %s", name, k, rc[k], out, err);
            free(out), free(err);
        }
    }
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_usage_errors),
        cmocka_unit_test(test_cli_help_and_version),
        cmocka_unit_test(test_cli_train_then_test_reproduces_recorded_accuracy),
        cmocka_unit_test(test_cli_failures_name_the_file),
        cmocka_unit_test(test_cli_divergence_stops_with_a_hint),
        cmocka_unit_test(test_cli_isa_chooses_the_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
