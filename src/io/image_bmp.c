/* BMP (image.h), strictly: uncompressed 1, 4 and 8-bit palette pictures, 24-bit BGR, and 16 and
 * 32-bit pixels with the default or given (BI_BITFIELDS) colour masks, bottom-up or top-down.
 * The header, the palette and every row must be in the file: the exact number of bytes the
 * pixels need is computed from the header, and a shorter file is refused. RLE and embedded
 * JPEG/PNG are refused by name. */
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/bytes.h"
#include "image_formats.h"

#define BMP_FILE_HEADER 14

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* A colour mask: value = (pixel & mask) >> shift, of `bits` bits. */
struct bmp_mask {
    uint32_t mask;
    int shift, bits;
};

static int mask_init(struct bmp_mask *m, uint32_t mask, int bpp)
{
    memset(m, 0, sizeof *m);
    m->mask = mask;
    if (!mask)
        return 0;
    if (bpp < 32 && mask >> bpp)
        return -1; /* bits the pixel does not have */
    while (!(mask >> m->shift & 1u))
        m->shift++;
    uint32_t v = mask >> m->shift;
    while (m->bits < 32 && (v >> m->bits & 1u))
        m->bits++;
    if (m->bits < 32 && v >> m->bits)
        return -1; /* not one run of bits */
    return 0;
}

static uint8_t mask_value(const struct bmp_mask *m, uint32_t px)
{
    if (!m->mask)
        return 0;
    uint64_t v = (px & m->mask) >> m->shift,
             max = (m->bits >= 32 ? 0xffffffffu : (1u << m->bits) - 1u);
    return (uint8_t)((v * 255u + max / 2u) / max);
}

/* The parsed header. */
struct bmp_info {
    uint32_t offset, header, compression, colours;
    int64_t w, h;
    int bpp, top_down, core;
    uint32_t masks[4]; /* r, g, b, a */
    size_t palette_at;
};

static int bmp_header(const uint8_t *d, size_t len, const char *name, struct bmp_info *b,
                      struct rm_status *st)
{
    memset(b, 0, sizeof *b);
    if (len < BMP_FILE_HEADER + 4)
        return image_fail(st, name, "truncated file (a BMP header is longer)");
    b->offset = bytes_load_le32(d + 10);
    b->header = bytes_load_le32(d + 14);
    if (b->header != 12 && b->header != 40 && b->header != 52 && b->header != 56 &&
        b->header != 108 && b->header != 124)
        return image_fail(st, name, "unsupported BMP header (%u bytes)", (unsigned)b->header);
    if (len < BMP_FILE_HEADER + (size_t)b->header)
        return image_fail(st, name, "truncated file (in the BMP header)");
    const uint8_t *h = d + BMP_FILE_HEADER;
    uint32_t planes;
    if (b->header == 12) { /* OS/2 BITMAPCOREHEADER: 16-bit sizes, 3-byte palette entries */
        b->core = 1;
        b->w = le16(h + 4);
        b->h = le16(h + 6);
        planes = le16(h + 8);
        b->bpp = (int)le16(h + 10);
    } else {
        b->w = (int32_t)bytes_load_le32(h + 4);
        b->h = (int32_t)bytes_load_le32(h + 8);
        planes = le16(h + 12);
        b->bpp = (int)le16(h + 14);
        b->compression = bytes_load_le32(h + 16);
        b->colours = bytes_load_le32(h + 32);
    }
    if (planes != 1)
        return image_fail(st, name, "corrupt BMP header (%u planes)", (unsigned)planes);
    if (b->h < 0) {
        b->top_down = 1;
        b->h = -b->h;
    }
    if (b->w < 0)
        return image_fail(st, name, "corrupt BMP header (width %lld)", (long long)b->w);
    if (b->compression == 1 || b->compression == 2)
        return image_fail(st, name, "compressed (RLE) BMP (only uncompressed BMP is read)");
    if (b->compression == 4 || b->compression == 5)
        return image_fail(st, name, "a BMP holding a %s (save it as a plain PNG or JPEG)",
                          b->compression == 4 ? "JPEG" : "PNG");
    if (b->compression != 0 && b->compression != 3 && b->compression != 6)
        return image_fail(st, name, "unknown BMP compression %u", (unsigned)b->compression);
    if (b->bpp != 1 && b->bpp != 4 && b->bpp != 8 && b->bpp != 16 && b->bpp != 24 && b->bpp != 32)
        return image_fail(st, name, "unsupported BMP depth (%d bits a pixel)", b->bpp);
    if (b->compression != 0 && b->bpp != 16 && b->bpp != 32)
        return image_fail(st, name, "BMP colour masks for %d-bit pixels", b->bpp);
    return 0;
}

