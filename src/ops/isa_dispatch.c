/* The plain names of the ops functions (the public headers' API), each calling the copy of the
 * active path (isa.h): gemm calls gemm_avx512, gemm_avx2 or gemm_baseline, which the kernel
 * sources compiled once per path define (isa_names.h). Compiled for the baseline target, and
 * only when the kernels are compiled for every path (RM_ISA_DISPATCH). */
#include <stddef.h>
#include <stdint.h>

#include "conv_implicit.h"
#include "conv_winograd.h"
#include "im2col.h"
#include "resnet_mnist/ops/conv2d.h"
#include "resnet_mnist/ops/conv_relu_pool.h"
#include "resnet_mnist/ops/conv_winograd.h"
#include "resnet_mnist/ops/floats.h"
#include "resnet_mnist/ops/fma_chains.h"
#include "resnet_mnist/ops/gemm.h"
#include "resnet_mnist/ops/isa.h"
#include "resnet_mnist/ops/linear.h"
#include "resnet_mnist/ops/maxpool2d.h"
#include "resnet_mnist/ops/relu.h"
#include "resnet_mnist/ops/sgd.h"
#include "resnet_mnist/ops/xent.h"

/* Every ops function, as K(return type, name, (parameters), (arguments)), or V(name,
 * (parameters), (arguments)) for one that returns nothing. A new one needs a line here and one
 * in isa_names.h. */
