/* The program as a user runs it: usage errors (exit 2), failures (exit 1) with one line naming
 * the file or flag, help and version, and a small end-to-end train + test on IDX files the
 * test writes itself. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <math.h>

#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/io/plot.h"

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
    assert_true(strncmp(text, "epoch,train_loss,test_loss,test_accuracy,seconds\n", 49) == 0);
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
    /* output folder missing: refused before any data is read */
    assert_int_equal(run(&out, &err, "train", "--out", missing, NULL, NULL, NULL, NULL, NULL), 1);
    assert_non_null(strstr(err, missing));
    assert_non_null(strstr(err, "does not exist"));
    free(out), free(err);
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

/* ---------------------------------------------------------------------------------------------
 * The evaluation report of `test`: tables, --json, --errors */

/* The first line of `test` (scripts grep it) and the tables under it. */
static void expect_report_text(const char *out, const char *weights)
{
    char want[512];
    snprintf(want, sizeof want, "%s: test accuracy ", weights);
    if (strncmp(out, want, strlen(want)) != 0 || !strstr(out, "), test loss "))
        fail_msg("first line: %s", out);
    assert_non_null(strstr(out, "\ndigit  correct  total  accuracy\n"));
    assert_non_null(strstr(out, "\n  all "));
    assert_non_null(strstr(out, "\nconfusion matrix: rows are the true digit, columns the "
                                "predicted digit\ntrue\\pred     0     1     2     3     4     5"
                                "     6     7     8     9\n"));
    /* ten rows of the matrix: the row header, then ten numbers */
    const char *m = strstr(out, "true\\pred");
    for (int t = 0; t < 10; t++) {
        m = strchr(m, '\n') + 1;
        int row, v[10];
        if (sscanf(m, "%d %d %d %d %d %d %d %d %d %d %d", &row, &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7], &v[8], &v[9]) != 11 ||
            row != t)
            fail_msg("confusion row %d: %s", t, m);
    }
    /* the tables, from the per-digit header to the last row of the matrix, fit an 80-column
     * terminal (the lines naming files are as long as the paths) */
    const char *end = strchr(m, '\n');
    assert_non_null(end);
    for (const char *p = strstr(out, "\ndigit") + 1; p <= end;) {
        size_t len = strcspn(p, "\n");
        assert_true(len < 80);
        p += len + 1;
    }
}

/* Parses `test --json` output and checks that it is consistent: the confusion matrix sums to
 * total, its trace is correct, its rows are the per-class totals and its diagonal the per-class
 * correct counts. Returns the object (caller deletes). */
static cJSON *expect_report_json(const char *out, const char *weights)
{
    cJSON *o = cJSON_Parse(out);
    if (!o)
        fail_msg("not JSON: %s", out);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "weights");
    assert_true(cJSON_IsString(w));
    assert_string_equal(w->valuestring, weights);
    const cJSON *correct = cJSON_GetObjectItemCaseSensitive(o, "correct");
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(o, "total");
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(o, "accuracy");
    const cJSON *loss = cJSON_GetObjectItemCaseSensitive(o, "loss");
    const cJSON *mis = cJSON_GetObjectItemCaseSensitive(o, "misclassified");
    assert_true(cJSON_IsNumber(correct) && cJSON_IsNumber(total) && cJSON_IsNumber(acc) &&
                cJSON_IsNumber(loss) && cJSON_IsNumber(mis));
    assert_true(total->valueint > 0);
    assert_true(fabs(acc->valuedouble - (double)correct->valueint / total->valueint) < 1e-12);
    assert_int_equal(mis->valueint, total->valueint - correct->valueint);
    assert_true(loss->valuedouble >= 0.0);
    const cJSON *per = cJSON_GetObjectItemCaseSensitive(o, "per_class");
    const cJSON *conf = cJSON_GetObjectItemCaseSensitive(o, "confusion");
    assert_true(cJSON_IsArray(per) && cJSON_GetArraySize(per) == 10);
    assert_true(cJSON_IsArray(conf) && cJSON_GetArraySize(conf) == 10);
    long sum = 0, trace = 0;
    for (int t = 0; t < 10; t++) {
        const cJSON *row = cJSON_GetArrayItem(conf, t), *pc = cJSON_GetArrayItem(per, t);
        assert_true(cJSON_IsArray(row) && cJSON_GetArraySize(row) == 10);
        long row_sum = 0;
        for (int p = 0; p < 10; p++) {
            const cJSON *v = cJSON_GetArrayItem(row, p);
            assert_true(cJSON_IsNumber(v) && v->valueint >= 0);
            row_sum += v->valueint;
            if (p == t)
                trace += v->valueint;
        }
        sum += row_sum;
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(pc, "digit")->valueint, t);
        int c_t = cJSON_GetObjectItemCaseSensitive(pc, "correct")->valueint;
        int n_t = cJSON_GetObjectItemCaseSensitive(pc, "total")->valueint;
        const cJSON *a_t = cJSON_GetObjectItemCaseSensitive(pc, "accuracy");
        assert_int_equal(n_t, row_sum);
        assert_int_equal(c_t, cJSON_GetArrayItem(row, t)->valueint);
        if (n_t)
            assert_true(fabs(a_t->valuedouble - (double)c_t / n_t) < 1e-12);
        else
            assert_true(cJSON_IsNull(a_t));
    }
    assert_int_equal(sum, total->valueint);
    assert_int_equal(trace, correct->valueint);
    return o;
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Width and height from a PNG's IHDR chunk. */
static void png_size(const char *path, int *w, int *h)
{
    size_t len;
    uint8_t *b = tu_read_file(path, &len);
    assert_true(len > 24);
    assert_memory_equal(b, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    *w = b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19];
    *h = b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23];
    free(b);
}

