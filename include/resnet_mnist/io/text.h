#ifndef RESNET_MNIST_TEXT_H
#define RESNET_MNIST_TEXT_H

#include "resnet_mnist/io/raster.h"

/* Text drawn onto a raster (raster.h): with stb_truetype from a TrueType font found on the system
 * (DejaVu Sans from fonts-dejavu-core), or with stb_easy_font's built-in font when no font file
 * can be loaded, so that readable text is always drawn.
 *
 * The environment variable RESNET_MNIST_FONT names a TrueType file to try before the system
 * fonts (one that cannot be loaded, or does not look like a TrueType file, is passed over);
 * RESNET_MNIST_FONT=none selects the built-in font. Sizes are in pixels per em. */

#define TEXT_FONT_ENV "RESNET_MNIST_FONT"

struct text_font; /* opaque: holds the font file, or nothing for the built-in font */

/* Vertical metrics at one size, in pixels: ascent above the baseline, descent below it, and the
 * height of the digits (to centre numbers on a tick the way matplotlib does). */
struct text_vmetrics {
    double ascent, descent, digit_h;
};

/* Where text hangs from its anchor point, vertically. */
enum text_valign {
    TEXT_VALIGN_TOP,           /* anchor on the top of the ascent */
    TEXT_VALIGN_BASELINE,      /* anchor on the baseline */
    TEXT_VALIGN_BOTTOM,        /* anchor below the descent */
    TEXT_VALIGN_CENTER_DIGITS, /* anchor halfway up the digits (tick labels) */
};

/* Finds a font: RESNET_MNIST_FONT, then DejaVu Sans where the common distributions install it
 * (and two look-alikes), then the built-in font. builtin_min_scale (>= 1) is the smallest integer
 * scale of the built-in font: 2 keeps it readable, 1 (its native size, 7 pixels from cap line to
 * baseline) is for text that must fit a narrow box. Returns NULL only when out of memory; free
 * with text_font_free. */
struct text_font *text_font_load(int builtin_min_scale);
/* Frees a font from text_font_load; NULL is allowed. */
void text_font_free(struct text_font *f);
/* 1 when f is a TrueType font, 0 for the built-in one. */
int text_font_is_truetype(const struct text_font *f);

/* The vertical metrics of f at px pixels per em (the built-in font's at its integer scale). */
struct text_vmetrics text_font_vmetrics(const struct text_font *f, double px);
/* The advance width of the UTF-8 string s in pixels (the built-in font shows what it cannot draw
 * as '?'). */
double text_measure_width(const struct text_font *f, const char *s, double px);
/* px, shrunk by 10% at a time (not below 8 pixels) until s is no wider than width. */
double text_fit_px(const struct text_font *f, const char *s, double px, double width);

/* Draws s in colour c with its anchor at (x, y): halign 0, 0.5, 1 puts the anchor at the left
 * edge, the centre, the right edge of the text; va as above. rot90 turns the text a quarter turn
 * counter-clockwise about the anchor, to read upwards. Ink outside the raster is clipped.
 * Returns 0, or -1 when out of memory (nothing drawn). */
int text_draw(struct raster *r, const struct text_font *f, const char *s, double px, double x,
              double y, double halign, enum text_valign va, struct raster_color c, int rot90);

#endif
