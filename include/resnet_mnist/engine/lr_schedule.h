#ifndef RESNET_MNIST_LR_SCHEDULE_H
#define RESNET_MNIST_LR_SCHEDULE_H

#include "resnet_mnist/io/status.h"

/* Learning-rate schedules with PyTorch's semantics (torch 1.13, torch.optim.lr_scheduler), as
 * the sequence of (lr, momentum) each SGD step of a run uses. Every value is computed in double
 * exactly as PyTorch's Python code computes it (its recursive forms included, operation by
 * operation, no fused multiply-add) and rounded once to float, as torch.optim.SGD rounds its lr
 * and momentum when it applies them to float32 tensors:
 *  - constant: the lr throughout (no scheduler).
 *  - step: StepLR(step_size, gamma), stepped once per epoch.
 *  - cosine: CosineAnnealingLR(T_max = epochs - warmup, eta_min = min_lr), stepped once per
 *    epoch, by its recursive get_lr (what PyTorch produces, not the closed form).
 *  - onecycle: OneCycleLR(max_lr = lr, total_steps = epochs * batches) with all its defaults
 *    (pct_start 0.3, anneal cos, div_factor 25, final_div_factor 1e4, three_phase False,
 *    cycle_momentum True, base_momentum 0.85, max_momentum 0.95), stepped once per batch: it
 *    also sets the momentum, from 0.95 down to 0.85 and back, as PyTorch does by default.
 *  - warmup N (constant, step, cosine): SequentialLR([LinearLR(start_factor 1/3, end_factor 1,
 *    total_iters N), main], milestones [N]), stepped per epoch: epochs 0..N-1 take LinearLR's
 *    values (its default start factor), then the main schedule starts at its own epoch 0
 *    (constant: ConstantLR(factor 1)).
 * The schedule is a pure function of the position, so a resumed run needs no extra state. */

enum lr_schedule_kind {
    LR_SCHEDULE_CONSTANT,
    LR_SCHEDULE_STEP,
    LR_SCHEDULE_COSINE,
    LR_SCHEDULE_ONECYCLE,
};

struct lr_schedule {
    enum lr_schedule_kind kind;
    double lr;       /* the base lr (onecycle: max_lr) */
    double momentum; /* SGD's momentum, used as is except by onecycle */
    int step_size;   /* step: epochs between decays, >= 1 */
    double gamma;    /* step: the decay factor */
    int warmup;      /* epochs of linear warmup (not onecycle); < epochs */
    double min_lr;   /* cosine: eta_min */
    int epochs;      /* the run's epochs: cosine's T_max + warmup, onecycle's length */
    int batches;     /* batches per epoch (onecycle's total_steps = epochs * batches) */
};

/* The lr and momentum of the SGD step of batch `batch` (0-based) of epoch `epoch` (0-based),
 * each PyTorch's double rounded to float. Epochs past s->epochs continue the formulas (only
 * step and constant are meant to run there; see lr_schedule_check). */
void lr_schedule_at(const struct lr_schedule *s, int epoch, int batch, float *lr, float *momentum);

/* 1 when the schedule changes the lr only between epochs (constant, step, cosine), 0 when it
 * steps per batch (onecycle). */
int lr_schedule_per_epoch(enum lr_schedule_kind kind);

/* Checks s for a run: step_size >= 1 for step, warmup < epochs and none for onecycle,
 * min_lr <= lr for cosine. "<what>: <problem>", what naming the run's options. */
int lr_schedule_check(const struct lr_schedule *s, const char *what, struct rm_status *st);

/* Reads a schedule's name (--schedule): constant, step, cosine or onecycle. */
int lr_schedule_parse_kind(const char *name, const char *text, enum lr_schedule_kind *out,
                           struct rm_status *st);
/* The word lr_schedule_parse_kind reads for kind. */
const char *lr_schedule_kind_name(enum lr_schedule_kind kind);

#endif
