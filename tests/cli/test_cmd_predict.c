/* The predict command end to end, on PNG files the test writes (golden MNIST digits enlarged
 * and drawn dark on white) with the PyTorch-initialised weights of tests/golden: untrained, so
 * this checks the mechanics, not the accuracy. What the program prints must be what the model
 * gives when run directly on the prepared 28x28 image; failures are reported per file and the
 * other files still predicted. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/digit_prep.h"
#include "resnet_mnist/io/image_shrink.h"
#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/io/number_split.h"
#include "resnet_mnist/engine/dataset.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/weights.h"
#include "resnet_mnist/io/png.h"

#define TILE (28 * 8) /* --show's tile: 28 pixels enlarged x8 */

static struct idx_dataset golden;
static struct model model;
static char *weights; /* tests/golden/init.safetensors */
static char *dir;     /* the test's files */
static char *good[3]; /* PNGs of golden digits 0, 1, 2 */
static char *blank, *missing, *notes;
static char *number; /* a PNG of golden digits 6, 10, 18 side by side: "136" */

/* The golden digits of the number picture, and where each is drawn (enlarged x3). */
static const int number_digits[3] = {6, 10, 18};
#define NUMBER_W    320
#define NUMBER_H    100
#define NUMBER_X(i) (12 + 100 * (i))
#define NUMBER_Y    8

/* Writes golden digit k enlarged x3 (pixel replication), dark on white, at (10, 7) in a
 * 100 x 96 picture; the whole picture enlarged `times` times more. */
static char *write_digit_png_times(const char *name, int k, int times)
{
    int w = 100 * times, h = 96 * times;
    uint8_t *pic = malloc((size_t)w * (size_t)h);
    assert_non_null(pic);
    memset(pic, 255, (size_t)w * (size_t)h);
    const uint8_t *d = golden.images + (size_t)k * MNIST_PIXELS;
    for (int y = 0; y < 84 * times; y++)
        for (int x = 0; x < 84 * times; x++)
            pic[(size_t)(7 * times + y) * (size_t)w + (size_t)(10 * times + x)] =
                (uint8_t)(255 - d[(y / (3 * times)) * 28 + x / (3 * times)]);
    char *path = tu_path(dir, name);
    struct rm_status st;
    if (png_write(path, pic, w, h, 1, &st) != 0)
        fail_msg("%s", st.msg);
    free(pic);
    return path;
}

static char *write_digit_png(const char *name, int k)
{
    return write_digit_png_times(name, k, 1);
}

/* Three golden digits enlarged x3, dark on white, 100 pixels apart; the whole picture enlarged
 * k times more (nearest neighbour). */
static char *write_number_png_times(const char *name, int k)
{
    int w = NUMBER_W * k, h = NUMBER_H * k;
    uint8_t *pic = malloc((size_t)w * (size_t)h);
    assert_non_null(pic);
    memset(pic, 255, (size_t)w * (size_t)h);
    for (int i = 0; i < 3; i++) {
        const uint8_t *d = golden.images + (size_t)number_digits[i] * MNIST_PIXELS;
        for (int y = 0; y < 84 * k; y++)
            for (int x = 0; x < 84 * k; x++)
                pic[(size_t)(NUMBER_Y * k + y) * (size_t)w + (size_t)(NUMBER_X(i) * k + x)] =
                    (uint8_t)(255 - d[(y / (3 * k)) * 28 + x / (3 * k)]);
    }
    char *path = tu_path(dir, name);
    struct rm_status st;
    if (png_write(path, pic, w, h, 1, &st) != 0)
        fail_msg("%s", st.msg);
    free(pic);
    return path;
}

static char *write_number_png(const char *name)
{
    return write_number_png_times(name, 1);
}

static int setup(void **state)
{
    (void)state;
    char *images = strdup(tu_golden("batch30-images-idx3-ubyte"));
    char *labels = strdup(tu_golden("batch30-labels-idx1-ubyte"));
    weights = strdup(tu_golden("init.safetensors"));
    struct rm_status st;
    int rc = idx_load(&golden, images, labels, 0, &st);
    free(images);
    free(labels);
    if (rc == 0 && (rc = model_init(&model, 1, 1, &st)) == 0) {
        struct ckpt_tensor t[MODEL_PARAM_COUNT];
        run_ckpt_tensors(model.params, t);
        rc = ckpt_load(weights, t, MODEL_PARAM_COUNT, NULL, &st);
    }
    if (rc != 0) {
        fprintf(stderr, "setup: %s\n", st.msg);
        return -1;
    }
    dir = tu_make_temp_dir();
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "digit%d.png", i);
        good[i] = write_digit_png(name, i);
    }
    uint8_t white[40 * 30];
    memset(white, 255, sizeof white);
    blank = tu_path(dir, "blank.png");
    if (png_write(blank, white, 40, 30, 1, &st) != 0)
        return -1;
    missing = tu_path(dir, "missing.png");
    notes = tu_path(dir, "notes.png");
    number = write_number_png("number.png");
    tu_write_file(notes, "not a picture\n", 14);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        free(good[i]);
    free(blank);
    free(missing);
    free(notes);
    free(number);
    tu_remove_dir(dir);
    free(weights);
    model_free(&model);
    idx_free(&golden);
    return 0;
}

/* The model run directly on one prepared image: the predicted digit (model_predicted, the
 * argmax of model_forward's logits) and the softmax probabilities. */
static int direct_predict_image(const uint8_t *img, double *p)
{
    idx_normalize(model.x, img, MNIST_PIXELS);
    model_forward(&model, 1);
    double zmax = model.z[0], sum = 0.0;
    for (int i = 1; i < MODEL_CLASSES; i++)
        zmax = model.z[i] > zmax ? model.z[i] : zmax;
    for (int i = 0; i < MODEL_CLASSES; i++)
        sum += p[i] = exp(model.z[i] - zmax);
    for (int i = 0; i < MODEL_CLASSES; i++)
        p[i] /= sum;
    return model_predicted(&model, 0);
}

