#ifndef RESNET_MNIST_GEMM_H
#define RESNET_MNIST_GEMM_H

#include <stddef.h>

/* Single-precision matrix multiply, row-major:
 *   C[m x n] = beta * C + op(A) * op(B),   beta is 0 (overwrite) or 1 (accumulate)
 * op(A) is m x k: A[i*lda + p], or A[p*lda + i] when trans_a.
 * op(B) is k x n: B[p*ldb + j], or B[j*ldb + p] when trans_b.
 * With beta 0, C is never read (it may hold garbage or NaN).
 * The sum over p runs in blocks of GEMM_KC in increasing p, so an element of C does not depend
 * on m, n or on the other rows and columns: a batch gives each image the same result as that
 * image alone. */
void gemm(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda, const float *b,
          int ldb, float beta, float *c, int ldc);

/* For callers that build B themselves (im2col): B packed once, in gemm's internal layout, row
 * by row, then multiplied without packing again. gemm_packed_b_floats is the size of that
 * buffer; gemm_pack_b_row writes row p (n floats) of the k x n matrix B into it (each row must
 * be written once); gemm_packed_b is gemm with trans_b = 0 and B taken from the buffer, summing
 * in the same order as gemm. */
size_t gemm_packed_b_floats(int k, int n);
void gemm_pack_b_row(float *bp, int k, int n, int p, const float *row);
void gemm_packed_b(int trans_a, int m, int n, int k, const float *a, int lda, const float *bp,
                   float beta, float *c, int ldc);

/* The same product by the textbook triple loop: the oracle for tests. */
void gemm_ref(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);

#endif
