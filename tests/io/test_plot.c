/* Tests of plot.c: the PNGs are read back (stb_image, through tu_load_png_rgb) and checked by their
 * pixels (size, white background, series colours where the data are, dark text where the title,
 * ticks and labels go), plus the error paths and the plot's text with the built-in font (the font
 * search itself is test_text.c's). Sample plots for a visual review: scripts/plot_samples.c. */
#include "test_util.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resnet_mnist/io/plot.h"
#include "resnet_mnist/io/text.h"
#include "plot_axis.h"

#define BLUE      0x1f77b4u
#define ORANGE    0xff7f0eu
#define FONT_ENV  "RESNET_MNIST_FONT"
#define SYS_FONT  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define MAX_POINT 500

static const unsigned char *pixel(const struct tu_image *im, int x, int y)
{
    return im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 3;
}

/* Reads a PNG written by plot_write_png; checks the signature so that a BMP or a raw dump
 * would not pass. */
static void image_load(const char *path, struct tu_image *im)
{
    tu_load_png_rgb(path, im);
}

static void image_free(struct tu_image *im)
{
    free(im->px);
    im->px = NULL;
}

/* A pixel of the solid series colour rgb (the anti-aliased edges are lighter and do not count). */
static int is_colour(const unsigned char *p, uint32_t rgb)
{
    int r = (int)(rgb >> 16 & 255), g = (int)(rgb >> 8 & 255), b = (int)(rgb & 255);
    return abs(p[0] - r) <= 30 && abs(p[1] - g) <= 30 && abs(p[2] - b) <= 30;
}

static int is_dark(const unsigned char *p)
{
    return p[0] < 90 && p[1] < 90 && p[2] < 90;
}

static int is_white(const unsigned char *p)
{
    return p[0] == 255 && p[1] == 255 && p[2] == 255;
}

/* Pixels in [x0, x1) x [y0, y1), given as fractions of the image, that pass test. */
static long count_in(const struct tu_image *im, double fx0, double fy0, double fx1, double fy1,
                     int (*test)(const unsigned char *))
{
    long n = 0;
    for (int y = (int)(fy0 * im->h); y < (int)(fy1 * im->h); y++)
        for (int x = (int)(fx0 * im->w); x < (int)(fx1 * im->w); x++)
            n += test(pixel(im, x, y));
    return n;
}

static long count_colour(const struct tu_image *im, uint32_t rgb)
{
    long n = 0;
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++)
            n += is_colour(pixel(im, x, y), rgb);
    return n;
}

/* The mean row of the pixels of colour rgb in columns [x0, x1); -1 when there are none. */
static double mean_row(const struct tu_image *im, uint32_t rgb, int x0, int x1)
{
    double sum = 0.0;
    long n = 0;
    for (int y = 0; y < im->h; y++)
        for (int x = x0; x < x1; x++)
            if (is_colour(pixel(im, x, y), rgb)) {
                sum += y;
                n++;
            }
    return n ? sum / (double)n : -1.0;
}

/* The first row from the top that is dark across the middle of the image: the top of the axes
 * box. -1 when there is none. */
static int top_spine_row(const struct tu_image *im)
{
    for (int y = 0; y < im->h; y++) {
        int dark = 0, n = 0;
        for (int x = im->w * 3 / 10; x < im->w * 7 / 10; x++, n++)
            dark += is_dark(pixel(im, x, y));
        if (dark * 10 >= n * 9)
            return y;
    }
    return -1;
}

/* The bounding box of the pixels of colour rgb. */
static void colour_box(const struct tu_image *im, uint32_t rgb, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = im->w, *y0 = im->h, *x1 = -1, *y1 = -1;
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++)
            if (is_colour(pixel(im, x, y), rgb)) {
                *x0 = x < *x0 ? x : *x0;
                *x1 = x > *x1 ? x : *x1;
                *y0 = y < *y0 ? y : *y0;
                *y1 = y > *y1 ? y : *y1;
            }
}

/* Test data: x = 1..n, and y by kind: 0 rising line, 1 an accuracy curve with noise, 2 a falling
 * loss. */
struct data {
    double x[MAX_POINT], y[MAX_POINT];
};

