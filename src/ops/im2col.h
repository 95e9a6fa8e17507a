#ifndef RESNET_MNIST_IM2COL_H
#define RESNET_MNIST_IM2COL_H

/* Unfolding a batch of images into the columns of a matrix, so that a stride-1 convolution
 * becomes one matrix product (conv2d.c). Shapes: x is [n, c, h, w]; with output size
 * oh = h + 2*pad - kh + 1 and ow = w + 2*pad - kw + 1, col is [c*kh*kw, n*oh*ow] row-major:
 *   col[(ci*kh + i)*kw + j][(img*oh + p)*ow + q] = x[img, ci, p + i - pad, q + j - pad]
 * (0 outside the image). */

/* Writes col straight into gemm's packed layout for B (gemm_pack_b_row), so that the product
 * W * col needs no second copy: bp holds gemm_packed_b_floats(c*kh*kw, n*oh*ow) floats, row
 * n*oh*ow floats of scratch, pad n*(h+2pad)*(w+2pad). */
void im2col_packed(float *bp, float *row, float *pad, const float *x, int n, int c, int h, int w,
                   int kh, int kw, int padding);

/* The transpose of col, packed the same way as the B of dW = dY' * col^T: the n*oh*ow rows
 * (output positions) of c*kh*kw inputs. bp holds gemm_packed_b_floats(n*oh*ow, c*kh*kw) floats,
 * row c*kh*kw floats of scratch, pad c*(h+2pad)*(w+2pad). */
void im2row_packed(float *bp, float *row, float *pad, const float *x, int n, int c, int h, int w,
                   int kh, int kw, int padding);

/* The adjoint: adds each column entry back onto the pixel it came from (dx += fold(dcol)). */
void col2im_add(float *dx, const float *dcol, int n, int c, int h, int w, int kh, int kw, int pad);

#endif
