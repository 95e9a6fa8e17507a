#ifndef RESNET_MNIST_NUMBER_PICTURE_H
#define RESNET_MNIST_NUMBER_PICTURE_H

/* What number_split.c (steps 1-3: pieces, groups, the number's line) hands to number_cut.c
 * (steps 4-5: cutting touching digits, rendering each digit). Private to src/io. */

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/number_split.h"
#include "resnet_mnist/io/status.h"

/* A set of components meant to be one digit (or, before step 4, several touching). */
struct group {
    int x0, y0, x1, y1;
};

/* What every step reads. */
struct picture {
    const float *ink;
    int w, h;
    const int32_t *labels; /* blobs_find's: 0 background, i + 1 for blob i */
    const int *group_of;   /* [blob] its group, -1 when dropped */
    double height;         /* the digits' height (step 2) */
};

/* 1 if the pixel (x, y) belongs to group gi. */
static inline int member(const struct picture *p, int gi, int x, int y)
{
    int32_t l = p->labels[(size_t)y * p->w + x];
    return l > 0 && p->group_of[l - 1] == gi;
}

/* The digits found so far (grows). */
struct digit_list {
    struct number_digit *d;
    int n, cap;
};

/* Steps 4-5 for group gi (box g): cut as opt says and its digits appended to list. prof: room
 * for the group's width; cols: for its width + 1. Returns 0 or -1 (st). */
int number_cut_group(const struct picture *p, int gi, const struct group *g,
                     const struct number_split_options *opt, double *prof, int *cols,
                     struct digit_list *list, struct rm_status *st);

#endif
