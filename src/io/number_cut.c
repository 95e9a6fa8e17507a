/* Steps 4-5 of number_split (number_split.h): a group of pieces wider than one digit cut into
 * digits (the candidate cuts, bent along least-ink paths, and the cutting a scorer likes best), and
 * each digit rendered into 28x28. Split off number_split.c, which finds the groups. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/cut_path.h"
#include "resnet_mnist/io/digit_prep.h"

#include "number_picture.h"

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
 * network's confidence in pieces of a digit). Chosen on the dev part of the generated set.
 * SPLIT_TRY_W was 0.8 before SPLIT_LOOP_COST (below): 0.6 then cut single 0s and 6s through
 * their loops; with it, touching "19" or "58" 0.6-0.8 heights wide are cut. */
#define SPLIT_TRY_W      0.6
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
/* ...and a cut that crosses more than one stroke (runs of ink along it) SPLIT_LOOP_COST per
 * stroke beyond the first: such a cut goes through a loop (a wide 0 cut through its top and
 * bottom into "(" and ")", read as 6 and 3; a 5 or 2 cut off its bar), while touching digits
 * meet at one place. As much as a digit costs: 0.3 lost a wide 0 on dev, 1.0 turned no further
 * number right. */
#define SPLIT_LOOP_COST 0.5

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

/* The strokes a cut crosses: the runs of rows in which path (a column of the gw x gh map ink
 * per row) lies on ink. */
static int strokes_crossed(const float *ink, int gw, int gh, const int *path)
{
    int runs = 0;
    for (int y = 0, on = 0; y < gh; y++) {
        int now = ink[(size_t)y * gw + path[y]] > 0;
        runs += now && !on;
        on = now;
    }
    return runs;
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
    int *strokes = malloc((size_t)m * sizeof *strokes);
    float *ink = malloc((size_t)gw * gh * sizeof *ink);
    struct number_digit *d = malloc(sizeof *d);
    int k = -1;
    if (!cand || !prev || !best || !crossed || !pos || !strokes || !ink || !d) {
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
    strokes[nc] = 0;
    pos[nc++] = 0;
    for (int at = step; at <= gw - step; at += step) {
        int lo = at - reach < 1 ? 1 : at - reach, hi = at + reach + 1 > gw ? gw : at + reach + 1;
        int *c = cand + (size_t)nc * gh;
        double crossing = cut_path_find(ink, gw, gh, lo, hi, c);
        if (crossing < 0) {
            rm_fail(st, "out of memory");
            goto done;
        }
        strokes[nc] = strokes_crossed(ink, gw, gh, c);
        for (int y = 0; y < gh; y++)
            c[y] += g->x0;
        if (memcmp(c, c - gh, (size_t)gh * sizeof *c) == 0)
            continue; /* the same path as the last window's */
        crossed[nc] = crossing;
        pos[nc++] = cut_mean(c, gh) - g->x0;
    }
    straight_cut(cand + (size_t)nc * gh, gh, g->x1);
    crossed[nc] = 0;
    strokes[nc] = 0;
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
            if (strokes[j] > 1)
                cost += SPLIT_LOOP_COST * (strokes[j] - 1);
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
    free(strokes);
    free(ink);
    free(d);
    return k;
}

int number_cut_group(const struct picture *p, int gi, const struct group *g,
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