// clang-format off
#define KERNELS(K, V) \
    V(col2im_add, (float *dx, const float *dcol, int n, int c, int h, int w, int kh, int kw, int pad), (dx, dcol, n, c, h, w, kh, kw, pad)) \
    V(conv2d_backward, (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, float *scratch, const struct conv2d_shape *s), (dx, dw, db, dy, x, w, scratch, s)) \
    V(conv2d_backward_packed, (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, const float *pack, float *scratch, const struct conv2d_shape *s), (dx, dw, db, dy, x, w, pack, scratch, s)) \
    V(conv2d_backward_ref, (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, const struct conv2d_shape *s), (dx, dw, db, dy, x, w, s)) \
    V(conv2d_forward, (float *y, const float *x, const float *w, const float *b, float *scratch, const struct conv2d_shape *s), (y, x, w, b, scratch, s)) \
    V(conv2d_forward_packed, (float *y, const float *x, const float *w, const float *pack, const float *b, int relu, float *scratch, const struct conv2d_shape *s), (y, x, w, pack, b, relu, scratch, s)) \
    V(conv2d_forward_ref, (float *y, const float *x, const float *w, const float *b, const struct conv2d_shape *s), (y, x, w, b, s)) \
    V(conv2d_forward_relu, (float *y, const float *x, const float *w, const float *b, float *scratch, const struct conv2d_shape *s), (y, x, w, b, scratch, s)) \
    K(int, conv2d_out_h, (const struct conv2d_shape *s), (s)) \
    K(int, conv2d_out_w, (const struct conv2d_shape *s), (s)) \
    V(conv2d_pack, (float *pack, const float *w, const struct conv2d_shape *s), (pack, w, s)) \
    V(conv2d_pack_pass, (float *pack, const float *w, const struct conv2d_shape *s, int backward), (pack, w, s, backward)) \
    K(size_t, conv2d_pack_floats, (const struct conv2d_shape *s), (s)) \
    K(size_t, conv2d_scratch_floats, (const struct conv2d_shape *s), (s)) \
    V(conv_implicit_forward, (float *y, const float *x, const float *w, const float *packed, const float *b, int relu, float *scratch, const struct conv2d_shape *s), (y, x, w, packed, b, relu, scratch, s)) \
    V(conv_implicit_input_grad, (float *dx, const float *dy, const float *w, const float *packed, float *scratch, const struct conv2d_shape *s), (dx, dy, w, packed, scratch, s)) \
    K(int, conv_implicit_ok, (const struct conv2d_shape *s, int input_grad), (s, input_grad)) \
    V(conv_implicit_pack, (float *ap, const float *w, const struct conv2d_shape *s, int input_grad), (ap, w, s, input_grad)) \
    K(size_t, conv_implicit_pack_floats, (const struct conv2d_shape *s, int input_grad), (s, input_grad)) \
    K(size_t, conv_implicit_scratch_floats, (const struct conv2d_shape *s, int input_grad), (s, input_grad)) \
    V(conv_implicit_weight_grad, (float *dw, float *db, const float *dy, const float *x, float *scratch, const struct conv2d_shape *s), (dw, db, dy, x, scratch, s)) \
    V(conv_implicit_weight_grad_cl, (float *dw, float *db, const float *dy, const float *x, float *scratch, const struct conv2d_shape *s), (dw, db, dy, x, scratch, s)) \
    K(int, conv_implicit_weight_grad_cl_ok, (const struct conv2d_shape *s), (s)) \
    K(size_t, conv_implicit_weight_grad_cl_scratch_floats, (const struct conv2d_shape *s), (s)) \
    K(int, conv_implicit_weight_grad_ok, (const struct conv2d_shape *s), (s)) \
    K(size_t, conv_implicit_weight_grad_scratch_floats, (const struct conv2d_shape *s), (s)) \
    V(conv_relu_pool_forward, (float *y, uint8_t *code, const float *x, const float *w, const float *b, const struct conv_relu_pool_shape *s), (y, code, x, w, b, s)) \
    V(conv_relu_pool_weight_grad, (float *dw, float *db, const float *dy, const uint8_t *code, const float *x, const struct conv_relu_pool_shape *s), (dw, db, dy, code, x, s)) \
    K(size_t, conv_relu_pool_windows, (const struct conv_relu_pool_shape *s), (s)) \
    K(enum conv_winograd_tile, conv_winograd_default_tile, (const struct conv2d_shape *s), (s)) \
    V(conv_winograd_forward, (float *y, const float *x, const float *w, const float *b, int relu, float *scratch, const struct conv2d_shape *s), (y, x, w, b, relu, scratch, s)) \
    V(conv_winograd_input_grad, (float *dx, const float *dy, const float *w, float *scratch, const struct conv2d_shape *s), (dx, dy, w, scratch, s)) \
    K(double, conv_winograd_mults, (enum conv_winograd_tile k, const struct conv2d_shape *s, double *transform_mults), (k, s, transform_mults)) \
    K(int, conv_winograd_ok, (const struct conv2d_shape *s), (s)) \
    K(size_t, conv_winograd_scratch_floats, (const struct conv2d_shape *s), (s)) \
    V(conv_winograd_tile_forward, (enum conv_winograd_tile k, float *y, const float *x, const float *w, const float *b, int relu, float *scratch, const struct conv2d_shape *s), (k, y, x, w, b, relu, scratch, s)) \
    V(conv_winograd_tile_input_grad, (enum conv_winograd_tile k, float *dx, const float *dy, const float *w, float *scratch, const struct conv2d_shape *s), (k, dx, dy, w, scratch, s)) \
    K(const char *, conv_winograd_tile_name, (enum conv_winograd_tile k), (k)) \
    K(int, conv_winograd_tile_ok, (enum conv_winograd_tile k, const struct conv2d_shape *s), (k, s)) \
    K(size_t, conv_winograd_tile_scratch_floats, (enum conv_winograd_tile k, const struct conv2d_shape *s), (k, s)) \
    V(conv_winograd_tile_weight_grad, (enum conv_winograd_tile k, float *dw, float *db, const float *dy, const float *x, float *scratch, const struct conv2d_shape *s), (k, dw, db, dy, x, scratch, s)) \
    V(conv_winograd_weight_grad, (float *dw, float *db, const float *dy, const float *x, float *scratch, const struct conv2d_shape *s), (dw, db, dy, x, scratch, s)) \
    V(gemm, (int trans_a, int trans_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc), (trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc)) \
    V(gemm_pack_b_row, (float *bp, int k, int n, int p, const float *row), (bp, k, n, p, row)) \
    V(gemm_packed_b, (int trans_a, int m, int n, int k, const float *a, int lda, const float *bp, float beta, float *c, int ldc), (trans_a, m, n, k, a, lda, bp, beta, c, ldc)) \
    K(size_t, gemm_packed_b_floats, (int k, int n), (k, n)) \
    V(gemm_ref, (int trans_a, int trans_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc), (trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc)) \
    V(im2col_packed, (float *bp, float *row, float *pad, const float *x, int n, int c, int h, int w, int kh, int kw, int padding), (bp, row, pad, x, n, c, h, w, kh, kw, padding)) \
    V(im2row_packed, (float *bp, float *row, float *pad, const float *x, int n, int c, int h, int w, int kh, int kw, int padding), (bp, row, pad, x, n, c, h, w, kh, kw, padding)) \
    V(linear_backward, (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, int n, int in, int out), (dx, dw, db, dy, x, w, n, in, out)) \
    V(linear_backward_input_cols, (float *dx, const float *dy, const float *w, int n, int in, int out, int i0, int i1), (dx, dy, w, n, in, out, i0, i1)) \
    V(linear_backward_ref, (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, int n, int in, int out), (dx, dw, db, dy, x, w, n, in, out)) \
    V(linear_backward_weights, (float *dw, float *db, const float *dy, const float *x, int n, int in, int out, int o0, int o1), (dw, db, dy, x, n, in, out, o0, o1)) \
    V(linear_forward, (float *y, const float *x, const float *w, const float *b, int n, int in, int out), (y, x, w, b, n, in, out)) \
    V(linear_forward_cols, (float *y, const float *x, const float *w, const float *b, int n, int in, int out, int o0, int o1), (y, x, w, b, n, in, out, o0, o1)) \
    V(linear_forward_ref, (float *y, const float *x, const float *w, const float *b, int n, int in, int out), (y, x, w, b, n, in, out)) \
    V(maxpool2d_backward, (float *dx, const float *dy, const uint8_t *argmax, const struct maxpool2d_shape *s), (dx, dy, argmax, s)) \
    V(maxpool2d_forward, (float *y, uint8_t *argmax, const float *x, const struct maxpool2d_shape *s), (y, argmax, x, s)) \
    V(maxpool2d_relu_backward, (float *dx, const float *dy, const uint8_t *argmax, const float *x, const struct maxpool2d_shape *s), (dx, dy, argmax, x, s)) \
    V(relu_add_backward, (float *da, float *db, const float *dy, const float *y, size_t n), (da, db, dy, y, n)) \
    V(relu_add_forward, (float *y, const float *a, const float *b, size_t n), (y, a, b, n)) \
    V(relu_backward, (float *dx, const float *dy, const float *y, size_t n), (dx, dy, y, n)) \
    V(relu_forward, (float *y, const float *x, size_t n), (y, x, n)) \
    V(sgd_step, (float *param, float *buf, const float *grad, size_t n, float lr, float momentum, int first), (param, buf, grad, n, lr, momentum, first)) \
    V(sgd_step_decayed, (float *param, float *buf, const float *grad, size_t n, const struct sgd_options *o, int first), (param, buf, grad, n, o, first)) \
    V(xent_backward, (float *dz, const float *probs, const uint8_t *labels, int n, int classes), (dz, probs, labels, n, classes)) \
    K(double, xent_forward, (float *probs, const float *z, const uint8_t *labels, int n, int classes), (probs, z, labels, n, classes)) \
    V(xent_softmax, (double *p, const float *z, int classes), (p, z, classes)) \
    V(floats_add, (float *dst, const float *src, size_t n), (dst, src, n)) \
    K(int, floats_all_finite, (const float *x, size_t n), (x, n)) \
    V(fma_chains_run, (float *acc, float mul, float add, int iters), (acc, mul, add, iters))

