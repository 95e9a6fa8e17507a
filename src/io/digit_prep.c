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

#include "resnet_mnist/io/border_ink.h"
#include "resnet_mnist/io/edge_band.h"
#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/image.h"
#include "resnet_mnist/io/image_shrink.h"

/* On an unevenly lit picture (and in every pass of the closing, which only such a picture has):
 * a shadow's or the table's band along a side (edge_band.h) taken out of the ink map, which is
 * then normalised and thresholded again; left as it was when nothing but the bands was ink. */
static int erase_bands(float *ink, uint8_t *mask, int w, int h, struct ink_map_info *info,
                       struct rm_status *st)
{
    size_t n = (size_t)w * h;
    float *e = malloc(n * sizeof *e);
    if (!e)
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    memcpy(e, ink, n * sizeof *e);
    int bands = edge_band_erase(e, mask, w, h);
    if (bands < 0) {
        free(e);
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    }
    if (bands > 0 && ink_map_normalise(e, n) > 0.0f) {
        memcpy(ink, e, n * sizeof *e);
        info->level = ink_map_otsu(ink, n);
        ink_map_threshold(mask, ink, n, info->level);
    }
    free(e);
    return 0;
}

/* ink_map_build into new buffers (stroke 0: the paper by blurring, else by a closing); recut as
 * in passes_run. */
static int prep_ink(const uint8_t *pixels, int w, int h, int channels, int polarity, float stroke,
                    int sharp, int recut, float **ink, uint8_t **mask, struct ink_map_info *info,
                    struct rm_status *st)
{
    *ink = NULL;
    *mask = NULL;
    if (!pixels || w < 1 || h < 1 || channels < 1 || channels > 4)
        return rm_fail(st, "invalid image (%dx%d pixels, %d channels)", w, h, channels);
    if ((long long)w * h > DIGIT_PREP_MAX_PIXELS)
        return rm_fail(st, "image too large (%dx%d pixels, at most %ld)", w, h,
                       (long)DIGIT_PREP_MAX_PIXELS);
    size_t n = (size_t)w * h;
    float *f = malloc(n * sizeof *f);
    uint8_t *m = malloc(n);
    if (!f || !m) {
        free(f);
        free(m);
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    }
    if (ink_map_build(f, m, pixels, w, h, channels, polarity, stroke, sharp, info, st) != 0 ||
        ((!info->flat || stroke > 0.0f) &&
         (erase_bands(f, m, w, h, info, st) != 0 ||
          (recut && border_ink_recut(f, m, w, h, &info->level, st) < 0)))) {
        free(f);
        free(m);
        return -1;
    }
    *ink = f;
    *mask = m;
    return 0;
}

/* The gap between a blob's box and a box (x1/y1 exclusive), in pixels: 0 when they touch or
 * overlap. */
static int box_gap(const struct blob *a, int x0, int y0, int x1, int y1)
{
    int gx = a->x0 >= x1 ? a->x0 - x1 : x0 >= a->x1 ? x0 - a->x1 : 0;
    int gy = a->y0 >= y1 ? a->y0 - y1 : y0 >= a->y1 ? y0 - a->y1 : 0;
    return gx > gy ? gx : gy;
}

static int longer_side(int x0, int y0, int x1, int y1)
{
    return x1 - x0 > y1 - y0 ? x1 - x0 : y1 - y0;
}

