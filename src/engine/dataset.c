/* A run's data set: its name, classes and their names, normalisation, kind and orientation
 * (dataset.h). */
#include "resnet_mnist/engine/dataset.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/data_identify.h"
#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/strict_number.h"
#include "resnet_mnist/io/utf8.h"

static const char *const fashion_names[10] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                              "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                              "Bag",         "Ankle boot"};

static void numbered_names(struct dataset_info *d)
{
    for (int k = 0; k < d->classes; k++)
        snprintf(d->class_names[k], DATASET_CLASS_NAME_MAX, "%d", k);
}

void dataset_info_mnist(struct dataset_info *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "mnist");
    d->classes = 10;
    d->mean = DATASET_MNIST_MEAN;
    d->std = DATASET_MNIST_STD;
    d->kind = DATASET_DIGITS;
    numbered_names(d);
}

/* What is wrong with s[0..n) as a name (NULL: nothing): UTF-8, no control character, 1 to
 * max-1 bytes. */
static const char *name_problem(const char *s, size_t n, size_t max)
{
    if (n == 0)
        return "is empty";
    if (n >= max)
        return "is too long";
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x20 || p[i] == 0x7f)
            return "holds a control character";
        size_t k = utf8_char_length(p + i, n - i, NULL);
        if (!k)
            return "is not UTF-8";
        i += k;
    }
    return NULL;
}

int dataset_check_labels(const struct idx_dataset *ds, int classes, const char *what,
                         struct rm_status *st)
{
    for (int i = 0; i < ds->n; i++)
        if (ds->labels[i] >= classes)
            return rm_fail(st, "%s: label %d (index %d) is out of range 0..%d for %d classes", what,
                           ds->labels[i], i, classes - 1, classes);
    return 0;
}

void dataset_transpose(struct idx_dataset *ds)
{
    for (int i = 0; i < ds->n; i++) {
        uint8_t *p = ds->images + (size_t)i * MNIST_PIXELS;
        for (int r = 0; r < MNIST_ROWS; r++)
            for (int c = r + 1; c < MNIST_COLS; c++) {
                uint8_t t = p[r * MNIST_COLS + c];
                p[r * MNIST_COLS + c] = p[c * MNIST_COLS + r];
                p[c * MNIST_COLS + r] = t;
            }
    }
}

int dataset_read_class_names(struct dataset_info *d, const char *path, struct rm_status *st)
{
    unsigned char *buf;
    size_t len;
    if (file_read_all(path, &buf, &len, st) != 0)
        return -1;
    int rc = -1;
    if (len > DATASET_NAMES_FILE_MAX) {
        rm_fail(st, "%s: %zu bytes, more than a list of class names holds (at most %d)", path, len,
                DATASET_NAMES_FILE_MAX);
        goto done;
    }
    char(*names)[DATASET_CLASS_NAME_MAX] = calloc(MODEL_MAX_CLASSES, sizeof *names);
    if (!names) {
        rm_fail(st, "%s: out of memory", path);
        goto done;
    }
    int lines = 0;
    for (size_t at = 0; at < len;) {
        const char *line = (const char *)buf + at;
        size_t n = 0;
        while (at + n < len && buf[at + n] != '\n')
            n++;
        at += n + 1; /* past the newline (or the end) */
        if (n > 0 && line[n - 1] == '\r')
            n--;
        lines++;
        const char *why = name_problem(line, n, DATASET_CLASS_NAME_MAX);
        if (why && n >= DATASET_CLASS_NAME_MAX)
            rm_fail(st, "%s: line %d is longer than %d bytes", path, lines,
                    DATASET_CLASS_NAME_MAX - 1);
        else if (why)
            rm_fail(st, "%s: line %d %s", path, lines, why);
        else if (lines > d->classes)
            rm_fail(st, "%s: more than %d class names, the data has %d classes", path, d->classes,
                    d->classes);
        if (why || lines > d->classes) {
            free(names);
            goto done;
        }
        memcpy(names[lines - 1], line, n);
        names[lines - 1][n] = 0;
    }
    if (lines != d->classes) {
        rm_fail(st, "%s: %d class names, the data has %d classes", path, lines, d->classes);
        free(names);
        goto done;
    }
    memcpy(d->class_names, names, (size_t)d->classes * sizeof *names);
    free(names);
    rc = 0;
done:
    free(buf);
    return rc;
}

/* Mean and standard deviation (divisor n) of every pixel of ds in [0,1]: integer sums, exact
 * whatever the order, then one division each. */
static void pixel_stats(const struct idx_dataset *ds, double *mean, double *std)
{
    uint64_t s1 = 0, s2 = 0;
    size_t n = (size_t)ds->n * MNIST_PIXELS;
    for (size_t i = 0; i < n; i++) {
        s1 += ds->images[i];
        s2 += (uint64_t)ds->images[i] * ds->images[i];
    }
    double m = (double)s1 / (double)n / 255.0;
    double var = (double)s2 / (double)n / (255.0 * 255.0) - m * m;
    *mean = m;
    *std = var > 0 ? sqrt(var) : 0.0;
}

