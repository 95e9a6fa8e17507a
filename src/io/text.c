/* Fonts and text (text.h): glyph outlines from FreeType, scaled and placed at fractional pen
 * positions here and rasterised with FreeType's anti-aliasing rasteriser, or the built-in
 * stb_easy_font at an integer scale; rendered into a coverage image and blended onto a raster.
 *
 * FreeType is made for fonts from anywhere (and fuzzed continuously upstream); on top of it the
 * numbers a font gives are checked once at load (a font whose metrics are absurd is unusable
 * and the built-in font is used instead) and bounded where they size memory (advances, kerning,
 * glyph boxes, the text image). Glyphs are unhinted, as stb_truetype drew them before: the
 * outline is scaled by px / units-per-em exactly, not to a rounded pixel size. */
#include "resnet_mnist/io/text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H
#include FT_ADVANCES_H

#include "resnet_mnist/io/fileio.h"

/* The one use of stb_easy_font in the program: the built-in font, which parses nothing. */
#include "stb_begin.h"
#include <stb_easy_font.h>
#include "stb_end.h"

/* Longest text drawn with the built-in font; longer strings are cut (titles are short). */
#define TEXT_EASY_MAX 255
/* The family asked of fontconfig for the default font (fonts-dejavu-core). */
#define TEXT_DEFAULT_FAMILY "DejaVu Sans"
/* Bounds on what a font may say, in units of its em: anything outside makes it unusable (at
 * load) or is clamped (per glyph). Real fonts are far inside. */
#define TEXT_MAX_EXTENT 4 /* ascent, descent, an advance: at most 4 em */
#define TEXT_MAX_KERN   1 /* a kerning adjustment: at most 1 em either way */
/* The largest text image, in pixels a side: longer text is clipped (titles are short). */
#define TEXT_MAX_IMAGE 8192

struct text_font {
    int ttf;          /* 1: face holds a FreeType font; 0: the built-in stb_easy_font */
    int easy_min;     /* smallest scale of the built-in font */
    FT_Library lib;   /* one FreeType instance per font: nothing shared between fonts */
    FT_Face face;     /* reads from data */
    uint8_t *data;    /* the font file, owned */
    double upem;      /* units per em */
    double ascender;  /* hhea's, in font units (positive) */
    double descender; /* below the baseline, in font units (positive) */
    double digit_top; /* the top of '0', in font units */
};

/* Why a font cannot be used, into why (when not NULL); returns 0 (not usable). */
static int unusable(struct rm_status *why, const char *reason)
{
    rm_fail(why, "%s", reason);
    return 0;
}

static void font_release(struct text_font *f)
{
    if (f->face)
        FT_Done_Face(f->face);
    if (f->lib)
        FT_Done_FreeType(f->lib);
    free(f->data);
    f->face = NULL;
    f->lib = NULL;
    f->data = NULL;
    f->ttf = 0;
}

/* Opens data as a font with FreeType and checks what the drawing relies on. Takes data (freed on
 * failure). 1 when usable. */
static int font_try_memory(struct text_font *f, uint8_t *data, size_t len, struct rm_status *why)
{
    f->data = data;
    if (len > 64u << 20 || FT_Init_FreeType(&f->lib) != 0) {
        font_release(f);
        return unusable(why, len > 64u << 20 ? "larger than 64 MiB" : "FreeType failed to start");
    }
    if (FT_New_Memory_Face(f->lib, data, (FT_Long)len, 0, &f->face) != 0) {
        font_release(f);
        return unusable(why, "not a font FreeType can read");
    }
    FT_Face face = f->face;
    const char *bad = NULL;
    FT_UInt zero = 0;
    if (!FT_IS_SCALABLE(face))
        bad = "not a scalable (outline) font";
    else if (face->units_per_EM < 16 || face->units_per_EM > 16384)
        bad = "units per em outside 16..16384";
    else if (!face->charmap || face->charmap->encoding != FT_ENCODING_UNICODE)
        bad = "no Unicode character map";
    else if (face->ascender <= 0 || face->ascender > TEXT_MAX_EXTENT * face->units_per_EM ||
             face->descender > 0 || -face->descender > TEXT_MAX_EXTENT * face->units_per_EM)
        bad = "ascender or descender out of range";
    for (int d = '0'; !bad && d <= '9'; d++)
        if ((zero = FT_Get_Char_Index(face, (FT_ULong)d)) == 0)
            bad = "no glyph for a digit";
    if (!bad) {
        zero = FT_Get_Char_Index(face, '0');
        if (FT_Load_Glyph(face, zero, FT_LOAD_NO_SCALE) != 0 ||
            face->glyph->format != FT_GLYPH_FORMAT_OUTLINE)
            bad = "the glyph of '0' cannot be loaded as an outline";
        else if (face->glyph->metrics.horiBearingY <= 0 ||
                 face->glyph->metrics.horiBearingY > TEXT_MAX_EXTENT * face->units_per_EM)
            bad = "the glyph of '0' has an absurd height";
    }
    if (bad) {
        font_release(f);
        return unusable(why, bad);
    }
    f->upem = face->units_per_EM;
    f->ascender = face->ascender;
    f->descender = -face->descender;
    f->digit_top = (double)face->glyph->metrics.horiBearingY;
    f->ttf = 1;
    return 1;
}

