#ifndef RESNET_MNIST_FMA_CHAINS_H
#define RESNET_MNIST_FMA_CHAINS_H

/* The loop the machine's FMA peak is measured with (engine/fma_probe.h times it): independent
 * chains of fused multiply-adds on the active path's vectors (isa.h). An FMA's latency (4
 * cycles on Zen 4/5 and recent Intel) times the FMAs a core can start a cycle (2) is 8 chains;
 * 12 leave slack and still fit the 16 vector registers of AVX2. */
#define FMA_CHAINS 12
/* Floats acc holds for any path: FMA_CHAINS vectors of up to 16 floats. */
#define FMA_CHAINS_MAX_FLOATS (FMA_CHAINS * 16)

/* For each chain c (the vector of isa_path_floats(isa_active_path()) floats at
 * acc + c * that many), iters times: acc[c] = acc[c] * mul + add, one FMA instruction per
 * vector, the chains held in registers for the whole loop. 2 * floats * FMA_CHAINS * iters
 * floating-point operations. */
void fma_chains_run(float *acc, float mul, float add, int iters);

#endif
