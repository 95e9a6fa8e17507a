/* The contract of the picture decoders (image.h) on one input; see contract.h. */
#include "contract.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/digit_prep.h"
#include "resnet_mnist/io/image.h"
#include "resnet_mnist/io/image_orient.h"

#define IMAGE_NAME "fuzz-image"
/* Pictures up to this many pixels also go through digit_prep_pixels (larger ones cost time the
 * fuzzer is better spending on the decoders). */
#define IMAGE_PREP_MAX (1L << 16)

int contract_check_image(const uint8_t *data, size_t size, const struct contract_report *r)
{
    uint8_t *px = (uint8_t *)&px; /* not NULL: the call must set it */
    int w = -1, h = -1, c = -1;
    /* the EXIF reader on the raw bytes too (an input starting "Exif\0\0" is an APP1 body): any
     * block gives an orientation 1..8, never a crash */
    int orientation = image_orient_from_exif(data, size);
    if (orientation < 1 || orientation > 8)
        contract_fail(r, "image_orient_from_exif: orientation %d", orientation);
    struct rm_status st;
    memset(&st, 0, sizeof st);
    int rc = image_decode(data, size, IMAGE_NAME, &px, &w, &h, &c, &st);
    if (rc == -1) {
        if (px != NULL || w != 0 || h != 0 || c != 0)
            contract_fail(r, "image_decode: refused but left outputs %p, %dx%d x%d", (void *)px, w,
                          h, c);
        contract_check_refusal(r, &st, IMAGE_NAME, "image_decode");
        return 0;
    }
    if (rc != 0 || !px || w < 1 || h < 1 || c < 1 || c > 4 ||
        (long long)w * h > (long long)IMAGE_MAX_PIXELS)
        contract_fail(r, "image_decode: returned %d with %p, %dx%d x%d", rc, (void *)px, w, h, c);
    /* every byte is there (ASan: the allocation is as large as said) and the same on a second
     * decoding (a pixel made of memory never written would differ sooner or later) */
    size_t n = (size_t)w * (size_t)h * (size_t)c;
    uint8_t *again;
    int w2, h2, c2;
    if (image_decode(data, size, IMAGE_NAME, &again, &w2, &h2, &c2, &st) != 0 || w2 != w ||
        h2 != h || c2 != c || memcmp(px, again, n) != 0)
        contract_fail(r, "image_decode: a second decoding of the same bytes differs");
    free(again);
    if ((long long)w * h <= IMAGE_PREP_MAX) {
        uint8_t out[DIGIT_PREP_SIZE * DIGIT_PREP_SIZE];
        memset(&st, 0, sizeof st);
        if (digit_prep_pixels(out, px, w, h, c, &st) != 0) {
            size_t k = strnlen(st.msg, sizeof st.msg);
            if (k == 0 || k == sizeof st.msg || memchr(st.msg, '\n', k))
                contract_fail(r, "digit_prep_pixels: refused with a bad message");
            if (r->refused)
                r->refused(r->ctx, st.msg);
        }
    }
    free(px);
    return 1;
}
