#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/idx.h"

/* Every case writes its own tiny IDX files (N_SMALL images of a known pattern) into a fresh
 * temporary folder, so no case depends on the real MNIST files or on another case. */

#define N_SMALL  5
#define IMG_NAME "train-images-idx3-ubyte"
#define LBL_NAME "train-labels-idx1-ubyte"

static const uint8_t small_labels[N_SMALL] = {3, 1, 4, 1, 5};

struct fixture {
    char *dir;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_make_temp_dir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tu_remove_dir(f->dir);
    free(f);
    return 0;
}

/* Pixel p of image i: every byte value occurs, image 0 holds both 0 (p = 0) and 255 (p = 73),
 * and images differ from each other, so a shifted or mixed-up payload shows. */
static uint8_t pixel_of(uint32_t i, uint32_t p)
{
    return (uint8_t)(i * 53u + p * 7u);
}

/* An images file whose header says magic, n, rows, cols, followed by `count` images of
 * rows x cols pattern bytes (count may differ from n to make a bad file). Caller frees. */
static uint8_t *make_images_ex(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols,
                               uint32_t count, size_t *len)
{
    size_t pixels = (size_t)rows * cols;
    *len = 16 + (size_t)count * pixels;
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    bytes_store_be32(buf, magic);
    bytes_store_be32(buf + 4, n);
    bytes_store_be32(buf + 8, rows);
    bytes_store_be32(buf + 12, cols);
    for (uint32_t i = 0; i < count; i++)
        for (size_t p = 0; p < pixels; p++)
            buf[16 + i * pixels + p] = pixel_of(i, (uint32_t)p);
    return buf;
}

static uint8_t *make_images(uint32_t n, size_t *len)
{
    return make_images_ex(IDX_MAGIC_IMAGES, n, 28, 28, n, len);
}

/* A labels file with header count n and the given `count` labels. Caller frees. */
static uint8_t *make_labels_ex(uint32_t magic, uint32_t n, const uint8_t *labels, uint32_t count,
                               size_t *len)
{
    *len = 8 + (size_t)count;
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    bytes_store_be32(buf, magic);
    bytes_store_be32(buf + 4, n);
    if (count)
        memcpy(buf + 8, labels, count);
    return buf;
}

static uint8_t *make_labels(uint32_t n, size_t *len)
{
    return make_labels_ex(IDX_MAGIC_LABELS, n, small_labels, n, len);
}

/* Writes data as dir/name and returns the malloc'd path. */
static char *write_in(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = tu_path(dir, name);
    tu_write_file(path, data, len);
    return path;
}

static char *write_gzipped(const char *dir, const char *name, const void *data, size_t len)
{
    size_t gz_len;
    uint8_t *gz = tu_gzip(data, len, &gz_len);
    char *path = write_in(dir, name, gz, gz_len);
    free(gz);
    return path;
}

/* Checks that ds holds the first n items of the small pattern set. */
static void assert_small_set(const struct idx_dataset *ds, int n)
{
    assert_int_equal(ds->n, n);
    assert_non_null(ds->images);
    assert_non_null(ds->labels);
    for (int i = 0; i < n; i++) {
        assert_int_equal(ds->labels[i], small_labels[i]);
        for (int p = 0; p < MNIST_PIXELS; p++)
            assert_int_equal(ds->images[(size_t)i * MNIST_PIXELS + p],
                             pixel_of((uint32_t)i, (uint32_t)p));
    }
}

static void assert_zeroed(const struct idx_dataset *ds)
{
    assert_int_equal(ds->n, 0);
    assert_null(ds->images);
    assert_null(ds->labels);
}

/* A refusal: rc is -1 and the one-line message names the file and the problem. */
static void assert_refused(int rc, const struct rm_status *st, const char *name, const char *word)
{
    if (rc != -1 || !strstr(st->msg, name) || !strstr(st->msg, word))
        print_error("rc %d, message \"%s\"; expected -1 and a message with \"%s\" and \"%s\"\n", rc,
                    st->msg, name, word);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(st->msg, name));
    assert_non_null(strstr(st->msg, word));
    assert_null(strchr(st->msg, '\n'));
}

/* Writes the two buffers as IMG_NAME and LBL_NAME and runs idx_load on them. ds starts out as
 * garbage, to check that idx_load does not rely on it, and must come back zeroed on failure. */
