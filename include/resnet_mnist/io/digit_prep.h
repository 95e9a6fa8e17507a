#ifndef RESNET_MNIST_DIGIT_PREP_H
#define RESNET_MNIST_DIGIT_PREP_H

#include <stdint.h>

#include "resnet_mnist/io/blobs.h"
#include "resnet_mnist/io/image.h"
#include "resnet_mnist/io/ink_map.h"
#include "resnet_mnist/io/status.h"

/* Turns a picture of one handwritten digit into the 28x28 bytes the network expects, prepared
 * the way MNIST's digits were: light ink on a black background, the digit scaled to fit a 20x20
 * box (aspect ratio kept, anti-aliased) and placed in a 28x28 frame with its centre of mass at
 * the centre. The picture may be a photograph or a scan: the paper's lighting is divided out
 * (ink_map.h), and specks, the paper's edge and shadows are told from the digit's strokes by
 * their connected components (blobs.h). */

#define DIGIT_PREP_SIZE 28 /* output frame, as MNIST_ROWS x MNIST_COLS */
#define DIGIT_PREP_BOX  20 /* the digit's longer side, in output pixels */
/* A picture whose ink differs from its background by less than this (of 255) is blank. */
#define DIGIT_PREP_MIN_CONTRAST INK_MAP_MIN_CONTRAST
/* Images larger than this are refused rather than decoded. */
#define DIGIT_PREP_MAX_PIXELS IMAGE_MAX_PIXELS
/* The ink level (0..1) down to which a chosen piece of ink extends (hysteresis: the pieces are
 * found at Otsu's level, then grown through connected pixels of at least this much ink); the
 * crop box is theirs. On a clean picture it is the box of all pixels >= 0.1, as before. */
#define DIGIT_PREP_CROP_LEVEL 0.1f
/* On an unevenly lit picture, the chosen pieces grow only this many stroke widths (at least 2
 * pixels) through ink >= DIGIT_PREP_CROP_LEVEL, and ink farther from them is erased. */
#define DIGIT_PREP_RIM 0.5
/* On an evenly lit picture, pieces of ink >= DIGIT_PREP_CROP_LEVEL that hold none of Otsu's
 * are kept only when there are at most this many and they do not touch the picture's edge (a
 * clean picture's own faint specks; not the paper's grain, nor a shadow's or the paper's rim). */
#define DIGIT_PREP_FAINT_PIECES 3
/* ... and only when their box comes within this share of the digit's box's longer side of it (a
 * blotch of the paper far from the digit is not its speck). */
#define DIGIT_PREP_FAINT_NEAR 1.0
/* A piece of ink with less than this share of the main piece's ink is a speck. */
#define DIGIT_PREP_SPECK_SHARE 0.05
/* A piece of ink is a stroke of the digit when its box comes within this share of the digit's
 * box's longer side of the digit's box (grown as pieces join). */
#define DIGIT_PREP_STROKE_GAP 0.35
/* A piece of ink whose box comes within this share of the digit's box's longer side of the
 * digit's box joins it whatever its size (the pieces of a stroke broken by the threshold). */
#define DIGIT_PREP_NEAR 0.1
/* A piece of ink farther than DIGIT_PREP_NEAR is a stroke only when its box's longer side is at
 * least this many stroke widths. */
#define DIGIT_PREP_STROKE_LENGTH 3.0
/* Pieces of ink not touching the border count as "something better" than those touching it
 * when their box's longer side is at least this share of the picture's shorter side. */
#define DIGIT_PREP_MIN_EXTENT 0.1
/* A piece of ink is a blot (a round speck, never one of the digit's strokes) when it fills at
 * least DIGIT_PREP_BLOT_FILL of its box, both of its box's sides are at least
 * DIGIT_PREP_BLOT_STROKES stroke widths (thicker than the pen) and the largest square of its
 * pixels is at least DIGIT_PREP_BLOT_SQUARE of the box's longer side (as thick as it is wide). */
