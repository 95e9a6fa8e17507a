/* Which copy of the kernels runs (isa.h). Compiled once, for the baseline target: nothing
 * here may use an instruction the slowest path's CPU lacks. */
#include "resnet_mnist/ops/isa.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *label, *needs;
    int floats;
    unsigned features;
} paths[ISA_PATHS] = {
    [ISA_PATH_BASELINE] = {"baseline", "SSE2", "x86-64", 4, 0},
    [ISA_PATH_AVX2] = {"avx2", "AVX2+FMA",
                       "AVX2, FMA, BMI1, BMI2, F16C, LZCNT and MOVBE (x86-64-v3)", 8,
                       ISA_FEATURE_X86_64_V3},
    [ISA_PATH_AVX512] = {"avx512", "AVX-512", "AVX-512 F, BW, CD, DQ and VL (x86-64-v4)", 16,
                         ISA_FEATURE_X86_64_V3 | ISA_FEATURE_X86_64_V4},
};

/* RM_ISA_DISPATCH: the kernels are compiled for every path (isa_dispatch.c calls them). Without
 * it they are compiled once, with the build's flags, and that is the one path there is. */
#ifndef RM_ISA_DISPATCH
#if defined(__AVX512F__)
#define ONLY_PATH ISA_PATH_AVX512
#elif defined(__AVX2__) && defined(__FMA__)
#define ONLY_PATH ISA_PATH_AVX2
#else
#define ONLY_PATH ISA_PATH_BASELINE
#endif
#endif

/* -1 until a path is chosen; then an enum isa_path. */
static _Atomic int active = -1;

unsigned isa_read_features(void)
{
    unsigned f = 0;
#if defined(__x86_64__) || defined(__i386__)
    /* libgcc's checks include the OS's (XGETBV): the AVX and AVX-512 register state saved */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v3"))
        f |= ISA_FEATURE_X86_64_V3;
    if (__builtin_cpu_supports("x86-64-v4"))
        f |= ISA_FEATURE_X86_64_V4;
#endif
    return f;
}

int isa_path_compiled(enum isa_path p)
{
#ifdef RM_ISA_DISPATCH
    return p >= 0 && p < ISA_PATHS;
#else
    return p == ONLY_PATH;
#endif
}

int isa_path_supported(enum isa_path p, unsigned features)
{
    if (p < 0 || p >= ISA_PATHS)
        return 0;
    return (features & paths[p].features) == paths[p].features;
}

enum isa_path isa_best_path(unsigned features)
{
    for (int p = ISA_PATHS - 1; p > ISA_PATH_BASELINE; p--)
        if (isa_path_compiled((enum isa_path)p) && isa_path_supported((enum isa_path)p, features))
            return (enum isa_path)p;
#ifdef RM_ISA_DISPATCH
    return ISA_PATH_BASELINE;
#else
    return ONLY_PATH; /* built for this CPU: nothing else to run */
#endif
}

const char *isa_path_name(enum isa_path p)
{
    return p >= 0 && p < ISA_PATHS ? paths[p].name : "?";
}

const char *isa_path_label(enum isa_path p)
{
    return p >= 0 && p < ISA_PATHS ? paths[p].label : "?";
}

const char *isa_path_needs(enum isa_path p)
{
    return p >= 0 && p < ISA_PATHS ? paths[p].needs : "?";
}

int isa_path_floats(enum isa_path p)
{
    return p >= 0 && p < ISA_PATHS ? paths[p].floats : 0;
}

int isa_parse_path(const char *name, enum isa_path *out)
{
    for (int p = 0; p < ISA_PATHS; p++)
        if (strcmp(name, paths[p].name) == 0) {
            *out = (enum isa_path)p;
            return 0;
        }
    return -1;
}

int isa_select_path(enum isa_path p)
{
    if (!isa_path_compiled(p) || !isa_path_supported(p, isa_read_features()))
        return -1;
    atomic_store_explicit(&active, (int)p, memory_order_release);
    return 0;
}

/* The first choice: $RESNET_MNIST_ISA when this CPU can run it, else the widest path. (The
 * program checks the variable itself first, and stops with an error for a path it cannot run;
 * this is for everything else that links the kernels, the tests among them.) Threads that get
 * here at once all compute the same choice. */
static enum isa_path choose_path(void)
{
    unsigned features = isa_read_features();
    const char *env = getenv("RESNET_MNIST_ISA");
    enum isa_path p;
    if (env && isa_parse_path(env, &p) == 0 && isa_path_compiled(p) &&
        isa_path_supported(p, features))
        return p;
    return isa_best_path(features);
}

enum isa_path isa_active_path(void)
{
    int p = atomic_load_explicit(&active, memory_order_acquire);
    if (p >= 0)
        return (enum isa_path)p;
    int want = (int)choose_path(), none = -1;
    if (atomic_compare_exchange_strong(&active, &none, want))
        return (enum isa_path)want;
    return (enum isa_path)none; /* another thread chose first */
}
