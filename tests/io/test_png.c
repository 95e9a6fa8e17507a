/* png.c: png_write's pictures read back pixel for pixel (through stb_image, digit_prep's
 * loader, a decoder independent of the encoder) for every channel count, its header fields, the
 * size limits, and its refusals, which leave any existing file as it was. */
#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/digit_prep.h"
#include "resnet_mnist/io/png.h"

/* A w x h picture of `channels` bytes a pixel where every byte differs from its neighbours. */
static uint8_t *pattern(int w, int h, int channels)
{
    size_t n = (size_t)w * h * channels;
    uint8_t *px = malloc(n);
    assert_non_null(px);
    for (size_t i = 0; i < n; i++)
        px[i] = (uint8_t)(i * 37 + i / 251);
    return px;
}

/* Writes the picture, reads it back and compares every byte. */
static void round_trip(const char *path, int w, int h, int channels)
{
    uint8_t *px = pattern(w, h, channels), *back;
    struct rm_status st;
    if (png_write(path, px, w, h, channels, &st) != 0)
        fail_msg("%s", st.msg);
    int bw, bh, bc;
    if (digit_prep_load_image(path, &back, &bw, &bh, &bc, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(bw, w);
    assert_int_equal(bh, h);
    assert_int_equal(bc, channels);
    assert_memory_equal(back, px, (size_t)w * h * channels);
    free(back);
    free(px);
}

/* Grey, grey + alpha, RGB and RGBA, on sizes that are not multiples of anything. */
static void test_png_round_trip_every_channel_count(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "x.png");
    const int sizes[][2] = {{1, 1}, {13, 7}, {200, 150}, {3, 300}};
    for (int c = 1; c <= 4; c++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            round_trip(path, sizes[s][0], sizes[s][1], c);
    free(path);
    tu_remove_dir(dir);
}

/* The signature, then IHDR: width, height, 8 bits a sample, the colour type of the channel
 * count (0 grey, 4 grey + alpha, 2 RGB, 6 RGBA), no interlace. */
static void test_png_header_fields(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "x.png");
    const uint8_t colour_type[5] = {0, 0, 4, 2, 6};
    for (int c = 1; c <= 4; c++) {
        uint8_t *px = pattern(300, 2, c);
        struct rm_status st;
        assert_int_equal(png_write(path, px, 300, 2, c, &st), 0);
        size_t len;
        uint8_t *b = tu_read_file(path, &len);
        assert_true(len > 33);
        assert_memory_equal(b, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
        assert_int_equal(bytes_load_be32(b + 16), 300);
        assert_int_equal(bytes_load_be32(b + 20), 2);
        assert_int_equal(b[24], 8);
        assert_int_equal(b[25], colour_type[c]);
        assert_int_equal(b[28], 0);
        /* and the file ends with the IEND chunk */
        assert_memory_equal(b + len - 12, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
        free(b);
        free(px);
    }
    free(path);
    tu_remove_dir(dir);
}

/* png_write refuses bad sizes without creating a file, and names the path when it cannot
 * write. */
static void test_png_write_errors(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "x.png"), *nodir = tu_path(dir, "no/such/dir/x.png");
    uint8_t px[12] = {0};
    struct rm_status st;
    assert_int_equal(png_write(path, px, 0, 2, 1, &st), -1);
    assert_non_null(strstr(st.msg, "x.png: cannot write PNG: invalid size 0x2 with 1 channels"));
    assert_int_equal(png_write(path, px, 2, 2, 5, &st), -1);
    assert_int_equal(png_write(path, px, 70000, 1, 1, &st), -1);
    size_t len;
    FILE *fp = fopen(path, "rb");
    assert_null(fp);
    assert_int_equal(png_write(nodir, px, 2, 2, 3, &st), -1);
    assert_non_null(strstr(st.msg, "no/such/dir/x.png"));
    /* a good one starts with the PNG signature */
    assert_int_equal(png_write(path, px, 2, 2, 3, &st), 0);
    uint8_t *bytes = tu_read_file(path, &len);
    assert_true(len > 8);
    assert_memory_equal(bytes, "\x89PNG\r\n\x1a\n", 8);
    free(bytes);
    free(path);
    free(nodir);
    tu_remove_dir(dir);
}

/* The limits are 1..65535 a side and less than 512 MiB of pixels; too much is refused before
 * a byte of the pixels is read (the buffers passed here are tiny). */
static void test_png_size_limits(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "x.png");
    uint8_t px[4] = {0};
    struct rm_status st;
    const int bad[][3] = {{65536, 1, 1},   {1, 65536, 1}, {-1, 1, 1},        {1, 0, 1},
                          {1, 1, 0},       {1, 1, -3},    {65535, 65535, 1}, /* 4 GiB */
                          {16384, 8192, 4} /* 512 MiB exactly */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(st.msg, 0, sizeof st.msg);
        assert_int_equal(png_write(path, px, bad[i][0], bad[i][1], bad[i][2], &st), -1);
        char want[128];
        snprintf(want, sizeof want, "x.png: cannot write PNG: invalid size %dx%d with %d channels",
                 bad[i][0], bad[i][1], bad[i][2]);
        if (!strstr(st.msg, want))
            fail_msg("%dx%dx%d: '%s'", bad[i][0], bad[i][1], bad[i][2], st.msg);
    }
    struct stat sb;
    assert_int_equal(stat(path, &sb), -1);
    /* the longest rows allowed */
    round_trip(path, 65535, 1, 1);
    round_trip(path, 1, 65535, 1);
    free(path);
    tu_remove_dir(dir);
}

/* Names in a folder other than . and .., counted. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* A refusal or a failure leaves an existing file as it was and no temporary file behind; a
 * success replaces the file whole. */
static void test_png_failure_leaves_the_old_file(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "x.png");
    uint8_t *a = pattern(20, 10, 3), *b = pattern(5, 5, 1);
    struct rm_status st;
    assert_int_equal(png_write(path, a, 20, 10, 3, &st), 0);
    size_t len0, len;
    uint8_t *before = tu_read_file(path, &len0), *now;

    assert_int_equal(png_write(path, b, 0, 5, 1, &st), -1);
    assert_int_equal(png_write(path, NULL, 5, 5, 1, &st), -1);
    assert_non_null(strstr(st.msg, "x.png: cannot write PNG: no pixels"));
    assert_int_equal(png_write(NULL, b, 5, 5, 1, &st), -1);
    assert_string_equal(st.msg, "(null): cannot write PNG: no path");
    now = tu_read_file(path, &len);
    assert_int_equal(len, len0);
    assert_memory_equal(now, before, len0);
    free(now);

    /* a folder in the way: the write fails naming it, the folder stays, nothing is left over */
    char *sub = tu_path(dir, "sub.png");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(png_write(sub, b, 5, 5, 1, &st), -1);
    assert_non_null(strstr(st.msg, "sub.png"));
    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(entries(dir), 2);

    /* success replaces the picture */
    assert_int_equal(png_write(path, b, 5, 5, 1, &st), 0);
    uint8_t *back;
    int w, h, c;
    assert_int_equal(digit_prep_load_image(path, &back, &w, &h, &c, &st), 0);
    assert_true(w == 5 && h == 5 && c == 1);
    assert_memory_equal(back, b, 25);
    assert_int_equal(entries(dir), 2);
    free(back), free(before), free(a), free(b), free(sub), free(path);
    tu_remove_dir(dir);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_round_trip_every_channel_count),
        cmocka_unit_test(test_png_header_fields),
        cmocka_unit_test(test_png_write_errors),
        cmocka_unit_test(test_png_size_limits),
        cmocka_unit_test(test_png_failure_leaves_the_old_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
