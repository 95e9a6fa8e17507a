/* Reading a resumable file (run_load_resumable, run_state.h): every field checked, the options
 * by the command line's own rules (run_options.h), all or nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/ckpt_peek.h"
#include "resnet_mnist/io/strict_number.h"
#include "run_state_private.h"

/* Reads the metadata field by field; the first problem is kept, later reads do nothing. */
struct meta_reader {
    const struct ckpt_meta *meta;
    const char *path;
    struct rm_status *st;
    int failed;
    int old;              /* format RUN_RESUME_FORMAT_OLD: no training accuracy, lr, validation */
    char name[64 + 4096]; /* "<path>: resume field '<key>'" for the parsers' messages */
};

/* The value of key, or NULL (and the reader failed) when it is missing. */
static const char *need(struct meta_reader *mr, const char *key)
{
    if (mr->failed)
        return NULL;
    const char *v = ckpt_meta_get(mr->meta, key);
    if (!v) {
        rm_fail(mr->st, "%s: resume field '%s' is missing", mr->path, key);
        mr->failed = 1;
        return NULL;
    }
    snprintf(mr->name, sizeof mr->name, "%.4000s: resume field '%s'", mr->path, key);
    return v;
}

static void bad(struct meta_reader *mr, const char *key, const char *v, const char *why)
{
    if (!mr->failed)
        rm_fail(mr->st, "%s: resume field '%s' has a bad value '%.60s'%s%s", mr->path, key, v,
                why ? ": " : "", why ? why : "");
    mr->failed = 1;
}

/* Applies a parser of run_options.h (or strict_number.h) to key's value. */
#define READ_WITH(mr, key, parse, out)                                                             \
    do {                                                                                           \
        const char *v_ = need(mr, key);                                                            \
        if (v_ && parse((mr)->name, v_, out, (mr)->st) != 0)                                       \
            (mr)->failed = 1;                                                                      \
    } while (0)

static long read_long(struct meta_reader *mr, const char *key, long lo, long hi)
{
    long x = lo;
    const char *v = need(mr, key);
    if (v && strict_parse_long(mr->name, v, lo, hi, &x, mr->st) != 0)
        mr->failed = 1;
    return x;
}

/* A loss: a finite number, not negative (a cross-entropy). */
static int parse_loss(const char *name, const char *text, double *out, struct rm_status *st)
{
    double v;
    if (strict_parse_double(name, text, &v, st) != 0)
        return -1;
    if (v < 0)
        return rm_fail(st, "%s: %s is not a loss (negative)", name, text);
    *out = v;
    return 0;
}

/* --limit-train / --limit-test as recorded: "none", or an image count by the option's rule. */
static int read_limit(struct meta_reader *mr, const char *key)
{
    int limit = 0;
    const char *v = need(mr, key);
    if (v && strcmp(v, "none") != 0 && run_parse_images(mr->name, v, &limit, mr->st) != 0)
        mr->failed = 1;
    return limit;
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
            bad(mr, key, v, NULL);
            return;
        }
        p = end + 1;
    }
    if (!(g->s[0] | g->s[1] | g->s[2] | g->s[3]))
        bad(mr, key, v, "the all-zero state"); /* xoshiro's one invalid state */
}

/* A string field: present, not empty; data_abs an absolute path. */
static char *read_text(struct meta_reader *mr, const char *key)
{
    const char *v = need(mr, key);
    if (!v)
        return NULL;
    if (!*v || (strcmp(key, "data_abs") == 0 && v[0] != '/')) {
        bad(mr, key, v, NULL);
        return NULL;
    }
    char *copy = strdup(v);
    if (!copy && !mr->failed) {
        rm_fail(mr->st, "%s: out of memory", mr->path);
        mr->failed = 1;
    }
    return copy;
}

