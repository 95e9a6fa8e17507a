/* The ink of a picture with its paper and lighting removed (ink_map.h). */
#include "resnet_mnist/io/ink_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* stb_image_resize does the area averaging down to the grid and the interpolation back; static,
 * so that another file of the program may include it too. */
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_STATIC
#include "stb_begin.h"
#include <stb_image_resize.h>
#include "stb_end.h"

void ink_map_grey(float *g, const uint8_t *p, size_t n, int channels)
{
    for (size_t i = 0; i < n; i++, p += channels) {
        float v, a = 1.0f;
        if (channels <= 2)
            v = p[0];
        else
            v = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
        if (channels == 2 || channels == 4)
            a = p[channels - 1] / 255.0f;
        g[i] = a * v + (1.0f - a) * 255.0f;
    }
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int ink_map_border_median(const float *g, int w, int h, float *median)
{
    size_t n = (w <= 2 || h <= 2) ? (size_t)w * h : 2 * (size_t)w + 2 * (size_t)h - 4, k = 0;
    float *b = malloc(n * sizeof *b);
    if (!b)
        return -1;
    if (w <= 2 || h <= 2) {
        memcpy(b, g, n * sizeof *b);
        k = n;
    } else {
        for (int x = 0; x < w; x++) {
            b[k++] = g[x];
            b[k++] = g[(size_t)(h - 1) * w + x];
        }
        for (int y = 1; y < h - 1; y++) {
            b[k++] = g[(size_t)y * w];
            b[k++] = g[(size_t)y * w + w - 1];
        }
    }
    qsort(b, k, sizeof *b, cmp_float);
    *median = k % 2 ? b[k / 2] : 0.5f * (b[k / 2 - 1] + b[k / 2]);
    free(b);
    return 0;
}

int ink_map_polarity(const float *g, int w, int h, float *border, float *contrast)
{
    float lo = 255.0f, hi = 0.0f;
    if (ink_map_border_median(g, w, h, border) != 0)
        return -1;
    /* the median of all pixels, to the grey level: the paper covers most of a picture, even when
     * a table, a shadow or a vignette darkens its border */
    size_t n = (size_t)w * h, hist[256] = {0}, seen = 0;
    for (size_t i = 0; i < n; i++) {
        lo = g[i] < lo ? g[i] : lo;
        hi = g[i] > hi ? g[i] : hi;
        float v = g[i] < 0.0f ? 0.0f : g[i] > 255.0f ? 255.0f : g[i];
        hist[(int)(v + 0.5f)]++;
    }
    float bg = 0.0f;
    for (int v = 0; v < 256; v++) {
        seen += hist[v];
        if (2 * seen >= n) {
            bg = (float)v;
            break;
        }
    }
    float dark = bg - lo, light = hi - bg;
    int dark_ink = dark > light || (dark == light && bg > 127.5f);
    /* the contrast from the border's level, as before, on the side chosen */
    *contrast = dark_ink ? *border - lo : hi - *border;
    return dark_ink;
}

/* The paper's brightness at cell (x, y) of a w x h grid, from the cells of the (2r+1)^2 window
 * about it (clipped to the grid): gs = mean of g * paper, ks = paper share, per cell. A plane
 * a + b dx + c dy fitted by least squares, each cell weighted by its paper, gives a at the cell
 * (a plain mean would be biased by a gradient near the picture's edges), kept within the range
 * of the window's mostly-paper cells; the plain mean when the plane is undetermined. Returns 0,
 * or -1 when the window holds less than INK_MAP_MIN_PAPER of paper. */
static int window_fit(float *out, const float *gs, const float *ks, int w, int h, int x, int y,
                      int r)
{
    double s0 = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, t0 = 0, tx = 0, ty = 0;
    float lo = INFINITY, hi = -INFINITY;
    int cells = 0;
    for (int j = y - r; j <= y + r; j++)
        for (int i = x - r; i <= x + r; i++) {
            if (i < 0 || j < 0 || i >= w || j >= h)
                continue;
            size_t c = (size_t)j * w + i;
            double k = ks[c], v = gs[c], dx = i - x, dy = j - y;
            cells++;
            s0 += k;
            sx += k * dx;
            sy += k * dy;
            sxx += k * dx * dx;
            syy += k * dy * dy;
            sxy += k * dx * dy;
            t0 += v;
            tx += v * dx;
            ty += v * dy;
            if (k >= 0.5) {
                float m = (float)(v / k);
                lo = m < lo ? m : lo;
                hi = m > hi ? m : hi;
            }
        }
    if (s0 <= 0.0 || s0 < INK_MAP_MIN_PAPER * cells)
        return -1;
    double det =
        s0 * (sxx * syy - sxy * sxy) - sx * (sx * syy - sxy * sy) + sy * (sx * sxy - sxx * sy);
    double a = t0 / s0;
    if (det > 1e-6 * s0 * sxx * syy && sxx > 0.0 && syy > 0.0) {
        a = (t0 * (sxx * syy - sxy * sxy) - sx * (tx * syy - sxy * ty) +
             sy * (tx * sxy - sxx * ty)) /
            det;
        if (lo <= hi)
            a = a < lo ? lo : a > hi ? hi : a;
    }
    *out = (float)a;
    return 0;
}

static int resize(const float *in, int iw, int ih, float *out, int ow, int oh, stbir_filter f)
{
    return stbir_resize_float_generic(in, iw, ih, 0, out, ow, oh, 0, 1, STBIR_ALPHA_CHANNEL_NONE, 0,
                                      STBIR_EDGE_CLAMP, f, STBIR_COLORSPACE_LINEAR, NULL)
               ? 0
               : -1;
}

int ink_map_background(float *bg, const float *g, const uint8_t *ink_mask, int w, int h,
                       struct rm_status *st)
{
    size_t n = (size_t)w * h;
    int longer = w > h ? w : h;
    double scale = longer > INK_MAP_GRID ? (double)INK_MAP_GRID / longer : 1.0;
    int sw = (int)lround(w * scale), sh = (int)lround(h * scale);
    sw = sw < 1 ? 1 : sw;
    sh = sh < 1 ? 1 : sh;
    size_t sn = (size_t)sw * sh;
    int r = (int)lround((sw > sh ? sw : sh) / 8.0);
    r = r < 1 ? 1 : r;
    float *kept = calloc(n, sizeof *kept), *small = calloc(3 * sn, sizeof *small);
    int rc = -1;
    if (!kept || !small)
        goto done;
    float *gs = small, *ks = small + sn, *bs = small + 2 * sn;
    /* g where it is paper (else 0), and the paper's share of each pixel (1 or 0) */
    double total = 0.0, count = 0.0;
    float top = 0.0f;
    for (size_t i = 0; i < n; i++) {
        int paper = !ink_mask || !ink_mask[i];
        kept[i] = paper ? g[i] : 0.0f;
        total += kept[i];
        count += paper;
        top = g[i] > top ? g[i] : top;
    }
    if (resize(kept, w, h, gs, sw, sh, STBIR_FILTER_BOX) != 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        kept[i] = !ink_mask || !ink_mask[i] ? 1.0f : 0.0f;
    if (resize(kept, w, h, ks, sw, sh, STBIR_FILTER_BOX) != 0)
        goto done;
    /* each cell's paper from its window; a window with less than INK_MAP_MIN_PAPER of paper
     * (inside a large digit) takes a window twice as wide */
    float fill = count > 0.0 ? (float)(total / count) : top;
    for (size_t i = 0; i < sn; i++)
        bs[i] = -1.0f;
    int missing = 1;
    for (int last = 0; missing && !last; r *= 2) {
        last = r >= (sw > sh ? sw : sh);
        missing = 0;
        for (size_t i = 0; i < sn; i++)
            if (bs[i] < 0.0f && window_fit(&bs[i], gs, ks, sw, sh, (int)(i % (size_t)sw),
                                           (int)(i / (size_t)sw), r) != 0)
                missing = 1;
    }
    for (size_t i = 0; i < sn; i++)
        bs[i] = bs[i] >= 0.0f ? bs[i] : fill;
    if (resize(bs, sw, sh, bg, w, h, STBIR_FILTER_TRIANGLE) != 0)
        goto done;
    rc = 0;
done:
    free(kept);
    free(small);
    return rc == 0 ? 0 : rm_fail(st, "out of memory (%dx%d pixels)", w, h);
}

/* The lengths of the runs of set pixels along one axis that do not touch the picture's edge,
 * counted in hist[0..len_max]. */
static void count_runs(const uint8_t *m, int len, size_t step, int lines, size_t line_step,
                       size_t *hist, int len_max)
{
    for (int l = 0; l < lines; l++) {
        const uint8_t *p = m + (size_t)l * line_step;
        int start = -1;
        for (int i = 0; i <= len; i++) {
            int set = i < len && p[(size_t)i * step];
            if (set && start < 0)
                start = i;
            if (!set && start >= 0) {
                int run = i - start;
                if (start > 0 && i < len)
                    hist[run < len_max ? run : len_max]++;
                start = -1;
            }
        }
    }
}

static int hist_median(const size_t *hist, int len_max)
{
    size_t total = 0, seen = 0;
    for (int i = 0; i <= len_max; i++)
        total += hist[i];
    if (total == 0)
        return 0;
    for (int i = 0; i <= len_max; i++) {
        seen += hist[i];
        if (2 * seen >= total)
            return i;
    }
    return len_max;
}

int ink_map_stroke_width(const uint8_t *mask, int w, int h, float *width)
{
    int len_max = w > h ? w : h;
    size_t *hh = calloc((size_t)len_max + 1, sizeof *hh),
           *hv = calloc((size_t)len_max + 1, sizeof *hv);
    if (!hh || !hv) {
        free(hh);
        free(hv);
        return -1;
    }
    count_runs(mask, w, 1, h, (size_t)w, hh, len_max);
    count_runs(mask, h, (size_t)w, w, 1, hv, len_max);
    int mh = hist_median(hh, len_max), mv = hist_median(hv, len_max);
    free(hh);
    free(hv);
    int m = mh && mv ? (mh < mv ? mh : mv) : mh ? mh : mv;
    *width = (float)(m > 0 ? m : 1);
    return 0;
}

/* One axis of a running max (take_max) or min over 2r+1 pixels, clipped to the line. */
static void extreme_line(float *out, const float *in, int len, size_t step, int r, int take_max)
{
    for (int i = 0; i < len; i++) {
        int a = i - r < 0 ? 0 : i - r, b = i + r >= len ? len - 1 : i + r;
        float v = in[(size_t)a * step];
        for (int j = a + 1; j <= b; j++) {
            float x = in[(size_t)j * step];
            v = take_max ? (x > v ? x : v) : (x < v ? x : v);
        }
        out[(size_t)i * step] = v;
    }
}

/* v filtered by a (2r+1)^2 square: max, min or mean (mode 1, 0, 2), through tmp. */
static void square_filter(float *v, float *tmp, int w, int h, int r, int mode)
{
    for (int pass = 0; pass < 2; pass++) {
        const float *in = pass ? tmp : v;
        float *out = pass ? v : tmp;
        int len = pass ? h : w, lines = pass ? w : h;
        size_t step = pass ? (size_t)w : 1, line_step = pass ? 1 : (size_t)w;
        for (int l = 0; l < lines; l++) {
            const float *p = in + (size_t)l * line_step;
            float *q = out + (size_t)l * line_step;
            if (mode < 2) {
                extreme_line(q, p, len, step, r, mode);
                continue;
            }
            for (int i = 0; i < len; i++) {
                int a = i - r < 0 ? 0 : i - r, b = i + r >= len ? len - 1 : i + r;
                double sum = 0.0;
                for (int j = a; j <= b; j++)
                    sum += p[(size_t)j * step];
                q[(size_t)i * step] = (float)(sum / (b - a + 1));
            }
        }
    }
}

int ink_map_closing(float *bg, const float *g, int w, int h, float stroke, int sharp,
                    struct rm_status *st)
{
    int longer = w > h ? w : h;
    double f = stroke / 3.0;
    f = f > (double)longer / INK_MAP_CLOSING_GRID ? f : (double)longer / INK_MAP_CLOSING_GRID;
    f = f < 1.0 ? 1.0 : f;
    int sw = (int)lround(w / f), sh = (int)lround(h / f);
    sw = sw < 1 ? 1 : sw;
    sh = sh < 1 ? 1 : sh;
    size_t sn = (size_t)sw * sh;
    int r = (int)ceil(INK_MAP_CLOSING_WIDTH * stroke / f) + 1;
    float *small = malloc(3 * sn * sizeof *small);
    if (!small)
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    float *tmp = small + sn, *closed = small + 2 * sn;
    if (resize(g, w, h, small, sw, sh, STBIR_FILTER_BOX) != 0) {
        free(small);
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    }
    square_filter(small, tmp, sw, sh, r, 1);
    square_filter(small, tmp, sw, sh, r, 0);
    memcpy(closed, small, sn * sizeof *small);
    square_filter(small, tmp, sw, sh, r / 3 > 1 ? r / 3 : 1, 2);
    /* the mean spreads the lit paper's level r / 3 cells into a sharp shadow, which then reads
     * as ink; the lower of the two keeps the shadow's level up to its edge */
    for (size_t i = 0; sharp && i < sn; i++)
        small[i] = closed[i] < small[i] ? closed[i] : small[i];
    int rc = resize(small, sw, sh, bg, w, h, STBIR_FILTER_TRIANGLE);
    free(small);
    return rc == 0 ? 0 : rm_fail(st, "out of memory (%dx%d pixels)", w, h);
}

void ink_map_flatten(float *ink, const float *g, const float *bg, size_t n, float ref)
{
    for (size_t i = 0; i < n; i++) {
        float b = bg[i] < 1.0f ? 1.0f : bg[i];
        float v = (b - g[i]) * (ref / b);
        ink[i] = v > 0.0f ? v : 0.0f;
    }
}

float ink_map_normalise(float *v, size_t n)
{
    float top = 0.0f;
    for (size_t i = 0; i < n; i++)
        top = v[i] > top ? v[i] : top;
    if (top > 0.0f)
        for (size_t i = 0; i < n; i++) {
            float t = v[i] / top;
            v[i] = t > 1.0f ? 1.0f : t;
        }
    return top;
}

float ink_map_otsu(const float *v, size_t n)
{
    double hist[256] = {0};
    for (size_t i = 0; i < n; i++) {
        float x = v[i] < 0.0f ? 0.0f : v[i] > 1.0f ? 1.0f : v[i];
        hist[(int)(x * 255.0f + 0.5f)] += 1.0;
    }
    double total = 0.0, sum = 0.0;
    for (int b = 0; b < 256; b++) {
        total += hist[b];
        sum += b * hist[b];
    }
    /* class 0 = bins < t, class 1 = bins >= t; the best t maximises w0 w1 (m0 - m1)^2; ties keep
     * the middle of the best run, so that a gap between two modes is split in its middle */
    double w0 = 0.0, s0 = 0.0, best = -1.0;
    int best_lo = 256, best_hi = 256;
    for (int t = 1; t < 256; t++) {
        w0 += hist[t - 1];
        s0 += (t - 1) * hist[t - 1];
        double w1 = total - w0;
        if (w0 <= 0.0 || w1 <= 0.0)
            continue;
        double d = s0 / w0 - (sum - s0) / w1, var = w0 * w1 * d * d;
        if (var > best * (1.0 + 1e-12)) {
            best = var;
            best_lo = best_hi = t;
        } else if (var >= best * (1.0 - 1e-12) && best_hi == t - 1) {
            best_hi = t;
        }
    }
    if (best < 0.0)
        return 1.0f;
    /* bins are centred on b / 255: the threshold between bins t-1 and t is (t - 0.5) / 255 */
    return (float)((0.5 * (best_lo + best_hi) - 0.5) / 255.0);
}

void ink_map_threshold(uint8_t *mask, const float *v, size_t n, float t)
{
    for (size_t i = 0; i < n; i++)
        mask[i] = v[i] >= t;
}

/* One axis of the dilation: out[i] = 1 when a set pixel lies within r along the axis. */
static void dilate_line(uint8_t *out, const uint8_t *in, int len, size_t step, int r)
{
    int last = -r - 1; /* the last set pixel seen, going forward */
    for (int i = 0; i < len; i++) {
        if (in[(size_t)i * step])
            last = i;
        out[(size_t)i * step] = i - last <= r;
    }
    last = len + r + 1; /* the next set pixel, going backward */
    for (int i = len - 1; i >= 0; i--) {
        if (in[(size_t)i * step])
            last = i;
        out[(size_t)i * step] |= last - i <= r;
    }
}

int ink_map_dilate(uint8_t *mask, int w, int h, int r)
{
    if (r <= 0)
        return 0;
    uint8_t *tmp = malloc((size_t)w * h);
    if (!tmp)
        return -1;
    for (int y = 0; y < h; y++)
        dilate_line(tmp + (size_t)y * w, mask + (size_t)y * w, w, 1, r);
    for (int x = 0; x < w; x++)
        dilate_line(mask + x, tmp + x, h, (size_t)w, r);
    free(tmp);
    return 0;
}

double ink_map_paper_share(const uint8_t *mask, size_t n)
{
    size_t paper = 0;
    for (size_t i = 0; i < n; i++)
        paper += !mask[i];
    return n ? (double)paper / n : 0.0;
}

int ink_map_build(float *ink, uint8_t *mask, const uint8_t *px, int w, int h, int channels,
                  int polarity, float stroke, int sharp, struct ink_map_info *info,
                  struct rm_status *st)
{
    size_t n = (size_t)w * h;
    struct ink_map_info local;
    info = info ? info : &local;
    memset(info, 0, sizeof *info);
    float *g = malloc(n * sizeof *g), *bg = malloc(n * sizeof *bg);
    int rc = -1;
    if (!g || !bg) {
        rm_fail(st, "out of memory (%dx%d pixels)", w, h);
        goto done;
    }
    ink_map_grey(g, px, n, channels);
    float border, contrast;
    int dark = ink_map_polarity(g, w, h, &border, &contrast);
    if (dark < 0) {
        rm_fail(st, "out of memory (%dx%d pixels)", w, h);
        goto done;
    }
    if (polarity != INK_MAP_DECIDE && polarity != dark) {
        /* the caller's polarity: the contrast from the border's level on that side */
        float lo = 255.0f, hi = 0.0f;
        for (size_t i = 0; i < n; i++) {
            lo = g[i] < lo ? g[i] : lo;
            hi = g[i] > hi ? g[i] : hi;
        }
        dark = polarity;
        contrast = dark ? border - lo : hi - border;
    }
    info->dark_ink = dark;
    info->background = border;
    if (contrast < INK_MAP_MIN_CONTRAST) {
        rm_fail(st, "no ink found (blank image)");
        goto done;
    }
    /* from here on the ink is dark on light paper */
    if (!dark) {
        for (size_t i = 0; i < n; i++)
            g[i] = 255.0f - g[i];
        border = 255.0f - border;
    }
    if (stroke > 0.0f) {
        /* strokes of a known width: the closing follows a shadow's edge */
        if (ink_map_closing(bg, g, w, h, stroke, sharp, st) != 0)
            goto done;
    } else {
        /* a first background from every pixel finds the ink roughly (a large digit darkens it);
         * each next one leaves out the ink the previous one found, down to a quarter of Otsu's
         * level and a little around it (the anti-aliased rim) */
        if (ink_map_background(bg, g, NULL, w, h, st) != 0)
            goto done;
        for (int pass = 0; pass < INK_MAP_PASSES; pass++) {
            ink_map_flatten(ink, g, bg, n, 255.0f);
            ink_map_normalise(ink, n);
            ink_map_threshold(mask, ink, n, INK_MAP_PROVISIONAL * ink_map_otsu(ink, n));
            if (ink_map_dilate(mask, w, h, 1 + (w > h ? w : h) / 256) != 0) {
                rm_fail(st, "out of memory (%dx%d pixels)", w, h);
                goto done;
            }
            /* the paper's grain under a shadow's low level can mask all of it: the background
             * then stays the last one that had paper to go by */
            if (ink_map_paper_share(mask, n) < INK_MAP_MIN_PAPER_LEFT)
                break;
            if (ink_map_background(bg, g, mask, w, h, st) != 0)
                goto done;
        }
    }
    float lo = bg[0], hi = bg[0];
    for (size_t i = 0; i < n; i++) {
        lo = bg[i] < lo ? bg[i] : lo;
        hi = bg[i] > hi ? bg[i] : hi;
    }
    info->spread = hi - lo;
    info->flat = hi - lo <= INK_MAP_FLAT_LEVELS;
    if (info->flat) {
        /* one paper level: the ink is the plain difference to it, from the original grey levels
         * (255 - g is not always exact in floats) */
        ink_map_grey(g, px, n, channels);
        for (size_t i = 0; i < n; i++) {
            float v = dark ? info->background - g[i] : g[i] - info->background;
            ink[i] = v > 0.0f ? v : 0.0f;
        }
    } else {
        ink_map_flatten(ink, g, bg, n, hi);
    }
    info->range = ink_map_normalise(ink, n);
    if (info->range < INK_MAP_MIN_CONTRAST) {
        rm_fail(st, "no ink found (blank image)");
        goto done;
    }
    info->level = ink_map_otsu(ink, n);
    ink_map_threshold(mask, ink, n, info->level);
    rc = 0;
done:
    free(g);
    free(bg);
    return rc;
}
