/* resnet-mnist train: its options (train_options.c), signals, and the library's training run
 * (run_state, run_files, trainer) with what it prints (train_progress.c): a locked run folder,
 * checkpoints, metrics and plots rewritten after every epoch, resumption from last.bin alone,
 * and a clean stop on SIGINT/SIGTERM. */
#include <malloc.h>
#include <pthread.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "train_options.h"
#include "train_progress.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_files.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/engine/val_split.h"
#include "resnet_mnist/io/data_fingerprint.h"
#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/idx.h"

/* ---------------------------------------------------------------- signals */

static volatile sig_atomic_t stop_signal;

/* The first SIGINT/SIGTERM asks the loop to stop after its batch; a second one ends the
 * process at once, removing the temporary file of a save in progress (outputs are renamed into
 * place whole, so nothing existing is damaged). */
static void on_stop_signal(int sig)
{
    if (stop_signal) {
        atomic_file_unlink_temporaries();
        _exit(128 + sig);
    }
    stop_signal = sig;
}

/* SIGINT and SIGTERM blocked (block 1) or not (0) in the calling thread. The worker threads
 * are started with both blocked, so that the handler always runs in the main thread: the
 * thread that writes the files, and stops writing while the handler runs. */
static void block_stop_signals(int block)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
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

/* What one train command holds, freed in one place. */
struct train_state {
    struct idx_dataset train, test; /* train: with --val, the images not held out */
    struct idx_dataset val;         /* with --val: the held-out images */
    struct dataset_info data;       /* the run's data set (dataset.h) */
    struct model m;
    struct trainer t;
    struct run_state run;
    struct run_files out;
    struct resume_point at;
    float *resumed; /* with --resume: the run's weights, then its momentum */
    char *resume_file, *resume_dir;
};

/* With --resume, an option the user gave must agree with the run's: a usage error naming the
 * first that does not. */
static int check_resume_options(const struct train_cli *o, const struct run_state *r,
                                const char *path)
{
    const struct run_options *k = &r->opt;
    const struct {
        int letter, differs;
        const char *flag;
    } opts[] = {
        {'b', o->batch_size != k->batch_size, "--batch-size"},
        {'l', o->lr != k->lr, "--lr"},
        {'m', o->momentum != k->momentum, "--momentum"},
        {'C', o->conv != k->conv, "--conv"},
        {'s', o->seed != k->seed, "--seed"},
        {'S', o->shuffle != k->shuffle, "--no-shuffle"},
        {'N', o->limit_train != r->src.limit_train, "--limit-train"},
        {'n', o->limit_test != r->src.limit_test, "--limit-test"},
        {'V', o->val != k->val, "--val"},
        {'M', o->monitor != k->monitor, "--monitor"},
        {'K', o->training.schedule != k->schedule, "--schedule"},
        {'Z', o->training.step_size != k->step_size, "--step-size"},
        {'g', o->training.gamma != k->gamma, "--gamma"},
        {'x', o->training.min_lr != k->min_lr, "--min-lr"},
        {'w', o->training.warmup != k->warmup, "--warmup"},
        {'W', o->training.weight_decay != k->weight_decay, "--weight-decay"},
        {'y', o->training.nesterov != k->nesterov, "--nesterov"},
        {'A', !k->augment || memcmp(&o->training.aug, &k->aug, sizeof k->aug) != 0, "--augment"}};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (o->given[opts[i].letter] && opts[i].differs)
            return usage_error("train",
                               "%s differs from the run in %s, which is continued with its own "
                               "options",
                               opts[i].flag, path);
    return 0;
}

