/* Tests of ink_map.c on tiny hand-made pictures: grey levels from colour and alpha; polarity;
 * Otsu's threshold between the modes of a bimodal set (balanced or not); the threshold and the
 * dilation; the flattening (exact when the background is the reference); the background of a
 * lighting gradient found under a dark stroke; and ink_map_build finding the stroke, and not
 * the gradient, dark on light or light on dark, where a single paper level would take the dark
 * side of the gradient for ink. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/ink_map.h"

static void test_ink_map_grey(void **state)
{
    (void)state;
    const uint8_t grey[2] = {0, 200}, ga[4] = {0, 255, 0, 0};
    const uint8_t rgb[6] = {255, 0, 0, 0, 0, 255}, rgba[8] = {0, 255, 0, 255, 0, 0, 0, 51};
    float g[2];
    ink_map_grey(g, grey, 2, 1);
    assert_float_equal(g[0], 0.0f, 0.0f);
    assert_float_equal(g[1], 200.0f, 0.0f);
    ink_map_grey(g, ga, 2, 2); /* opaque black; fully transparent is white */
    assert_float_equal(g[0], 0.0f, 1e-4f);
    assert_float_equal(g[1], 255.0f, 1e-4f);
    ink_map_grey(g, rgb, 2, 3);
    assert_float_equal(g[0], 0.299f * 255.0f, 1e-3f);
    assert_float_equal(g[1], 0.114f * 255.0f, 1e-3f);
    ink_map_grey(g, rgba, 2, 4); /* green; black at 20% over white */
    assert_float_equal(g[0], 0.587f * 255.0f, 1e-3f);
    assert_float_equal(g[1], 0.8f * 255.0f, 1e-3f);
}

static void test_ink_map_polarity(void **state)
{
    (void)state;
    float g[16], border, contrast;
    for (int i = 0; i < 16; i++)
        g[i] = 230.0f;
    g[5] = 30.0f; /* a dark dot inside a light 4 x 4 picture */
    assert_int_equal(ink_map_polarity(g, 4, 4, &border, &contrast), 1);
    assert_float_equal(border, 230.0f, 0.0f);
    assert_float_equal(contrast, 200.0f, 0.0f);
    for (int i = 0; i < 16; i++)
        g[i] = 255.0f - g[i]; /* light on dark */
    assert_int_equal(ink_map_polarity(g, 4, 4, &border, &contrast), 0);
    assert_float_equal(contrast, 200.0f, 0.0f);
    /* a tie: dark ink when the background is light */
    g[5] = 0.0f;
    g[6] = 50.0f;
    for (int i = 0; i < 16; i++)
        if (i != 5 && i != 6)
            g[i] = 25.0f;
    assert_int_equal(ink_map_polarity(g, 4, 4, &border, &contrast), 0);
}

/* n values around two levels, the second one's share given. */
static float *bimodal(size_t n, float lo, float hi, double share, uint32_t seed)
{
    float *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        float jitter = ((float)(seed >> 8) / 16777216.0f - 0.5f) * 0.1f;
        v[i] = ((double)i / n < share ? hi : lo) + jitter;
    }
    return v;
}

static void test_ink_map_otsu_between_modes(void **state)
{
    (void)state;
    const double share[] = {0.5, 0.1, 0.01};
    for (size_t k = 0; k < sizeof share / sizeof share[0]; k++) {
        float *v = bimodal(10000, 0.1f, 0.8f, share[k], 3);
        float t = ink_map_otsu(v, 10000);
        if (!(t > 0.15f && t < 0.75f))
            fail_msg("share %.2f: threshold %.3f, not between the modes", share[k], t);
        free(v);
    }
    /* exact two levels: the middle of the gap */
    float two[4] = {0.0f, 0.0f, 1.0f, 1.0f};
    assert_float_equal(ink_map_otsu(two, 4), 0.5f, 1.0f / 255.0f);
    /* one level: nothing to split */
    float one[3] = {0.4f, 0.4f, 0.4f};
    assert_float_equal(ink_map_otsu(one, 3), 1.0f, 0.0f);
}

