/* resnet-mnist train: the tutorial's training loop, with checkpoints, metrics and plots rewritten
 * after every epoch, live progress, resumption and a clean stop on SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "resnet_mnist/engine/clock.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/io/plot.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/evaluation.h"
#include "resnet_mnist/engine/trainer.h"

enum output_mode { OUT_LIVE, OUT_PLAIN, OUT_QUIET, OUT_JSON };

struct train_cli {
    int epochs, batch_size, limit_train, limit_test, shuffle, log_every, threads;
    float lr, momentum;
    uint64_t seed;
    const char *data_dir, *out_dir, *init_path, *resume_path;
    enum output_mode mode;
    int quiet, json;
    /* which options the user gave: a resumed run takes the others from its checkpoint */
    int set_batch, set_lr, set_momentum, set_seed, set_shuffle, set_ltrain, set_ltest, set_out;
};

static void train_help(FILE *fp)
{
    fprintf(fp,
            "Usage: " PROGRAM " train [OPTIONS]\n"
            "Train the tutorial's ResNet on MNIST; after every epoch evaluate it on the test set\n"
            "and keep the best epoch's weights.\n"
            "\n"
            "  --epochs N         epochs to run in all (default 50)\n"
            "  --batch-size N     images per SGD step and per test batch (default 30)\n"
            "  --lr X             learning rate (default 0.005)\n"
            "  --momentum X       SGD momentum, PyTorch's form (default 0.5)\n"
            "  --seed S           seed for initialisation and shuffling (default 0)\n"
            "  --data DIR         MNIST folder (default $RESNET_MNIST_DATA or data/mnist)\n"
            "  --out DIR          output folder, which must exist (default ., or the folder of\n"
            "                     --resume)\n"
            "  --limit-train N    use only the first N training images\n"
            "  --limit-test N     use only the first N test images\n"
            "  --no-shuffle       keep file order instead of reshuffling every epoch\n"
            "  --init FILE        start from the weights of a checkpoint (safetensors)\n"
            "  --resume PATH      continue the run saved in PATH (a last.bin, or its folder) up\n"
            "                     to --epochs; its options are kept\n"
            "  --threads N        worker threads (default: the online CPUs); results do not\n"
            "                     depend on it\n"
            "  --log-every N      print 'epoch: E num: N Loss: L' every N batches\n"
            "                     (default 300, as the tutorial; 0 turns it off)\n"
            "  --quiet            print only one line per epoch\n"
            "  --json             print one JSON object per epoch, nothing else\n"
            "  -h, --help         show this help and exit\n"
            "\n"
            "Writes into the output folder, after every epoch: best.bin (the best epoch so\n"
            "far), last.bin (the latest state, resumable), metrics.csv, accuracy.png and\n"
            "loss.png. Ctrl-C stops after the current batch and saves last.bin; a second\n"
            "Ctrl-C stops at once.\n"
            "\n"
            "Examples:\n"
            "  " PROGRAM " train --epochs 2 --out runs/first\n"
            "  " PROGRAM " train --resume runs/first --epochs 5\n");
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
        O_RESUME,
        O_LOGEVERY,
        O_THREADS,
        O_QUIET,
        O_JSON
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
        {"resume", required_argument, 0, O_RESUME},
        {"log-every", required_argument, 0, O_LOGEVERY},
        {"threads", required_argument, 0, O_THREADS},
        {"quiet", no_argument, 0, O_QUIET},
        {"json", no_argument, 0, O_JSON},
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
                            .threads = thread_pool_online_cpus()};
    const char *cmd = "train";
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_EPOCHS:
            rc = parse_int(cmd, "--epochs", optarg, 1, 100000, &o->epochs);
            break;
        case O_BATCH:
            rc = parse_int(cmd, "--batch-size", optarg, 1, MAX_BATCH, &o->batch_size);
            o->set_batch = 1;
            break;
        case O_LR:
            rc = parse_float(cmd, "--lr", optarg, 0, 1, 1e6, &o->lr);
            o->set_lr = 1;
            break;
        case O_MOM:
            rc = parse_float(cmd, "--momentum", optarg, 0, 0, 1, &o->momentum);
            o->set_momentum = 1;
            break;
        case O_SEED:
            rc = parse_u64(cmd, "--seed", optarg, &o->seed);
            o->set_seed = 1;
            break;
        case O_DATA:
            o->data_dir = optarg;
            break;
        case O_OUT:
            o->out_dir = optarg;
            o->set_out = 1;
            break;
        case O_LTRAIN:
            rc = parse_int(cmd, "--limit-train", optarg, 1, 1 << 30, &o->limit_train);
            o->set_ltrain = 1;
            break;
        case O_LTEST:
            rc = parse_int(cmd, "--limit-test", optarg, 1, 1 << 30, &o->limit_test);
            o->set_ltest = 1;
            break;
        case O_NOSHUF:
            o->shuffle = 0;
            o->set_shuffle = 1;
            break;
        case O_INIT:
            o->init_path = optarg;
            break;
        case O_RESUME:
            o->resume_path = optarg;
            break;
        case O_LOGEVERY:
            rc = parse_int(cmd, "--log-every", optarg, 0, 1 << 30, &o->log_every);
            break;
        case O_THREADS:
            rc = parse_int(cmd, "--threads", optarg, 1, MAX_THREADS, &o->threads);
            break;
        case O_QUIET:
            o->quiet = 1;
            break;
        case O_JSON:
            o->json = 1;
            break;
        case 'h':
            train_help(stdout);
            return -1;
        default:
            return option_error(cmd, c, argv);
        }
    }
    if (rc)
        return rc;
    if ((rc = no_operands(cmd, argc, argv)) != 0)
        return rc;
    if (o->init_path && o->resume_path)
        return usage_error(cmd, "--init and --resume exclude each other");
    if (o->quiet && o->json)
        return usage_error(cmd, "--quiet and --json exclude each other");
    const char *term = getenv("TERM");
    o->mode = o->json                                                         ? OUT_JSON
              : o->quiet                                                      ? OUT_QUIET
              : isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0) ? OUT_LIVE
                                                                              : OUT_PLAIN;
    return 0;
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

