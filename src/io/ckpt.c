/* Checkpoints as safetensors files (spec section 5).
 *
 * Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section.
 * The JSON maps tensor names to {"dtype","shape","data_offsets"} (offsets relative to the start of
 * the data section) and may hold "__metadata__", an object of string values.
 *
 * The reader treats its input as hostile (it is fuzzed): every length and offset is checked with
 * arithmetic that cannot overflow, the whole file is validated before any caller buffer is
 * written, and every refusal is one line "<name>: <problem>". */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "resnet_mnist/io/ckpt.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "resnet_mnist/io/fileio.h"

/* The data section is float32; floats are converted byte-wise to and from little-endian, which
 * assumes (as every platform we target does) that float and uint32_t share a byte order. */
_Static_assert(sizeof(float) == 4, "float must be IEEE-754 binary32");

/* The reference reader (safetensors' MAX_HEADER_SIZE) refuses headers above 100 MB; so do we,
 * so that a corrupt length never makes us allocate gigabytes. */
#define CKPT_MAX_HEADER 100000000u
/* Offsets and dimensions above 2^53 cannot come from a real file (a double holds integers
 * exactly up to there, and cJSON parses numbers as doubles). */
#define CKPT_MAX_INDEX 9007199254740992.0
/* Room for a tensor name or key quoted in a message. */
#define CKPT_CLIP 72
/* Room for a shape written as "[a,b,c,d]" in a message. */
#define CKPT_SHAPE_TEXT 128

/* ---- small helpers ---------------------------------------------------------------------- */

static uint64_t ckpt_get_u64_le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void ckpt_put_u64_le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t ckpt_get_u32_le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float ckpt_f32_from_le(const uint8_t *p)
{
    uint32_t u = ckpt_get_u32_le(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void ckpt_f32_to_le(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(u >> (8 * i));
}

/* 0 if the float with these bits is finite; 1 for a NaN, 2 for an infinity. Looks at the bits
 * so that no floating-point operation touches hostile data. */
static int ckpt_nonfinite_kind(uint32_t bits)
{
    if ((bits & 0x7f800000u) != 0x7f800000u)
        return 0;
    return (bits & 0x007fffffu) ? 1 : 2;
}

/* a * b into *out; -1 on uint64 overflow. */
static int ckpt_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b != 0 && a > UINT64_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

/* Offset of the first byte of s[0..n) that is not part of valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), or n if all of it is valid. */
static size_t ckpt_utf8_check(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            k = 1, cp = c & 0x1fu, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, cp = c & 0x0fu, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, cp = c & 0x07u, min = 0x10000;
        } else {
            return i;
        }
        if (n - i <= k)
            return i;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + j] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += k + 1;
    }
    return n;
}

static int ckpt_utf8_valid(const char *s)
{
    size_t n = strlen(s);
    return ckpt_utf8_check((const uint8_t *)s, n) == n;
}

/* A printable copy of s for a message: at most CKPT_CLIP bytes, control bytes shown as '?', so
 * that a hostile name can neither make the message span lines nor crowd out the rest of it. */