static void data_fill(struct data *d, int n, int kind, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        double noise = (double)(seed >> 8 & 0xffff) / 65535.0 - 0.5;
        d->x[i] = i + 1;
        if (kind == 0)
            d->y[i] = 0.95 + 0.004 * i;
        else if (kind == 1)
            d->y[i] = 0.9935 - 0.011 * exp(-i * 10.0 / n) + 0.0012 * noise;
        else
            d->y[i] = 0.03 + 0.25 * exp(-i * 10.0 / n) + 0.006 * noise;
    }
}

static struct plot_series series_make(const char *label, const struct data *d, int n, uint32_t rgb,
                                      int label_points, int mark_best)
{
    struct plot_series s = {label, d->x, d->y, n, rgb, label_points, mark_best};
    return s;
}

static struct plot_spec spec_make(const char *title, const struct plot_series *s, int ns, int w,
                                  int h)
{
    struct plot_spec sp = {title, "epoch", "accuracy", w, h, s, ns};
    return sp;
}

/* Writes a one-series plot into dir/name and loads it. */
static void plot_one(const char *dir, const char *name, const struct plot_spec *sp,
                     struct tu_image *im)
{
    char *path = tu_path(dir, name);
    struct rm_status st = {{0}};
    int rc = plot_write_png(path, sp, &st);
    if (rc != 0)
        fail_msg("plot_write_png(%s): %s", path, st.msg);
    image_load(path, im);
    free(path);
}

static int group_setup(void **state)
{
    (void)state;
    /* The tests choose the font themselves; the caller's choice must not leak in. */
    unsetenv(FONT_ENV);
    return 0;
}

static void test_plot_writes_png_of_requested_size(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data d;
    data_fill(&d, 20, 1, 1);
    struct plot_series s = series_make("acc", &d, 20, BLUE, 1, 1);
    struct plot_spec sp = spec_make("Test accuracy", &s, 1, 640, 480);
    struct tu_image im;
    plot_one(dir, "small.png", &sp, &im);
    assert_int_equal(im.w, 640);
    assert_int_equal(im.h, 480);
    image_free(&im);

    sp.width = sp.height = 0; /* the default */
    plot_one(dir, "default.png", &sp, &im);
    assert_int_equal(im.w, 1200);
    assert_int_equal(im.h, 800);
    image_free(&im);
    tu_remove_dir(dir);
}

static void test_plot_background_is_white(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data d;
    data_fill(&d, 30, 1, 2);
    struct plot_series s = series_make("acc", &d, 30, BLUE, 1, 1);
    struct plot_spec sp = spec_make("Test accuracy", &s, 1, 800, 600);
    struct tu_image im;
    plot_one(dir, "p.png", &sp, &im);
    assert_true(is_white(pixel(&im, 1, 1)));
    assert_true(is_white(pixel(&im, im.w - 2, 1)));
    assert_true(is_white(pixel(&im, 1, im.h - 2)));
    assert_true(is_white(pixel(&im, im.w - 2, im.h - 2)));
    /* Most of the image is background, inside the plot area too (grid lines are not white). */
    long white = count_in(&im, 0.0, 0.0, 1.0, 1.0, is_white);
    assert_true(white > (long)im.w * im.h * 7 / 10);
    assert_true(count_in(&im, 0.2, 0.2, 0.8, 0.8, is_white) >
                (long)im.w * im.h * 36 / 100 * 7 / 10);
    image_free(&im);
    tu_remove_dir(dir);
}

static void test_plot_series_colour_in_plot_area(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data d;
    data_fill(&d, 10, 0, 0);
    struct plot_series s = series_make("acc", &d, 10, BLUE, 0, 0);
    struct plot_spec sp = spec_make("Rising", &s, 1, 800, 600);
    struct tu_image im;
    plot_one(dir, "p.png", &sp, &im);
    int x0, y0, x1, y1;
    colour_box(&im, BLUE, &x0, &y0, &x1, &y1);
    assert_true(x1 >= 0);
    /* The data span most of the plot area, which lies inside the margins. */
    assert_true(x0 > im.w / 20 && x1 < im.w - 10);
    assert_true(y0 > im.h / 20 && y1 < im.h * 9 / 10);
    assert_true(x1 - x0 > im.w / 2);
    assert_true(y1 - y0 > im.h / 2);
    image_free(&im);
    tu_remove_dir(dir);
}

