#ifndef RESNET_MNIST_IMAGE_FORMATS_H
#define RESNET_MNIST_IMAGE_FORMATS_H

/* Private to image*.c: one decoder per format, called by image_decode (image.c) once the magic
 * number has chosen it. Each fills out (pixels malloc'd) or fails with a status line. */

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/status.h"

struct image_out {
    uint8_t *px;
    int w, h, channels;
};

int image_decode_png(const uint8_t *d, size_t len, const char *name, struct image_out *out,
                     struct rm_status *st);
int image_decode_jpeg(const uint8_t *d, size_t len, const char *name, struct image_out *out,
                      struct rm_status *st);
int image_decode_bmp(const uint8_t *d, size_t len, const char *name, struct image_out *out,
                     struct rm_status *st);
int image_decode_pnm(const uint8_t *d, size_t len, const char *name, struct image_out *out,
                     struct rm_status *st);

/* "<name>: cannot read image: <reason>"; returns -1. */
int image_fail(struct rm_status *st, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 0 when a w x h picture may be decoded; else -1 with "<name>: image too large (WxH pixels, at
 * most IMAGE_MAX_PIXELS)", or "... cannot read image: no pixels (WxH)" for an empty one. */
int image_check_size(const char *name, uint64_t w, uint64_t h, struct rm_status *st);

#endif