static const char *ckpt_clip(char buf[CKPT_CLIP], const char *s)
{
    if (!s)
        s = "";
    size_t max = CKPT_CLIP - 4, n = strlen(s);
    size_t take = n <= max ? n : max;
    /* Do not cut a UTF-8 sequence in half. */
    while (take < n && take > 0 && ((uint8_t)s[take] & 0xc0) == 0x80)
        take--;
    for (size_t i = 0; i < take; i++) {
        uint8_t c = (uint8_t)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (take < n) {
        memcpy(buf + take, "...", 4);
    } else {
        buf[take] = 0;
    }
    return buf;
}

/* Writes "[d0,d1,...]" into buf: the n dimensions in d of a shape that has total >= n of them,
 * ending with ",...]" when some are not shown. */
static const char *ckpt_shape_text(char buf[CKPT_SHAPE_TEXT], const uint64_t *d, size_t n,
                                   size_t total)
{
    size_t at = 0;
    int elided = total > n;
    buf[at++] = '[';
    for (size_t i = 0; i < n; i++) {
        char num[32];
        int len = snprintf(num, sizeof num, "%s%" PRIu64, i ? "," : "", d[i]);
        /* Keep room for ",...]" and the NUL. */
        if (at + (size_t)len + 6 > CKPT_SHAPE_TEXT) {
            elided = 1;
            break;
        }
        memcpy(buf + at, num, (size_t)len);
        at += (size_t)len;
    }
    if (elided) {
        memcpy(buf + at, ",...", 4);
        at += 4;
    }
    buf[at++] = ']';
    buf[at] = 0;
    return buf;
}

/* Checks the caller's tensor list (a bug there is reported, not crashed on) and, if bytes is
 * not NULL, stores each tensor's size in bytes. */
static int ckpt_check_list(const struct ckpt_tensor *t, int nt, uint64_t *bytes, const char *where,
                           struct rm_status *st)
{
    if (nt < 0 || (nt > 0 && !t))
        return rm_fail(st, "%s: invalid tensor list (count %d)", where, nt);
    for (int i = 0; i < nt; i++) {
        char nb[CKPT_CLIP];
        if (!t[i].name)
            return rm_fail(st, "%s: tensor #%d has no name", where, i);
        for (int j = 0; j < i; j++)
            if (t[j].name && strcmp(t[i].name, t[j].name) == 0)
                return rm_fail(st, "%s: tensor '%s' listed twice", where, ckpt_clip(nb, t[i].name));
        if (t[i].ndim < 0 || t[i].ndim > CKPT_MAX_DIMS)
            return rm_fail(st, "%s: tensor '%s': %d dimensions, at most %d supported", where,
                           ckpt_clip(nb, t[i].name), t[i].ndim, CKPT_MAX_DIMS);
        uint64_t count = 1;
        for (int d = 0; d < t[i].ndim; d++) {
            if (t[i].shape[d] < 0 || ckpt_mul_u64(count, (uint64_t)t[i].shape[d], &count) != 0 ||
                (double)count > CKPT_MAX_INDEX / 4)
                return rm_fail(st, "%s: tensor '%s': invalid shape", where,
                               ckpt_clip(nb, t[i].name));
        }
        if (count > 0 && !t[i].data)
            return rm_fail(st, "%s: tensor '%s': no data buffer", where, ckpt_clip(nb, t[i].name));
        if (bytes)
            bytes[i] = 4 * count;
    }
    return 0;
}

/* ---- metadata ---------------------------------------------------------------------------- */

/* Appends a copy of key and value. The arrays' capacity is not stored: it is the smallest power
 * of two >= n, so they grow (doubling) exactly when n is 0 or a power of two. This keeps loading
 * a header with many keys linear. */
static int ckpt_meta_append(struct ckpt_meta *m, const char *key, const char *value)
{
    size_t n = (size_t)m->n;
    if (m->n == INT_MAX)
        return -1;
    if (n == 0 || (n & (n - 1)) == 0) {
        size_t cap = n ? 2 * n : 1;
        char **k = realloc(m->keys, cap * sizeof *k);
        if (!k)
            return -1;
        m->keys = k;
        char **v = realloc(m->values, cap * sizeof *v);
        if (!v)
            return -1;
        m->values = v;
    }
    char *kc = strdup(key), *vc = strdup(value);
    if (!kc || !vc) {
        free(kc);
        free(vc);
        return -1;
    }
    m->keys[n] = kc;
    m->values[n] = vc;
    m->n++;
    return 0;
}

int ckpt_meta_set(struct ckpt_meta *m, const char *key, const char *value, struct rm_status *st)
{
    if (!m || !key || !value)
        return rm_fail(st, "metadata: missing key or value");
    char kb[CKPT_CLIP];
    for (int i = 0; i < m->n; i++) {
        if (strcmp(m->keys[i], key) == 0) {
            char *v = strdup(value);
            if (!v)
                return rm_fail(st, "metadata '%s': out of memory", ckpt_clip(kb, key));
            free(m->values[i]);
            m->values[i] = v;
            return 0;
        }
    }
    if (ckpt_meta_append(m, key, value) != 0)
        return rm_fail(st, "metadata '%s': out of memory", ckpt_clip(kb, key));
    return 0;
}

const char *ckpt_meta_get(const struct ckpt_meta *m, const char *key)
{
    if (!m || !key)
        return NULL;
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0)
            return m->values[i];
    return NULL;
}