static void test_cli_test_report_after_training(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    tu_write_mnist_split(dir, "train", 90);
    tu_write_mnist_split(dir, "t10k", 40);
    char *out, *err;
    int rc = run(&out, &err, "train", "--epochs", "2", "--data", dir, "--out", dir, "--lr=0.05");
    if (rc != 0)
        fail_msg("train: exit %d: %s", rc, err);
    free(out), free(err);
    char *weights = tu_path(dir, "best.bin");
    char *png = tu_path(dir, "errors.png");

    rc = run(&out, &err, "test", "--weights", weights, "--data", dir, "--json", NULL, NULL);
    if (rc != 0)
        fail_msg("test --json: exit %d: %s", rc, err);
    assert_string_equal(err, "");
    cJSON *o = expect_report_json(out, weights);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "total")->valueint, 40);
    for (int d = 0; d < 10; d++) /* tu_write_mnist_split's labels are i % 10 */
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(
                             cJSON_GetArrayItem(cJSON_GetObjectItem(o, "per_class"), d), "total")
                             ->valueint,
                         4);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "errors_png"));
    int correct = cJSON_GetObjectItemCaseSensitive(o, "correct")->valueint;
    cJSON_Delete(o);
    free(out), free(err);

    rc = run(&out, &err, "test", "--weights", weights, "--data", dir, "--errors", png, NULL);
    if (rc != 0)
        fail_msg("test --errors: exit %d: %s", rc, err);
    expect_report_text(out, weights);
    assert_non_null(strstr(out, "(training recorded "));
    char want[600];
    if (correct == 40) {
        snprintf(want, sizeof want, "\nno misclassified images; %s not written\n", png);
        assert_non_null(strstr(out, want));
        assert_false(file_exists(png));
    } else {
        snprintf(want, sizeof want, "\nwrote %s: all %d misclassified image", png, 40 - correct);
        assert_non_null(strstr(out, want));
        int w, h;
        png_size(png, &w, &h);
        assert_true(w >= PLOT_GRID_MIN_W && h > PLOT_GRID_CELL_H);
    }
    free(out), free(err);
    free(weights), free(png);
    tu_remove_dir(dir);
}

/* A checkpoint whose network answers `digit` for every image, with the same confidence: all
 * weights 0 and the last bias 2 for that digit, so the logits are the bias. */
