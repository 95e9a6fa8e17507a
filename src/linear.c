#include "resnet_mnist/linear.h"

#include "resnet_mnist/gemm.h"

void linear_forward_cols(float *y, const float *x, const float *w, const float *b, int n, int in,
                         int out, int o0, int o1)
{
    gemm(0, 1, n, o1 - o0, in, x, in, w + (long)o0 * in, in, 0.0f, y + o0, out);
    for (int r = 0; r < n; r++)
        for (int o = o0; o < o1; o++)
            y[(long)r * out + o] += b[o];
}

void linear_forward(float *y, const float *x, const float *w, const float *b, int n, int in,
                    int out)
{
    linear_forward_cols(y, x, w, b, n, in, out, 0, out);
}

void linear_backward_weights(float *dw, float *db, const float *dy, const float *x, int n, int in,
                             int out, int o0, int o1)
{
    for (int r = 0; r < n; r++)
        for (int o = o0; o < o1; o++)
            db[o] += dy[(long)r * out + o];
    gemm(1, 0, o1 - o0, in, n, dy + o0, out, x, in, 1.0f, dw + (long)o0 * in, in);
}

void linear_backward_input_cols(float *dx, const float *dy, const float *w, int n, int in, int out,
                                int i0, int i1)
{
    gemm(0, 0, n, i1 - i0, out, dy, out, w + i0, in, 1.0f, dx + i0, in);
}

void linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                     const float *w, int n, int in, int out)
{
    linear_backward_weights(dw, db, dy, x, n, in, out, 0, out);
    if (dx)
        linear_backward_input_cols(dx, dy, w, n, in, out, 0, in);
}

void linear_forward_ref(float *y, const float *x, const float *w, const float *b, int n, int in,
                        int out)
{
    for (int r = 0; r < n; r++)
        for (int o = 0; o < out; o++) {
            double sum = b[o];
            for (int i = 0; i < in; i++)
                sum += (double)w[(long)o * in + i] * x[(long)r * in + i];
            y[(long)r * out + o] = (float)sum;
        }
}

void linear_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, int n, int in, int out)
{
    for (int r = 0; r < n; r++)
        for (int o = 0; o < out; o++) {
            float g = dy[(long)r * out + o];
            db[o] += g;
            for (int i = 0; i < in; i++) {
                dw[(long)o * in + i] += g * x[(long)r * in + i];
                if (dx)
                    dx[(long)r * in + i] += g * w[(long)o * in + i];
            }
        }
}
