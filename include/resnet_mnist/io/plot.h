#ifndef RESNET_MNIST_PLOT_H
#define RESNET_MNIST_PLOT_H

#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Line plots written as PNG (png.h): the accuracy and loss curves of a run, drawn on a raster
 * (raster.h) with text from the fonts of text.h (a system TrueType font, RESNET_MNIST_FONT, or the
 * built-in fallback, so that a readable plot is always written). */

struct plot_series {
    const char *label; /* legend text (may be NULL); the legend is drawn when there are
                          >= 2 series */
    const double *x;   /* n values */
    const double *y;   /* n values */
    int n;
    uint32_t rgb;     /* 0xRRGGBB */
    int label_points; /* write each point's value to 4 decimals above it (the tutorial),
                         or beside it; labels that would overlap text or hide data are
                         left out */
    int mark_best;    /* +1: mark the maximum, -1: mark the minimum, 0: none; the mark
                         is a ring and "best <y> @ <x>" */
};

struct plot_spec {
    const char *title; /* each of the three may be NULL or "" for none */
    const char *xlabel;
    const char *ylabel;
    int width, height; /* pixels, 200x150 to 8192x8192; 0x0 picks a default (1200x800) */
    const struct plot_series *series;
    int nseries;
};

/* Draws the plot and writes it atomically to path (see fileio.h). Handles 1 point as well as
 * hundreds (ticks and point labels thin out so that text never overlaps). Points whose x or y is
 * NaN or infinite are skipped and break the line, as in matplotlib. Returns 0, or -1 with
 * "<path>: <problem>" in st: no spec, no series, a series with n < 1 or without x or y, a bad
 * size, no finite point at all, out of memory, or the file cannot be written. */
int plot_write_png(const char *path, const struct plot_spec *spec, struct rm_status *st);

#endif
