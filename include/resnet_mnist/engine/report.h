#ifndef RESNET_MNIST_REPORT_H
#define RESNET_MNIST_REPORT_H

#include <stdint.h>

/* What an evaluation got right and wrong, per digit: the confusion matrix, per-class counts and
 * the misclassified images ordered by the model's confidence. Built from the labels and the
 * per-image results of evaluate_detailed (train.h); pure computation, nothing here prints or
 * allocates. */

#define REPORT_CLASSES     10  /* MNIST's, report_build's */
#define REPORT_MAX_CLASSES 256 /* labels are bytes */

/* 256 KiB: keep it off small stacks. Only [0..classes) of each dimension is meaningful. */
struct eval_report {
    int classes;                                           /* N */
    int total, correct;                                    /* images; those predicted right */
    int confusion[REPORT_MAX_CLASSES][REPORT_MAX_CLASSES]; /* [true class][predicted class] */
    int class_total[REPORT_MAX_CLASSES];   /* images of each true class: row sums of confusion */
    int class_correct[REPORT_MAX_CLASSES]; /* the diagonal of confusion */
};

/* One misclassified image: its index in the data set, true and predicted digit, and the softmax
 * probability the model gave the predicted digit. */
struct report_error {
    int index;
    uint8_t label, predicted;
    float confidence;
};

/* Fills r from n labels and predictions (each 0..9, asserted): confusion[l][p] counts the images
 * of label l predicted as p, so every row sums to class_total[l], the whole matrix to n = total,
 * and the trace is correct. n = 0 gives an all-zero report. */
void report_build(struct eval_report *r, const uint8_t *labels, const uint8_t *predicted, int n);
/* report_build for `classes` classes (1..REPORT_MAX_CLASSES; labels and predictions below it,
 * asserted); report_build is this with REPORT_CLASSES. */
void report_build_classes(struct eval_report *r, int classes, const uint8_t *labels,
                          const uint8_t *predicted, int n);

/* class_correct[digit] / class_total[digit], or NaN when the digit has no images. */
double report_class_accuracy(const struct eval_report *r, int digit);

/* Writes the misclassified images (labels[i] != predicted[i]) to out, which has room for n
 * entries, most confident first; equal confidences keep data-set order, and a NaN confidence
 * sorts last. Returns how many were written (n - correct). */
int report_errors(struct report_error *out, const uint8_t *labels, const uint8_t *predicted,
                  const float *confidence, int n);

#endif