static int load_buffers(const struct fixture *f, const uint8_t *img, size_t img_len,
                        const uint8_t *lbl, size_t lbl_len, int limit, struct idx_dataset *ds,
                        struct rm_status *st)
{
    char *ip = write_in(f->dir, IMG_NAME, img, img_len);
    char *lp = write_in(f->dir, LBL_NAME, lbl, lbl_len);
    memset(ds, 0xa5, sizeof *ds);
    memset(st, 0, sizeof *st);
    int rc = idx_load(ds, ip, lp, limit, st);
    if (rc != 0)
        assert_zeroed(ds);
    free(ip);
    free(lp);
    return rc;
}

/* Loads good labels with the given images buffer and expects a refusal. */
static void refuse_images(const struct fixture *f, const uint8_t *img, size_t img_len,
                          const char *word)
{
    size_t lbl_len;
    uint8_t *lbl = make_labels(N_SMALL, &lbl_len);
    struct idx_dataset ds;
    struct rm_status st;
    int rc = load_buffers(f, img, img_len, lbl, lbl_len, 0, &ds, &st);
    assert_refused(rc, &st, IMG_NAME, word);
    free(lbl);
}

static void refuse_labels(const struct fixture *f, const uint8_t *lbl, size_t lbl_len,
                          const char *word)
{
    size_t img_len;
    uint8_t *img = make_images(N_SMALL, &img_len);
    struct idx_dataset ds;
    struct rm_status st;
    int rc = load_buffers(f, img, img_len, lbl, lbl_len, 0, &ds, &st);
    assert_refused(rc, &st, LBL_NAME, word);
    free(img);
}

/* ---- loading ---- */

static void test_idx_load_raw(void **state)
{
    struct fixture *f = *state;
    size_t img_len, lbl_len;
    uint8_t *img = make_images(N_SMALL, &img_len), *lbl = make_labels(N_SMALL, &lbl_len);
    struct idx_dataset ds;
    struct rm_status st;
    assert_int_equal(load_buffers(f, img, img_len, lbl, lbl_len, 0, &ds, &st), 0);
    assert_small_set(&ds, N_SMALL);
    idx_free(&ds);
    assert_zeroed(&ds);
    free(img);
    free(lbl);
}

static void test_idx_load_gzip(void **state)
{
    struct fixture *f = *state;
    size_t img_len, lbl_len;
    uint8_t *img = make_images(N_SMALL, &img_len), *lbl = make_labels(N_SMALL, &lbl_len);
    char *ip = write_gzipped(f->dir, IMG_NAME ".gz", img, img_len);
    char *lp = write_gzipped(f->dir, LBL_NAME ".gz", lbl, lbl_len);
    struct idx_dataset ds;
    struct rm_status st;
    assert_int_equal(idx_load(&ds, ip, lp, 0, &st), 0);
    assert_small_set(&ds, N_SMALL);
    idx_free(&ds);

    /* Compression is decided by content, not by name: gzip data under a plain name loads,
     * and so does a raw file next to a gzipped one. */
    char *ip2 = write_gzipped(f->dir, "images-without-suffix", img, img_len);
    char *lp2 = write_in(f->dir, "labels-raw", lbl, lbl_len);
    assert_int_equal(idx_load(&ds, ip2, lp2, 0, &st), 0);
    assert_small_set(&ds, N_SMALL);
    idx_free(&ds);

    uint8_t *data;
    size_t len;
    assert_int_equal(idx_read_file(ip, &data, &len, &st), 0);
    assert_int_equal(len, img_len);
    assert_memory_equal(data, img, img_len);
    free(data);
    free(ip);
    free(lp);
    free(ip2);
    free(lp2);
    free(img);
    free(lbl);
}

/* Concatenated gzip members are one valid gzip file (gunzip and Python's gzip read them). */
static void test_idx_load_gzip_multi_member(void **state)
{
    struct fixture *f = *state;
    size_t img_len, a_len, b_len;
    uint8_t *img = make_images(N_SMALL, &img_len);
    size_t half = img_len / 2;
    uint8_t *a = tu_gzip(img, half, &a_len), *b = tu_gzip(img + half, img_len - half, &b_len);
    uint8_t *both = malloc(a_len + b_len);
    assert_non_null(both);
    memcpy(both, a, a_len);
    memcpy(both + a_len, b, b_len);
    char *path = write_in(f->dir, IMG_NAME ".gz", both, a_len + b_len);
    uint8_t *data;
    size_t len;
    struct rm_status st;
    assert_int_equal(idx_read_file(path, &data, &len, &st), 0);
    assert_int_equal(len, img_len);
    assert_memory_equal(data, img, img_len);
    free(data);
    free(path);
    free(both);
    free(a);
    free(b);
    free(img);
}

