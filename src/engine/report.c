/* Evaluation reports: the confusion matrix, per-class accuracy and the mistakes ordered by
 * confidence (report.h). */
#include "resnet_mnist/engine/report.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void report_build(struct eval_report *r, const uint8_t *labels, const uint8_t *predicted, int n)
{
    report_build_classes(r, REPORT_CLASSES, labels, predicted, n);
}

void report_build_classes(struct eval_report *r, int classes, const uint8_t *labels,
                          const uint8_t *predicted, int n)
{
    assert(classes >= 1 && classes <= REPORT_MAX_CLASSES);
    memset(r, 0, sizeof *r);
    r->classes = classes;
    for (int i = 0; i < n; i++) {
        int l = labels[i], p = predicted[i];
        assert(l < classes && p < classes);
        r->confusion[l][p]++;
        r->class_total[l]++;
        if (l == p) {
            r->class_correct[l]++;
            r->correct++;
        }
    }
    r->total = n;
}

double report_class_accuracy(const struct eval_report *r, int digit)
{
    assert(digit >= 0 && digit < r->classes);
    if (r->class_total[digit] == 0)
        return NAN;
    return (double)r->class_correct[digit] / r->class_total[digit];
}

/* Descending confidence, NaN last, then ascending index: a total order, so the result does not
 * depend on qsort's algorithm. */
static int error_cmp(const void *pa, const void *pb)
{
    const struct report_error *a = pa, *b = pb;
    int an = isnan(a->confidence), bn = isnan(b->confidence);
    if (an != bn)
        return an - bn;
    if (!an && a->confidence != b->confidence)
        return a->confidence > b->confidence ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

int report_errors(struct report_error *out, const uint8_t *labels, const uint8_t *predicted,
                  const float *confidence, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (labels[i] == predicted[i])
            continue;
        out[k].index = i;
        out[k].label = labels[i];
        out[k].predicted = predicted[i];
        out[k].confidence = confidence[i];
        k++;
    }
    if (k > 1)
        qsort(out, (size_t)k, sizeof *out, error_cmp);
    return k;
}
