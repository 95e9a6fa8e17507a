/* The implicit-GEMM convolution plans (conv_implicit.h), called directly, so that a change in
 * which path conv2d picks cannot leave them untested: which shapes each plan takes (the speed
 * depends on it, and the order of the sums must not depend on the batch), and every kernel
 * against the direct loops on the model's shapes and on odd ones. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "conv_implicit.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/ops/conv2d.h"

static size_t xsize(const struct conv2d_shape *s)
{
    return (size_t)s->n * s->ic * s->ih * s->iw;
}
static size_t wsize(const struct conv2d_shape *s)
{
    return (size_t)s->oc * s->ic * s->kh * s->kw;
}
static size_t ysize(const struct conv2d_shape *s)
{
    return (size_t)s->n * s->oc * conv2d_out_h(s) * conv2d_out_w(s);
}

/* The model's six convolutions (spec section 3), at a small batch. */
static const struct conv2d_shape model[] = {
    {4, 1, 28, 28, 16, 5, 5, 0},  {4, 16, 12, 12, 16, 3, 3, 1}, {4, 16, 12, 12, 16, 5, 5, 2},
    {5, 16, 12, 12, 32, 3, 3, 0}, {8, 32, 5, 5, 32, 3, 3, 1},   {8, 32, 5, 5, 32, 5, 5, 2},
};

/* The output-channel count the channel-lane kernel takes: exactly two vectors of them. */
static int two_vectors_of_channels(void)
{
    int two_vectors = 0;
    for (int oc = 8; oc <= 32; oc *= 2)
        if (conv_implicit_weight_grad_cl_ok(&(struct conv2d_shape){1, 1, 4, 4, oc, 3, 3, 1}))
            two_vectors = oc;
    return two_vectors;
}

static void test_conv_implicit_picks_on_model_shapes(void **state)
{
    (void)state;
    const int fwd[] = {1, 1, 1, 1, 1, 1}, in_grad[] = {1, 1, 1, 1, 1, 1},
              dwt[] = {1, 1, 1, 1, 1, 0};
    for (int l = 0; l < 6; l++) {
        assert_int_equal(conv_implicit_ok(&model[l], 0), fwd[l]);
        assert_int_equal(conv_implicit_ok(&model[l], 1), in_grad[l]);
        assert_int_equal(conv_implicit_weight_grad_ok(&model[l]), dwt[l]);
        /* the path sets the order of the sums: it may not depend on the batch */
        struct conv2d_shape one = model[l];
        one.n = 1;
        assert_int_equal(conv_implicit_ok(&one, 0), fwd[l]);
        assert_int_equal(conv_implicit_ok(&one, 1), in_grad[l]);
        assert_int_equal(conv_implicit_weight_grad_ok(&one), dwt[l]);
    }
#if defined(__AVX512F__) /* 32 output channels are two vectors of 16 */
    const int cl[] = {0, 0, 0, 1, 1, 1};
    for (int l = 0; l < 6; l++)
        assert_int_equal(conv_implicit_weight_grad_cl_ok(&model[l]), cl[l]);
#endif
    assert_true(two_vectors_of_channels() > 0);
}

