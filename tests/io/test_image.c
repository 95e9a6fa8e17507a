/* image.c and its decoders, in memory: each format's variants decode to the pixels written
 * (PNG by libpng and JPEG by libjpeg, as the test writes them here; BMP and PGM/PPM built byte
 * by byte), every prefix of a file is refused (no decoder reads past what it was given or
 * decodes what is missing), headers that lie are refused by name, and sizes are checked before
 * memory is taken. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "resnet_mnist/io/image.h"

#define W 7
#define H 5

/* A test pattern: pixel (x, y) channel c. */
static uint8_t pattern(int x, int y, int c)
{
    return (uint8_t)(x * 37 + y * 11 + c * 70);
}

static void expect_decoded(const uint8_t *d, size_t len, int w, int h, int ch, const char *what,
                           uint8_t (*want)(int, int, int))
{
    uint8_t *px;
    int gw, gh, gc;
    struct rm_status st;
    if (image_decode(d, len, what, &px, &gw, &gh, &gc, &st) != 0)
        fail_msg("%s: %s", what, st.msg);
    if (gw != w || gh != h || gc != ch)
        fail_msg("%s: %dx%d x%d, expected %dx%d x%d", what, gw, gh, gc, w, h, ch);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < ch; c++)
                if (px[(y * w + x) * ch + c] != want(x, y, c))
                    fail_msg("%s: pixel (%d, %d) channel %d is %d, expected %d", what, x, y, c,
                             px[(y * w + x) * ch + c], want(x, y, c));
    free(px);
}

/* Every proper prefix of the file is refused with "<name>: cannot read image: ..." and leaves
 * the outputs empty; the first `from` bytes are skipped (a prefix may be a whole picture of a
 * format that allows trailing bytes). */
static void expect_prefixes_refused(const uint8_t *d, size_t len, const char *what)
{
    for (size_t n = 0; n < len; n++) {
        uint8_t *px = (uint8_t *)"x";
        int w = 1, h = 1, c = 1;
        struct rm_status st;
        if (image_decode(d, n, what, &px, &w, &h, &c, &st) == 0)
            fail_msg("%s cut to %zu of %zu bytes: decoded", what, n, len);
        if (!strstr(st.msg, "cannot read image: ") || strncmp(st.msg, what, strlen(what)) != 0)
            fail_msg("%s cut to %zu bytes: '%s'", what, n, st.msg);
        assert_null(px);
        assert_int_equal(w | h | c, 0);
    }
}

/* ---- PNG, written by libpng ---- */

struct membuf {
    uint8_t *d;
    size_t len, cap;
};

static void mem_write(png_structp png, png_bytep p, size_t n)
{
    struct membuf *m = png_get_io_ptr(png);
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2;
        m->d = realloc(m->d, m->cap);
        assert_non_null(m->d);
    }
    memcpy(m->d + m->len, p, n);
    m->len += n;
}

static void mem_flush(png_structp png)
{
    (void)png;
}

