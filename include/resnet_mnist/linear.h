#ifndef RESNET_MNIST_LINEAR_H
#define RESNET_MNIST_LINEAR_H

/* Fully connected layer, as torch.nn.Linear: x [n, in], w [out, in], b [out], y [n, out]. */

/* y[b,o] = bias[o] + sum_i w[o,i] * x[b,i]. Overwrites y. */
void linear_forward(float *y, const float *x, const float *w, const float *b, int n, int in,
                    int out);

/* Given dy [n, out], adds dL/dx into dx (skipped when NULL), dL/dw into dw, dL/db into db. */
void linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                     const float *w, int n, int in, int out);

/* The two halves of linear_backward, for splitting the work: rows o0..o1-1 of dL/dw and
 * dL/db (all n images summed, in image order), and dL/dx for the n images given. */
void linear_backward_weights(float *dw, float *db, const float *dy, const float *x, int n, int in,
                             int out, int o0, int o1);
void linear_backward_input(float *dx, const float *dy, const float *w, int n, int in, int out);

/* Direct loops: the oracle for tests. */
void linear_forward_ref(float *y, const float *x, const float *w, const float *b, int n, int in,
                        int out);
void linear_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, int n, int in, int out);

#endif
