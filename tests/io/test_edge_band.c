/* Tests of edge_band.c on small hand-made ink maps: a shadow's band along each side (tilted,
 * touching a stroke, with a soft edge) taken out while the strokes stay, a stroke crossing into
 * the band kept, the table's texture taken out whole, and no band found where there is none: a
 * digit's strokes touching the picture's edge, a band along only part of a side, a band as deep as
 * most of the picture. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/edge_band.h"

#define W 120
#define H 90

/* An ink map of a band of ink `level` along the right side, its inner edge at x = edge + tilt
 * * (y - H / 2) with a soft rim of `soft` pixels falling to 0 beyond it, and a ring of ink 1
 * (a "0") centred at (cx, 45), radius 20, 5 pixels wide; mask = ink >= 0.2. */
static void draw(float *ink, uint8_t *mask, double edge, double tilt, double level, double soft,
                 double cx)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double e = edge + tilt * (y - H / 2), v = 0.0;
            if (x >= e)
                v = level;
            else if (x >= e - soft)
                v = level * (1.0 - (e - x) / (soft + 1.0));
            double r = hypot(x - cx, y - 45.0);
            if (r >= 18.0 && r <= 23.0)
                v = 1.0;
            ink[y * W + x] = (float)v;
            mask[y * W + x] = v >= 0.2;
        }
}

/* The band's pixels (from x = 110 on) come out 0, the ring's (left of x = 80) stay 1. */
static void assert_band_gone(const float *ink, double cx)
{
    for (int y = 0; y < H; y++) {
        for (int x = 110; x < W; x++)
            if (ink[y * W + x] != 0.0f && hypot(x - cx, y - 45.0) > 23.0)
                fail_msg("band left at (%d, %d): %.3f", x, y, ink[y * W + x]);
        for (int x = 0; x < 80; x++) {
            double r = hypot(x - cx, y - 45.0);
            if (r >= 18.0 && r <= 23.0 && ink[y * W + x] != 1.0f)
                fail_msg("stroke changed at (%d, %d): %.3f", x, y, ink[y * W + x]);
        }
    }
}

static void test_edge_band_shadow_taken_out(void **state)
{
    (void)state;
    float ink[W * H];
    uint8_t mask[W * H];
    /* straight, then tilted with a soft rim, then touching the ring (its right side at x = 83,
     * the band from 84) */
    draw(ink, mask, 100.0, 0.0, 0.4, 0.0, 50.0);
    assert_int_equal(edge_band_erase(ink, mask, W, H), 1);
    assert_band_gone(ink, 50.0);
    draw(ink, mask, 100.0, 0.15, 0.5, 6.0, 50.0);
    assert_int_equal(edge_band_erase(ink, mask, W, H), 1);
    assert_band_gone(ink, 50.0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (x >= 100.0 + 0.15 * (y - H / 2) - 6.0 && ink[y * W + x] != 0.0f)
                fail_msg("soft rim left at (%d, %d): %.3f", x, y, ink[y * W + x]);
    draw(ink, mask, 84.0, 0.0, 0.4, 0.0, 60.0);
    assert_int_equal(edge_band_erase(ink, mask, W, H), 1);
    assert_band_gone(ink, 60.0);
}

/* Every side: the same band turned to lie along the left, top and bottom. */
static void test_edge_band_every_side(void **state)
{
    (void)state;
    float ink[W * H], turned[W * H];
    uint8_t mask[W * H], tmask[W * H];
    draw(ink, mask, 100.0, 0.1, 0.4, 0.0, 50.0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) { /* mirrored left to right */
            turned[y * W + (W - 1 - x)] = ink[y * W + x];
            tmask[y * W + (W - 1 - x)] = mask[y * W + x];
        }
    assert_int_equal(edge_band_erase(turned, tmask, W, H), 1);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < 10; x++)
            assert_true(turned[y * W + x] == 0.0f);
    /* transposed (H wide, W tall): the band along the bottom, then mirrored to the top */
    float *t = malloc(sizeof(float) * W * H);
    uint8_t *tm = malloc(W * H);
    assert_non_null(t);
    assert_non_null(tm);
    for (int flip = 0; flip < 2; flip++) {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int ty = flip ? W - 1 - x : x;
                t[ty * H + y] = ink[y * W + x];
                tm[ty * H + y] = mask[y * W + x];
            }
        assert_int_equal(edge_band_erase(t, tm, H, W), 1);
        for (int y = 0; y < H; y++)
            for (int x = 110; x < W; x++)
                assert_true(t[(flip ? W - 1 - x : x) * H + y] == 0.0f);
    }
    free(t);
    free(tm);
}

