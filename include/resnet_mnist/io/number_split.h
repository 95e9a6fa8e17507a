#ifndef RESNET_MNIST_NUMBER_SPLIT_H
#define RESNET_MNIST_NUMBER_SPLIT_H

#include <stdint.h>

#include "resnet_mnist/io/digit_prep.h"
#include "resnet_mnist/io/status.h"

/* A picture of a whole number ("2026") cut into its digits, left to right, each prepared as
 * MNIST's digits were. The picture comes as an ink map and its mask (digit_prep_ink). The steps:
 *   1. the mask's 8-connected components (blobs_find);
 *   2. specks dropped (components much smaller than the digits), and components touching the
 *      picture's edge (the paper's edge, a shadow) when others are there;
 *   3. strokes of one digit joined: components whose columns overlap by at least half the
 *      narrower one's width, as a 5's detached bar or a 4 written in two strokes, when the
 *      joined box stays digit-sized; then left out: the groups whose centre is far from the
 *      number's line (through the tall groups' centres, fitted to the most of them: specks
 *      above or below the number, a stroke of the paper's edge), the groups less than half as
 *      tall as the digits, the pieces of a long line (thin, with the ink map going on past both
 *      ends: the paper's edge), and the groups far left or right of the number;
 *   4. digits that touch split: a group wider than one digit is cut into as many digits as its
 *      width suggests, or as the scorer (below) likes best; with a scorer the cuts may bend,
 *      around a neighbour's strokes (cut_path.h);
 *   5. each digit's ink (only its own pixels and their rim) fitted into 28x28 (digit_prep_fit).
 */

/* One digit found: its box in the picture's pixels, x1/y1 exclusive, and the 28x28 image. */
struct number_digit {
    int x0, y0, x1, y1;
    uint8_t image[DIGIT_PREP_SIZE * DIGIT_PREP_SIZE];
};

/* A digit's score: the higher, the likelier image (28x28, as number_digit's) shows one digit,
 * e.g. the log of the network's top probability (never above 0). */
struct number_scorer {
    double (*score)(const uint8_t *image, void *ctx);
    void *ctx;
};

struct number_split_options {
    int merge_strokes;  /* step 3 (1 on, 0 off) */
    int split_touching; /* step 4 (1 on, 0 off) */
    /* step 4's choice of cuts: with a scorer, among the cuttings of each wide group into
     * plausible widths, the one whose digits score best in sum (less a cost for each digit,
     * for a cut through ink or across more than one stroke, and for digits too wide or much
     * shorter than the others); without
     * (NULL score), the number of digits the group's width suggests, cut at the least ink near the
     * expected places */
    struct number_scorer scorer;
};

/* The default: every step on, no scorer. */
struct number_split_options number_split_defaults(void);

/* Cuts the w x h picture given by its ink map (w*h floats 0..1, 1 = ink) and mask (w*h bytes,
 * non-zero = ink) into digits as above. *digits is malloc'd (caller frees), *count of them, left
 * to right. Returns 0, or -1 with "no digit found" (nothing left after step 2), "out of memory",
 * or "invalid size WxH ..."; *digits is then NULL and *count 0. */
int number_split(const float *ink, const uint8_t *mask, int w, int h,
                 const struct number_split_options *opt, struct number_digit **digits, int *count,
                 struct rm_status *st);

#endif
