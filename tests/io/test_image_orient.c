/* Tests of image_orient.c: the eight EXIF orientations applied to a small picture whose every
 * pixel is known; the Orientation tag read from hand-made EXIF blocks (both byte orders, every
 * value, wrong types, values out of range, every cut of a valid block, bytes that are not
 * EXIF); and JPEGs written by libjpeg with such a block in an APP1 marker come out of
 * image_decode turned for display. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/image.h"
#include "resnet_mnist/io/image_orient.h"

/* The stored picture, 3 x 2:  a b c / d e f. */
static const uint8_t stored[6] = {'a', 'b', 'c', 'd', 'e', 'f'};
/* What each orientation displays (rows of the displayed picture, 3 x 2 or 2 x 3). */
static const char *const shown[9] = {NULL,     "abcdef", "cbafed", "fedcba", "defabc",
                                     "adbecf", "daebfc", "fcebda", "cfbead"};

static void test_image_orient_apply_all_eight(void **state)
{
    (void)state;
    struct rm_status st;
    for (int o = 1; o <= 8; o++) {
        for (int channels = 1; channels <= 3; channels += 2) {
            uint8_t *px = malloc(6 * (size_t)channels);
            assert_non_null(px);
            for (int i = 0; i < 6; i++)
                for (int c = 0; c < channels; c++)
                    px[i * channels + c] = (uint8_t)(stored[i] + 10 * c);
            int w = 3, h = 2;
            assert_int_equal(image_orient_apply(&px, &w, &h, channels, o, &st), 0);
            assert_int_equal(w, o >= 5 ? 2 : 3);
            assert_int_equal(h, o >= 5 ? 3 : 2);
            for (int i = 0; i < 6; i++)
                for (int c = 0; c < channels; c++)
                    if (px[i * channels + c] != (uint8_t)(shown[o][i] + 10 * c))
                        fail_msg("orientation %d, %d channels: pixel %d is %c, expected %c", o,
                                 channels, i, px[i * channels + c] - 10 * c, shown[o][i]);
            free(px);
        }
    }
    /* values outside 1..8 change nothing */
    uint8_t *px = malloc(6);
    assert_non_null(px);
    memcpy(px, stored, 6);
    int w = 3, h = 2;
    for (int o = -1; o <= 9; o += 10) {
        assert_int_equal(image_orient_apply(&px, &w, &h, 1, o, &st), 0);
        assert_int_equal(w, 3);
        assert_memory_equal(px, stored, 6);
    }
    free(px);
}

/* An APP1 body: "Exif\0\0", a TIFF header in the byte order given ('I' or 'M') and IFD0 with
 * the one entry Orientation of the given type and value. Returns its length (26 + 6). */
static size_t exif_block(uint8_t *b, char order, uint16_t type, uint32_t value)
{
    int le = order == 'I';
    size_t k = 0;
#define PUT16(v)                                                                                   \
    do {                                                                                           \
        uint16_t v_ = (uint16_t)(v);                                                               \
        b[k++] = (uint8_t)(le ? v_ & 0xff : v_ >> 8);                                              \
        b[k++] = (uint8_t)(le ? v_ >> 8 : v_ & 0xff);                                              \
    } while (0)
#define PUT32(v)                                                                                   \
    do {                                                                                           \
        uint32_t w_ = (uint32_t)(v);                                                               \
        PUT16(le ? w_ & 0xffff : w_ >> 16);                                                        \
        PUT16(le ? w_ >> 16 : w_ & 0xffff);                                                        \
    } while (0)
    memcpy(b, "Exif\0\0", 6);
    k = 6;
    b[k++] = (uint8_t)order;
    b[k++] = (uint8_t)order;
    PUT16(42);
    PUT32(8);      /* IFD0 at offset 8 of the TIFF data */
    PUT16(1);      /* one entry */
    PUT16(0x0112); /* Orientation */
    PUT16(type);
    PUT32(1); /* one value */
    if (type == 4) {
        PUT32(value);
    } else {
        PUT16(value);
        PUT16(0);
    }
    PUT32(0); /* no next IFD */
#undef PUT16
#undef PUT32
    return k;
}

