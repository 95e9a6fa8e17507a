#ifndef RESNET_MNIST_CKPT_H
#define RESNET_MNIST_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/status.h"

/* Checkpoints as safetensors files (spec section 5): an 8-byte little-endian header length N,
 * N bytes of JSON mapping each tensor name to {"dtype":"F32","shape":[...],"data_offsets":[b,e]}
 * plus an optional "__metadata__" object of string values, then the raw little-endian float32
 * data. Files written here load with safetensors.torch.load_file, and files written by PyTorch
 * load here. */

#define CKPT_MAX_DIMS 4

/* One tensor the caller wants saved or loaded. data holds prod(shape) floats. */
struct ckpt_tensor {
    const char *name;
    int ndim;
    int64_t shape[CKPT_MAX_DIMS];
    float *data;
    int optional; /* load: absence is not an error (e.g. momentum buffers) */
    int present;  /* load output: 1 if the file held it */
};

/* String key/value metadata ("__metadata__"). All strings owned by the struct. */
struct ckpt_meta {
    int n;
    char **keys;
    char **values;
};

/* Sets key to value (replacing an existing key). */
int ckpt_meta_set(struct ckpt_meta *m, const char *key, const char *value, struct rm_status *st);
/* The value of key, or NULL. */
const char *ckpt_meta_get(const struct ckpt_meta *m, const char *key);
/* Frees all strings and zeroes m; accepts a zeroed struct. */
void ckpt_meta_free(struct ckpt_meta *m);

/* Writes the tensors (in the given order) and meta to path, atomically (fileio.h). Adds the
 * metadata key "crc32" (zlib's CRC-32 of the data section, 8 lowercase hex digits) and
 * "format":"pt". */
int ckpt_save(const char *path, const struct ckpt_tensor *t, int nt, const struct ckpt_meta *meta,
              struct rm_status *st);

/* Parses a safetensors image held in memory (name is used in messages) and, only if everything
 * checks, copies each tensor into t[i].data. Refuses: truncation anywhere, a header length
 * larger than the file, invalid JSON, a dtype other than F32, a shape different from t[i]'s,
 * a missing (non-optional), unknown or duplicated tensor, offsets out of range, overlapping or
 * not covering the data section exactly, a "crc32" that does not match, NaN or infinite values.
 * A file without "crc32" (e.g. written by PyTorch) is accepted. If meta is not NULL it receives
 * the metadata (caller frees with ckpt_meta_free). All or nothing: on failure no t[i].data is
 * touched. */
int ckpt_parse(const uint8_t *buf, size_t len, const char *name, struct ckpt_tensor *t, int nt,
               struct ckpt_meta *meta, struct rm_status *st);

/* Reads path and calls ckpt_parse. */
int ckpt_load(const char *path, struct ckpt_tensor *t, int nt, struct ckpt_meta *meta,
              struct rm_status *st);

#endif
