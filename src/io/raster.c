/* The RGB canvas and its drawing primitives (raster.h): rectangles with exact area coverage, and a
 * coverage mask for anti-aliased segments, discs, rings and rounded boxes. Values are stored as
 * 16-bit fixed point and blended in float. */
#include "resnet_mnist/io/raster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* v in [0, 1] as v * 65535, rounded; out of range (or NaN) clamped. Since 65535 = 255 * 257, an
 * 8-bit value c / 255 is stored exactly as c * 257. */
static uint16_t to_fixed(float v)
{
    if (!(v > 0.0f))
        return 0;
    if (v >= 1.0f)
        return 65535;
    return (uint16_t)(v * 65535.0f + 0.5f);
}

static float from_fixed(uint16_t q)
{
    return (float)q * (1.0f / 65535.0f);
}

/* round(q / 65535 * 255), halves up, in integers */
static uint8_t fixed_to_8bit(uint16_t q)
{
    return (uint8_t)(((uint32_t)q * 510u + 65535u) / 131070u);
}

struct raster_color raster_color_hex(uint32_t v)
{
    struct raster_color c = {(float)((v >> 16) & 255) / 255.0f, (float)((v >> 8) & 255) / 255.0f,
                             (float)(v & 255) / 255.0f};
    return c;
}

int raster_init(struct raster *r, int w, int h)
{
    r->w = w;
    r->h = h;
    r->rgb = malloc((size_t)w * (size_t)h * 3 * sizeof *r->rgb);
    if (!r->rgb) {
        r->w = r->h = 0;
        return -1;
    }
    raster_fill(r, raster_color_hex(0xffffff));
    return 0;
}

void raster_free(struct raster *r)
{
    free(r->rgb);
    r->rgb = NULL;
    r->w = r->h = 0;
}

void raster_fill(struct raster *r, struct raster_color c)
{
    size_t n = (size_t)r->w * (size_t)r->h;
    uint16_t q[3] = {to_fixed(c.r), to_fixed(c.g), to_fixed(c.b)};
    for (size_t i = 0; i < n; i++) {
        r->rgb[3 * i] = q[0];
        r->rgb[3 * i + 1] = q[1];
        r->rgb[3 * i + 2] = q[2];
    }
}

float raster_get(const struct raster *r, int x, int y, int ch)
{
    return from_fixed(r->rgb[((size_t)y * (size_t)r->w + (size_t)x) * 3 + (size_t)ch]);
}

void raster_blend_pixel(struct raster *r, int x, int y, struct raster_color c, float a)
{
    if (x < 0 || y < 0 || x >= r->w || y >= r->h || !(a > 0.0f))
        return;
    if (a > 1.0f)
        a = 1.0f;
    uint16_t *p = r->rgb + ((size_t)y * (size_t)r->w + (size_t)x) * 3;
    float v[3] = {from_fixed(p[0]), from_fixed(p[1]), from_fixed(p[2])};
    p[0] = to_fixed(v[0] + (c.r - v[0]) * a);
    p[1] = to_fixed(v[1] + (c.g - v[1]) * a);
    p[2] = to_fixed(v[2] + (c.b - v[2]) * a);
}

static int clamp_int(double v, int lo, int hi)
{
    if (!(v > lo)) /* also catches NaN */
        return lo;
    if (v > hi)
        return hi;
    return (int)v;
}

void raster_fill_rect(struct raster *r, struct raster_rect rect, struct raster_color c, float alpha)
{
    int ix0 = clamp_int(floor(rect.x0), 0, r->w), ix1 = clamp_int(ceil(rect.x1), 0, r->w);
    int iy0 = clamp_int(floor(rect.y0), 0, r->h), iy1 = clamp_int(ceil(rect.y1), 0, r->h);
    for (int y = iy0; y < iy1; y++) {
        double cy = fmin(rect.y1, y + 1.0) - fmax(rect.y0, (double)y);
        if (cy <= 0.0)
            continue;
        for (int x = ix0; x < ix1; x++) {
            double cx = fmin(rect.x1, x + 1.0) - fmax(rect.x0, (double)x);
            if (cx > 0.0)
                raster_blend_pixel(r, x, y, c, (float)(alpha * cx * cy));
        }
    }
}

