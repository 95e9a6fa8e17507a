#ifndef RESNET_MNIST_DIGIT_GRID_H
#define RESNET_MNIST_DIGIT_GRID_H

#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Pictures of MNIST digits in a grid, written as PNG: the misclassified images of
 * `test --errors` (captioned, dark ink on white) and the images `predict --show` fed the network
 * (tiles edge to edge, the grey levels as they are). One renderer draws both; a
 * struct digit_grid_look says how.
 *
 * Layout: cell k (0-based) of a grid of cols = min(columns, n) columns sits in row k / cols,
 * column k % cols, with its top-left corner at (left + column * cell_w, title_h + row * cell_h),
 * where left = (width - cols * cell_w) / 2, width = max(2 * margin + cols * cell_w, min_w) and
 * height = title_h + rows * cell_h + margin. In a cell, the digit (28 * scale pixels square,
 * every MNIST pixel a square: what the network saw) has its top-left corner at
 * (digit_x, digit_y); caption line i is centred in the cell, its top DIGIT_GRID_CAPTION_GAP +
 * i * DIGIT_GRID_LINE_H below the digit. */

enum digit_grid_frame {
    DIGIT_GRID_FRAME_NONE,
    DIGIT_GRID_FRAME_AROUND, /* a 1-pixel ring in frame_rgb just outside the digit */
    DIGIT_GRID_FRAME_EDGE,   /* the digit's own outermost ring of pixels in frame_rgb */
};

struct digit_grid_look {
    int scale;            /* each MNIST pixel becomes scale x scale pixels, >= 1 */
    int cell_w, cell_h;   /* a cell holds the digit (and its AROUND frame) */
    int digit_x, digit_y; /* the digit's top-left corner in its cell */
    int caption_lines;    /* caption lines drawn under the digit; 0: captions are ignored */
    int title_h;          /* the title's band above the cells; 0: the title is ignored */
    int margin;           /* left, right and below the cells */
    int min_w;            /* narrower grids are centred in this width (to fit the title) */
    int max_side;         /* images wider or taller than this are refused */
    uint32_t paper;       /* 0xRRGGBB: the background of the image, the cells and the digits */
    uint32_t ink;         /* 0xRRGGBB: an MNIST pixel v is ink with opacity v / 255 on paper */
    enum digit_grid_frame frame;
    uint32_t frame_rgb;
};

/* The look of test --errors (DIGIT_GRID_* below): cells of DIGIT_GRID_CELL_W x DIGIT_GRID_CELL_H
 * with the digit enlarged DIGIT_GRID_SCALE times, dark ink on white in a light grey frame, up to
 * DIGIT_GRID_LINES caption lines, a title band, margins, at most DIGIT_GRID_MAX_SIDE pixels on a
 * side. */
#define DIGIT_GRID_SCALE       4
#define DIGIT_GRID_DIGIT       (28 * DIGIT_GRID_SCALE)
#define DIGIT_GRID_CELL_W      140
#define DIGIT_GRID_DIGIT_X     ((DIGIT_GRID_CELL_W - DIGIT_GRID_DIGIT) / 2)
#define DIGIT_GRID_DIGIT_Y     10
#define DIGIT_GRID_CAPTION_GAP 6
#define DIGIT_GRID_LINE_H      18
#define DIGIT_GRID_LINES       2 /* caption lines per cell; further lines are left out */
#define DIGIT_GRID_CELL_H                                                                          \
    (DIGIT_GRID_DIGIT_Y + DIGIT_GRID_DIGIT + DIGIT_GRID_CAPTION_GAP +                              \
     DIGIT_GRID_LINES * DIGIT_GRID_LINE_H + 10)
#define DIGIT_GRID_TITLE_H  50  /* the title's band at the top */
#define DIGIT_GRID_MARGIN   16  /* left, right and below the cells */
#define DIGIT_GRID_MIN_W    480 /* narrower grids are centred in this width, to fit the title */
#define DIGIT_GRID_MAX_SIDE 8192
struct digit_grid_look digit_grid_look_captioned(void);

/* The look of predict --show: tiles of 28 * scale pixels edge to edge, no title, captions or
 * margins, the grey levels as the network saw them (light ink on black, empty tiles black), and,
 * when scale > 2, each tile's outermost ring of pixels in a dim blue (0x203070) so that
 * neighbouring black backgrounds stay apart. Up to 65535 pixels on a side (PNG's limit). */
struct digit_grid_look digit_grid_look_tiles(int scale);

/* Draws n MNIST digits (images: n x 28 x 28 bytes, 0 background to 255 ink, as in the IDX files)
 * in rows of `columns` as look says, with captions[k] (captions may be NULL, or captions[k] NULL
 * or "": none) under digit k: up to look->caption_lines lines separated by '\n', each shrunk to
 * fit the cell's width. title (NULL or "": none) is centred in the band above. Text is dark (for a
 * light paper) and comes from the fonts of text.h. Writes the RGB image atomically to path
 * (png_write). Returns 0, or -1 with "<path>: <problem>" in st: no images, n < 1, columns < 1, a
 * look that is NULL or whose digit does not fit its cell, an image over look->max_side pixels on
 * a side, out of memory, or the file cannot be written. */
int digit_grid_write_png(const char *path, const struct digit_grid_look *look, const char *title,
                         const uint8_t *images, const char *const *captions, int n, int columns,
                         struct rm_status *st);

#endif
