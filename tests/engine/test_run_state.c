/* A run's record and its checkpoints (run_state.h): the resumable file saved, loaded and restored
 * gives back bitwise the model and trainer that were saved, and they go on training as the
 * originals do; the weights file round trip; a weights file refused for resuming with the --init
 * hint; the best-epoch rule and the history's growth; a new run's seeds. Synthetic data in
 * memory, files in a temporary folder. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/data_fingerprint.h"
#include "resnet_mnist/io/idx.h"

#define BATCH 4

static void new_model(struct model *m)
{
    struct rm_status st;
    if (model_init(m, BATCH, 1, &st) != 0)
        fail_msg("%s", st.msg);
}

static struct epoch_record record(int correct, int total)
{
    return (struct epoch_record){.train_loss = 0.5 + correct,
                                 .test_loss = 0.25 + total,
                                 .correct = correct,
                                 .total = total,
                                 .seconds = 1.0};
}

/* A run in the middle of its second epoch: one epoch done and pushed, then stopped after one
 * batch, so that momentum, steps, both generators, the batch and the running loss all hold
 * something. */
struct mid_run {
    struct idx_dataset ds;
    struct model m;
    struct trainer t;
    struct run_state r;
    char *dir, *path;
};

/* Field by field: a struct's padding is not part of it. */
static void assert_same_options(const struct run_options *a, const struct run_options *b)
{
    assert_int_equal(a->batch_size, b->batch_size);
    assert_int_equal(a->shuffle, b->shuffle);
    assert_true(a->lr == b->lr && a->momentum == b->momentum);
    assert_true(a->seed == b->seed);
    assert_int_equal(a->train_images, b->train_images);
    assert_int_equal(a->test_images, b->test_images);
    assert_int_equal(a->conv, b->conv);
    assert_int_equal(a->val, b->val);
    assert_int_equal(a->monitor, b->monitor);
    assert_int_equal(a->patience, b->patience);
}

static void stop_after_first(void *ctx, int batch, int batches, double loss)
{
    (void)batches;
    (void)loss;
    if (batch == 1)
        *(volatile sig_atomic_t *)ctx = 1;
}

