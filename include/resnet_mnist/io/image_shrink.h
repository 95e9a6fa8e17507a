#ifndef RESNET_MNIST_IMAGE_SHRINK_H
#define RESNET_MNIST_IMAGE_SHRINK_H

#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Pictures are prepared at no more than this many pixels: the most the preparation was tuned
 * and measured on (the README's test pictures are at most 2000 x 2000, so none of them is
 * shrunk). A phone's 4000 x 3000 photo took 6.0-6.4 s and 373 MB to prepare at full size,
 * 1.4-1.5 s and 98 MB at a quarter of it. A limit on the area rather than on the longer side
 * keeps the digits of a long strip (a number on a receipt) as large as they can be. Shrinking
 * further was measured on the dev pictures (longer side at most 1200: one single digit more
 * right and two numbers fewer; 800: a number shrunk to 513 x 371 lost every digit). */
#define IMAGE_WORK_PIXELS (2000L * 2000L)

/* A single digit (digit_prep_file) is prepared at no more than this many pixels: a digit needs
 * no more than a few hundred pixels across, and at a common working size the paper's grain and
 * the preparation's pixel-sized steps look alike on every picture. On the dev pictures with the
 * fast-recipe model, a grainy 2 beside a shadow (803 pixels high) was read right shrunk and no
 * other single digit changed, with limits from 400 x 400 to 600 x 600 pixels. */
#define DIGIT_WORK_PIXELS (600L * 600L)

/* Shrinks an 8-bit picture of `channels` interleaved channels of more than max_pixels pixels by
 * the smallest whole factor f that brings it within max_pixels: each new pixel is the mean of an
 * f x f block (clipped at the right and bottom edges), rounded. *pixels is replaced (the old
 * block freed) and *w, *h updated; a picture already small enough is left as it is (f = 1).
 * *factor (when not NULL) gets f: pixel (x, y) of the result covers the original's
 * [f x, f x + f) x [f y, f y + f). Returns 0, or -1 when out of memory (the picture then
 * unchanged). */
int image_shrink(uint8_t **pixels, int *w, int *h, int channels, long max_pixels, int *factor,
                 struct rm_status *st);

#endif
