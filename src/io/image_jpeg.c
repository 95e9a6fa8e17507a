/* JPEG through libjpeg-turbo (image.h): read from memory; its fatal errors and its warnings
 * (corrupt data, and the premature end of a cut file, which it would pad with grey) end the
 * decoding with a status line by longjmp; the declared size is checked before decompression.
 * The EXIF orientation of an APP1 marker is applied to the pixels (image_orient.h). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "image_formats.h"
#include "resnet_mnist/io/image_orient.h"

/* More scans than any encoder writes; a crafted progressive file could otherwise make
 * decoding take minutes (libjpeg-turbo's own fuzzers stop at 500 too). */
#define JPEG_MAX_SCANS 500
/* libjpeg's working memory (a progressive picture keeps all its coefficients). */
#define JPEG_MAX_MEMORY (768L * 1024 * 1024)

/* Everything the error path needs lives here, in memory that the longjmp does not unwind. */
struct jpeg_ctx {
    struct jpeg_error_mgr err; /* first: libjpeg's err pointer is a pointer to this struct */
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    char why[JMSG_LENGTH_MAX];
    uint8_t *px;
    int orientation; /* EXIF, 1..8 */
};

static void jpeg_on_error(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    cinfo->err->format_message(cinfo, c->why);
    longjmp(c->jump, 1);
}

/* level -1 is a warning: libjpeg goes on after corrupt data with made-up pixels. Not here. */
static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    if (level < 0)
        jpeg_on_error(cinfo);
}

static void jpeg_on_output(j_common_ptr cinfo)
{
    (void)cinfo; /* nothing is printed */
}

static void jpeg_on_progress(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > JPEG_MAX_SCANS) {
        snprintf(c->why, sizeof c->why, "more than %d scans", JPEG_MAX_SCANS);
        longjmp(c->jump, 1);
    }
}

/* The part that may longjmp back to image_decode_jpeg. */
static int jpeg_run(struct jpeg_decompress_struct *d, struct jpeg_ctx *c, const uint8_t *data,
                    size_t len, const char *name, struct image_out *out, struct rm_status *st)
{
    jpeg_create_decompress(d);
    d->mem->max_memory_to_use = JPEG_MAX_MEMORY;
    d->progress = &c->progress;
    jpeg_mem_src(d, data, (unsigned long)len);
    jpeg_save_markers(d, JPEG_APP0 + 1, 0xFFFF); /* APP1: EXIF, for the orientation */
    jpeg_read_header(d, TRUE);
    /* the first EXIF block counts, as in the viewers */
    c->orientation = IMAGE_ORIENT_NONE;
    for (jpeg_saved_marker_ptr m = d->marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
            memcmp(m->data, "Exif\0\0", 6) == 0) {
            c->orientation = image_orient_from_exif(m->data, m->data_length);
            break;
        }
    if (image_check_size(name, d->image_width, d->image_height, st) != 0)
        return -1;
    if (d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK)
        return image_fail(st, name, "a CMYK JPEG (RGB and grey JPEGs are read)");
    d->out_color_space = d->jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(d);
    int ch = d->output_components;
    JDIMENSION w = d->output_width, h = d->output_height;
    if ((ch != 1 && ch != 3) || w != d->image_width || h != d->image_height)
        return image_fail(st, name, "unsupported JPEG layout");
    c->px = calloc((size_t)w * h, (size_t)ch);
    if (!c->px)
        return rm_fail(st, "%s: out of memory (%ux%u pixels)", name, (unsigned)w, (unsigned)h);
    while (d->output_scanline < h) {
        JSAMPROW row = c->px + (size_t)d->output_scanline * w * (size_t)ch;
        if (jpeg_read_scanlines(d, &row, 1) != 1)
            return image_fail(st, name, "truncated file");
    }
    jpeg_finish_decompress(d); /* through EOI: a cut file warns, and the warning is an error */
    out->w = (int)w;
    out->h = (int)h;
    out->channels = ch;
    return 0;
}

int image_decode_jpeg(const uint8_t *data, size_t len, const char *name, struct image_out *out,
                      struct rm_status *st)
{
    struct jpeg_ctx c;
    struct jpeg_decompress_struct d;
    memset(&c, 0, sizeof c);
    memset(&d, 0, sizeof d);
    d.err = jpeg_std_error(&c.err);
    c.err.error_exit = jpeg_on_error;
    c.err.emit_message = jpeg_on_message;
    c.err.output_message = jpeg_on_output;
    c.progress.progress_monitor = jpeg_on_progress;
    int rc;
    if (setjmp(c.jump) == 0)
        rc = jpeg_run(&d, &c, data, len, name, out, st);
    else
        rc = image_fail(st, name, "%s", c.why);
    jpeg_destroy_decompress(&d);
    if (rc == 0)
        rc = image_orient_apply(&c.px, &out->w, &out->h, out->channels, c.orientation, st);
    if (rc != 0) {
        free(c.px);
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->px = c.px;
    return 0;
}