/* One epoch of the history, "train_loss,test_loss,correct,total", into h; *p moves past it. */
static int read_epoch(struct meta_reader *mr, const char **p, int test_images,
                      struct epoch_record *h)
{
    char field[64];
    const char *s = *p;
    double loss[2];
    long count[2];
    for (int f = 0; f < 4; f++) {
        size_t n = strcspn(s, ",;");
        if (n >= sizeof field || (f < 3 && s[n] != ','))
            return -1;
        memcpy(field, s, n);
        field[n] = 0;
        s += n + (f < 3);
        int rc = f < 2
                     ? parse_loss(mr->name, field, &loss[f], mr->st)
                     : strict_parse_long(mr->name, field, 0, RUN_MAX_IMAGES, &count[f - 2], mr->st);
        if (rc != 0)
            return -1;
    }
    if (count[0] > count[1] || count[1] != test_images)
        return -1;
    *h = (struct epoch_record){.train_loss = loss[0],
                               .test_loss = loss[1],
                               .correct = (int)count[0],
                               .total = (int)count[1]};
    *p = s;
    return 0;
}

/* Splits the next entry of a per-epoch list ("a,b,c;" or "a,b,c" last) into nf fields of at
 * most 63 characters; *p moves past the entry and its ';' (which must be there exactly when
 * more is to come). -1 when the entry does not have that shape. */
static int split_entry(const char **p, int nf, char field[][64], int last)
{
    const char *s = *p;
    for (int f = 0; f < nf; f++) {
        size_t n = strcspn(s, ",;");
        char sep = f + 1 < nf ? ',' : last ? 0 : ';';
        if (n >= 64 || s[n] != sep)
            return -1;
        memcpy(field[f], s, n);
        field[f][n] = 0;
        s += n + (sep != 0);
    }
    *p = s;
    return 0;
}

/* Epoch e's entry of "history_train" ("train_correct,train_total,lr") into h: the lr a float
 * (as every step's is), 0 where none was recorded. */
static int read_train_entry(struct meta_reader *mr, const char **p, int last, int train_images,
                            struct epoch_record *h)
{
    char f[3][64];
    long correct, total;
    double lr;
    if (split_entry(p, 3, f, last) != 0 ||
        strict_parse_long(mr->name, f[0], 0, RUN_MAX_IMAGES, &correct, mr->st) != 0 ||
        strict_parse_long(mr->name, f[1], 0, train_images, &total, mr->st) != 0 ||
        strict_parse_double(mr->name, f[2], &lr, mr->st) != 0 || correct > total ||
        !(lr >= 0 && lr <= RUN_MAX_LR))
        return -1;
    h->lr = (float)lr;
    h->train_correct = (int)correct;
    h->train_total = (int)total;
    return 0;
}

/* Epoch e's entry of "history_val" ("val_loss,val_correct,val_total") into h. */
static int read_val_entry(struct meta_reader *mr, const char **p, int last, int val,
                          struct epoch_record *h)
{
    char f[3][64];
    long correct, total;
    if (split_entry(p, 3, f, last) != 0 || parse_loss(mr->name, f[0], &h->val_loss, mr->st) ||
        strict_parse_long(mr->name, f[1], 0, RUN_MAX_IMAGES, &correct, mr->st) != 0 ||
        strict_parse_long(mr->name, f[2], 0, RUN_MAX_IMAGES, &total, mr->st) != 0 ||
        correct > total || total != val)
        return -1;
    h->val_correct = (int)correct;
    h->val_total = (int)total;
    return 0;
}

