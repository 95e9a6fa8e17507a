/* Tests of digit_grid.c, read back (stb_image, through tu_load_png_rgb): the captioned look of
 * test --errors checked by its size and every cell's pixels with both the TrueType font and the
 * built-in one, the tiles of predict --show pixel by pixel, and the error paths. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resnet_mnist/io/digit_grid.h"
#include "resnet_mnist/io/idx.h"

#define FONT_ENV "RESNET_MNIST_FONT"

/* digit_grid_write_png in the look of test --errors. */
static int write_captioned(const char *path, const char *title, const uint8_t *images,
                           const char *const *captions, int n, int columns, struct rm_status *st)
{
    struct digit_grid_look look = digit_grid_look_captioned();
    return digit_grid_write_png(path, &look, title, images, captions, n, columns, st);
}

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
    int w = 2 * DIGIT_GRID_MARGIN + cols * DIGIT_GRID_CELL_W;
    return w < DIGIT_GRID_MIN_W ? DIGIT_GRID_MIN_W : w;
}

static int grid_height(int n, int columns)
{
    int cols = columns < n ? columns : n;
    return DIGIT_GRID_TITLE_H + (n + cols - 1) / cols * DIGIT_GRID_CELL_H + DIGIT_GRID_MARGIN;
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

static void test_digit_grid_dimensions(void **state)
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
        if (write_captioned(path, "title", images, NULL, n, columns, &st) != 0)
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
    assert_int_equal(grid_height(25, 10), 50 + 3 * DIGIT_GRID_CELL_H + 16);
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
    if (write_captioned(path, "misclassified test images", images, captions, N, COLS, &st))
        fail_msg("%s", st.msg);
    struct tu_image im;
    image_load(path, &im);
    assert_int_equal(im.w, grid_width(N, COLS));
    assert_int_equal(im.h, grid_height(N, COLS));
    int left = (im.w - COLS * DIGIT_GRID_CELL_W) / 2, S = DIGIT_GRID_SCALE;
    assert_true(dark_in(&im, 0, 0, im.w, DIGIT_GRID_TITLE_H) > 50); /* the title */
    for (int k = 0; k < 15; k++) {
        int cx = left + k % COLS * DIGIT_GRID_CELL_W;
        int cy = DIGIT_GRID_TITLE_H + k / COLS * DIGIT_GRID_CELL_H;
        int dx = cx + DIGIT_GRID_DIGIT_X, dy = cy + DIGIT_GRID_DIGIT_Y;
        int cap_y = dy + DIGIT_GRID_DIGIT + DIGIT_GRID_CAPTION_GAP;
        if (k >= N) {
            if (non_white_in(&im, cx, cy, cx + DIGIT_GRID_CELL_W, cy + DIGIT_GRID_CELL_H) != 0)
                fail_msg("empty cell %d is not white", k);
            continue;
        }
        /* the 6x6 block, enlarged: all black, and nothing else dark in the digit box */
        int bx = dx + (3 + k % 19) * S, by = dy + (2 + k % 20) * S;
        if (dark_in(&im, bx, by, bx + 6 * S, by + 6 * S) != 36L * S * S)
            fail_msg("cell %d: the digit's ink block is not all dark", k);
        if (dark_in(&im, dx, dy, dx + DIGIT_GRID_DIGIT, dy + DIGIT_GRID_DIGIT) != 36L * S * S)
            fail_msg("cell %d: dark pixels outside the digit's ink", k);
        const unsigned char *bg = pixel(&im, dx + 1, dy + 1);
        assert_true(bg[0] == 255 && bg[1] == 255 && bg[2] == 255); /* white paper */
        const unsigned char *pale = pixel(&im, dx + 27 * S + 1, dy + 27 * S + 1);
        assert_true(pale[0] > 200 && pale[0] < 235); /* MNIST's 40 of 255: a light grey */
        const unsigned char *frame = pixel(&im, dx - 1, dy + DIGIT_GRID_DIGIT / 2);
        assert_true(frame[0] > 150 && frame[0] < 240); /* the light grey frame */
        /* the caption: both lines inked, unless there is none */
        long line1 = dark_in(&im, cx, cap_y, cx + DIGIT_GRID_CELL_W, cap_y + DIGIT_GRID_LINE_H);
        long line2 = dark_in(&im, cx, cap_y + DIGIT_GRID_LINE_H, cx + DIGIT_GRID_CELL_W,
                             cap_y + 2 * DIGIT_GRID_LINE_H + 4);
        if (k == 4) {
            assert_int_equal(
                non_white_in(&im, cx, cap_y, cx + DIGIT_GRID_CELL_W, cy + DIGIT_GRID_CELL_H), 0);
        } else if (line1 < 20 || line2 < 20) {
            fail_msg("cell %d (font %s): caption lines have %ld and %ld dark pixels", k,
                     font ? font : "default", line1, line2);
        }
    }
    /* the margins around the cells */
    assert_int_equal(non_white_in(&im, 0, DIGIT_GRID_TITLE_H, left, im.h), 0);
    assert_int_equal(non_white_in(&im, 0, im.h - DIGIT_GRID_MARGIN, im.w, im.h), 0);
    free(im.px);
    free(path);
    tu_remove_dir(dir);
    unsetenv(FONT_ENV);
}

