/* resnet-mnist test: the evaluation report (the first line scripts grep, the per-digit table
 * and the confusion matrix, all fitting 80 columns), its --json form checked for consistency,
 * --errors pictures of the misclassified images (or none, said so), and the data folder taken
 * from RESNET_MNIST_DATA. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/weights.h"
#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/digit_grid.h"

static int run(char **out, char **err, const char *a0, const char *a1, const char *a2,
               const char *a3, const char *a4, const char *a5, const char *a6, const char *a7)
{
    return tu_run_program(out, err, a0, a1, a2, a3, a4, a5, a6, a7, NULL);
}

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
    *w = (int)bytes_load_be32(b + 16);
    *h = (int)bytes_load_be32(b + 20);
    free(b);
}

static void test_cmd_test_report_after_training(void **state)
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
        assert_true(w >= DIGIT_GRID_MIN_W && h > DIGIT_GRID_CELL_H);
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
            m.params[model_params[i].offset + digit] = 2.0f;
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

static void test_cmd_test_errors_png_and_no_errors(void **state)
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
    assert_int_equal(w, 2 * DIGIT_GRID_MARGIN + 5 * DIGIT_GRID_CELL_W);
    assert_int_equal(h, DIGIT_GRID_TITLE_H + DIGIT_GRID_CELL_H + DIGIT_GRID_MARGIN);
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
    assert_int_equal(w, 2 * DIGIT_GRID_MARGIN + 10 * DIGIT_GRID_CELL_W);
    assert_int_equal(h, DIGIT_GRID_TITLE_H + 4 * DIGIT_GRID_CELL_H + DIGIT_GRID_MARGIN);
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

/* Without --data, `test` reads $RESNET_MNIST_DATA, or data/mnist under the working folder when
 * that is unset or empty (the tests' own environment has it unset). */
static void test_cmd_test_data_folder_from_the_environment(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *weights = tu_path(dir, "three.bin");
    write_constant_checkpoint(weights, 3);
    tu_write_mnist_split(dir, "t10k", 20);
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0); /* where data/mnist surely is not */
    char *out, *err;
    char data_env[4200];
    snprintf(data_env, sizeof data_env, "RESNET_MNIST_DATA=%s", dir);
    const char *const with[] = {data_env, NULL};
    int rc = tu_run_program_env(&out, &err, with, "test", "--weights", weights, "--json", NULL);
    if (rc != 0)
        fail_msg("test with RESNET_MNIST_DATA: exit %d: %s", rc, err);
    cJSON *o = expect_report_json(out, weights);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "total")->valueint, 20);
    cJSON_Delete(o);
    free(out), free(err);

    /* and the user's own data folder ($XDG_DATA_HOME/resnet-mnist, where `fetch` puts MNIST
     * on this machine perhaps) must not be found either: point it at the empty folder */
    char xdg_env[4200];
    snprintf(xdg_env, sizeof xdg_env, "XDG_DATA_HOME=%s", dir);
    const char *const unset[] = {xdg_env, NULL}, *const empty[] = {"RESNET_MNIST_DATA=", xdg_env,
                                                                   NULL};
    const char *const *envs[] = {unset, empty};
    for (int i = 0; i < 2; i++) {
        rc = tu_run_program_env(&out, &err, envs[i], "test", "--weights", weights, NULL);
        assert_int_equal(rc, 1);
        assert_string_equal(out, "");
        assert_true(strncmp(err, "resnet-mnist: ", 14) == 0);
        if (!strstr(err, "data/mnist"))
            fail_msg("no RESNET_MNIST_DATA (%d): %s", i, err);
        free(out), free(err);
    }
    assert_int_equal(chdir(cwd), 0);
    free(weights);
    tu_remove_dir(dir);
}
/* A checkpoint with every weight and bias 1e30: finite, but the activations overflow to
 * infinity by the second convolution, and the logits become NaN. */
