/* The FMA peak's loop (fma_chains.h), on the vectors of the path it is compiled for. */
#include "resnet_mnist/ops/fma_chains.h"

#include "resnet_mnist/ops/vec.h"

/* The chains are named locals so that they live in registers for the whole loop (an array of
 * them was kept on the stack, which put a store and a reload into every chain: 80 GFLOP/s on a
 * 210 GFLOP/s core). */
void fma_chains_run(float *acc, float mul, float add, int iters)
{
    vfloat m, d;
    for (int i = 0; i < VL; i++) {
        m[i] = mul;
        d[i] = add;
    }
    vfloat a0 = vload(acc + 0 * VL), a1 = vload(acc + 1 * VL), a2 = vload(acc + 2 * VL);
    vfloat a3 = vload(acc + 3 * VL), a4 = vload(acc + 4 * VL), a5 = vload(acc + 5 * VL);
    vfloat a6 = vload(acc + 6 * VL), a7 = vload(acc + 7 * VL), a8 = vload(acc + 8 * VL);
    vfloat a9 = vload(acc + 9 * VL), a10 = vload(acc + 10 * VL), a11 = vload(acc + 11 * VL);
    for (int k = 0; k < iters; k++) {
#define STEP(a)                                                                                    \
    do {                                                                                           \
        a = a * m + d;                                                                             \
        REGISTER(a);                                                                               \
    } while (0)
        STEP(a0);
        STEP(a1);
        STEP(a2);
        STEP(a3);
        STEP(a4);
        STEP(a5);
        STEP(a6);
        STEP(a7);
        STEP(a8);
        STEP(a9);
        STEP(a10);
        STEP(a11);
#undef STEP
    }
    vstore(acc + 0 * VL, a0), vstore(acc + 1 * VL, a1), vstore(acc + 2 * VL, a2);
    vstore(acc + 3 * VL, a3), vstore(acc + 4 * VL, a4), vstore(acc + 5 * VL, a5);
    vstore(acc + 6 * VL, a6), vstore(acc + 7 * VL, a7), vstore(acc + 8 * VL, a8);
    vstore(acc + 9 * VL, a9), vstore(acc + 10 * VL, a10), vstore(acc + 11 * VL, a11);
}
