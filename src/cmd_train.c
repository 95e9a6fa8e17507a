/* resnet-mnist train: the tutorial's training loop with checkpoints, metrics and a plot. */
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
#include "resnet_mnist/fileio.h"
#include "resnet_mnist/idx.h"
#include "resnet_mnist/model.h"
#include "resnet_mnist/plot.h"
#include "resnet_mnist/train.h"

struct train_cli {
    int epochs, batch_size, limit_train, limit_test, shuffle, log_every, threads;
    float lr, momentum;
    uint64_t seed;
    const char *data_dir, *out_dir, *init_path;
};

static void train_help(FILE *fp)
{
    fprintf(fp,
            "Usage: " PROGRAM " train [OPTIONS]\n"
            "Train the tutorial's ResNet on MNIST; after every epoch evaluate it on the test set\n"
            "and keep the best epoch's weights.\n"
            "\n"
            "  --epochs N         epochs to run (default 50)\n"
            "  --batch-size N     images per SGD step and per test batch (default 30)\n"
            "  --lr X             learning rate (default 0.005)\n"
            "  --momentum X       SGD momentum, PyTorch's form (default 0.5)\n"
            "  --seed S           seed for initialisation and shuffling (default 0)\n"
            "  --data DIR         MNIST folder (default $RESNET_MNIST_DATA or data/mnist)\n"
            "  --out DIR          output folder, which must exist (default .)\n"
            "  --limit-train N    use only the first N training images\n"
            "  --limit-test N     use only the first N test images\n"
            "  --no-shuffle       keep file order instead of reshuffling every epoch\n"
            "  --init FILE        start from the weights of a checkpoint (safetensors)\n"
            "  --threads N        worker threads (default: the online CPUs); results do not\n"
            "                     depend on it\n"
            "  --log-every N      print 'epoch: E num: N Loss: L' every N batches\n"
            "                     (default 300, as the tutorial; 0 turns it off)\n"
            "  -h, --help         show this help and exit\n"
            "\n"
            "Writes into the output folder: best.bin (the best epoch so far), last.bin (the\n"
            "final weights), metrics.csv (one row per epoch) and accuracy.png.\n"
            "\n"
            "Example:\n"
            "  " PROGRAM " train --epochs 2 --out runs/first\n");
}

static int train_parse(int argc, char **argv, struct train_cli *o)
{
    enum {
        O_EPOCHS = 256,
        O_BATCH,
        O_LR,
        O_MOM,
        O_SEED,
        O_DATA,
        O_OUT,
        O_LTRAIN,
        O_LTEST,
        O_NOSHUF,
        O_INIT,
        O_LOGEVERY,
        O_THREADS
    };
    static const struct option opts[] = {
        {"epochs", required_argument, 0, O_EPOCHS},
        {"batch-size", required_argument, 0, O_BATCH},
        {"lr", required_argument, 0, O_LR},
        {"momentum", required_argument, 0, O_MOM},
        {"seed", required_argument, 0, O_SEED},
        {"data", required_argument, 0, O_DATA},
        {"out", required_argument, 0, O_OUT},
        {"limit-train", required_argument, 0, O_LTRAIN},
        {"limit-test", required_argument, 0, O_LTEST},
        {"no-shuffle", no_argument, 0, O_NOSHUF},
        {"init", required_argument, 0, O_INIT},
        {"log-every", required_argument, 0, O_LOGEVERY},
        {"threads", required_argument, 0, O_THREADS},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    *o = (struct train_cli){.epochs = 50,
                            .batch_size = 30,
                            .lr = 0.005f,
                            .momentum = 0.5f,
                            .seed = 0,
                            .shuffle = 1,
                            .log_every = 300,
                            .data_dir = default_data_dir(),
                            .out_dir = ".",
                            .threads = pool_online_cpus()};
    const char *cmd = "train";
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_EPOCHS:
            rc = parse_int(cmd, "--epochs", optarg, 1, 100000, &o->epochs);
            break;
        case O_BATCH:
            rc = parse_int(cmd, "--batch-size", optarg, 1, MAX_BATCH, &o->batch_size);
            break;
        case O_LR:
            rc = parse_float(cmd, "--lr", optarg, 0, 1, 1e6, &o->lr);
            break;
        case O_MOM:
            rc = parse_float(cmd, "--momentum", optarg, 0, 0, 1, &o->momentum);
            break;
        case O_SEED:
            rc = parse_u64(cmd, "--seed", optarg, &o->seed);
            break;
        case O_DATA:
            o->data_dir = optarg;
            break;
        case O_OUT:
            o->out_dir = optarg;
            break;
        case O_LTRAIN:
            rc = parse_int(cmd, "--limit-train", optarg, 1, 1 << 30, &o->limit_train);
            break;
        case O_LTEST:
            rc = parse_int(cmd, "--limit-test", optarg, 1, 1 << 30, &o->limit_test);
            break;
        case O_NOSHUF:
            o->shuffle = 0;
            break;
        case O_INIT:
            o->init_path = optarg;
            break;
        case O_LOGEVERY:
            rc = parse_int(cmd, "--log-every", optarg, 0, 1 << 30, &o->log_every);
            break;
        case O_THREADS:
            rc = parse_int(cmd, "--threads", optarg, 1, MAX_THREADS, &o->threads);
            break;
        case 'h':
            train_help(stdout);
            return -1;
        case ':':
            return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc == 0 && optind < argc)
        return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return rc;
}

