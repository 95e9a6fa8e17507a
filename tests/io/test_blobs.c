/* Tests of blobs.c: hand-drawn masks whose components, labels and statistics are known, the
 * 8-connectivity of a diagonal, the border flag, the ink-weighted centre, the raster order of
 * the blobs, a W whose arms meet late (labels joined after the fact), a checkerboard, and
 * pictures of 2000x2000 pixels (nested rings, all ink) that a recursive fill would overflow its
 * stack on. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/blobs.h"

/* Mask from rows of text: '#' is ink. */
static uint8_t *mask_from(const char *const *rows, int h, int *w)
{
    *w = (int)strlen(rows[0]);
    uint8_t *m = malloc((size_t)*w * h);
    assert_non_null(m);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < *w; x++)
            m[y * *w + x] = rows[y][x] == '#';
    return m;
}

static void find_ok(const uint8_t *mask, int w, int h, const float *ink, int32_t *labels,
                    struct blob **b, int *n)
{
    struct rm_status st = {{0}};
    if (blobs_find(mask, w, h, ink, labels, b, n, &st) != 0)
        fail_msg("%s", st.msg);
}

static void test_blobs_two_squares(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "........", /* */
        ".##.....", /* */
        ".##..###", /* */
        ".....###", /* */
        ".....###", /* */
    };
    int w, h = 5, n;
    uint8_t *m = mask_from(rows, h, &w);
    int32_t lab[40];
    struct blob *b;
    find_ok(m, w, h, NULL, lab, &b, &n);
    assert_int_equal(n, 2);
    assert_int_equal(b[0].x0, 1);
    assert_int_equal(b[0].y0, 1);
    assert_int_equal(b[0].x1, 3);
    assert_int_equal(b[0].y1, 3);
    assert_int_equal(b[0].area, 4);
    assert_true(b[0].ink == 4.0);
    assert_true(b[0].cx == 1.5 && b[0].cy == 1.5);
    assert_int_equal(b[0].touches_border, 0);
    assert_int_equal(b[1].x0, 5);
    assert_int_equal(b[1].y0, 2);
    assert_int_equal(b[1].x1, 8);
    assert_int_equal(b[1].y1, 5);
    assert_int_equal(b[1].area, 9);
    assert_true(b[1].cx == 6.0 && b[1].cy == 3.0);
    assert_int_equal(b[1].touches_border, 1); /* right and bottom edges */
    for (int i = 0; i < w * h; i++) {
        int want = !m[i] ? 0 : (i % w < 4 ? 1 : 2);
        assert_int_equal(lab[i], want);
    }
    free(b);
    free(m);
}

/* Pixels that touch only at a corner are one component, both ways of the diagonal. */
static void test_blobs_diagonal_is_connected(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "......", /* */
        ".#..#.", /* */
        "..##..", /* */
        ".#..#.", /* */
        "......", /* */
    };
    int w, h = 5, n;
    uint8_t *m = mask_from(rows, h, &w);
    struct blob *b;
    find_ok(m, w, h, NULL, NULL, &b, &n);
    assert_int_equal(n, 1);
    assert_int_equal(b[0].area, 6);
    assert_int_equal(b[0].x0, 1);
    assert_int_equal(b[0].x1, 5);
    assert_int_equal(b[0].y0, 1);
    assert_int_equal(b[0].y1, 4);
    free(b);
    free(m);
}

/* A W and a hook: arms that start as separate labels and meet lower down are one blob, numbered
 * by its first pixel; a blob that starts later in raster order but lies higher on the left
 * comes after. */
