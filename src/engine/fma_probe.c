/* The machine's FMA peak, measured so that it can be trusted. The probe once read 72.7 GFLOP/s
 * on a 209 GFLOP/s core, and bench then printed "132.5% of peak": its chains went through the
 * stack (see BLOCK_ITERS), and one timing caught whatever the core was doing. So every thread
 * first warms up (frequency, the wide-vector power state), then times many short trials and
 * keeps its best: a trial that nothing interrupted is the core's rate. scripts/fma_peak.c
 * measures the same with a hand-written assembly loop; the two agree within 2.5% (README). */
#include "resnet_mnist/engine/fma_probe.h"

#include <string.h>

#include "resnet_mnist/engine/clock.h"
#include "resnet_mnist/ops/fma_chains.h"
#include "resnet_mnist/ops/isa.h"

#define TRIAL_SECONDS  0.002 /* short, so that most trials run uninterrupted */
#define WARMUP_SECONDS 0.05
#define MIN_TRIALS     5

struct probe {
    double seconds;
    double gflops[256];
    float sink[256];
};

/* Iterations between two clock reads: 24,576 FMAs, several microseconds, so that a clock read
 * (tens of nanoseconds) costs under 1% (at 256, the probe read 4% below the assembly loop). The
 * loop itself is the kernels' (ops/fma_chains.h), on the active path's vectors, with its chains
 * in registers (on the stack they put a store and a reload into every chain). */
#define BLOCK_ITERS 2048

/* Runs fma_chains_run for about `seconds`; returns the FMAs' GFLOP/s. The values stay bounded
 * (a*0.999 + 1e-3) and are added to *sink. */
static double fma_chains(double seconds, float *sink)
{
    int vl = isa_path_floats(isa_active_path());
    float acc[FMA_CHAINS_MAX_FLOATS];
    for (int c = 0; c < FMA_CHAINS; c++)
        for (int i = 0; i < vl; i++)
            acc[c * vl + i] = 1e-3f * (float)(c + 1);
    long iters = 0;
    double t0 = clock_seconds(), t;
    do {
        fma_chains_run(acc, 0.999f, 1e-3f, BLOCK_ITERS);
        iters += BLOCK_ITERS;
        t = clock_seconds();
    } while (t - t0 < seconds);
    float s = 0;
    for (int i = 0; i < FMA_CHAINS * vl; i++)
        s += acc[i];
    *sink += s;
    return 2.0 * vl * FMA_CHAINS * (double)iters / (t - t0) / 1e9;
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
    return isa_path_label(isa_active_path());
}
