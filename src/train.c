#include "resnet_mnist/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void batch_load(struct model *m, uint8_t *labels, const struct idx_dataset *ds, const int *idx,
                int first, int n)
{
    for (int b = 0; b < n; b++) {
        int i = idx ? idx[b] : first + b;
        idx_normalize(m->x + (size_t)b * MODEL_INPUT_FLOATS, ds->images + (size_t)i * MNIST_PIXELS,
                      MNIST_PIXELS);
        labels[b] = ds->labels[i];
    }
}

void evaluate(struct model *m, const struct idx_dataset *ds, struct eval_result *r)
{
    uint8_t labels[4096];
    int batch = m->max_batch < 4096 ? m->max_batch : 4096;
    double loss_sum = 0;
    r->correct = 0;
    r->total = ds->n;
    for (int first = 0; first < ds->n; first += batch) {
        int n = ds->n - first < batch ? ds->n - first : batch;
        batch_load(m, labels, ds, NULL, first, n);
        model_forward(m, n);
        loss_sum += model_loss(m, labels, n) * n;
        for (int b = 0; b < n; b++)
            r->correct += model_predicted(m, b) == labels[b];
    }
    r->loss = ds->n ? loss_sum / ds->n : 0.0;
}

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
    t->order = malloc((size_t)(train->n ? train->n : 1) * sizeof *t->order);
    t->labels = malloc((size_t)m->max_batch);
    if (!t->order || !t->labels) {
        trainer_free(t);
        return rm_fail(st, "out of memory for %d training images", train->n);
    }
    for (int i = 0; i < train->n; i++)
        t->order[i] = i;
    return 0;
}

void trainer_free(struct trainer *t)
{
    free(t->order);
    free(t->labels);
    memset(t, 0, sizeof *t);
}

double trainer_run_epoch(struct trainer *t, train_batch_fn on_batch, void *ctx, int *bad_batch)
{
    const struct idx_dataset *ds = t->train;
    int batch = t->m->max_batch;
    if (t->shuffle) {
        /* a fresh permutation of file order each epoch, as DataLoader(shuffle=True) */
        for (int i = 0; i < ds->n; i++)
            t->order[i] = i;
        rng_shuffle(&t->rng, t->order, ds->n);
    }
    int batches = (ds->n + batch - 1) / batch;
    double sum = 0;
    for (int k = 0; k < batches; k++) {
        int first = k * batch, n = ds->n - first < batch ? ds->n - first : batch;
        batch_load(t->m, t->labels, ds, t->order + first, 0, n);
        model_forward(t->m, n);
        double loss = model_loss(t->m, t->labels, n);
        if (!isfinite(loss)) { /* stop before the step, so the weights stay finite */
            if (bad_batch)
                *bad_batch = k + 1;
            return loss;
        }
        model_backward(t->m, t->labels, n);
        model_sgd_step(t->m, t->lr, t->momentum);
        sum += loss;
        if (on_batch)
            on_batch(ctx, k + 1, batches, loss);
    }
    return batches ? sum / batches : 0.0;
}
