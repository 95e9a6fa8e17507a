/* Tests of digit_prep.c (png_write, tested in test_png.c, writes the pictures): real MNIST digits
 * are drawn by the test into larger pictures (enlarged with its own bilinear sampling, moved
 * off-centre, dark on light or light on dark, grey, RGB or RGBA, with noise) and the preparation
 * must give back something close to the original 28x28 digit, centred by its centre of mass. Plus
 * blank pictures, the aspect ratio, and the loader's errors.
 *
 * With RM_DIGIT_PREP_REPORT set, the worst differences found are printed (to choose bounds). */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "resnet_mnist/io/digit_prep.h"
#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/io/image_shrink.h"
#include "resnet_mnist/io/png.h"

#define N_DIGITS 30
#define PIC_W    200
#define PIC_H    150

/* Bounds on the mean absolute difference to the original digit, in grey levels (0..255) averaged
 * over the 784 pixels. The preparation of a digit that is already prepared changes only
 * rounding; one enlarged and shrunk back loses some sharpness (bilinear up, area average down:
 * the test's own resampling alone costs about 4.5).
 * MAD_RESCALED: any one digit (seen: up to 12.7). MAD_RESCALED_M: the mean over the 30 digits
 * (seen: 6.4 to 7.9; a box of 21 instead of 20 pixels gives 9.4 to 9.8). MAD_NOISY_M: the mean
 * with noise on the paper (seen: 8.5). COM_TOLERANCE: |centre of mass - 14| per axis, in
 * pixels: the rounding (0.5) and some slack. BOX_LEVEL: the box of pixels >= 10% of 255, as
 * digit_prep.c crops. */
#define MAD_IDENTITY   1.0
#define MAD_RESCALED   14.0
#define MAD_RESCALED_M 8.5
#define MAD_NOISY_M    10.0
#define COM_TOLERANCE  0.6
#define BOX_LEVEL      26

static struct idx_dataset golden;

static int setup(void **state)
{
    (void)state;
    char *images = strdup(tu_golden("batch30-images-idx3-ubyte"));
    char *labels = strdup(tu_golden("batch30-labels-idx1-ubyte"));
    struct rm_status st;
    int rc = idx_load(&golden, images, labels, 0, &st);
    free(images);
    free(labels);
    if (rc != 0 || golden.n != N_DIGITS) {
        fprintf(stderr, "cannot load the golden digits: %s\n", rc ? st.msg : "wrong count");
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    idx_free(&golden);
    return 0;
}

static const uint8_t *digit(int k)
{
    return golden.images + (size_t)k * MNIST_PIXELS;
}

/* The digit's value at (x, y) in its own pixel coordinates, bilinear between pixel centres;
 * outside the 28x28 it is background (0). */
static double digit_sample(const uint8_t *d, double x, double y)
{
    int x0 = (int)floor(x), y0 = (int)floor(y);
    double tx = x - x0, ty = y - y0, v = 0.0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int xx = x0 + i, yy = y0 + j;
            if (xx < 0 || yy < 0 || xx >= 28 || yy >= 28)
                continue;
            v += (i ? tx : 1 - tx) * (j ? ty : 1 - ty) * d[yy * 28 + xx];
        }
    return v;
}

/* A PIC_W x PIC_H grey picture showing digit d enlarged `scale` times with its top-left corner
 * at (ox, oy): dark ink on white when dark_ink, else light ink on black. Caller frees. */
static uint8_t *draw_picture(const uint8_t *d, double scale, int ox, int oy, int dark_ink)
{
    uint8_t *pic = malloc(PIC_W * PIC_H);
    assert_non_null(pic);
    for (int y = 0; y < PIC_H; y++)
        for (int x = 0; x < PIC_W; x++) {
            double v = digit_sample(d, (x - ox + 0.5) / scale - 0.5, (y - oy + 0.5) / scale - 0.5);
            int ink = (int)lround(v);
            pic[y * PIC_W + x] = (uint8_t)(dark_ink ? 255 - ink : ink);
        }
    return pic;
}

static double mean_abs_diff(const uint8_t *a, const uint8_t *b)
{
    double s = 0.0;
    for (int i = 0; i < MNIST_PIXELS; i++)
        s += fabs((double)a[i] - b[i]);
    return s / MNIST_PIXELS;
}

/* The mean difference to the original at the best of the nine whole-pixel shifts of at most
 * one pixel: MNIST's digits have their centre of mass anywhere in 13.5..14.5 (it was rounded),
 * so a digit at 13.52 may rightly come back centred one pixel further. */
static double mean_abs_diff_aligned(const uint8_t *out, const uint8_t *orig)
{
    double best = INFINITY;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            double s = 0.0;
            for (int r = 0; r < 28; r++)
                for (int c = 0; c < 28; c++) {
                    int rr = r - dy, cc = c - dx;
                    int v = rr >= 0 && rr < 28 && cc >= 0 && cc < 28 ? orig[rr * 28 + cc] : 0;
                    s += fabs((double)out[r * 28 + c] - v);
                }
            best = s / MNIST_PIXELS < best ? s / MNIST_PIXELS : best;
        }
    return best;
}

static int max_abs_diff(const uint8_t *a, const uint8_t *b)
{
    int m = 0;
    for (int i = 0; i < MNIST_PIXELS; i++) {
        int d = abs((int)a[i] - (int)b[i]);
        m = d > m ? d : m;
    }
    return m;
}

/* Centre of mass, pixel (r, c) at (r, c). */
static void centre_of_mass(const uint8_t *img, double *cx, double *cy)
{
    double s = 0.0, sx = 0.0, sy = 0.0;
    for (int r = 0; r < 28; r++)
        for (int c = 0; c < 28; c++) {
            s += img[r * 28 + c];
            sx += (double)img[r * 28 + c] * c;
            sy += (double)img[r * 28 + c] * r;
        }
    assert_true(s > 0.0);
    *cx = sx / s;
    *cy = sy / s;
}

/* Bounding box of the pixels >= level: width and height. */
static void ink_box_at(const uint8_t *img, int level, int *bw, int *bh)
{
    int x0 = 28, x1 = -1, y0 = 28, y1 = -1;
    for (int r = 0; r < 28; r++)
        for (int c = 0; c < 28; c++)
            if (img[r * 28 + c] >= level) {
                x0 = c < x0 ? c : x0;
                x1 = c > x1 ? c : x1;
                y0 = r < y0 ? r : y0;
                y1 = r > y1 ? r : y1;
            }
    *bw = x1 - x0 + 1;
    *bh = y1 - y0 + 1;
}

/* Bounding box of the non-zero pixels. */
static void ink_box(const uint8_t *img, int *bw, int *bh)
{
    ink_box_at(img, 1, bw, bh);
}

static void prep_ok(uint8_t *out, const uint8_t *px, int w, int h, int channels)
{
    struct rm_status st;
    if (digit_prep_pixels(out, px, w, h, channels, &st) != 0)
        fail_msg("digit_prep_pixels: %s", st.msg);
}

/* Prepares pic (PIC_W x PIC_H grey, freed here) and fails unless it comes out like golden digit
 * k, within MAD_RESCALED; what names the case. */
static void assert_prepared_like_digit(uint8_t *pic, int k, const char *what)
{
    uint8_t out[MNIST_PIXELS];
    prep_ok(out, pic, PIC_W, PIC_H, 1);
    free(pic);
    double mad = mean_abs_diff_aligned(out, digit(k));
    if (mad > MAD_RESCALED)
        fail_msg("%s, digit %d: mean difference %.3f > %.1f", what, k, mad, MAD_RESCALED);
}

static void expect_centred(const uint8_t *out, const char *what, int k)
{
    double cx, cy;
    centre_of_mass(out, &cx, &cy);
    if (fabs(cx - 14.0) > COM_TOLERANCE || fabs(cy - 14.0) > COM_TOLERANCE)
        fail_msg("%s, digit %d: centre of mass (%.3f, %.3f), expected (14, 14) +- %.2f", what, k,
                 cx, cy, COM_TOLERANCE);
}

static int report(void)
{
    return getenv("RM_DIGIT_PREP_REPORT") != NULL;
}

