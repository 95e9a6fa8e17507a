/* Pictures of handwritten digits prepared as MNIST's were (digit_prep.h).
 *
 * MNIST's digits (LeCun et al.) were size-normalised to fit a 20x20 box keeping their aspect
 * ratio, anti-aliased, and centred in a 28x28 field by their centre of mass; the ink is light
 * (255) on a black (0) background. A user's picture differs from that in every respect: any
 * size, any position, usually dark ink on light paper, grey or colour, maybe transparent. The
 * steps below undo each difference in turn. */
#include "resnet_mnist/io/digit_prep.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/image.h"

/* Pixels with at least this much ink (0..1, step 3) define the bounding box. MNIST's own
 * digits have faint anti-aliased edges below it; on them, this box is the same as the box of
 * all non-zero pixels. */
#define DIGIT_PREP_CROP_LEVEL 0.1f
/* Output pixels resampled around the 20x20 box: the edges below the crop level, and what the
 * frame shows when the centre of mass is off the box's centre. */
#define DIGIT_PREP_MARGIN ((DIGIT_PREP_SIZE - DIGIT_PREP_BOX) / 2)

/* Step 1: grey levels 0..255, alpha composited on white (0.299/0.587/0.114 as ITU-R BT.601,
 * which PIL's convert("L") also uses). */
static void to_grey(float *g, const uint8_t *p, size_t n, int channels)
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

/* Step 2: the median of the pixels on the picture's outer edge (all of them for pictures one
 * or two pixels thick). -1 when out of memory. */
static int border_median(const float *g, int w, int h, float *median)
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

/* Steps 4-6 on the normalised ink map (values 0..1) with its bounding box. */
static int place_digit(uint8_t *out, const float *ink, int w, int h, int x0, int y0, int bw, int bh,
                       struct rm_status *st)
{
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

int digit_prep_pixels(uint8_t *out, const uint8_t *pixels, int w, int h, int channels,
                      struct rm_status *st)
{
    if (!out || !pixels || w < 1 || h < 1 || channels < 1 || channels > 4)
        return rm_fail(st, "invalid image (%dx%d pixels, %d channels)", w, h, channels);
    if ((long long)w * h > DIGIT_PREP_MAX_PIXELS)
        return rm_fail(st, "image too large (%dx%d pixels, at most %ld)", w, h,
                       (long)DIGIT_PREP_MAX_PIXELS);
    size_t n = (size_t)w * h;
    float *ink = malloc(n * sizeof *ink);
    if (!ink)
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    to_grey(ink, pixels, n, channels);

    /* step 2: the background is what the border mostly shows; the ink is whichever side of it
     * the picture reaches farther into */
    float bg, lo = 255.0f, hi = 0.0f;
    if (border_median(ink, w, h, &bg) != 0) {
        free(ink);
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    }
    for (size_t i = 0; i < n; i++) {
        lo = ink[i] < lo ? ink[i] : lo;
        hi = ink[i] > hi ? ink[i] : hi;
    }
    float dark = bg - lo, light = hi - bg;
    int invert = dark > light || (dark == light && bg > 127.5f);
    float range = invert ? dark : light;
    if (range < DIGIT_PREP_MIN_CONTRAST) {
        free(ink);
        return rm_fail(st, "no ink found (blank image)");
    }

    /* step 3: ink 0..1 over the background, and its bounding box */
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float *v = &ink[(size_t)y * w + x];
            float t = (invert ? bg - *v : *v - bg) / range;
            *v = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
            if (*v >= DIGIT_PREP_CROP_LEVEL) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
        }
    int rc = place_digit(out, ink, w, h, x0, y0, x1 - x0 + 1, y1 - y0 + 1, st);
    free(ink);
    return rc;
}

int digit_prep_load_image(const char *path, uint8_t **pixels, int *w, int *h, int *channels,
                          struct rm_status *st)
{
    *pixels = NULL;
    *w = *h = *channels = 0;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size > IMAGE_MAX_FILE_BYTES)
        return rm_fail(st, "%s: cannot read image: file too large (%jd bytes, at most %zu)", path,
                       (intmax_t)sb.st_size, IMAGE_MAX_FILE_BYTES);
    unsigned char *data = NULL;
    size_t len = 0;
    if (file_read_all(path, &data, &len, st) != 0)
        return -1;
    int rc = image_decode(data, len, path, pixels, w, h, channels, st);
    free(data);
    return rc;
}

int digit_prep_file(uint8_t *out, const char *path, struct rm_status *st)
{
    uint8_t *pixels;
    int w, h, c;
    if (digit_prep_load_image(path, &pixels, &w, &h, &c, st) != 0)
        return -1;
    struct rm_status why;
    int rc = digit_prep_pixels(out, pixels, w, h, c, &why);
    free(pixels);
    if (rc != 0)
        return rm_fail(st, "%s: %s", path, why.msg);
    return 0;
}
