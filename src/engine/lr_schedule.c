/* Learning-rate schedules as PyTorch computes them: see lr_schedule.h. Built with
 * -ffp-contract=off (CMakeLists.txt): Python never fuses a multiply and an add, so neither may
 * this file, or a value could round differently from PyTorch's. */
#include "resnet_mnist/engine/lr_schedule.h"

#include <math.h>
#include <string.h>

/* M_PI is POSIX, not C11; Python's math.pi is this double. */
#define LR_PI 3.141592653589793

/* LinearLR's default start factor, 1/3 in Python (torch 1.13). */
#define WARMUP_START (1.0 / 3.0)

/* OneCycleLR's defaults (torch 1.13). */
#define ONECYCLE_PCT_START 0.3
#define ONECYCLE_DIV       25.0
#define ONECYCLE_FINAL_DIV 1e4
#define ONECYCLE_BASE_MOM  0.85
#define ONECYCLE_MAX_MOM   0.95

/* LinearLR's lr after `epoch` steps (0 <= epoch <= total), by its recursive get_lr:
 * lr * (1 + (end - start) / (total * start + (epoch - 1) * (end - start))). */
static double warmup_lr(double base, int total, int epoch)
{
    double lr = base * WARMUP_START, delta = 1.0 - WARMUP_START;
    for (int e = 1; e <= epoch && e <= total; e++)
        lr = lr * (1. + delta / (total * WARMUP_START + (e - 1) * delta));
    return lr;
}

/* StepLR's lr after `epoch` steps: its recursive get_lr multiplies by gamma every step_size
 * epochs. */
static double step_lr(const struct lr_schedule *s, int epoch)
{
    double lr = s->lr;
    for (int e = 1; e <= epoch; e++)
        if (e % s->step_size == 0)
            lr = lr * s->gamma;
    return lr;
}

/* CosineAnnealingLR's lr after `epoch` steps, by its recursive get_lr (torch 1.13):
 *   e = 0: lr;  (e - 1 - T) % 2T == 0: lr + (base - eta_min) * (1 - cos(pi / T)) / 2;
 *   else (1 + cos(pi e / T)) / (1 + cos(pi (e - 1) / T)) * (lr - eta_min) + eta_min. */
static double cosine_lr(const struct lr_schedule *s, int t_max, int epoch)
{
    double lr = s->lr, eta = s->min_lr;
    for (int e = 1; e <= epoch; e++) {
        if ((e - 1 - t_max) % (2 * t_max) == 0)
            lr = lr + (s->lr - eta) * (1 - cos(LR_PI / t_max)) / 2;
        else
            lr = (1 + cos(LR_PI * e / t_max)) / (1 + cos(LR_PI * (e - 1) / t_max)) * (lr - eta) +
                 eta;
    }
    return lr;
}

/* OneCycleLR's _annealing_cos. */
static double anneal_cos(double start, double end, double pct)
{
    double cos_out = cos(LR_PI * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
}

/* OneCycleLR's get_lr at step `step`: two phases, the first ending at step
 * float(pct_start * total) - 1, the second at total - 1. */
static void onecycle_at(const struct lr_schedule *s, long step, double *lr, double *momentum)
{
    double total = (double)s->epochs * s->batches;
    double initial = s->lr / ONECYCLE_DIV, min_lr = initial / ONECYCLE_FINAL_DIV;
    double end1 = ONECYCLE_PCT_START * total - 1, end2 = total - 1;
    if (step <= end1) {
        double pct = (step - 0) / (end1 - 0);
        *lr = anneal_cos(initial, s->lr, pct);
        *momentum = anneal_cos(ONECYCLE_MAX_MOM, ONECYCLE_BASE_MOM, pct);
    } else {
        double pct = (step - end1) / (end2 - end1);
        *lr = anneal_cos(s->lr, min_lr, pct);
        *momentum = anneal_cos(ONECYCLE_BASE_MOM, ONECYCLE_MAX_MOM, pct);
    }
}

void lr_schedule_at(const struct lr_schedule *s, int epoch, int batch, float *lr, float *momentum)
{
    double l = s->lr, m = s->momentum;
    if (s->kind == LR_SCHEDULE_ONECYCLE) {
        onecycle_at(s, (long)epoch * s->batches + batch, &l, &m);
    } else if (epoch < s->warmup) {
        l = warmup_lr(s->lr, s->warmup, epoch);
    } else {
        int e = epoch - s->warmup; /* the main schedule's own epoch (SequentialLR) */
        if (s->kind == LR_SCHEDULE_STEP)
            l = step_lr(s, e);
        else if (s->kind == LR_SCHEDULE_COSINE)
            l = cosine_lr(s, s->epochs - s->warmup, e);
    }
    *lr = (float)l;
    *momentum = (float)m;
}

int lr_schedule_per_epoch(enum lr_schedule_kind kind)
{
    return kind != LR_SCHEDULE_ONECYCLE;
}

int lr_schedule_check(const struct lr_schedule *s, const char *what, struct rm_status *st)
{
    if (s->kind == LR_SCHEDULE_STEP && s->step_size < 1)
        return rm_fail(st, "%s: step needs a step size of at least 1", what);
    if (s->warmup && s->kind == LR_SCHEDULE_ONECYCLE)
        return rm_fail(st,
                       "%s: onecycle has its own warmup; --warmup is for constant, step and "
                       "cosine",
                       what);
    if (s->warmup && s->warmup >= s->epochs)
        return rm_fail(st, "%s: a warmup of %d epochs leaves none of the run's %d to the schedule",
                       what, s->warmup, s->epochs);
    if (s->kind == LR_SCHEDULE_COSINE && s->min_lr > s->lr)
        return rm_fail(st, "%s: the minimum lr %g is above the lr %g", what, s->min_lr, s->lr);
    return 0;
}

static const char *const kind_names[] = {"constant", "step", "cosine", "onecycle"};

int lr_schedule_parse_kind(const char *name, const char *text, enum lr_schedule_kind *out,
                           struct rm_status *st)
{
    for (int k = 0; k < 4; k++)
        if (strcmp(text, kind_names[k]) == 0) {
            *out = (enum lr_schedule_kind)k;
            return 0;
        }
    return rm_fail(st, "%s: '%s' is not a schedule (constant, step, cosine or onecycle)", name,
                   text);
}

const char *lr_schedule_kind_name(enum lr_schedule_kind kind)
{
    return kind_names[kind];
}