static void write_overflowing_checkpoint(const char *path)
{
    float *p = malloc(MODEL_PARAM_FLOATS * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < MODEL_PARAM_FLOATS; i++)
        p[i] = 1e30f;
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(p, t);
    struct rm_status st;
    if (ckpt_save(path, t, MODEL_PARAM_COUNT, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    free(p);
}

/* The number of lines of s. */
static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* last.bin (a resumable checkpoint: the weights and momentum, the trainer's position) evaluates
 * as best.bin does: the same numbers for the same epoch, its optimizer state ignored, the
 * epoch reported; its kind named in --json. */
static void test_cmd_test_accepts_last_bin(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    tu_write_mnist_split(dir, "train", 60);
    tu_write_mnist_split(dir, "t10k", 20);
    char *out, *err;
    int rc = run(&out, &err, "train", "--epochs", "1", "--data", dir, "--out", dir, "--lr=0.05");
    if (rc != 0)
        fail_msg("train: exit %d: %s", rc, err);
    free(out), free(err);
    char *last = tu_path(dir, "last.bin"), *best = tu_path(dir, "best.bin");

    rc = run(&out, &err, "test", "--weights", last, "--data", dir, NULL, NULL, NULL);
    if (rc != 0)
        fail_msg("test --weights last.bin: exit %d: %s", rc, err);
    assert_string_equal(err, "");
    expect_report_text(out, last);
    if (!strstr(out, " at epoch 1; a resumable checkpoint, its optimizer state not used)\n"))
        fail_msg("no epoch line: %s", out);
    char *best_out, *best_err;
    rc = run(&best_out, &best_err, "test", "--weights", best, "--data", dir, NULL, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(best_out, " at epoch 1)\n"));
    /* the same weights (epoch 1 both): the same report below the first two lines */
    const char *a = strstr(out, "\ndigit"), *b = strstr(best_out, "\ndigit");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(out), free(err), free(best_out), free(best_err);

    rc = run(&out, &err, "test", "--weights", last, "--data", dir, "--json", NULL, NULL);
    assert_int_equal(rc, 0);
    cJSON *o = expect_report_json(out, last);
    const cJSON *ck = cJSON_GetObjectItemCaseSensitive(o, "checkpoint");
    assert_true(cJSON_IsObject(ck));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(ck, "kind")->valuestring, "resumable");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(ck, "epoch")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(ck, "batch")->valueint, 0);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ck, "recorded_correct")));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(ck, "recorded_total")->valueint, 20);
    cJSON_Delete(o);
    free(out), free(err);
    free(last), free(best);
    tu_remove_dir(dir);
}

/* Finite weights whose outputs are not: one error line, exit 1, no "nan" printed as a result,
 * no picture. */
static void test_cmd_test_refuses_non_finite_outputs(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *weights = tu_path(dir, "huge.bin"), *png = tu_path(dir, "errors.png");
    write_overflowing_checkpoint(weights);
    tu_write_mnist_split(dir, "t10k", 20);
    char *out, *err;
    const char *modes[] = {"--errors", "--json"};
    for (int i = 0; i < 2; i++) {
        int rc = run(&out, &err, "test", "--weights", weights, "--data", dir, modes[i],
                     i == 0 ? png : NULL, NULL);
        assert_int_equal(rc, 1);
        assert_string_equal(out, "");
        assert_true(strncmp(err, "resnet-mnist: ", 14) == 0);
        assert_int_equal(count_lines(err), 1);
        if (!strstr(err, weights) || !strstr(err, "not finite"))
            fail_msg("stderr: %s", err);
        assert_false(file_exists(png));
        free(out), free(err);
    }
    free(weights), free(png);
    tu_remove_dir(dir);
}

/* Writes the constant checkpoint of digit 3 with the metadata pairs kv (n of them), under valid
 * checksums: only the validation of the values can catch them. */
static void write_checkpoint_with_meta(const char *path, const char *const (*kv)[2], int n)
{
    struct model m = {0};
    struct rm_status st;
    assert_int_equal(model_init(&m, 1, 1, &st), 0);
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(m.params, t);
    struct ckpt_meta meta = {0};
    for (int i = 0; i < n; i++)
        assert_int_equal(ckpt_meta_set(&meta, kv[i][0], kv[i][1], &st), 0);
    if (ckpt_save(path, t, MODEL_PARAM_COUNT, &meta, &st) != 0)
        fail_msg("%s", st.msg);
    ckpt_meta_free(&meta);
    model_free(&m);
}

/* A crafted epoch that would clear the screen and forge a report line, and junk values: never
 * printed raw (they are refused, naming the key, in an escaped line). */
