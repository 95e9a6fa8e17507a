/* Tests of the evaluation report: report.c (confusion matrix, per-class accuracy, mistakes
 * ordered by confidence), evaluate_detailed (train.c) against evaluate, and the grid of
 * misclassified digits (plot_write_digit_grid in plot.c), read back (stb_image, through
 * tu_load_png_rgb) and checked by its size and pixels with both the TrueType font and the built-in
 * one. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/io/plot.h"
#include "resnet_mnist/engine/report.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/engine/evaluation.h"

#define FONT_ENV "RESNET_MNIST_FONT"

/* ---------------------------------------------------------------------------------------------
 * report.c */

static void test_report_confusion_sums(void **state)
{
    (void)state;
    enum { N = 1000 };
    uint8_t labels[N], pred[N];
    int count[REPORT_CLASSES] = {0}, right = 0;
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        labels[i] = (uint8_t)((seed >> 16) % 10);
        seed = seed * 1103515245u + 12345u;
        /* right about 80% of the time, else any digit (sometimes the right one again) */
        pred[i] = (seed >> 16) % 5 ? labels[i] : (uint8_t)((seed >> 8) % 10);
        count[labels[i]]++;
        right += labels[i] == pred[i];
    }
    struct eval_report r;
    report_build(&r, labels, pred, N);
    assert_int_equal(r.total, N);
    assert_int_equal(r.correct, right);
    long all = 0, trace = 0;
    for (int t = 0; t < REPORT_CLASSES; t++) {
        int row = 0;
        for (int p = 0; p < REPORT_CLASSES; p++)
            row += r.confusion[t][p];
        assert_int_equal(row, count[t]);
        assert_int_equal(r.class_total[t], count[t]);
        assert_int_equal(r.class_correct[t], r.confusion[t][t]);
        all += row;
        trace += r.confusion[t][t];
    }
    assert_int_equal(all, N);
    assert_int_equal(trace, right);
    /* every column sums to the number of predictions of that digit */
    for (int p = 0; p < REPORT_CLASSES; p++) {
        int col = 0, want = 0;
        for (int t = 0; t < REPORT_CLASSES; t++)
            col += r.confusion[t][p];
        for (int i = 0; i < N; i++)
            want += pred[i] == p;
        assert_int_equal(col, want);
    }
}

static void test_report_per_class_accuracy(void **state)
{
    (void)state;
    /* digit 0: 4 images, 3 right (one taken for a 6); digit 1: 2 images, both taken for 7;
     * digit 2: 1 image, right; digit 9: 3 images, 2 right (one taken for a 4); 3..8: none */
    const uint8_t labels[] = {0, 0, 0, 0, 1, 1, 2, 9, 9, 9};
    const uint8_t pred[] = {0, 6, 0, 0, 7, 7, 2, 9, 4, 9};
    struct eval_report r;
    report_build(&r, labels, pred, 10);
    assert_int_equal(r.total, 10);
    assert_int_equal(r.correct, 6);
    assert_true(report_class_accuracy(&r, 0) == 0.75);
    assert_true(report_class_accuracy(&r, 1) == 0.0);
    assert_true(report_class_accuracy(&r, 2) == 1.0);
    assert_true(fabs(report_class_accuracy(&r, 9) - 2.0 / 3.0) < 1e-15);
    for (int d = 3; d <= 8; d++) {
        assert_true(isnan(report_class_accuracy(&r, d)));
        assert_int_equal(r.class_total[d], 0);
    }
    assert_int_equal(r.confusion[0][0], 3);
    assert_int_equal(r.confusion[0][6], 1);
    assert_int_equal(r.confusion[1][7], 2);
    assert_int_equal(r.confusion[1][1], 0);
    assert_int_equal(r.confusion[9][4], 1);
    assert_int_equal(r.confusion[9][9], 2);
    assert_int_equal(r.confusion[6][0], 0); /* rows are the true digit, not the prediction */
    assert_int_equal(r.class_total[0], 4);
    assert_int_equal(r.class_correct[9], 2);
}

static void test_report_empty(void **state)
{
    (void)state;
    struct eval_report r;
    memset(&r, 0x55, sizeof r); /* garbage in: all must be reset */
    report_build(&r, NULL, NULL, 0);
    assert_int_equal(r.total, 0);
    assert_int_equal(r.correct, 0);
    for (int t = 0; t < REPORT_CLASSES; t++) {
        assert_int_equal(r.class_total[t], 0);
        for (int p = 0; p < REPORT_CLASSES; p++)
            assert_int_equal(r.confusion[t][p], 0);
        assert_true(isnan(report_class_accuracy(&r, t)));
    }
    struct report_error e;
    assert_int_equal(report_errors(&e, NULL, NULL, NULL, 0), 0);
}

