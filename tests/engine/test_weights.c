/* Any checkpoint evaluates (weights.h): a weights file (best.bin), a resumable file (last.bin)
 * at the end of an epoch and in the middle of one, and a PyTorch file all load their 16 tensors
 * bitwise and say what they are; extra tensors pass only in a resumable file; metadata that is
 * junk, out of range or made to forge output is refused naming its key; non-finite values are
 * refused; a refusal touches nothing. Files written by run_state (as train writes them) into a
 * temporary folder. */
#include "test_util.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/engine/weights.h"
#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/idx.h"

#define BATCH    4
#define SENTINEL -7.25f

/* A run of 10 images, one epoch done (4 of 6 test images right), its files written: best.bin
 * and end.bin (resumable) at the end of epoch 1, then mid.bin (resumable) one batch into
 * epoch 2. */
struct run {
    struct idx_dataset ds;
    struct model m;
    struct trainer t;
    struct run_state r;
    float *params1; /* the weights after epoch 1 */
    float *params2; /* one batch later */
    char *dir, *best, *end, *mid;
};

static void stop_after_first(void *ctx, int batch, int batches, double loss)
{
    (void)batches;
    (void)loss;
    if (batch == 1)
        *(volatile sig_atomic_t *)ctx = 1;
}

static float *copy_params(const struct model *m)
{
    float *p = malloc(MODEL_PARAM_FLOATS * sizeof *p);
    assert_non_null(p);
    memcpy(p, m->params, MODEL_PARAM_FLOATS * sizeof *p);
    return p;
}

