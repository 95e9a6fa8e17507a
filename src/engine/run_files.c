#include "resnet_mnist/engine/run_files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resnet_mnist/engine/clock.h"
#include "resnet_mnist/engine/evaluation.h"
#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/plot.h"

int run_files_init(struct run_files *f, const char *dir, struct rm_status *st)
{
    memset(f, 0, sizeof *f);
    f->best = file_join_path(dir, "best.bin");
    f->last = file_join_path(dir, "last.bin");
    f->csv = file_join_path(dir, "metrics.csv");
    f->acc_png = file_join_path(dir, "accuracy.png");
    f->loss_png = file_join_path(dir, "loss.png");
    if (f->best && f->last && f->csv && f->acc_png && f->loss_png)
        return 0;
    return rm_fail(st, "out of memory");
}

int run_files_open(struct run_files *f, const char *dir, struct rm_status *st)
{
    memset(f, 0, sizeof *f);
    if (run_files_make_dir(dir, st) != 0 || dir_lock_acquire(&f->lock, dir, st) != 0)
        return -1;
    struct dir_lock lock = f->lock;
    int rc = run_files_init(f, dir, st);
    f->lock = lock;
    return rc;
}

void run_files_free(struct run_files *f)
{
    dir_lock_release(&f->lock);
    free(f->best);
    free(f->last);
    free(f->csv);
    free(f->acc_png);
    free(f->loss_png);
    memset(f, 0, sizeof *f);
}

void run_files_paths(const struct run_files *f, const char *paths[RUN_FILES_COUNT])
{
    paths[0] = f->best;
    paths[1] = f->last;
    paths[2] = f->csv;
    paths[3] = f->acc_png;
    paths[4] = f->loss_png;
}

