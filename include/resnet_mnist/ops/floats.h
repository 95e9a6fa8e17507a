#ifndef RESNET_MNIST_FLOATS_H
#define RESNET_MNIST_FLOATS_H

#include <stddef.h>

/* Whole-array steps the engine takes on float arrays, compiled per instruction-set path like
 * every kernel (the engine itself is compiled for the baseline, 4 floats a vector). */

/* dst[i] += src[i] for i < n. */
void floats_add(float *dst, const float *src, size_t n);

/* 1 when every x[i], i < n, is finite (no infinity, no NaN), else 0. */
int floats_all_finite(const float *x, size_t n);

#endif
