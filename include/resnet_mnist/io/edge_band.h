#ifndef RESNET_MNIST_EDGE_BAND_H
#define RESNET_MNIST_EDGE_BAND_H

#include <stdint.h>

/* A band of a shadow or of the table along one side of a picture, which the ink map leaves as
 * ink: a shadow's or the paper's edge sharper than the paper's estimate can follow (a step in the
 * paper's brightness) makes everything beyond it ink at the shadow's level, in one piece with
 * the digit where the digit touches it, and cropped with it as a bar beside the digit. Strokes are
 * not like it: a band runs the whole length of its side, from the picture's edge to a straight
 * inner edge. */

/* A side holds a band when its mask reaches in from the picture's edge along at least this
 * share of the side's length... */
#define EDGE_BAND_COVER 0.9
/* ...and the band's inner edge lies on a straight line (within EDGE_BAND_TOL of the side's
 * length, at least 2 pixels) along at least this share of it (the digit touching the band
 * pushes its inner edge out along the rest)... */
#define EDGE_BAND_STRAIGHT 0.6
#define EDGE_BAND_TOL      0.02
/* ...no deeper than this share of the picture across the side at either end (a band, not the
 * picture's content)... */
#define EDGE_BAND_DEPTH 0.4
/* ...where the mask's gaps shorter than this share of the side's length (at least 2 pixels),
 * the grain of the shadow's edge, do not end the band. */
#define EDGE_BAND_GAP 0.02
/* The band's soft edge beyond that line is the band's too: the depths at which the median ink
 * along the side is still this share of the band's own level (the highest median at a depth
 * inside it), up to EDGE_BAND_SOFT_MAX of the picture across the side. */
#define EDGE_BAND_SOFT     0.25
#define EDGE_BAND_SOFT_MAX 0.1
/* Inside the band the paper is the shadow's (or the table's): at each depth, the band's median
 * ink p there is taken out, (ink - p) / (1 - p), and only ink at least this share of the way
 * from p to 1 stays (a stroke crossing into a shadow; not the table's texture). */
#define EDGE_BAND_STRONG 0.5f

/* Finds the bands (EDGE_BAND_*) of the mask (w*h bytes, non-zero = ink) along the picture's four
 * sides, and over each (out to its inner edge's line, EDGE_BAND_TOL of the side's length beyond
 * it, and across its soft edge) takes the band's own level out of the ink (w*h floats 0..1):
 * what is left is 0, or ink well above the band's. Every side is judged on the mask as given.
 * Returns the number of sides with a band (0..4), or -1 when out of memory (ink then partly
 * changed). */
int edge_band_erase(float *ink, const uint8_t *mask, int w, int h);

#endif
