#ifndef RESNET_MNIST_DIGIT_PREP_H
#define RESNET_MNIST_DIGIT_PREP_H

#include <stdint.h>

#include "resnet_mnist/io/image.h"
#include "resnet_mnist/io/status.h"

/* Turns a picture of one handwritten digit into the 28x28 bytes the network expects, prepared
 * the way MNIST's digits were: light ink on a black background, the digit scaled to fit a 20x20
 * box (aspect ratio kept, anti-aliased) and placed in a 28x28 frame with its centre of mass at
 * the centre. */

#define DIGIT_PREP_SIZE 28 /* output frame, as MNIST_ROWS x MNIST_COLS */
#define DIGIT_PREP_BOX  20 /* the digit's longer side, in output pixels */
/* A picture whose ink differs from its background by less than this (of 255) is blank. */
#define DIGIT_PREP_MIN_CONTRAST 24
/* Images larger than this are refused rather than decoded (memory: ~9 bytes a pixel). */
#define DIGIT_PREP_MAX_PIXELS IMAGE_MAX_PIXELS

/* Prepares one picture: pixels holds h rows of w pixels of `channels` bytes each (1 grey,
 * 2 grey+alpha, 3 RGB, 4 RGBA; no padding between rows). Writes 28*28 bytes (row-major,
 * 0 background .. 255 ink) to out. The steps:
 *   1. grey = 0.299 R + 0.587 G + 0.114 B, alpha composited on white;
 *   2. background = median of the border pixels; the ink is on the side (darker or lighter
 *      than the background) that reaches farther from it, so black-on-white is inverted and
 *      white-on-black is not (on a tie: inverted when the background is light);
 *   3. ink = (value - background) / (extreme - background), clamped to 0..1;
 *   4. the bounding box of ink >= 0.1 is scaled so that its longer side is 20 pixels, the
 *      other side rounded (at least 1): area averaging when shrinking, bilinear when
 *      enlarging; the faint pixels just outside the box are resampled with it;
 *   5. the result is stretched so that its brightest pixel is 255;
 *   6. it is shifted by whole pixels so that its centre of mass (pixel (r, c) at (r, c))
 *      rounds to (14, 14) (lround of 14 - centre, as the original MNIST procedure), and
 *      clipped to the 28x28 frame.
 * Fails with "no ink found (blank image)" when the ink's contrast is below
 * DIGIT_PREP_MIN_CONTRAST, and with "invalid image ..." for bad sizes or channel counts;
 * out is then left as it was. Allocates temporary memory only (fails "out of memory"). */
int digit_prep_pixels(uint8_t *out, const uint8_t *pixels, int w, int h, int channels,
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

#endif
