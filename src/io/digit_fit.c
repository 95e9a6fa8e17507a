/* The MNIST fit (digit_prep_fit in digit_prep.h): the ink inside a box scaled so that its longer
 * side is 20 pixels, the strongest ink made 255, and the result placed in a 28x28 frame by its
 * centre of mass, as LeCun et al. prepared MNIST's digits. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/digit_prep.h"

/* Output pixels resampled around the 20x20 box: the edges below the crop level, and what the
 * frame shows when the centre of mass is off the box's centre. */
#define DIGIT_PREP_MARGIN ((DIGIT_PREP_SIZE - DIGIT_PREP_BOX) / 2)

/* Step 4's resampling along one axis, as a table of weights: output o (0 <= o < n) covers the
 * source interval [start + (o - DIGIT_PREP_MARGIN) * r, ... + r) of an axis of src_len pixels,
 * r = source pixels per output pixel. Shrinking (r > 1) averages the covered area (each source
 * pixel weighted by its overlap, a box filter); enlarging (r <= 1) interpolates linearly
 * between pixel centres. Source pixels outside the picture are background (0) and left out. */
struct axis_map {
    int n;      /* outputs */
    int taps;   /* weights per output (row length of w) */
    int *first; /* [n] first source pixel of output o */
    int *count; /* [n] number of source pixels of output o */
    float *w;   /* [n][taps] their weights */
};

static void axis_map_free(struct axis_map *a)
{
    free(a->first);
    free(a->count);
    free(a->w);
    memset(a, 0, sizeof *a);
}

static int axis_map_init(struct axis_map *a, int n, int src_len, double start, double r)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->taps = r > 1.0 ? (int)ceil(r) + 1 : 2;
    a->first = malloc((size_t)n * sizeof *a->first);
    a->count = malloc((size_t)n * sizeof *a->count);
    a->w = malloc((size_t)n * (size_t)a->taps * sizeof *a->w);
    if (!a->first || !a->count || !a->w) {
        axis_map_free(a);
        return -1;
    }
    for (int o = 0; o < n; o++) {
        double lo = start + (o - DIGIT_PREP_MARGIN) * r;
        float *w = a->w + (size_t)o * a->taps;
        int j0, cnt = 0, first = -1;
        if (r > 1.0) {
            double hi = lo + r;
            j0 = (int)floor(lo);
            for (int j = j0; j < hi && j - j0 < a->taps; j++) {
                double ov = fmin(hi, j + 1.0) - fmax(lo, (double)j);
                if (j < 0 || j >= src_len || ov <= 0.0)
                    continue;
                if (first < 0)
                    first = j;
                w[cnt++] = (float)(ov / r);
            }
        } else {
            double x = lo + 0.5 * r - 0.5; /* the output pixel's centre, in source pixels */
            j0 = (int)floor(x);
            double t = x - j0;
            for (int k = 0; k < 2; k++) {
                int j = j0 + k;
                if (j < 0 || j >= src_len)
                    continue;
                if (first < 0)
                    first = j;
                w[cnt++] = (float)(k ? t : 1.0 - t);
            }
        }
        a->first[o] = first < 0 ? 0 : first;
        a->count[o] = cnt;
    }
    return 0;
}

/* Step 4: resamples ink (w x h) through the two axis maps into canvas (ay->n rows of ax->n),
 * columns first. tmp holds (rows the vertical map reads) x ax->n floats. */
static void resample(float *canvas, const float *ink, int w, const struct axis_map *ax,
                     const struct axis_map *ay, float *tmp, int y_lo, int y_hi)
{
    for (int y = y_lo; y <= y_hi; y++) {
        const float *row = ink + (size_t)y * w;
        float *t = tmp + (size_t)(y - y_lo) * ax->n;
        for (int o = 0; o < ax->n; o++) {
            const float *wt = ax->w + (size_t)o * ax->taps;
            const float *s = row + ax->first[o];
            double acc = 0.0;
            for (int k = 0; k < ax->count[o]; k++)
                acc += (double)wt[k] * s[k];
            t[o] = (float)acc;
        }
    }
    for (int o = 0; o < ay->n; o++) {
        const float *wt = ay->w + (size_t)o * ay->taps;
        float *dst = canvas + (size_t)o * ax->n;
        for (int x = 0; x < ax->n; x++) {
            double acc = 0.0;
            for (int k = 0; k < ay->count[o]; k++)
                acc += (double)wt[k] * tmp[(size_t)(ay->first[o] + k - y_lo) * ax->n + x];
            dst[x] = (float)acc;
        }
    }
}

