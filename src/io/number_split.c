/* Whole numbers cut into digits (number_split.h).
 *
 * Digits of a number are written left to right, so the work is on columns: components become
 * groups (one digit each, ideally) by how their columns overlap, and a group too wide for one
 * digit is cut at columns. All sizes are relative to the digits' height, estimated as the median
 * height of the tall components, so the same rules hold at 60 and at 2000 pixels. */
#include "resnet_mnist/io/number_split.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/blobs.h"
#include "resnet_mnist/io/cut_path.h"
#include "resnet_mnist/io/image.h"

/* Step 2: a component whose longer side is below this fraction of the digits' height is a
 * speck. The digits' height is the median height of the components (later of the groups) at
 * least SPLIT_TALL_SHARE as tall as the tallest, so that detached bars and specks leave it be. */
#define SPLIT_SPECK_SIDE 0.4
#define SPLIT_TALL_SHARE 0.5
/* a component not touching the edge counts as a candidate digit (the edge's are then dropped)
 * when its longer side reaches this fraction of the picture's longer side */
#define SPLIT_INNER_SIDE 0.03
/* ...and a blot (a round speck of ink, a dot) is a speck too however large, up to
 * SPLIT_BLOT_SIDE of the digits' height: a component whose thickness (twice the largest
 * distance from its pixels to the background) reaches SPLIT_BLOT_THICK of its longer side. A
 * digit's strokes are much thinner than it is long; a dot is as thick as it is wide. */
#define SPLIT_BLOT_SIDE  0.9
#define SPLIT_BLOT_THICK 0.5
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
/* ...and the digits of a number are close together: gaps wider than SPLIT_RUN_GAP heights
 * between groups (left to right) break them into runs, and the runs with fewer groups than
 * the largest (the table's texture beyond the paper's edge, a word) are left out; runs as large
 * as the largest are all kept (digits spaced out). */
#define SPLIT_RUN_GAP 1.5
/* Step 2 again: a group less tall than SPLIT_SHORT_GROUP of the digits' height, once strokes
 * are joined, is not a digit (a speck, a dot, a detached stroke would only add a digit) */
#define SPLIT_SHORT_GROUP 0.5
/* Step 2 again: a piece of a long line (edge_stroke) is left out; see there. */
#define SPLIT_EDGE_THIN    4.0
#define SPLIT_EDGE_REACH   0.5
#define SPLIT_EDGE_INK     0.4
#define SPLIT_EDGE_GOES_ON 0.8
#define SPLIT_EDGE_ACROSS  0.06
/* Step 4 without a scorer: a group wider than SPLIT_WIDE heights is cut into
 * round(width / (SPLIT_DIGIT_W * height)) digits (at least two), each cut at the column of
 * least ink within SPLIT_CUT_SLACK of a digit's width from the even spacing. */
#define SPLIT_WIDE      1.0
#define SPLIT_DIGIT_W   0.65
#define SPLIT_CUT_SLACK 0.25
/* Step 4 with a scorer: groups wider than SPLIT_TRY_W heights are tried; a digit is
 * SPLIT_MIN_W to SPLIT_MAX_W heights wide; cuts are tried every height / SPLIT_CUT_STEPS
 * columns, each moved to the least ink nearby; a cut through ink costs SPLIT_CUT_COST times the
 * column's ink relative to the group's fullest column, a digit wider than SPLIT_WIDE_FROM
 * heights SPLIT_WIDE_COST per height over, and each digit SPLIT_DIGIT_COST (against the
 * network's confidence in pieces of a digit). Chosen on the dev part of the generated set. */
#define SPLIT_TRY_W      0.8
#define SPLIT_MIN_W      0.12
#define SPLIT_MAX_W      1.3
#define SPLIT_CUT_STEPS  16
#define SPLIT_CUT_COST   0.5
#define SPLIT_WIDE_FROM  1.0
#define SPLIT_WIDE_COST  4.0
#define SPLIT_DIGIT_COST 0.5
/* ...and a digit shorter than SPLIT_SHORT_FROM of the digits' height SPLIT_SHORT_COST per
 * height short (the digits of a number are about as tall as each other: the loop of a 6 cut
 * off its stem is not a 0) */
#define SPLIT_SHORT_FROM 0.75
#define SPLIT_SHORT_COST 4.0
/* ...and the cuts bend: each is the least-ink path down the group within this many heights
 * either side of its column */
#define SPLIT_PATH_REACH 0.06

struct number_split_options number_split_defaults(void)
{
    struct number_split_options o = {1, 1, {NULL, NULL}};
    return o;
}

