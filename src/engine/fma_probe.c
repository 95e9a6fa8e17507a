#include "resnet_mnist/engine/fma_probe.h"

#include <string.h>

#include "resnet_mnist/engine/clock.h"
#include "resnet_mnist/ops/vec.h"

/* The probe runs on the kernels' vectors (vec.h: VL floats a vfloat); this names the
 * instruction set the build chose for them. */
#if defined(__AVX512F__)
#define ISA "AVX-512"
#elif defined(__AVX2__) && defined(__FMA__)
#define ISA "AVX2+FMA"
#elif defined(__AVX__)
#define ISA "AVX"
#else
#define ISA "SSE/portable"
#endif
#define CHAINS 12 /* enough independent chains to cover FMA latency x throughput */

struct probe {
    double seconds;
    double gflops[256];
    float sink[256];
};

/* 1024 iterations of CHAINS FMAs on vectors; the values stay bounded (a*0.999 + 1e-3). */
static void probe_task(void *ctx, int task, int thread)
{
    (void)thread;
    struct probe *pr = ctx;
    vfloat acc[CHAINS], mul, add;
    for (int i = 0; i < VL; i++) {
        mul[i] = 0.999f;
        add[i] = 1e-3f;
    }
    for (int c = 0; c < CHAINS; c++)
        acc[c] = add * (float)(c + 1);
    long iters = 0;
    double t0 = clock_seconds(), t;
    do {
        for (int k = 0; k < 1024; k++) {
#pragma GCC unroll 12
            for (int c = 0; c < CHAINS; c++)
                acc[c] = acc[c] * mul + add;
        }
        iters += 1024;
        t = clock_seconds();
    } while (t - t0 < pr->seconds);
    float s = 0;
    for (int c = 0; c < CHAINS; c++)
        for (int i = 0; i < VL; i++)
            s += acc[c][i];
    pr->sink[task % 256] = s;
    pr->gflops[task % 256] = 2.0 * VL * CHAINS * (double)iters / (t - t0) / 1e9;
}

double fma_probe_gflops(struct thread_pool *p, double seconds)
{
    static struct probe pr;
    memset(&pr, 0, sizeof pr);
    pr.seconds = seconds;
    thread_pool_run(p, p->threads, probe_task, &pr);
    double total = 0;
    for (int i = 0; i < p->threads && i < 256; i++)
        total += pr.gflops[i];
    return total;
}

const char *fma_probe_isa(void)
{
    return ISA;
}
