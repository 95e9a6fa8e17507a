/* resnet-mnist test: a checkpoint's accuracy on its data set's test set (MNIST's by default), per
 * class and as a confusion matrix, optionally with a picture of the misclassified images or as
 * one JSON object. The data set the checkpoint records (dataset.h) gives the classes' names,
 * the normalisation and the images' orientation. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "resnet_mnist/engine/dataset.h"
#include "resnet_mnist/engine/evaluation.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/report.h"
#include "resnet_mnist/engine/weights.h"
#include "resnet_mnist/io/data_locate.h"
#include "resnet_mnist/io/data_fingerprint.h"
#include "resnet_mnist/io/data_identify.h"
#include "resnet_mnist/io/digit_grid.h"
#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/idx.h"

#define ERRORS_MAX_DEFAULT 100
#define ERRORS_MAX_LIMIT   1000 /* keeps the grid within DIGIT_GRID_MAX_SIDE */

static void test_help(FILE *fp)
{
    fprintf(fp,
            "Usage: " PROGRAM " test [OPTIONS]\n"
            "Evaluate a checkpoint on the MNIST test set (or that of the data set it was\n"
            "trained on, --data): accuracy and loss, the accuracy of each class, and the\n"
            "confusion matrix (rows: true class, columns: predicted). The checkpoint's\n"
            "recorded data set gives the classes' names, the normalisation and the images'\n"
            "orientation; test data other than the run's gets a one-line warning.\n"
            "\n"
            "  --weights FILE     checkpoint to evaluate (default best.bin): best.bin or\n"
            "                     last.bin written by train (last.bin's optimizer state is\n"
            "                     not used), or a safetensors file saved from PyTorch\n"
            "  --data DIR         the data folder (default: the first that holds the files\n"
            "                     of $RESNET_MNIST_DATA, data/mnist,\n"
            "                     $XDG_DATA_HOME/resnet-mnist/mnist, /usr/share/datasets/mnist)\n"
            "  --limit-test N     use only the first N test images\n"
            "  --batch-size N     images per forward pass (default 30; no effect on results)\n"
            "  --threads N        worker threads (default: the online CPUs)\n"
            "  --conv MODE        direct (default) or fast: conv2 by Winograd (not faster\n"
            "                     as a whole here; results differ by rounding; README)\n"
            "  --errors FILE.png  also draw the misclassified images, most confident first,\n"
            "                     each with its true and predicted digit, the confidence\n"
            "                     (softmax probability of the predicted digit) and its\n"
            "                     index in the test set; when there is no mistake at all,\n"
            "                     no file is written and the output says so\n"
            "  --errors-max N     draw at most N of them (default %d, at most %d)\n"
            "  --json             print one JSON object instead of the tables: weights,\n"
            "                     correct, total, accuracy (a fraction), loss, per_class\n"
            "                     ({digit, correct, total, accuracy}), confusion (rows: true\n"
            "                     digit), misclassified, errors_png if it was written, and\n"
            "                     checkpoint ({kind: best, resumable or plain, epoch, batch,\n"
            "                     recorded_correct, recorded_total}; null when unknown)\n"
            "  -h, --help         show this help and exit\n"
            "\n"
            "Examples:\n"
            "  " PROGRAM " test --weights runs/first/best.bin\n"
            "  " PROGRAM " test --weights best.bin --errors errors.png --errors-max 50\n",
            ERRORS_MAX_DEFAULT, ERRORS_MAX_LIMIT);
}

