/* Otsu's level again without a dark region along the picture's edge (border_ink.h). */
#include "resnet_mnist/io/border_ink.h"

#include <stdlib.h>

#include "resnet_mnist/io/blobs.h"
#include "resnet_mnist/io/ink_map.h"

int border_ink_recut(const float *ink, uint8_t *mask, int w, int h, float *level,
                     struct rm_status *st)
{
    size_t n = (size_t)w * h;
    int32_t *labels = malloc(n * sizeof *labels);
    float *rest = malloc(n * sizeof *rest);
    struct blob *b = NULL;
    int count = 0, rc = -1;
    if (!labels || !rest) {
        rm_fail(st, "out of memory (%dx%d pixels)", w, h);
        goto done;
    }
    if (blobs_find(mask, w, h, ink, labels, &b, &count, st) != 0)
        goto done;
    double all = 0.0, edge = 0.0;
    for (int i = 0; i < count; i++) {
        all += b[i].ink;
        edge += b[i].touches_border ? b[i].ink : 0.0;
    }
    rc = 0;
    if (all <= 0.0 || edge < BORDER_INK_SHARE * all)
        goto done;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!labels[i] || !b[labels[i] - 1].touches_border)
            rest[m++] = ink[i];
    if (m == 0)
        goto done;
    float again = ink_map_otsu(rest, m);
    if (again < BORDER_INK_MIN_LEVEL * *level)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (!labels[i] || !b[labels[i] - 1].touches_border)
            mask[i] = ink[i] >= again;
    *level = again;
    rc = 1;
done:
    free(labels);
    free(rest);
    free(b);
    return rc;
}
