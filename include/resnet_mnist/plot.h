#ifndef RESNET_MNIST_PLOT_H
#define RESNET_MNIST_PLOT_H

#include <stdint.h>

#include "resnet_mnist/status.h"

/* Line plots written as PNG (stb_image_write), text drawn with stb_truetype from a TrueType font
 * found on the system (DejaVu Sans from fonts-dejavu-core), or with a built-in fallback when no
 * font file is found, so that a readable plot is always written. */

struct plot_series {
    const char *label;      /* legend text; the legend is drawn when there are >= 2 series */
    const double *x;        /* n values */
    const double *y;        /* n values */
    int n;
    uint32_t rgb;           /* 0xRRGGBB */
    int label_points;       /* write each point's value to 4 decimals above it (the tutorial) */
    int mark_best;          /* +1: mark the maximum, -1: mark the minimum, 0: none */
};

struct plot_spec {
    const char *title;
    const char *xlabel;
    const char *ylabel;
    int width, height;      /* pixels; 0 picks a default (1200x800) */
    const struct plot_series *series;
    int nseries;
};

/* Draws the plot and writes it atomically to path. Handles 1 point as well as hundreds
 * (ticks and point labels thin out so that text never overlaps). */
int plot_write_png(const char *path, const struct plot_spec *spec, struct rm_status *st);

#endif
