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
    t->sched = (struct lr_schedule){.kind = LR_SCHEDULE_CONSTANT, .lr = lr, .momentum = momentum};
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

int trainer_set_augment(struct trainer *t, const struct augment *a, uint64_t seed,
                        struct rm_status *st)
{
    free(t->aug_images);
    t->aug_images = malloc((size_t)t->m->max_batch * (MNIST_PIXELS + 1));
    if (!t->aug_images)
        return rm_fail(st, "out of memory for the augmented images");
    t->augment = 1;
    t->aug = *a;
    t->aug_seed = seed;
    return 0;
}

/* The lr and momentum of step (epoch, batch): the schedule's, or with a constant lr and no
 * warmup the fields as set (callers may set them after trainer_init). */
static void step_lr(const struct trainer *t, int epoch, int batch, float *lr, float *momentum)
{
    *lr = t->lr;
    *momentum = t->momentum;
    if (t->sched.kind != LR_SCHEDULE_CONSTANT || t->sched.warmup)
        lr_schedule_at(&t->sched, epoch, batch, lr, momentum);
}

float trainer_current_lr(const struct trainer *t)
{
    int epoch = t->epoch, batch = t->batch - 1;
    if (batch < 0 && epoch > 0) { /* between epochs: the last step of the one before */
        epoch--;
        batch = trainer_batches(t) - 1;
    }
    float lr, momentum;
    step_lr(t, epoch, batch < 0 ? 0 : batch, &lr, &momentum);
    return lr;
}

struct augment_job {
    const struct trainer *t;
    int first;
    uint8_t *labels;
};

/* One image of the batch: its own stream from (seed, epoch, image), so the result does not
 * depend on which thread draws it. */
static void augment_task(void *ctx, int b, int thread)
{
    (void)thread;
    const struct augment_job *job = ctx;
    const struct trainer *t = job->t;
    int i = t->order[job->first + b];
    struct rng r;
    rng_seed(&r, augment_seed(t->aug_seed, t->epoch, i));
    augment_image(t->aug_images + (size_t)b * MNIST_PIXELS,
                  t->train->images + (size_t)i * MNIST_PIXELS, MNIST_COLS, MNIST_ROWS, &t->aug, &r);
    job->labels[b] = t->train->labels[i];
}

/* Batch `count` images of the epoch from order[first]: augmented copies of them in
 * t->aug_images, drawn on the model's threads (serial, they cost 11% of a 2-thread epoch),
 * normalised into the model's input by batch_load. */
static void load_augmented(struct trainer *t, int first, int count)
{
    uint8_t *labels = t->aug_images + (size_t)t->m->max_batch * MNIST_PIXELS;
    struct augment_job job = {.t = t, .first = first, .labels = labels};
    thread_pool_run(&t->m->pool, count, augment_task, &job);
    struct idx_dataset view = {.n = count, .images = t->aug_images, .labels = labels};
    batch_load(t->m, t->labels, &view, NULL, 0, count);
}

void trainer_free(struct trainer *t)
{
    free(t->order);
    free(t->labels);
    free(t->aug_images);
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
        t->correct = t->seen = 0;
        t->order_ready = 0;
    }
    if (!t->order_ready)
        build_order(t);
    while (t->batch < batches) {
        int first = t->batch * size, n = ds->n - first < size ? ds->n - first : size;
        if (t->augment)
            load_augmented(t, first, n);
        else
            batch_load(t->m, t->labels, ds, t->order + first, 0, n);
        model_forward(t->m, n);
        double loss = model_loss(t->m, t->labels, n);
        if (!isfinite(loss)) { /* stop before the step, so the weights stay finite */
            *mean_loss = loss;
            return TRAINER_DIVERGED;
        }
        int correct = 0; /* before the backward pass, which may reuse the logits' memory */
        for (int b = 0; b < n; b++)
            correct += model_predicted(t->m, b) == t->labels[b];
        model_backward(t->m, t->labels, n);
        float lr, momentum;
        step_lr(t, t->epoch, t->batch, &lr, &momentum);
        if (model_sgd_step(t->m, lr, momentum) != 0) { /* the step itself overflowed */
            *mean_loss = loss;
            return TRAINER_DIVERGED;
        }
        t->loss_sum += loss;
        t->correct += correct;
        t->seen += n;
        t->batch++;
        if (on_batch)
            on_batch(ctx, t->batch, batches, loss);
        if (t->batch < batches && stop && *stop)
            return TRAINER_STOPPED;
    }
    *mean_loss = batches ? t->loss_sum / batches : 0.0;
    t->batch = 0;
    t->order_ready = 0;
    t->epoch++;
    return TRAINER_EPOCH_DONE;
}
