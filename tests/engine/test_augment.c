/* Random affine augmentation: the transform by hand (identity, whole-pixel shifts, a quarter
 * turn, scaling about the centre, the fill), the draws' ranges and order, the per-image seeds,
 * and the --augment text. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/augment.h"

#define W 28
#define H 28

/* A test image with every pixel different from its neighbours. */
static void pattern(uint8_t *im)
{
    for (int i = 0; i < W * H; i++)
        im[i] = (uint8_t)(1 + (i * 37 + (i / W) * 11) % 250);
}

static void test_augment_identity_and_shifts(void **state)
{
    (void)state;
    uint8_t src[W * H], dst[W * H];
    pattern(src);
    struct augment_params p = {0, 0, 0, 1, 0, 0};
    augment_apply(dst, src, W, H, &p);
    assert_memory_equal(dst, src, sizeof src);
    p.tx = 2; /* right by 2, down by 1: whole pixels land on pixel centres, copied exactly */
    p.ty = -1;
    augment_apply(dst, src, W, H, &p);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int sx = x - 2, sy = y + 1;
            int want = sx >= 0 && sx < W && sy >= 0 && sy < H ? src[sy * W + sx] : 0; /* fill */
            assert_int_equal(dst[y * W + x], want);
        }
}

/* flip: the mirror image, column x from column 27 - x, exactly; then shifted as the mirror
 * image would be (the flip comes first, as RandomHorizontalFlip before RandomAffine). */
static void test_augment_flip_mirrors_first(void **state)
{
    (void)state;
    uint8_t src[W * H], dst[W * H];
    pattern(src);
    struct augment_params p = {0, 0, 0, 1, 0, 1};
    augment_apply(dst, src, W, H, &p);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            assert_int_equal(dst[y * W + x], src[y * W + (W - 1 - x)]);
    p.tx = 3;
    augment_apply(dst, src, W, H, &p);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int mx = x - 3; /* the mirror image's column that lands here */
            assert_int_equal(dst[y * W + x], mx >= 0 ? src[y * W + (W - 1 - mx)] : 0);
        }
}

/* flip's draw: none for flip 0 (the stream, hence every run without it, as before), one
 * uniform before the affine draws otherwise, mirroring about p of the images. */
static void test_augment_flip_draw(void **state)
{
    (void)state;
    struct augment a = AUGMENT_DEFAULT, f = AUGMENT_DEFAULT;
    f.flip = 0.5;
    struct rng r1, r2;
    rng_seed(&r1, 42);
    rng_seed(&r2, 42);
    struct augment_params p, q;
    augment_draw(&a, &r1, &p);
    assert_int_equal(p.flip, 0);
    (void)rng_uniform(&r2); /* flip's draw comes first */
    augment_draw(&a, &r2, &q);
    rng_seed(&r1, 42);
    augment_draw(&f, &r1, &p);
    assert_true(p.angle == q.angle && p.tx == q.tx && p.ty == q.ty && p.scale == q.scale);
    int flips = 0;
    for (int i = 0; i < 4000; i++) {
        augment_draw(&f, &r1, &p);
        flips += p.flip;
    }
    assert_in_range(flips, 1800, 2200); /* p = 0.5: 2000 +- 6.3 standard deviations */
    f.flip = 1;
    augment_draw(&f, &r1, &p);
    assert_int_equal(p.flip, 1);
}

/* A quarter turn about the centre (14, 14) maps pixel centres onto pixel centres:
 * out[row y][col x] = in[row 27 - x][col y] (cos 90 degrees is 6e-17, not 0, and PIL's
 * truncation can then lose 1). */
static void test_augment_quarter_turn(void **state)
{
    (void)state;
    uint8_t src[W * H], dst[W * H];
    pattern(src);
    struct augment_params p = {90, 0, 0, 1, 0, 0};
    augment_apply(dst, src, W, H, &p);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int want = src[(27 - x) * W + y], got = dst[y * W + x];
            if (abs(got - want) > 1)
                fail_msg("(%d, %d): %d, want %d", x, y, got, want);
        }
}

/* Scale 2 about the centre: output pixel centre x + 0.5 samples the input at
 * 14 + (x + 0.5 - 14) / 2, bilinear between two pixels, truncated; outside the middle half of
 * the input nothing is sampled from beyond it. */
static void test_augment_scale_bilinear(void **state)
{
    (void)state;
    uint8_t src[W * H], dst[W * H];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            src[y * W + x] = (uint8_t)(x * 9); /* a horizontal ramp */
    struct augment_params p = {0, 0, 0, 2, 0, 0};
    augment_apply(dst, src, W, H, &p);
    for (int x = 0; x < W; x++) {
        double xin = 14 + (x + 0.5 - 14) / 2 - 0.5; /* in pixel-centre coordinates */
        int want = (int)(xin * 9);                  /* the ramp is linear: bilinear is exact */
        assert_int_equal(dst[5 * W + x], want);
    }
    /* scale 1/2: the image shrinks, the border is the fill */
    p.scale = 0.5;
    pattern(src);
    augment_apply(dst, src, W, H, &p);
    assert_int_equal(dst[0], 0);
    assert_int_equal(dst[W * H - 1], 0);
    assert_int_equal(dst[3 * W + 14], 0);
    assert_true(dst[14 * W + 14] != 0);
}

/* The draws: each in its range, translations whole pixels covering -2..2, the scale in
 * [0.9, 1.1], shear 0 when not asked for; and a range of 0 draws nothing, so the stream
 * continues as if the parameter did not exist (torchvision draws no shear it was not given). */
