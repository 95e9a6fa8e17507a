#include "resnet_mnist/engine/evaluation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void batch_load(struct model *m, uint8_t *labels, const struct idx_dataset *ds, const int *idx,
                int first, int n)
{
    for (int b = 0; b < n; b++) {
        int i = idx ? idx[b] : first + b;
        float *x = m->x + (size_t)b * MODEL_INPUT_FLOATS;
        const uint8_t *px = ds->images + (size_t)i * MNIST_PIXELS;
        /* the same float32 steps as idx_normalize, with the model's constants (MNIST's give
         * idx_normalize's numbers bit for bit) */
        for (int k = 0; k < MNIST_PIXELS; k++)
            x[k] = ((float)px[k] / 255.0f - m->in_mean) / m->in_std;
        labels[b] = ds->labels[i];
    }
}

void evaluate(struct model *m, const struct idx_dataset *ds, struct eval_result *r)
{
    evaluate_detailed(m, ds, r, NULL, NULL);
}

void evaluate_detailed(struct model *m, const struct idx_dataset *ds, struct eval_result *r,
                       uint8_t *predicted, float *confidence)
{
    uint8_t labels[4096];
    int batch = m->max_batch < 4096 ? m->max_batch : 4096;
    double loss_sum = 0;
    r->correct = 0;
    r->total = ds->n;
    for (int first = 0; first < ds->n; first += batch) {
        int n = ds->n - first < batch ? ds->n - first : batch;
        batch_load(m, labels, ds, NULL, first, n);
        model_forward(m, n);
        loss_sum += model_loss(m, labels, n) * n;
        for (int b = 0; b < n; b++) {
            int p = model_predicted(m, b);
            r->correct += p == labels[b];
            if (predicted)
                predicted[first + b] = (uint8_t)p;
            if (confidence) /* model_loss left the softmax of the logits in probs */
                confidence[first + b] = m->probs[(size_t)b * (size_t)m->classes + (size_t)p];
        }
    }
    r->loss = ds->n ? loss_sum / ds->n : 0.0;
}
