/* Whole numbers cut into digits (number_split.h).
 *
 * Digits of a number are written left to right, so the work is on columns: components become
 * groups (one digit each, ideally) by how their columns overlap, and a group too wide for one
 * digit is cut at columns. All sizes are relative to the digits' height, estimated as the median
 * height of the tall components, so the same rules hold at 60 and at 2000 pixels. Steps 4-5
 * (cutting touching digits, rendering each) are in number_cut.c. */
#include "resnet_mnist/io/number_split.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/blobs.h"
#include "resnet_mnist/io/digit_prep.h"
#include "resnet_mnist/io/image.h"

#include "number_picture.h"

/* Step 2: a component whose longer side is below this fraction of the digits' height is a
 * speck. The digits' height is the median height of the components (later of the groups) at
 * least SPLIT_TALL_SHARE as tall as the tallest, so that detached bars and specks leave it be. */
#define SPLIT_SPECK_SIDE    0.4
#define SPLIT_TALL_SHARE    0.5
#define SPLIT_TALL_PEER     0.75
#define SPLIT_TALL_LONE_MIN 0.25
/* a component not touching the edge counts as a candidate digit (the edge's are then dropped)
 * when its longer side reaches this fraction of the picture's longer side */
#define SPLIT_INNER_SIDE 0.03
/* ...and a blot (a round speck of ink, a dot) is a speck too however large, up to
 * SPLIT_BLOT_SIDE of the digits' height: a component whose largest square of pixels is at least
 * DIGIT_PREP_BLOT_SQUARE of its longer side, as for single digits (digit_prep_square). A digit's
 * strokes are much thinner than it is long; a dot is as thick as it is wide. */
#define SPLIT_BLOT_SIDE 0.9
/* Step 2, last: at most SPLIT_MAX_PIECES components go on to be joined into digits, the
 * largest (by ink). A number has a few dozen pieces at most; a picture of noise has thousands,
 * and joining them pair by pair cost minutes (4000 x 4000 pixels of noise: 80 s). */
#define SPLIT_MAX_PIECES 400
/* Step 3: columns overlapping by at least this fraction of the narrower width join... */
#define SPLIT_MERGE_OVERLAP 0.5
/* ...unless both are this tall (relative to the digits' height) and overlap less than this */
#define SPLIT_TALL         0.75
#define SPLIT_TALL_OVERLAP 0.7
/* ...or the joined group would be wider than SPLIT_MERGE_MAX_W digit heights, or taller than
 * SPLIT_MERGE_MAX_H times the digits' height or the taller piece's (a blot below a digit is
 * not a stroke of it) */
#define SPLIT_MERGE_MAX_W 1.2
#define SPLIT_MERGE_MAX_H 1.4
/* Step 2 again, after step 3: the digits lie along a line (the centres of the groups at least
 * SPLIT_LINE_TALL heights tall, fitted by least squares to those near the line through two of them
 * that most are near (number_line), its slope at most SPLIT_LINE_SLOPE);
 * a group whose centre is farther than SPLIT_LINE_DIST heights from it is left out. */
#define SPLIT_LINE_TALL  0.6
#define SPLIT_LINE_SLOPE 0.25
#define SPLIT_LINE_DIST  0.6
/* ...the candidates for that line: lines through two of at most this many tall groups */
#define SPLIT_LINE_CANDIDATES 24
/* ...and the digits of a number are close together: a gap between groups (left to right)
 * wider than SPLIT_RUN_GAP_FAR heights, or wider than SPLIT_RUN_GAP heights and SPLIT_RUN_OUTLIER
 * times the number's median gap, breaks them into runs, and the runs with fewer groups than the
 * largest (the table's texture beyond the paper's edge, a word) are left out; runs as large as
 * the largest are all kept (digits spaced out). Next to a group narrower than SPLIT_RUN_NARROW
 * heights only the far limit holds: a "1" written at a digit's pitch leaves the rest of its cell
 * blank. (The generated set's numbers leave at most 0.7 heights between digits; a blot of the
 * table's edge 1.44 heights left of one, 4.6 times its median gap, was read as a digit under the
 * far limit alone.) */