static void test_report_errors_by_confidence(void **state)
{
    (void)state;
    /* index:                  0    1    2     3    4    5    6    7    8    9 */
    const uint8_t labels[] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
    const uint8_t pred[] = {3, 7, 4, 2, 6, 9, 8, 0, 3, 5};
    const float conf[] = {0.99f, 0.6f, 0.97f, 0.95f, 0.6f, 0.5f, NAN, 0.999f, 0.31f, 0.6f};
    struct report_error e[10];
    int k = report_errors(e, labels, pred, conf, 10);
    assert_int_equal(k, 7); /* 0, 2 and 5 are right */
    /* most confident first; 1, 4 and 9 tie at 0.6 and keep data-set order; NaN last */
    const int want[] = {7, 3, 1, 4, 9, 8, 6};
    for (int i = 0; i < k; i++) {
        assert_int_equal(e[i].index, want[i]);
        assert_int_equal(e[i].label, labels[want[i]]);
        assert_int_equal(e[i].predicted, pred[want[i]]);
        if (!isnan(conf[want[i]]))
            assert_true(e[i].confidence == conf[want[i]]);
    }
    assert_true(isnan(e[6].confidence));
    /* all right: nothing written */
    e[0].index = -7;
    assert_int_equal(report_errors(e, labels, labels, conf, 10), 0);
    assert_int_equal(e[0].index, -7);
}

/* ---------------------------------------------------------------------------------------------
 * evaluate_detailed */

static void test_report_evaluate_detailed(void **state)
{
    (void)state;
    enum { N = 23 };
    struct idx_dataset ds = {0};
    ds.n = N;
    ds.images = malloc((size_t)N * MNIST_PIXELS);
    ds.labels = malloc(N);
    assert_non_null(ds.images);
    assert_non_null(ds.labels);
    unsigned seed = 7;
    for (size_t i = 0; i < (size_t)N * MNIST_PIXELS; i++) {
        seed = seed * 1103515245u + 12345u;
        ds.images[i] = (seed >> 16) % 4 ? 0 : (uint8_t)(seed >> 8);
    }
    for (int i = 0; i < N; i++)
        ds.labels[i] = (uint8_t)(i * 7 % 10);
    struct model m = {0};
    struct rm_status st;
    /* a batch of 5: the last batch is partial, and indices must still land in the right place */
    assert_int_equal(model_init(&m, 5, 1, &st), 0);
    struct rng r;
    rng_seed(&r, 3);
    model_init_params(&m, &r);

    struct eval_result plain, detailed, only_pred;
    evaluate(&m, &ds, &plain);
    uint8_t pred[N], pred2[N];
    float conf[N];
    memset(pred, 0xff, sizeof pred);
    evaluate_detailed(&m, &ds, &detailed, pred, conf);
    evaluate_detailed(&m, &ds, &only_pred, pred2, NULL);
    assert_int_equal(detailed.correct, plain.correct);
    assert_int_equal(detailed.total, N);
    assert_true(detailed.loss == plain.loss);
    assert_int_equal(only_pred.correct, plain.correct);
    assert_memory_equal(pred, pred2, N);

    /* each image on its own: the same prediction, and the confidence is the largest softmax
     * probability */
    int right = 0;
    for (int i = 0; i < N; i++) {
        uint8_t label;
        int idx = i;
        batch_load(&m, &label, &ds, &idx, 0, 1);
        model_forward(&m, 1);
        model_loss(&m, &label, 1);
        int p = model_predicted(&m, 0);
        assert_int_equal(pred[i], p);
        float best = 0.0f;
        for (int c = 0; c < MODEL_CLASSES; c++)
            best = m.probs[c] > best ? m.probs[c] : best;
        assert_true(fabsf(conf[i] - best) < 1e-6f);
        assert_true(conf[i] >= 0.1f && conf[i] <= 1.0f);
        right += p == ds.labels[i];
    }
    assert_int_equal(right, plain.correct);
    model_free(&m);
    idx_free(&ds);
}

/* ---------------------------------------------------------------------------------------------
 * plot_write_digit_grid */

static void image_load(const char *path, struct tu_image *im)
{
    tu_load_png_rgb(path, im);
}

static const unsigned char *pixel(const struct tu_image *im, int x, int y)
{
    return im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 3;
}

static int is_dark(const unsigned char *p)
{
    return p[0] < 90 && p[1] < 90 && p[2] < 90;
}

/* Dark pixels in [x0, x1) x [y0, y1). */
static long dark_in(const struct tu_image *im, int x0, int y0, int x1, int y1)
{
    long n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            n += is_dark(pixel(im, x, y));
    return n;
}

