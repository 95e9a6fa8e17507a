#ifndef RESNET_MNIST_CKPT_H
#define RESNET_MNIST_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/status.h"

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

/* String key/value metadata ("__metadata__"), in file order. All strings owned by the struct;
 * start from a zeroed struct (`struct ckpt_meta m = {0};`). */
struct ckpt_meta {
    int n;
    char **keys;
    char **values;
};

/* Sets key to value (replacing an existing key's value), copying both. -1 only when out of
 * memory (or given NULL), m unchanged. */
int ckpt_meta_set(struct ckpt_meta *m, const char *key, const char *value, struct rm_status *st);
/* The value of key, or NULL. */
const char *ckpt_meta_get(const struct ckpt_meta *m, const char *key);
/* Frees all strings and zeroes m; accepts a zeroed struct. */
void ckpt_meta_free(struct ckpt_meta *m);

/* Writes the tensors (in the given order) and meta to path, atomically (fileio.h): on failure
 * an existing file at path is left as it was. Adds the metadata key "crc32" (zlib's CRC-32 of
 * the data section, 8 lowercase hex digits) and "format":"pt" (a caller's values for those two
 * keys are replaced). The header is padded with spaces so that 8 + its length is a multiple of
 * 8, as the reference writer does. Refuses, writing nothing: an invalid tensor list (NULL name,
 * ndim outside 0..CKPT_MAX_DIMS, negative dimension, a name twice or "__metadata__", names or
 * metadata that are not UTF-8) and NaN or infinite values, since the loader would refuse
 * the file. meta may be NULL. Errors are "<path>: <reason>". */
int ckpt_save(const char *path, const struct ckpt_tensor *t, int nt, const struct ckpt_meta *meta,
              struct rm_status *st);

/* Parses a safetensors image held in memory (name is used in messages) and, only if everything
 * checks, copies each tensor into t[i].data. Refuses: truncation anywhere, a header length
 * larger than the file or above 100 MB, a header that is not UTF-8 JSON or not an object,
 * a duplicated key anywhere in it, a tensor entry that is not exactly {dtype, shape,
 * data_offsets}, a dtype other than F32, a shape different from t[i]'s, a missing
 * (non-optional) or unknown tensor, offsets out of range, of the wrong size, overlapping or
 * not covering the data section exactly, "__metadata__" that is not an object of strings,
 * a "crc32" that does not match, NaN or infinite values. A file without "__metadata__" or
 * "crc32" (e.g. written by PyTorch) is accepted. Each refusal is one line "<name>: <problem>".
 * All or nothing: on failure no t[i].data, t[i].present or *meta is touched. On success
 * t[i].present tells whether the file held t[i] (an absent one must be optional and its data
 * is left as it was), and if meta is not NULL its old contents are freed and it receives the
 * file's metadata (caller frees with ckpt_meta_free). Never reads outside buf[0..len). */
int ckpt_parse(const uint8_t *buf, size_t len, const char *name, struct ckpt_tensor *t, int nt,
               struct ckpt_meta *meta, struct rm_status *st);

/* Reads path and calls ckpt_parse with path as the name; same contract. */
int ckpt_load(const char *path, struct ckpt_tensor *t, int nt, struct ckpt_meta *meta,
              struct rm_status *st);

#endif