static void test_cmd_test_metadata_never_printed_raw(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *weights = tu_path(dir, "crafted.bin");
    tu_write_mnist_split(dir, "t10k", 20);
    static const char *const forged[][2] = {
        {"epoch", "1\x1b[2J\x1b[H\nresnet-mnist: test accuracy 100.00% (10000/10000)"},
        {"test_correct", "5"},
        {"test_total", "10"}};
    static const char *const junk[][2] = {
        {"epoch", "banana"}, {"test_correct", "-5"}, {"test_total", "0"}};
    const char *const(*sets[])[2] = {forged, junk};
    const char *want[] = {"metadata 'epoch': '1\\x1b[2J\\x1b[H\\nresnet-mnist: test accuracy",
                          "metadata 'epoch': 'banana' is not a whole number"};
    for (int i = 0; i < 2; i++) {
        write_checkpoint_with_meta(weights, sets[i], 3);
        char *out, *err;
        int rc = run(&out, &err, "test", "--weights", weights, "--data", dir, NULL, NULL, NULL);
        assert_int_equal(rc, 1);
        assert_string_equal(out, "");
        if (!strstr(err, want[i]))
            fail_msg("stderr lacks '%s': %s", want[i], err);
        assert_int_equal(count_lines(err), 1);
        assert_null(strchr(err, '\x1b'));
        assert_null(strstr(err, "banana at epoch"));
        free(out), free(err);
    }

    /* a checkpoint's name is shown escaped too: it cannot forge a line either */
    char *named = tu_path(dir, "w\x1b[2J\n(training recorded 1 of 1 at epoch 1).bin");
    write_constant_checkpoint(named, 3);
    char *out, *err;
    int rc = run(&out, &err, "test", "--weights", named, "--data", dir, NULL, NULL, NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    assert_null(strchr(out, '\x1b'));
    assert_null(strstr(out, "\n(training recorded"));
    assert_non_null(strstr(out, "/w\\x1b[2J\\n(training recorded 1 of 1 at epoch 1).bin: test "
                                "accuracy 10.00% (2/20)"));
    free(out), free(err), free(named);
    free(weights);
    tu_remove_dir(dir);
}

/* --errors never overwrites an input of the same command: the checkpoint (by its name, through
 * a symbolic link, through a hard link) or a data file. Refused before any work, naming both. */
static void test_cmd_test_output_never_replaces_input(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *weights = tu_path(dir, "m.bin"), *sym = tu_path(dir, "sym.png");
    char *hard = tu_path(dir, "hard.png"), *images = tu_path(dir, "t10k-images-idx3-ubyte");
    write_constant_checkpoint(weights, 3);
    tu_write_mnist_split(dir, "t10k", 20);
    assert_int_equal(symlink(weights, sym), 0);
    assert_int_equal(link(weights, hard), 0);
    size_t wlen, ilen;
    uint8_t *wbytes = tu_read_file(weights, &wlen), *ibytes = tu_read_file(images, &ilen);
    const char *outputs[] = {weights, sym, hard, images};
    const char *inputs[] = {weights, weights, weights, images};
    for (int i = 0; i < 4; i++) {
        char *out, *err;
        int rc = run(&out, &err, "test", "--weights", weights, "--data", dir, "--errors",
                     outputs[i], NULL);
        assert_int_equal(rc, 2);
        assert_string_equal(out, "");
        char want[1200];
        snprintf(want, sizeof want, "resnet-mnist: --errors %s is the same file as ", outputs[i]);
        if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, inputs[i]) ||
            !strstr(err, "an output never replaces an input"))
            fail_msg("case %d: %s", i, err);
        free(out), free(err);
        size_t len;
        uint8_t *now = tu_read_file(weights, &len);
        assert_int_equal(len, wlen);
        assert_memory_equal(now, wbytes, wlen);
        free(now);
        now = tu_read_file(images, &len);
        assert_int_equal(len, ilen);
        assert_memory_equal(now, ibytes, ilen);
        free(now);
    }
    free(wbytes), free(ibytes);
    free(weights), free(sym), free(hard), free(images);
    tu_remove_dir(dir);
}

/* A run on one data set (named classes, EMNIST-style --transpose) records it; test uses it
 * (names in the table) and warns in one line on another data set's test files. */
