#include "resnet_mnist/ops/linear.h"

#include "resnet_mnist/ops/gemm.h"
#include "resnet_mnist/ops/vec.h"

/* y[r, o] = b[o] + dot(x[r, :], w[o, :]): vector lanes run along the inputs, a block of R rows
 * by O outputs shares every load (R + O loads feed R * O FMAs), and each dot is summed across
 * lanes at the end. Unlike a GEMM this needs no packing: both operands are read along their
 * rows, and for linear1 (30 x 800 by 200 x 800) packing cost as much as multiplying
 * (223 us a batch through gemm). Every element is summed in the same order whatever the block,
 * so the result depends neither on n nor on the split of the outputs. */
#define DOT_BLOCK(R, O)                                                                            \
    static void dot_block_##R##x##O(float *y, int ldy, const float *x, const float *w, int in,     \
                                    const float *b)                                                \
    {                                                                                              \
        vfloat acc[R][O];                                                                          \
        _Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                        \
            _Pragma("GCC unroll 4") for (int o = 0; o < O; o++) acc[r][o] = (vfloat){0};           \
        int i = 0;                                                                                 \
        for (; i + VL <= in; i += VL) {                                                            \
            vfloat xv[R];                                                                          \
            _Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                    \
            {                                                                                      \
                xv[r] = vload(x + (size_t)r * in + i);                                             \
                REGISTER(xv[r]);                                                                   \
            }                                                                                      \
            _Pragma("GCC unroll 4") for (int o = 0; o < O; o++)                                    \
            {                                                                                      \
                vfloat wv = vload(w + (size_t)o * in + i);                                         \
                REGISTER(wv);                                                                      \
                _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) acc[r][o] += xv[r] * wv;       \
            }                                                                                      \
        }                                                                                          \
        _Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                        \
            _Pragma("GCC unroll 4") for (int o = 0; o < O; o++)                                    \
        {                                                                                          \
            float sum = lane_sum(acc[r][o]);                                                       \
            for (int t = i; t < in; t++)                                                           \
                sum += x[(size_t)r * in + t] * w[(size_t)o * in + t];                              \
            y[(size_t)r * ldy + o] = sum + b[o];                                                   \
        }                                                                                          \
    }

DOT_BLOCK(4, 4)
DOT_BLOCK(1, 4)
DOT_BLOCK(4, 1)
DOT_BLOCK(1, 1)

void linear_forward_cols(float *y, const float *x, const float *w, const float *b, int n, int in,
                         int out, int o0, int o1)
{
    for (int r = 0; r < n; r += 4) {
        int rows = n - r < 4 ? n - r : 4;
        const float *xr = x + (size_t)r * in;
        for (int o = o0; o < o1; o += 4) {
            int outs = o1 - o < 4 ? o1 - o : 4;
            float *yb = y + (size_t)r * out + o;
            const float *wo = w + (size_t)o * in;
            if (rows == 4 && outs == 4) {
                dot_block_4x4(yb, out, xr, wo, in, b + o);
            } else if (outs == 4) {
                for (int k = 0; k < rows; k++)
                    dot_block_1x4(yb + (size_t)k * out, out, xr + (size_t)k * in, wo, in, b + o);
            } else if (rows == 4) {
                for (int k = 0; k < outs; k++)
                    dot_block_4x1(yb + k, out, xr, wo + (size_t)k * in, in, b + o + k);
            } else {
                for (int k = 0; k < rows; k++)
                    for (int q = 0; q < outs; q++)
                        dot_block_1x1(yb + (size_t)k * out + q, out, xr + (size_t)k * in,
                                      wo + (size_t)q * in, in, b + o + q);
            }
        }
    }
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
