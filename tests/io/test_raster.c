/* Tests of raster.c: the canvas, rectangles with area coverage, the 8-bit conversion and the
 * coverage mask (segments, discs, rings, rounded boxes), each against values computed by hand. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/raster.h"

/* The canvas and the mask keep 16-bit fixed-point values: each store rounds by up to half a
 * step, 1/131070 */
#define EPS (2.0 / 65535.0)

/* Channel ch of pixel (x, y). */
static float px(const struct raster *r, int x, int y, int ch)
{
    return raster_get(r, x, y, ch);
}

static float cov(const struct raster_mask *m, int x, int y)
{
    return raster_mask_get(m, x, y);
}

static void assert_near(double got, double want, const char *what, int x, int y)
{
    if (fabs(got - want) > EPS)
        fail_msg("%s at (%d, %d): %.7f, want %.7f", what, x, y, got, want);
}

static void test_raster_init_white_and_hex_colours(void **state)
{
    (void)state;
    struct raster r;
    assert_int_equal(raster_init(&r, 3, 2), 0);
    assert_int_equal(r.w, 3);
    assert_int_equal(r.h, 2);
    for (int i = 0; i < 3 * 2 * 3; i++)
        assert_true(px(&r, i / 3 % 3, i / 9, i % 3) == 1.0f);
    struct raster_color c = raster_color_hex(0x3366ff);
    assert_near(c.r, 0x33 / 255.0, "red", 0, 0);
    assert_near(c.g, 0x66 / 255.0, "green", 0, 0);
    assert_true(c.b == 1.0f);
    raster_fill(&r, c);
    assert_true(px(&r, 2, 1, 0) == c.r && px(&r, 2, 1, 1) == c.g && px(&r, 0, 0, 2) == c.b);
    raster_free(&r);
    assert_null(r.rgb);
    raster_free(&r); /* twice is harmless */
}

static void test_raster_blend_pixel_clamps_and_clips(void **state)
{
    (void)state;
    struct raster r;
    assert_int_equal(raster_init(&r, 2, 2), 0);
    struct raster_color black = raster_color_hex(0);
    raster_blend_pixel(&r, 0, 0, black, 0.25f); /* 1 + (0 - 1) * 0.25 */
    assert_near(px(&r, 0, 0, 1), 0.75, "a quarter of black", 0, 0);
    raster_blend_pixel(&r, 0, 0, black, 0.5f); /* 0.75 - 0.75 * 0.5 */
    assert_near(px(&r, 0, 0, 1), 0.375, "half of black over that", 0, 0);
    raster_blend_pixel(&r, 1, 0, black, 7.0f); /* opacity over 1 counts as 1 */
    assert_near(px(&r, 1, 0, 0), 0.0, "full black", 1, 0);
    raster_blend_pixel(&r, 0, 1, black, -1.0f);
    raster_blend_pixel(&r, 0, 1, black, NAN);
    assert_true(px(&r, 0, 1, 0) == 1.0f);
    /* outside: nothing happens (and nothing is written out of bounds: the sanitizer build) */
    raster_blend_pixel(&r, -1, 0, black, 1.0f);
    raster_blend_pixel(&r, 2, 0, black, 1.0f);
    raster_blend_pixel(&r, 0, 2, black, 1.0f);
    assert_true(px(&r, 1, 1, 0) == 1.0f);
    raster_free(&r);
}