static void test_ink_map_threshold_and_dilate(void **state)
{
    (void)state;
    float v[25] = {0};
    v[12] = 0.7f; /* the centre of 5 x 5 */
    v[0] = 0.5f;  /* a corner */
    uint8_t m[25];
    ink_map_threshold(m, v, 25, 0.6f);
    for (int i = 0; i < 25; i++)
        assert_int_equal(m[i], i == 12);
    assert_int_equal(ink_map_dilate(m, 5, 5, 1), 0);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 5; x++)
            assert_int_equal(m[y * 5 + x], abs(x - 2) <= 1 && abs(y - 2) <= 1);
    ink_map_threshold(m, v, 25, 0.5f);
    assert_int_equal(ink_map_dilate(m, 5, 5, 2), 0);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 5; x++)
            assert_int_equal(m[y * 5 + x], 1); /* the centre's 5 x 5 covers all */
    ink_map_threshold(m, v, 25, 0.65f);
    m[12] = 0;
    m[0] = 1;
    assert_int_equal(ink_map_dilate(m, 5, 5, 2), 0); /* clipped at the corner */
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 5; x++)
            assert_int_equal(m[y * 5 + x], x <= 2 && y <= 2);
}

static void test_ink_map_flatten(void **state)
{
    (void)state;
    const float g[4] = {200.0f, 50.0f, 250.0f, 100.0f}, same[4] = {200, 200, 200, 200};
    const float half[4] = {100, 100, 100, 100};
    float ink[4];
    ink_map_flatten(ink, g, same, 4, 200.0f); /* background = reference: plain difference */
    assert_float_equal(ink[0], 0.0f, 0.0f);
    assert_float_equal(ink[1], 150.0f, 0.0f);
    assert_float_equal(ink[2], 0.0f, 0.0f); /* lighter than paper: no ink */
    assert_float_equal(ink[3], 100.0f, 0.0f);
    /* paper lit half as brightly: its ink counts twice */
    const float dim[4] = {100.0f, 25.0f, 100.0f, 50.0f};
    ink_map_flatten(ink, dim, half, 4, 200.0f);
    assert_float_equal(ink[1], 150.0f, 1e-3f);
    assert_float_equal(ink[3], 100.0f, 1e-3f);
    float v[3] = {0.5f, 2.0f, 1.0f};
    assert_float_equal(ink_map_normalise(v, 3), 2.0f, 0.0f);
    assert_float_equal(v[0], 0.25f, 0.0f);
    assert_float_equal(v[1], 1.0f, 0.0f);
}

#define GW 160
#define GH 100

/* Paper lit from the left (brightness 90 at x = 0 to 240 at the right), a dark vertical stroke
 * (a quarter of the paper's brightness) at x 70..78, y 20..80. */
static int in_stroke(int x, int y)
{
    return x >= 70 && x < 78 && y >= 20 && y < 80;
}

static float paper_at(int x)
{
    return 90.0f + 150.0f * x / (GW - 1);
}

static uint8_t *gradient_picture(int light_ink)
{
    uint8_t *px = malloc(GW * GH);
    assert_non_null(px);
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++) {
            float v = paper_at(x) * (in_stroke(x, y) ? 0.25f : 1.0f);
            px[y * GW + x] = (uint8_t)lroundf(light_ink ? 255.0f - v : v);
        }
    return px;
}

static void test_ink_map_background_of_gradient(void **state)
{
    (void)state;
    uint8_t *px = gradient_picture(0);
    float g[GW * GH], bg[GW * GH];
    uint8_t mask[GW * GH];
    ink_map_grey(g, px, GW * GH, 1);
    for (int i = 0; i < GW * GH; i++)
        mask[i] = in_stroke(i % GW, i / GW);
    struct rm_status st;
    assert_int_equal(ink_map_background(bg, g, mask, GW, GH, &st), 0);
    /* the stroke is left out: under it too the paper's brightness, within the error a box mean
     * makes of a gradient near the picture's edges */
    double worst = 0.0;
    for (int y = 0; y < GH; y++)
        for (int x = 20; x < GW - 20; x++) {
            double e = fabs(bg[y * GW + x] - paper_at(x));
            worst = e > worst ? e : worst;
        }
    if (worst > 4.0)
        fail_msg("background off by %.2f levels away from the sides", worst);
    /* with the stroke counted as paper, the background under it is darker */
    assert_int_equal(ink_map_background(bg, g, NULL, GW, GH, &st), 0);
    assert_true(bg[50 * GW + 74] < paper_at(74) - 5.0f);
    free(px);
}