#define DIGIT_PREP_BLOT_SQUARE  0.5
#define DIGIT_PREP_BLOT_STROKES 1.25
#define DIGIT_PREP_BLOT_FILL    0.6
/* The digit's main piece is the piece with the most ink that is not a blot when it has at least
 * this share of the largest blot's ink (a thin 1 beside a big blot). */
#define DIGIT_PREP_BLOT_MAIN_SHARE 0.25

/* Prepares one picture: pixels holds h rows of w pixels of `channels` bytes each (1 grey,
 * 2 grey+alpha, 3 RGB, 4 RGBA; no padding between rows). Writes 28*28 bytes (row-major,
 * 0 background .. 255 ink) to out. The steps:
 *   1. grey levels, polarity, the paper's lighting divided out, ink 0..1 and Otsu's mask
 *      (digit_prep_ink, ink_map_build in ink_map.h). On an evenly lit picture this is, as
 *      before: background = median of the border pixels; the ink is on the side (darker or
 *      lighter) that reaches farther from it; ink = (value - background) / (extreme -
 *      background), clamped to 0..1;
 *   2. the mask's connected components (blobs_find), the digit's chosen among them
 *      (digit_prep_choose: no specks, nothing touching the border when something better is
 *      there, every stroke near the digit);
 *   3. the chosen pieces grown through connected ink >= DIGIT_PREP_CROP_LEVEL; the ink of the
 *      pieces left out is erased, and the crop box is the grown pieces' box;
 *   4-6. digit_prep_fit on that box.
 * Fails with "no ink found (blank image)" when the ink's contrast is below
 * DIGIT_PREP_MIN_CONTRAST, and with "invalid image ..." for bad sizes or channel counts;
 * out is then left as it was. Allocates temporary memory only (fails "out of memory"). */
int digit_prep_pixels(uint8_t *out, const uint8_t *pixels, int w, int h, int channels,
                      struct rm_status *st);

/* digit_prep_pixels, and on an unevenly lit picture a second preparation into out + 28*28 (out:
 * 2*28*28 bytes) whose paper, in its last pass, is the lower of the closing and its mean
 * (ink_map_closing's sharp): it follows a sharp shadow's or table's edge that the usual one
 * leaves as a line beside the digit; alone it lost more digits than it saved, so the caller
 * picks (predict: the network's more confident reading). Returns the number of preparations
 * written (1 on an evenly lit picture, or when the second finds no ink; else 2), or -1 with
 * digit_prep_pixels's errors. */
int digit_prep_pair(uint8_t *out, const uint8_t *pixels, int w, int h, int channels,
                    struct rm_status *st);

/* Step 1 alone, for pictures of several digits: *ink (w*h floats 0..1, 1 = the strongest ink)
 * and *mask (w*h bytes, 1 = ink at Otsu's level) are malloc'd (caller frees both); on an
 * unevenly lit picture Otsu's level is taken again without a dark region along the edge that
 * took it (border_ink.h; not for single digits). Errors as digit_prep_pixels's, with *ink and
 * *mask NULL. */
int digit_prep_ink(const uint8_t *pixels, int w, int h, int channels, float **ink, uint8_t **mask,
                   struct rm_status *st);

/* Step 2's choice among count pieces of ink of a w x h picture (blobs_find's, any order) whose
 * strokes are `stroke` pixels wide (ink_map_stroke_width; 0 if unknown): keep[i] = 1 for the
 * pieces of the digit, else 0. Pieces touching the picture's border are left out when a piece
 * that does not touch it reaches DIGIT_PREP_MIN_EXTENT; of the rest, the one with the most ink
 * is the digit's main piece (not a blot, see DIGIT_PREP_BLOT_MAIN_SHARE). Others join the digit
 * when their box comes within DIGIT_PREP_NEAR of the digit's box (as a share of its longer side),
 * or within DIGIT_PREP_STROKE_GAP when they are strokes, not specks: at least
 * DIGIT_PREP_SPECK_SHARE of the main piece's ink and at least DIGIT_PREP_STROKE_LENGTH stroke
 * widths long (a 5's detached bar, a broken stroke; not a round blot). Repeatedly, as the digit's
 * box grows. A piece with blot[i] set (blot may be NULL) joins none, however near. Returns the
 * number kept (at least 1 when count > 0). */
