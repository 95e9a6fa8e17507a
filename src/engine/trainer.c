#include "resnet_mnist/engine/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/evaluation.h"

int trainer_init(struct trainer *t, struct model *m, const struct idx_dataset *train, uint64_t seed,
                 int shuffle, float lr, float momentum, struct rm_status *st)
{
    memset(t, 0, sizeof *t);
    t->m = m;
    t->train = train;
    t->shuffle = shuffle;
    t->lr = lr;
    t->momentum = momentum;
    rng_seed(&t->rng, seed);
    t->epoch_rng = t->rng;
    t->order = malloc((size_t)(train->n ? train->n : 1) * sizeof *t->order);
    t->labels = malloc((size_t)m->max_batch);
    if (!t->order || !t->labels) {
        trainer_free(t);
        return rm_fail(st, "out of memory for %d training images", train->n);
    }
    return 0;
}

void trainer_free(struct trainer *t)
{
    free(t->order);
    free(t->labels);
    memset(t, 0, sizeof *t);
}

int trainer_batches(const struct trainer *t)
{
    return (t->train->n + t->m->max_batch - 1) / t->m->max_batch;
}

/* 1 if every one of the n floats is finite. Reads the bits (an exponent of all ones is an
 * infinity or a NaN) and ORs the verdicts, integer work the compiler vectorises, so that the
 * check costs little beside a step. */
/* The epoch's permutation, drawn from the stream as it was when the epoch began, so that a
 * resumed epoch sees the same order (and leaves the stream where an uninterrupted one would). */
static void build_order(struct trainer *t)
{
    t->rng = t->epoch_rng;
    for (int i = 0; i < t->train->n; i++)
        t->order[i] = i;
    if (t->shuffle) /* a fresh permutation each epoch, as DataLoader(shuffle=True) */
        rng_shuffle(&t->rng, t->order, t->train->n);
    t->order_ready = 1;
}

enum trainer_status trainer_run_epoch(struct trainer *t, const volatile sig_atomic_t *stop,
                                      train_batch_fn on_batch, void *ctx, double *mean_loss)
{
    const struct idx_dataset *ds = t->train;
    int size = t->m->max_batch, batches = trainer_batches(t);
    /* A stop is honoured before anything changes, not after the epoch's permutation is drawn:
     * a trainer stopped there at batch 0 would begin the epoch again from the advanced stream,
     * and draw another permutation than an uninterrupted run. */
    if (stop && *stop)
        return TRAINER_STOPPED;
    if (t->batch == 0) {
        t->epoch_rng = t->rng;
        t->loss_sum = 0;
        t->order_ready = 0;
    }
    if (!t->order_ready)
        build_order(t);
    while (t->batch < batches) {
        int first = t->batch * size, n = ds->n - first < size ? ds->n - first : size;
        batch_load(t->m, t->labels, ds, t->order + first, 0, n);
        model_forward(t->m, n);
        double loss = model_loss(t->m, t->labels, n);
        if (!isfinite(loss)) { /* stop before the step, so the weights stay finite */
            *mean_loss = loss;
            return TRAINER_DIVERGED;
        }
        model_backward(t->m, t->labels, n);
        if (model_sgd_step(t->m, t->lr, t->momentum) != 0) { /* the step itself overflowed */
            *mean_loss = loss;
            return TRAINER_DIVERGED;
        }
        t->loss_sum += loss;
        t->batch++;
        if (on_batch)
            on_batch(ctx, t->batch, batches, loss);
        if (t->batch < batches && stop && *stop)
            return TRAINER_STOPPED;
    }
    *mean_loss = batches ? t->loss_sum / batches : 0.0;
    t->batch = 0;
    t->order_ready = 0;
    return TRAINER_EPOCH_DONE;
}
