/* Tests of text.c: the font search (RESNET_MNIST_FONT, the default font from fontconfig, the
 * built-in fallback, files that must be passed over: missing, garbage, cut, a FIFO, fonts with
 * absurd numbers), metrics and widths, and where text_draw puts its ink. Fonts
 * are compared by what they draw: the same font draws the same pixels. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resnet_mnist/io/text.h"

#define SYS_FONT  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define BOLD_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define SAMPLE_W  320
#define SAMPLE_H  140

static int group_setup(void **state)
{
    (void)state;
    /* The tests choose the font themselves; the caller's choice must not leak in. */
    unsetenv(TEXT_FONT_ENV);
    return 0;
}

/* Loads the font that RESNET_MNIST_FONT = env (NULL: unset) selects. */
static struct text_font *font_with_env(const char *env, int min_scale)
{
    if (env)
        assert_int_equal(setenv(TEXT_FONT_ENV, env, 1), 0);
    else
        unsetenv(TEXT_FONT_ENV);
    struct text_font *f = text_font_load(min_scale);
    unsetenv(TEXT_FONT_ENV);
    assert_non_null(f);
    return f;
}

/* What the font that env selects draws: a line of text, a rotated label and small digits.
 * Returns the raster's 8-bit pixels (caller frees). */
static uint8_t *sample(const char *env, int *truetype)
{
    struct text_font *f = font_with_env(env, 2);
    struct raster r;
    assert_int_equal(raster_init(&r, SAMPLE_W, SAMPLE_H), 0);
    struct raster_color ink = raster_color_hex(0x111111);
    assert_int_equal(
        text_draw(&r, f, "Test accuracy 0.9826", 18.0, 8, 6, 0.0, TEXT_VALIGN_TOP, ink, 0), 0);
    assert_int_equal(text_draw(&r, f, "epoch", 26.0, 300, 70, 0.5, TEXT_VALIGN_TOP, ink, 1), 0);
    assert_int_equal(
        text_draw(&r, f, "best 0.9912 @ 14", 11.5, 8, 120, 0.0, TEXT_VALIGN_BASELINE, ink, 0), 0);
    if (truetype)
        *truetype = text_font_is_truetype(f);
    text_font_free(f);
    return raster_take_rgb8(&r); /* r's pixels, now the caller's */
}

static int same(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, (size_t)SAMPLE_W * SAMPLE_H * 3 * sizeof *a) == 0;
}

static long dark_count(const uint8_t *rgb, size_t n)
{
    long k = 0;
    for (size_t i = 0; i < n; i++)
        k += rgb[3 * i] < 0.35f * 255.0f;
    return k;
}

static void test_text_builtin_font_when_none(void **state)
{
    (void)state;
    int tt_default, tt_none;
    uint8_t *dflt = sample(NULL, &tt_default);
    uint8_t *none = sample("none", &tt_none);
    assert_false(tt_none);
    /* With a system font the two differ; without one both used the built-in font. */
    if (access(SYS_FONT, R_OK) == 0) {
        assert_true(tt_default);
        assert_false(same(dflt, none));
    }
    /* The built-in font's text is there. */
    assert_true(dark_count(none, (size_t)SAMPLE_W * SAMPLE_H) > 200);
    free(dflt);
    free(none);
}

static void test_text_missing_font_file_falls_back(void **state)
{
    (void)state;
    int tt_default, tt_missing, tt_empty;
    uint8_t *dflt = sample(NULL, &tt_default);
    uint8_t *missing = sample("/nonexistent/NoSuchFont.ttf", &tt_missing);
    uint8_t *empty = sample("", &tt_empty);
    /* The named file is passed over and the search goes on as if it had not been named. */
    assert_int_equal(tt_missing, tt_default);
    assert_true(same(dflt, missing));
    assert_int_equal(tt_empty, tt_default);
    assert_true(same(dflt, empty));
    free(dflt);
    free(missing);
    free(empty);
}

static void test_text_garbage_font_file_falls_back(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    uint8_t *dflt = sample(NULL, NULL);
    char *junk = tu_path(dir, "junk.ttf");
    unsigned char bytes[1000];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 37 + 11);
    bytes[0] = 0, bytes[1] = 1, bytes[2] = 0, bytes[3] = 0; /* looks like a TrueType header */
    tu_write_file(junk, bytes, sizeof bytes);
    uint8_t *garbage = sample(junk, NULL);
    assert_true(same(dflt, garbage));
    free(garbage);

    /* A real font cut short: its tables point past the end of the file. */
    if (access(SYS_FONT, R_OK) == 0) {
        size_t flen;
        uint8_t *font = tu_read_file(SYS_FONT, &flen);
        assert_true(flen > 4096);
        tu_write_file(junk, font, 4096);
        free(font);
        uint8_t *cut = sample(junk, NULL);
        assert_true(same(dflt, cut));
        free(cut);
    }
    free(junk);
    free(dflt);
    tu_remove_dir(dir);
}

