#ifndef RESNET_MNIST_LINEAR_H
#define RESNET_MNIST_LINEAR_H

/* Fully connected layer, as torch.nn.Linear: x [n, in], w [out, in], b [out], y [n, out]. */

/* y[b,o] = bias[o] + sum_i w[o,i] * x[b,i]. Overwrites y. */
void linear_forward(float *y, const float *x, const float *w, const float *b, int n, int in,
                    int out);

/* Given dy [n, out], adds dL/dx into dx (skipped when NULL), dL/dw into dw, dL/db into db. */
void linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                     const float *w, int n, int in, int out);

/* Parts of the two passes, for splitting the work across threads; each computes its part
 * exactly as the whole would (the same sums in the same order):
 *  - linear_forward_cols: outputs o0..o1-1 of y, for all n images;
 *  - linear_backward_weights: rows o0..o1-1 of dL/dw and dL/db (the n images summed in order);
 *  - linear_backward_input_cols: inputs i0..i1-1 of dL/dx, for all n images. */
void linear_forward_cols(float *y, const float *x, const float *w, const float *b, int n, int in,
                         int out, int o0, int o1);
void linear_backward_weights(float *dw, float *db, const float *dy, const float *x, int n, int in,
                             int out, int o0, int o1);
void linear_backward_input_cols(float *dx, const float *dy, const float *w, int n, int in, int out,
                                int i0, int i1);

/* Direct loops: the oracle for tests. */
void linear_forward_ref(float *y, const float *x, const float *w, const float *b, int n, int in,
                        int out);
void linear_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, int n, int in, int out);

#endif