int digit_prep_fit(uint8_t *out, const float *ink, int w, int h, int x0, int y0, int x1, int y1,
                   struct rm_status *st)
{
    if (!out || !ink || w < 1 || h < 1 || x0 < 0 || y0 < 0 || x1 > w || y1 > h || x0 >= x1 ||
        y0 >= y1)
        return rm_fail(st, "invalid box [%d,%d)x[%d,%d) in a %dx%d picture", x0, x1, y0, y1, w, h);
    int bw = x1 - x0, bh = y1 - y0;
    /* the longer side becomes DIGIT_PREP_BOX pixels, the shorter one keeps the aspect ratio */
    int sw = DIGIT_PREP_BOX, sh = DIGIT_PREP_BOX;
    if (bw >= bh)
        sh = (int)lround((double)bh * DIGIT_PREP_BOX / bw);
    else
        sw = (int)lround((double)bw * DIGIT_PREP_BOX / bh);
    sw = sw < 1 ? 1 : sw;
    sh = sh < 1 ? 1 : sh;
    struct axis_map ax, ay;
    int rc = -1;
    size_t nc = 0;
    float *tmp = NULL, *canvas = NULL;
    if (axis_map_init(&ax, sw + 2 * DIGIT_PREP_MARGIN, w, x0, (double)bw / sw) != 0)
        return rm_fail(st, "out of memory");
    if (axis_map_init(&ay, sh + 2 * DIGIT_PREP_MARGIN, h, y0, (double)bh / sh) != 0) {
        axis_map_free(&ax);
        return rm_fail(st, "out of memory");
    }
    /* the rows the vertical pass reads */
    int y_lo = h, y_hi = -1;
    for (int o = 0; o < ay.n; o++)
        if (ay.count[o] > 0) {
            y_lo = ay.first[o] < y_lo ? ay.first[o] : y_lo;
            int last = ay.first[o] + ay.count[o] - 1;
            y_hi = last > y_hi ? last : y_hi;
        }
    if (y_hi < y_lo) { /* cannot happen: the box itself is inside the picture */
        rm_fail(st, "no ink found (blank image)");
        goto done;
    }
    nc = (size_t)ax.n * ay.n;
    tmp = malloc((size_t)(y_hi - y_lo + 1) * ax.n * sizeof *tmp);
    canvas = malloc(nc * sizeof *canvas);
    if (!tmp || !canvas) {
        rm_fail(st, "out of memory");
        goto done;
    }
    resample(canvas, ink, w, &ax, &ay, tmp, y_lo, y_hi);

    /* step 5: the strongest ink becomes 255, as in MNIST, also when shrinking a thin pen line
     * has greyed it */
    float vmax = 0.0f;
    for (size_t i = 0; i < nc; i++)
        vmax = canvas[i] > vmax ? canvas[i] : vmax;
    if (vmax <= 0.0f) {
        rm_fail(st, "no ink found (blank image)");
        goto done;
    }
    /* step 6: centre of mass, pixel (r, c) at (r, c) */
    double sum = 0.0, sx = 0.0, sy = 0.0;
    for (int y = 0; y < ay.n; y++)
        for (int x = 0; x < ax.n; x++) {
            double v = canvas[(size_t)y * ax.n + x];
            sum += v;
            sx += v * x;
            sy += v * y;
        }
    const double centre = DIGIT_PREP_SIZE / 2;
    long dx = lround(centre - sx / sum), dy = lround(centre - sy / sum);
    for (int r = 0; r < DIGIT_PREP_SIZE; r++)
        for (int c = 0; c < DIGIT_PREP_SIZE; c++) {
            long y = r - dy, x = c - dx;
            float v = 0.0f;
            if (y >= 0 && y < ay.n && x >= 0 && x < ax.n)
                v = canvas[(size_t)y * ax.n + (size_t)x] / vmax;
            v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
            out[r * DIGIT_PREP_SIZE + c] = (uint8_t)lrintf(v * 255.0f);
        }
    rc = 0;
done:
    free(tmp);
    free(canvas);
    axis_map_free(&ax);
    axis_map_free(&ay);
    return rc;
}