// clang-format on

/* The three copies' declarations. */
#define DECLARE(ret, name, params, args)                                                           \
    ret name##_avx512 params;                                                                      \
    ret name##_avx2 params;                                                                        \
    ret name##_baseline params;
#define DECLARE_VOID(name, params, args) DECLARE(void, name, params, args)
KERNELS(DECLARE, DECLARE_VOID)

/* A path's table of them. */
#define POINTER(ret, name, params, args) ret(*name) params;
#define POINTER_VOID(name, params, args) POINTER(void, name, params, args)
struct kernels {
    KERNELS(POINTER, POINTER_VOID)
};

#define AVX512(ret, name, params, args)   .name = name##_avx512,
#define AVX512_VOID(name, params, args)   .name = name##_avx512,
#define AVX2(ret, name, params, args)     .name = name##_avx2,
#define AVX2_VOID(name, params, args)     .name = name##_avx2,
#define BASELINE(ret, name, params, args) .name = name##_baseline,
#define BASELINE_VOID(name, params, args) .name = name##_baseline,
static const struct kernels tables[ISA_PATHS] = {
    [ISA_PATH_AVX512] = {KERNELS(AVX512, AVX512_VOID)},
    [ISA_PATH_AVX2] = {KERNELS(AVX2, AVX2_VOID)},
    [ISA_PATH_BASELINE] = {KERNELS(BASELINE, BASELINE_VOID)},
};

/* The public functions: one load of the active path (a plain load once it is chosen), one
 * indirect call. */
#define FORWARD(ret, name, params, args)                                                           \
    ret name params                                                                                \
    {                                                                                              \
        return tables[isa_active_path()].name args;                                                \
    }
#define FORWARD_VOID(name, params, args)                                                           \
    void name params                                                                               \
    {                                                                                              \
        tables[isa_active_path()].name args;                                                       \
    }
KERNELS(FORWARD, FORWARD_VOID)