/* Reads path (a FIFO, device or folder is refused without blocking) and tries it. */
static int font_try_file(struct text_font *f, const char *path)
{
    uint8_t *data;
    size_t len;
    struct rm_status ignored;
    if (file_read_all(path, &data, &len, &ignored) != 0)
        return 0;
    return font_try_memory(f, data, len, NULL);
}

/* The file of the default font as fontconfig finds it (malloc'd), or NULL. Asked once per
 * process: the answer is kept. */
static char *default_font_path(void)
{
    static char *found;
    static int asked;
    if (asked)
        return found ? strdup(found) : NULL;
    asked = 1;
    FcConfig *cfg = FcInitLoadConfigAndFonts();
    FcPattern *pat = cfg ? FcNameParse((const FcChar8 *)TEXT_DEFAULT_FAMILY) : NULL;
    if (pat) {
        FcConfigSubstitute(cfg, pat, FcMatchPattern);
        FcDefaultSubstitute(pat);
        FcResult res;
        FcPattern *match = FcFontMatch(cfg, pat, &res);
        FcChar8 *file = NULL;
        FcBool scalable = FcFalse;
        if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
            FcPatternGetBool(match, FC_SCALABLE, 0, &scalable) == FcResultMatch && scalable)
            found = strdup((const char *)file);
        if (match)
            FcPatternDestroy(match);
        FcPatternDestroy(pat);
    }
    if (cfg)
        FcConfigDestroy(cfg);
    return found ? strdup(found) : NULL;
}

struct text_font *text_font_load(int builtin_min_scale)
{
    struct text_font *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->easy_min = builtin_min_scale < 1 ? 1 : builtin_min_scale;
    const char *env = getenv(TEXT_FONT_ENV);
    if (env && strcmp(env, "none") == 0)
        return f;
    if (env && *env && font_try_file(f, env))
        return f;
    char *path = default_font_path();
    if (path)
        font_try_file(f, path);
    free(path);
    return f;
}

struct text_font *text_font_load_memory(const uint8_t *data, size_t len, int builtin_min_scale,
                                        struct rm_status *why)
{
    struct text_font *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->easy_min = builtin_min_scale < 1 ? 1 : builtin_min_scale;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        free(f);
        return NULL;
    }
    if (len)
        memcpy(copy, data, len);
    font_try_memory(f, copy, len, why);
    return f;
}

void text_font_free(struct text_font *f)
{
    if (!f)
        return;
    font_release(f);
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
        double scale = px / f->upem;
        vm.ascent = f->ascender * scale;
        vm.descent = f->descender * scale;
        vm.digit_h = f->digit_top * scale;
    } else {
        int s = easy_scale(f, px);
        vm.ascent = 8.0 * s; /* one unit of air above the caps, as a TrueType ascent has */
        vm.descent = 2.0 * s;
        vm.digit_h = 7.0 * s;
    }
    return vm;
}

/* Glyph g's advance in font units, clamped to 0..TEXT_MAX_EXTENT em. */
static double glyph_advance(const struct text_font *f, FT_UInt g)
{
    FT_Fixed adv = 0;
    if (FT_Get_Advance(f->face, g, FT_LOAD_NO_SCALE, &adv) != 0 || adv < 0)
        return 0.0;
    return fmin((double)adv, TEXT_MAX_EXTENT * f->upem);
}

/* The kerning between glyphs a and b in font units, clamped to +-TEXT_MAX_KERN em. */
static double glyph_kern(const struct text_font *f, FT_UInt a, FT_UInt b)
{
    FT_Vector k = {0, 0};
    if (!a || !FT_HAS_KERNING(f->face) ||
        FT_Get_Kerning(f->face, a, b, FT_KERNING_UNSCALED, &k) != 0)
        return 0.0;
    return fmax(-TEXT_MAX_KERN * f->upem, fmin((double)k.x, TEXT_MAX_KERN * f->upem));
}

