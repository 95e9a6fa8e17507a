/* conv2d: a hand-computed case, the fast paths (whichever plan conv2d picks) against the direct
 * loops on every shape the model uses and on odd ones, and backward against finite differences.
 * The plans themselves have their own tests (test_im2col.c, test_conv_implicit.c). */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/ops/conv2d.h"
#include "resnet_mnist/engine/rng.h"

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

static void test_conv2d_hand_computed(void **state)
{
    (void)state;
    /* 3x3 input 1..9, 2x2 kernel [1 0; 0 -1] (cross-correlation: x[p][q] - x[p+1][q+1]) gives
     * -4 everywhere, plus the bias; with pad 1 the corner (0,0) sees only x[0][0] * -1. */
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 0, 0, -1}, b[1] = {0.5f};
    struct conv2d_shape s = {1, 1, 3, 3, 1, 2, 2, 0};
    float y[4], *scratch = malloc(conv2d_scratch_floats(&s) * sizeof(float));
    conv2d_forward(y, x, w, b, scratch, &s);
    free(scratch);
    for (int i = 0; i < 4; i++)
        assert_float_equal(y[i], -3.5f, 0);
    struct conv2d_shape sp = {1, 1, 3, 3, 1, 2, 2, 1};
    float yp[16], *scratch_p = malloc(conv2d_scratch_floats(&sp) * sizeof(float));
    assert_int_equal(conv2d_out_h(&sp), 4);
    conv2d_forward(yp, x, w, b, scratch_p, &sp);
    free(scratch_p);
    assert_float_equal(yp[0], 0.5f - 1.0f, 0);        /* only x[0][0] under the -1 tap */
    assert_float_equal(yp[15], 0.5f + 9.0f, 0);       /* only x[2][2] under the +1 tap */
    assert_float_equal(yp[5], 0.5f + 1.0f - 5.0f, 0); /* interior: x[0][0] - x[1][1] */
}

