/* Writing checkpoints as safetensors files (spec section 5; the format is described in ckpt.c
 * and ckpt.h): validate everything, compute the checksums of the data section and of the
 * metadata, then write header and data through an atomic file, so that a failure leaves an
 * existing file as it was. */
#include "resnet_mnist/io/ckpt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/utf8.h"

#include "ckpt_common.h"

/* The data section is float32, written little-endian byte by byte from the float's bits. */
_Static_assert(sizeof(float) == 4, "float must be IEEE-754 binary32");

static void ckpt_f32_to_le(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    bytes_store_le32(p, u);
}

/* Floats are encoded this many at a time, for the CRC pass and again for the write pass. */
#define CKPT_CHUNK 4096

/* Metadata keys that ckpt_save owns: a caller's value for them is replaced. */
static int ckpt_reserved_key(const char *k)
{
    return ckpt_checksum_key(k) || strcmp(k, "format") == 0;
}

/* The metadata checksum of what ckpt_header_json writes: the caller's entries but the reserved
 * ones, and "format":"pt". -1 when out of memory. */
static int ckpt_save_meta_crc(const struct ckpt_meta *meta, uint32_t *crc)
{
    int n = meta ? meta->n : 0, m = 0;
    const char **keys = malloc(((size_t)n + 1) * sizeof *keys);
    const char **values = malloc(((size_t)n + 1) * sizeof *values);
    int rc = -1;
    if (keys && values) {
        for (int i = 0; i < n; i++) {
            if (!ckpt_reserved_key(meta->keys[i])) {
                keys[m] = meta->keys[i];
                values[m++] = meta->values[i];
            }
        }
        keys[m] = "format";
        values[m++] = "pt";
        rc = ckpt_meta_crc(keys, values, m, crc);
    }
    free(keys);
    free(values);
    return rc;
}

/* Everything ckpt_save refuses before touching the disk, beyond ckpt_check_list: names that
 * the loader would refuse ("__metadata__", not UTF-8), metadata the loader would
 * refuse, and NaN or infinite values (a file that cannot be loaded back is worse than none). */
static int ckpt_check_save(const char *path, const struct ckpt_tensor *t, int nt,
                           const struct ckpt_meta *meta, const uint64_t *bytes,
                           struct rm_status *st)
{
    char nb[CKPT_CLIP];
    for (int i = 0; i < nt; i++) {
        if (strcmp(t[i].name, "__metadata__") == 0 || !utf8_valid(t[i].name))
            return rm_fail(st, "%s: invalid tensor name '%s'", path, ckpt_clip(nb, t[i].name));
        size_t count = (size_t)(bytes[i] / 4);
        for (size_t k = 0; k < count; k++) {
            uint32_t bits;
            memcpy(&bits, &t[i].data[k], sizeof bits);
            int kind = ckpt_nonfinite_kind(bits);
            if (kind)
                return rm_fail(st, "%s: tensor '%s' holds %s at index %zu: not saved", path,
                               ckpt_clip(nb, t[i].name), kind == 1 ? "a NaN" : "an infinite value",
                               k);
        }
    }
    if (meta) {
        if (meta->n < 0 || (meta->n > 0 && (!meta->keys || !meta->values)))
            return rm_fail(st, "%s: invalid metadata", path);
        for (int i = 0; i < meta->n; i++) {
            if (!meta->keys[i] || !meta->values[i] || !utf8_valid(meta->keys[i]) ||
                !utf8_valid(meta->values[i]))
                return rm_fail(st, "%s: metadata entry %d is not a UTF-8 string pair", path, i);
            for (int j = 0; j < i; j++)
                if (strcmp(meta->keys[i], meta->keys[j]) == 0)
                    return rm_fail(st, "%s: metadata key '%s' given twice", path,
                                   ckpt_clip(nb, meta->keys[i]));
        }
    }
    return 0;
}

/* Adds the decimal integer v to a cJSON array. Written as a raw token: cJSON would print a
 * double, which is exact only below 2^53 and switches to exponent notation from 1e15. */
static int ckpt_json_add_uint(cJSON *array, uint64_t v)
{
    char num[32];
    snprintf(num, sizeof num, "%" PRIu64, v);
    cJSON *item = cJSON_CreateRaw(num);
    if (!item)
        return -1;
    cJSON_AddItemToArray(array, item);
    return 0;
}

/* The header text (without padding), malloc'd; NULL when out of memory. crc is the data
 * section's CRC-32. */
