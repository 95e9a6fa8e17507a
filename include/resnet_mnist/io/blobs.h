#ifndef RESNET_MNIST_BLOBS_H
#define RESNET_MNIST_BLOBS_H

#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Connected components of a binary mask: the pieces of ink in a picture (a digit's strokes,
 * specks, the paper's edge), each with the statistics that tell them apart. */

struct blob {
    int x0, y0, x1, y1; /* bounding box, x1/y1 exclusive */
    int area;           /* mask pixels */
    double ink;         /* sum of the ink map over the blob's pixels (or area if no map) */
    double cx, cy;      /* centre of mass of the ink (pixel (x, y) at (x, y)) */
    int touches_border; /* 1 when the blob touches the picture's edge */
};

/* Labels the 8-connected components of mask (w*h bytes, row-major, non-zero = ink). labels
 * (w*h int32, may be NULL) gets 0 for background and i+1 for blob i. ink (w*h floats, may be
 * NULL) weights ink/cx/cy; without it every mask pixel weighs 1, and a blob whose ink sums to
 * 0 or less has its cx/cy at the plain mean of its pixels. *blobs is malloc'd (caller frees;
 * NULL when there is none), *count blobs, in order of their first pixel in raster order.
 * Iterative (two passes and a union-find over provisional labels), so any picture up to
 * IMAGE_MAX_PIXELS works; temporary memory is about 4 bytes a pixel when labels is NULL, plus
 * 4 bytes per provisional label. Returns 0, or -1 with "out of memory" or
 * "invalid size WxH for connected components" (w or h below 1, or more than IMAGE_MAX_PIXELS
 * pixels); *blobs is then NULL and *count 0. */
int blobs_find(const uint8_t *mask, int w, int h, const float *ink, int32_t *labels,
               struct blob **blobs, int *count, struct rm_status *st);

#endif