/* --resume: reads the run (its folder locked already) and takes its options and data. */
static int load_resume(struct train_cli *o, struct train_state *s)
{
    struct rm_status st;
    s->resumed = malloc(2 * MODEL_MAX_PARAM_FLOATS * sizeof(float));
    if (!s->resumed) {
        error_line("out of memory");
        return 1;
    }
    struct run_state *r = &s->run;
    if (run_load_resumable(s->resume_file, s->resumed, s->resumed + MODEL_MAX_PARAM_FLOATS, &s->at,
                           r, &st) != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    int rc = check_resume_options(o, r, s->resume_file);
    if (rc)
        return rc;
    static const char *const data_opts[] = {
        "--classes", "--mean", "--std", "--class-names", "--dataset-name", "--kind", "--transpose"};
    for (int k = 0; k < 7; k++) /* the data set's options '1'..'7': the run's own */
        if (o->given['1' + k])
            return usage_error("train",
                               "%s: the run in %s is continued with its own data set (%s, %d "
                               "classes), which cannot change",
                               data_opts[k], s->resume_file, r->data.name, r->data.classes);
    if (!r->opt.val && (o->given['M'] || o->given['P']))
        return usage_error("train", "%s needs --val, and the run in %s holds no validation images",
                           o->given['M'] ? "--monitor" : "--patience", s->resume_file);
    o->val = r->opt.val;
    o->monitor = r->opt.monitor;
    if (o->given['P']) /* a stopping rule, as --epochs: the run continues under the new one */
        r->opt.patience = o->patience;
    o->patience = r->opt.patience;
    o->batch_size = r->opt.batch_size;
    o->lr = r->opt.lr;
    o->momentum = r->opt.momentum;
    o->conv = r->opt.conv;
    o->seed = r->opt.seed;
    o->shuffle = r->opt.shuffle;
    o->training = r->opt;
    o->limit_train = r->src.limit_train;
    o->limit_test = r->src.limit_test;
    if (!o->given['d'])
        o->data_dir = r->src.data_abs;
    if (!o->given['e'])
        o->epochs = r->epochs; /* the run's own target */
    if (o->epochs < r->epochs_done) {
        error_line("%s: the run has done %d epochs already; ask for more with --epochs",
                   s->resume_file, r->epochs_done);
        return 1;
    }
    if (o->epochs != r->epochs &&
        (r->opt.schedule == LR_SCHEDULE_COSINE || r->opt.schedule == LR_SCHEDULE_ONECYCLE)) {
        error_line("%s: the run's %s schedule spans its %d epochs; --epochs cannot change them",
                   s->resume_file, lr_schedule_kind_name(r->opt.schedule), r->epochs);
        return 1;
    }
    r->epochs = o->epochs;
    return 0;
}

/* The output folder: made, locked for the command's life, free of any other run (or
 * --overwrite), and every file in it writable; with --resume, the run read. */
static int open_run(struct train_cli *o, struct train_state *s)
{
    struct rm_status st;
    if (o->resume_path) {
        if (run_files_locate_resume(o->resume_path, &s->resume_file, &s->resume_dir, &st) != 0) {
            error_line("%s", st.msg);
            return 1;
        }
        if (!o->given['o'])
            o->out_dir = s->resume_dir;
    }
    if (run_files_open(&s->out, o->out_dir, &st) != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    int rc = o->resume_path ? load_resume(o, s) : 0;
    if (rc)
        return rc;
    int same = o->resume_path && file_same(o->out_dir, s->resume_dir);
    if (same && o->overwrite)
        return usage_error("train",
                           "--overwrite starts a new run, but %s is the folder of the "
                           "run --resume continues",
                           o->out_dir);
    const char *held = run_files_find_run(&s->out);
    if (held && !same && !o->overwrite) {
        char *q = shell_quote(o->out_dir);
        error_line("%s: holds a run already (%s); continue it with --resume %s, or replace it "
                   "with --overwrite",
                   o->out_dir, held, q ? q : o->out_dir);
        free(q);
        return 1;
    }
    if (run_files_probe(&s->out, &st) != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    return 0;
}

/* The run's data set into s->data: a new run's described from the data and the options, a
 * resumed run's its own (its data checked already); every label below its class count, and
 * the images turned the right way when stored transposed. */
static int describe_data(const struct train_cli *o, struct train_state *s, struct rm_status *st)
{
    if (o->resume_path) {
        s->data = s->run.data;
        if (dataset_check_labels(&s->train, s->data.classes, o->data_dir, st) != 0 ||
            dataset_check_labels(&s->test, s->data.classes, o->data_dir, st) != 0)
            return -1;
    } else {
        char *ti = NULL, *tl = NULL, *ei = NULL, *el = NULL;
        struct dataset_options d = o->dataset;
        d.has_mean = o->given['2'];
        d.has_std = o->given['3'];
        int rc = mnist_find_split(o->data_dir, MNIST_SPLIT_TRAIN, &ti, &tl, st);
        if (rc == 0)
            rc = mnist_find_split(o->data_dir, MNIST_SPLIT_TEST, &ei, &el, st);
        if (rc == 0)
            rc = dataset_describe(&s->data, &d, &s->train, &s->test, tl, el, o->data_dir, st);
        free(ti), free(tl), free(ei), free(el);
        if (rc != 0)
            return -1;
    }
    if (s->data.transpose) {
        dataset_transpose(&s->train);
        dataset_transpose(&s->test);
    }
    return 0;
}

/* The data (checked against the run's fingerprint when resuming), then the model and trainer:
 * new, or where the run stopped; with --overwrite, the old run's files go now. */
static int prepare(const struct train_cli *o, struct train_state *s)
{
    struct rm_status st;
    if (load_split(&s->train, o->data_dir, MNIST_SPLIT_TRAIN, o->limit_train) ||
        load_split(&s->test, o->data_dir, MNIST_SPLIT_TEST, o->limit_test))
        return 1;
    struct run_state *r = &s->run;
    struct data_fingerprint fp;
    int rc = data_fingerprint_compute(&fp, &s->train, &s->test, &st);
    if (rc == 0 && o->resume_path)
        rc = run_state_check_data(r, &s->train, &s->test, &fp, o->data_dir, s->resume_file, &st);
    if (rc == 0)
        rc = describe_data(o, s, &st);
    int train_images = s->train.n; /* the run's, validation included */
    if (rc == 0 && o->val) {       /* the held-out images, the same for the run's every part */
        if (o->val >= s->train.n)
            return usage_error("train",
                               "--val %d: must be less than the %d training images the run uses",
                               o->val, s->train.n);
        struct idx_dataset fit;
        rc = val_split_data(&fit, &s->val, &s->train, o->val, o->seed, &st);
        if (rc == 0) {
            idx_free(&s->train);
            s->train = fit;
        }
    }
    if (rc == 0) { /* its worker threads inherit the blocked signals */
        block_stop_signals(1);
        rc = model_init_classes(&s->m, o->batch_size, o->threads, s->data.classes, &st);
        s->m.conv = o->conv;
        s->m.in_mean = s->data.mean;
        s->m.in_std = s->data.std;
        block_stop_signals(0);
    }
    if (rc == 0 && o->resume_path) {
        rc = run_state_restore(&s->m, &s->t, &s->train, r, s->resumed,
                               s->resumed + MODEL_MAX_PARAM_FLOATS, &s->at, s->resume_file, &st);
        if (rc == 0 && o->given['d']) /* the data moved: the run continues from there */
            rc = run_state_set_source(r, o->data_dir, o->limit_train, o->limit_test, r->src.init,
                                      &fp, &st);
    } else if (rc == 0) {
        struct run_options opt = {.batch_size = o->batch_size,
                                  .shuffle = o->shuffle,
                                  .lr = o->lr,
                                  .momentum = o->momentum,
                                  .seed = o->seed,
                                  .train_images = train_images,
                                  .test_images = s->test.n,
                                  .conv = o->conv,
                                  .val = o->val,
                                  .monitor = o->monitor,
                                  .patience = o->patience,
                                  .schedule = o->training.schedule,
                                  .step_size = o->training.step_size,
                                  .warmup = o->training.warmup,
                                  .gamma = o->training.gamma,
                                  .min_lr = o->training.min_lr,
                                  .weight_decay = o->training.weight_decay,
                                  .nesterov = o->training.nesterov,
                                  .augment = o->training.augment,
                                  .aug = o->training.aug};
        memcpy(opt.recipe, o->training.recipe, sizeof opt.recipe);
        rc = run_state_begin(r, &s->m, &s->t, &s->train, &opt, o->epochs, o->init_path, &st);
        r->data = s->data;
        if (rc == 0)
            rc = run_state_set_source(r, o->data_dir, o->limit_train, o->limit_test, o->init_path,
                                      &fp, &st);
    }
    if (rc == 0 && o->overwrite)
        rc = run_files_remove(&s->out, &st);
    if (rc != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    if (o->resume_path) { /* seconds from the run's own metrics.csv, none from another */
        char *csv = file_join_path(s->resume_dir, "metrics.csv");
        if (csv)
            run_files_recover_seconds(csv, r);
        free(csv);
    }
    return 0;
}

/* Trains up to o->epochs, saving after every epoch; stops early on a signal (returns 0 with
 * stop_signal set) or on a failure (1, reported). */
static int train_epochs(const struct train_cli *o, struct train_state *s, struct train_progress *p)
{
    struct rm_status st;
    while (s->run.epochs_done < o->epochs && !run_state_out_of_patience(&s->run)) {
        train_progress_begin_epoch(p, s->run.epochs_done + 1);
        double train_loss;
        enum trainer_status ts =
            trainer_run_epoch(&s->t, &stop_signal, train_progress_on_batch, p, &train_loss);
        if (ts == TRAINER_DIVERGED) {
            train_progress_clear(p);
            fflush(stdout);
            error_line("training diverged: %s at epoch %d, batch %d; try a smaller --lr (now "
                       "%g)%s",
                       isnan(train_loss)       ? "the loss is NaN"
                       : !isfinite(train_loss) ? "the loss is infinite"
                                               : "its step left weights that are not finite",
                       p->epoch, s->t.batch + 1, o->lr,
                       s->run.best_epoch ? "; best.bin keeps the best earlier epoch" : "");
            return 1;
        }
        if (ts == TRAINER_STOPPED)
            return 0;
        if (run_files_end_epoch(&s->out, &s->run, &s->m, &s->t, o->val ? &s->val : NULL, &s->test,
                                train_loss, p->epoch_start, &st) != 0) {
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

/* After the loop: a run stopped before its target saves its state and says how to continue
 * (128 + the signal); a complete run, even one a signal reached during its final test pass or
 * saves, has its files whole (written now when this command trained nothing) and its summary. */
static int finish(const struct train_cli *o, struct train_state *s, struct train_progress *p)
{
    struct rm_status st;
    int complete = s->run.epochs_done >= o->epochs || run_state_out_of_patience(&s->run);
    if ((!complete || !s->out.best_written) &&
        run_files_save(&s->out, &s->m, &s->t, &s->run, 0, &st) != 0) {
        train_progress_clear(p);
        fflush(stdout);
        error_line("%s", st.msg);
        return 1;
    }
    if (complete) {
        train_progress_print_summary(p, &s->run, &s->out);
        return 0;
    }
    train_progress_clear(p);
    fflush(stdout);
    char *q = shell_quote(o->out_dir);
    error_line("stopped by %s at epoch %d, batch %d; continue with: " PROGRAM " train --resume %s",
               stop_signal == SIGINT ? "SIGINT" : "SIGTERM", s->run.epochs_done + 1, s->t.batch,
               q ? q : o->out_dir);
    free(q);
    return 128 + stop_signal;
}

int cmd_train(int argc, char **argv)
{
    struct train_cli o;
    int rc = train_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct train_state s = {0};
    if ((rc = open_run(&o, &s)) != 0 || (rc = resolve_data_dir(&o.data_dir, o.dataset.name)) != 0 ||
        (rc = prepare(&o, &s)) != 0)
        goto done;
    struct train_progress p = {.mode = o.mode,
                               .log_every = o.log_every,
                               .epochs = o.epochs,
                               .batch_size = o.batch_size,
                               .t = &s.t};
    train_progress_print_start(&p, &s.run, &s.train, &s.test, o.resume_path ? s.resume_file : NULL,
                               o.threads, o.init_path != NULL);
    /* Writing outputs allocates large temporary buffers every epoch. glibc would otherwise
     * raise its mmap threshold after the first free and keep later ones on the heap, so fix it:
     * big blocks go back to the system when freed, and resident memory stays flat. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    stop_signal = 0;
    catch_stop_signals();
    if ((rc = train_epochs(&o, &s, &p)) == 0)
        rc = finish(&o, &s, &p);
done:
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    run_state_free(&s.run);
    trainer_free(&s.t);
    model_free(&s.m);
    idx_free(&s.train);
    idx_free(&s.test);
    idx_free(&s.val);
    run_files_free(&s.out);
    free(s.resumed);
    free(s.resume_file);
    free(s.resume_dir);
    return rc;
}