static void write_constant_checkpoint(const char *path, int digit)
{
    struct model m = {0};
    struct rm_status st;
    assert_int_equal(model_init(&m, 1, 1, &st), 0);
    for (int i = 0; i < MODEL_PARAM_COUNT; i++)
        if (strcmp(model_params[i].name, "linear2.bias") == 0)
            model_param(&m, i)[digit] = 2.0f;
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(m.params, t);
    if (ckpt_save(path, t, MODEL_PARAM_COUNT, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    model_free(&m);
}

/* Rewrites the labels of a split written by tu_write_mnist_split to all be `digit`. */
static void relabel_split(const char *dir, const char *prefix, int n, int digit)
{
    char name[256];
    snprintf(name, sizeof name, "%s/%s-labels-idx1-ubyte", dir, prefix);
    size_t len;
    uint8_t *lab = tu_read_file(name, &len);
    assert_int_equal(len, 8 + (size_t)n);
    memset(lab + 8, digit, (size_t)n);
    tu_write_file(name, lab, len);
    free(lab);
}

static void test_cli_test_errors_png_and_no_errors(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *weights = tu_path(dir, "three.bin");
    char *png = tu_path(dir, "errors.png");
    write_constant_checkpoint(weights, 3);
    tu_write_mnist_split(dir, "t10k", 40);
    char *out, *err;

    /* every image is taken for a 3: the 36 others are mistakes; 5 are drawn */
    int rc = tu_run_program(&out, &err, "test", "--weights", weights, "--data", dir, "--errors",
                            png, "--errors-max", "5", NULL);
    if (rc != 0)
        fail_msg("test --errors: exit %d: %s", rc, err);
    expect_report_text(out, weights);
    assert_null(strstr(out, "(training recorded")); /* no metadata in this checkpoint */
    assert_non_null(strstr(out, "\n    3        4      4   100.00%\n"));
    assert_non_null(strstr(out, "\n    0        0      4     0.00%\n"));
    assert_non_null(strstr(out, "\n  all        4     40    10.00%\n"));
    assert_non_null(strstr(out, "\n        7     0     0     0     4     0"));
    char want[600];
    snprintf(want, sizeof want, "\nwrote %s: the 5 most confident of 36 misclassified images\n",
             png);
    assert_non_null(strstr(out, want));
    int w, h;
    png_size(png, &w, &h);
    assert_int_equal(w, 2 * PLOT_GRID_MARGIN + 5 * PLOT_GRID_CELL_W);
    assert_int_equal(h, PLOT_GRID_TITLE_H + PLOT_GRID_CELL_H + PLOT_GRID_MARGIN);
    free(out), free(err);

    /* --json names the picture it wrote */
    assert_int_equal(remove(png), 0);
    rc = tu_run_program(&out, &err, "test", "--weights", weights, "--data", dir, "--json",
                        "--errors", png, NULL);
    if (rc != 0)
        fail_msg("test --json --errors: exit %d: %s", rc, err);
    cJSON *o = expect_report_json(out, weights);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "correct")->valueint, 4);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(o, "errors_png");
    assert_true(cJSON_IsString(path));
    assert_string_equal(path->valuestring, png);
    png_size(png, &w, &h); /* 36 images, 10 to a row */
    assert_int_equal(w, 2 * PLOT_GRID_MARGIN + 10 * PLOT_GRID_CELL_W);
    assert_int_equal(h, PLOT_GRID_TITLE_H + 4 * PLOT_GRID_CELL_H + PLOT_GRID_MARGIN);
    cJSON_Delete(o);
    free(out), free(err);

    /* all labels 3: no mistake, no file, and the output says so */
    assert_int_equal(remove(png), 0);
    relabel_split(dir, "t10k", 40, 3);
    rc = tu_run_program(&out, &err, "test", "--weights", weights, "--data", dir, "--errors", png,
                        NULL);
    if (rc != 0)
        fail_msg("test --errors, no mistakes: exit %d: %s", rc, err);
    snprintf(want, sizeof want, "\nno misclassified images; %s not written\n", png);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "\n    0        0      0         -\n"));
    assert_false(file_exists(png));
    free(out), free(err);
    rc = tu_run_program(&out, &err, "test", "--weights", weights, "--data", dir, "--errors", png,
                        "--json", NULL);
    assert_int_equal(rc, 0);
    o = expect_report_json(out, weights);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "misclassified")->valueint, 0);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "errors_png"));
    assert_false(file_exists(png));
    cJSON_Delete(o);
    free(out), free(err);

    /* a picture that cannot be written: the report, then the error, exit 1 */
    relabel_split(dir, "t10k", 40, 5);
    char *bad = tu_path(dir, "missing-folder/errors.png");
    rc = tu_run_program(&out, &err, "test", "--weights", weights, "--data", dir, "--errors", bad,
                        NULL);
    assert_int_equal(rc, 1);
    expect_report_text(out, weights);
    assert_true(strncmp(err, "resnet-mnist: ", 14) == 0);
    assert_non_null(strstr(err, bad));
    free(out), free(err), free(bad);
    free(weights), free(png);
    tu_remove_dir(dir);
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
        cmocka_unit_test(test_cli_test_report_after_training),
        cmocka_unit_test(test_cli_test_errors_png_and_no_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