/* A set of components meant to be one digit (or, before step 4, several touching). */
struct group {
    int x0, y0, x1, y1;
};

/* What every step reads. */
struct picture {
    const float *ink;
    int w, h;
    const int32_t *labels; /* blobs_find's: 0 background, i + 1 for blob i */
    const int *group_of;   /* [blob] its group, -1 when dropped */
    double height;         /* the digits' height (step 2) */
};

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
 * Reorders heights. */
static double tall_median(int *heights, int k)
{
    int tallest = 0, m = 0;
    for (int i = 0; i < k; i++)
        tallest = heights[i] > tallest ? heights[i] : tallest;
    for (int i = 0; i < k; i++)
        if (heights[i] >= SPLIT_TALL_SHARE * tallest)
            heights[m++] = heights[i];
    if (m == 0)
        return 0;
    qsort(heights, (size_t)m, sizeof *heights, cmp_int);
    return m % 2 ? heights[m / 2] : 0.5 * (heights[m / 2 - 1] + heights[m / 2]);
}

/* Blob b's thickness: twice the largest distance from one of its pixels (labels == label) to a
 * pixel not its own, by a two-pass 3-4 chamfer distance over its box. dist: room for the box's
 * pixels. */
static double thickness(const int32_t *labels, int w, int32_t label, const struct blob *b,
                        int *dist)
{
    int bw = b->x1 - b->x0, bh = b->y1 - b->y0, most = 0;
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            int d = 0;
            if (labels[(size_t)(b->y0 + y) * w + b->x0 + x] == label) {
                d = 3 + 3 * (x < y ? x : y); /* the box's edge is next to the background */
                if (x > 0)
                    d = dist[y * bw + x - 1] + 3 < d ? dist[y * bw + x - 1] + 3 : d;
                if (y > 0) {
                    int up = dist[(y - 1) * bw + x] + 3;
                    d = up < d ? up : d;
                    if (x > 0 && dist[(y - 1) * bw + x - 1] + 4 < d)
                        d = dist[(y - 1) * bw + x - 1] + 4;
                    if (x + 1 < bw && dist[(y - 1) * bw + x + 1] + 4 < d)
                        d = dist[(y - 1) * bw + x + 1] + 4;
                }
            }
            dist[y * bw + x] = d;
        }
    for (int y = bh - 1; y >= 0; y--)
        for (int x = bw - 1; x >= 0; x--) {
            int d = dist[y * bw + x];
            if (d == 0)
                continue;
            int edge = 3 + 3 * (bw - 1 - x < bh - 1 - y ? bw - 1 - x : bh - 1 - y);
            d = edge < d ? edge : d;
            if (x + 1 < bw && dist[y * bw + x + 1] + 3 < d)
                d = dist[y * bw + x + 1] + 3;
            if (y + 1 < bh) {
                if (dist[(y + 1) * bw + x] + 3 < d)
                    d = dist[(y + 1) * bw + x] + 3;
                if (x + 1 < bw && dist[(y + 1) * bw + x + 1] + 4 < d)
                    d = dist[(y + 1) * bw + x + 1] + 4;
                if (x > 0 && dist[(y + 1) * bw + x - 1] + 4 < d)
                    d = dist[(y + 1) * bw + x - 1] + 4;
            }
            dist[y * bw + x] = d;
            most = d > most ? d : most;
        }
    return 2.0 * most / 3.0;
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
        int *dist = malloc((size_t)(b[i].x1 - b[i].x0) * (b[i].y1 - b[i].y0) * sizeof *dist);
        if (!dist)
            return -1;
        if (thickness(labels, w, i + 1, &b[i], dist) >= SPLIT_BLOT_THICK * side(&b[i]))
            keep[i] = 0;
        free(dist);
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

/* Step 2 again: off[i] = 1 for the groups (left to right, those already off left as they are)
 * of the runs with fewer members than the largest run, runs being broken by gaps wider than
 * SPLIT_RUN_GAP heights (runs as large as the largest are all kept). run: room for ng ints. */