/* Width of a decimal number. */
static int digits(int v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* 1 when the classes are named 0..N-1 (MNIST's digits, or a data set without names). */
static int numbered(const struct dataset_info *ds)
{
    for (int k = 0; k < ds->classes; k++) {
        char n[16];
        snprintf(n, sizeof n, "%d", k);
        if (strcmp(n, ds->class_names[k]) != 0)
            return 0;
    }
    return 1;
}

/* The per-class table and the confusion matrix, for a terminal: 69 columns for MNIST's test
 * set (the columns widen only past 9999 images of a digit). Named classes are listed by name
 * in the table and by number in the matrix, with the names beside its rows. */
static void print_report(const struct eval_report *r, const struct dataset_info *ds)
{
    int wn = digits(r->total), wc = wn > 7 ? wn : 7, wt = wn > 5 ? wn : 5;
    int named = !numbered(ds), wl = 5;
    const char *what = named ? "class" : "digit"; /* numbered classes: digits, as before */
    for (int k = 0; named && k < r->classes; k++)
        wl = (int)strlen(ds->class_names[k]) > wl ? (int)strlen(ds->class_names[k]) : wl;
    printf("\n%-*s  %*s  %*s  %8s\n", wl, what, wc, "correct", wt, "total", "accuracy");
    for (int d = 0; d <= r->classes; d++) {
        int all = d == r->classes;
        int right = all ? r->correct : r->class_correct[d];
        int total = all ? r->total : r->class_total[d];
        if (all)
            printf("%*s", wl, "all");
        else if (named)
            printf("%-*s", wl, ds->class_names[d]);
        else
            printf("%5d", d);
        printf("  %*d  %*d  ", wc, right, wt, total);
        if (total)
            printf("%7.2f%%\n", 100.0 * right / total);
        else
            printf("%8s\n", "-");
    }

    int biggest = 0;
    for (int t = 0; t < r->classes; t++)
        for (int p = 0; p < r->classes; p++)
            biggest = r->confusion[t][p] > biggest ? r->confusion[t][p] : biggest;
    int cw = digits(biggest) + 2 > 6 ? digits(biggest) + 2 : 6;
    printf("\nconfusion matrix: rows are the true %s, columns the predicted %s%s\n", what, what,
           named ? " (by number)" : "");
    printf("%-9s", "true\\pred");
    for (int p = 0; p < r->classes; p++)
        printf("%*d", cw, p);
    printf("\n");
    for (int t = 0; t < r->classes; t++) {
        printf("%9d", t);
        for (int p = 0; p < r->classes; p++)
            printf("%*d", cw, r->confusion[t][p]);
        if (named)
            printf("  %s", ds->class_names[t]);
        printf("\n");
    }
}

/* n, or null when unknown (0). */
static cJSON *json_count(int n)
{
    return n ? cJSON_CreateNumber(n) : cJSON_CreateNull();
}

/* What the checkpoint is and what training recorded for it (validated by weights_load). */
static cJSON *checkpoint_json(const struct weights_info *in)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "kind", weights_kind_name(in->kind));
    ok = ok && cJSON_AddItemToObject(o, "epoch", json_count(in->epoch));
    ok = ok && cJSON_AddNumberToObject(o, "batch", in->batch);
    ok = ok &&
         cJSON_AddItemToObject(o, "recorded_correct",
                               in->total ? cJSON_CreateNumber(in->correct) : cJSON_CreateNull());
    ok = ok && cJSON_AddItemToObject(o, "recorded_total", json_count(in->total));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The JSON object of --json (NULL when out of memory); the caller frees the text. */
static char *report_json(const char *weights, const struct weights_info *in,
                         const struct eval_result *ev, const struct eval_report *r,
                         const struct dataset_info *ds, const char *errors_png)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL;
    ok = ok && cJSON_AddStringToObject(o, "weights", weights);
    ok = ok && cJSON_AddStringToObject(o, "dataset", ds->name);
    cJSON *names = ok ? cJSON_AddArrayToObject(o, "class_names") : NULL;
    ok = names != NULL;
    for (int k = 0; ok && k < ds->classes; k++) {
        cJSON *s = cJSON_CreateString(ds->class_names[k]);
        if (!s || !cJSON_AddItemToArray(names, s)) {
            cJSON_Delete(s);
            ok = 0;
        }
    }
    ok = ok && cJSON_AddNumberToObject(o, "correct", ev->correct);
    ok = ok && cJSON_AddNumberToObject(o, "total", ev->total);
    ok = ok && (ev->total ? cJSON_AddNumberToObject(o, "accuracy", (double)ev->correct / ev->total)
                          : cJSON_AddNullToObject(o, "accuracy"));
    ok = ok && cJSON_AddNumberToObject(o, "loss", ev->loss);
    cJSON *per = ok ? cJSON_AddArrayToObject(o, "per_class") : NULL;
    ok = per != NULL;
    for (int d = 0; ok && d < r->classes; d++) {
        cJSON *c = cJSON_CreateObject();
        if (!c || !cJSON_AddItemToArray(per, c)) {
            cJSON_Delete(c);
            ok = 0;
            break;
        }
        ok = cJSON_AddNumberToObject(c, "digit", d) != NULL; /* the class's number */
        ok = ok && cJSON_AddStringToObject(c, "name", ds->class_names[d]);
        ok = ok && cJSON_AddNumberToObject(c, "correct", r->class_correct[d]);
        ok = ok && cJSON_AddNumberToObject(c, "total", r->class_total[d]);
        ok = ok && (r->class_total[d]
                        ? cJSON_AddNumberToObject(c, "accuracy", report_class_accuracy(r, d))
                        : cJSON_AddNullToObject(c, "accuracy"));
    }
    cJSON *conf = ok ? cJSON_AddArrayToObject(o, "confusion") : NULL;
    ok = conf != NULL;
    for (int t = 0; ok && t < r->classes; t++) {
        cJSON *row = cJSON_CreateIntArray(r->confusion[t], r->classes);
        if (!row || !cJSON_AddItemToArray(conf, row)) {
            cJSON_Delete(row);
            ok = 0;
        }
    }
    ok = ok && cJSON_AddNumberToObject(o, "misclassified", ev->total - ev->correct);
    if (ok && errors_png)
        ok = cJSON_AddStringToObject(o, "errors_png", errors_png) != NULL;
    cJSON *ck = ok ? checkpoint_json(in) : NULL;
    if (ck && !cJSON_AddItemToObject(o, "checkpoint", ck)) {
        cJSON_Delete(ck);
        ck = NULL;
    }
    ok = ck != NULL;
    char *text = ok ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    return text;
}

