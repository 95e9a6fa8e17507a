/* The trainer's promises (trainer.h): ceil(n / batch) batches an epoch; an epoch stopped after
 * any batch and continued is bitwise the uninterrupted epoch; without shuffling the batches are
 * the file's images in order; a NaN loss stops the epoch before its step. Small synthetic data
 * sets built in memory, a model for batches of 4, one thread. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/evaluation.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/io/idx.h"

#define BATCH 4
#define LR    0.01f
#define MOM   0.5f

/* A model for batches of `batch`, its weights drawn from seed 1. */
static void make_model(struct model *m, int batch)
{
    struct rm_status st;
    if (model_init(m, batch, 1, &st) != 0)
        fail_msg("%s", st.msg);
    struct rng r;
    rng_seed(&r, 1);
    model_init_params(m, &r);
}

static void make_trainer(struct trainer *t, struct model *m, const struct idx_dataset *ds,
                         int shuffle)
{
    struct rm_status st;
    if (trainer_init(t, m, ds, 42, shuffle, LR, MOM, &st) != 0)
        fail_msg("%s", st.msg);
}

/* Records every batch's loss; sets *stop after batch stop_after (0: never). */
struct recorder {
    double loss[64];
    int calls, stop_after;
    volatile sig_atomic_t stop;
};

static void record_batch(void *ctx, int batch, int batches, double loss)
{
    struct recorder *r = ctx;
    assert_true(batch >= 1 && batch <= batches);
    assert_true(r->calls < 64);
    r->loss[r->calls++] = loss;
    if (batch == r->stop_after)
        r->stop = 1;
}

