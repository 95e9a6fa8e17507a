/* A packed, register-blocked GEMM in the style of BLIS/GotoBLAS: B is packed into panels NR
 * columns wide, A into panels MR rows tall, and a micro-kernel keeps an MR x NR tile of C in
 * vector registers while it streams both panels. GCC's vector extensions give AVX-512, AVX2 or
 * SSE code from the same source, whichever the build targets. */
#include "resnet_mnist/ops/gemm.h"

#include <assert.h>
#include <string.h>

#include "resnet_mnist/ops/vec.h"

#define GEMM_KC 256
#define GEMM_MC 96 /* a multiple of every MR */
#define GEMM_NC 1024

/* Packing buffers, one set per thread: kernels never allocate. */
static _Thread_local float pack_a[GEMM_MC * GEMM_KC] __attribute__((aligned(64)));
static _Thread_local float pack_b[GEMM_KC * GEMM_NC] __attribute__((aligned(64)));

/* ap[panel][p][i] = op(A)(i0 + panel*MR + i, p0 + p), zero beyond the matrix. */
static void pack_a_block(float *ap, int trans_a, const float *a, int lda, int i0, int mc, int p0,
                         int kc)
{
    for (int ir = 0; ir < mc; ir += MR) {
        int mv = mc - ir < MR ? mc - ir : MR;
        for (int p = 0; p < kc; p++) {
            for (int i = 0; i < mv; i++) {
                int row = i0 + ir + i, col = p0 + p;
                ap[p * MR + i] = trans_a ? a[(size_t)col * lda + row] : a[(size_t)row * lda + col];
            }
            for (int i = mv; i < MR; i++)
                ap[p * MR + i] = 0.0f;
        }
        ap += (size_t)MR * kc;
    }
}

/* bp[panel][p][j] = op(B)(p0 + p, j0 + panel*NR + j), zero beyond the matrix. */
static void pack_b_block(float *bp, int trans_b, const float *b, int ldb, int p0, int kc, int j0,
                         int nc)
{
    for (int jr = 0; jr < nc; jr += NR) {
        int nv = nc - jr < NR ? nc - jr : NR;
        for (int p = 0; p < kc; p++) {
            float *dst = bp + (size_t)p * NR;
            const float *src = trans_b ? NULL : b + (size_t)(p0 + p) * ldb + j0 + jr;
            if (trans_b) {
                for (int j = 0; j < nv; j++)
                    dst[j] = b[(size_t)(j0 + jr + j) * ldb + p0 + p];
            } else if (nv == NR) { /* the common case: two vector moves, no call */
                vstore(dst, vload(src));
                vstore(dst + VL, vload(src + VL));
                continue;
            } else {
                for (int j = 0; j < nv; j++)
                    dst[j] = src[j];
            }
            for (int j = nv; j < NR; j++)
                dst[j] = 0.0f;
        }
        bp += (size_t)NR * kc;
    }
}

/* C[0..mv, 0..nv) (+)= Ap * Bp over kc, from packed panels. */
static void micro_kernel(int kc, const float *restrict ap, const float *restrict bp,
                         float *restrict c, int ldc, int accumulate, int mv, int nv)
{
    vfloat acc[MR][2];
    for (int i = 0; i < MR; i++)
        acc[i][0] = acc[i][1] = (vfloat){0};
    for (int p = 0; p < kc; p++) {
        vfloat b0 = vload(bp + (size_t)p * NR), b1 = vload(bp + (size_t)p * NR + VL);
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++) {
            float ai = ap[(size_t)p * MR + i];
            acc[i][0] += ai * b0;
            acc[i][1] += ai * b1;
        }
    }
    if (mv == MR && nv == NR) {
        for (int i = 0; i < MR; i++) {
            float *ci = c + (size_t)i * ldc;
            if (accumulate) {
                vstore(ci, vload(ci) + acc[i][0]);
                vstore(ci + VL, vload(ci + VL) + acc[i][1]);
            } else {
                vstore(ci, acc[i][0]);
                vstore(ci + VL, acc[i][1]);
            }
        }
        return;
    }
    float tile[MR][NR];
    for (int i = 0; i < MR; i++) {
        vstore(tile[i], acc[i][0]);
        vstore(tile[i] + VL, acc[i][1]);
    }
    for (int i = 0; i < mv; i++)
        for (int j = 0; j < nv; j++)
            c[(size_t)i * ldc + j] = accumulate ? c[(size_t)i * ldc + j] + tile[i][j] : tile[i][j];
}