/* ---------------------------------------------------------------- outputs */

struct outputs {
    char *best, *last, *csv, *acc_png, *loss_png;
};

static int outputs_init(struct outputs *p, const char *dir)
{
    p->best = join_path(dir, "best.bin");
    p->last = join_path(dir, "last.bin");
    p->csv = join_path(dir, "metrics.csv");
    p->acc_png = join_path(dir, "accuracy.png");
    p->loss_png = join_path(dir, "loss.png");
    return p->best && p->last && p->csv && p->acc_png && p->loss_png ? 0 : -1;
}

static void outputs_free(struct outputs *p)
{
    free(p->best);
    free(p->last);
    free(p->csv);
    free(p->acc_png);
    free(p->loss_png);
}

/* Seconds are not in the checkpoints; a resumed run keeps the earlier epochs' seconds from
 * the metrics.csv it continues, when that file is there and agrees. */
static void recover_seconds(const char *csv, struct run_state *r)
{
    FILE *fp = fopen(csv, "r");
    if (!fp)
        return;
    char line[256];
    if (!fgets(line, sizeof line, fp)) {
        fclose(fp);
        return;
    }
    while (fgets(line, sizeof line, fp)) {
        int e;
        double tl, tel, acc, sec;
        if (sscanf(line, "%d,%lf,%lf,%lf,%lf", &e, &tl, &tel, &acc, &sec) == 5 && e >= 1 &&
            e <= r->epochs_done)
            r->hist[e - 1].seconds = sec;
    }
    fclose(fp);
}

static int write_metrics(const char *path, const struct run_state *r, struct rm_status *st)
{
    struct atomic_file af;
    if (atomic_file_open(&af, path, st) != 0)
        return -1;
    fprintf(af.fp, "epoch,train_loss,test_loss,test_accuracy,seconds\n");
    for (int e = 0; e < r->epochs_done; e++) {
        const struct epoch_record *h = &r->hist[e];
        fprintf(af.fp, "%d,%.6f,%.6f,%.6f,%.3f\n", e + 1, h->train_loss, h->test_loss,
                epoch_accuracy(h), h->seconds);
    }
    return atomic_file_commit(&af, st);
}