static void off_run(const struct group *g, int ng, double height, int *off, int *run)
{
    int most = 0;
    for (int i = 0, right = 0, start = -1; i < ng; i++) {
        run[i] = 0;
        if (off[i])
            continue;
        if (start < 0 || g[i].x0 - right > SPLIT_RUN_GAP * height) {
            start = i;
            right = g[i].x1;
        }
        right = g[i].x1 > right ? g[i].x1 : right;
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
}

/* 1 if the pixel (x, y) belongs to group gi. */
static int member(const struct picture *p, int gi, int x, int y)
{
    int32_t l = p->labels[(size_t)y * p->w + x];
    return l > 0 && p->group_of[l - 1] == gi;
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

/* The ink of group gi in each column of [g->x0, g->x1): prof[x - g->x0]. */
static void column_ink(const struct picture *p, int gi, const struct group *g, double *prof)
{
    for (int x = g->x0; x < g->x1; x++) {
        double s = 0;
        for (int y = g->y0; y < g->y1; y++)
            if (member(p, gi, x, y))
                s += p->ink[(size_t)y * p->w + x];
        prof[x - g->x0] = s;
    }
}

/* The column of least ink in [lo, hi) (relative to the group), ties to the middle. */
static int least_ink(const double *prof, int lo, int hi)
{
    int best = lo;
    double mid = 0.5 * (lo + hi - 1);
    for (int x = lo + 1; x < hi; x++)
        if (prof[x] < prof[best] || (prof[x] == prof[best] && fabs(x - mid) < fabs(best - mid)))
            best = x;
    return best;
}

/* A cut through group g is a column per row of it (cut[y - g->y0]: the first column right of
 * the cut). 1 when (x, y) lies between the cuts left and right. */
static int in_cut(const struct group *g, const int *left, const int *right, int x, int y)
{
    return y >= g->y0 && y < g->y1 && x >= left[y - g->y0] && x < right[y - g->y0];
}

/* Step 5: the digit made of group gi's pixels between the cuts left and right (each a column
 * per row of the group): its box and its 28x28 image. Returns 1 when done, 0 when no pixel of
 * the group lies between them, -1 on failure (st). */
static int render(const struct picture *p, int gi, const struct group *g, const int *left,
                  const int *right, struct number_digit *d, struct rm_status *st)
{
    int x0 = g->x1, y0 = g->y1, x1 = g->x0, y1 = g->y0;
    for (int y = g->y0; y < g->y1; y++)
        for (int x = left[y - g->y0]; x < right[y - g->y0]; x++)
            if (member(p, gi, x, y)) {
                x0 = x < x0 ? x : x0;
                x1 = x + 1 > x1 ? x + 1 : x1;
                y0 = y < y0 ? y : y0;
                y1 = y + 1 > y1 ? y + 1 : y1;
            }
    if (x1 <= x0)
        return 0;
    /* the crop: the digit's pixels and the background pixels next to them (the soft rim of the
     * strokes, below the mask's threshold), one pixel around the box; nothing of its
     * neighbours or of the specks */
    int ox = x0 > 0 ? x0 - 1 : 0, oy = y0 > 0 ? y0 - 1 : 0;
    int ex = x1 < p->w ? x1 + 1 : x1, ey = y1 < p->h ? y1 + 1 : y1;
    int cw = ex - ox, ch = ey - oy;
    float *crop = calloc((size_t)cw * ch, sizeof *crop);
    if (!crop)
        return rm_fail(st, "out of memory");
    for (int y = oy; y < ey; y++)
        for (int x = ox; x < ex; x++) {
            int in = in_cut(g, left, right, x, y) && member(p, gi, x, y);
            if (!in && p->labels[(size_t)y * p->w + x] == 0)
                for (int dy = -1; dy <= 1 && !in; dy++)
                    for (int dx = -1; dx <= 1 && !in; dx++) {
                        int nx = x + dx, ny = y + dy;
                        in = nx >= 0 && ny >= 0 && nx < p->w && ny < p->h &&
                             in_cut(g, left, right, nx, ny) && member(p, gi, nx, ny);
                    }
            if (in)
                crop[(size_t)(y - oy) * cw + (x - ox)] = p->ink[(size_t)y * p->w + x];
        }
    int rc = digit_prep_fit(d->image, crop, cw, ch, x0 - ox, y0 - oy, x1 - ox, y1 - oy, st);
    free(crop);
    if (rc != 0)
        return -1;
    d->x0 = x0;
    d->y0 = y0;
    d->x1 = x1;
    d->y1 = y1;
    return 1;
}

/* A straight cut: column x in each of the group's gh rows. */
static void straight_cut(int *cut, int gh, int x)
{
    for (int y = 0; y < gh; y++)
        cut[y] = x;
}

/* The mean column of a cut of gh rows. */
static double cut_mean(const int *cut, int gh)
{
    double s = 0;
    for (int y = 0; y < gh; y++)
        s += cut[y];
    return s / gh;
}

/* The digits found so far (grows). */
struct digit_list {
    struct number_digit *d;
    int n, cap;
};

static struct number_digit *list_next(struct digit_list *l)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        struct number_digit *d = realloc(l->d, (size_t)cap * sizeof *d);
        if (!d)
            return NULL;
        l->d = d;
        l->cap = cap;
    }
    return &l->d[l->n];
}

