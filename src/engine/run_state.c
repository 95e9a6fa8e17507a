/* A run's record, where its data comes from, its checkpoints written, and starting or restoring
 * it: see run_state.h. Reading a resumable file is in run_state_load.c. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "resnet_mnist/engine/run_state.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/weights.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/utf8.h"
#include "run_state_private.h"

void run_ckpt_tensors(const float *data, struct ckpt_tensor *t)
{
    run_ckpt_tensors_classes(data, MODEL_CLASSES, t);
}

void run_ckpt_tensors_classes(const float *data, int classes, struct ckpt_tensor *t)
{
    struct model_param table[MODEL_PARAM_COUNT];
    model_param_table(table, classes);
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        const struct model_param *p = &table[i];
        memset(&t[i], 0, sizeof t[i]);
        t[i].name = p->name;
        t[i].ndim = p->ndim;
        for (int d = 0; d < p->ndim; d++)
            t[i].shape[d] = p->shape[d];
        t[i].data = (float *)data + p->offset;
    }
}

void run_resumable_tensors(const float *params, const float *momentum, const float *best,
                           int classes, struct ckpt_tensor t[RUN_RESUMABLE_TENSORS],
                           char names[2 * MODEL_PARAM_COUNT][64])
{
    run_ckpt_tensors_classes(params, classes, t);
    run_ckpt_tensors_classes(momentum, classes, t + MODEL_PARAM_COUNT);
    run_ckpt_tensors_classes(best, classes, t + 2 * MODEL_PARAM_COUNT);
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        snprintf(names[i], 64, "momentum.%s", model_params[i].name);
        snprintf(names[MODEL_PARAM_COUNT + i], 64, "best.%s", model_params[i].name);
        t[MODEL_PARAM_COUNT + i].name = names[i];
        t[2 * MODEL_PARAM_COUNT + i].name = names[MODEL_PARAM_COUNT + i];
    }
}

void run_limit_text(char buf[16], int limit)
{
    if (limit > 0)
        snprintf(buf, 16, "%d", limit);
    else
        snprintf(buf, 16, "none");
}

double epoch_accuracy(const struct epoch_record *e)
{
    return e->total ? (double)e->correct / e->total : 0.0;
}

double epoch_val_accuracy(const struct epoch_record *e)
{
    return e->val_total ? (double)e->val_correct / e->val_total : NAN;
}

double epoch_train_accuracy(const struct epoch_record *e)
{
    return e->train_total ? (double)e->train_correct / e->train_total : NAN;
}

double epoch_lr_decimal(const struct epoch_record *e)
{
    char buf[32];
    for (int digits = 1; digits < 9; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, e->lr);
        if ((float)strtod(buf, NULL) == (float)e->lr)
            return strtod(buf, NULL);
    }
    return e->lr; /* 9 digits always read back */
}

int run_state_out_of_patience(const struct run_state *r)
{
    return r->opt.patience > 0 && r->best_epoch > 0 &&
           r->epochs_done - r->best_epoch >= r->opt.patience;
}

/* 1 when epoch e is better than epoch b by the run's rule (run_state_push); ties are not. */
static int better_epoch(const struct run_state *r, const struct epoch_record *e,
                        const struct epoch_record *b)
{
    if (r->opt.val == 0)
        return epoch_accuracy(e) > epoch_accuracy(b);
    if (r->opt.monitor == RUN_MONITOR_LOSS)
        return e->val_loss < b->val_loss;
    return epoch_val_accuracy(e) > epoch_val_accuracy(b);
}

/* ---------------------------------------------------------------- the record */

int run_state_init(struct run_state *r, int capacity, struct rm_status *st)
{
    memset(r, 0, sizeof *r);
    r->capacity = capacity > 0 ? capacity : 1;
    r->hist = calloc((size_t)r->capacity, sizeof *r->hist);
    dataset_info_mnist(&r->data);
    r->best_params = calloc(MODEL_MAX_PARAM_FLOATS, sizeof *r->best_params);
    if (!r->hist || !r->best_params) {
        run_state_free(r);
        return rm_fail(st, "out of memory for the history of %d epochs", capacity);
    }
    return 0;
}

static void source_free(struct run_source *s)
{
    free(s->data_dir);
    free(s->data_abs);
    free(s->init);
    memset(s, 0, sizeof *s);
}

