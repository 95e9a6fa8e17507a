#ifndef RESNET_MNIST_INK_MAP_H
#define RESNET_MNIST_INK_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Where the ink is in a picture of writing on paper: the picture's grey levels with the paper and
 * its lighting taken out, as a map of floats 0..1 (1 = the strongest ink), and a mask of the
 * pixels that are ink (Otsu's threshold on that map). The paper's brightness is estimated at
 * every pixel by a heavy blur of the pixels that are not ink, so uneven light (a gradient, a
 * vignette, the shade of a hand) is divided out instead of being cropped as ink. Each step is
 * its own function; ink_map_build runs them in order. */

/* A picture whose ink differs from its background by less than this (of 255) is blank. */
#define INK_MAP_MIN_CONTRAST 24
/* A background estimate that varies by at most this many grey levels over the picture is evenly
 * lit: the paper is then one level, the median of the picture's border (as an even scan or a
 * drawing program gives), so that clean pictures are prepared exactly as before lighting was
 * estimated (the estimate of a clean picture varies a little where a large digit's faint edges
 * pass for paper: up to 9.4 levels seen). Left in, so little light changes the ink by less than
 * 0.1 of a contrast of 120 levels, the level digit_prep crops at. */
#define INK_MAP_FLAT_LEVELS 12.0f
/* Background estimates after the first, each without the ink the previous one showed. */
#define INK_MAP_PASSES 3
/* ... leaving out the pixels of at least this share of Otsu's level on the previous map (and
 * their rim), so that the faint anti-aliased edges of a large digit do not pass for paper. */
#define INK_MAP_PROVISIONAL 0.25f
/* A next background estimate is made only when the ink found (and its rim) leaves at least
 * this share of the picture as paper; else the passes stop (a shadow's grain can mask it all). */
#define INK_MAP_MIN_PAPER_LEFT 0.1
/* A background window needs at least this share of paper; else a twice wider one is used. */
#define INK_MAP_MIN_PAPER 0.1
/* ink_map_closing's window, in stroke widths either side, and its largest grid. */
#define INK_MAP_CLOSING_WIDTH 1.5
#define INK_MAP_CLOSING_GRID  512
/* The background is blurred on a grid of at most this many cells on the picture's longer side. */
#define INK_MAP_GRID 64

/* Step 1: grey levels 0..255 of n pixels of `channels` bytes (1 grey, 2 grey+alpha, 3 RGB,
 * 4 RGBA): 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, as PIL's convert("L")), alpha composited
 * on white. */
void ink_map_grey(float *g, const uint8_t *px, size_t n, int channels);

/* The median of the pixels on the outer edge of the w x h grey picture g (all of them when it is
 * one or two pixels thick). Returns 0, or -1 when out of memory. */
int ink_map_border_median(const float *g, int w, int h, float *median);

/* Step 2, polarity: the ink lies on the side (darker or lighter) of the median of all pixels
 * (to the grey level: the paper, which covers most of a picture even when a shadow or a vignette
 * darkens its border) that the picture reaches farther into (on a tie: darker when the median
 * is light). Returns 1 for dark ink, 0 for light ink, -1 when out of memory; *border gets the
 * median of the border pixels and *contrast how far the ink's side reaches from it (0..255). */
int ink_map_polarity(const float *g, int w, int h, float *border, float *contrast);

/* Step 3, the paper's brightness at every pixel: the mean of g over a window about a quarter of
 * the picture's longer side, counting only the pixels where ink_mask is 0 (ink_mask NULL: all
 * pixels). Computed on a grid of at most INK_MAP_GRID cells a side (area averages by
 * stb_image_resize) and enlarged back to w x h by linear interpolation. Where a window holds no
 * background, the mean of all background pixels; where there is none at all, g's maximum.
 * bg: w*h floats. Returns 0, or -1 with "out of memory". */
int ink_map_background(float *bg, const float *g, const uint8_t *ink_mask, int w, int h,
                       struct rm_status *st);

/* Step 4, for dark ink on light paper: ink[i] = max(0, (bg[i] - g[i]) * ref / bg[i]), the ink's
 * darkness as if the whole picture were lit as paper of brightness ref (division undoes the
 * lighting, which multiplies). bg[i] below 1 counts as 1. ink may be g. With bg[i] == ref this is
 * max(0, bg[i] - g[i]) exactly. */
void ink_map_flatten(float *ink, const float *g, const float *bg, size_t n, float ref);

/* Divides v[0..n) by its maximum (when positive) and returns that maximum. */
float ink_map_normalise(float *v, size_t n);

/* Otsu's threshold of n values in 0..1 (a 256-bin histogram; values outside are clamped): the
 * level t that best splits them into two classes, v < t and v >= t (the between-class variance
 * is largest); t lies between the two modes of a bimodal set. 1.0f when all values fall in one
 * bin (nothing to split). */
float ink_map_otsu(const float *v, size_t n);

/* mask[i] = v[i] >= t (1 or 0). */
void ink_map_threshold(uint8_t *mask, const float *v, size_t n, float t);

/* The width of the ink's strokes in mask, in pixels: the smaller of the median lengths of its
 * horizontal and of its vertical runs (those not touching the picture's edge); 1 when there is
 * none. Returns 0, or -1 when out of memory. */
int ink_map_stroke_width(const uint8_t *mask, int w, int h, float *width);

/* The paper's brightness under dark strokes up to about 2 * INK_MAP_CLOSING_WIDTH * stroke
 * pixels wide: a grey closing (the maximum, then the minimum, over a square of side
 * 2 r + 1, r = INK_MAP_CLOSING_WIDTH * stroke + 1) smoothed by a mean over a third of it,
 * computed on the picture shrunk by area averaging (to strokes about 3 pixels wide, and at most
 * INK_MAP_CLOSING_GRID pixels a side) and enlarged back by linear interpolation. Unlike a blur,
 * it follows a shadow's edge to within r. With sharp set, the lower of the closing and its mean
 * (the mean spreads the lit paper's level a third of r into a sharp shadow, which
 * then reads as ink). bg: w*h floats.
 * Returns 0, or -1 with "out of memory". */
int ink_map_closing(float *bg, const float *g, int w, int h, float stroke, int sharp,
                    struct rm_status *st);

/* mask dilated by a (2r+1) x (2r+1) square, in place. Returns 0, or -1 when out of memory. */
int ink_map_dilate(uint8_t *mask, int w, int h, int r);

/* The share (0..1) of n mask bytes that are 0 (paper); 0 when n is 0. */
double ink_map_paper_share(const uint8_t *mask, size_t n);

struct ink_map_info {
    int dark_ink;     /* 1 when the ink is darker than the paper */
    int flat;         /* 1 when the lighting was even (INK_MAP_FLAT_LEVELS) */
    float spread;     /* the background estimate's maximum - minimum, in grey levels */
    float background; /* the border's median, 0..255 */
    float range;      /* the strongest ink's contrast, in grey levels: ink = 1 there */
    float level;      /* Otsu's threshold on the ink map, 0..1: mask = ink >= level */
};

/* ink_map_build's polarity: decide it (ink_map_polarity); else 1 for dark ink, 0 for light. */
#define INK_MAP_DECIDE (-1)

/* Steps 1-5 on h rows of w pixels of `channels` bytes: grey; polarity (ink_map_polarity unless
 * the caller gives it; light ink is turned into dark ink); the background: with stroke 0, a first
 * one from all pixels (ink_map_background), then INK_MAP_PASSES more each leaving out the ink the
 * previous one showed (down to INK_MAP_PROVISIONAL of Otsu's level, dilated by 1 + max(w, h) / 256
 * pixels; while that leaves INK_MAP_MIN_PAPER_LEFT of paper); with the width of the ink's strokes
 * known (stroke > 0, pixels), ink_map_closing (sharp as there); an even background becomes the
 * border's median (INK_MAP_FLAT_LEVELS); flatten, normalise to 0..1, and the mask of Otsu's level.
 * ink: w*h floats, mask: w*h bytes (caller's). info may be NULL. Fails with "no ink found (blank
 * image)" when the ink's contrast is below INK_MAP_MIN_CONTRAST, or "out of memory". */
int ink_map_build(float *ink, uint8_t *mask, const uint8_t *px, int w, int h, int channels,
                  int polarity, float stroke, int sharp, struct ink_map_info *info,
                  struct rm_status *st);

#endif