static void read_history(struct meta_reader *mr, struct run_state *r, int epochs)
{
    const char *v = need(mr, "history");
    /* the training accuracies and lr (none in the old format), the validation results */
    const char *vt = mr->old ? NULL : need(mr, "history_train");
    const char *vv = r->opt.val ? need(mr, "history_val") : NULL;
    if (mr->failed)
        return;
    const char *p = v, *pt = vt, *pv = vv;
    for (int e = 0; e < epochs && !mr->failed; e++) {
        struct epoch_record h;
        int last = e + 1 == epochs;
        if (read_epoch(mr, &p, r->opt.test_images, &h) != 0 || (!last ? *p != ';' : *p != 0)) {
            mr->failed = 0; /* the message names the whole field */
            bad(mr, "history", v, NULL);
            return;
        }
        p += !last;
        if (vt && read_train_entry(mr, &pt, last, r->opt.train_images - r->opt.val, &h) != 0) {
            mr->failed = 0;
            bad(mr, "history_train", vt, NULL);
            return;
        }
        if (vv && read_val_entry(mr, &pv, last, r->opt.val, &h) != 0) {
            mr->failed = 0;
            bad(mr, "history_val", vv, NULL);
            return;
        }
        if (run_state_push(r, &h, mr->st) != 0)
            mr->failed = 1;
    }
    if (epochs == 0 && *v)
        bad(mr, "history", v, "the run has done no epoch");
    if (epochs == 0 && ((vt && *vt) || (vv && *vv)))
        bad(mr, vt && *vt ? "history_train" : "history_val", vt && *vt ? vt : vv,
            "the run has done no epoch");
}

/* A float option recorded only when not at its default (d). */
#define READ_OPTIONAL(mr, key, parse, out, d)                                                      \
    do {                                                                                           \
        *(out) = (d);                                                                              \
        if (!(mr)->failed && ckpt_meta_get((mr)->meta, key))                                       \
            READ_WITH(mr, key, parse, out);                                                        \
    } while (0)

/* The schedule, the SGD options, augmentation and the recipe (each absent at its default), by
 * the command line's rules, and their combination for the run's epochs. */
static void read_training(struct meta_reader *mr, struct run_state *r)
{
    struct run_options *o = &r->opt;
    o->schedule = LR_SCHEDULE_CONSTANT;
    if (!mr->failed && ckpt_meta_get(mr->meta, "schedule"))
        READ_WITH(mr, "schedule", lr_schedule_parse_kind, &o->schedule);
    if (!mr->failed && o->schedule == LR_SCHEDULE_STEP) {
        READ_WITH(mr, "step_size", run_parse_step_size, &o->step_size);
        READ_WITH(mr, "gamma", run_parse_gamma, &o->gamma);
    }
    if (!mr->failed && o->schedule == LR_SCHEDULE_COSINE)
        READ_WITH(mr, "min_lr", run_parse_min_lr, &o->min_lr);
    READ_OPTIONAL(mr, "warmup", run_parse_warmup, &o->warmup, 0);
    READ_OPTIONAL(mr, "weight_decay", run_parse_weight_decay, &o->weight_decay, 0.0f);
    const char *v = mr->failed ? NULL : ckpt_meta_get(mr->meta, "nesterov");
    if (v && strcmp(v, "true") != 0)
        bad(mr, "nesterov", v, "not true");
    o->nesterov = v != NULL;
    o->augment = !mr->failed && ckpt_meta_get(mr->meta, "augment");
    if (o->augment)
        READ_WITH(mr, "augment", augment_parse, &o->aug);
    if (!mr->failed && ckpt_meta_get(mr->meta, "recipe"))
        READ_WITH(mr, "recipe", run_parse_recipe, o->recipe);
    if (!mr->failed && run_check_options(o, r->epochs, mr->path, mr->st) != 0)
        mr->failed = 1;
}