static void test_plot_rising_data_rise_on_screen(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data d;
    data_fill(&d, 10, 0, 0);
    struct plot_series s = series_make("acc", &d, 10, BLUE, 0, 0);
    struct plot_spec sp = spec_make("Rising", &s, 1, 800, 600);
    struct tu_image im;
    plot_one(dir, "p.png", &sp, &im);
    int x0, y0, x1, y1;
    colour_box(&im, BLUE, &x0, &y0, &x1, &y1);
    assert_true(x1 > x0);
    /* The columns of the first and the last marker, and three bands between them: rows go up
     * (smaller y) from left to right. */
    double prev = mean_row(&im, BLUE, x0, x0 + 6);
    assert_true(prev > 0);
    for (int k = 1; k <= 4; k++) {
        int c = x0 + (x1 - x0) * k / 4;
        double r = mean_row(&im, BLUE, c - 5, c + 1);
        assert_true(r > 0);
        assert_true(r < prev - 20.0);
        prev = r;
    }
    /* The first point is low in the image, the last high. */
    assert_true(mean_row(&im, BLUE, x0, x0 + 6) > im.h * 0.6);
    assert_true(mean_row(&im, BLUE, x1 - 5, x1 + 1) < im.h * 0.3);
    image_free(&im);
    tu_remove_dir(dir);
}

static void test_plot_text_in_title_and_axes(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data d;
    data_fill(&d, 30, 1, 3);
    struct plot_series s = series_make("acc", &d, 30, BLUE, 0, 0);
    struct plot_spec sp = spec_make("Test accuracy", &s, 1, 1000, 700);
    struct tu_image with, without;
    plot_one(dir, "title.png", &sp, &with);
    sp.title = NULL;
    plot_one(dir, "notitle.png", &sp, &without);
    /* The title sits above the axes box, centred; without one nothing is there. */
    int top_with = top_spine_row(&with), top_without = top_spine_row(&without);
    assert_true(top_with > 0 && top_without > 0);
    assert_true(count_in(&with, 0.25, 0.0, 0.75, (top_with - 1.0) / with.h, is_dark) > 100);
    assert_int_equal(count_in(&without, 0.0, 0.0, 1.0, (top_without - 1.0) / without.h, is_dark),
                     0);
    /* x tick labels and "epoch" below the plot area; y tick labels and "accuracy" left of it. */
    assert_true(count_in(&with, 0.1, 0.88, 1.0, 1.0, is_dark) > 200);
    assert_true(count_in(&with, 0.0, 0.1, 0.09, 0.9, is_dark) > 200);
    /* The rotated y label is a column of ink at the left edge, about halfway down. */
    assert_true(count_in(&with, 0.0, 0.4, 0.035, 0.6, is_dark) > 50);
    image_free(&with);
    image_free(&without);
    tu_remove_dir(dir);
}

static void test_plot_point_labels_and_best_mark(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data d;
    data_fill(&d, 12, 0, 0);
    struct plot_series s = series_make("acc", &d, 12, BLUE, 0, 0);
    struct plot_spec sp = spec_make("Labels", &s, 1, 1000, 700);
    struct tu_image plain, labelled;
    plot_one(dir, "plain.png", &sp, &plain);
    s.label_points = 1;
    s.mark_best = 1;
    plot_one(dir, "labelled.png", &sp, &labelled);
    /* Inside the plot area nothing is dark but the labels. */
    long dark_plain = count_in(&plain, 0.15, 0.12, 0.95, 0.85, is_dark);
    long dark_labelled = count_in(&labelled, 0.15, 0.12, 0.95, 0.85, is_dark);
    assert_int_equal(dark_plain, 0);
    assert_true(dark_labelled > 300);
    /* The ring around the best point (the last one, top right) is red. */
    assert_int_equal(count_colour(&plain, 0xd62728), 0);
    assert_true(count_colour(&labelled, 0xd62728) > 20);
    image_free(&plain);
    image_free(&labelled);
    tu_remove_dir(dir);
}