static void test_image_orient_from_exif(void **state)
{
    (void)state;
    uint8_t b[64];
    for (int i = 0; i < 2; i++) {
        char order = i ? 'M' : 'I';
        for (uint32_t v = 1; v <= 8; v++) {
            size_t n = exif_block(b, order, 3, v);
            assert_int_equal(n, 32);
            assert_int_equal(image_orient_from_exif(b, n), (int)v);
        }
        /* out of range, or not a SHORT: as stored */
        const uint32_t bad[] = {0, 9, 255, 65535};
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
            assert_int_equal(image_orient_from_exif(b, exif_block(b, order, 3, bad[k])), 1);
        assert_int_equal(image_orient_from_exif(b, exif_block(b, order, 4, 6)), 1);
        /* every cut of a valid block: no crash, and 1 until the value is complete */
        size_t n = exif_block(b, order, 3, 6);
        for (size_t cut = 0; cut < n; cut++) {
            int o = image_orient_from_exif(b, cut);
            if (o != 1 && o != 6)
                fail_msg("cut at %zu of %zu: orientation %d", cut, n, o);
            if (cut < 26 && o != 1)
                fail_msg("cut at %zu, before the value: orientation %d", cut, o);
        }
        /* an IFD offset pointing outside the block */
        exif_block(b, order, 3, 6);
        b[10 + (order == 'I' ? 0 : 3)] = 0xf0;
        assert_int_equal(image_orient_from_exif(b, n), 1);
    }
    /* not EXIF at all */
    assert_int_equal(image_orient_from_exif(NULL, 0), 1);
    assert_int_equal(image_orient_from_exif((const uint8_t *)"Exif", 4), 1);
    size_t n = exif_block(b, 'I', 3, 6);
    b[0] = 'X';
    assert_int_equal(image_orient_from_exif(b, n), 1);
    uint8_t noise[300];
    uint32_t seed = 7;
    for (int round = 0; round < 200; round++) {
        memcpy(noise, "Exif\0\0II*\0\x08\0\0\0", 14);
        for (size_t i = 14; i < sizeof noise; i++) {
            seed = seed * 1664525u + 1013904223u;
            noise[i] = (uint8_t)(seed >> 24);
        }
        int o = image_orient_from_exif(noise, sizeof noise);
        assert_in_range(o, 1, 8);
    }
}

/* A 24 x 16 grey picture of six 8 x 8 blocks, levels a..f as `stored` (times 40 + 20), encoded
 * at quality 100 with the APP1 block app1 (none when NULL). Caller frees. */
static uint8_t *jpeg_with_exif(const uint8_t *app1, size_t app1_len, size_t *len)
{
    uint8_t px[24 * 16];
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 24; x++)
            px[y * 24 + x] = (uint8_t)(20 + 40 * (stored[(y / 8) * 3 + x / 8] - 'a'));
    return tu_write_jpeg(px, 24, 16, 1, 100, app1, app1_len, len);
}

/* The block (bx, by) of a decoded picture, read at its centre: the letter it shows. */
static char block_at(const uint8_t *px, int w, int bx, int by)
{
    int v = px[(by * 8 + 4) * w + bx * 8 + 4];
    int k = (v - 20 + 20) / 40;
    assert_true(abs(v - (20 + 40 * k)) <= 3);
    return (char)('a' + k);
}

static void test_image_orient_jpeg_decoded_turned(void **state)
{
    (void)state;
    for (int o = 0; o <= 8; o++) {
        uint8_t app1[64];
        size_t alen = o ? exif_block(app1, o % 2 ? 'I' : 'M', 3, (uint32_t)o) : 0;
        size_t len;
        uint8_t *jpg = jpeg_with_exif(o ? app1 : NULL, alen, &len);
        uint8_t *px;
        int w, h, c;
        struct rm_status st;
        if (image_decode(jpg, len, "t.jpg", &px, &w, &h, &c, &st) != 0)
            fail_msg("orientation %d: %s", o, st.msg);
        free(jpg);
        int turned = o >= 5;
        assert_int_equal(w, turned ? 16 : 24);
        assert_int_equal(h, turned ? 24 : 16);
        assert_int_equal(c, 1);
        const char *want = shown[o ? o : 1];
        int bw = w / 8;
        for (int i = 0; i < 6; i++)
            if (block_at(px, w, i % bw, i / bw) != want[i])
                fail_msg("orientation %d: block %d shows %c, expected %c", o, i,
                         block_at(px, w, i % bw, i / bw), want[i]);
        free(px);
    }
    /* a corrupt EXIF block is ignored: the picture as stored */
    uint8_t app1[64];
    size_t alen = exif_block(app1, 'I', 3, 6), len;
    app1[8] = 'X'; /* not a TIFF header */
    uint8_t *jpg = jpeg_with_exif(app1, alen, &len), *px;
    int w, h, c;
    struct rm_status st;
    assert_int_equal(image_decode(jpg, len, "t.jpg", &px, &w, &h, &c, &st), 0);
    assert_int_equal(w, 24);
    assert_int_equal(h, 16);
    assert_int_equal(block_at(px, w, 0, 0), 'a');
    free(px);
    free(jpg);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_orient_apply_all_eight),
        cmocka_unit_test(test_image_orient_from_exif),
        cmocka_unit_test(test_image_orient_jpeg_decoded_turned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
