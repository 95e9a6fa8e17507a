/* Blots among the pieces of ink of a picture (digit_prep.h): round specks of ink, which a
 * digit's strokes never are. A stroke is long and as thick as the pen; a blot is as thick as it
 * is wide, and thicker than the pen. */
#include <stdlib.h>

#include "resnet_mnist/io/digit_prep.h"

int digit_prep_square(const int32_t *labels, int w, int32_t label, const struct blob *b)
{
    int bw = b->x1 - b->x0, bh = b->y1 - b->y0, most = 0;
    /* side[x]: the largest square of the piece's pixels with its lower right corner at (x, y),
     * from the row above's and this row's left neighbour (the classic recurrence) */
    int *side = calloc((size_t)bw + 1, sizeof *side);
    if (!side)
        return -1;
    for (int y = 0; y < bh; y++) {
        const int32_t *row = labels + (size_t)(b->y0 + y) * w + b->x0;
        int diag = 0; /* the row above's value left of x */
        for (int x = 0; x < bw; x++) {
            int up = side[x + 1], s = 0;
            if (row[x] == label) {
                int m = up < side[x] ? up : side[x];
                s = 1 + (diag < m ? diag : m);
            }
            diag = up;
            side[x + 1] = s;
            most = s > most ? s : most;
        }
    }
    free(side);
    return most;
}

int digit_prep_blots(const int32_t *labels, const struct blob *b, int count, int w, float stroke,
                     uint8_t *blot)
{
    for (int i = 0; i < count; i++) {
        blot[i] = 0;
        int bw = b[i].x1 - b[i].x0, bh = b[i].y1 - b[i].y0;
        int longer = bw > bh ? bw : bh, shorter = bw < bh ? bw : bh;
        /* round: fills most of its box (which also bounds the work by the ink), both of the
         * box's sides wider than the pen */
        if (b[i].area < DIGIT_PREP_BLOT_FILL * bw * bh ||
            shorter < DIGIT_PREP_BLOT_STROKES * stroke)
            continue;
        int q = digit_prep_square(labels, w, i + 1, &b[i]);
        if (q < 0)
            return -1;
        blot[i] = q >= DIGIT_PREP_BLOT_SQUARE * longer;
    }
    return 0;
}
