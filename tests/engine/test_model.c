/* The whole model against PyTorch 1.13 (tests/golden, see its README): at the weights of
 * init.safetensors and on the first 30 training images, the logits and the loss of step1.json,
 * every gradient of grads1.safetensors and the weights after one SGD step of
 * step1.safetensors, all to 1e-5. */
#include "test_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_state.h"

#define GOLDEN_TOL 1e-5

struct golden {
    struct model m;
    struct idx_dataset batch;
    cJSON *json;
};

static int setup(void **state)
{
    struct golden *g = calloc(1, sizeof *g);
    assert_non_null(g);
    struct rm_status st;
    assert_int_equal(model_init(&g->m, 30, 1, &st), 0);
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(g->m.params, t);
    if (ckpt_load(tu_golden("init.safetensors"), t, MODEL_PARAM_COUNT, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    char *images = strdup(tu_golden("batch30-images-idx3-ubyte"));
    char *labels = strdup(tu_golden("batch30-labels-idx1-ubyte"));
    if (idx_load(&g->batch, images, labels, 0, &st) != 0)
        fail_msg("%s", st.msg);
    free(images);
    free(labels);
    assert_int_equal(g->batch.n, 30);
    size_t len;
    char *text = (char *)tu_read_file(tu_golden("step1.json"), &len);
    text = realloc(text, len + 1);
    text[len] = 0;
    g->json = cJSON_Parse(text);
    free(text);
    assert_non_null(g->json);
    idx_normalize(g->m.x, g->batch.images, (size_t)30 * MODEL_INPUT_FLOATS);
    *state = g;
    return 0;
}

static int teardown(void **state)
{
    struct golden *g = *state;
    model_free(&g->m);
    idx_free(&g->batch);
    cJSON_Delete(g->json);
    free(g);
    return 0;
}

static void test_model_parameter_table_matches_spec(void **state)
{
    (void)state;
    size_t total = 0;
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        size_t prod = 1;
        for (int d = 0; d < model_params[i].ndim; d++)
            prod *= (size_t)model_params[i].shape[d];
        assert_int_equal(prod, model_params[i].size);
        assert_int_equal(model_params[i].offset, total);
        total += prod;
    }
    assert_int_equal(total, 210882); /* spec section 2 */
}

static void test_model_labels_and_logits_match_pytorch(void **state)
{
    struct golden *g = *state;
    cJSON *labels = cJSON_GetObjectItem(g->json, "labels");
    cJSON *logits = cJSON_GetObjectItem(g->json, "logits");
    assert_int_equal(cJSON_GetArraySize(labels), 30);
    for (int b = 0; b < 30; b++)
        assert_int_equal(g->batch.labels[b], cJSON_GetArrayItem(labels, b)->valueint);
    model_forward(&g->m, 30);
    double worst = 0;
    for (int b = 0; b < 30; b++) {
        cJSON *row = cJSON_GetArrayItem(logits, b);
        for (int k = 0; k < 10; k++) {
            double want = cJSON_GetArrayItem(row, k)->valuedouble;
            double diff = fabs(g->m.z[b * 10 + k] - want);
            worst = diff > worst ? diff : worst;
            if (diff > GOLDEN_TOL)
                fail_msg("logit [%d][%d] = %.8f, PyTorch %.8f", b, k, g->m.z[b * 10 + k], want);
        }
    }
    print_message("worst logit difference %.3g\n", worst);
    double loss = model_loss(&g->m, g->batch.labels, 30);
    double want = cJSON_GetObjectItem(g->json, "loss_value")->valuedouble;
    print_message("loss %.8f, PyTorch %.8f\n", loss, want);
    assert_true(fabs(loss - want) < GOLDEN_TOL);
}

/* Loads a golden safetensors file of all 16 tensors and compares it with `have`, to
 * GOLDEN_TOL absolute or relative, whichever is larger. */
static void compare_with_file(const float *have, const char *file)
{
    float *want = malloc(MODEL_PARAM_FLOATS * sizeof *want);
    assert_non_null(want);
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(want, t);
    struct rm_status st;
    if (ckpt_load(tu_golden(file), t, MODEL_PARAM_COUNT, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        const struct model_param *p = &model_params[i];
        double worst = 0;
        for (size_t k = 0; k < p->size; k++) {
            double h = have[p->offset + k], w = want[p->offset + k];
            double diff = fabs(h - w) / fmax(1.0, fabs(w));
            worst = diff > worst ? diff : worst;
            if (diff > GOLDEN_TOL)
                fail_msg("%s: %s[%zu] = %.9g, PyTorch %.9g", file, p->name, k, h, w);
        }
        print_message("%-18s worst difference %.3g\n", p->name, worst);
    }
    free(want);
}

static void test_model_gradients_match_pytorch(void **state)
{
    struct golden *g = *state;
    model_forward(&g->m, 30);
    model_loss(&g->m, g->batch.labels, 30);
    model_backward(&g->m, g->batch.labels, 30);
    compare_with_file(g->m.grads, "grads1.safetensors");
    /* backward starts from zero each time: a second call gives the same gradients */
    model_backward(&g->m, g->batch.labels, 30);
    compare_with_file(g->m.grads, "grads1.safetensors");
}

static void test_model_one_sgd_step_matches_pytorch(void **state)
{
    struct golden *g = *state;
    /* the setup's weights are still the initial ones: the tests above do not step */
    model_forward(&g->m, 30);
    double loss = model_loss(&g->m, g->batch.labels, 30);
    model_backward(&g->m, g->batch.labels, 30);
    model_sgd_step(&g->m, 0.005f, 0.5f);
    double want = cJSON_GetObjectItem(g->json, "loss_value")->valuedouble;
    assert_true(fabs(loss - want) < GOLDEN_TOL);
    compare_with_file(g->m.params, "step1.safetensors");
    assert_int_equal(g->m.steps, 1);
}

static void test_model_batch_results_do_not_depend_on_batch_size(void **state)
{
    struct golden *g = *state;
    model_forward(&g->m, 30);
    float all[300];
    memcpy(all, g->m.z, sizeof all);
    /* image 17 alone, moved to the front */
    memmove(g->m.x, g->m.x + 17 * MODEL_INPUT_FLOATS, MODEL_INPUT_FLOATS * sizeof(float));
    model_forward(&g->m, 1);
    for (int k = 0; k < 10; k++)
        assert_true(g->m.z[k] == all[17 * 10 + k]); /* bitwise */
    idx_normalize(g->m.x, g->batch.images, (size_t)30 * MODEL_INPUT_FLOATS);
}

static void test_model_init_params_follows_pytorch_bounds(void **state)
{
    (void)state;
    struct model m;
    struct rm_status st;
    assert_int_equal(model_init(&m, 1, 1, &st), 0);
    struct rng r;
    rng_seed(&r, 0);
    model_init_params(&m, &r);
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        const struct model_param *p = &model_params[i];
        float bound = 1.0f / sqrtf((float)p->fan_in), lo = 0, hi = 0;
        for (size_t k = 0; k < p->size; k++) {
            float v = m.params[p->offset + k];
            assert_true(v >= -bound && v <= bound);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        /* the draws fill the range (tensors with >= 16 values) */
        if (p->size >= 16) {
            assert_true(hi > 0.5f * bound);
            assert_true(lo < -0.5f * bound);
        }
    }
    model_free(&m);
    model_free(&m); /* freeing twice is safe: free zeroes */
}

/* Groups of images have fixed sizes and every sum over them runs in group order, so 1, 2 and 3
 * threads must give bitwise the same gradients and the same step. */
static void test_model_results_do_not_depend_on_thread_count(void **state)
{
    struct golden *g = *state;
    float *want = malloc(MODEL_PARAM_FLOATS * sizeof *want);
    assert_non_null(want);
    model_forward(&g->m, 30);
    model_loss(&g->m, g->batch.labels, 30);
    model_backward(&g->m, g->batch.labels, 30);
    memcpy(want, g->m.grads, MODEL_PARAM_FLOATS * sizeof *want);
    for (int threads = 2; threads <= 3; threads++) {
        struct model m;
        struct rm_status st;
        assert_int_equal(model_init(&m, 30, threads, &st), 0);
        memcpy(m.params, g->m.params, MODEL_PARAM_FLOATS * sizeof(float));
        memcpy(m.x, g->m.x, (size_t)30 * MODEL_INPUT_FLOATS * sizeof(float));
        model_forward(&m, 30);
        assert_memory_equal(m.z, g->m.z, 300 * sizeof(float));
        model_loss(&m, g->batch.labels, 30);
        model_backward(&m, g->batch.labels, 30);
        assert_memory_equal(m.grads, want, MODEL_PARAM_FLOATS * sizeof(float));
        model_free(&m);
    }
    free(want);
}

/* model_sgd_step says when the step itself made a parameter infinite or NaN, wherever it is
 * (first, middle or last chunk of the update), and 0 for an ordinary step. */
static void test_model_sgd_step_reports_non_finite_parameters(void **state)
{
    (void)state;
    struct model m;
    struct rm_status st;
    assert_int_equal(model_init(&m, 1, 2, &st), 0);
    const size_t where[] = {0, MODEL_PARAM_FLOATS / 2, MODEL_PARAM_FLOATS - 1};
    assert_int_equal(model_sgd_step(&m, 0.01f, 0.5f), 0);
    for (int i = 0; i < 3; i++) {
        memset(m.params, 0, MODEL_PARAM_FLOATS * sizeof(float));
        memset(m.grads, 0, MODEL_PARAM_FLOATS * sizeof(float));
        m.grads[where[i]] = 3e38f; /* lr 10: -3e39 overflows to -inf */
        assert_int_equal(model_sgd_step(&m, 10.0f, 0.0f), -1);
        m.grads[where[i]] = NAN;
        assert_int_equal(model_sgd_step(&m, 0.01f, 0.0f), -1);
    }
    memset(m.params, 0, MODEL_PARAM_FLOATS * sizeof(float));
    memset(m.momentum, 0, MODEL_PARAM_FLOATS * sizeof(float));
    memset(m.grads, 0, MODEL_PARAM_FLOATS * sizeof(float));
    m.grads[7] = 1e30f; /* large but finite */
    assert_int_equal(model_sgd_step(&m, 1.0f, 0.0f), 0);
    model_free(&m);
}

/* --conv fast (conv2 by Winograd) rounds differently from the direct path, but its logits and
 * gradients still agree with PyTorch's to GOLDEN_TOL, and do not depend on the thread count. */
static void test_model_fast_conv_matches_pytorch(void **state)
{
    struct golden *g = *state;
    model_forward(&g->m, 30);
    float direct[300];
    memcpy(direct, g->m.z, sizeof direct);
    g->m.conv = MODEL_CONV_FAST;
    model_forward(&g->m, 30);
    /* the fast path was taken: rounding differs somewhere */
    assert_true(memcmp(direct, g->m.z, sizeof direct) != 0);
    cJSON *logits = cJSON_GetObjectItem(g->json, "logits");
    for (int b = 0; b < 30; b++)
        for (int k = 0; k < 10; k++) {
            double want = cJSON_GetArrayItem(cJSON_GetArrayItem(logits, b), k)->valuedouble;
            if (fabs(g->m.z[b * 10 + k] - want) > GOLDEN_TOL)
                fail_msg("fast logit [%d][%d] = %.8f, PyTorch %.8f", b, k, g->m.z[b * 10 + k],
                         want);
        }
    model_loss(&g->m, g->batch.labels, 30);
    model_backward(&g->m, g->batch.labels, 30);
    compare_with_file(g->m.grads, "grads1.safetensors");

    struct model m;
    struct rm_status st;
    assert_int_equal(model_init(&m, 30, 2, &st), 0);
    m.conv = MODEL_CONV_FAST;
    memcpy(m.params, g->m.params, MODEL_PARAM_FLOATS * sizeof(float));
    memcpy(m.x, g->m.x, (size_t)30 * MODEL_INPUT_FLOATS * sizeof(float));
    model_forward(&m, 30);
    assert_memory_equal(m.z, g->m.z, 300 * sizeof(float));
    model_loss(&m, g->batch.labels, 30);
    model_backward(&m, g->batch.labels, 30);
    assert_memory_equal(m.grads, g->m.grads, MODEL_PARAM_FLOATS * sizeof(float));
    model_free(&m);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_parameter_table_matches_spec),
        cmocka_unit_test(test_model_init_params_follows_pytorch_bounds),
        cmocka_unit_test_setup_teardown(test_model_labels_and_logits_match_pytorch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_model_gradients_match_pytorch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_one_sgd_step_matches_pytorch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_batch_results_do_not_depend_on_batch_size, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_model_results_do_not_depend_on_thread_count, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_model_fast_conv_matches_pytorch, setup, teardown),
        cmocka_unit_test(test_model_sgd_step_reports_non_finite_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
