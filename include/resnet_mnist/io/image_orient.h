#ifndef RESNET_MNIST_IMAGE_ORIENT_H
#define RESNET_MNIST_IMAGE_ORIENT_H

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* The EXIF orientation of a photograph: cameras and phones store the sensor's rows as they were
 * read and say in the tag Orientation (0x0112) how to turn them for display. Values 1..8, as
 * the EXIF/TIFF specification defines them, for a stored picture S of w x h and the displayed
 * picture D:
 *   1 D(x, y) = S(x, y)                     as stored
 *   2 D(x, y) = S(w-1-x, y)                 mirrored left-right
 *   3 D(x, y) = S(w-1-x, h-1-y)             turned 180 degrees
 *   4 D(x, y) = S(x, h-1-y)                 mirrored top-bottom
 *   5 D(x, y) = S(y, x)            (h x w)  transposed
 *   6 D(x, y) = S(y, h-1-x)        (h x w)  turned 90 degrees clockwise
 *   7 D(x, y) = S(w-1-y, h-1-x)    (h x w)  transverse
 *   8 D(x, y) = S(w-1-y, x)        (h x w)  turned 90 degrees anticlockwise */

#define IMAGE_ORIENT_NONE 1

/* The orientation in an EXIF block: data[0..len) is the body of a JPEG APP1 marker ("Exif\0\0"
 * then a TIFF header and its IFDs), parsed by libexif. 1 (as stored) when the block is not EXIF,
 * is corrupt, has no Orientation in IFD0, or holds a value other than 1..8 or of a type other
 * than SHORT: a picture is never refused for its EXIF. */
int image_orient_from_exif(const uint8_t *data, size_t len);

/* Turns *px (h rows of w pixels of `channels` bytes, malloc'd) as orientation says, in a new
 * buffer: the old one is freed and *px, *w, *h updated (w and h swapped for 5..8). Orientation 1
 * or a value outside 1..8 changes nothing. Returns 0, or -1 with "out of memory" (*px then
 * untouched). */
int image_orient_apply(uint8_t **px, int *w, int *h, int channels, int orientation,
                       struct rm_status *st);

#endif