/* Runs forward and backward through both paths and compares; returns nothing, fails inside. */
static void check_against_reference(struct conv2d_shape s, struct rng *r)
{
    size_t nx = xsize(&s), nw = wsize(&s), ny = ysize(&s);
    float *x = tu_random_floats(nx, r), *w = tu_random_floats(nw, r),
          *b = tu_random_floats((size_t)s.oc, r), *dy = tu_random_floats(ny, r);
    float *y = tu_random_floats(ny, r), *yref = tu_random_floats(ny, r);
    float *scratch = malloc(conv2d_scratch_floats(&s) * sizeof(float));
    assert_non_null(scratch);
    conv2d_forward(y, x, w, b, scratch, &s);
    conv2d_forward_ref(yref, x, w, b, &s);
    int k = s.ic * s.kh * s.kw;
    for (size_t i = 0; i < ny; i++)
        if (fabsf(y[i] - yref[i]) > 2e-6f * (k + 1))
            fail_msg("forward n=%d ic=%d %dx%d oc=%d k=%dx%d pad=%d: y[%zu] = %g, ref %g", s.n,
                     s.ic, s.ih, s.iw, s.oc, s.kh, s.kw, s.pad, i, y[i], yref[i]);
    float *yr = tu_random_floats(ny, r); /* the fused ReLU: exactly relu(y) */
    conv2d_forward_relu(yr, x, w, b, scratch, &s);
    for (size_t i = 0; i < ny; i++)
        assert_true(yr[i] == (y[i] > 0.0f ? y[i] : 0.0f));
    free(yr);
    /* backward adds: start both from the same non-zero values */
    float *dx = tu_random_floats(nx, r), *dw = tu_random_floats(nw, r),
          *db = tu_random_floats((size_t)s.oc, r);
    float *dx2 = malloc(nx * sizeof *dx2), *dw2 = malloc(nw * sizeof *dw2);
    float *db2 = malloc((size_t)s.oc * sizeof *db2);
    memcpy(dx2, dx, nx * sizeof *dx);
    memcpy(dw2, dw, nw * sizeof *dw);
    memcpy(db2, db, (size_t)s.oc * sizeof *db);
    /* the weights packed once (conv2d_pack) give bitwise the same results, forward and back */
    float *pack = malloc((conv2d_pack_floats(&s) + 1) * sizeof(float));
    float *yp = malloc(ny * sizeof *yp), *dx3 = malloc(nx * sizeof *dx3),
          *dw3 = malloc(nw * sizeof *dw3), *db3 = malloc((size_t)s.oc * sizeof *db3);
    assert_true(pack && yp && dx3 && dw3 && db3);
    conv2d_pack(pack, w, &s);
    conv2d_forward_packed(yp, x, w, pack, b, 0, scratch, &s);
    assert_memory_equal(yp, y, ny * sizeof *y);
    memcpy(dx3, dx, nx * sizeof *dx);
    memcpy(dw3, dw, nw * sizeof *dw);
    memcpy(db3, db, (size_t)s.oc * sizeof *db);
    conv2d_backward_packed(dx3, dw3, db3, dy, x, w, pack, scratch, &s);
    conv2d_backward(dx, dw, db, dy, x, w, scratch, &s);
    assert_memory_equal(dx3, dx, nx * sizeof *dx);
    assert_memory_equal(dw3, dw, nw * sizeof *dw);
    assert_memory_equal(db3, db, (size_t)s.oc * sizeof *db);
    /* and packed one direction at a time (conv2d_pack_pass), each pass's part is the same */
    float *pass = malloc((conv2d_pack_floats(&s) + 1) * sizeof(float));
    assert_non_null(pass);
    conv2d_pack_pass(pass, w, &s, 0);
    conv2d_pack_pass(pass, w, &s, 1);
    assert_memory_equal(pass, pack, conv2d_pack_floats(&s) * sizeof(float));
    free(pass);
    free(pack), free(yp), free(dx3), free(dw3), free(db3);
    conv2d_backward_ref(dx2, dw2, db2, dy, x, w, &s);
    size_t terms = ny / (size_t)s.oc + 1;
    for (size_t i = 0; i < nx; i++)
        assert_true(fabsf(dx[i] - dx2[i]) <= 2e-6f * (s.oc * s.kh * s.kw + 1));
    for (size_t i = 0; i < nw; i++)
        if (fabsf(dw[i] - dw2[i]) > 2e-6f * terms)
            fail_msg("dw[%zu] = %g, ref %g", i, dw[i], dw2[i]);
    for (int i = 0; i < s.oc; i++)
        assert_true(fabsf(db[i] - db2[i]) <= 2e-6f * terms);
    free(x), free(w), free(b), free(dy), free(y), free(yref), free(scratch);
    free(dx), free(dw), free(db), free(dx2), free(dw2), free(db2);
}

static void test_conv2d_fast_matches_reference_on_model_shapes(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 3);
    const struct conv2d_shape shapes[] = {
        {4, 1, 28, 28, 16, 5, 5, 0},  /* conv1 */
        {5, 16, 12, 12, 16, 3, 3, 1}, /* RB1.conv1 */
        {3, 16, 12, 12, 16, 5, 5, 2}, /* RB1.conv2 */
        {5, 16, 12, 12, 32, 3, 3, 0}, /* conv2 */
        {30, 32, 5, 5, 32, 3, 3, 1},  /* RB2.conv1 */
        {30, 32, 5, 5, 32, 5, 5, 2},  /* RB2.conv2 */
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        check_against_reference(shapes[i], &r);
}

static void test_conv2d_fast_matches_reference_on_odd_shapes(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 4);
    const struct conv2d_shape shapes[] = {
        {1, 1, 1, 1, 1, 1, 1, 0},   {2, 3, 7, 5, 5, 3, 2, 0},
        {3, 2, 6, 9, 7, 5, 5, 2},   {1, 5, 4, 4, 3, 5, 5, 3}, /* padding wider than the image */
        {2, 33, 3, 3, 17, 1, 1, 0}, {1, 1, 9, 2, 2, 3, 1, 1},
        {2, 3, 9, 11, 10, 3, 3, 1}, /* 10 outputs: a block of 8 and two single ones */
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        check_against_reference(shapes[i], &r);
}