int digit_prep_choose(const struct blob *b, int count, int w, int h, float stroke,
                      const uint8_t *blot, uint8_t *keep)
{
    if (count <= 0)
        return 0;
    /* the border's pieces (the paper's edge, a shadow, the table) go when something better is
     * inside the picture */
    double extent = DIGIT_PREP_MIN_EXTENT * (w < h ? w : h);
    int inside = 0;
    for (int i = 0; i < count; i++)
        inside |= !b[i].touches_border && longer_side(b[i].x0, b[i].y0, b[i].x1, b[i].y1) >= extent;
    int main = -1;
    for (int i = 0; i < count; i++) {
        keep[i] = 0;
        if (inside && b[i].touches_border)
            continue;
        if (main < 0 || b[i].ink > b[main].ink)
            main = i;
    }
    /* a blot is the digit only when no stroke comes near its ink */
    if (blot && blot[main]) {
        int alt = -1;
        for (int i = 0; i < count; i++)
            if (!blot[i] && !(inside && b[i].touches_border) &&
                b[i].ink >= DIGIT_PREP_BLOT_MAIN_SHARE * b[main].ink &&
                (alt < 0 || b[i].ink > b[alt].ink))
                alt = i;
        main = alt >= 0 ? alt : main;
    }
    /* the digit's box grows by the strokes near it, until none is left to join */
    keep[main] = 1;
    int kept = 1, x0 = b[main].x0, y0 = b[main].y0, x1 = b[main].x1, y1 = b[main].y1, grew = 1;
    while (grew) {
        grew = 0;
        int side = longer_side(x0, y0, x1, y1);
        double gap = DIGIT_PREP_STROKE_GAP * side;
        for (int i = 0; i < count; i++) {
            if (keep[i] || (inside && b[i].touches_border) || (blot && blot[i]))
                continue;
            int g = box_gap(&b[i], x0, y0, x1, y1);
            int stroke_like = longer_side(b[i].x0, b[i].y0, b[i].x1, b[i].y1) >=
                              DIGIT_PREP_STROKE_LENGTH * stroke;
            if (g == 0 || (g <= DIGIT_PREP_NEAR * side && stroke_like) ||
                (g <= gap && stroke_like && b[i].ink >= DIGIT_PREP_SPECK_SHARE * b[main].ink))
                ; /* joins */
            else
                continue;
            keep[i] = 1;
            kept++;
            grew = 1;
            x0 = b[i].x0 < x0 ? b[i].x0 : x0;
            y0 = b[i].y0 < y0 ? b[i].y0 : y0;
            x1 = b[i].x1 > x1 ? b[i].x1 : x1;
            y1 = b[i].y1 > y1 ? b[i].y1 : y1;
        }
    }
    return kept;
}

/* Step 3: the chosen pieces (labels of the Otsu mask, keep per piece) grown through the pixels
 * of at least DIGIT_PREP_CROP_LEVEL connected to them; every other piece at that level is
 * erased from the ink map; the grown pieces' box in *x0.. (x1/y1 exclusive). */