static char *ckpt_header_json(const struct ckpt_tensor *t, int nt, const uint64_t *bytes,
                              const struct ckpt_meta *meta, uint32_t crc)
{
    char *text = NULL;
    uint32_t meta_crc;
    if (ckpt_save_meta_crc(meta, &meta_crc) != 0)
        return NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    /* "__metadata__" first, as the reference writer does. */
    cJSON *md = cJSON_AddObjectToObject(root, "__metadata__");
    if (!md)
        goto out;
    for (int i = 0; meta && i < meta->n; i++)
        if (!ckpt_reserved_key(meta->keys[i]) &&
            !cJSON_AddStringToObject(md, meta->keys[i], meta->values[i]))
            goto out;
    char crc_hex[9], meta_hex[9];
    snprintf(crc_hex, sizeof crc_hex, "%08" PRIx32, crc);
    snprintf(meta_hex, sizeof meta_hex, "%08" PRIx32, meta_crc);
    if (!cJSON_AddStringToObject(md, "format", "pt") ||
        !cJSON_AddStringToObject(md, CKPT_KEY_CRC, crc_hex) ||
        !cJSON_AddStringToObject(md, CKPT_KEY_META_CRC, meta_hex))
        goto out;
    uint64_t offset = 0;
    for (int i = 0; i < nt; i++) {
        cJSON *e = cJSON_AddObjectToObject(root, t[i].name);
        if (!e || !cJSON_AddStringToObject(e, "dtype", "F32"))
            goto out;
        cJSON *shape = cJSON_AddArrayToObject(e, "shape");
        if (!shape)
            goto out;
        for (int d = 0; d < t[i].ndim; d++)
            if (ckpt_json_add_uint(shape, (uint64_t)t[i].shape[d]) != 0)
                goto out;
        cJSON *offs = cJSON_AddArrayToObject(e, "data_offsets");
        if (!offs || ckpt_json_add_uint(offs, offset) != 0 ||
            ckpt_json_add_uint(offs, offset + bytes[i]) != 0)
            goto out;
        offset += bytes[i];
    }
    text = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return text;
}

int ckpt_save(const char *path, const struct ckpt_tensor *t, int nt, const struct ckpt_meta *meta,
              struct rm_status *st)
{
    if (!path)
        return rm_fail(st, "checkpoint: no path given");
    uint64_t *bytes = malloc(((size_t)(nt > 0 ? nt : 0) + 1) * sizeof *bytes);
    if (!bytes)
        return rm_fail(st, "%s: out of memory", path);
    char *json = NULL;
    int rc = -1;
    if (ckpt_check_list(t, nt, bytes, path, st) != 0 ||
        ckpt_check_save(path, t, nt, meta, bytes, st) != 0)
        goto out;
    /* The data section's size; each tensor is below 2^51 bytes (ckpt_check_list), so the sum of
     * a few of them cannot overflow, but check anyway since nt is the caller's. */
    uint64_t total = 0;
    for (int i = 0; i < nt; i++) {
        if (bytes[i] > UINT64_MAX - total) {
            rm_fail(st, "%s: tensors too large", path);
            goto out;
        }
        total += bytes[i];
    }

    /* Pass 1: the CRC-32 of the data section exactly as it will be written. */
    uint8_t chunk[4 * CKPT_CHUNK];
    uLong crc = crc32(0L, Z_NULL, 0);
    for (int i = 0; i < nt; i++) {
        size_t count = (size_t)(bytes[i] / 4);
        for (size_t k = 0; k < count; k += CKPT_CHUNK) {
            size_t m = count - k < CKPT_CHUNK ? count - k : CKPT_CHUNK;
            for (size_t j = 0; j < m; j++)
                ckpt_f32_to_le(chunk + 4 * j, t[i].data[k + j]);
            crc = crc32_z(crc, chunk, 4 * m);
        }
    }

    json = ckpt_header_json(t, nt, bytes, meta, (uint32_t)crc);
    if (!json) {
        rm_fail(st, "%s: out of memory while building the header", path);
        goto out;
    }
    /* Pad with spaces so that the data section starts 8-aligned (8 + N a multiple of 8), as the
     * reference writer does; readers strip trailing whitespace as JSON allows. */
    size_t n = strlen(json);
    size_t padded = (n + 7) / 8 * 8;
    if (padded > CKPT_MAX_HEADER) { /* the loader (and PyTorch's) would refuse it */
        rm_fail(st, "%s: header of %zu bytes is too large (metadata too long?)", path, padded);
        goto out;
    }
    uint8_t head[8];
    bytes_store_le64(head, (uint64_t)padded);

    struct atomic_file af;
    if (atomic_file_open(&af, path, st) != 0)
        goto out;
    int bad = fwrite(head, 1, 8, af.fp) != 8 || fwrite(json, 1, n, af.fp) != n;
    for (size_t p = n; !bad && p < padded; p++)
        bad = fputc(' ', af.fp) == EOF;
    /* Pass 2: the data, encoded the same way. */
    for (int i = 0; !bad && i < nt; i++) {
        size_t count = (size_t)(bytes[i] / 4);
        for (size_t k = 0; !bad && k < count; k += CKPT_CHUNK) {
            size_t m = count - k < CKPT_CHUNK ? count - k : CKPT_CHUNK;
            for (size_t j = 0; j < m; j++)
                ckpt_f32_to_le(chunk + 4 * j, t[i].data[k + j]);
            bad = fwrite(chunk, 1, 4 * m, af.fp) != 4 * m;
        }
    }
    if (bad) {
        int e = errno;
        atomic_file_abort(&af);
        rm_fail(st, "%s: write failed: %s", path, strerror(e));
        goto out;
    }
    rc = atomic_file_commit(&af, st);
out:
    free(json);
    free(bytes);
    return rc;
}
