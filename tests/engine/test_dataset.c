/* Tests of dataset.c: the data set as part of a run (classes from the labels or --classes,
 * labels out of range, normalisation, class names files, the checkpoint metadata, EMNIST's
 * transposed images) and of the model's class count. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/dataset.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/io/ckpt.h"

/* Writes dir/<prefix>-images-idx3-ubyte and -labels-idx1-ubyte: n images, image i all pixels
 * pixel(i), label labels[i]. */
static void write_split(const char *dir, const char *prefix, int n, const uint8_t *labels,
                        uint8_t (*pixel)(int))
{
    size_t isz = 16 + (size_t)n * 784, lsz = 8 + (size_t)n;
    uint8_t *img = calloc(isz, 1), *lab = calloc(lsz, 1);
    assert_non_null(img);
    assert_non_null(lab);
    const uint8_t ih[16] = {0, 0,  8, 3, 0, 0, (uint8_t)(n >> 8), (uint8_t)n, 0, 0,
                            0, 28, 0, 0, 0, 28};
    const uint8_t lh[8] = {0, 0, 8, 1, 0, 0, (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(img, ih, 16);
    memcpy(lab, lh, 8);
    for (int i = 0; i < n; i++) {
        memset(img + 16 + (size_t)i * 784, pixel(i), 784);
        lab[8 + i] = labels[i];
    }
    char name[128];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    char *p = tu_path(dir, name);
    tu_write_file(p, img, isz);
    free(p);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    p = tu_path(dir, name);
    tu_write_file(p, lab, lsz);
    free(p);
    free(img);
    free(lab);
}

static uint8_t half_black_white(int i)
{
    return i % 2 ? 255 : 0;
}

/* A folder holding train (4 images, labels given) and t10k (2 images, labels 0 and 1), loaded. */
struct fixture {
    char *dir, *train_labels, *test_labels;
    struct idx_dataset train, test;
};

static void fixture_make(struct fixture *f, const uint8_t train_labels[4])
{
    const uint8_t test_labels[2] = {0, 1};
    f->dir = tu_make_temp_dir();
    write_split(f->dir, "train", 4, train_labels, half_black_white);
    write_split(f->dir, "t10k", 2, test_labels, half_black_white);
    struct rm_status st;
    f->train_labels = tu_path(f->dir, "train-labels-idx1-ubyte");
    f->test_labels = tu_path(f->dir, "t10k-labels-idx1-ubyte");
    assert_int_equal(mnist_load(&f->train, f->dir, MNIST_SPLIT_TRAIN, 0, &st), 0);
    assert_int_equal(mnist_load(&f->test, f->dir, MNIST_SPLIT_TEST, 0, &st), 0);
}

static void fixture_free(struct fixture *f)
{
    idx_free(&f->train);
    idx_free(&f->test);
    free(f->train_labels);
    free(f->test_labels);
    tu_remove_dir(f->dir);
}

static int describe(struct fixture *f, struct dataset_info *d, const struct dataset_options *o,
                    struct rm_status *st)
{
    return dataset_describe(d, o, &f->train, &f->test, f->train_labels, f->test_labels, f->dir, st);
}

static void test_dataset_classes_from_labels(void **state)
{
    (void)state;
    struct fixture f;
    const uint8_t labels[4] = {3, 46, 0, 12}; /* EMNIST balanced: 47 classes */
    fixture_make(&f, labels);
    struct dataset_info *d = calloc(1, sizeof *d);
    struct dataset_options o = {.kind = -1};
    struct rm_status st;
    assert_int_equal(describe(&f, d, &o, &st), 0);
    assert_int_equal(d->classes, 47);
    assert_string_equal(d->class_names[46], "46");
    assert_int_equal(d->kind, DATASET_IMAGES);
    /* the folder's own name: not a known data set */
    const char *base = strrchr(f.dir, '/') + 1;
    assert_string_equal(d->name, base);
    /* --classes wins */
    o.classes = 62;
    assert_int_equal(describe(&f, d, &o, &st), 0);
    assert_int_equal(d->classes, 62);
    free(d);
    fixture_free(&f);
}

static void test_dataset_label_out_of_range(void **state)
{
    (void)state;
    struct fixture f;
    const uint8_t labels[4] = {3, 9, 0, 1};
    fixture_make(&f, labels);
    struct dataset_info *d = calloc(1, sizeof *d);
    d->classes = -7;
    struct dataset_options o = {.classes = 5, .kind = -1};
    struct rm_status st;
    assert_int_equal(describe(&f, d, &o, &st), -1);
    assert_non_null(strstr(st.msg, "train-labels-idx1-ubyte: label 9 (index 1) is out of range "
                                   "0..4 for 5 classes"));
    assert_int_equal(d->classes, -7); /* untouched */
    /* the test labels too */
    o.classes = 1;
    const uint8_t zeros[4] = {0, 0, 0, 0};
    fixture_free(&f);
    fixture_make(&f, zeros);
    assert_int_equal(describe(&f, d, &o, &st), -1);
    assert_non_null(strstr(st.msg, "t10k-labels-idx1-ubyte: label 1 (index 1)"));
    free(d);
    fixture_free(&f);
}

static void test_dataset_normalisation(void **state)
{
    (void)state;
    struct fixture f;
    const uint8_t labels[4] = {0, 1, 0, 1};
    fixture_make(&f, labels);
    struct dataset_info *d = calloc(1, sizeof *d);
    struct dataset_options o = {.kind = -1};
    struct rm_status st;
    /* half the pixels 0, half 1 (255/255): mean 0.5, std 0.5, by hand */
    assert_int_equal(describe(&f, d, &o, &st), 0);
    assert_true(d->mean == 0.5f);
    assert_true(d->std == 0.5f);
    /* given: as given, the other computed */
    o.has_mean = 1;
    o.mean = 0.25f;
    assert_int_equal(describe(&f, d, &o, &st), 0);
    assert_true(d->mean == 0.25f);
    assert_true(d->std == 0.5f);
    /* MNIST's description holds the spec's constants */
    dataset_info_mnist(d);
    assert_true(d->mean == 0.1307f && d->std == 0.3081f);
    assert_string_equal(d->name, "mnist");
    assert_int_equal(d->kind, DATASET_DIGITS);
    free(d);
    fixture_free(&f);
}

/* Writes text to dir/names.txt and reads it as the names of `classes` classes. */
static int read_names(const char *dir, const char *text, size_t len, int classes,
                      struct dataset_info *d, struct rm_status *st)
{
    char *p = tu_path(dir, "names.txt");
    tu_write_file(p, text, len);
    d->classes = classes;
    int rc = dataset_read_class_names(d, p, st);
    free(p);
    return rc;
}

static void test_dataset_class_names_file(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct dataset_info *d = calloc(1, sizeof *d);
    struct rm_status st;
    assert_int_equal(read_names(dir, "cat\r\ndog\nbird\n", 14, 3, d, &st), 0);
    assert_string_equal(d->class_names[0], "cat");
    assert_string_equal(d->class_names[2], "bird");
    assert_int_equal(read_names(dir, "caf\xc3\xa9\nb", 7, 2, d, &st), 0); /* UTF-8 */
    assert_string_equal(d->class_names[0], "caf\xc3\xa9");
    strcpy(d->class_names[0], "kept");
    const struct {
        const char *text, *want;
        int classes;
    } bad[] = {
        {"a\n\nc\n", "names.txt: line 2 is empty", 3},
        {"a\nb\n", "names.txt: 2 class names, the data has 3 classes", 3},
        {"a\nb\nc\nd\n", "names.txt: more than 3 class names, the data has 3 classes", 3},
        {"a\n\xff\xfe\n", "names.txt: line 2 is not UTF-8", 2},
        {"a\tb\nc\n", "names.txt: line 1 holds a control character", 2},
        {"0123456789012345678901234567890123456789012345678901234567890123\nb\n",
         "names.txt: line 1 is longer than 63 bytes", 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(read_names(dir, bad[i].text, strlen(bad[i].text), bad[i].classes, d, &st),
                         -1);
        if (!strstr(st.msg, bad[i].want))
            fail_msg("case %zu: '%s', want '%s'", i, st.msg, bad[i].want);
        assert_string_equal(d->class_names[0], "kept"); /* untouched */
    }
    free(d);
    tu_remove_dir(dir);
}

static void test_dataset_meta_round_trip(void **state)
{
    (void)state;
    struct dataset_info *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    snprintf(a->name, sizeof a->name, "emnist-balanced");
    a->classes = 47;
    a->mean = 0.17359f;
    a->std = 0.33165f;
    a->kind = DATASET_DIGITS;
    a->transpose = 1;
    for (int k = 0; k < 47; k++)
        snprintf(a->class_names[k], DATASET_CLASS_NAME_MAX, "c%d \xc3\xa9", k);
    struct ckpt_meta meta = {0};
    struct rm_status st;
    assert_int_equal(dataset_to_meta(a, &meta, &st), 0);
    assert_int_equal(dataset_from_meta(b, &meta, 47, "x.bin", &st), 0);
    assert_true(dataset_same(a, b));
    assert_true(a->mean == b->mean && a->std == b->std); /* exactly */
    /* the model's class count decides */
    assert_int_equal(dataset_from_meta(b, &meta, 10, "x.bin", &st), -1);
    assert_string_equal(st.msg, "x.bin: metadata 'classes' (47) is not the model's 10 outputs");
    /* a bad value is named */
    ckpt_meta_set(&meta, "std", "0", &st);
    assert_int_equal(dataset_from_meta(b, &meta, 47, "x.bin", &st), -1);
    assert_non_null(strstr(st.msg, "x.bin: metadata 'std'"));
    ckpt_meta_set(&meta, "std", "0.3", &st);
    ckpt_meta_set(&meta, "transpose", "yes", &st);
    assert_int_equal(dataset_from_meta(b, &meta, 47, "x.bin", &st), -1);
    assert_non_null(strstr(st.msg, "'transpose'"));
    ckpt_meta_free(&meta);
    /* some keys without the others: refused */
    ckpt_meta_set(&meta, "dataset", "x", &st);
    assert_int_equal(dataset_from_meta(b, &meta, 10, "x.bin", &st), -1);
    assert_non_null(strstr(st.msg, "x.bin: metadata 'classes' is missing"));
    ckpt_meta_free(&meta);
    /* none (PyTorch's file, an older checkpoint): MNIST */
    assert_int_equal(dataset_from_meta(b, NULL, 10, "x.bin", &st), 0);
    dataset_info_mnist(a);
    assert_true(dataset_same(a, b));
    free(a);
    free(b);
}

static void test_dataset_transpose_round_trip(void **state)
{
    (void)state;
    struct idx_dataset ds;
    tu_random_dataset(&ds, 3, 7);
    uint8_t *orig = malloc(3 * 784);
    memcpy(orig, ds.images, 3 * 784);
    dataset_transpose(&ds);
    for (int i = 0; i < 3; i++)
        for (int r = 0; r < 28; r++)
            for (int c = 0; c < 28; c++)
                assert_int_equal(ds.images[i * 784 + r * 28 + c], orig[i * 784 + c * 28 + r]);
    dataset_transpose(&ds);
    assert_memory_equal(ds.images, orig, 3 * 784);
    free(orig);
    free(ds.images);
    free(ds.labels);
}

static void test_dataset_model_classes(void **state)
{
    (void)state;
    /* N = 10 is the tutorial's table exactly */
    struct model_param t[MODEL_PARAM_COUNT];
    model_param_table(t, 10);
    assert_memory_equal(t, model_params, sizeof t);
    assert_int_equal(model_param_floats(10), MODEL_PARAM_FLOATS);
    /* N = 47: linear2 200->47, the rest unchanged */
    model_param_table(t, 47);
    assert_int_equal(t[14].shape[0], 47);
    assert_int_equal(t[14].size, 47 * 200);
    assert_int_equal(t[15].shape[0], 47);
    assert_int_equal(t[15].offset, t[14].offset + 47 * 200);
    assert_int_equal(t[15].offset + t[15].size, model_param_floats(47));
    assert_int_equal(model_param_floats(MODEL_MAX_CLASSES), MODEL_MAX_PARAM_FLOATS);
    /* a model of 47 outputs runs: probabilities over 47 classes sum to 1 */
    struct model m;
    struct rm_status st;
    struct rng r;
    assert_int_equal(model_init_classes(&m, 2, 1, 47, &st), 0);
    rng_seed(&r, 1);
    model_init_params(&m, &r);
    for (int i = 0; i < 2 * 784; i++)
        m.x[i] = (float)(i % 17) / 17.0f;
    model_forward(&m, 2);
    const uint8_t labels[2] = {46, 3};
    double loss = model_loss(&m, labels, 2);
    assert_true(isfinite(loss) && loss > 0);
    double sum = 0;
    for (int k = 0; k < 47; k++)
        sum += m.probs[47 + k];
    assert_true(fabs(sum - 1) < 1e-5);
    model_backward(&m, labels, 2);
    assert_int_equal(model_sgd_step(&m, 0.01f, 0.5f), 0);
    assert_true(model_predicted(&m, 0) < 47);
    model_free(&m);
    assert_int_equal(model_init_classes(&m, 2, 1, 257, &st), -1);
    assert_string_equal(st.msg, "257 classes: a model has 1 to 256");
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset_classes_from_labels),
        cmocka_unit_test(test_dataset_label_out_of_range),
        cmocka_unit_test(test_dataset_normalisation),
        cmocka_unit_test(test_dataset_class_names_file),
        cmocka_unit_test(test_dataset_meta_round_trip),
        cmocka_unit_test(test_dataset_transpose_round_trip),
        cmocka_unit_test(test_dataset_model_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
