/* Line plots as PNG files (spec section 4: the tutorial plots test accuracy against epoch as a
 * blue line with round markers, each point labelled with its value to 4 decimals).
 *
 * Everything is drawn into a float RGB canvas with coverage-based anti-aliasing. The shapes of
 * one series (segments, markers) are rasterised into a coverage mask that keeps the maximum
 * coverage per pixel, and the mask is blended once in the series colour: blending each segment
 * on its own would darken the joints where neighbouring segments overlap. Text comes from
 * stb_truetype, or from stb_easy_font when no font file can be loaded, so that a readable plot is
 * always written. The layout follows matplotlib's defaults: axes box, light grid, ticks at
 * 1-2-5 steps, data limits padded a little, a legend in the least crowded corner. */
#include "resnet_mnist/io/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/png.h"

#define STBTT_STATIC
#define STB_TRUETYPE_IMPLEMENTATION
#include "stb_begin.h"
#include <stb_truetype.h>
#include <stb_easy_font.h>
#include "stb_end.h"

#define PLOT_DEFAULT_W 1200
#define PLOT_DEFAULT_H 800
#define PLOT_MIN_W     200
#define PLOT_MIN_H     150
#define PLOT_MAX_DIM   8192
#define PLOT_MAX_TICKS 64
#define PLOT_FONT_ENV  "RESNET_MNIST_FONT"
/* Longest text drawn with the built-in font; longer strings are cut (titles are short). */
#define PLOT_EASY_MAX 255

/* ---------------------------------------------------------------------------------------------
 * Geometry and the canvas */

struct rgb {
    float r, g, b;
};

static struct rgb rgb_hex(uint32_t v)
{
    struct rgb c = {(float)((v >> 16) & 255) / 255.0f, (float)((v >> 8) & 255) / 255.0f,
                    (float)(v & 255) / 255.0f};
    return c;
}

/* Pixel coordinates, y down; pixel (i, j) covers [i, i+1) x [j, j+1). */
struct rect {
    double x0, y0, x1, y1;
};

static struct rect rect_make(double x0, double y0, double x1, double y1)
{
    struct rect r = {x0, y0, x1, y1};
    return r;
}

static struct rect rect_grow(struct rect r, double d)
{
    return rect_make(r.x0 - d, r.y0 - d, r.x1 + d, r.y1 + d);
}

static int rect_overlap(struct rect a, struct rect b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

static int rect_inside(struct rect in, struct rect out)
{
    return in.x0 >= out.x0 && in.x1 <= out.x1 && in.y0 >= out.y0 && in.y1 <= out.y1;
}

/* Liang-Barsky: does the segment (x0,y0)-(x1,y1) meet r? */
static int segment_hits_rect(double x0, double y0, double x1, double y1, struct rect r)
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

struct canvas {
    int w, h;
    float *rgb; /* w*h*3, row-major, sRGB values in [0, 1] */
};

static void canvas_blend(struct canvas *cv, int x, int y, struct rgb c, float a)
{
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h || !(a > 0.0f))
        return;
    if (a > 1.0f)
        a = 1.0f;
    float *p = cv->rgb + ((size_t)y * (size_t)cv->w + (size_t)x) * 3;
    p[0] += (c.r - p[0]) * a;
    p[1] += (c.g - p[1]) * a;
    p[2] += (c.b - p[2]) * a;
}

static int clamp_int(double v, int lo, int hi)
{
    if (!(v > lo)) /* also catches NaN */
        return lo;
    if (v > hi)
        return hi;
    return (int)v;
}

/* An axis-aligned rectangle, with exact area coverage on its fractional edges: edges on whole
 * pixels come out crisp, the others smooth. */
static void canvas_fill_rect(struct canvas *cv, struct rect r, struct rgb c, float alpha)
{
    int ix0 = clamp_int(floor(r.x0), 0, cv->w), ix1 = clamp_int(ceil(r.x1), 0, cv->w);
    int iy0 = clamp_int(floor(r.y0), 0, cv->h), iy1 = clamp_int(ceil(r.y1), 0, cv->h);
    for (int y = iy0; y < iy1; y++) {
        double cy = fmin(r.y1, y + 1.0) - fmax(r.y0, (double)y);
        if (cy <= 0.0)
            continue;
        for (int x = ix0; x < ix1; x++) {
            double cx = fmin(r.x1, x + 1.0) - fmax(r.x0, (double)x);
            if (cx > 0.0)
                canvas_blend(cv, x, y, c, (float)(alpha * cx * cy));
        }
    }
}

/* Coverage of the shapes of one series, blended into the canvas in one go. */
struct mask {
    int w, h;
    float *a;               /* w*h coverages in [0, 1] */
    int cx0, cy0, cx1, cy1; /* clip box, pixels [cx0, cx1) x [cy0, cy1) */
    int bx0, by0, bx1, by1; /* box touched since the last composite (empty when bx0 >= bx1) */
};

static void mask_set_clip(struct mask *m, int x0, int y0, int x1, int y1)
{
    m->cx0 = x0 < 0 ? 0 : x0;
    m->cy0 = y0 < 0 ? 0 : y0;
    m->cx1 = x1 > m->w ? m->w : x1;
    m->cy1 = y1 > m->h ? m->h : y1;
}

/* The pixels whose centres may be covered by a shape with bounding box r, clipped. Returns 0 when
 * there are none. */
static int mask_span(struct mask *m, struct rect r, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = clamp_int(floor(r.x0), m->cx0, m->cx1);
    *x1 = clamp_int(ceil(r.x1) + 1, m->cx0, m->cx1);
    *y0 = clamp_int(floor(r.y0), m->cy0, m->cy1);
    *y1 = clamp_int(ceil(r.y1) + 1, m->cy0, m->cy1);
    if (*x0 >= *x1 || *y0 >= *y1)
        return 0;
    if (m->bx0 >= m->bx1) {
        m->bx0 = *x0, m->by0 = *y0, m->bx1 = *x1, m->by1 = *y1;
    } else {
        m->bx0 = *x0 < m->bx0 ? *x0 : m->bx0;
        m->by0 = *y0 < m->by0 ? *y0 : m->by0;
        m->bx1 = *x1 > m->bx1 ? *x1 : m->bx1;
        m->by1 = *y1 > m->by1 ? *y1 : m->by1;
    }
    return 1;
}

static void mask_put(struct mask *m, int x, int y, double cov)
{
    if (cov <= 0.0)
        return;
    float *p = m->a + (size_t)y * (size_t)m->w + (size_t)x;
    float v = cov >= 1.0 ? 1.0f : (float)cov;
    if (v > *p)
        *p = v;
}

