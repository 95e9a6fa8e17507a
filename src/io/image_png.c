/* PNG through libpng (image.h): read from memory, errors (and libpng's "benign" errors) turned
 * into status lines by longjmp, the declared size checked before any pixel memory exists. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_formats.h"

/* Everything the error path needs lives here, in memory that the longjmp does not unwind. */
struct png_ctx {
    const uint8_t *d;
    size_t len, at;
    char why[160];
    uint8_t *px;
    png_bytep *rows;
};

static void png_on_error(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);
    snprintf(c->why, sizeof c->why, "%s", msg ? msg : "corrupt PNG");
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png, (void)msg; /* ancillary chunks dropped for a bad CRC, and the like */
}

static void png_on_read(png_structp png, png_bytep out, size_t n)
{
    struct png_ctx *c = png_get_io_ptr(png);
    if (n > c->len - c->at)
        png_error(png, "truncated file");
    memcpy(out, c->d + c->at, n);
    c->at += n;
}

/* The part that may longjmp back to image_decode_png. */
static int png_run(png_structp png, png_infop info, struct png_ctx *c, const char *name,
                   struct image_out *out, struct rm_status *st)
{
    png_set_read_fn(png, c, png_on_read);
    /* sizes are judged here, by pixel count, and named as such (libpng's own limit would call
     * a large picture "invalid IHDR data") */
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_benign_errors(png, 0); /* too little image data and the like: an error, not a warning */
    png_read_info(png, info);
    png_uint_32 w, h;
    int depth, type, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &type, &interlace, NULL, NULL);
    if (image_check_size(name, w, h, st) != 0)
        return -1;
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (depth == 16)
        png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int ch = png_get_channels(png, info);
    if (ch < 1 || ch > 4 || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)w * (size_t)ch)
        return image_fail(st, name, "unsupported PNG layout");
    /* zeroed: even a decoder bug could not show memory that was never written */
    c->px = calloc((size_t)w * h, (size_t)ch);
    c->rows = malloc((size_t)h * sizeof *c->rows);
    if (!c->px || !c->rows)
        return rm_fail(st, "%s: out of memory (%lux%lu pixels)", name, (unsigned long)w,
                       (unsigned long)h);
    for (png_uint_32 y = 0; y < h; y++)
        c->rows[y] = c->px + (size_t)y * w * (size_t)ch;
    png_read_image(png, c->rows);
    png_read_end(png, NULL); /* through IEND: a file cut after its pixels is cut all the same */
    out->w = (int)w;
    out->h = (int)h;
    out->channels = ch;
    return 0;
}

int image_decode_png(const uint8_t *d, size_t len, const char *name, struct image_out *out,
                     struct rm_status *st)
{
    struct png_ctx c = {.d = d, .len = len};
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return rm_fail(st, "%s: out of memory", name);
    }
    int rc;
    if (setjmp(png_jmpbuf(png)) == 0)
        rc = png_run(png, info, &c, name, out, st);
    else
        rc = image_fail(st, name, "%s", c.why);
    png_destroy_read_struct(&png, &info, NULL);
    free(c.rows);
    if (rc != 0) {
        free(c.px);
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->px = c.px;
    return 0;
}