static void test_plot_two_series_both_colours(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data a, b;
    data_fill(&a, 30, 2, 4);
    data_fill(&b, 30, 2, 5);
    for (int i = 0; i < 30; i++)
        b.y[i] += 0.05;
    struct plot_series s[2] = {series_make("train loss", &a, 30, BLUE, 0, -1),
                               series_make("test loss", &b, 30, ORANGE, 1, -1)};
    struct plot_spec sp = spec_make("Loss", s, 2, 1000, 700);
    struct tu_image im;
    plot_one(dir, "p.png", &sp, &im);
    assert_true(count_colour(&im, BLUE) > 500);
    assert_true(count_colour(&im, ORANGE) > 500);
    /* The orange curve lies above the blue one. */
    int x0, y0, x1, y1;
    colour_box(&im, BLUE, &x0, &y0, &x1, &y1);
    int mid = (x0 + x1) / 2;
    assert_true(mean_row(&im, ORANGE, mid - 3, mid + 3) < mean_row(&im, BLUE, mid - 3, mid + 3));
    image_free(&im);
    tu_remove_dir(dir);
}

static void test_plot_one_point(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    double x = 1.0, y = 0.9826;
    struct plot_series s = {"acc", &x, &y, 1, BLUE, 1, 1};
    struct plot_spec sp = spec_make("One epoch", &s, 1, 800, 600);
    struct tu_image im;
    plot_one(dir, "p.png", &sp, &im);
    int x0, y0, x1, y1;
    colour_box(&im, BLUE, &x0, &y0, &x1, &y1);
    assert_true(x1 >= x0);
    /* A lone marker in the middle of the plot area. */
    assert_true(x1 - x0 < 20 && y1 - y0 < 20);
    assert_true((x0 + x1) / 2 > im.w * 0.4 && (x0 + x1) / 2 < im.w * 0.65);
    assert_true((y0 + y1) / 2 > im.h * 0.3 && (y0 + y1) / 2 < im.h * 0.7);
    image_free(&im);
    tu_remove_dir(dir);
}

static void test_plot_equal_values(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data d;
    data_fill(&d, 8, 0, 0);
    for (int i = 0; i < 8; i++)
        d.y[i] = 0.5;
    struct plot_series s = series_make("flat", &d, 8, BLUE, 1, 1);
    struct plot_spec sp = spec_make("Flat", &s, 1, 800, 600);
    struct tu_image im;
    plot_one(dir, "p.png", &sp, &im);
    int x0, y0, x1, y1;
    colour_box(&im, BLUE, &x0, &y0, &x1, &y1);
    assert_true(x1 - x0 > im.w / 2);
    assert_true(y1 - y0 < 20); /* a flat line, halfway up */
    assert_true(y0 > im.h * 0.3 && y1 < im.h * 0.7);
    image_free(&im);
    tu_remove_dir(dir);
}

static void test_plot_two_points(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data d;
    data_fill(&d, 2, 1, 6);
    struct plot_series s = series_make("acc", &d, 2, BLUE, 1, 1);
    struct plot_spec sp = spec_make("Two epochs", &s, 1, 800, 600);
    struct tu_image im;
    plot_one(dir, "p.png", &sp, &im);
    assert_true(count_colour(&im, BLUE) > 200);
    image_free(&im);
    tu_remove_dir(dir);
}

static void test_plot_500_points(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    static struct data d;
    data_fill(&d, 500, 1, 7);
    struct plot_series s = series_make("acc", &d, 500, BLUE, 1, 1);
    struct plot_spec sp = spec_make("500 epochs", &s, 1, 0, 0);
    struct tu_image im;
    plot_one(dir, "p.png", &sp, &im);
    int x0, y0, x1, y1;
    colour_box(&im, BLUE, &x0, &y0, &x1, &y1);
    assert_true(x1 - x0 > im.w * 3 / 4);
    /* Some labels are drawn, far fewer than 500: a label is ~50 px wide. */
    long dark = count_in(&im, 0.12, 0.1, 0.97, 0.88, is_dark);
    assert_true(dark > 200);
    image_free(&im);
    tu_remove_dir(dir);
}

