#ifndef RESNET_MNIST_RASTER_H
#define RESNET_MNIST_RASTER_H

#include <stddef.h>
#include <stdint.h>

/* An RGB raster with coverage-based anti-aliasing, the canvas that plot.c, text.c and
 * digit_grid.c draw on before the picture becomes 8-bit pixels for png_write. Each channel is
 * kept as a 16-bit fixed-point value (v * 65535): fine enough that blending many shapes into a
 * pixel rounds nothing visible in 8 bits, and half the memory of floats (a plot is drawn at each
 * epoch's end, when a training run's memory peaks).
 *
 * Coordinates are pixels, y down; pixel (i, j) covers [i, i+1) x [j, j+1). Colours are sRGB
 * values in [0, 1], and drawing blends: p += (c - p) * alpha, alpha clamped to 1.
 *
 * Shapes that must not darken where they overlap (the segments and markers of one line series)
 * go into a raster_mask first: it keeps the largest coverage of each pixel, and
 * raster_mask_composite blends it into the raster once. */

struct raster_color {
    float r, g, b;
};

/* An axis-aligned rectangle [x0, x1) x [y0, y1) in pixel coordinates. */
struct raster_rect {
    double x0, y0, x1, y1;
};

struct raster {
    int w, h;
    uint16_t *rgb; /* w*h*3, row-major, value * 65535 */
};

/* Coverage of shapes, clipped to a box, blended into a raster in one go. */
struct raster_mask {
    int w, h;
    uint16_t *a;            /* w*h coverages in [0, 1], times 65535 */
    int cx0, cy0, cx1, cy1; /* clip box, pixels [cx0, cx1) x [cy0, cy1) */
    int bx0, by0, bx1, by1; /* box touched since the last composite (empty when bx0 >= bx1) */
};

/* 0xRRGGBB as a colour. */
struct raster_color raster_color_hex(uint32_t rgb);

static inline struct raster_rect raster_rect_make(double x0, double y0, double x1, double y1)
{
    struct raster_rect r = {x0, y0, x1, y1};
    return r;
}

/* r moved outwards by d on every side (inwards for d < 0). */
static inline struct raster_rect raster_rect_grow(struct raster_rect r, double d)
{
    return raster_rect_make(r.x0 - d, r.y0 - d, r.x1 + d, r.y1 + d);
}

/* Allocates a w x h raster (w, h >= 1), filled with white. Returns 0, or -1 when out of memory
 * (r is then empty; raster_free accepts it). */
int raster_init(struct raster *r, int w, int h);
/* Frees the pixels of a raster from raster_init, or of a zeroed one. */
void raster_free(struct raster *r);
/* Sets every pixel to c. */
void raster_fill(struct raster *r, struct raster_color c);

/* Blends c with opacity a into pixel (x, y); pixels outside the raster and a <= 0 (or NaN) are
 * left alone. */
void raster_blend_pixel(struct raster *r, int x, int y, struct raster_color c, float a);

/* Blends the rectangle rect in c with opacity alpha, each pixel weighted by the part of it that
 * rect covers: edges on whole pixels come out crisp, fractional ones smooth. */
void raster_fill_rect(struct raster *r, struct raster_rect rect, struct raster_color c,
                      float alpha);

/* Channel ch (0 red, 1 green, 2 blue) of pixel (x, y), in [0, 1]. */
float raster_get(const struct raster *r, int x, int y, int ch);

/* Writes the raster as 8-bit RGB (v -> round(v * 255), clamped to 0..255) into img, an image
 * stride pixels wide, with the raster's top-left corner at (x0, y0); the caller makes sure that
 * it fits. img must not overlap the raster's pixels. */
void raster_store_rgb8(const struct raster *r, uint8_t *img, size_t stride, int x0, int y0);
/* Turns the raster into its 8-bit RGB picture (w*h*3 bytes, as raster_store_rgb8) in its own
 * memory, which the caller then owns and frees; the raster is left empty. Needs no second
 * buffer. */
uint8_t *raster_take_rgb8(struct raster *r);

/* The coverage of mask pixel (x, y), in [0, 1]. */
float raster_mask_get(const struct raster_mask *m, int x, int y);

/* Allocates a w x h mask of zero coverage, clipped to the whole of it. Returns 0 or -1 (out of
 * memory; raster_mask_free accepts the half-built mask). */
int raster_mask_init(struct raster_mask *m, int w, int h);
/* Frees a mask from raster_mask_init (or a zeroed one) and zeroes it. */
void raster_mask_free(struct raster_mask *m);
/* Clips the shapes drawn from now on to pixels [x0, x1) x [y0, y1) (within the mask). */
void raster_mask_clip(struct raster_mask *m, int x0, int y0, int x1, int y1);

/* A segment from (ax, ay) to (bx, by) of half-width hw with round caps. A pixel's coverage is
 * clamp(hw + 0.5 - d), d the distance from its centre to the segment: exact for a straight edge
 * crossing the pixel, close enough at the caps. */
void raster_mask_add_segment(struct raster_mask *m, double ax, double ay, double bx, double by,
                             double hw);
/* A filled disc of radius r about (cx, cy) when ring_hw <= 0, else a ring of half-width ring_hw
 * around that circle. */
void raster_mask_add_circle(struct raster_mask *m, double cx, double cy, double r, double ring_hw);
/* The rectangle rect with corners rounded to radius rad. */
void raster_mask_add_round_rect(struct raster_mask *m, struct raster_rect rect, double rad);

/* Blends the mask into r (of the mask's size) in c, each pixel with opacity coverage * alpha,
 * and clears the mask for the next shapes. */
void raster_mask_composite(struct raster_mask *m, struct raster *r, struct raster_color c,
                           float alpha);

#endif