/* The model run directly on the picture as digit_prep_file prepares it (copied to prepared
 * when not NULL). */
static int direct_predict(const char *path, double *p, uint8_t *prepared)
{
    uint8_t img[MNIST_PIXELS];
    struct rm_status st;
    if (digit_prep_file(img, path, &st) != 0)
        fail_msg("%s", st.msg);
    if (prepared)
        memcpy(prepared, img, MNIST_PIXELS);
    return direct_predict_image(img, p);
}

/* Finds the human-readable result for file in out ("FILE: D (P%)" then a line of ten
 * "i:P%"), checks it against the model run directly, and returns the digit. */
static int check_human_result(const char *out, const char *file)
{
    char head[512];
    snprintf(head, sizeof head, "%s: ", file);
    const char *at = strstr(out, head);
    if (!at || (at != out && at[-1] != '\n'))
        fail_msg("no result line for %s in:\n%s", file, out);
    int digit;
    double top, pct[MODEL_CLASSES], sum = 0.0;
    assert_int_equal(sscanf(at + strlen(head), "%d (%lf%%)", &digit, &top), 2);
    const char *line2 = strchr(at, '\n');
    assert_non_null(line2);
    line2++;
    for (int i = 0; i < MODEL_CLASSES; i++) {
        int cls, used = 0;
        if (sscanf(line2, " %d:%lf%%%n", &cls, &pct[i], &used) != 2 || used == 0)
            fail_msg("%s: cannot read probability %d in: %.100s", file, i, line2);
        assert_int_equal(cls, i);
        line2 += used;
        sum += pct[i];
    }
    assert_true(*line2 == '\n');
    /* ten values printed to 0.1% */
    if (fabs(sum - 100.0) > 0.5)
        fail_msg("%s: probabilities sum to %.2f%%", file, sum);
    double p[MODEL_CLASSES];
    int want = direct_predict(file, p, NULL);
    assert_int_equal(digit, want);
    assert_true(fabs(top - 100.0 * p[want]) <= 0.05 + 1e-9);
    for (int i = 0; i < MODEL_CLASSES; i++) {
        if (fabs(pct[i] - 100.0 * p[i]) > 0.05 + 1e-9)
            fail_msg("%s: class %d printed %.1f%%, the model gives %.4f%%", file, i, pct[i],
                     100.0 * p[i]);
        assert_true(pct[i] <= top);
    }
    return digit;
}