/* A w x h PNG of colour type `type`, bit depth `depth`, from rows of the given bytes. */
static uint8_t *write_png(int type, int depth, int interlace, const uint8_t *rows, size_t stride,
                          int w, int h, const png_color *palette, int npal, const uint8_t *trns,
                          int ntrns, size_t *len)
{
    struct membuf m = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("libpng could not write the test picture");
    png_set_write_fn(png, &m, mem_write, mem_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(png, info, palette, npal);
    if (trns)
        png_set_tRNS(png, info, trns, ntrns, NULL);
    png_bytep *rp = malloc((size_t)h * sizeof *rp);
    assert_non_null(rp);
    for (int y = 0; y < h; y++)
        rp[y] = (png_bytep)(rows + (size_t)y * stride);
    png_set_rows(png, info, rp);
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    png_destroy_write_struct(&png, &info);
    free(rp);
    *len = m.len;
    return m.d;
}

static uint8_t want_rgba(int x, int y, int c)
{
    return pattern(x, y, c);
}

static uint8_t want_palette(int x, int y, int c)
{
    int k = (x + y) % 4;
    return c == 3 ? (k == 1 ? 0 : 255) : (uint8_t)(k * 60 + c * 10);
}

static uint8_t want_grey4(int x, int y, int c)
{
    (void)c;
    return (uint8_t)(((x + 2 * y) % 16) * 17);
}

static void test_image_png_variants(void **state)
{
    (void)state;
    uint8_t rows[H][W * 8];
    size_t len;
    /* RGBA 8-bit, and interlaced */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 4; c++)
                rows[y][x * 4 + c] = pattern(x, y, c);
    for (int il = 0; il < 2; il++) {
        uint8_t *png = write_png(PNG_COLOR_TYPE_RGBA, 8, il, &rows[0][0], sizeof rows[0], W, H,
                                 NULL, 0, NULL, 0, &len);
        expect_decoded(png, len, W, H, 4, il ? "rgba-interlaced.png" : "rgba.png", want_rgba);
        expect_prefixes_refused(png, len, "rgba.png");
        free(png);
    }
    /* 16-bit RGB: the high byte of each sample */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++)
                rows[y][x * 6 + 2 * c] = pattern(x, y, c), rows[y][x * 6 + 2 * c + 1] = 0x99;
    uint8_t *png = write_png(PNG_COLOR_TYPE_RGB, 16, 0, &rows[0][0], sizeof rows[0], W, H, NULL, 0,
                             NULL, 0, &len);
    expect_decoded(png, len, W, H, 3, "rgb16.png", want_rgba);
    free(png);
    /* a palette with one transparent entry: RGBA */
    png_color pal[4];
    for (int k = 0; k < 4; k++)
        pal[k].red = (png_byte)(k * 60), pal[k].green = (png_byte)(k * 60 + 10),
        pal[k].blue = (png_byte)(k * 60 + 20);
    const uint8_t trns[2] = {255, 0};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            rows[y][x] = (uint8_t)((x + y) % 4);
    png = write_png(PNG_COLOR_TYPE_PALETTE, 8, 0, &rows[0][0], sizeof rows[0], W, H, pal, 4, trns,
                    2, &len);
    expect_decoded(png, len, W, H, 4, "palette.png", want_palette);
    free(png);
    /* 4-bit grey, packed two pixels a byte: expanded to 8 bits */
    memset(rows, 0, sizeof rows);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            rows[y][x / 2] |= (uint8_t)(((x + 2 * y) % 16) << (x % 2 ? 0 : 4));
    png = write_png(PNG_COLOR_TYPE_GRAY, 4, 0, &rows[0][0], sizeof rows[0], W, H, NULL, 0, NULL, 0,
                    &len);
    expect_decoded(png, len, W, H, 1, "grey4.png", want_grey4);
    /* a CRC error in a critical chunk (IHDR) is an error */
    png[29] ^= 1;
    uint8_t *px;
    int w, h, c;
    struct rm_status st;
    assert_int_equal(image_decode(png, len, "crc.png", &px, &w, &h, &c, &st), -1);
    assert_non_null(strstr(st.msg, "crc.png: cannot read image: IHDR: CRC error"));
    free(png);
}

/* ---- JPEG, written by libjpeg ---- */

static void test_image_jpeg_grey_rgb_cmyk(void **state)
{
    (void)state;
    enum { JW = 16, JH = 16 };
    uint8_t px[JW * JH * 4];
    memset(px, 100, sizeof px);
    for (int ch = 1; ch <= 3; ch += 2) {       /* grey, then RGB */
        for (int i = 0; i < JW * JH * ch; i++) /* smooth, so that JPEG keeps it well */
            px[i] = (uint8_t)(40 + i / ch % JW * 6 + i / ch / JW * 3 + i % ch * 10);
        size_t len;
        uint8_t *j = tu_write_jpeg(px, JW, JH, ch, 100, NULL, 0, &len);
        uint8_t *out;
        int w, h, c;
        struct rm_status st;
        if (image_decode(j, len, "x.jpg", &out, &w, &h, &c, &st) != 0)
            fail_msg("%s", st.msg);
        assert_int_equal(w, JW);
        assert_int_equal(h, JH);
        assert_int_equal(c, ch);
        int worst = 0; /* quality 100: close, not exact */
        for (int i = 0; i < JW * JH * c; i++) {
            int d = abs((int)out[i] - (int)px[i]);
            worst = d > worst ? d : worst;
        }
        if (worst > 8)
            fail_msg("%d channels: off by up to %d", c, worst);
        free(out);
        expect_prefixes_refused(j, len, "x.jpg");
        free(j);
    }
    size_t len;
    uint8_t *j = tu_write_jpeg(px, JW, JH, 4, 100, NULL, 0, &len);
    uint8_t *out;
    int w, h, c;
    struct rm_status st;
    assert_int_equal(image_decode(j, len, "cmyk.jpg", &out, &w, &h, &c, &st), -1);
    assert_non_null(strstr(st.msg, "cmyk.jpg: cannot read image: a CMYK JPEG"));
    free(j);
}

/* ---- BMP, byte by byte ---- */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A BMP with a 40-byte header (or `header` bytes), `extra` bytes of masks or palette after it,
 * then rows of `stride` bytes (bottom-up when h > 0). Returns the length; buf has room. */
