/* Tests of cut_path.c: the least-ink path down a map follows a blank valley, straight or
 * bent, crosses a stroke that spans the window where it must (and says how much ink), stays
 * in its window, and prefers the window's middle when all is blank. */
#include "test_util.h"

#include <stdlib.h>

#include "resnet_mnist/io/cut_path.h"

enum { W = 12, H = 10 };

static void fill_all(float *m, float v)
{
    for (int i = 0; i < W * H; i++)
        m[i] = v;
}

/* A blank column in ink: the path goes straight down it, crossing nothing. */
static void test_cut_path_straight_valley(void **state)
{
    (void)state;
    float m[W * H];
    int path[H];
    fill_all(m, 1.0f);
    for (int y = 0; y < H; y++)
        m[y * W + 7] = 0.0f;
    assert_float_equal(cut_path_find(m, W, H, 2, 10, path), 0.0, 1e-9);
    for (int y = 0; y < H; y++)
        assert_int_equal(path[y], 7);
}

/* A blank staircase (one column to the right per row): followed, though no column is blank. */
static void test_cut_path_bent_valley(void **state)
{
    (void)state;
    float m[W * H];
    int path[H];
    fill_all(m, 1.0f);
    for (int y = 0; y < H; y++)
        m[y * W + 1 + y] = 0.0f;
    assert_float_equal(cut_path_find(m, W, H, 0, W, path), 0.0, 1e-9);
    for (int y = 0; y < H; y++)
        assert_int_equal(path[y], 1 + y);
}

/* A stroke across the whole window (row 4, ink 0.5) over blank paper: crossed once, straight
 * down the window's middle, and its ink returned. */
static void test_cut_path_crosses_a_stroke(void **state)
{
    (void)state;
    float m[W * H];
    int path[H];
    fill_all(m, 0.0f);
    for (int x = 0; x < W; x++)
        m[4 * W + x] = 0.5f;
    assert_float_equal(cut_path_find(m, W, H, 3, 8, path), 0.5, 1e-9);
    for (int y = 0; y < H; y++)
        assert_int_equal(path[y], 5);
}

/* The blank column lies outside the window [2, 6): the path stays inside, through the least
 * ink there (column 5, 0.25 a pixel). */
static void test_cut_path_stays_in_window(void **state)
{
    (void)state;
    float m[W * H];
    int path[H];
    fill_all(m, 1.0f);
    for (int y = 0; y < H; y++) {
        m[y * W + 9] = 0.0f;
        m[y * W + 5] = 0.25f;
    }
    assert_float_equal(cut_path_find(m, W, H, 2, 6, path), 0.25 * H, 1e-6);
    for (int y = 0; y < H; y++)
        assert_int_equal(path[y], 5);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_path_straight_valley),
        cmocka_unit_test(test_cut_path_bent_valley),
        cmocka_unit_test(test_cut_path_crosses_a_stroke),
        cmocka_unit_test(test_cut_path_stays_in_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