/* C[i0.., j0..j0+nc) (+)= A(rows i0.., p0..p0+kc) * Bp, where bp holds the block packed as
 * pack_b_block lays it out (panels of NR columns, each kc x NR). */
static void macro_kernel(int trans_a, int m, int nc, int p0, int kc, const float *a, int lda,
                         const float *bp, int accumulate, float *c, int ldc, int j0)
{
    for (int i0 = 0; i0 < m; i0 += GEMM_MC) {
        int mc = m - i0 < GEMM_MC ? m - i0 : GEMM_MC;
        pack_a_block(pack_a, trans_a, a, lda, i0, mc, p0, kc);
        for (int jr = 0; jr < nc; jr += NR) {
            int nv = nc - jr < NR ? nc - jr : NR;
            const float *panel = bp + (size_t)jr * kc;
            for (int ir = 0; ir < mc; ir += MR) {
                int mv = mc - ir < MR ? mc - ir : MR;
                micro_kernel(kc, pack_a + (size_t)ir * kc, panel,
                             c + (size_t)(i0 + ir) * ldc + j0 + jr, ldc, accumulate, mv, nv);
            }
        }
    }
}

/* With k == 0 the product is empty: C is cleared (beta 0) or kept. */
static int trivial(int m, int n, int k, float beta, float *c, int ldc)
{
    assert(m >= 0 && n >= 0 && k >= 0);
    assert(beta == 0.0f || beta == 1.0f);
    if (m == 0 || n == 0)
        return 1;
    if (k == 0) {
        if (beta == 0.0f)
            for (int i = 0; i < m; i++)
                memset(c + (size_t)i * ldc, 0, (size_t)n * sizeof(float));
        return 1;
    }
    return 0;
}

void gemm(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda, const float *b,
          int ldb, float beta, float *c, int ldc)
{
    if (trivial(m, n, k, beta, c, ldc))
        return;
    for (int j0 = 0; j0 < n; j0 += GEMM_NC) {
        int nc = n - j0 < GEMM_NC ? n - j0 : GEMM_NC;
        for (int p0 = 0; p0 < k; p0 += GEMM_KC) {
            int kc = k - p0 < GEMM_KC ? k - p0 : GEMM_KC;
            pack_b_block(pack_b, trans_b, b, ldb, p0, kc, j0, nc);
            macro_kernel(trans_a, m, nc, p0, kc, a, lda, pack_b, p0 > 0 || beta != 0.0f, c, ldc,
                         j0);
        }
    }
}

/* The whole of B packed: for each block of GEMM_KC rows, its panels of NR columns (the last one
 * zero-padded), as pack_b_block would lay out that block for all n columns at once. */
static size_t padded_n(int n)
{
    return (size_t)(n + NR - 1) / NR * NR;
}

size_t gemm_packed_b_floats(int k, int n)
{
    return (size_t)k * padded_n(n);
}

void gemm_pack_b_row(float *bp, int k, int n, int p, const float *row)
{
    int p0 = p / GEMM_KC * GEMM_KC, kc = k - p0 < GEMM_KC ? k - p0 : GEMM_KC;
    float *dst = bp + (size_t)p0 * padded_n(n) + (size_t)(p - p0) * NR;
    int j = 0;
    for (; j + NR <= n; j += NR, dst += (size_t)kc * NR) {
        vstore(dst, vload(row + j));
        vstore(dst + VL, vload(row + j + VL));
    }
    if (j < n) {
        int q = 0;
        for (; q < n - j; q++)
            dst[q] = row[j + q];
        for (; q < NR; q++)
            dst[q] = 0.0f;
    }
}

void gemm_packed_b(int trans_a, int m, int n, int k, const float *a, int lda, const float *bp,
                   float beta, float *c, int ldc)
{
    if (trivial(m, n, k, beta, c, ldc))
        return;
    size_t np = padded_n(n);
    for (int p0 = 0; p0 < k; p0 += GEMM_KC) {
        int kc = k - p0 < GEMM_KC ? k - p0 : GEMM_KC;
        macro_kernel(trans_a, m, n, p0, kc, a, lda, bp + (size_t)p0 * np, p0 > 0 || beta != 0.0f, c,
                     ldc, 0);
    }
}

void gemm_ref(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float sum = 0.0f;
            for (int p = 0; p < k; p++) {
                float av = trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float bv = trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                sum += av * bv;
            }
            float *cij = c + (size_t)i * ldc + j;
            *cij = beta == 0.0f ? sum : *cij + sum;
        }
    }
}