/* Needs DejaVu Sans (fonts-dejavu-core, scripts/install_deps.sh): a missing font fails the case
 * rather than passing it unchecked. */
static void test_text_font_from_environment(void **state)
{
    (void)state;
    if (access(SYS_FONT, R_OK) != 0)
        fail_msg("%s is missing: install fonts-dejavu-core", SYS_FONT);
    int tt_named;
    uint8_t *dflt = sample(NULL, NULL);
    uint8_t *named = sample(SYS_FONT, &tt_named);
    assert_true(tt_named);
    assert_true(same(dflt, named));
    /* Another font is really used when named. */
    if (access(BOLD_FONT, R_OK) == 0) {
        uint8_t *bold = sample(BOLD_FONT, NULL);
        assert_false(same(dflt, bold));
        free(bold);
    }
    free(dflt);
    free(named);
}

/* The built-in font: 7 units from cap line to baseline at an integer scale
 * lround(px * 0.73 / 7), not below the minimum; its ascent has one unit of air above the caps
 * and its descent 2 units. */
static void test_text_builtin_metrics_and_widths(void **state)
{
    (void)state;
    struct text_font *f = font_with_env("none", 2);
    struct text_vmetrics vm = text_font_vmetrics(f, 18.0); /* scale lround(1.877) = 2 */
    assert_true(vm.ascent == 16.0 && vm.descent == 4.0 && vm.digit_h == 14.0);
    vm = text_font_vmetrics(f, 40.0); /* scale lround(4.171) = 4 */
    assert_true(vm.ascent == 32.0 && vm.descent == 8.0 && vm.digit_h == 28.0);
    vm = text_font_vmetrics(f, 8.0); /* scale 1, raised to the minimum 2 */
    assert_true(vm.ascent == 16.0);
    /* widths scale with the integer scale; what it cannot draw is a '?' per code point */
    double w2 = text_measure_width(f, "loss 0.0312", 18.0);
    assert_true(w2 > 0.0 && fmod(w2, 2.0) == 0.0);
    assert_true(text_measure_width(f, "loss 0.0312", 40.0) == 2.0 * w2);
    assert_true(text_measure_width(f, "\xc3\xa9t\xc3\xa9", 18.0) ==
                text_measure_width(f, "?t?", 18.0));
    assert_true(text_measure_width(f,
                                   "a\x01"
                                   "b",
                                   18.0) == text_measure_width(f, "a?b", 18.0));
    assert_true(text_measure_width(f, "", 18.0) == 0.0);
    text_font_free(f);

    f = font_with_env("none", 1); /* narrow boxes may use the native size */
    assert_true(text_font_vmetrics(f, 8.0).ascent == 8.0);
    assert_true(text_measure_width(f, "loss 0.0312", 8.0) * 2.0 == w2);
    text_font_free(f);
}

static void test_text_truetype_metrics_and_widths(void **state)
{
    (void)state;
    struct text_font *f = font_with_env(NULL, 2);
    if (access(SYS_FONT, R_OK) == 0)
        assert_true(text_font_is_truetype(f));
    struct text_vmetrics vm = text_font_vmetrics(f, 20.0);
    assert_true(vm.ascent > vm.digit_h && vm.digit_h > 0.0 && vm.descent > 0.0);
    assert_true(vm.ascent + vm.descent < 2.0 * 20.0);
    /* widths are linear in the size */
    double w = text_measure_width(f, "Test accuracy", 20.0);
    assert_true(w > 0.0);
    assert_true(fabs(text_measure_width(f, "Test accuracy", 40.0) - 2.0 * w) < 1e-3 * w);
    assert_true(text_measure_width(f, "Test accuracy!", 20.0) > w);
    text_font_free(f);
}

/* text_fit_px shrinks by 10% steps until the text fits, and stops once at or below 8 pixels. */
static void test_text_fit_px(void **state)
{
    (void)state;
    struct text_font *f = font_with_env("none", 2);
    assert_true(text_fit_px(f, "hello", 40.0, 1e6) == 40.0); /* fits as it is */
    /* never fits: 40 * 0.9^k for the first k with 40 * 0.9^k <= 8, k = 16 */
    double px = text_fit_px(f, "hello", 40.0, 1.0);
    assert_true(fabs(px - 40.0 * pow(0.9, 16)) < 1e-9);
    /* fits after shrinking: the result is the first size whose width is within the box */
    double width = text_measure_width(f, "hello", 18.0);
    px = text_fit_px(f, "hello", 40.0, width);
    assert_true(text_measure_width(f, "hello", px) <= width);
    assert_true(text_measure_width(f, "hello", px / 0.9) > width);
    text_font_free(f);
}

