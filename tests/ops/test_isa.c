/* The kernels' instruction-set paths (isa.h): names, which CPU can run which path (fed made-up
 * feature sets, so that every case is tested on any CPU), the choice from $RESNET_MNIST_ISA,
 * and the whole model's forward pass, gradients and SGD step on every path this CPU runs,
 * which must agree with each other to the golden tolerance (tests/engine/test_model.c holds
 * each path to PyTorch when CTest runs it per path). */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/ops/gemm.h"
#include "resnet_mnist/ops/isa.h"

#define GOLDEN_TOL 1e-5

static void test_isa_names_round_trip(void **state)
{
    (void)state;
    const char *names[ISA_PATHS] = {"baseline", "avx2", "avx512"};
    const int floats[ISA_PATHS] = {4, 8, 16};
    for (int p = 0; p < ISA_PATHS; p++) {
        enum isa_path got = ISA_PATHS;
        assert_int_equal(isa_parse_path(names[p], &got), 0);
        assert_int_equal(got, p);
        assert_string_equal(isa_path_name((enum isa_path)p), names[p]);
        assert_int_equal(isa_path_floats((enum isa_path)p), floats[p]);
    }
    assert_string_equal(isa_path_label(ISA_PATH_AVX512), "AVX-512");
    assert_string_equal(isa_path_label(ISA_PATH_AVX2), "AVX2+FMA");
    assert_string_equal(isa_path_label(ISA_PATH_BASELINE), "SSE2");
    assert_non_null(strstr(isa_path_needs(ISA_PATH_AVX512), "x86-64-v4"));
    assert_non_null(strstr(isa_path_needs(ISA_PATH_AVX2), "x86-64-v3"));
    /* exact names only */
    const char *bad[] = {"", "AVX512", "avx", "avx-512", "avx512 ", "sse2", "native"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        enum isa_path got = ISA_PATH_AVX2;
        assert_int_equal(isa_parse_path(bad[i], &got), -1);
        assert_int_equal(got, ISA_PATH_AVX2); /* untouched */
    }
}

/* Which path a CPU can run, for CPUs this machine may not be: none of the levels, x86-64-v3
 * only, both, and v4's bit without v3's (not a real CPU: still no AVX-512 path). */
static void test_isa_paths_follow_the_features(void **state)
{
    (void)state;
    const unsigned v3 = ISA_FEATURE_X86_64_V3, v4 = ISA_FEATURE_X86_64_V4;
    const unsigned sets[4] = {0, v3, v3 | v4, v4};
    const int want[4][ISA_PATHS] = {{1, 0, 0}, {1, 1, 0}, {1, 1, 1}, {1, 0, 0}};
    for (int s = 0; s < 4; s++)
        for (int p = 0; p < ISA_PATHS; p++)
            if (isa_path_supported((enum isa_path)p, sets[s]) != want[s][p])
                fail_msg("features %#x, path %s: supported %d, want %d", sets[s],
                         isa_path_name((enum isa_path)p),
                         isa_path_supported((enum isa_path)p, sets[s]), want[s][p]);
    if (isa_path_compiled(ISA_PATH_AVX512) && isa_path_compiled(ISA_PATH_AVX2)) {
        /* the dispatching build: the widest path the features allow */
        assert_int_equal(isa_best_path(0), ISA_PATH_BASELINE);
        assert_int_equal(isa_best_path(v3), ISA_PATH_AVX2);
        assert_int_equal(isa_best_path(v3 | v4), ISA_PATH_AVX512);
        assert_int_equal(isa_best_path(v4), ISA_PATH_BASELINE);
    } else {
        /* a native build has one path, whatever the features */
        int compiled = 0;
        for (int p = 0; p < ISA_PATHS; p++)
            compiled += isa_path_compiled((enum isa_path)p);
        assert_int_equal(compiled, 1);
        assert_true(isa_path_compiled(isa_best_path(0)));
    }
}

/* The first ops call chooses the path: $RESNET_MNIST_ISA's when set (CTest runs the ops and
 * engine tests once per path that way), else the widest this CPU runs. Selecting a path the
 * CPU lacks fails and changes nothing. */
static void test_isa_first_choice_and_select(void **state)
{
    (void)state;
    unsigned features = isa_read_features();
    const char *env = getenv("RESNET_MNIST_ISA");
    enum isa_path want = isa_best_path(features);
    if (env && *env)
        assert_int_equal(isa_parse_path(env, &want), 0);
    assert_int_equal(isa_active_path(), want);
    for (int p = 0; p < ISA_PATHS; p++) {
        int runs =
            isa_path_compiled((enum isa_path)p) && isa_path_supported((enum isa_path)p, features);
        enum isa_path before = isa_active_path();
        assert_int_equal(isa_select_path((enum isa_path)p), runs ? 0 : -1);
        assert_int_equal(isa_active_path(), runs ? (enum isa_path)p : before);
    }
    assert_int_equal(isa_select_path(ISA_PATHS), -1);
}

