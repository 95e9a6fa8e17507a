#ifndef RESNET_MNIST_PLOT_H
#define RESNET_MNIST_PLOT_H

#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Line plots written as PNG (stb_image_write), text drawn with stb_truetype from a TrueType font
 * found on the system (DejaVu Sans from fonts-dejavu-core), or with a built-in fallback when no
 * font file is found, so that a readable plot is always written.
 *
 * The environment variable RESNET_MNIST_FONT names a TrueType file to try before the system
 * fonts (one that cannot be loaded is passed over); RESNET_MNIST_FONT=none selects the built-in
 * font. */

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

/* The layout of plot_write_digit_grid, in pixels. Cell k (0-based) of a grid of
 * cols = min(columns, n) columns sits in row k / cols, column k % cols, with its top-left corner
 * at (left + column * PLOT_GRID_CELL_W, PLOT_GRID_TITLE_H + row * PLOT_GRID_CELL_H), where
 * left = (width - cols * PLOT_GRID_CELL_W) / 2. In a cell, the digit (28 x PLOT_GRID_SCALE
 * pixels square, in a light grey frame just outside it) starts PLOT_GRID_DIGIT_X from the cell's
 * left and PLOT_GRID_DIGIT_Y from its top; the caption lines follow PLOT_GRID_CAPTION_GAP below
 * the digit, PLOT_GRID_LINE_H apart, each centred. */
#define PLOT_GRID_SCALE       4
#define PLOT_GRID_DIGIT       (28 * PLOT_GRID_SCALE)
#define PLOT_GRID_CELL_W      140
#define PLOT_GRID_DIGIT_X     ((PLOT_GRID_CELL_W - PLOT_GRID_DIGIT) / 2)
#define PLOT_GRID_DIGIT_Y     10
#define PLOT_GRID_CAPTION_GAP 6
#define PLOT_GRID_LINE_H      18
#define PLOT_GRID_LINES       2 /* caption lines per cell; further lines are left out */
#define PLOT_GRID_CELL_H                                                                           \
    (PLOT_GRID_DIGIT_Y + PLOT_GRID_DIGIT + PLOT_GRID_CAPTION_GAP +                                 \
     PLOT_GRID_LINES * PLOT_GRID_LINE_H + 10)
#define PLOT_GRID_TITLE_H 50  /* the title's band at the top */
#define PLOT_GRID_MARGIN  16  /* left, right and below the cells */
#define PLOT_GRID_MIN_W   480 /* narrower grids are centred in this width, to fit the title */

/* Draws n MNIST digits (images: n x 28 x 28 bytes, 0 background to 255 ink, as in the IDX files)
 * in rows of `columns`, each enlarged PLOT_GRID_SCALE times (every pixel a square: what the
 * network saw) as dark ink on white, with captions[k] (may be NULL, or captions[k] NULL or "":
 * none) under digit k: up to PLOT_GRID_LINES lines separated by '\n', each shrunk to fit the
 * cell's width. title (NULL or "": none) is centred in the band above. Text comes from the same
 * fonts as plot_write_png. The image is width = max(2 * PLOT_GRID_MARGIN + cols *
 * PLOT_GRID_CELL_W, PLOT_GRID_MIN_W) by height = PLOT_GRID_TITLE_H + rows * PLOT_GRID_CELL_H +
 * PLOT_GRID_MARGIN pixels, RGB, written atomically to path as plot_write_png does. Returns 0, or
 * -1 with "<path>: <problem>" in st: no images, n < 1, columns < 1, an image over 8192 pixels on
 * a side, out of memory, or the file cannot be written. */
int plot_write_digit_grid(const char *path, const char *title, const uint8_t *images,
                          const char *const *captions, int n, int columns, struct rm_status *st);

#endif