static void test_trainer_batches_is_ceil_of_n_over_batch(void **state)
{
    (void)state;
    const struct {
        int n, batch, want;
    } cases[] = {{10, 4, 3}, {8, 4, 2}, {1, 4, 1}, {3, 1, 3}, {31, 30, 2}, {30, 30, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct idx_dataset ds = {0};
        struct model m;
        struct trainer t;
        tu_random_dataset(&ds, cases[i].n, 7);
        make_model(&m, cases[i].batch);
        make_trainer(&t, &m, &ds, 1);
        if (trainer_batches(&t) != cases[i].want)
            fail_msg("n %d, batch %d: %d batches, want %d", cases[i].n, cases[i].batch,
                     trainer_batches(&t), cases[i].want);
        /* and an epoch runs exactly that many steps */
        struct recorder rec = {0};
        double mean;
        assert_int_equal(trainer_run_epoch(&t, NULL, record_batch, &rec, &mean),
                         TRAINER_EPOCH_DONE);
        assert_int_equal(rec.calls, cases[i].want);
        assert_int_equal(m.steps, cases[i].want);
        trainer_free(&t);
        model_free(&m);
        idx_free(&ds);
    }
}

/* An epoch stopped after batch k (0: before the first) and then continued, followed by a second
 * epoch, against the same two epochs run straight: same losses, weights, momentum and stream. */
static void test_trainer_stopped_epoch_continues_bitwise(void **state)
{
    (void)state;
    struct idx_dataset ds = {0};
    tu_random_dataset(&ds, 10, 3); /* 3 batches: 4, 4, 2 */
    struct model a;
    struct trainer ta;
    make_model(&a, BATCH);
    make_trainer(&ta, &a, &ds, 1);
    struct recorder ra = {0};
    double mean_a1, mean_a2;
    assert_int_equal(trainer_run_epoch(&ta, NULL, record_batch, &ra, &mean_a1), TRAINER_EPOCH_DONE);
    assert_int_equal(trainer_run_epoch(&ta, NULL, record_batch, &ra, &mean_a2), TRAINER_EPOCH_DONE);
    assert_int_equal(ra.calls, 6);
    assert_true(mean_a1 == (ra.loss[0] + ra.loss[1] + ra.loss[2]) / 3);

    for (int k = 0; k <= 2; k++) {
        struct model b;
        struct trainer tb;
        make_model(&b, BATCH);
        make_trainer(&tb, &b, &ds, 1);
        struct recorder rb = {.stop_after = k, .stop = k == 0};
        double mean_b1, mean_b2;
        assert_int_equal(trainer_run_epoch(&tb, &rb.stop, record_batch, &rb, &mean_b1),
                         TRAINER_STOPPED);
        assert_int_equal(tb.batch, k);
        assert_int_equal(b.steps, k);
        rb.stop = 0;
        rb.stop_after = 0;
        assert_int_equal(trainer_run_epoch(&tb, &rb.stop, record_batch, &rb, &mean_b1),
                         TRAINER_EPOCH_DONE);
        assert_int_equal(trainer_run_epoch(&tb, &rb.stop, record_batch, &rb, &mean_b2),
                         TRAINER_EPOCH_DONE);
        assert_int_equal(rb.calls, 6);
        if (memcmp(rb.loss, ra.loss, 6 * sizeof(double)) != 0)
            fail_msg("k=%d", k);
        assert_memory_equal(&mean_b1, &mean_a1, sizeof(double));
        assert_memory_equal(&mean_b2, &mean_a2, sizeof(double));
        assert_int_equal(tb.correct, ta.correct); /* the second epoch's training accuracy */
        assert_int_equal(tb.seen, 10);
        assert_memory_equal(b.params, a.params, MODEL_PARAM_FLOATS * sizeof(float));
        assert_memory_equal(b.momentum, a.momentum, MODEL_PARAM_FLOATS * sizeof(float));
        assert_memory_equal(&tb.rng, &ta.rng, sizeof ta.rng);
        assert_int_equal(b.steps, a.steps);
        trainer_free(&tb);
        model_free(&b);
    }
    trainer_free(&ta);
    model_free(&a);
    idx_free(&ds);
}

/* Without shuffling, the trainer's steps are those of batches of images 0-3, 4-7, 8-9 taken by
 * hand; with it, the order differs (so this test can tell). */
static void test_trainer_no_shuffle_visits_file_order(void **state)
{
    (void)state;
    struct idx_dataset ds = {0};
    tu_random_dataset(&ds, 10, 5);
    struct model m, ref;
    struct trainer t;
    make_model(&m, BATCH);
    make_model(&ref, BATCH);
    make_trainer(&t, &m, &ds, 0);
    struct recorder rec = {0};
    double mean;
    assert_int_equal(trainer_run_epoch(&t, NULL, record_batch, &rec, &mean), TRAINER_EPOCH_DONE);
    for (int i = 0; i < ds.n; i++)
        assert_int_equal(t.order[i], i);

    uint8_t labels[BATCH];
    int correct = 0; /* the training accuracy: each batch's predictions before its step */
    for (int b = 0, first = 0; first < ds.n; b++, first += BATCH) {
        int n = ds.n - first < BATCH ? ds.n - first : BATCH;
        batch_load(&ref, labels, &ds, NULL, first, n);
        model_forward(&ref, n);
        for (int i = 0; i < n; i++)
            correct += model_predicted(&ref, i) == labels[i];
        double loss = model_loss(&ref, labels, n);
        model_backward(&ref, labels, n);
        model_sgd_step(&ref, LR, MOM);
        assert_memory_equal(&loss, &rec.loss[b], sizeof loss);
    }
    assert_memory_equal(m.params, ref.params, MODEL_PARAM_FLOATS * sizeof(float));
    assert_int_equal(t.correct, correct);
    assert_int_equal(t.seen, ds.n);

    struct model s;
    struct trainer ts;
    make_model(&s, BATCH);
    make_trainer(&ts, &s, &ds, 1);
    assert_int_equal(trainer_run_epoch(&ts, NULL, NULL, NULL, &mean), TRAINER_EPOCH_DONE);
    assert_true(memcmp(s.params, ref.params, MODEL_PARAM_FLOATS * sizeof(float)) != 0);
    trainer_free(&ts);
    model_free(&s);
    trainer_free(&t);
    model_free(&m);
    model_free(&ref);
    idx_free(&ds);
}

static void test_trainer_nan_loss_diverges_without_a_step(void **state)
{
    (void)state;
    struct idx_dataset ds = {0};
    tu_random_dataset(&ds, 10, 9);
    struct model m;
    struct trainer t;
    make_model(&m, BATCH);
    make_trainer(&t, &m, &ds, 1);
    /* a NaN bias makes that logit, and so the loss, NaN for every image */
    for (int i = 0; i < MODEL_PARAM_COUNT; i++)
        if (strcmp(model_params[i].name, "linear2.bias") == 0)
            m.params[model_params[i].offset + 3] = NAN;
    float *before = malloc(MODEL_PARAM_FLOATS * sizeof *before);
    assert_non_null(before);
    memcpy(before, m.params, MODEL_PARAM_FLOATS * sizeof *before);
    struct recorder rec = {0};
    double loss = 0;
    assert_int_equal(trainer_run_epoch(&t, NULL, record_batch, &rec, &loss), TRAINER_DIVERGED);
    assert_true(isnan(loss));
    assert_int_equal(rec.calls, 0);
    assert_int_equal(t.batch, 0); /* the bad batch is t.batch + 1 = 1 */
    assert_int_equal(m.steps, 0);
    assert_memory_equal(m.params, before, MODEL_PARAM_FLOATS * sizeof(float));
    for (size_t i = 0; i < MODEL_PARAM_FLOATS; i++)
        assert_true(m.momentum[i] == 0.0f);
    free(before);
    trainer_free(&t);
    model_free(&m);
    idx_free(&ds);
}

/* A step whose result is not finite (here a bias whose momentum buffer pushes it past the
 * float range, while the loss stays finite) stops the epoch as divergence too: no later batch is
 * trained, and t->batch + 1 names the batch whose step it was. */
static void test_trainer_step_to_non_finite_weights_diverges(void **state)
{
    (void)state;
    struct idx_dataset ds = {0};
    tu_random_dataset(&ds, 12, 9);
    memset(ds.labels, 0, 12); /* class 3 is never the answer: its logit may be very low */
    struct model m;
    struct trainer t;
    make_model(&m, BATCH);
    make_trainer(&t, &m, &ds, 1);
    t.lr = 1.0f;
    t.momentum = 1.0f;
    m.steps = 1; /* the buffer counts from the first step on */
    for (int i = 0; i < MODEL_PARAM_COUNT; i++)
        if (strcmp(model_params[i].name, "linear2.bias") == 0) {
            m.params[model_params[i].offset + 3] = -1e38f;
            m.momentum[model_params[i].offset + 3] = 3e38f;
        }
    struct recorder rec = {0};
    double loss = 0;
    assert_int_equal(trainer_run_epoch(&t, NULL, record_batch, &rec, &loss), TRAINER_DIVERGED);
    assert_true(isfinite(loss));
    assert_int_equal(t.batch, 0); /* batch 1's step */
    assert_int_equal(rec.calls, 0);
    trainer_free(&t);
    model_free(&m);
    idx_free(&ds);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trainer_batches_is_ceil_of_n_over_batch),
        cmocka_unit_test(test_trainer_stopped_epoch_continues_bitwise),
        cmocka_unit_test(test_trainer_no_shuffle_visits_file_order),
        cmocka_unit_test(test_trainer_nan_loss_diverges_without_a_step),
        cmocka_unit_test(test_trainer_step_to_non_finite_weights_diverges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
