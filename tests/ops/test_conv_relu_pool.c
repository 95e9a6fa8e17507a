/* The fused first layer (conv_relu_pool.h) against the separate steps it replaces: conv2d with
 * ReLU then max-pooling must give the same bits (each output sums its taps in the same order),
 * the same winners and the code 4 exactly where no gradient passes; the weight gradient must
 * match the reference loops on the unpooled gradient and finite differences. On the model's
 * shape (28 x 28) and on odd ones that take the kernel's other paths (rows of fewer than 6
 * windows, a window count that is not a multiple of 16, an odd last row and column). */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/ops/conv2d.h"
#include "resnet_mnist/ops/conv_relu_pool.h"
#include "resnet_mnist/ops/maxpool2d.h"

static const struct conv_relu_pool_shape shapes[] = {{3, 28, 28}, {2, 13, 11}, {1, 9, 40}};

static struct conv2d_shape conv_of(const struct conv_relu_pool_shape *s)
{
    return (struct conv2d_shape){s->n, 1, s->h, s->w, CRP_OUT, CRP_K, CRP_K, 0};
}

/* The separate steps: a = relu(conv(x) + b), y = maxpool(a). */
static void reference_forward(float *y, uint8_t *argmax, float *a, const float *x, const float *w,
                              const float *b, const struct conv_relu_pool_shape *s)
{
    struct conv2d_shape cs = conv_of(s);
    float *scratch = malloc(conv2d_scratch_floats(&cs) * sizeof(float));
    conv2d_forward_relu(a, x, w, b, scratch, &cs);
    struct maxpool2d_shape mp = {s->n, CRP_OUT, conv2d_out_h(&cs), conv2d_out_w(&cs)};
    maxpool2d_forward(y, argmax, a, &mp);
    free(scratch);
}

static void test_conv_relu_pool_forward_is_conv_relu_then_pool(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 21);
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const struct conv_relu_pool_shape *s = &shapes[k];
        struct conv2d_shape cs = conv_of(s);
        size_t nx = (size_t)s->n * s->h * s->w, windows = conv_relu_pool_windows(s);
        size_t ny = (size_t)s->n * CRP_OUT * windows;
        size_t na = (size_t)s->n * CRP_OUT * conv2d_out_h(&cs) * conv2d_out_w(&cs);
        float *x = tu_random_floats(nx, &r), *w = tu_random_floats(400, &r),
              *b = tu_random_floats(16, &r);
        /* a third of the inputs zero and some equal: ties inside windows */
        for (size_t i = 0; i < nx; i++)
            x[i] = i % 3 == 0 ? 0.0f : i % 7 == 0 ? 0.5f : x[i];
        float *y = malloc(ny * 4), *want = malloc(ny * 4), *a = malloc(na * 4);
        uint8_t *code = malloc(ny), *argmax = malloc(ny);
        conv_relu_pool_forward(y, code, x, w, b, s);
        reference_forward(want, argmax, a, x, w, b, s);
        size_t dead = 0;
        for (int img = 0; img < s->n; img++)
            for (int c = 0; c < CRP_OUT; c++)
                for (size_t win = 0; win < windows; win++) {
                    size_t at = ((size_t)img * CRP_OUT + c) * windows + win;
                    size_t code_at = ((size_t)img * windows + win) * CRP_OUT + (size_t)c;
                    if (memcmp(&y[at], &want[at], sizeof(float)) != 0)
                        fail_msg("shape %zu image %d channel %d window %zu: %.9g, separate steps "
                                 "%.9g",
                                 k, img, c, win, y[at], want[at]);
                    int expect = want[at] > 0.0f ? argmax[at] : 4;
                    dead += expect == 4;
                    if (code[code_at] != expect)
                        fail_msg("shape %zu image %d channel %d window %zu: code %d, want %d", k,
                                 img, c, win, code[code_at], expect);
                }
        assert_true(dead > 0 && dead < ny); /* both kinds were checked */
        free(x), free(w), free(b), free(y), free(want), free(a), free(code), free(argmax);
    }
}

static void test_conv_relu_pool_code_on_ties_and_dead_windows(void **state)
{
    (void)state;
    /* a constant image: every position of a window has the same sum, so the first wins (0);
     * with a bias that makes them negative, ReLU leaves zeros and no gradient passes (4) */
    struct conv_relu_pool_shape s = {1, 8, 8}; /* 4 x 4 positions, 2 x 2 windows */
    float x[64], w[400], b[16], y[16 * 4];
    uint8_t code[4 * 16];
    for (int i = 0; i < 64; i++)
        x[i] = 1.0f;
    for (int i = 0; i < 400; i++)
        w[i] = 0.01f;
    for (int c = 0; c < 16; c++)
        b[c] = c < 8 ? 0.5f : -1.0f; /* sums 0.25 + b: 0.75 or -0.75 */
    conv_relu_pool_forward(y, code, x, w, b, &s);
    for (int c = 0; c < 16; c++)
        for (int win = 0; win < 4; win++) {
            assert_int_equal(code[win * 16 + c], c < 8 ? 0 : 4);
            assert_float_equal(y[c * 4 + win], c < 8 ? 0.75f : 0.0f, 1e-6);
        }
}

