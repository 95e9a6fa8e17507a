#ifndef RESNET_MNIST_PNG_H
#define RESNET_MNIST_PNG_H

#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Writes an 8-bit image as a PNG file (encoded with stb_image_write), atomically (fileio.h): on
 * failure an existing file at path is left as it was. pixels holds h rows of w pixels of
 * `channels` bytes (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), rows packed without padding.
 * Refuses, writing nothing, sizes outside 1..65535, channels outside 1..4 and images of 512 MiB
 * or more ("<path>: cannot write PNG: ..."); other failures are "<path>: <reason>". */
int png_write(const char *path, const uint8_t *pixels, int w, int h, int channels,
              struct rm_status *st);

#endif