void ckpt_meta_free(struct ckpt_meta *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n; i++) {
        free(m->keys[i]);
        free(m->values[i]);
    }
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

/* ---- writing ----------------------------------------------------------------------------- */

/* Floats are encoded this many at a time, for the CRC pass and again for the write pass. */
#define CKPT_CHUNK 4096

/* Metadata keys that ckpt_save owns: a caller's value for them is replaced. */
static int ckpt_reserved_key(const char *k)
{
    return strcmp(k, "crc32") == 0 || strcmp(k, "format") == 0;
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
        if (strcmp(t[i].name, "__metadata__") == 0 || !ckpt_utf8_valid(t[i].name))
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
            if (!meta->keys[i] || !meta->values[i] || !ckpt_utf8_valid(meta->keys[i]) ||
                !ckpt_utf8_valid(meta->values[i]))
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

/* The header text (without padding), malloc'd; NULL when out of memory. */
static char *ckpt_header_json(const struct ckpt_tensor *t, int nt, const uint64_t *bytes,
                              const struct ckpt_meta *meta, uint32_t crc)
{
    char *text = NULL;
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
    char crc_hex[9];
    snprintf(crc_hex, sizeof crc_hex, "%08" PRIx32, crc);
    if (!cJSON_AddStringToObject(md, "format", "pt") ||
        !cJSON_AddStringToObject(md, "crc32", crc_hex))
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
    ckpt_put_u64_le(head, (uint64_t)padded);

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

/* ---- reading ----------------------------------------------------------------------------- */

/* Where a tensor of the caller's list lies in the data section. */
struct ckpt_range {
    uint64_t begin, end;
    int ti; /* index into the caller's list */
};

static int ckpt_range_cmp(const void *a, const void *b)
{
    const struct ckpt_range *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return (x->ti > y->ti) - (x->ti < y->ti);
}

static int ckpt_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Checks that no key of a JSON object appears twice (cJSON keeps duplicates as separate items;
 * PyTorch's reader would refuse them). Sorting keeps a hostile header with many keys fast. */
static int ckpt_check_unique_keys(const cJSON *obj, const char *where, const char *name,
                                  struct rm_status *st)
{
    size_t n = 0;
    for (const cJSON *c = obj->child; c; c = c->next)
        n++;
    if (n < 2)
        return 0;
    const char **keys = malloc(n * sizeof *keys);
    if (!keys)
        return rm_fail(st, "%s: out of memory", name);
    size_t i = 0;
    for (const cJSON *c = obj->child; c; c = c->next)
        keys[i++] = c->string ? c->string : "";
    qsort(keys, n, sizeof *keys, ckpt_str_cmp);
    int rc = 0;
    for (i = 1; i < n; i++) {
        if (strcmp(keys[i - 1], keys[i]) == 0) {
            char kb[CKPT_CLIP];
            rc = rm_fail(st, "%s: duplicated key '%s' in %s", name, ckpt_clip(kb, keys[i]), where);
            break;
        }
    }
    free(keys);
    return rc;
}

/* Reads a JSON number that must be a non-negative integer. 0: *out set; 1: not a non-negative
 * integer; 2: an integer too large for any real file (out of range). */
static int ckpt_json_index(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return 1;
    double v = item->valuedouble;
    if (!(v >= 0)) /* also catches NaN */
        return 1;
    if (v > CKPT_MAX_INDEX)
        return 2;
    uint64_t u = (uint64_t)v;
    if ((double)u != v)
        return 1;
    *out = u;
    return 0;
}

/* Refuses control bytes, invalid UTF-8 and "\u0000" escapes in the header before cJSON sees it:
 * cJSON skips any byte <= 0x20 as whitespace, and it would cut a name at an escaped NUL, so
 * "a\u0000b" would be read as "a" while PyTorch sees another name. */
static int ckpt_scan_header(const uint8_t *h, size_t n, const char *name, struct rm_status *st)
{
    size_t bad = ckpt_utf8_check(h, n);
    if (bad < n)
        return rm_fail(st,
                       "%s: header is not valid UTF-8 JSON (bad byte 0x%02x at header byte %zu)",
                       name, h[bad], bad);
    int in_string = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = h[i];
        if (c < 0x20 && (in_string || (c != '\t' && c != '\n' && c != '\r')))
            return rm_fail(st,
                           "%s: header is not valid JSON (control byte 0x%02x at header byte %zu)",
                           name, c, i);
        if (!in_string) {
            in_string = c == '"';
        } else if (c == '"') {
            in_string = 0;
        } else if (c == '\\' && i + 1 < n) {
            if (h[i + 1] == 'u' && n - i >= 6 && memcmp(h + i + 2, "0000", 4) == 0)
                return rm_fail(st,
                               "%s: header holds a \\u0000 escape (at header byte %zu): "
                               "NUL is not allowed in names",
                               name, i);
            i++; /* skip the escaped character, which may be a quote */
        }
    }
    return 0;
}

/* Validates one tensor entry of the header against the caller's description and the size of the
 * data section; on success fills r. */
static int ckpt_parse_entry(const cJSON *e, const struct ckpt_tensor *ct, uint64_t want_bytes,
                            size_t dlen, struct ckpt_range *r, const char *name,
                            struct rm_status *st)
{
    char nb[CKPT_CLIP], kb[CKPT_CLIP];
    const char *tn = ckpt_clip(nb, e->string);
    if (!cJSON_IsObject(e))
        return rm_fail(st, "%s: tensor '%s': entry is not an object", name, tn);
    const cJSON *dtype = NULL, *shape = NULL, *offs = NULL;
    for (const cJSON *c = e->child; c; c = c->next) {
        const char *k = c->string ? c->string : "";
        const cJSON **slot = strcmp(k, "dtype") == 0          ? &dtype
                             : strcmp(k, "shape") == 0        ? &shape
                             : strcmp(k, "data_offsets") == 0 ? &offs
                                                              : NULL;
        if (!slot)
            return rm_fail(st, "%s: tensor '%s': unexpected field '%s'", name, tn,
                           ckpt_clip(kb, k));
        if (*slot)
            return rm_fail(st, "%s: tensor '%s': duplicated key '%s'", name, tn, k);
        *slot = c;
    }

    if (!dtype)
        return rm_fail(st, "%s: tensor '%s': missing dtype", name, tn);
    if (!cJSON_IsString(dtype))
        return rm_fail(st, "%s: tensor '%s': dtype is not a string", name, tn);
    if (strcmp(dtype->valuestring, "F32") != 0)
        return rm_fail(st, "%s: tensor '%s': dtype %s, expected F32 (only float32 is supported)",
                       name, tn, ckpt_clip(kb, dtype->valuestring));

    if (!shape)
        return rm_fail(st, "%s: tensor '%s': missing shape", name, tn);
    if (!cJSON_IsArray(shape))
        return rm_fail(st, "%s: tensor '%s': shape is not an array", name, tn);
    /* Keep the first few dimensions for the message; count them all. */
    uint64_t found[16];
    size_t nfound = 0;
    int same = 1;
    for (const cJSON *c = shape->child; c; c = c->next) {
        uint64_t d;
        if (ckpt_json_index(c, &d) != 0)
            return rm_fail(st, "%s: tensor '%s': shape is not a list of non-negative integers",
                           name, tn);
        if (nfound < sizeof found / sizeof found[0])
            found[nfound] = d;
        if (nfound >= (size_t)ct->ndim || (uint64_t)ct->shape[nfound] != d)
            same = 0;
        nfound++;
    }
    if (!same || nfound != (size_t)ct->ndim) {
        uint64_t want[CKPT_MAX_DIMS];
        for (int d = 0; d < ct->ndim; d++)
            want[d] = (uint64_t)ct->shape[d];
        size_t kept = sizeof found / sizeof found[0];
        char ws[CKPT_SHAPE_TEXT], fs[CKPT_SHAPE_TEXT];
        return rm_fail(st, "%s: shape mismatch for tensor '%s': expected %s, found %s", name, tn,
                       ckpt_shape_text(ws, want, (size_t)ct->ndim, (size_t)ct->ndim),
                       ckpt_shape_text(fs, found, nfound < kept ? nfound : kept, nfound));
    }

    if (!offs)
        return rm_fail(st, "%s: tensor '%s': missing data_offsets", name, tn);
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2)
        return rm_fail(st, "%s: tensor '%s': data_offsets is not a pair [begin,end]", name, tn);
    uint64_t b = 0, en = 0;
    int kbeg = ckpt_json_index(offs->child, &b), kend = ckpt_json_index(offs->child->next, &en);
    if (kbeg == 1 || kend == 1)
        return rm_fail(st, "%s: tensor '%s': data_offsets are not non-negative integers", name, tn);
    if (kbeg == 2 || kend == 2)
        return rm_fail(st,
                       "%s: tensor '%s': data_offsets out of range: the data section holds %zu "
                       "bytes (truncated file?)",
                       name, tn, dlen);
    if (b > dlen || en > dlen)
        return rm_fail(st,
                       "%s: tensor '%s': data_offsets [%" PRIu64 ",%" PRIu64
                       "] out of range: the data section holds %zu bytes (truncated file?)",
                       name, tn, b, en, dlen);
    if (en < b)
        return rm_fail(st,
                       "%s: tensor '%s': data_offsets [%" PRIu64 ",%" PRIu64 "] end before begin",
                       name, tn, b, en);
    if (en - b != want_bytes)
        return rm_fail(st,
                       "%s: tensor '%s': data_offsets [%" PRIu64 ",%" PRIu64 "] hold %" PRIu64
                       " bytes, but its shape needs %" PRIu64 " (size mismatch)",
                       name, tn, b, en, en - b, want_bytes);
    r->begin = b;
    r->end = en;
    return 0;
}

/* Reads "__metadata__" into m (all values must be strings). */
static int ckpt_parse_meta(const cJSON *md, struct ckpt_meta *m, const char *name,
                           struct rm_status *st)
{
    if (!cJSON_IsObject(md))
        return rm_fail(st, "%s: __metadata__ is not an object of strings", name);
    if (ckpt_check_unique_keys(md, "__metadata__", name, st) != 0)
        return -1;
    for (const cJSON *c = md->child; c; c = c->next) {
        char kb[CKPT_CLIP];
        if (!cJSON_IsString(c))
            return rm_fail(st, "%s: __metadata__ value of '%s' is not a string", name,
                           ckpt_clip(kb, c->string));
        if (ckpt_meta_append(m, c->string ? c->string : "", c->valuestring) != 0)
            return rm_fail(st, "%s: out of memory reading __metadata__", name);
    }
    return 0;
}

/* Parses 8 hex digits (either case); -1 if s is anything else. */
static int ckpt_parse_hex32(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        v = v << 4 | d;
    }
    if (s[8] != 0)
        return -1;
    *out = v;
    return 0;
}