/* The reference gradient: the pool's and ReLU's backward steps, then conv2d's loops. */
static void reference_weight_grad(float *dw, float *db, const float *dy, const float *x,
                                  const float *w, const float *b,
                                  const struct conv_relu_pool_shape *s)
{
    struct conv2d_shape cs = conv_of(s);
    size_t ny = (size_t)s->n * CRP_OUT * conv_relu_pool_windows(s);
    size_t na = (size_t)s->n * CRP_OUT * conv2d_out_h(&cs) * conv2d_out_w(&cs);
    float *y = malloc(ny * 4), *a = malloc(na * 4), *da = malloc(na * 4);
    uint8_t *argmax = malloc(ny);
    reference_forward(y, argmax, a, x, w, b, s);
    struct maxpool2d_shape mp = {s->n, CRP_OUT, conv2d_out_h(&cs), conv2d_out_w(&cs)};
    maxpool2d_relu_backward(da, dy, argmax, a, &mp);
    conv2d_backward_ref(NULL, dw, db, da, x, w, &cs);
    free(y), free(a), free(da), free(argmax);
}

static void test_conv_relu_pool_weight_grad_matches_reference(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 22);
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const struct conv_relu_pool_shape *s = &shapes[k];
        size_t nx = (size_t)s->n * s->h * s->w,
               ny = (size_t)s->n * CRP_OUT * conv_relu_pool_windows(s);
        float *x = tu_random_floats(nx, &r), *w = tu_random_floats(400, &r),
              *b = tu_random_floats(16, &r), *dy = tu_random_floats(ny, &r);
        float *y = malloc(ny * 4), dw[400], db[16], want_dw[400] = {0}, want_db[16] = {0};
        uint8_t *code = malloc(ny);
        /* it adds: start from ones */
        for (int i = 0; i < 400; i++)
            dw[i] = 1.0f;
        for (int i = 0; i < 16; i++)
            db[i] = 1.0f;
        conv_relu_pool_forward(y, code, x, w, b, s);
        conv_relu_pool_weight_grad(dw, db, dy, code, x, s);
        reference_weight_grad(want_dw, want_db, dy, x, w, b, s);
        /* tolerance: float sums of up to 3 x 576 products in another order, against the
         * reference's double sums: 1e-5 of the sum of the products' magnitudes is ample */
        for (int i = 0; i < 400; i++)
            if (fabs(dw[i] - 1.0 - want_dw[i]) > 1e-4 * (1 + fabs(want_dw[i])))
                fail_msg("shape %zu dw[%d]: %.7g, reference %.7g", k, i, dw[i] - 1.0, want_dw[i]);
        for (int i = 0; i < 16; i++)
            if (fabs(db[i] - 1.0 - want_db[i]) > 1e-4 * (1 + fabs(want_db[i])))
                fail_msg("shape %zu db[%d]: %.7g, reference %.7g", k, i, db[i] - 1.0, want_db[i]);
        free(x), free(w), free(b), free(dy), free(y), free(code);
    }
}

/* sum of y * rw, in double */
static double pooled_loss(const float *x, const float *w, const float *b, const float *rw, float *y,
                          uint8_t *code, const struct conv_relu_pool_shape *s)
{
    conv_relu_pool_forward(y, code, x, w, b, s);
    double sum = 0;
    size_t ny = (size_t)s->n * CRP_OUT * conv_relu_pool_windows(s);
    for (size_t i = 0; i < ny; i++)
        sum += (double)y[i] * rw[i];
    return sum;
}

static void test_conv_relu_pool_weight_grad_matches_finite_differences(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 23);
    struct conv_relu_pool_shape s = {2, 12, 10};
    size_t nx = (size_t)s.n * s.h * s.w, ny = (size_t)s.n * CRP_OUT * conv_relu_pool_windows(&s);
    float *x = tu_random_floats(nx, &r), *w = tu_random_floats(400, &r),
          *b = tu_random_floats(16, &r), *rw = tu_random_floats(ny, &r);
    float *y = malloc(ny * 4), dw[400] = {0}, db[16] = {0};
    uint8_t *code = malloc(ny), *code_up = malloc(ny), *code_down = malloc(ny);
    pooled_loss(x, w, b, rw, y, code, &s);
    conv_relu_pool_weight_grad(dw, db, rw, code, x, &s);
    /* The loss is piecewise linear in w and b: the difference is exact (up to float rounding
     * of the sums, ~1e-6 relative) wherever the step crosses no kink, i.e. no window's winner
     * or ReLU changes; such steps are skipped, and most are not. */
    const float eps = 1e-3f;
    float *vars[2] = {w, b}, *grads[2] = {dw, db};
    int counts[2] = {400, 16}, checked = 0;
    for (int v = 0; v < 2; v++)
        for (int i = 0; i < counts[v]; i++) {
            float keep = vars[v][i];
            vars[v][i] = keep + eps;
            double up = pooled_loss(x, w, b, rw, y, code_up, &s);
            vars[v][i] = keep - eps;
            double down = pooled_loss(x, w, b, rw, y, code_down, &s);
            vars[v][i] = keep;
            if (memcmp(code_up, code, ny) != 0 || memcmp(code_down, code, ny) != 0)
                continue;
            double fd = (up - down) / (2.0 * eps);
            checked++;
            if (fabs(fd - grads[v][i]) > 2e-3 * (1 + fabs(fd)))
                fail_msg("%s[%d]: analytic %.7g, finite difference %.7g", v ? "db" : "dw", i,
                         grads[v][i], fd);
        }
    assert_true(checked > 300);
    free(x), free(w), free(b), free(rw), free(y), free(code), free(code_up), free(code_down);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_relu_pool_forward_is_conv_relu_then_pool),
        cmocka_unit_test(test_conv_relu_pool_code_on_ties_and_dead_windows),
        cmocka_unit_test(test_conv_relu_pool_weight_grad_matches_reference),
        cmocka_unit_test(test_conv_relu_pool_weight_grad_matches_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