/* A stroke crossing into a shadow stays, the shadow's level taken out of it. */
static void test_edge_band_stroke_in_shadow_kept(void **state)
{
    (void)state;
    float ink[W * H];
    uint8_t mask[W * H];
    draw(ink, mask, 100.0, 0.0, 0.4, 0.0, 50.0);
    for (int y = 30; y < 60; y++)
        for (int x = 95; x < 112; x++) { /* a bar from the paper into the band */
            ink[y * W + x] = x >= 100 ? 1.0f : 0.7f;
            mask[y * W + x] = 1;
        }
    assert_int_equal(edge_band_erase(ink, mask, W, H), 1);
    for (int y = 35; y < 55; y++)
        for (int x = 102; x < 110; x++)
            if (ink[y * W + x] < 0.9f)
                fail_msg("stroke in the shadow lost at (%d, %d): %.3f", x, y, ink[y * W + x]);
    assert_true(ink[10 * W + 115] == 0.0f);
}

/* The table beyond the paper's edge: a band of textured ink (0.45-0.75 in patches) goes whole,
 * though half of it lies above its median level; the ring stays. */
static void test_edge_band_texture_taken_out(void **state)
{
    (void)state;
    float ink[W * H];
    uint8_t mask[W * H];
    draw(ink, mask, 100.0, 0.05, 0.6, 0.0, 50.0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (ink[y * W + x] == 0.6f)
                ink[y * W + x] += (float)(0.15 * sin(x * 0.9) * cos(y * 0.7));
    assert_int_equal(edge_band_erase(ink, mask, W, H), 1);
    assert_band_gone(ink, 50.0);
}

/* No band: strokes touching the edge (a "1" from top to bottom, a ring cut by the right side), a
 * band along only half of its side, a band over most of the picture; the ink stays as it was. (A
 * straight stroke all along a side, on the picture's edge, would pass for a band: it is not a
 * digit's.) */
static void test_edge_band_none_found(void **state)
{
    (void)state;
    float ink[W * H], before[W * H];
    uint8_t mask[W * H];
    for (int c = 0; c < 4; c++) {
        memset(ink, 0, sizeof ink);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double v = 0.0, r = hypot(x - 105.0, y - 45.0);
                if (c == 0 && x >= 55 && x < 61)
                    v = 1.0; /* a "1" from the top to the bottom */
                if (c == 1 && r >= 18.0 && r <= 23.0)
                    v = 1.0;
                if (c == 2 && x >= 100 && y < H / 2)
                    v = 0.4;
                if (c == 3 && x >= 40)
                    v = 0.4;
                ink[y * W + x] = (float)v;
                mask[y * W + x] = v >= 0.2;
            }
        memcpy(before, ink, sizeof ink);
        assert_int_equal(edge_band_erase(ink, mask, W, H), 0);
        assert_memory_equal(ink, before, sizeof ink);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_band_shadow_taken_out),
        cmocka_unit_test(test_edge_band_every_side),
        cmocka_unit_test(test_edge_band_stroke_in_shadow_kept),
        cmocka_unit_test(test_edge_band_texture_taken_out),
        cmocka_unit_test(test_edge_band_none_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
