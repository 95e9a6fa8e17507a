#ifndef RESNET_MNIST_FMA_PROBE_H
#define RESNET_MNIST_FMA_PROBE_H

#include "resnet_mnist/engine/thread_pool.h"

/* The machine's single-precision peak, measured: every thread of the pool runs independent
 * fused multiply-add chains at the widest vector width this build targets (AVX-512, AVX2 or
 * SSE) for about `seconds`. Returns GFLOP/s (2 per FMA lane) over all the pool's threads. */
double fma_probe_gflops(struct thread_pool *p, double seconds);

/* The name of the vector width the probe (and the GEMM kernel) uses: AVX-512, AVX2+FMA, .... */
const char *fma_probe_isa(void);

#endif