void raster_store_rgb8(const struct raster *r, uint8_t *img, size_t stride, int x0, int y0)
{
    for (int y = 0; y < r->h; y++) {
        const uint16_t *src = r->rgb + (size_t)y * (size_t)r->w * 3;
        uint8_t *dst = img + ((size_t)(y0 + y) * stride + (size_t)x0) * 3;
        for (int i = 0; i < r->w * 3; i++)
            dst[i] = fixed_to_8bit(src[i]);
    }
}

uint8_t *raster_take_rgb8(struct raster *r)
{
    size_t n = (size_t)r->w * (size_t)r->h * 3;
    uint8_t *img = (uint8_t *)r->rgb;
    /* byte i is written after value i has been read, and value i lies at bytes 2i and 2i + 1,
     * so no value is overwritten before it is read */
    for (size_t i = 0; i < n; i++)
        img[i] = fixed_to_8bit(r->rgb[i]);
    uint8_t *shrunk = realloc(img, n ? n : 1); /* hands the second half back */
    r->rgb = NULL;
    r->w = r->h = 0;
    return shrunk ? shrunk : img;
}

/* ---------------------------------------------------------------------------------------------
 * The coverage mask */

int raster_mask_init(struct raster_mask *m, int w, int h)
{
    memset(m, 0, sizeof *m);
    m->a = calloc((size_t)w * (size_t)h, sizeof *m->a);
    if (!m->a)
        return -1;
    m->w = w;
    m->h = h;
    raster_mask_clip(m, 0, 0, w, h);
    return 0;
}

void raster_mask_free(struct raster_mask *m)
{
    free(m->a);
    memset(m, 0, sizeof *m);
}

void raster_mask_clip(struct raster_mask *m, int x0, int y0, int x1, int y1)
{
    m->cx0 = x0 < 0 ? 0 : x0;
    m->cy0 = y0 < 0 ? 0 : y0;
    m->cx1 = x1 > m->w ? m->w : x1;
    m->cy1 = y1 > m->h ? m->h : y1;
}

/* The pixels whose centres may be covered by a shape with bounding box r, clipped. Returns 0 when
 * there are none. */
static int mask_span(struct raster_mask *m, struct raster_rect r, int *x0, int *y0, int *x1,
                     int *y1)
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

static void mask_put(struct raster_mask *m, int x, int y, double cov)
{
    if (cov <= 0.0)
        return;
    uint16_t *p = m->a + (size_t)y * (size_t)m->w + (size_t)x;
    uint16_t v = to_fixed(cov >= 1.0 ? 1.0f : (float)cov);
    if (v > *p)
        *p = v;
}

float raster_mask_get(const struct raster_mask *m, int x, int y)
{
    return from_fixed(m->a[(size_t)y * (size_t)m->w + (size_t)x]);
}

void raster_mask_add_segment(struct raster_mask *m, double ax, double ay, double bx, double by,
                             double hw)
{
    int x0, y0, x1, y1;
    struct raster_rect bb =
        raster_rect_make(fmin(ax, bx), fmin(ay, by), fmax(ax, bx), fmax(ay, by));
    if (!mask_span(m, raster_rect_grow(bb, hw + 1.0), &x0, &y0, &x1, &y1))
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

void raster_mask_add_circle(struct raster_mask *m, double cx, double cy, double r, double ring_hw)
{
    int x0, y0, x1, y1;
    double reach = r + (ring_hw > 0.0 ? ring_hw : 0.0) + 1.0;
    if (!mask_span(m, raster_rect_make(cx - reach, cy - reach, cx + reach, cy + reach), &x0, &y0,
                   &x1, &y1))
        return;
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) {
            double d = hypot(x + 0.5 - cx, y + 0.5 - cy);
            mask_put(m, x, y, ring_hw > 0.0 ? ring_hw + 0.5 - fabs(d - r) : r + 0.5 - d);
        }
    }
}

/* A signed-distance test per pixel. */
void raster_mask_add_round_rect(struct raster_mask *m, struct raster_rect r, double rad)
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

void raster_mask_composite(struct raster_mask *m, struct raster *r, struct raster_color c,
                           float alpha)
{
    for (int y = m->by0; y < m->by1; y++) {
        uint16_t *row = m->a + (size_t)y * (size_t)m->w;
        for (int x = m->bx0; x < m->bx1; x++) {
            if (row[x] > 0) {
                raster_blend_pixel(r, x, y, c, from_fixed(row[x]) * alpha);
                row[x] = 0;
            }
        }
    }
    m->bx0 = m->by0 = m->bx1 = m->by1 = 0;
}
