/* Tests of evaluation.c: batch_load (normalised images and labels in the right slots), evaluate
 * (the same whatever the batch size) and evaluate_detailed (the same counts as evaluate, and
 * each image's prediction and confidence as the model gives them one at a time). */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/evaluation.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/io/idx.h"

/* n random sparse images, label i * 7 % 10. */
static void make_dataset(struct idx_dataset *ds, int n, unsigned seed)
{
    memset(ds, 0, sizeof *ds);
    ds->n = n;
    ds->images = malloc((size_t)n * MNIST_PIXELS);
    ds->labels = malloc((size_t)n);
    assert_non_null(ds->images);
    assert_non_null(ds->labels);
    for (size_t i = 0; i < (size_t)n * MNIST_PIXELS; i++) {
        seed = seed * 1103515245u + 12345u;
        ds->images[i] = (seed >> 16) % 4 ? 0 : (uint8_t)(seed >> 8);
    }
    for (int i = 0; i < n; i++)
        ds->labels[i] = (uint8_t)(i * 7 % 10);
}

/* A model for batches of max_batch with the parameters of seed 3. */
static void make_model(struct model *m, int max_batch)
{
    struct rm_status st;
    memset(m, 0, sizeof *m);
    if (model_init(m, max_batch, 1, &st) != 0)
        fail_msg("%s", st.msg);
    struct rng r;
    rng_seed(&r, 3);
    model_init_params(m, &r);
}

/* The normalisation of spec section 1, (byte / 255 - 0.1307) / 0.3081, at its two ends and in
 * the middle, worked out by hand; and each image and label lands in its slot. */
static void test_evaluation_batch_load_normalises_and_copies(void **state)
{
    (void)state;
    struct idx_dataset ds;
    make_dataset(&ds, 4, 1);
    memset(ds.images, 0, 4 * MNIST_PIXELS);
    ds.images[1 * MNIST_PIXELS + 5] = 255;
    ds.images[3 * MNIST_PIXELS + 100] = 51; /* 51 / 255 = 0.2 */
    ds.images[3 * MNIST_PIXELS + 783] = 255;
    struct model m;
    make_model(&m, 3);
    uint8_t labels[3] = {0xee, 0xee, 0xee};

    /* by index: images 3 and 1, in that order */
    const int idx[2] = {3, 1};
    batch_load(&m, labels, &ds, idx, 0, 2);
    assert_int_equal(labels[0], ds.labels[3]);
    assert_int_equal(labels[1], ds.labels[1]);
    assert_int_equal(labels[2], 0xee); /* only n slots are written */
    const double lo = -0.1307 / 0.3081, hi = (1.0 - 0.1307) / 0.3081, mid = (0.2 - 0.1307) / 0.3081;
    assert_true(fabs(lo - -0.42421292) < 1e-8 && fabs(hi - 2.82148653) < 1e-8);
    const float *x0 = m.x, *x1 = m.x + MODEL_INPUT_FLOATS;
    assert_true(fabs(x0[0] - lo) < 1e-6);
    assert_true(fabs(x0[100] - mid) < 1e-6);
    assert_true(fabs(x0[783] - hi) < 1e-6);
    assert_true(fabs(x1[5] - hi) < 1e-6);
    assert_true(fabs(x1[6] - lo) < 1e-6);
    for (int i = 0; i < MNIST_PIXELS; i++) /* image 1 has one ink pixel, at 5 */
        assert_true(i == 5 ? x1[i] > 2.0f : x1[i] < -0.4f);

    /* in file order from `first` */
    batch_load(&m, labels, &ds, NULL, 1, 3);
    for (int b = 0; b < 3; b++)
        assert_int_equal(labels[b], ds.labels[1 + b]);
    assert_true(fabs(m.x[5] - hi) < 1e-6);                             /* image 1 */
    assert_true(fabs(m.x[2 * MODEL_INPUT_FLOATS + 100] - mid) < 1e-6); /* image 3 */
    model_free(&m);
    idx_free(&ds);
}

/* evaluate over 23 images in batches of 1, 4, 5 (a partial last batch), 23 and 64 (one short
 * batch): the same count and, but for the rounding of the per-batch means, the same loss. */
static void test_evaluation_independent_of_batch_size(void **state)
{
    (void)state;
    enum { N = 23 };
    struct idx_dataset ds;
    make_dataset(&ds, N, 7);
    const int batches[] = {1, 4, 5, N, 64};
    struct eval_result first = {0};
    for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
        struct model m;
        make_model(&m, batches[i]);
        struct eval_result r;
        evaluate(&m, &ds, &r);
        model_free(&m);
        assert_int_equal(r.total, N);
        assert_true(isfinite(r.loss) && r.loss > 0.0);
        if (i == 0) {
            first = r;
            continue;
        }
        if (r.correct != first.correct || fabs(r.loss - first.loss) > 1e-6 * first.loss)
            fail_msg("batch %d: %d right, loss %.17g; batch 1: %d right, loss %.17g", batches[i],
                     r.correct, r.loss, first.correct, first.loss);
    }
    /* the loss is the mean cross-entropy of the images taken one at a time */
    struct model m;
    make_model(&m, 1);
    double sum = 0.0;
    for (int i = 0; i < N; i++) {
        uint8_t label;
        int idx = i;
        batch_load(&m, &label, &ds, &idx, 0, 1);
        model_forward(&m, 1);
        sum += model_loss(&m, &label, 1);
    }
    assert_true(fabs(sum / N - first.loss) < 1e-12);
    model_free(&m);
    idx_free(&ds);
}

static void test_evaluation_detailed_matches_evaluate(void **state)
{
    (void)state;
    enum { N = 23 };
    struct idx_dataset ds;
    make_dataset(&ds, N, 7);
    struct model m;
    /* a batch of 5: the last batch is partial, and indices must still land in the right place */
    make_model(&m, 5);

    struct eval_result plain, detailed, only_pred;
    evaluate(&m, &ds, &plain);
    uint8_t pred[N], pred2[N];
    float conf[N];
    memset(pred, 0xff, sizeof pred);
    evaluate_detailed(&m, &ds, &detailed, pred, conf);
    evaluate_detailed(&m, &ds, &only_pred, pred2, NULL);
    assert_int_equal(detailed.correct, plain.correct);
    assert_int_equal(detailed.total, N);
    assert_true(detailed.loss == plain.loss);
    assert_int_equal(only_pred.correct, plain.correct);
    assert_memory_equal(pred, pred2, N);

    /* each image on its own: the same prediction, and the confidence is the largest softmax
     * probability */
    int right = 0;
    for (int i = 0; i < N; i++) {
        uint8_t label;
        int idx = i;
        batch_load(&m, &label, &ds, &idx, 0, 1);
        model_forward(&m, 1);
        model_loss(&m, &label, 1);
        int p = model_predicted(&m, 0);
        assert_int_equal(pred[i], p);
        float best = 0.0f;
        for (int c = 0; c < MODEL_CLASSES; c++)
            best = m.probs[c] > best ? m.probs[c] : best;
        assert_true(fabsf(conf[i] - best) < 1e-6f);
        assert_true(conf[i] >= 0.1f && conf[i] <= 1.0f);
        right += p == ds.labels[i];
    }
    assert_int_equal(right, plain.correct);
    model_free(&m);
    idx_free(&ds);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evaluation_batch_load_normalises_and_copies),
        cmocka_unit_test(test_evaluation_independent_of_batch_size),
        cmocka_unit_test(test_evaluation_detailed_matches_evaluate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