static void test_raster_fill_rect_area_coverage(void **state)
{
    (void)state;
    struct raster r;
    assert_int_equal(raster_init(&r, 4, 3), 0);
    struct raster_color black = raster_color_hex(0);
    /* x from 0.5 to 2, y from 0 to 1.25: pixel (0, 0) half covered, (1, 0) fully, (0..1, 1) a
     * quarter of their height (times a half for pixel 0) */
    raster_fill_rect(&r, raster_rect_make(0.5, 0.0, 2.0, 1.25), black, 1.0f);
    assert_near(px(&r, 0, 0, 0), 0.5, "half covered", 0, 0);
    assert_near(px(&r, 1, 0, 0), 0.0, "covered", 1, 0);
    assert_near(px(&r, 2, 0, 0), 1.0, "beside", 2, 0);
    assert_near(px(&r, 0, 1, 0), 1.0 - 0.5 * 0.25, "an eighth covered", 0, 1);
    assert_near(px(&r, 1, 1, 0), 0.75, "a quarter covered", 1, 1);
    assert_near(px(&r, 1, 2, 0), 1.0, "below", 1, 2);
    /* opacity scales the coverage; a rectangle reaching past the edges is clipped */
    raster_fill_rect(&r, raster_rect_make(2.0, -5.0, 9.0, 1.0), black, 0.5f);
    assert_near(px(&r, 2, 0, 2), 0.5, "half opacity", 2, 0);
    assert_near(px(&r, 3, 0, 2), 0.5, "half opacity", 3, 0);
    assert_near(px(&r, 3, 1, 2), 1.0, "below", 3, 1);
    /* empty and inverted rectangles draw nothing */
    raster_fill_rect(&r, raster_rect_make(3.0, 2.0, 3.0, 3.0), black, 1.0f);
    raster_fill_rect(&r, raster_rect_make(3.5, 2.5, 2.0, 2.0), black, 1.0f);
    assert_true(px(&r, 3, 2, 0) == 1.0f && px(&r, 2, 2, 0) == 1.0f);
    struct raster_rect g = raster_rect_grow(raster_rect_make(1, 2, 3, 4), 0.5);
    assert_true(g.x0 == 0.5 && g.y0 == 1.5 && g.x1 == 3.5 && g.y1 == 4.5);
    raster_free(&r);
}

static void test_raster_store_rgb8_rounds_and_places(void **state)
{
    (void)state;
    struct raster r;
    assert_int_equal(raster_init(&r, 2, 1), 0);
    /* out of range values are clamped when stored */
    raster_fill(&r, (struct raster_color){0.0f, 1.0f, 0.5f});
    raster_fill_rect(&r, raster_rect_make(1, 0, 2, 1),
                     (struct raster_color){-0.25f, 1.75f, 100.0f / 255.0f}, 1.0f);
    uint8_t img[5 * 4 * 3];
    memset(img, 0xab, sizeof img);
    raster_store_rgb8(&r, img, 5, 1, 2); /* at column 1, row 2 of a 5-pixel-wide image */
    const uint8_t want[6] = {0, 255, 128, 0, 255, 100}; /* 0.5 * 255 = 127.5 rounds up */
    assert_memory_equal(img + (2 * 5 + 1) * 3, want, 6);
    for (size_t i = 0; i < sizeof img; i++)
        if (i < (2 * 5 + 1) * 3 || i >= (2 * 5 + 3) * 3)
            assert_int_equal(img[i], 0xab); /* nothing else touched */
    raster_free(&r);
}

/* raster_take_rgb8 gives the bytes raster_store_rgb8 writes, in the canvas's own memory; every
 * 8-bit colour survives the fixed-point canvas exactly, and blends round as in floats. */
static void test_raster_take_rgb8_in_place(void **state)
{
    (void)state;
    enum { W = 256, H = 3 };
    struct raster r;
    assert_int_equal(raster_init(&r, W, H), 0);
    for (int x = 0; x < W; x++) {
        struct raster_color c = raster_color_hex((uint32_t)(x << 16 | (255 - x) << 8 | x / 2));
        raster_fill_rect(&r, raster_rect_make(x, 0, x + 1, 1), c, 1.0f);
        raster_fill_rect(&r, raster_rect_make(x, 1, x + 1, 2), c, 0.3f); /* over white */
    }
    uint8_t want[W * H * 3];
    raster_store_rgb8(&r, want, W, 0, 0);
    for (int x = 0; x < W; x++) {
        assert_int_equal(want[3 * x], x);
        assert_int_equal(want[3 * x + 1], 255 - x);
        assert_int_equal(want[3 * x + 2], x / 2);
        /* row 1: 1 + (c - 1) * 0.3, within the last 8-bit step (the fixed point's own rounding
         * can tip a value lying on a half) */
        long blended = lround(255.0 * (1.0 + (x / 255.0 - 1.0) * 0.3));
        assert_true(labs(want[3 * (W + x)] - blended) <= 1);
        assert_int_equal(want[3 * (2 * W + x)], 255); /* row 2 untouched white */
    }
    uint8_t *img = raster_take_rgb8(&r);
    assert_non_null(img);
    assert_memory_equal(img, want, sizeof want);
    assert_null(r.rgb);
    assert_int_equal(r.w, 0);
    free(img);
}