static int write_plots(const struct outputs *out, const struct run_state *r, struct rm_status *st)
{
    int n = r->epochs_done;
    double *x = malloc((size_t)n * 4 * sizeof *x);
    if (!x)
        return rm_fail(st, "%s: out of memory", out->acc_png);
    double *acc = x + n, *tl = x + 2 * n, *tel = x + 3 * n;
    for (int e = 0; e < n; e++) {
        x[e] = e + 1;
        acc[e] = epoch_accuracy(&r->hist[e]);
        tl[e] = r->hist[e].train_loss;
        tel[e] = r->hist[e].test_loss;
    }
    struct plot_series a = {.label = "test accuracy",
                            .x = x,
                            .y = acc,
                            .n = n,
                            .rgb = 0x1f77b4,
                            .label_points = 1,
                            .mark_best = 1};
    struct plot_spec aspec = {.title = "ResNet on MNIST: test accuracy per epoch",
                              .xlabel = "epoch",
                              .ylabel = "accuracy",
                              .series = &a,
                              .nseries = 1};
    struct plot_series l[2] = {
        {.label = "train loss (mean of batches)", .x = x, .y = tl, .n = n, .rgb = 0x1f77b4},
        {.label = "test loss", .x = x, .y = tel, .n = n, .rgb = 0xff7f0e, .mark_best = -1},
    };
    struct plot_spec lspec = {.title = "ResNet on MNIST: cross-entropy loss per epoch",
                              .xlabel = "epoch",
                              .ylabel = "loss",
                              .series = l,
                              .nseries = 2};
    int rc = plot_write_png(out->acc_png, &aspec, st);
    if (rc == 0)
        rc = plot_write_png(out->loss_png, &lspec, st);
    free(x);
    return rc;
}

/* Everything that is rewritten after an epoch (or on a stop): each file atomically. */
static int write_outputs(const struct outputs *out, const struct model *m, const struct trainer *t,
                         const struct run_state *r, int new_best, struct rm_status *st)
{
    if (new_best && run_save_weights(out->best, m, r, r->best_epoch, st) != 0)
        return -1;
    if (run_save_resumable(out->last, m, t, r, st) != 0)
        return -1;
    if (r->epochs_done == 0)
        return 0;
    if (write_metrics(out->csv, r, st) != 0)
        return -1;
    return write_plots(out, r, st);
}

/* ---------------------------------------------------------------- progress */

struct progress {
    enum output_mode mode;
    int log_every, epoch, epochs, first_batch, batch_size;
    const struct trainer *t;
    double run_start, epoch_start, last_draw, mean_epoch_seconds;
    int live_shown; /* a live line is on screen and must be cleared before other output */
};