/* The bounding box of ink (channel 0 below 0.5) in r; x1 < 0 when there is none. */
static void ink_box(const struct raster *r, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = r->w, *y0 = r->h, *x1 = -1, *y1 = -1;
    for (int y = 0; y < r->h; y++)
        for (int x = 0; x < r->w; x++)
            if (raster_get(r, x, y, 0) < 0.5f) {
                *x0 = x < *x0 ? x : *x0;
                *x1 = x > *x1 ? x : *x1;
                *y0 = y < *y0 ? y : *y0;
                *y1 = y > *y1 ? y : *y1;
            }
}

/* Where the ink lands relative to the anchor, for both kinds of font. */
static void check_anchors(const char *env)
{
    struct text_font *f = font_with_env(env, 2);
    struct raster r;
    struct raster_color black = raster_color_hex(0);
    int x0, y0, x1, y1;
    assert_int_equal(raster_init(&r, 200, 200), 0);
    double w = text_measure_width(f, "1200", 20.0);
    struct text_vmetrics vm = text_font_vmetrics(f, 20.0);

    /* left edge, hanging from the top: ink right of and below the anchor, within the advance */
    assert_int_equal(text_draw(&r, f, "1200", 20.0, 50, 60, 0.0, TEXT_VALIGN_TOP, black, 0), 0);
    ink_box(&r, &x0, &y0, &x1, &y1);
    assert_true(x1 >= 0);
    assert_true(x0 >= 49 && x1 <= 50 + w + 1 && x1 > 50 + w / 2);
    assert_true(y0 >= 59 && y1 <= 60 + vm.ascent + vm.descent + 1);

    /* right edge, on the bottom: ink left of and above the anchor */
    raster_fill(&r, raster_color_hex(0xffffff));
    assert_int_equal(text_draw(&r, f, "1200", 20.0, 150, 60, 1.0, TEXT_VALIGN_BOTTOM, black, 0), 0);
    ink_box(&r, &x0, &y0, &x1, &y1);
    assert_true(x1 <= 151 && x0 >= 150 - w - 1 && x0 < 150 - w / 2);
    assert_true(y1 <= 61 && y0 >= 60 - vm.ascent - vm.descent - 1);

    /* centred on the digits: the digits straddle the anchor's row */
    raster_fill(&r, raster_color_hex(0xffffff));
    assert_int_equal(
        text_draw(&r, f, "1200", 20.0, 100, 100, 0.5, TEXT_VALIGN_CENTER_DIGITS, black, 0), 0);
    ink_box(&r, &x0, &y0, &x1, &y1);
    assert_true(y0 < 100 && y1 > 100 && fabs((y0 + y1 + 1) / 2.0 - 100.0) <= 2.0);
    assert_true(fabs((x0 + x1 + 1) / 2.0 - 100.0) <= 3.0);

    /* a quarter turn: the ink reads upwards, taller than wide, ending above the anchor */
    raster_fill(&r, raster_color_hex(0xffffff));
    assert_int_equal(text_draw(&r, f, "1200", 20.0, 40, 150, 0.0, TEXT_VALIGN_TOP, black, 1), 0);
    ink_box(&r, &x0, &y0, &x1, &y1);
    assert_true(y1 - y0 > x1 - x0);
    assert_true(y1 <= 151 && y0 >= 150 - w - 1 && x0 >= 39);

    /* nothing for the empty string, and ink outside the raster is clipped */
    raster_fill(&r, raster_color_hex(0xffffff));
    assert_int_equal(text_draw(&r, f, "", 20.0, 100, 100, 0.5, TEXT_VALIGN_TOP, black, 0), 0);
    assert_int_equal(text_draw(&r, f, "1200", 20.0, -500, -500, 0.0, TEXT_VALIGN_TOP, black, 0), 0);
    ink_box(&r, &x0, &y0, &x1, &y1);
    assert_int_equal(x1, -1);
    raster_free(&r);
    text_font_free(f);
}

static void test_text_draw_anchors_truetype(void **state)
{
    (void)state;
    check_anchors(NULL);
}

static void test_text_draw_anchors_builtin(void **state)
{
    (void)state;
    check_anchors("none");
}

/* A FIFO as RESNET_MNIST_FONT is passed over at once (it used to block the open for ever; the
 * alarm turns a hang into a failure), like any file that cannot be used. */
static void test_text_fifo_font_passed_over(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *fifo = tu_path(dir, "font.ttf");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    uint8_t *dflt = sample(NULL, NULL);
    alarm(10);
    uint8_t *got = sample(fifo, NULL);
    alarm(0);
    assert_true(same(dflt, got));
    free(dflt), free(got), free(fifo);
    tu_remove_dir(dir);
}