static long non_white_in(const struct tu_image *im, int x0, int y0, int x1, int y1)
{
    long n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            const unsigned char *p = pixel(im, x, y);
            n += p[0] != 255 || p[1] != 255 || p[2] != 255;
        }
    return n;
}

static int grid_width(int n, int columns)
{
    int cols = columns < n ? columns : n;
    int w = 2 * PLOT_GRID_MARGIN + cols * PLOT_GRID_CELL_W;
    return w < PLOT_GRID_MIN_W ? PLOT_GRID_MIN_W : w;
}

static int grid_height(int n, int columns)
{
    int cols = columns < n ? columns : n;
    return PLOT_GRID_TITLE_H + (n + cols - 1) / cols * PLOT_GRID_CELL_H + PLOT_GRID_MARGIN;
}

/* Digit k: a 6x6 block of full ink at row 2 + k % 20, column 3 + k % 19, and a pale pixel. */
static void make_digits(uint8_t *images, int n)
{
    memset(images, 0, (size_t)n * MNIST_PIXELS);
    for (int k = 0; k < n; k++) {
        uint8_t *d = images + (size_t)k * MNIST_PIXELS;
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++)
                d[(2 + k % 20 + r) * 28 + 3 + k % 19 + c] = 255;
        d[27 * 28 + 27] = 40;
    }
}

static void test_report_grid_dimensions(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "grid.png");
    const int cases[][2] = {{1, 10}, {7, 3}, {10, 10}, {25, 10}, {4, 1}, {3, 100}};
    uint8_t *images = malloc(25 * MNIST_PIXELS);
    assert_non_null(images);
    make_digits(images, 25);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = cases[i][0], columns = cases[i][1];
        struct rm_status st = {{0}};
        if (plot_write_digit_grid(path, "title", images, NULL, n, columns, &st) != 0)
            fail_msg("n %d columns %d: %s", n, columns, st.msg);
        struct tu_image im;
        image_load(path, &im);
        if (im.w != grid_width(n, columns) || im.h != grid_height(n, columns))
            fail_msg("n %d columns %d: %dx%d, want %dx%d", n, columns, im.w, im.h,
                     grid_width(n, columns), grid_height(n, columns));
        free(im.px);
    }
    /* the hand-computed sizes of two of them */
    assert_int_equal(grid_width(25, 10), 2 * 16 + 10 * 140);
    assert_int_equal(grid_height(25, 10), 50 + 3 * PLOT_GRID_CELL_H + 16);
    assert_int_equal(grid_width(1, 10), 480);
    free(images);
    free(path);
    tu_remove_dir(dir);
}

/* Draws 13 digits in rows of 5 (the last row has 2 empty cells) and checks every cell: the
 * digit's ink block is black where the block is and the rest of the digit box white, the frame
 * is there, its caption has dark pixels (except for the one cell without), and the empty cells
 * and the margins are white. */
