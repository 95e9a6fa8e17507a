/* Tests of image_shrink.c: block means computed by hand, the clipped edge blocks, rounding, and
 * pictures left alone. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/image_shrink.h"

static void test_image_shrink_small_picture_untouched(void **state)
{
    (void)state;
    uint8_t *px = malloc(4 * 3);
    memset(px, 7, 4 * 3);
    uint8_t *before = px;
    int w = 4, h = 3;
    struct rm_status st;
    int f = 0;
    assert_int_equal(image_shrink(&px, &w, &h, 1, 12, &f, &st), 0);
    assert_int_equal(f, 1);
    assert_ptr_equal(px, before);
    assert_int_equal(w, 4);
    assert_int_equal(h, 3);
    free(px);
}

/* 7 x 5 grey, at most 6 pixels: factor 3 (factor 2 leaves 4 x 3), so 3 x 2, the last column and
 * row of blocks clipped to 1 x 3, 3 x 2 and 1 x 2 pixels. Pixel (x, y) = 10 * y + x. */
static void test_image_shrink_block_means(void **state)
{
    (void)state;
    int w = 7, h = 5;
    uint8_t *px = malloc((size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            px[y * w + x] = (uint8_t)(10 * y + x);
    struct rm_status st;
    int f = 0;
    assert_int_equal(image_shrink(&px, &w, &h, 1, 6, &f, &st), 0);
    assert_int_equal(f, 3);
    assert_int_equal(w, 3);
    assert_int_equal(h, 2);
    /* block (0,0): x 0-2, y 0-2: mean 10 * 1 + 1 = 11; (1,0): x 3-5: 14; (2,0): x 6, y 0-2: 16;
     * (0,1): y 3-4: 35 + 1 = 36; (1,1): 39; (2,1): 41 */
    const uint8_t want[6] = {11, 14, 16, 36, 39, 41};
    assert_memory_equal(px, want, 6);
    free(px);
}

/* Channels are averaged apart, and a mean of .5 rounds up. */
static void test_image_shrink_channels_and_rounding(void **state)
{
    (void)state;
    int w = 2, h = 1;
    uint8_t *px = malloc(6);
    const uint8_t in[6] = {0, 255, 10, 1, 255, 21}; /* two RGB pixels */
    memcpy(px, in, 6);
    struct rm_status st;
    assert_int_equal(image_shrink(&px, &w, &h, 3, 1, NULL, &st), 0);
    assert_int_equal(w, 1);
    assert_int_equal(h, 1);
    const uint8_t want[3] = {1, 255, 16}; /* 0.5 -> 1, 255, 15.5 -> 16 */
    assert_memory_equal(px, want, 3);
    free(px);
}

/* A phone-sized picture comes within the limit with its proportions, by the smallest factor;
 * a long strip of the same area is shrunk as much, not by its longer side. */
static void test_image_shrink_large_picture_within_limit(void **state)
{
    (void)state;
    const int sizes[2][2] = {{4000, 3000}, {24000, 500}};
    for (int i = 0; i < 2; i++) {
        int w = sizes[i][0], h = sizes[i][1], f = 0;
        uint8_t *px = calloc((size_t)w * (size_t)h, 1);
        assert_non_null(px);
        struct rm_status st;
        assert_int_equal(image_shrink(&px, &w, &h, 1, IMAGE_WORK_PIXELS, &f, &st), 0);
        assert_int_equal(f, 2);
        assert_int_equal(w, sizes[i][0] / 2);
        assert_int_equal(h, sizes[i][1] / 2);
        assert_true((long)w * h <= IMAGE_WORK_PIXELS);
        free(px);
    }
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_shrink_small_picture_untouched),
        cmocka_unit_test(test_image_shrink_block_means),
        cmocka_unit_test(test_image_shrink_channels_and_rounding),
        cmocka_unit_test(test_image_shrink_large_picture_within_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