/* A segment of half-width hw with round caps. The coverage of a pixel is approximated by
 * clamp(hw + 0.5 - d), d the distance from its centre to the segment: exact for a straight edge
 * crossing the pixel, and close enough at the caps. */
static void mask_segment(struct mask *m, double ax, double ay, double bx, double by, double hw)
{
    int x0, y0, x1, y1;
    struct rect bb = rect_make(fmin(ax, bx), fmin(ay, by), fmax(ax, bx), fmax(ay, by));
    if (!mask_span(m, rect_grow(bb, hw + 1.0), &x0, &y0, &x1, &y1))
        return;
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (int y = y0; y < y1; y++) {
        double py = y + 0.5;
        for (int x = x0; x < x1; x++) {
            double px = x + 0.5;
            double t = len2 > 0.0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0.0;
            t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
            double ex = px - (ax + t * dx), ey = py - (ay + t * dy);
            mask_put(m, x, y, hw + 0.5 - sqrt(ex * ex + ey * ey));
        }
    }
}

/* A filled disc (ring_hw <= 0) or a ring of half-width ring_hw around the circle of radius r. */
static void mask_circle(struct mask *m, double cx, double cy, double r, double ring_hw)
{
    int x0, y0, x1, y1;
    double reach = r + (ring_hw > 0.0 ? ring_hw : 0.0) + 1.0;
    if (!mask_span(m, rect_make(cx - reach, cy - reach, cx + reach, cy + reach), &x0, &y0, &x1,
                   &y1))
        return;
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) {
            double d = hypot(x + 0.5 - cx, y + 0.5 - cy);
            mask_put(m, x, y, ring_hw > 0.0 ? ring_hw + 0.5 - fabs(d - r) : r + 0.5 - d);
        }
    }
}

/* A rectangle with rounded corners of radius rad (a signed-distance test per pixel). */
static void mask_round_rect(struct mask *m, struct rect r, double rad)
{
    int x0, y0, x1, y1;
    if (!mask_span(m, r, &x0, &y0, &x1, &y1))
        return;
    double cx = (r.x0 + r.x1) / 2, cy = (r.y0 + r.y1) / 2;
    double hx = (r.x1 - r.x0) / 2 - rad, hy = (r.y1 - r.y0) / 2 - rad;
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) {
            double qx = fabs(x + 0.5 - cx) - hx, qy = fabs(y + 0.5 - cy) - hy;
            double out = hypot(fmax(qx, 0.0), fmax(qy, 0.0)) + fmin(fmax(qx, qy), 0.0) - rad;
            mask_put(m, x, y, 0.5 - out);
        }
    }
}

/* Blends the mask into the canvas in colour c and clears it for the next shapes. */
static void mask_composite(struct mask *m, struct canvas *cv, struct rgb c, float alpha)
{
    for (int y = m->by0; y < m->by1; y++) {
        float *row = m->a + (size_t)y * (size_t)m->w;
        for (int x = m->bx0; x < m->bx1; x++) {
            if (row[x] > 0.0f) {
                canvas_blend(cv, x, y, c, row[x] * alpha);
                row[x] = 0.0f;
            }
        }
    }
    m->bx0 = m->by0 = m->bx1 = m->by1 = 0;
}

/* ---------------------------------------------------------------------------------------------
 * Fonts and text */

struct font {
    int ttf;             /* 1: info holds a TrueType font; 0: the built-in stb_easy_font */
    int easy_min;        /* smallest scale of the built-in font (0: 2); the digit grid's cells
                            are too narrow for its captions at 2 */
    stbtt_fontinfo info; /* points into data */
    unsigned char *data; /* the font file, owned */
};

/* Vertical metrics at one size, in pixels: ascent above the baseline, descent below it, and the
 * height of the digits (to centre numbers on a tick the way matplotlib does). */
struct vmetrics {
    double ascent, descent, digit_h;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* stb_truetype trusts its input, so check the table directory before handing a file to it: the
 * font may come from the environment, and garbage must fall back, not crash. */
static int font_file_sane(const unsigned char *d, size_t len)
{
    if (len < 12)
        return 0;
    uint32_t tag = be32(d);
    if (tag != 0x00010000u && tag != 0x74727565u /* "true" */)
        return 0;
    size_t ntables = (size_t)d[4] << 8 | d[5];
    if (ntables == 0 || 12 + 16 * ntables > len)
        return 0;
    for (size_t i = 0; i < ntables; i++) {
        const unsigned char *e = d + 12 + 16 * i;
        if ((uint64_t)be32(e + 8) + be32(e + 12) > len)
            return 0;
    }
    return 1;
}

static int font_try(struct font *f, const char *path)
{
    struct rm_status ignored;
    unsigned char *data;
    size_t len;
    if (file_read_all(path, &data, &len, &ignored) != 0)
        return 0;
    if (!font_file_sane(data, len) || len > 0x7fffffff ||
        !stbtt_InitFont(&f->info, data, stbtt_GetFontOffsetForIndex(data, 0)) ||
        stbtt_FindGlyphIndex(&f->info, '0') == 0) {
        free(data);
        return 0;
    }
    f->data = data;
    f->ttf = 1;
    return 1;
}

/* RESNET_MNIST_FONT names a font file to try first ("none": use the built-in font only); then
 * DejaVu Sans where the common distributions install it; then the built-in font. */
static void font_load(struct font *f)
{
    static const char *const paths[] = {
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",   /* Debian, Ubuntu */
        "/usr/share/fonts/TTF/DejaVuSans.ttf",               /* Arch */
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", /* Fedora */
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",            /* Alpine, older Fedora */
        "/usr/local/share/fonts/dejavu/DejaVuSans.ttf",      /* FreeBSD */
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/Library/Fonts/Arial.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
    };
    memset(f, 0, sizeof *f);
    const char *env = getenv(PLOT_FONT_ENV);
    if (env && strcmp(env, "none") == 0)
        return;
    if (env && *env && font_try(f, env))
        return;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (font_try(f, paths[i]))
            return;
}

static void font_free(struct font *f)
{
    free(f->data);
    f->data = NULL;
    f->ttf = 0;
}

/* The built-in font's glyphs are 7 units from cap line to baseline; an integer scale keeps its
 * strokes crisp, and at least 2 keeps it readable (1, its native size, only where text must fit
 * a narrow box). */
static int easy_scale(const struct font *f, double px)
{
    int lo = f->easy_min > 0 ? f->easy_min : 2;
    int s = (int)lround(px * 0.73 / 7.0);
    return s < lo ? lo : s;
}

/* Copies s for stb_easy_font, which only knows printable ASCII (it indexes a table with c - 32). */
static void easy_text(char *out, const char *s)
{
    size_t n = 0;
    for (; *s && n < PLOT_EASY_MAX; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch & 0xC0) == 0x80)
            continue; /* a UTF-8 continuation byte: one '?' per code point is enough */
        out[n++] = ch >= 32 && ch < 127 ? (char)ch : '?';
    }
    out[n] = '\0';
}

