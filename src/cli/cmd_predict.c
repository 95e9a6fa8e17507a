/* resnet-mnist predict: the digit (the class, named as the checkpoint's data set names them)
 * that each picture shows, with the probabilities of all classes; or with --number, the whole
 * number it shows, digit by digit. Pictures are prepared by the data set's kind: digits as
 * MNIST's were made (digit_prep.h), other images by a plain resize (image_plain.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "resnet_mnist/engine/dataset.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/weights.h"
#include "resnet_mnist/io/digit_grid.h"
#include "resnet_mnist/io/digit_prep.h"
#include "resnet_mnist/io/image_shrink.h"
#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/image_plain.h"
#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/io/number_split.h"
#include "resnet_mnist/ops/xent.h"

#define SHOW_SCALE    8    /* --show enlarges each 28x28 image this much... */
#define SHOW_PER_ROW  10   /* ...and puts up to this many side by side in a row */
#define SHOW_MAX_SIDE 8192 /* with many images the scale drops to keep within this */

static void predict_help(FILE *fp)
{
    fprintf(
        fp,
        "Usage: " PROGRAM " predict [OPTIONS] IMAGE...\n"
        "Predict the digit (the class, for other data sets) each picture shows, with the\n"
        "probabilities of all classes.\n"
        "With --number, the whole number each picture shows, digit by digit.\n"
        "\n"
        "  --weights FILE   checkpoint to use (default best.bin): best.bin or last.bin\n"
        "                   written by train (last.bin's optimizer state is not used),\n"
        "                   or a safetensors file saved from PyTorch\n"
        "  --number         each picture holds a number of one or more digits written\n"
        "                   left to right (\"2026\"): print the number and each digit's\n"
        "                   probability\n"
        "  --json           print one JSON object per image instead:\n"
        "                   {\"file\":...,\"digit\":...,\"name\":...,\"probabilities\":\n"
        "                   [p0,...,p9]} (name: the class's name; digit: its number)\n"
        "                   with --number: {\"file\":...,\"number\":\"2026\",\"digits\":\n"
        "                   [{\"digit\":2,\"box\":[x0,y0,x1,y1],\"probabilities\":[...]},...]}\n"
        "                   (box: the digit's pixels in the picture, x1 and y1 exclusive)\n"
        "  --show FILE.png  also write the 28x28 images the network saw, side by side\n"
        "                   and enlarged x%d (less for very many images); with --number\n"
        "                   every digit, in order\n"
        "  -h, --help       show this help and exit\n"
        "\n"
        "Classes are named as the checkpoint's data set names them (MNIST: the digits;\n"
        "Fashion-MNIST: T-shirt/top ... Ankle boot). For a data set of kind images (all\n"
        "but digit sets, README) a picture is made grey, padded to a square with its\n"
        "border's grey, resized to 28x28 and inverted when its border is light; --number\n"
        "is for digit sets only. For digits:\n"
        "An IMAGE is a PNG, JPEG, BMP, PGM or PPM file of any size showing one digit,\n"
        "dark on light or light on dark: a drawing, a scan or a photograph. It is\n"
        "prepared as MNIST's digits were: made grey, turned upright by its EXIF\n"
        "orientation, the paper's lighting divided out, light ink on black, cropped to\n"
        "the digit's own strokes (specks, shadows and the paper's edge left out), scaled\n"
        "to fit 20x20 and centred by its centre of mass in 28x28. With --number the\n"
        "picture's pieces of ink are grouped into digits left to right: strokes of one\n"
        "digit joined, digits that touch cut apart, specks and what touches the\n"
        "picture's edge left out; each digit is then prepared as one. A picture that\n"
        "cannot be read or shows no ink is reported and the others are still predicted;\n"
        "the exit status is then 1. So is a picture on which the network's output is not\n"
        "finite (unusable weights). --show never replaces the checkpoint or a picture\n"
        "of the same command.\n"
        "\n"
        "Example:\n"
        "  " PROGRAM " predict --weights runs/first/best.bin --show seen.png digit.png\n",
        SHOW_SCALE);
}

/* The prepared images kept for --show. */
struct shown {
    uint8_t *px; /* n * MNIST_PIXELS */
    int n, cap;
};

static int shown_add(struct shown *s, const uint8_t *img)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        uint8_t *p = realloc(s->px, (size_t)cap * MNIST_PIXELS);
        if (!p)
            return -1;
        s->px = p;
        s->cap = cap;
    }
    memcpy(s->px + (size_t)s->n * MNIST_PIXELS, img, MNIST_PIXELS);
    s->n++;
    return 0;
}

/* Draws the images as tiles of 28*scale pixels, SHOW_PER_ROW a row (digit_grid_look_tiles: the
 * grey levels the network saw, tiles framed in dim blue when scale > 2). Returns 0 or 1 (the
 * error printed). */
