/* A picture as a plain 28x28 image: see image_plain.h. */
#include "resnet_mnist/io/image_plain.h"

#include <stdlib.h>

#define SIDE 28

/* Pixel (x, y)'s grey (BT.601), alpha laid on white as ink_map does: a transparent
 * background counts as paper. */
static double grey_at(const uint8_t *px, int w, int channels, int x, int y)
{
    const uint8_t *p = px + ((size_t)y * w + x) * (size_t)channels;
    double g = channels >= 3 ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0];
    if (channels == 2 || channels == 4) {
        double a = p[channels - 1] / 255.0;
        g = a * g + (1 - a) * 255.0;
    }
    return g;
}

/* The part of [a, a+1) that [lo, hi) covers. */
static double overlap(double a, double lo, double hi)
{
    double l = a > lo ? a : lo, r = a + 1 < hi ? a + 1 : hi;
    return r > l ? r - l : 0;
}

int image_plain_28(uint8_t *out, const uint8_t *pixels, int w, int h, int channels,
                   struct rm_status *st)
{
    /* the border's mean: the background's grey */
    double border = 0;
    long count = 0;
    for (int x = 0; x < w; x++) {
        border += grey_at(pixels, w, channels, x, 0) + grey_at(pixels, w, channels, x, h - 1);
        count += 2;
    }
    for (int y = 1; y + 1 < h; y++) {
        border += grey_at(pixels, w, channels, 0, y) + grey_at(pixels, w, channels, w - 1, y);
        count += 2;
    }
    border /= (double)count;
    int side = w > h ? w : h, ox = (side - w) / 2, oy = (side - h) / 2;
    /* the square picture's grey rows, padded with the border's grey */
    double *sq = malloc((size_t)side * (size_t)side * sizeof *sq);
    if (!sq)
        return rm_fail(st, "out of memory");
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            int ix = x - ox, iy = y - oy;
            sq[(size_t)y * side + x] = ix >= 0 && ix < w && iy >= 0 && iy < h
                                           ? grey_at(pixels, w, channels, ix, iy)
                                           : border;
        }
    double box = (double)side / SIDE; /* input pixels per output pixel, each way */
    for (int oyy = 0; oyy < SIDE; oyy++)
        for (int oxx = 0; oxx < SIDE; oxx++) {
            double y0 = oyy * box, y1 = y0 + box, x0 = oxx * box, x1 = x0 + box, sum = 0;
            for (int y = (int)y0; y < side && y < y1; y++) {
                double fy = overlap(y, y0, y1);
                for (int x = (int)x0; x < side && x < x1; x++)
                    sum += fy * overlap(x, x0, x1) * sq[(size_t)y * side + x];
            }
            double v = sum / (box * box);
            if (border > 127.5)
                v = 255 - v;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            out[oyy * SIDE + oxx] = (uint8_t)(v + 0.5);
        }
    free(sq);
    return 0;
}
