#include "resnet_mnist/ops/xent.h"

#include <math.h>

double xent_forward(float *probs, const float *z, const uint8_t *labels, int n, int classes)
{
    double total = 0.0;
    for (int b = 0; b < n; b++) {
        const float *zb = z + (long)b * classes;
        float *pb = probs + (long)b * classes;
        float m = zb[0];
        for (int k = 1; k < classes; k++)
            m = zb[k] > m ? zb[k] : m;
        double sum = 0.0;
        for (int k = 0; k < classes; k++)
            sum += exp((double)zb[k] - m);
        double lse = m + log(sum);
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
