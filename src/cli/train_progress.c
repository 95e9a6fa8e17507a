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
    else if (resume_file)
        printf("resuming %s at epoch %d, batch %d of %d\n", resume_file, r->epochs_done + 1,
               p->t->batch, trainer_batches(p->t));
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
        train_progress_clear(p);
        printf("epoch %d: test accuracy %.2f%% (%d/%d), train loss %.4g, test loss %.4g, %.1f "
               "s%s\n",
               e, 100.0 * epoch_accuracy(h), h->correct, h->total, h->train_loss, h->test_loss,
               h->seconds, r->best_epoch == e ? "  (best so far)" : "");
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
    printf("best test accuracy %.2f%% (%d/%d) at epoch %d\n", 100.0 * epoch_accuracy(b), b->correct,
           b->total, r->best_epoch);
    printf("wrote %s (best epoch), %s (last epoch, resumable), %s, %s and %s\n", f->best, f->last,
           f->csv, f->acc_png, f->loss_png);
    fflush(stdout);
}