/* "true 4  pred 9" over "p 0.998  #1234" (the index in the test set, from 0), the classes by
 * name ("true Shirt  pred Coat"). A probability below 1 is never shown as 1.000. */
static void error_caption(char *buf, size_t n, const struct report_error *e,
                          const struct dataset_info *ds)
{
    char p[16];
    if (e->confidence < 1.0f && e->confidence >= 0.9995f)
        snprintf(p, sizeof p, ">0.999");
    else
        snprintf(p, sizeof p, "%.3f", (double)e->confidence);
    snprintf(buf, n, "true %s  pred %s\np %s  #%d", ds->class_names[e->label],
             ds->class_names[e->predicted], p, e->index);
}

/* Draws the first `shown` of the k mistakes (already ordered) into path. */
static int write_errors_png(const char *path, const char *weights, const struct idx_dataset *ds,
                            const struct dataset_info *info, const struct report_error *errs, int k,
                            int shown, struct rm_status *st)
{
    enum { CAPTION = 2 * DATASET_CLASS_NAME_MAX + 48 };
    uint8_t *images = malloc((size_t)shown * MNIST_PIXELS);
    char *text = malloc((size_t)shown * CAPTION);
    const char **captions = malloc((size_t)shown * sizeof *captions);
    int rc = -1;
    if (!images || !text || !captions) {
        rm_fail(st, "%s: out of memory for %d images", path, shown);
        goto done;
    }
    for (int i = 0; i < shown; i++) {
        memcpy(images + (size_t)i * MNIST_PIXELS, ds->images + (size_t)errs[i].index * MNIST_PIXELS,
               MNIST_PIXELS);
        error_caption(text + (size_t)i * CAPTION, CAPTION, &errs[i], info);
        captions[i] = text + (size_t)i * CAPTION;
    }
    char title[512];
    if (shown < k)
        snprintf(title, sizeof title, "%s: the %d most confident of %d misclassified test images",
                 weights, shown, k);
    else
        snprintf(title, sizeof title, "%s: %d misclassified test image%s, most confident first",
                 weights, k, k == 1 ? "" : "s");
    /* ten to a row, as the digits; a squarer grid for many */
    int columns = shown <= 100 ? 10 : (int)ceil(sqrt((double)shown));
    struct digit_grid_look look = digit_grid_look_captioned();
    rc = digit_grid_write_png(path, &look, title, images, captions, shown, columns, st);
done:
    free(images);
    free(text);
    free(captions);
    return rc;
}

