/* EXIF orientation (image_orient.h): read by libexif, applied by one copy loop. */
#include "resnet_mnist/io/image_orient.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>

int image_orient_from_exif(const uint8_t *data, size_t len)
{
    if (!data || len < 6 || len > UINT_MAX || memcmp(data, "Exif\0\0", 6) != 0)
        return IMAGE_ORIENT_NONE;
    ExifData *ed = exif_data_new();
    if (!ed)
        return IMAGE_ORIENT_NONE;
    /* read only: no entries added, none "corrected" */
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_load_data(ed, data, (unsigned int)len);
    int orientation = IMAGE_ORIENT_NONE;
    ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (e && e->format == EXIF_FORMAT_SHORT && e->components == 1 && e->data && e->size >= 2) {
        ExifShort v = exif_get_short(e->data, exif_data_get_byte_order(ed));
        if (v >= 1 && v <= 8)
            orientation = v;
    }
    exif_data_unref(ed);
    return orientation;
}

int image_orient_apply(uint8_t **px, int *w, int *h, int channels, int orientation,
                       struct rm_status *st)
{
    if (orientation <= 1 || orientation > 8)
        return 0;
    int sw = *w, sh = *h, swap = orientation >= 5;
    int dw = swap ? sh : sw, dh = swap ? sw : sh;
    size_t c = (size_t)channels;
    uint8_t *d = malloc((size_t)sw * sh * c);
    if (!d)
        return rm_fail(st, "out of memory (%dx%d pixels)", sw, sh);
    const uint8_t *s = *px;
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            int sx, sy;
            switch (orientation) {
            case 2:
                sx = sw - 1 - x, sy = y;
                break;
            case 3:
                sx = sw - 1 - x, sy = sh - 1 - y;
                break;
            case 4:
                sx = x, sy = sh - 1 - y;
                break;
            case 5:
                sx = y, sy = x;
                break;
            case 6:
                sx = y, sy = sh - 1 - x;
                break;
            case 7:
                sx = sw - 1 - y, sy = sh - 1 - x;
                break;
            default:
                sx = sw - 1 - y, sy = x;
                break; /* 8 */
            }
            memcpy(d + ((size_t)y * dw + x) * c, s + ((size_t)sy * sw + sx) * c, c);
        }
    free(*px);
    *px = d;
    *w = dw;
    *h = dh;
    return 0;
}
