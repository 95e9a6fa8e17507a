/* The vector width the build targets, and the few vector helpers the kernels share. GCC's
 * vector extensions give AVX-512, AVX2 or SSE code from the same source. Internal to src/. */
#ifndef RESNET_MNIST_VEC_H
#define RESNET_MNIST_VEC_H

#include <string.h>

#if defined(__AVX512F__)
#define VL 16 /* floats per vector */
#define MR 8  /* rows of a GEMM register tile (NR = 2 * VL columns) */
#elif defined(__AVX__)
#define VL 8
#define MR 6
#else
#define VL 4
#define MR 6
#endif
#define NR (2 * VL)

typedef float vfloat __attribute__((vector_size(VL * sizeof(float))));

static inline vfloat vload(const float *p)
{
    vfloat v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void vstore(float *p, vfloat v)
{
    memcpy(p, &v, sizeof v);
}

/* The sum of a vector's lanes, by halving (shuffles, not memory, so that accumulators passed
 * here can stay in registers). */
static inline float lane_sum(vfloat v)
{
#if VL == 16
    typedef float v8 __attribute__((vector_size(32)));
    v8 h8 = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
            __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
#elif VL == 8
    vfloat h8 = v;
#endif
#if VL >= 8
    typedef float v4 __attribute__((vector_size(16)));
    v4 h4 =
        __builtin_shufflevector(h8, h8, 0, 1, 2, 3) + __builtin_shufflevector(h8, h8, 4, 5, 6, 7);
#else
    vfloat h4 = v;
#endif
    return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

/* Short rows: the model's are 3 to 28 floats, too short for memcpy calls or the compiler's
 * vector loops to pay. FIXED_WIDTHS(CALL, n) calls CALL(n) with n a constant for the widths
 * the model uses, so that an always-inline loop body becomes a few vector moves. */
#define FIXED_WIDTHS(CALL, n)                                                                      \
    switch (n) {                                                                                   \
    case 28:                                                                                       \
        CALL(28);                                                                                  \
        break;                                                                                     \
    case 24:                                                                                       \
        CALL(24);                                                                                  \
        break;                                                                                     \
    case 16:                                                                                       \
        CALL(16);                                                                                  \
        break;                                                                                     \
    case 12:                                                                                       \
        CALL(12);                                                                                  \
        break;                                                                                     \
    case 10:                                                                                       \
        CALL(10);                                                                                  \
        break;                                                                                     \
    case 5:                                                                                        \
        CALL(5);                                                                                   \
        break;                                                                                     \
    case 3:                                                                                        \
        CALL(3);                                                                                   \
        break;                                                                                     \
    default:                                                                                       \
        CALL(n);                                                                                   \
    }

static inline __attribute__((always_inline)) void copy_n(float *restrict d, const float *restrict s,
                                                         int n)
{
    for (int q = 0; q < n; q++)
        d[q] = s[q];
}

static inline __attribute__((always_inline)) void add_n(float *restrict d, const float *restrict s,
                                                        int n)
{
    for (int q = 0; q < n; q++)
        d[q] += s[q];
}

/* d[0..n) = s[0..n) */
static inline void copy_row(float *restrict d, const float *restrict s, int n)
{
#define COPY_ROW(w) copy_n(d, s, w)
    FIXED_WIDTHS(COPY_ROW, n)
#undef COPY_ROW
}

/* d[0..n) += s[0..n) */
static inline void add_row(float *restrict d, const float *restrict s, int n)
{
#define ADD_ROW(w) add_n(d, s, w)
    FIXED_WIDTHS(ADD_ROW, n)
#undef ADD_ROW
}

/* Keeps v in a register: without this GCC folds a load into every FMA that uses it, and the
 * loads become the bottleneck. */
#define REGISTER(v) __asm__("" : "+v"(v))

#endif
