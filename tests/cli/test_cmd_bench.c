/* resnet-mnist bench, as small as it goes (2 steps, 1 run, 1 thread; still ~0.7 s for the FMA
 * probe): the --json object has every key, echoes its settings, names every stage of the model
 * in order, and its figures are positive, finite and consistent with one another; the tables
 * name the same. No timing thresholds: only what holds on any machine. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "resnet_mnist/engine/fma_probe.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/ops/isa.h"

/* A positive finite number under key. */
static double positive(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || !(v->valuedouble > 0))
        fail_msg("%s: not a positive number", key);
    return v->valuedouble;
}

static void expect_close(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= 1e-9 * fabs(want)))
        fail_msg("%s: %.17g, expected %.17g", what, got, want);
}

static void test_cmd_bench_json_has_every_key(void **state)
{
    (void)state;
    char *out, *err;
    int rc = tu_run_program(&out, &err, "bench", "--steps", "2", "--runs", "1", "--threads", "1",
                            "--batch-size", "4", "--json", NULL);
    if (rc != 0)
        fail_msg("bench --json: exit %d: %s", rc, err);
    assert_string_equal(err, "");
    cJSON *o = cJSON_Parse(out);
    if (!o)
        fail_msg("not JSON: %s", out);
    const cJSON *program = cJSON_GetObjectItemCaseSensitive(o, "program");
    assert_true(cJSON_IsString(program));
    assert_true(strncmp(program->valuestring, "resnet-mnist ", 13) == 0);
    const cJSON *isa = cJSON_GetObjectItemCaseSensitive(o, "isa");
    assert_true(cJSON_IsString(isa));
    assert_string_equal(isa->valuestring, fma_probe_isa()); /* built with the same flags */
    /* the kernels' path: the child chooses as this process does (same CPU, same environment) */
    const cJSON *kernels = cJSON_GetObjectItemCaseSensitive(o, "kernels");
    assert_true(cJSON_IsString(kernels));
    assert_string_equal(kernels->valuestring, isa_path_name(isa_active_path()));
    const cJSON *floats = cJSON_GetObjectItemCaseSensitive(o, "vector_floats");
    assert_true(cJSON_IsNumber(floats));
    assert_int_equal(floats->valueint, isa_path_floats(isa_active_path()));
    const cJSON *conv = cJSON_GetObjectItemCaseSensitive(o, "conv");
    assert_true(cJSON_IsString(conv));
    assert_string_equal(conv->valuestring, "direct");
    const char *settings[] = {"threads", "batch_size", "steps", "runs"};
    const int want[] = {1, 4, 2, 1};
    for (int i = 0; i < 4; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, settings[i]);
        assert_true(cJSON_IsNumber(v));
        assert_int_equal(v->valueint, want[i]);
    }
    double peak1 = positive(o, "peak_gflops_1_thread"), peak = positive(o, "peak_gflops");
    expect_close(peak, peak1, "peak_gflops on 1 thread");
    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(o, "stages");
    assert_true(cJSON_IsArray(stages));
    assert_int_equal(cJSON_GetArraySize(stages), MODEL_STAGES);
    for (int s = 0; s < MODEL_STAGES; s++) {
        const cJSON *l = cJSON_GetArrayItem(stages, s);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(l, "name");
        assert_true(cJSON_IsString(name));
        assert_string_equal(name->valuestring, model_stage_names[s]);
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(l, "ms_per_step");
        const cJSON *gf = cJSON_GetObjectItemCaseSensitive(l, "gflops");
        assert_true(cJSON_IsNumber(ms) && isfinite(ms->valuedouble) && ms->valuedouble >= 0);
        assert_true(cJSON_IsNumber(gf) && isfinite(gf->valuedouble) && gf->valuedouble >= 0);
    }
    double train_ips = positive(o, "train_images_per_s"), train_gf = positive(o, "train_gflops");
    double infer_ips = positive(o, "infer_images_per_s"), infer_gf = positive(o, "infer_gflops");
    expect_close(positive(o, "train_fraction_of_peak"), train_gf / peak, "train fraction");
    expect_close(positive(o, "infer_fraction_of_peak"), infer_gf / peak, "infer fraction");
    expect_close(positive(o, "epoch_seconds_estimate"), 60000 / train_ips, "epoch estimate");
    expect_close(positive(o, "test_set_seconds_estimate"), 10000 / infer_ips, "test estimate");
    /* images/s times the FLOPs of an image: training counts every stage, inference fewer */
    double train_flops = 0;
    for (int s = 0; s < MODEL_STAGES; s++)
        train_flops += model_stage_flops[s];
    expect_close(train_gf, train_ips * train_flops / 1e9, "train GFLOP/s");
    assert_true(infer_gf / infer_ips < train_gf / train_ips);
    cJSON_Delete(o);
    free(out), free(err);
}