static void test_cmd_predict_prints_digit_and_probabilities(void **state)
{
    (void)state;
    char *out, *err;
    int rc = tu_run_program(&out, &err, "predict", "--weights", weights, good[0], good[1], NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    assert_string_equal(err, "");
    int lines = 0;
    for (const char *c = out; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 4); /* two lines per image */
    check_human_result(out, good[0]);
    check_human_result(out, good[1]);
    assert_true(strstr(out, good[0]) < strstr(out, good[1])); /* in the order given */
    free(out);
    free(err);
}

static void test_cmd_predict_json(void **state)
{
    (void)state;
    char *out, *err;
    int rc = tu_run_program(&out, &err, "predict", "--json", good[0], "--weights", weights, good[1],
                            good[2], NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    assert_string_equal(err, "");
    char *line = out;
    for (int i = 0; i < 3; i++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        cJSON *o = cJSON_Parse(line);
        if (!o)
            fail_msg("line %d is not JSON: %s", i, line);
        assert_int_equal(cJSON_GetArraySize(o), 4);
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(o, "file");
        const cJSON *digit = cJSON_GetObjectItemCaseSensitive(o, "digit");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
        const cJSON *probs = cJSON_GetObjectItemCaseSensitive(o, "probabilities");
        assert_true(cJSON_IsString(file) && cJSON_IsNumber(digit) && cJSON_IsString(name) &&
                    cJSON_IsArray(probs));
        assert_string_equal(file->valuestring, good[i]);
        assert_int_equal(cJSON_GetArraySize(probs), MODEL_CLASSES);
        double p[MODEL_CLASSES], sum = 0.0;
        int want = direct_predict(good[i], p, NULL);
        assert_int_equal(digit->valueint, want);
        char digit_name[2] = {(char)('0' + want), '\0'}; /* MNIST's classes: the digits */
        assert_string_equal(name->valuestring, digit_name);
        for (int c = 0; c < MODEL_CLASSES; c++) {
            const cJSON *v = cJSON_GetArrayItem(probs, c);
            assert_true(cJSON_IsNumber(v));
            assert_true(v->valuedouble >= 0.0 && v->valuedouble <= 1.0);
            /* the same computation as the command's: equal to the printed precision */
            if (fabs(v->valuedouble - p[c]) > 1e-9)
                fail_msg("%s: class %d: %.17g, the model gives %.17g", good[i], c, v->valuedouble,
                         p[c]);
            sum += v->valuedouble;
        }
        if (fabs(sum - 1.0) > 1e-4)
            fail_msg("%s: probabilities sum to %.6f", good[i], sum);
        cJSON_Delete(o);
        line = nl + 1;
    }
    assert_string_equal(line, "");
    free(out);
    free(err);
}

/* Golden digits drawn as write_digit_png draws them, their right part in a sharp shadow (paper
 * 230, then 120 from x = 60): each is prepared two ways (digit_prep_file_pair) and predict gives
 * the network's more confident reading, whichever preparation it came from. */
static void test_cmd_predict_more_confident_preparation(void **state)
{
    (void)state;
    int second_won = 0;
    for (int k = 0; k < 10; k++) {
        uint8_t pic[100 * 96];
        const uint8_t *d = golden.images + (size_t)k * MNIST_PIXELS;
        for (int y = 0; y < 96; y++)
            for (int x = 0; x < 100; x++) {
                int in = x >= 10 && x < 94 && y >= 7 && y < 91;
                double v = in ? d[((y - 7) / 3) * 28 + (x - 10) / 3] / 255.0 : 0.0;
                pic[y * 100 + x] = (uint8_t)lround((x < 60 ? 230.0 : 120.0) * (1.0 - 0.7 * v));
            }
        char name[32];
        snprintf(name, sizeof name, "shadow%d.png", k);
        char *path = tu_path(dir, name), *out, *err;
        struct rm_status st;
        if (png_write(path, pic, 100, 96, 1, &st) != 0)
            fail_msg("%s", st.msg);
        uint8_t two[2 * MNIST_PIXELS];
        int n = digit_prep_file_pair(two, path, &st);
        if (n != 2)
            fail_msg("%s: %d preparations (%s)", path, n, n < 0 ? st.msg : "");
        double p[2][MODEL_CLASSES];
        int a = direct_predict_image(two, p[0]), b = direct_predict_image(two + MNIST_PIXELS, p[1]);
        int pick = p[1][b] > p[0][a];
        second_won += pick;
        int rc = tu_run_program(&out, &err, "predict", "--json", "--weights", weights, path, NULL);
        if (rc != 0)
            fail_msg("exit %d: %s", rc, err);
        cJSON *o = cJSON_Parse(out);
        assert_non_null(o);
        const cJSON *digit = cJSON_GetObjectItemCaseSensitive(o, "digit");
        const cJSON *probs = cJSON_GetObjectItemCaseSensitive(o, "probabilities");
        assert_true(cJSON_IsNumber(digit) && cJSON_IsArray(probs));
        assert_int_equal(digit->valueint, pick ? b : a);
        for (int c = 0; c < MODEL_CLASSES; c++)
            if (fabs(cJSON_GetArrayItem(probs, c)->valuedouble - p[pick][c]) > 1e-9)
                fail_msg("%s: class %d: %.17g, the %s preparation gives %.17g", path, c,
                         cJSON_GetArrayItem(probs, c)->valuedouble, pick ? "second" : "first",
                         p[pick][c]);
        cJSON_Delete(o);
        free(out);
        free(err);
        free(path);
    }
    assert_true(second_won > 0);
}

/* A blank picture, a missing file and a file that is not a picture: one error line each, the
 * good pictures still predicted, exit status 1. */
static void test_cmd_predict_failures_do_not_stop_the_others(void **state)
{
    (void)state;
    char *out, *err;
    int rc = tu_run_program(&out, &err, "predict", "--weights", weights, good[0], blank, missing,
                            notes, good[2], NULL);
    assert_int_equal(rc, 1);
    check_human_result(out, good[0]);
    check_human_result(out, good[2]);
    assert_null(strstr(out, blank));
    assert_null(strstr(out, missing));
    assert_null(strstr(out, notes));
    char want[3][600];
    snprintf(want[0], sizeof want[0], "resnet-mnist: %s: no ink found (blank image)\n", blank);
    snprintf(want[1], sizeof want[1], "resnet-mnist: %s: cannot open: No such file", missing);
    snprintf(want[2], sizeof want[2],
             "resnet-mnist: %s: cannot read image: not a PNG, JPEG, BMP or PGM/PPM file", notes);
    for (int i = 0; i < 3; i++)
        if (!strstr(err, want[i]))
            fail_msg("stderr lacks '%s':\n%s", want[i], err);
    int lines = 0;
    for (const char *c = err; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 3);
    free(out);
    free(err);

    /* --json: the same, only good objects on stdout */
    rc = tu_run_program(&out, &err, "predict", "--json", "--weights", weights, missing, good[1],
                        NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, missing));
    assert_true(strncmp(out, "{\"file\":", 8) == 0);
    assert_null(strstr(out, missing));
    free(out);
    free(err);
}

/* --show writes the prepared images side by side, each enlarged x8: every 8x8 block shows the
 * grey level of its pixel of what the network saw. */
static void test_cmd_predict_show_writes_what_the_network_saw(void **state)
{
    (void)state;
    char *show = tu_path(dir, "seen.png");
    char *out, *err;
    int rc = tu_run_program(&out, &err, "predict", "--weights", weights, "--show", show, good[0],
                            blank, good[1], good[2], NULL);
    assert_int_equal(rc, 1); /* the blank one */
    free(out);
    free(err);
    uint8_t *px;
    int w, h, c;
    struct rm_status st;
    if (digit_prep_load_image(show, &px, &w, &h, &c, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(w, 3 * TILE); /* the three good ones */
    assert_int_equal(h, TILE);
    assert_int_equal(w % TILE, 0);
    assert_int_equal(c, 3);
    long nonzero = 0;
    for (long i = 0; i < (long)w * h * c; i++)
        nonzero += px[i] != 0;
    assert_true(nonzero > 0);
    for (int k = 0; k < 3; k++) {
        uint8_t seen[MNIST_PIXELS];
        double p[MODEL_CLASSES];
        direct_predict(good[k], p, seen);
        for (int r = 0; r < 28; r++)
            for (int col = 0; col < 28; col++) {
                const uint8_t *q = px + 3 * ((size_t)(r * 8 + 4) * w + k * TILE + col * 8 + 4);
                assert_int_equal(q[0], seen[r * 28 + col]);
                assert_int_equal(q[1], seen[r * 28 + col]);
                assert_int_equal(q[2], seen[r * 28 + col]);
            }
    }
    free(px);

    /* twelve images: ten to a row */
    rc = tu_run_program(&out, &err, "predict", "--json", "--weights", weights, "--show", show,
                        good[0], good[1], good[2], good[0], good[1], good[2], good[0], good[1],
                        good[2], good[0], good[1], good[2], NULL);
    assert_int_equal(rc, 0);
    free(out);
    free(err);
    if (digit_prep_load_image(show, &px, &w, &h, &c, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(w, 10 * TILE);
    assert_int_equal(h, 2 * TILE);
    free(px);

    /* a folder that does not exist: the results are printed, the error names the file */
    char *bad = tu_path(dir, "no/such/seen.png");
    rc = tu_run_program(&out, &err, "predict", "--weights", weights, "--show", bad, good[0], NULL);
    assert_int_equal(rc, 1);
    check_human_result(out, good[0]);
    assert_non_null(strstr(err, bad));
    free(out);
    free(err);
    /* nothing to show */
    rc = tu_run_program(&out, &err, "predict", "--weights", weights, "--show", show, blank, NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "not written"));
    free(out);
    free(err);
    free(bad);
    free(show);
}

static void test_cmd_predict_usage_and_weights_errors(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(tu_run_program(&out, &err, "predict", NULL), 2);
    assert_non_null(strstr(err, "resnet-mnist: no IMAGE given"));
    assert_non_null(strstr(err, "Try 'resnet-mnist predict --help'"));
    assert_string_equal(out, "");
    free(out), free(err);
    assert_int_equal(tu_run_program(&out, &err, "predict", "--weights", weights, NULL), 2);
    assert_non_null(strstr(err, "no IMAGE given"));
    free(out), free(err);
    assert_int_equal(tu_run_program(&out, &err, "predict", "--frobnicate", good[0], NULL), 2);
    assert_non_null(strstr(err, "unknown option '--frobnicate'"));
    free(out), free(err);
    assert_int_equal(tu_run_program(&out, &err, "predict", good[0], "--show", NULL), 2);
    assert_non_null(strstr(err, "option '--show' needs a value"));
    free(out), free(err);

    assert_int_equal(tu_run_program(&out, &err, "predict", "--help", NULL), 0);
    assert_non_null(strstr(out, "Usage: resnet-mnist predict"));
    assert_non_null(strstr(out, "--weights"));
    assert_non_null(strstr(out, "--json"));
    assert_non_null(strstr(out, "--show"));
    assert_non_null(strstr(out, "Example:"));
    assert_string_equal(err, "");
    free(out), free(err);
    assert_int_equal(tu_run_program(&out, &err, "--help", NULL), 0);
    assert_non_null(strstr(out, "  predict "));
    free(out), free(err);

    /* a checkpoint that cannot be loaded: nothing predicted, exit 1, the file named */
    char *nowhere = tu_path(dir, "nowhere.bin");
    assert_int_equal(tu_run_program(&out, &err, "predict", "--weights", nowhere, good[0], NULL), 1);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, nowhere));
    free(out), free(err);
    assert_int_equal(tu_run_program(&out, &err, "predict", "--weights", good[0], good[0], NULL), 1);
    assert_string_equal(out, "");
    assert_true(strncmp(err, "resnet-mnist: ", 14) == 0);
    free(out), free(err);
    free(nowhere);
}

/* Copies src to dst. */
static void copy_file(const char *src, const char *dst)
{
    size_t len;
    uint8_t *b = tu_read_file(src, &len);
    tu_write_file(dst, b, len);
    free(b);
}

/* 1 if the files hold the same bytes. */
static int same_bytes(const char *a, const char *b)
{
    size_t la, lb;
    uint8_t *x = tu_read_file(a, &la), *y = tu_read_file(b, &lb);
    int same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

/* last.bin predicts as best.bin of the same epoch does (a one-epoch run: the same weights),
 * its optimizer state ignored. */
static void test_cmd_predict_accepts_last_bin(void **state)
{
    (void)state;
    char *run = tu_make_temp_dir();
    tu_write_mnist_split(run, "train", 60);
    tu_write_mnist_split(run, "t10k", 20);
    char *out, *err;
    int rc =
        tu_run_program(&out, &err, "train", "--epochs", "1", "--data", run, "--out", run, NULL);
    if (rc != 0)
        fail_msg("train: exit %d: %s", rc, err);
    free(out), free(err);
    char *last = tu_path(run, "last.bin"), *best = tu_path(run, "best.bin");
    char *best_out, *best_err;
    rc = tu_run_program(&out, &err, "predict", "--weights", last, good[0], good[1], NULL);
    if (rc != 0)
        fail_msg("predict --weights last.bin: exit %d: %s", rc, err);
    assert_string_equal(err, "");
    assert_int_equal(
        tu_run_program(&best_out, &best_err, "predict", "--weights", best, good[0], good[1], NULL),
        0);
    assert_string_equal(out, best_out);
    free(out), free(err), free(best_out), free(best_err);
    free(last), free(best);
    tu_remove_dir(run);
}

/* Finite weights whose outputs are not (every weight 1e30: the activations overflow, the
 * logits are NaN): one error line per picture, exit 1, never "nan" printed as a result. */
static void test_cmd_predict_refuses_non_finite_outputs(void **state)
{
    (void)state;
    char *huge = tu_path(dir, "huge.bin");
    float *p = malloc(MODEL_PARAM_FLOATS * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < MODEL_PARAM_FLOATS; i++)
        p[i] = 1e30f;
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(p, t);
    struct rm_status st;
    if (ckpt_save(huge, t, MODEL_PARAM_COUNT, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    free(p);
    for (int json = 0; json < 2; json++) {
        char *out, *err;
        int rc =
            json ? tu_run_program(&out, &err, "predict", "--json", "--weights", huge, good[0],
                                  good[1], NULL)
                 : tu_run_program(&out, &err, "predict", "--weights", huge, good[0], good[1], NULL);
        assert_int_equal(rc, 1);
        assert_string_equal(out, "");
        for (int k = 0; k < 2; k++) {
            char want[600];
            snprintf(want, sizeof want, "resnet-mnist: %s: the network's output is not finite",
                     good[k]);
            if (!strstr(err, want))
                fail_msg("stderr lacks '%s': %s", want, err);
        }
        int lines = 0;
        for (const char *c = err; *c; c++)
            lines += *c == '\n';
        assert_int_equal(lines, 2);
        free(out), free(err);
    }
    free(huge);
}

/* --show never overwrites an input of the same command: a picture to predict, the checkpoint.
 * Refused before any work, naming both. */
static void test_cmd_predict_output_never_replaces_input(void **state)
{
    (void)state;
    char *x = tu_path(dir, "x.png"), *x0 = tu_path(dir, "x0.png");
    char *w = tu_path(dir, "w.bin"), *w0 = tu_path(dir, "w0.bin");
    copy_file(good[0], x);
    copy_file(good[0], x0);
    copy_file(weights, w);
    copy_file(weights, w0);
    const char *show[] = {x, w};
    const char *input[] = {x, w};
    const char *flag[] = {"the image ", "--weights "};
    for (int i = 0; i < 2; i++) {
        char *out, *err;
        int rc = tu_run_program(&out, &err, "predict", "--weights", w, "--show", show[i], good[1],
                                x, NULL);
        assert_int_equal(rc, 2);
        assert_string_equal(out, "");
        char want[1200];
        snprintf(want, sizeof want,
                 "resnet-mnist: --show %s is the same file as %s%s: an output never replaces an "
                 "input\n",
                 show[i], flag[i], input[i]);
        if (strncmp(err, want, strlen(want)) != 0)
            fail_msg("stderr: %s\nwanted: %s", err, want);
        free(out), free(err);
        assert_true(same_bytes(x, x0));
        assert_true(same_bytes(w, w0));
    }
    free(x), free(x0), free(w), free(w0);
}

/* Runs the program with args (NULL-terminated) and the environment LC_ALL=C only, stderr into
 * the file err_path, under an alarm of 30 s that survives the exec: a program that blocks is
 * killed by SIGALRM, and that is returned as 128 + SIGALRM, never a hang of the test. */
static int run_with_alarm(const char *err_path, const char *const *args)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)RM_PROGRAM;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    char *envp[] = {"LC_ALL=C", NULL};
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, 2) < 0)
            _exit(127);
        alarm(30);
        execve(RM_PROGRAM, argv, envp);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A FIFO with no writer as --weights, or as a picture, is refused at once with one line naming
 * it (it used to block the open for ever). */
static void test_cmd_predict_fifo_refused_at_once(void **state)
{
    (void)state;
    char *fifo = tu_path(dir, "fifo.bin"), *err_path = tu_path(dir, "fifo.err");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const char *as_weights[] = {"predict", "--weights", fifo, good[0], NULL};
    const char *as_picture[] = {"predict", "--weights", weights, fifo, NULL};
    const char *const *cases[] = {as_weights, as_picture};
    for (int i = 0; i < 2; i++) {
        int rc = run_with_alarm(err_path, cases[i]);
        if (rc == 128 + SIGALRM)
            fail_msg("case %d: the program blocked on the FIFO", i);
        assert_int_equal(rc, 1);
        size_t len;
        char *err = (char *)tu_read_file(err_path, &len);
        char want[600];
        snprintf(want, sizeof want, "resnet-mnist: %s: not a regular file (a FIFO)\n", fifo);
        if (!strstr(err, want))
            fail_msg("case %d: stderr '%s'", i, err);
        free(err);
    }
    unlink(fifo);
    free(fifo), free(err_path);
}

/* The digits number_split finds in the picture at path (as predict --number reads it; no group
 * here is wide enough for the scorer to be asked), and each one's probabilities from the model
 * run directly. Returns the count; *d malloc'd. */
static int direct_number(const char *path, struct number_digit **d, double *p, int max)
{
    uint8_t *px, *mask;
    float *ink;
    int w, h, c, n;
    struct rm_status st;
    if (digit_prep_load_image(path, &px, &w, &h, &c, &st) != 0 ||
        digit_prep_ink(px, w, h, c, &ink, &mask, &st) != 0)
        fail_msg("%s", st.msg);
    struct number_split_options opt = number_split_defaults();
    if (number_split(ink, mask, w, h, &opt, d, &n, &st) != 0)
        fail_msg("%s", st.msg);
    free(px);
    free(ink);
    free(mask);
    assert_true(n <= max);
    for (int i = 0; i < n; i++) {
        idx_normalize(model.x, (*d)[i].image, MNIST_PIXELS);
        model_forward(&model, 1);
        double zmax = model.z[0], sum = 0.0, *q = p + (size_t)i * MODEL_CLASSES;
        for (int k = 1; k < MODEL_CLASSES; k++)
            zmax = model.z[k] > zmax ? model.z[k] : zmax;
        for (int k = 0; k < MODEL_CLASSES; k++)
            sum += q[k] = exp(model.z[k] - zmax);
        for (int k = 0; k < MODEL_CLASSES; k++)
            q[k] /= sum;
    }
    return n;
}

/* The box of golden digit k's pixels of at least `level`, enlarged x3 and placed as digit i of
 * the number picture: [x0, y0, x1, y1). */
static void golden_box(int i, int level, int *box)
{
    const uint8_t *d = golden.images + (size_t)number_digits[i] * MNIST_PIXELS;
    box[0] = box[1] = 28;
    box[2] = box[3] = 0;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
            if (d[y * 28 + x] >= level) {
                box[0] = x < box[0] ? x : box[0];
                box[1] = y < box[1] ? y : box[1];
                box[2] = x + 1 > box[2] ? x + 1 : box[2];
                box[3] = y + 1 > box[3] ? y + 1 : box[3];
            }
    box[0] = NUMBER_X(i) + 3 * box[0];
    box[2] = NUMBER_X(i) + 3 * box[2];
    box[1] = NUMBER_Y + 3 * box[1];
    box[3] = NUMBER_Y + 3 * box[3];
}

/* predict --number --json: one object per picture with the number, and each digit (left to
 * right) with its box, inside the digit's drawn ink and around its strong ink, and the
 * probabilities the model gives on the image number_split prepared. */
static void test_cmd_predict_number_json(void **state)
{
    (void)state;
    char *out, *err;
    int rc = tu_run_program(&out, &err, "predict", "--number", "--json", "--weights", weights,
                            number, NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    assert_string_equal(err, "");
    struct number_digit *d;
    double p[3 * MODEL_CLASSES];
    assert_int_equal(direct_number(number, &d, p, 3), 3);
    cJSON *o = cJSON_Parse(out);
    if (!o)
        fail_msg("not JSON: %s", out);
    assert_string_equal(cJSON_GetObjectItem(o, "file")->valuestring, number);
    const char *num = cJSON_GetObjectItem(o, "number")->valuestring;
    assert_int_equal(strlen(num), 3);
    cJSON *digits = cJSON_GetObjectItem(o, "digits");
    assert_int_equal(cJSON_GetArraySize(digits), 3);
    for (int i = 0; i < 3; i++) {
        cJSON *e = cJSON_GetArrayItem(digits, i);
        int digit = cJSON_GetObjectItem(e, "digit")->valueint;
        assert_int_equal(digit, num[i] - '0');
        cJSON *box = cJSON_GetObjectItem(e, "box"), *pr = cJSON_GetObjectItem(e, "probabilities");
        assert_int_equal(cJSON_GetArraySize(box), 4);
        assert_int_equal(cJSON_GetArraySize(pr), MODEL_CLASSES);
        int b[4], outer[4], strong[4];
        for (int k = 0; k < 4; k++)
            b[k] = cJSON_GetArrayItem(box, k)->valueint;
        golden_box(i, 1, outer);
        golden_box(i, 200, strong);
        if (b[0] < outer[0] || b[1] < outer[1] || b[2] > outer[2] || b[3] > outer[3] ||
            b[0] > strong[0] || b[1] > strong[1] || b[2] < strong[2] || b[3] < strong[3])
            fail_msg("digit %d: box [%d,%d,%d,%d], ink in [%d,%d,%d,%d], strong ink in "
                     "[%d,%d,%d,%d]",
                     i, b[0], b[1], b[2], b[3], outer[0], outer[1], outer[2], outer[3], strong[0],
                     strong[1], strong[2], strong[3]);
        assert_int_equal(b[0], d[i].x0);
        assert_int_equal(b[3], d[i].y1);
        int best = 0;
        for (int k = 0; k < MODEL_CLASSES; k++) {
            double v = cJSON_GetArrayItem(pr, k)->valuedouble;
            if (fabs(v - p[i * MODEL_CLASSES + k]) > 1e-9)
                fail_msg("digit %d class %d: printed %.12f, the model gives %.12f", i, k, v,
                         p[i * MODEL_CLASSES + k]);
            best = p[i * MODEL_CLASSES + k] > p[i * MODEL_CLASSES + best] ? k : best;
        }
        assert_int_equal(digit, best);
    }
    cJSON_Delete(o);
    free(d);
    free(out);
    free(err);
}

/* The "probabilities" of two JSON results (a picture's, or one digit's of a number) are the same
 * ten numbers, bit for bit. */
static void assert_same_probabilities(const cJSON *a, const cJSON *b)
{
    cJSON *pa = cJSON_GetObjectItem(a, "probabilities"),
          *pb = cJSON_GetObjectItem(b, "probabilities");
    assert_int_equal(cJSON_GetArraySize(pa), MODEL_CLASSES);
    assert_int_equal(cJSON_GetArraySize(pb), MODEL_CLASSES);
    for (int k = 0; k < MODEL_CLASSES; k++)
        assert_true(cJSON_GetArrayItem(pa, k)->valuedouble ==
                    cJSON_GetArrayItem(pb, k)->valuedouble);
}

/* A single digit's picture larger than DIGIT_WORK_PIXELS is prepared shrunk by a whole factor:
 * 24 times the digit picture (2400 x 2304, shrunk by 4) gets exactly the probabilities of 12
 * times it (1200 x 1152, shrunk by 2). */
static void test_cmd_predict_large_picture_shrunk(void **state)
{
    (void)state;
    assert_true(1200L * 1152 > DIGIT_WORK_PIXELS && 600L * 576 <= DIGIT_WORK_PIXELS);
    char *big = write_digit_png_times("digit-x24.png", 0, 24);
    char *half = write_digit_png_times("digit-x12.png", 0, 12);
    char *out, *err;
    int rc = tu_run_program(&out, &err, "predict", "--json", "--weights", weights, big, half, NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    char *second = strchr(out, '\n');
    assert_non_null(second);
    *second++ = '\0';
    cJSON *a = cJSON_Parse(out), *b = cJSON_Parse(second);
    assert_non_null(a);
    assert_non_null(b);
    assert_same_probabilities(a, b);
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(out);
    free(err);
    free(big);
    free(half);
}

/* A picture larger than IMAGE_WORK_PIXELS is prepared shrunk by a whole factor, and the boxes
 * are given in its own pixels: 16 times the number picture (5120 x 1600, shrunk by 2) reads as 8
 * times it (2560 x 800, not shrunk), with every box twice as large. */
static void test_cmd_predict_number_large_picture_shrunk(void **state)
{
    (void)state;
    assert_true(16L * NUMBER_W * 16 * NUMBER_H > IMAGE_WORK_PIXELS &&
                8L * NUMBER_W * 8 * NUMBER_H <= IMAGE_WORK_PIXELS);
    char *big = write_number_png_times("number-x16.png", 16);
    char *half = write_number_png_times("number-x8.png", 8);
    char *out8, *out4, *err;
    int rc = tu_run_program(&out8, &err, "predict", "--number", "--json", "--weights", weights, big,
                            NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    free(err);
    rc = tu_run_program(&out4, &err, "predict", "--number", "--json", "--weights", weights, half,
                        NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    free(err);
    cJSON *o8 = cJSON_Parse(out8), *o4 = cJSON_Parse(out4);
    assert_non_null(o8);
    assert_non_null(o4);
    assert_string_equal(cJSON_GetObjectItem(o8, "number")->valuestring,
                        cJSON_GetObjectItem(o4, "number")->valuestring);
    cJSON *d8 = cJSON_GetObjectItem(o8, "digits"), *d4 = cJSON_GetObjectItem(o4, "digits");
    assert_int_equal(cJSON_GetArraySize(d8), 3);
    assert_int_equal(cJSON_GetArraySize(d4), 3);
    for (int i = 0; i < 3; i++) {
        cJSON *b8 = cJSON_GetObjectItem(cJSON_GetArrayItem(d8, i), "box");
        cJSON *b4 = cJSON_GetObjectItem(cJSON_GetArrayItem(d4, i), "box");
        for (int k = 0; k < 4; k++)
            assert_int_equal(cJSON_GetArrayItem(b8, k)->valueint,
                             2 * cJSON_GetArrayItem(b4, k)->valueint);
        assert_same_probabilities(cJSON_GetArrayItem(d8, i), cJSON_GetArrayItem(d4, i));
    }
    cJSON_Delete(o8);
    cJSON_Delete(o4);
    free(out8);
    free(out4);
    free(big);
    free(half);
}

/* predict --number: "FILE: NUMBER  (d P%, ...)" per picture; --show draws every digit as the
 * network saw it, in order; a picture that fails is reported and the others still predicted. */
static void test_cmd_predict_number_human_show_and_failures(void **state)
{
    (void)state;
    char *show = tu_path(dir, "digits.png");
    char *out, *err;
    int rc = tu_run_program(&out, &err, "predict", "--number", "--weights", weights, "--show", show,
                            blank, number, missing, good[1], NULL);
    assert_int_equal(rc, 1);
    struct number_digit *d, *d1;
    double p[3 * MODEL_CLASSES], p1[3 * MODEL_CLASSES];
    assert_int_equal(direct_number(number, &d, p, 3), 3);
    assert_int_equal(direct_number(good[1], &d1, p1, 3), 1);
    char want[1200], digits[4];
    for (int i = 0; i < 3; i++) {
        int best = 0;
        for (int k = 0; k < MODEL_CLASSES; k++)
            best = p[i * MODEL_CLASSES + k] > p[i * MODEL_CLASSES + best] ? k : best;
        digits[i] = (char)('0' + best);
    }
    digits[3] = '\0';
    snprintf(want, sizeof want, "%s: %s  (%c %.1f%%, %c %.1f%%, %c %.1f%%)\n", number, digits,
             digits[0], 100 * p[digits[0] - '0'], digits[1], 100 * p[10 + digits[1] - '0'],
             digits[2], 100 * p[20 + digits[2] - '0']);
    if (!strstr(out, want))
        fail_msg("stdout lacks '%s':\n%s", want, out);
    int best1 = 0;
    for (int k = 0; k < MODEL_CLASSES; k++)
        best1 = p1[k] > p1[best1] ? k : best1;
    snprintf(want, sizeof want, "%s: %d  (%d %.1f%%)\n", good[1], best1, best1, 100 * p1[best1]);
    if (!strstr(out, want))
        fail_msg("stdout lacks '%s':\n%s", want, out);
    assert_true(strstr(out, number) < strstr(out, good[1]));
    assert_null(strstr(out, blank));
    snprintf(want, sizeof want, "resnet-mnist: %s: no ink found (blank image)\n", blank);
    if (!strstr(err, want))
        fail_msg("stderr lacks '%s':\n%s", want, err);
    snprintf(want, sizeof want, "resnet-mnist: %s: cannot open: No such file", missing);
    if (!strstr(err, want))
        fail_msg("stderr lacks '%s':\n%s", want, err);

    /* four tiles: the number's three digits, then good[1]'s */
    uint8_t *px;
    int w, h, c;
    struct rm_status st;
    if (digit_prep_load_image(show, &px, &w, &h, &c, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(w, 4 * TILE);
    assert_int_equal(h, TILE);
    assert_int_equal(c, 3);
    for (int k = 0; k < 4; k++) {
        const uint8_t *seen = k < 3 ? d[k].image : d1[0].image;
        for (int r = 0; r < 28; r++)
            for (int col = 0; col < 28; col++) {
                const uint8_t *q = px + 3 * ((size_t)(r * 8 + 4) * w + k * TILE + col * 8 + 4);
                assert_int_equal(q[0], seen[r * 28 + col]);
            }
    }
    free(px);
    free(d);
    free(d1);
    free(out);
    free(err);
    free(show);
}

/* A checkpoint of a data set of kind images (12 named classes, trained briefly on made-up
 * files): a picture is resized as it is, not cropped and centred as a digit, with the polarity
 * the data set has (light on dark); the classes are printed by name, in --json too; the
 * probabilities are those of the model run directly on the expected 28x28 image with the
 * checkpoint's own normalisation; --number, which reads digits, is refused. */
static const char *const image_names[12] = {"zero", "one",   "two",   "three", "four", "five",
                                            "six",  "seven", "eight", "nine",  "ten",  "eleven"};

/* The probabilities of the model at path (N classes) on the 28x28 image img, run directly. */
static int direct_classes(const char *path, const uint8_t *img, double *p, int *n)
{
    struct model m;
    struct rm_status st;
    struct weights_info info;
    struct dataset_info *d = calloc(1, sizeof *d);
    int classes;
    if (weights_peek_classes(path, &classes, &st) != 0 ||
        model_init_classes(&m, 1, 1, classes, &st) != 0 ||
        weights_load_classes(path, m.params, classes, &info, d, &st) != 0)
        fail_msg("%s", st.msg);
    assert_true(d->mean != DATASET_MNIST_MEAN); /* its own normalisation, computed */
    for (int k = 0; k < MNIST_PIXELS; k++)
        m.x[k] = ((float)img[k] / 255.0f - d->mean) / d->std;
    model_forward(&m, 1);
    double zmax = m.z[0], sum = 0.0;
    for (int i = 1; i < classes; i++)
        zmax = m.z[i] > zmax ? m.z[i] : zmax;
    for (int i = 0; i < classes; i++)
        sum += p[i] = exp(m.z[i] - zmax);
    for (int i = 0; i < classes; i++)
        p[i] /= sum;
    int top = model_predicted(&m, 0);
    *n = classes;
    model_free(&m);
    free(d);
    return top;
}

static void test_cmd_predict_images_resized_and_named(void **state)
{
    (void)state;
    char *run = tu_make_temp_dir();
    tu_write_mnist_split(run, "train", 60);
    tu_write_mnist_split(run, "t10k", 20);
    char *names = tu_path(run, "names.txt"), *best = tu_path(run, "best.bin");
    char text[200] = "";
    for (int i = 0; i < 12; i++)
        strcat(strcat(text, image_names[i]), "\n");
    tu_write_file(names, text, strlen(text));
    char *out, *err;
    int rc = tu_run_program(&out, &err, "train", "--data", run, "--out", run, "--epochs", "1",
                            "--threads", "1", "--quiet", "--classes", "12", "--class-names", names,
                            "--kind", "images", "--dataset-name", "tiny", NULL);
    if (rc != 0)
        fail_msg("train: %d: %s", rc, err);
    free(out), free(err);
    /* what the network must see: a light block off the centre on a dark ground, and a ramp */
    uint8_t want[MNIST_PIXELS];
    memset(want, 12, sizeof want);
    for (int y = 2; y < 10; y++)
        for (int x = 3; x < 13; x++)
            want[y * 28 + x] = 220;
    for (int x = 0; x < 28; x++)
        want[20 * 28 + x] = (uint8_t)(60 + 6 * x);
    /* drawn enlarged x2, dark on light (inverted back) and as it is (light on dark) */
    uint8_t dark[56 * 56], light[56 * 56];
    for (int y = 0; y < 56; y++)
        for (int x = 0; x < 56; x++) {
            light[y * 56 + x] = want[(y / 2) * 28 + x / 2];
            dark[y * 56 + x] = (uint8_t)(255 - light[y * 56 + x]);
        }
    char *pd = tu_path(run, "dark.png"), *pl = tu_path(run, "light.png");
    char *show = tu_path(run, "seen.png");
    struct rm_status st;
    if (png_write(pd, dark, 56, 56, 1, &st) != 0 || png_write(pl, light, 56, 56, 1, &st) != 0)
        fail_msg("%s", st.msg);
    double p[MODEL_MAX_CLASSES];
    int n, top = direct_classes(best, want, p, &n);
    assert_int_equal(n, 12);
    rc = tu_run_program(&out, &err, "predict", "--weights", best, "--show", show, pd, pl, NULL);
    if (rc != 0)
        fail_msg("predict: %d: %s", rc, err);
    /* both tiles are exactly the expected image (a digit's preparation would have moved it) */
    uint8_t *px;
    int w, h, c;
    if (digit_prep_load_image(show, &px, &w, &h, &c, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(w, 2 * TILE);
    for (int k = 0; k < 2; k++)
        for (int r = 0; r < 28; r++)
            for (int col = 0; col < 28; col++) {
                const uint8_t *q = px + 3 * ((size_t)(r * 8 + 4) * w + k * TILE + col * 8 + 4);
                if (q[0] != want[r * 28 + col])
                    fail_msg("tile %d (%d, %d): %d, expected %d", k, r, col, q[0],
                             want[r * 28 + col]);
            }
    free(px);
    /* "FILE: NAME (P%)" then "  name:P% ..." for the 12 classes, for each file */
    const char *files[2] = {pd, pl};
    for (int k = 0; k < 2; k++) {
        char head[600];
        snprintf(head, sizeof head, "%s: %s (", files[k], image_names[top]);
        const char *at = strstr(out, head);
        if (!at)
            fail_msg("no '%s' in:\n%s", head, out);
        const char *line2 = strchr(at, '\n') + 1;
        for (int i = 0; i < 12; i++) {
            char name[64];
            double pct;
            int used = 0;
            if (sscanf(line2, " %63[^:]:%lf%%%n", name, &pct, &used) != 2 || used == 0)
                fail_msg("cannot read class %d in: %.200s", i, line2);
            assert_string_equal(name, image_names[i]);
            if (fabs(pct - 100.0 * p[i]) > 0.05 + 1e-9)
                fail_msg("%s printed %.1f%%, the model gives %.4f%%", name, pct, 100.0 * p[i]);
            line2 += used;
        }
        assert_true(*line2 == '\n');
    }
    assert_string_equal(err, "");
    free(out), free(err);
    /* --json: the name beside the class number, N probabilities */
    rc = tu_run_program(&out, &err, "predict", "--json", "--weights", best, pd, NULL);
    assert_int_equal(rc, 0);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItem(j, "digit")->valueint, top);
    assert_string_equal(cJSON_GetObjectItem(j, "name")->valuestring, image_names[top]);
    const cJSON *pr = cJSON_GetObjectItem(j, "probabilities");
    assert_int_equal(cJSON_GetArraySize(pr), 12);
    for (int i = 0; i < 12; i++)
        assert_true(fabs(cJSON_GetArrayItem(pr, i)->valuedouble - p[i]) < 1e-6);
    cJSON_Delete(j);
    free(out), free(err);
    /* --number reads digits: refused for a data set of images, naming it */
    rc = tu_run_program(&out, &err, "predict", "--number", "--weights", best, pd, NULL);
    assert_int_equal(rc, 1);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "--number reads digits"));
    assert_non_null(strstr(err, "trained on tiny"));
    free(out), free(err);
    free(names), free(best), free(pd), free(pl), free(show);
    tu_remove_dir(run);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_predict_prints_digit_and_probabilities),
        cmocka_unit_test(test_cmd_predict_json),
        cmocka_unit_test(test_cmd_predict_more_confident_preparation),
        cmocka_unit_test(test_cmd_predict_failures_do_not_stop_the_others),
        cmocka_unit_test(test_cmd_predict_show_writes_what_the_network_saw),
        cmocka_unit_test(test_cmd_predict_usage_and_weights_errors),
        cmocka_unit_test(test_cmd_predict_accepts_last_bin),
        cmocka_unit_test(test_cmd_predict_refuses_non_finite_outputs),
        cmocka_unit_test(test_cmd_predict_output_never_replaces_input),
        cmocka_unit_test(test_cmd_predict_fifo_refused_at_once),
        cmocka_unit_test(test_cmd_predict_large_picture_shrunk),
        cmocka_unit_test(test_cmd_predict_number_json),
        cmocka_unit_test(test_cmd_predict_number_large_picture_shrunk),
        cmocka_unit_test(test_cmd_predict_number_human_show_and_failures),
        cmocka_unit_test(test_cmd_predict_images_resized_and_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