static int mid_run_setup(void **state)
{
    struct mid_run *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct rm_status st;
    tu_random_dataset(&f->ds, 10, 11);
    new_model(&f->m);
    struct run_options o = {.batch_size = BATCH,
                            .shuffle = 1,
                            .lr = 0.01f,
                            .momentum = 0.5f,
                            .seed = 12345,
                            .train_images = 10,
                            .test_images = 6,
                            .conv = MODEL_CONV_DIRECT};
    if (run_state_begin(&f->r, &f->m, &f->t, &f->ds, &o, 3, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    double loss;
    assert_int_equal(trainer_run_epoch(&f->t, NULL, NULL, NULL, &loss), TRAINER_EPOCH_DONE);
    struct epoch_record e = {
        .train_loss = loss, .test_loss = 0.1 / 3, .correct = 4, .total = 6, .seconds = 2.5};
    assert_int_equal(run_state_push(&f->r, &e, &st), 0);
    memcpy(f->r.best_params, f->m.params, MODEL_PARAM_FLOATS * sizeof(float)); /* epoch 1 */
    volatile sig_atomic_t stop = 0;
    assert_int_equal(trainer_run_epoch(&f->t, &stop, stop_after_first, (void *)&stop, &loss),
                     TRAINER_STOPPED);
    assert_int_equal(f->t.batch, 1);
    f->dir = tu_make_temp_dir();
    f->path = tu_path(f->dir, "last.bin");
    /* where the data came from: the folder (as if the files were there) and its fingerprint */
    struct data_fingerprint fp;
    assert_int_equal(data_fingerprint_compute(&fp, &f->ds, &f->ds, &st), 0);
    if (run_state_set_source(&f->r, f->dir, 0, 6, NULL, &fp, &st) != 0)
        fail_msg("%s", st.msg);
    *state = f;
    return 0;
}

static int mid_run_teardown(void **state)
{
    struct mid_run *f = *state;
    trainer_free(&f->t);
    model_free(&f->m);
    run_state_free(&f->r);
    idx_free(&f->ds);
    free(f->path);
    tu_remove_dir(f->dir);
    free(f);
    return 0;
}

static void test_run_state_resume_round_trip_is_bitwise(void **state)
{
    struct mid_run *f = *state;
    struct rm_status st;
    if (run_save_resumable(f->path, &f->m, &f->t, &f->r, &st) != 0)
        fail_msg("%s", st.msg);

    float *buf = malloc(2 * MODEL_PARAM_FLOATS * sizeof *buf);
    assert_non_null(buf);
    struct resume_point at;
    struct run_state r;
    if (run_load_resumable(f->path, buf, buf + MODEL_PARAM_FLOATS, &at, &r, &st) != 0)
        fail_msg("%s", st.msg);
    struct model m;
    struct trainer t;
    new_model(&m);
    if (run_state_restore(&m, &t, &f->ds, &r, buf, buf + MODEL_PARAM_FLOATS, &at, f->path, &st))
        fail_msg("%s", st.msg);
    free(buf);

    /* the record: options and history (seconds are not saved) */
    assert_same_options(&r.opt, &f->r.opt);
    assert_int_equal(r.epochs_done, 1);
    assert_int_equal(r.best_epoch, 1);
    assert_memory_equal(&r.hist[0].train_loss, &f->r.hist[0].train_loss, sizeof(double));
    assert_memory_equal(&r.hist[0].test_loss, &f->r.hist[0].test_loss, sizeof(double));
    assert_int_equal(r.hist[0].correct, 4);
    assert_int_equal(r.hist[0].total, 6);
    /* the source and the best epoch's weights */
    assert_int_equal(r.epochs, 3);
    assert_string_equal(r.src.data_dir, f->dir);
    assert_string_equal(r.src.data_abs, f->r.src.data_abs);
    assert_true(r.src.data_abs[0] == '/');
    assert_int_equal(r.src.limit_train, 0);
    assert_int_equal(r.src.limit_test, 6);
    assert_null(r.src.init);
    assert_memory_equal(&r.src.data, &f->r.src.data, sizeof r.src.data);
    assert_memory_equal(r.best_params, f->r.best_params, MODEL_PARAM_FLOATS * sizeof(float));
    assert_true(memcmp(r.best_params, f->m.params, MODEL_PARAM_FLOATS * sizeof(float)) != 0);
    /* the model and the trainer */
    assert_memory_equal(m.params, f->m.params, MODEL_PARAM_FLOATS * sizeof(float));
    assert_memory_equal(m.momentum, f->m.momentum, MODEL_PARAM_FLOATS * sizeof(float));
    assert_int_equal(m.steps, f->m.steps);
    assert_memory_equal(&t.rng, &f->t.rng, sizeof t.rng);
    assert_memory_equal(&t.epoch_rng, &f->t.epoch_rng, sizeof t.rng);
    assert_int_equal(t.batch, 1);
    assert_memory_equal(&t.loss_sum, &f->t.loss_sum, sizeof(double));
    assert_int_equal(t.seen, BATCH); /* the running training accuracy */
    assert_int_equal(t.correct, f->t.correct);
    assert_int_equal(t.shuffle, 1);
    assert_true(t.lr == 0.01f && t.momentum == 0.5f);
    assert_int_equal(t.order_ready, 0);

    /* and both finish the epoch alike */
    double want, have;
    assert_int_equal(trainer_run_epoch(&f->t, NULL, NULL, NULL, &want), TRAINER_EPOCH_DONE);
    assert_int_equal(trainer_run_epoch(&t, NULL, NULL, NULL, &have), TRAINER_EPOCH_DONE);
    assert_memory_equal(&have, &want, sizeof want);
    assert_int_equal(t.correct, f->t.correct);
    assert_int_equal(t.seen, 10);
    assert_memory_equal(m.params, f->m.params, MODEL_PARAM_FLOATS * sizeof(float));
    assert_memory_equal(&t.rng, &f->t.rng, sizeof t.rng);
    trainer_free(&t);
    model_free(&m);
    run_state_free(&r);
}

/* A run with --conv fast records it, and its resumable file gives it back; a file without the
 * field (every run before --conv, and direct runs) is direct. */
static void test_run_state_records_conv(void **state)
{
    struct mid_run *f = *state;
    struct rm_status st;
    float *buf = malloc(2 * MODEL_PARAM_FLOATS * sizeof *buf);
    assert_non_null(buf);
    struct resume_point at;
    struct run_state r;
    const enum model_conv modes[] = {MODEL_CONV_FAST, MODEL_CONV_DIRECT};
    for (int i = 0; i < 2; i++) {
        f->r.opt.conv = modes[i];
        if (run_save_resumable(f->path, &f->m, &f->t, &f->r, &st) != 0)
            fail_msg("%s", st.msg);
        r.opt.conv = modes[1 - i];
        if (run_load_resumable(f->path, buf, buf + MODEL_PARAM_FLOATS, &at, &r, &st) != 0)
            fail_msg("%s", st.msg);
        assert_int_equal(r.opt.conv, modes[i]);
        run_state_free(&r);
    }
    free(buf);
}

static void test_run_state_restore_refusals(void **state)
{
    struct mid_run *f = *state;
    struct rm_status st;
    struct resume_point at = {.rng = f->t.rng, .epoch_rng = f->t.epoch_rng, .batch = 3};
    struct model m;
    struct trainer t;
    new_model(&m);
    /* 10 images in batches of 4: batches 0, 1 and 2 exist, 3 does not */
    assert_int_equal(run_state_restore(&m, &t, &f->ds, &f->r, f->m.params, f->m.momentum, &at,
                                       "x/last.bin", &st),
                     -1);
    assert_string_equal(st.msg,
                        "x/last.bin: resume field 'batch_in_epoch' (3) is past the epoch's 3 "
                        "batches");
    trainer_free(&t);
    at.batch = 2;
    assert_int_equal(run_state_restore(&m, &t, &f->ds, &f->r, f->m.params, f->m.momentum, &at,
                                       "x/last.bin", &st),
                     0);
    trainer_free(&t);
    /* a training set of another size */
    struct idx_dataset other = {0};
    tu_random_dataset(&other, 9, 1);
    assert_int_equal(run_state_restore(&m, &t, &other, &f->r, f->m.params, f->m.momentum, &at,
                                       "x/last.bin", &st),
                     -1);
    assert_non_null(strstr(st.msg, "x/last.bin: "));
    assert_non_null(strstr(st.msg, "10 training images"));
    idx_free(&other);
    model_free(&m);
    /* a model for another batch size */
    assert_int_equal(model_init(&m, BATCH + 1, 1, &st), 0);
    assert_int_equal(run_state_restore(&m, &t, &f->ds, &f->r, f->m.params, f->m.momentum, &at,
                                       "x/last.bin", &st),
                     -1);
    assert_non_null(strstr(st.msg, "batches of 4"));
    trainer_free(&t);
    model_free(&m);
}

static void test_run_state_weights_file_round_trip(void **state)
{
    struct mid_run *f = *state;
    struct rm_status st;
    char *best = tu_path(f->dir, "best.bin");
    if (run_save_weights(best, &f->m, &f->r, 1, &st) != 0)
        fail_msg("%s", st.msg);
    float *w = calloc(MODEL_PARAM_FLOATS, sizeof *w);
    assert_non_null(w);
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(w, t);
    struct ckpt_meta meta = {0};
    if (ckpt_load(best, t, MODEL_PARAM_COUNT, &meta, &st) != 0)
        fail_msg("%s", st.msg);
    assert_memory_equal(w, f->m.params, MODEL_PARAM_FLOATS * sizeof(float));
    assert_string_equal(ckpt_meta_get(&meta, "epoch"), "1");
    assert_string_equal(ckpt_meta_get(&meta, "test_correct"), "4");
    assert_string_equal(ckpt_meta_get(&meta, "test_total"), "6");
    assert_string_equal(ckpt_meta_get(&meta, "test_accuracy"), "0.666667");
    assert_string_equal(ckpt_meta_get(&meta, "seed"), "12345");
    assert_string_equal(ckpt_meta_get(&meta, "batch_size"), "4");
    assert_null(ckpt_meta_get(&meta, "resume"));
    ckpt_meta_free(&meta);
    free(w);
    free(best);
}

static void test_run_state_weights_file_is_not_resumable(void **state)
{
    struct mid_run *f = *state;
    struct rm_status st;
    char *best = tu_path(f->dir, "best.bin");
    if (run_save_weights(best, &f->m, &f->r, 1, &st) != 0)
        fail_msg("%s", st.msg);
    float *buf = malloc(2 * MODEL_PARAM_FLOATS * sizeof *buf);
    assert_non_null(buf);
    struct resume_point at;
    struct run_state r;
    assert_int_equal(run_load_resumable(best, buf, buf + MODEL_PARAM_FLOATS, &at, &r, &st), -1);
    assert_true(strncmp(st.msg, best, strlen(best)) == 0);
    assert_non_null(strstr(st.msg, "not a resumable checkpoint"));
    assert_non_null(strstr(st.msg, "--init"));
    assert_null(r.hist); /* nothing to free */
    assert_int_equal(r.epochs_done, 0);
    free(buf);
    free(best);
}

static void test_run_state_push_best_is_first_epoch_of_highest_accuracy(void **state)
{
    (void)state;
    struct rm_status st;
    struct run_state r;
    assert_int_equal(run_state_init(&r, 8, &st), 0);
    assert_int_equal(r.best_epoch, 0);
    /* accuracies 0.5, 0.8, 0.8, 0.7, 0.9, 0.9 (0.9 as 18/20 then 9/10), 0 */
    const int correct[] = {5, 8, 4, 7, 18, 9, 0}, total[] = {10, 10, 5, 10, 20, 10, 10};
    const int best[] = {1, 2, 2, 2, 5, 5, 5};
    for (int i = 0; i < 7; i++) {
        struct epoch_record e = record(correct[i], total[i]);
        assert_int_equal(run_state_push(&r, &e, &st), 0);
        assert_int_equal(r.epochs_done, i + 1);
        assert_int_equal(r.best_epoch, best[i]);
    }
    run_state_free(&r);
    /* an epoch without test images has accuracy 0, and is still a first best */
    assert_int_equal(run_state_init(&r, 1, &st), 0);
    struct epoch_record none = record(0, 0);
    assert_int_equal(run_state_push(&r, &none, &st), 0);
    assert_int_equal(r.best_epoch, 1);
    run_state_free(&r);
}

/* With validation images (opt.val), the best epoch is the first of the highest validation
 * accuracy, or of the lowest validation loss with RUN_MONITOR_LOSS, whatever the test set says;
 * with a patience N the run is out of it once N epochs follow the best without a better one. */
static void test_run_state_push_best_on_validation(void **state)
{
    (void)state;
    struct rm_status st;
    /* per epoch: test correct of 10, validation correct of 20, validation loss */
    const int test[] = {9, 5, 4, 3, 2, 1}, val[] = {10, 14, 16, 16, 12, 11};
    const double loss[] = {0.9, 0.5, 0.6, 0.4, 0.4, 0.7};
    const int best_acc[] = {1, 2, 3, 3, 3, 3}, best_loss[] = {1, 2, 2, 4, 4, 4};
    const int out_acc[] = {0, 0, 0, 0, 1, 1}, out_loss[] = {0, 0, 0, 0, 0, 1}; /* patience 2 */
    for (int monitor = 0; monitor < 2; monitor++) {
        struct run_state r;
        assert_int_equal(run_state_init(&r, 2, &st), 0);
        r.opt.val = 20;
        r.opt.monitor = monitor ? RUN_MONITOR_LOSS : RUN_MONITOR_ACCURACY;
        r.opt.patience = 2;
        for (int i = 0; i < 6; i++) {
            struct epoch_record e = record(test[i], 10);
            e.val_correct = val[i];
            e.val_total = 20;
            e.val_loss = loss[i];
            assert_int_equal(run_state_push(&r, &e, &st), 0);
            assert_int_equal(r.best_epoch, monitor ? best_loss[i] : best_acc[i]);
            assert_int_equal(run_state_out_of_patience(&r), monitor ? out_loss[i] : out_acc[i]);
        }
        /* a validation loss that is not finite is refused like a test loss */
        struct epoch_record e = record(1, 10);
        e.val_total = 20;
        e.val_loss = NAN;
        assert_int_equal(run_state_push(&r, &e, &st), -1);
        assert_string_equal(st.msg, "epoch 7: the validation loss is NaN");
        assert_int_equal(r.epochs_done, 6);
        run_state_free(&r);
    }
    /* without validation there is no patience to run out of */
    struct run_state r;
    assert_int_equal(run_state_init(&r, 2, &st), 0);
    for (int i = 0; i < 4; i++) {
        struct epoch_record e = record(5, 10);
        assert_int_equal(run_state_push(&r, &e, &st), 0);
    }
    assert_int_equal(r.best_epoch, 1);
    assert_int_equal(run_state_out_of_patience(&r), 0);
    run_state_free(&r);
}

/* The validation split's options, each epoch's training accuracy, lr and validation results,
 * and the epoch's running training accuracy come back from a resumable file exactly; a file of
 * the format before them (2) still loads, with no training accuracy recorded. */
static void test_run_state_resume_round_trip_with_validation(void **state)
{
    struct mid_run *f = *state;
    struct rm_status st;
    f->r.opt.val = 3;
    f->r.opt.monitor = RUN_MONITOR_LOSS;
    f->r.opt.patience = 2;
    struct epoch_record *h = &f->r.hist[0];
    h->train_correct = 5;
    h->train_total = 7;
    h->lr = 0.01f;
    h->val_loss = 0.1 / 7;
    h->val_correct = 2;
    h->val_total = 3;
    if (run_save_resumable(f->path, &f->m, &f->t, &f->r, &st) != 0)
        fail_msg("%s", st.msg);
    float *buf = malloc(2 * MODEL_PARAM_FLOATS * sizeof *buf);
    assert_non_null(buf);
    struct resume_point at;
    struct run_state r;
    if (run_load_resumable(f->path, buf, buf + MODEL_PARAM_FLOATS, &at, &r, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(r.opt.val, 3);
    assert_int_equal(r.opt.monitor, RUN_MONITOR_LOSS);
    assert_int_equal(r.opt.patience, 2);
    const struct epoch_record *g = &r.hist[0];
    assert_int_equal(g->train_correct, 5);
    assert_int_equal(g->train_total, 7);
    assert_true(g->lr == 0.01f);
    assert_memory_equal(&g->val_loss, &h->val_loss, sizeof(double));
    assert_int_equal(g->val_correct, 2);
    assert_int_equal(g->val_total, 3);
    assert_int_equal(at.seen, BATCH); /* one batch of the second epoch done */
    assert_int_equal(at.correct, f->t.correct);
    run_state_free(&r);
    /* a file that says format 2: loaded, its training accuracies unknown */
    tu_edit_resumable(f->path, "resume", "2");
    if (run_load_resumable(f->path, buf, buf + MODEL_PARAM_FLOATS, &at, &r, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(r.hist[0].train_total, 0);
    assert_int_equal(at.seen, 0);
    run_state_free(&r);
    /* a validation history that does not match the split is refused */
    tu_edit_resumable(f->path, "resume", "3");
    tu_edit_resumable(f->path, "history_val", "0.5,2,4");
    assert_int_equal(run_load_resumable(f->path, buf, buf + MODEL_PARAM_FLOATS, &at, &r, &st), -1);
    assert_non_null(strstr(st.msg, "resume field 'history_val' has a bad value"));
    tu_edit_resumable(f->path, "history_val", "0.5,2,3");
    tu_edit_resumable(f->path, "val", "10"); /* all of the 10 training images */
    assert_int_equal(run_load_resumable(f->path, buf, buf + MODEL_PARAM_FLOATS, &at, &r, &st), -1);
    assert_non_null(strstr(st.msg, "resume field 'val' has a bad value '10': not less than"));
    free(buf);
}

static void test_run_state_history_grows(void **state)
{
    (void)state;
    struct rm_status st;
    struct run_state r;
    assert_int_equal(run_state_init(&r, 0, &st), 0); /* room for at least one */
    for (int i = 0; i < 100; i++) {
        struct epoch_record e = record(i, 100);
        assert_int_equal(run_state_push(&r, &e, &st), 0);
    }
    assert_int_equal(r.epochs_done, 100);
    assert_true(r.capacity >= 100);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(r.hist[i].correct, i);
        assert_true(r.hist[i].train_loss == 0.5 + i);
    }
    assert_int_equal(r.best_epoch, 100);
    run_state_free(&r);
    assert_null(r.hist);
    run_state_free(&r); /* twice is safe */
}

/* A new run: weights from a stream seeded with the seed, shuffling from one seeded with
 * seed ^ "SHUFFLE" (a constant every run's numbers depend on), or weights from --init. */
static void test_run_state_begin_seeds_weights_and_shuffling(void **state)
{
    struct mid_run *f = *state;
    struct rm_status st;
    struct run_options o = {.batch_size = BATCH,
                            .shuffle = 0,
                            .lr = 0.02f,
                            .momentum = 0.25f,
                            .seed = 77,
                            .train_images = 10,
                            .test_images = 6,
                            .conv = MODEL_CONV_DIRECT};
    struct model m, want;
    struct trainer t;
    struct run_state r;
    new_model(&m);
    new_model(&want);
    if (run_state_begin(&r, &m, &t, &f->ds, &o, 3, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    struct rng g;
    rng_seed(&g, 77);
    model_init_params(&want, &g);
    assert_memory_equal(m.params, want.params, MODEL_PARAM_FLOATS * sizeof(float));
    rng_seed(&g, 77 ^ 0x53485546464c45ull);
    assert_memory_equal(&t.rng, &g, sizeof g);
    rng_seed(&g, 77);
    assert_true(memcmp(&t.rng, &g, sizeof g) != 0);
    assert_int_equal(t.shuffle, 0);
    assert_true(t.lr == 0.02f && t.momentum == 0.25f);
    assert_same_options(&r.opt, &o);
    assert_int_equal(r.epochs_done, 0);
    trainer_free(&t);
    run_state_free(&r);

    /* --init: the weights of a file, over the drawn ones */
    char *init = tu_path(f->dir, "init.bin");
    if (run_save_weights(init, &f->m, &f->r, 1, &st) != 0)
        fail_msg("%s", st.msg);
    if (run_state_begin(&r, &m, &t, &f->ds, &o, 3, init, &st) != 0)
        fail_msg("%s", st.msg);
    assert_memory_equal(m.params, f->m.params, MODEL_PARAM_FLOATS * sizeof(float));
    assert_int_equal(m.steps, 0);
    trainer_free(&t);
    run_state_free(&r);
    /* a missing --init file is named */
    char *missing = tu_path(f->dir, "missing.bin");
    assert_int_equal(run_state_begin(&r, &m, &t, &f->ds, &o, 3, missing, &st), -1);
    assert_non_null(strstr(st.msg, missing));
    trainer_free(&t);
    run_state_free(&r);
    free(missing);
    free(init);
    model_free(&m);
    model_free(&want);
}

/* A resumable file's options are read by the command line's rules: values train would refuse
 * as options are refused in the file too, by the field's name, even with a matching checksum. */
static void test_run_state_load_refuses_what_the_command_line_refuses(void **state)
{
    struct mid_run *f = *state;
    struct rm_status st;
    const char *bad[][2] = {
        {"lr", "nan"},
        {"lr", "1e-50"},
        {"lr", "0"},
        {"lr", "inf"},
        {"momentum", "5"},
        {"momentum", "-0.5"},
        {"batch_size", "1048576"},
        {"batch_size", "0"},
        {"seed", "-1"},
        {"train_images", "1e3"},
        {"shuffle", "yes"},
        {"lr", " 0.01"},
        {"conv", "slow"},
        {"conv", "FAST"},
    };
    f->r.opt.conv = MODEL_CONV_FAST; /* so that the file has a "conv" to spoil */
    float *buf = malloc(2 * MODEL_PARAM_FLOATS * sizeof *buf);
    assert_non_null(buf);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (run_save_resumable(f->path, &f->m, &f->t, &f->r, &st) != 0)
            fail_msg("%s", st.msg);
        tu_edit_resumable(f->path, bad[i][0], bad[i][1]);
        struct resume_point at;
        struct run_state r;
        int rc = run_load_resumable(f->path, buf, buf + MODEL_PARAM_FLOATS, &at, &r, &st);
        char want[64];
        snprintf(want, sizeof want, "'%s'", bad[i][0]);
        if (rc != -1 || !strstr(st.msg, want))
            fail_msg("%s = '%s': rc %d, '%s'", bad[i][0], bad[i][1], rc, rc ? st.msg : "");
    }
    free(buf);
}

/* An epoch whose losses are not finite is never recorded, so it can never be the best. */
static void test_run_state_push_refuses_a_non_finite_epoch(void **state)
{
    (void)state;
    struct rm_status st;
    struct run_state r;
    assert_int_equal(run_state_init(&r, 4, &st), 0);
    struct epoch_record nan_test = record(9, 10), inf_train = record(9, 10);
    nan_test.test_loss = NAN;
    inf_train.train_loss = INFINITY;
    assert_int_equal(run_state_push(&r, &nan_test, &st), -1);
    assert_int_equal(run_state_push(&r, &inf_train, &st), -1);
    assert_int_equal(r.epochs_done, 0);
    assert_int_equal(r.best_epoch, 0);
    run_state_free(&r);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_state_resume_round_trip_is_bitwise, mid_run_setup,
                                        mid_run_teardown),
        cmocka_unit_test_setup_teardown(test_run_state_records_conv, mid_run_setup,
                                        mid_run_teardown),
        cmocka_unit_test_setup_teardown(test_run_state_restore_refusals, mid_run_setup,
                                        mid_run_teardown),
        cmocka_unit_test_setup_teardown(test_run_state_weights_file_round_trip, mid_run_setup,
                                        mid_run_teardown),
        cmocka_unit_test_setup_teardown(test_run_state_weights_file_is_not_resumable, mid_run_setup,
                                        mid_run_teardown),
        cmocka_unit_test(test_run_state_push_best_is_first_epoch_of_highest_accuracy),
        cmocka_unit_test(test_run_state_push_best_on_validation),
        cmocka_unit_test_setup_teardown(test_run_state_resume_round_trip_with_validation,
                                        mid_run_setup, mid_run_teardown),
        cmocka_unit_test(test_run_state_history_grows),
        cmocka_unit_test_setup_teardown(test_run_state_load_refuses_what_the_command_line_refuses,
                                        mid_run_setup, mid_run_teardown),
        cmocka_unit_test(test_run_state_push_refuses_a_non_finite_epoch),
        cmocka_unit_test_setup_teardown(test_run_state_begin_seeds_weights_and_shuffling,
                                        mid_run_setup, mid_run_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
