#ifndef RESNET_MNIST_IMAGE_PLAIN_H
#define RESNET_MNIST_IMAGE_PLAIN_H

#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* How predict prepares a picture for a data set of images that are not digits (Fashion-MNIST):
 * no cropping to ink, a plain resize, with the polarity the data set was made with. */

/* Writes the 28x28 grey image of the picture pixels (h rows of w pixels of `channels` bytes:
 * grey, grey+alpha, RGB, RGBA; colour made grey as 0.299 R + 0.587 G + 0.114 B, alpha laid on
 * white as ink_map does)
 * into out: the picture padded to a square with its border's mean grey (centred), then
 * averaged over 28x28 equal boxes (each output pixel the exact area-weighted mean of the input
 * it covers). When the border is lighter than mid-grey (mean > 127.5) the result is inverted,
 * so that the background is black and the object light, as Fashion-MNIST's images are.
 * -1 ("out of memory") or 0. */
int image_plain_28(uint8_t *out, const uint8_t *pixels, int w, int h, int channels,
                   struct rm_status *st);

#endif