static int grow_chosen(float *ink, const int32_t *labels, const uint8_t *keep, int w, int h,
                       int faint_kept, int *x0, int *y0, int *x1, int *y1, struct rm_status *st)
{
    size_t n = (size_t)w * h;
    uint8_t *weak = malloc(n), *wanted = NULL;
    int32_t *wl = malloc(n * sizeof *wl);
    struct blob *wb = NULL;
    int wn = 0, rc = -1;
    if (!weak || !wl) {
        rm_fail(st, "out of memory (%dx%d pixels)", w, h);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        weak[i] = ink[i] >= DIGIT_PREP_CROP_LEVEL || labels[i] > 0;
    if (blobs_find(weak, w, h, NULL, wl, &wb, &wn, st) != 0)
        goto done;
    wanted = calloc((size_t)wn + 1, 1);
    if (!wanted) {
        rm_fail(st, "out of memory (%dx%d pixels)", w, h);
        goto done;
    }
    /* wanted: 1 = holds a chosen piece, 2 = holds a piece left out, 0 = faint only */
    for (size_t i = 0; i < n; i++)
        if (labels[i] > 0 && wanted[wl[i]] != 1)
            wanted[wl[i]] = keep[labels[i] - 1] ? 1 : 2;
    /* faint ink alone is kept when there are only a few such pieces off the picture's edge (a
     * clean picture's own faint specks); scattered, it is the paper's grain; on the edge, a
     * shadow's or the paper's rim */
    int faint = 0, cx0 = w, cy0 = h, cx1 = 0, cy1 = 0;
    for (int k = 1; k <= wn; k++) {
        faint += wanted[k] == 0;
        if (wanted[k] == 1) {
            cx0 = wb[k - 1].x0 < cx0 ? wb[k - 1].x0 : cx0;
            cy0 = wb[k - 1].y0 < cy0 ? wb[k - 1].y0 : cy0;
            cx1 = wb[k - 1].x1 > cx1 ? wb[k - 1].x1 : cx1;
            cy1 = wb[k - 1].y1 > cy1 ? wb[k - 1].y1 : cy1;
        }
    }
    /* ... and near the digit (a blotch of the paper far from it is not its speck) */
    double near = DIGIT_PREP_FAINT_NEAR * longer_side(cx0, cy0, cx1, cy1);
    for (int k = 1; k <= wn; k++)
        wanted[k] = wanted[k] == 1 || (faint_kept && wanted[k] == 0 && !wb[k - 1].touches_border &&
                                       faint <= DIGIT_PREP_FAINT_PIECES &&
                                       box_gap(&wb[k - 1], cx0, cy0, cx1, cy1) <= near);
    *x0 = w;
    *y0 = h;
    *x1 = *y1 = 0;
    for (int k = 0; k < wn; k++)
        if (wanted[k + 1]) {
            *x0 = wb[k].x0 < *x0 ? wb[k].x0 : *x0;
            *y0 = wb[k].y0 < *y0 ? wb[k].y0 : *y0;
            *x1 = wb[k].x1 > *x1 ? wb[k].x1 : *x1;
            *y1 = wb[k].y1 > *y1 ? wb[k].y1 : *y1;
        }
    for (size_t i = 0; i < n; i++)
        if (wl[i] > 0 && !wanted[wl[i]])
            ink[i] = 0.0f;
    rc = 0;
done:
    free(weak);
    free(wl);
    free(wb);
    free(wanted);
    return rc;
}

/* Step 3 on an unevenly lit picture: the chosen pieces (labels of the Otsu mask, keep per
 * piece, their strokes `stroke` pixels wide) with the pixels of at least DIGIT_PREP_CROP_LEVEL
 * within DIGIT_PREP_RIM stroke widths of them (their blurred edges; not the faint paper beyond,
 * which a shadow or the paper's edge can join to them); all ink farther away is erased; their box
 * in *x0.. (x1/y1 exclusive). chosen: w*h bytes of scratch. */
static int grow_near(float *ink, const int32_t *labels, const uint8_t *keep, float stroke,
                     uint8_t *chosen, int w, int h, int *x0, int *y0, int *x1, int *y1,
                     struct rm_status *st)
{
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++)
        chosen[i] = labels[i] > 0 && keep[labels[i] - 1];
    int r = (int)lround(DIGIT_PREP_RIM * stroke);
    r = r < 2 ? 2 : r;
    if (ink_map_dilate(chosen, w, h, r) != 0)
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    *x0 = w;
    *y0 = h;
    *x1 = *y1 = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (!chosen[i]) {
                ink[i] = 0.0f;
                continue;
            }
            if (ink[i] >= DIGIT_PREP_CROP_LEVEL || labels[i] > 0) {
                *x0 = x < *x0 ? x : *x0;
                *y0 = y < *y0 ? y : *y0;
                *x1 = x + 1 > *x1 ? x + 1 : *x1;
                *y1 = y + 1 > *y1 ? y + 1 : *y1;
            }
        }
    return 0;
}

int digit_prep_stroke(const int32_t *labels, const struct blob *b, int count, const uint8_t *keep,
                      int w, int h, uint8_t *scratch, float *stroke)
{
    /* the grain inside the digit's box joins it as one-pixel pieces, whose runs would outnumber
     * the strokes' */
    double most = 0.0;
    for (int i = 0; i < count; i++)
        most = keep[i] && b[i].ink > most ? b[i].ink : most;
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++) {
        int k = labels[i] - 1;
        scratch[i] = k >= 0 && keep[k] && b[k].ink >= DIGIT_PREP_SPECK_SHARE * most;
    }
    return ink_map_stroke_width(scratch, w, h, stroke);
}

/* Step 2 on an ink map and its mask: the pieces (*b, *count, labels) and the digit's among them
 * (*keep); *stroke the width of the chosen pieces' strokes. */
static int choose_pieces(const float *ink, const uint8_t *mask, int w, int h, int32_t *labels,
                         uint8_t *scratch, struct blob **b, int *count, uint8_t **keep,
                         float *stroke, struct rm_status *st)
{
    *b = NULL;
    *keep = NULL;
    if (blobs_find(mask, w, h, ink, labels, b, count, st) != 0)
        return -1;
    if (*count == 0) /* cannot happen: the strongest ink is above Otsu's level */
        return rm_fail(st, "no ink found (blank image)");
    *keep = malloc((size_t)*count);
    uint8_t *blot = malloc((size_t)*count);
    if (!*keep || !blot || ink_map_stroke_width(mask, w, h, stroke) != 0 ||
        digit_prep_blots(labels, *b, *count, w, *stroke, blot) != 0) {
        free(blot);
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    }
    digit_prep_choose(*b, *count, w, h, *stroke, blot, *keep);
    free(blot);
    if (digit_prep_stroke(labels, *b, *count, *keep, w, h, scratch, stroke) != 0)
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    return 0;
}

