#include "resnet_mnist/engine/run_state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/ckpt.h"

#define RESUME_FORMAT "1"

void run_ckpt_tensors(const float *data, struct ckpt_tensor *t)
{
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        const struct model_param *p = &model_params[i];
        memset(&t[i], 0, sizeof t[i]);
        t[i].name = p->name;
        t[i].ndim = p->ndim;
        for (int d = 0; d < p->ndim; d++)
            t[i].shape[d] = p->shape[d];
        t[i].data = (float *)data + p->offset;
    }
}

double epoch_accuracy(const struct epoch_record *e)
{
    return e->total ? (double)e->correct / e->total : 0.0;
}

int run_state_init(struct run_state *r, int capacity, struct rm_status *st)
{
    memset(r, 0, sizeof *r);
    r->capacity = capacity > 0 ? capacity : 1;
    r->hist = calloc((size_t)r->capacity, sizeof *r->hist);
    if (!r->hist)
        return rm_fail(st, "out of memory for the history of %d epochs", capacity);
    return 0;
}

void run_state_free(struct run_state *r)
{
    free(r->hist);
    memset(r, 0, sizeof *r);
}

int run_state_push(struct run_state *r, const struct epoch_record *e, struct rm_status *st)
{
    if (r->epochs_done == r->capacity) {
        struct epoch_record *h = realloc(r->hist, (size_t)r->capacity * 2 * sizeof *h);
        if (!h)
            return rm_fail(st, "out of memory for the history of %d epochs", r->capacity * 2);
        r->hist = h;
        r->capacity *= 2;
    }
    r->hist[r->epochs_done++] = *e;
    if (!r->best_epoch || epoch_accuracy(e) > epoch_accuracy(&r->hist[r->best_epoch - 1]))
        r->best_epoch = r->epochs_done;
    return 0;
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
static int describe(struct ckpt_meta *m, const struct run_state *r, int epoch, struct rm_status *st)
{
    const struct run_options *o = &r->opt;
    int rc = ckpt_meta_set(m, "program", "resnet-mnist " RESNET_MNIST_VERSION, st);
    rc |= meta_printf(m, "batch_size", st, "%d", o->batch_size);
    rc |= meta_printf(m, "lr", st, "%.9g", o->lr);
    rc |= meta_printf(m, "momentum", st, "%.9g", o->momentum);
    rc |= meta_printf(m, "seed", st, "%" PRIu64, o->seed);
    rc |= ckpt_meta_set(m, "shuffle", o->shuffle ? "true" : "false", st);
    rc |= meta_printf(m, "train_images", st, "%d", o->train_images);
    rc |= meta_printf(m, "test_images", st, "%d", o->test_images);
    if (epoch >= 1) {
        const struct epoch_record *e = &r->hist[epoch - 1];
        rc |= meta_printf(m, "epoch", st, "%d", epoch);
        rc |= meta_printf(m, "test_accuracy", st, "%.6f", epoch_accuracy(e));
        rc |= meta_printf(m, "test_correct", st, "%d", e->correct);
        rc |= meta_printf(m, "test_total", st, "%d", e->total);
    }
    return rc ? -1 : 0;
}

int run_save_weights(const char *path, const struct model *m, const struct run_state *r, int epoch,
                     struct rm_status *st)
{
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    struct ckpt_meta meta = {0};
    run_ckpt_tensors(m->params, t);
    int rc = describe(&meta, r, epoch, st);
    if (rc == 0)
        rc = ckpt_save(path, t, MODEL_PARAM_COUNT, &meta, st);
    ckpt_meta_free(&meta);
    return rc;
}

/* "momentum.<name>" for every parameter. */
static void momentum_names(char names[MODEL_PARAM_COUNT][64])
{
    for (int i = 0; i < MODEL_PARAM_COUNT; i++)
        snprintf(names[i], 64, "momentum.%s", model_params[i].name);
}

static void rng_text(char *buf, size_t size, const struct rng *g)
{
    snprintf(buf, size, "%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64, g->s[0],
             g->s[1], g->s[2], g->s[3]);
}

int run_save_resumable(const char *path, const struct model *m, const struct trainer *t,
                       const struct run_state *r, struct rm_status *st)
{
    struct ckpt_tensor tensors[2 * MODEL_PARAM_COUNT];
    char names[MODEL_PARAM_COUNT][64];
    run_ckpt_tensors(m->params, tensors);
    run_ckpt_tensors(m->momentum, tensors + MODEL_PARAM_COUNT);
    momentum_names(names);
    for (int i = 0; i < MODEL_PARAM_COUNT; i++)
        tensors[MODEL_PARAM_COUNT + i].name = names[i];

    struct ckpt_meta meta = {0};
    char buf[128];
    int rc = describe(&meta, r, r->epochs_done, st);
    rc |= ckpt_meta_set(&meta, "resume", RESUME_FORMAT, st);
    rc |= meta_printf(&meta, "epochs_done", st, "%d", r->epochs_done);
    rc |= meta_printf(&meta, "best_epoch", st, "%d", r->best_epoch);
    rc |= meta_printf(&meta, "batch_in_epoch", st, "%d", t->batch);
    rc |= meta_printf(&meta, "loss_sum", st, "%.17g", t->loss_sum);
    rc |= meta_printf(&meta, "optimizer_steps", st, "%ld", m->steps);
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
    free(hist);
    if (rc == 0)
        rc = ckpt_save(path, tensors, 2 * MODEL_PARAM_COUNT, &meta, st);
    ckpt_meta_free(&meta);
    return rc;
}

/* ---------------------------------------------------------------- reading */

struct meta_reader {
    const struct ckpt_meta *meta;
    const char *path;
    struct rm_status *st;
    int failed;
};

static const char *need(struct meta_reader *mr, const char *key)
{
    const char *v = ckpt_meta_get(mr->meta, key);
    if (!v && !mr->failed) {
        rm_fail(mr->st, "%s: resume field '%s' is missing", mr->path, key);
        mr->failed = 1;
    }
    return v;
}

static void bad(struct meta_reader *mr, const char *key, const char *v)
{
    if (!mr->failed)
        rm_fail(mr->st, "%s: resume field '%s' has a bad value '%.40s'", mr->path, key, v);
    mr->failed = 1;
}

static long read_long(struct meta_reader *mr, const char *key, long lo, long hi)
{
    const char *v = need(mr, key);
    if (!v)
        return lo;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi) {
        bad(mr, key, v);
        return lo;
    }
    return x;
}