static int show_write(const char *path, const struct shown *s)
{
    int rows = (s->n + SHOW_PER_ROW - 1) / SHOW_PER_ROW;
    int scale = SHOW_SCALE;
    while (scale > 1 && rows * MNIST_ROWS * scale > SHOW_MAX_SIDE)
        scale--;
    struct digit_grid_look look = digit_grid_look_tiles(scale);
    struct rm_status st;
    if (digit_grid_write_png(path, &look, NULL, s->px, NULL, s->n, SHOW_PER_ROW, &st) != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    return 0;
}

/* Prints o as one line of JSON and frees it (o may be NULL: out of memory). Returns 0 or 1
 * (out of memory, said on stderr for file). */
static int print_json_line(const char *file, cJSON *o)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text) {
        error_line("%s: out of memory", file);
        return 1;
    }
    puts(text);
    cJSON_free(text);
    return 0;
}

/* One result on stdout, the classes by name (MNIST's are its digits). Returns 0 or 1 (out of
 * memory for the JSON text). */
static int print_result(const char *file, int digit, const double *p, int json,
                        const struct dataset_info *ds)
{
    if (!json) {
        print_escaped(stdout, file);
        printf(": %s (%.1f%%)\n ", ds->class_names[digit], 100.0 * p[digit]);
        for (int i = 0; i < ds->classes; i++)
            printf(" %s:%.1f%%", ds->class_names[i], 100.0 * p[i]);
        putchar('\n');
        return 0;
    }
    cJSON *o = cJSON_CreateObject(), *arr = NULL;
    if (o && cJSON_AddStringToObject(o, "file", file) &&
        cJSON_AddNumberToObject(o, "digit", digit) &&
        cJSON_AddStringToObject(o, "name", ds->class_names[digit]) &&
        (arr = cJSON_CreateDoubleArray(p, ds->classes)) != NULL &&
        cJSON_AddItemToObject(o, "probabilities", arr))
        return print_json_line(file, o); /* arr owned by o */
    cJSON_Delete(arr);
    cJSON_Delete(o);
    return print_json_line(file, NULL);
}

/* The result for a whole number on stdout: n digits, digit i with probabilities p[i * 10..].
 * Returns 0 or 1 (out of memory for the JSON text). */
static int print_number(const char *file, const struct number_digit *d, const int *digit,
                        const double *p, int n, int json, const struct dataset_info *ds)
{
    const int k = ds->classes;
    if (!json) {
        print_escaped(stdout, file);
        fputs(": ", stdout);
        for (int i = 0; i < n; i++)
            fputs(ds->class_names[digit[i]], stdout);
        fputs("  (", stdout);
        for (int i = 0; i < n; i++)
            printf("%s%s %.1f%%", i ? ", " : "", ds->class_names[digit[i]],
                   100.0 * p[(size_t)i * k + digit[i]]);
        puts(")");
        return 0;
    }
    char *number = malloc((size_t)n * DATASET_CLASS_NAME_MAX + 1);
    if (number) { /* the classes' names one after the other: MNIST's digits */
        number[0] = '\0';
        for (int i = 0; i < n; i++)
            strcat(number, ds->class_names[digit[i]]);
    }
    cJSON *o = cJSON_CreateObject(), *arr = NULL;
    int ok = number && o && cJSON_AddStringToObject(o, "file", file) &&
             cJSON_AddStringToObject(o, "number", number) &&
             (arr = cJSON_AddArrayToObject(o, "digits")) != NULL;
    for (int i = 0; ok && i < n; i++) {
        int box[4] = {d[i].x0, d[i].y0, d[i].x1, d[i].y1};
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(arr, e); /* e owned by arr now */
        if (!ok) {
            cJSON_Delete(e);
            break;
        }
        cJSON *b = cJSON_CreateIntArray(box, 4);
        ok = cJSON_AddNumberToObject(e, "digit", digit[i]) && b &&
             cJSON_AddItemToObject(e, "box", b);
        if (!ok) {
            cJSON_Delete(b);
            break;
        }
        cJSON *pr = cJSON_CreateDoubleArray(p + (size_t)i * k, k);
        ok = pr && cJSON_AddItemToObject(e, "probabilities", pr);
        if (!ok)
            cJSON_Delete(pr);
    }
    free(number);
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    return print_json_line(file, o);
}

/* --show must not name an input of the same command: the checkpoint or a picture. A usage error
 * naming both, before any work; else 0. */
