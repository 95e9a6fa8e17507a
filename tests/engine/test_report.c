/* Tests of report.c: the confusion matrix, per-class accuracy, and the mistakes ordered by
 * confidence. (evaluate_detailed is test_evaluation.c's, the grid of mistakes
 * test_digit_grid.c's.) */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "resnet_mnist/engine/report.h"

static void test_report_confusion_sums(void **state)
{
    (void)state;
    enum { N = 1000 };
    uint8_t labels[N], pred[N];
    int count[REPORT_CLASSES] = {0}, right = 0;
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        labels[i] = (uint8_t)((seed >> 16) % 10);
        seed = seed * 1103515245u + 12345u;
        /* right about 80% of the time, else any digit (sometimes the right one again) */
        pred[i] = (seed >> 16) % 5 ? labels[i] : (uint8_t)((seed >> 8) % 10);
        count[labels[i]]++;
        right += labels[i] == pred[i];
    }
    struct eval_report r;
    report_build(&r, labels, pred, N);
    assert_int_equal(r.total, N);
    assert_int_equal(r.correct, right);
    long all = 0, trace = 0;
    for (int t = 0; t < REPORT_CLASSES; t++) {
        int row = 0;
        for (int p = 0; p < REPORT_CLASSES; p++)
            row += r.confusion[t][p];
        assert_int_equal(row, count[t]);
        assert_int_equal(r.class_total[t], count[t]);
        assert_int_equal(r.class_correct[t], r.confusion[t][t]);
        all += row;
        trace += r.confusion[t][t];
    }
    assert_int_equal(all, N);
    assert_int_equal(trace, right);
    /* every column sums to the number of predictions of that digit */
    for (int p = 0; p < REPORT_CLASSES; p++) {
        int col = 0, want = 0;
        for (int t = 0; t < REPORT_CLASSES; t++)
            col += r.confusion[t][p];
        for (int i = 0; i < N; i++)
            want += pred[i] == p;
        assert_int_equal(col, want);
    }
}

static void test_report_per_class_accuracy(void **state)
{
    (void)state;
    /* digit 0: 4 images, 3 right (one taken for a 6); digit 1: 2 images, both taken for 7;
     * digit 2: 1 image, right; digit 9: 3 images, 2 right (one taken for a 4); 3..8: none */
    const uint8_t labels[] = {0, 0, 0, 0, 1, 1, 2, 9, 9, 9};
    const uint8_t pred[] = {0, 6, 0, 0, 7, 7, 2, 9, 4, 9};
    struct eval_report r;
    report_build(&r, labels, pred, 10);
    assert_int_equal(r.total, 10);
    assert_int_equal(r.correct, 6);
    assert_true(report_class_accuracy(&r, 0) == 0.75);
    assert_true(report_class_accuracy(&r, 1) == 0.0);
    assert_true(report_class_accuracy(&r, 2) == 1.0);
    assert_true(fabs(report_class_accuracy(&r, 9) - 2.0 / 3.0) < 1e-15);
    for (int d = 3; d <= 8; d++) {
        assert_true(isnan(report_class_accuracy(&r, d)));
        assert_int_equal(r.class_total[d], 0);
    }
    assert_int_equal(r.confusion[0][0], 3);
    assert_int_equal(r.confusion[0][6], 1);
    assert_int_equal(r.confusion[1][7], 2);
    assert_int_equal(r.confusion[1][1], 0);
    assert_int_equal(r.confusion[9][4], 1);
    assert_int_equal(r.confusion[9][9], 2);
    assert_int_equal(r.confusion[6][0], 0); /* rows are the true digit, not the prediction */
    assert_int_equal(r.class_total[0], 4);
    assert_int_equal(r.class_correct[9], 2);
}

static void test_report_empty(void **state)
{
    (void)state;
    struct eval_report r;
    memset(&r, 0x55, sizeof r); /* garbage in: all must be reset */
    report_build(&r, NULL, NULL, 0);
    assert_int_equal(r.total, 0);
    assert_int_equal(r.correct, 0);
    for (int t = 0; t < REPORT_CLASSES; t++) {
        assert_int_equal(r.class_total[t], 0);
        for (int p = 0; p < REPORT_CLASSES; p++)
            assert_int_equal(r.confusion[t][p], 0);
        assert_true(isnan(report_class_accuracy(&r, t)));
    }
    struct report_error e;
    assert_int_equal(report_errors(&e, NULL, NULL, NULL, 0), 0);
}

static void test_report_errors_by_confidence(void **state)
{
    (void)state;
    /* index:                  0    1    2     3    4    5    6    7    8    9 */
    const uint8_t labels[] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
    const uint8_t pred[] = {3, 7, 4, 2, 6, 9, 8, 0, 3, 5};
    const float conf[] = {0.99f, 0.6f, 0.97f, 0.95f, 0.6f, 0.5f, NAN, 0.999f, 0.31f, 0.6f};
    struct report_error e[10];
    int k = report_errors(e, labels, pred, conf, 10);
    assert_int_equal(k, 7); /* 0, 2 and 5 are right */
    /* most confident first; 1, 4 and 9 tie at 0.6 and keep data-set order; NaN last */
    const int want[] = {7, 3, 1, 4, 9, 8, 6};
    for (int i = 0; i < k; i++) {
        assert_int_equal(e[i].index, want[i]);
        assert_int_equal(e[i].label, labels[want[i]]);
        assert_int_equal(e[i].predicted, pred[want[i]]);
        if (!isnan(conf[want[i]]))
            assert_true(e[i].confidence == conf[want[i]]);
    }
    assert_true(isnan(e[6].confidence));
    /* all right: nothing written */
    e[0].index = -7;
    assert_int_equal(report_errors(e, labels, labels, conf, 10), 0);
    assert_int_equal(e[0].index, -7);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_confusion_sums),
        cmocka_unit_test(test_report_per_class_accuracy),
        cmocka_unit_test(test_report_empty),
        cmocka_unit_test(test_report_errors_by_confidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