static void check_grid_cells(const char *font)
{
    if (font)
        assert_int_equal(setenv(FONT_ENV, font, 1), 0);
    else
        unsetenv(FONT_ENV);
    enum { N = 13, COLS = 5 };
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "errors.png");
    uint8_t images[N * MNIST_PIXELS];
    make_digits(images, N);
    char text[N][64];
    const char *captions[N];
    for (int k = 0; k < N; k++) {
        snprintf(text[k], sizeof text[k], "true %d  pred %d\np 0.%03d  #%d", k % 10, (k + 3) % 10,
                 999 - k, 100 * k);
        captions[k] = text[k];
    }
    captions[4] = NULL; /* no caption at all */
    struct rm_status st = {{0}};
    if (plot_write_digit_grid(path, "misclassified test images", images, captions, N, COLS, &st))
        fail_msg("%s", st.msg);
    struct tu_image im;
    image_load(path, &im);
    assert_int_equal(im.w, grid_width(N, COLS));
    assert_int_equal(im.h, grid_height(N, COLS));
    int left = (im.w - COLS * PLOT_GRID_CELL_W) / 2, S = PLOT_GRID_SCALE;
    assert_true(dark_in(&im, 0, 0, im.w, PLOT_GRID_TITLE_H) > 50); /* the title */
    for (int k = 0; k < 15; k++) {
        int cx = left + k % COLS * PLOT_GRID_CELL_W;
        int cy = PLOT_GRID_TITLE_H + k / COLS * PLOT_GRID_CELL_H;
        int dx = cx + PLOT_GRID_DIGIT_X, dy = cy + PLOT_GRID_DIGIT_Y;
        int cap_y = dy + PLOT_GRID_DIGIT + PLOT_GRID_CAPTION_GAP;
        if (k >= N) {
            if (non_white_in(&im, cx, cy, cx + PLOT_GRID_CELL_W, cy + PLOT_GRID_CELL_H) != 0)
                fail_msg("empty cell %d is not white", k);
            continue;
        }
        /* the 6x6 block, enlarged: all black, and nothing else dark in the digit box */
        int bx = dx + (3 + k % 19) * S, by = dy + (2 + k % 20) * S;
        if (dark_in(&im, bx, by, bx + 6 * S, by + 6 * S) != 36L * S * S)
            fail_msg("cell %d: the digit's ink block is not all dark", k);
        if (dark_in(&im, dx, dy, dx + PLOT_GRID_DIGIT, dy + PLOT_GRID_DIGIT) != 36L * S * S)
            fail_msg("cell %d: dark pixels outside the digit's ink", k);
        const unsigned char *bg = pixel(&im, dx + 1, dy + 1);
        assert_true(bg[0] == 255 && bg[1] == 255 && bg[2] == 255); /* white paper */
        const unsigned char *pale = pixel(&im, dx + 27 * S + 1, dy + 27 * S + 1);
        assert_true(pale[0] > 200 && pale[0] < 235); /* MNIST's 40 of 255: a light grey */
        const unsigned char *frame = pixel(&im, dx - 1, dy + PLOT_GRID_DIGIT / 2);
        assert_true(frame[0] > 150 && frame[0] < 240); /* the light grey frame */
        /* the caption: both lines inked, unless there is none */
        long line1 = dark_in(&im, cx, cap_y, cx + PLOT_GRID_CELL_W, cap_y + PLOT_GRID_LINE_H);
        long line2 = dark_in(&im, cx, cap_y + PLOT_GRID_LINE_H, cx + PLOT_GRID_CELL_W,
                             cap_y + 2 * PLOT_GRID_LINE_H + 4);
        if (k == 4) {
            assert_int_equal(
                non_white_in(&im, cx, cap_y, cx + PLOT_GRID_CELL_W, cy + PLOT_GRID_CELL_H), 0);
        } else if (line1 < 20 || line2 < 20) {
            fail_msg("cell %d (font %s): caption lines have %ld and %ld dark pixels", k,
                     font ? font : "default", line1, line2);
        }
    }
    /* the margins around the cells */
    assert_int_equal(non_white_in(&im, 0, PLOT_GRID_TITLE_H, left, im.h), 0);
    assert_int_equal(non_white_in(&im, 0, im.h - PLOT_GRID_MARGIN, im.w, im.h), 0);
    free(im.px);
    free(path);
    tu_remove_dir(dir);
    unsetenv(FONT_ENV);
}

static void test_report_grid_cells_truetype(void **state)
{
    (void)state;
    check_grid_cells(NULL);
}

static void test_report_grid_cells_builtin_font(void **state)
{
    (void)state;
    check_grid_cells("none");
}

static void test_report_grid_errors(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "grid.png");
    uint8_t images[2 * MNIST_PIXELS] = {0};
    struct rm_status st = {{0}};
    struct stat sb;

    assert_int_equal(plot_write_digit_grid(path, NULL, images, NULL, 0, 10, &st), -1);
    assert_non_null(strstr(st.msg, path));
    assert_non_null(strstr(st.msg, "no digits"));
    assert_int_equal(plot_write_digit_grid(path, NULL, NULL, NULL, 2, 10, &st), -1);
    assert_non_null(strstr(st.msg, "no digits"));
    assert_int_equal(plot_write_digit_grid(path, NULL, images, NULL, 2, 0, &st), -1);
    assert_non_null(strstr(st.msg, "columns"));
    assert_int_equal(plot_write_digit_grid(NULL, NULL, images, NULL, 2, 1, &st), -1);
    assert_non_null(strstr(st.msg, "no output path"));
    /* 60 rows: taller than the 8192-pixel limit (checked before anything is read) */
    assert_int_equal(plot_write_digit_grid(path, NULL, images, NULL, 60, 1, &st), -1);
    assert_non_null(strstr(st.msg, "8192"));
    assert_int_equal(stat(path, &sb), -1); /* nothing written */

    char *missing = tu_path(dir, "no/such/folder/grid.png");
    assert_int_equal(plot_write_digit_grid(missing, "t", images, NULL, 2, 2, &st), -1);
    assert_non_null(strstr(st.msg, missing));
    free(missing);
    free(path);
    tu_remove_dir(dir);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_confusion_sums),
        cmocka_unit_test(test_report_per_class_accuracy),
        cmocka_unit_test(test_report_empty),
        cmocka_unit_test(test_report_errors_by_confidence),
        cmocka_unit_test(test_report_evaluate_detailed),
        cmocka_unit_test(test_report_grid_dimensions),
        cmocka_unit_test(test_report_grid_cells_truetype),
        cmocka_unit_test(test_report_grid_cells_builtin_font),
        cmocka_unit_test(test_report_grid_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
