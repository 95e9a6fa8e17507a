/* The machine's FMA peak, measured so that it can be trusted. The probe once read 72.7 GFLOP/s
 * on a 209 GFLOP/s core, and bench then printed "132.5% of peak": its chains went through the
 * stack (see fma_block), and one timing caught whatever the core was doing. So every thread
 * first warms up (frequency, the wide-vector power state), then times many short trials and
 * keeps its best: a trial that nothing interrupted is the core's rate. scripts/fma_peak.c
 * measures the same with a hand-written assembly loop; the two agree within 2.5% (README). */
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
/* Independent chains: an FMA's latency (4 cycles on Zen 4/5 and recent Intel) times the FMAs
 * a core can start a cycle (2) is 8; 12 leaves slack and still fits the 16 registers of AVX2. */
#define CHAINS         12
#define TRIAL_SECONDS  0.002 /* short, so that most trials run uninterrupted */
#define WARMUP_SECONDS 0.05
#define MIN_TRIALS     5

struct probe {
    double seconds;
    double gflops[256];
    float sink[256];
};

/* Iterations between two clock reads: 24,576 FMAs, several microseconds, so that a clock read
 * (tens of nanoseconds) costs under 1% (at 256, the probe read 4% below the assembly loop). */
#define BLOCK_ITERS 2048

/* BLOCK_ITERS iterations of CHAINS FMAs; the chains are named locals so that they live in registers
 * for the whole loop (an array of them was kept on the stack across the clock calls, which put
 * a store and a reload into every chain: 80 GFLOP/s on a 210 GFLOP/s core). */
static void fma_block(vfloat *acc, vfloat mul, vfloat add)
{
    vfloat a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5];
    vfloat a6 = acc[6], a7 = acc[7], a8 = acc[8], a9 = acc[9], a10 = acc[10], a11 = acc[11];
    for (int k = 0; k < BLOCK_ITERS; k++) {
#define STEP(a)                                                                                    \
    do {                                                                                           \
        a = a * mul + add;                                                                         \
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
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5;
    acc[6] = a6, acc[7] = a7, acc[8] = a8, acc[9] = a9, acc[10] = a10, acc[11] = a11;
}

/* Runs fma_block for about `seconds`; returns the FMAs' GFLOP/s. The values stay bounded
 * (a*0.999 + 1e-3) and are added to *sink. */
static double fma_chains(double seconds, float *sink)
{
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
        fma_block(acc, mul, add);
        iters += BLOCK_ITERS;
        t = clock_seconds();
    } while (t - t0 < seconds);
    float s = 0;
    for (int c = 0; c < CHAINS; c++)
        for (int i = 0; i < VL; i++)
            s += acc[c][i];
    *sink += s;
    return 2.0 * VL * CHAINS * (double)iters / (t - t0) / 1e9;
}

static void probe_task(void *ctx, int task, int thread)
{
    (void)thread;
    struct probe *pr = ctx;
    float sink = 0;
    fma_chains(WARMUP_SECONDS, &sink);
    int trials = (int)(pr->seconds / TRIAL_SECONDS);
    trials = trials < MIN_TRIALS ? MIN_TRIALS : trials;
    double best = 0;
    for (int k = 0; k < trials; k++) {
        double g = fma_chains(TRIAL_SECONDS, &sink);
        best = g > best ? g : best;
    }
    pr->sink[task % 256] = sink;
    pr->gflops[task % 256] = best;
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
