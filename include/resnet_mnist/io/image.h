#ifndef RESNET_MNIST_IMAGE_H
#define RESNET_MNIST_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Pictures from untrusted files, decoded by code that checks every read: PNG with libpng and
 * JPEG with libjpeg-turbo (their errors become status errors, and libjpeg's warnings, which it
 * gives for corrupt or cut data that it would otherwise pad, are errors too); BMP and binary
 * PGM/PPM (P5/P6) by small strict decoders here, which compute from the header the exact number
 * of bytes the pixels need and refuse a shorter file. Every other format is refused by name.
 * The size a header declares is checked before anything is allocated for it. */

/* Pictures with more pixels than this are refused (memory: about 9 bytes a pixel to prepare). */
#define IMAGE_MAX_PIXELS (64L * 1024 * 1024)
/* Files larger than this are refused before reading. */
#define IMAGE_MAX_FILE_BYTES ((size_t)256 * 1024 * 1024)

/* Decodes the picture in data[0..len) into 8-bit pixels: *pixels (malloc'd, caller frees) holds
 * *h rows of *w pixels of *channels bytes: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA, as the file
 * stores them (palettes become RGB, a PNG's tRNS an alpha channel, 16-bit samples keep their
 * high byte, PGM/PPM samples with another maxval are scaled to 0..255). name is only for
 * messages. Errors, with *pixels NULL:
 *   "<name>: cannot read image: empty file",
 *   "<name>: cannot read image: a GIF file (PNG, JPEG, BMP and PGM/PPM are read)" (and TIFF,
 *   WebP, ... by name; "not a PNG, JPEG, BMP or PGM/PPM file" when unknown),
 *   "<name>: cannot read image: truncated ..." and the decoders' other reasons,
 *   "<name>: image too large (WxH pixels, at most IMAGE_MAX_PIXELS)". */
int image_decode(const uint8_t *data, size_t len, const char *name, uint8_t **pixels, int *w,
                 int *h, int *channels, struct rm_status *st);

#endif