static int check_show_path(const char *cmd, const char *show, const char *weights, int first,
                           int argc, char **argv)
{
    if (file_same(show, weights))
        return usage_error(cmd,
                           "--show %s is the same file as --weights %s: an output never "
                           "replaces an input",
                           show, weights);
    for (int i = first; i < argc; i++)
        if (file_same(show, argv[i]))
            return usage_error(cmd,
                               "--show %s is the same file as the image %s: an output never "
                               "replaces an input",
                               show, argv[i]);
    return 0;
}

/* 1 if the n logits and probabilities are all finite. */
static int outputs_finite(const float *z, const double *p, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(z[i]) || !isfinite(p[i]))
            return 0;
    return 1;
}

/* Runs the network on one prepared image: p gets the m->classes probabilities. Returns the
 * class, or -1 when the output is not finite. */
static int predict_image(struct model *m, const uint8_t *img, double *p)
{
    for (int k = 0; k < MNIST_PIXELS; k++) /* as evaluation.h's batch_load */
        m->x[k] = ((float)img[k] / 255.0f - m->in_mean) / m->in_std;
    model_forward(m, 1);
    xent_softmax(p, m->z, m->classes);
    if (!outputs_finite(m->z, p, m->classes))
        return -1;
    return model_predicted(m, 0);
}

/* predict_image on `count` prepared images of one picture (MNIST_PIXELS bytes each, in order):
 * the reading whose top probability is the highest, its image copied to the first; p as there.
 * Ties keep the earlier image. Returns its class, or -1 when an output is not finite. */
static int predict_confident(struct model *m, uint8_t *imgs, int count, double *p)
{
    int best = predict_image(m, imgs, p);
    for (int k = 1; k < count && best >= 0; k++) {
        double q[MODEL_MAX_CLASSES];
        int digit = predict_image(m, imgs + (size_t)k * MNIST_PIXELS, q);
        if (digit < 0)
            return -1;
        if (q[digit] > p[best]) {
            best = digit;
            memcpy(p, q, (size_t)m->classes * sizeof *p);
            memcpy(imgs, imgs + (size_t)k * MNIST_PIXELS, MNIST_PIXELS);
        }
    }
    return best;
}

/* number_split's scorer: the log of the network's top probability (-infinity when the output
 * is not finite). */
static double score_digit(const uint8_t *image, void *ctx)
{
    double p[MODEL_MAX_CLASSES];
    int digit = predict_image(ctx, image, p);
    return digit < 0 ? -INFINITY : log(p[digit]);
}

/* Reads the picture at path and cuts it into digits (number_split, scored by the network):
 * *digits malloc'd, *n of them. Returns 0, or -1 with the error printed. */
static int split_file(const char *path, struct model *m, struct number_digit **digits, int *n)
{
    struct rm_status st;
    uint8_t *pixels = NULL, *mask = NULL;
    float *ink = NULL;
    int w, h, c, f, rc = -1;
    if (digit_prep_load_image(path, &pixels, &w, &h, &c, &st) != 0) {
        error_line("%s", st.msg);
        return -1;
    }
    int full_w = w, full_h = h;
    if (image_shrink(&pixels, &w, &h, c, IMAGE_WORK_PIXELS, &f, &st) == 0 &&
        digit_prep_ink(pixels, w, h, c, &ink, &mask, &st) == 0) {
        struct number_split_options opt = number_split_defaults();
        opt.scorer.score = score_digit;
        opt.scorer.ctx = m;
        rc = number_split(ink, mask, w, h, &opt, digits, n, &st);
    }
    /* the boxes in the picture's own pixels */
    for (int i = 0; rc == 0 && f > 1 && i < *n; i++) {
        struct number_digit *d = &(*digits)[i];
        d->x0 *= f;
        d->y0 *= f;
        d->x1 = d->x1 * f < full_w ? d->x1 * f : full_w;
        d->y1 = d->y1 * f < full_h ? d->y1 * f : full_h;
    }
    if (rc != 0)
        error_line("%s: %s", path, st.msg);
    free(pixels);
    free(ink);
    free(mask);
    return rc;
}

/* predict --number on one picture: its digits predicted and printed, their images added to seen
 * (when not NULL). Returns 0, 1 when the picture failed (the error printed; go on with the
 * others), -1 when out of memory for the output (stop). */