/* The path's vector width reaches the kernels: gemm's packed B is laid out in panels of two
 * vectors, so its size for one column is 2 * isa_path_floats. */
static void test_isa_selected_path_runs(void **state)
{
    (void)state;
    unsigned features = isa_read_features();
    for (int p = 0; p < ISA_PATHS; p++) {
        if (isa_select_path((enum isa_path)p) != 0)
            continue;
        assert_true(isa_path_supported((enum isa_path)p, features));
        assert_int_equal(gemm_packed_b_floats(1, 1),
                         (size_t)(2 * isa_path_floats((enum isa_path)p)));
    }
}

struct path_result {
    enum isa_path path;
    float z[30 * MODEL_CLASSES];
    double loss;
    float *grads, *params; /* MODEL_PARAM_FLOATS each */
};

/* One forward pass, loss, backward pass and SGD step of the golden batch from the golden
 * initial weights (tests/golden), on 2 threads, with path p's kernels. */
static void run_on_path(struct path_result *r, enum isa_path p, const struct idx_dataset *batch)
{
    assert_int_equal(isa_select_path(p), 0);
    struct model m;
    struct rm_status st;
    assert_int_equal(model_init(&m, 30, 2, &st), 0);
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(m.params, t);
    if (ckpt_load(tu_golden("init.safetensors"), t, MODEL_PARAM_COUNT, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    idx_normalize(m.x, batch->images, (size_t)30 * MODEL_INPUT_FLOATS);
    model_forward(&m, 30);
    r->path = p;
    memcpy(r->z, m.z, sizeof r->z);
    r->loss = model_loss(&m, batch->labels, 30);
    model_backward(&m, batch->labels, 30);
    r->grads = malloc(MODEL_PARAM_FLOATS * sizeof(float));
    r->params = malloc(MODEL_PARAM_FLOATS * sizeof(float));
    assert_non_null(r->grads);
    assert_non_null(r->params);
    memcpy(r->grads, m.grads, MODEL_PARAM_FLOATS * sizeof(float));
    assert_int_equal(model_sgd_step(&m, 0.005f, 0.5f), 0);
    memcpy(r->params, m.params, MODEL_PARAM_FLOATS * sizeof(float));
    model_free(&m);
}

/* a and b to GOLDEN_TOL, absolute or relative, whichever is larger (as test_model.c). */
static void expect_close(const float *a, const float *b, size_t n, const char *what,
                         enum isa_path pa, enum isa_path pb)
{
    for (size_t k = 0; k < n; k++)
        if (fabs((double)a[k] - b[k]) / fmax(1.0, fabs((double)b[k])) > GOLDEN_TOL)
            fail_msg("%s[%zu]: %s %.9g, %s %.9g", what, k, isa_path_name(pa), a[k],
                     isa_path_name(pb), b[k]);
}

static void test_isa_paths_agree_on_a_training_step(void **state)
{
    (void)state;
    struct rm_status st;
    struct idx_dataset batch;
    char *images = strdup(tu_golden("batch30-images-idx3-ubyte"));
    char *labels = strdup(tu_golden("batch30-labels-idx1-ubyte"));
    if (idx_load(&batch, images, labels, 0, &st) != 0)
        fail_msg("%s", st.msg);
    free(images);
    free(labels);
    unsigned features = isa_read_features();
    struct path_result r[ISA_PATHS];
    int count = 0;
    for (int p = 0; p < ISA_PATHS; p++)
        if (isa_path_compiled((enum isa_path)p) && isa_path_supported((enum isa_path)p, features))
            run_on_path(&r[count++], (enum isa_path)p, &batch);
    if (count < 2) {
        for (int i = 0; i < count; i++)
            free(r[i].grads), free(r[i].params);
        idx_free(&batch);
        skip(); /* one path only: a native build, or a CPU without AVX2 */
    }
    for (int i = 1; i < count; i++) {
        expect_close(r[i].z, r[0].z, 30 * MODEL_CLASSES, "logits", r[i].path, r[0].path);
        if (fabs(r[i].loss - r[0].loss) > GOLDEN_TOL)
            fail_msg("loss: %s %.9g, %s %.9g", isa_path_name(r[i].path), r[i].loss,
                     isa_path_name(r[0].path), r[0].loss);
        expect_close(r[i].grads, r[0].grads, MODEL_PARAM_FLOATS, "grads", r[i].path, r[0].path);
        expect_close(r[i].params, r[0].params, MODEL_PARAM_FLOATS, "params after the step",
                     r[i].path, r[0].path);
        print_message("%s and %s agree\n", isa_path_name(r[i].path), isa_path_name(r[0].path));
    }
    for (int i = 0; i < count; i++)
        free(r[i].grads), free(r[i].params);
    idx_free(&batch);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_names_round_trip),
        cmocka_unit_test(test_isa_paths_follow_the_features),
        cmocka_unit_test(test_isa_first_choice_and_select),
        cmocka_unit_test(test_isa_selected_path_runs),
        cmocka_unit_test(test_isa_paths_agree_on_a_training_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