static size_t bmp_start(uint8_t *buf, int header, int w, int h, int bpp, int compression,
                        size_t extra, size_t stride)
{
    size_t off = 14 + (size_t)header + extra, len = off + stride * (size_t)(h < 0 ? -h : h);
    memset(buf, 0, len);
    buf[0] = 'B', buf[1] = 'M';
    put32(buf + 2, (uint32_t)len);
    put32(buf + 10, (uint32_t)off);
    put32(buf + 14, (uint32_t)header);
    put32(buf + 18, (uint32_t)w);
    put32(buf + 22, (uint32_t)h);
    buf[26] = 1;
    buf[28] = (uint8_t)bpp;
    put32(buf + 30, (uint32_t)compression);
    return len;
}

static uint8_t want_bmp_pal(int x, int y, int c)
{
    int k = (x + y) % 2;
    return (uint8_t)(k ? 200 + c : 10 + c); /* palette entries are B, G, R, 0 */
}

static uint8_t want_565(int x, int y, int c)
{
    unsigned v = c == 1 ? (unsigned)(x + y) % 64 : (unsigned)(x * 3 + c) % 32;
    unsigned max = c == 1 ? 63 : 31;
    return (uint8_t)((v * 255 + max / 2) / max);
}

static uint8_t want_argb(int x, int y, int c)
{
    return c == 3 ? (uint8_t)(x * 30) : pattern(x, y, c);
}

static void test_image_bmp_variants(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    /* 1-bit, bottom-up, two palette entries */
    size_t len = bmp_start(buf, 40, W, H, 1, 0, 8, 4);
    const uint8_t pal[8] = {12, 11, 10, 0, 202, 201, 200, 0};
    memcpy(buf + 54, pal, 8);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if ((x + y) % 2)
                buf[62 + (size_t)(H - 1 - y) * 4] |= (uint8_t)(0x80 >> x);
    expect_decoded(buf, len, W, H, 3, "1bit.bmp", want_bmp_pal);
    expect_prefixes_refused(buf, len, "1bit.bmp");
    /* the same as 4-bit, top-down, palette of 2 given in biClrUsed */
    len = bmp_start(buf, 40, W, -H, 4, 0, 8, 4);
    put32(buf + 46, 2);
    memcpy(buf + 54, pal, 8);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            buf[62 + (size_t)y * 4 + x / 2] |= (uint8_t)(((x + y) % 2) << (x % 2 ? 0 : 4));
    expect_decoded(buf, len, W, H, 3, "4bit.bmp", want_bmp_pal);
    /* a pixel past the palette is refused */
    buf[62] |= 0x30;
    uint8_t *px;
    int w, h, c;
    struct rm_status st;
    assert_int_equal(image_decode(buf, len, "pal.bmp", &px, &w, &h, &c, &st), -1);
    assert_non_null(strstr(st.msg, "corrupt BMP (colour 3 of a palette of 2)"));
    /* 16-bit 5-6-5 through BI_BITFIELDS masks after the header */
    len = bmp_start(buf, 40, W, H, 16, 3, 12, 16);
    put32(buf + 54, 0xf800), put32(buf + 58, 0x07e0), put32(buf + 62, 0x001f);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            unsigned v = ((unsigned)(x * 3) % 32) << 11 | ((unsigned)(x + y) % 64) << 5 |
                         (unsigned)(x * 3 + 2) % 32;
            uint8_t *p = buf + 66 + (size_t)(H - 1 - y) * 16 + 2 * x;
            p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
        }
    expect_decoded(buf, len, W, H, 3, "565.bmp", want_565);
    expect_prefixes_refused(buf, len, "565.bmp");
    /* 32-bit with alpha (V5 header with masks), and the same with the alpha byte all zero:
     * opaque */
    for (int zero_alpha = 0; zero_alpha < 2; zero_alpha++) {
        len = bmp_start(buf, 124, W, H, 32, 3, 0, 4 * W);
        put32(buf + 54, 0x00ff0000), put32(buf + 58, 0x0000ff00), put32(buf + 62, 0x000000ff);
        put32(buf + 66, 0xff000000u);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                uint8_t *p = buf + 138 + (size_t)(H - 1 - y) * 4 * W + 4 * x;
                p[0] = pattern(x, y, 2), p[1] = pattern(x, y, 1), p[2] = pattern(x, y, 0);
                p[3] = zero_alpha ? 0 : (uint8_t)(x * 30);
            }
        if (!zero_alpha) {
            expect_decoded(buf, len, W, H, 4, "argb.bmp", want_argb);
            continue;
        }
        assert_int_equal(image_decode(buf, len, "x.bmp", &px, &w, &h, &c, &st), 0);
        assert_int_equal(c, 4);
        for (int i = 0; i < W * H; i++)
            assert_int_equal(px[4 * i + 3], 255);
        free(px);
    }
    /* headers that lie */
    const struct {
        int header, w, h, bpp, compression;
        const char *want;
    } bad[] = {
        {40, W, H, 24, 1, "compressed (RLE) BMP"},
        {40, W, H, 24, 4, "a BMP holding a JPEG"},
        {40, W, H, 24, 9, "unknown BMP compression 9"},
        {40, W, H, 7, 0, "unsupported BMP depth (7 bits a pixel)"},
        {40, W, H, 24, 3, "BMP colour masks for 24-bit pixels"},
        {64, W, H, 24, 0, "unsupported BMP header (64 bytes)"},
        {40, -W, H, 24, 0, "corrupt BMP header (width -7)"},
        {40, 0, H, 24, 0, "no pixels (0x5)"},
        {40, 70000, 70000, 24, 0, "image too large (70000x70000 pixels"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        len = bmp_start(buf, bad[i].header, 1, 1, bad[i].bpp, bad[i].compression, 0, 4);
        put32(buf + 18, (uint32_t)bad[i].w);
        put32(buf + 22, (uint32_t)bad[i].h);
        assert_int_equal(image_decode(buf, len, "bad.bmp", &px, &w, &h, &c, &st), -1);
        if (!strstr(st.msg, bad[i].want))
            fail_msg("case %zu: '%s'", i, st.msg);
    }
    /* pixels said to start inside the header, and masks that are not one run of bits */
    len = bmp_start(buf, 40, 1, 1, 24, 0, 0, 4);
    put32(buf + 10, 20);
    assert_int_equal(image_decode(buf, len, "bad.bmp", &px, &w, &h, &c, &st), -1);
    assert_non_null(strstr(st.msg, "inside the header"));
    len = bmp_start(buf, 40, 1, 1, 32, 3, 12, 4);
    put32(buf + 54, 0x00ff00ff), put32(buf + 58, 0xff00), put32(buf + 62, 0xff);
    assert_int_equal(image_decode(buf, len, "bad.bmp", &px, &w, &h, &c, &st), -1);
    assert_non_null(strstr(st.msg, "corrupt BMP colour mask 0x00ff00ff"));
}