static void test_digit_grid_cells_truetype(void **state)
{
    (void)state;
    check_grid_cells(NULL);
}

static void test_digit_grid_cells_builtin_font(void **state)
{
    (void)state;
    check_grid_cells("none");
}

static void test_digit_grid_errors(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "grid.png");
    uint8_t images[2 * MNIST_PIXELS] = {0};
    struct rm_status st = {{0}};
    struct stat sb;

    assert_int_equal(write_captioned(path, NULL, images, NULL, 0, 10, &st), -1);
    assert_non_null(strstr(st.msg, path));
    assert_non_null(strstr(st.msg, "no digits"));
    assert_int_equal(write_captioned(path, NULL, NULL, NULL, 2, 10, &st), -1);
    assert_non_null(strstr(st.msg, "no digits"));
    assert_int_equal(write_captioned(path, NULL, images, NULL, 2, 0, &st), -1);
    assert_non_null(strstr(st.msg, "columns"));
    assert_int_equal(write_captioned(NULL, NULL, images, NULL, 2, 1, &st), -1);
    assert_non_null(strstr(st.msg, "no output path"));
    /* 60 rows: taller than the 8192-pixel limit (checked before anything is read) */
    assert_int_equal(write_captioned(path, NULL, images, NULL, 60, 1, &st), -1);
    assert_non_null(strstr(st.msg, "8192"));
    assert_int_equal(stat(path, &sb), -1); /* nothing written */

    char *missing = tu_path(dir, "no/such/folder/grid.png");
    assert_int_equal(write_captioned(missing, "t", images, NULL, 2, 2, &st), -1);
    assert_non_null(strstr(st.msg, missing));
    free(missing);
    free(path);
    tu_remove_dir(dir);
}

/* ---------------------------------------------------------------------------------------------
 * The tiles of predict --show */

/* Digit k: every pixel a different grey level, 0 and 255 included. */
static void make_greys(uint8_t *images, int n)
{
    for (int k = 0; k < n; k++)
        for (int i = 0; i < MNIST_PIXELS; i++)
            images[(size_t)k * MNIST_PIXELS + (size_t)i] = (uint8_t)((i * 7 + k * 31) % 256);
}

/* Checks every pixel of a tiles grid of n digits, `columns` to a row, at scale: tile k shows
 * digit k's grey levels, scale x scale pixels each, as r = g = b; when scale > 2 its outermost
 * ring of pixels is (0x20, 0x30, 0x70) instead; cells past the last digit are black. */
static void check_tiles(const char *path, const uint8_t *images, int n, int columns, int scale)
{
    struct tu_image im;
    tu_load_png_rgb(path, &im);
    int tile = 28 * scale, cols = columns < n ? columns : n, rows = (n + cols - 1) / cols;
    assert_int_equal(im.w, cols * tile);
    assert_int_equal(im.h, rows * tile);
    for (int y = 0; y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            int k = y / tile * cols + x / tile, tx = x % tile, ty = y % tile;
            int edge = scale > 2 && (tx == 0 || ty == 0 || tx == tile - 1 || ty == tile - 1);
            uint8_t want[3] = {0, 0, 0};
            if (k < n && edge) {
                want[0] = 0x20, want[1] = 0x30, want[2] = 0x70;
            } else if (k < n) {
                uint8_t v =
                    images[(size_t)k * MNIST_PIXELS + (size_t)(ty / scale * 28 + tx / scale)];
                want[0] = want[1] = want[2] = v;
            }
            const unsigned char *p = pixel(&im, x, y);
            if (memcmp(p, want, 3) != 0)
                fail_msg("scale %d, pixel (%d, %d) of tile %d: %d %d %d, want %d %d %d", scale, x,
                         y, k, p[0], p[1], p[2], want[0], want[1], want[2]);
        }
    free(im.px);
}

