#include "resnet_mnist/engine/run_files.h"

#include <errno.h>
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
    f->best = file_join_path(dir, "best.bin");
    f->last = file_join_path(dir, "last.bin");
    f->csv = file_join_path(dir, "metrics.csv");
    f->acc_png = file_join_path(dir, "accuracy.png");
    f->loss_png = file_join_path(dir, "loss.png");
    if (f->best && f->last && f->csv && f->acc_png && f->loss_png)
        return 0;
    return rm_fail(st, "out of memory");
}

void run_files_free(struct run_files *f)
{
    free(f->best);
    free(f->last);
    free(f->csv);
    free(f->acc_png);
    free(f->loss_png);
    memset(f, 0, sizeof *f);
}

int run_files_check_dir(const char *dir, struct rm_status *st)
{
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return rm_fail(st, "%s: output folder does not exist (create it first)", dir);
    if (!S_ISDIR(sb.st_mode))
        return rm_fail(st, "%s: output path is not a folder", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return rm_fail(st, "%s: output folder is not writable: %s", dir, strerror(errno));
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

int run_files_write_metrics(const char *path, const struct run_state *r, struct rm_status *st)
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

int run_files_write_plots(const char *acc_png, const char *loss_png, const struct run_state *r,
                          struct rm_status *st)
{
    int n = r->epochs_done;
    double *x = malloc((size_t)n * 4 * sizeof *x);
    if (!x)
        return rm_fail(st, "%s: out of memory", acc_png);
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
    int rc = plot_write_png(acc_png, &aspec, st);
    if (rc == 0)
        rc = plot_write_png(loss_png, &lspec, st);
    free(x);
    return rc;
}

int run_files_recover_seconds(const char *csv, struct run_state *r)
{
    FILE *fp = fopen(csv, "r");
    if (!fp)
        return 0;
    char line[256];
    int used = 0;
    if (!fgets(line, sizeof line, fp)) {
        fclose(fp);
        return 0;
    }
    while (fgets(line, sizeof line, fp)) {
        int e;
        double tl, tel, acc, sec;
        if (sscanf(line, "%d,%lf,%lf,%lf,%lf", &e, &tl, &tel, &acc, &sec) == 5 && e >= 1 &&
            e <= r->epochs_done) {
            r->hist[e - 1].seconds = sec;
            used++;
        }
    }
    fclose(fp);
    return used;
}

int run_files_save(const struct run_files *f, const struct model *m, const struct trainer *t,
                   const struct run_state *r, int new_best, struct rm_status *st)
{
    if (new_best && run_save_weights(f->best, m, r, r->best_epoch, st) != 0)
        return -1;
    if (run_save_resumable(f->last, m, t, r, st) != 0)
        return -1;
    if (r->epochs_done == 0)
        return 0;
    if (run_files_write_metrics(f->csv, r, st) != 0)
        return -1;
    return run_files_write_plots(f->acc_png, f->loss_png, r, st);
}

int run_files_end_epoch(const struct run_files *f, struct run_state *r, struct model *m,
                        const struct trainer *t, const struct idx_dataset *test, double train_loss,
                        double epoch_start, struct rm_status *st)
{
    struct eval_result ev;
    evaluate(m, test, &ev);
    struct epoch_record rec = {train_loss, ev.loss, ev.correct, ev.total,
                               clock_seconds() - epoch_start};
    int best_before = r->best_epoch;
    if (run_state_push(r, &rec, st) != 0)
        return -1;
    return run_files_save(f, m, t, r, r->best_epoch != best_before, st);
}