/* L = sum(r * conv(x, w, b)) in double. */
static double conv_loss(const float *x, const float *w, const float *b, const float *rw, float *y,
                        const struct conv2d_shape *s)
{
    conv2d_forward_ref(y, x, w, b, s);
    double sum = 0;
    for (size_t i = 0; i < ysize(s); i++)
        sum += (double)rw[i] * y[i];
    return sum;
}

/* Central differences on every input, weight and bias. The loss is linear in each of them, so
 * the difference is exact but for float rounding of y; with eps = 0.25 that rounding stays
 * below 1e-4, the stated tolerance (absolute, gradients are O(1)). */
static void test_conv2d_backward_matches_finite_differences(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 5);
    struct conv2d_shape s = {2, 3, 6, 5, 4, 3, 3, 1};
    size_t nx = xsize(&s), nw = wsize(&s), ny = ysize(&s);
    float *x = tu_random_floats(nx, &r), *w = tu_random_floats(nw, &r),
          *b = tu_random_floats(4, &r), *rw = tu_random_floats(ny, &r);
    float *y = malloc(ny * sizeof *y), *scratch = malloc(conv2d_scratch_floats(&s) * 4);
    float *dx = calloc(nx, 4), *dw = calloc(nw, 4), *db = calloc(4, 4);
    conv2d_backward(dx, dw, db, rw, x, w, scratch, &s);
    const float eps = 0.25f;
    float *vars[3] = {x, w, b}, *grads[3] = {dx, dw, db};
    size_t counts[3] = {nx, nw, 4};
    for (int v = 0; v < 3; v++)
        for (size_t i = 0; i < counts[v]; i++) {
            float keep = vars[v][i];
            vars[v][i] = keep + eps;
            double up = conv_loss(x, w, b, rw, y, &s);
            vars[v][i] = keep - eps;
            double down = conv_loss(x, w, b, rw, y, &s);
            vars[v][i] = keep;
            double fd = (up - down) / (2.0 * eps);
            if (fabs(fd - grads[v][i]) > 1e-4)
                fail_msg("variable %d index %zu: analytic %.7g, finite difference %.7g", v, i,
                         grads[v][i], fd);
        }
    free(x), free(w), free(b), free(rw), free(y), free(scratch), free(dx), free(dw), free(db);
}

static void test_conv2d_backward_accumulates_and_skips_null_dx(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 6);
    struct conv2d_shape s = {2, 1, 8, 8, 3, 5, 5, 0};
    float *x = tu_random_floats(xsize(&s), &r), *w = tu_random_floats(wsize(&s), &r),
          *dy = tu_random_floats(ysize(&s), &r);
    float *scratch = malloc(conv2d_scratch_floats(&s) * 4);
    float *dw1 = calloc(wsize(&s), 4), *dw2 = calloc(wsize(&s), 4), db1[3] = {0}, db2[3] = {0};
    conv2d_backward(NULL, dw1, db1, dy, x, w, scratch, &s);
    conv2d_backward(NULL, dw2, db2, dy, x, w, scratch, &s);
    conv2d_backward(NULL, dw2, db2, dy, x, w, scratch, &s);
    for (size_t i = 0; i < wsize(&s); i++)
        assert_float_equal(dw2[i], 2.0f * dw1[i], 1e-5);
    for (int i = 0; i < 3; i++)
        assert_float_equal(db2[i], 2.0f * db1[i], 1e-5);
    free(x), free(w), free(dy), free(scratch), free(dw1), free(dw2);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv2d_hand_computed),
        cmocka_unit_test(test_conv2d_fast_matches_reference_on_model_shapes),
        cmocka_unit_test(test_conv2d_fast_matches_reference_on_odd_shapes),
        cmocka_unit_test(test_conv2d_backward_matches_finite_differences),
        cmocka_unit_test(test_conv2d_backward_accumulates_and_skips_null_dx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