/* Adds the digit of group gi between the cuts left and right (nothing if no pixel of the group
 * lies between them). */
static int add_digit(struct digit_list *l, const struct picture *p, int gi, const struct group *g,
                     const int *left, const int *right, struct rm_status *st)
{
    struct number_digit *d = list_next(l);
    if (!d)
        return rm_fail(st, "out of memory");
    int rc = render(p, gi, g, left, right, d, st);
    if (rc < 0)
        return -1;
    l->n += rc;
    return 0;
}

/* Step 4 without a scorer: the cuts (cuts[0] = x0, cuts[k] = x1) of an even spacing, each moved
 * to the least ink nearby. Returns k. cuts has room for width + 1. */
static int cuts_by_width(const double *prof, const struct group *g, double height, int *cuts)
{
    int gw = g->x1 - g->x0;
    int k = 1;
    if (gw > SPLIT_WIDE * height) {
        k = (int)lround(gw / (SPLIT_DIGIT_W * height));
        k = k < 2 ? 2 : k;
        k = k > gw ? gw : k;
    }
    cuts[0] = g->x0;
    for (int i = 1; i < k; i++) {
        double step = (double)gw / k, at = i * step;
        int lo = (int)floor(at - SPLIT_CUT_SLACK * step),
            hi = (int)ceil(at + SPLIT_CUT_SLACK * step);
        lo = lo < cuts[i - 1] - g->x0 + 1 ? cuts[i - 1] - g->x0 + 1 : lo;
        hi = hi > gw - 1 ? gw - 1 : hi;
        cuts[i] = g->x0 + (hi > lo ? least_ink(prof, lo, hi) : lo);
    }
    cuts[k] = g->x1;
    return k;
}

/* Step 4 with a scorer: the cutting of group gi whose digits score best, by dynamic
 * programming over candidate cuts (each digit rendered and scored once). The candidates are
 * least-ink paths (cut_path_find) down the group, one in each window of SPLIT_PATH_REACH
 * heights either side of a column, every height / SPLIT_CUT_STEPS columns. Writes the k + 1
 * cuts (the group's left edge first, its right edge last; gh = g->y1 - g->y0 columns each) to
 * cuts, which has room for gw + 1, and returns k, or -1 on failure (st). */
