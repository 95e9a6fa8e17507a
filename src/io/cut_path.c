/* Least-ink paths down a picture (cut_path.h): dynamic programming row by row, each pixel of the
 * window reached from the cheapest of the three above it. */
#include "resnet_mnist/io/cut_path.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

double cut_path_find(const float *cost, int w, int h, int lo, int hi, int *path)
{
    int ww = hi - lo;
    double *sum = malloc((size_t)ww * h * sizeof *sum);        /* best cost to reach a pixel */
    signed char *from = malloc((size_t)ww * h * sizeof *from); /* -1, 0, 1: the column above */
    if (!sum || !from) {
        free(sum);
        free(from);
        return -1;
    }
    for (int y = 0; y < h; y++)
        for (int i = 0; i < ww; i++) {
            double c = cost[(size_t)y * w + lo + i], best = 0;
            int step = 0;
            if (y > 0) {
                best = sum[(size_t)(y - 1) * ww + i];
                for (int d = -1; d <= 1; d += 2)
                    if (i + d >= 0 && i + d < ww &&
                        sum[(size_t)(y - 1) * ww + i + d] + CUT_PATH_SHIFT_COST < best) {
                        best = sum[(size_t)(y - 1) * ww + i + d] + CUT_PATH_SHIFT_COST;
                        step = d;
                    }
            }
            sum[(size_t)y * ww + i] = best + c;
            from[(size_t)y * ww + i] = (signed char)step;
        }
    double mid = 0.5 * (ww - 1);
    int at = 0;
    for (int i = 1; i < ww; i++) {
        double a = sum[(size_t)(h - 1) * ww + i], b = sum[(size_t)(h - 1) * ww + at];
        if (a < b || (a == b && fabs(i - mid) < fabs(at - mid)))
            at = i;
    }
    double ink = 0;
    for (int y = h - 1; y >= 0; y--) {
        path[y] = lo + at;
        ink += cost[(size_t)y * w + lo + at];
        at += from[(size_t)y * ww + at];
    }
    free(sum);
    free(from);
    return ink;
}
