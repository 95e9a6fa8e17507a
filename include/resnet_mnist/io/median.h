#ifndef RESNET_MNIST_MEDIAN_H
#define RESNET_MNIST_MEDIAN_H

#include <stdlib.h>

/* The median of n doubles, the one copy for every caller (bench's timings, the depth profiles
 * of edge_band.c). */

static inline int median_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (the mean of the middle two when n is even), n >= 1; sorts v. */
static inline double median_sort(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, median_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#endif