/* The line under the first: what training recorded for these weights, from metadata that
 * weights_load validated (numbers only). Nothing for a plain file or one that says nothing. */
static void print_recorded(const struct weights_info *in)
{
    const char *resumable = in->kind == WEIGHTS_RESUMABLE
                                ? "; a resumable checkpoint, its optimizer state not used"
                                : "";
    if (in->total)
        printf("(training recorded %d/%d at epoch %d%s)\n", in->correct, in->total, in->epoch,
               resumable);
    else if (in->kind == WEIGHTS_RESUMABLE && in->batch)
        printf("(a resumable checkpoint %d batch%s into epoch %d, its optimizer state not used: "
               "no test result was recorded for these weights)\n",
               in->batch, in->batch == 1 ? "" : "es", in->epoch + 1);
    else if (in->kind == WEIGHTS_RESUMABLE)
        printf("(a resumable checkpoint after epoch %d, its optimizer state not used)\n",
               in->epoch);
}

/* --errors must not name an input of the same command: the checkpoint or a file of the test
 * data. A usage error naming both, before any work; else 0. */
static int check_errors_path(const char *cmd, const char *errors, const char *weights,
                             const char *data_dir)
{
    if (file_same(errors, weights))
        return usage_error(cmd,
                           "--errors %s is the same file as --weights %s: an output never "
                           "replaces an input",
                           errors, weights);
    /* the files the test data would be read from; when they are missing, loading says so */
    char *files[2] = {NULL, NULL};
    struct rm_status ignored;
    int rc = 0;
    char found[PATH_MAX]; /* no --data: the folder the search will find (resolve_data_dir) */
    if (!data_dir && data_locate_splits("mnist", NULL, 0, found, sizeof found, &ignored) == 0)
        data_dir = found;
    if (data_dir &&
        mnist_find_split(data_dir, MNIST_SPLIT_TEST, &files[0], &files[1], &ignored) == 0)
        for (int i = 0; i < 2 && !rc; i++)
            if (file_same(errors, files[i]))
                rc = usage_error(cmd,
                                 "--errors %s is the same file as the test data %s: an output "
                                 "never replaces an input",
                                 errors, files[i]);
    free(files[0]);
    free(files[1]);
    return rc;
}

/* One warning line when the test data is not what the checkpoint was trained with: by the
 * SHA-256 of the test images and labels the run recorded, when it used as many as this test
 * does; else when the test labels file is a known data set's (data_identify.h) other than the
 * checkpoint's (one without a record is MNIST's). Nothing when it cannot tell. */
