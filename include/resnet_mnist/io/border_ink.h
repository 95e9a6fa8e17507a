#ifndef RESNET_MNIST_BORDER_INK_H
#define RESNET_MNIST_BORDER_INK_H

#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* A dark region along the picture's edge (a strip of the table, a shadow's corner) far darker
 * than the digits takes Otsu's level for itself: the blurred or faint digits fall below it and
 * the mask holds only the region. Otsu's level is then taken again over the rest of the picture
 * (for whole numbers: digit_prep_ink). */

/* The region: the mask's pieces touching the picture's edge, when they hold at least this share
 * of the mask's ink... */
#define BORDER_INK_SHARE 0.9
/* ...and the level taken again without them keeps pixels of ink at least this share of the
 * first level's (the digits, not the paper's grain: on a picture whose only ink is the region
 * the second level falls into the grain; at 0.3, 534 dev numbers of 600 against 535). */
#define BORDER_INK_MIN_LEVEL 0.2f

/* On the mask (w*h bytes, ink >= *level) of an ink map (w*h floats 0..1): when the pieces
 * touching the edge hold BORDER_INK_SHARE of its ink, Otsu's level over the other pixels; when
 * that is at least BORDER_INK_MIN_LEVEL of *level, the mask is thresholded at it, with the
 * edge's pieces left as they were, and *level set to it. Returns 1 when it did, 0 when not, -1
 * with "out of memory" (or blobs_find's error). */
int border_ink_recut(const float *ink, uint8_t *mask, int w, int h, float *level,
                     struct rm_status *st);

#endif
