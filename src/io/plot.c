/* Line plots as PNG files (spec section 4: the tutorial plots test accuracy against epoch as a
 * blue line with round markers, each point labelled with its value to 4 decimals).
 *
 * Everything is drawn on a raster (raster.h). The shapes of one series (segments, markers) go
 * into a coverage mask that keeps the maximum coverage per pixel, and the mask is blended once in
 * the series colour: blending each segment on its own would darken the joints where neighbouring
 * segments overlap. Text comes from text.h. The layout follows matplotlib's defaults: axes box,
 * light grid, ticks at 1-2-5 steps, data limits padded a little, a legend in the least crowded
 * corner. */
#include "resnet_mnist/io/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/png.h"
#include "resnet_mnist/io/raster.h"
#include "resnet_mnist/io/text.h"
#include "plot_axis.h"

#define PLOT_DEFAULT_W 1200
#define PLOT_DEFAULT_H 800
#define PLOT_MIN_W     200
#define PLOT_MIN_H     150
#define PLOT_MAX_DIM   8192

/* ---------------------------------------------------------------------------------------------
 * Geometry of text placement */

static int rect_overlap(struct raster_rect a, struct raster_rect b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

static int rect_inside(struct raster_rect in, struct raster_rect out)
{
    return in.x0 >= out.x0 && in.x1 <= out.x1 && in.y0 >= out.y0 && in.y1 <= out.y1;
}

/* Liang-Barsky: does the segment (x0,y0)-(x1,y1) meet r? */
static int segment_hits_rect(double x0, double y0, double x1, double y1, struct raster_rect r)
{
    double p[4] = {-(x1 - x0), x1 - x0, -(y1 - y0), y1 - y0};
    double q[4] = {x0 - r.x0, r.x1 - x0, y0 - r.y0, r.y1 - y0};
    double t0 = 0.0, t1 = 1.0;
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0.0) {
            if (q[k] < 0.0)
                return 0;
            continue;
        }
        double t = q[k] / p[k];
        if (p[k] < 0.0) {
            if (t > t1)
                return 0;
            if (t > t0)
                t0 = t;
        } else {
            if (t < t0)
                return 0;
            if (t < t1)
                t1 = t;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * The plot */

/* The points of one series in pixels; ok[i] is 0 for the points that are skipped (NaN, inf). */
struct series_px {
    double *px, *py;
    unsigned char *ok;
    int best; /* index of the marked point, -1 when none */
};

struct plot_ctx {
    const struct plot_spec *spec;
    struct raster cv;
    struct raster_mask mk;
    struct text_font *font;
    int oom;  /* a text allocation failed: the plot is incomplete and must not be written */
    double u; /* size unit: 1 at the default 1200x800 */
    double title_px, label_px, tick_px, note_px, legend_px;
    struct raster_color ink;
    int ax0, ay0, ax1, ay1; /* the plot area: [ax0, ax1] x [ay0, ay1] in pixel edges */
    struct plot_axis xa, ya;
    double line_hw, marker_r, ring_r, ring_hw;
    struct series_px *sp;
    /* text and legend boxes already placed, which later text must avoid */
    struct raster_rect *boxes;
    int nboxes, capboxes;
};

static double map_x(const struct plot_ctx *c, double x)
{
    return c->ax0 + (x - c->xa.lo) / (c->xa.hi - c->xa.lo) * (c->ax1 - c->ax0);
}

static double map_y(const struct plot_ctx *c, double y)
{
    return c->ay1 - (y - c->ya.lo) / (c->ya.hi - c->ya.lo) * (c->ay1 - c->ay0);
}

static int point_ok(const struct plot_series *s, int i)
{
    return isfinite(s->x[i]) && isfinite(s->y[i]);
}

/* text_draw on the plot's raster; running out of memory marks the plot as incomplete. */
static void draw_text(struct plot_ctx *c, const char *s, double px, double x, double y,
                      double halign, enum text_valign va, struct raster_color col, int rot90)
{
    if (text_draw(&c->cv, c->font, s, px, x, y, halign, va, col, rot90) != 0)
        c->oom = 1;
}

static int boxes_add(struct plot_ctx *c, struct raster_rect r)
{
    if (c->nboxes == c->capboxes) {
        int cap = c->capboxes ? 2 * c->capboxes : 64;
        struct raster_rect *nb = realloc(c->boxes, (size_t)cap * sizeof *nb);
        if (!nb)
            return -1;
        c->boxes = nb;
        c->capboxes = cap;
    }
    c->boxes[c->nboxes++] = r;
    return 0;
}

static int boxes_hit(const struct plot_ctx *c, struct raster_rect r)
{
    for (int i = 0; i < c->nboxes; i++)
        if (rect_overlap(r, c->boxes[i]))
            return 1;
    return 0;
}

/* How many markers and segments of all series touch r: 0 means text there hides no data. */
static int data_hits(const struct plot_ctx *c, struct raster_rect r, int stop_at_first)
{
    const struct plot_spec *spec = c->spec;
    struct raster_rect rm = raster_rect_grow(r, c->marker_r),
                       rl = raster_rect_grow(r, c->line_hw + 1.0);
    int hits = 0;
    for (int k = 0; k < spec->nseries; k++) {
        const struct series_px *p = &c->sp[k];
        for (int i = 0; i < spec->series[k].n; i++) {
            if (!p->ok[i])
                continue;
            if (p->px[i] >= rm.x0 && p->px[i] <= rm.x1 && p->py[i] >= rm.y0 && p->py[i] <= rm.y1)
                hits++;
            else if (i > 0 && p->ok[i - 1] &&
                     segment_hits_rect(p->px[i - 1], p->py[i - 1], p->px[i], p->py[i], rl))
                hits++;
            if (hits && stop_at_first)
                return hits;
        }
    }
    return hits;
}

static void format_value(char *buf, size_t n, double v)
{
    snprintf(buf, n, "%.4f", v);
}

static void format_best(char *buf, size_t n, double x, double y)
{
    if (x == floor(x) && fabs(x) < 1e15)
        snprintf(buf, n, "best %.4f @ %.0f", y, x);
    else
        snprintf(buf, n, "best %.4f @ %g", y, x);
}

/* Tries to place text of width w and height h near the point (x, y), in the given order of
 * candidate positions; where[k] = {dx, dy} offsets the box's top-left corner from the point, in
 * units of (w, h) plus fixed pixels. A position must lie inside the plot area and clear of the
 * boxes already placed; with avoid_data also clear of all markers and lines. Returns the index
 * of the candidate used, or -1. */
struct place {
    double fx, fy; /* box corner = point + (fx * w + px, fy * h + py) */
    double px, py;
};

static int place_text(const struct plot_ctx *c, const struct place *cand, int ncand, double x,
                      double y, double w, double h, int avoid_data, struct raster_rect *out)
{
    double in = 4.0 * c->u; /* clear of the axes box */
    struct raster_rect area = raster_rect_make(c->ax0 + in, c->ay0 + in, c->ax1 - in, c->ay1 - in);
    double gap = 4.0 * c->u; /* between texts: a word space */
    for (int k = 0; k < ncand; k++) {
        double x0 = x + cand[k].fx * w + cand[k].px, y0 = y + cand[k].fy * h + cand[k].py;
        struct raster_rect r = raster_rect_make(x0, y0, x0 + w, y0 + h);
        if (!rect_inside(r, area) || boxes_hit(c, raster_rect_grow(r, gap)))
            continue;
        if (avoid_data && data_hits(c, r, 1))
            continue;
        *out = r;
        return k;
    }
    return -1;
}

/* The size of the text of the point labels (one line of digits). */
static double note_h(const struct plot_ctx *c)
{
    struct text_vmetrics vm = text_font_vmetrics(c->font, c->note_px);
    return vm.ascent + vm.descent;
}

/* Marks the best point of series k with a ring and "best <y> @ <x>", placed above it (below it for
 * a minimum), else beside it, preferably where it hides no data. */
static void draw_best(struct plot_ctx *c, int k)
{
    const struct plot_series *s = &c->spec->series[k];
    const struct series_px *p = &c->sp[k];
    int b = p->best;
    if (b < 0)
        return;
    struct raster_color ring = raster_color_hex(0xd62728);
    /* A red ring would vanish on a red series; black is as visible then. */
    struct raster_color sc = raster_color_hex(s->rgb);
    if (fabsf(sc.r - ring.r) + fabsf(sc.g - ring.g) + fabsf(sc.b - ring.b) < 0.5f)
        ring = raster_color_hex(0x000000);
    raster_mask_clip(&c->mk, c->ax0, c->ay0, c->ax1, c->ay1);
    raster_mask_add_circle(&c->mk, p->px[b], p->py[b], c->ring_r, c->ring_hw);
    raster_mask_composite(&c->mk, &c->cv, ring, 1.0f);
    double rr = c->ring_r + c->ring_hw;
    if (boxes_add(
            c, raster_rect_make(p->px[b] - rr, p->py[b] - rr, p->px[b] + rr, p->py[b] + rr)) != 0) {
        c->oom = 1;
        return;
    }

    char buf[128];
    format_best(buf, sizeof buf, s->x[b], s->y[b]);
    double w = text_measure_width(c->font, buf, c->note_px), h = note_h(c);
    double off = c->ring_r + c->ring_hw + 5.0 * c->u;
    const struct place above[] = {
        {-0.5, -1.0, 0.0, -off}, {-1.0, -1.0, off * 0.7, -off}, {0.0, -1.0, -off * 0.7, -off}};
    const struct place below[] = {
        {-0.5, 0.0, 0.0, off}, {-1.0, 0.0, off * 0.7, off}, {0.0, 0.0, -off * 0.7, off}};
    const struct place side[] = {{0.0, -0.5, off, 0.0}, {-1.0, -0.5, -off, 0.0}};
    struct place cand[8];
    int n = 0;
    const struct place *first = s->mark_best > 0 ? above : below;
    const struct place *second = s->mark_best > 0 ? below : above;
    for (int i = 0; i < 3; i++)
        cand[n++] = first[i];
    for (int i = 0; i < 3; i++)
        cand[n++] = second[i];
    for (int i = 0; i < 2; i++)
        cand[n++] = side[i];
    struct raster_rect r;
    if (place_text(c, cand, n, p->px[b], p->py[b], w, h, 1, &r) < 0 &&
        place_text(c, cand, n, p->px[b], p->py[b], w, h, 0, &r) < 0)
        return; /* no room at all: the ring alone marks the point */
    if (boxes_add(c, r) != 0) {
        c->oom = 1;
        return;
    }
    draw_text(c, buf, c->note_px, r.x0, r.y0, 0.0, TEXT_VALIGN_TOP, c->ink, 0);
}

/* Labels the points of series k with their values, left to right, skipping any label that would
 * overlap text already placed or hide a marker or a line: with hundreds of points only some are
 * labelled, and none overlap. */
static void draw_point_labels(struct plot_ctx *c, int k)
{
    const struct plot_series *s = &c->spec->series[k];
    const struct series_px *p = &c->sp[k];
    double h = note_h(c), off = c->marker_r + 3.0 * c->u, d = c->marker_r + 1.0 * c->u;
    /* Centred above the point, as the tutorial; else shifted left or right; else beside it, left
     * of a line that rises steeply to the right, right of one that falls; else off a corner:
     * upper left or lower right of a line rising at a moderate slope, the other two for a
     * falling one. */
    const struct place cand[] = {{-0.5, -1.0, 0.0, -off},
                                 {-0.85, -1.0, 0.0, -off},
                                 {-0.15, -1.0, 0.0, -off},
                                 {-1.0, -0.5, -off - 2.0 * c->u, 0.0},
                                 {0.0, -0.5, off + 2.0 * c->u, 0.0},
                                 {-1.0, -1.0, -d, -d},
                                 {0.0, 0.0, d, d},
                                 {0.0, -1.0, d, -d},
                                 {-1.0, 0.0, -d, d}};
    double last_x = -INFINITY, last_y = -INFINITY;
    for (int i = 0; i < s->n; i++) {
        if (!p->ok[i] || i == p->best)
            continue;
        char buf[64];
        format_value(buf, sizeof buf, s->y[i]);
        double w = text_measure_width(c->font, buf, c->note_px);
        /* Where points crowd, labels on neighbouring points would stack up beside a steep line
         * and leave the reader to guess which is whose: keep labelled points a label apart. */
        if (hypot(p->px[i] - last_x, p->py[i] - last_y) < w)
            continue;
        struct raster_rect r;
        if (place_text(c, cand, (int)(sizeof cand / sizeof cand[0]), p->px[i], p->py[i], w, h, 1,
                       &r) < 0)
            continue;
        last_x = p->px[i];
        last_y = p->py[i];
        if (boxes_add(c, r) != 0) {
            c->oom = 1;
            return;
        }
        draw_text(c, buf, c->note_px, r.x0, r.y0, 0.0, TEXT_VALIGN_TOP, c->ink, 0);
    }
}

static void draw_series(struct plot_ctx *c, int k)
{
    const struct plot_series *s = &c->spec->series[k];
    const struct series_px *p = &c->sp[k];
    raster_mask_clip(&c->mk, c->ax0, c->ay0, c->ax1, c->ay1);
    for (int i = 0; i < s->n; i++) {
        if (!p->ok[i])
            continue; /* a skipped point breaks the line, as in matplotlib */
        if (i > 0 && p->ok[i - 1])
            raster_mask_add_segment(&c->mk, p->px[i - 1], p->py[i - 1], p->px[i], p->py[i],
                                    c->line_hw);
        raster_mask_add_circle(&c->mk, p->px[i], p->py[i], c->marker_r, 0.0);
    }
    raster_mask_composite(&c->mk, &c->cv, raster_color_hex(s->rgb), 1.0f);
}

/* The legend (drawn when there are >= 2 series): a line-and-marker sample and the label of each
 * series in a rounded box, in the corner or edge where it covers the least data. */
static void legend_layout(struct plot_ctx *c, struct raster_rect *box)
{
    const struct plot_spec *spec = c->spec;
    struct text_vmetrics vm = text_font_vmetrics(c->font, c->legend_px);
    double pad = 10.0 * c->u, sample = 36.0 * c->u, row = (vm.ascent + vm.descent) * 1.25;
    double wmax = 0.0;
    for (int k = 0; k < spec->nseries; k++) {
        const char *l = spec->series[k].label ? spec->series[k].label : "";
        wmax = fmax(wmax, text_measure_width(c->font, l, c->legend_px));
    }
    double w = 2.0 * pad + sample + 0.6 * c->legend_px + wmax;
    double h = 2.0 * pad + row * spec->nseries - (row - (vm.ascent + vm.descent));
    double m = 12.0 * c->u;
    double l = c->ax0 + m, r = c->ax1 - m - w, t = c->ay0 + m, b = c->ay1 - m - h;
    double cx = (c->ax0 + c->ax1 - w) / 2, cy = (c->ay0 + c->ay1 - h) / 2;
    /* matplotlib's loc="best" order: upper right first. */
    const double corners[][2] = {{r, t},  {l, t},  {l, b},  {r, b},
                                 {r, cy}, {l, cy}, {cx, b}, {cx, t}};
    int best = 0, best_hits = -1;
    for (int i = 0; i < (int)(sizeof corners / sizeof corners[0]); i++) {
        struct raster_rect cand =
            raster_rect_make(corners[i][0], corners[i][1], corners[i][0] + w, corners[i][1] + h);
        int hits = data_hits(c, raster_rect_grow(cand, 4.0 * c->u), 0);
        if (best_hits < 0 || hits < best_hits) {
            best_hits = hits;
            best = i;
        }
    }
    *box = raster_rect_make(corners[best][0], corners[best][1], corners[best][0] + w,
                            corners[best][1] + h);
}

static void draw_legend(struct plot_ctx *c, struct raster_rect box)
{
    const struct plot_spec *spec = c->spec;
    struct text_vmetrics vm = text_font_vmetrics(c->font, c->legend_px);
    double pad = 10.0 * c->u, sample = 36.0 * c->u, row = (vm.ascent + vm.descent) * 1.25;
    raster_mask_clip(&c->mk, 0, 0, c->cv.w, c->cv.h);
    raster_mask_add_round_rect(&c->mk, box, 5.0 * c->u);
    raster_mask_composite(&c->mk, &c->cv, raster_color_hex(0xcccccc), 1.0f);
    raster_mask_add_round_rect(&c->mk, raster_rect_grow(box, -1.0), 5.0 * c->u - 1.0);
    raster_mask_composite(&c->mk, &c->cv, raster_color_hex(0xffffff), 0.9f);
    for (int k = 0; k < spec->nseries; k++) {
        const struct plot_series *s = &spec->series[k];
        double yc = box.y0 + pad + row * k + (vm.ascent + vm.descent) / 2;
        double x0 = box.x0 + pad;
        raster_mask_add_segment(&c->mk, x0, yc, x0 + sample, yc, c->line_hw);
        raster_mask_add_circle(&c->mk, x0 + sample / 2, yc, fmax(c->marker_r, 4.0 * c->u), 0.0);
        raster_mask_composite(&c->mk, &c->cv, raster_color_hex(s->rgb), 1.0f);
        draw_text(c, s->label ? s->label : "", c->legend_px, x0 + sample + 0.6 * c->legend_px, yc,
                  0.0, TEXT_VALIGN_CENTER_DIGITS, c->ink, 0);
    }
}

/* Computes the layout: the plot area, the axis limits and ticks, the sizes of lines and markers,
 * and the points in pixels. */
static void plot_layout(struct plot_ctx *c, double xmin, double xmax, double ymin, double ymax,
                        int nmax)
{
    const struct plot_spec *spec = c->spec;
    double u = c->u;
    int W = c->cv.w, H = c->cv.h;
    struct text_vmetrics tv = text_font_vmetrics(c->font, c->tick_px);
    double pad = 12.0 * u, ticklen = 6.0 * u, tickgap = 5.0 * u;
    double tick_h = tv.ascent + tv.descent;

    /* Vertical layout first: it does not depend on the ticks. */
    double top = pad;
    if (spec->title && *spec->title) {
        c->title_px = text_fit_px(c->font, spec->title, c->title_px, W - 2.0 * pad);
        struct text_vmetrics m = text_font_vmetrics(c->font, c->title_px);
        top += m.ascent + m.descent + 12.0 * u;
    } else {
        top += 8.0 * u;
    }
    double bottom = pad + ticklen + tickgap + tick_h;
    if (spec->xlabel && *spec->xlabel) {
        c->label_px = text_fit_px(c->font, spec->xlabel, c->label_px, W - 2.0 * pad);
        struct text_vmetrics m = text_font_vmetrics(c->font, c->label_px);
        bottom += m.ascent + m.descent + 4.0 * u;
    }
    c->ay0 = (int)lround(top);
    c->ay1 = H - (int)lround(bottom);
    double ph = c->ay1 - c->ay0;

    /* Markers shrink when points crowd (500 points over 1000 px), down to a dot on the line. */
    c->line_hw = 1.25 * u;
    double spacing = (W * 0.8) / (nmax > 1 ? nmax - 1 : 1);
    c->marker_r = fmax(c->line_hw + 0.75, fmin(4.5 * u, 0.35 * spacing));
    c->ring_r = fmax(c->marker_r, 4.5 * u) + 4.5 * u;
    c->ring_hw = 1.0 * u;

    /* y limits: 5% air, plus room above the points for their labels (below a marked minimum). */
    double nh = note_h(c);
    double pad_lo = fmax(0.05 * ph, c->marker_r + 4.0 * u);
    double pad_hi = pad_lo;
    for (int k = 0; k < spec->nseries; k++) {
        const struct plot_series *s = &spec->series[k];
        if (s->label_points)
            pad_hi = fmax(pad_hi, c->marker_r + 3.0 * u + nh + 4.0 * u);
        double best_room = c->ring_r + c->ring_hw + 5.0 * u + nh + 4.0 * u;
        if (s->mark_best > 0)
            pad_hi = fmax(pad_hi, best_room);
        else if (s->mark_best < 0)
            pad_lo = fmax(pad_lo, best_room);
    }
    c->ya.integer = 0;
    plot_axis_fit(&c->ya, ymin, ymax, ph, pad_lo, pad_hi);
    plot_axis_place_ticks(&c->ya, c->font, c->tick_px, ph, 1);

    /* Now the left margin, which holds the widest y tick label. */
    double ywidest = 0.0;
    for (int i = 0; i < c->ya.nticks; i++) {
        char buf[64];
        plot_axis_format_tick(buf, sizeof buf, &c->ya, c->ya.ticks[i]);
        ywidest = fmax(ywidest, text_measure_width(c->font, buf, c->tick_px));
    }
    double left = pad + ywidest + tickgap + ticklen;
    if (spec->ylabel && *spec->ylabel) {
        c->label_px = text_fit_px(c->font, spec->ylabel, c->label_px, ph);
        struct text_vmetrics m = text_font_vmetrics(c->font, c->label_px);
        left += m.ascent + m.descent + 8.0 * u;
    }
    c->ax0 = (int)lround(left);

    /* x: the right margin must hold half of the last tick label; two rounds settle it. */
    double right = 24.0 * u;
    for (int round = 0; round < 3; round++) {
        c->ax1 = W - (int)lround(right);
        double pw = c->ax1 - c->ax0;
        double xpad = fmax(0.04 * pw, c->marker_r + 4.0 * u);
        plot_axis_fit(&c->xa, xmin, xmax, pw, xpad, xpad);
        plot_axis_place_ticks(&c->xa, c->font, c->tick_px, pw, 0);
        double need = right;
        if (c->xa.nticks > 0) {
            char buf[64];
            double last = c->xa.ticks[c->xa.nticks - 1];
            plot_axis_format_tick(buf, sizeof buf, &c->xa, last);
            double edge =
                map_x(c, last) + text_measure_width(c->font, buf, c->tick_px) / 2 + 4.0 * u;
            if (edge > W)
                need = right + (edge - W);
        }
        if (need <= right)
            break;
        right = need;
    }

    for (int k = 0; k < spec->nseries; k++) {
        const struct plot_series *s = &spec->series[k];
        struct series_px *p = &c->sp[k];
        p->best = -1;
        for (int i = 0; i < s->n; i++) {
            p->ok[i] = (unsigned char)point_ok(s, i);
            if (!p->ok[i])
                continue;
            p->px[i] = map_x(c, s->x[i]);
            p->py[i] = map_y(c, s->y[i]);
            if (s->mark_best && (p->best < 0 || (s->mark_best > 0 ? s->y[i] > s->y[p->best]
                                                                  : s->y[i] < s->y[p->best])))
                p->best = i;
        }
    }
}

/* The grid, under the data: light 1 px lines at the ticks. */
static void draw_grid(struct plot_ctx *c)
{
    struct raster_color grid = raster_color_hex(0xe3e3e3);
    for (int i = 0; i < c->xa.nticks; i++) {
        double x = floor(map_x(c, c->xa.ticks[i]));
        raster_fill_rect(&c->cv, raster_rect_make(x, c->ay0, x + 1.0, c->ay1), grid, 1.0f);
    }
    for (int i = 0; i < c->ya.nticks; i++) {
        double y = floor(map_y(c, c->ya.ticks[i]));
        raster_fill_rect(&c->cv, raster_rect_make(c->ax0, y, c->ax1, y + 1.0), grid, 1.0f);
    }
}

/* The axes box, ticks and their labels, the axis labels and the title, over the data. */
static void draw_axes(struct plot_ctx *c)
{
    const struct plot_spec *spec = c->spec;
    double u = c->u, ticklen = 6.0 * u, tickgap = 5.0 * u;
    double sw = 2.0 * fmax(1.0, round(u * 0.9)), hs = sw / 2;
    struct raster_color spine = raster_color_hex(0x222222);
    int ax0 = c->ax0, ax1 = c->ax1, ay0 = c->ay0, ay1 = c->ay1;

    raster_fill_rect(&c->cv, raster_rect_make(ax0 - hs, ay0 - hs, ax1 + hs, ay0 + hs), spine, 1.0f);
    raster_fill_rect(&c->cv, raster_rect_make(ax0 - hs, ay1 - hs, ax1 + hs, ay1 + hs), spine, 1.0f);
    raster_fill_rect(&c->cv, raster_rect_make(ax0 - hs, ay0 - hs, ax0 + hs, ay1 + hs), spine, 1.0f);
    raster_fill_rect(&c->cv, raster_rect_make(ax1 - hs, ay0 - hs, ax1 + hs, ay1 + hs), spine, 1.0f);

    char buf[64];
    for (int i = 0; i < c->xa.nticks; i++) {
        double x = round(map_x(c, c->xa.ticks[i]));
        raster_fill_rect(&c->cv, raster_rect_make(x - hs, ay1, x + hs, ay1 + hs + ticklen), spine,
                         1.0f);
        plot_axis_format_tick(buf, sizeof buf, &c->xa, c->xa.ticks[i]);
        draw_text(c, buf, c->tick_px, x, ay1 + hs + ticklen + tickgap, 0.5, TEXT_VALIGN_TOP, c->ink,
                  0);
    }
    for (int i = 0; i < c->ya.nticks; i++) {
        double y = round(map_y(c, c->ya.ticks[i]));
        raster_fill_rect(&c->cv, raster_rect_make(ax0 - hs - ticklen, y - hs, ax0, y + hs), spine,
                         1.0f);
        plot_axis_format_tick(buf, sizeof buf, &c->ya, c->ya.ticks[i]);
        draw_text(c, buf, c->tick_px, ax0 - hs - ticklen - tickgap, y, 1.0,
                  TEXT_VALIGN_CENTER_DIGITS, c->ink, 0);
    }

    double pad = 12.0 * u;
    if (spec->title && *spec->title)
        draw_text(c, spec->title, c->title_px, (ax0 + ax1) / 2.0, pad, 0.5, TEXT_VALIGN_TOP, c->ink,
                  0);
    if (spec->xlabel && *spec->xlabel)
        draw_text(c, spec->xlabel, c->label_px, (ax0 + ax1) / 2.0, c->cv.h - pad, 0.5,
                  TEXT_VALIGN_BOTTOM, c->ink, 0);
    if (spec->ylabel && *spec->ylabel)
        draw_text(c, spec->ylabel, c->label_px, pad, (ay0 + ay1) / 2.0, 0.5, TEXT_VALIGN_TOP,
                  c->ink, 1);
}

/* Checks the spec; fills xmin..ymax with the range of the finite points and *nmax with the
 * longest series. */
static int plot_check(const char *path, const struct plot_spec *spec, double *xmin, double *xmax,
                      double *ymin, double *ymax, int *nmax, int *x_integer, struct rm_status *st)
{
    if (!spec)
        return rm_fail(st, "%s: no plot spec", path);
    if (spec->nseries < 1 || !spec->series)
        return rm_fail(st, "%s: nothing to plot (%d series)", path, spec->nseries);
    if ((spec->width != 0 || spec->height != 0) &&
        (spec->width < PLOT_MIN_W || spec->width > PLOT_MAX_DIM || spec->height < PLOT_MIN_H ||
         spec->height > PLOT_MAX_DIM))
        return rm_fail(st, "%s: bad plot size %dx%d (from %dx%d to %dx%d, or 0x0 for %dx%d)", path,
                       spec->width, spec->height, PLOT_MIN_W, PLOT_MIN_H, PLOT_MAX_DIM,
                       PLOT_MAX_DIM, PLOT_DEFAULT_W, PLOT_DEFAULT_H);
    long finite = 0;
    *nmax = 0;
    *x_integer = 1;
    *xmin = *ymin = INFINITY;
    *xmax = *ymax = -INFINITY;
    for (int k = 0; k < spec->nseries; k++) {
        const struct plot_series *s = &spec->series[k];
        if (s->n < 1)
            return rm_fail(st, "%s: series %d has %d points", path, k + 1, s->n);
        if (!s->x || !s->y)
            return rm_fail(st, "%s: series %d has no %s values", path, k + 1, !s->x ? "x" : "y");
        if (s->mark_best < -1 || s->mark_best > 1)
            return rm_fail(st, "%s: series %d: mark_best must be -1, 0 or 1, not %d", path, k + 1,
                           s->mark_best);
        *nmax = s->n > *nmax ? s->n : *nmax;
        for (int i = 0; i < s->n; i++) {
            if (!point_ok(s, i))
                continue;
            finite++;
            *xmin = fmin(*xmin, s->x[i]);
            *xmax = fmax(*xmax, s->x[i]);
            *ymin = fmin(*ymin, s->y[i]);
            *ymax = fmax(*ymax, s->y[i]);
            if (s->x[i] != floor(s->x[i]) || fabs(s->x[i]) > 1e9)
                *x_integer = 0;
        }
    }
    if (finite == 0)
        return rm_fail(st, "%s: nothing to plot: no point has finite x and y", path);
    if (!isfinite(*xmax - *xmin) || !isfinite(*ymax - *ymin))
        return rm_fail(st, "%s: data range too large to plot", path);
    return 0;
}

static void plot_ctx_free(struct plot_ctx *c)
{
    if (c->sp) {
        for (int k = 0; k < c->spec->nseries; k++)
            free(c->sp[k].px);
        free(c->sp);
    }
    raster_free(&c->cv);
    raster_mask_free(&c->mk);
    free(c->boxes);
    text_font_free(c->font);
}

int plot_write_png(const char *path, const struct plot_spec *spec, struct rm_status *st)
{
    if (!path)
        return rm_fail(st, "plot: no output path");
    double xmin = 0.0, xmax = 0.0, ymin = 0.0, ymax = 0.0;
    int nmax = 0, x_integer = 0;
    if (plot_check(path, spec, &xmin, &xmax, &ymin, &ymax, &nmax, &x_integer, st) != 0)
        return -1;
    plot_axis_widen_range(&xmin, &xmax, x_integer);
    plot_axis_widen_range(&ymin, &ymax, 0);

    struct plot_ctx c;
    memset(&c, 0, sizeof c);
    c.spec = spec;
    int W = spec->width ? spec->width : PLOT_DEFAULT_W;
    int H = spec->height ? spec->height : PLOT_DEFAULT_H;
    int ok = raster_init(&c.cv, W, H) == 0;
    ok = raster_mask_init(&c.mk, W, H) == 0 && ok;
    c.sp = calloc((size_t)spec->nseries, sizeof *c.sp);
    c.font = text_font_load(2);
    ok = ok && c.sp && c.font;
    for (int k = 0; ok && k < spec->nseries; k++) {
        /* One block per series: x and y in pixels, then the flags. */
        size_t n = (size_t)spec->series[k].n;
        c.sp[k].px = malloc(n * (2 * sizeof(double) + 1));
        if (!c.sp[k].px) {
            ok = 0;
            break;
        }
        c.sp[k].py = c.sp[k].px + n;
        c.sp[k].ok = (unsigned char *)(c.sp[k].py + n);
    }
    if (!ok) {
        plot_ctx_free(&c);
        return rm_fail(st, "%s: out of memory for a %dx%d plot", path, W, H);
    }
    /* Text and line sizes are set for the default 1200x800 and scale with the image, within
     * limits that keep small plots readable and large ones sane. */
    c.u = fmin(W / (double)PLOT_DEFAULT_W, H / (double)PLOT_DEFAULT_H);
    c.u = c.u < 0.7 ? 0.7 : c.u > 3.0 ? 3.0 : c.u;
    c.title_px = 26.0 * c.u;
    c.label_px = 21.0 * c.u;
    c.tick_px = 18.0 * c.u;
    c.legend_px = 18.0 * c.u;
    c.note_px = 16.0 * c.u;
    c.ink = raster_color_hex(0x111111);
    c.xa.integer = x_integer;

    plot_layout(&c, xmin, xmax, ymin, ymax, nmax);
    if (c.ax1 - c.ax0 < 40 || c.ay1 - c.ay0 < 40) {
        plot_ctx_free(&c);
        return rm_fail(st, "%s: a %dx%d image leaves no room for the plot area", path, W, H);
    }

    draw_grid(&c);
    for (int k = 0; k < spec->nseries; k++)
        draw_series(&c, k);
    draw_axes(&c);
    /* Text inside the plot area, in order of importance: the legend, the best points, then as
     * many point labels as fit. */
    struct raster_rect legend = {0.0, 0.0, 0.0, 0.0};
    int has_legend = spec->nseries >= 2;
    if (has_legend) {
        legend_layout(&c, &legend);
        if (boxes_add(&c, legend) != 0)
            c.oom = 1;
    }
    for (int k = 0; k < spec->nseries; k++)
        draw_best(&c, k);
    for (int k = 0; k < spec->nseries; k++)
        if (spec->series[k].label_points)
            draw_point_labels(&c, k);
    if (has_legend)
        draw_legend(&c, legend);
    if (c.oom) {
        plot_ctx_free(&c);
        return rm_fail(st, "%s: out of memory while drawing", path);
    }

    /* The 8-bit picture takes the canvas's own memory, and the mask and the font go, before the
     * encoder takes its buffers: a training run's memory peaks at the end of an epoch, while its
     * plots are drawn. */
    uint8_t *img = raster_take_rgb8(&c.cv);
    raster_mask_free(&c.mk);
    text_font_free(c.font);
    c.font = NULL;
    int rc = png_write(path, img, W, H, 3, st);
    free(img);
    plot_ctx_free(&c);
    return rc;
}
