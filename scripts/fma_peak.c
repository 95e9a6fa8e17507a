/* An independent check of bench's FMA probe (src/engine/fma_probe.c): the same measurement
 * written as an assembly loop, so that no compiler choice can make it slower or faster.
 * 12 independent vfmadd231ps chains at the widest width the CPU has (zmm for AVX-512F, else
 * ymm for AVX2+FMA), 50 ms of warm-up, then the best of 200 trials of 2 ms each on one thread.
 * Prints GFLOP/s (2 per lane per FMA).
 *   built as build/tests/fma_peak; run: build/tests/fma_peak */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 1000 iterations of 12 FMAs: zmm0..11 += zmm12 * zmm13. */
#define FMA12(R)                                                                                   \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "0\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "1\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "2\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "3\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "4\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "5\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "6\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "7\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "8\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "9\n\t"                                               \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "10\n\t"                                              \
    "vfmadd231ps %%" R "12, %%" R "13, %%" R "11\n\t"

__attribute__((target("avx512f"))) static void loop_zmm(long n)
{
    __asm__ volatile("vxorps %%xmm12, %%xmm12, %%xmm12\n\t"
                     "vxorps %%xmm13, %%xmm13, %%xmm13\n\t"
                     "1:\n\t" FMA12("zmm") "dec %0\n\t"
                                           "jnz 1b\n\t"
                     : "+r"(n)
                     :
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "cc");
}

__attribute__((target("avx2,fma"))) static void loop_ymm(long n)
{
    __asm__ volatile("vxorps %%xmm12, %%xmm12, %%xmm12\n\t"
                     "vxorps %%xmm13, %%xmm13, %%xmm13\n\t"
                     "1:\n\t" FMA12("ymm") "dec %0\n\t"
                                           "jnz 1b\n\t"
                     : "+r"(n)
                     :
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "cc");
}

int main(void)
{
    __builtin_cpu_init();
    int wide = __builtin_cpu_supports("avx512f");
    if (!wide && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
        fprintf(stderr, "fma_peak: this CPU has neither AVX-512F nor AVX2+FMA\n");
        return 1;
    }
    void (*loop)(long) = wide ? loop_zmm : loop_ymm;
    int lanes = wide ? 16 : 8;
    const long iters = 1000;
    double t0 = now();
    while (now() - t0 < 0.05)
        loop(iters);
    double best = 0;
    for (int trial = 0; trial < 200; trial++) {
        long rounds = 0;
        double a = now(), b;
        do {
            loop(iters);
            rounds++;
            b = now();
        } while (b - a < 0.002);
        double g = 2.0 * lanes * 12 * (double)iters * rounds / (b - a) / 1e9;
        best = g > best ? g : best;
    }
    printf("%s assembly FMA loop: %.1f GFLOP/s on 1 thread (best of 200 trials of 2 ms)\n",
           wide ? "AVX-512 (zmm)" : "AVX2 (ymm)", best);
    return 0;
}