int run_files_make_dir(const char *dir, struct rm_status *st)
{
    size_t len = strlen(dir);
    if (len >= PATH_MAX)
        return rm_fail(st,
                       "%s: output folder path is too long (%zu characters; the system takes at "
                       "most %d)",
                       dir, len, PATH_MAX - 1);
    char *part = strdup(dir);
    if (!part)
        return rm_fail(st, "out of memory");
    /* each parent, then the folder itself: what exists already is fine */
    for (size_t i = 1; i <= len; i++) {
        if (part[i] != '/' && part[i] != 0)
            continue;
        char c = part[i];
        part[i] = 0;
        if (part[i - 1] != '/' && mkdir(part, 0777) != 0 && errno != EEXIST) {
            int rc = rm_fail(st, "%s: cannot make the output folder: %s", part, strerror(errno));
            free(part);
            return rc;
        }
        part[i] = c;
    }
    free(part);
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return rm_fail(st, "%s: cannot make the output folder: %s", dir, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return rm_fail(st, "%s: output path is not a folder", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return rm_fail(st, "%s: output folder is not writable: %s", dir, strerror(errno));
    return 0;
}

/* The names of the five files, in run_files_paths' order. */
static const char *const file_names[RUN_FILES_COUNT] = {"best.bin", "last.bin", "metrics.csv",
                                                        "accuracy.png", "loss.png"};

/* The folder of f's files, opened (the names are then looked up in it, so that a folder path
 * near the system's limit still works); -1 when it cannot be. */
static int open_folder(const struct run_files *f)
{
    char *dir = file_parent_dir(f->best);
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(dir);
    return fd;
}

const char *run_files_find_run(const struct run_files *f)
{
    int dfd = open_folder(f);
    const char *found = NULL;
    for (int i = 0; i < RUN_FILES_COUNT && dfd >= 0 && !found; i++) {
        struct stat sb;
        if (fstatat(dfd, file_names[i], &sb, AT_SYMLINK_NOFOLLOW) == 0)
            found = file_names[i];
    }
    if (dfd >= 0)
        close(dfd);
    return found;
}

int run_files_remove(const struct run_files *f, struct rm_status *st)
{
    int dfd = open_folder(f);
    if (dfd < 0)
        return rm_fail(st, "%s: cannot open the folder: %s", f->best, strerror(errno));
    const char *paths[RUN_FILES_COUNT];
    run_files_paths(f, paths);
    for (int i = 0; i < RUN_FILES_COUNT; i++)
        if (unlinkat(dfd, file_names[i], 0) != 0 && errno != ENOENT) {
            int rc = rm_fail(st, "%s: cannot remove: %s", paths[i], strerror(errno));
            close(dfd);
            return rc;
        }
    close(dfd);
    return 0;
}

int run_files_probe(const struct run_files *f, struct rm_status *st)
{
    const char *paths[RUN_FILES_COUNT];
    run_files_paths(f, paths);
    for (int i = 0; i < RUN_FILES_COUNT; i++) {
        struct atomic_file af;
        if (atomic_file_open(&af, paths[i], st) != 0)
            return -1;
        atomic_file_abort(&af);
    }
    return 0;
}

int run_files_locate_resume(const char *path, char **file, char **dir, struct rm_status *st)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        *file = file_join_path(path, "last.bin");
    else
        *file = strdup(path);
    *dir = *file ? file_parent_dir(*file) : NULL;
    if (*dir)
        return 0;
    free(*file);
    *file = NULL;
    return rm_fail(st, "out of memory");
}

/* metrics.csv's header: the first five columns as before the others were added (so that a
 * reader of those keeps working), then the training accuracy, the lr and validation. */
#define METRICS_HEADER_OLD "epoch,train_loss,test_loss,test_accuracy,seconds\n"
#define METRICS_HEADER                                                                             \
    "epoch,train_loss,test_loss,test_accuracy,seconds,train_accuracy,lr,val_loss,val_accuracy\n"

/* Epoch e's line of metrics.csv without its seconds: "E,train,test,accuracy". */
static void metrics_fields(char *buf, size_t size, const struct run_state *r, int e)
{
    const struct epoch_record *h = &r->hist[e - 1];
    snprintf(buf, size, "%d,%.6f,%.6f,%.6f", e, h->train_loss, h->test_loss, epoch_accuracy(h));
}

/* The rest of epoch e's line after its seconds: ",train_accuracy,lr,val_loss,val_accuracy\n",
 * a field empty where the run has no such value (no validation; a run resumed from an older
 * file has no training accuracy nor lr for its earlier epochs). */
static void metrics_tail(char *buf, size_t size, const struct run_state *r, int e)
{
    const struct epoch_record *h = &r->hist[e - 1];
    char f[4][32] = {"", "", "", ""};
    if (h->train_total)
        snprintf(f[0], sizeof f[0], "%.6f", epoch_train_accuracy(h));
    if (h->lr > 0)
        snprintf(f[1], sizeof f[1], "%.9g", epoch_lr_decimal(h));
    if (h->val_total) {
        snprintf(f[2], sizeof f[2], "%.6f", h->val_loss);
        snprintf(f[3], sizeof f[3], "%.6f", epoch_val_accuracy(h));
    }
    snprintf(buf, size, ",%s,%s,%s,%s\n", f[0], f[1], f[2], f[3]);
}

int run_files_write_metrics(const char *path, const struct run_state *r, struct rm_status *st)
{
    struct atomic_file af;
    if (atomic_file_open(&af, path, st) != 0)
        return -1;
    fputs(METRICS_HEADER, af.fp);
    for (int e = 1; e <= r->epochs_done; e++) {
        char fields[256], tail[160];
        metrics_fields(fields, sizeof fields, r, e);
        metrics_tail(tail, sizeof tail, r, e);
        fprintf(af.fp, "%s,%.3f%s", fields, r->hist[e - 1].seconds, tail);
    }
    return atomic_file_commit(&af, st);
}

int run_files_write_plots(const char *acc_png, const char *loss_png, const struct run_state *r,
                          struct rm_status *st)
{
    int n = r->epochs_done, val = r->opt.val > 0, by_loss = r->opt.monitor == RUN_MONITOR_LOSS;
    double *x = malloc((size_t)n * 7 * sizeof *x);
    if (!x)
        return rm_fail(st, "%s: out of memory", acc_png);
    double *acc = x + n, *tl = x + 2 * n, *tel = x + 3 * n, *tra = x + 4 * n, *va = x + 5 * n,
           *vl = x + 6 * n;
    int have_train = 0; /* a run resumed from an older file may not know any epoch's */
    for (int e = 0; e < n; e++) {
        const struct epoch_record *h = &r->hist[e];
        x[e] = e + 1;
        acc[e] = epoch_accuracy(h);
        tl[e] = h->train_loss;
        tel[e] = h->test_loss;
        tra[e] = epoch_train_accuracy(h); /* NaN where not recorded: a gap */
        have_train |= h->train_total > 0;
        va[e] = epoch_val_accuracy(h);
        vl[e] = val ? h->val_loss : NAN;
    }
    /* the epoch that chose best.bin is marked: the test set's best without validation, else
     * the monitored validation value's; the test set's curves are then only reported */
    struct plot_series a[3] = {{.label = "test accuracy",
                                .x = x,
                                .y = acc,
                                .n = n,
                                .rgb = 0x1f77b4,
                                .label_points = 1,
                                .mark_best = val ? 0 : 1}};
    int na = 1;
    if (have_train)
        a[na++] = (struct plot_series){.label = "train accuracy (during the epoch)",
                                       .x = x,
                                       .y = tra,
                                       .n = n,
                                       .rgb = 0x2ca02c};
    if (val)
        a[na++] = (struct plot_series){.label = "validation accuracy",
                                       .x = x,
                                       .y = va,
                                       .n = n,
                                       .rgb = 0xd62728,
                                       .mark_best = by_loss ? 0 : 1};
    char atitle[DATASET_NAME_MAX + 64], ltitle[DATASET_NAME_MAX + 64]; /* MNIST's as before */
    snprintf(atitle, sizeof atitle, "ResNet on %s: accuracy per epoch", dataset_title(&r->data));
    snprintf(ltitle, sizeof ltitle, "ResNet on %s: cross-entropy loss per epoch",
             dataset_title(&r->data));
    struct plot_spec aspec = {
        .title = atitle, .xlabel = "epoch", .ylabel = "accuracy", .series = a, .nseries = na};
    struct plot_series l[3] = {
        {.label = "train loss (mean of batches)", .x = x, .y = tl, .n = n, .rgb = 0x1f77b4},
        {.label = "test loss",
         .x = x,
         .y = tel,
         .n = n,
         .rgb = 0xff7f0e,
         .mark_best = val ? 0 : -1},
        {.label = "validation loss",
         .x = x,
         .y = vl,
         .n = n,
         .rgb = 0xd62728,
         .mark_best = by_loss ? -1 : 0},
    };
    struct plot_spec lspec = {
        .title = ltitle, .xlabel = "epoch", .ylabel = "loss", .series = l, .nseries = val ? 3 : 2};
    int rc = plot_write_png(acc_png, &aspec, st);
    if (rc == 0)
        rc = plot_write_png(loss_png, &lspec, st);
    free(x);
    return rc;
}

int run_files_recover_seconds(const char *csv, struct run_state *r)
{
    /* opened with the type check of every input: a FIFO named metrics.csv never blocks */
    struct rm_status ignored;
    int fd = file_open_input(csv, &ignored);
    FILE *fp = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!fp) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    double *seconds = malloc(((size_t)r->epochs_done + 1) * sizeof *seconds);
    char line[512], want[256], tail[160];
    int used = 0, own = seconds && fgets(line, sizeof line, fp) != NULL;
    /* a file of this version, or of one before the columns after the seconds */
    int old = own && strcmp(line, METRICS_HEADER_OLD) == 0;
    own = own && (old || strcmp(line, METRICS_HEADER) == 0);
    while (own && fgets(line, sizeof line, fp)) {
        if (used == r->epochs_done) {
            own = 0; /* more epochs than the run has done: another run's */
            break;
        }
        metrics_fields(want, sizeof want, r, used + 1);
        metrics_tail(tail, sizeof tail, r, used + 1);
        size_t n = strlen(want);
        char *end;
        double sec = 0;
        if (strncmp(line, want, n) == 0 && line[n] == ',') {
            errno = 0;
            sec = strtod(line + n + 1, &end);
            own = end != line + n + 1 && strcmp(end, old ? "\n" : tail) == 0 && !errno &&
                  isfinite(sec) && sec >= 0;
        } else {
            own = 0;
        }
        if (own)
            seconds[used++] = sec;
    }
    fclose(fp);
    if (!own)
        used = 0;
    for (int e = 0; e < used; e++)
        r->hist[e].seconds = seconds[e];
    free(seconds);
    return used;
}

