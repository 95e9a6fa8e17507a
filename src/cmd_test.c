/* resnet-mnist test: a checkpoint's accuracy on the MNIST test set. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "resnet_mnist/ckpt.h"
#include "resnet_mnist/idx.h"
#include "resnet_mnist/model.h"
#include "resnet_mnist/train.h"

static void test_help(FILE *fp)
{
    fprintf(fp, "Usage: " PROGRAM " test [OPTIONS]\n"
                "Evaluate a checkpoint on the MNIST test set and print its accuracy.\n"
                "\n"
                "  --weights FILE     checkpoint to evaluate (default best.bin); a safetensors\n"
                "                     file written by this program or by PyTorch\n"
                "  --data DIR         MNIST folder (default $RESNET_MNIST_DATA or data/mnist)\n"
                "  --limit-test N     use only the first N test images\n"
                "  --batch-size N     images per forward pass (default 30; no effect on results)\n"
                "  --threads N        worker threads (default: the online CPUs)\n"
                "  -h, --help         show this help and exit\n"
                "\n"
                "Example:\n"
                "  " PROGRAM " test --weights runs/first/best.bin\n");
}

int cmd_test(int argc, char **argv)
{
    enum { O_WEIGHTS = 256, O_DATA, O_LTEST, O_BATCH, O_THREADS };
    static const struct option opts[] = {
        {"weights", required_argument, 0, O_WEIGHTS},
        {"data", required_argument, 0, O_DATA},
        {"limit-test", required_argument, 0, O_LTEST},
        {"batch-size", required_argument, 0, O_BATCH},
        {"threads", required_argument, 0, O_THREADS},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *cmd = "test", *weights = "best.bin", *data_dir = default_data_dir();
    int limit = 0, batch = 30, threads = pool_online_cpus(), c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_WEIGHTS:
            weights = optarg;
            break;
        case O_DATA:
            data_dir = optarg;
            break;
        case O_LTEST:
            rc = parse_int(cmd, "--limit-test", optarg, 1, 1 << 30, &limit);
            break;
        case O_BATCH:
            rc = parse_int(cmd, "--batch-size", optarg, 1, MAX_BATCH, &batch);
            break;
        case O_THREADS:
            rc = parse_int(cmd, "--threads", optarg, 1, MAX_THREADS, &threads);
            break;
        case 'h':
            test_help(stdout);
            return 0;
        case ':':
            return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    struct model m = {0};
    struct idx_dataset test = {0};
    struct ckpt_meta meta = {0};
    struct rm_status st;
    rc = 1;
    if (model_init(&m, batch, threads, &st) != 0) {
        error_line("%s", st.msg);
        goto done;
    }
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    model_ckpt_tensors(&m, m.params, t);
    /* the checkpoint first: a wrong file is reported before the data is read */
    if (ckpt_load(weights, t, MODEL_PARAM_COUNT, &meta, &st) != 0) {
        error_line("%s", st.msg);
        goto done;
    }
    if (load_split(&test, data_dir, MNIST_SPLIT_TEST, limit))
        goto done;
    struct eval_result ev;
    evaluate(&m, &test, &ev);
    printf("%s: test accuracy %.2f%% (%d/%d), test loss %.4f\n", weights,
           ev.total ? 100.0 * ev.correct / ev.total : 0.0, ev.correct, ev.total, ev.loss);
    const char *epoch = ckpt_meta_get(&meta, "epoch");
    const char *rec_correct = ckpt_meta_get(&meta, "test_correct");
    const char *rec_total = ckpt_meta_get(&meta, "test_total");
    if (epoch && rec_correct && rec_total)
        printf("(training recorded %s/%s at epoch %s)\n", rec_correct, rec_total, epoch);
    rc = 0;
done:
    ckpt_meta_free(&meta);
    idx_free(&test);
    model_free(&m);
    return rc;
}