/* The colour masks of 16 and 32-bit pixels, and where the palette starts. */
static int bmp_masks(const uint8_t *d, size_t len, const char *name, struct bmp_info *b,
                     struct rm_status *st)
{
    size_t end = BMP_FILE_HEADER + (size_t)b->header;
    if (b->compression == 0) {
        if (b->bpp == 16)
            b->masks[0] = 0x7c00, b->masks[1] = 0x03e0, b->masks[2] = 0x001f;
        if (b->bpp == 32)
            b->masks[0] = 0xff0000, b->masks[1] = 0xff00, b->masks[2] = 0xff,
            b->masks[3] = 0xff000000u;
    } else {
        /* in the header from 52 bytes on, else right after a 40-byte one */
        int n = b->header >= 56 || (b->header == 40 && b->compression == 6) ? 4 : 3;
        size_t at = BMP_FILE_HEADER + 40;
        if (b->header == 40) {
            end += 4 * (size_t)n;
            if (len < end)
                return image_fail(st, name, "truncated file (in the BMP colour masks)");
        }
        for (int i = 0; i < n; i++)
            b->masks[i] = bytes_load_le32(d + at + 4 * (size_t)i);
    }
    b->palette_at = end;
    return 0;
}

int image_decode_bmp(const uint8_t *d, size_t len, const char *name, struct image_out *out,
                     struct rm_status *st)
{
    struct bmp_info b;
    if (bmp_header(d, len, name, &b, st) != 0 || bmp_masks(d, len, name, &b, st) != 0)
        return -1;
    if (image_check_size(name, (uint64_t)b.w, (uint64_t)b.h, st) != 0)
        return -1;
    struct bmp_mask m[4];
    for (int i = 0; i < 4; i++)
        if (mask_init(&m[i], b.masks[i], b.bpp) != 0)
            return image_fail(st, name, "corrupt BMP colour mask 0x%08x", (unsigned)b.masks[i]);
    if ((b.bpp == 16 || b.bpp == 32) && (!m[0].mask || !m[1].mask || !m[2].mask))
        return image_fail(st, name, "corrupt BMP colour masks (a colour without bits)");
    /* the palette */
    size_t entry = b.core ? 3 : 4, ncol = 0;
    if (b.bpp <= 8) {
        ncol = b.colours ? b.colours : 1u << b.bpp;
        if (ncol > (1u << b.bpp))
            return image_fail(st, name, "corrupt BMP palette (%u colours for %d-bit pixels)",
                              (unsigned)b.colours, b.bpp);
    }
    size_t palette_end = b.palette_at + ncol * entry;
    if (palette_end > len)
        return image_fail(st, name, "truncated file (in the BMP palette)");
    if (b.offset < palette_end)
        return image_fail(st, name, "corrupt BMP header (pixels at %u, inside the header)",
                          (unsigned)b.offset);
    /* the pixels: every row, padded to 4 bytes, must be there */
    uint64_t w = (uint64_t)b.w, h = (uint64_t)b.h, stride = (w * (uint64_t)b.bpp + 31) / 32 * 4;
    uint64_t need = stride * h;
    if (b.offset > len || need > len - b.offset)
        return image_fail(st, name,
                          "truncated file (%llu bytes of pixels needed at offset %u, %zu there)",
                          (unsigned long long)need, (unsigned)b.offset,
                          b.offset > len ? (size_t)0 : len - b.offset);
    int ch = m[3].mask ? 4 : 3;
    uint8_t *px = malloc((size_t)(w * h) * (size_t)ch);
    if (!px)
        return rm_fail(st, "%s: out of memory (%llux%llu pixels)", name, (unsigned long long)w,
                       (unsigned long long)h);
    const uint8_t *pal = d + b.palette_at;
    int any_alpha = 0;
    for (uint64_t r = 0; r < h; r++) {
        const uint8_t *row = d + b.offset + r * stride;
        uint8_t *o = px + (size_t)((b.top_down ? r : h - 1 - r) * w) * (size_t)ch;
        for (uint64_t x = 0; x < w; x++, o += ch) {
            if (b.bpp <= 8) {
                unsigned per = 8u / (unsigned)b.bpp,
                         shift = 8u - (unsigned)b.bpp * (unsigned)(x % per + 1);
                size_t k = (size_t)(row[x / per] >> shift & ((1u << b.bpp) - 1u));
                if (k >= ncol) {
                    free(px);
                    return image_fail(st, name, "corrupt BMP (colour %zu of a palette of %zu)", k,
                                      ncol);
                }
                o[0] = pal[k * entry + 2], o[1] = pal[k * entry + 1], o[2] = pal[k * entry];
            } else if (b.bpp == 24) {
                const uint8_t *p = row + 3 * x;
                o[0] = p[2], o[1] = p[1], o[2] = p[0];
            } else {
                uint32_t v = b.bpp == 16 ? le16(row + 2 * x) : bytes_load_le32(row + 4 * x);
                for (int c = 0; c < ch; c++)
                    o[c] = mask_value(&m[c], v);
                any_alpha |= ch == 4 && o[3] != 0;
            }
        }
    }
    /* 32-bit pictures whose fourth byte is all zero are opaque (the byte is padding) */
    if (ch == 4 && !any_alpha)
        for (size_t i = 0; i < (size_t)(w * h); i++)
            px[4 * i + 3] = 255;
    out->px = px;
    out->w = (int)w;
    out->h = (int)h;
    out->channels = ch;
    return 0;
}