int run_files_save(struct run_files *f, const struct model *m, const struct trainer *t,
                   const struct run_state *r, int new_best, struct rm_status *st)
{
    if (r->best_epoch > 0 && (new_best || !f->best_written)) {
        if (run_save_best(f->best, r, st) != 0)
            return -1;
        f->best_written = 1;
    }
    if (run_save_resumable(f->last, m, t, r, st) != 0)
        return -1;
    if (r->epochs_done == 0)
        return 0;
    if (run_files_write_metrics(f->csv, r, st) != 0)
        return -1;
    return run_files_write_plots(f->acc_png, f->loss_png, r, st);
}

int run_files_end_epoch(struct run_files *f, struct run_state *r, struct model *m,
                        const struct trainer *t, const struct idx_dataset *val,
                        const struct idx_dataset *test, double train_loss, double epoch_start,
                        struct rm_status *st)
{
    struct eval_result ev, vr = {0};
    if (val) /* the same evaluation as the test set's */
        evaluate(m, val, &vr);
    evaluate(m, test, &ev);
    /* Weights that are finite (the trainer checks every step) may still overflow the logits:
     * such an epoch is never recorded, so it can never become the best. */
    int val_bad = val && !isfinite(vr.loss);
    double bad = val_bad ? vr.loss : ev.loss;
    if (!isfinite(bad))
        return rm_fail(st,
                       "training diverged: the %s loss is %s after epoch %d, whose last step "
                       "(batch %d) left weights whose outputs overflow; try a smaller --lr (now "
                       "%g)%s",
                       val_bad ? "validation" : "test", isnan(bad) ? "NaN" : "infinite",
                       r->epochs_done + 1, trainer_batches(t), t->lr,
                       r->best_epoch ? "; best.bin keeps the best earlier epoch" : "");
    struct epoch_record rec = {.train_loss = train_loss,
                               .test_loss = ev.loss,
                               .correct = ev.correct,
                               .total = ev.total,
                               .seconds = clock_seconds() - epoch_start,
                               .train_correct = (int)t->correct,
                               .train_total = (int)t->seen,
                               .lr = trainer_current_lr(t),
                               .val_loss = vr.loss,
                               .val_correct = vr.correct,
                               .val_total = vr.total};
    int best_before = r->best_epoch;
    if (run_state_push(r, &rec, st) != 0)
        return -1;
    int new_best = r->best_epoch != best_before;
    if (new_best)
        memcpy(r->best_params, m->params, m->param_floats * sizeof *m->params);
    return run_files_save(f, m, t, r, new_best, st);
}
