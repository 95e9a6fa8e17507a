/* resnet-mnist train: options, signals, and the library's training run (run_state, run_files,
 * trainer) with what it prints (train_progress.c): checkpoints, metrics and plots rewritten after
 * every epoch, resumption, and a clean stop on SIGINT/SIGTERM. */
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "train_progress.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_files.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/io/idx.h"

struct train_cli {
    int epochs, batch_size, limit_train, limit_test, shuffle, log_every, threads;
    float lr, momentum;
    uint64_t seed;
    const char *data_dir, *out_dir, *init_path, *resume_path;
    enum output_mode mode;
    int quiet, json;
    /* given['b']: the option of that letter (--batch-size) was given; a resumed run takes the
     * options not given from its checkpoint */
    unsigned char given[128];
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
    /* long options only: each val is a letter that is not in the short option string */
    static const struct option opts[] = {{"epochs", required_argument, 0, 'e'},
                                         {"batch-size", required_argument, 0, 'b'},
                                         {"lr", required_argument, 0, 'l'},
                                         {"momentum", required_argument, 0, 'm'},
                                         {"seed", required_argument, 0, 's'},
                                         {"data", required_argument, 0, 'd'},
                                         {"out", required_argument, 0, 'o'},
                                         {"limit-train", required_argument, 0, 'N'},
                                         {"limit-test", required_argument, 0, 'n'},
                                         {"no-shuffle", no_argument, 0, 'S'},
                                         {"init", required_argument, 0, 'i'},
                                         {"resume", required_argument, 0, 'r'},
                                         {"log-every", required_argument, 0, 'L'},
                                         {"threads", required_argument, 0, 't'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
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
        o->given[c & 127] = 1;
        if (c == 'e')
            rc = parse_int(cmd, "--epochs", optarg, 1, 100000, &o->epochs);
        else if (c == 'b')
            rc = parse_int(cmd, "--batch-size", optarg, 1, MAX_BATCH, &o->batch_size);
        else if (c == 'l')
            rc = parse_float(cmd, "--lr", optarg, 0, 1, 1e6, &o->lr);
        else if (c == 'm')
            rc = parse_float(cmd, "--momentum", optarg, 0, 0, 1, &o->momentum);
        else if (c == 's')
            rc = parse_u64(cmd, "--seed", optarg, &o->seed);
        else if (c == 'd')
            o->data_dir = optarg;
        else if (c == 'o')
            o->out_dir = optarg;
        else if (c == 'N')
            rc = parse_int(cmd, "--limit-train", optarg, 1, 1 << 30, &o->limit_train);
        else if (c == 'n')
            rc = parse_int(cmd, "--limit-test", optarg, 1, 1 << 30, &o->limit_test);
        else if (c == 'S')
            o->shuffle = 0;
        else if (c == 'i')
            o->init_path = optarg;
        else if (c == 'r')
            o->resume_path = optarg;
        else if (c == 'L')
            rc = parse_int(cmd, "--log-every", optarg, 0, 1 << 30, &o->log_every);
        else if (c == 't')
            rc = parse_int(cmd, "--threads", optarg, 1, MAX_THREADS, &o->threads);
        else if (c == 'q')
            o->quiet = 1;
        else if (c == 'j')
            o->json = 1;
        else if (c == 'h') {
            train_help(stdout);
            return -1;
        } else
            return option_error(cmd, c, argv);
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

/* With --resume, an option the user gave must agree with the checkpoint's. */
static int check_resume_options(const struct train_cli *o, const struct run_options *k,
                                const char *path)
{
    const char *flag = NULL;
    if (o->given['b'] && o->batch_size != k->batch_size)
        flag = "--batch-size";
    else if (o->given['l'] && o->lr != k->lr)
        flag = "--lr";
    else if (o->given['m'] && o->momentum != k->momentum)
        flag = "--momentum";
    else if (o->given['s'] && o->seed != k->seed)
        flag = "--seed";
    else if (o->given['S'] && o->shuffle != k->shuffle)
        flag = "--no-shuffle";
    if (flag)
        return usage_error("train",
                           "%s differs from the run in %s, which is continued with its "
                           "own options",
                           flag, path);
    return 0;
}

/* ---------------------------------------------------------------- the command */

/* What one train command holds, freed in one place. */
struct train_state {
    struct idx_dataset train, test;
    struct model m;
    struct trainer t;
    struct run_state run;
    struct run_files out;
    struct resume_point at;
    float *resumed; /* with --resume: the run's weights, then its momentum */
    char *resume_file, *resume_dir;
};

/* --resume: reads the run and takes its options. */
static int open_resume(struct train_cli *o, struct train_state *s)
{
    struct rm_status st;
    s->resumed = malloc(2 * MODEL_PARAM_FLOATS * sizeof(float));
    if (!s->resumed ||
        run_files_locate_resume(o->resume_path, &s->resume_file, &s->resume_dir, &st) != 0) {
        error_line("out of memory");
        return 1;
    }
    if (run_load_resumable(s->resume_file, s->resumed, s->resumed + MODEL_PARAM_FLOATS, &s->at,
                           &s->run, &st) != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    const struct run_options *k = &s->run.opt;
    int rc = check_resume_options(o, k, s->resume_file);
    if (rc)
        return rc;
    o->batch_size = k->batch_size;
    o->lr = k->lr;
    o->momentum = k->momentum;
    o->seed = k->seed;
    o->shuffle = k->shuffle;
    o->limit_train = k->train_images;
    o->limit_test = k->test_images;
    if (!o->given['o'])
        o->out_dir = s->resume_dir;
    if (s->run.epochs_done < o->epochs)
        return 0;
    error_line("%s: the run has done %d epoch%s already; ask for more with --epochs",
               s->resume_file, s->run.epochs_done, s->run.epochs_done == 1 ? "" : "s");
    return 1;
}

/* The output folder, the data, then the model and trainer: new, or where the run stopped. */
static int prepare(const struct train_cli *o, struct train_state *s)
{
    struct rm_status st;
    if (run_files_check_dir(o->out_dir, &st) != 0 || run_files_init(&s->out, o->out_dir, &st)) {
        error_line("%s", st.msg);
        return 1;
    }
    if (load_split(&s->train, o->data_dir, MNIST_SPLIT_TRAIN, o->limit_train) ||
        load_split(&s->test, o->data_dir, MNIST_SPLIT_TEST, o->limit_test))
        return 1;
    const struct run_options *k = &s->run.opt;
    if (o->resume_path && (s->train.n != k->train_images || s->test.n != k->test_images)) {
        error_line("%s: the run used %d training and %d test images, %s holds %d and %d",
                   s->resume_file, k->train_images, k->test_images, o->data_dir, s->train.n,
                   s->test.n);
        return 1;
    }
    int rc = model_init(&s->m, o->batch_size, o->threads, &st);
    if (rc == 0 && o->resume_path) {
        rc = run_state_restore(&s->m, &s->t, &s->train, &s->run, s->resumed,
                               s->resumed + MODEL_PARAM_FLOATS, &s->at, s->resume_file, &st);
    } else if (rc == 0) {
        struct run_options opt = {o->batch_size, o->shuffle, o->lr,    o->momentum,
                                  o->seed,       s->train.n, s->test.n};
        rc = run_state_begin(&s->run, &s->m, &s->t, &s->train, &opt, o->epochs, o->init_path, &st);
    }
    if (rc != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    if (o->resume_path)
        run_files_recover_seconds(s->out.csv, &s->run);
    return 0;
}

/* Trains up to o->epochs, saving after every epoch; stops early on a signal (returns 0 with
 * stop_signal set) or on a failure (1, reported). */
static int train_epochs(const struct train_cli *o, struct train_state *s, struct train_progress *p)
{
    struct rm_status st;
    while (s->run.epochs_done < o->epochs) {
        train_progress_begin_epoch(p, s->run.epochs_done + 1);
        double train_loss;
        enum trainer_status ts =
            trainer_run_epoch(&s->t, &stop_signal, train_progress_on_batch, p, &train_loss);
        if (ts == TRAINER_DIVERGED) {
            train_progress_clear(p);
            fflush(stdout);
            error_line("training diverged: the loss is %s at epoch %d, batch %d; try a smaller "
                       "--lr (now %g)%s",
                       isnan(train_loss) ? "NaN" : "infinite", p->epoch, s->t.batch + 1, o->lr,
                       s->run.best_epoch ? "; best.bin keeps the best earlier epoch" : "");
            return 1;
        }
        if (ts == TRAINER_STOPPED)
            return 0;
        if (run_files_end_epoch(&s->out, &s->run, &s->m, &s->t, &s->test, train_loss,
                                p->epoch_start, &st) != 0) {
            train_progress_clear(p);
            fflush(stdout);
            error_line("%s", st.msg);
            return 1;
        }
        /* after the files: a printed epoch is a saved epoch */
        train_progress_print_epoch(p, &s->run);
    }
    return 0;
}

int cmd_train(int argc, char **argv)
{
    struct train_cli o;
    int rc = train_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct train_state s = {0};
    struct rm_status st;
    if ((o.resume_path && (rc = open_resume(&o, &s)) != 0) || (rc = prepare(&o, &s)) != 0)
        goto done;
    struct train_progress p = {.mode = o.mode,
                               .log_every = o.log_every,
                               .epochs = o.epochs,
                               .batch_size = o.batch_size,
                               .t = &s.t};
    if (o.mode == OUT_LIVE || o.mode == OUT_PLAIN) {
        if (o.resume_path)
            printf("resuming %s at epoch %d, batch %d of %d\n", s.resume_file,
                   s.run.epochs_done + 1, s.t.batch, trainer_batches(&s.t));
        printf("training on %d images, testing on %d, batch %d, lr %g, momentum %g, seed %" PRIu64
               ", %d thread%s%s\n",
               s.train.n, s.test.n, o.batch_size, o.lr, o.momentum, o.seed, o.threads,
               o.threads == 1 ? "" : "s", o.init_path ? ", weights from --init" : "");
        fflush(stdout);
    }
    /* Writing outputs allocates large temporary buffers every epoch. glibc would otherwise
     * raise its mmap threshold after the first free and keep later ones on the heap, so fix it:
     * big blocks go back to the system when freed, and resident memory stays flat. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    stop_signal = 0;
    catch_stop_signals();
    if ((rc = train_epochs(&o, &s, &p)) != 0)
        goto done;
    if (stop_signal) {
        train_progress_clear(&p);
        fflush(stdout);
        /* the state after the last complete batch, resumable bit for bit */
        rc = 1;
        if (run_files_save(&s.out, &s.m, &s.t, &s.run, 0, &st) != 0) {
            error_line("%s", st.msg);
            goto done;
        }
        error_line("stopped by %s at epoch %d, batch %d; continue with: " PROGRAM
                   " train --resume %s --epochs %d",
                   stop_signal == SIGINT ? "SIGINT" : "SIGTERM", s.run.epochs_done + 1, s.t.batch,
                   s.out.last, o.epochs);
        rc = 128 + stop_signal;
        goto done;
    }
    if (o.mode == OUT_LIVE || o.mode == OUT_PLAIN) {
        const struct epoch_record *b = &s.run.hist[s.run.best_epoch - 1];
        printf("best test accuracy %.2f%% (%d/%d) at epoch %d\n", 100.0 * epoch_accuracy(b),
               b->correct, b->total, s.run.best_epoch);
        printf("wrote %s (best epoch), %s (last epoch, resumable), %s, %s and %s\n", s.out.best,
               s.out.last, s.out.csv, s.out.acc_png, s.out.loss_png);
    }
done:
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    run_state_free(&s.run);
    trainer_free(&s.t);
    model_free(&s.m);
    idx_free(&s.train);
    idx_free(&s.test);
    run_files_free(&s.out);
    free(s.resumed);
    free(s.resume_file);
    free(s.resume_dir);
    return rc;
}