static void test_augment_draw_ranges(void **state)
{
    (void)state;
    struct augment a = AUGMENT_DEFAULT;
    struct rng r;
    rng_seed(&r, 5);
    int seen[5] = {0};
    double lo = 1e9, hi = -1e9;
    for (int i = 0; i < 4000; i++) {
        struct augment_params p;
        augment_draw(&a, &r, &p);
        assert_true(p.angle >= -10 && p.angle <= 10);
        assert_true(p.tx == floor(p.tx) && p.tx >= -2 && p.tx <= 2);
        assert_true(p.ty == floor(p.ty) && p.ty >= -2 && p.ty <= 2);
        assert_true(p.scale >= 0.9 && p.scale <= 1.1);
        assert_true(p.shear == 0);
        seen[(int)p.tx + 2]++;
        lo = fmin(lo, p.angle);
        hi = fmax(hi, p.angle);
    }
    for (int k = 0; k < 5; k++)
        assert_true(seen[k] > 0);
    /* round half to even of U(-2, 2): -2 and 2 get a quarter as often as 0 (widths 0.5, 1) */
    assert_true(seen[0] < seen[2] / 2 && seen[4] < seen[2] / 2);
    assert_true(lo < -9.5 && hi > 9.5);
    /* order: angle first, then tx, ty, scale; with no rotation the first draw is tx's */
    struct augment b = {0, 2, 0, 0, 0};
    struct rng r1, r2;
    rng_seed(&r1, 9);
    rng_seed(&r2, 9);
    struct augment_params p;
    augment_draw(&b, &r1, &p);
    assert_true(p.angle == 0 && p.scale == 1);
    assert_true(p.tx == nearbyint(-2 + 4 * rng_uniform(&r2)));
    assert_true(p.ty == nearbyint(-2 + 4 * rng_uniform(&r2)));
}

/* One stream per (seed, epoch, image): all different, and the same every time asked. */
static void test_augment_seed_per_image(void **state)
{
    (void)state;
    uint64_t s = augment_seed(0, 0, 0);
    assert_true(s == augment_seed(0, 0, 0));
    assert_true(s != augment_seed(1, 0, 0));
    assert_true(s != augment_seed(0, 1, 0));
    assert_true(s != augment_seed(0, 0, 1));
    assert_true(augment_seed(0, 1, 0) != augment_seed(0, 0, 1)); /* epoch and index not mixed */
    uint8_t src[W * H], d1[W * H], d2[W * H];
    pattern(src);
    struct augment a = AUGMENT_DEFAULT;
    struct rng r;
    rng_seed(&r, augment_seed(3, 2, 17));
    augment_image(d1, src, W, H, &a, &r);
    rng_seed(&r, augment_seed(3, 2, 17));
    augment_image(d2, src, W, H, &a, &r);
    assert_memory_equal(d1, d2, sizeof d1);
    rng_seed(&r, augment_seed(3, 2, 18));
    augment_image(d2, src, W, H, &a, &r);
    assert_true(memcmp(d1, d2, sizeof d1) != 0);
}

static void test_augment_parse_and_format(void **state)
{
    (void)state;
    struct augment a;
    struct rm_status st;
    char text[AUGMENT_TEXT];
    assert_int_equal(augment_parse("--augment", "rotate=15,shift=3", &a, &st), 0);
    assert_true(a.rotate == 15 && a.shift == 3 && a.scale == 0.1 && a.shear == 0);
    augment_format(&a, text);
    assert_string_equal(text, "rotate=15,shift=3,scale=0.1,shear=0");
    struct augment b;
    assert_int_equal(augment_parse("x", text, &b, &st), 0);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(augment_parse("--augment", "rotate=0,scale=0,flip=0.5", &a, &st), 0);
    assert_true(a.rotate == 0 && a.shift == 2 && a.scale == 0 && a.flip == 0.5);
    augment_format(&a, text);
    assert_string_equal(text, "rotate=0,shift=2,scale=0,shear=0,flip=0.5");
    assert_int_equal(augment_parse("x", text, &b, &st), 0);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(augment_parse("x", "default", &b, &st), 0);
    assert_true(b.rotate == 10 && b.shift == 2);
    const struct {
        const char *text, *msg;
    } bad[] = {
        {"rotate=10,spin=3", "--augment: 'spin=3' is not key=value with a key rotate, shift, "
                             "scale, shear or flip"},
        {"rotate", "--augment: 'rotate' is not key=value with a key rotate, shift, scale, "
                   "shear or flip"},
        {"rotate=5,rotate=6", "--augment: rotate is given twice"},
        {"shift=-1", "--augment shift: -1 is out of range [0, 14]"},
        {"scale=1", "--augment scale: 1 is out of range [0, 0.9]"},
        {"shear=x", "--augment shear: 'x' is not a number"},
        {"flip=1.5", "--augment flip: 1.5 is out of range [0, 1]"},
        {"rotate=nan", "--augment rotate: 'nan' is not a number"},
        {"", "--augment: '' is not key=value with a key rotate, shift, scale, shear or flip"},
        {"rotate=1,",
         "--augment: '' is not key=value with a key rotate, shift, scale, shear or flip"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(augment_parse("--augment", bad[i].text, &b, &st), -1);
        assert_string_equal(st.msg, bad[i].msg);
    }
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_augment_identity_and_shifts),
        cmocka_unit_test(test_augment_flip_mirrors_first),
        cmocka_unit_test(test_augment_flip_draw),
        cmocka_unit_test(test_augment_quarter_turn),
        cmocka_unit_test(test_augment_scale_bilinear),
        cmocka_unit_test(test_augment_draw_ranges),
        cmocka_unit_test(test_augment_seed_per_image),
        cmocka_unit_test(test_augment_parse_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