static void test_digit_grid_tiles_pixels(void **state)
{
    (void)state;
    enum { N = 12 };
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "seen.png");
    uint8_t images[N * MNIST_PIXELS];
    make_greys(images, N);
    const int cases[][3] = {{N, 10, 8}, {3, 10, 8}, {N, 5, 3}, {N, 10, 2}, {7, 3, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = cases[i][0], columns = cases[i][1], scale = cases[i][2];
        struct digit_grid_look look = digit_grid_look_tiles(scale);
        struct rm_status st = {{0}};
        if (digit_grid_write_png(path, &look, NULL, images, NULL, n, columns, &st) != 0)
            fail_msg("n %d scale %d: %s", n, scale, st.msg);
        check_tiles(path, images, n, columns, scale);
    }
    free(path);
    tu_remove_dir(dir);
}

/* The tiles have no room for a title or captions: given, they change nothing. */
static void test_digit_grid_tiles_ignore_title_and_captions(void **state)
{
    (void)state;
    enum { N = 3 };
    char *dir = tu_make_temp_dir();
    char *plain = tu_path(dir, "plain.png"), *titled = tu_path(dir, "titled.png");
    uint8_t images[N * MNIST_PIXELS];
    make_greys(images, N);
    const char *captions[N] = {"true 1  pred 7", "x", "y"};
    struct digit_grid_look look = digit_grid_look_tiles(4);
    struct rm_status st = {{0}};
    assert_int_equal(digit_grid_write_png(plain, &look, NULL, images, NULL, N, 10, &st), 0);
    assert_int_equal(digit_grid_write_png(titled, &look, "a title", images, captions, N, 10, &st),
                     0);
    size_t n1, n2;
    uint8_t *a = tu_read_file(plain, &n1), *b = tu_read_file(titled, &n2);
    assert_true(n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    free(plain);
    free(titled);
    tu_remove_dir(dir);
}

static void test_digit_grid_bad_look_and_size(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "grid.png");
    uint8_t images[2 * MNIST_PIXELS] = {0};
    struct rm_status st = {{0}};
    struct stat sb;

    assert_int_equal(digit_grid_write_png(path, NULL, NULL, images, NULL, 2, 2, &st), -1);
    assert_non_null(strstr(st.msg, path));
    assert_non_null(strstr(st.msg, "look"));
    struct digit_grid_look look = digit_grid_look_captioned();
    look.digit_y = look.cell_h - 10; /* the digit would hang out of its cell */
    assert_int_equal(digit_grid_write_png(path, &look, NULL, images, NULL, 2, 2, &st), -1);
    assert_non_null(strstr(st.msg, "look"));
    look = digit_grid_look_tiles(0);
    assert_int_equal(digit_grid_write_png(path, &look, NULL, images, NULL, 2, 2, &st), -1);
    assert_non_null(strstr(st.msg, "look"));
    /* tiles may be taller than the captioned grid's 8192 pixels, up to PNG's 65535: 300 rows of
     * 224 pixels are refused (before anything is read), 300 rows of 28 are written */
    look = digit_grid_look_tiles(8);
    assert_int_equal(digit_grid_write_png(path, &look, NULL, images, NULL, 300, 1, &st), -1);
    assert_non_null(strstr(st.msg, "65535"));
    assert_int_equal(stat(path, &sb), -1); /* nothing written */
    uint8_t *many = calloc(300, MNIST_PIXELS);
    assert_non_null(many);
    look = digit_grid_look_tiles(1);
    if (digit_grid_write_png(path, &look, NULL, many, NULL, 300, 1, &st) != 0)
        fail_msg("%s", st.msg);
    struct tu_image im;
    tu_load_png_rgb(path, &im);
    assert_int_equal(im.w, 28);
    assert_int_equal(im.h, 300 * 28);
    free(im.px);
    free(many);
    free(path);
    tu_remove_dir(dir);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digit_grid_dimensions),
        cmocka_unit_test(test_digit_grid_cells_truetype),
        cmocka_unit_test(test_digit_grid_cells_builtin_font),
        cmocka_unit_test(test_digit_grid_errors),
        cmocka_unit_test(test_digit_grid_tiles_pixels),
        cmocka_unit_test(test_digit_grid_tiles_ignore_title_and_captions),
        cmocka_unit_test(test_digit_grid_bad_look_and_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