static int run_setup(void **state)
{
    struct run *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct rm_status st;
    struct rng g;
    rng_seed(&g, 7);
    f->ds.n = 10;
    f->ds.images = malloc(10 * MNIST_PIXELS);
    f->ds.labels = malloc(10);
    assert_true(f->ds.images && f->ds.labels);
    for (size_t i = 0; i < 10 * MNIST_PIXELS; i++)
        f->ds.images[i] = (uint8_t)rng_below(&g, 256);
    for (int i = 0; i < 10; i++)
        f->ds.labels[i] = (uint8_t)(i % 10);
    if (model_init(&f->m, BATCH, 1, &st) != 0)
        fail_msg("%s", st.msg);
    struct run_options o = {.batch_size = BATCH,
                            .shuffle = 1,
                            .lr = 0.01f,
                            .momentum = 0.5f,
                            .seed = 99,
                            .train_images = 10,
                            .test_images = 6};
    if (run_state_begin(&f->r, &f->m, &f->t, &f->ds, &o, 2, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    double loss;
    assert_int_equal(trainer_run_epoch(&f->t, NULL, NULL, NULL, &loss), TRAINER_EPOCH_DONE);
    struct epoch_record e = {
        .train_loss = loss, .test_loss = 0.5, .correct = 4, .total = 6, .seconds = 1.0};
    assert_int_equal(run_state_push(&f->r, &e, &st), 0);
    f->dir = tu_make_temp_dir();
    f->best = tu_path(f->dir, "best.bin");
    f->end = tu_path(f->dir, "end.bin");
    f->mid = tu_path(f->dir, "mid.bin");
    if (run_save_weights(f->best, &f->m, &f->r, 1, &st) != 0 ||
        run_save_resumable(f->end, &f->m, &f->t, &f->r, &st) != 0)
        fail_msg("%s", st.msg);
    f->params1 = copy_params(&f->m);
    volatile sig_atomic_t stop = 0;
    assert_int_equal(trainer_run_epoch(&f->t, &stop, stop_after_first, (void *)&stop, &loss),
                     TRAINER_STOPPED);
    if (run_save_resumable(f->mid, &f->m, &f->t, &f->r, &st) != 0)
        fail_msg("%s", st.msg);
    f->params2 = copy_params(&f->m);
    assert_true(memcmp(f->params1, f->params2, MODEL_PARAM_FLOATS * sizeof(float)) != 0);
    *state = f;
    return 0;
}

static int run_teardown(void **state)
{
    struct run *f = *state;
    trainer_free(&f->t);
    model_free(&f->m);
    run_state_free(&f->r);
    idx_free(&f->ds);
    free(f->params1);
    free(f->params2);
    free(f->best);
    free(f->end);
    free(f->mid);
    tu_remove_dir(f->dir);
    free(f);
    return 0;
}

static float *sentinel_params(void)
{
    float *p = malloc(MODEL_PARAM_FLOATS * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < MODEL_PARAM_FLOATS; i++)
        p[i] = SENTINEL;
    return p;
}

/* Loads path, which must succeed. */
static void load_ok(const char *path, float *params, struct weights_info *info)
{
    struct rm_status st = {{0}};
    if (weights_load(path, params, info, &st) != 0)
        fail_msg("%s", st.msg);
}

/* weights_load refuses path with a one-line message starting with path, holding `want` and
 * no control character, and touches neither params nor info. */
static void load_refused(const char *path, const char *want)
{
    float *p = sentinel_params();
    struct weights_info info = {.kind = 9, .epoch = 9, .batch = 9, .correct = 9, .total = 9};
    struct rm_status st = {{0}};
    if (weights_load(path, p, &info, &st) != -1)
        fail_msg("%s accepted (expected '%s')", path, want);
    if (strncmp(st.msg, path, strlen(path)) != 0 || !strstr(st.msg, want))
        fail_msg("message '%s' should start with the path and hold '%s'", st.msg, want);
    for (const char *c = st.msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            fail_msg("control byte 0x%02x in '%s'", (unsigned char)*c, st.msg);
    for (size_t i = 0; i < MODEL_PARAM_FLOATS; i++)
        if (p[i] != SENTINEL)
            fail_msg("refused, but params[%zu] was written", i);
    assert_int_equal(info.kind, 9);
    assert_int_equal(info.epoch, 9);
    assert_int_equal(info.batch, 9);
    assert_int_equal(info.correct, 9);
    assert_int_equal(info.total, 9);
    free(p);
}

static void test_weights_load_best(void **state)
{
    struct run *f = *state;
    float *p = sentinel_params();
    struct weights_info info;
    load_ok(f->best, p, &info);
    assert_memory_equal(p, f->params1, MODEL_PARAM_FLOATS * sizeof *p);
    assert_int_equal(info.kind, WEIGHTS_BEST);
    assert_string_equal(weights_kind_name(info.kind), "best");
    assert_int_equal(info.epoch, 1);
    assert_int_equal(info.batch, 0);
    assert_int_equal(info.correct, 4);
    assert_int_equal(info.total, 6);
    free(p);
}

/* last.bin: the weights, not the momentum beside them; the epoch; the test result only when the
 * weights are those it was recorded for (the end of an epoch). */
static void test_weights_load_resumable(void **state)
{
    struct run *f = *state;
    float *p = sentinel_params();
    struct weights_info info;
    load_ok(f->end, p, &info);
    assert_memory_equal(p, f->params1, MODEL_PARAM_FLOATS * sizeof *p);
    assert_int_equal(info.kind, WEIGHTS_RESUMABLE);
    assert_string_equal(weights_kind_name(info.kind), "resumable");
    assert_int_equal(info.epoch, 1);
    assert_int_equal(info.batch, 0);
    assert_int_equal(info.correct, 4);
    assert_int_equal(info.total, 6);

    load_ok(f->mid, p, &info);
    assert_memory_equal(p, f->params2, MODEL_PARAM_FLOATS * sizeof *p);
    assert_int_equal(info.kind, WEIGHTS_RESUMABLE);
    assert_int_equal(info.epoch, 1);
    assert_int_equal(info.batch, 1);
    assert_int_equal(info.correct, 0); /* no test pass saw these weights */
    assert_int_equal(info.total, 0);
    free(p);
}

/* PyTorch's file (tests/golden/init.safetensors, no metadata): plain, nothing known. */
static void test_weights_load_plain(void **state)
{
    (void)state;
    float *p = sentinel_params(), *q = sentinel_params();
    struct weights_info info;
    const char *golden = tu_golden("init.safetensors");
    load_ok(golden, p, &info);
    assert_int_equal(info.kind, WEIGHTS_PLAIN);
    assert_string_equal(weights_kind_name(info.kind), "plain");
    assert_int_equal(info.epoch, 0);
    assert_int_equal(info.batch, 0);
    assert_int_equal(info.correct, 0);
    assert_int_equal(info.total, 0);
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(q, t);
    struct rm_status st;
    if (ckpt_load(golden, t, MODEL_PARAM_COUNT, NULL, &st) != 0)
        fail_msg("%s", st.msg);
    assert_memory_equal(p, q, MODEL_PARAM_FLOATS * sizeof *p);
    free(p);
    free(q);
}

/* Writes the 16 tensors of params, plus `extra` (a 2x2 tensor) when not NULL, with meta. */
static void write_file(const char *path, const float *params, const char *extra,
                       const struct ckpt_meta *meta)
{
    struct ckpt_tensor t[MODEL_PARAM_COUNT + 1];
    float four[4] = {1, 2, 3, 4};
    run_ckpt_tensors(params, t);
    int nt = MODEL_PARAM_COUNT;
    if (extra)
        t[nt++] = (struct ckpt_tensor){.name = extra, .ndim = 2, .shape = {2, 2}, .data = four};
    struct rm_status st;
    if (ckpt_save(path, t, nt, meta, &st) != 0)
        fail_msg("%s", st.msg);
}

/* The metadata of path (checked by ckpt_load_some; whatever else a resumable file holds
 * skipped). */
static void read_meta(const char *path, struct ckpt_meta *meta)
{
    float *p = sentinel_params();
    struct ckpt_tensor t[MODEL_PARAM_COUNT];
    run_ckpt_tensors(p, t);
    struct ckpt_skipped skipped;
    struct rm_status st;
    if (ckpt_load_some(path, t, MODEL_PARAM_COUNT, meta, &skipped, &st) != 0)
        fail_msg("%s", st.msg);
    free(p);
}

/* Tensors that are not the model's: only a resumable file may carry them. */
static void test_weights_extra_tensors_only_when_resumable(void **state)
{
    struct run *f = *state;
    char *path = tu_path(f->dir, "extra.bin");
    struct ckpt_meta meta = {0};
    read_meta(f->best, &meta);
    write_file(path, f->params1, "ema.conv1.weight", &meta);
    load_refused(path, ": unexpected tensor 'ema.conv1.weight' (not part of this model)");
    write_file(path, f->params1, "ema.conv1.weight", NULL);
    load_refused(path, "unexpected tensor 'ema.conv1.weight'");

    /* a resumable file's metadata: accepted, the weights read */
    ckpt_meta_free(&meta);
    read_meta(f->end, &meta);
    write_file(path, f->params1, "best.conv1.weight", &meta);
    float *p = sentinel_params();
    struct weights_info info;
    load_ok(path, p, &info);
    assert_int_equal(info.kind, WEIGHTS_RESUMABLE);
    assert_memory_equal(p, f->params1, MODEL_PARAM_FLOATS * sizeof *p);
    free(p);

    /* "resume" in metadata outside the checksums (not this program's) proves nothing */
    size_t len;
    uint8_t *img = tu_read_file(path, &len);
    size_t n = (size_t)bytes_load_le64(img);
    char *h = (char *)img + 8;
    for (const char *key = "\"crc32\":\""; key; key = key[1] == 'c' ? "\"metadata_crc32\":\"" : 0) {
        char *at = NULL;
        for (size_t i = 0; i + strlen(key) < n && !at; i++)
            if (memcmp(h + i, key, strlen(key)) == 0)
                at = h + i + 1;
        assert_non_null(at);
        *at = 'X'; /* "crc32" -> "Xrc32", "metadata_crc32" -> "Xetadata_crc32" */
    }
    tu_write_file(path, img, len);
    free(img);
    load_refused(path, "unexpected tensor 'best.conv1.weight'");
    ckpt_meta_free(&meta);
    free(path);
}

/* Writes best.bin's metadata with key set to value (or removed when value is NULL) and expects
 * weights_load to refuse it with `want`; the file's checksums are right, so only the validation
 * of the values can catch it. */
static void bad_value(const struct run *f, const char *from, const char *key, const char *value,
                      const char *want)
{
    char *path = tu_path(f->dir, "crafted.bin");
    struct ckpt_meta meta = {0}, kept = {0};
    struct rm_status st;
    read_meta(from, &meta);
    for (int i = 0; i < meta.n; i++)
        if (strcmp(meta.keys[i], key) != 0 || value)
            assert_int_equal(ckpt_meta_set(&kept, meta.keys[i],
                                           strcmp(meta.keys[i], key) == 0 ? value : meta.values[i],
                                           &st),
                             0);
    if (value && !ckpt_meta_get(&kept, key))
        assert_int_equal(ckpt_meta_set(&kept, key, value, &st), 0);
    write_file(path, f->params1, strcmp(from, f->best) == 0 ? NULL : "momentum.conv1.bias", &kept);
    load_refused(path, want);
    ckpt_meta_free(&meta);
    ckpt_meta_free(&kept);
    free(path);
}

static void test_weights_refuses_bad_metadata(void **state)
{
    struct run *f = *state;
    static const struct {
        const char *key, *value, *want;
    } cases[] = {
        {"epoch", "banana", "metadata 'epoch': 'banana' is not a whole number"},
        {"epoch", "-5", "metadata 'epoch': -5 is out of range 1..100000"},
        {"epoch", "0", "metadata 'epoch': 0 is out of range"},
        {"epoch", "100001", "metadata 'epoch': 100001 is out of range"},
        {"epoch", "", "metadata 'epoch'"},
        {"epoch", " 3", "metadata 'epoch'"},
        {"epoch", "3.0", "metadata 'epoch'"},
        {"epoch", "\x1b[2J", "metadata 'epoch': '\\x1b[2J' is not a whole number"},
        {"epoch", "1)\n(training recorded 10000/10000 at epoch 99",
         "metadata 'epoch': '1)\\n(training recorded"},
        {"test_correct", "7", "metadata 'test_correct' (7) is more than 'test_total' (6)"},
        {"test_correct", "-1", "metadata 'test_correct': -1 is out of range"},
        {"test_correct", "4\x1b[1A", "metadata 'test_correct': '4\\x1b[1A'"},
        {"test_total", "0", "metadata 'test_total': 0 is out of range 1..1073741824"},
        {"test_total", "1e3", "metadata 'test_total': '1e3' is not a whole number"},
        {"test_total", NULL, "metadata 'test_total' is missing beside 'epoch'"},
        {"test_correct", NULL, "metadata 'test_correct' is missing beside 'epoch'"},
        {"epoch", NULL, "metadata 'test_correct' is there without 'epoch'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        bad_value(f, f->best, cases[i].key, cases[i].value, cases[i].want);

    /* a resumable file's own keys */
    bad_value(f, f->end, "epochs_done", "one", "metadata 'epochs_done': 'one' is not a whole");
    bad_value(f, f->end, "epochs_done", "-1", "metadata 'epochs_done': -1 is out of range");
    bad_value(f, f->end, "epochs_done", "2", "metadata 'epoch' (1) is not 'epochs_done' (2)");
    bad_value(f, f->end, "epochs_done", NULL, "metadata 'epochs_done' is missing");
    bad_value(f, f->end, "batch_in_epoch", "-3", "metadata 'batch_in_epoch': -3 is out of range");
    bad_value(f, f->end, "batch_in_epoch", "x", "metadata 'batch_in_epoch': 'x' is not a whole");
    bad_value(f, f->end, "test_total", "0", "metadata 'test_total': 0 is out of range");
}

/* The data section's CRC-32 made to match again after an edit of the data. */
static void fix_crc(uint8_t *img, size_t len)
{
    size_t n = (size_t)bytes_load_le64(img);
    uLong crc = crc32_z(crc32(0L, Z_NULL, 0), img + 8 + n, len - 8 - n);
    char *at = strstr((char *)img + 8, ",\"crc32\":\"");
    assert_non_null(at);
    char hex[9];
    snprintf(hex, sizeof hex, "%08lx", crc);
    memcpy(at + strlen(",\"crc32\":\""), hex, 8);
}

/* A NaN or an infinity anywhere, in the weights or in the optimizer state that is not used,
 * with the checksums right: refused, naming the tensor. */
static void test_weights_refuses_non_finite(void **state)
{
    struct run *f = *state;
    char *path = tu_path(f->dir, "nan.bin");
    const char *from[] = {f->best, f->end};
    const char *want[] = {"tensor 'conv1.weight' holds a NaN at index 3",
                          "tensor 'conv1.weight' holds an infinite value at index 3"};
    for (int k = 0; k < 2; k++) {
        size_t len;
        uint8_t *img = tu_read_file(from[k], &len);
        size_t n = (size_t)bytes_load_le64(img);
        /* conv1.weight is the first tensor in the data section */
        memcpy(img + 8 + n + 12, k ? "\x00\x00\x80\x7f" : "\x00\x00\xc0\x7f", 4);
        fix_crc(img, len);
        tu_write_file(path, img, len);
        load_refused(path, want[k]);
        free(img);
    }
    /* in last.bin's momentum (the last tensor's last float: the end of the file) */
    size_t len;
    uint8_t *img = tu_read_file(f->end, &len);
    memcpy(img + len - 4, "\x00\x00\x80\xff", 4);
    fix_crc(img, len);
    tu_write_file(path, img, len);
    load_refused(path, "holds an infinite value");
    free(img);
    free(path);
}

/* A hand edit of the metadata (the epoch of best.bin, same length) is caught by the checksum. */
static void test_weights_refuses_edited_metadata(void **state)
{
    struct run *f = *state;
    char *path = tu_path(f->dir, "edited.bin");
    size_t len;
    uint8_t *img = tu_read_file(f->best, &len);
    char *at = strstr((char *)img + 8, "\"epoch\":\"1\"");
    assert_non_null(at);
    at[strlen("\"epoch\":\"")] = '9';
    tu_write_file(path, img, len);
    load_refused(path, "metadata checksum mismatch");
    free(img);
    free(path);
}

/* A file from before the metadata had a checksum (crc32 alone: here metadata_crc32 renamed, the
 * same length): its weights load, checked by the data's CRC, but its metadata is not believed,
 * so it is a plain file; and a run cannot be resumed from such a last.bin. */
static void test_weights_older_file_loads_as_plain(void **state)
{
    struct run *f = *state;
    const char *from[2] = {f->best, f->end};
    for (int k = 0; k < 2; k++) {
        char *path = tu_path(f->dir, k ? "old-last.bin" : "old-best.bin");
        size_t len;
        uint8_t *img = tu_read_file(from[k], &len);
        char *at = strstr((char *)img + 8, "\"metadata_crc32\"");
        assert_non_null(at);
        memcpy(at, "\"metadata_crc_x\"", strlen("\"metadata_crc_x\""));
        tu_write_file(path, img, len);
        if (k == 0) {
            float *p = sentinel_params();
            struct weights_info info = {0};
            load_ok(path, p, &info);
            assert_int_equal(info.kind, WEIGHTS_PLAIN);
            assert_int_equal(info.epoch, 0);
            assert_memory_equal(p, f->params1, MODEL_PARAM_FLOATS * sizeof(float));
            free(p);
        } else {
            /* extra tensors are the model's only in a file that vouches for being resumable */
            load_refused(path, "unexpected tensor");
            float *params = malloc(2 * MODEL_PARAM_FLOATS * sizeof(float));
            assert_non_null(params);
            struct resume_point at_point;
            struct run_state r;
            struct rm_status st = {{0}};
            assert_int_equal(
                run_load_resumable(path, params, params + MODEL_PARAM_FLOATS, &at_point, &r, &st),
                -1);
            assert_non_null(strstr(st.msg, "not covered by a checksum"));
            free(params);
        }
        free(img);
        free(path);
    }
}

static void test_weights_refuses_missing_file(void **state)
{
    struct run *f = *state;
    char *path = tu_path(f->dir, "nothing-here.bin");
    load_refused(path, "No such file");
    free(path);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_load_best),
        cmocka_unit_test(test_weights_load_resumable),
        cmocka_unit_test(test_weights_load_plain),
        cmocka_unit_test(test_weights_extra_tensors_only_when_resumable),
        cmocka_unit_test(test_weights_refuses_bad_metadata),
        cmocka_unit_test(test_weights_refuses_non_finite),
        cmocka_unit_test(test_weights_refuses_edited_metadata),
        cmocka_unit_test(test_weights_older_file_loads_as_plain),
        cmocka_unit_test(test_weights_refuses_missing_file),
    };
    return cmocka_run_group_tests(tests, run_setup, run_teardown);
}
