/* Tests of src/io/ckpt.c and ckpt_save.c: safetensors checkpoints (spec section 5).
 *
 * Most refusal tests start from a file written by ckpt_save for a small three-tensor model,
 * mutate it in memory, and check that ckpt_parse refuses it with a message naming the file and
 * the problem, leaving the caller's buffers, present flags and metadata untouched. */
#include "test_util.h"

#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/ckpt.h"

/* ---- a small model: conv.weight [2,1,3,3], conv.bias [2], fc.weight [3,4] --------------- */

#define NW       18
#define NB       2
#define NF       12
#define SENTINEL -12345.5f
#define BAD_NAME "bad.safetensors"

struct small {
    float w[NW], b[NB], f[NF], extra[NF];
    struct ckpt_tensor t[4]; /* t[3]: optional "mom.fc.weight" [3,4] */
};

/* Values that exercise the encoding: signs, zero, -0, a subnormal, large magnitudes. */
static void small_fill_values(struct small *m)
{
    for (int i = 0; i < NW; i++)
        m->w[i] = (float)(i - 9) * 0.0123f;
    m->b[0] = -0.0f;
    m->b[1] = 1e-40f; /* subnormal */
    for (int i = 0; i < NF; i++)
        m->f[i] = (float)(i % 2 ? 1 : -1) * powf(10.0f, (float)(i - 6) * 6.0f);
    for (int i = 0; i < NF; i++)
        m->extra[i] = (float)i + 0.5f;
}

static void small_describe(struct small *m)
{
    memset(m->t, 0, sizeof m->t);
    m->t[0] =
        (struct ckpt_tensor){.name = "conv.weight", .ndim = 4, .shape = {2, 1, 3, 3}, .data = m->w};
    m->t[1] = (struct ckpt_tensor){.name = "conv.bias", .ndim = 1, .shape = {2}, .data = m->b};
    m->t[2] = (struct ckpt_tensor){.name = "fc.weight", .ndim = 2, .shape = {3, 4}, .data = m->f};
    m->t[3] = (struct ckpt_tensor){
        .name = "mom.fc.weight", .ndim = 2, .shape = {3, 4}, .data = m->extra, .optional = 1};
}

static size_t tensor_count(const struct ckpt_tensor *t)
{
    size_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= (size_t)t->shape[d];
    return n;
}

/* Fills every buffer with the sentinel and every present flag with 7. */
static void fill_sentinel(struct ckpt_tensor *t, int nt)
{
    for (int i = 0; i < nt; i++) {
        for (size_t k = 0; k < tensor_count(&t[i]); k++)
            t[i].data[k] = SENTINEL;
        t[i].present = 7;
    }
}

static void assert_sentinel(const struct ckpt_tensor *t, int nt)
{
    for (int i = 0; i < nt; i++) {
        assert_int_equal(t[i].present, 7);
        for (size_t k = 0; k < tensor_count(&t[i]); k++)
            assert_true(t[i].data[k] == SENTINEL);
    }
}

/* Saves t[0..nt) (with meta) into a temporary folder and returns the file's bytes. */
static uint8_t *save_image(const struct ckpt_tensor *t, int nt, const struct ckpt_meta *meta,
                           size_t *len)
{
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "model.safetensors");
    struct rm_status st = {{0}};
    if (ckpt_save(path, t, nt, meta, &st) != 0)
        fail_msg("ckpt_save: %s", st.msg);
    uint8_t *img = tu_read_file(path, len);
    free(path);
    tu_remove_dir(dir);
    return img;
}

/* The standard valid file: the three required tensors, no caller metadata. */
static uint8_t *standard_image(size_t *len)
{
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    return save_image(m.t, 3, NULL, len);
}

static size_t header_len(const uint8_t *img)
{
    return (size_t)bytes_load_le64(img);
}

/* A safetensors image from a header text and a data section (header padded to 8). */
static uint8_t *build_image(const char *header, const uint8_t *data, size_t dlen, size_t *len)
{
    size_t n = strlen(header), padded = (n + 7) / 8 * 8;
    *len = 8 + padded + dlen;
    uint8_t *img = malloc(*len ? *len : 1);
    assert_non_null(img);
    bytes_store_le64(img, padded);
    memcpy(img + 8, header, n);
    memset(img + 8 + n, ' ', padded - n);
    if (dlen)
        memcpy(img + 8 + padded, data, dlen);
    return img;
}

/* The image with the first occurrence of `from` in its header replaced by `to`, and `extra`
 * zero bytes appended to the data section. */
static uint8_t *edit_image(const uint8_t *img, size_t len, const char *from, const char *to,
                           size_t extra, size_t *out_len)
{
    size_t n = header_len(img);
    char *hdr = malloc(n + strlen(to) + 1);
    assert_non_null(hdr);
    memcpy(hdr, img + 8, n);
    hdr[n] = 0;
    while (n > 0 && hdr[n - 1] == ' ') /* drop the padding */
        hdr[--n] = 0;
    char *at = strstr(hdr, from);
    if (!at)
        fail_msg("'%s' not in header %s", from, hdr);
    size_t flen = strlen(from), tlen = strlen(to);
    memmove(at + tlen, at + flen, strlen(at + flen) + 1);
    memcpy(at, to, tlen);
    size_t dlen = len - 8 - header_len(img);
    uint8_t *data = calloc(dlen + extra + 1, 1);
    assert_non_null(data);
    memcpy(data, img + 8 + header_len(img), dlen);
    uint8_t *out = build_image(hdr, data, dlen + extra, out_len);
    free(data);
    free(hdr);
    return out;
}

/* Rewrites the "crc32" metadata of img so that it matches its data section again. */
static void fix_crc(uint8_t *img, size_t len)
{
    size_t n = header_len(img);
    const uint8_t *data = img + 8 + n;
    uLong crc = crc32_z(crc32(0L, Z_NULL, 0), data, len - 8 - n);
    char *hdr = (char *)img + 8;
    const char *key = "\"crc32\":\"";
    char *at = NULL;
    for (size_t i = 0; i + strlen(key) + 8 <= n && !at; i++)
        if (memcmp(hdr + i, key, strlen(key)) == 0)
            at = hdr + i + strlen(key);
    assert_non_null(at);
    char hex[9];
    snprintf(hex, sizeof hex, "%08lx", crc);
    memcpy(at, hex, 8);
}

/* Parses img (from an exact-size copy, so that AddressSanitizer sees any over-read) and
 * asserts a refusal naming the file and containing `word`, with nothing touched. */