int ckpt_parse(const uint8_t *buf, size_t len, const char *name, struct ckpt_tensor *t, int nt,
               struct ckpt_meta *meta, struct rm_status *st)
{
    if (!name)
        name = "checkpoint";
    if (!buf && len)
        return rm_fail(st, "%s: no data", name);
    int rc = -1;
    char *hdr = NULL;
    cJSON *root = NULL;
    struct ckpt_range *ranges = NULL;
    uint64_t *want = NULL;
    char *seen = NULL;
    struct ckpt_meta local = {0};
    char nb[CKPT_CLIP], nb2[CKPT_CLIP];

    size_t slots = (size_t)(nt > 0 ? nt : 0) + 1;
    want = malloc(slots * sizeof *want);
    ranges = malloc(slots * sizeof *ranges);
    seen = calloc(slots, 1);
    if (!want || !ranges || !seen) {
        rm_fail(st, "%s: out of memory", name);
        goto out;
    }
    if (ckpt_check_list(t, nt, want, name, st) != 0)
        goto out;

    if (len < 8) {
        rm_fail(st, "%s: truncated: %zu bytes, too short for a safetensors file (at least 8)", name,
                len);
        goto out;
    }
    uint64_t n64 = ckpt_get_u64_le(buf);
    if (n64 > CKPT_MAX_HEADER) {
        rm_fail(st,
                "%s: header length %" PRIu64 " is absurd (more than 100 MB): not a safetensors "
                "file, or corrupt",
                name, n64);
        goto out;
    }
    if (n64 > len - 8) {
        rm_fail(st, "%s: truncated: header length %" PRIu64 " but only %zu bytes follow", name, n64,
                len - 8);
        goto out;
    }
    size_t hlen = (size_t)n64;
    const uint8_t *data = buf + 8 + hlen;
    size_t dlen = len - 8 - hlen;