/* One preparation of a picture up to the choice of the digit's pieces. */
struct pass {
    float *ink;
    uint8_t *mask, *keep;
    int32_t *labels;
    struct blob *b;
    int count;
    float stroke; /* the chosen pieces' strokes' width, pixels */
    size_t inked; /* pixels of the mask */
    struct ink_map_info info;
};

static void pass_free(struct pass *p)
{
    free(p->ink);
    free(p->mask);
    free(p->keep);
    free(p->labels);
    free(p->b);
    memset(p, 0, sizeof *p);
}

/* ink_map_build (polarity, stroke, sharp as there) and choose_pieces into p. scratch: w*h
 * bytes. */
static int pass_run(struct pass *p, const uint8_t *pixels, int w, int h, int channels, int polarity,
                    float stroke, int sharp, int recut, uint8_t *scratch, struct rm_status *st)
{
    memset(p, 0, sizeof *p);
    if (prep_ink(pixels, w, h, channels, polarity, stroke, sharp, recut, &p->ink, &p->mask,
                 &p->info, st) != 0)
        return -1;
    p->labels = malloc((size_t)w * h * sizeof *p->labels);
    if (!p->labels)
        return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    if (choose_pieces(p->ink, p->mask, w, h, p->labels, scratch, &p->b, &p->count, &p->keep,
                      &p->stroke, st) != 0)
        return -1;
    size_t n = (size_t)w * h;
    p->inked = 0;
    for (size_t i = 0; i < n; i++)
        p->inked += p->mask[i] != 0;
    return 0;
}

/* The passes up to the digit's pieces, into p: the first, by ink_map's polarity; on uneven light
 * the other polarity too, the one whose mask is the smaller kept (the median of the picture may
 * be a shadow, a table or a lit patch, not the paper; ink covers less of a picture than its
 * paper); and then the paper again by a closing as wide as the chosen strokes, which follows a
 * shadow's edge, and the pieces chosen again on that. With alt not NULL, the last pass is run
 * with the sharp closing too, into *alt (left zeroed on an evenly lit picture). recut: Otsu's
 * level taken again without a dark region along the edge (border_ink.h), for whole numbers only
 * (on dev it found two numbers' digits, but single digits lost 5 of 1,800). scratch: w*h
 * bytes. */
static int passes_run(struct pass *p, struct pass *alt, const uint8_t *pixels, int w, int h,
                      int channels, int recut, uint8_t *scratch, struct rm_status *st)
{
    if (alt)
        memset(alt, 0, sizeof *alt);
    if (pass_run(p, pixels, w, h, channels, INK_MAP_DECIDE, 0.0f, 0, recut, scratch, st) != 0)
        return -1;
    if (p->info.flat)
        return 0;
    struct pass q;
    struct rm_status why;
    if (pass_run(&q, pixels, w, h, channels, !p->info.dark_ink, 0.0f, 0, recut, scratch, &why) ==
            0 &&
        q.inked < p->inked) {
        struct pass t = *p;
        *p = q;
        q = t;
    }
    pass_free(&q);
    if (p->info.flat)
        return 0;
    int dark = p->info.dark_ink;
    float stroke = p->stroke;
    pass_free(p);
    if (pass_run(p, pixels, w, h, channels, dark, stroke, 0, recut, scratch, st) != 0)
        return -1;
    /* the second preparation is an offer: when it finds nothing, there is only the first */
    struct rm_status alt_why;
    if (alt &&
        pass_run(alt, pixels, w, h, channels, dark, stroke, 1, recut, scratch, &alt_why) != 0)
        pass_free(alt);
    return 0;
}

/* scratch for passes_run: w*h bytes, or NULL when the size is invalid (pass_run then fails). */
static int scratch_alloc(uint8_t **scratch, int w, int h, struct rm_status *st)
{
    *scratch = NULL;
    if (w > 0 && h > 0 && (long long)w * h <= DIGIT_PREP_MAX_PIXELS) {
        *scratch = malloc((size_t)w * h);
        if (!*scratch)
            return rm_fail(st, "out of memory (%dx%d pixels)", w, h);
    }
    return 0;
}