/* A horizontal segment of half-width 1 along y = 5.5 from x = 2 to 8: coverage hw + 0.5 - d, so
 * pixel centres on the line are covered, those 1 away half, those 2 away not, and the round caps
 * reach as far past the end points. */
static void test_raster_mask_segment_coverage(void **state)
{
    (void)state;
    struct raster_mask m;
    assert_int_equal(raster_mask_init(&m, 12, 12), 0);
    raster_mask_add_segment(&m, 2.0, 5.5, 8.0, 5.5, 1.0);
    assert_near(cov(&m, 5, 5), 1.0, "on the line", 5, 5);
    assert_near(cov(&m, 5, 4), 0.5, "1 above", 5, 4);
    assert_near(cov(&m, 5, 6), 0.5, "1 below", 5, 6);
    assert_near(cov(&m, 5, 3), 0.0, "2 above", 5, 3);
    assert_near(cov(&m, 8, 5), 1.0, "end cap, 0.5 away", 8, 5);
    assert_near(cov(&m, 9, 5), 0.0, "1.5 past the end", 9, 5);
    assert_near(cov(&m, 1, 5), 1.0, "0.5 before the start", 1, 5);
    assert_near(cov(&m, 0, 5), 0.0, "1.5 before the start", 0, 5);

    /* composited in black on white: the coverage becomes ink, and the mask is cleared */
    struct raster r;
    assert_int_equal(raster_init(&r, 12, 12), 0);
    raster_mask_composite(&m, &r, raster_color_hex(0), 1.0f);
    assert_near(px(&r, 5, 5, 0), 0.0, "ink", 5, 5);
    assert_near(px(&r, 5, 4, 0), 0.5, "half ink", 5, 4);
    for (int i = 0; i < 12 * 12; i++)
        assert_true(m.a[i] == 0);
    assert_true(m.bx0 >= m.bx1); /* nothing pending */
    raster_free(&r);
    raster_mask_free(&m);
}

/* Overlapping shapes keep the largest coverage, so joints are not darker than the line. */
static void test_raster_mask_overlap_keeps_maximum(void **state)
{
    (void)state;
    struct raster_mask m;
    struct raster once, twice;
    assert_int_equal(raster_mask_init(&m, 12, 12), 0);
    assert_int_equal(raster_init(&once, 12, 12), 0);
    assert_int_equal(raster_init(&twice, 12, 12), 0);
    raster_mask_add_segment(&m, 2.0, 5.5, 8.0, 5.5, 1.0);
    raster_mask_composite(&m, &once, raster_color_hex(0), 1.0f);
    raster_mask_add_segment(&m, 2.0, 5.5, 8.0, 5.5, 1.0);
    raster_mask_add_segment(&m, 2.0, 5.5, 8.0, 5.5, 1.0);
    raster_mask_add_segment(&m, 5.0, 5.5, 8.0, 5.5, 1.0);
    raster_mask_composite(&m, &twice, raster_color_hex(0), 1.0f);
    assert_memory_equal(once.rgb, twice.rgb, 12 * 12 * 3 * sizeof *once.rgb);
    assert_near(px(&twice, 5, 4, 0), 0.5, "half ink, not 0.25", 5, 4);
    raster_free(&once);
    raster_free(&twice);
    raster_mask_free(&m);
}