/* An MNIST digit is already prepared: it must come back as it was, up to rounding. */
static void test_digit_prep_mnist_digit_unchanged(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int k = 0; k < N_DIGITS; k++) {
        uint8_t out[MNIST_PIXELS];
        prep_ok(out, digit(k), 28, 28, 1);
        double mad = mean_abs_diff(out, digit(k));
        worst = mad > worst ? mad : worst;
        if (mad > MAD_IDENTITY)
            fail_msg("digit %d: mean difference %.3f > %.1f", k, mad, MAD_IDENTITY);
        expect_centred(out, "unchanged", k);
    }
    if (report())
        printf("identity: worst mean difference %.3f\n", worst);
}

/* Enlarged x3, x5 and x2.3, off-centre, dark on white: the preparation finds, inverts, crops,
 * shrinks and centres it back to (nearly) the original. */
static void test_digit_prep_scaled_shifted_inverted(void **state)
{
    (void)state;
    const struct {
        double scale;
        int ox, oy;
    } cases[] = {{3.0, 15, 40}, {5.0, 52, 4}, {2.3, 120, 70}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double sum = 0.0, worst = 0.0;
        for (int k = 0; k < N_DIGITS; k++) {
            uint8_t *pic = draw_picture(digit(k), cases[c].scale, cases[c].ox, cases[c].oy, 1);
            uint8_t out[MNIST_PIXELS];
            prep_ok(out, pic, PIC_W, PIC_H, 1);
            free(pic);
            double mad = mean_abs_diff_aligned(out, digit(k));
            sum += mad;
            worst = mad > worst ? mad : worst;
            if (mad > MAD_RESCALED)
                fail_msg("x%.1f, digit %d: mean difference %.3f > %.1f", cases[c].scale, k, mad,
                         MAD_RESCALED);
            expect_centred(out, "rescaled", k);
            /* as in MNIST, the longer side of the digit's box is 20 pixels */
            int bw, bh;
            ink_box_at(out, BOX_LEVEL, &bw, &bh);
            if ((bw > bh ? bw : bh) != DIGIT_PREP_BOX)
                fail_msg("x%.1f, digit %d: box %dx%d, expected a longer side of %d", cases[c].scale,
                         k, bw, bh, DIGIT_PREP_BOX);
            /* the background stays black: the picture was inverted */
            assert_int_equal(out[0], 0);
            assert_int_equal(out[MNIST_PIXELS - 1], 0);
        }
        if (report())
            printf("x%.1f: mean difference %.3f, worst %.3f\n", cases[c].scale, sum / N_DIGITS,
                   worst);
        if (sum / N_DIGITS > MAD_RESCALED_M)
            fail_msg("x%.1f: mean difference over the digits %.3f > %.1f", cases[c].scale,
                     sum / N_DIGITS, MAD_RESCALED_M);
    }
}

/* The same digit light on black and dark on white gives the same result: white-on-black is
 * not inverted, black-on-white is. */
static void test_digit_prep_polarity(void **state)
{
    (void)state;
    for (int k = 0; k < N_DIGITS; k += 3) {
        uint8_t *dark = draw_picture(digit(k), 4.0, 30, 10, 1);
        uint8_t *light = draw_picture(digit(k), 4.0, 30, 10, 0);
        uint8_t a[MNIST_PIXELS], b[MNIST_PIXELS];
        prep_ok(a, dark, PIC_W, PIC_H, 1);
        prep_ok(b, light, PIC_W, PIC_H, 1);
        free(dark);
        free(light);
        assert_int_equal(max_abs_diff(a, b), 0);
        assert_true(mean_abs_diff_aligned(b, digit(k)) < MAD_RESCALED);
        assert_int_equal(b[0], 0);
    }
}

/* Pictures without ink are refused, and out is left alone. */
static void test_digit_prep_blank_refused(void **state)
{
    (void)state;
    uint8_t *pic = malloc(PIC_W * PIC_H);
    assert_non_null(pic);
    const int levels[] = {255, 0, 128};
    for (int i = 0; i < 4; i++) {
        if (i < 3)
            memset(pic, levels[i], PIC_W * PIC_H);
        else /* paper with faint texture: +-10 levels, below DIGIT_PREP_MIN_CONTRAST */
            for (int p = 0; p < PIC_W * PIC_H; p++)
                pic[p] = (uint8_t)(235 + (p * 7919) % 21 - 10);
        uint8_t out[MNIST_PIXELS];
        memset(out, 0xab, sizeof out);
        struct rm_status st;
        assert_int_equal(digit_prep_pixels(out, pic, PIC_W, PIC_H, 1, &st), -1);
        assert_string_equal(st.msg, "no ink found (blank image)");
        for (int p = 0; p < MNIST_PIXELS; p++)
            assert_int_equal(out[p], 0xab);
    }
    /* one faint but real stroke (contrast 40) is not blank */
    memset(pic, 200, PIC_W * PIC_H);
    for (int y = 30; y < 110; y++)
        for (int x = 90; x < 100; x++)
            pic[y * PIC_W + x] = 160;
    uint8_t out[MNIST_PIXELS];
    prep_ok(out, pic, PIC_W, PIC_H, 1);
    uint8_t hi = 0;
    for (int p = 0; p < MNIST_PIXELS; p++)
        hi = out[p] > hi ? out[p] : hi;
    assert_int_equal(hi, 255);
    free(pic);
}

/* A tall thin stroke stays tall and thin; a wide flat one stays wide and flat. */
static void test_digit_prep_aspect_ratio_kept(void **state)
{
    (void)state;
    uint8_t *pic = malloc(PIC_W * PIC_H);
    assert_non_null(pic);
    /* 30 x 120 -> 5 x 20 */
    memset(pic, 255, PIC_W * PIC_H);
    for (int y = 17; y < 137; y++)
        for (int x = 140; x < 170; x++)
            pic[y * PIC_W + x] = 0;
    uint8_t out[MNIST_PIXELS];
    int bw, bh;
    prep_ok(out, pic, PIC_W, PIC_H, 1);
    ink_box(out, &bw, &bh);
    assert_int_equal(bh, 20);
    assert_int_equal(bw, 5);
    expect_centred(out, "tall stroke", 0);
    assert_int_equal(out[14 * 28 + 14], 255);
    /* 150 x 25 -> 20 x 3 (25 * 20 / 150 = 3.3 rounds to 3) */
    memset(pic, 255, PIC_W * PIC_H);
    for (int y = 100; y < 125; y++)
        for (int x = 3; x < 153; x++)
            pic[y * PIC_W + x] = 0;
    prep_ok(out, pic, PIC_W, PIC_H, 1);
    ink_box(out, &bw, &bh);
    assert_int_equal(bw, 20);
    assert_int_equal(bh, 3);
    expect_centred(out, "wide stroke", 0);
    free(pic);
}

/* Shrinking averages areas and enlarging interpolates: one-pixel stripes beside a solid block
 * shrink to the average grey (nearest-neighbour sampling would give 0 or 255 stripes), and a
 * small square enlarges with smooth edges. */
static void test_digit_prep_antialiased(void **state)
{
    (void)state;
    uint8_t *pic = malloc(PIC_W * PIC_H);
    assert_non_null(pic);
    /* 120 x 120 at (40, 15): left half solid ink, right half alternating paper and ink
     * columns; shrunk 6 times, so each output pixel of the right half covers 3 ink columns
     * of 6 */
    memset(pic, 255, PIC_W * PIC_H);
    for (int y = 15; y < 135; y++)
        for (int x = 40; x < 160; x++)
            if (x < 100 || x % 2 == 1)
                pic[y * PIC_W + x] = 0;
    uint8_t out[MNIST_PIXELS];
    prep_ok(out, pic, PIC_W, PIC_H, 1);
    int bw, bh;
    ink_box(out, &bw, &bh);
    assert_int_equal(bw, 20);
    assert_int_equal(bh, 20);
    int solid = 0, grey = 0;
    for (int p = 0; p < MNIST_PIXELS; p++) {
        solid += out[p] == 255;
        grey += out[p] >= 118 && out[p] <= 138; /* 127.5 +- 10 */
    }
    assert_int_equal(solid, 10 * 20);
    assert_int_equal(grey, 10 * 20);

    /* a 4 x 4 square enlarged 5 times: a ramp at the edges, not a hard step */
    memset(pic, 255, PIC_W * PIC_H);
    for (int y = 70; y < 74; y++)
        for (int x = 100; x < 104; x++)
            pic[y * PIC_W + x] = 0;
    prep_ok(out, pic, PIC_W, PIC_H, 1);
    int levels[256] = {0}, distinct = 0;
    for (int c = 0; c < 28; c++)
        levels[out[14 * 28 + c]]++;
    for (int v = 1; v < 255; v++)
        distinct += levels[v] > 0;
    assert_true(distinct >= 4);
    assert_int_equal(out[14 * 28 + 14], 255);
    free(pic);
}