static void test_plot_skips_nan_points(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct data d;
    data_fill(&d, 20, 0, 0);
    d.y[5] = NAN;
    d.x[9] = INFINITY;
    struct plot_series s = series_make("acc", &d, 20, BLUE, 1, 1);
    struct plot_spec sp = spec_make("Gaps", &s, 1, 800, 600);
    struct tu_image im;
    plot_one(dir, "p.png", &sp, &im);
    assert_true(count_colour(&im, BLUE) > 500);
    image_free(&im);

    for (int i = 0; i < 20; i++)
        d.y[i] = NAN;
    char *path = tu_path(dir, "nan.png");
    struct rm_status st = {{0}};
    assert_int_equal(plot_write_png(path, &sp, &st), -1);
    assert_ptr_equal(strstr(st.msg, path), st.msg);
    assert_non_null(strstr(st.msg, "finite"));
    assert_int_equal(access(path, F_OK), -1);
    free(path);
    tu_remove_dir(dir);
}

static void expect_refused(const char *path, const struct plot_spec *sp, const char *what)
{
    struct rm_status st = {{0}};
    assert_int_equal(plot_write_png(path, sp, &st), -1);
    if (strstr(st.msg, path) != st.msg || !strstr(st.msg, what))
        fail_msg("message \"%s\" should start with \"%s\" and mention \"%s\"", st.msg, path, what);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_plot_refuses_bad_specs(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "bad.png");
    struct data d;
    data_fill(&d, 5, 0, 0);
    struct plot_series s = series_make("acc", &d, 5, BLUE, 0, 0);
    struct plot_spec sp = spec_make("t", &s, 1, 800, 600);

    expect_refused(path, NULL, "no plot spec");
    sp.nseries = 0;
    expect_refused(path, &sp, "nothing to plot");
    sp.nseries = 1;
    s.n = 0;
    expect_refused(path, &sp, "0 points");
    s.n = 5;
    s.y = NULL;
    expect_refused(path, &sp, "no y values");
    s.y = d.y;
    sp.width = 10;
    expect_refused(path, &sp, "bad plot size 10x600");
    sp.width = 800;
    s.mark_best = 2;
    expect_refused(path, &sp, "mark_best");

    struct rm_status st = {{0}};
    assert_int_equal(plot_write_png(NULL, &sp, &st), -1);
    assert_true(st.msg[0] != '\0');
    /* A NULL status is allowed: the code is the verdict. */
    assert_int_equal(plot_write_png(path, NULL, NULL), -1);
    free(path);
    tu_remove_dir(dir);
}

static void test_plot_missing_folder_fails(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "no/such/folder/acc.png");
    struct data d;
    data_fill(&d, 5, 0, 0);
    struct plot_series s = series_make("acc", &d, 5, BLUE, 1, 1);
    struct plot_spec sp = spec_make("t", &s, 1, 400, 300);
    struct rm_status st = {{0}};
    assert_int_equal(plot_write_png(path, &sp, &st), -1);
    if (strstr(st.msg, path) != st.msg || !strstr(st.msg, "No such file"))
        fail_msg("unexpected message: %s", st.msg);
    free(path);
    tu_remove_dir(dir);
}

static void test_plot_replaces_existing_file(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "acc.png");
    tu_write_file(path, "old contents", 12);
    struct data d;
    data_fill(&d, 5, 0, 0);
    struct plot_series s = series_make("acc", &d, 5, BLUE, 1, 1);
    struct plot_spec sp = spec_make("t", &s, 1, 400, 300);
    struct rm_status st = {{0}};
    assert_int_equal(plot_write_png(path, &sp, &st), 0);
    struct tu_image im;
    image_load(path, &im);
    assert_int_equal(im.w, 400);
    image_free(&im);
    /* The folder holds the plot and nothing else: no "acc.png.tmp.XXXXXX" left over. */
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    int entries = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        entries++;
        assert_string_equal(e->d_name, "acc.png");
    }
    closedir(dp);
    assert_int_equal(entries, 1);
    free(path);
    tu_remove_dir(dir);
}

/* Writes the same plot with RESNET_MNIST_FONT set to font (NULL: unset) and returns the PNG. */
static uint8_t *plot_with_font(const char *dir, const char *name, const char *font, size_t *len)
{
    if (font)
        assert_int_equal(setenv(FONT_ENV, font, 1), 0);
    else
        unsetenv(FONT_ENV);
    struct data d;
    data_fill(&d, 15, 1, 8);
    struct plot_series s = series_make("acc", &d, 15, BLUE, 1, 1);
    struct plot_spec sp = spec_make("Test accuracy", &s, 1, 640, 480);
    char *path = tu_path(dir, name);
    struct rm_status st = {{0}};
    int rc = plot_write_png(path, &sp, &st);
    unsetenv(FONT_ENV);
    if (rc != 0)
        fail_msg("%s", st.msg);
    uint8_t *png = tu_read_file(path, len);
    free(path);
    return png;
}

