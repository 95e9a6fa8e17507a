/* Bands of a shadow or the table along a picture's sides (edge_band.h). */
#include "resnet_mnist/io/edge_band.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "resnet_mnist/io/median.h"

/* The pixel at depth k from side s (0 left, 1 right, 2 top, 3 bottom), t along it. */
static size_t at(int s, int t, int k, int w, int h)
{
    int x = s == 0 ? k : s == 1 ? w - 1 - k : t, y = s == 2 ? k : s == 3 ? h - 1 - k : t;
    return (size_t)y * w + x;
}

/* Counts the points t with d[t] > 0 within tol of the line a + b t; with fit, refits a and b by
 * least squares to them first. */
static int near_line(const int *d, int len, double *a, double *b, double tol, int fit)
{
    if (fit) {
        double n = 0, st = 0, sd = 0, stt = 0, std = 0;
        for (int t = 0; t < len; t++)
            if (d[t] > 0 && fabs(d[t] - (*a + *b * t)) <= tol) {
                n++;
                st += t;
                sd += d[t];
                stt += (double)t * t;
                std += (double)t * d[t];
            }
        double det = n * stt - st * st;
        if (n >= 2 && det > 0) {
            *b = (n * std - st * sd) / det;
            *a = (sd - *b * st) / n;
        }
    }
    int in = 0;
    for (int t = 0; t < len; t++)
        in += d[t] > 0 && fabs(d[t] - (*a + *b * t)) <= tol;
    return in;
}

/* 1 and the band's inner edge (depth a + b t at t) when side s holds a band. d, v: room for the
 * side's length. */
static int find_band(const uint8_t *mask, int w, int h, int s, int *d, double *v, double *a,
                     double *b)
{
    int len = s < 2 ? h : w, across = s < 2 ? w : h;
    int gap = (int)lround(EDGE_BAND_GAP * len), covered = 0;
    gap = gap < 2 ? 2 : gap;
    /* the band's depth along the side: up to the first gap in the mask at least `gap` long */
    for (int t = 0; t < len; t++) {
        int k = 0, run = 0;
        for (; k < across && run < gap; k++)
            run = mask[at(s, t, k, w, h)] ? 0 : run + 1;
        d[t] = run >= gap ? k - run : across;
        covered += d[t] > 0;
    }
    if (covered < EDGE_BAND_COVER * len || len < 4)
        return 0;
    /* a robust line first (the digit touching the band pushes its edge out in places): the
     * median slope between points half the side apart, then the median offset */
    int half = len / 2, n = 0;
    for (int t = 0; t + half < len; t++)
        if (d[t] > 0 && d[t + half] > 0)
            v[n++] = (double)(d[t + half] - d[t]) / half;
    if (n == 0)
        return 0;
    *b = median_sort(v, n);
    n = 0;
    for (int t = 0; t < len; t++)
        if (d[t] > 0)
            v[n++] = d[t] - *b * t;
    *a = median_sort(v, n);
    double tol = EDGE_BAND_TOL * len;
    tol = tol < 2.0 ? 2.0 : tol;
    near_line(d, len, a, b, tol, 1);
    if (near_line(d, len, a, b, tol, 0) < EDGE_BAND_STRAIGHT * len)
        return 0;
    double deepest = EDGE_BAND_DEPTH * across, end = *a + *b * (len - 1);
    return *a >= 1.0 && end >= 1.0 && *a <= deepest && end <= deepest;
}

/* The median of the ink at depth line(t) + j, t along side s (v: room for its length). */
static double depth_median(const float *ink, int w, int h, int s, double a, double b, int j,
                           double *v)
{
    int len = s < 2 ? h : w, across = s < 2 ? w : h, n = 0;
    for (int t = 0; t < len; t++) {
        int k = (int)lround(a + b * t) + j;
        if (k >= 0 && k < across)
            v[n++] = ink[at(s, t, k, w, h)];
    }
    return n ? median_sort(v, n) : 0.0;
}

/* Takes the band of side s (inner edge a + b t) out of the ink, as edge_band_erase says. v: room
 * for the side's length. Returns 0, or -1 when out of memory. */
static int erase_band(float *ink, int w, int h, int s, double a, double b, double *v)
{
    int len = s < 2 ? h : w, across = s < 2 ? w : h;
    double tol = EDGE_BAND_TOL * len, level = 0.0;
    tol = tol < 2.0 ? 2.0 : tol;
    /* the band's own level: the highest median ink at a depth inside it */
    int inside = (int)floor(a < a + b * (len - 1) ? a : a + b * (len - 1));
    for (int j = -inside; j <= 0; j++) {
        double m = depth_median(ink, w, h, s, a, b, j, v);
        level = m > level ? m : level;
    }
    int soft = 0, most = (int)lround(EDGE_BAND_SOFT_MAX * across);
    while (soft < most && depth_median(ink, w, h, s, a, b, soft + 1, v) >= EDGE_BAND_SOFT * level)
        soft++;
    /* the paper's level at each depth j from the line, from the band's deepest point to its
     * reach */
    int deepest = (int)ceil(a > a + b * (len - 1) ? a : a + b * (len - 1)) + 1;
    int reach = (int)ceil(soft > tol ? soft : tol) + 1;
    float *paper = malloc((size_t)(deepest + reach + 1) * sizeof *paper);
    if (!paper)
        return -1;
    for (int j = -deepest; j <= reach; j++)
        paper[j + deepest] = (float)depth_median(ink, w, h, s, a, b, j, v);
    for (int t = 0; t < len; t++) {
        int line = (int)lround(a + b * t), kmax = line + reach > across ? across : line + reach;
        for (int k = 0; k < kmax; k++) {
            int j = k - line < -deepest ? -deepest : k - line;
            float p = paper[j + deepest], *q = &ink[at(s, t, k, w, h)];
            float gain = 1.0f - p > 0.05f ? 1.0f / (1.0f - p) : 20.0f;
            *q = *q >= p + EDGE_BAND_STRONG * (1.0f - p) ? (*q - p) * gain : 0.0f;
            *q = *q > 1.0f ? 1.0f : *q;
        }
    }
    free(paper);
    return 0;
}

int edge_band_erase(float *ink, const uint8_t *mask, int w, int h)
{
    int longer = w > h ? w : h, found[4] = {0}, bands = 0;
    double a[4], b[4];
    int *d = malloc((size_t)longer * sizeof *d);
    double *v = malloc((size_t)longer * sizeof *v);
    if (!d || !v) {
        free(d);
        free(v);
        return -1;
    }
    /* every side judged on the mask as it came, before any band is erased */
    for (int s = 0; s < 4; s++)
        bands += found[s] = find_band(mask, w, h, s, d, v, &a[s], &b[s]);
    for (int s = 0; s < 4; s++)
        if (found[s] && erase_band(ink, w, h, s, a[s], b[s], v) != 0)
            bands = -1;
    free(d);
    free(v);
    return bands;
}