static double read_double(struct meta_reader *mr, const char *key)
{
    const char *v = need(mr, key);
    if (!v)
        return 0;
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno == ERANGE) {
        bad(mr, key, v);
        return 0;
    }
    return x;
}

static void read_rng(struct meta_reader *mr, const char *key, struct rng *g)
{
    const char *v = need(mr, key);
    if (!v)
        return;
    const char *p = v;
    for (int i = 0; i < 4; i++) {
        char *end;
        errno = 0;
        g->s[i] = strtoull(p, &end, 16);
        if (end - p != 16 || errno || (i < 3 ? *end != ',' : *end != 0)) {
            bad(mr, key, v);
            return;
        }
        p = end + 1;
    }
    if (!(g->s[0] | g->s[1] | g->s[2] | g->s[3]))
        bad(mr, key, v); /* the all-zero state is xoshiro's one invalid state */
}

static int read_history(struct meta_reader *mr, struct run_state *r, int epochs)
{
    const char *v = need(mr, "history");
    if (!v)
        return -1;
    const char *p = v;
    for (int e = 0; e < epochs; e++) {
        struct epoch_record h = {0};
        char *end;
        h.train_loss = strtod(p, &end);
        if (end == p || *end != ',')
            goto fail;
        p = end + 1;
        h.test_loss = strtod(p, &end);
        if (end == p || *end != ',')
            goto fail;
        p = end + 1;
        long c = strtol(p, &end, 10);
        if (end == p || *end != ',')
            goto fail;
        p = end + 1;
        long t = strtol(p, &end, 10);
        if (end == p || c < 0 || t < 0 || c > t || t > 1 << 30)
            goto fail;
        h.correct = (int)c;
        h.total = (int)t;
        if (e + 1 < epochs ? *end != ';' : *end != 0)
            goto fail;
        p = end + 1;
        if (run_state_push(r, &h, mr->st) != 0)
            return -1;
    }
    if (epochs == 0 && *v)
        goto fail;
    return 0;
fail:
    bad(mr, "history", v);
    return -1;
}