int digit_prep_ink(const uint8_t *pixels, int w, int h, int channels, float **ink, uint8_t **mask,
                   struct rm_status *st)
{
    *ink = NULL;
    *mask = NULL;
    struct pass p;
    memset(&p, 0, sizeof p);
    uint8_t *scratch;
    if (scratch_alloc(&scratch, w, h, st) != 0)
        return -1;
    int rc = passes_run(&p, NULL, pixels, w, h, channels, 1, scratch, st);
    if (rc == 0) {
        *ink = p.ink;
        *mask = p.mask;
        p.ink = NULL;
        p.mask = NULL;
    }
    pass_free(&p);
    free(scratch);
    return rc;
}

/* Steps 3-6 on a pass: the chosen pieces grown, fitted into out (28*28 bytes). */
static int pass_fit(uint8_t *out, struct pass *p, int w, int h, struct rm_status *st)
{
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    if (p->info.flat ? grow_chosen(p->ink, p->labels, p->keep, w, h, 1, &x0, &y0, &x1, &y1, st)
                     : grow_near(p->ink, p->labels, p->keep, p->stroke, p->mask, w, h, &x0, &y0,
                                 &x1, &y1, st))
        return -1;
    return digit_prep_fit(out, p->ink, w, h, x0, y0, x1, y1, st);
}

/* digit_prep_pixels, and with alt_out not NULL the sharp closing's preparation into it; returns
 * the number of preparations written (1 or 2), or -1. */
static int prep_pixels(uint8_t *out, uint8_t *alt_out, const uint8_t *pixels, int w, int h,
                       int channels, struct rm_status *st)
{
    if (!out)
        return rm_fail(st, "invalid image (%dx%d pixels, %d channels)", w, h, channels);
    struct pass p, alt;
    memset(&p, 0, sizeof p);
    memset(&alt, 0, sizeof alt);
    uint8_t *scratch;
    int rc = -1;
    if (scratch_alloc(&scratch, w, h, st) != 0)
        return -1;
    if (passes_run(&p, alt_out ? &alt : NULL, pixels, w, h, channels, 0, scratch, st) != 0 ||
        pass_fit(out, &p, w, h, st) != 0)
        goto done;
    rc = 1;
    struct rm_status alt_why;
    if (alt.ink && pass_fit(alt_out, &alt, w, h, &alt_why) == 0)
        rc = 2;
done:
    pass_free(&p);
    pass_free(&alt);
    free(scratch);
    return rc;
}

int digit_prep_pixels(uint8_t *out, const uint8_t *pixels, int w, int h, int channels,
                      struct rm_status *st)
{
    return prep_pixels(out, NULL, pixels, w, h, channels, st) < 0 ? -1 : 0;
}

int digit_prep_pair(uint8_t *out, const uint8_t *pixels, int w, int h, int channels,
                    struct rm_status *st)
{
    return prep_pixels(out, out ? out + DIGIT_PREP_SIZE * DIGIT_PREP_SIZE : NULL, pixels, w, h,
                       channels, st);
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

/* digit_prep_file, or digit_prep_file_pair with alt_out not NULL. */
static int prep_file(uint8_t *out, uint8_t *alt_out, const char *path, struct rm_status *st)
{
    uint8_t *pixels;
    int w, h, c;
    if (digit_prep_load_image(path, &pixels, &w, &h, &c, st) != 0)
        return -1;
    struct rm_status why;
    int rc = image_shrink(&pixels, &w, &h, c, DIGIT_WORK_PIXELS, NULL, &why);
    if (rc == 0)
        rc = prep_pixels(out, alt_out, pixels, w, h, c, &why);
    free(pixels);
    if (rc < 0)
        return rm_fail(st, "%s: %s", path, why.msg);
    return rc;
}

int digit_prep_file_pair(uint8_t *out, const char *path, struct rm_status *st)
{
    return prep_file(out, out ? out + DIGIT_PREP_SIZE * DIGIT_PREP_SIZE : NULL, path, st);
}

int digit_prep_file(uint8_t *out, const char *path, struct rm_status *st)
{
    return prep_file(out, NULL, path, st) < 0 ? -1 : 0;
}
