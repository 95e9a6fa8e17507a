/* Tests of image_plain.c on tiny hand-made pictures, the expected pixels worked out by hand:
 * a 28x28 picture on a dark border comes out as it is, one enlarged by whole pixels comes back,
 * a light border inverts, a picture that is not square is padded with its border's grey, a
 * resize by a fraction weighs each input pixel by the area it covers, and colour and alpha
 * are made grey as ink_map does (alpha over white). */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/image_plain.h"

#define SIDE 28

/* A 28x28 test picture on a dark border: 10 on the border, a gradient inside. */
static void make_picture(uint8_t *p)
{
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
            p[y * SIDE + x] = (uint8_t)(y == 0 || x == 0 || y == SIDE - 1 || x == SIDE - 1
                                            ? 10
                                            : (x * 7 + y * 3) % 256);
}

static void test_image_plain_same_size_and_enlarged(void **state)
{
    (void)state;
    uint8_t pic[SIDE * SIDE], out[SIDE * SIDE];
    make_picture(pic);
    struct rm_status st;
    assert_int_equal(image_plain_28(out, pic, SIDE, SIDE, 1, &st), 0);
    assert_memory_equal(out, pic, sizeof out); /* dark border: as it is */
    /* each pixel made a 3x3 block: the mean of each block is the pixel again */
    uint8_t *big = malloc(84 * 84);
    for (int y = 0; y < 84; y++)
        for (int x = 0; x < 84; x++)
            big[y * 84 + x] = pic[(y / 3) * SIDE + x / 3];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(image_plain_28(out, big, 84, 84, 1, &st), 0);
    assert_memory_equal(out, pic, sizeof out);
    /* the same, light on dark turned dark on light: inverted back */
    for (int i = 0; i < 84 * 84; i++)
        big[i] = (uint8_t)(255 - big[i]);
    memset(out, 0xa5, sizeof out);
    assert_int_equal(image_plain_28(out, big, 84, 84, 1, &st), 0);
    assert_memory_equal(out, pic, sizeof out);
    free(big);
}

/* 56 wide, 28 high: padded to 56x56 with 14 rows of the border's grey above and below, then
 * 2x2 blocks averaged. The border's mean is 40 (the background), below mid-grey: no inversion. */
static void test_image_plain_pads_to_a_square(void **state)
{
    (void)state;
    uint8_t pic[28 * 56], out[SIDE * SIDE];
    memset(pic, 40, sizeof pic);
    for (int y = 10; y < 18; y++) /* a 200 bar, rows 10..17, columns 20..35 */
        for (int x = 20; x < 36; x++)
            pic[y * 56 + x] = 200;
    struct rm_status st;
    assert_int_equal(image_plain_28(out, pic, 56, 28, 1, &st), 0);
    for (int r = 0; r < SIDE; r++)
        for (int c = 0; c < SIDE; c++) {
            /* padded row 2r is picture row 2r - 14: the bar is at output rows 12..15,
             * columns 10..17 */
            int want = r >= 12 && r < 16 && c >= 10 && c < 18 ? 200 : 40;
            if (out[r * SIDE + c] != want)
                fail_msg("(%d, %d): %d, expected %d", r, c, out[r * SIDE + c], want);
        }
}

/* 3x3 enlarged to 28x28: each output pixel covers 3/28 of an input pixel each way, and takes
 * the input pixels' values weighted by the area of each it covers. */
static void test_image_plain_weighs_by_area(void **state)
{
    (void)state;
    const uint8_t pic[9] = {0, 0, 0, 0, 255, 0, 0, 0, 0};
    uint8_t out[SIDE * SIDE];
    struct rm_status st;
    assert_int_equal(image_plain_28(out, pic, 3, 3, 1, &st), 0);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[13 * SIDE + 13], 255); /* [1.39, 1.5) each way: inside the centre */
    /* column 9 covers [0.964, 1.071): 1/3 of it on pixel 0 and 2/3 on the centre */
    assert_int_equal(out[13 * SIDE + 9], 170);  /* 255 * 2/3 */
    assert_int_equal(out[9 * SIDE + 9], 113);   /* 255 * 4/9 = 113.3 */
    assert_int_equal(out[18 * SIDE + 18], 113); /* [1.93, 2.04): the same from the other side */
    assert_int_equal(out[27 * SIDE + 27], 0);
}

/* Colour is made grey by BT.601, alpha laid on white; the inversion follows. */
static void test_image_plain_colour_and_alpha(void **state)
{
    (void)state;
    uint8_t *px = malloc(SIDE * SIDE * 4), out[SIDE * SIDE];
    struct rm_status st;
    for (int i = 0; i < SIDE * SIDE; i++) /* blue: 0.114 * 255 = 29.07, dark */
        px[3 * i] = 0, px[3 * i + 1] = 0, px[3 * i + 2] = 255;
    assert_int_equal(image_plain_28(out, px, SIDE, SIDE, 3, &st), 0);
    assert_int_equal(out[0], 29);
    assert_int_equal(out[SIDE * SIDE - 1], 29);
    for (int i = 0; i < SIDE * SIDE; i++) /* black, fully transparent: white paper, inverted */
        px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = 0, px[4 * i + 3] = 0;
    px[4 * (14 * SIDE + 14) + 3] = 255; /* one opaque black pixel: the object, light */
    assert_int_equal(image_plain_28(out, px, SIDE, SIDE, 4, &st), 0);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[14 * SIDE + 14], 255);
    for (int i = 0; i < SIDE * SIDE; i++) /* black at alpha 153 (60%) over white: 102 */
        px[2 * i] = 0, px[2 * i + 1] = 153;
    assert_int_equal(image_plain_28(out, px, SIDE, SIDE, 2, &st), 0);
    assert_int_equal(out[5 * SIDE + 7], 102);
    free(px);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_plain_same_size_and_enlarged),
        cmocka_unit_test(test_image_plain_pads_to_a_square),
        cmocka_unit_test(test_image_plain_weighs_by_area),
        cmocka_unit_test(test_image_plain_colour_and_alpha),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