/* Decodes one UTF-8 code point and advances *s; malformed bytes read as U+FFFD. */
static int utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    int cp, extra;
    if (p[0] < 0x80) {
        *s += 1;
        return p[0];
    } else if ((p[0] & 0xE0) == 0xC0) {
        cp = p[0] & 0x1F, extra = 1;
    } else if ((p[0] & 0xF0) == 0xE0) {
        cp = p[0] & 0x0F, extra = 2;
    } else if ((p[0] & 0xF8) == 0xF0) {
        cp = p[0] & 0x07, extra = 3;
    } else {
        *s += 1;
        return 0xFFFD;
    }
    for (int i = 1; i <= extra; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *s += i;
            return 0xFFFD;
        }
        cp = cp << 6 | (p[i] & 0x3F);
    }
    *s += extra + 1;
    return cp;
}

static struct vmetrics font_vmetrics(const struct font *f, double px)
{
    struct vmetrics vm;
    if (f->ttf) {
        float scale = stbtt_ScaleForMappingEmToPixels(&f->info, (float)px);
        int asc, desc, gap, x0, y0, x1, y1;
        stbtt_GetFontVMetrics(&f->info, &asc, &desc, &gap);
        vm.ascent = asc * scale;
        vm.descent = -desc * scale;
        vm.digit_h =
            stbtt_GetCodepointBox(&f->info, '0', &x0, &y0, &x1, &y1) ? y1 * scale : 0.7 * px;
    } else {
        int s = easy_scale(f, px);
        vm.ascent = 8.0 * s; /* one unit of air above the caps, as a TrueType ascent has */
        vm.descent = 2.0 * s;
        vm.digit_h = 7.0 * s;
    }
    return vm;
}

/* The advance width of s in pixels. */
static double text_width(const struct font *f, const char *s, double px)
{
    if (!f->ttf) {
        char buf[PLOT_EASY_MAX + 1];
        easy_text(buf, s);
        return (double)stb_easy_font_width(buf) * easy_scale(f, px);
    }
    float scale = stbtt_ScaleForMappingEmToPixels(&f->info, (float)px);
    double w = 0.0;
    int prev = 0;
    while (*s) {
        int g = stbtt_FindGlyphIndex(&f->info, utf8_next(&s));
        int adv, lsb;
        stbtt_GetGlyphHMetrics(&f->info, g, &adv, &lsb);
        if (prev)
            w += stbtt_GetGlyphKernAdvance(&f->info, prev, g) * scale;
        w += adv * scale;
        prev = g;
    }
    return w;
}

/* Rendered text: coverage a (w*h), and the pen's start on the baseline at (ox, oy). */
struct text_img {
    int w, h, ox, oy;
    float *a;
};

static int text_render_easy(const struct font *f, const char *s, double px, struct text_img *ti)
{
    char buf[PLOT_EASY_MAX + 1];
    easy_text(buf, s);
    int sc = easy_scale(f, px), pad = 2;
    ti->ox = pad;
    ti->oy = pad + 7 * sc;
    ti->w = stb_easy_font_width(buf) * sc + 2 * pad;
    ti->h = 9 * sc + 2 * pad;
    ti->a = calloc((size_t)ti->w * (size_t)ti->h, sizeof *ti->a);
    /* A quad takes 64 bytes, and no glyph of stb_easy_font 1.1 has more than 11 quads (it
     * silently drops what does not fit, so be generous). */
    size_t vlen = (strlen(buf) + 1) * 16 * 64;
    char *vbuf = malloc(vlen);
    if (!ti->a || !vbuf) {
        free(ti->a);
        free(vbuf);
        ti->a = NULL;
        return -1;
    }
    int nq = stb_easy_font_print(0.0f, 0.0f, buf, NULL, vbuf, (int)vlen);
    for (int q = 0; q < nq; q++) {
        float v0[2], v2[2];
        memcpy(v0, vbuf + q * 64, sizeof v0);
        memcpy(v2, vbuf + q * 64 + 32, sizeof v2);
        int x0 = ti->ox + (int)lroundf(v0[0]) * sc, x1 = ti->ox + (int)lroundf(v2[0]) * sc;
        int y0 = pad + (int)lroundf(v0[1]) * sc, y1 = pad + (int)lroundf(v2[1]) * sc;
        for (int y = y0 < 0 ? 0 : y0; y < y1 && y < ti->h; y++)
            for (int x = x0 < 0 ? 0 : x0; x < x1 && x < ti->w; x++)
                ti->a[(size_t)y * (size_t)ti->w + (size_t)x] = 1.0f;
    }
    free(vbuf);
    return 0;
}

static int text_render(const struct font *f, const char *s, double px, struct text_img *ti)
{
    memset(ti, 0, sizeof *ti);
    if (!f->ttf)
        return text_render_easy(f, s, px, ti);
    float scale = stbtt_ScaleForMappingEmToPixels(&f->info, (float)px);
    struct vmetrics vm = font_vmetrics(f, px);
    /* Glyph ink may reach past the advance box (a 'j' to the left, an italic to the right). */
    int pad = 2 + (int)ceil(px * 0.25);
    ti->ox = pad;
    ti->oy = 2 + (int)ceil(vm.ascent);
    ti->w = (int)ceil(text_width(f, s, px)) + 2 * pad;
    ti->h = ti->oy + (int)ceil(vm.descent) + 2;
    ti->a = calloc((size_t)ti->w * (size_t)ti->h, sizeof *ti->a);
    if (!ti->a)
        return -1;
    unsigned char *glyph = NULL;
    size_t glyph_cap = 0;
    double pen = 0.0;
    int prev = 0;
    while (*s) {
        int g = stbtt_FindGlyphIndex(&f->info, utf8_next(&s));
        int adv, lsb, gx0, gy0, gx1, gy1;
        stbtt_GetGlyphHMetrics(&f->info, g, &adv, &lsb);
        if (prev)
            pen += stbtt_GetGlyphKernAdvance(&f->info, prev, g) * scale;
        prev = g;
        /* Render at the fractional pen position so that spacing stays even at small sizes. */
        double ipen = floor(pen);
        float shift = (float)(pen - ipen);
        stbtt_GetGlyphBitmapBoxSubpixel(&f->info, g, scale, scale, shift, 0.0f, &gx0, &gy0, &gx1,
                                        &gy1);
        int gw = gx1 - gx0, gh = gy1 - gy0;
        if (gw > 0 && gh > 0) {
            if ((size_t)gw * (size_t)gh > glyph_cap) {
                free(glyph);
                glyph_cap = (size_t)gw * (size_t)gh;
                glyph = malloc(glyph_cap);
                if (!glyph) {
                    free(ti->a);
                    ti->a = NULL;
                    return -1;
                }
            }
            stbtt_MakeGlyphBitmapSubpixel(&f->info, glyph, gw, gh, gw, scale, scale, shift, 0.0f,
                                          g);
            int bx = ti->ox + (int)ipen + gx0, by = ti->oy + gy0;
            for (int y = 0; y < gh; y++) {
                if (by + y < 0 || by + y >= ti->h)
                    continue;
                for (int x = 0; x < gw; x++) {
                    if (bx + x < 0 || bx + x >= ti->w)
                        continue;
                    float *p = ti->a + (size_t)(by + y) * (size_t)ti->w + (size_t)(bx + x);
                    *p += glyph[y * gw + x] / 255.0f; /* neighbours may overlap a little */
                    if (*p > 1.0f)
                        *p = 1.0f;
                }
            }
        }
        pen += adv * scale;
    }
    free(glyph);
    return 0;
}

