#ifndef RESNET_MNIST_CKPT_COMMON_H
#define RESNET_MNIST_CKPT_COMMON_H

/* What the safetensors reader (ckpt.c) and writer (ckpt_save.c) share: the limits both
 * enforce, the checks of a caller's tensor list and of names, and the clipping of names
 * quoted in messages. Private to src/io. */

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/ckpt.h"

/* The reference reader (safetensors' MAX_HEADER_SIZE) refuses headers above 100 MB; so do we,
 * so that a corrupt length never makes us allocate gigabytes, and the writer never makes one. */
#define CKPT_MAX_HEADER 100000000u
/* Room for a tensor name or key quoted in a message. */
#define CKPT_CLIP 72

/* 0 if the float with these bits is finite; 1 for a NaN, 2 for an infinity. Looks at the bits
 * so that no floating-point operation touches hostile data. */
static inline int ckpt_nonfinite_kind(uint32_t bits)
{
    if ((bits & 0x7f800000u) != 0x7f800000u)
        return 0;
    return (bits & 0x007fffffu) ? 1 : 2;
}

/* 1 if the NUL-terminated s is valid UTF-8 (no overlong forms, no surrogates, nothing above
 * U+10FFFF), else 0. */
int ckpt_utf8_valid(const char *s);

/* A printable copy of s (NULL reads as "") for a message, in buf: at most CKPT_CLIP bytes with
 * "..." when cut, control bytes shown as '?'. Returns buf. */
const char *ckpt_clip(char buf[CKPT_CLIP], const char *s);

/* Checks the caller's tensor list (a bug there is reported, not crashed on): t non-NULL when
 * nt > 0, names present and distinct, 0..CKPT_MAX_DIMS non-negative dimensions with at most
 * 2^51 elements, a data buffer when there are elements. If bytes is not NULL, stores each
 * tensor's size in bytes. Errors are "<where>: ...". */
int ckpt_check_list(const struct ckpt_tensor *t, int nt, uint64_t *bytes, const char *where,
                    struct rm_status *st);

#endif
