/* Fonts and text (text.h): TrueType glyphs from stb_truetype at fractional pen positions, or the
 * built-in stb_easy_font at an integer scale, rendered into a coverage image and blended onto a
 * raster. */
#include "resnet_mnist/io/text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/fileio.h"

/* The one copy of stb_truetype in the program. */
#define STBTT_STATIC
#define STB_TRUETYPE_IMPLEMENTATION
#include "stb_begin.h"
#include <stb_truetype.h>
#include <stb_easy_font.h>
#include "stb_end.h"

/* Longest text drawn with the built-in font; longer strings are cut (titles are short). */
#define TEXT_EASY_MAX 255

struct text_font {
    int ttf;             /* 1: info holds a TrueType font; 0: the built-in stb_easy_font */
    int easy_min;        /* smallest scale of the built-in font */
    stbtt_fontinfo info; /* points into data */
    unsigned char *data; /* the font file, owned */
};

/* stb_truetype trusts its input, so check the table directory before handing a file to it: the
 * font may come from the environment, and garbage must fall back, not crash. */
static int font_file_sane(const unsigned char *d, size_t len)
{
    if (len < 12)
        return 0;
    uint32_t tag = bytes_load_be32(d);
    if (tag != 0x00010000u && tag != 0x74727565u /* "true" */)
        return 0;
    size_t ntables = bytes_load_be16(d + 4);
    if (ntables == 0 || 12 + 16 * ntables > len)
        return 0;
    for (size_t i = 0; i < ntables; i++) {
        const unsigned char *e = d + 12 + 16 * i;
        if ((uint64_t)bytes_load_be32(e + 8) + bytes_load_be32(e + 12) > len)
            return 0;
    }
    return 1;
}

static int font_try(struct text_font *f, const char *path)
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

struct text_font *text_font_load(int builtin_min_scale)
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
    struct text_font *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->easy_min = builtin_min_scale < 1 ? 1 : builtin_min_scale;
    const char *env = getenv(TEXT_FONT_ENV);
    if (env && strcmp(env, "none") == 0)
        return f;
    if (env && *env && font_try(f, env))
        return f;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (font_try(f, paths[i]))
            return f;
    return f;
}

void text_font_free(struct text_font *f)
{
    if (!f)
        return;
    free(f->data);
    free(f);
}

int text_font_is_truetype(const struct text_font *f)
{
    return f->ttf;
}

/* The built-in font's glyphs are 7 units from cap line to baseline; an integer scale keeps its
 * strokes crisp. */
static int easy_scale(const struct text_font *f, double px)
{
    int s = (int)lround(px * 0.73 / 7.0);
    return s < f->easy_min ? f->easy_min : s;
}

/* Copies s for stb_easy_font, which only knows printable ASCII (it indexes a table with c - 32). */
static void easy_text(char *out, const char *s)
{
    size_t n = 0;
    for (; *s && n < TEXT_EASY_MAX; s++) {
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

struct text_vmetrics text_font_vmetrics(const struct text_font *f, double px)
{
    struct text_vmetrics vm;
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

double text_measure_width(const struct text_font *f, const char *s, double px)
{
    if (!f->ttf) {
        char buf[TEXT_EASY_MAX + 1];
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

double text_fit_px(const struct text_font *f, const char *s, double px, double width)
{
    while (px > 8.0 && text_measure_width(f, s, px) > width)
        px *= 0.9;
    return px;
}

/* Rendered text: coverage a (w*h), and the pen's start on the baseline at (ox, oy). */
struct text_img {
    int w, h, ox, oy;
    float *a;
};

static int render_easy(const struct text_font *f, const char *s, double px, struct text_img *ti)
{
    char buf[TEXT_EASY_MAX + 1];
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

/* Adds glyph g's coverage (gw x gh bytes) at (bx, by) of ti, clipped. */
static void add_glyph(struct text_img *ti, const unsigned char *glyph, int gw, int gh, int bx,
                      int by)
{
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

static int render(const struct text_font *f, const char *s, double px, struct text_img *ti)
{
    memset(ti, 0, sizeof *ti);
    if (!f->ttf)
        return render_easy(f, s, px, ti);
    float scale = stbtt_ScaleForMappingEmToPixels(&f->info, (float)px);
    struct text_vmetrics vm = text_font_vmetrics(f, px);
    /* Glyph ink may reach past the advance box (a 'j' to the left, an italic to the right). */
    int pad = 2 + (int)ceil(px * 0.25);
    ti->ox = pad;
    ti->oy = 2 + (int)ceil(vm.ascent);
    ti->w = (int)ceil(text_measure_width(f, s, px)) + 2 * pad;
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
            add_glyph(ti, glyph, gw, gh, ti->ox + (int)ipen + gx0, ti->oy + gy0);
        }
        pen += adv * scale;
    }
    free(glyph);
    return 0;
}

int text_draw(struct raster *r, const struct text_font *f, const char *s, double px, double x,
              double y, double halign, enum text_valign va, struct raster_color c, int rot90)
{
    struct text_img ti;
    if (!*s)
        return 0;
    if (render(f, s, px, &ti) != 0)
        return -1;
    struct text_vmetrics vm = text_font_vmetrics(f, px);
    /* The pen's start relative to the anchor, in the text's own frame (y down). */
    double tx = -halign * text_measure_width(f, s, px);
    double ty = va == TEXT_VALIGN_TOP             ? vm.ascent
                : va == TEXT_VALIGN_BOTTOM        ? -vm.descent
                : va == TEXT_VALIGN_CENTER_DIGITS ? vm.digit_h / 2
                                                  : 0.0;
    if (!rot90) {
        int left = (int)lround(x + tx) - ti.ox, top = (int)lround(y + ty) - ti.oy;
        for (int my = 0; my < ti.h; my++)
            for (int mx = 0; mx < ti.w; mx++)
                raster_blend_pixel(r, left + mx, top + my, c, ti.a[(size_t)my * ti.w + mx]);
    } else {
        /* (dx, dy) in the text frame lands at (dy, -dx) on the raster. */
        int penx = (int)lround(x + ty), peny = (int)lround(y - tx);
        for (int my = 0; my < ti.h; my++)
            for (int mx = 0; mx < ti.w; mx++)
                raster_blend_pixel(r, penx + (my - ti.oy), peny - (mx - ti.ox) - 1, c,
                                   ti.a[(size_t)my * ti.w + mx]);
    }
    free(ti.a);
    return 0;
}