static void test_cmd_bench_tables(void **state)
{
    (void)state;
    char *out, *err;
    int rc = tu_run_program(&out, &err, "bench", "--steps", "2", "--runs", "1", "--threads", "1",
                            "--batch-size", "4", NULL);
    if (rc != 0)
        fail_msg("bench: exit %d: %s", rc, err);
    char want[256];
    snprintf(want, sizeof want,
             "resnet-mnist bench: batch 4, 1 thread, %s, medians of 1 runs of 2 steps\n"
             "machine peak (FMA probe): ",
             fma_probe_isa());
    if (strncmp(out, want, strlen(want)) != 0)
        fail_msg("first lines: %s", out);
    assert_non_null(strstr(out, "\nstage "));
    enum isa_path isa = isa_active_path();
    snprintf(want, sizeof want, "\nkernels: %s (%s, %d floats per vector)\n\n", isa_path_name(isa),
             isa_path_label(isa), isa_path_floats(isa));
    if (!strstr(out, want))
        fail_msg("no '%s' in: %s", want + 1, out);
    for (int s = 0; s < MODEL_STAGES; s++) {
        char line[64];
        snprintf(line, sizeof line, "\n%s ", model_stage_names[s]);
        if (!strstr(out, line))
            fail_msg("no line for stage %s: %s", model_stage_names[s], out);
    }
    assert_non_null(strstr(out, "\ntraining:  "));
    assert_non_null(strstr(out, "\ninference: "));
    free(out), free(err);
}

static void test_cmd_bench_help_and_usage(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(tu_run_program(&out, &err, "bench", "--help", NULL), 0);
    assert_non_null(strstr(out, "Usage: resnet-mnist bench"));
    assert_non_null(strstr(out, "--steps"));
    assert_non_null(strstr(out, "Example"));
    assert_string_equal(err, "");
    free(out), free(err);
    assert_int_equal(tu_run_program(&out, &err, "bench", "extra", NULL), 2);
    assert_string_equal(out, "");
    assert_string_equal(err, "resnet-mnist: unexpected argument 'extra'\n"
                             "Try 'resnet-mnist bench --help' for more information.\n");
    free(out), free(err);
    assert_int_equal(tu_run_program(&out, &err, "bench", "--runs", "1001", NULL), 2);
    assert_non_null(strstr(err, "--runs: 1001 is out of range 1..1000"));
    free(out), free(err);
    assert_int_equal(tu_run_program(&out, &err, "bench", "--conv", "winograd", NULL), 2);
    assert_non_null(strstr(err, "--conv: 'winograd' is neither direct nor fast"));
    free(out), free(err);
    /* --conv fast says that the nominal GFLOP/s overstate the multiplications done */
    assert_int_equal(tu_run_program(&out, &err, "bench", "--conv", "fast", "--steps", "1", "--runs",
                                    "1", "--threads", "1", "--batch-size", "2", NULL),
                     0);
    assert_non_null(strstr(out, "fewer multiplications than the nominal count"));
    free(out), free(err);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_bench_json_has_every_key),
        cmocka_unit_test(test_cmd_bench_tables),
        cmocka_unit_test(test_cmd_bench_help_and_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
