#include "resnet_mnist/ops/xent.h"

#include <math.h>

/* The stable core of a softmax over one row: sets *zmax to the row's largest logit and returns
 * sum_k exp(z[k] - zmax), summed in double in class order. */
static double row_exp_sum(const float *z, int classes, float *zmax)
{
    float m = z[0];
    for (int k = 1; k < classes; k++)
        m = z[k] > m ? z[k] : m;
    double sum = 0.0;
    for (int k = 0; k < classes; k++)
        sum += exp((double)z[k] - m);
    *zmax = m;
    return sum;
}

void xent_softmax(double *p, const float *z, int classes)
{
    float m;
    double sum = row_exp_sum(z, classes, &m);
    for (int k = 0; k < classes; k++)
        p[k] = exp((double)z[k] - m) / sum;
}

double xent_forward(float *probs, const float *z, const uint8_t *labels, int n, int classes)
{
    double total = 0.0;
    for (int b = 0; b < n; b++) {
        const float *zb = z + (long)b * classes;
        float *pb = probs + (long)b * classes;
        float m;
        double sum = row_exp_sum(zb, classes, &m);
        double lse = m + log(sum);
        /* The same softmax as xent_softmax, as exp(z - logsumexp) rounded to float: the training
         * numbers rest on these exact bits, which the division there can change in the last
         * one. */
        for (int k = 0; k < classes; k++)
            pb[k] = (float)exp((double)zb[k] - lse);
        total += lse - zb[labels[b]];
    }
    return total / n;
}

void xent_backward(float *dz, const float *probs, const uint8_t *labels, int n, int classes)
{
    float inv_n = 1.0f / (float)n;
    for (int b = 0; b < n; b++)
        for (int k = 0; k < classes; k++) {
            float g = probs[(long)b * classes + k] - (k == labels[b] ? 1.0f : 0.0f);
            dz[(long)b * classes + k] += g * inv_n;
        }
}