static void expect_refusal_list(const uint8_t *img, size_t len, struct ckpt_tensor *t, int nt,
                                const char *word)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, img, len);
    fill_sentinel(t, nt);
    struct ckpt_meta meta = {0};
    struct rm_status st = {{0}};
    assert_int_equal(ckpt_meta_set(&meta, "keep", "me", &st), 0);
    int rc = ckpt_parse(copy, len, BAD_NAME, t, nt, &meta, &st);
    free(copy);
    if (rc != -1)
        fail_msg("accepted a bad file (expected a message with '%s')", word);
    if (strncmp(st.msg, BAD_NAME ": ", strlen(BAD_NAME) + 2) != 0 || !strstr(st.msg, word) ||
        strchr(st.msg, '\n'))
        fail_msg("message '%s' should start with '" BAD_NAME ": ' and contain '%s'", st.msg, word);
    assert_sentinel(t, nt);
    assert_int_equal(meta.n, 1);
    assert_string_equal(ckpt_meta_get(&meta, "keep"), "me");
    ckpt_meta_free(&meta);
}

static void expect_refusal(const uint8_t *img, size_t len, const char *word)
{
    struct small m;
    small_describe(&m);
    expect_refusal_list(img, len, m.t, 3, word);
}

/* Expects img to load with its metadata not covered by a checksum (ckpt_meta_trusted 0). */
static void expect_untrusted(const uint8_t *img, size_t len)
{
    struct small m;
    small_describe(&m);
    struct ckpt_meta meta = {0};
    struct rm_status st = {{0}};
    if (ckpt_parse(img, len, BAD_NAME, m.t, 3, &meta, &st) != 0)
        fail_msg("refused: %s", st.msg);
    assert_true(meta.n > 0);
    assert_int_equal(ckpt_meta_trusted(&meta), 0);
    ckpt_meta_free(&meta);
}

/* Edits the standard image's header (and appends extra data bytes) and expects a refusal. */
static void refuse_edit(const char *from, const char *to, size_t extra, const char *word)
{
    size_t len, elen;
    uint8_t *img = standard_image(&len);
    uint8_t *bad = edit_image(img, len, from, to, extra, &elen);
    expect_refusal(bad, elen, word);
    free(bad);
    free(img);
}

/* ---- success paths ------------------------------------------------------------------------- */

static void test_ckpt_meta_helpers(void **state)
{
    (void)state;
    struct ckpt_meta m = {0};
    struct rm_status st = {{0}};
    assert_null(ckpt_meta_get(&m, "epoch"));
    for (int i = 0; i < 40; i++) { /* enough to make the arrays grow several times */
        char k[16], v[16];
        snprintf(k, sizeof k, "k%d", i);
        snprintf(v, sizeof v, "v%d", i);
        assert_int_equal(ckpt_meta_set(&m, k, v, &st), 0);
    }
    assert_int_equal(ckpt_meta_set(&m, "k7", "seven", &st), 0); /* replaces */
    assert_int_equal(m.n, 40);
    assert_string_equal(ckpt_meta_get(&m, "k7"), "seven");
    assert_string_equal(ckpt_meta_get(&m, "k39"), "v39");
    assert_null(ckpt_meta_get(&m, "k40"));
    ckpt_meta_free(&m);
    assert_int_equal(m.n, 0);
    assert_null(m.keys);
    ckpt_meta_free(&m); /* a zeroed struct is fine */
}

static void test_ckpt_round_trip(void **state)
{
    (void)state;
    struct small src, dst;
    small_fill_values(&src);
    small_describe(&src);
    struct ckpt_meta meta = {0};
    struct rm_status st = {{0}};
    assert_int_equal(ckpt_meta_set(&meta, "epoch", "3", &st), 0);
    assert_int_equal(ckpt_meta_set(&meta, "test_accuracy", "0.9931", &st), 0);
    assert_int_equal(ckpt_meta_set(&meta, "note", "a \"quote\", a \\ and \xc3\xa9\n", &st), 0);
    assert_int_equal(ckpt_meta_set(&meta, "crc32", "bogus", &st), 0); /* ckpt_save owns it */

    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "best.bin");
    assert_int_equal(ckpt_save(path, src.t, 3, &meta, &st), 0);

    small_describe(&dst);
    fill_sentinel(dst.t, 3);
    struct ckpt_meta got = {0};
    if (ckpt_load(path, dst.t, 3, &got, &st) != 0)
        fail_msg("%s", st.msg);
    assert_memory_equal(dst.w, src.w, sizeof src.w); /* bit for bit, -0 and subnormal too */
    assert_memory_equal(dst.b, src.b, sizeof src.b);
    assert_memory_equal(dst.f, src.f, sizeof src.f);
    for (int i = 0; i < 3; i++)
        assert_int_equal(dst.t[i].present, 1);
    assert_int_equal(got.n, 6); /* and format, crc32, metadata_crc32 */
    assert_string_equal(ckpt_meta_get(&got, "epoch"), "3");
    assert_string_equal(ckpt_meta_get(&got, "test_accuracy"), "0.9931");
    assert_string_equal(ckpt_meta_get(&got, "note"), "a \"quote\", a \\ and \xc3\xa9\n");
    assert_string_equal(ckpt_meta_get(&got, "format"), "pt");
    const char *crc = ckpt_meta_get(&got, "crc32");
    assert_non_null(crc);
    assert_int_equal(strlen(crc), 8);
    assert_int_equal(strspn(crc, "0123456789abcdef"), 8);

    /* Loading again into a meta that already holds something replaces its contents. */
    assert_int_equal(ckpt_load(path, dst.t, 3, &got, &st), 0);
    assert_int_equal(got.n, 6);

    /* meta may be NULL both ways. */
    assert_int_equal(ckpt_save(path, src.t, 3, NULL, &st), 0);
    assert_int_equal(ckpt_load(path, dst.t, 3, NULL, &st), 0);

    ckpt_meta_free(&got);
    ckpt_meta_free(&meta);
    free(path);
    tu_remove_dir(dir);
}