void run_state_free(struct run_state *r)
{
    free(r->hist);
    free(r->best_params);
    source_free(&r->src);
    memset(r, 0, sizeof *r);
}

int run_state_push(struct run_state *r, const struct epoch_record *e, struct rm_status *st)
{
    int epoch = r->epochs_done + 1;
    if (!isfinite(e->train_loss))
        return rm_fail(st, "epoch %d: the training loss is %s", epoch,
                       isnan(e->train_loss) ? "NaN" : "infinite");
    if (!isfinite(e->test_loss))
        return rm_fail(st, "epoch %d: the test loss is %s", epoch,
                       isnan(e->test_loss) ? "NaN" : "infinite");
    if (r->opt.val && !isfinite(e->val_loss))
        return rm_fail(st, "epoch %d: the validation loss is %s", epoch,
                       isnan(e->val_loss) ? "NaN" : "infinite");
    if (r->epochs_done == r->capacity) {
        struct epoch_record *h = realloc(r->hist, (size_t)r->capacity * 2 * sizeof *h);
        if (!h)
            return rm_fail(st, "out of memory for the history of %d epochs", r->capacity * 2);
        r->hist = h;
        r->capacity *= 2;
    }
    r->hist[r->epochs_done++] = *e;
    if (!r->best_epoch || better_epoch(r, e, &r->hist[r->best_epoch - 1]))
        r->best_epoch = r->epochs_done;
    return 0;
}

int run_state_set_source(struct run_state *r, const char *data_dir, int limit_train, int limit_test,
                         const char *init_path, const struct data_fingerprint *fp,
                         struct rm_status *st)
{
    if (!utf8_valid(data_dir) || (init_path && !utf8_valid(init_path)))
        return rm_fail(st,
                       "%s: not a UTF-8 name, which a run cannot record in its checkpoint "
                       "(rename it)",
                       utf8_valid(data_dir) ? init_path : data_dir);
    struct run_source s = {.limit_train = limit_train, .limit_test = limit_test, .data = *fp};
    s.data_dir = strdup(data_dir);
    s.data_abs = realpath(data_dir, NULL);
    s.init = init_path ? strdup(init_path) : NULL;
    if (!s.data_dir || !s.data_abs || (init_path && !s.init)) {
        int missing = s.data_dir && !s.data_abs;
        source_free(&s);
        if (missing)
            return rm_fail(st, "%s: cannot find the folder's absolute path", data_dir);
        return rm_fail(st, "out of memory");
    }
    if (!utf8_valid(s.data_abs)) {
        int rc = rm_fail(st, "%s: not a UTF-8 name, which a run cannot record in its checkpoint",
                         s.data_abs);
        source_free(&s);
        return rc;
    }
    source_free(&r->src);
    r->src = s;
    return 0;
}

int run_state_check_data(const struct run_state *r, const struct idx_dataset *train,
                         const struct idx_dataset *test, const struct data_fingerprint *fp,
                         const char *dir, const char *path, struct rm_status *st)
{
    if (train->n != r->opt.train_images || test->n != r->opt.test_images)
        return rm_fail(st, "%s: the run used %d training and %d test images, %s holds %d and %d",
                       path, r->opt.train_images, r->opt.test_images, dir, train->n, test->n);
    return data_fingerprint_check(&r->src.data, fp, dir, st);
}

/* ---------------------------------------------------------------- writing */

