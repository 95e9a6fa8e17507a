#ifndef RESNET_MNIST_TEXT_H
#define RESNET_MNIST_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/raster.h"
#include "resnet_mnist/io/status.h"

/* Text drawn onto a raster (raster.h): with FreeType from an outline font (TrueType, OpenType;
 * by default DejaVu Sans from fonts-dejavu-core, found with fontconfig), or with stb_easy_font's
 * built-in font, which parses no file, when no font can be used, so that readable text is
 * always drawn. Fonts come from outside the program, so nothing in one is trusted: FreeType
 * parses it, and a font whose numbers are absurd (see text_font_load_memory) is passed over.
 *
 * The environment variable RESNET_MNIST_FONT names a font file to try before the default one
 * (a file that cannot be read or used, a FIFO, a folder, is passed over, without blocking);
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

/* Finds a font: RESNET_MNIST_FONT, then the default font (fontconfig's match for "DejaVu Sans";
 * asked once per process, so call it from one thread at a time), then the built-in font.
 * builtin_min_scale (>= 1) is the smallest integer scale of the built-in font: 2 keeps it
 * readable, 1 (its native size, 7 pixels from cap line to baseline) is for text that must fit a
 * narrow box. Returns NULL only when out of memory; free with text_font_free. */
struct text_font *text_font_load(int builtin_min_scale);
/* Uses the font file held in data[0..len) (copied), or the built-in font when it cannot be
 * used, and then, if why is not NULL, says why in it (one line). Usable means: FreeType reads
 * it, it has outlines, 16..16384 units per em, a Unicode character map, glyphs for the ten
 * digits, an ascender, a descender and a '0' no taller than 4 em. When drawing, advances are
 * clamped to 0..4 em, kerning to +-1 em, a glyph whose ink reaches farther than 4 em from its
 * origin is not drawn, and the text image is at most 8192 pixels a side. Returns NULL only when
 * out of memory. */
struct text_font *text_font_load_memory(const uint8_t *data, size_t len, int builtin_min_scale,
                                        struct rm_status *why);
/* Frees a font from text_font_load; NULL is allowed. */
void text_font_free(struct text_font *f);
/* 1 when f draws with FreeType from a font file, 0 for the built-in font. */
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
