#ifndef RESNET_MNIST_FMA_PROBE_H
#define RESNET_MNIST_FMA_PROBE_H

#include "resnet_mnist/engine/thread_pool.h"

/* The machine's single-precision peak, measured: every thread of the pool runs 12 independent
 * fused multiply-add chains (ops/fma_chains.h) on the active path's vectors (ops/isa.h), first
 * 50 ms to warm up, then trials of 2 ms for about `seconds` (at least 5), and keeps its best
 * trial, so that a trial slowed by another process or a clock still rising does not count.
 * Returns GFLOP/s (2 per FMA lane), the sum of the threads' best. */
double fma_probe_gflops(struct thread_pool *p, double seconds);

/* The vector instructions the probe and the kernels use: the active path's isa_path_label
 * (AVX-512, AVX2+FMA, SSE2). */
const char *fma_probe_isa(void);

#endif