static int meta_printf(struct ckpt_meta *m, const char *key, struct rm_status *st, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
static int meta_printf(struct ckpt_meta *m, const char *key, struct rm_status *st, const char *fmt,
                       ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ckpt_meta_set(m, key, buf, st);
}

/* What the file is and how it was made; the epoch's results when epoch >= 1. */
/* The schedule, the SGD options, augmentation and the recipe: each absent at its default
 * (constant, 0, off, none), so a tutorial run records what it always did. */
static int describe_training(struct ckpt_meta *m, const struct run_options *o, struct rm_status *st)
{
    int rc = 0;
    if (o->schedule != LR_SCHEDULE_CONSTANT)
        rc |= ckpt_meta_set(m, "schedule", lr_schedule_kind_name(o->schedule), st);
    if (o->schedule == LR_SCHEDULE_STEP) {
        rc |= meta_printf(m, "step_size", st, "%d", o->step_size);
        rc |= meta_printf(m, "gamma", st, "%.9g", o->gamma);
    }
    if (o->schedule == LR_SCHEDULE_COSINE)
        rc |= meta_printf(m, "min_lr", st, "%.9g", o->min_lr);
    if (o->warmup)
        rc |= meta_printf(m, "warmup", st, "%d", o->warmup);
    if (o->weight_decay > 0)
        rc |= meta_printf(m, "weight_decay", st, "%.9g", o->weight_decay);
    if (o->nesterov)
        rc |= ckpt_meta_set(m, "nesterov", "true", st);
    if (o->augment) {
        char text[AUGMENT_TEXT];
        augment_format(&o->aug, text);
        rc |= ckpt_meta_set(m, "augment", text, st);
    }
    if (o->recipe[0])
        rc |= ckpt_meta_set(m, "recipe", o->recipe, st);
    return rc;
}

static int describe(struct ckpt_meta *m, const struct run_state *r, int epoch, struct rm_status *st)
{
    const struct run_options *o = &r->opt;
    int rc = ckpt_meta_set(m, "program", "resnet-mnist " RESNET_MNIST_VERSION, st);
    rc |= meta_printf(m, "batch_size", st, "%d", o->batch_size);
    rc |= meta_printf(m, "lr", st, "%.9g", o->lr);
    rc |= meta_printf(m, "momentum", st, "%.9g", o->momentum);
    if (o->conv != MODEL_CONV_DIRECT) /* absent: direct, as every run before --conv */
        rc |= ckpt_meta_set(m, "conv", run_conv_name(o->conv), st);
    rc |= meta_printf(m, "seed", st, "%" PRIu64, o->seed);
    rc |= ckpt_meta_set(m, "shuffle", o->shuffle ? "true" : "false", st);
    rc |= meta_printf(m, "train_images", st, "%d", o->train_images);
    rc |= meta_printf(m, "test_images", st, "%d", o->test_images);
    if (o->val) { /* absent: no validation, best.bin chosen on the test set */
        rc |= meta_printf(m, "val", st, "%d", o->val);
        rc |= ckpt_meta_set(m, "monitor", run_monitor_name(o->monitor), st);
    }
    if (o->patience)
        rc |= meta_printf(m, "patience", st, "%d", o->patience);
    rc |= describe_training(m, o, st);
    rc |= dataset_to_meta(&r->data, m, st); /* the data set, in every checkpoint */
    if (r->src.data_dir) {
        char fp[DATA_FINGERPRINT_TEXT];
        data_fingerprint_format(&r->src.data, fp);
        rc |= ckpt_meta_set(m, "data_sha256", fp, st);
    }
    if (epoch >= 1) {
        const struct epoch_record *e = &r->hist[epoch - 1];
        rc |= meta_printf(m, "epoch", st, "%d", epoch);
        rc |= meta_printf(m, "test_accuracy", st, "%.6f", epoch_accuracy(e));
        rc |= meta_printf(m, "test_correct", st, "%d", e->correct);
        rc |= meta_printf(m, "test_total", st, "%d", e->total);
        if (o->val) {
            rc |= meta_printf(m, "val_accuracy", st, "%.6f", epoch_val_accuracy(e));
            rc |= meta_printf(m, "val_correct", st, "%d", e->val_correct);
            rc |= meta_printf(m, "val_total", st, "%d", e->val_total);
            rc |= meta_printf(m, "val_loss", st, "%.6f", e->val_loss);
        }
    }
    return rc ? -1 : 0;
}

static int save_weights(const char *path, const float *params, const struct run_state *r, int epoch,
                        struct rm_status *st)
{
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    struct ckpt_meta meta = {0};
    run_ckpt_tensors_classes(params, r->data.classes, t);
    int rc = describe(&meta, r, epoch, st);
    if (rc == 0)
        rc = ckpt_save(path, t, MODEL_PARAM_COUNT, &meta, st);
    ckpt_meta_free(&meta);
    return rc;
}

int run_save_weights(const char *path, const struct model *m, const struct run_state *r, int epoch,
                     struct rm_status *st)
{
    return save_weights(path, m->params, r, epoch, st);
}

int run_save_best(const char *path, const struct run_state *r, struct rm_status *st)
{
    if (r->best_epoch < 1)
        return rm_fail(st, "%s: no epoch is done, so there is no best one", path);
    return save_weights(path, r->best_params, r, r->best_epoch, st);
}

static void rng_text(char *buf, size_t size, const struct rng *g)
{
    snprintf(buf, size, "%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64, g->s[0],
             g->s[1], g->s[2], g->s[3]);
}

/* The run's source: every option a resume takes from the file rather than the command line. */
static int describe_source(struct ckpt_meta *m, const struct run_state *r, struct rm_status *st)
{
    const struct run_source *s = &r->src;
    char buf[DATA_FINGERPRINT_TEXT];
    int rc = meta_printf(m, "epochs", st, "%d", r->epochs);
    rc |= ckpt_meta_set(m, "data", s->data_dir ? s->data_dir : "", st);
    rc |= ckpt_meta_set(m, "data_abs", s->data_abs ? s->data_abs : "", st);
    data_fingerprint_format(&s->data, buf);
    rc |= ckpt_meta_set(m, "data_sha256", buf, st);
    run_limit_text(buf, s->limit_train);
    rc |= ckpt_meta_set(m, "limit_train", buf, st);
    run_limit_text(buf, s->limit_test);
    rc |= ckpt_meta_set(m, "limit_test", buf, st);
    if (s->init)
        rc |= ckpt_meta_set(m, "init", s->init, st);
    return rc ? -1 : 0;
}

int run_save_resumable(const char *path, const struct model *m, const struct trainer *t,
                       const struct run_state *r, struct rm_status *st)
{
    struct ckpt_tensor tensors[RUN_RESUMABLE_TENSORS];
    char names[2 * MODEL_PARAM_COUNT][64];
    run_resumable_tensors(m->params, m->momentum, r->best_params, m->classes, tensors, names);
    /* the best weights once there is a best epoch */
    int nt = r->best_epoch > 0 ? RUN_RESUMABLE_TENSORS : 2 * MODEL_PARAM_COUNT;

    struct ckpt_meta meta = {0};
    char buf[128];
    int rc = describe(&meta, r, r->epochs_done, st);
    rc |= ckpt_meta_set(&meta, "resume", RUN_RESUME_FORMAT, st);
    rc |= describe_source(&meta, r, st);
    rc |= meta_printf(&meta, "epochs_done", st, "%d", r->epochs_done);
    rc |= meta_printf(&meta, "best_epoch", st, "%d", r->best_epoch);
    rc |= meta_printf(&meta, "batch_in_epoch", st, "%d", t->batch);
    rc |= meta_printf(&meta, "loss_sum", st, "%.17g", t->loss_sum);
    rc |= meta_printf(&meta, "optimizer_steps", st, "%ld", m->steps);
    rc |= meta_printf(&meta, "train_correct", st, "%ld", t->correct);
    rc |= meta_printf(&meta, "train_seen", st, "%ld", t->seen);
    rng_text(buf, sizeof buf, &t->rng);
    rc |= ckpt_meta_set(&meta, "rng", buf, st);
    rng_text(buf, sizeof buf, &t->epoch_rng);
    rc |= ckpt_meta_set(&meta, "epoch_rng", buf, st);
    /* the history: "train_loss,test_loss,correct,total" per epoch, ';'-separated, exact */
    size_t cap = (size_t)r->epochs_done * 96 + 1, len = 0;
    char *hist = malloc(cap);
    if (!hist) {
        ckpt_meta_free(&meta);
        return rm_fail(st, "%s: out of memory", path);
    }
    hist[0] = 0;
    for (int e = 0; e < r->epochs_done; e++) {
        const struct epoch_record *h = &r->hist[e];
        len += (size_t)snprintf(hist + len, cap - len, "%s%.17g,%.17g,%d,%d", e ? ";" : "",
                                h->train_loss, h->test_loss, h->correct, h->total);
    }
    rc |= ckpt_meta_set(&meta, "history", hist, st);
    /* "train_correct,train_total,lr" per epoch, then with validation "val_loss,val_correct,
     * val_total" per epoch, each ';'-separated, exact */
    len = 0;
    hist[0] = 0;
    for (int e = 0; e < r->epochs_done; e++)
        len += (size_t)snprintf(hist + len, cap - len, "%s%d,%d,%.9g", e ? ";" : "",
                                r->hist[e].train_correct, r->hist[e].train_total, r->hist[e].lr);
    rc |= ckpt_meta_set(&meta, "history_train", hist, st);
    len = 0;
    hist[0] = 0;
    for (int e = 0; e < r->epochs_done && r->opt.val; e++)
        len += (size_t)snprintf(hist + len, cap - len, "%s%.17g,%d,%d", e ? ";" : "",
                                r->hist[e].val_loss, r->hist[e].val_correct, r->hist[e].val_total);
    if (r->opt.val)
        rc |= ckpt_meta_set(&meta, "history_val", hist, st);
    free(hist);
    if (rc == 0)
        rc = ckpt_save(path, tensors, nt, &meta, st);
    ckpt_meta_free(&meta);
    return rc;
}

/* ---------------------------------------------------------------- starting and restoring */

int run_trainer_init(struct trainer *t, struct model *m, const struct idx_dataset *train,
                     const struct run_options *o, struct rm_status *st)
{
    return trainer_init(t, m, train, o->seed ^ RUN_SHUFFLE_SALT, o->shuffle, o->lr, o->momentum,
                        st);
}

/* What a run's options add to the trainer and model run_trainer_init made: the schedule over
 * `epochs`, the SGD options, augmentation, and the trainer at epoch `epoch` (0-based). */
static int train_extras(struct trainer *t, struct model *m, const struct run_options *o, int epochs,
                        int epoch, struct rm_status *st)
{
    run_schedule(o, epochs, trainer_batches(t), &t->sched);
    t->epoch = epoch;
    m->weight_decay = o->weight_decay;
    m->nesterov = o->nesterov;
    return o->augment ? trainer_set_augment(t, &o->aug, o->seed, st) : 0;
}

int run_state_begin(struct run_state *r, struct model *m, struct trainer *t,
                    const struct idx_dataset *train, const struct run_options *o, int epochs,
                    const char *init_path, struct rm_status *st)
{
    if (run_state_init(r, epochs, st) != 0)
        return -1;
    r->opt = *o;
    r->epochs = epochs;
    if (run_trainer_init(t, m, train, o, st) != 0 || train_extras(t, m, o, epochs, 0, st) != 0)
        return -1;
    struct rng init_rng;
    rng_seed(&init_rng, o->seed);
    model_init_params(m, &init_rng);
    if (!init_path)
        return 0;
    struct weights_info info;
    return weights_load_classes(init_path, m->params, m->classes, &info, NULL, st);
}

int run_state_restore(struct model *m, struct trainer *t, const struct idx_dataset *train,
                      const struct run_state *r, const float *params, const float *momentum,
                      const struct resume_point *at, const char *path, struct rm_status *st)
{
    if (m->max_batch != r->opt.batch_size)
        return rm_fail(st, "%s: the run trains in batches of %d, the model is for %d", path,
                       r->opt.batch_size, m->max_batch);
    if (train->n != r->opt.train_images - r->opt.val && !r->opt.val)
        return rm_fail(st, "%s: the run used %d training images, the data set holds %d", path,
                       r->opt.train_images, train->n);
    if (train->n != r->opt.train_images - r->opt.val)
        return rm_fail(st,
                       "%s: the run trains on %d images (its %d training images less %d held "
                       "out), the data set holds %d",
                       path, r->opt.train_images - r->opt.val, r->opt.train_images, r->opt.val,
                       train->n);
    if (run_trainer_init(t, m, train, &r->opt, st) != 0 ||
        train_extras(t, m, &r->opt, r->epochs, r->epochs_done, st) != 0)
        return -1;
    if (at->batch >= trainer_batches(t))
        return rm_fail(st, "%s: resume field 'batch_in_epoch' (%d) is past the epoch's %d batches",
                       path, at->batch, trainer_batches(t));
    if (m->classes != r->data.classes)
        return rm_fail(st, "%s: the run's model has %d outputs, this one %d", path, r->data.classes,
                       m->classes);
    memcpy(m->params, params, m->param_floats * sizeof *params);
    memcpy(m->momentum, momentum, m->param_floats * sizeof *momentum);
    m->steps = at->steps;
    t->rng = at->rng;
    t->epoch_rng = at->epoch_rng;
    t->batch = at->batch;
    t->loss_sum = at->loss_sum;
    t->correct = at->correct;
    t->seen = at->seen;
    t->order_ready = 0; /* the permutation is drawn again from epoch_rng */
    return 0;
}
