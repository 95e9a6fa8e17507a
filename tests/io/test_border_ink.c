/* Tests of border_ink.c on small hand-made ink maps: a dark wedge along the right side takes
 * Otsu's level and a faint ring (a "0") falls below it, found again without the wedge; nothing
 * changes where the ring was found, or where the wedge is the only ink (the grain is not). */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/border_ink.h"
#include "resnet_mnist/io/ink_map.h"

#define W 120
#define H 90

/* An ink map of a wedge of ink 1 along the right side from y = 20 down, widening from 4 to 24
 * pixels, a ring of ink `ring` centred at (50, 45), radius 20, 5 pixels wide (none when 0), and
 * grain of ink up to 0.06 elsewhere; the mask at Otsu's level, into *level. */
static void draw(float *ink, uint8_t *mask, double ring, float *level)
{
    unsigned seed = 7;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            seed = seed * 1103515245u + 12345u;
            double v = 0.06 * ((seed >> 16) & 0x7fff) / 32767.0;
            if (y >= 20 && x >= W - 4 - 20 * (y - 20) / (H - 20))
                v = 1.0;
            double r = hypot(x - 50.0, y - 45.0);
            if (ring > 0.0 && r >= 18.0 && r <= 23.0)
                v = ring;
            ink[y * W + x] = (float)v;
        }
    *level = ink_map_otsu(ink, (size_t)W * H);
    ink_map_threshold(mask, ink, (size_t)W * H, *level);
}

/* Mask pixels of the ring, and of the wedge. */
static void count(const uint8_t *mask, int *ring, int *wedge)
{
    *ring = *wedge = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double r = hypot(x - 50.0, y - 45.0);
            *ring += mask[y * W + x] && r >= 18.0 && r <= 23.0;
            *wedge += mask[y * W + x] && x >= 90;
        }
}

static void test_border_ink_faint_ring_found(void **state)
{
    (void)state;
    float ink[W * H], level;
    uint8_t mask[W * H];
    int ring, wedge;
    draw(ink, mask, 0.4, &level);
    count(mask, &ring, &wedge);
    assert_int_equal(ring, 0); /* the wedge took Otsu's level */
    struct rm_status st = {0};
    assert_int_equal(border_ink_recut(ink, mask, W, H, &level, &st), 1);
    assert_true(level < 0.4f);
    int ring_all = 0, wedge_before = wedge;
    for (int i = 0; i < W * H; i++)
        ring_all += ink[i] == 0.4f;
    count(mask, &ring, &wedge);
    assert_int_equal(ring, ring_all);
    assert_int_equal(wedge, wedge_before);
    for (int i = 0; i < W * H; i++)
        if (mask[i] && ink[i] < 0.1f)
            fail_msg("grain in the mask at (%d, %d)", i % W, i / W);
}

static void test_border_ink_unchanged(void **state)
{
    (void)state;
    float ink[W * H], level;
    uint8_t mask[W * H], before[W * H];
    struct rm_status st = {0};
    /* a ring as dark as the wedge: found by the first level */
    draw(ink, mask, 1.0, &level);
    memcpy(before, mask, sizeof mask);
    float first = level;
    assert_int_equal(border_ink_recut(ink, mask, W, H, &level, &st), 0);
    assert_memory_equal(mask, before, sizeof mask);
    assert_true(level == first);
    /* the wedge alone: the level again would fall into the grain */
    draw(ink, mask, 0.0, &level);
    memcpy(before, mask, sizeof mask);
    assert_int_equal(border_ink_recut(ink, mask, W, H, &level, &st), 0);
    assert_memory_equal(mask, before, sizeof mask);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_border_ink_faint_ring_found),
        cmocka_unit_test(test_border_ink_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