double text_measure_width(const struct text_font *f, const char *s, double px)
{
    if (!f->ttf) {
        char buf[TEXT_EASY_MAX + 1];
        easy_text(buf, s);
        return (double)stb_easy_font_width(buf) * easy_scale(f, px);
    }
    double scale = px / f->upem, w = 0.0;
    FT_UInt prev = 0;
    while (*s) {
        FT_UInt g = FT_Get_Char_Index(f->face, (FT_ULong)utf8_next(&s));
        w += (glyph_kern(f, prev, g) + glyph_advance(f, g)) * scale;
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

/* Renders glyph g at px pixels per em with its origin shift pixels (0..1) right of a whole
 * pixel, into a zeroed coverage bitmap of *gw x *gh bytes (malloc'd into *buf, grown as
 * needed); *gx, *gy: the bitmap's top-left corner relative to the origin (y down). 0 when there
 * is nothing to draw (a space, a glyph that cannot be loaded, one absurdly large). */
static int glyph_render(const struct text_font *f, FT_UInt g, double px, double shift,
                        uint8_t **buf, size_t *cap, int *gw, int *gh, int *gx, int *gy)
{
    FT_Face face = f->face;
    if (FT_Load_Glyph(face, g, FT_LOAD_NO_SCALE) != 0 ||
        face->glyph->format != FT_GLYPH_FORMAT_OUTLINE || face->glyph->outline.n_points == 0)
        return 0;
    FT_Outline *o = &face->glyph->outline;
    /* font units to 26.6 pixels, then the sub-pixel shift */
    FT_Fixed k = (FT_Fixed)lround(px / f->upem * 64.0 * 65536.0);
    FT_Matrix m = {k, 0, 0, k};
    FT_Outline_Transform(o, &m);
    FT_Outline_Translate(o, (FT_Pos)lround(shift * 64.0), 0);
    FT_BBox box;
    FT_Outline_Get_CBox(o, &box);
    long x0 = (long)floor(box.xMin / 64.0), x1 = (long)ceil(box.xMax / 64.0);
    long y0 = (long)floor(box.yMin / 64.0), y1 = (long)ceil(box.yMax / 64.0);
    /* ink far outside the em box is a broken glyph: not drawn (nor allocated for) */
    long lim = (long)ceil(TEXT_MAX_EXTENT * px) + 2;
    if (x1 <= x0 || y1 <= y0 || x1 - x0 > 2 * lim || y1 - y0 > 2 * lim || labs(x0) > lim ||
        labs(y1) > lim)
        return 0;
    size_t need = (size_t)(x1 - x0) * (size_t)(y1 - y0);
    if (need > *cap) {
        uint8_t *nb = realloc(*buf, need);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = need;
    }
    memset(*buf, 0, need);
    FT_Outline_Translate(o, (FT_Pos)(-x0 * 64), (FT_Pos)(-y0 * 64));
    FT_Bitmap bm;
    memset(&bm, 0, sizeof bm);
    bm.rows = (unsigned)(y1 - y0);
    bm.width = (unsigned)(x1 - x0);
    bm.pitch = (int)(x1 - x0);
    bm.buffer = *buf;
    bm.num_grays = 256;
    bm.pixel_mode = FT_PIXEL_MODE_GRAY;
    if (FT_Outline_Get_Bitmap(f->lib, o, &bm) != 0)
        return 0;
    *gw = (int)(x1 - x0);
    *gh = (int)(y1 - y0);
    *gx = (int)x0;
    *gy = (int)-y1;
    return 1;
}

static int render(const struct text_font *f, const char *s, double px, struct text_img *ti)
{
    memset(ti, 0, sizeof *ti);
    if (!f->ttf)
        return render_easy(f, s, px, ti);
    double scale = px / f->upem, width = text_measure_width(f, s, px);
    struct text_vmetrics vm = text_font_vmetrics(f, px);
    /* Glyph ink may reach past the advance box (a 'j' to the left, an italic to the right). */
    int pad = 2 + (int)ceil(px * 0.25);
    ti->ox = pad;
    ti->oy = 2 + (int)ceil(vm.ascent);
    ti->w = (int)fmin(ceil(fmax(width, 0.0)) + 2 * pad, TEXT_MAX_IMAGE);
    ti->h = (int)fmin(ti->oy + ceil(vm.descent) + 2, TEXT_MAX_IMAGE);
    ti->a = calloc((size_t)ti->w * (size_t)ti->h, sizeof *ti->a);
    if (!ti->a)
        return -1;
    uint8_t *glyph = NULL;
    size_t cap = 0;
    double pen = 0.0;
    FT_UInt prev = 0;
    while (*s) {
        FT_UInt g = FT_Get_Char_Index(f->face, (FT_ULong)utf8_next(&s));
        pen += glyph_kern(f, prev, g) * scale;
        prev = g;
        /* Render at the fractional pen position so that spacing stays even at small sizes. */
        double ipen = floor(pen);
        int gw, gh, gx, gy;
        int rc = glyph_render(f, g, px, pen - ipen, &glyph, &cap, &gw, &gh, &gx, &gy);
        if (rc < 0) {
            free(glyph);
            free(ti->a);
            ti->a = NULL;
            return -1;
        }
        if (rc > 0 && fabs(ipen) < TEXT_MAX_IMAGE)
            add_glyph(ti, glyph, gw, gh, ti->ox + (int)ipen + gx, ti->oy + gy);
        pen += glyph_advance(f, g) * scale;
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
