#ifndef RESNET_MNIST_CONV_WINOGRAD_PRIVATE_H
#define RESNET_MNIST_CONV_WINOGRAD_PRIVATE_H

#include <stddef.h>

#include "resnet_mnist/ops/conv2d.h"
#include "resnet_mnist/ops/conv_winograd.h"

/* The tiles conv_winograd.c knows, for the tests and scripts/winograd_report.c to compare:
 * F(m x m, r x r) with the interpolation points it names (infinity is always the last). */
enum conv_winograd_tile {
    CONV_WINOGRAD_F2_3,  /* F(2x2, 3x3), 4x4 tiles, points 0, 1, -1 */
    CONV_WINOGRAD_F4_3,  /* F(4x4, 3x3), 6x6 tiles, points 0, +-1, +-2 (Lavin & Gray) */
    CONV_WINOGRAD_F2_5,  /* F(2x2, 5x5), 6x6 tiles, points 0, +-1, +-2 */
    CONV_WINOGRAD_F2_5H, /* F(2x2, 5x5), 6x6 tiles, points 0, +-1, +-1/2 */
    CONV_WINOGRAD_TILES
};

/* The tile conv_winograd_forward and the others use for shape s. */
enum conv_winograd_tile conv_winograd_default_tile(const struct conv2d_shape *s);
/* Whether tile k fits shape s (its kernel size, and conv_winograd_ok's other conditions). */
int conv_winograd_tile_ok(enum conv_winograd_tile k, const struct conv2d_shape *s);
/* "F(2x2,3x3)" and so on. */
const char *conv_winograd_tile_name(enum conv_winograd_tile k);
/* Multiplications in the elementwise products (the GEMMs) for shape s, forward pass; the
 * transforms add multiplications by small constants, counted in *transform_mults. */
double conv_winograd_mults(enum conv_winograd_tile k, const struct conv2d_shape *s,
                           double *transform_mults);

/* The three products of the public header, with tile k. */
size_t conv_winograd_tile_scratch_floats(enum conv_winograd_tile k, const struct conv2d_shape *s);
void conv_winograd_tile_forward(enum conv_winograd_tile k, float *y, const float *x, const float *w,
                                const float *b, int relu, float *scratch,
                                const struct conv2d_shape *s);
void conv_winograd_tile_input_grad(enum conv_winograd_tile k, float *dx, const float *dy,
                                   const float *w, float *scratch, const struct conv2d_shape *s);
void conv_winograd_tile_weight_grad(enum conv_winograd_tile k, float *dw, float *db,
                                    const float *dy, const float *x, float *scratch,
                                    const struct conv2d_shape *s);

#endif