/* The output folder must exist and be writable: found out now, not after an hour of training. */
static int check_out_dir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        error_line("%s: output folder does not exist (create it first)", dir);
        return 1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        error_line("%s: output path is not a folder", dir);
        return 1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        error_line("%s: output folder is not writable: %s", dir, strerror(errno));
        return 1;
    }
    return 0;
}

struct epoch_record {
    double train_loss, test_loss, accuracy, seconds;
    int correct, total;
};

static int write_metrics(const char *path, const struct epoch_record *h, int epochs,
                         struct rm_status *st)
{
    struct atomic_file af;
    if (atomic_file_open(&af, path, st) != 0)
        return -1;
    fprintf(af.fp, "epoch,train_loss,test_loss,test_accuracy,seconds\n");
    for (int e = 0; e < epochs; e++)
        fprintf(af.fp, "%d,%.6f,%.6f,%.6f,%.3f\n", e + 1, h[e].train_loss, h[e].test_loss,
                h[e].accuracy, h[e].seconds);
    return atomic_file_commit(&af, st);
}

static int write_accuracy_plot(const char *path, const struct epoch_record *h, int epochs,
                               struct rm_status *st)
{
    double *x = malloc((size_t)epochs * sizeof *x), *y = malloc((size_t)epochs * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return rm_fail(st, "%s: out of memory", path);
    }
    for (int e = 0; e < epochs; e++) {
        x[e] = e + 1;
        y[e] = h[e].accuracy;
    }
    struct plot_series s = {.label = "test accuracy",
                            .x = x,
                            .y = y,
                            .n = epochs,
                            .rgb = 0x1f77b4,
                            .label_points = 1,
                            .mark_best = 1};
    struct plot_spec spec = {.title = "ResNet on MNIST: test accuracy per epoch",
                             .xlabel = "epoch",
                             .ylabel = "accuracy",
                             .series = &s,
                             .nseries = 1};
    int rc = plot_write_png(path, &spec, st);
    free(x);
    free(y);
    return rc;
}

/* The metadata that goes with a checkpoint: what it is and how it was made. */
static int fill_meta(struct ckpt_meta *meta, const struct train_cli *o, int epoch,
                     const struct epoch_record *r, int train_n, struct rm_status *st)
{
    char buf[64];
    int rc = 0;
#define META(key, ...)                                                                             \
    do {                                                                                           \
        snprintf(buf, sizeof buf, __VA_ARGS__);                                                    \
        rc |= ckpt_meta_set(meta, key, buf, st);                                                   \
    } while (0)
    META("program", "%s %s", PROGRAM, RESNET_MNIST_VERSION);
    META("epoch", "%d", epoch);
    META("test_accuracy", "%.6f", r->accuracy);
    META("test_correct", "%d", r->correct);
    META("test_total", "%d", r->total);
    META("train_images", "%d", train_n);
    META("batch_size", "%d", o->batch_size);
    META("lr", "%g", o->lr);
    META("momentum", "%g", o->momentum);
    META("seed", "%" PRIu64, o->seed);
    META("shuffle", "%s", o->shuffle ? "true" : "false");
#undef META
    return rc ? -1 : 0;
}

static int save_checkpoint(const char *path, const struct model *m, const struct train_cli *o,
                           int epoch, const struct epoch_record *r, int train_n,
                           struct rm_status *st)
{
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    struct ckpt_meta meta = {0};
    model_ckpt_tensors(m, m->params, t);
    int rc = fill_meta(&meta, o, epoch, r, train_n, st);
    if (rc == 0)
        rc = ckpt_save(path, t, MODEL_PARAM_COUNT, &meta, st);
    ckpt_meta_free(&meta);
    return rc;
}

struct progress {
    int epoch, log_every;
};

/* The tutorial's line, every log_every batches: "epoch: 1 num: 300 Loss: 0.1234". */
static void on_batch(void *ctx, int batch, int batches, double loss)
{
    (void)batches;
    const struct progress *p = ctx;
    if (p->log_every > 0 && batch % p->log_every == 0) {
        printf("epoch: %d num: %d Loss: %.6f\n", p->epoch, batch, loss);
        fflush(stdout);
    }
}