/* The offset of table `tag` in a TrueType file (the test's own reading of the directory). */
static size_t table_at(const uint8_t *font, const char *tag)
{
    unsigned n = (unsigned)font[4] << 8 | font[5];
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = font + 12 + 16 * i;
        if (memcmp(e, tag, 4) == 0)
            return (size_t)e[8] << 24 | (size_t)e[9] << 16 | (size_t)e[10] << 8 | e[11];
    }
    fail_msg("no %s table", tag);
    return 0;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

/* Loads the bytes as a font: whether it is used, and the reason when it is not. */
static int usable(const uint8_t *d, size_t len, char *why)
{
    struct rm_status st;
    strcpy(st.msg, "(none)");
    struct text_font *f = text_font_load_memory(d, len, 2, &st);
    assert_non_null(f);
    int tt = text_font_is_truetype(f);
    /* whatever it is, it draws without harm */
    struct raster r;
    assert_int_equal(raster_init(&r, 300, 80), 0);
    assert_int_equal(text_draw(&r, f, "0.9826 Wj@", 30.0, 150, 40, 0.5, TEXT_VALIGN_CENTER_DIGITS,
                               raster_color_hex(0), 0),
                     0);
    raster_free(&r);
    text_font_free(f);
    strcpy(why, st.msg);
    return tt;
}

/* A font whose numbers are absurd is not used (the built-in font draws instead), with the
 * reason; numbers that only size the drawing are clamped. Made from DejaVu Sans by hand. */
static void test_text_absurd_fonts_not_used(void **state)
{
    (void)state;
    if (access(SYS_FONT, R_OK) != 0)
        fail_msg("%s is missing: install fonts-dejavu-core", SYS_FONT);
    size_t len;
    uint8_t *orig = tu_read_file(SYS_FONT, &len), *f = malloc(len);
    assert_non_null(f);
    char why[RM_STATUS_LEN];
    assert_true(usable(orig, len, why));
    assert_string_equal(why, "(none)");
    size_t head = table_at(orig, "head"), hhea = table_at(orig, "hhea");
    const struct {
        size_t at;
        unsigned value;
        const char *want;
    } cases[] = {
        {head + 18, 1, "not a font FreeType can read"}, /* unitsPerEm: FreeType wants 16.. */
        {hhea + 4, 0x7fff, "ascender or descender out of range"},
        {hhea + 6, 0x7fff, "ascender or descender out of range"}, /* a positive descender */
        {0, 0, "not a font FreeType can read"},                   /* the sfnt version */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(f, orig, len);
        put16(f + cases[i].at, cases[i].value);
        if (usable(f, len, why) || !strstr(why, cases[i].want))
            fail_msg("case %zu: used, or not for '%s' but '%s'", i, cases[i].want, why);
    }
    /* cut short, garbage, empty */
    assert_false(usable(orig, 4096, why));
    assert_false(usable((const uint8_t *)"\0\1\0\0garbage", 11, why));
    assert_false(usable(orig, 0, why));
    /* a huge advance for every glyph: used, and measured within 4 em a glyph */
    memcpy(f, orig, len);
    size_t hmtx = table_at(orig, "hmtx");
    unsigned nmetrics = (unsigned)orig[hhea + 34] << 8 | orig[hhea + 35];
    for (unsigned g = 0; g < nmetrics; g++)
        put16(f + hmtx + 4 * g, 0xffff);
    struct text_font *font = text_font_load_memory(f, len, 2, NULL);
    assert_true(text_font_is_truetype(font));
    double w = text_measure_width(font, "0000", 20.0);
    assert_true(w > 0.0 && w <= 4 * 4 * 20.0 + 1e-9);
    struct raster r;
    assert_int_equal(raster_init(&r, 100, 40), 0);
    assert_int_equal(
        text_draw(&r, font, "0000", 20.0, 50, 20, 0.5, TEXT_VALIGN_TOP, raster_color_hex(0), 0), 0);
    raster_free(&r);
    text_font_free(font);
    free(orig), free(f);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_builtin_font_when_none),
        cmocka_unit_test(test_text_missing_font_file_falls_back),
        cmocka_unit_test(test_text_garbage_font_file_falls_back),
        cmocka_unit_test(test_text_font_from_environment),
        cmocka_unit_test(test_text_builtin_metrics_and_widths),
        cmocka_unit_test(test_text_truetype_metrics_and_widths),
        cmocka_unit_test(test_text_fit_px),
        cmocka_unit_test(test_text_draw_anchors_truetype),
        cmocka_unit_test(test_text_draw_anchors_builtin),
        cmocka_unit_test(test_text_fifo_font_passed_over),
        cmocka_unit_test(test_text_absurd_fonts_not_used),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
