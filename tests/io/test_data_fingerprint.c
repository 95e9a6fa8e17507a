/* A run's data fingerprint (data_fingerprint.h): SHA-256 of exactly the bytes the run uses, a
 * hand-checked digest, the text form read back, and a change named by its file. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/data_fingerprint.h"

static void make_set(struct idx_dataset *ds, int n, uint8_t fill)
{
    ds->n = n;
    ds->images = malloc((size_t)n * MNIST_PIXELS);
    ds->labels = malloc((size_t)n);
    assert_non_null(ds->images);
    assert_non_null(ds->labels);
    memset(ds->images, fill, (size_t)n * MNIST_PIXELS);
    for (int i = 0; i < n; i++)
        ds->labels[i] = (uint8_t)(i % 10);
}

static void test_data_fingerprint_known_digests_and_text(void **state)
{
    (void)state;
    struct rm_status st;
    struct idx_dataset train, test;
    make_set(&train, 2, 0);
    make_set(&test, 1, 0);
    test.labels[0] = 'a'; /* one byte "a": SHA-256 ca978112... (FIPS 180-2's example is "abc") */
    struct data_fingerprint fp;
    assert_int_equal(data_fingerprint_compute(&fp, &train, &test, &st), 0);
    char text[DATA_FINGERPRINT_TEXT];
    data_fingerprint_format(&fp, text);
    assert_int_equal(strlen(text), DATA_FINGERPRINT_TEXT - 1);
    assert_non_null(strstr(text, "t10k-labels:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807"
                                 "785afee48bb"));
    /* the labels of the training set: the two bytes 00 01 */
    assert_non_null(strstr(text, "train-labels:b413f47d13ee2fe6c845b2ee141af81de858df4ec549a58b79"
                                 "70bb96645bc8d2"));
    assert_true(strncmp(text, "train-images:", 13) == 0);
    struct data_fingerprint back;
    assert_int_equal(data_fingerprint_parse(&back, "x", text, &st), 0);
    assert_memory_equal(&back, &fp, sizeof fp);
    assert_int_equal(data_fingerprint_check(&fp, &back, "d", &st), 0);
    /* the text form is exact: upper case, a part missing, trailing text */
    char bad[DATA_FINGERPRINT_TEXT + 2];
    strcpy(bad, text);
    bad[20] = (char)(bad[20] >= 'a' ? bad[20] - 32 : 'G');
    assert_int_equal(data_fingerprint_parse(&back, "last.bin: field 'data_sha256'", bad, &st), -1);
    assert_non_null(strstr(st.msg, "last.bin: field 'data_sha256': '"));
    assert_non_null(strstr(st.msg, "is not a data fingerprint"));
    strcpy(bad, text);
    strcat(bad, ",");
    assert_int_equal(data_fingerprint_parse(&back, "x", bad, &st), -1);
    assert_int_equal(data_fingerprint_parse(&back, "x", strchr(text, ',') + 1, &st), -1);
    idx_free(&train);
    idx_free(&test);
}

/* One pixel or one label changed, or one image fewer: the part that differs is named. */
static void test_data_fingerprint_names_what_changed(void **state)
{
    (void)state;
    struct rm_status st;
    struct idx_dataset train, test;
    make_set(&train, 5, 3);
    make_set(&test, 4, 9);
    struct data_fingerprint a, b;
    assert_int_equal(data_fingerprint_compute(&a, &train, &test, &st), 0);
    train.images[MNIST_PIXELS * 4 + 783] ^= 1;
    assert_int_equal(data_fingerprint_compute(&b, &train, &test, &st), 0);
    assert_int_equal(data_fingerprint_check(&a, &b, "data/x", &st), -1);
    assert_string_equal(st.msg, "data/x: train-images-idx3-ubyte[.gz] is not the data the run was "
                                "trained on (the SHA-256 of the images it uses differs)");
    train.images[MNIST_PIXELS * 4 + 783] ^= 1;
    test.labels[3] = 0;
    assert_int_equal(data_fingerprint_compute(&b, &train, &test, &st), 0);
    assert_int_equal(data_fingerprint_check(&a, &b, "d", &st), -1);
    assert_non_null(strstr(st.msg, "t10k-labels-idx1-ubyte"));
    test.labels[3] = 3;
    test.n = 3; /* the same first images, one fewer */
    assert_int_equal(data_fingerprint_compute(&b, &train, &test, &st), 0);
    assert_int_equal(data_fingerprint_check(&a, &b, "d", &st), -1);
    assert_non_null(strstr(st.msg, "t10k-images-idx3-ubyte"));
    test.n = 4;
    assert_int_equal(data_fingerprint_compute(&b, &train, &test, &st), 0);
    assert_int_equal(data_fingerprint_check(&a, &b, "d", &st), 0);
    idx_free(&train);
    idx_free(&test);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_fingerprint_known_digests_and_text),
        cmocka_unit_test(test_data_fingerprint_names_what_changed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