    if (ckpt_scan_header(buf + 8, hlen, name, st) != 0)
        goto out;
    /* A NUL-terminated copy: cJSON then never needs to trust a length. */
    hdr = malloc(hlen + 1);
    if (!hdr) {
        rm_fail(st, "%s: out of memory (header of %zu bytes)", name, hlen);
        goto out;
    }
    memcpy(hdr, buf + 8, hlen);
    hdr[hlen] = 0;
    const char *end = NULL;
    root = cJSON_ParseWithOpts(hdr, &end, 1);
    if (!root) {
        size_t at = end && end >= hdr && end <= hdr + hlen ? (size_t)(end - hdr) : 0;
        rm_fail(st, "%s: header is not valid JSON (error near header byte %zu)", name, at);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        rm_fail(st, "%s: header is not a JSON object", name);
        goto out;
    }
    if (ckpt_check_unique_keys(root, "the header", name, st) != 0)
        goto out;

    size_t nr = 0;
    for (const cJSON *e = root->child; e; e = e->next) {
        const char *key = e->string ? e->string : "";
        if (strcmp(key, "__metadata__") == 0) {
            if (ckpt_parse_meta(e, &local, name, st) != 0)
                goto out;
            continue;
        }
        int ti = -1;
        for (int i = 0; i < nt && ti < 0; i++)
            if (strcmp(t[i].name, key) == 0)
                ti = i;
        if (ti < 0) {
            rm_fail(st, "%s: unexpected tensor '%s' (not part of this model)", name,
                    ckpt_clip(nb, key));
            goto out;
        }
        if (ckpt_parse_entry(e, &t[ti], want[ti], dlen, &ranges[nr], name, st) != 0)
            goto out;
        ranges[nr++].ti = ti;
        seen[ti] = 1;
    }
    for (int i = 0; i < nt; i++) {
        if (!seen[i] && !t[i].optional) {
            rm_fail(st, "%s: missing tensor '%s'", name, ckpt_clip(nb, t[i].name));
            goto out;
        }
    }