static void test_blobs_late_joins_and_order(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "#.#.#...#", /* */
        "#.#.#...#", /* */
        "#####..##", /* */
        "......#..", /* */
        "#........", /* */
    };
    int w, h = 5, n;
    uint8_t *m = mask_from(rows, h, &w);
    int32_t lab[45];
    struct blob *b;
    find_ok(m, w, h, NULL, lab, &b, &n);
    assert_int_equal(n, 3);
    /* blob 1: the W (columns 0..4), blob 2: the hook on the right (first pixel (8, 0)),
     * blob 3: the speck at (0, 4) */
    assert_int_equal(b[0].area, 11);
    assert_int_equal(b[0].x1, 5);
    assert_int_equal(b[1].x0, 6);
    assert_int_equal(b[1].y0, 0);
    assert_int_equal(b[1].area, 5);
    assert_int_equal(b[2].x0, 0);
    assert_int_equal(b[2].y0, 4);
    assert_int_equal(b[2].area, 1);
    assert_int_equal(lab[0], 1);
    assert_int_equal(lab[2 * 9 + 4], 1);
    assert_int_equal(lab[3 * 9 + 6], 2);
    assert_int_equal(lab[4 * 9], 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(b[i].touches_border, 1);
    free(b);
    free(m);
}

/* The centre of mass weighs each pixel by the ink map; ink sums it; a blob of zero ink falls
 * back to the plain centre. */
static void test_blobs_ink_weighted_centre(void **state)
{
    (void)state;
    static const char *const rows[] = {
        ".....", /* */
        ".###.", /* */
        ".....", /* */
        ".#...", /* */
        ".#...", /* */
        ".....", /* */
    };
    int w, h = 6, n;
    uint8_t *m = mask_from(rows, h, &w);
    float ink[30] = {0};
    ink[1 * 5 + 1] = 1.0f;
    ink[1 * 5 + 2] = 0.5f;
    ink[1 * 5 + 3] = 0.5f;
    struct blob *b;
    find_ok(m, w, h, ink, NULL, &b, &n);
    assert_int_equal(n, 2);
    assert_true(b[0].ink == 2.0);
    /* (1*1 + 2*0.5 + 3*0.5) / 2 = 1.75 */
    assert_true(b[0].cx == 1.75);
    assert_true(b[0].cy == 1.0);
    assert_int_equal(b[0].area, 3);
    assert_true(b[1].ink == 0.0);
    assert_true(b[1].cx == 1.0 && b[1].cy == 3.5);
    free(b);
    free(m);
}

static void test_blobs_border_flags(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "...#...", /* top */
        ".......", /* */
        "#..#..#", /* left, inside, right */
        ".......", /* */
        "...#...", /* bottom */
    };
    int w, h = 5, n;
    uint8_t *m = mask_from(rows, h, &w);
    struct blob *b;
    find_ok(m, w, h, NULL, NULL, &b, &n);
    assert_int_equal(n, 5);
    int want[5] = {1, 1, 0, 1, 1};
    for (int i = 0; i < n; i++)
        assert_int_equal(b[i].touches_border, want[i]);
    free(b);
    free(m);
}

/* An empty mask: success, no blobs; a picture one pixel wide or high works. */
static void test_blobs_empty_and_thin(void **state)
{
    (void)state;
    uint8_t m[7] = {0};
    int32_t lab[7];
    struct blob *b = (struct blob *)m;
    int n = -1;
    find_ok(m, 7, 1, NULL, lab, &b, &n);
    assert_int_equal(n, 0);
    assert_null(b);
    for (int i = 0; i < 7; i++)
        assert_int_equal(lab[i], 0);
    uint8_t col[7] = {1, 1, 0, 1, 0, 0, 1};
    find_ok(col, 1, 7, NULL, lab, &b, &n);
    assert_int_equal(n, 3);
    assert_int_equal(b[0].y1, 2);
    assert_int_equal(b[1].y0, 3);
    assert_int_equal(b[2].y0, 6);
    assert_int_equal(lab[6], 3);
    free(b);
}

