/* Whole-factor box shrinking of large pictures (image_shrink.h). */
#include "resnet_mnist/io/image_shrink.h"

#include <stdlib.h>

int image_shrink(uint8_t **pixels, int *w, int *h, int channels, long max_pixels, int *factor,
                 struct rm_status *st)
{
    if (factor)
        *factor = 1;
    if ((long long)*w * *h <= max_pixels || max_pixels < 1)
        return 0;
    int f = 2;
    while ((long long)((*w + f - 1) / f) * ((*h + f - 1) / f) > max_pixels)
        f++;
    int nw = (*w + f - 1) / f, nh = (*h + f - 1) / f;
    uint8_t *out = malloc((size_t)nw * (size_t)nh * (size_t)channels);
    uint32_t *sum = calloc((size_t)nw * (size_t)channels, sizeof *sum);
    if (!out || !sum) {
        free(out);
        free(sum);
        return rm_fail(st, "out of memory shrinking a %dx%d picture", *w, *h);
    }
    const uint8_t *in = *pixels;
    for (int oy = 0; oy < nh; oy++) {
        int y0 = oy * f, y1 = y0 + f < *h ? y0 + f : *h;
        /* the rows of the block, summed per output column and channel */
        for (int y = y0; y < y1; y++) {
            const uint8_t *row = in + (size_t)y * (size_t)*w * (size_t)channels;
            for (int x = 0; x < *w; x++)
                for (int c = 0; c < channels; c++)
                    sum[(size_t)(x / f) * (size_t)channels + (size_t)c] +=
                        row[(size_t)x * (size_t)channels + (size_t)c];
        }
        for (int ox = 0; ox < nw; ox++) {
            int x0 = ox * f, x1 = x0 + f < *w ? x0 + f : *w;
            uint32_t n = (uint32_t)((x1 - x0) * (y1 - y0));
            for (int c = 0; c < channels; c++) {
                uint32_t *s = &sum[(size_t)ox * (size_t)channels + (size_t)c];
                out[((size_t)oy * (size_t)nw + (size_t)ox) * (size_t)channels + (size_t)c] =
                    (uint8_t)((*s + n / 2) / n);
                *s = 0;
            }
        }
    }
    free(sum);
    free(*pixels);
    *pixels = out;
    *w = nw;
    *h = nh;
    if (factor)
        *factor = f;
    return 0;
}
