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

/* The two checksums ckpt_save writes into the metadata (8 lowercase hex digits each):
 *  - "crc32": zlib's CRC-32 of the data section, as bytes on disk;
 *  - "metadata_crc32": zlib's CRC-32 of every other metadata entry except "crc32", sorted by
 *    key (bytewise, which for UTF-8 is code point order), each written as the key's bytes, a
 *    NUL, the value's bytes, a NUL. In Python: zlib.crc32(b"".join(k.encode() + b"\0" +
 *    v.encode() + b"\0" for k, v in sorted(meta.items()) if k not in ("crc32",
 *    "metadata_crc32"))). The order of the entries in the file does not matter. */
#define CKPT_KEY_CRC      "crc32"
#define CKPT_KEY_META_CRC "metadata_crc32"

/* Room for a tensor name quoted in a message: at most this many bytes with its NUL, control
 * bytes shown as '?', cut with "..." when longer. */
#define CKPT_NAME_TEXT 72

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
/* 1 when the metadata of a loaded file was covered by its checksums (both "crc32" and
 * "metadata_crc32" present, and ckpt_parse has checked them); 0 when nothing vouches for it:
 * a caller must then not believe what it says. */
int ckpt_meta_trusted(const struct ckpt_meta *m);
/* Frees all strings and zeroes m; accepts a zeroed struct. */
void ckpt_meta_free(struct ckpt_meta *m);

/* Writes the tensors (in the given order) and meta to path, atomically (fileio.h): on failure
 * an existing file at path is left as it was. Adds the metadata "format":"pt" and the two
 * checksums "crc32" and "metadata_crc32" defined above (a caller's values for those three keys
 * are replaced). The header is padded with spaces so that 8 + its length is a multiple of
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
 * a "crc32" that does not match the data or a "metadata_crc32" that does not match the
 * metadata, "metadata_crc32" without "crc32" (an edited file), NaN or infinite values. A file
 * with "crc32" alone (written before the metadata had a checksum) is accepted with its data
 * checked, and one with neither (e.g. written by PyTorch, with or without "__metadata__") is
 * accepted unchecked: in both, the metadata is not covered (ckpt_meta_trusted). Each refusal
 * is one line "<name>: <problem>".
 * All or nothing: on failure no t[i].data, t[i].present or *meta is touched. On success
 * t[i].present tells whether the file held t[i] (an absent one must be optional and its data
 * is left as it was), and if meta is not NULL its old contents are freed and it receives the
 * file's metadata (caller frees with ckpt_meta_free). Never reads outside buf[0..len). */
int ckpt_parse(const uint8_t *buf, size_t len, const char *name, struct ckpt_tensor *t, int nt,
               struct ckpt_meta *meta, struct rm_status *st);

/* Reads path and calls ckpt_parse with path as the name; same contract. */
int ckpt_load(const char *path, struct ckpt_tensor *t, int nt, struct ckpt_meta *meta,
              struct rm_status *st);

/* The tensors of a file that ckpt_parse_some skipped: not in the caller's list. */
struct ckpt_skipped {
    int n;                      /* how many */
    char first[CKPT_NAME_TEXT]; /* the first in header order, quoted as in messages; "" if none */
};

/* ckpt_parse, except that a tensor of the file that is not in t is not refused but skipped:
 * checked as strictly as a listed one (its entry's fields, dtype F32, a shape of at most 2^51
 * elements, offsets holding exactly its bytes and tiling the data section with the others,
 * finite values), not copied, and counted in *skipped. With skipped NULL this is ckpt_parse.
 * All or nothing as ckpt_parse: on failure *skipped is not touched either. For files that carry
 * more than a model's weights (a resumable file's optimizer state), when the caller only wants
 * the weights. */
int ckpt_parse_some(const uint8_t *buf, size_t len, const char *name, struct ckpt_tensor *t, int nt,
                    struct ckpt_meta *meta, struct ckpt_skipped *skipped, struct rm_status *st);

/* Reads path and calls ckpt_parse_some with path as the name; same contract. */
int ckpt_load_some(const char *path, struct ckpt_tensor *t, int nt, struct ckpt_meta *meta,
                   struct ckpt_skipped *skipped, struct rm_status *st);

#endif
