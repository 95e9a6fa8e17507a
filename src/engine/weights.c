/* A model's weights from any checkpoint (weights.h): the 16 tensors read through ckpt_load_some,
 * anything else a resumable file carries skipped, and the metadata that gets reported validated
 * first, so that nothing shown to the user comes from a file unchecked. */
#include "resnet_mnist/engine/weights.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/ckpt_peek.h"
#include "resnet_mnist/io/strict_number.h"

const char *weights_kind_name(int kind)
{
    switch (kind) {
    case WEIGHTS_BEST:
        return "best";
    case WEIGHTS_RESUMABLE:
        return "resumable";
    default:
        return "plain";
    }
}

/* The metadata of one file, read key by key with the command line's number rules. */
struct weights_meta {
    const struct ckpt_meta *meta;
    const char *path;
    struct rm_status *st;
};

/* The integer under key, in lo..hi, into *out. 1 if the key is absent (*out untouched), 0 if
 * read, -1 (st filled) if it is not such a number. */
static int weights_meta_int(const struct weights_meta *w, const char *key, int lo, int hi, int *out)
{
    const char *text = ckpt_meta_get(w->meta, key);
    if (!text)
        return 1;
    /* The name strict_parse_int quotes (the value it quotes is escaped by rm_fail). */
    size_t n = strlen(w->path) + strlen(key) + 16;
    char *name = malloc(n);
    if (!name)
        return rm_fail(w->st, "%s: out of memory", w->path);
    snprintf(name, n, "%s: metadata '%s'", w->path, key);
    int rc = strict_parse_int(name, text, lo, hi, out, w->st) == 0 ? 0 : -1;
    free(name);
    return rc;
}

/* epoch, test_correct and test_total: all three or none; the test result a consistent one. */
static int weights_read_result(const struct weights_meta *w, struct weights_info *in)
{
    int epoch = 0, correct = 0, total = 0;
    int e, c = 1, t = 1; /* the first bad one is named */
    if ((e = weights_meta_int(w, "epoch", 1, WEIGHTS_MAX_EPOCH, &epoch)) < 0 ||
        (c = weights_meta_int(w, "test_correct", 0, WEIGHTS_MAX_TOTAL, &correct)) < 0 ||
        (t = weights_meta_int(w, "test_total", 1, WEIGHTS_MAX_TOTAL, &total)) < 0)
        return -1;
    if (e == 1) { /* no epoch: nothing recorded */
        if (c == 0 || t == 0)
            return rm_fail(w->st, "%s: metadata '%s' is there without 'epoch'", w->path,
                           c == 0 ? "test_correct" : "test_total");
        return 0;
    }
    if (c == 1 || t == 1)
        return rm_fail(w->st, "%s: metadata '%s' is missing beside 'epoch'", w->path,
                       t == 1 ? "test_total" : "test_correct");
    if (correct > total)
        return rm_fail(w->st, "%s: metadata 'test_correct' (%d) is more than 'test_total' (%d)",
                       w->path, correct, total);
    in->epoch = epoch;
    in->correct = correct;
    in->total = total;
    return 0;
}

/* A resumable file's position: epochs_done (which "epoch", when there, must equal) and
 * batch_in_epoch. The test result belongs to the weights only at the end of an epoch. */
static int weights_read_position(const struct weights_meta *w, struct weights_info *in)
{
    int done = 0, batch = 0;
    int d = weights_meta_int(w, "epochs_done", 0, WEIGHTS_MAX_EPOCH, &done);
    if (d < 0)
        return -1;
    if (d == 1)
        return rm_fail(w->st,
                       "%s: metadata 'epochs_done' is missing (a resumable file says how "
                       "many epochs it holds)",
                       w->path);
    if (weights_meta_int(w, "batch_in_epoch", 0, INT32_MAX, &batch) < 0)
        return -1;
    if (in->epoch && in->epoch != done)
        return rm_fail(w->st, "%s: metadata 'epoch' (%d) is not 'epochs_done' (%d)", w->path,
                       in->epoch, done);
    in->epoch = done;
    in->batch = batch;
    if (batch > 0) { /* trained further after the test pass that gave the result */
        in->correct = 0;
        in->total = 0;
    }
    return 0;
}