/* Grey levels from colour (BT.601 luminance) and alpha composited on white: an RGBA digit in
 * black with its ink as alpha on a transparent background, an RGB digit in blue ink, a grey+alpha
 * one, and grey ink on light or dark grey paper all give what the plain grey picture gives (the
 * ink's contrast is stretched to 0..255). */
static void test_digit_prep_colour_alpha_and_contrast(void **state)
{
    (void)state;
    for (int k = 1; k < N_DIGITS; k += 4) {
        uint8_t *light = draw_picture(digit(k), 3.5, 60, 20, 0); /* ink 0..255 */
        uint8_t ref[MNIST_PIXELS], out[MNIST_PIXELS];
        prep_ok(ref, light, PIC_W, PIC_H, 1);
        uint8_t *rgba = malloc(PIC_W * PIC_H * 4), *rgb = malloc(PIC_W * PIC_H * 3),
                *ga = malloc(PIC_W * PIC_H * 2), *paper = malloc(PIC_W * PIC_H),
                *dim = malloc(PIC_W * PIC_H);
        assert_non_null(rgba && rgb && ga && paper && dim);
        for (int p = 0; p < PIC_W * PIC_H; p++) {
            double a = light[p] / 255.0;
            rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = 0;
            rgba[4 * p + 3] = light[p];
            /* blue ink (0, 0, 255) over white */
            rgb[3 * p] = rgb[3 * p + 1] = (uint8_t)lround(255.0 * (1.0 - a));
            rgb[3 * p + 2] = 255;
            ga[2 * p] = 0;
            ga[2 * p + 1] = light[p];
            /* ink 60 on paper 200 */
            paper[p] = (uint8_t)lround(200.0 - 140.0 * a);
            /* ink 20 on paper 110, darker than mid-grey: still dark ink, inverted */
            dim[p] = (uint8_t)lround(110.0 - 90.0 * a);
        }
        prep_ok(out, rgba, PIC_W, PIC_H, 4);
        assert_in_range(max_abs_diff(out, ref), 0, 1);
        prep_ok(out, ga, PIC_W, PIC_H, 2);
        assert_in_range(max_abs_diff(out, ref), 0, 1);
        /* the blue ink's lightness steps are coarser (0.587 + 0.299 of the 8-bit levels) */
        prep_ok(out, rgb, PIC_W, PIC_H, 3);
        assert_in_range(max_abs_diff(out, ref), 0, 3);
        prep_ok(out, paper, PIC_W, PIC_H, 1);
        assert_in_range(max_abs_diff(out, ref), 0, 3);
        prep_ok(out, dim, PIC_W, PIC_H, 1);
        assert_in_range(max_abs_diff(out, ref), 0, 4);
        free(dim);
        free(light);
        free(rgba);
        free(rgb);
        free(ga);
        free(paper);
    }
}