int digit_prep_choose(const struct blob *blobs, int count, int w, int h, float stroke,
                      const uint8_t *blot, uint8_t *keep);

/* The side of the largest square of pixels of piece b (label `label` in the labels map of a
 * picture w pixels wide, as blobs_find's), or -1 when out of memory. */
int digit_prep_square(const int32_t *labels, int w, int32_t label, const struct blob *b);

/* blot[i] = 1 for the blots (DIGIT_PREP_BLOT_*) among count pieces (blobs_find's, labels their
 * map w pixels wide) of a picture whose strokes are `stroke` pixels wide, else 0. The work is
 * bounded by the pieces' pixels. Returns 0, or -1 when out of memory. */
int digit_prep_blots(const int32_t *labels, const struct blob *b, int count, int w, float stroke,
                     uint8_t *blot);

/* The width of the digit's strokes (ink_map_stroke_width) from its pieces: those of count pieces
 * (blobs_find's, labels their w x h map) with keep[i] set and at least DIGIT_PREP_SPECK_SHARE of
 * the ink of the largest such piece, so that one-pixel grain joined to the digit does not pass
 * for its strokes. scratch: w*h bytes. Returns 0, or -1 when out of memory. */
int digit_prep_stroke(const int32_t *labels, const struct blob *b, int count, const uint8_t *keep,
                      int w, int h, uint8_t *scratch, float *stroke);

/* Steps 4-6, the MNIST fit, on the box [x0, x1) x [y0, y1) of a w x h ink map (floats 0..1,
 * 1 = ink):
 *   4. the box is scaled so that its longer side is 20 pixels, the other side rounded (at
 *      least 1): area averaging when shrinking, bilinear when enlarging; the faint pixels just
 *      outside the box (4 output pixels' worth) are resampled with it;
 *   5. the result is stretched so that its brightest pixel is 255;
 *   6. it is shifted by whole pixels so that its centre of mass (pixel (r, c) at (r, c))
 *      rounds to (14, 14) (lround of 14 - centre, as the original MNIST procedure), and
 *      clipped to the 28x28 frame.
 * Writes 28*28 bytes to out. Fails with "invalid box ..." when the box is empty or not inside
 * the picture, "no ink found (blank image)" when there is no ink around it, "out of memory". */
int digit_prep_fit(uint8_t *out, const float *ink, int w, int h, int x0, int y0, int x1, int y1,
                   struct rm_status *st);

/* Reads a picture file (opened with file_open_input: a FIFO, device or folder is refused at
 * once) and decodes it with image_decode (image.h: PNG, JPEG, BMP, binary PGM/PPM). On success
 * *pixels is malloc'd (caller frees with free()), h rows of w pixels of *channels (1..4) bytes.
 * Errors, with *pixels NULL: "<path>: cannot open: <reason>" (missing, unreadable),
 * "<path>: not a regular file (a FIFO)" and the other kinds, "<path>: cannot read image: file
 * too large (...)" (over IMAGE_MAX_FILE_BYTES), and image_decode's: "<path>: cannot read
 * image: <reason>" (not a picture, another format, cut short, corrupt), "<path>: image too
 * large (WxH pixels, at most N)". */
int digit_prep_load_image(const char *path, uint8_t **pixels, int *w, int *h, int *channels,
                          struct rm_status *st);

/* digit_prep_load_image then digit_prep_pixels; failures of the latter are prefixed by
 * "<path>: ", e.g. "digit.png: no ink found (blank image)". */
int digit_prep_file(uint8_t *out, const char *path, struct rm_status *st);

/* digit_prep_file by digit_prep_pair: out holds 2*28*28 bytes; returns 1 or 2 as that, or -1. */
int digit_prep_file_pair(uint8_t *out, const char *path, struct rm_status *st);

#endif
