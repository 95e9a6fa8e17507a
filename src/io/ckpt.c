/* Checkpoints as safetensors files (spec section 5): reading, and the checks the writer
 * (ckpt_save.c) shares. The metadata list and the checksums are in ckpt_meta.c.
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

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/utf8.h"

#include "ckpt_common.h"

/* The data section is float32; floats are converted byte-wise to and from little-endian, which
 * assumes (as every platform we target does) that float and uint32_t share a byte order. */
_Static_assert(sizeof(float) == 4, "float must be IEEE-754 binary32");

/* Offsets and dimensions above 2^53 cannot come from a real file (a double holds integers
 * exactly up to there, and cJSON parses numbers as doubles). */
#define CKPT_MAX_INDEX 9007199254740992.0
/* Room for a shape written as "[a,b,c,d]" in a message. */
#define CKPT_SHAPE_TEXT 128

/* ---- small helpers ---------------------------------------------------------------------- */

static float ckpt_f32_from_le(const uint8_t *p)
{
    uint32_t u = bytes_load_le32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* a * b into *out; -1 on uint64 overflow. */
static int ckpt_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b != 0 && a > UINT64_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

/* Control bytes shown as '?' and the length capped, so that a hostile name can neither make the
 * message span lines nor crowd out the rest of it. */
const char *ckpt_clip(char buf[CKPT_CLIP], const char *s)
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

int ckpt_check_list(const struct ckpt_tensor *t, int nt, uint64_t *bytes, const char *where,
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

/* ---- reading ----------------------------------------------------------------------------- */

/* Where a tensor of the file lies in the data section. */
struct ckpt_range {
    uint64_t begin, end;
    int ti;          /* index into the caller's list, -1 for a skipped tensor */
    const char *key; /* its name (in the parsed header) */
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
    size_t bad = utf8_valid_prefix(h, n);
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

/* The entry is an object holding only dtype, shape and data_offsets, none of them twice; sets
 * the three (NULL for a missing one). tn is the tensor's name as quoted in messages. */
static int ckpt_entry_fields(const cJSON *e, const cJSON **dtype, const cJSON **shape,
                             const cJSON **offs, const char *tn, const char *name,
                             struct rm_status *st)
{
    char kb[CKPT_CLIP];
    if (!cJSON_IsObject(e))
        return rm_fail(st, "%s: tensor '%s': entry is not an object", name, tn);
    *dtype = *shape = *offs = NULL;
    for (const cJSON *c = e->child; c; c = c->next) {
        const char *k = c->string ? c->string : "";
        const cJSON **slot = strcmp(k, "dtype") == 0          ? dtype
                             : strcmp(k, "shape") == 0        ? shape
                             : strcmp(k, "data_offsets") == 0 ? offs
                                                              : NULL;
        if (!slot)
            return rm_fail(st, "%s: tensor '%s': unexpected field '%s'", name, tn,
                           ckpt_clip(kb, k));
        if (*slot)
            return rm_fail(st, "%s: tensor '%s': duplicated key '%s'", name, tn, k);
        *slot = c;
    }
    return 0;
}

/* The dtype is there and is the string "F32". */
static int ckpt_entry_dtype(const cJSON *dtype, const char *tn, const char *name,
                            struct rm_status *st)
{
    char kb[CKPT_CLIP];
    if (!dtype)
        return rm_fail(st, "%s: tensor '%s': missing dtype", name, tn);
    if (!cJSON_IsString(dtype))
        return rm_fail(st, "%s: tensor '%s': dtype is not a string", name, tn);
    if (strcmp(dtype->valuestring, "F32") != 0)
        return rm_fail(st, "%s: tensor '%s': dtype %s, expected F32 (only float32 is supported)",
                       name, tn, ckpt_clip(kb, dtype->valuestring));
    return 0;
}

/* The shape is there, a list of non-negative integers, and equal to the caller's. */
static int ckpt_entry_shape(const cJSON *shape, const struct ckpt_tensor *ct, const char *tn,
                            const char *name, struct rm_status *st)
{
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
    return 0;
}

/* The shape of a tensor that is not in the caller's list: there, a list of non-negative
 * integers, of at most 2^51 elements in all; its size in bytes into *bytes. */
static int ckpt_entry_shape_bytes(const cJSON *shape, uint64_t *bytes, const char *tn,
                                  const char *name, struct rm_status *st)
{
    if (!shape)
        return rm_fail(st, "%s: tensor '%s': missing shape", name, tn);
    if (!cJSON_IsArray(shape))
        return rm_fail(st, "%s: tensor '%s': shape is not an array", name, tn);
    const uint64_t max = (uint64_t)(CKPT_MAX_INDEX / 4);
    uint64_t count = 1;
    for (const cJSON *c = shape->child; c; c = c->next) {
        uint64_t d;
        if (ckpt_json_index(c, &d) != 0)
            return rm_fail(st, "%s: tensor '%s': shape is not a list of non-negative integers",
                           name, tn);
        if (count > 0 && d > max / count)
            return rm_fail(st, "%s: tensor '%s': shape too large (more than 2^51 elements)", name,
                           tn);
        count *= d;
    }
    *bytes = 4 * count;
    return 0;
}

/* data_offsets is there, a pair [begin,end] of integers inside the data section of dlen bytes,
 * holding exactly the want_bytes the shape needs; on success fills r's range. */
static int ckpt_entry_offsets(const cJSON *offs, uint64_t want_bytes, size_t dlen,
                              struct ckpt_range *r, const char *tn, const char *name,
                              struct rm_status *st)
{
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

/* One tensor entry of the header, against the caller's description (ct NULL for a tensor that
 * is skipped: any shape) and the size of the data section: its fields, then dtype, shape and
 * offsets in that order. On success fills r. */
static int ckpt_parse_entry(const cJSON *e, const struct ckpt_tensor *ct, uint64_t want_bytes,
                            size_t dlen, struct ckpt_range *r, const char *name,
                            struct rm_status *st)
{
    char nb[CKPT_CLIP];
    const char *tn = ckpt_clip(nb, e->string);
    const cJSON *dtype, *shape, *offs;
    if (ckpt_entry_fields(e, &dtype, &shape, &offs, tn, name, st) != 0 ||
        ckpt_entry_dtype(dtype, tn, name, st) != 0)
        return -1;
    if (ct ? ckpt_entry_shape(shape, ct, tn, name, st) != 0
           : ckpt_entry_shape_bytes(shape, &want_bytes, tn, name, st) != 0)
        return -1;
    return ckpt_entry_offsets(offs, want_bytes, dlen, r, tn, name, st);
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

/* One ckpt_parse call: the caller's list and what has been learnt about the file so far. */
struct ckpt_reader {
    const char *name;
    struct ckpt_tensor *t;
    int nt;
    uint64_t *want;            /* [nt] bytes each tensor of the list needs */
    struct ckpt_range *ranges; /* [nr] where the file's tensors lie */
    size_t nr;
    int skip;             /* tensors not in the list are skipped (ckpt_parse_some) */
    int nskipped;         /* how many */
    const char *skipped1; /* the first one's name */
    char *seen;           /* [nt] 1 if the file holds t[i] */
    const uint8_t *data;  /* the data section */
    size_t dlen;
    cJSON *root;           /* the header */
    struct ckpt_meta meta; /* the file's "__metadata__" */
    struct rm_status *st;
};

static void ckpt_reader_free(struct ckpt_reader *r)
{
    ckpt_meta_free(&r->meta);
    cJSON_Delete(r->root);
    free(r->seen);
    free(r->ranges);
    free(r->want);
}

/* The per-tensor tables, with one slot more than the list so that none is empty (the ranges
 * are allocated once the header's size is known). */
static int ckpt_reader_alloc(struct ckpt_reader *r)
{
    size_t slots = (size_t)(r->nt > 0 ? r->nt : 0) + 1;
    r->want = malloc(slots * sizeof *r->want);
    r->seen = calloc(slots, 1);
    if (!r->want || !r->seen)
        return rm_fail(r->st, "%s: out of memory", r->name);
    return 0;
}

/* The 8-byte header length: present, at most 100 MB, and no longer than what follows it. */
static int ckpt_read_length(struct ckpt_reader *r, const uint8_t *buf, size_t len, size_t *hlen)
{
    if (len < 8)
        return rm_fail(r->st,
                       "%s: truncated: %zu bytes, too short for a safetensors file (at least 8)",
                       r->name, len);
    uint64_t n64 = bytes_load_le64(buf);
    if (n64 > CKPT_MAX_HEADER)
        return rm_fail(r->st,
                       "%s: header length %" PRIu64 " is absurd (more than 100 MB): not a "
                       "safetensors file, or corrupt",
                       r->name, n64);
    if (n64 > len - 8)
        return rm_fail(r->st, "%s: truncated: header length %" PRIu64 " but only %zu bytes follow",
                       r->name, n64, len - 8);
    *hlen = (size_t)n64;
    return 0;
}

/* The header h[0..n): UTF-8 without control bytes or NUL escapes, valid JSON, an object, no key
 * given twice. */
static int ckpt_read_json(struct ckpt_reader *r, const uint8_t *h, size_t n)
{
    if (ckpt_scan_header(h, n, r->name, r->st) != 0)
        return -1;
    /* A NUL-terminated copy: cJSON then never needs to trust a length. */
    char *text = malloc(n + 1);
    if (!text)
        return rm_fail(r->st, "%s: out of memory (header of %zu bytes)", r->name, n);
    memcpy(text, h, n);
    text[n] = 0;
    const char *end = NULL;
    r->root = cJSON_ParseWithOpts(text, &end, 1);
    size_t at = end && end >= text && end <= text + n ? (size_t)(end - text) : 0;
    free(text); /* cJSON keeps copies of the strings */
    if (!r->root)
        return rm_fail(r->st, "%s: header is not valid JSON (error near header byte %zu)", r->name,
                       at);
    if (!cJSON_IsObject(r->root))
        return rm_fail(r->st, "%s: header is not a JSON object", r->name);
    return ckpt_check_unique_keys(r->root, "the header", r->name, r->st);
}

/* Each key of the header: "__metadata__" into r->meta, any other a tensor of the list (or, when
 * skipping, any tensor) whose entry ckpt_parse_entry accepts; then every required tensor of the
 * list is there. */
static int ckpt_read_entries(struct ckpt_reader *r)
{
    char nb[CKPT_CLIP];
    /* One range per key at most (keys are unique), and one slot more so that none is empty. */
    size_t keys = 0;
    for (const cJSON *e = r->root->child; e; e = e->next)
        keys++;
    r->ranges = malloc((keys + 1) * sizeof *r->ranges);
    if (!r->ranges)
        return rm_fail(r->st, "%s: out of memory (%zu header entries)", r->name, keys);
    for (const cJSON *e = r->root->child; e; e = e->next) {
        const char *key = e->string ? e->string : "";
        if (strcmp(key, "__metadata__") == 0) {
            if (ckpt_parse_meta(e, &r->meta, r->name, r->st) != 0)
                return -1;
            continue;
        }
        int ti = -1;
        for (int i = 0; i < r->nt && ti < 0; i++)
            if (strcmp(r->t[i].name, key) == 0)
                ti = i;
        if (ti < 0 && !r->skip)
            return rm_fail(r->st, "%s: unexpected tensor '%s' (not part of this model)", r->name,
                           ckpt_clip(nb, key));
        struct ckpt_range *g = &r->ranges[r->nr];
        if (ckpt_parse_entry(e, ti >= 0 ? &r->t[ti] : NULL, ti >= 0 ? r->want[ti] : 0, r->dlen, g,
                             r->name, r->st) != 0)
            return -1;
        g->ti = ti;
        g->key = key;
        r->nr++;
        if (ti >= 0) {
            r->seen[ti] = 1;
        } else if (r->nskipped++ == 0) {
            r->skipped1 = key;
        }
    }
    for (int i = 0; i < r->nt; i++)
        if (!r->seen[i] && !r->t[i].optional)
            return rm_fail(r->st, "%s: missing tensor '%s'", r->name, ckpt_clip(nb, r->t[i].name));
    return 0;
}

/* The ranges tile the data section: sorted by begin, each starts where the previous ended, the
 * first at 0 and the last at its end (as the reference reader demands). Leaves them sorted. */
static int ckpt_check_coverage(struct ckpt_reader *r)
{
    char nb[CKPT_CLIP], nb2[CKPT_CLIP];
    qsort(r->ranges, r->nr, sizeof *r->ranges, ckpt_range_cmp);
    uint64_t cursor = 0;
    for (size_t i = 0; i < r->nr; i++) {
        const struct ckpt_range *g = &r->ranges[i];
        if (g->begin < cursor) {
            const struct ckpt_range *p = &r->ranges[i - 1];
            return rm_fail(r->st,
                           "%s: tensors '%s' [%" PRIu64 ",%" PRIu64 "] and '%s' [%" PRIu64
                           ",%" PRIu64 "] overlap in the data section",
                           r->name, ckpt_clip(nb, p->key), p->begin, p->end, ckpt_clip(nb2, g->key),
                           g->begin, g->end);
        }
        if (g->begin > cursor)
            return rm_fail(r->st,
                           "%s: hole in the data section: bytes [%" PRIu64 ",%" PRIu64
                           ") belong to no tensor",
                           r->name, cursor, g->begin);
        cursor = g->end;
    }
    if (cursor != r->dlen)
        return rm_fail(r->st,
                       "%s: the data section holds %zu bytes but the tensors cover only %" PRIu64
                       " (bytes left over at the end)",
                       r->name, r->dlen, cursor);
    return 0;
}

/* No tensor holds a NaN or an infinity (in range order, so the first one found is named). */
static int ckpt_check_finite(const struct ckpt_reader *r)
{
    char nb[CKPT_CLIP];
    for (size_t i = 0; i < r->nr; i++) {
        const struct ckpt_range *g = &r->ranges[i];
        for (uint64_t k = 0; k < (g->end - g->begin) / 4; k++) {
            int kind = ckpt_nonfinite_kind(bytes_load_le32(r->data + g->begin + 4 * k));
            if (kind)
                return rm_fail(r->st, "%s: tensor '%s' holds %s at index %" PRIu64, r->name,
                               ckpt_clip(nb, g->key), kind == 1 ? "a NaN" : "an infinite value", k);
        }
    }
    return 0;
}

/* Everything checks: only now touch the caller's buffers, present flags, metadata and the
 * count of skipped tensors. */
static void ckpt_commit(struct ckpt_reader *r, struct ckpt_meta *meta, struct ckpt_skipped *skipped)
{
    for (size_t i = 0; i < r->nr; i++) {
        const struct ckpt_range *g = &r->ranges[i];
        if (g->ti < 0)
            continue;
        float *dst = r->t[g->ti].data;
        for (uint64_t k = 0; k < (g->end - g->begin) / 4; k++)
            dst[k] = ckpt_f32_from_le(r->data + g->begin + 4 * k);
    }
    for (int i = 0; i < r->nt; i++)
        r->t[i].present = r->seen[i];
    if (meta) {
        ckpt_meta_free(meta);
        *meta = r->meta;
        memset(&r->meta, 0, sizeof r->meta);
    }
    if (skipped) {
        skipped->n = r->nskipped;
        ckpt_clip(skipped->first, r->skipped1 ? r->skipped1 : "");
    }
}

int ckpt_parse_some(const uint8_t *buf, size_t len, const char *name, struct ckpt_tensor *t, int nt,
                    struct ckpt_meta *meta, struct ckpt_skipped *skipped, struct rm_status *st)
{
    if (!name)
        name = "checkpoint";
    if (!buf && len)
        return rm_fail(st, "%s: no data", name);
    struct ckpt_reader r = {.name = name, .t = t, .nt = nt, .skip = skipped != NULL, .st = st};
    size_t hlen = 0;
    int rc = -1;
    if (ckpt_reader_alloc(&r) == 0 && ckpt_check_list(t, nt, r.want, name, st) == 0 &&
        ckpt_read_length(&r, buf, len, &hlen) == 0) {
        r.data = buf + 8 + hlen;
        r.dlen = len - 8 - hlen;
        if (ckpt_read_json(&r, buf + 8, hlen) == 0 && ckpt_read_entries(&r) == 0 &&
            ckpt_check_coverage(&r) == 0 &&
            ckpt_meta_verify(&r.meta, r.data, r.dlen, name, st) == 0 &&
            ckpt_check_finite(&r) == 0) {
            ckpt_commit(&r, meta, skipped);
            rc = 0;
        }
    }
    ckpt_reader_free(&r);
    return rc;
}

int ckpt_parse(const uint8_t *buf, size_t len, const char *name, struct ckpt_tensor *t, int nt,
               struct ckpt_meta *meta, struct rm_status *st)
{
    return ckpt_parse_some(buf, len, name, t, nt, meta, NULL, st);
}

int ckpt_load_some(const char *path, struct ckpt_tensor *t, int nt, struct ckpt_meta *meta,
                   struct ckpt_skipped *skipped, struct rm_status *st)
{
    if (!path)
        return rm_fail(st, "checkpoint: no path given");
    unsigned char *buf = NULL;
    size_t len = 0;
    if (file_read_all(path, &buf, &len, st) != 0)
        return -1;
    int rc = ckpt_parse_some(buf, len, path, t, nt, meta, skipped, st);
    free(buf);
    return rc;
}

int ckpt_load(const char *path, struct ckpt_tensor *t, int nt, struct ckpt_meta *meta,
              struct rm_status *st)
{
    return ckpt_load_some(path, t, nt, meta, NULL, st);
}
