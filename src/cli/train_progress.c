/* What `train` prints while it runs: see train_progress.h. */
#include "train_progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "resnet_mnist/engine/clock.h"

void train_progress_print_start(const struct train_progress *p, const struct run_state *r,
                                const struct idx_dataset *train, const struct idx_dataset *test,
                                const char *resume_file, int threads, int from_init)
{
    if (p->mode != OUT_LIVE && p->mode != OUT_PLAIN)
        return;
    const struct run_options *o = &r->opt;
    if (resume_file && r->epochs_done >= r->epochs)
        printf("%s: the run has done its %d epochs; nothing to train (ask for more with "
               "--epochs)\n",
               resume_file, r->epochs);
    else if (resume_file && run_state_out_of_patience(r))
        printf("%s: the run stopped early at epoch %d, %d epochs without a better validation "
               "%s; nothing to train (give more with --patience)\n",
               resume_file, r->epochs_done, r->epochs_done - r->best_epoch,
               run_monitor_name(o->monitor));
    else if (resume_file)
        printf("resuming %s at epoch %d, batch %d of %d\n", resume_file, r->epochs_done + 1,
               p->t->batch, trainer_batches(p->t));
    if (o->val) { /* what chooses best.bin, and when the run stops */
        printf("holding out %d training images, chosen by the seed, for validation: best.bin is "
               "the epoch of the %s validation %s",
               o->val, o->monitor == RUN_MONITOR_LOSS ? "lowest" : "highest",
               run_monitor_name(o->monitor));
        if (o->patience)
            printf(", and training stops after %d epoch%s without a better one", o->patience,
                   o->patience == 1 ? "" : "s");
        printf("\n");
    }
    printf("training on %d images, testing on %d, batch %d, lr %g, momentum %g, seed %" PRIu64
           ", %d thread%s%s\n",
           train->n, test->n, o->batch_size, o->lr, o->momentum, o->seed, threads,
           threads == 1 ? "" : "s", from_init ? ", weights from --init" : "");
    fflush(stdout);
}

void train_progress_begin_epoch(struct train_progress *p, int epoch)
{
    p->epoch = epoch;
    p->first_batch = p->t->batch;
    p->epoch_start = p->last_draw = clock_seconds();
}

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

void train_progress_clear(struct train_progress *p)
{
    if (p->live_shown) {
        fputs("\r\033[K", stdout);
        p->live_shown = 0;
    }
}

static void draw_live(struct train_progress *p, int batch, int batches, double now)
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

void train_progress_on_batch(void *ctx, int batch, int batches, double loss)
{
    struct train_progress *p = ctx;
    if (p->mode == OUT_QUIET || p->mode == OUT_JSON)
        return;
    if (p->log_every > 0 && batch % p->log_every == 0) {
        train_progress_clear(p); /* the tutorial's line, every log_every batches */
        printf("epoch: %d num: %d Loss: %.6f\n", p->epoch, batch, loss);
        fflush(stdout);
    }
    if (p->mode == OUT_LIVE) {
        double now = clock_seconds();
        if (now - p->last_draw >= 0.1 || batch == batches)
            draw_live(p, batch, batches, now);
    }
}

void train_progress_print_epoch(struct train_progress *p, const struct run_state *r)
{
    const struct epoch_record *h = &r->hist[r->epochs_done - 1];
    int e = r->epochs_done, stop = run_state_out_of_patience(r);
    if (p->mode == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "epoch", e);
        cJSON_AddNumberToObject(o, "train_loss", h->train_loss);
        cJSON_AddNumberToObject(o, "test_loss", h->test_loss);
        cJSON_AddNumberToObject(o, "test_accuracy", epoch_accuracy(h));
        cJSON_AddNumberToObject(o, "test_correct", h->correct);
        cJSON_AddNumberToObject(o, "test_total", h->total);
        cJSON_AddNumberToObject(o, "seconds", h->seconds);
        if (h->train_total) {
            cJSON_AddNumberToObject(o, "train_accuracy", epoch_train_accuracy(h));
            cJSON_AddNumberToObject(o, "train_correct", h->train_correct);
            cJSON_AddNumberToObject(o, "train_total", h->train_total);
        }
        cJSON_AddNumberToObject(o, "lr", epoch_lr_decimal(h));
        if (h->val_total) {
            cJSON_AddNumberToObject(o, "val_loss", h->val_loss);
            cJSON_AddNumberToObject(o, "val_accuracy", epoch_val_accuracy(h));
            cJSON_AddNumberToObject(o, "val_correct", h->val_correct);
            cJSON_AddNumberToObject(o, "val_total", h->val_total);
        }
        cJSON_AddNumberToObject(o, "best_epoch", r->best_epoch);
        if (r->opt.patience)
            cJSON_AddBoolToObject(o, "early_stop", stop);
        char *text = cJSON_PrintUnformatted(o);
        if (text)
            puts(text);
        free(text);
        cJSON_Delete(o);
    } else {
        train_progress_clear(p);
        printf("epoch %d: ", e);
        if (h->val_total) /* first: what chooses */
            printf("val accuracy %.2f%% (%d/%d), val loss %.4g, ", 100.0 * epoch_val_accuracy(h),
                   h->val_correct, h->val_total, h->val_loss);
        printf("test accuracy %.2f%% (%d/%d), train loss %.4g, test loss %.4g, ",
               100.0 * epoch_accuracy(h), h->correct, h->total, h->train_loss, h->test_loss);
        if (h->train_total)
            printf("train accuracy %.2f%%, ", 100.0 * epoch_train_accuracy(h));
        printf("lr %.9g, %.1f s%s\n", epoch_lr_decimal(h), h->seconds,
               r->best_epoch == e ? "  (best so far)" : "");
        if (stop) /* also with --quiet: why the run ends before its epochs */
            printf("stopping early: the validation %s has not improved on epoch %d's for %d "
                   "epoch%s (--patience %d)\n",
                   run_monitor_name(r->opt.monitor), r->best_epoch, e - r->best_epoch,
                   e - r->best_epoch == 1 ? "" : "s", r->opt.patience);
    }
    fflush(stdout);
}

void train_progress_print_summary(struct train_progress *p, const struct run_state *r,
                                  const struct run_files *f)
{
    if (p->mode != OUT_LIVE && p->mode != OUT_PLAIN)
        return;
    train_progress_clear(p);
    const struct epoch_record *b = &r->hist[r->best_epoch - 1];
    if (!r->opt.val)
        printf("best test accuracy %.2f%% (%d/%d) at epoch %d\n", 100.0 * epoch_accuracy(b),
               b->correct, b->total, r->best_epoch);
    else if (r->opt.monitor == RUN_MONITOR_LOSS)
        printf("lowest validation loss %.4g at epoch %d (val accuracy %.2f%%): test accuracy "
               "%.2f%% (%d/%d)\n",
               b->val_loss, r->best_epoch, 100.0 * epoch_val_accuracy(b), 100.0 * epoch_accuracy(b),
               b->correct, b->total);
    else
        printf("best validation accuracy %.2f%% (%d/%d) at epoch %d: test accuracy %.2f%% "
               "(%d/%d)\n",
               100.0 * epoch_val_accuracy(b), b->val_correct, b->val_total, r->best_epoch,
               100.0 * epoch_accuracy(b), b->correct, b->total);
    printf("wrote %s (best epoch), %s (last epoch, resumable), %s, %s and %s\n", f->best, f->last,
           f->csv, f->acc_png, f->loss_png);
    fflush(stdout);
}