static void test_raster_mask_clip(void **state)
{
    (void)state;
    struct raster_mask m;
    assert_int_equal(raster_mask_init(&m, 12, 12), 0);
    raster_mask_clip(&m, 0, 0, 6, 100); /* the bottom is clamped to the mask */
    assert_int_equal(m.cy1, 12);
    raster_mask_add_segment(&m, 2.0, 5.5, 8.0, 5.5, 1.0);
    assert_near(cov(&m, 5, 5), 1.0, "inside the clip", 5, 5);
    for (int y = 0; y < 12; y++)
        for (int x = 6; x < 12; x++)
            assert_near(cov(&m, x, y), 0.0, "clipped", x, y);
    raster_mask_free(&m);
}

/* A disc of radius 3 about (6, 6), and a ring of half-width 0.5 on that circle: coverage
 * r + 0.5 - d, and hw + 0.5 - |d - r|, d the distance of the pixel centre. */
static void test_raster_mask_disc_and_ring(void **state)
{
    (void)state;
    struct raster_mask m;
    assert_int_equal(raster_mask_init(&m, 12, 12), 0);
    raster_mask_add_circle(&m, 6.0, 6.0, 3.0, 0.0);
    assert_near(cov(&m, 5, 5), 1.0, "the centre", 5, 5);
    double d = hypot(2.5, 0.5);
    assert_near(cov(&m, 8, 5), 3.5 - d, "the edge", 8, 5);
    assert_near(cov(&m, 9, 5), 0.0, "outside", 9, 5);
    raster_mask_free(&m);

    assert_int_equal(raster_mask_init(&m, 12, 12), 0);
    raster_mask_add_circle(&m, 6.0, 6.0, 3.0, 0.5);
    assert_near(cov(&m, 5, 5), 0.0, "the ring's hole", 5, 5);
    assert_near(cov(&m, 8, 5), 1.0 - fabs(d - 3.0), "on the ring", 8, 5);
    assert_near(cov(&m, 6, 2), 1.0 - fabs(hypot(0.5, 3.5) - 3.0), "on the ring", 6, 2);
    raster_mask_free(&m);
}

/* The box [2, 10) x [2, 8) with corners of radius 2: full inside and along the straight edges,
 * partial at a corner (0.5 - signed distance of the pixel centre), nothing outside. */
static void test_raster_mask_round_rect(void **state)
{
    (void)state;
    struct raster_mask m;
    assert_int_equal(raster_mask_init(&m, 12, 12), 0);
    raster_mask_add_round_rect(&m, raster_rect_make(2.0, 2.0, 10.0, 8.0), 2.0);
    assert_near(cov(&m, 5, 5), 1.0, "inside", 5, 5);
    assert_near(cov(&m, 5, 2), 1.0, "on the top edge", 5, 2);
    assert_near(cov(&m, 5, 1), 0.0, "above", 5, 1);
    /* corner pixel (2, 2): centre (2.5, 2.5), 1.5 from the corner circle's centre (4, 4) on
     * both axes: distance hypot(1.5, 1.5) - 2 outside */
    assert_near(cov(&m, 2, 2), 0.5 - (hypot(1.5, 1.5) - 2.0), "the corner", 2, 2);
    assert_near(cov(&m, 10, 5), 0.0, "right of it", 10, 5);
    raster_mask_free(&m);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raster_init_white_and_hex_colours),
        cmocka_unit_test(test_raster_blend_pixel_clamps_and_clips),
        cmocka_unit_test(test_raster_fill_rect_area_coverage),
        cmocka_unit_test(test_raster_store_rgb8_rounds_and_places),
        cmocka_unit_test(test_raster_take_rgb8_in_place),
        cmocka_unit_test(test_raster_mask_segment_coverage),
        cmocka_unit_test(test_raster_mask_overlap_keeps_maximum),
        cmocka_unit_test(test_raster_mask_clip),
        cmocka_unit_test(test_raster_mask_disc_and_ring),
        cmocka_unit_test(test_raster_mask_round_rect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