/* What the file is, and what it says of its weights. */
static int weights_describe(const char *path, const struct ckpt_meta *meta,
                            const struct ckpt_skipped *skipped, struct weights_info *in,
                            struct rm_status *st)
{
    memset(in, 0, sizeof *in);
    /* Only metadata under the checksums is this program's (ckpt_load_some has checked them);
     * a file without them, e.g. PyTorch's, is plain whatever its metadata says. */
    if (!ckpt_meta_trusted(meta))
        in->kind = WEIGHTS_PLAIN;
    else if (ckpt_meta_get(meta, "resume"))
        in->kind = WEIGHTS_RESUMABLE;
    else
        in->kind = WEIGHTS_BEST;
    if (skipped->n > 0 && in->kind != WEIGHTS_RESUMABLE)
        return rm_fail(st, "%s: unexpected tensor '%s' (not part of this model)", path,
                       skipped->first);
    if (in->kind == WEIGHTS_PLAIN)
        return 0;
    struct weights_meta w = {meta, path, st};
    if (weights_read_result(&w, in) != 0)
        return -1;
    if (in->kind == WEIGHTS_RESUMABLE && weights_read_position(&w, in) != 0)
        return -1;
    const char *fp = ckpt_meta_get(meta, "data_sha256");
    if (fp) { /* the data the run was trained on, for test's warning */
        char name[64 + 4096];
        snprintf(name, sizeof name, "%.4000s: metadata 'data_sha256'", path);
        if (data_fingerprint_parse(&in->data, name, fp, st) != 0 ||
            weights_meta_int(&w, "test_images", 1, WEIGHTS_MAX_TOTAL, &in->test_images) != 0)
            return -1;
        in->has_data = 1;
    }
    return 0;
}

int weights_peek_classes(const char *path, int *classes, struct rm_status *st)
{
    int64_t shape[CKPT_MAX_DIMS];
    int ndim;
    if (!path)
        return rm_fail(st, "weights: no path given");
    if (ckpt_peek_shape(path, "linear2.bias", shape, &ndim, st) != 0)
        return -1;
    if (ndim != 1 || shape[0] < 1 || shape[0] > MODEL_MAX_CLASSES)
        return rm_fail(st, "%s: tensor 'linear2.bias' is not of 1 to %d classes", path,
                       MODEL_MAX_CLASSES);
    *classes = (int)shape[0];
    return 0;
}

int weights_load(const char *path, float *params, struct weights_info *info, struct rm_status *st)
{
    return weights_load_classes(path, params, MODEL_CLASSES, info, NULL, st);
}

int weights_load_classes(const char *path, float *params, int classes, struct weights_info *info,
                         struct dataset_info *data, struct rm_status *st)
{
    if (!path)
        return rm_fail(st, "weights: no path given");
    /* Read into a buffer of our own, so that a refusal after the tensors check (the metadata,
     * a stranger in a plain file) leaves params untouched. */
    size_t nf = model_param_floats(classes);
    float *buf = calloc(nf, sizeof *buf);
    struct dataset_info *ds = calloc(1, sizeof *ds);
    if (!buf || !ds) {
        free(buf);
        free(ds);
        return rm_fail(st, "%s: out of memory for the weights", path);
    }
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors_classes(buf, classes, t);
    struct ckpt_meta meta = {0};
    struct ckpt_skipped skipped;
    struct weights_info in;
    int rc = -1;
    if (ckpt_load_some(path, t, MODEL_PARAM_COUNT, &meta, &skipped, st) == 0 &&
        weights_describe(path, &meta, &skipped, &in, st) == 0 &&
        (!data ||
         dataset_from_meta(ds, ckpt_meta_trusted(&meta) ? &meta : NULL, classes, path, st) == 0)) {
        /* ckpt refuses NaN and infinities in every tensor of the file; a weight that is not
         * finite never gets here. */
        memcpy(params, buf, nf * sizeof *buf);
        *info = in;
        if (data)
            *data = *ds;
        rc = 0;
    }
    ckpt_meta_free(&meta);
    free(buf);
    free(ds);
    return rc;
}
