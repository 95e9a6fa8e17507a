#ifndef RESNET_MNIST_GEMM_H
#define RESNET_MNIST_GEMM_H

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

/* The same product by the textbook triple loop: the oracle for tests. */
void gemm_ref(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);

#endif