static void test_ink_map_build_finds_stroke_not_gradient(void **state)
{
    (void)state;
    for (int light = 0; light <= 1; light++) {
        uint8_t *px = gradient_picture(light);
        float ink[GW * GH];
        uint8_t mask[GW * GH];
        struct ink_map_info info;
        struct rm_status st;
        if (ink_map_build(ink, mask, px, GW, GH, 1, INK_MAP_DECIDE, 0.0f, 0, &info, &st) != 0)
            fail_msg("%s", st.msg);
        assert_int_equal(info.dark_ink, !light);
        assert_int_equal(info.flat, 0);
        int missed = 0, extra = 0;
        float paper_max = 0.0f;
        for (int i = 0; i < GW * GH; i++) {
            int s = in_stroke(i % GW, i / GW);
            missed += s && !mask[i];
            extra += !s && mask[i];
            if (!s)
                paper_max = ink[i] > paper_max ? ink[i] : paper_max;
        }
        if (missed || extra)
            fail_msg("light %d: %d stroke pixels missed, %d paper pixels taken for ink", light,
                     missed, extra);
        /* the paper stays faint everywhere: below the crop level of digit_prep */
        if (paper_max >= 0.1f)
            fail_msg("light %d: paper at ink %.3f", light, paper_max);
        free(px);
    }
    /* what one paper level (the border's median) makes of it: the dark side is ink */
    uint8_t *px = gradient_picture(0);
    float g[GW * GH], border, contrast;
    ink_map_grey(g, px, GW * GH, 1);
    assert_int_equal(ink_map_polarity(g, GW, GH, &border, &contrast), 1);
    assert_true((border - g[50 * GW + 2]) / contrast > 0.3f);
    free(px);
}

static void test_ink_map_build_blank_and_even(void **state)
{
    (void)state;
    uint8_t px[GW * GH];
    float ink[GW * GH];
    uint8_t mask[GW * GH];
    struct rm_status st;
    memset(px, 180, sizeof px);
    assert_int_equal(ink_map_build(ink, mask, px, GW, GH, 1, INK_MAP_DECIDE, 0.0f, 0, NULL, &st),
                     -1);
    assert_string_equal(st.msg, "no ink found (blank image)");
    /* evenly lit: the paper is the border's median, the ink the plain difference */
    px[40 * GW + 30] = 60;
    px[41 * GW + 30] = 120;
    struct ink_map_info info;
    assert_int_equal(ink_map_build(ink, mask, px, GW, GH, 1, INK_MAP_DECIDE, 0.0f, 0, &info, &st),
                     0);
    assert_int_equal(info.flat, 1);
    assert_float_equal(info.background, 180.0f, 0.0f);
    assert_float_equal(info.range, 120.0f, 0.0f);
    assert_float_equal(ink[40 * GW + 30], 1.0f, 0.0f);
    assert_float_equal(ink[41 * GW + 30], 0.5f, 0.0f);
    assert_float_equal(ink[0], 0.0f, 0.0f);
}

static void test_ink_map_stroke_width(void **state)
{
    (void)state;
    uint8_t m[40 * 50];
    float width;
    memset(m, 0, sizeof m);
    for (int y = 5; y < 45; y++)
        for (int x = 10; x < 15; x++)
            m[y * 40 + x] = 1; /* a vertical bar 5 wide */
    assert_int_equal(ink_map_stroke_width(m, 40, 50, &width), 0);
    assert_float_equal(width, 5.0f, 0.0f);
    memset(m, 0, sizeof m);
    for (int y = 20; y < 24; y++)
        for (int x = 3; x < 37; x++)
            m[y * 40 + x] = 1; /* a horizontal bar 4 high */
    assert_int_equal(ink_map_stroke_width(m, 40, 50, &width), 0);
    assert_float_equal(width, 4.0f, 0.0f);
    memset(m, 0, sizeof m);
    assert_int_equal(ink_map_stroke_width(m, 40, 50, &width), 0);
    assert_float_equal(width, 1.0f, 0.0f);
}

#define SW 200
#define SH 120