static void format_duration(char *buf, size_t size, double s)
{
    if (!(s >= 0) || s > 1e7)
        snprintf(buf, size, "?");
    else if (s < 60)
        snprintf(buf, size, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, size, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, size, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

static void clear_live(struct progress *p)
{
    if (p->live_shown) {
        fputs("\r\033[K", stdout);
        p->live_shown = 0;
    }
}

static void draw_live(struct progress *p, int batch, int batches, double now)
{
    double elapsed = now - p->epoch_start;
    int done = batch - p->first_batch;
    double per_batch = done > 0 ? elapsed / done : 0;
    double epoch_eta = per_batch * (batches - batch);
    /* the run's ETA: this epoch's rest, then each remaining epoch at this epoch's pace */
    double epoch_len = per_batch * batches;
    double run_eta = epoch_eta + (p->epochs - p->epoch) * epoch_len;
    char e1[16], e2[16], e3[16];
    format_duration(e1, sizeof e1, elapsed);
    format_duration(e2, sizeof e2, epoch_eta);
    format_duration(e3, sizeof e3, run_eta);
    printf("\r\033[Kepoch %d/%d  batch %d/%d  %.0f img/s  loss %.4f  %s, ETA %s  run ETA %s",
           p->epoch, p->epochs, batch, batches, elapsed > 0 ? done * p->batch_size / elapsed : 0.0,
           p->t->loss_sum / batch, e1, e2, e3);
    fflush(stdout);
    p->live_shown = 1;
    p->last_draw = now;
}

static void on_batch(void *ctx, int batch, int batches, double loss)
{
    struct progress *p = ctx;
    if (p->mode == OUT_QUIET || p->mode == OUT_JSON)
        return;
    if (p->log_every > 0 && batch % p->log_every == 0) {
        clear_live(p); /* the tutorial's line, every log_every batches */
        printf("epoch: %d num: %d Loss: %.6f\n", p->epoch, batch, loss);
        fflush(stdout);
    }
    if (p->mode == OUT_LIVE) {
        double now = clock_seconds();
        if (now - p->last_draw >= 0.1 || batch == batches)
            draw_live(p, batch, batches, now);
    }
}

static void print_epoch(struct progress *p, const struct run_state *r)
{
    const struct epoch_record *h = &r->hist[r->epochs_done - 1];
    int e = r->epochs_done;
    if (p->mode == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "epoch", e);
        cJSON_AddNumberToObject(o, "train_loss", h->train_loss);
        cJSON_AddNumberToObject(o, "test_loss", h->test_loss);
        cJSON_AddNumberToObject(o, "test_accuracy", epoch_accuracy(h));
        cJSON_AddNumberToObject(o, "test_correct", h->correct);
        cJSON_AddNumberToObject(o, "test_total", h->total);
        cJSON_AddNumberToObject(o, "seconds", h->seconds);
        cJSON_AddNumberToObject(o, "best_epoch", r->best_epoch);
        char *text = cJSON_PrintUnformatted(o);
        if (text)
            puts(text);
        free(text);
        cJSON_Delete(o);
    } else {
        clear_live(p);
        printf("epoch %d: test accuracy %.2f%% (%d/%d), train loss %.4g, test loss %.4g, %.1f "
               "s%s\n",
               e, 100.0 * epoch_accuracy(h), h->correct, h->total, h->train_loss, h->test_loss,
               h->seconds, r->best_epoch == e ? "  (best so far)" : "");
    }
    fflush(stdout);
}

/* ---------------------------------------------------------------- signals */

static volatile sig_atomic_t stop_signal;

/* The first SIGINT/SIGTERM asks the loop to stop after its batch; a second one ends the
 * process at once, before any further file is touched (outputs are renamed into place whole,
 * so nothing existing is damaged). */
static void on_stop_signal(int sig)
{
    if (stop_signal)
        _exit(128 + sig);
    stop_signal = sig;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---------------------------------------------------------------- the command */

/* With --resume, an option the user gave must agree with the checkpoint's. */
static int check_resume_options(const struct train_cli *o, const struct run_options *k,
                                const char *path)
{
    const char *flag = NULL;
    if (o->set_batch && o->batch_size != k->batch_size)
        flag = "--batch-size";
    else if (o->set_lr && o->lr != k->lr)
        flag = "--lr";
    else if (o->set_momentum && o->momentum != k->momentum)
        flag = "--momentum";
    else if (o->set_seed && o->seed != k->seed)
        flag = "--seed";
    else if (o->set_shuffle && o->shuffle != k->shuffle)
        flag = "--no-shuffle";
    if (flag)
        return usage_error("train",
                           "%s differs from the run in %s, which is continued with its "
                           "own options",
                           flag, path);
    return 0;
}

/* The folder of a file path ("." when there is none), malloc'd. */
static char *parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = 0;
    }
    return d;
}

