/* Binary PGM (P5) and PPM (P6) (image.h), strictly: the header (with comments) gives the exact
 * number of bytes the samples need, and a shorter file is refused. 16-bit samples (maxval above
 * 255) and any maxval are scaled to 0..255. Bytes after the picture (another picture of a
 * multi-image file) are ignored. */
#include <stdlib.h>

#include "image_formats.h"

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Reads one header number at *at, after white space and comments; -1 when there is none. Values
 * above 10^9 are kept as 10^9 + 1 (too large for any limit). */
static int64_t pnm_number(const uint8_t *d, size_t len, size_t *at)
{
    size_t i = *at;
    for (;;) {
        while (i < len && is_space(d[i]))
            i++;
        if (i < len && d[i] == '#') {
            while (i < len && d[i] != '\n' && d[i] != '\r')
                i++;
            continue;
        }
        break;
    }
    *at = i;
    if (i >= len || d[i] < '0' || d[i] > '9')
        return -1;
    int64_t v = 0;
    for (; i < len && d[i] >= '0' && d[i] <= '9'; i++)
        v = v > 1000000000 ? v : v * 10 + (d[i] - '0');
    *at = i;
    return v;
}

int image_decode_pnm(const uint8_t *d, size_t len, const char *name, struct image_out *out,
                     struct rm_status *st)
{
    int ch = d[1] == '5' ? 1 : 3;
    const char *kind = ch == 1 ? "PGM" : "PPM";
    size_t at = 2;
    if (len < 3 || !is_space(d[2]))
        return image_fail(st, name, "corrupt %s header", kind);
    int64_t w = pnm_number(d, len, &at), h = w < 0 ? -1 : pnm_number(d, len, &at);
    int64_t maxval = h < 0 ? -1 : pnm_number(d, len, &at);
    if (maxval < 0)
        return image_fail(st, name, "%s %s header (width, height, maximum value)",
                          at >= len ? "truncated file in the" : "corrupt", kind);
    if (at >= len || !is_space(d[at]))
        return image_fail(st, name, "%s %s header (one white space after the maximum value)",
                          at >= len ? "truncated file in the" : "corrupt", kind);
    at++; /* exactly one white space character, then the samples */
    if (maxval < 1 || maxval > 65535)
        return image_fail(st, name, "corrupt %s header (maximum value %lld, expected 1..65535)",
                          kind, (long long)maxval);
    if (image_check_size(name, (uint64_t)w, (uint64_t)h, st) != 0)
        return -1;
    size_t bytes = maxval > 255 ? 2 : 1, n = (size_t)w * (size_t)h * (size_t)ch;
    if (n * bytes > len - at)
        return image_fail(st, name, "truncated file (%zu bytes of pixels needed, %zu there)",
                          n * bytes, len - at);
    uint8_t *px = malloc(n);
    if (!px)
        return rm_fail(st, "%s: out of memory (%lldx%lld pixels)", name, (long long)w,
                       (long long)h);
    const uint8_t *s = d + at;
    unsigned mv = (unsigned)maxval;
    for (size_t i = 0; i < n; i++) {
        unsigned v = bytes == 2 ? (unsigned)s[2 * i] << 8 | s[2 * i + 1] : s[i];
        v = v > mv ? mv : v; /* a sample above the maximum is as bright as it can be */
        px[i] = mv == 255 ? (uint8_t)v : (uint8_t)((v * 255u + mv / 2u) / mv);
    }
    out->px = px;
    out->w = (int)w;
    out->h = (int)h;
    out->channels = ch;
    return 0;
}
