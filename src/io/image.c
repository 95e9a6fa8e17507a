/* Picture decoding (image.h): the format by its magic number, then its decoder. */
#include "resnet_mnist/io/image.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "image_formats.h"

int image_fail(struct rm_status *st, const char *name, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return rm_fail(st, "%s: cannot read image: %s", name, why);
}

int image_check_size(const char *name, uint64_t w, uint64_t h, struct rm_status *st)
{
    if (w == 0 || h == 0)
        return image_fail(st, name, "no pixels (%llux%llu)", (unsigned long long)w,
                          (unsigned long long)h);
    if (w > IMAGE_MAX_PIXELS || h > IMAGE_MAX_PIXELS || w * h > (uint64_t)IMAGE_MAX_PIXELS)
        return rm_fail(st, "%s: image too large (%llux%llu pixels, at most %ld)", name,
                       (unsigned long long)w, (unsigned long long)h, (long)IMAGE_MAX_PIXELS);
    return 0;
}

static int starts(const uint8_t *d, size_t len, size_t at, const char *magic, size_t n)
{
    return len >= at + n && memcmp(d + at, magic, n) == 0;
}

/* The formats people may try that are not read, named so that the message says what to do. */
static const char *other_format(const uint8_t *d, size_t len)
{
    static const char *const pnm[] = {"a PBM file", "a text (P2) PGM file", "a text (P3) PPM file",
                                      "a binary PBM (P4) file"};
    if (len >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '4' &&
        (d[2] == ' ' || d[2] == '\t' || d[2] == '\n' || d[2] == '\r' || d[2] == '#'))
        return pnm[d[1] - '1'];
    if (starts(d, len, 0, "P7\n", 3))
        return "a PAM (P7) file";
    if (starts(d, len, 0, "GIF87a", 6) || starts(d, len, 0, "GIF89a", 6))
        return "a GIF file";
    if (starts(d, len, 0, "II*\0", 4) || starts(d, len, 0, "MM\0*", 4))
        return "a TIFF file";
    if (starts(d, len, 0, "RIFF", 4) && starts(d, len, 8, "WEBP", 4))
        return "a WebP file";
    if (starts(d, len, 4, "ftyp", 4))
        return "a HEIF, AVIF or other ISO media file";
    if (starts(d, len, 0, "\0\0\0\x0cjP  ", 8) || starts(d, len, 0, "\xff\x4f\xff\x51", 4))
        return "a JPEG 2000 file";
    if (starts(d, len, 0, "qoif", 4))
        return "a QOI file";
    if (starts(d, len, 0, "8BPS", 4))
        return "a Photoshop file";
    if (starts(d, len, 0, "\0\0\1\0", 4))
        return "an ICO file";
    if (starts(d, len, 0, "%PDF", 4))
        return "a PDF file";
    if (starts(d, len, 0, "#?RADIANCE", 10) || starts(d, len, 0, "#?RGBE", 6))
        return "a Radiance HDR file";
    if (starts(d, len, 0, "<?xml", 5) || starts(d, len, 0, "<svg", 4))
        return "an SVG or other XML file";
    return NULL;
}

int image_decode(const uint8_t *data, size_t len, const char *name, uint8_t **pixels, int *w,
                 int *h, int *channels, struct rm_status *st)
{
    *pixels = NULL;
    *w = *h = *channels = 0;
    struct image_out out = {0};
    int rc;
    if (len == 0)
        return image_fail(st, name, "empty file");
    if (len > IMAGE_MAX_FILE_BYTES)
        return image_fail(st, name, "file too large (%zu bytes, at most %zu)", len,
                          IMAGE_MAX_FILE_BYTES);
    if (starts(data, len, 0, "\x89PNG\r\n\x1a\n", 8))
        rc = image_decode_png(data, len, name, &out, st);
    else if (starts(data, len, 0, "\xff\xd8\xff", 3))
        rc = image_decode_jpeg(data, len, name, &out, st);
    else if (starts(data, len, 0, "BM", 2))
        rc = image_decode_bmp(data, len, name, &out, st);
    else if (starts(data, len, 0, "P5", 2) || starts(data, len, 0, "P6", 2))
        rc = image_decode_pnm(data, len, name, &out, st);
    else {
        const char *other = other_format(data, len);
        if (other)
            return image_fail(st, name, "%s (PNG, JPEG, BMP and PGM/PPM are read)", other);
        return image_fail(st, name, "not a PNG, JPEG, BMP or PGM/PPM file");
    }
    if (rc != 0)
        return -1;
    *pixels = out.px;
    *w = out.w;
    *h = out.h;
    *channels = out.channels;
    return 0;
}