static void warn_other_data(const char *weights, const char *data_dir,
                            const struct weights_info *in, const struct dataset_info *ds,
                            const struct idx_dataset *test)
{
    struct rm_status st;
    const char *why = NULL;
    char known[DATA_IDENTIFY_NAME] = "";
    if (in->has_data && in->test_images == test->n) {
        static uint8_t none[1];
        struct idx_dataset empty = {0, none, none};
        struct data_fingerprint fp;
        if (data_fingerprint_compute(&fp, &empty, test, &st) == 0 &&
            (memcmp(fp.sha256[2], in->data.sha256[2], 32) ||
             memcmp(fp.sha256[3], in->data.sha256[3], 32)))
            why = "the SHA-256 of its test files differs from the run's";
    } else {
        char *images = NULL, *labels = NULL;
        struct data_labels_scan scan;
        if (mnist_find_split(data_dir, MNIST_SPLIT_TEST, &images, &labels, &st) == 0 &&
            data_identify_labels(labels, &scan, &st) == 0 && scan.name[0] &&
            strcmp(scan.name, ds->name) != 0) {
            snprintf(known, sizeof known, "%s", scan.name);
            why = "";
        }
        free(images);
        free(labels);
    }
    if (!why)
        return;
    fflush(stdout);
    fprintf(stderr, PROGRAM ": warning: ");
    print_escaped(stderr, data_dir);
    fprintf(stderr, ": not the test data ");
    print_escaped(stderr, weights);
    if (known[0])
        fprintf(stderr, " was trained with (this is %s, it was trained on %s)\n", known, ds->name);
    else
        fprintf(stderr, " was trained with (%s; it was trained on %s)\n", why, ds->name);
}