/* Paper 220 in the left half, in a shadow (110) in the right half (a sharp edge at x = 100), and
 * a dark stroke 6 pixels wide (a third of the paper's brightness) across both, at y 57..62. */
static float shadow_paper(int x)
{
    return x < 100 ? 220.0f : 110.0f;
}

static int shadow_stroke(int x, int y)
{
    return y >= 57 && y < 63 && x >= 20 && x < 180;
}

static void test_ink_map_closing_follows_shadow_edge(void **state)
{
    (void)state;
    float *g = malloc(SW * SH * sizeof *g), *bg = malloc(SW * SH * sizeof *bg);
    assert_non_null(g && bg);
    for (int y = 0; y < SH; y++)
        for (int x = 0; x < SW; x++)
            g[y * SW + x] = shadow_paper(x) / (shadow_stroke(x, y) ? 3.0f : 1.0f);
    struct rm_status st;
    assert_int_equal(ink_map_closing(bg, g, SW, SH, 6.0f, 0, &st), 0);
    /* the paper's level under the stroke too, on both sides, up to a few pixels from the edge */
    double worst = 0.0;
    for (int y = 0; y < SH; y++)
        for (int x = 0; x < SW; x++)
            if (abs(x - 100) > 16) {
                double e = fabs(bg[y * SW + x] - shadow_paper(x)) / shadow_paper(x);
                worst = e > worst ? e : worst;
            }
    if (worst > 0.02)
        fail_msg("closing off by %.1f%% of the paper away from the edge", 100.0 * worst);
    /* the blur does not follow the edge: 4 pixels into the shadow it is far too bright */
    assert_int_equal(ink_map_background(bg, g, NULL, SW, SH, &st), 0);
    assert_true(bg[30 * SW + 104] > 1.15f * shadow_paper(104));
    free(g);
    free(bg);
}

/* The same shadow: the closing's mean spreads the lit paper's level some pixels into the shadow,
 * where the shadow then reads as ink (a line beside a digit); the sharp closing, the lower of
 * the closing and its mean, keeps the shadow's level up to its edge and the lit side's elsewhere.
 */
static void test_ink_map_closing_sharp_edge(void **state)
{
    (void)state;
    float *g = malloc(SW * SH * sizeof *g), *bg = malloc(SW * SH * sizeof *bg),
          *sharp = malloc(SW * SH * sizeof *sharp);
    assert_non_null(g && bg && sharp);
    for (int y = 0; y < SH; y++)
        for (int x = 0; x < SW; x++)
            g[y * SW + x] = shadow_paper(x) / (shadow_stroke(x, y) ? 3.0f : 1.0f);
    struct rm_status st;
    assert_int_equal(ink_map_closing(bg, g, SW, SH, 6.0f, 0, &st), 0);
    assert_int_equal(ink_map_closing(sharp, g, SW, SH, 6.0f, 1, &st), 0);
    double worst_mean = 0.0, worst_sharp = 0.0;
    for (int y = 0; y < SH; y++)
        for (int x = 101; x < 117; x++) {
            double e = (bg[y * SW + x] - 110.0) / 110.0, f = (sharp[y * SW + x] - 110.0) / 110.0;
            worst_mean = e > worst_mean ? e : worst_mean;
            worst_sharp = f > worst_sharp ? f : worst_sharp;
        }
    if (worst_mean < 0.10)
        fail_msg("the mean closing only %.1f%% too bright in the shadow", 100.0 * worst_mean);
    if (worst_sharp > 0.03)
        fail_msg("sharp closing %.1f%% too bright in the shadow", 100.0 * worst_sharp);
    /* away from the edge both are the paper's level */
    for (int y = 0; y < SH; y++)
        for (int x = 0; x < SW; x++)
            if (abs(x - 100) > 16)
                assert_true(fabs(sharp[y * SW + x] - bg[y * SW + x]) <= 0.02 * shadow_paper(x));
    free(g);
    free(bg);
    free(sharp);
}