int cmd_train(int argc, char **argv)
{
    struct train_cli o;
    int rc = train_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (check_out_dir(o.out_dir) != 0)
        return 1;

    struct idx_dataset train = {0}, test = {0};
    struct model m = {0};
    struct trainer t = {0};
    struct epoch_record *hist = NULL;
    char *best_path = join_path(o.out_dir, "best.bin"),
         *last_path = join_path(o.out_dir, "last.bin");
    char *csv_path = join_path(o.out_dir, "metrics.csv");
    char *png_path = join_path(o.out_dir, "accuracy.png");
    struct rm_status st;
    rc = 1;
    if (!best_path || !last_path || !csv_path || !png_path) {
        error_line("out of memory");
        goto done;
    }
    if (load_split(&train, o.data_dir, MNIST_SPLIT_TRAIN, o.limit_train) ||
        load_split(&test, o.data_dir, MNIST_SPLIT_TEST, o.limit_test))
        goto done;
    if (model_init(&m, o.batch_size, o.threads, &st) != 0) {
        error_line("%s", st.msg);
        goto done;
    }
    struct rng init_rng;
    rng_seed(&init_rng, o.seed);
    model_init_params(&m, &init_rng);
    if (o.init_path) {
        struct ckpt_tensor tensors[MODEL_PARAM_COUNT];
        model_ckpt_tensors(&m, m.params, tensors);
        if (ckpt_load(o.init_path, tensors, MODEL_PARAM_COUNT, NULL, &st) != 0) {
            error_line("%s", st.msg);
            goto done;
        }
    }
    /* shuffling draws from its own stream, so --init does not change the batch order */
    if (trainer_init(&t, &m, &train, o.seed ^ 0x53485546464c45ull, o.shuffle, o.lr, o.momentum,
                     &st) != 0) {
        error_line("%s", st.msg);
        goto done;
    }
    hist = calloc((size_t)o.epochs, sizeof *hist);
    if (!hist) {
        error_line("out of memory");
        goto done;
    }
    printf("training on %d images, testing on %d, batch %d, lr %g, momentum %g, seed %" PRIu64
           ", %d thread%s%s\n",
           train.n, test.n, o.batch_size, o.lr, o.momentum, o.seed, o.threads,
           o.threads == 1 ? "" : "s", o.init_path ? ", weights from --init" : "");
    fflush(stdout);

    int best_epoch = 0;
    double best_acc = -1;
    for (int e = 1; e <= o.epochs; e++) {
        double t0 = now_seconds();
        struct progress p = {e, o.log_every};
        int bad_batch = 0;
        double train_loss = trainer_run_epoch(&t, on_batch, &p, &bad_batch);
        if (!isfinite(train_loss)) {
            error_line("training diverged: the loss is %s at epoch %d, batch %d; try a smaller "
                       "--lr (now %g)%s",
                       isnan(train_loss) ? "NaN" : "infinite", e, bad_batch, o.lr,
                       best_epoch ? "; best.bin keeps the best earlier epoch" : "");
            goto done;
        }
        struct eval_result ev;
        evaluate(&m, &test, &ev);
        struct epoch_record *r = &hist[e - 1];
        *r = (struct epoch_record){
            train_loss,         ev.loss,    ev.total ? (double)ev.correct / ev.total : 0,
            now_seconds() - t0, ev.correct, ev.total};
        printf("epoch %d: test accuracy %.2f%% (%d/%d), train loss %.4f, test loss %.4f, %.1f s\n",
               e, 100.0 * r->accuracy, ev.correct, ev.total, train_loss, ev.loss, r->seconds);
        fflush(stdout);
        if (r->accuracy > best_acc) {
            best_acc = r->accuracy;
            best_epoch = e;
            if (save_checkpoint(best_path, &m, &o, e, r, train.n, &st) != 0) {
                error_line("%s", st.msg);
                goto done;
            }
        }
        /* everything is rewritten every epoch, so an interrupted run keeps what it did */
        if (save_checkpoint(last_path, &m, &o, e, r, train.n, &st) != 0 ||
            write_metrics(csv_path, hist, e, &st) != 0 ||
            write_accuracy_plot(png_path, hist, e, &st) != 0) {
            error_line("%s", st.msg);
            goto done;
        }
    }
    printf("best test accuracy %.2f%% (%d/%d) at epoch %d\n", 100.0 * best_acc,
           hist[best_epoch - 1].correct, hist[best_epoch - 1].total, best_epoch);
    printf("wrote %s (best epoch), %s (last epoch), %s and %s\n", best_path, last_path, csv_path,
           png_path);
    rc = 0;
done:
    free(hist);
    trainer_free(&t);
    model_free(&m);
    idx_free(&train);
    idx_free(&test);
    free(best_path);
    free(last_path);
    free(csv_path);
    free(png_path);
    return rc;
}