static int cuts_by_score(const struct picture *p, int gi, const struct group *g, const double *prof,
                         const struct number_scorer *sc, int *cuts, struct rm_status *st)
{
    double height = g->y1 - g->y0 > p->height ? g->y1 - g->y0 : p->height;
    int gw = g->x1 - g->x0, gh = g->y1 - g->y0;
    int step = (int)(height / SPLIT_CUT_STEPS);
    step = step < 1 ? 1 : step;
    int reach = (int)lround(SPLIT_PATH_REACH * height);
    reach = reach < 1 ? 1 : reach;
    int m = gw / step + 2; /* candidates: both ends and one per step between */
    int *cand = malloc((size_t)m * gh * sizeof *cand), *prev = malloc((size_t)m * sizeof *prev);
    double *best = malloc((size_t)m * sizeof *best), *crossed = malloc((size_t)m * sizeof *crossed);
    double *pos = malloc((size_t)m * sizeof *pos);
    float *ink = malloc((size_t)gw * gh * sizeof *ink);
    struct number_digit *d = malloc(sizeof *d);
    int k = -1;
    if (!cand || !prev || !best || !crossed || !pos || !ink || !d) {
        rm_fail(st, "out of memory");
        goto done;
    }
    double fullest = 0;
    for (int x = 0; x < gw; x++)
        fullest = prof[x] > fullest ? prof[x] : fullest;
    for (int y = 0; y < gh; y++)
        for (int x = 0; x < gw; x++)
            ink[(size_t)y * gw + x] = member(p, gi, g->x0 + x, g->y0 + y)
                                          ? p->ink[(size_t)(g->y0 + y) * p->w + g->x0 + x]
                                          : 0.0f;
    int nc = 0;
    straight_cut(cand, gh, g->x0);
    crossed[nc] = 0;
    pos[nc++] = 0;
    for (int at = step; at <= gw - step; at += step) {
        int lo = at - reach < 1 ? 1 : at - reach, hi = at + reach + 1 > gw ? gw : at + reach + 1;
        int *c = cand + (size_t)nc * gh;
        double crossing = cut_path_find(ink, gw, gh, lo, hi, c);
        if (crossing < 0) {
            rm_fail(st, "out of memory");
            goto done;
        }
        for (int y = 0; y < gh; y++)
            c[y] += g->x0;
        if (memcmp(c, c - gh, (size_t)gh * sizeof *c) == 0)
            continue; /* the same path as the last window's */
        crossed[nc] = crossing;
        pos[nc++] = cut_mean(c, gh) - g->x0;
    }
    straight_cut(cand + (size_t)nc * gh, gh, g->x1);
    crossed[nc] = 0;
    pos[nc++] = gw;
    for (int j = 0; j < nc; j++) {
        best[j] = INFINITY;
        prev[j] = -1;
    }
    best[0] = 0;
    for (int j = 1; j < nc; j++)
        for (int i = j - 1; i >= 0; i--) {
            double sw = pos[j] - pos[i];
            int whole = i == 0 && j == nc - 1;
            if (!whole && (sw > SPLIT_MAX_W * height || sw < SPLIT_MIN_W * height))
                continue;
            if (!isfinite(best[i]))
                continue;
            int rc = render(p, gi, g, cand + (size_t)i * gh, cand + (size_t)j * gh, d, st);
            if (rc < 0)
                goto done;
            if (rc == 0)
                continue;
            double r = (d->x1 - d->x0) / height;
            double cost = best[i] - sc->score(d->image, sc->ctx) + SPLIT_DIGIT_COST;
            if (r > SPLIT_WIDE_FROM)
                cost += SPLIT_WIDE_COST * (r - SPLIT_WIDE_FROM);
            double tall = (d->y1 - d->y0) / p->height;
            if (tall < SPLIT_SHORT_FROM)
                cost += SPLIT_SHORT_COST * (SPLIT_SHORT_FROM - tall);
            if (j < nc - 1 && fullest > 0)
                cost += SPLIT_CUT_COST * crossed[j] / fullest;
            if (cost < best[j]) {
                best[j] = cost;
                prev[j] = i;
            }
        }
    /* the last candidate is reached (the whole group is one of the choices) unless every
     * choice scored -infinity: then the group is one digit */
    if (!isfinite(best[nc - 1])) {
        straight_cut(cuts, gh, g->x0);
        straight_cut(cuts + gh, gh, g->x1);
        k = 1;
        goto done;
    }
    k = 0;
    for (int j = nc - 1; j > 0; j = prev[j])
        k++;
    for (int j = nc - 1, t = k; t >= 0; j = prev[j], t--)
        memcpy(cuts + (size_t)t * gh, cand + (size_t)j * gh, (size_t)gh * sizeof *cuts);
done:
    free(cand);
    free(prev);
    free(best);
    free(crossed);
    free(pos);
    free(ink);
    free(d);
    return k;
}

/* Steps 4-5 for group gi: cut as opt says and its digits added to list. prof: room for the
 * group's width; cols: for its width + 1. Returns 0 or -1 (st). */
static int split_group(const struct picture *p, int gi, const struct group *g,
                       const struct number_split_options *opt, double *prof, int *cols,
                       struct digit_list *list, struct rm_status *st)
{
    int gw = g->x1 - g->x0, gh = g->y1 - g->y0, k = 1, rc = -1;
    int *cuts = malloc((size_t)(gw + 1) * gh * sizeof *cuts);
    if (!cuts)
        return rm_fail(st, "out of memory");
    straight_cut(cuts, gh, g->x0);
    straight_cut(cuts + gh, gh, g->x1);
    if (opt->split_touching) {
        column_ink(p, gi, g, prof);
        if (!opt->scorer.score) {
            k = cuts_by_width(prof, g, p->height, cols);
            for (int i = 0; i <= k; i++)
                straight_cut(cuts + (size_t)i * gh, gh, cols[i]);
        } else if (gw > SPLIT_TRY_W * p->height)
            k = cuts_by_score(p, gi, g, prof, &opt->scorer, cuts, st);
    }
    for (int i = 0; i < k; i++)
        if (add_digit(list, p, gi, g, cuts + (size_t)i * gh, cuts + (size_t)(i + 1) * gh, st) != 0)
            goto done;
    rc = k < 0 ? -1 : 0;
done:
    free(cuts);
    return rc;
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
    off_run(g, ng, height, heights, keep); /* keep: done with, room for ng ints */
    for (int gi = 0; gi < ng; gi++)
        if (!heights[gi] && /* on the line */
            split_group(&p, gi, &g[gi], opt, prof, cuts, &list, st) != 0)
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