/* A clean wide picture of six dark rings (digits of a number) on white: dark ink, found. */
static void test_ink_map_polarity_wide_number(void **state)
{
    (void)state;
    const int w = 700, h = 140;
    uint8_t *px = malloc((size_t)w * h);
    float *g = malloc((size_t)w * h * sizeof *g), *ink = malloc((size_t)w * h * sizeof *ink);
    uint8_t *mask = malloc((size_t)w * h);
    assert_non_null(px && g && ink && mask);
    memset(px, 255, (size_t)w * h);
    for (int k = 0; k < 6; k++)
        for (int y = 28; y < 112; y++)
            for (int x = 40 + 105 * k; x < 100 + 105 * k; x++)
                if (y < 36 || y >= 104 || x < 48 + 105 * k || x >= 92 + 105 * k)
                    px[y * w + x] = 20;
    ink_map_grey(g, px, (size_t)w * h, 1);
    float border, contrast;
    assert_int_equal(ink_map_polarity(g, w, h, &border, &contrast), 1);
    assert_float_equal(contrast, 235.0f, 0.0f);
    struct rm_status st;
    struct ink_map_info info;
    assert_int_equal(ink_map_build(ink, mask, px, w, h, 1, INK_MAP_DECIDE, 0.0f, 0, &info, &st), 0);
    assert_int_equal(info.flat, 1);
    assert_int_equal(mask[30 * w + 50], 1);
    assert_int_equal(mask[60 * w + 70], 0);
    free(px);
    free(g);
    free(ink);
    free(mask);
}

/* A grainy picture (noise +-20 levels) half in a shadow (the paper 200, in the shadow 130) and a
 * small dark stroke on the lit half: the grain under a quarter of Otsu's level masks all the
 * picture on a later pass; the background stays the last one that had paper to go by, so the
 * lighting is found uneven (not a single paper level, under which all the shadow is ink) and
 * most of the shadow's paper is not ink (Otsu's level still takes its darkest grain). */
static void test_ink_map_build_grainy_shadow(void **state)
{
    (void)state;
    const int w = 600, h = 800;
    size_t n = (size_t)w * h;
    uint8_t *px = malloc(n), *mask = malloc(n);
    float *ink = malloc(n * sizeof *ink);
    assert_non_null(px && ink && mask);
    uint32_t seed = 99;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            seed = seed * 1664525u + 1013904223u;
            int v = (x < 250 ? 130 : 200) + (int)(seed >> 24) * 41 / 256 - 20;
            if (x >= 380 && x < 480 && y >= 390 && y < 402)
                v = 60;
            px[(size_t)y * w + x] = (uint8_t)v;
        }
    struct rm_status st;
    struct ink_map_info info;
    assert_int_equal(ink_map_build(ink, mask, px, w, h, 1, INK_MAP_DECIDE, 0.0f, 0, &info, &st), 0);
    assert_int_equal(info.dark_ink, 1);
    assert_int_equal(info.flat, 0);
    size_t shadow = 0;
    for (int y = 0; y < h; y++)
        for (int x = 20; x < 230; x++)
            shadow += mask[(size_t)y * w + x] != 0;
    if (shadow > (size_t)h * 210 / 2)
        fail_msg("%zu pixels of the shadow's paper taken for ink", shadow);
    assert_int_equal(mask[395 * w + 430], 1);
    free(px);
    free(ink);
    free(mask);
}

static void test_ink_map_paper_share(void **state)
{
    (void)state;
    const uint8_t m[5] = {0, 1, 0, 255, 0};
    assert_float_equal(ink_map_paper_share(m, 5), 0.6, 1e-12);
    assert_float_equal(ink_map_paper_share(m, 0), 0.0, 0.0);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ink_map_grey),
        cmocka_unit_test(test_ink_map_polarity),
        cmocka_unit_test(test_ink_map_otsu_between_modes),
        cmocka_unit_test(test_ink_map_threshold_and_dilate),
        cmocka_unit_test(test_ink_map_flatten),
        cmocka_unit_test(test_ink_map_background_of_gradient),
        cmocka_unit_test(test_ink_map_build_finds_stroke_not_gradient),
        cmocka_unit_test(test_ink_map_build_blank_and_even),
        cmocka_unit_test(test_ink_map_stroke_width),
        cmocka_unit_test(test_ink_map_closing_follows_shadow_edge),
        cmocka_unit_test(test_ink_map_closing_sharp_edge),
        cmocka_unit_test(test_ink_map_polarity_wide_number),
        cmocka_unit_test(test_ink_map_build_grainy_shadow),
        cmocka_unit_test(test_ink_map_paper_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