static int predict_number(const char *path, const char *weights, struct model *m, int json,
                          struct shown *seen, const struct dataset_info *ds)
{
    struct number_digit *d = NULL;
    int n = 0, rc = 1;
    if (split_file(path, m, &d, &n) != 0)
        return 1;
    double *p = malloc((size_t)n * (size_t)m->classes * sizeof *p);
    int *digit = malloc((size_t)n * sizeof *digit);
    if (!p || !digit) {
        error_line("%s: out of memory", path);
        rc = -1;
        goto done;
    }
    for (int i = 0; i < n; i++)
        if ((digit[i] = predict_image(m, d[i].image, p + (size_t)i * (size_t)m->classes)) < 0) {
            error_line("%s: the network's output is not finite with the weights %s: no "
                       "prediction (unusable weights?)",
                       path, weights);
            goto done;
        }
    if (print_number(path, d, digit, p, n, json, ds) != 0) {
        rc = -1;
        goto done;
    }
    for (int i = 0; seen && i < n; i++)
        if (shown_add(seen, d[i].image) != 0) {
            error_line("%s: out of memory", path);
            rc = -1;
            goto done;
        }
    rc = 0;
done:
    free(p);
    free(digit);
    free(d);
    return rc;
}

/* A picture of a data set of images: read as digit_prep_file reads it, then image_plain_28. */
static int prepare_plain(uint8_t *out, const char *path, struct rm_status *st)
{
    uint8_t *pixels;
    int w, h, c;
    if (digit_prep_load_image(path, &pixels, &w, &h, &c, st) != 0)
        return -1;
    int rc = image_plain_28(out, pixels, w, h, c, st);
    free(pixels);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    enum { O_WEIGHTS = 256, O_JSON, O_SHOW, O_NUMBER };
    static const struct option opts[] = {
        {"weights", required_argument, 0, O_WEIGHTS},
        {"json", no_argument, 0, O_JSON},
        {"show", required_argument, 0, O_SHOW},
        {"number", no_argument, 0, O_NUMBER},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *cmd = "predict", *weights = "best.bin", *show = NULL;
    int json = 0, number = 0, c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_WEIGHTS:
            weights = optarg;
            break;
        case O_JSON:
            json = 1;
            break;
        case O_SHOW:
            show = optarg;
            break;
        case O_NUMBER:
            number = 1;
            break;
        case 'h':
            predict_help(stdout);
            return 0;
        default:
            return option_error(cmd, c, argv);
        }
    }
    if (optind >= argc)
        return usage_error(cmd, "no IMAGE given");
    int rc = show ? check_show_path(cmd, show, weights, optind, argc, argv) : 0;
    if (rc)
        return rc;

    struct model m = {0};
    struct shown seen = {0};
    struct rm_status st;
    struct weights_info info;
    int failed = 0, classes;
    struct dataset_info *ds = calloc(1, sizeof *ds);
    rc = 1;
    if (!ds) {
        error_line("out of memory");
        goto done;
    }
    /* one image at a time: one thread; the model of the checkpoint's classes */
    if (weights_peek_classes(weights, &classes, &st) != 0 ||
        model_init_classes(&m, 1, 1, classes, &st) != 0 ||
        weights_load_classes(weights, m.params, classes, &info, ds, &st) != 0) {
        error_line("%s", st.msg);
        goto done;
    }
    m.in_mean = ds->mean;
    m.in_std = ds->std;
    if (number && ds->kind != DATASET_DIGITS) {
        error_line("--number reads digits, and %s was trained on %s, a data set of images", weights,
                   ds->name);
        goto done;
    }
    /* one image at a time, so that results and errors come out in the order given */
    for (int i = optind; i < argc; i++) {
        if (number) {
            int r = predict_number(argv[i], weights, &m, json, show ? &seen : NULL, ds);
            if (r < 0)
                goto done;
            failed |= r;
            continue;
        }
        /* a digit on an unevenly lit picture is prepared two ways (digit_prep_pair): the
         * network's more confident reading is kept */
        uint8_t img[2 * MNIST_PIXELS];
        int count = ds->kind == DATASET_DIGITS ? digit_prep_file_pair(img, argv[i], &st)
                    : prepare_plain(img, argv[i], &st) == 0 ? 1
                                                            : -1;
        if (count < 0) {
            error_line("%s", st.msg);
            failed = 1;
            continue;
        }
        double p[MODEL_MAX_CLASSES];
        int digit = predict_confident(&m, img, count, p);
        if (digit < 0) {
            /* NaN or infinite logits (weights that overflow): no digit to give */
            error_line("%s: the network's output is not finite with the weights %s: no "
                       "prediction (unusable weights?)",
                       argv[i], weights);
            failed = 1;
            continue;
        }
        if (print_result(argv[i], digit, p, json, ds) != 0)
            goto done;
        if (show && shown_add(&seen, img) != 0) {
            error_line("%s: out of memory", show);
            goto done;
        }
    }
    if (show) {
        if (seen.n == 0) {
            error_line("%s: not written: no image could be prepared", show);
            failed = 1;
        } else if (show_write(show, &seen) != 0) {
            failed = 1;
        }
    }
    rc = failed;
done:
    free(seen.px);
    free(ds);
    model_free(&m);
    return rc;
}