/* Where a piece of text hangs from its anchor point, vertically. */
enum valign {
    VA_TOP,           /* anchor on the top of the ascent */
    VA_BASELINE,      /* anchor on the baseline */
    VA_BOTTOM,        /* anchor below the descent */
    VA_CENTER_DIGITS, /* anchor halfway up the digits (tick labels) */
};

/* ---------------------------------------------------------------------------------------------
 * The plot */

struct axis {
    double lo, hi; /* data values at the two ends of the plot area */
    double step;   /* tick spacing: 1, 2 or 5 times a power of ten */
    int decimals;  /* digits after the point in tick labels */
    int integer;   /* ticks must be whole numbers (the x values all are) */
    int nticks;    /* ticks in [lo, hi] */
    double ticks[PLOT_MAX_TICKS];
};

/* The points of one series in pixels; ok[i] is 0 for the points that are skipped (NaN, inf). */
struct series_px {
    double *px, *py;
    unsigned char *ok;
    int best; /* index of the marked point, -1 when none */
};

struct plot_ctx {
    const struct plot_spec *spec;
    struct canvas cv;
    struct mask mk;
    struct font font;
    int oom;  /* a text allocation failed: the plot is incomplete and must not be written */
    double u; /* size unit: 1 at the default 1200x800 */
    double title_px, label_px, tick_px, note_px, legend_px;
    struct rgb ink;
    int ax0, ay0, ax1, ay1; /* the plot area: [ax0, ax1] x [ay0, ay1] in pixel edges */
    struct axis xa, ya;
    double line_hw, marker_r, ring_r, ring_hw;
    struct series_px *sp;
    struct rect *boxes; /* text and legend boxes already placed, which later text must avoid */
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

/* Draws s with its anchor at (x, y): halign 0, 0.5, 1 puts the anchor at the left edge, the
 * centre, the right edge of the text; va as above. rot90 turns the text a quarter turn
 * counter-clockwise about the anchor, to read upwards (the y label). */
static void draw_text(struct plot_ctx *c, const char *s, double px, double x, double y,
                      double halign, enum valign va, struct rgb col, int rot90)
{
    struct vmetrics vm = font_vmetrics(&c->font, px);
    struct text_img ti;
    if (!*s)
        return;
    if (text_render(&c->font, s, px, &ti) != 0) {
        c->oom = 1;
        return;
    }
    /* The pen's start relative to the anchor, in the text's own frame (y down). */
    double tx = -halign * text_width(&c->font, s, px);
    double ty = va == VA_TOP             ? vm.ascent
                : va == VA_BOTTOM        ? -vm.descent
                : va == VA_CENTER_DIGITS ? vm.digit_h / 2
                                         : 0.0;
    if (!rot90) {
        int left = (int)lround(x + tx) - ti.ox, top = (int)lround(y + ty) - ti.oy;
        for (int my = 0; my < ti.h; my++)
            for (int mx = 0; mx < ti.w; mx++)
                canvas_blend(&c->cv, left + mx, top + my, col, ti.a[(size_t)my * ti.w + mx]);
    } else {
        /* (dx, dy) in the text frame lands at (dy, -dx) on the canvas. */
        int penx = (int)lround(x + ty), peny = (int)lround(y - tx);
        for (int my = 0; my < ti.h; my++)
            for (int mx = 0; mx < ti.w; mx++)
                canvas_blend(&c->cv, penx + (my - ti.oy), peny - (mx - ti.ox) - 1, col,
                             ti.a[(size_t)my * ti.w + mx]);
    }
    free(ti.a);
}

static int boxes_add(struct plot_ctx *c, struct rect r)
{
    if (c->nboxes == c->capboxes) {
        int cap = c->capboxes ? 2 * c->capboxes : 64;
        struct rect *nb = realloc(c->boxes, (size_t)cap * sizeof *nb);
        if (!nb)
            return -1;
        c->boxes = nb;
        c->capboxes = cap;
    }
    c->boxes[c->nboxes++] = r;
    return 0;
}

static int boxes_hit(const struct plot_ctx *c, struct rect r)
{
    for (int i = 0; i < c->nboxes; i++)
        if (rect_overlap(r, c->boxes[i]))
            return 1;
    return 0;
}

/* How many markers and segments of all series touch r: 0 means text there hides no data. */
static int data_hits(const struct plot_ctx *c, struct rect r, int stop_at_first)
{
    const struct plot_spec *spec = c->spec;
    struct rect rm = rect_grow(r, c->marker_r), rl = rect_grow(r, c->line_hw + 1.0);
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

/* The next step of the 1-2-5 series after step. */
static double step_next(double step)
{
    double e = pow(10.0, floor(log10(step) + 1e-9));
    double m = step / e;
    return m < 1.5 ? 2.0 * e : m < 3.5 ? 5.0 * e : 10.0 * e;
}

/* The smallest step of the 1-2-5 series that is >= raw. */
static double step_ceil(double raw)
{
    double e = pow(10.0, floor(log10(raw)));
    double m = raw / e;
    return (m <= 1.0 + 1e-9 ? 1.0 : m <= 2.0 + 1e-9 ? 2.0 : m <= 5.0 + 1e-9 ? 5.0 : 10.0) * e;
}

static void tick_format(char *buf, size_t n, const struct axis *a, double v)
{
    if (fabs(v) < a->step * 1e-6)
        v = 0.0; /* no "-0.00" */
    if (a->decimals > 8 || fabs(v) >= 1e9)
        snprintf(buf, n, "%.6g", v);
    else
        snprintf(buf, n, "%.*f", a->decimals, v);
}

/* Lays the ticks of an axis len pixels long: the finest 1-2-5 step that leaves room between the
 * labels (vertical: 2.5 text heights, horizontal: the widest label plus a gap). */
static void axis_ticks(const struct plot_ctx *c, struct axis *a, double len, int vertical)
{
    struct vmetrics vm = font_vmetrics(&c->font, c->tick_px);
    double span = a->hi - a->lo;
    double min_gap_px = vertical ? 2.5 * (vm.ascent + vm.descent) : 4.0 * c->tick_px;
    double step = step_ceil(span * min_gap_px / len);
    if (a->integer && step < 1.0)
        step = 1.0;
    for (int iter = 0; iter < 64; iter++, step = step_next(step)) {
        double kmin = ceil(a->lo / step - 1e-9), kmax = floor(a->hi / step + 1e-9);
        if (kmax - kmin + 1 > PLOT_MAX_TICKS)
            continue;
        a->step = step;
        a->decimals = (int)ceil(-log10(step) - 1e-9);
        if (a->decimals < 0)
            a->decimals = 0;
        a->nticks = 0;
        for (double k = kmin; k <= kmax; k++)
            a->ticks[a->nticks++] = k * step;
        if (vertical)
            return;
        double widest = 0.0;
        for (int i = 0; i < a->nticks; i++) {
            char buf[64];
            tick_format(buf, sizeof buf, a, a->ticks[i]);
            widest = fmax(widest, text_width(&c->font, buf, c->tick_px));
        }
        if (widest + 1.5 * c->tick_px <= step / span * len)
            return;
    }
}

/* The data range of one axis, widened when all values are equal (one point, a flat line) so that
 * they sit in the middle of the plot: by 1 for whole numbers, else by 1% (matplotlib takes 5%,
 * which puts a lone accuracy of 0.98 on an axis that runs past 1). */
static void range_nonsingular(double *lo, double *hi, int integer)
{
    double mag = fmax(fabs(*lo), fabs(*hi));
    if (*hi - *lo > 1e-9 * mag && *hi - *lo > 1e-300)
        return;
    double d = integer ? 1.0 : mag > 1e-6 ? 0.01 * mag : 0.01;
    *lo -= d;
    *hi += d;
}

/* Sets lo and hi so that [dmin, dmax] spans len pixels minus pad_lo and pad_hi pixels. */
static void axis_fit(struct axis *a, double dmin, double dmax, double len, double pad_lo,
                     double pad_hi)
{
    double inner = len - pad_lo - pad_hi;
    if (inner < 0.3 * len) { /* tiny plots: keep the data visible, squeeze the padding */
        double f = 0.7 * len / (pad_lo + pad_hi);
        pad_lo *= f;
        pad_hi *= f;
        inner = len - pad_lo - pad_hi;
    }
    double per_px = (dmax - dmin) / inner;
    a->lo = dmin - pad_lo * per_px;
    a->hi = dmax + pad_hi * per_px;
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
                      double y, double w, double h, int avoid_data, struct rect *out)
{
    double in = 4.0 * c->u; /* clear of the axes box */
    struct rect area = rect_make(c->ax0 + in, c->ay0 + in, c->ax1 - in, c->ay1 - in);
    double gap = 4.0 * c->u; /* between texts: a word space */
    for (int k = 0; k < ncand; k++) {
        double x0 = x + cand[k].fx * w + cand[k].px, y0 = y + cand[k].fy * h + cand[k].py;
        struct rect r = rect_make(x0, y0, x0 + w, y0 + h);
        if (!rect_inside(r, area) || boxes_hit(c, rect_grow(r, gap)))
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
    struct vmetrics vm = font_vmetrics(&c->font, c->note_px);
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
    struct rgb ring = rgb_hex(0xd62728);
    /* A red ring would vanish on a red series; black is as visible then. */
    struct rgb sc = rgb_hex(s->rgb);
    if (fabsf(sc.r - ring.r) + fabsf(sc.g - ring.g) + fabsf(sc.b - ring.b) < 0.5f)
        ring = rgb_hex(0x000000);
    mask_set_clip(&c->mk, c->ax0, c->ay0, c->ax1, c->ay1);
    mask_circle(&c->mk, p->px[b], p->py[b], c->ring_r, c->ring_hw);
    mask_composite(&c->mk, &c->cv, ring, 1.0f);
    double rr = c->ring_r + c->ring_hw;
    if (boxes_add(c, rect_make(p->px[b] - rr, p->py[b] - rr, p->px[b] + rr, p->py[b] + rr)) != 0) {
        c->oom = 1;
        return;
    }

    char buf[128];
    format_best(buf, sizeof buf, s->x[b], s->y[b]);
    double w = text_width(&c->font, buf, c->note_px), h = note_h(c);
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
    struct rect r;
    if (place_text(c, cand, n, p->px[b], p->py[b], w, h, 1, &r) < 0 &&
        place_text(c, cand, n, p->px[b], p->py[b], w, h, 0, &r) < 0)
        return; /* no room at all: the ring alone marks the point */
    if (boxes_add(c, r) != 0) {
        c->oom = 1;
        return;
    }
    draw_text(c, buf, c->note_px, r.x0, r.y0, 0.0, VA_TOP, c->ink, 0);
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
        double w = text_width(&c->font, buf, c->note_px);
        /* Where points crowd, labels on neighbouring points would stack up beside a steep line
         * and leave the reader to guess which is whose: keep labelled points a label apart. */
        if (hypot(p->px[i] - last_x, p->py[i] - last_y) < w)
            continue;
        struct rect r;
        if (place_text(c, cand, (int)(sizeof cand / sizeof cand[0]), p->px[i], p->py[i], w, h, 1,
                       &r) < 0)
            continue;
        last_x = p->px[i];
        last_y = p->py[i];
        if (boxes_add(c, r) != 0) {
            c->oom = 1;
            return;
        }
        draw_text(c, buf, c->note_px, r.x0, r.y0, 0.0, VA_TOP, c->ink, 0);
    }
}

static void draw_series(struct plot_ctx *c, int k)
{
    const struct plot_series *s = &c->spec->series[k];
    const struct series_px *p = &c->sp[k];
    mask_set_clip(&c->mk, c->ax0, c->ay0, c->ax1, c->ay1);
    for (int i = 0; i < s->n; i++) {
        if (!p->ok[i])
            continue; /* a skipped point breaks the line, as in matplotlib */
        if (i > 0 && p->ok[i - 1])
            mask_segment(&c->mk, p->px[i - 1], p->py[i - 1], p->px[i], p->py[i], c->line_hw);
        mask_circle(&c->mk, p->px[i], p->py[i], c->marker_r, 0.0);
    }
    mask_composite(&c->mk, &c->cv, rgb_hex(s->rgb), 1.0f);
}

/* The legend (drawn when there are >= 2 series): a line-and-marker sample and the label of each
 * series in a rounded box, in the corner or edge where it covers the least data. */
static void legend_layout(struct plot_ctx *c, struct rect *box)
{
    const struct plot_spec *spec = c->spec;
    struct vmetrics vm = font_vmetrics(&c->font, c->legend_px);
    double pad = 10.0 * c->u, sample = 36.0 * c->u, row = (vm.ascent + vm.descent) * 1.25;
    double wmax = 0.0;
    for (int k = 0; k < spec->nseries; k++) {
        const char *l = spec->series[k].label ? spec->series[k].label : "";
        wmax = fmax(wmax, text_width(&c->font, l, c->legend_px));
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
        struct rect cand =
            rect_make(corners[i][0], corners[i][1], corners[i][0] + w, corners[i][1] + h);
        int hits = data_hits(c, rect_grow(cand, 4.0 * c->u), 0);
        if (best_hits < 0 || hits < best_hits) {
            best_hits = hits;
            best = i;
        }
    }
    *box =
        rect_make(corners[best][0], corners[best][1], corners[best][0] + w, corners[best][1] + h);
}

static void draw_legend(struct plot_ctx *c, struct rect box)
{
    const struct plot_spec *spec = c->spec;
    struct vmetrics vm = font_vmetrics(&c->font, c->legend_px);
    double pad = 10.0 * c->u, sample = 36.0 * c->u, row = (vm.ascent + vm.descent) * 1.25;
    mask_set_clip(&c->mk, 0, 0, c->cv.w, c->cv.h);
    mask_round_rect(&c->mk, box, 5.0 * c->u);
    mask_composite(&c->mk, &c->cv, rgb_hex(0xcccccc), 1.0f);
    mask_round_rect(&c->mk, rect_grow(box, -1.0), 5.0 * c->u - 1.0);
    mask_composite(&c->mk, &c->cv, rgb_hex(0xffffff), 0.9f);
    for (int k = 0; k < spec->nseries; k++) {
        const struct plot_series *s = &spec->series[k];
        double yc = box.y0 + pad + row * k + (vm.ascent + vm.descent) / 2;
        double x0 = box.x0 + pad;
        mask_segment(&c->mk, x0, yc, x0 + sample, yc, c->line_hw);
        mask_circle(&c->mk, x0 + sample / 2, yc, fmax(c->marker_r, 4.0 * c->u), 0.0);
        mask_composite(&c->mk, &c->cv, rgb_hex(s->rgb), 1.0f);
        draw_text(c, s->label ? s->label : "", c->legend_px, x0 + sample + 0.6 * c->legend_px, yc,
                  0.0, VA_CENTER_DIGITS, c->ink, 0);
    }
}

/* Shrinks a font size until text fits into width (long titles on small images). */
static double fit_px(const struct plot_ctx *c, const char *s, double px, double width)
{
    while (px > 8.0 && text_width(&c->font, s, px) > width)
        px *= 0.9;
    return px;
}

/* Computes the layout: the plot area, the axis limits and ticks, the sizes of lines and markers,
 * and the points in pixels. */
static void plot_layout(struct plot_ctx *c, double xmin, double xmax, double ymin, double ymax,
                        int nmax)
{
    const struct plot_spec *spec = c->spec;
    double u = c->u;
    int W = c->cv.w, H = c->cv.h;
    struct vmetrics tv = font_vmetrics(&c->font, c->tick_px);
    double pad = 12.0 * u, ticklen = 6.0 * u, tickgap = 5.0 * u;
    double tick_h = tv.ascent + tv.descent;

    /* Vertical layout first: it does not depend on the ticks. */
    double top = pad;
    if (spec->title && *spec->title) {
        c->title_px = fit_px(c, spec->title, c->title_px, W - 2.0 * pad);
        struct vmetrics m = font_vmetrics(&c->font, c->title_px);
        top += m.ascent + m.descent + 12.0 * u;
    } else {
        top += 8.0 * u;
    }
    double bottom = pad + ticklen + tickgap + tick_h;
    if (spec->xlabel && *spec->xlabel) {
        c->label_px = fit_px(c, spec->xlabel, c->label_px, W - 2.0 * pad);
        struct vmetrics m = font_vmetrics(&c->font, c->label_px);
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
    axis_fit(&c->ya, ymin, ymax, ph, pad_lo, pad_hi);
    axis_ticks(c, &c->ya, ph, 1);

    /* Now the left margin, which holds the widest y tick label. */
    double ywidest = 0.0;
    for (int i = 0; i < c->ya.nticks; i++) {
        char buf[64];
        tick_format(buf, sizeof buf, &c->ya, c->ya.ticks[i]);
        ywidest = fmax(ywidest, text_width(&c->font, buf, c->tick_px));
    }
    double left = pad + ywidest + tickgap + ticklen;
    if (spec->ylabel && *spec->ylabel) {
        c->label_px = fit_px(c, spec->ylabel, c->label_px, ph);
        struct vmetrics m = font_vmetrics(&c->font, c->label_px);
        left += m.ascent + m.descent + 8.0 * u;
    }
    c->ax0 = (int)lround(left);

    /* x: the right margin must hold half of the last tick label; two rounds settle it. */
    double right = 24.0 * u;
    for (int round = 0; round < 3; round++) {
        c->ax1 = W - (int)lround(right);
        double pw = c->ax1 - c->ax0;
        double xpad = fmax(0.04 * pw, c->marker_r + 4.0 * u);
        axis_fit(&c->xa, xmin, xmax, pw, xpad, xpad);
        axis_ticks(c, &c->xa, pw, 0);
        double need = right;
        if (c->xa.nticks > 0) {
            char buf[64];
            double last = c->xa.ticks[c->xa.nticks - 1];
            tick_format(buf, sizeof buf, &c->xa, last);
            double edge = map_x(c, last) + text_width(&c->font, buf, c->tick_px) / 2 + 4.0 * u;
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
    struct rgb grid = rgb_hex(0xe3e3e3);
    for (int i = 0; i < c->xa.nticks; i++) {
        double x = floor(map_x(c, c->xa.ticks[i]));
        canvas_fill_rect(&c->cv, rect_make(x, c->ay0, x + 1.0, c->ay1), grid, 1.0f);
    }
    for (int i = 0; i < c->ya.nticks; i++) {
        double y = floor(map_y(c, c->ya.ticks[i]));
        canvas_fill_rect(&c->cv, rect_make(c->ax0, y, c->ax1, y + 1.0), grid, 1.0f);
    }
}

/* The axes box, ticks and their labels, the axis labels and the title, over the data. */
static void draw_axes(struct plot_ctx *c)
{
    const struct plot_spec *spec = c->spec;
    double u = c->u, ticklen = 6.0 * u, tickgap = 5.0 * u;
    double sw = 2.0 * fmax(1.0, round(u * 0.9)), hs = sw / 2;
    struct rgb spine = rgb_hex(0x222222);
    int ax0 = c->ax0, ax1 = c->ax1, ay0 = c->ay0, ay1 = c->ay1;

    canvas_fill_rect(&c->cv, rect_make(ax0 - hs, ay0 - hs, ax1 + hs, ay0 + hs), spine, 1.0f);
    canvas_fill_rect(&c->cv, rect_make(ax0 - hs, ay1 - hs, ax1 + hs, ay1 + hs), spine, 1.0f);
    canvas_fill_rect(&c->cv, rect_make(ax0 - hs, ay0 - hs, ax0 + hs, ay1 + hs), spine, 1.0f);
    canvas_fill_rect(&c->cv, rect_make(ax1 - hs, ay0 - hs, ax1 + hs, ay1 + hs), spine, 1.0f);

    char buf[64];
    for (int i = 0; i < c->xa.nticks; i++) {
        double x = round(map_x(c, c->xa.ticks[i]));
        canvas_fill_rect(&c->cv, rect_make(x - hs, ay1, x + hs, ay1 + hs + ticklen), spine, 1.0f);
        tick_format(buf, sizeof buf, &c->xa, c->xa.ticks[i]);
        draw_text(c, buf, c->tick_px, x, ay1 + hs + ticklen + tickgap, 0.5, VA_TOP, c->ink, 0);
    }
    for (int i = 0; i < c->ya.nticks; i++) {
        double y = round(map_y(c, c->ya.ticks[i]));
        canvas_fill_rect(&c->cv, rect_make(ax0 - hs - ticklen, y - hs, ax0, y + hs), spine, 1.0f);
        tick_format(buf, sizeof buf, &c->ya, c->ya.ticks[i]);
        draw_text(c, buf, c->tick_px, ax0 - hs - ticklen - tickgap, y, 1.0, VA_CENTER_DIGITS,
                  c->ink, 0);
    }

    double pad = 12.0 * u;
    if (spec->title && *spec->title)
        draw_text(c, spec->title, c->title_px, (ax0 + ax1) / 2.0, pad, 0.5, VA_TOP, c->ink, 0);
    if (spec->xlabel && *spec->xlabel)
        draw_text(c, spec->xlabel, c->label_px, (ax0 + ax1) / 2.0, c->cv.h - pad, 0.5, VA_BOTTOM,
                  c->ink, 0);
    if (spec->ylabel && *spec->ylabel)
        draw_text(c, spec->ylabel, c->label_px, pad, (ay0 + ay1) / 2.0, 0.5, VA_TOP, c->ink, 1);
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
    free(c->cv.rgb);
    free(c->mk.a);
    free(c->boxes);
    font_free(&c->font);
}

int plot_write_png(const char *path, const struct plot_spec *spec, struct rm_status *st)
{
    if (!path)
        return rm_fail(st, "plot: no output path");
    double xmin = 0.0, xmax = 0.0, ymin = 0.0, ymax = 0.0;
    int nmax = 0, x_integer = 0;
    if (plot_check(path, spec, &xmin, &xmax, &ymin, &ymax, &nmax, &x_integer, st) != 0)
        return -1;
    range_nonsingular(&xmin, &xmax, x_integer);
    range_nonsingular(&ymin, &ymax, 0);

    struct plot_ctx c;
    memset(&c, 0, sizeof c);
    c.spec = spec;
    int W = spec->width ? spec->width : PLOT_DEFAULT_W;
    int H = spec->height ? spec->height : PLOT_DEFAULT_H;
    size_t npx = (size_t)W * (size_t)H;
    c.cv.w = c.mk.w = W;
    c.cv.h = c.mk.h = H;
    c.cv.rgb = malloc(npx * 3 * sizeof *c.cv.rgb);
    c.mk.a = calloc(npx, sizeof *c.mk.a);
    c.sp = calloc((size_t)spec->nseries, sizeof *c.sp);
    int ok = c.cv.rgb && c.mk.a && c.sp;
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
    for (size_t i = 0; i < npx * 3; i++)
        c.cv.rgb[i] = 1.0f;

    font_load(&c.font);
    /* Text and line sizes are set for the default 1200x800 and scale with the image, within
     * limits that keep small plots readable and large ones sane. */
    c.u = fmin(W / (double)PLOT_DEFAULT_W, H / (double)PLOT_DEFAULT_H);
    c.u = c.u < 0.7 ? 0.7 : c.u > 3.0 ? 3.0 : c.u;
    c.title_px = 26.0 * c.u;
    c.label_px = 21.0 * c.u;
    c.tick_px = 18.0 * c.u;
    c.legend_px = 18.0 * c.u;
    c.note_px = 16.0 * c.u;
    c.ink = rgb_hex(0x111111);
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
    struct rect legend = {0.0, 0.0, 0.0, 0.0};
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

    /* The 8-bit image goes into the mask's memory, no longer needed: w*h floats hold w*h*3
     * bytes. */
    unsigned char *img = (unsigned char *)c.mk.a;
    for (size_t i = 0; i < npx * 3; i++) {
        float v = c.cv.rgb[i];
        img[i] = (unsigned char)(v <= 0.0f ? 0 : v >= 1.0f ? 255 : (int)(v * 255.0f + 0.5f));
    }
    int rc = png_write(path, img, W, H, 3, st);
    plot_ctx_free(&c);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The digit grid (plot_write_digit_grid) */

/* Copies the float canvas into the 8-bit RGB image (stride W pixels) at (x0, y0). */
static void grid_blit(unsigned char *img, int W, int x0, int y0, const struct canvas *cv)
{
    for (int y = 0; y < cv->h; y++) {
        const float *src = cv->rgb + (size_t)y * (size_t)cv->w * 3;
        unsigned char *dst = img + ((size_t)(y0 + y) * (size_t)W + (size_t)x0) * 3;
        for (int i = 0; i < cv->w * 3; i++) {
            float v = src[i];
            dst[i] = (unsigned char)(v <= 0.0f ? 0 : v >= 1.0f ? 255 : (int)(v * 255.0f + 0.5f));
        }
    }
}

static void grid_clear(struct canvas *cv)
{
    for (size_t i = 0; i < (size_t)cv->w * (size_t)cv->h * 3; i++)
        cv->rgb[i] = 1.0f;
}

/* One cell: the digit in its frame, the caption lines under it. Cells are drawn one at a time
 * into a canvas of their own, which also keeps text that does not fit out of the neighbours. */
static void grid_draw_cell(struct plot_ctx *c, const uint8_t *digit, const char *caption)
{
    struct canvas *cv = &c->cv;
    grid_clear(cv);
    double x0 = PLOT_GRID_DIGIT_X, y0 = PLOT_GRID_DIGIT_Y;
    canvas_fill_rect(cv,
                     rect_make(x0 - 1, y0 - 1, x0 + PLOT_GRID_DIGIT + 1, y0 + PLOT_GRID_DIGIT + 1),
                     rgb_hex(0xc8c8c8), 1.0f);
    canvas_fill_rect(cv, rect_make(x0, y0, x0 + PLOT_GRID_DIGIT, y0 + PLOT_GRID_DIGIT),
                     rgb_hex(0xffffff), 1.0f);
    for (int r = 0; r < 28; r++) {
        for (int q = 0; q < 28; q++) {
            float ink = digit[r * 28 + q] / 255.0f; /* MNIST's 255 is full ink: black here */
            if (ink <= 0.0f)
                continue;
            for (int dy = 0; dy < PLOT_GRID_SCALE; dy++)
                for (int dx = 0; dx < PLOT_GRID_SCALE; dx++)
                    canvas_blend(cv, (int)x0 + q * PLOT_GRID_SCALE + dx,
                                 (int)y0 + r * PLOT_GRID_SCALE + dy, rgb_hex(0x000000), ink);
        }
    }
    if (!caption)
        return;
    double top = y0 + PLOT_GRID_DIGIT + PLOT_GRID_CAPTION_GAP;
    const char *s = caption;
    for (int line = 0; line < PLOT_GRID_LINES && *s; line++) {
        char buf[128];
        size_t len = strcspn(s, "\n");
        size_t keep = len < sizeof buf - 1 ? len : sizeof buf - 1;
        memcpy(buf, s, keep);
        buf[keep] = '\0';
        double px = fit_px(c, buf, 15.0, PLOT_GRID_CELL_W - 6.0);
        draw_text(c, buf, px, PLOT_GRID_CELL_W / 2.0, top + line * PLOT_GRID_LINE_H, 0.5, VA_TOP,
                  line == 0 ? c->ink : rgb_hex(0x444444), 0);
        s += len;
        if (*s == '\n')
            s++;
    }
}

int plot_write_digit_grid(const char *path, const char *title, const uint8_t *images,
                          const char *const *captions, int n, int columns, struct rm_status *st)
{
    if (!path)
        return rm_fail(st, "digit grid: no output path");
    if (!images || n < 1)
        return rm_fail(st, "%s: no digits to draw (%d)", path, n);
    if (columns < 1)
        return rm_fail(st, "%s: bad number of columns %d", path, columns);
    int cols = columns < n ? columns : n;
    long rows = (n + (long)cols - 1) / cols;
    long W = 2L * PLOT_GRID_MARGIN + (long)cols * PLOT_GRID_CELL_W;
    W = W < PLOT_GRID_MIN_W ? PLOT_GRID_MIN_W : W;
    long H = PLOT_GRID_TITLE_H + rows * PLOT_GRID_CELL_H + PLOT_GRID_MARGIN;
    if (W > PLOT_MAX_DIM || H > PLOT_MAX_DIM)
        return rm_fail(st,
                       "%s: %d digits in %d columns make a %ldx%ld image, more than %d pixels "
                       "on a side",
                       path, n, cols, W, H, PLOT_MAX_DIM);

    struct plot_ctx c;
    memset(&c, 0, sizeof c);
    size_t npx = (size_t)W * (size_t)H;
    size_t canvas_px = (size_t)W * PLOT_GRID_TITLE_H;
    if (canvas_px < (size_t)PLOT_GRID_CELL_W * PLOT_GRID_CELL_H)
        canvas_px = (size_t)PLOT_GRID_CELL_W * PLOT_GRID_CELL_H;
    unsigned char *img = malloc(npx * 3);
    c.cv.rgb = malloc(canvas_px * 3 * sizeof *c.cv.rgb);
    if (!img || !c.cv.rgb) {
        free(img);
        free(c.cv.rgb);
        return rm_fail(st, "%s: out of memory for a %ldx%ld image", path, W, H);
    }
    memset(img, 255, npx * 3);
    font_load(&c.font);
    c.font.easy_min = 1;
    c.u = 1.0;
    c.ink = rgb_hex(0x111111);

    if (title && *title) {
        c.cv.w = (int)W;
        c.cv.h = PLOT_GRID_TITLE_H;
        grid_clear(&c.cv);
        double px = fit_px(&c, title, 20.0, (double)W - 2.0 * PLOT_GRID_MARGIN);
        draw_text(&c, title, px, W / 2.0, PLOT_GRID_TITLE_H / 2.0, 0.5, VA_CENTER_DIGITS, c.ink, 0);
        grid_blit(img, (int)W, 0, 0, &c.cv);
    }
    int left = (int)(W - (long)cols * PLOT_GRID_CELL_W) / 2;
    c.cv.w = PLOT_GRID_CELL_W;
    c.cv.h = PLOT_GRID_CELL_H;
    for (int k = 0; k < n && !c.oom; k++) {
        grid_draw_cell(&c, images + (size_t)k * 784, captions ? captions[k] : NULL);
        grid_blit(img, (int)W, left + (k % cols) * PLOT_GRID_CELL_W,
                  PLOT_GRID_TITLE_H + (k / cols) * PLOT_GRID_CELL_H, &c.cv);
    }
    int oom = c.oom;
    free(c.cv.rgb);
    font_free(&c.font);
    if (oom) {
        free(img);
        return rm_fail(st, "%s: out of memory while drawing", path);
    }
    int rc = png_write(path, img, (int)W, (int)H, 3, st);
    free(img);
    return rc;
}