#define SPLIT_RUN_GAP_FAR 1.5
#define SPLIT_RUN_GAP     1.0
#define SPLIT_RUN_OUTLIER 2.0
#define SPLIT_RUN_NARROW  0.4
/* Step 2 again: a group less tall than SPLIT_SHORT_GROUP of the digits' height, once strokes
 * are joined, is not a digit (a speck, a dot, a detached stroke would only add a digit) */
#define SPLIT_SHORT_GROUP 0.5
/* Step 2 again: a piece of a long line (edge_stroke) is left out; see there. */
#define SPLIT_EDGE_THIN    4.0
#define SPLIT_EDGE_REACH   0.5
#define SPLIT_EDGE_INK     0.4
#define SPLIT_EDGE_GOES_ON 0.8
#define SPLIT_EDGE_ACROSS  0.06

struct number_split_options number_split_defaults(void)
{
    struct number_split_options o = {1, 1, {NULL, NULL}};
    return o;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int side(const struct blob *b)
{
    int bw = b->x1 - b->x0, bh = b->y1 - b->y0;
    return bw > bh ? bw : bh;
}

/* The median of the k heights at least SPLIT_TALL_SHARE times the tallest (0 when k is 0).
 * A lone piece far taller than the rest does not count as the tallest when the next two are
 * alike (within SPLIT_TALL_PEER) and not small beside it (SPLIT_TALL_LONE_MIN): the paper's
 * edge beside a number, whose height taken for the digits' made them all specks. A digit with
 * only specks below it still counts. Reorders heights. */
static double tall_median(int *heights, int k)
{
    int tallest = 0, m = 0;
    qsort(heights, (size_t)k, sizeof *heights, cmp_int);
    int top = k - 1;
    while (top >= 2 && heights[top - 1] < SPLIT_TALL_PEER * heights[top] &&
           heights[top - 1] >= SPLIT_TALL_LONE_MIN * heights[top] &&
           heights[top - 2] >= SPLIT_TALL_PEER * heights[top - 1])
        top--;
    if (k > 0)
        tallest = heights[top];
    for (int i = 0; i < k; i++)
        if (heights[i] >= SPLIT_TALL_SHARE * tallest)
            heights[m++] = heights[i];
    if (m == 0)
        return 0;
    qsort(heights, (size_t)m, sizeof *heights, cmp_int);
    return m % 2 ? heights[m / 2] : 0.5 * (heights[m / 2 - 1] + heights[m / 2]);
}

/* Step 2: keep[i] for each blob; returns the digits' height (0 when nothing is kept). heights:
 * room for n ints. */
static double choose_blobs(const struct blob *b, int n, int w, int h, int *keep, int *heights)
{
    int inner = 0, longer = w > h ? w : h, k = 0;
    for (int i = 0; i < n; i++)
        if (!b[i].touches_border && side(&b[i]) >= SPLIT_INNER_SIDE * longer)
            inner = 1;
    for (int i = 0; i < n; i++) {
        keep[i] = !inner || !b[i].touches_border;
        if (keep[i])
            heights[k++] = b[i].y1 - b[i].y0;
    }
    double height = tall_median(heights, k);
    for (int i = 0; i < n; i++)
        if (keep[i] && side(&b[i]) < SPLIT_SPECK_SIDE * height)
            keep[i] = 0;
    return height;
}

/* A kept blob's ink and index, to rank the blobs by ink. */
struct ranked {
    double ink;
    int i;
};

static int cmp_by_ink(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->ink != y->ink)
        return x->ink < y->ink ? 1 : -1; /* most ink first */
    return x->i - y->i;
}

/* Step 2, last: keep[i] = 0 for all but the SPLIT_MAX_PIECES kept blobs with the most ink.
 * Returns 0, or -1 when out of memory. */
