#ifndef RESNET_MNIST_IM2COL_H
#define RESNET_MNIST_IM2COL_H

/* Unfolding a batch of images into the columns of a matrix, so that a stride-1 convolution
 * becomes one matrix product (conv2d.c). Shapes: x is [n, c, h, w]; with output size
 * oh = h + 2*pad - kh + 1 and ow = w + 2*pad - kw + 1, col is [c*kh*kw, n*oh*ow] row-major:
 *   col[(ci*kh + i)*kw + j][(img*oh + p)*ow + q] = x[img, ci, p + i - pad, q + j - pad]
 * (0 outside the image). */

/* Overwrites col with the unfolded x. */
void im2col(float *col, const float *x, int n, int c, int h, int w, int kh, int kw, int pad);

/* The same matrix transposed, rows = output positions: row[(img*oh + p)*ow + q] holds the
 * c*kh*kw inputs under the kernel there. The weight gradient reads it as a plain (not
 * transposed) matrix, which packs faster. */
void im2row(float *rows, const float *x, int n, int c, int h, int w, int kh, int kw, int pad);

/* The adjoint: adds each column entry back onto the pixel it came from (dx += fold(dcol)). */
void col2im_add(float *dx, const float *dcol, int n, int c, int h, int w, int kh, int kw, int pad);

#endif