/* The last component of dir as a data set's name, or "unknown". */
static void folder_name(char *out, const char *dir)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    const char *s = dir + start;
    size_t n = end - start;
    if (name_problem(s, n, DATASET_NAME_MAX) || (n == 1 && s[0] == '.') ||
        (n == 2 && s[0] == '.' && s[1] == '.') || (n == 1 && s[0] == '/'))
        snprintf(out, DATASET_NAME_MAX, "unknown");
    else
        snprintf(out, DATASET_NAME_MAX, "%.*s", (int)n, s);
}

int dataset_describe(struct dataset_info *d, const struct dataset_options *o,
                     const struct idx_dataset *train, const struct idx_dataset *test,
                     const char *train_labels_path, const char *test_labels_path, const char *dir,
                     struct rm_status *st)
{
    struct data_labels_scan scan;
    if (data_identify_labels(train_labels_path, &scan, st) != 0)
        return -1;
    struct dataset_info *t = calloc(1, sizeof *t);
    if (!t)
        return rm_fail(st, "out of memory");
    int mnist = strcmp(scan.name, "mnist") == 0, fashion = strcmp(scan.name, "fashion-mnist") == 0;
    int rc = -1;
    if (o->name) {
        const char *why = name_problem(o->name, strlen(o->name), DATASET_NAME_MAX);
        if (why) {
            rm_fail(st, "--dataset-name: '%.80s' %s (1 to %d bytes of UTF-8 text)", o->name, why,
                    DATASET_NAME_MAX - 1);
            goto done;
        }
        snprintf(t->name, sizeof t->name, "%s", o->name);
    } else if (scan.name[0])
        snprintf(t->name, sizeof t->name, "%s", scan.name);
    else
        folder_name(t->name, dir);
    t->classes = o->classes ? o->classes : scan.name[0] ? 10 : scan.max_label + 1;
    if (dataset_check_labels(train, t->classes, train_labels_path, st) != 0 ||
        dataset_check_labels(test, t->classes, test_labels_path, st) != 0)
        goto done;
    double mean = DATASET_MNIST_MEAN, std = DATASET_MNIST_STD;
    if (!mnist && !(o->has_mean && o->has_std))
        pixel_stats(train, &mean, &std);
    t->mean = o->has_mean ? o->mean : (float)mean;
    t->std = o->has_std ? o->std : (float)std;
    if (!(t->std > 0)) {
        rm_fail(st, "%s: the training images are all one value (std 0); give --std", dir);
        goto done;
    }
    if (o->names_file) {
        if (dataset_read_class_names(t, o->names_file, st) != 0)
            goto done;
    } else if (fashion && t->classes == 10) {
        for (int k = 0; k < 10; k++)
            snprintf(t->class_names[k], DATASET_CLASS_NAME_MAX, "%s", fashion_names[k]);
    } else
        numbered_names(t);
    t->kind = o->kind >= 0 ? (enum dataset_kind)o->kind : mnist ? DATASET_DIGITS : DATASET_IMAGES;
    t->transpose = o->transpose != 0;
    *d = *t;
    rc = 0;
done:
    free(t);
    return rc;
}

int dataset_to_meta(const struct dataset_info *d, struct ckpt_meta *meta, struct rm_status *st)
{
    char buf[64];
    size_t cap = (size_t)d->classes * DATASET_CLASS_NAME_MAX + 1, len = 0;
    char *names = malloc(cap);
    if (!names)
        return rm_fail(st, "out of memory");
    names[0] = 0;
    for (int k = 0; k < d->classes; k++)
        len += (size_t)snprintf(names + len, cap - len, "%s%s", k ? "\n" : "", d->class_names[k]);
    int rc = ckpt_meta_set(meta, "dataset", d->name, st);
    snprintf(buf, sizeof buf, "%d", d->classes);
    rc |= ckpt_meta_set(meta, "classes", buf, st);
    snprintf(buf, sizeof buf, "%.9g", d->mean);
    rc |= ckpt_meta_set(meta, "mean", buf, st);
    snprintf(buf, sizeof buf, "%.9g", d->std);
    rc |= ckpt_meta_set(meta, "std", buf, st);
    rc |= ckpt_meta_set(meta, "class_names", names, st);
    rc |= ckpt_meta_set(meta, "kind", dataset_kind_name(d->kind), st);
    rc |= ckpt_meta_set(meta, "transpose", d->transpose ? "true" : "false", st);
    free(names);
    return rc ? -1 : 0;
}

static const char *const meta_keys[] = {"dataset",     "classes", "mean",     "std",
                                        "class_names", "kind",    "transpose"};