static void test_ckpt_header_layout(void **state)
{
    (void)state;
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    struct ckpt_meta meta = {0};
    struct rm_status st = {{0}};
    assert_int_equal(ckpt_meta_set(&meta, "epoch", "12", &st), 0);
    size_t len;
    uint8_t *img = save_image(m.t, 3, &meta, &len);
    ckpt_meta_free(&meta);

    size_t n = header_len(img);
    assert_true(len >= 8 + n);
    assert_int_equal((8 + n) % 8, 0);
    assert_int_equal(len - 8 - n, 4 * (NW + NB + NF));
    char *hdr = malloc(n + 1);
    assert_non_null(hdr);
    memcpy(hdr, img + 8, n);
    hdr[n] = 0;
    assert_true(hdr[0] == '{');
    size_t text = n;
    while (text > 0 && hdr[text - 1] == ' ')
        text--;
    assert_true(n - text < 8); /* padding is spaces only, less than 8 of them */
    assert_true(hdr[text - 1] == '}');

    cJSON *root = cJSON_Parse(hdr);
    assert_non_null(root);
    assert_true(cJSON_IsObject(root));
    assert_int_equal(cJSON_GetArraySize(root), 4);
    /* Tensors in the given order, after "__metadata__" (as the reference writer orders them). */
    const char *names[3] = {"conv.weight", "conv.bias", "fc.weight"};
    const cJSON *item = root->child;
    assert_string_equal(item->string, "__metadata__");
    const cJSON *md = item;
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(md, "epoch")->valuestring, "12");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(md, "format")->valuestring, "pt");
    char want_crc[9];
    snprintf(want_crc, sizeof want_crc, "%08lx",
             crc32_z(crc32(0L, Z_NULL, 0), img + 8 + n, len - 8 - n));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(md, "crc32")->valuestring, want_crc);
    double offset = 0;
    for (int i = 0; i < 3; i++) {
        item = item->next;
        assert_string_equal(item->string, names[i]);
        assert_int_equal(cJSON_GetArraySize(item), 3);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(item, "dtype")->valuestring, "F32");
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
        assert_int_equal(cJSON_GetArraySize(shape), m.t[i].ndim);
        for (int d = 0; d < m.t[i].ndim; d++)
            assert_true(cJSON_GetArrayItem(shape, d)->valuedouble == (double)m.t[i].shape[d]);
        const cJSON *offs = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
        assert_int_equal(cJSON_GetArraySize(offs), 2);
        assert_true(cJSON_GetArrayItem(offs, 0)->valuedouble == offset);
        offset += 4.0 * (double)tensor_count(&m.t[i]);
        assert_true(cJSON_GetArrayItem(offs, 1)->valuedouble == offset);
    }
    /* The data is little-endian float32 in tensor order. */
    const uint8_t *data = img + 8 + n;
    for (int i = 0; i < NW; i++) {
        uint32_t u;
        memcpy(&u, &m.w[i], 4);
        for (int b = 0; b < 4; b++)
            assert_int_equal(data[4 * i + b], (u >> (8 * b)) & 0xff);
    }
    cJSON_Delete(root);
    free(hdr);
    free(img);
}

/* The 16 parameters of spec section 2, with fan_in for PyTorch's default initialisation bound
 * 1/sqrt(fan_in) (spec section 3). */
static const struct {
    const char *name;
    int ndim;
    int64_t shape[4];
    int fan_in;
} model_params[16] = {
    {"conv1.weight", 4, {16, 1, 5, 5}, 25},       {"conv1.bias", 1, {16}, 25},
    {"RB1.conv1.weight", 4, {16, 16, 3, 3}, 144}, {"RB1.conv1.bias", 1, {16}, 144},
    {"RB1.conv2.weight", 4, {16, 16, 5, 5}, 400}, {"RB1.conv2.bias", 1, {16}, 400},
    {"conv2.weight", 4, {32, 16, 3, 3}, 144},     {"conv2.bias", 1, {32}, 144},
    {"RB2.conv1.weight", 4, {32, 32, 3, 3}, 288}, {"RB2.conv1.bias", 1, {32}, 288},
    {"RB2.conv2.weight", 4, {32, 32, 5, 5}, 800}, {"RB2.conv2.bias", 1, {32}, 800},
    {"linear1.weight", 2, {200, 800}, 800},       {"linear1.bias", 1, {200}, 800},
    {"linear2.weight", 2, {10, 200}, 200},        {"linear2.bias", 1, {10}, 200},
};

/* Describes the model's 16 tensors over one allocation of 210,882 floats. */
static float *model_describe(struct ckpt_tensor t[16])
{
    size_t total = 0;
    for (int i = 0; i < 16; i++) {
        t[i] = (struct ckpt_tensor){.name = model_params[i].name, .ndim = model_params[i].ndim};
        memcpy(t[i].shape, model_params[i].shape, sizeof t[i].shape);
        total += tensor_count(&t[i]);
    }
    assert_int_equal(total, 210882);
    float *all = malloc(total * sizeof *all);
    assert_non_null(all);
    size_t at = 0;
    for (int i = 0; i < 16; i++) {
        t[i].data = all + at;
        at += tensor_count(&t[i]);
    }
    return all;
}