static void test_blobs_invalid_size(void **state)
{
    (void)state;
    uint8_t m[4] = {1, 1, 1, 1};
    struct rm_status st = {{0}};
    struct blob *b = (struct blob *)m;
    int n = 5;
    assert_int_equal(blobs_find(m, 0, 4, NULL, NULL, &b, &n, &st), -1);
    assert_string_equal(st.msg, "invalid size 0x4 for connected components");
    assert_null(b);
    assert_int_equal(n, 0);
    assert_int_equal(blobs_find(m, 4, -1, NULL, NULL, &b, &n, &st), -1);
    assert_int_equal(blobs_find(m, 1 << 16, 1 << 16, NULL, NULL, &b, &n, &st), -1);
    assert_non_null(strstr(st.msg, "65536x65536"));
}

/* A 2000x2000 picture of 500 nested square rings two pixels apart, each joined to the next by
 * one pixel: one blob of about two million pixels (a recursive fill would go about that deep),
 * and a picture all ink. */
static void test_blobs_big_pictures(void **state)
{
    (void)state;
    const int w = 2000, h = 2000;
    uint8_t *m = calloc((size_t)w * h, 1);
    assert_non_null(m);
    /* ring k at distance 2k from the edge, its left side open just below the top-left corner,
     * joined to the ring outside it by one pixel */
    long ink = 0;
    for (int k = 0; 2 * k < w / 2; k++) {
        int a = 2 * k, z = w - 1 - 2 * k;
        if (a > z)
            break;
        for (int x = a; x <= z; x++) {
            m[(size_t)a * w + x] = 1; /* top */
            m[(size_t)z * w + x] = 1; /* bottom */
        }
        for (int y = a; y <= z; y++) {
            m[(size_t)y * w + z] = 1; /* right */
            if (y > a + 1)
                m[(size_t)y * w + a] = 1; /* left, open just below the top-left corner */
        }
        if (k > 0)
            m[(size_t)(a - 1) * w + a] = 1; /* joins this ring to the one outside */
    }
    for (size_t i = 0; i < (size_t)w * h; i++)
        ink += m[i];
    struct blob *b;
    int n;
    find_ok(m, w, h, NULL, NULL, &b, &n);
    assert_int_equal(n, 1);
    assert_int_equal(b[0].area, ink);
    assert_int_equal(b[0].x1 - b[0].x0, w);
    free(b);
    memset(m, 1, (size_t)w * h);
    int32_t *lab = malloc((size_t)w * h * sizeof *lab);
    assert_non_null(lab);
    find_ok(m, w, h, NULL, lab, &b, &n);
    assert_int_equal(n, 1);
    assert_int_equal(b[0].area, w * h);
    assert_true(b[0].cx == (w - 1) / 2.0 && b[0].cy == (h - 1) / 2.0);
    assert_int_equal(lab[(size_t)w * h - 1], 1);
    free(b);
    free(lab);
    free(m);
}

/* A checkerboard: every pixel its own provisional label at first, all joined by diagonals. */
static void test_blobs_checkerboard(void **state)
{
    (void)state;
    const int w = 301, h = 203;
    uint8_t *m = malloc((size_t)w * h);
    assert_non_null(m);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            m[y * w + x] = (x + y) % 2 == 0;
    struct blob *b;
    int n;
    find_ok(m, w, h, NULL, NULL, &b, &n);
    assert_int_equal(n, 1);
    assert_int_equal(b[0].area, (w * h + 1) / 2);
    free(b);
    free(m);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blobs_two_squares),
        cmocka_unit_test(test_blobs_diagonal_is_connected),
        cmocka_unit_test(test_blobs_late_joins_and_order),
        cmocka_unit_test(test_blobs_ink_weighted_centre),
        cmocka_unit_test(test_blobs_border_flags),
        cmocka_unit_test(test_blobs_empty_and_thin),
        cmocka_unit_test(test_blobs_invalid_size),
        cmocka_unit_test(test_blobs_big_pictures),
        cmocka_unit_test(test_blobs_checkerboard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