static int keep_largest(const struct blob *b, int n, int *keep)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += keep[i] != 0;
    if (k <= SPLIT_MAX_PIECES)
        return 0;
    struct ranked *r = malloc((size_t)k * sizeof *r);
    if (!r)
        return -1;
    for (int i = 0, t = 0; i < n; i++)
        if (keep[i])
            r[t++] = (struct ranked){b[i].ink, i};
    qsort(r, (size_t)k, sizeof *r, cmp_by_ink);
    for (int j = SPLIT_MAX_PIECES; j < k; j++)
        keep[r[j].i] = 0;
    free(r);
    return 0;
}

/* Step 2, blots: keep[i] = 0 for the blots among the kept blobs (labels as blobs_find's).
 * Returns 0, or -1 when out of memory. */
static int drop_blots(const struct blob *b, int n, const int32_t *labels, int w, double height,
                      int *keep)
{
    for (int i = 0; i < n; i++) {
        if (!keep[i] || side(&b[i]) >= SPLIT_BLOT_SIDE * height)
            continue;
        int square = digit_prep_square(labels, w, i + 1, &b[i]);
        if (square < 0)
            return -1;
        if (square >= DIGIT_PREP_BLOT_SQUARE * side(&b[i]))
            keep[i] = 0;
    }
    return 0;
}

static int overlap(const struct group *a, const struct group *b)
{
    int lo = a->x0 > b->x0 ? a->x0 : b->x0, hi = a->x1 < b->x1 ? a->x1 : b->x1;
    return hi - lo;
}

/* Step 3: 1 if groups a and b are strokes of one digit. */
static int same_digit(const struct group *a, const struct group *b, double height)
{
    int wa = a->x1 - a->x0, wb = b->x1 - b->x0, narrow = wa < wb ? wa : wb;
    int ov = overlap(a, b);
    if (ov < SPLIT_MERGE_OVERLAP * narrow)
        return 0;
    if (a->y1 - a->y0 >= SPLIT_TALL * height && b->y1 - b->y0 >= SPLIT_TALL * height &&
        ov < SPLIT_TALL_OVERLAP * narrow)
        return 0;
    int x0 = a->x0 < b->x0 ? a->x0 : b->x0, x1 = a->x1 > b->x1 ? a->x1 : b->x1;
    int y0 = a->y0 < b->y0 ? a->y0 : b->y0, y1 = a->y1 > b->y1 ? a->y1 : b->y1;
    int ha = a->y1 - a->y0, hb = b->y1 - b->y0, tall = ha > hb ? ha : hb;
    double ref = tall > height ? tall : height;
    return x1 - x0 <= SPLIT_MERGE_MAX_W * height && y1 - y0 <= SPLIT_MERGE_MAX_H * ref;
}

static void group_join(struct group *a, const struct group *b)
{
    a->x0 = b->x0 < a->x0 ? b->x0 : a->x0;
    a->y0 = b->y0 < a->y0 ? b->y0 : a->y0;
    a->x1 = b->x1 > a->x1 ? b->x1 : a->x1;
    a->y1 = b->y1 > a->y1 ? b->y1 : a->y1;
}

/* Steps 2-3: the groups, left to right (*groups malloc'd, *ng of them), and group_of[blob].
 * Returns 0 or -1 (out of memory). */