/* The options, the source and the record, into r (initialised by the caller). */
static void read_run(struct meta_reader *mr, struct run_state *r, struct resume_point *at)
{
    struct run_options *o = &r->opt;
    int epochs = (int)read_long(mr, "epochs_done", 0, RUN_MAX_EPOCHS);
    READ_WITH(mr, "epochs", run_parse_epochs, &r->epochs);
    if (!mr->failed && epochs > r->epochs)
        bad(mr, "epochs", ckpt_meta_get(mr->meta, "epochs"), "fewer than the epochs done");
    READ_WITH(mr, "batch_size", run_parse_batch_size, &o->batch_size);
    READ_WITH(mr, "lr", run_parse_lr, &o->lr);
    READ_WITH(mr, "momentum", run_parse_momentum, &o->momentum);
    o->conv = MODEL_CONV_DIRECT;
    if (!mr->failed && ckpt_meta_get(mr->meta, "conv"))
        READ_WITH(mr, "conv", run_parse_conv, &o->conv);
    READ_WITH(mr, "seed", run_parse_seed, &o->seed);
    const char *shuffle = need(mr, "shuffle");
    if (shuffle && strcmp(shuffle, "true") && strcmp(shuffle, "false"))
        bad(mr, "shuffle", shuffle, "neither true nor false");
    o->shuffle = shuffle && strcmp(shuffle, "true") == 0;
    READ_WITH(mr, "train_images", run_parse_images, &o->train_images);
    READ_WITH(mr, "test_images", run_parse_images, &o->test_images);
    /* the validation split and its rules: absent when the run has none */
    if (!mr->failed && ckpt_meta_get(mr->meta, "val")) {
        READ_WITH(mr, "val", run_parse_images, &o->val);
        READ_WITH(mr, "monitor", run_parse_monitor, &o->monitor);
        if (!mr->failed && o->val >= o->train_images)
            bad(mr, "val", ckpt_meta_get(mr->meta, "val"), "not less than train_images");
    }
    if (!mr->failed && ckpt_meta_get(mr->meta, "patience"))
        READ_WITH(mr, "patience", run_parse_patience, &o->patience);
    if (!mr->failed && !o->val && (ckpt_meta_get(mr->meta, "monitor") || o->patience))
        bad(mr, o->patience ? "patience" : "monitor",
            ckpt_meta_get(mr->meta, o->patience ? "patience" : "monitor"), "the run has no 'val'");
    read_training(mr, r);

    struct run_source *s = &r->src;
    s->limit_train = read_limit(mr, "limit_train");
    s->limit_test = read_limit(mr, "limit_test");
    if (!mr->failed && s->limit_train && o->train_images > s->limit_train)
        bad(mr, "train_images", ckpt_meta_get(mr->meta, "train_images"), "above limit_train");
    if (!mr->failed && s->limit_test && o->test_images > s->limit_test)
        bad(mr, "test_images", ckpt_meta_get(mr->meta, "test_images"), "above limit_test");
    s->data_dir = read_text(mr, "data");
    s->data_abs = read_text(mr, "data_abs");
    const char *fp = need(mr, "data_sha256");
    if (fp && data_fingerprint_parse(&s->data, mr->name, fp, mr->st) != 0)
        mr->failed = 1;
    if (!mr->failed && ckpt_meta_get(mr->meta, "init"))
        s->init = read_text(mr, "init");

    int best = (int)read_long(mr, "best_epoch", 0, epochs);
    at->batch = (int)read_long(mr, "batch_in_epoch", 0, RUN_MAX_IMAGES);
    if (!mr->failed && epochs == r->epochs && at->batch != 0)
        bad(mr, "batch_in_epoch", ckpt_meta_get(mr->meta, "batch_in_epoch"),
            "the run has done all its epochs");
    READ_WITH(mr, "loss_sum", parse_loss, &at->loss_sum);
    at->steps = read_long(mr, "optimizer_steps", 0, 1L << 40);
    if (!mr->old) { /* the epoch's training accuracy so far */
        at->correct = read_long(mr, "train_correct", 0, RUN_MAX_IMAGES);
        at->seen = read_long(mr, "train_seen", 0, o->train_images - o->val);
        if (!mr->failed && at->correct > at->seen)
            bad(mr, "train_correct", ckpt_meta_get(mr->meta, "train_correct"), "above train_seen");
    }
    read_rng(mr, "rng", &at->rng);
    read_rng(mr, "epoch_rng", &at->epoch_rng);
    if (!mr->failed)
        read_history(mr, r, epochs);
    if (!mr->failed && r->best_epoch != best)
        bad(mr, "best_epoch", ckpt_meta_get(mr->meta, "best_epoch"),
            "not the best epoch of the history");
}

