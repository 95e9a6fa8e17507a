/* PNG output shared by the commands (png.h): stb_image_write encodes into memory, fileio.c
 * writes the bytes atomically. */
#include "resnet_mnist/io/png.h"

#include <stddef.h>
#include <stdlib.h>
#include <zlib.h>

#include "resnet_mnist/io/fileio.h"

/* stb_image_write's own deflate is weaker than zlib's, and zlib is linked anyway. */
static unsigned char *png_zlib_compress(unsigned char *data, int len, int *out_len, int quality);

/* The one copy of stb_image_write in the program: every PNG goes through png_write. */
#define STB_IMAGE_WRITE_STATIC
#define STBIW_ZLIB_COMPRESS png_zlib_compress
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include "stb_begin.h"
#include <stb_image_write.h>
#include "stb_end.h"

static unsigned char *png_zlib_compress(unsigned char *data, int len, int *out_len, int quality)
{
    uLongf cap = compressBound((uLong)len);
    unsigned char *out = malloc(cap); /* freed by stb_image_write with STBIW_FREE (free) */
    if (!out)
        return NULL;
    int level = quality < 1 ? 1 : quality > 9 ? 9 : quality;
    if (compress2(out, &cap, data, (uLong)len, level) != Z_OK || cap > (uLongf)0x7fffffff) {
        free(out);
        return NULL;
    }
    *out_len = (int)cap;
    return out;
}

#define PNG_MAX_DIM   65535
#define PNG_MAX_BYTES ((size_t)512 * 1024 * 1024) /* stb_image_write counts in int */

int png_write(const char *path, const uint8_t *pixels, int w, int h, int channels,
              struct rm_status *st)
{
    if (!path || !pixels)
        return rm_fail(st, "%s: cannot write PNG: no %s", path ? path : "(null)",
                       path ? "pixels" : "path");
    if (w < 1 || h < 1 || w > PNG_MAX_DIM || h > PNG_MAX_DIM || channels < 1 || channels > 4 ||
        (size_t)w * (size_t)h * (size_t)channels >= PNG_MAX_BYTES)
        return rm_fail(st, "%s: cannot write PNG: invalid size %dx%d with %d channels", path, w, h,
                       channels);
    int len = 0;
    unsigned char *png = stbi_write_png_to_mem(pixels, w * channels, w, h, channels, &len);
    if (!png)
        return rm_fail(st, "%s: out of memory encoding a %dx%d PNG", path, w, h);
    int rc = atomic_write_buffer(path, png, (size_t)len, st);
    free(png); /* stb_image_write allocates with malloc (STBIW_MALLOC's default) */
    return rc;
}
