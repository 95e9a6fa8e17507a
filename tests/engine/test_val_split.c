/* The validation split (val_split.h): the held-out images are the documented rule's, the same
 * for the same seed, other ones for another seed, disjoint from the images trained on and
 * together with them every image once, each part in file order; sizes that leave nothing to
 * train on are refused. */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/engine/val_split.h"
#include "resnet_mnist/io/idx.h"

#define N 50

/* N images, image i's first two pixels its index (i % 256, i / 256), label i % 10. */
static void make_numbered(struct idx_dataset *ds)
{
    ds->n = N;
    ds->images = calloc((size_t)N, MNIST_PIXELS);
    ds->labels = malloc(N);
    assert_non_null(ds->images);
    assert_non_null(ds->labels);
    for (int i = 0; i < N; i++) {
        ds->images[(size_t)i * MNIST_PIXELS] = (uint8_t)(i % 256);
        ds->images[(size_t)i * MNIST_PIXELS + 1] = (uint8_t)(i / 256);
        ds->labels[i] = (uint8_t)(i % 10);
    }
}

/* The original index of image k of ds (a part of a numbered set), checking its label. */
static int index_of(const struct idx_dataset *ds, int k)
{
    const uint8_t *px = ds->images + (size_t)k * MNIST_PIXELS;
    int i = px[0] + 256 * px[1];
    assert_int_equal(ds->labels[k], i % 10);
    return i;
}

static void test_val_split_follows_the_documented_rule(void **state)
{
    (void)state;
    struct idx_dataset all, fit, val;
    struct rm_status st;
    make_numbered(&all);
    assert_int_equal(val_split_data(&fit, &val, &all, 12, 7, &st), 0);
    assert_int_equal(fit.n, N - 12);
    assert_int_equal(val.n, 12);
    /* the rule as val_split.h states it: the first 12 of rng_shuffle's permutation of 0..N-1
     * from a stream seeded with seed ^ RUN_VAL_SALT */
    int perm[N], held[N] = {0};
    for (int i = 0; i < N; i++)
        perm[i] = i;
    struct rng r;
    rng_seed(&r, 7 ^ RUN_VAL_SALT);
    rng_shuffle(&r, perm, N);
    for (int i = 0; i < 12; i++)
        held[perm[i]] = 1;
    /* every image exactly once, in the part the rule says, each part in file order */
    int seen[N] = {0}, last = -1;
    for (int k = 0; k < val.n; k++) {
        int i = index_of(&val, k);
        assert_true(held[i]);
        assert_true(i > last);
        last = i;
        seen[i]++;
    }
    last = -1;
    for (int k = 0; k < fit.n; k++) {
        int i = index_of(&fit, k);
        assert_false(held[i]);
        assert_true(i > last);
        last = i;
        seen[i]++;
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    idx_free(&fit);
    idx_free(&val);
    idx_free(&all);
}

static void test_val_split_same_seed_same_images(void **state)
{
    (void)state;
    struct idx_dataset all, fit[3], val[3];
    struct rm_status st;
    make_numbered(&all);
    uint64_t seeds[3] = {3, 3, 4};
    for (int s = 0; s < 3; s++)
        assert_int_equal(val_split_data(&fit[s], &val[s], &all, 10, seeds[s], &st), 0);
    assert_memory_equal(val[0].images, val[1].images, (size_t)10 * MNIST_PIXELS);
    assert_memory_equal(fit[0].images, fit[1].images, (size_t)40 * MNIST_PIXELS);
    assert_memory_not_equal(val[0].images, val[2].images, (size_t)10 * MNIST_PIXELS);
    for (int s = 0; s < 3; s++) {
        idx_free(&fit[s]);
        idx_free(&val[s]);
    }
    idx_free(&all);
}

static void test_val_split_refuses_what_leaves_nothing_to_train(void **state)
{
    (void)state;
    struct idx_dataset all, fit, val;
    struct rm_status st;
    make_numbered(&all);
    assert_int_equal(val_split_data(&fit, &val, &all, N, 0, &st), -1);
    assert_string_equal(st.msg, "--val 50: must be less than the 50 training images the run uses");
    assert_null(fit.images);
    assert_null(val.images);
    assert_int_equal(val_split_data(&fit, &val, &all, 0, 0, &st), -1);
    assert_int_equal(val_split_data(&fit, &val, &all, N - 1, 0, &st), 0); /* one image left */
    assert_int_equal(fit.n, 1);
    idx_free(&fit);
    idx_free(&val);
    idx_free(&all);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_val_split_follows_the_documented_rule),
        cmocka_unit_test(test_val_split_same_seed_same_images),
        cmocka_unit_test(test_val_split_refuses_what_leaves_nothing_to_train),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