int run_load_resumable(const char *path, float *params, float *momentum, struct resume_point *at,
                       struct run_state *r, struct rm_status *st)
{
    memset(r, 0, sizeof *r);
    /* the model's class count, from linear2.bias's shape, sizes everything loaded */
    int64_t shape[CKPT_MAX_DIMS];
    int ndim;
    if (ckpt_peek_shape(path, "linear2.bias", shape, &ndim, st) != 0)
        return -1;
    if (ndim != 1 || shape[0] < 1 || shape[0] > MODEL_MAX_CLASSES)
        return rm_fail(st, "%s: tensor 'linear2.bias' is not of 1 to %d classes", path,
                       MODEL_MAX_CLASSES);
    int classes = (int)shape[0];
    size_t nf = model_param_floats(classes);
    float *p = calloc(3 * nf, sizeof *p);
    if (!p)
        return rm_fail(st, "%s: out of memory", path);
    struct ckpt_tensor tensors[RUN_RESUMABLE_TENSORS];
    char names[2 * MODEL_PARAM_COUNT][64];
    run_resumable_tensors(p, p + nf, p + 2 * nf, classes, tensors, names);
    for (int i = MODEL_PARAM_COUNT; i < RUN_RESUMABLE_TENSORS; i++)
        tensors[i].optional = 1; /* so that a weights file gets a clear refusal */
    struct ckpt_meta meta = {0};
    if (ckpt_load(path, tensors, RUN_RESUMABLE_TENSORS, &meta, st) != 0) {
        free(p);
        return -1;
    }
    int rc = -1, have_momentum = 1, have_best = 1;
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        have_momentum &= tensors[MODEL_PARAM_COUNT + i].present;
        have_best &= tensors[2 * MODEL_PARAM_COUNT + i].present;
    }
    const char *format = ckpt_meta_get(&meta, "resume");
    struct meta_reader mr = {.meta = &meta, .path = path, .st = st};
    struct run_state tmp;
    struct resume_point tmp_at = {0};
    if (format && !ckpt_meta_trusted(&meta)) {
        rm_fail(st,
                "%s: its metadata is not covered by a checksum (written by an older "
                "resnet-mnist, or edited), so the run cannot be resumed from it; start from its "
                "weights with --init instead",
                path);
        goto done;
    }
    if (!format || !have_momentum) {
        rm_fail(st,
                "%s: not a resumable checkpoint (it holds weights only; start from them "
                "with --init instead)",
                path);
        goto done;
    }
    mr.old = strcmp(format, RUN_RESUME_FORMAT_OLD) == 0;
    if (strcmp(format, RUN_RESUME_FORMAT) != 0 && !mr.old) {
        rm_fail(st,
                "%s: resume format '%.20s' is not supported (expected %s): written by another "
                "version; start from its weights with --init instead",
                path, format, RUN_RESUME_FORMAT);
        goto done;
    }
    if (run_state_init(&tmp, 1, st) != 0)
        goto done;
    read_run(&mr, &tmp, &tmp_at);
    if (!mr.failed && dataset_from_meta(&tmp.data, &meta, classes, path, st) != 0)
        mr.failed = 1;
    /* the best weights: there exactly when an epoch is done */
    if (!mr.failed && have_best != (tmp.best_epoch > 0)) {
        rm_fail(st, "%s: the best epoch's weights ('best.*') are %s", path,
                have_best ? "there, but no epoch is done" : "missing");
        mr.failed = 1;
    }
    if (mr.failed) {
        run_state_free(&tmp);
        goto done;
    }
    memcpy(tmp.best_params, p + 2 * nf, nf * sizeof *p);
    *r = tmp;
    *at = tmp_at;
    memcpy(params, p, nf * sizeof *p);
    memcpy(momentum, p + nf, nf * sizeof *p);
    rc = 0;
done:
    ckpt_meta_free(&meta);
    free(p);
    return rc;
}