/* ---- PGM/PPM ---- */

static uint8_t want_pnm16(int x, int y, int c)
{
    unsigned v = (unsigned)(x * 1000 + y * 77 + c * 5);
    return (uint8_t)((v * 255 + 500) / 1000 > 255 ? 255 : (v * 255 + 500) / 1000);
}

static uint8_t want_plain(int x, int y, int c)
{
    return pattern(x, y, c);
}

static void test_image_pnm_variants(void **state)
{
    (void)state;
    static uint8_t buf[1024];
    /* P6 with comments in the header, maxval 255; bytes after the picture are ignored */
    int n = snprintf((char *)buf, sizeof buf, "P6 # a comment\n%d\n# another\n%d 255\n", W, H);
    for (int i = 0; i < W * H * 3; i++)
        buf[n + i] = pattern(i / 3 % W, i / 3 / W, i % 3);
    size_t len = (size_t)n + W * H * 3;
    expect_decoded(buf, len, W, H, 3, "c.ppm", want_plain);
    expect_prefixes_refused(buf, len, "c.ppm");
    expect_decoded(buf, len + 5, W, H, 3, "c.ppm", want_plain);
    /* P5 with 16-bit samples, maxval 1000; a sample above the maximum reads as the maximum */
    n = snprintf((char *)buf, sizeof buf, "P5\n%d %d\n1000\n", W, H);
    for (int i = 0; i < W * H; i++) {
        unsigned v = (unsigned)(i % W * 1000 + i / W * 77);
        buf[n + 2 * i] = (uint8_t)(v >> 8), buf[n + 2 * i + 1] = (uint8_t)v;
    }
    len = (size_t)n + 2 * W * H;
    expect_decoded(buf, len, W, H, 1, "16.pgm", want_pnm16);
    expect_prefixes_refused(buf, len, "16.pgm");
    const struct {
        const char *text, *want;
    } bad[] = {
        {"P5\n7 5\n0\n", "maximum value 0"},
        {"P5\n7 5\n65536\n", "maximum value 65536"},
        {"P5\n7 x\n255\n", "corrupt PGM header"},
        {"P5\n7 5\n255", "truncated file in the PGM header"},
        {"P5\n0 5\n255\n", "no pixels (0x5)"},
        {"P5\n99999999999 1\n255\n", "image too large"},
        {"P5x7 5 255\n", "corrupt PGM header"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *px;
        int w, h, c;
        struct rm_status st;
        assert_int_equal(image_decode((const uint8_t *)bad[i].text, strlen(bad[i].text), "bad.pgm",
                                      &px, &w, &h, &c, &st),
                         -1);
        if (!strstr(st.msg, bad[i].want))
            fail_msg("'%s': '%s'", bad[i].text, st.msg);
    }
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_png_variants),
        cmocka_unit_test(test_image_jpeg_grey_rgb_cmyk),
        cmocka_unit_test(test_image_bmp_variants),
        cmocka_unit_test(test_image_pnm_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