int run_load_resumable(const char *path, float *params, float *momentum, struct resume_point *at,
                       struct run_state *r, struct rm_status *st)
{
    memset(r, 0, sizeof *r);
    float *p = calloc(2 * MODEL_PARAM_FLOATS, sizeof *p);
    if (!p)
        return rm_fail(st, "%s: out of memory", path);
    struct ckpt_tensor tensors[2 * MODEL_PARAM_COUNT];
    char names[MODEL_PARAM_COUNT][64];
    run_ckpt_tensors(p, tensors);
    run_ckpt_tensors(p + MODEL_PARAM_FLOATS, tensors + MODEL_PARAM_COUNT);
    momentum_names(names);
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        tensors[MODEL_PARAM_COUNT + i].name = names[i];
        tensors[MODEL_PARAM_COUNT + i].optional = 1; /* so a weights file gets a clear refusal */
    }
    struct ckpt_meta meta = {0};
    if (ckpt_load(path, tensors, 2 * MODEL_PARAM_COUNT, &meta, st) != 0) {
        free(p);
        return -1;
    }
    int rc = -1;
    struct meta_reader mr = {&meta, path, st, 0};
    const char *format = ckpt_meta_get(&meta, "resume");
    int have_momentum = 1;
    for (int i = 0; i < MODEL_PARAM_COUNT; i++)
        have_momentum &= tensors[MODEL_PARAM_COUNT + i].present;
    if (!format || !have_momentum) {
        rm_fail(st,
                "%s: not a resumable checkpoint (it holds weights only; start from them "
                "with --init instead)",
                path);
        goto done;
    }
    if (strcmp(format, RESUME_FORMAT) != 0) {
        rm_fail(st, "%s: resume format '%.20s' is not supported (expected %s)", path, format,
                RESUME_FORMAT);
        goto done;
    }
    struct run_state tmp;
    int epochs = (int)read_long(&mr, "epochs_done", 0, 1 << 24);
    if (mr.failed || run_state_init(&tmp, epochs + 1, st) != 0)
        goto done;
    struct run_options *o = &tmp.opt;
    o->batch_size = (int)read_long(&mr, "batch_size", 1, 1 << 20);
    o->lr = (float)read_double(&mr, "lr");
    o->momentum = (float)read_double(&mr, "momentum");
    const char *seed = need(&mr, "seed");
    if (seed) {
        char *end;
        errno = 0;
        o->seed = strtoull(seed, &end, 10);
        if (end == seed || *end || errno || seed[0] == '-')
            bad(&mr, "seed", seed);
    }
    const char *shuffle = need(&mr, "shuffle");
    if (shuffle && strcmp(shuffle, "true") && strcmp(shuffle, "false"))
        bad(&mr, "shuffle", shuffle);
    o->shuffle = shuffle && strcmp(shuffle, "true") == 0;
    o->train_images = (int)read_long(&mr, "train_images", 1, 1 << 30);
    o->test_images = (int)read_long(&mr, "test_images", 1, 1 << 30);
    int best = (int)read_long(&mr, "best_epoch", 0, epochs);
    at->batch = (int)read_long(&mr, "batch_in_epoch", 0, 1 << 30);
    at->loss_sum = read_double(&mr, "loss_sum");
    at->steps = read_long(&mr, "optimizer_steps", 0, 1L << 40);
    read_rng(&mr, "rng", &at->rng);
    read_rng(&mr, "epoch_rng", &at->epoch_rng);
    if (!mr.failed)
        read_history(&mr, &tmp, epochs);
    if (!mr.failed && tmp.best_epoch != best)
        bad(&mr, "best_epoch", ckpt_meta_get(&meta, "best_epoch"));
    if (!mr.failed && (o->lr <= 0 || o->momentum < 0))
        bad(&mr, "lr", ckpt_meta_get(&meta, "lr"));
    if (mr.failed) {
        run_state_free(&tmp);
        goto done;
    }
    *r = tmp;
    memcpy(params, p, MODEL_PARAM_FLOATS * sizeof *p);
    memcpy(momentum, p + MODEL_PARAM_FLOATS, MODEL_PARAM_FLOATS * sizeof *p);
    rc = 0;
done:
    ckpt_meta_free(&meta);
    free(p);
    return rc;
}

/* ---------------------------------------------------------------- starting and restoring */

int run_trainer_init(struct trainer *t, struct model *m, const struct idx_dataset *train,
                     const struct run_options *o, struct rm_status *st)
{
    return trainer_init(t, m, train, o->seed ^ RUN_SHUFFLE_SALT, o->shuffle, o->lr, o->momentum,
                        st);
}

int run_state_begin(struct run_state *r, struct model *m, struct trainer *t,
                    const struct idx_dataset *train, const struct run_options *o, int epochs,
                    const char *init_path, struct rm_status *st)
{
    if (run_state_init(r, epochs, st) != 0)
        return -1;
    r->opt = *o;
    if (run_trainer_init(t, m, train, o, st) != 0)
        return -1;
    struct rng init_rng;
    rng_seed(&init_rng, o->seed);
    model_init_params(m, &init_rng);
    if (!init_path)
        return 0;
    struct ckpt_tensor tensors[MODEL_PARAM_COUNT];
    run_ckpt_tensors(m->params, tensors);
    return ckpt_load(init_path, tensors, MODEL_PARAM_COUNT, NULL, st);
}

int run_state_restore(struct model *m, struct trainer *t, const struct idx_dataset *train,
                      const struct run_state *r, const float *params, const float *momentum,
                      const struct resume_point *at, const char *path, struct rm_status *st)
{
    if (m->max_batch != r->opt.batch_size)
        return rm_fail(st, "%s: the run trains in batches of %d, the model is for %d", path,
                       r->opt.batch_size, m->max_batch);
    if (train->n != r->opt.train_images)
        return rm_fail(st, "%s: the run used %d training images, the data set holds %d", path,
                       r->opt.train_images, train->n);
    if (run_trainer_init(t, m, train, &r->opt, st) != 0)
        return -1;
    if (at->batch >= trainer_batches(t))
        return rm_fail(st, "%s: resume field 'batch_in_epoch' (%d) is past the epoch's %d batches",
                       path, at->batch, trainer_batches(t));
    memcpy(m->params, params, MODEL_PARAM_FLOATS * sizeof *params);
    memcpy(m->momentum, momentum, MODEL_PARAM_FLOATS * sizeof *momentum);
    m->steps = at->steps;
    t->rng = at->rng;
    t->epoch_rng = at->epoch_rng;
    t->batch = at->batch;
    t->loss_sum = at->loss_sum;
    t->order_ready = 0; /* the permutation is drawn again from epoch_rng */
    return 0;
}