/* The first 30 real MNIST training items, kept in tests/golden. */
static void test_idx_load_golden_batch30(void **state)
{
    (void)state;
    static const uint8_t first_labels[10] = {5, 0, 4, 1, 9, 2, 1, 3, 1, 4};
    char *ip = strdup(tu_golden("batch30-images-idx3-ubyte"));
    char *lp = strdup(tu_golden("batch30-labels-idx1-ubyte"));
    assert_non_null(ip);
    assert_non_null(lp);
    struct idx_dataset ds;
    struct rm_status st;
    assert_int_equal(idx_load(&ds, ip, lp, 0, &st), 0);
    assert_int_equal(ds.n, 30);
    assert_memory_equal(ds.labels, first_labels, sizeof first_labels);
    int lo = 255, hi = 0;
    for (int i = 0; i < 30 * MNIST_PIXELS; i++) {
        lo = ds.images[i] < lo ? ds.images[i] : lo;
        hi = ds.images[i] > hi ? ds.images[i] : hi;
    }
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 255);
    idx_free(&ds);
    free(ip);
    free(lp);
}

static void test_idx_parse_in_memory(void **state)
{
    (void)state;
    size_t img_len, lbl_len;
    uint8_t *img = make_images(N_SMALL, &img_len), *lbl = make_labels(N_SMALL, &lbl_len);
    struct rm_status st;
    uint8_t *images, *labels;
    int n;
    assert_int_equal(idx_parse_images(img, img_len, "mem", 3, &images, &n, &st), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(images, img + 16, 3 * MNIST_PIXELS);
    free(images);
    assert_int_equal(idx_parse_labels(lbl, lbl_len, "mem", 0, &labels, &n, &st), 0);
    assert_int_equal(n, N_SMALL);
    assert_memory_equal(labels, small_labels, N_SMALL);
    free(labels);

    /* Failures leave the outputs empty and name the buffer by the given name. */
    images = (uint8_t *)&n;
    n = 7;
    assert_refused(idx_parse_images(lbl, lbl_len, "mem-buffer", 0, &images, &n, &st), &st,
                   "mem-buffer", "bad magic");
    assert_null(images);
    assert_int_equal(n, 0);
    free(img);
    free(lbl);
}

static void test_idx_limit(void **state)
{
    struct fixture *f = *state;
    size_t img_len, lbl_len;
    uint8_t *img = make_images(N_SMALL, &img_len), *lbl = make_labels(N_SMALL, &lbl_len);
    static const struct {
        int limit, expect;
    } cases[] = {
        {1, 1},       {2, 2},       {N_SMALL, N_SMALL}, {N_SMALL + 1, N_SMALL}, {100000, N_SMALL},
        {0, N_SMALL}, {-1, N_SMALL}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct idx_dataset ds;
        struct rm_status st;
        assert_int_equal(load_buffers(f, img, img_len, lbl, lbl_len, cases[c].limit, &ds, &st), 0);
        assert_small_set(&ds, cases[c].expect);
        idx_free(&ds);
    }
    free(img);
    free(lbl);
}

/* Writes a split under the given file names into dir. */
static void write_split(const char *dir, const char *img_name, const char *lbl_name, int gz)
{
    size_t img_len, lbl_len;
    uint8_t *img = make_images(N_SMALL, &img_len), *lbl = make_labels(N_SMALL, &lbl_len);
    char *ip =
        gz ? write_gzipped(dir, img_name, img, img_len) : write_in(dir, img_name, img, img_len);
    char *lp =
        gz ? write_gzipped(dir, lbl_name, lbl, lbl_len) : write_in(dir, lbl_name, lbl, lbl_len);
    free(ip);
    free(lp);
    free(img);
    free(lbl);
}

static void test_idx_mnist_load_official_names(void **state)
{
    struct fixture *f = *state;
    write_split(f->dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 0);
    write_split(f->dir, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 1);
    struct idx_dataset ds;
    struct rm_status st;
    assert_int_equal(mnist_load(&ds, f->dir, MNIST_SPLIT_TRAIN, 0, &st), 0);
    assert_small_set(&ds, N_SMALL);
    idx_free(&ds);
    assert_int_equal(mnist_load(&ds, f->dir, MNIST_SPLIT_TEST, 2, &st), 0);
    assert_small_set(&ds, 2);
    idx_free(&ds);

    /* A trailing slash on the folder is fine. */
    char *slashed = tu_path(f->dir, "");
    assert_int_equal(mnist_load(&ds, slashed, MNIST_SPLIT_TRAIN, 0, &st), 0);
    assert_small_set(&ds, N_SMALL);
    idx_free(&ds);
    free(slashed);
}

static void test_idx_mnist_load_dotted_names(void **state)
{
    struct fixture *f = *state;
    write_split(f->dir, "train-images.idx3-ubyte", "train-labels.idx1-ubyte", 0);
    write_split(f->dir, "t10k-images.idx3-ubyte.gz", "t10k-labels.idx1-ubyte.gz", 1);
    struct idx_dataset ds;
    struct rm_status st;
    assert_int_equal(mnist_load(&ds, f->dir, MNIST_SPLIT_TRAIN, 0, &st), 0);
    assert_small_set(&ds, N_SMALL);
    idx_free(&ds);
    assert_int_equal(mnist_load(&ds, f->dir, MNIST_SPLIT_TEST, 0, &st), 0);
    assert_small_set(&ds, N_SMALL);
    idx_free(&ds);
}

static void test_idx_normalize_values(void **state)
{
    (void)state;
    uint8_t bytes[256];
    float x[256];
    for (int b = 0; b < 256; b++)
        bytes[b] = (uint8_t)b;
    idx_normalize(x, bytes, 256);
    for (int b = 0; b < 256; b++) {
        double want = ((double)b / 255.0 - 0.1307) / 0.3081;
        assert_true(fabs((double)x[b] - want) < 1e-6);
        /* Bit for bit torchvision's float32 steps: ToTensor's /255, then Normalize. */
        float torch = ((float)b / 255.0f - 0.1307f) / 0.3081f;
        assert_memory_equal(&x[b], &torch, sizeof torch);
    }
    assert_true(fabs(x[0] - -0.42421296) < 1e-6);
    assert_true(fabs(x[255] - 2.8214867) < 1e-6);
    idx_normalize(x, bytes, 0); /* nothing to do is fine */
}

static void test_idx_free_zeroed(void **state)
{
    (void)state;
    struct idx_dataset ds = {0};
    idx_free(&ds);
    idx_free(&ds);
    assert_zeroed(&ds);
}

/* ---- refusals ---- */

static void test_idx_refuses_empty_file(void **state)
{
    refuse_images(*state, (const uint8_t *)"", 0, "empty file");
    refuse_labels(*state, (const uint8_t *)"", 0, "empty file");
}

static void test_idx_refuses_truncated_header(void **state)
{
    size_t img_len, lbl_len;
    uint8_t *img = make_images(N_SMALL, &img_len), *lbl = make_labels(N_SMALL, &lbl_len);
    refuse_images(*state, img, 5, "truncated header (5 bytes");
    refuse_images(*state, img, 15, "truncated header (15 bytes");
    refuse_images(*state, img, 3, "truncated header");
    refuse_labels(*state, lbl, 7, "truncated header (7 bytes");
    refuse_labels(*state, lbl, 1, "truncated header");
    free(img);
    free(lbl);
}

static void test_idx_refuses_truncated_payload(void **state)
{
    size_t img_len, lbl_len;
    uint8_t *img = make_images(N_SMALL, &img_len), *lbl = make_labels(N_SMALL, &lbl_len);
    refuse_images(*state, img, img_len - 1, "truncated");
    refuse_images(*state, img, 16, "payload is 0 bytes, header says 5 images of 28x28 = 3920");
    refuse_labels(*state, lbl, lbl_len - 1, "payload is 4 bytes, header says 5 labels");
    free(img);
    free(lbl);
}

static void test_idx_refuses_extra_bytes(void **state)
{
    size_t img_len, lbl_len;
    uint8_t *img = make_images_ex(IDX_MAGIC_IMAGES, N_SMALL, 28, 28, N_SMALL + 1, &img_len);
    uint8_t *lbl = make_labels_ex(IDX_MAGIC_LABELS, N_SMALL - 1, small_labels, N_SMALL, &lbl_len);
    refuse_images(*state, img, img_len, "extra bytes");
    refuse_images(*state, img, img_len - MNIST_PIXELS + 1, "extra bytes");
    refuse_labels(*state, lbl, lbl_len, "extra bytes");
    free(img);
    free(lbl);
}

/* The images file passed as the labels file and the other way round. */
static void test_idx_refuses_swapped_files(void **state)
{
    struct fixture *f = *state;
    size_t img_len, lbl_len;
    uint8_t *img = make_images(N_SMALL, &img_len), *lbl = make_labels(N_SMALL, &lbl_len);
    char *ip = write_in(f->dir, IMG_NAME, img, img_len);
    char *lp = write_in(f->dir, LBL_NAME, lbl, lbl_len);
    struct idx_dataset ds;
    struct rm_status st;
    assert_refused(idx_load(&ds, lp, ip, 0, &st), &st, LBL_NAME,
                   "bad magic 0x00000801, expected 0x00000803 (a labels file?)");
    assert_zeroed(&ds);

    uint8_t *out;
    int n;
    assert_refused(idx_parse_labels(img, img_len, IMG_NAME, 0, &out, &n, &st), &st, IMG_NAME,
                   "bad magic 0x00000803, expected 0x00000801 (an images file?)");
    free(ip);
    free(lp);
    free(img);
    free(lbl);
}

static void test_idx_refuses_wrong_dimensions(void **state)
{
    size_t len;
    uint8_t *img = make_images_ex(IDX_MAGIC_IMAGES, 2, 32, 32, 2, &len);
    refuse_images(*state, img, len, "28x28 images expected, header says 32x32");
    free(img);
    img = make_images_ex(IDX_MAGIC_IMAGES, 2, 28, 27, 2, &len);
    refuse_images(*state, img, len, "header says 28x27");
    free(img);
    /* Hostile sizes must not overflow anything. */
    img = make_images_ex(IDX_MAGIC_IMAGES, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0, &len);
    refuse_images(*state, img, len, "header says 4294967295x4294967295");
    free(img);
}

static void test_idx_refuses_wrong_number_of_dims(void **state)
{
    size_t len;
    /* 0x802: an IDX file of unsigned bytes with 2 dimensions. */
    uint8_t *img = make_images_ex(0x00000802u, N_SMALL, 28, 28, N_SMALL, &len);
    refuse_images(*state, img, len, "2 dimensions, expected 3");
    free(img);
    img = make_images_ex(0x00000804u, N_SMALL, 28, 28, N_SMALL, &len);
    refuse_images(*state, img, len, "4 dimensions, expected 3");
    free(img);
    uint8_t *lbl = make_labels_ex(0x00000802u, N_SMALL, small_labels, N_SMALL, &len);
    refuse_labels(*state, lbl, len, "2 dimensions, expected 1");
    free(lbl);
}

static void test_idx_refuses_not_idx(void **state)
{
    size_t len;
    uint8_t *img = make_images_ex(0x00000d03u, N_SMALL, 28, 28, N_SMALL, &len);
    refuse_images(*state, img, len, "element type 0x0d");
    free(img);
    static const char html[] = "<html><body>404 Not Found</body></html>";
    refuse_images(*state, (const uint8_t *)html, sizeof html - 1, "not an IDX file");
}

static void test_idx_refuses_zero_count(void **state)
{
    size_t len;
    uint8_t *img = make_images(0, &len);
    refuse_images(*state, img, len, "0 images");
    free(img);
    uint8_t *lbl = make_labels(0, &len);
    refuse_labels(*state, lbl, len, "0 labels");
    free(lbl);
}

/* Counts near 2^32 with a tiny payload: refused by size, with no overflow on the way. */
static void test_idx_refuses_hostile_counts(void **state)
{
    size_t len;
    uint8_t *img = make_images_ex(IDX_MAGIC_IMAGES, 0xffffffffu, 28, 28, 1, &len);
    refuse_images(*state, img, len, "header says 4294967295 images of 28x28 = 3367254359280");
    free(img);
    img = make_images_ex(IDX_MAGIC_IMAGES, 0x80000000u, 28, 28, 1, &len);
    refuse_images(*state, img, len, "truncated");
    free(img);
    uint8_t *lbl = make_labels_ex(IDX_MAGIC_LABELS, 0xffffffffu, small_labels, 1, &len);
    refuse_labels(*state, lbl, len, "header says 4294967295 labels");
    free(lbl);
}

static void test_idx_refuses_count_mismatch(void **state)
{
    struct fixture *f = *state;
    size_t img_len, lbl_len;
    uint8_t *img = make_images(N_SMALL, &img_len), *lbl = make_labels(N_SMALL - 1, &lbl_len);
    struct idx_dataset ds;
    struct rm_status st;
    /* Refused even when the limit would keep fewer items than either file holds. */
    int limits[] = {0, 2};
    for (int i = 0; i < 2; i++) {
        int rc = load_buffers(f, img, img_len, lbl, lbl_len, limits[i], &ds, &st);
        assert_refused(rc, &st, IMG_NAME, "count mismatch");
        assert_non_null(strstr(st.msg, LBL_NAME));
        assert_non_null(strstr(st.msg, "5 images"));
        assert_non_null(strstr(st.msg, "4 labels"));
    }
    free(img);
    free(lbl);
}

/* The reader takes any byte as a label and gives it back as itself (255 not read as a signed
 * -1, 10 and up not refused here): the classes are the run's, and labels are checked against
 * them by the engine (dataset_check_labels, test_dataset and the cli tests), naming the file
 * and the index. */
static void test_idx_keeps_every_label_byte(void **state)
{
    struct fixture *f = *state;
    size_t img_len, lbl_len;
    const uint8_t odd[N_SMALL] = {3, 10, 46, 255, 61};
    uint8_t *img = make_images(N_SMALL, &img_len);
    uint8_t *lbl = make_labels_ex(IDX_MAGIC_LABELS, N_SMALL, odd, N_SMALL, &lbl_len);
    for (int limit = 0; limit <= 2; limit += 2) {
        struct idx_dataset ds;
        struct rm_status st;
        assert_int_equal(load_buffers(f, img, img_len, lbl, lbl_len, limit, &ds, &st), 0);
        assert_int_equal(ds.n, limit ? limit : N_SMALL);
        assert_memory_equal(ds.labels, odd, (size_t)ds.n);
        idx_free(&ds);
    }
    free(img);
    free(lbl);
}

/* Writes gz (a gzipped good images file, altered by the caller) and expects a refusal. */
static void refuse_gz(const struct fixture *f, const uint8_t *gz, size_t gz_len, const char *word)
{
    char *path = write_in(f->dir, IMG_NAME ".gz", gz, gz_len);
    uint8_t *data = (uint8_t *)&gz_len;
    size_t len = 1;
    struct rm_status st;
    assert_refused(idx_read_file(path, &data, &len, &st), &st, IMG_NAME ".gz", word);
    assert_null(data);
    assert_int_equal(len, 0);
    free(path);
}

static void test_idx_refuses_corrupt_gzip(void **state)
{
    struct fixture *f = *state;
    size_t img_len, gz_len;
    uint8_t *img = make_images(N_SMALL, &img_len);
    uint8_t *gz = tu_gzip(img, img_len, &gz_len);
    /* The trailer is CRC-32 then ISIZE, 4 bytes each, little-endian. */
    gz[gz_len - 8] ^= 0x01;
    refuse_gz(f, gz, gz_len, "incorrect data check");
    gz[gz_len - 8] ^= 0x01;
    gz[gz_len - 2] ^= 0x01;
    refuse_gz(f, gz, gz_len, "incorrect length check");
    gz[gz_len - 2] ^= 0x01;
    gz[3] = 0xe0; /* reserved flag bits set in the gzip header */
    refuse_gz(f, gz, gz_len, "corrupt gzip");
    free(gz);
    free(img);
}

static void test_idx_refuses_gzip_cut_short(void **state)
{
    struct fixture *f = *state;
    size_t img_len, gz_len;
    uint8_t *img = make_images(N_SMALL, &img_len);
    uint8_t *gz = tu_gzip(img, img_len, &gz_len);
    refuse_gz(f, gz, gz_len - 1, "truncated"); /* in the trailer */
    refuse_gz(f, gz, gz_len - 8, "truncated"); /* no trailer at all */
    refuse_gz(f, gz, gz_len / 2, "truncated"); /* mid-stream */
    refuse_gz(f, gz, 10, "truncated");         /* header only */
    refuse_gz(f, gz, 2, "truncated");          /* just the magic */
    free(gz);
    free(img);
}

static void test_idx_refuses_gzip_trailing_garbage(void **state)
{
    struct fixture *f = *state;
    size_t img_len, gz_len;
    uint8_t *img = make_images(N_SMALL, &img_len);
    uint8_t *gz = tu_gzip(img, img_len, &gz_len);
    uint8_t *longer = malloc(gz_len + 3);
    assert_non_null(longer);
    memcpy(longer, gz, gz_len);
    memcpy(longer + gz_len, "abc", 3);
    refuse_gz(f, longer, gz_len + 3, "3 bytes of trailing garbage");
    free(longer);
    free(gz);
    free(img);
}

/* 65 MiB of zeros gzip to about 64 KiB: must be refused once past the 64 MiB cap. */
static void test_idx_refuses_gzip_bomb(void **state)
{
    struct fixture *f = *state;
    size_t big = (size_t)65 << 20, gz_len;
    uint8_t *zeros = calloc(big, 1);
    assert_non_null(zeros);
    uint8_t *gz = tu_gzip(zeros, big, &gz_len);
    free(zeros);
    assert_true(gz_len < big / 100);
    refuse_gz(f, gz, gz_len, "more than 64 MiB");
    free(gz);
}

static void test_idx_refuses_huge_raw_file(void **state)
{
    struct fixture *f = *state;
    char *path = tu_path(f->dir, IMG_NAME);
    tu_write_file(path, "", 0);
    assert_int_equal(truncate(path, (off_t)65 << 20), 0); /* sparse: costs no disk */
    uint8_t *data;
    size_t len;
    struct rm_status st;
    assert_refused(idx_read_file(path, &data, &len, &st), &st, IMG_NAME, "too large");
    free(path);
}

static void test_idx_refuses_directory(void **state)
{
    struct fixture *f = *state;
    char *path = tu_path(f->dir, IMG_NAME);
    assert_int_equal(mkdir(path, 0700), 0);
    uint8_t *data;
    size_t len;
    struct rm_status st;
    assert_refused(idx_read_file(path, &data, &len, &st), &st, IMG_NAME, "is a directory");
    assert_null(data);

    /* A FIFO would block a plain open(); it is refused without being opened. */
    char *fifo = tu_path(f->dir, "fifo-images-idx3-ubyte");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_refused(idx_read_file(fifo, &data, &len, &st), &st, "fifo-images-idx3-ubyte",
                   "not a regular file (a FIFO)");
    free(fifo);

    /* Found by mnist_load under its official name, then refused as what it is. */
    assert_int_equal(rmdir(path), 0);
    write_split(f->dir, IMG_NAME, "unused-labels", 0);
    char *lbl_dir = tu_path(f->dir, LBL_NAME);
    assert_int_equal(mkdir(lbl_dir, 0700), 0);
    struct idx_dataset ds;
    assert_refused(mnist_load(&ds, f->dir, MNIST_SPLIT_TRAIN, 0, &st), &st, LBL_NAME,
                   "is a directory");
    assert_zeroed(&ds);
    free(lbl_dir);
    free(path);
}

static void test_idx_refuses_missing_file(void **state)
{
    struct fixture *f = *state;
    char *path = tu_path(f->dir, IMG_NAME);
    uint8_t *data;
    size_t len;
    struct rm_status st;
    assert_refused(idx_read_file(path, &data, &len, &st), &st, IMG_NAME, "No such file");

    /* Through mnist_load: the folder and the names tried, and how to get the files. */
    write_split(f->dir, IMG_NAME ".gz", "unused-labels", 1);
    struct idx_dataset ds;
    assert_refused(mnist_load(&ds, f->dir, MNIST_SPLIT_TRAIN, 0, &st), &st, f->dir,
                   "no train-labels-idx1-ubyte[.gz] or train-labels.idx1-ubyte[.gz]");
    assert_non_null(strstr(st.msg, "'resnet-mnist fetch [DATASET] --dir "));
    assert_zeroed(&ds);
    assert_refused(mnist_load(&ds, f->dir, MNIST_SPLIT_TEST, 0, &st), &st, f->dir,
                   "no t10k-images-idx3-ubyte[.gz]");
    assert_zeroed(&ds);
    free(path);
}

static void test_idx_refuses_missing_folder(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_path(f->dir, "no-such-mnist");
    struct idx_dataset ds;
    struct rm_status st;
    assert_refused(mnist_load(&ds, dir, MNIST_SPLIT_TRAIN, 0, &st), &st, "no-such-mnist",
                   "no such folder");
    assert_non_null(strstr(st.msg, "'resnet-mnist fetch [DATASET] --dir "));
    assert_zeroed(&ds);

    /* A file where the folder should be. */
    tu_write_file(dir, "x", 1);
    assert_refused(mnist_load(&ds, dir, MNIST_SPLIT_TEST, 0, &st), &st, "no-such-mnist",
                   "not a folder");
    free(dir);
}

/* ---- robustness: every cut and every flipped byte is refused or loads, never crashes ---- */

static void test_idx_refuses_every_truncation(void **state)
{
    struct fixture *f = *state;
    size_t img_len, lbl_len, gz_len;
    uint8_t *img = make_images(2, &img_len), *lbl = make_labels(2, &lbl_len);
    uint8_t *out;
    int n;
    struct rm_status st;
    for (size_t cut = 0; cut < img_len; cut++) {
        assert_int_equal(idx_parse_images(img, cut, "cut", 0, &out, &n, &st), -1);
        assert_null(out);
    }
    for (size_t cut = 0; cut < lbl_len; cut++)
        assert_int_equal(idx_parse_labels(lbl, cut, "cut", 0, &out, &n, &st), -1);
    uint8_t *gz = tu_gzip(img, img_len, &gz_len);
    for (size_t cut = 0; cut < gz_len; cut++) {
        char *path = write_in(f->dir, "cut.gz", gz, cut);
        uint8_t *data;
        size_t len;
        int rc = idx_read_file(path, &data, &len, &st);
        /* Cuts of 0 and 1 byte are not gzip any more and read as raw (then fail to parse). */
        if (rc == 0) {
            assert_true(cut < 2);
            assert_int_equal(idx_parse_images(data, len, path, 0, &out, &n, &st), -1);
            free(data);
        }
        free(path);
    }
    free(gz);
    free(img);
    free(lbl);
}

static void test_idx_survives_flipped_bytes(void **state)
{
    struct fixture *f = *state;
    size_t img_len, gz_len;
    uint8_t *img = make_images(2, &img_len);
    uint8_t *gz = tu_gzip(img, img_len, &gz_len);
    for (size_t i = 0; i < gz_len; i++) {
        gz[i] ^= 0xff;
        char *path = write_in(f->dir, "flip.gz", gz, gz_len);
        uint8_t *data = NULL, *out = NULL;
        size_t len = 0;
        int n = 0;
        struct rm_status st;
        if (idx_read_file(path, &data, &len, &st) == 0) {
            /* Only gzip header fields that nothing checks (mtime, OS, ...) can change
             * without a refusal; the payload must then be intact. */
            if (idx_parse_images(data, len, path, 0, &out, &n, &st) == 0) {
                assert_int_equal(n, 2);
                assert_memory_equal(out, img + 16, 2 * MNIST_PIXELS);
            }
            free(out);
            free(data);
        } else {
            assert_non_null(strstr(st.msg, "flip.gz"));
        }
        free(path);
        gz[i] ^= 0xff;
    }
    free(gz);
    free(img);
}

#define IDX_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        IDX_TEST(test_idx_load_raw),
        IDX_TEST(test_idx_load_gzip),
        IDX_TEST(test_idx_load_gzip_multi_member),
        IDX_TEST(test_idx_load_golden_batch30),
        IDX_TEST(test_idx_parse_in_memory),
        IDX_TEST(test_idx_limit),
        IDX_TEST(test_idx_mnist_load_official_names),
        IDX_TEST(test_idx_mnist_load_dotted_names),
        IDX_TEST(test_idx_normalize_values),
        IDX_TEST(test_idx_free_zeroed),
        IDX_TEST(test_idx_refuses_empty_file),
        IDX_TEST(test_idx_refuses_truncated_header),
        IDX_TEST(test_idx_refuses_truncated_payload),
        IDX_TEST(test_idx_refuses_extra_bytes),
        IDX_TEST(test_idx_refuses_swapped_files),
        IDX_TEST(test_idx_refuses_wrong_dimensions),
        IDX_TEST(test_idx_refuses_wrong_number_of_dims),
        IDX_TEST(test_idx_refuses_not_idx),
        IDX_TEST(test_idx_refuses_zero_count),
        IDX_TEST(test_idx_refuses_hostile_counts),
        IDX_TEST(test_idx_refuses_count_mismatch),
        IDX_TEST(test_idx_keeps_every_label_byte),
        IDX_TEST(test_idx_refuses_corrupt_gzip),
        IDX_TEST(test_idx_refuses_gzip_cut_short),
        IDX_TEST(test_idx_refuses_gzip_trailing_garbage),
        IDX_TEST(test_idx_refuses_gzip_bomb),
        IDX_TEST(test_idx_refuses_huge_raw_file),
        IDX_TEST(test_idx_refuses_directory),
        IDX_TEST(test_idx_refuses_missing_file),
        IDX_TEST(test_idx_refuses_missing_folder),
        IDX_TEST(test_idx_refuses_every_truncation),
        IDX_TEST(test_idx_survives_flipped_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