/* Noise on the paper (+-12 levels, as a photo's) barely changes the result. */
static void test_digit_prep_noisy_paper(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    double sum = 0.0, worst = 0.0;
    for (int k = 0; k < N_DIGITS; k++) {
        uint8_t *pic = draw_picture(digit(k), 3.0, 40, 30, 1);
        for (int p = 0; p < PIC_W * PIC_H; p++) {
            seed = seed * 1664525u + 1013904223u;
            int v = pic[p] + (int)(seed >> 27) - 16; /* -16..15 */
            v = v * 3 / 4 + 32;                      /* noise +-12, paper 223, ink 32 */
            pic[p] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        uint8_t out[MNIST_PIXELS];
        prep_ok(out, pic, PIC_W, PIC_H, 1);
        free(pic);
        double mad = mean_abs_diff_aligned(out, digit(k));
        sum += mad;
        worst = mad > worst ? mad : worst;
        if (mad > MAD_RESCALED)
            fail_msg("noisy, digit %d: mean difference %.3f > %.1f", k, mad, MAD_RESCALED);
        expect_centred(out, "noisy", k);
    }
    if (report())
        printf("noisy x3: mean difference %.3f, worst %.3f\n", sum / N_DIGITS, worst);
    assert_true(sum / N_DIGITS < MAD_NOISY_M);
}

/* An evenly lit picture with faint grain scattered over the paper (single pixels 40 levels
 * below it: above the crop level, below Otsu's): the grain is left out, not cropped with the
 * digit, which would then be drawn small in a box of noise. */
static void test_digit_prep_faint_grain_left_out(void **state)
{
    (void)state;
    uint32_t seed = 777;
    for (int k = 0; k < 10; k++) {
        uint8_t *pic = draw_picture(digit(k), 2.0, 40, 30, 1);
        for (int i = 0; i < 40; i++) {
            seed = seed * 1664525u + 1013904223u;
            int x = 110 + (int)((seed >> 8) % 88), y = 2 + (int)((seed >> 20) % 146);
            pic[y * PIC_W + x] = 215;
        }
        assert_prepared_like_digit(pic, k, "faint grain");
    }
}

/* An evenly lit picture with one faint blotch of the paper (40 levels below it: above the crop
 * level, below Otsu's) far from the digit, more than the digit's size away: not one of the
 * digit's own faint specks, so it is left out, not cropped with the digit. */
static void test_digit_prep_far_faint_blotch_left_out(void **state)
{
    (void)state;
    for (int k = 0; k < 10; k++) {
        uint8_t *pic = draw_picture(digit(k), 2.0, 10, 10, 1);
        for (int y = 120; y < 126; y++)
            for (int x = 170; x < 176; x++)
                pic[y * PIC_W + x] = 215;
        assert_prepared_like_digit(pic, k, "far blotch");
    }
}

/* A digit in grey ink on paper under a bright spot of light beside it (the paper 120 levels,
 * 250 at the spot's centre): the median is the dim paper, from which the spot reaches farther up
 * (130 levels) than the ink reaches down (66). The ink is still the dark digit, not the spot: the
 * mask of the right polarity is the smaller. */
static void test_digit_prep_lit_spot_polarity(void **state)
{
    (void)state;
    double sum = 0.0;
    for (int k = 0; k < 10; k++) {
        uint8_t *pic = draw_picture(digit(k), 2.0, 40, 30, 1);
        for (int y = 0; y < PIC_H; y++)
            for (int x = 0; x < PIC_W; x++) {
                double d2 = (x - 150.0) * (x - 150.0) + (y - 75.0) * (y - 75.0);
                double paper = 120.0 + 130.0 * exp(-d2 / (2.0 * 30.0 * 30.0));
                double v = pic[y * PIC_W + x] / 255.0;
                pic[y * PIC_W + x] = (uint8_t)lround(paper * (0.45 + 0.55 * v));
            }
        uint8_t out[MNIST_PIXELS];
        prep_ok(out, pic, PIC_W, PIC_H, 1);
        free(pic);
        double mad = mean_abs_diff_aligned(out, digit(k));
        sum += mad;
        if (mad > MAD_RESCALED)
            fail_msg("lit spot, digit %d: mean difference %.3f > %.1f", k, mad, MAD_RESCALED);
    }
    if (report())
        printf("lit spot x2: mean difference %.3f\n", sum / 10);
}

/* digit_prep_pair: on a picture whose right side lies in a sharp shadow (a step from 230 to 120
 * through the digit's right edge) the first preparation is digit_prep_pixels's, which keeps a
 * line of the shadow's edge beside the digit; the second, by the sharp closing, keeps far less of
 * it (seen: mean differences 18.4 and 9.6 over the ten digits). An evenly lit picture gets one. */
static void test_digit_prep_pair_sharp_shadow(void **state)
{
    (void)state;
    double usual = 0.0, sharp = 0.0;
    struct rm_status st;
    uint8_t out[2 * MNIST_PIXELS], single[MNIST_PIXELS];
    for (int k = 0; k < 10; k++) {
        uint8_t *pic = draw_picture(digit(k), 4.0, 10, 10, 1);
        for (int y = 0; y < PIC_H; y++)
            for (int x = 0; x < PIC_W; x++) {
                double paper = x < 100 ? 230.0 : 120.0;
                pic[y * PIC_W + x] =
                    (uint8_t)lround(paper * (0.3 + 0.7 * pic[y * PIC_W + x] / 255.0));
            }
        int n = digit_prep_pair(out, pic, PIC_W, PIC_H, 1, &st);
        if (n != 2)
            fail_msg("shadow, digit %d: %d preparations (%s)", k, n, n < 0 ? st.msg : "");
        prep_ok(single, pic, PIC_W, PIC_H, 1);
        free(pic);
        assert_memory_equal(out, single, MNIST_PIXELS);
        usual += mean_abs_diff_aligned(out, digit(k));
        sharp += mean_abs_diff_aligned(out + MNIST_PIXELS, digit(k));
    }
    if (sharp > 0.7 * usual)
        fail_msg("sharp shadow: mean difference %.2f by the sharp closing, %.2f usual", sharp / 10,
                 usual / 10);
    uint8_t *pic = draw_picture(digit(0), 4.0, 10, 10, 1);
    assert_int_equal(digit_prep_pair(out, pic, PIC_W, PIC_H, 1, &st), 1);
    prep_ok(single, pic, PIC_W, PIC_H, 1);
    assert_memory_equal(out, single, MNIST_PIXELS);
    free(pic);
}

/* A shadow's band 30 pixels wide along the picture's right side, its soft edge tilted and touching
 * the digit, whose strokes (a thick pen: the digit drawn 4.5 times its size and dilated by 4
 * pixels) are so wide that the closing cannot follow the band: the ink map leaves it as ink in one
 * piece with the digit, which was cropped with it as a bar beside the digit. The band is taken out
 * (edge_band.h), and the digit's crop box is its own. */
static void test_digit_prep_shadow_band_left_out(void **state)
{
    (void)state;
    for (int k = 0; k < 10; k++) {
        uint8_t *pic = draw_picture(digit(k), 4.5, 62, 10, 1), *thick = malloc(PIC_W * PIC_H);
        assert_non_null(thick);
        for (int y = 0; y < PIC_H; y++)
            for (int x = 0; x < PIC_W; x++) {
                int darkest = 255;
                for (int dy = -4; dy <= 4; dy++)
                    for (int dx = -4; dx <= 4; dx++) {
                        int xx = x + dx, yy = y + dy;
                        if (dx * dx + dy * dy <= 16 && xx >= 0 && yy >= 0 && xx < PIC_W &&
                            yy < PIC_H && pic[yy * PIC_W + xx] < darkest)
                            darkest = pic[yy * PIC_W + xx];
                    }
                double m = (x - (170.0 + 0.1 * (y - 75.0))) / 8.0 + 0.5;
                m = m < 0.0 ? 0.0 : m > 1.0 ? 1.0 : m;
                double paper = 230.0 * (1.0 - m) + 140.0 * m;
                thick[y * PIC_W + x] = (uint8_t)lround(paper * (0.25 + 0.75 * darkest / 255.0));
            }
        free(pic);
        float *ink;
        uint8_t *mask, out[MNIST_PIXELS];
        struct rm_status st;
        if (digit_prep_ink(thick, PIC_W, PIC_H, 1, &ink, &mask, &st) != 0)
            fail_msg("shadow band, digit %d: %s", k, st.msg);
        /* the band is not ink; the digit's strokes are */
        int band = 0, strokes = 0;
        for (int y = 0; y < PIC_H; y++) {
            band += mask[y * PIC_W + PIC_W - 1];
            for (int x = 0; x < 150; x++)
                strokes += mask[y * PIC_W + x];
        }
        free(ink);
        free(mask);
        prep_ok(out, thick, PIC_W, PIC_H, 1);
        free(thick);
        int bw, bh;
        ink_box(out, &bw, &bh);
        if (report())
            printf("shadow band, digit %d: %d band pixels, digit %dx%d\n", k, band, bw, bh);
        if (band > 0 || strokes == 0)
            fail_msg("shadow band, digit %d: %d band pixels of ink, %d of strokes", k, band,
                     strokes);
    }
}

/* A dark wedge along the right side (the table, not along the whole side, so no band) far darker
 * than a faint digit: Otsu's level over the whole picture falls between the wedge and the digit,
 * the digit's strokes must still be ink (border_ink.h). */
static void test_digit_prep_dark_wedge_faint_digit(void **state)
{
    (void)state;
    for (int k = 0; k < 10; k++) {
        uint8_t *pic = draw_picture(digit(k), 4.5, 40, 10, 1), *lit = malloc(PIC_W * PIC_H);
        assert_non_null(lit);
        for (int y = 0; y < PIC_H; y++)
            for (int x = 0; x < PIC_W; x++) {
                double paper = 235.0 - 30.0 * y / PIC_H; /* uneven light */
                double v = paper * (0.6 + 0.4 * pic[y * PIC_W + x] / 255.0);
                if (y >= 30 && x >= PIC_W - 6 - 30 * (y - 30) / (PIC_H - 30))
                    v = 25.0;
                lit[y * PIC_W + x] = (uint8_t)lround(v);
            }
        float *ink;
        uint8_t *mask;
        struct rm_status st;
        if (digit_prep_ink(lit, PIC_W, PIC_H, 1, &ink, &mask, &st) != 0)
            fail_msg("dark wedge, digit %d: %s", k, st.msg);
        int strokes = 0, found = 0;
        for (int y = 0; y < PIC_H; y++)
            for (int x = 0; x < 150; x++) {
                strokes += pic[y * PIC_W + x] < 128;
                found += pic[y * PIC_W + x] < 128 && mask[y * PIC_W + x];
            }
        free(ink);
        free(mask);
        free(pic);
        free(lit);
        if (report())
            printf("dark wedge, digit %d: %d of %d stroke pixels\n", k, found, strokes);
        if (found < strokes / 2)
            fail_msg("dark wedge, digit %d: %d of %d stroke pixels found", k, found, strokes);
    }
}

/* Clean pictures come out byte for byte as the preparation before lighting estimation and
 * connected components (commit 8a50afd, the crop to all ink >= 0.1) made them: the expected
 * CRC-32s of each group's outputs were computed by that code, on these same pictures (the test
 * built against it, RM_DIGIT_PREP_REPORT set). Groups: the 30 MNIST digits as they are; drawn
 * dark on white at three scales and offsets; light on black; colour, alpha and grey paper; with
 * noise on the paper; bars and squares. */
#define CLEAN_GROUPS 6
static const char *const clean_name[CLEAN_GROUPS] = {"mnist",  "scaled", "light",
                                                     "colour", "noisy",  "shapes"};
static const uint32_t clean_crc[CLEAN_GROUPS] = {0x76eccd11, 0x4f515d66, 0xea3d1649,
                                                 0x7f974655, 0x017bba81, 0x60fa9048};

static uint32_t crc_prep(uint32_t crc, const uint8_t *px, int w, int h, int channels)
{
    uint8_t out[MNIST_PIXELS];
    prep_ok(out, px, w, h, channels);
    return (uint32_t)crc32(crc, out, MNIST_PIXELS);
}

static uint32_t clean_group(int g)
{
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    static const double scale[3] = {3.0, 5.0, 2.3};
    static const int ox[3] = {15, 52, 120}, oy[3] = {40, 4, 70};
    uint32_t seed = 12345;
    for (int k = 0; k < N_DIGITS; k++) {
        if (g == 0)
            crc = crc_prep(crc, digit(k), 28, 28, 1);
        for (int c = 0; g == 1 && c < 3; c++) {
            uint8_t *pic = draw_picture(digit(k), scale[c], ox[c], oy[c], 1);
            crc = crc_prep(crc, pic, PIC_W, PIC_H, 1);
            free(pic);
        }
        if (g == 2) {
            uint8_t *pic = draw_picture(digit(k), 4.0, 30, 10, 0);
            crc = crc_prep(crc, pic, PIC_W, PIC_H, 1);
            free(pic);
        }
        if (g == 3 && k % 4 == 1) {
            uint8_t *light = draw_picture(digit(k), 3.5, 60, 20, 0);
            uint8_t *rgba = malloc(PIC_W * PIC_H * 4), *rgb = malloc(PIC_W * PIC_H * 3),
                    *paper = malloc(PIC_W * PIC_H);
            assert_non_null(rgba && rgb && paper);
            for (int p = 0; p < PIC_W * PIC_H; p++) {
                double a = light[p] / 255.0;
                rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = 0;
                rgba[4 * p + 3] = light[p];
                rgb[3 * p] = rgb[3 * p + 1] = (uint8_t)lround(255.0 * (1.0 - a));
                rgb[3 * p + 2] = 255;
                paper[p] = (uint8_t)lround(110.0 - 90.0 * a);
            }
            crc = crc_prep(crc, rgba, PIC_W, PIC_H, 4);
            crc = crc_prep(crc, rgb, PIC_W, PIC_H, 3);
            crc = crc_prep(crc, paper, PIC_W, PIC_H, 1);
            free(light);
            free(rgba);
            free(rgb);
            free(paper);
        }
        if (g == 4) {
            uint8_t *pic = draw_picture(digit(k), 3.0, 40, 30, 1);
            for (int p = 0; p < PIC_W * PIC_H; p++) {
                seed = seed * 1664525u + 1013904223u;
                int v = pic[p] + (int)(seed >> 27) - 16;
                v = v * 3 / 4 + 32;
                pic[p] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
            crc = crc_prep(crc, pic, PIC_W, PIC_H, 1);
            free(pic);
        }
    }
    if (g == 5) {
        uint8_t *pic = malloc(PIC_W * PIC_H);
        assert_non_null(pic);
        static const int box[4][4] = {
            {140, 17, 170, 137}, {3, 100, 153, 125}, {100, 70, 104, 74}, {40, 15, 160, 135}};
        for (int b = 0; b < 4; b++) {
            memset(pic, 255, PIC_W * PIC_H);
            for (int y = box[b][1]; y < box[b][3]; y++)
                for (int x = box[b][0]; x < box[b][2]; x++)
                    if (b < 3 || x < 100 || x % 2 == 1)
                        pic[y * PIC_W + x] = 0;
            crc = crc_prep(crc, pic, PIC_W, PIC_H, 1);
        }
        free(pic);
    }
    return crc;
}

static void test_digit_prep_clean_pictures_as_before(void **state)
{
    (void)state;
    int bad = 0;
    for (int g = 0; g < CLEAN_GROUPS; g++) {
        uint32_t crc = clean_group(g);
        if (report())
            printf("clean group %s: crc 0x%08x\n", clean_name[g], (unsigned)crc);
        if (crc != clean_crc[g]) {
            fprintf(stderr, "clean group %s: outputs' crc 0x%08x, before 0x%08x\n", clean_name[g],
                    (unsigned)crc, (unsigned)clean_crc[g]);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* A piece of ink for digit_prep_choose: box, ink (= area), border flag. */
static struct blob piece(int x0, int y0, int x1, int y1, double ink, int border)
{
    struct blob b = {.x0 = x0,
                     .y0 = y0,
                     .x1 = x1,
                     .y1 = y1,
                     .area = (int)ink,
                     .ink = ink,
                     .touches_border = border};
    return b;
}

/* The choice of the digit's pieces in a 400 x 300 picture with strokes 10 pixels wide: the
 * paper's edge along the border goes when the digit is inside, specks go, a detached bar near
 * the digit stays, a round blot as near does not, a stroke piece touching the digit's box stays
 * whatever its size; with nothing inside, the border's pieces stay. */
static void test_digit_prep_choose(void **state)
{
    (void)state;
    struct blob b[7];
    b[0] = piece(0, 0, 30, 300, 9000, 1);      /* the paper's edge: more ink than the digit */
    b[1] = piece(150, 100, 230, 220, 3000, 0); /* the digit's main piece */
    b[2] = piece(160, 70, 240, 85, 600, 0);    /* a 5's bar, 15 pixels above it */
    b[3] = piece(250, 130, 262, 142, 140, 0);  /* a blot 20 pixels right, 12 across */
    b[4] = piece(350, 40, 354, 44, 16, 0);     /* a speck far away */
    b[5] = piece(225, 210, 232, 216, 20, 0);   /* a bit of stroke overlapping the box */
    b[6] = piece(100, 280, 140, 292, 300, 0);  /* a stroke 60 pixels below: too far */
    uint8_t keep[7];
    assert_int_equal(digit_prep_choose(b, 7, 400, 300, 10.0f, NULL, keep), 3);
    const uint8_t want[7] = {0, 1, 1, 0, 0, 1, 0};
    assert_memory_equal(keep, want, 7);
    /* unknown stroke width (0): the blot is as long as a stroke */
    assert_int_equal(digit_prep_choose(b, 7, 400, 300, 0.0f, NULL, keep), 4);
    assert_int_equal(keep[3], 1);
    /* only the border's pieces and a speck: the largest border piece is the digit */
    struct blob e[2] = {piece(0, 0, 30, 300, 9000, 1), piece(350, 40, 354, 44, 16, 0)};
    assert_int_equal(digit_prep_choose(e, 2, 400, 300, 10.0f, NULL, keep), 1);
    assert_int_equal(keep[0], 1);
    assert_int_equal(keep[1], 0);
    assert_int_equal(digit_prep_choose(e, 0, 400, 300, 10.0f, NULL, keep), 0);
    /* blots: one overlapping the digit's box does not join it; one with more ink than a thin
     * digit is not the digit, unless nothing else has a quarter of its ink */
    struct blob f[3] = {piece(150, 100, 170, 220, 1200, 0), piece(165, 150, 195, 180, 1800, 0),
                        piece(300, 100, 303, 103, 9, 0)};
    const uint8_t blot[3] = {0, 1, 0};
    assert_int_equal(digit_prep_choose(f, 3, 400, 300, 10.0f, blot, keep), 1);
    assert_int_equal(keep[0], 1);
    assert_int_equal(digit_prep_choose(f, 3, 400, 300, 10.0f, NULL, keep), 2);
    f[0].ink = 400; /* the blot is then the main piece, and the stroke in its box joins it */
    assert_int_equal(digit_prep_choose(f, 3, 400, 300, 10.0f, blot, keep), 2);
    assert_int_equal(keep[1], 1);
}

/* The digit's stroke width from its pieces: a bar 12 pixels wide with 300 one-pixel grains of
 * the paper in its box, all kept (they overlap the digit's box), is 12 pixels wide; the grains'
 * runs, which outnumber the bar's, do not make it 1. */
static void test_digit_prep_stroke_ignores_grain(void **state)
{
    (void)state;
    enum { W = 120, H = 100 };
    uint8_t *mask = calloc(W * H, 1), *scratch = malloc(W * H);
    int32_t *labels = malloc(W * H * sizeof *labels);
    assert_non_null(mask && scratch && labels);
    for (int y = 10; y < 90; y++)
        for (int x = 50; x < 62; x++)
            mask[y * W + x] = 1;
    for (int k = 0; k < 300; k++) { /* a grid of grains from x 20 to 98, away from the bar */
        int x = 20 + 2 * (k % 40), y = 12 + 2 * (k / 40);
        if (x < 48 || x > 63)
            mask[y * W + x] = 1;
    }
    struct blob *b;
    int count;
    struct rm_status st;
    assert_int_equal(blobs_find(mask, W, H, NULL, labels, &b, &count, &st), 0);
    assert_true(count > 100);
    uint8_t *keep = malloc((size_t)count);
    assert_non_null(keep);
    memset(keep, 1, (size_t)count);
    float stroke = 0.0f;
    assert_int_equal(digit_prep_stroke(labels, b, count, keep, W, H, scratch, &stroke), 0);
    assert_true(stroke == 12.0f);
    /* the mask as a whole is mostly grain */
    assert_int_equal(ink_map_stroke_width(mask, W, H, &stroke), 0);
    assert_true(stroke == 1.0f);
    free(keep);
    free(b);
    free(labels);
    free(scratch);
    free(mask);
}

/* Draws a disk of radius r centred at (cx, cy) into a w-wide mask (value 1). */
static void disk(uint8_t *mask, int w, int h, int cx, int cy, int r)
{
    for (int y = cy - r; y <= cy + r; y++)
        for (int x = cx - r; x <= cx + r; x++)
            if (x >= 0 && y >= 0 && x < w && y < h &&
                (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
                mask[y * w + x] = 1;
}

/* Sets the pixels of a ring: within r of (cx, cy) but farther than hole. */
static void ring(uint8_t *mask, int w, int h, int cx, int cy, int r, int hole)
{
    for (int y = cy - r; y <= cy + r; y++)
        for (int x = cx - r; x <= cx + r; x++) {
            int d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            if (x >= 0 && y >= 0 && x < w && y < h && d2 <= r * r && d2 > hole * hole)
                mask[y * w + x] = 1;
        }
}

/* The largest square inside a piece: a bar 4 pixels wide holds a 4 x 4 square, a disk of
 * radius 8 one of 11 (17 / sqrt 2 = 12.02, less among whole pixels), a ring 3 pixels wide
 * round a hole only 3 x 3 ones. */
static void test_digit_prep_square(void **state)
{
    (void)state;
    enum { W = 100, H = 40 };
    uint8_t mask[W * H] = {0};
    int32_t labels[W * H];
    for (int y = 5; y < 35; y++)
        for (int x = 5; x < 9; x++)
            mask[y * W + x] = 1;
    disk(mask, W, H, 40, 20, 8);
    ring(mask, W, H, 75, 20, 12, 9);
    struct blob *b;
    int count;
    struct rm_status st;
    assert_int_equal(blobs_find(mask, W, H, NULL, labels, &b, &count, &st), 0);
    assert_int_equal(count, 3);
    for (int i = 0; i < count; i++) /* by box: the bar, the disk, the ring */
        assert_int_equal(digit_prep_square(labels, W, i + 1, &b[i]), b[i].x1 <= 10   ? 4
                                                                     : b[i].x1 <= 50 ? 11
                                                                                     : 3);
    free(b);
}

/* Blots among pieces with strokes 4 pixels wide: a disk 17 pixels across is one; a short thick
 * stroke (4 x 8), a speck (3 x 3), a long bar and a ring are not. */
static void test_digit_prep_blots(void **state)
{
    (void)state;
    enum { W = 140, H = 40 };
    uint8_t mask[W * H] = {0}, blot[8];
    int32_t labels[W * H];
    for (int y = 5; y < 35; y++) /* a long bar */
        for (int x = 5; x < 9; x++)
            mask[y * W + x] = 1;
    disk(mask, W, H, 30, 20, 8);  /* a blot */
    for (int y = 16; y < 24; y++) /* a short stroke */
        for (int x = 50; x < 54; x++)
            mask[y * W + x] = 1;
    for (int y = 19; y < 22; y++) /* a speck */
        for (int x = 65; x < 68; x++)
            mask[y * W + x] = 1;
    ring(mask, W, H, 100, 20, 14, 10); /* a ring, like a 0 */
    struct blob *b;
    int count;
    struct rm_status st;
    assert_int_equal(blobs_find(mask, W, H, NULL, labels, &b, &count, &st), 0);
    assert_int_equal(count, 5);
    assert_int_equal(digit_prep_blots(labels, b, count, W, 4.0f, blot), 0);
    for (int i = 0; i < count; i++)
        assert_int_equal(blot[i], b[i].x0 >= 20 && b[i].x1 <= 40);
    /* with strokes as thick as the disk, nothing is a blot */
    assert_int_equal(digit_prep_blots(labels, b, count, W, 17.0f, blot), 0);
    for (int i = 0; i < count; i++)
        assert_int_equal(blot[i], 0);
    free(b);
}

/* A round blot of ink beside the digit, nearer its box than a tenth of its size (pieces that
 * near join the digit whatever their size): left out, so the digit is fitted as without it. */
static void test_digit_prep_blot_beside_left_out(void **state)
{
    (void)state;
    for (int k = 0; k < 10; k++) {
        uint8_t *pic = draw_picture(digit(k), 2.0, 10, 10, 1);
        int x1 = 0; /* right of the digit's darkest pixels */
        for (int y = 0; y < PIC_H; y++)
            for (int x = 0; x < PIC_W; x++)
                x1 = pic[y * PIC_W + x] < 128 && x + 1 > x1 ? x + 1 : x1;
        uint8_t blot[PIC_W * PIC_H] = {0};
        disk(blot, PIC_W, PIC_H, x1 + 11, 38, 7);
        for (int i = 0; i < PIC_W * PIC_H; i++)
            pic[i] = blot[i] ? 0 : pic[i];
        assert_prepared_like_digit(pic, k, "blot beside");
    }
}

static void test_digit_prep_invalid_arguments(void **state)
{
    (void)state;
    uint8_t px[4] = {0, 255, 0, 255}, out[MNIST_PIXELS];
    struct rm_status st;
    assert_int_equal(digit_prep_pixels(out, px, 0, 2, 1, &st), -1);
    assert_non_null(strstr(st.msg, "invalid image (0x2 pixels, 1 channels)"));
    assert_int_equal(digit_prep_pixels(out, px, 2, -1, 1, &st), -1);
    assert_int_equal(digit_prep_pixels(out, px, 2, 2, 0, &st), -1);
    assert_int_equal(digit_prep_pixels(out, px, 2, 2, 5, &st), -1);
    assert_int_equal(digit_prep_pixels(out, NULL, 2, 2, 1, &st), -1);
    assert_int_equal(digit_prep_pixels(out, px, 1 << 14, 1 << 14, 1, &st), -1);
    assert_non_null(strstr(st.msg, "image too large"));
    /* tiny pictures are fine: a 2x2 with one dark pixel */
    uint8_t tiny[4] = {255, 255, 0, 255};
    assert_int_equal(digit_prep_pixels(out, tiny, 2, 2, 1, &st), 0);
    expect_centred(out, "2x2", 0);
    assert_int_equal(out[14 * 28 + 14], 255);
    assert_int_equal(out[0], 0);
}

/* A single digit's picture of more than DIGIT_WORK_PIXELS is prepared shrunk as image_shrink
 * shrinks it: a grainy 1000 x 800 picture, prepared by digit_prep_file, comes out as its 500 x 400
 * block means do, not as it does at full size. */
static void test_digit_prep_file_large_picture_shrunk(void **state)
{
    (void)state;
    enum { W = 1000, H = 800 };
    assert_true((long)W * H > DIGIT_WORK_PIXELS && (long)W * H <= IMAGE_WORK_PIXELS);
    uint8_t *pic = malloc((size_t)W * H);
    assert_non_null(pic);
    uint32_t seed = 777;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double v =
                digit_sample(digit(3), (x - 220 + 0.5) / 20.0 - 0.5, (y - 110 + 0.5) / 20.0 - 0.5);
            seed = seed * 1664525u + 1013904223u;
            int g = 230 - (int)lround(v * 0.8) + (int)(seed >> 27) - 16; /* grain +-16 */
            pic[(size_t)y * W + x] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
        }
    char *dir = tu_make_temp_dir(), *path = tu_path(dir, "large.png");
    struct rm_status st;
    assert_int_equal(png_write(path, pic, W, H, 1, &st), 0);
    uint8_t full[MNIST_PIXELS], shrunk[MNIST_PIXELS], out[MNIST_PIXELS];
    prep_ok(full, pic, W, H, 1);
    int w = W, h = H, f = 0;
    assert_int_equal(image_shrink(&pic, &w, &h, 1, DIGIT_WORK_PIXELS, &f, &st), 0);
    assert_int_equal(f, 2);
    prep_ok(shrunk, pic, w, h, 1);
    assert_memory_not_equal(full, shrunk, MNIST_PIXELS); /* else the test tells nothing */
    if (digit_prep_file(out, path, &st) != 0)
        fail_msg("%s", st.msg);
    assert_memory_equal(out, shrunk, MNIST_PIXELS);
    free(pic);
    free(path);
    tu_remove_dir(dir);
}

/* png_write then digit_prep_load_image gives the pixels back (grey and RGB), hand-written PGM
 * and BMP files load too, and digit_prep_file on each gives what digit_prep_pixels gives. */
static void test_digit_prep_file_formats(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    uint8_t *grey = draw_picture(digit(7), 2.0, 10, 5, 1);
    uint8_t ref[MNIST_PIXELS], out[MNIST_PIXELS];
    prep_ok(ref, grey, PIC_W, PIC_H, 1);
    uint8_t *rgb = malloc(PIC_W * PIC_H * 3);
    assert_non_null(rgb);
    for (int p = 0; p < PIC_W * PIC_H; p++)
        rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = grey[p];
    struct rm_status st;
    char *png1 = tu_path(dir, "grey.png"), *png3 = tu_path(dir, "rgb.png");
    assert_int_equal(png_write(png1, grey, PIC_W, PIC_H, 1, &st), 0);
    assert_int_equal(png_write(png3, rgb, PIC_W, PIC_H, 3, &st), 0);

    /* PGM (P5) and a 24-bit BMP (bottom-up BGR rows padded to 4 bytes) */
    char *pgm = tu_path(dir, "grey.pgm"), *bmp = tu_path(dir, "rgb.bmp");
    char head[64];
    int hl = snprintf(head, sizeof head, "P5\n%d %d\n255\n", PIC_W, PIC_H);
    size_t plen = (size_t)hl + PIC_W * PIC_H;
    uint8_t *pbuf = malloc(plen);
    assert_non_null(pbuf);
    memcpy(pbuf, head, (size_t)hl);
    memcpy(pbuf + hl, grey, PIC_W * PIC_H);
    tu_write_file(pgm, pbuf, plen);
    free(pbuf);
    int stride = (PIC_W * 3 + 3) & ~3;
    size_t blen = 54 + (size_t)stride * PIC_H;
    uint8_t *b = calloc(blen, 1);
    assert_non_null(b);
    const uint32_t fields[][2] = {{2, (uint32_t)blen}, {10, 54},    {14, 40},
                                  {18, PIC_W},         {22, PIC_H}, {34, (uint32_t)(blen - 54)}};
    b[0] = 'B', b[1] = 'M', b[26] = 1, b[28] = 24;
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
        for (int i = 0; i < 4; i++)
            b[fields[f][0] + i] = (uint8_t)(fields[f][1] >> (8 * i));
    for (int y = 0; y < PIC_H; y++)
        for (int x = 0; x < PIC_W; x++)
            for (int ch = 0; ch < 3; ch++)
                b[54 + (size_t)(PIC_H - 1 - y) * stride + 3 * x + ch] = grey[y * PIC_W + x];
    tu_write_file(bmp, b, blen);
    free(b);

    const char *paths[] = {png1, png3, pgm, bmp};
    const int chans[] = {1, 3, 1, 3};
    for (int i = 0; i < 4; i++) {
        uint8_t *px;
        int w, h, c;
        if (digit_prep_load_image(paths[i], &px, &w, &h, &c, &st) != 0)
            fail_msg("%s", st.msg);
        assert_int_equal(w, PIC_W);
        assert_int_equal(h, PIC_H);
        assert_int_equal(c, chans[i]);
        for (int p = 0; p < PIC_W * PIC_H; p++)
            assert_int_equal(px[p * c], grey[p]);
        free(px);
        memset(out, 0, sizeof out);
        assert_int_equal(digit_prep_file(out, paths[i], &st), 0);
        assert_memory_equal(out, ref, MNIST_PIXELS);
    }
    free(grey);
    free(rgb);
    free(png1);
    free(png3);
    free(pgm);
    free(bmp);
    tu_remove_dir(dir);
}

/* Each failure is one line naming the file. */
static void test_digit_prep_file_errors(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct rm_status st;
    uint8_t out[MNIST_PIXELS];
    char *missing = tu_path(dir, "missing.png");
    assert_int_equal(digit_prep_file(out, missing, &st), -1);
    assert_non_null(strstr(st.msg, "missing.png: cannot open: No such file or directory"));

    assert_int_equal(digit_prep_file(out, dir, &st), -1);
    assert_non_null(strstr(st.msg, "not a regular file"));

    char *text = tu_path(dir, "notes.png");
    tu_write_file(text, "hello, world\n", 13);
    assert_int_equal(digit_prep_file(out, text, &st), -1);
    assert_non_null(
        strstr(st.msg, "notes.png: cannot read image: not a PNG, JPEG, BMP or PGM/PPM file"));

    char *empty = tu_path(dir, "empty.png");
    tu_write_file(empty, "", 0);
    assert_int_equal(digit_prep_file(out, empty, &st), -1);
    assert_non_null(strstr(st.msg, "empty.png: cannot read image: empty file"));

    /* a PNG cut in half */
    uint8_t *pic = draw_picture(digit(0), 3.0, 10, 10, 1);
    char *full = tu_path(dir, "full.png"), *cut = tu_path(dir, "cut.png");
    assert_int_equal(png_write(full, pic, PIC_W, PIC_H, 1, &st), 0);
    size_t len;
    uint8_t *bytes = tu_read_file(full, &len);
    tu_write_file(cut, bytes, len / 2);
    free(bytes);
    assert_int_equal(digit_prep_file(out, cut, &st), -1);
    assert_non_null(strstr(st.msg, "cut.png: cannot read image: "));

    /* a blank PNG */
    char *blank = tu_path(dir, "blank.png");
    memset(pic, 255, PIC_W * PIC_H);
    assert_int_equal(png_write(blank, pic, PIC_W, PIC_H, 1, &st), 0);
    assert_int_equal(digit_prep_file(out, blank, &st), -1);
    assert_non_null(strstr(st.msg, "blank.png: no ink found (blank image)"));
    free(pic);

    /* a PGM header claiming 60000 x 60000 pixels is refused before decoding */
    char *huge = tu_path(dir, "huge.pgm");
    tu_write_file(huge, "P5\n60000 60000\n255\n\0\0\0\0", 23);
    assert_int_equal(digit_prep_file(out, huge, &st), -1);
    assert_non_null(strstr(st.msg, "huge.pgm: image too large (60000x60000 pixels"));

    free(missing);
    free(text);
    free(empty);
    free(full);
    free(cut);
    free(blank);
    free(huge);
    tu_remove_dir(dir);
}

/* The picture of digit 3 in each format, as the bytes of a file: PNG (png_write), JPEG, PGM
 * (P5), PPM (P6) and a 24-bit BMP. Caller frees. */
enum { FMT_PNG, FMT_JPEG, FMT_PGM, FMT_PPM, FMT_BMP, FMT_COUNT };
static const char *const fmt_name[FMT_COUNT] = {"png", "jpg", "pgm", "ppm", "bmp"};

static uint8_t *picture_file(int fmt, const char *dir, size_t *len)
{
    uint8_t *grey = draw_picture(digit(3), 2.0, 20, 10, 1), *buf = NULL;
    char head[64];
    int hl;
    struct rm_status st;
    if (fmt == FMT_PNG) {
        char *p = tu_path(dir, "tmp.png");
        assert_int_equal(png_write(p, grey, PIC_W, PIC_H, 1, &st), 0);
        buf = tu_read_file(p, len);
        unlink(p);
        free(p);
    } else if (fmt == FMT_JPEG) {
        buf = tu_write_jpeg(grey, PIC_W, PIC_H, 1, 95, NULL, 0, len);
    } else if (fmt == FMT_PGM || fmt == FMT_PPM) {
        int ch = fmt == FMT_PGM ? 1 : 3;
        hl = snprintf(head, sizeof head, "P%d\n%d %d\n255\n", ch == 1 ? 5 : 6, PIC_W, PIC_H);
        *len = (size_t)hl + (size_t)PIC_W * PIC_H * ch;
        buf = malloc(*len);
        assert_non_null(buf);
        memcpy(buf, head, (size_t)hl);
        for (int p = 0; p < PIC_W * PIC_H; p++)
            for (int c = 0; c < ch; c++)
                buf[hl + p * ch + c] = grey[p];
    } else {
        int stride = (PIC_W * 3 + 3) & ~3;
        *len = 54 + (size_t)stride * PIC_H;
        buf = calloc(*len, 1);
        assert_non_null(buf);
        const uint32_t fields[][2] = {
            {2, (uint32_t)*len}, {10, 54},    {14, 40},
            {18, PIC_W},         {22, PIC_H}, {34, (uint32_t)(*len - 54)}};
        buf[0] = 'B', buf[1] = 'M', buf[26] = 1, buf[28] = 24;
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
            for (int i = 0; i < 4; i++)
                buf[fields[f][0] + i] = (uint8_t)(fields[f][1] >> (8 * i));
        for (int y = 0; y < PIC_H; y++)
            for (int x = 0; x < PIC_W; x++)
                for (int ch = 0; ch < 3; ch++)
                    buf[54 + (size_t)(PIC_H - 1 - y) * stride + 3 * x + ch] = grey[y * PIC_W + x];
    }
    free(grey);
    return buf;
}

/* A file of every format cut short is refused, never decoded from memory that was not read
 * (stb_image 2.27 decoded a cut PGM/PPM from uninitialised memory, zero-filled a cut BMP and
 * padded a cut JPEG): cut by one byte, by the last 12 (a PNG's IEND), in the pixel data, and
 * in the header. The whole file loads. */
static void test_digit_prep_truncated_files_refused(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    for (int f = 0; f < FMT_COUNT; f++) {
        size_t len;
        uint8_t *bytes = picture_file(f, dir, &len);
        char name[32];
        snprintf(name, sizeof name, "digit.%s", fmt_name[f]);
        char *path = tu_path(dir, name);
        uint8_t out[MNIST_PIXELS];
        struct rm_status st;
        tu_write_file(path, bytes, len);
        if (digit_prep_file(out, path, &st) != 0)
            fail_msg("%s (whole): %s", name, st.msg);
        const size_t cuts[] = {len - 1, len - 12, len * 3 / 4, len / 2, 40, 20};
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            tu_write_file(path, bytes, cuts[c]);
            memset(out, 0x55, sizeof out);
            st.msg[0] = 0;
            if (digit_prep_file(out, path, &st) == 0)
                fail_msg("%s cut to %zu of %zu bytes: decoded", name, cuts[c], len);
            if (!strstr(st.msg, path) || !strstr(st.msg, "cannot read image: "))
                fail_msg("%s cut to %zu bytes: '%s'", name, cuts[c], st.msg);
            for (int i = 0; i < MNIST_PIXELS; i++)
                assert_int_equal(out[i], 0x55); /* untouched */
        }
        free(path);
        free(bytes);
    }
    tu_remove_dir(dir);
}

/* The bytes of a PNG chunk: length, type, data, CRC. */
static size_t png_chunk(uint8_t *out, const char *type, const uint8_t *data, uint32_t n)
{
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(n >> (24 - 8 * i));
    memcpy(out + 4, type, 4);
    if (n)
        memcpy(out + 8, data, n);
    uint32_t crc = (uint32_t)crc32(0, out + 4, 4 + n);
    for (int i = 0; i < 4; i++)
        out[8 + n + i] = (uint8_t)(crc >> (24 - 8 * i));
    return 12 + n;
}

/* A PNG that declares 100000 x 100000 pixels is refused as too large, by its size, not as "not
 * a PNG"; so are the other formats' headers (and nothing is allocated for them). */
static void test_digit_prep_oversize_named_as_such(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *path = tu_path(dir, "huge.png");
    uint8_t png[128];
    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    const uint8_t ihdr[13] = {0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 0, 0, 0, 0};
    size_t n = 8 + png_chunk(png + 8, "IHDR", ihdr, 13);
    const uint8_t idat[] = {0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01};
    n += png_chunk(png + n, "IDAT", idat, sizeof idat);
    n += png_chunk(png + n, "IEND", NULL, 0);
    tu_write_file(path, png, n);
    uint8_t out[MNIST_PIXELS];
    struct rm_status st;
    assert_int_equal(digit_prep_file(out, path, &st), -1);
    if (!strstr(st.msg, "huge.png: image too large (100000x100000 pixels, at most 67108864)"))
        fail_msg("'%s'", st.msg);
    /* a JPEG, a BMP and a PPM header claiming as much */
    char *jpg = tu_path(dir, "huge.jpg"), *bmp = tu_path(dir, "huge.bmp"),
         *ppm = tu_path(dir, "h.ppm");
    uint8_t *small = draw_picture(digit(1), 1.0, 0, 0, 1);
    size_t jlen;
    uint8_t *j = tu_write_jpeg(small, 16, 16, 1, 95, NULL, 0, &jlen);
    for (size_t i = 0; i + 8 < jlen; i++)
        if (j[i] == 0xff && j[i + 1] == 0xc0) { /* SOF0: length, precision, height, width */
            j[i + 5] = 0xea, j[i + 6] = 0x60, j[i + 7] = 0xea, j[i + 8] = 0x60;
            break;
        }
    tu_write_file(jpg, j, jlen);
    free(j);
    free(small);
    assert_int_equal(digit_prep_file(out, jpg, &st), -1);
    if (!strstr(st.msg, "huge.jpg: image too large (60000x60000 pixels"))
        fail_msg("'%s'", st.msg);
    uint8_t b[54] = {'B', 'M'};
    const uint32_t fields[][2] = {{2, 54}, {10, 54}, {14, 40}, {18, 100000}, {22, 100000}};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
        for (int i = 0; i < 4; i++)
            b[fields[f][0] + i] = (uint8_t)(fields[f][1] >> (8 * i));
    b[26] = 1, b[28] = 24;
    tu_write_file(bmp, b, sizeof b);
    assert_int_equal(digit_prep_file(out, bmp, &st), -1);
    if (!strstr(st.msg, "huge.bmp: image too large (100000x100000 pixels"))
        fail_msg("'%s'", st.msg);
    tu_write_file(ppm, "P6\n100000 100000\n255\n\1\2\3", 24);
    assert_int_equal(digit_prep_file(out, ppm, &st), -1);
    if (!strstr(st.msg, "h.ppm: image too large (100000x100000 pixels"))
        fail_msg("'%s'", st.msg);
    free(path), free(jpg), free(bmp), free(ppm);
    tu_remove_dir(dir);
}

/* A FIFO with no writer as the picture is refused at once (the alarm fails a hang), a folder
 * by kind, and formats other than the four by name. */
static void test_digit_prep_fifo_folder_and_other_formats(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *fifo = tu_path(dir, "digit.png");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    uint8_t out[MNIST_PIXELS];
    struct rm_status st;
    alarm(10);
    assert_int_equal(digit_prep_file(out, fifo, &st), -1);
    alarm(0);
    assert_non_null(strstr(st.msg, "digit.png: not a regular file (a FIFO)"));
    assert_int_equal(digit_prep_file(out, dir, &st), -1);
    assert_non_null(strstr(st.msg, "not a regular file (a folder)"));
    uint8_t rle[64] = {'B',      'M',      [10] = 54, [14] = 40, [18] = 1,
                       [22] = 1, [26] = 1, [28] = 8,  [30] = 1 /* BI_RLE8 */};
    const struct {
        const char *bytes;
        size_t len;
        const char *kind;
    } other[] = {
        {"GIF89a\1\0\1\0\0\0\0;", 14, "a GIF file"},
        {"II*\0\10\0\0\0\0\0", 10, "a TIFF file"},
        {"RIFF\0\0\0\0WEBPVP8 ", 16, "a WebP file"},
        {"P2\n1 1\n255\n0\n", 13, "a text (P2) PGM file"},
        {"P3\n1 1\n255\n0 0 0\n", 17, "a text (P3) PPM file"},
        {(const char *)rle, sizeof rle, "compressed (RLE) BMP"},
    };
    char *p = tu_path(dir, "pic");
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        tu_write_file(p, other[i].bytes, other[i].len);
        assert_int_equal(digit_prep_file(out, p, &st), -1);
        if (!strstr(st.msg, other[i].kind) || !strstr(st.msg, "cannot read image: "))
            fail_msg("%s: '%s'", other[i].kind, st.msg);
    }
    free(p), free(fifo);
    tu_remove_dir(dir);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digit_prep_mnist_digit_unchanged),
        cmocka_unit_test(test_digit_prep_scaled_shifted_inverted),
        cmocka_unit_test(test_digit_prep_polarity),
        cmocka_unit_test(test_digit_prep_blank_refused),
        cmocka_unit_test(test_digit_prep_aspect_ratio_kept),
        cmocka_unit_test(test_digit_prep_antialiased),
        cmocka_unit_test(test_digit_prep_colour_alpha_and_contrast),
        cmocka_unit_test(test_digit_prep_noisy_paper),
        cmocka_unit_test(test_digit_prep_lit_spot_polarity),
        cmocka_unit_test(test_digit_prep_pair_sharp_shadow),
        cmocka_unit_test(test_digit_prep_shadow_band_left_out),
        cmocka_unit_test(test_digit_prep_dark_wedge_faint_digit),
        cmocka_unit_test(test_digit_prep_faint_grain_left_out),
        cmocka_unit_test(test_digit_prep_far_faint_blotch_left_out),
        cmocka_unit_test(test_digit_prep_clean_pictures_as_before),
        cmocka_unit_test(test_digit_prep_choose),
        cmocka_unit_test(test_digit_prep_stroke_ignores_grain),
        cmocka_unit_test(test_digit_prep_square),
        cmocka_unit_test(test_digit_prep_blots),
        cmocka_unit_test(test_digit_prep_blot_beside_left_out),
        cmocka_unit_test(test_digit_prep_invalid_arguments),
        cmocka_unit_test(test_digit_prep_file_formats),
        cmocka_unit_test(test_digit_prep_file_large_picture_shrunk),
        cmocka_unit_test(test_digit_prep_file_errors),
        cmocka_unit_test(test_digit_prep_truncated_files_refused),
        cmocka_unit_test(test_digit_prep_oversize_named_as_such),
        cmocka_unit_test(test_digit_prep_fifo_folder_and_other_formats),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