static void test_ckpt_golden_init(void **state)
{
    (void)state;
    struct ckpt_tensor t[16];
    float *all = model_describe(t);
    fill_sentinel(t, 16);
    struct ckpt_meta meta = {0};
    struct rm_status st = {{0}};
    if (ckpt_load(tu_golden("init.safetensors"), t, 16, &meta, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(meta.n, 0); /* written by PyTorch without metadata */
    for (int i = 0; i < 16; i++) {
        assert_int_equal(t[i].present, 1);
        float bound = 1.0f / sqrtf((float)model_params[i].fan_in), maxabs = 0;
        for (size_t k = 0; k < tensor_count(&t[i]); k++) {
            float v = t[i].data[k];
            if (!(v >= -bound && v <= bound))
                fail_msg("%s[%zu] = %g outside [-%g, %g]", t[i].name, k, v, bound, bound);
            maxabs = fmaxf(maxabs, fabsf(v));
        }
        assert_true(maxabs > 0.5f * bound); /* really drawn from the range, not zeros */
    }
    assert_true(fabsf(t[0].data[0]) <= 0.2f);

    /* The data section agrees with the raw bytes PyTorch wrote, and saving the tensors again
     * reproduces that data section byte for byte. */
    size_t glen, len;
    uint8_t *golden = tu_read_file(tu_golden("init.safetensors"), &glen);
    size_t gdata = 8 + header_len(golden);
    assert_int_equal(glen - gdata, 4 * 210882);
    for (size_t k = 0; k < 210882; k++) {
        float v;
        memcpy(&v, golden + gdata + 4 * k, 4); /* this host is little-endian */
        assert_memory_equal(&v, &all[k], 4);
    }
    uint8_t *mine = save_image(t, 16, NULL, &len);
    size_t mdata = 8 + header_len(mine);
    assert_int_equal(len - mdata, glen - gdata);
    assert_memory_equal(mine + mdata, golden + gdata, glen - gdata);

    /* And a second load of our own file gives the same floats. */
    struct ckpt_tensor t2[16];
    float *all2 = model_describe(t2);
    assert_int_equal(ckpt_parse(mine, len, "mine", t2, 16, NULL, &st), 0);
    assert_memory_equal(all2, all, 210882 * sizeof(float));

    free(all2);
    free(mine);
    free(golden);
    ckpt_meta_free(&meta);
    free(all);
}

static void test_ckpt_optional_tensors(void **state)
{
    (void)state;
    struct small src, dst;
    small_fill_values(&src);
    small_describe(&src);
    struct rm_status st = {{0}};

    /* Absent from the file: present = 0, its buffer untouched, the rest loads. */
    size_t len;
    uint8_t *img = save_image(src.t, 3, NULL, &len);
    small_describe(&dst);
    fill_sentinel(dst.t, 4);
    if (ckpt_parse(img, len, "f", dst.t, 4, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(dst.t[3].present, 0);
    for (int i = 0; i < NF; i++)
        assert_true(dst.extra[i] == SENTINEL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(dst.t[i].present, 1);
    assert_memory_equal(dst.f, src.f, sizeof src.f);
    free(img);

    /* Present in the file: loaded. */
    img = save_image(src.t, 4, NULL, &len);
    fill_sentinel(dst.t, 4);
    assert_int_equal(ckpt_parse(img, len, "f", dst.t, 4, NULL, &st), 0);
    assert_int_equal(dst.t[3].present, 1);
    assert_memory_equal(dst.extra, src.extra, sizeof src.extra);
    free(img);
}

/* ---- refusals: the file's framing ------------------------------------------------------------ */

static void test_ckpt_refuses_truncation(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = standard_image(&len);
    size_t n = header_len(img);
    /* Too short for the length field; inside the header; right after it; inside the data. */
    const size_t cuts[] = {0, 1, 7, 8, 20, 8 + n - 1, 8 + n, 8 + n + 4, len - 4, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        expect_refusal(img, cuts[i], "truncated");
    /* And every other length: refused, nothing touched, no over-read. */
    for (size_t cut = 0; cut < len; cut++) {
        struct small m;
        small_describe(&m);
        expect_refusal_list(img, cut, m.t, 3, BAD_NAME);
    }
    free(img);
}

static void test_ckpt_refuses_bad_header_length(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = standard_image(&len);
    size_t n = header_len(img);
    bytes_store_le64(img, (uint64_t)(len - 8 + 1)); /* one byte more than the file holds */
    expect_refusal(img, len, "truncated");
    bytes_store_le64(img, UINT64_C(1) << 40);
    expect_refusal(img, len, "absurd");
    bytes_store_le64(img, UINT64_MAX);
    expect_refusal(img, len, "absurd");
    bytes_store_le64(img, UINT64_C(100000001));
    expect_refusal(img, len, "absurd");
    bytes_store_le64(img, 0); /* an empty header */
    expect_refusal(img, len, "JSON");
    bytes_store_le64(img, n - 8); /* cuts the JSON short */
    expect_refusal(img, len, "JSON");
    free(img);
}

static void test_ckpt_refuses_invalid_json(void **state)
{
    (void)state;
    refuse_edit("\"dtype\":\"F32\"", "\"dtype\":F32\"", 0, "not valid JSON");
    refuse_edit("{", "{{", 0, "not valid JSON");
    refuse_edit("}}", "}},", 0, "not valid JSON");
    refuse_edit("conv.bias",
                "conv.b\xff"
                "as",
                0, "UTF-8");
    refuse_edit("conv.bias",
                "conv.b\xc0\xaf"
                "as",
                0, "UTF-8"); /* overlong '/' */
    refuse_edit("conv.bias",
                "conv.b\x01"
                "as",
                0, "control byte");
    refuse_edit("\"conv.bias\"", "\"conv.bias\\u0000x\"", 0, "\\u0000");

    /* Valid JSON that is not an object. */
    size_t len, blen;
    uint8_t *img = standard_image(&len);
    size_t n = header_len(img);
    uint8_t *bad = build_image("[1,2,3]", img + 8 + n, len - 8 - n, &blen);
    expect_refusal(bad, blen, "not a JSON object");
    free(bad);
    bad = build_image("\"conv.weight\"", img + 8 + n, len - 8 - n, &blen);
    expect_refusal(bad, blen, "not a JSON object");
    free(bad);
    free(img);
}

/* ---- refusals: tensor entries --------------------------------------------------------------- */

static void test_ckpt_refuses_bad_entry(void **state)
{
    (void)state;
    refuse_edit("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[72,80]}", "\"F32\"", 0,
                "tensor 'conv.bias': entry is not an object");
    refuse_edit("\"dtype\":\"F32\",\"shape\":[2]", "\"shape\":[2]", 0, "missing dtype");
    refuse_edit("\"dtype\":\"F32\",\"shape\":[2]", "\"dtype\":32,\"shape\":[2]", 0,
                "dtype is not a string");
    refuse_edit("\"shape\":[2],", "", 0, "missing shape");
    refuse_edit("\"shape\":[2]", "\"shape\":2", 0, "shape is not an array");
    refuse_edit("\"shape\":[2]", "\"shape\":[-2]", 0, "non-negative integers");
    refuse_edit("\"shape\":[2]", "\"shape\":[2.5]", 0, "non-negative integers");
    refuse_edit("\"shape\":[2]", "\"shape\":[\"2\"]", 0, "non-negative integers");
    refuse_edit(",\"data_offsets\":[72,80]", "", 0, "missing data_offsets");
    refuse_edit("[72,80]", "[72]", 0, "not a pair");
    refuse_edit("[72,80]", "[72,80,88]", 0, "not a pair");
    refuse_edit("[72,80]", "[72,\"80\"]", 0, "non-negative integers");
    refuse_edit("[72,80]", "[-8,80]", 0, "non-negative integers");
    refuse_edit("\"dtype\":\"F32\",\"shape\":[2]",
                "\"dtype\":\"F32\",\"dtipe\":\"F32\",\"shape\":[2]", 0, "unexpected field 'dtipe'");
    refuse_edit("\"dtype\":\"F32\",\"shape\":[2]",
                "\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2]", 0, "duplicated key 'dtype'");
}

static void test_ckpt_refuses_wrong_dtype(void **state)
{
    (void)state;
    refuse_edit("\"dtype\":\"F32\"", "\"dtype\":\"F16\"", 0, "tensor 'conv.weight': dtype F16");
    refuse_edit("\"dtype\":\"F32\"", "\"dtype\":\"F64\"", 0, "dtype F64, expected F32");
    refuse_edit("\"dtype\":\"F32\"", "\"dtype\":\"f32\"", 0, "dtype f32");
}

static void test_ckpt_refuses_wrong_shape(void **state)
{
    (void)state;
    /* Same element count, so only the shape check can catch it. */
    refuse_edit("[2,1,3,3]", "[2,1,9,1]", 0,
                "shape mismatch for tensor 'conv.weight': expected [2,1,3,3], found [2,1,9,1]");
    refuse_edit("[3,4]", "[12]", 0, "tensor 'fc.weight': expected [3,4], found [12]");
    refuse_edit("[3,4]", "[3,4,1]", 0, "expected [3,4], found [3,4,1]");
    refuse_edit("[2]", "[]", 0, "expected [2], found []");
    refuse_edit("[2]", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,2]", 0, ",...]");
    refuse_edit("[2]", "[123456789012345678901234567890]", 0, "non-negative integers");
}

static void test_ckpt_refuses_extra_tensor(void **state)
{
    (void)state;
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    m.t[3].name = "foo";
    size_t len;
    uint8_t *img = save_image(m.t, 4, NULL, &len);
    expect_refusal(img, len, "unexpected tensor 'foo'");
    free(img);
}

static void test_ckpt_refuses_missing_tensor(void **state)
{
    (void)state;
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    size_t len;
    uint8_t *img = save_image(m.t, 2, NULL, &len); /* without fc.weight */
    expect_refusal(img, len, "missing tensor 'fc.weight'");
    free(img);
    /* The optional fourth is not enough to make it acceptable. */
    small_describe(&m);
    img = save_image(m.t, 2, NULL, &len);
    expect_refusal_list(img, len, m.t, 4, "missing tensor 'fc.weight'");
    free(img);
}

static void test_ckpt_refuses_duplicate_key(void **state)
{
    (void)state;
    refuse_edit("\"fc.weight\":", "\"conv.bias\":", 0, "duplicated key 'conv.bias'");
    refuse_edit("{\"format\":\"pt\",", "{\"format\":\"pt\",\"format\":\"pt\",", 0,
                "duplicated key 'format' in __metadata__");
    refuse_edit("\"conv.weight\":", "\"__metadata__\":{},\"conv.weight\":", 0,
                "duplicated key '__metadata__'");
}

/* ---- refusals: offsets -------------------------------------------------------------------- */

static void test_ckpt_refuses_bad_offsets(void **state)
{
    (void)state;
    /* Out of range: one float past the end, hostile huge values, floats. */
    refuse_edit(
        "[80,128]", "[80,132]", 0,
        "tensor 'fc.weight': data_offsets [80,132] out of range: the data section holds 128");
    refuse_edit("[80,128]", "[18446744073709551612,18446744073709551615]", 0, "out of range");
    refuse_edit("[80,128]", "[80,18446744073709551664]", 0, "out of range");
    refuse_edit("[80,128]", "[80,1e300]", 0, "out of range");
    refuse_edit("[80,128]", "[80.5,128]", 0, "non-negative integers");
    refuse_edit("[80,128]", "[128,80]", 0, "end before begin");
    /* Size not 4 x prod(shape). */
    refuse_edit("[72,80]", "[72,76]", 0, "size mismatch");
    refuse_edit("[80,128]", "[80,124]", 4, "size mismatch");
    /* Overlap: conv.bias moved back over conv.weight's last float. */
    refuse_edit("[72,80]", "[68,76]", 0, "overlap");
}

static void test_ckpt_refuses_hole_and_leftover(void **state)
{
    (void)state;
    refuse_edit("[80,128]", "[84,132]", 4, "hole in the data section: bytes [80,84)");
    /* The first tensor not at 0. */
    size_t len, e1, e2;
    uint8_t *img = standard_image(&len);
    uint8_t *a = edit_image(img, len, "[0,72]", "[4,76]", 0, &e1);
    uint8_t *b = edit_image(a, e1, "[72,80]", "[76,84]", 0, &e2);
    free(a);
    a = edit_image(b, e2, "[80,128]", "[84,132]", 4, &e1);
    expect_refusal(a, e1, "bytes [0,4) belong to no tensor");
    free(a);
    free(b);
    free(img);
    /* Bytes after the last tensor. */
    refuse_edit("\"F32\"", "\"F32\"", 4,
                "holds 132 bytes but the tensors cover only 128 (bytes left over");
    refuse_edit("\"F32\"", "\"F32\"", 1, "left over");
}

/* ---- refusals: metadata, checksum, values -----------------------------------------------------
 */

static void test_ckpt_refuses_bad_metadata(void **state)
{
    (void)state;
    refuse_edit("\"__metadata__\":{", "\"__metadata__\":\"x\",\"m\":{", 0,
                "__metadata__ is not an object of strings");
    refuse_edit("\"__metadata__\":{", "\"__metadata__\":[],\"m\":{", 0,
                "__metadata__ is not an object");
    refuse_edit("\"format\":\"pt\"", "\"format\":1", 0, "value of 'format' is not a string");
    refuse_edit("\"format\":\"pt\"", "\"format\":{\"a\":\"b\"}", 0, "not a string");
    refuse_edit("\"crc32\":\"", "\"crc32\":\"zz", 0, "crc32 metadata 'zz");
    refuse_edit("\"crc32\":\"", "\"crc32\":\"0", 0, "not 8 hex digits");
}

static void test_ckpt_refuses_bad_checksum(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = standard_image(&len);
    size_t d = 8 + header_len(img);
    img[d + 3] ^= 0x01; /* one bit of conv.weight[0] */
    expect_refusal(img, len, "checksum mismatch: file says ");
    expect_refusal(img, len, "the file is corrupt");
    img[d + 3] ^= 0x01;
    img[len - 1] ^= 0x80; /* the sign of the last float */
    expect_refusal(img, len, "checksum mismatch");
    /* With the CRC made to match, the same file loads (the flip is a valid float). */
    fix_crc(img, len);
    struct small m;
    small_describe(&m);
    struct rm_status st = {{0}};
    assert_int_equal(ckpt_parse(img, len, "f", m.t, 3, NULL, &st), 0);
    free(img);

    /* Without checksums (as PyTorch writes files), a flip cannot be detected: accepted. */
    size_t elen, plen;
    img = standard_image(&len);
    uint8_t *half = edit_image(img, len, ",\"crc32\":\"", ",\"crc\":\"", 0, &elen);
    uint8_t *nocrc = edit_image(half, elen, "\"metadata_crc32\":", "\"metadata_crc\":", 0, &plen);
    nocrc[plen - 1] ^= 0x80;
    if (ckpt_parse(nocrc, plen, "f", m.t, 3, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    free(nocrc);
    free(half);
    free(img);
}

static void test_ckpt_refuses_non_finite(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = standard_image(&len);
    size_t d = 8 + header_len(img);
    uint8_t keep[4];
    memcpy(keep, img + d + 80 + 20, 4);
    /* fc.weight[5] := quiet NaN (0x7fc00000, little-endian), checksum recomputed. */
    memcpy(img + d + 80 + 20, "\x00\x00\xc0\x7f", 4);
    fix_crc(img, len);
    expect_refusal(img, len, "tensor 'fc.weight' holds a NaN at index 5");
    /* A NaN with a payload and the sign bit set. */
    memcpy(img + d + 80 + 20, "\x01\x00\x80\xff", 4);
    fix_crc(img, len);
    expect_refusal(img, len, "holds a NaN at index 5");
    memcpy(img + d + 80 + 20, keep, 4);
    /* conv.bias[1] := -infinity. */
    memcpy(img + d + 72 + 4, "\x00\x00\x80\xff", 4);
    fix_crc(img, len);
    expect_refusal(img, len, "tensor 'conv.bias' holds an infinite value at index 1");
    free(img);
}

/* ---- the metadata checksum ------------------------------------------------------------------ */

static int cmp_pair(const void *a, const void *b)
{
    return strcmp(((const char *const *)a)[0], ((const char *const *)b)[0]);
}

/* The metadata checksum as ckpt.h defines it, computed here on its own: CRC-32 over the entries
 * of md other than "crc32" and "metadata_crc32", sorted by key, each written as key, NUL,
 * value, NUL. */
static uint32_t expected_meta_crc(const cJSON *md)
{
    const char *pairs[64][2];
    int n = 0;
    for (const cJSON *c = md->child; c; c = c->next) {
        if (strcmp(c->string, "crc32") == 0 || strcmp(c->string, "metadata_crc32") == 0)
            continue;
        assert_true(n < 64);
        pairs[n][0] = c->string;
        pairs[n][1] = c->valuestring;
        n++;
    }
    qsort(pairs, (size_t)n, sizeof pairs[0], cmp_pair);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 2; j++)
            crc = crc32_z(crc, (const Bytef *)pairs[i][j], strlen(pairs[i][j]) + 1);
    return (uint32_t)crc;
}

/* The header of a saved image as JSON (caller deletes). */
static cJSON *image_header(const uint8_t *img)
{
    size_t n = header_len(img);
    char *hdr = malloc(n + 1);
    assert_non_null(hdr);
    memcpy(hdr, img + 8, n);
    hdr[n] = 0;
    cJSON *root = cJSON_Parse(hdr);
    free(hdr);
    assert_non_null(root);
    return root;
}

/* The metadata's checksum covers every entry but the two checksums, in any order: a file whose
 * metadata was edited is refused, naming the problem, and so is one that carries one checksum
 * without the other. */
static void test_ckpt_metadata_checksum(void **state)
{
    (void)state;
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    struct ckpt_meta meta = {0};
    struct rm_status st = {{0}};
    assert_int_equal(ckpt_meta_set(&meta, "epoch", "12", &st), 0);
    assert_int_equal(ckpt_meta_set(&meta, "lr", "0.005", &st), 0);
    assert_int_equal(ckpt_meta_set(&meta, "metadata_crc32", "bogus", &st), 0); /* ckpt_save's */
    size_t len, elen;
    uint8_t *img = save_image(m.t, 3, &meta, &len);
    ckpt_meta_free(&meta);

    cJSON *root = image_header(img);
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const cJSON *said = cJSON_GetObjectItemCaseSensitive(md, "metadata_crc32");
    if (!cJSON_IsString(said))
        fail_msg("no metadata_crc32 in the saved metadata");
    char want[9];
    snprintf(want, sizeof want, "%08" PRIx32, expected_meta_crc(md));
    assert_string_equal(said->valuestring, want);
    assert_int_equal(cJSON_GetArraySize(md), 5); /* epoch, lr, format, crc32, metadata_crc32 */
    struct ckpt_meta back = {0};
    struct small m2;
    small_describe(&m2);
    if (ckpt_parse(img, len, BAD_NAME, m2.t, 3, &back, &st) != 0)
        fail_msg("refused its own file: %s", st.msg);
    assert_int_equal(ckpt_meta_trusted(&back), 1);
    ckpt_meta_free(&back);

    /* The same entries in another order, checksums kept: accepted. */
    const cJSON *crc = cJSON_GetObjectItemCaseSensitive(md, "crc32");
    size_t n = header_len(img);
    char hdr[1024];
    assert_true(n < sizeof hdr);
    memcpy(hdr, img + 8, n);
    hdr[n] = 0;
    const char *body = strstr(hdr, "},\"conv.weight\"");
    assert_non_null(body);
    char reordered[2048];
    snprintf(reordered, sizeof reordered,
             "{\"__metadata__\":{\"metadata_crc32\":\"%s\",\"lr\":\"0.005\",\"crc32\":\"%s\","
             "\"format\":\"pt\",\"epoch\":\"12\"%s",
             said->valuestring, crc->valuestring, body);
    uint8_t *re = build_image(reordered, img + 8 + n, len - 8 - n, &elen);
    struct small d;
    small_describe(&d);
    if (ckpt_parse(re, elen, "f", d.t, 3, NULL, &st) != 0)
        fail_msg("reordered metadata: %s", st.msg);
    free(re);
    cJSON_Delete(root);

    /* Edited: a value, a key added, a key removed. */
    const char *edits[][2] = {
        {"\"epoch\":\"12\"", "\"epoch\":\"13\""},
        {"\"lr\":\"0.005\"", "\"lr\":\"nan\""},
        {"\"epoch\":\"12\",", "\"epoch\":\"12\",\"batch_size\":\"1048576\","},
        {"\"epoch\":\"12\",", ""},
        {"\"format\":\"pt\"", "\"format\":\"np\""},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        uint8_t *bad = edit_image(img, len, edits[i][0], edits[i][1], 0, &elen);
        expect_refusal(bad, elen, "metadata checksum mismatch: file says ");
        expect_refusal(bad, elen, "the metadata was edited or is corrupt");
        free(bad);
    }

    /* crc32 alone (as files written before the metadata had a checksum): the data is checked
     * and the weights load, but nothing vouches for the metadata. */
    uint8_t *bad = edit_image(img, len, "\"metadata_crc32\":", "\"metadata_crc\":", 0, &elen);
    expect_untrusted(bad, elen);
    free(bad);
    /* ... and the data is still checked then (the low byte of the last float flipped). */
    bad = edit_image(img, len, "\"metadata_crc32\":", "\"metadata_crc\":", 0, &elen);
    bad[elen - 4] ^= 1;
    expect_refusal(bad, elen, "checksum mismatch");
    free(bad);
    bad = edit_image(img, len, ",\"crc32\":", ",\"crc\":", 0, &elen);
    expect_refusal(bad, elen, "no crc32 beside metadata_crc32");
    free(bad);
    /* Not a checksum. */
    bad = edit_image(img, len, "\"metadata_crc32\":\"", "\"metadata_crc32\":\"x", 0, &elen);
    expect_refusal(bad, elen, "metadata_crc32 metadata 'x");
    expect_refusal(bad, elen, "is not 8 hex digits");
    free(bad);

    /* Neither checksum, as PyTorch writes files (with or without metadata): accepted. */
    uint8_t *plain = edit_image(img, len, ",\"crc32\":", ",\"crc\":", 0, &elen);
    size_t plen;
    uint8_t *plain2 = edit_image(plain, elen, "\"metadata_crc32\":", "\"metadata_crc\":", 0, &plen);
    struct ckpt_meta got = {0};
    if (ckpt_parse(plain2, plen, "f", d.t, 3, &got, &st) != 0)
        fail_msg("no checksums: %s", st.msg);
    assert_string_equal(ckpt_meta_get(&got, "epoch"), "12");
    ckpt_meta_free(&got);
    free(plain2);
    free(plain);
    free(img);
}

/* ---- tensors beyond the list: ckpt_parse_some ------------------------------------------------ */

/* A file of the three tensors and "momentum.fc.weight" (the optional slot's data under another
 * name), so that a list of three knows nothing of the fourth. */
static uint8_t *image_with_extra(size_t *len)
{
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    m.t[3].name = "momentum.fc.weight";
    return save_image(m.t, 4, NULL, len);
}

static void test_ckpt_parse_some_skips_extra_tensors(void **state)
{
    (void)state;
    struct small src, d;
    small_fill_values(&src);
    size_t len, elen;
    uint8_t *img = image_with_extra(&len);

    /* ckpt_parse refuses the stranger; ckpt_parse_some reads the three and counts it. */
    expect_refusal(img, len, "unexpected tensor 'momentum.fc.weight' (not part of this model)");
    small_describe(&d);
    fill_sentinel(d.t, 3);
    struct ckpt_skipped sk = {.n = -1};
    struct rm_status st = {{0}};
    if (ckpt_parse_some(img, len, "f", d.t, 3, NULL, &sk, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(sk.n, 1);
    assert_string_equal(sk.first, "momentum.fc.weight");
    assert_memory_equal(d.w, src.w, sizeof src.w);
    assert_memory_equal(d.b, src.b, sizeof src.b);
    assert_memory_equal(d.f, src.f, sizeof src.f);
    for (int i = 0; i < 3; i++)
        assert_int_equal(d.t[i].present, 1);
    /* A file without strangers: none counted. */
    uint8_t *std = standard_image(&elen);
    assert_int_equal(ckpt_parse_some(std, elen, "f", d.t, 3, NULL, &sk, &st), 0);
    assert_int_equal(sk.n, 0);
    assert_string_equal(sk.first, "");
    free(std);

    /* A skipped tensor is checked as strictly as a listed one: its entry, its place in the data
     * section, its values; a refusal touches nothing (sk neither). */
    const char *edits[][2] = {
        {"\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[128,176]",
         "\"dtype\":\"F16\",\"shape\":[3,4],\"data_offsets\":[128,176]"},
        {"[3,4],\"data_offsets\":[128,176]", "[3,5],\"data_offsets\":[128,176]"},
        {"[3,4],\"data_offsets\":[128,176]", "[-3,4],\"data_offsets\":[128,176]"},
        {"[3,4],\"data_offsets\":[128,176]",
         "[4294967296,4294967296,4294967296],\"data_offsets\":[128,176]"},
        {"[128,176]", "[120,168]"},
        {"[128,176]", "[132,180]"},
        {"\"data_offsets\":[128,176]", "\"data_offsets\":[128,176],\"x\":1"},
    };
    const char *words[] = {"tensor 'momentum.fc.weight': dtype F16",
                           "'momentum.fc.weight': data_offsets [128,176] hold 48 bytes, but its "
                           "shape needs 60",
                           "tensor 'momentum.fc.weight': shape is not a list",
                           "tensor 'momentum.fc.weight': shape too large",
                           "overlap",
                           "hole in the data section",
                           "unexpected field 'x'"};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        uint8_t *bad = edit_image(img, len, edits[i][0], edits[i][1], i == 5 ? 4 : 0, &elen);
        if (i == 5)
            fix_crc(bad, elen);
        small_describe(&d);
        fill_sentinel(d.t, 3);
        sk.n = 7;
        if (ckpt_parse_some(bad, elen, BAD_NAME, d.t, 3, NULL, &sk, &st) != -1)
            fail_msg("edit %zu accepted (expected '%s')", i, words[i]);
        if (!strstr(st.msg, words[i]) || strncmp(st.msg, BAD_NAME ": ", 17) != 0)
            fail_msg("edit %zu: '%s' lacks '%s'", i, st.msg, words[i]);
        assert_sentinel(d.t, 3);
        assert_int_equal(sk.n, 7);
        free(bad);
    }
    /* A NaN in the skipped tensor (checksum made to match) is refused, naming it. */
    size_t n = header_len(img);
    memcpy(img + 8 + n + 128 + 8, "\x00\x00\xc0\x7f", 4);
    fix_crc(img, len);
    small_describe(&d);
    fill_sentinel(d.t, 3);
    assert_int_equal(ckpt_parse_some(img, len, BAD_NAME, d.t, 3, NULL, &sk, &st), -1);
    assert_non_null(strstr(st.msg, "tensor 'momentum.fc.weight' holds a NaN at index 2"));
    assert_sentinel(d.t, 3);
    free(img);
}

/* Every single-byte change of a valid file is either refused cleanly (message naming the file,
 * nothing touched) or, where it is harmless, accepted; never a crash or an over-read. */
static void test_ckpt_mutations_never_crash(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = standard_image(&len);
    const uint8_t deltas[] = {0x01, 0x20, 0x80, 0xff};
    struct small m;
    small_describe(&m);
    for (size_t i = 0; i < len; i++) {
        for (size_t j = 0; j < sizeof deltas; j++) {
            uint8_t *copy = malloc(len);
            assert_non_null(copy);
            memcpy(copy, img, len);
            copy[i] ^= deltas[j];
            fill_sentinel(m.t, 3);
            struct rm_status st = {{0}};
            int rc = ckpt_parse(copy, len, BAD_NAME, m.t, 3, NULL, &st);
            free(copy);
            if (rc == 0)
                continue;
            assert_int_equal(rc, -1);
            if (strncmp(st.msg, BAD_NAME ": ", strlen(BAD_NAME) + 2) != 0)
                fail_msg("byte %zu ^ 0x%02x: message '%s'", i, deltas[j], st.msg);
            assert_sentinel(m.t, 3);
        }
    }
    free(img);
}

/* ---- saving and loading files --------------------------------------------------------------- */

static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void test_ckpt_save_missing_folder(void **state)
{
    (void)state;
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "no/such/folder/best.bin");
    struct rm_status st = {{0}};
    assert_int_equal(ckpt_save(path, m.t, 3, NULL, &st), -1);
    assert_non_null(strstr(st.msg, path));
    free(path);
    tu_remove_dir(dir);
}

static void test_ckpt_save_replaces_atomically(void **state)
{
    (void)state;
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "best.bin");
    tu_write_file(path, "old contents", 12);
    struct rm_status st = {{0}};
    assert_int_equal(ckpt_save(path, m.t, 3, NULL, &st), 0);
    assert_int_equal(count_temporaries(dir), 0);
    struct small d;
    small_describe(&d);
    assert_int_equal(ckpt_load(path, d.t, 3, NULL, &st), 0);
    assert_memory_equal(d.f, m.f, sizeof m.f);
    free(path);
    tu_remove_dir(dir);
}

/* A full disk, simulated with a file size limit: the save fails naming the path, the old file
 * is intact and no temporary file is left behind. */
static void test_ckpt_save_write_failure(void **state)
{
    (void)state;
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "best.bin");
    struct rm_status st = {{0}};
    assert_int_equal(ckpt_save(path, m.t, 3, NULL, &st), 0);
    size_t old_len;
    uint8_t *old = tu_read_file(path, &old_len);

    m.w[0] = 42.0f;
    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    struct rlimit lim = saved;
    lim.rlim_cur = 100;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of being killed */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = ckpt_save(path, m.t, 3, NULL, &st);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, prev);

    assert_int_equal(rc, -1);
    assert_non_null(strstr(st.msg, path));
    assert_int_equal(count_temporaries(dir), 0);
    size_t now_len;
    uint8_t *now = tu_read_file(path, &now_len);
    assert_int_equal(now_len, old_len);
    assert_memory_equal(now, old, old_len);
    free(now);
    free(old);
    free(path);
    tu_remove_dir(dir);
}

static void test_ckpt_save_refuses_bad_input(void **state)
{
    (void)state;
    struct small m;
    small_fill_values(&m);
    small_describe(&m);
    char *dir = tu_make_temp_dir();
    char *path = tu_path(dir, "best.bin");
    struct rm_status st = {{0}};

    m.f[3] = NAN;
    assert_int_equal(ckpt_save(path, m.t, 3, NULL, &st), -1);
    assert_non_null(strstr(st.msg, "tensor 'fc.weight' holds a NaN at index 3"));
    m.f[3] = -INFINITY;
    assert_int_equal(ckpt_save(path, m.t, 3, NULL, &st), -1);
    assert_non_null(strstr(st.msg, "infinite"));
    m.f[3] = 1.0f;

    m.t[2].name = "conv.bias";
    assert_int_equal(ckpt_save(path, m.t, 3, NULL, &st), -1);
    assert_non_null(strstr(st.msg, "listed twice"));
    m.t[2].name = "__metadata__";
    assert_int_equal(ckpt_save(path, m.t, 3, NULL, &st), -1);
    assert_non_null(strstr(st.msg, "invalid tensor name"));
    m.t[2].name = "fc.weight";
    m.t[2].shape[0] = -3;
    assert_int_equal(ckpt_save(path, m.t, 3, NULL, &st), -1);
    assert_non_null(strstr(st.msg, "invalid shape"));
    m.t[2].shape[0] = 3;

    struct ckpt_meta meta = {0};
    assert_int_equal(ckpt_meta_set(&meta, "bad", "\xff", &st), 0);
    assert_int_equal(ckpt_save(path, m.t, 3, &meta, &st), -1);
    assert_non_null(strstr(st.msg, "UTF-8"));
    ckpt_meta_free(&meta);

    assert_non_null(strstr(st.msg, path));
    assert_int_equal(count_temporaries(dir), 0);
    FILE *fp = fopen(path, "rb"); /* nothing was written */
    assert_null(fp);
    free(path);
    tu_remove_dir(dir);
}

static void test_ckpt_load_missing_file(void **state)
{
    (void)state;
    struct small m;
    small_describe(&m);
    fill_sentinel(m.t, 3);
    struct rm_status st = {{0}};
    assert_int_equal(ckpt_load("/nonexistent/best.bin", m.t, 3, NULL, &st), -1);
    assert_non_null(strstr(st.msg, "/nonexistent/best.bin"));
    assert_sentinel(m.t, 3);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ckpt_meta_helpers),
        cmocka_unit_test(test_ckpt_round_trip),
        cmocka_unit_test(test_ckpt_header_layout),
        cmocka_unit_test(test_ckpt_golden_init),
        cmocka_unit_test(test_ckpt_optional_tensors),
        cmocka_unit_test(test_ckpt_refuses_truncation),
        cmocka_unit_test(test_ckpt_refuses_bad_header_length),
        cmocka_unit_test(test_ckpt_refuses_invalid_json),
        cmocka_unit_test(test_ckpt_refuses_bad_entry),
        cmocka_unit_test(test_ckpt_refuses_wrong_dtype),
        cmocka_unit_test(test_ckpt_refuses_wrong_shape),
        cmocka_unit_test(test_ckpt_refuses_extra_tensor),
        cmocka_unit_test(test_ckpt_refuses_missing_tensor),
        cmocka_unit_test(test_ckpt_refuses_duplicate_key),
        cmocka_unit_test(test_ckpt_refuses_bad_offsets),
        cmocka_unit_test(test_ckpt_refuses_hole_and_leftover),
        cmocka_unit_test(test_ckpt_refuses_bad_metadata),
        cmocka_unit_test(test_ckpt_refuses_bad_checksum),
        cmocka_unit_test(test_ckpt_refuses_non_finite),
        cmocka_unit_test(test_ckpt_metadata_checksum),
        cmocka_unit_test(test_ckpt_parse_some_skips_extra_tensors),
        cmocka_unit_test(test_ckpt_mutations_never_crash),
        cmocka_unit_test(test_ckpt_save_missing_folder),
        cmocka_unit_test(test_ckpt_save_replaces_atomically),
        cmocka_unit_test(test_ckpt_save_write_failure),
        cmocka_unit_test(test_ckpt_save_refuses_bad_input),
        cmocka_unit_test(test_ckpt_load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