int cmd_train(int argc, char **argv)
{
    struct train_cli o;
    int rc = train_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;

    struct idx_dataset train = {0}, test = {0};
    struct model m = {0};
    struct trainer t = {0};
    struct run_state run = {0};
    struct outputs out = {0};
    struct resume_point at = {0};
    float *resume_params = NULL;
    char *resume_file = NULL, *resume_dir = NULL;
    struct rm_status st;
    rc = 1;

    if (o.resume_path) {
        struct stat sb;
        if (stat(o.resume_path, &sb) == 0 && S_ISDIR(sb.st_mode))
            resume_file = join_path(o.resume_path, "last.bin");
        else
            resume_file = strdup(o.resume_path);
        resume_params = malloc(2 * MODEL_PARAM_FLOATS * sizeof(float));
        if (!resume_file || !resume_params) {
            error_line("out of memory");
            goto done;
        }
        if (run_load_resumable(resume_file, resume_params, resume_params + MODEL_PARAM_FLOATS, &at,
                               &run, &st) != 0) {
            error_line("%s", st.msg);
            goto done;
        }
        if ((rc = check_resume_options(&o, &run.opt, resume_file)) != 0)
            goto done;
        rc = 1;
        o.batch_size = run.opt.batch_size;
        o.lr = run.opt.lr;
        o.momentum = run.opt.momentum;
        o.seed = run.opt.seed;
        o.shuffle = run.opt.shuffle;
        o.limit_train = run.opt.train_images;
        o.limit_test = run.opt.test_images;
        if (!o.set_out) {
            resume_dir = parent_dir(resume_file);
            if (!resume_dir) {
                error_line("out of memory");
                goto done;
            }
            o.out_dir = resume_dir;
        }
        if (run.epochs_done >= o.epochs) {
            error_line("%s: the run has done %d epoch%s already; ask for more with --epochs",
                       resume_file, run.epochs_done, run.epochs_done == 1 ? "" : "s");
            goto done;
        }
    }
    if (check_out_dir(o.out_dir) != 0)
        goto done;
    if (outputs_init(&out, o.out_dir) != 0) {
        error_line("out of memory");
        goto done;
    }
    if (load_split(&train, o.data_dir, MNIST_SPLIT_TRAIN, o.limit_train) ||
        load_split(&test, o.data_dir, MNIST_SPLIT_TEST, o.limit_test))
        goto done;
    if (o.resume_path && (train.n != run.opt.train_images || test.n != run.opt.test_images)) {
        error_line("%s: the run used %d training and %d test images, %s holds %d and %d",
                   resume_file, run.opt.train_images, run.opt.test_images, o.data_dir, train.n,
                   test.n);
        goto done;
    }
    if (model_init(&m, o.batch_size, o.threads, &st) != 0 ||
        trainer_init(&t, &m, &train, o.seed ^ 0x53485546464c45ull, o.shuffle, o.lr, o.momentum,
                     &st) != 0) {
        error_line("%s", st.msg);
        goto done;
    }
    if (o.resume_path) {
        memcpy(m.params, resume_params, MODEL_PARAM_FLOATS * sizeof(float));
        memcpy(m.momentum, resume_params + MODEL_PARAM_FLOATS, MODEL_PARAM_FLOATS * sizeof(float));
        m.steps = at.steps;
        t.rng = at.rng;
        t.epoch_rng = at.epoch_rng;
        t.batch = at.batch;
        t.loss_sum = at.loss_sum;
        if (t.batch >= trainer_batches(&t)) {
            error_line("%s: resume field 'batch_in_epoch' (%d) is past the epoch's %d batches",
                       resume_file, t.batch, trainer_batches(&t));
            goto done;
        }
        recover_seconds(out.csv, &run);
    } else {
        if (run_state_init(&run, o.epochs, &st) != 0) {
            error_line("%s", st.msg);
            goto done;
        }
        run.opt = (struct run_options){o.batch_size, o.shuffle, o.lr,  o.momentum,
                                       o.seed,       train.n,   test.n};
        struct rng init_rng;
        rng_seed(&init_rng, o.seed);
        model_init_params(&m, &init_rng);
        if (o.init_path) {
            struct ckpt_tensor tensors[MODEL_PARAM_COUNT];
            run_ckpt_tensors(m.params, tensors);
            if (ckpt_load(o.init_path, tensors, MODEL_PARAM_COUNT, NULL, &st) != 0) {
                error_line("%s", st.msg);
                goto done;
            }
        }
    }

    struct progress p = {.mode = o.mode,
                         .log_every = o.log_every,
                         .epochs = o.epochs,
                         .batch_size = o.batch_size,
                         .t = &t,
                         .run_start = clock_seconds()};
    if (o.mode == OUT_LIVE || o.mode == OUT_PLAIN) {
        if (o.resume_path)
            printf("resuming %s at epoch %d, batch %d of %d\n", resume_file, run.epochs_done + 1,
                   t.batch, trainer_batches(&t));
        printf("training on %d images, testing on %d, batch %d, lr %g, momentum %g, seed %" PRIu64
               ", %d thread%s%s\n",
               train.n, test.n, o.batch_size, o.lr, o.momentum, o.seed, o.threads,
               o.threads == 1 ? "" : "s", o.init_path ? ", weights from --init" : "");
        fflush(stdout);
    }
    /* Writing outputs allocates large temporary buffers every epoch. glibc would otherwise
     * raise its mmap threshold after the first free and keep later ones on the heap, so fix it:
     * big blocks go back to the system when freed, and resident memory stays flat. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    stop_signal = 0;
    catch_stop_signals();
    while (run.epochs_done < o.epochs) {
        p.epoch = run.epochs_done + 1;
        p.first_batch = t.batch;
        p.epoch_start = p.last_draw = clock_seconds();
        double train_loss;
        enum trainer_status s = trainer_run_epoch(&t, &stop_signal, on_batch, &p, &train_loss);
        if (s == TRAINER_DIVERGED) {
            clear_live(&p);
            fflush(stdout);
            error_line("training diverged: the loss is %s at epoch %d, batch %d; try a smaller "
                       "--lr (now %g)%s",
                       isnan(train_loss) ? "NaN" : "infinite", p.epoch, t.batch + 1, o.lr,
                       run.best_epoch ? "; best.bin keeps the best earlier epoch" : "");
            goto done;
        }
        if (s == TRAINER_STOPPED)
            break;
        struct eval_result ev;
        evaluate(&m, &test, &ev);
        struct epoch_record rec = {train_loss, ev.loss, ev.correct, ev.total,
                                   clock_seconds() - p.epoch_start};
        int best_before = run.best_epoch;
        if (run_state_push(&run, &rec, &st) != 0) {
            error_line("%s", st.msg);
            goto done;
        }
        if (write_outputs(&out, &m, &t, &run, run.best_epoch != best_before, &st) != 0) {
            clear_live(&p);
            fflush(stdout);
            error_line("%s", st.msg);
            goto done;
        }
        print_epoch(&p, &run); /* after the files: a printed epoch is a saved epoch */
    }
    if (stop_signal) {
        clear_live(&p);
        fflush(stdout);
        /* the state after the last complete batch, resumable bit for bit */
        if (write_outputs(&out, &m, &t, &run, 0, &st) != 0) {
            error_line("%s", st.msg);
            goto done;
        }
        error_line("stopped by %s at epoch %d, batch %d; continue with: " PROGRAM
                   " train --resume %s --epochs %d",
                   stop_signal == SIGINT ? "SIGINT" : "SIGTERM", run.epochs_done + 1, t.batch,
                   out.last, o.epochs);
        rc = 128 + stop_signal;
        goto done;
    }
    if (o.mode == OUT_LIVE || o.mode == OUT_PLAIN) {
        const struct epoch_record *b = &run.hist[run.best_epoch - 1];
        printf("best test accuracy %.2f%% (%d/%d) at epoch %d\n", 100.0 * epoch_accuracy(b),
               b->correct, b->total, run.best_epoch);
        printf("wrote %s (best epoch), %s (last epoch, resumable), %s, %s and %s\n", out.best,
               out.last, out.csv, out.acc_png, out.loss_png);
    }
    rc = 0;
done:
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    run_state_free(&run);
    trainer_free(&t);
    model_free(&m);
    idx_free(&train);
    idx_free(&test);
    outputs_free(&out);
    free(resume_params);
    free(resume_file);
    free(resume_dir);
    return rc;
}