/* Every kernel that takes shape s against conv2d_forward_ref / conv2d_backward_ref. */
static void check_kernels(const struct conv2d_shape *s, struct rng *r)
{
    size_t nx = xsize(s), nw = wsize(s), ny = ysize(s), no = (size_t)s->oc;
    size_t need = conv_implicit_scratch_floats(s, 0);
    size_t more[] = {conv_implicit_scratch_floats(s, 1),
                     conv_implicit_weight_grad_scratch_floats(s),
                     conv_implicit_weight_grad_cl_scratch_floats(s)};
    for (int i = 0; i < 3; i++)
        need = more[i] > need ? more[i] : need;
    float *x = tu_random_floats(nx, r), *w = tu_random_floats(nw, r);
    float *b = tu_random_floats(no, r), *dy = tu_random_floats(ny, r);
    float *y = tu_random_floats(ny, r), *yref = tu_random_floats(ny, r);
    float *yr = tu_random_floats(ny, r), *scratch = tu_random_floats(need, r);
    float *dx = tu_random_floats(nx, r), *dw0 = tu_random_floats(nw, r);
    float *db0 = tu_random_floats(no, r);
    float *dx2 = malloc(nx * 4), *dw2 = malloc(nw * 4), *db2 = malloc(no * 4);
    float *dw = malloc(nw * 4), *db = malloc(no * 4);
    memcpy(dx2, dx, nx * 4), memcpy(dw2, dw0, nw * 4), memcpy(db2, db0, no * 4);
    int k = s->ic * s->kh * s->kw;
    double terms = (double)ny / s->oc + 1;
    if (conv_implicit_ok(s, 0)) {
        conv_implicit_forward(y, x, w, NULL, b, 0, scratch, s);
        conv2d_forward_ref(yref, x, w, b, s);
        for (size_t i = 0; i < ny; i++)
            assert_float_equal(y[i], yref[i], 2e-6 * (k + 1));
        /* the fused ReLU: exactly relu of the same sums */
        conv_implicit_forward(yr, x, w, NULL, b, 1, scratch, s);
        for (size_t i = 0; i < ny; i++)
            assert_true(yr[i] == (y[i] > 0.0f ? y[i] : 0.0f));
    }
    conv2d_backward_ref(dx2, dw2, db2, dy, x, w, s);
    if (conv_implicit_ok(s, 1)) {
        conv_implicit_input_grad(dx, dy, w, NULL, scratch, s);
        for (size_t i = 0; i < nx; i++)
            assert_float_equal(dx[i], dx2[i], 2e-6 * (s->oc * s->kh * s->kw + 1));
    }
    for (int plan = 0; plan < 2; plan++) { /* lanes along outputs, then along channels */
        if (plan == 0 ? !conv_implicit_weight_grad_ok(s) : !conv_implicit_weight_grad_cl_ok(s))
            continue;
        memcpy(dw, dw0, nw * 4), memcpy(db, db0, no * 4);
        if (plan == 0)
            conv_implicit_weight_grad(dw, db, dy, x, scratch, s);
        else
            conv_implicit_weight_grad_cl(dw, db, dy, x, scratch, s);
        for (size_t i = 0; i < nw; i++)
            assert_float_equal(dw[i], dw2[i], 2e-6 * terms);
        for (size_t i = 0; i < no; i++)
            assert_float_equal(db[i], db2[i], 2e-6 * terms);
    }
    free(x), free(w), free(b), free(dy), free(y), free(yref), free(yr), free(scratch);
    free(dx), free(dw0), free(db0), free(dx2), free(dw2), free(db2), free(dw), free(db);
}

static void test_conv_implicit_kernels_match_reference(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 7);
    const int v2 = two_vectors_of_channels();
    assert_true(v2 > 0);
    const struct conv2d_shape shapes[] = {
        model[0],
        model[1],
        model[2],
        model[3],
        model[4],
        model[5],
        {2, 3, 9, 11, 10, 3, 3, 1},
        {3, 2, 6, 9, 7, 5, 5, 2},
        {2, 3, 7, 9, v2, 3, 3, 1}, /* the 3x3 channel-lane kernel, with padding */
        {2, 2, 6, 8, v2, 2, 3, 0}, /* rows of 3, one at a time */
        {1, 3, 6, 6, v2, 5, 5, 2}, /* rows of 5, those on the padding skipped */
        {2, 2, 5, 7, v2, 3, 4, 1}, /* any other width */
    };
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++)
        check_kernels(&shapes[t], &r);
}

/* Small odd shapes (1x1 planes, one channel, padding wider than the image, non-square kernels):
 * whichever kernels take them must agree with the direct loops. */
static void test_conv_implicit_kernels_match_reference_on_odd_shapes(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 8);
    const struct conv2d_shape shapes[] = {
        {1, 1, 1, 1, 1, 1, 1, 0}, {2, 3, 7, 5, 5, 3, 2, 0},   {1, 5, 4, 4, 3, 5, 5, 3},
        {1, 1, 9, 2, 2, 3, 1, 1}, {3, 1, 5, 5, 1, 3, 3, 1},   {2, 2, 3, 7, 3, 3, 3, 2},
        {1, 4, 6, 3, 9, 1, 1, 0}, {2, 3, 9, 11, 17, 3, 3, 1},
    };
    int forward = 0, input_grad = 0, weight_grad = 0;
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        check_kernels(&shapes[t], &r);
        forward += conv_implicit_ok(&shapes[t], 0);
        input_grad += conv_implicit_ok(&shapes[t], 1);
        weight_grad += conv_implicit_weight_grad_ok(&shapes[t]);
    }
    /* the case tests something only if some of these shapes do go this way */
    assert_true(forward > 0 && input_grad > 0 && weight_grad > 0);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_implicit_picks_on_model_shapes),
        cmocka_unit_test(test_conv_implicit_kernels_match_reference),
        cmocka_unit_test(test_conv_implicit_kernels_match_reference_on_odd_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