static int same_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    return na == nb && memcmp(a, b, na) == 0;
}

static void test_plot_builtin_font(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    size_t nd, nb;
    uint8_t *dflt = plot_with_font(dir, "default.png", NULL, &nd);
    uint8_t *builtin = plot_with_font(dir, "builtin.png", "none", &nb);
    /* With a system font the two differ; without one both used the built-in font. */
    if (access(SYS_FONT, R_OK) == 0)
        assert_false(same_bytes(dflt, nd, builtin, nb));
    /* The built-in font's text is there and readable-sized: title, ticks, labels. */
    char *path = tu_path(dir, "builtin.png");
    struct tu_image im;
    image_load(path, &im);
    assert_true(count_in(&im, 0.25, 0.0, 0.75, 0.07, is_dark) > 100);
    assert_true(count_in(&im, 0.1, 0.88, 1.0, 1.0, is_dark) > 200);
    assert_true(count_in(&im, 0.0, 0.1, 0.1, 0.9, is_dark) > 200);
    image_free(&im);
    free(path);
    free(dflt);
    free(builtin);
    tu_remove_dir(dir);
}

static void test_plot_same_input_same_bytes(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    size_t n1, n2;
    uint8_t *a = plot_with_font(dir, "a.png", NULL, &n1);
    uint8_t *b = plot_with_font(dir, "b.png", NULL, &n2);
    assert_true(same_bytes(a, n1, b, n2));
    free(a);
    free(b);
    tu_remove_dir(dir);
}

/* ---------------------------------------------------------------------------------------------
 * The axes' scale (plot_axis.c), worked out by hand with the built-in font at 18 px: scale 2,
 * text 20 px high, so vertical ticks want 50 px apart and horizontal ones 72 px. */

static struct plot_axis axis_make(double lo, double hi, int integer)
{
    struct plot_axis a;
    memset(&a, 0, sizeof a);
    a.lo = lo;
    a.hi = hi;
    a.integer = integer;
    return a;
}

static void expect_ticks(const struct plot_axis *a, double step, int decimals, double first, int n)
{
    if (fabs(a->step - step) > 1e-12 * step || a->decimals != decimals || a->nticks != n)
        fail_msg("step %g, %d decimals, %d ticks; want %g, %d, %d", a->step, a->decimals, a->nticks,
                 step, decimals, n);
    for (int i = 0; i < n; i++)
        assert_true(fabs(a->ticks[i] - (first + i * step)) < 1e-9);
}

static void test_plot_axis_ticks_1_2_5(void **state)
{
    (void)state;
    assert_int_equal(setenv(FONT_ENV, "none", 1), 0);
    struct text_font *f = text_font_load(2);
    unsetenv(FONT_ENV);
    assert_non_null(f);
    /* 0..10 over 500 px: vertically 10 * 50 / 500 = 1 a tick; horizontally 1.44, so 2 */
    struct plot_axis a = axis_make(0.0, 10.0, 0);
    plot_axis_place_ticks(&a, f, 18.0, 500.0, 1);
    expect_ticks(&a, 1.0, 0, 0.0, 11);
    plot_axis_place_ticks(&a, f, 18.0, 500.0, 0);
    expect_ticks(&a, 2.0, 0, 0.0, 6);
    /* over 100 px: 7.2, so 10 */
    plot_axis_place_ticks(&a, f, 18.0, 100.0, 0);
    expect_ticks(&a, 10.0, 0, 0.0, 2);
    /* whole numbers only: 0.216 would round up to 0.5, but the epochs are integers */
    a = axis_make(0.5, 3.5, 1);
    plot_axis_place_ticks(&a, f, 18.0, 1000.0, 0);
    expect_ticks(&a, 1.0, 0, 1.0, 3);
    /* accuracies: 0.02 * 50 / 400 = 0.0025, so 0.005 with 3 decimals */
    a = axis_make(0.97, 0.99, 0);
    plot_axis_place_ticks(&a, f, 18.0, 400.0, 1);
    expect_ticks(&a, 0.005, 3, 0.97, 5);
    char buf[64];
    plot_axis_format_tick(buf, sizeof buf, &a, a.ticks[1]);
    assert_string_equal(buf, "0.975");
    /* at most PLOT_MAX_TICKS: 0.5 would make 2001 ticks, 1 1001, ... 20 makes 51 */
    a = axis_make(0.0, 1000.0, 0);
    plot_axis_place_ticks(&a, f, 18.0, 100000.0, 1);
    expect_ticks(&a, 20.0, 0, 0.0, 51);
    text_font_free(f);
}

