/* The contract of the font path (text.h) on one input; see contract.h. */
#include "contract.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/text.h"

/* Strings as the plots and grids draw them, and text a font may lack glyphs for. */
static const char *const font_texts[] = {
    "0.9826",
    "Test accuracy @ 14",
    "true 7  pred 1  #5040",
    "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 Wj\xff",
    "",
};
static const double font_sizes[] = {8.5, 18.0, 40.0};

int contract_check_font(const uint8_t *data, size_t size, const struct contract_report *r)
{
    struct rm_status why;
    memset(&why, 0, sizeof why);
    struct text_font *f = text_font_load_memory(data, size, 2, &why);
    if (!f)
        return 0; /* out of memory */
    int tt = text_font_is_truetype(f);
    if (!tt) {
        size_t k = strnlen(why.msg, sizeof why.msg);
        if (k == 0 || k == sizeof why.msg || memchr(why.msg, '\n', k))
            contract_fail(r, "text_font_load_memory: not used, with a bad reason");
        if (r->refused)
            r->refused(r->ctx, why.msg);
    }
    struct raster ras;
    if (raster_init(&ras, 160, 48) != 0) {
        text_font_free(f);
        return tt;
    }
    for (size_t i = 0; i < sizeof font_sizes / sizeof font_sizes[0]; i++) {
        double px = font_sizes[i];
        struct text_vmetrics vm = text_font_vmetrics(f, px);
        /* the built-in font's metrics come from its integer scale, which may exceed px */
        double lim = tt ? 4.0 * px + 1e-9 : 16.0 * px;
        if (!(vm.ascent > 0.0 && vm.ascent <= lim && vm.descent >= 0.0 && vm.descent <= lim &&
              vm.digit_h > 0.0 && vm.digit_h <= lim))
            contract_fail(r, "text_font_vmetrics(%g): ascent %g, descent %g, digits %g", px,
                          vm.ascent, vm.descent, vm.digit_h);
        for (size_t t = 0; t < sizeof font_texts / sizeof font_texts[0]; t++) {
            const char *s = font_texts[t];
            double w = text_measure_width(f, s, px);
            /* at most 4 em of advance and 1 em of kerning a byte (a code point is a byte or more)
             */
            if (!isfinite(w) || (tt && fabs(w) > 5.0 * px * (double)strlen(s) + 1e-9))
                contract_fail(r, "text_measure_width('%s', %g) = %g", s, px, w);
            double fit = text_fit_px(f, s, px, 100.0);
            if (!(fit <= px && fit > 0.0))
                contract_fail(r, "text_fit_px('%s', %g) = %g", s, px, fit);
            for (int rot = 0; rot < (t == 1 ? 2 : 1); rot++) /* one string both ways round */
                if (text_draw(&ras, f, s, px, 80.0, 24.0, 0.5, TEXT_VALIGN_CENTER_DIGITS,
                              raster_color_hex(0x202020), rot) != 0)
                    contract_fail(r, "text_draw('%s', %g): out of memory", s, px);
        }
    }
    /* blending only mixes the ink's grey into the white paper: every channel stays between */
    const float ink = 0x20 / 255.0f;
    for (int y = 0; y < ras.h; y++)
        for (int x = 0; x < ras.w; x++)
            for (int c = 0; c < 3; c++) {
                float v = raster_get(&ras, x, y, c);
                if (!(v >= ink - 1e-4f && v <= 1.0f))
                    contract_fail(r, "text_draw left %g at (%d, %d) in the raster", (double)v, x,
                                  y);
            }
    raster_free(&ras);
    text_font_free(f);
    return tt;
}
