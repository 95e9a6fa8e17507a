/* resnet-mnist bench: how fast training and inference run on this machine, per layer, against
 * the machine's own measured FMA peak. Synthetic input: no MNIST download needed. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "resnet_mnist/engine/clock.h"
#include "resnet_mnist/engine/fma_probe.h"
#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/io/median.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/evaluation.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/ops/isa.h"

static void bench_help(FILE *fp)
{
    fprintf(fp, "Usage: " PROGRAM " bench [OPTIONS]\n"
                "Measure training and inference speed on synthetic MNIST-sized input: time per\n"
                "layer, GFLOP/s, images/s, and the fraction of the machine's peak, which a short\n"
                "FMA probe measures. Figures are medians over the runs.\n"
                "\n"
                "  --threads N        worker threads (default: the online CPUs)\n"
                "  --batch-size N     images per step (default 30, as the tutorial)\n"
                "  --steps N          training steps per run (default 200)\n"
                "  --runs N           runs to take the median of (default 5)\n"
                "  --conv MODE        direct (default) or fast: conv2's forward pass and input\n"
                "                     gradient by Winograd, with fewer multiplications than the\n"
                "                     nominal count that GFLOP/s and %% of peak are based on\n"
                "  --json             print one JSON object instead of tables\n"
                "  -h, --help         show this help and exit\n"
                "\n"
                "Example:\n"
                "  " PROGRAM " bench --threads 1\n");
}

/* Random pixels and labels: speed does not depend on the values. */
static int synthetic_dataset(struct idx_dataset *ds, int n)
{
    ds->n = n;
    ds->images = malloc((size_t)n * MNIST_PIXELS);
    ds->labels = malloc((size_t)n);
    if (!ds->images || !ds->labels)
        return -1;
    struct rng r;
    rng_seed(&r, 12345);
    for (size_t i = 0; i < (size_t)n * MNIST_PIXELS; i++)
        ds->images[i] = (uint8_t)(rng_next(&r) >> 56);
    for (int i = 0; i < n; i++)
        ds->labels[i] = (uint8_t)rng_below(&r, 10);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    enum { O_THREADS = 256, O_BATCH, O_STEPS, O_RUNS, O_CONV, O_JSON };
    static const struct option opts[] = {
        {"threads", required_argument, 0, O_THREADS},
        {"batch-size", required_argument, 0, O_BATCH},
        {"steps", required_argument, 0, O_STEPS},
        {"runs", required_argument, 0, O_RUNS},
        {"conv", required_argument, 0, O_CONV},
        {"json", no_argument, 0, O_JSON},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *cmd = "bench";
    int threads = thread_pool_online_cpus(), batch = 30, steps = 200, runs = 5, json = 0, c, rc = 0;
    enum model_conv conv = MODEL_CONV_DIRECT;
    while (rc == 0 && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_THREADS:
            rc = parse_int(cmd, "--threads", optarg, 1, MAX_THREADS, &threads);
            break;
        case O_BATCH:
            rc = parse_int(cmd, "--batch-size", optarg, 1, MAX_BATCH, &batch);
            break;
        case O_STEPS:
            rc = parse_int(cmd, "--steps", optarg, 1, 1000000, &steps);
            break;
        case O_RUNS:
            rc = parse_int(cmd, "--runs", optarg, 1, 1000, &runs);
            break;
        case O_CONV:
            rc = parse_conv(cmd, optarg, &conv);
            break;
        case O_JSON:
            json = 1;
            break;
        case 'h':
            bench_help(stdout);
            return 0;
        default:
            return option_error(cmd, c, argv);
        }
    }
    if (rc)
        return rc;
    if ((rc = no_operands(cmd, argc, argv)) != 0)
        return rc;

    struct model m = {0};
    struct idx_dataset ds = {0};
    struct trainer t = {0};
    struct thread_pool one = {0};
    struct rm_status st;
    double *stage = NULL, *train_s = NULL, *infer_s = NULL;
    rc = 1;
    if (model_init(&m, batch, threads, &st) != 0 || thread_pool_init(&one, 1, &st) != 0) {
        error_line("%s", st.msg);
        goto done;
    }
    m.conv = conv;
    if (synthetic_dataset(&ds, steps * batch) != 0) {
        error_line("out of memory for %d synthetic images", steps * batch);
        goto done;
    }
    if (trainer_init(&t, &m, &ds, 1, 1, 0.005f, 0.5f, &st) != 0) {
        error_line("%s", st.msg);
        goto done;
    }
    stage = calloc((size_t)runs * MODEL_STAGES, sizeof *stage);
    train_s = calloc((size_t)runs, sizeof *train_s);
    infer_s = calloc((size_t)runs, sizeof *infer_s);
    if (!stage || !train_s || !infer_s) {
        error_line("out of memory");
        goto done;
    }
    struct rng r;
    rng_seed(&r, 1);
    model_init_params(&m, &r);
    double peak1 = fma_probe_gflops(&one, 0.3);
    double peak = threads == 1 ? peak1 : fma_probe_gflops(&m.pool, 0.3);

    double loss;
    trainer_run_epoch(&t, NULL, NULL, NULL,
                      &loss); /* warm-up: caches, page faults, thread wake-up */
    for (int k = 0; k < runs; k++) {
        memset(m.stage_seconds, 0, sizeof m.stage_seconds);
        double t0 = clock_seconds();
        trainer_run_epoch(&t, NULL, NULL, NULL, &loss);
        train_s[k] = clock_seconds() - t0;
        for (int s = 0; s < MODEL_STAGES; s++)
            stage[(size_t)s * runs + k] = m.stage_seconds[s];
        struct eval_result ev;
        t0 = clock_seconds();
        evaluate(&m, &ds, &ev);
        infer_s[k] = clock_seconds() - t0;
    }
    int images = steps * batch;
    double train_med = median_sort(train_s, runs), infer_med = median_sort(infer_s, runs);
    double train_flops = 0, infer_flops = 0;
    for (int s = 0; s < MODEL_STAGES; s++) {
        train_flops += model_stage_flops[s];
        if (s < STAGE_LOSS)
            infer_flops += model_stage_flops[s];
    }
    double train_ips = images / train_med, infer_ips = images / infer_med;
    double train_gf = train_ips * train_flops / 1e9, infer_gf = infer_ips * infer_flops / 1e9;

    if (json) {
        cJSON *o = cJSON_CreateObject(), *layers = cJSON_AddArrayToObject(o, "stages");
        cJSON_AddStringToObject(o, "program", PROGRAM " " RESNET_MNIST_VERSION);
        cJSON_AddStringToObject(o, "isa", fma_probe_isa());
        cJSON_AddStringToObject(o, "kernels", isa_path_name(isa_active_path()));
        cJSON_AddNumberToObject(o, "vector_floats", isa_path_floats(isa_active_path()));
        cJSON_AddStringToObject(o, "conv", conv == MODEL_CONV_FAST ? "fast" : "direct");
        cJSON_AddNumberToObject(o, "threads", threads);
        cJSON_AddNumberToObject(o, "batch_size", batch);
        cJSON_AddNumberToObject(o, "steps", steps);
        cJSON_AddNumberToObject(o, "runs", runs);
        cJSON_AddNumberToObject(o, "peak_gflops_1_thread", peak1);
        cJSON_AddNumberToObject(o, "peak_gflops", peak);
        for (int s = 0; s < MODEL_STAGES; s++) {
            double sec = median_sort(stage + (size_t)s * runs, runs);
            cJSON *l = cJSON_CreateObject();
            cJSON_AddStringToObject(l, "name", model_stage_names[s]);
            cJSON_AddNumberToObject(l, "ms_per_step", 1e3 * sec / steps);
            cJSON_AddNumberToObject(l, "gflops",
                                    sec > 0 ? model_stage_flops[s] * images / sec / 1e9 : 0);
            cJSON_AddItemToArray(layers, l);
        }
        cJSON_AddNumberToObject(o, "train_images_per_s", train_ips);
        cJSON_AddNumberToObject(o, "train_gflops", train_gf);
        cJSON_AddNumberToObject(o, "train_fraction_of_peak", train_gf / peak);
        cJSON_AddNumberToObject(o, "infer_images_per_s", infer_ips);
        cJSON_AddNumberToObject(o, "infer_gflops", infer_gf);
        cJSON_AddNumberToObject(o, "infer_fraction_of_peak", infer_gf / peak);
        cJSON_AddNumberToObject(o, "epoch_seconds_estimate", 60000 / train_ips);
        cJSON_AddNumberToObject(o, "test_set_seconds_estimate", 10000 / infer_ips);
        char *text = cJSON_Print(o);
        if (text)
            puts(text);
        free(text);
        cJSON_Delete(o);
    } else {
        printf("resnet-mnist bench: batch %d, %d thread%s, %s, medians of %d runs of %d steps\n",
               batch, threads, threads == 1 ? "" : "s", fma_probe_isa(), runs, steps);
        if (conv == MODEL_CONV_FAST)
            printf("--conv fast: conv2 computes fewer multiplications than the nominal count,\n"
                   "which GFLOP/s and the share of peak still count\n");
        printf("machine peak (FMA probe): %.1f GFLOP/s on 1 thread", peak1);
        if (threads > 1)
            printf(", %.1f GFLOP/s on %d threads", peak, threads);
        enum isa_path isa = isa_active_path();
        printf("\nkernels: %s (%s, %d floats per vector)", isa_path_name(isa), isa_path_label(isa),
               isa_path_floats(isa));
        printf("\n\n%-15s %10s %10s %7s\n", "stage", "ms/step", "GFLOP/s", "share");
        double total = 0;
        for (int s = 0; s < MODEL_STAGES; s++)
            total += median_sort(stage + (size_t)s * runs, runs);
        for (int s = 0; s < MODEL_STAGES; s++) {
            double sec = median_sort(stage + (size_t)s * runs, runs);
            printf("%-15s %10.3f ", model_stage_names[s], 1e3 * sec / steps);
            if (model_stage_flops[s] > 0 && sec > 0)
                printf("%10.1f", model_stage_flops[s] * images / sec / 1e9);
            else
                printf("%10s", "-");
            printf(" %6.1f%%\n", 100 * sec / total);
        }
        printf("%-15s %10.3f\n\n", "step (wall)", 1e3 * train_med / steps);
        printf("training:  %.0f images/s, %.1f GFLOP/s, %.1f%% of peak; an epoch of 60,000 "
               "images in %.1f s\n",
               train_ips, train_gf, 100 * train_gf / peak, 60000 / train_ips);
        printf("inference: %.0f images/s, %.1f GFLOP/s, %.1f%% of peak; the 10,000 test images "
               "in %.3f s\n",
               infer_ips, infer_gf, 100 * infer_gf / peak, 10000 / infer_ips);
    }
    rc = 0;
done:
    free(stage);
    free(train_s);
    free(infer_s);
    trainer_free(&t);
    idx_free(&ds);
    model_free(&m);
    thread_pool_free(&one);
    return rc;
}
