/* Checkpoint metadata (spec section 5): the "__metadata__" list of string pairs, and the two
 * checksums that cover a file: "crc32" over the data section and "metadata_crc32" over the
 * other metadata entries (their definition is in ckpt.h). Shared by the reader (ckpt.c) and the
 * writer (ckpt_save.c). */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "resnet_mnist/io/ckpt.h"

#include "ckpt_common.h"

/* The arrays' capacity is not stored: it is the smallest power of two >= n, so they grow
 * (doubling) exactly when n is 0 or a power of two. This keeps loading a header with many keys
 * linear. */
int ckpt_meta_append(struct ckpt_meta *m, const char *key, const char *value)
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

/* ---- the checksums --------------------------------------------------------------------------- */

int ckpt_checksum_key(const char *key)
{
    return strcmp(key, CKPT_KEY_CRC) == 0 || strcmp(key, CKPT_KEY_META_CRC) == 0;
}

/* One entry of the metadata, for sorting. */
struct ckpt_pair {
    const char *key, *value;
};

static int ckpt_pair_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ckpt_pair *)a)->key, ((const struct ckpt_pair *)b)->key);
}

int ckpt_meta_crc(const char *const *keys, const char *const *values, int n, uint32_t *crc)
{
    struct ckpt_pair *p = malloc(((size_t)(n > 0 ? n : 0) + 1) * sizeof *p);
    if (!p)
        return -1;
    size_t m = 0;
    for (int i = 0; i < n; i++)
        if (!ckpt_checksum_key(keys[i]))
            p[m++] = (struct ckpt_pair){keys[i], values[i]};
    qsort(p, m, sizeof *p, ckpt_pair_cmp);
    uLong c = crc32(0L, Z_NULL, 0);
    for (size_t i = 0; i < m; i++) {
        /* each string with its NUL: "ab"+"c" and "a"+"bc" differ */
        c = crc32_z(c, (const Bytef *)p[i].key, strlen(p[i].key) + 1);
        c = crc32_z(c, (const Bytef *)p[i].value, strlen(p[i].value) + 1);
    }
    free(p);
    *crc = (uint32_t)c;
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

/* The value of key as a checksum, or a refusal naming it. */
static int ckpt_read_checksum(const char *text, const char *key, uint32_t *out, const char *name,
                              struct rm_status *st)
{
    char nb[CKPT_CLIP];
    if (ckpt_parse_hex32(text, out) != 0)
        return rm_fail(st, "%s: %s metadata '%s' is not 8 hex digits", name, key,
                       ckpt_clip(nb, text));
    return 0;
}

int ckpt_meta_verify(const struct ckpt_meta *m, const uint8_t *data, size_t dlen, const char *name,
                     struct rm_status *st)
{
    const char *crc_text = ckpt_meta_get(m, CKPT_KEY_CRC);
    const char *meta_text = ckpt_meta_get(m, CKPT_KEY_META_CRC);
    if (!crc_text && !meta_text)
        return 0; /* not written by this program (PyTorch writes neither) */
    uint32_t said = 0, got = 0;
    if (crc_text) {
        if (ckpt_read_checksum(crc_text, CKPT_KEY_CRC, &said, name, st) != 0)
            return -1;
        got = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), data, dlen);
        if (got != said)
            return rm_fail(st,
                           "%s: checksum mismatch: file says %08" PRIx32 ", data gives %08" PRIx32
                           " — the file is corrupt",
                           name, said, got);
    }
    /* crc32 alone: written before the metadata had a checksum (or edited to look so). The
     * data is checked, so the weights load; the metadata is not covered, and ckpt_meta_trusted
     * says so to every caller that would believe it. */
    if (!meta_text)
        return 0;
    if (!crc_text)
        return rm_fail(st,
                       "%s: no " CKPT_KEY_CRC " beside " CKPT_KEY_META_CRC
                       ": the file was edited (a checksum removed)",
                       name);
    if (ckpt_read_checksum(meta_text, CKPT_KEY_META_CRC, &said, name, st) != 0)
        return -1;
    if (ckpt_meta_crc((const char *const *)m->keys, (const char *const *)m->values, m->n, &got) !=
        0)
        return rm_fail(st, "%s: out of memory checking the metadata", name);
    if (got != said)
        return rm_fail(st,
                       "%s: metadata checksum mismatch: file says %08" PRIx32
                       ", metadata gives %08" PRIx32 " — the metadata was edited or is corrupt",
                       name, said, got);
    return 0;
}

int ckpt_meta_trusted(const struct ckpt_meta *m)
{
    return ckpt_meta_get(m, CKPT_KEY_CRC) && ckpt_meta_get(m, CKPT_KEY_META_CRC);
}