    /* The ranges must tile the data section: sorted by begin, each starts where the previous
     * ended, the first at 0 and the last at its end (as the reference reader demands). */
    qsort(ranges, nr, sizeof *ranges, ckpt_range_cmp);
    uint64_t cursor = 0;
    for (size_t i = 0; i < nr; i++) {
        const struct ckpt_range *r = &ranges[i];
        if (r->begin < cursor) {
            const struct ckpt_range *p = &ranges[i - 1];
            rm_fail(st,
                    "%s: tensors '%s' [%" PRIu64 ",%" PRIu64 "] and '%s' [%" PRIu64 ",%" PRIu64
                    "] overlap in the data section",
                    name, ckpt_clip(nb, t[p->ti].name), p->begin, p->end,
                    ckpt_clip(nb2, t[r->ti].name), r->begin, r->end);
            goto out;
        }
        if (r->begin > cursor) {
            rm_fail(st,
                    "%s: hole in the data section: bytes [%" PRIu64 ",%" PRIu64
                    ") belong to no tensor",
                    name, cursor, r->begin);
            goto out;
        }
        cursor = r->end;
    }
    if (cursor != dlen) {
        rm_fail(st,
                "%s: the data section holds %zu bytes but the tensors cover only %" PRIu64
                " (bytes left over at the end)",
                name, dlen, cursor);
        goto out;
    }