static void test_cmd_test_other_dataset_warns(void **state)
{
    (void)state;
    char *a = tu_make_temp_dir(), *b = tu_make_temp_dir(), *out = tu_make_temp_dir();
    tu_write_mnist_split(a, "train", 60);
    tu_write_mnist_split(a, "t10k", 20);
    tu_write_mnist_split(b, "train", 60);
    tu_write_mnist_split(b, "t10k", 20);
    char *bi = tu_path(b, "t10k-images-idx3-ubyte"); /* other test files: one pixel differs */
    size_t blen;
    uint8_t *bytes = tu_read_file(bi, &blen);
    bytes[16 + 5 * 784 + 300] ^= 0x40;
    tu_write_file(bi, bytes, blen);
    free(bytes), free(bi);
    char *names = tu_path(out, "names.txt"), *best = tu_path(out, "best.bin");
    const char *text = "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n";
    tu_write_file(names, text, strlen(text));
    char *o = NULL, *e = NULL;
    int rc = tu_run_program(&o, &e, "train", "--data", a, "--out", out, "--epochs", "1",
                            "--threads", "1", "--quiet", "--class-names", names, "--transpose",
                            "--dataset-name", "tiny", NULL);
    if (rc != 0)
        fail_msg("train: %d: %s", rc, e);
    free(o), free(e);
    /* the metadata: the data set as given */
    struct dataset_info *d = calloc(1, sizeof *d);
    struct weights_info info;
    struct rm_status st;
    float *w = malloc(MODEL_PARAM_FLOATS * sizeof *w);
    assert_int_equal(weights_load_classes(best, w, 10, &info, d, &st), 0);
    assert_string_equal(d->name, "tiny");
    assert_string_equal(d->class_names[7], "seven");
    assert_int_equal(d->transpose, 1);
    assert_int_equal(d->kind, DATASET_IMAGES);
    assert_int_equal(info.has_data, 1);
    /* its own data: names, no warning */
    assert_int_equal(tu_run_program(&o, &e, "test", "--weights", best, "--data", a, NULL), 0);
    assert_non_null(strstr(o, "\nseven "));
    assert_non_null(strstr(o, "rows are the true class"));
    assert_string_equal(e, "");
    free(o), free(e);
    /* other test files: one warning line, the result still given */
    assert_int_equal(tu_run_program(&o, &e, "test", "--weights", best, "--data", b, NULL), 0);
    assert_non_null(strstr(e, "resnet-mnist: warning: "));
    assert_non_null(strstr(e, ": not the test data "));
    assert_non_null(strstr(e, "it was trained on tiny)\n"));
    assert_ptr_equal(strchr(e, '\n') + 1, e + strlen(e)); /* exactly one line */
    assert_non_null(strstr(o, "test accuracy"));
    free(o), free(e);
    free(w), free(d), free(names), free(best);
    tu_remove_dir(a);
    tu_remove_dir(b);
    tu_remove_dir(out);
}

/* A label the checkpoint's classes do not have: refused, the folder named. */
static void test_cmd_test_label_beyond_classes(void **state)
{
    (void)state;
    char *a = tu_make_temp_dir(), *out = tu_make_temp_dir();
    tu_write_mnist_split(a, "train", 30);
    tu_write_mnist_split(a, "t10k", 10);
    char *o = NULL, *e = NULL, *best = tu_path(out, "best.bin");
    int rc = tu_run_program(&o, &e, "train", "--data", a, "--out", out, "--epochs", "1",
                            "--threads", "1", "--quiet", "--classes", "12", NULL);
    if (rc != 0)
        fail_msg("train: %d: %s", rc, e);
    free(o), free(e);
    /* 12 outputs: test reads them from the file */
    assert_int_equal(tu_run_program(&o, &e, "test", "--weights", best, "--data", a, "--json", NULL),
                     0);
    cJSON *j = cJSON_Parse(o);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "per_class")), 12);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "class_names")), 12);
    cJSON_Delete(j);
    free(o), free(e);
    /* --classes below the labels: refused with the label named */
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", a, "--out", out, "--overwrite",
                                    "--epochs", "1", "--classes", "5", NULL),
                     1);
    assert_non_null(strstr(e, "train-labels-idx1-ubyte: label 5 (index 5) is out of range 0..4 "
                              "for 5 classes"));
    free(o), free(e), free(best);
    tu_remove_dir(a);
    tu_remove_dir(out);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_test_report_after_training),
        cmocka_unit_test(test_cmd_test_errors_png_and_no_errors),
        cmocka_unit_test(test_cmd_test_data_folder_from_the_environment),
        cmocka_unit_test(test_cmd_test_accepts_last_bin),
        cmocka_unit_test(test_cmd_test_refuses_non_finite_outputs),
        cmocka_unit_test(test_cmd_test_metadata_never_printed_raw),
        cmocka_unit_test(test_cmd_test_output_never_replaces_input),
        cmocka_unit_test(test_cmd_test_other_dataset_warns),
        cmocka_unit_test(test_cmd_test_label_beyond_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