static void test_plot_axis_format_fit_and_widen(void **state)
{
    (void)state;
    char buf[64];
    struct plot_axis a = axis_make(0.0, 1.0, 0);
    a.step = 0.01;
    a.decimals = 2;
    plot_axis_format_tick(buf, sizeof buf, &a, -1e-12);
    assert_string_equal(buf, "0.00"); /* not "-0.00" */
    plot_axis_format_tick(buf, sizeof buf, &a, 0.25);
    assert_string_equal(buf, "0.25");
    a.step = 1e-9;
    a.decimals = 9;
    plot_axis_format_tick(buf, sizeof buf, &a, 1.5e-9);
    assert_string_equal(buf, "1.5e-09");
    a.decimals = 0;
    plot_axis_format_tick(buf, sizeof buf, &a, 2e9);
    assert_string_equal(buf, "2e+09");

    /* 0..10 over 120 px less 10 px at each end: 0.1 a pixel, so -1..11 */
    plot_axis_fit(&a, 0.0, 10.0, 120.0, 10.0, 10.0);
    assert_true(fabs(a.lo - -1.0) < 1e-12 && fabs(a.hi - 11.0) < 1e-12);
    /* 10 px with 20 px of padding: squeezed to 7 px (3.5 a side), the data on the other 3 */
    plot_axis_fit(&a, 0.0, 10.0, 10.0, 10.0, 10.0);
    assert_true(fabs(a.lo - -35.0 / 3.0) < 1e-12 && fabs(a.hi - (10.0 + 35.0 / 3.0)) < 1e-12);

    double lo = 0.98, hi = 0.98;
    plot_axis_widen_range(&lo, &hi, 0);
    assert_true(fabs(lo - 0.9702) < 1e-12 && fabs(hi - 0.9898) < 1e-12);
    lo = hi = 5.0;
    plot_axis_widen_range(&lo, &hi, 1);
    assert_true(lo == 4.0 && hi == 6.0);
    lo = hi = 0.0;
    plot_axis_widen_range(&lo, &hi, 0);
    assert_true(lo == -0.01 && hi == 0.01);
    lo = 1.0, hi = 2.0;
    plot_axis_widen_range(&lo, &hi, 0);
    assert_true(lo == 1.0 && hi == 2.0); /* a real range is left alone */
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_writes_png_of_requested_size),
        cmocka_unit_test(test_plot_background_is_white),
        cmocka_unit_test(test_plot_series_colour_in_plot_area),
        cmocka_unit_test(test_plot_rising_data_rise_on_screen),
        cmocka_unit_test(test_plot_text_in_title_and_axes),
        cmocka_unit_test(test_plot_point_labels_and_best_mark),
        cmocka_unit_test(test_plot_two_series_both_colours),
        cmocka_unit_test(test_plot_one_point),
        cmocka_unit_test(test_plot_two_points),
        cmocka_unit_test(test_plot_equal_values),
        cmocka_unit_test(test_plot_500_points),
        cmocka_unit_test(test_plot_skips_nan_points),
        cmocka_unit_test(test_plot_refuses_bad_specs),
        cmocka_unit_test(test_plot_missing_folder_fails),
        cmocka_unit_test(test_plot_replaces_existing_file),
        cmocka_unit_test(test_plot_builtin_font),
        cmocka_unit_test(test_plot_same_input_same_bytes),
        cmocka_unit_test(test_plot_axis_ticks_1_2_5),
        cmocka_unit_test(test_plot_axis_format_fit_and_widen),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
