#include "resnet_mnist/maxpool2d.h"

#include <stddef.h>

void maxpool2d_forward(float *y, uint8_t *argmax, const float *x, const struct maxpool2d_shape *s)
{
    int oh = s->h / 2, ow = s->w / 2;
    for (int plane = 0; plane < s->n * s->c; plane++) {
        const float *xp = x + (size_t)plane * s->h * s->w;
        float *yp = y + (size_t)plane * oh * ow;
        uint8_t *ap = argmax + (size_t)plane * oh * ow;
        for (int p = 0; p < oh; p++)
            for (int q = 0; q < ow; q++) {
                const float *r0 = xp + (size_t)(2 * p) * s->w + 2 * q, *r1 = r0 + s->w;
                float v[4] = {r0[0], r0[1], r1[0], r1[1]};
                int best = 0;
                /* strict > keeps the first of equal values; v != v lets a NaN win and stay */
                for (int k = 1; k < 4; k++)
                    if ((v[k] > v[best] || v[k] != v[k]) && v[best] == v[best])
                        best = k;
                yp[p * ow + q] = v[best];
                ap[p * ow + q] = (uint8_t)best;
            }
    }
}

void maxpool2d_backward(float *dx, const float *dy, const uint8_t *argmax,
                        const struct maxpool2d_shape *s)
{
    int oh = s->h / 2, ow = s->w / 2;
    for (int plane = 0; plane < s->n * s->c; plane++) {
        float *xp = dx + (size_t)plane * s->h * s->w;
        const float *yp = dy + (size_t)plane * oh * ow;
        const uint8_t *ap = argmax + (size_t)plane * oh * ow;
        for (int p = 0; p < oh; p++)
            for (int q = 0; q < ow; q++) {
                int k = ap[p * ow + q];
                xp[(size_t)(2 * p + (k >> 1)) * s->w + 2 * q + (k & 1)] += yp[p * ow + q];
            }
    }
}