int dataset_from_meta(struct dataset_info *d, const struct ckpt_meta *meta, int classes,
                      const char *path, struct rm_status *st)
{
    size_t nkeys = sizeof meta_keys / sizeof meta_keys[0], have = 0;
    for (size_t k = 0; meta && k < nkeys; k++)
        have += ckpt_meta_get(meta, meta_keys[k]) != NULL;
    struct dataset_info *t = calloc(1, sizeof *t);
    if (!t)
        return rm_fail(st, "%s: out of memory", path);
    int rc = -1;
    if (have == 0) {
        dataset_info_mnist(t);
        if (classes != 10) {
            snprintf(t->name, sizeof t->name, "unknown");
            t->kind = DATASET_IMAGES;
        }
        t->classes = classes;
        numbered_names(t);
        goto ok;
    }
    for (size_t k = 0; k < nkeys; k++)
        if (!ckpt_meta_get(meta, meta_keys[k])) {
            rm_fail(st, "%s: metadata '%s' is missing beside '%s'", path, meta_keys[k],
                    ckpt_meta_get(meta, "dataset") ? "dataset" : "classes");
            goto done;
        }
    char name[128 + 4096];
    const char *v = ckpt_meta_get(meta, "dataset");
    const char *why = name_problem(v, strlen(v), DATASET_NAME_MAX);
    if (why) {
        rm_fail(st, "%s: metadata 'dataset' %s", path, why);
        goto done;
    }
    snprintf(t->name, sizeof t->name, "%s", v);
#define KEY_NAME(key) (snprintf(name, sizeof name, "%.4000s: metadata '%s'", path, key), name)
    if (strict_parse_int(KEY_NAME("classes"), ckpt_meta_get(meta, "classes"), 1, MODEL_MAX_CLASSES,
                         &t->classes, st) != 0 ||
        strict_parse_float(KEY_NAME("mean"), ckpt_meta_get(meta, "mean"), 0, 0, 1, &t->mean, st) !=
            0 ||
        strict_parse_float(KEY_NAME("std"), ckpt_meta_get(meta, "std"), 0, 1, 1, &t->std, st) != 0)
        goto done;
    if (t->classes != classes) {
        rm_fail(st, "%s: metadata 'classes' (%d) is not the model's %d outputs", path, t->classes,
                classes);
        goto done;
    }
    int kind = DATASET_IMAGES;
    if (dataset_parse_kind(KEY_NAME("kind"), ckpt_meta_get(meta, "kind"), &kind, st) != 0)
        goto done;
    t->kind = (enum dataset_kind)kind;
#undef KEY_NAME
    v = ckpt_meta_get(meta, "transpose");
    if (strcmp(v, "true") && strcmp(v, "false")) {
        rm_fail(st, "%s: metadata 'transpose': '%.20s' is neither true nor false", path, v);
        goto done;
    }
    t->transpose = strcmp(v, "true") == 0;
    v = ckpt_meta_get(meta, "class_names");
    int k = 0;
    for (const char *p = v;; k++) {
        size_t n = strcspn(p, "\n");
        if (k >= t->classes || (why = name_problem(p, n, DATASET_CLASS_NAME_MAX)) != NULL) {
            rm_fail(st, "%s: metadata 'class_names': name %d %s", path, k + 1,
                    k >= t->classes ? "is one too many" : why);
            goto done;
        }
        memcpy(t->class_names[k], p, n);
        t->class_names[k][n] = 0;
        if (!p[n])
            break;
        p += n + 1;
    }
    if (k + 1 != t->classes) {
        rm_fail(st, "%s: metadata 'class_names' holds %d names for %d classes", path, k + 1,
                t->classes);
        goto done;
    }
ok:
    *d = *t;
    rc = 0;
done:
    free(t);
    return rc;
}

const char *dataset_kind_name(enum dataset_kind kind)
{
    return kind == DATASET_DIGITS ? "digits" : "images";
}

int dataset_parse_kind(const char *name, const char *text, int *out, struct rm_status *st)
{
    if (strcmp(text, "digits") == 0)
        *out = DATASET_DIGITS;
    else if (strcmp(text, "images") == 0)
        *out = DATASET_IMAGES;
    else
        return rm_fail(st, "%s: '%.40s' is neither digits nor images", name, text);
    return 0;
}

const char *dataset_title(const struct dataset_info *d)
{
    return strcmp(d->name, "mnist") == 0 ? "MNIST" : d->name;
}

int dataset_same(const struct dataset_info *a, const struct dataset_info *b)
{
    if (strcmp(a->name, b->name) || a->classes != b->classes || a->mean != b->mean ||
        a->std != b->std || a->kind != b->kind || a->transpose != b->transpose)
        return 0;
    for (int k = 0; k < a->classes; k++)
        if (strcmp(a->class_names[k], b->class_names[k]))
            return 0;
    return 1;
}
