#ifndef RESNET_MNIST_FMA_PROBE_H
#define RESNET_MNIST_FMA_PROBE_H

#include "resnet_mnist/engine/thread_pool.h"

/* The machine's single-precision peak, measured: every thread of the pool runs 12 independent
 * fused multiply-add chains at the widest vector width this build targets (AVX-512, AVX2 or
 * SSE), first 50 ms to warm up, then trials of 2 ms for about `seconds` (at least 5), and keeps
 * its best trial, so that a trial slowed by another process or a clock still rising does not
 * count. Returns GFLOP/s (2 per FMA lane), the sum of the threads' best. */
double fma_probe_gflops(struct thread_pool *p, double seconds);

/* The name of the vector width the probe (and the GEMM kernel) uses: AVX-512, AVX2+FMA, .... */
const char *fma_probe_isa(void);

#endif