    const char *crc_text = ckpt_meta_get(&local, "crc32");
    if (crc_text) {
        uint32_t said;
        if (ckpt_parse_hex32(crc_text, &said) != 0) {
            rm_fail(st, "%s: crc32 metadata '%s' is not 8 hex digits", name,
                    ckpt_clip(nb, crc_text));
            goto out;
        }
        uint32_t got = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), data, dlen);
        if (got != said) {
            rm_fail(st,
                    "%s: checksum mismatch: file says %08" PRIx32 ", data gives %08" PRIx32
                    " — the file is corrupt",
                    name, said, got);
            goto out;
        }
    }

    for (size_t i = 0; i < nr; i++) {
        const struct ckpt_range *r = &ranges[i];
        for (uint64_t k = 0; k < (r->end - r->begin) / 4; k++) {
            int kind = ckpt_nonfinite_kind(ckpt_get_u32_le(data + r->begin + 4 * k));
            if (kind) {
                rm_fail(st, "%s: tensor '%s' holds %s at index %" PRIu64, name,
                        ckpt_clip(nb, t[r->ti].name), kind == 1 ? "a NaN" : "an infinite value", k);
                goto out;
            }
        }
    }

    /* Everything checks: only now touch the caller's buffers. */
    for (size_t i = 0; i < nr; i++) {
        const struct ckpt_range *r = &ranges[i];
        float *dst = t[r->ti].data;
        for (uint64_t k = 0; k < (r->end - r->begin) / 4; k++)
            dst[k] = ckpt_f32_from_le(data + r->begin + 4 * k);
    }
    for (int i = 0; i < nt; i++)
        t[i].present = seen[i];
    if (meta) {
        ckpt_meta_free(meta);
        *meta = local;
        memset(&local, 0, sizeof local);
    }
    rc = 0;
out:
    ckpt_meta_free(&local);
    cJSON_Delete(root);
    free(hdr);
    free(seen);
    free(ranges);
    free(want);
    return rc;
}

int ckpt_load(const char *path, struct ckpt_tensor *t, int nt, struct ckpt_meta *meta,
              struct rm_status *st)
{
    if (!path)
        return rm_fail(st, "checkpoint: no path given");
    unsigned char *buf = NULL;
    size_t len = 0;
    if (file_read_all(path, &buf, &len, st) != 0)
        return -1;
    int rc = ckpt_parse(buf, len, path, t, nt, meta, st);
    free(buf);
    return rc;
}