int cmd_test(int argc, char **argv)
{
    enum {
        O_WEIGHTS = 256,
        O_DATA,
        O_LTEST,
        O_BATCH,
        O_THREADS,
        O_CONV,
        O_ERRORS,
        O_ERRORS_MAX,
        O_JSON
    };
    static const struct option opts[] = {
        {"weights", required_argument, 0, O_WEIGHTS},
        {"data", required_argument, 0, O_DATA},
        {"limit-test", required_argument, 0, O_LTEST},
        {"batch-size", required_argument, 0, O_BATCH},
        {"threads", required_argument, 0, O_THREADS},
        {"conv", required_argument, 0, O_CONV},
        {"errors", required_argument, 0, O_ERRORS},
        {"errors-max", required_argument, 0, O_ERRORS_MAX},
        {"json", no_argument, 0, O_JSON},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *cmd = "test", *weights = "best.bin", *data_dir = NULL; /* resolve_data_dir */
    const char *errors_path = NULL;
    int limit = 0, batch = 30, threads = thread_pool_online_cpus(), c, rc = 0;
    enum model_conv conv = MODEL_CONV_DIRECT;
    int errors_max = ERRORS_MAX_DEFAULT, json = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_WEIGHTS:
            weights = optarg;
            break;
        case O_DATA:
            data_dir = optarg;
            break;
        case O_LTEST:
            rc = parse_int(cmd, "--limit-test", optarg, 1, 1 << 30, &limit);
            break;
        case O_BATCH:
            rc = parse_int(cmd, "--batch-size", optarg, 1, MAX_BATCH, &batch);
            break;
        case O_THREADS:
            rc = parse_int(cmd, "--threads", optarg, 1, MAX_THREADS, &threads);
            break;
        case O_CONV:
            rc = parse_conv(cmd, optarg, &conv);
            break;
        case O_ERRORS:
            if (!*optarg)
                return usage_error(cmd, "--errors: empty file name");
            errors_path = optarg;
            break;
        case O_ERRORS_MAX:
            rc = parse_int(cmd, "--errors-max", optarg, 1, ERRORS_MAX_LIMIT, &errors_max);
            break;
        case O_JSON:
            json = 1;
            break;
        case 'h':
            test_help(stdout);
            return 0;
        default:
            return option_error(cmd, c, argv);
        }
    }
    if (rc)
        return rc;
    if ((rc = no_operands(cmd, argc, argv)) != 0)
        return rc;
    if (errors_path && (rc = check_errors_path(cmd, errors_path, weights, data_dir)) != 0)
        return rc;

    struct model m = {0};
    struct idx_dataset test = {0};
    struct weights_info info;
    struct rm_status st;
    uint8_t *predicted = NULL;
    float *confidence = NULL;
    struct report_error *errs = NULL;
    struct eval_report *rep = NULL;
    struct dataset_info *ds = calloc(1, sizeof *ds);
    int classes;
    rc = 1;
    if (!ds) {
        error_line("out of memory");
        goto done;
    }
    /* the checkpoint first: a wrong file is reported before the data is read */
    if (weights_peek_classes(weights, &classes, &st) != 0 ||
        model_init_classes(&m, batch, threads, classes, &st) != 0 ||
        weights_load_classes(weights, m.params, classes, &info, ds, &st) != 0) {
        error_line("%s", st.msg);
        goto done;
    }
    m.conv = conv;
    m.in_mean = ds->mean;
    m.in_std = ds->std;
    /* the data set the checkpoint was trained on, where --data does not say */
    if (resolve_test_data_dir(&data_dir, ds->name) ||
        load_split(&test, data_dir, MNIST_SPLIT_TEST, limit))
        goto done;
    if (dataset_check_labels(&test, classes, data_dir, &st) != 0) {
        error_line("%s (the classes of %s)", st.msg, weights);
        goto done;
    }
    if (!json)
        warn_other_data(weights, data_dir, &info, ds, &test);
    if (ds->transpose) /* after the fingerprint, which is of the files as stored */
        dataset_transpose(&test);
    predicted = malloc((size_t)test.n);
    confidence = malloc((size_t)test.n * sizeof *confidence);
    errs = malloc((size_t)test.n * sizeof *errs);
    if (!predicted || !confidence || !errs) {
        error_line("out of memory for %d test images", test.n);
        goto done;
    }
    struct eval_result ev;
    evaluate_detailed(&m, &test, &ev, predicted, confidence);
    /* The loss is the mean over the images, so one image whose logits are NaN or infinite
     * makes it so: such weights give no result worth printing (spec section 6). */
    if (!isfinite(ev.loss)) {
        error_line("%s: the network's output is not finite on these test images: the weights "
                   "are unusable (a diverged training?)",
                   weights);
        goto done;
    }
    if (!(rep = malloc(sizeof *rep))) {
        error_line("out of memory");
        goto done;
    }
    report_build_classes(rep, classes, test.labels, predicted, test.n);
    int nerr = report_errors(errs, test.labels, predicted, confidence, test.n);
    int shown = nerr < errors_max ? nerr : errors_max;

    /* The picture before the text, so that --json can name it only when it was written; on
     * failure the human report is still printed, then the error. */
    int png_failed = 0, png_written = 0;
    if (errors_path && shown > 0) {
        if (write_errors_png(errors_path, weights, &test, ds, errs, nerr, shown, &st) != 0)
            png_failed = 1;
        else
            png_written = 1;
    }

    if (json) {
        if (!png_failed) {
            char *text =
                report_json(weights, &info, &ev, rep, ds, png_written ? errors_path : NULL);
            if (!text) {
                error_line("out of memory for the JSON report");
                goto done;
            }
            puts(text);
            free(text);
        }
    } else {
        /* The first two lines as they always were: scripts and the smoke test read them. */
        print_escaped(stdout, weights);
        printf(": test accuracy %.2f%% (%d/%d), test loss %.4f\n",
               ev.total ? 100.0 * ev.correct / ev.total : 0.0, ev.correct, ev.total, ev.loss);
        print_recorded(&info);
        print_report(rep, ds);
        if (errors_path && nerr == 0) {
            printf("\nno misclassified images; ");
            print_escaped(stdout, errors_path);
            printf(" not written\n");
        } else if (png_written) {
            printf("\nwrote ");
            print_escaped(stdout, errors_path);
            if (shown < nerr)
                printf(": the %d most confident of %d misclassified images\n", shown, nerr);
            else
                printf(": all %d misclassified image%s, most confident first\n", nerr,
                       nerr == 1 ? "" : "s");
        }
    }
    if (png_failed) {
        fflush(stdout);
        error_line("%s", st.msg);
        goto done;
    }
    rc = 0;
done:
    free(predicted);
    free(confidence);
    free(errs);
    free(rep);
    free(ds);
    idx_free(&test);
    model_free(&m);
    return rc;
}