static int make_groups(const struct blob *b, int n, const int *keep, int merge, double height,
                       int *group_of, struct group **groups, int *ng)
{
    struct group *g = malloc((size_t)(n > 0 ? n : 1) * sizeof *g);
    int *owner = malloc((size_t)(n > 0 ? n : 1) * sizeof *owner); /* blob -> slot in g */
    if (!g || !owner) {
        free(g);
        free(owner);
        return -1;
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        owner[i] = -1;
        if (keep[i]) {
            g[k] = (struct group){b[i].x0, b[i].y0, b[i].x1, b[i].y1};
            owner[i] = k++;
        }
    }
    int kept = k; /* the kept blobs, whose owners a join changes: blob[0..kept) */
    int *blob = malloc((size_t)(kept > 0 ? kept : 1) * sizeof *blob);
    if (!blob) {
        free(g);
        free(owner);
        return -1;
    }
    for (int i = 0, t = 0; i < n; i++)
        if (keep[i])
            blob[t++] = i;
    /* join pairs until nothing changes: a join widens a group, which may then meet another */
    for (int changed = merge; changed;) {
        changed = 0;
        for (int i = 0; i < k && !changed; i++)
            for (int j = i + 1; j < k && !changed; j++)
                if (same_digit(&g[i], &g[j], height)) {
                    group_join(&g[i], &g[j]);
                    g[j] = g[--k];
                    for (int t = 0; t < kept; t++)
                        if (owner[blob[t]] == j)
                            owner[blob[t]] = i;
                        else if (owner[blob[t]] == k)
                            owner[blob[t]] = j;
                    changed = 1;
                }
    }
    /* left to right (by left edge; insertion sort, the groups are few); group_of follows each
     * group to its place */
    struct group *sorted = malloc((size_t)(k > 0 ? k : 1) * sizeof *sorted);
    int *order = malloc((size_t)(k > 0 ? k : 1) * sizeof *order);
    int *rank = malloc((size_t)(k > 0 ? k : 1) * sizeof *rank);
    free(blob);
    if (!sorted || !order || !rank) {
        free(sorted);
        free(order);
        free(rank);
        free(g);
        free(owner);
        return -1;
    }
    for (int i = 0; i < k; i++) {
        int j = i;
        for (; j > 0 && g[order[j - 1]].x0 > g[i].x0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    for (int j = 0; j < k; j++) {
        sorted[j] = g[order[j]];
        rank[order[j]] = j;
    }
    for (int t = 0; t < n; t++)
        group_of[t] = owner[t] < 0 ? -1 : rank[owner[t]];
    free(order);
    free(rank);
    free(g);
    free(owner);
    *groups = sorted;
    *ng = k;
    return 0;
}

/* The centre of group g. */
static double centre_x(const struct group *g)
{
    return 0.5 * (g->x0 + g->x1);
}

static double centre_y(const struct group *g)
{
    return 0.5 * (g->y0 + g->y1);
}

static int tall_group(const struct group *g, double height)
{
    return g->y1 - g->y0 >= SPLIT_LINE_TALL * height;
}

/* The tall groups within SPLIT_LINE_DIST heights of the line y = at + slope * x: how many, and
 * the sum of their squared distances (*sq). */
static int line_inliers(const struct group *g, int ng, double height, double at, double slope,
                        double *sq)
{
    int k = 0;
    *sq = 0;
    for (int i = 0; i < ng; i++) {
        double d = centre_y(&g[i]) - (at + slope * centre_x(&g[i]));
        if (tall_group(&g[i], height) && fabs(d) <= SPLIT_LINE_DIST * height) {
            k++;
            *sq += d * d;
        }
    }
    return k;
}

/* Step 2 again: the number's line (y = *at + *slope * x) through the centres of the tall
 * groups, robust to a few far ones (a stroke of the paper's edge as tall as a digit would pull a
 * least-squares line off the digits): of the lines through the centres of two tall groups (and
 * the level lines through one), the one closest to most tall groups, then least squares over
 * those. The slope is at most SPLIT_LINE_SLOPE either way. Returns 0 when there is no tall
 * group. */
static int number_line(const struct group *g, int ng, double height, double *at, double *slope)
{
    /* the candidate lines pass through at most SPLIT_LINE_CANDIDATES tall groups, spread evenly
     * over them: a number has a few, and a picture of thousands of strokes (a barcode, a
     * grid) must cost candidates^2 x groups, not groups^3 (8000 x 200 px of stripes: 21.6 s) */
    int cand[SPLIT_LINE_CANDIDATES], nc = 0, tall = 0;
    for (int i = 0; i < ng; i++)
        tall += tall_group(&g[i], height);
    int every = tall > SPLIT_LINE_CANDIDATES
                    ? (tall + SPLIT_LINE_CANDIDATES - 1) / SPLIT_LINE_CANDIDATES
                    : 1;
    for (int i = 0, t = 0; i < ng && nc < SPLIT_LINE_CANDIDATES; i++)
        if (tall_group(&g[i], height) && t++ % every == 0)
            cand[nc++] = i;
    int most = 0;
    double least = 0;
    for (int ci = 0; ci < nc; ci++) {
        int i = cand[ci];
        for (int cj = ci; cj < nc; cj++) {
            int j = cand[cj];
            double dx = centre_x(&g[j]) - centre_x(&g[i]);
            double s = j == i || dx == 0 ? 0 : (centre_y(&g[j]) - centre_y(&g[i])) / dx;
            s = fmax(-SPLIT_LINE_SLOPE, fmin(SPLIT_LINE_SLOPE, s));
            double a = centre_y(&g[i]) - s * centre_x(&g[i]), sq;
            int k = line_inliers(g, ng, height, a, s, &sq);
            if (k > most || (k == most && sq < least)) {
                most = k;
                least = sq;
                *at = a;
                *slope = s;
            }
        }
    }
    if (most == 0)
        return 0;
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < ng; i++) {
        double x = centre_x(&g[i]), y = centre_y(&g[i]);
        if (!tall_group(&g[i], height) || fabs(y - (*at + *slope * x)) > SPLIT_LINE_DIST * height)
            continue;
        n++;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    double var = sxx - sx * sx / n, s = var > 0 ? (sxy - sx * sy / n) / var : 0;
    *slope = fmax(-SPLIT_LINE_SLOPE, fmin(SPLIT_LINE_SLOPE, s));
    *at = sy / n - *slope * sx / n;
    return 1;
}

/* Step 2 again: off[i] = 1 for the groups far from the number's line. */
static void off_line(const struct group *g, int ng, double height, int *off)
{
    double at = 0, slope = 0;
    int line = number_line(g, ng, height, &at, &slope);
    for (int i = 0; i < ng; i++)
        off[i] = line &&
                 fabs(centre_y(&g[i]) - (at + slope * centre_x(&g[i]))) > SPLIT_LINE_DIST * height;
}

/* 1 if a gap of gap pixels between group a (the run's rightmost so far) and group b, the next,
 * breaks the run, given the number's median gap (pixels). */
static int run_breaks(const struct group *a, const struct group *b, int gap, double median,
                      double height)
{
    if (gap > SPLIT_RUN_GAP_FAR * height)
        return 1;
    int narrow =
        a->x1 - a->x0 < SPLIT_RUN_NARROW * height || b->x1 - b->x0 < SPLIT_RUN_NARROW * height;
    return !narrow && gap > SPLIT_RUN_GAP * height && gap > SPLIT_RUN_OUTLIER * median;
}

/* The gaps between the groups not off, left to right: from the right edge of those before to
 * the next's left edge (0 when they overlap); into gaps (room for ng ints), their count
 * returned. */
static int group_gaps(const struct group *g, int ng, const int *off, int *gaps)
{
    int k = 0;
    for (int i = 0, right = -1; i < ng; i++) {
        if (off[i])
            continue;
        if (right >= 0)
            gaps[k++] = g[i].x0 > right ? g[i].x0 - right : 0;
        right = g[i].x1 > right ? g[i].x1 : right;
    }
    return k;
}

/* Step 2 again: off[i] = 1 for the groups (left to right, those already off left as they are)
 * of the runs with fewer members than the largest run, runs being broken by gaps as run_breaks
 * says (runs as large as the largest are all kept). run: room for ng ints. Returns 0, or -1 when
 * out of memory. */
static int off_run(const struct group *g, int ng, double height, int *off, int *run)
{
    int *gaps = malloc((size_t)(ng > 0 ? ng : 1) * sizeof *gaps);
    if (!gaps)
        return -1;
    int k = group_gaps(g, ng, off, gaps);
    qsort(gaps, (size_t)k, sizeof *gaps, cmp_int);
    double median = k == 0 ? 0 : k % 2 ? gaps[k / 2] : 0.5 * (gaps[k / 2 - 1] + gaps[k / 2]);
    free(gaps);
    int most = 0;
    /* right: the run's right edge so far, reached by group last */
    for (int i = 0, right = 0, last = -1, start = -1; i < ng; i++) {
        run[i] = 0;
        if (off[i])
            continue;
        if (start < 0 || run_breaks(&g[last], &g[i], g[i].x0 - right, median, height)) {
            start = i;
            right = g[i].x1;
            last = i;
        }
        if (g[i].x1 >= right) {
            right = g[i].x1;
            last = i;
        }
        run[start]++; /* the run's size, counted at its first member */
        run[i] = i == start ? run[i] : -start - 1;
        most = run[start] > most ? run[start] : most;
    }
    for (int i = 0; i < ng; i++) {
        if (off[i])
            continue;
        int size = run[i] > 0 ? run[i] : run[-run[i] - 1];
        off[i] = size < most;
    }
    return 0;
}

/* The share of the points t = t0, t0 + 1, ..., t1 along the line through (cx, cy) in the
 * direction (ux, uy) with at least `level` ink within r pixels across the line (level < 0:
 * the mean of that most ink instead); points outside the picture are left out (-1 when all
 * are). */
static double ink_along(const struct picture *p, double cx, double cy, double ux, double uy,
                        double t0, double t1, int r, double level)
{
    double sum = 0;
    int n = 0;
    for (double t = t0; t <= t1; t++) {
        double most = -1;
        for (int s = -r; s <= r; s++) {
            int x = (int)lround(cx + t * ux - s * uy), y = (int)lround(cy + t * uy + s * ux);
            if (x >= 0 && y >= 0 && x < p->w && y < p->h && p->ink[(size_t)y * p->w + x] > most)
                most = p->ink[(size_t)y * p->w + x];
        }
        if (most >= 0) {
            sum += level < 0 ? most : most >= level;
            n++;
        }
    }
    return n ? sum / n : -1;
}

/* Step 2 again: 1 if group gi is a piece of a long line (the paper's edge, a fold): its pixels
 * lie along a line (their spread along their main axis at least SPLIT_EDGE_THIN times that
 * across), and the ink map goes on along that axis past both ends: over SPLIT_EDGE_REACH of
 * the digits' height, at SPLIT_EDGE_GOES_ON of the points at least SPLIT_EDGE_INK times the
 * piece's own mean ink. A "1" is as thin, but the paper beyond its ends is blank; a piece of
 * a digit's stroke broken in two goes on at one end at most. */
static int edge_stroke(const struct picture *p, int gi, const struct group *g)
{
    double n = 0, sx = 0, sy = 0;
    for (int y = g->y0; y < g->y1; y++)
        for (int x = g->x0; x < g->x1; x++)
            if (member(p, gi, x, y)) {
                n++;
                sx += x;
                sy += y;
            }
    if (n == 0)
        return 0;
    double cx = sx / n, cy = sy / n, vxx = 0, vyy = 0, vxy = 0;
    for (int y = g->y0; y < g->y1; y++)
        for (int x = g->x0; x < g->x1; x++)
            if (member(p, gi, x, y)) {
                vxx += (x - cx) * (x - cx);
                vyy += (y - cy) * (y - cy);
                vxy += (x - cx) * (y - cy);
            }
    /* the covariance's eigenvalues: along (l1) and across (l2) the main axis */
    double half = 0.5 * (vxx + vyy), root = sqrt(0.25 * (vxx - vyy) * (vxx - vyy) + vxy * vxy);
    double l1 = half + root, l2 = half - root;
    if (l1 < SPLIT_EDGE_THIN * SPLIT_EDGE_THIN * l2)
        return 0;
    double ux = vxy, uy = l1 - vxx;
    if (fabs(ux) + fabs(uy) < 1e-9) {
        ux = vxx >= vyy;
        uy = vxx < vyy;
    }
    double len = hypot(ux, uy);
    ux /= len;
    uy /= len;
    double t0 = INFINITY, t1 = -INFINITY;
    for (int y = g->y0; y < g->y1; y++)
        for (int x = g->x0; x < g->x1; x++)
            if (member(p, gi, x, y)) {
                double t = (x - cx) * ux + (y - cy) * uy;
                t0 = t < t0 ? t : t0;
                t1 = t > t1 ? t : t1;
            }
    int r = (int)lround(SPLIT_EDGE_ACROSS * p->height);
    r = r < 1 ? 1 : r;
    double reach = SPLIT_EDGE_REACH * p->height;
    double own = ink_along(p, cx, cy, ux, uy, t0, t1, r, -1), level = SPLIT_EDGE_INK * own;
    double before = ink_along(p, cx, cy, ux, uy, t0 - r - reach, t0 - r - 1, r, level);
    double after = ink_along(p, cx, cy, ux, uy, t1 + r + 1, t1 + r + reach, r, level);
    return own > 0 && before >= SPLIT_EDGE_GOES_ON && after >= SPLIT_EDGE_GOES_ON;
}

int number_split(const float *ink, const uint8_t *mask, int w, int h,
                 const struct number_split_options *opt, struct number_digit **digits, int *count,
                 struct rm_status *st)
{
    *digits = NULL;
    *count = 0;
    if (w < 1 || h < 1 || (long long)w * h > IMAGE_MAX_PIXELS)
        return rm_fail(st, "invalid size %dx%d for a number", w, h);
    int32_t *labels = malloc((size_t)w * h * sizeof *labels);
    struct blob *b = NULL;
    struct group *g = NULL;
    int *keep = NULL, *group_of = NULL, *heights = NULL, *cuts = NULL, n = 0, ng = 0, rc = -1;
    double *prof = NULL;
    struct digit_list list = {0};
    if (!labels) {
        rm_fail(st, "out of memory");
        goto done;
    }
    if (blobs_find(mask, w, h, ink, labels, &b, &n, st) != 0)
        goto done;
    keep = malloc((size_t)(n > 0 ? n : 1) * sizeof *keep);
    group_of = malloc((size_t)(n > 0 ? n : 1) * sizeof *group_of);
    heights = malloc((size_t)(n > 0 ? n : 1) * sizeof *heights);
    prof = malloc((size_t)w * sizeof *prof);
    cuts = malloc(((size_t)w + 1) * sizeof *cuts);
    if (!keep || !group_of || !heights || !prof || !cuts) {
        rm_fail(st, "out of memory");
        goto done;
    }
    double height = choose_blobs(b, n, w, h, keep, heights);
    if (drop_blots(b, n, labels, w, height, keep) != 0 || keep_largest(b, n, keep) != 0) {
        rm_fail(st, "out of memory");
        goto done;
    }
    if (make_groups(b, n, keep, opt->merge_strokes, height, group_of, &g, &ng) != 0) {
        rm_fail(st, "out of memory");
        goto done;
    }
    /* the digits' height again, from the groups: a digit in pieces counts whole */
    for (int i = 0; i < ng; i++)
        heights[i] = g[i].y1 - g[i].y0;
    height = tall_median(heights, ng);
    off_line(g, ng, height, heights); /* heights: room for ng flags */
    struct picture p = {ink, w, h, labels, group_of, height};
    for (int i = 0; i < ng; i++)
        heights[i] = heights[i] ||
                     (opt->merge_strokes && g[i].y1 - g[i].y0 < SPLIT_SHORT_GROUP * height) ||
                     edge_stroke(&p, i, &g[i]);
    if (off_run(g, ng, height, heights, keep) != 0) { /* keep: done with, room for ng ints */
        rm_fail(st, "out of memory");
        goto done;
    }
    for (int gi = 0; gi < ng; gi++)
        if (!heights[gi] && /* on the line */
            number_cut_group(&p, gi, &g[gi], opt, prof, cuts, &list, st) != 0)
            goto done;
    if (list.n == 0) {
        rm_fail(st, "no digit found");
        goto done;
    }
    *digits = list.d;
    *count = list.n;
    list.d = NULL;
    rc = 0;
done:
    free(list.d);
    free(cuts);
    free(prof);
    free(g);
    free(heights);
    free(group_of);
    free(keep);
    free(b);
    free(labels);
    return rc;
}