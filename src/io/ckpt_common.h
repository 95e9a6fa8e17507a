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
#define CKPT_CLIP CKPT_NAME_TEXT

/* 0 if the float with these bits is finite; 1 for a NaN, 2 for an infinity. Looks at the bits
 * so that no floating-point operation touches hostile data. */
static inline int ckpt_nonfinite_kind(uint32_t bits)
{
    if ((bits & 0x7f800000u) != 0x7f800000u)
        return 0;
    return (bits & 0x007fffffu) ? 1 : 2;
}

/* A printable copy of s (NULL reads as "") for a message, in buf: at most CKPT_CLIP bytes with
 * "..." when cut, control bytes shown as '?'. Returns buf. */
const char *ckpt_clip(char buf[CKPT_CLIP], const char *s);

/* Checks the caller's tensor list (a bug there is reported, not crashed on): t non-NULL when
 * nt > 0, names present and distinct, 0..CKPT_MAX_DIMS non-negative dimensions with at most
 * 2^51 elements, a data buffer when there are elements. If bytes is not NULL, stores each
 * tensor's size in bytes. Errors are "<where>: ...". */
int ckpt_check_list(const struct ckpt_tensor *t, int nt, uint64_t *bytes, const char *where,
                    struct rm_status *st);

/* Appends copies of key and value to m (no check for an existing key); -1 when out of memory,
 * m unchanged. */
int ckpt_meta_append(struct ckpt_meta *m, const char *key, const char *value);

/* 1 if key is one of the two checksums ("crc32", "metadata_crc32"), which the metadata checksum
 * does not cover. */
int ckpt_checksum_key(const char *key);

/* The metadata checksum (ckpt.h) of the n entries keys[i]: values[i] (distinct keys; those of
 * the two checksums are left out). -1 when out of memory. */
int ckpt_meta_crc(const char *const *keys, const char *const *values, int n, uint32_t *crc);

/* A file's checksums against its data section data[0..dlen) and its metadata m: both absent,
 * or both present, well-formed and matching. Errors are "<name>: <problem>". */
int ckpt_meta_verify(const struct ckpt_meta *m, const uint8_t *data, size_t dlen, const char *name,
                     struct rm_status *st);

#endif
