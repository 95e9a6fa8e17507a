#include "resnet_mnist/io/idx.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/fileio.h"

/* The largest file idx_read_file accepts, before or after gunzipping. The biggest MNIST file,
 * train-images-idx3-ubyte, is 47,040,016 bytes (spec section 1); the cap keeps a hostile or
 * wrong file (a gzip bomb, a disk image) from exhausting memory. */
#define IDX_MAX_FILE_BYTES ((size_t)64 << 20)

/* Header sizes: the magic, then one uint32 per dimension. */
#define IDX_IMAGES_HEADER 16u
#define IDX_LABELS_HEADER 8u

/* deflate never compresses better than about 1032:1, so this bounds the output of a gzip
 * stream of a given size; used only to size the first output buffer. */
#define GZIP_MAX_RATIO 1032u

static int is_gzip(const uint8_t *buf, size_t len)
{
    return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

/* First output buffer for a gzip stream: its ISIZE trailer (the uncompressed length mod 2^32
 * of the last member) is usually exact, but it is only a hint from an untrusted file, so it is
 * clamped by what the input could possibly expand to and by the cap (+1, so that exceeding the
 * cap is detectable). */
static size_t gunzip_first_capacity(const uint8_t *in, size_t in_len)
{
    size_t limit = IDX_MAX_FILE_BYTES + 1;
    size_t bound = in_len > limit / GZIP_MAX_RATIO ? limit : in_len * GZIP_MAX_RATIO + 1024;
    size_t cap = in_len >= 18 ? (size_t)bytes_load_le32(in + in_len - 4) : 0;
    if (cap == 0 || cap > bound)
        cap = bound;
    if (cap > limit)
        cap = limit;
    return cap < 4096 ? 4096 : cap;
}

/* Inflates the gzip data in[0..in_len) (in_len <= IDX_MAX_FILE_BYTES) into a malloc'd buffer.
 * Concatenated gzip members are one file, as for gunzip; anything else after a member is
 * refused, as is a stream that ends early, fails its CRC-32 or length check, or inflates to
 * more than IDX_MAX_FILE_BYTES. */
static int gunzip(const uint8_t *in, size_t in_len, const char *path, uint8_t **out,
                  size_t *out_len, struct rm_status *st)
{
    *out = NULL;
    *out_len = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int zrc = inflateInit2(&zs, 16 + MAX_WBITS); /* gzip wrapper only: we saw 1f 8b */
    if (zrc != Z_OK)
        return rm_fail(st, "%s: cannot start the gzip decoder: %s", path,
                       zrc == Z_MEM_ERROR ? "out of memory" : "zlib error");

    size_t cap = gunzip_first_capacity(in, in_len), total = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        inflateEnd(&zs);
        return rm_fail(st, "%s: out of memory (%zu bytes)", path, cap);
    }
    zs.next_in = (Bytef *)in; /* zlib's API is not const-correct; it does not write input */
    zs.avail_in = (uInt)in_len;
    int rc = -1;
    for (;;) {
        if (total == cap) {
            if (cap > IDX_MAX_FILE_BYTES)
                goto bomb;
            size_t ncap = cap > (IDX_MAX_FILE_BYTES + 1) / 2 ? IDX_MAX_FILE_BYTES + 1 : cap * 2;
            uint8_t *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                rm_fail(st, "%s: out of memory (%zu bytes)", path, ncap);
                goto done;
            }
            buf = nbuf;
            cap = ncap;
        }
        zs.next_out = buf + total;
        zs.avail_out = (uInt)(cap - total);
        zrc = inflate(&zs, Z_NO_FLUSH);
        total = cap - zs.avail_out;
        if (total > IDX_MAX_FILE_BYTES)
            goto bomb;
        if (zrc == Z_STREAM_END) {
            if (zs.avail_in == 0)
                break;
            if (is_gzip(zs.next_in, zs.avail_in)) { /* another member follows */
                inflateReset(&zs);
                continue;
            }
            rm_fail(st, "%s: %u bytes of trailing garbage after the gzip stream", path,
                    zs.avail_in);
            goto done;
        }
        if (zrc == Z_OK || (zrc == Z_BUF_ERROR && zs.avail_out == 0))
            continue; /* progress made, or the output buffer is full: grow it */
        if (zrc == Z_BUF_ERROR) {
            /* No progress with output space left: the input ran out mid-stream. */
            rm_fail(st, "%s: gzip stream truncated (ends after %zu compressed bytes)", path,
                    in_len);
        } else if (zrc == Z_MEM_ERROR) {
            rm_fail(st, "%s: out of memory while decompressing", path);
        } else {
            /* Z_DATA_ERROR: zlib says which check failed ("incorrect data check" is a bad
             * CRC-32, "incorrect length check" a bad ISIZE). Z_NEED_DICT cannot happen with
             * a gzip wrapper but is corrupt data all the same. */
            rm_fail(st, "%s: corrupt gzip data (%s)", path, zs.msg ? zs.msg : "zlib error");
        }
        goto done;
    }
    *out = buf;
    *out_len = total;
    buf = NULL;
    rc = 0;
    goto done;
bomb:
    rm_fail(st,
            "%s: decompresses to more than %zu MiB, far more than any MNIST file "
            "(not MNIST, or a decompression bomb)",
            path, IDX_MAX_FILE_BYTES >> 20);
done:
    inflateEnd(&zs);
    free(buf);
    return rc;
}

int idx_read_file(const char *path, uint8_t **data, size_t *len, struct rm_status *st)
{
    *data = NULL;
    *len = 0;
    /* stat first, so that a folder or a huge file is named as such rather than opened. */
    struct stat sb;
    if (stat(path, &sb) != 0)
        return rm_fail(st, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return rm_fail(st, "%s: is a directory, expected an IDX file", path);
    /* A FIFO or device could block the open or never end: file_read_all opens only regular
     * files (file_open_input), and names what else it was given. */
    if (S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size > IDX_MAX_FILE_BYTES)
        return rm_fail(st, "%s: file too large (%jd bytes; an MNIST file is at most %zu MiB)", path,
                       (intmax_t)sb.st_size, IDX_MAX_FILE_BYTES >> 20);

    uint8_t *raw;
    size_t raw_len;
    if (file_read_all(path, &raw, &raw_len, st) != 0)
        return -1;
    if (raw_len > IDX_MAX_FILE_BYTES) { /* it grew after the stat */
        free(raw);
        return rm_fail(st, "%s: file too large (more than %zu MiB)", path,
                       IDX_MAX_FILE_BYTES >> 20);
    }
    if (!is_gzip(raw, raw_len)) {
        *data = raw;
        *len = raw_len;
        return 0;
    }
    int rc = gunzip(raw, raw_len, path, data, len, st);
    free(raw);
    return rc;
}

/* Explains a wrong magic number: the most likely mistake is passing the labels file as the
 * images file or the other way round, so that gets named. */
static int bad_magic(const char *name, uint32_t got, uint32_t want, struct rm_status *st)
{
    char hint[96];
    unsigned want_dims = want & 0xffu, got_dims = got & 0xffu, type = (got >> 8) & 0xffu;
    if (want == IDX_MAGIC_IMAGES && got == IDX_MAGIC_LABELS)
        snprintf(hint, sizeof hint, " (a labels file?)");
    else if (want == IDX_MAGIC_LABELS && got == IDX_MAGIC_IMAGES)
        snprintf(hint, sizeof hint, " (an images file?)");
    else if ((got >> 16) == 0x1f8bu)
        snprintf(hint, sizeof hint, " (gzip data: decompress it first)");
    else if ((got >> 16) == 0 && type == 0x08)
        snprintf(hint, sizeof hint, " (%u dimensions, expected %u)", got_dims, want_dims);
    else if ((got >> 16) == 0)
        snprintf(hint, sizeof hint, " (element type 0x%02x, expected 0x08 = unsigned byte)", type);
    else
        snprintf(hint, sizeof hint, " (not an IDX file)");
    return rm_fail(st, "%s: bad magic 0x%08x, expected 0x%08x%s", name, (unsigned)got,
                   (unsigned)want, hint);
}

/* Checks the header common to both kinds up to the magic, and that the whole fixed header is
 * there. */
static int check_header(const uint8_t *buf, size_t len, const char *name, uint32_t want_magic,
                        size_t header_len, struct rm_status *st)
{
    if (len == 0)
        return rm_fail(st, "%s: empty file", name);
    if (len < 4)
        return rm_fail(st, "%s: truncated header (%zu bytes, expected %zu)", name, len, header_len);
    uint32_t magic = bytes_load_be32(buf);
    if (magic != want_magic)
        return bad_magic(name, magic, want_magic, st);
    if (len < header_len)
        return rm_fail(st, "%s: truncated header (%zu bytes, expected %zu)", name, len, header_len);
    return 0;
}

/* Number of items a load keeps: the first `limit`, or all when limit <= 0 or larger. */
static uint32_t kept_count(uint32_t n, int limit)
{
    return limit > 0 && (uint32_t)limit < n ? (uint32_t)limit : n;
}

/* Validates a whole images file in memory; on success *n is the header's image count, which
 * is then known to be 1..INT_MAX and to match the payload exactly. */
static int check_images(const uint8_t *buf, size_t len, const char *name, uint32_t *n,
                        struct rm_status *st)
{
    if (check_header(buf, len, name, IDX_MAGIC_IMAGES, IDX_IMAGES_HEADER, st) != 0)
        return -1;
    uint32_t count = bytes_load_be32(buf + 4), rows = bytes_load_be32(buf + 8),
             cols = bytes_load_be32(buf + 12);
    if (rows != MNIST_ROWS || cols != MNIST_COLS)
        return rm_fail(st, "%s: %dx%d images expected, header says %ux%u", name, MNIST_ROWS,
                       MNIST_COLS, (unsigned)rows, (unsigned)cols);
    if (count == 0)
        return rm_fail(st, "%s: header says 0 images (empty data set)", name);
    /* count < 2^32 and 784 < 2^10, so the product fits in 64 bits whatever the header says. */
    uint64_t want = (uint64_t)count * MNIST_PIXELS, have = (uint64_t)(len - IDX_IMAGES_HEADER);
    if (have != want)
        return rm_fail(st, "%s: payload is %llu bytes, header says %u images of %dx%d = %llu (%s)",
                       name, (unsigned long long)have, (unsigned)count, MNIST_ROWS, MNIST_COLS,
                       (unsigned long long)want,
                       have < want ? "truncated file" : "extra bytes at the end");
    if (count > INT_MAX)
        return rm_fail(st, "%s: %u images, more than this program can index", name,
                       (unsigned)count);
    *n = count;
    return 0;
}

/* Validates a whole labels file in memory, every label included (a corrupt label anywhere
 * means a corrupt file, even beyond a load's limit). */
static int check_labels(const uint8_t *buf, size_t len, const char *name, uint32_t *n,
                        struct rm_status *st)
{
    if (check_header(buf, len, name, IDX_MAGIC_LABELS, IDX_LABELS_HEADER, st) != 0)
        return -1;
    uint32_t count = bytes_load_be32(buf + 4);
    if (count == 0)
        return rm_fail(st, "%s: header says 0 labels (empty data set)", name);
    uint64_t have = (uint64_t)(len - IDX_LABELS_HEADER);
    if (have != count)
        return rm_fail(st, "%s: payload is %llu bytes, header says %u labels (%s)", name,
                       (unsigned long long)have, (unsigned)count,
                       have < count ? "truncated file" : "extra bytes at the end");
    if (count > INT_MAX)
        return rm_fail(st, "%s: %u labels, more than this program can index", name,
                       (unsigned)count);
    /* any byte is a label: the classes are the run's (a data set of N classes has labels
     * 0..N-1, checked against N by the engine's dataset_check_labels) */
    *n = count;
    return 0;
}

/* Copies the first `keep` items of size `item` from after the header into a new buffer. */
static int copy_payload(const uint8_t *payload, uint32_t keep, size_t item, const char *name,
                        uint8_t **out, int *count, struct rm_status *st)
{
    size_t bytes = (size_t)keep * item; /* <= the payload length, so no overflow */
    uint8_t *p = malloc(bytes);
    if (!p)
        return rm_fail(st, "%s: out of memory (%zu bytes)", name, bytes);
    memcpy(p, payload, bytes);
    *out = p;
    *count = (int)keep;
    return 0;
}

int idx_parse_images(const uint8_t *buf, size_t len, const char *name, int limit, uint8_t **images,
                     int *count, struct rm_status *st)
{
    *images = NULL;
    *count = 0;
    uint32_t n = 0;
    if (check_images(buf, len, name, &n, st) != 0)
        return -1;
    return copy_payload(buf + IDX_IMAGES_HEADER, kept_count(n, limit), MNIST_PIXELS, name, images,
                        count, st);
}

int idx_parse_labels(const uint8_t *buf, size_t len, const char *name, int limit, uint8_t **labels,
                     int *count, struct rm_status *st)
{
    *labels = NULL;
    *count = 0;
    uint32_t n = 0;
    if (check_labels(buf, len, name, &n, st) != 0)
        return -1;
    return copy_payload(buf + IDX_LABELS_HEADER, kept_count(n, limit), 1, name, labels, count, st);
}

/* Turns a validated file buffer into its first `keep` items in place: drops the header and
 * gives back the unused tail, so that loading the 47 MB training images needs one buffer,
 * not two. */
static uint8_t *strip_in_place(uint8_t *buf, size_t header, size_t bytes)
{
    memmove(buf, buf + header, bytes);
    uint8_t *shrunk = realloc(buf, bytes);
    return shrunk ? shrunk : buf; /* a failed shrink leaves the block as it was: still fine */
}

int idx_load(struct idx_dataset *ds, const char *images_path, const char *labels_path, int limit,
             struct rm_status *st)
{
    memset(ds, 0, sizeof *ds);
    uint8_t *img = NULL, *lbl = NULL;
    size_t img_len, lbl_len;
    uint32_t n_img = 0, n_lbl = 0;
    if (idx_read_file(images_path, &img, &img_len, st) != 0 ||
        check_images(img, img_len, images_path, &n_img, st) != 0 ||
        idx_read_file(labels_path, &lbl, &lbl_len, st) != 0 ||
        check_labels(lbl, lbl_len, labels_path, &n_lbl, st) != 0)
        goto fail;
    /* Compare whole files, not the kept prefixes: files that disagree are not a pair. */
    if (n_img != n_lbl) {
        rm_fail(st, "images/labels count mismatch: %s holds %u images, %s holds %u labels",
                images_path, (unsigned)n_img, labels_path, (unsigned)n_lbl);
        goto fail;
    }
    uint32_t keep = kept_count(n_img, limit);
    ds->images = strip_in_place(img, IDX_IMAGES_HEADER, (size_t)keep * MNIST_PIXELS);
    ds->labels = strip_in_place(lbl, IDX_LABELS_HEADER, keep);
    ds->n = (int)keep;
    return 0;
fail:
    free(img);
    free(lbl);
    return -1;
}

/* Names a file of a split may have, in order of preference. The official names come first;
 * the dotted form ("train-images.idx3-ubyte") is what some unpackers and mirrors produce.
 * Raw before gzip only because it loads faster. */
static const char *const mnist_name_forms[] = {
    "%s-%s-%s-ubyte",
    "%s-%s-%s-ubyte.gz",
    "%s-%s.%s-ubyte",
    "%s-%s.%s-ubyte.gz",
};

/* Finds one file of a split under dir; *path is malloc'd. */
static int mnist_find(const char *dir, const char *prefix, const char *kind, const char *idxn,
                      char **path, struct rm_status *st)
{
    *path = NULL;
    size_t dlen = strlen(dir);
    const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";
    for (size_t i = 0; i < sizeof mnist_name_forms / sizeof mnist_name_forms[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, mnist_name_forms[i], prefix, kind, idxn);
        size_t size = dlen + strlen(sep) + strlen(name) + 1;
        char *p = malloc(size);
        if (!p)
            return rm_fail(st, "%s: out of memory", dir);
        snprintf(p, size, "%s%s%s", dir, sep, name);
        struct stat sb;
        /* Anything that exists counts as found, even if unreadable or a folder: the loader then
         * says what is wrong with it, which helps more than "not found". */
        if (stat(p, &sb) == 0 || (errno != ENOENT && errno != ENOTDIR)) {
            *path = p;
            return 0;
        }
        free(p);
    }
    return rm_fail(st,
                   "%s: no %s-%s-%s-ubyte[.gz] or %s-%s.%s-ubyte[.gz] (get them with "
                   "'resnet-mnist fetch [DATASET] --dir %s')",
                   dir, prefix, kind, idxn, prefix, kind, idxn, dir);
}

int mnist_load(struct idx_dataset *ds, const char *dir, enum mnist_split split, int limit,
               struct rm_status *st)
{
    memset(ds, 0, sizeof *ds);
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (errno == ENOENT)
            return rm_fail(st,
                           "%s: no such folder (get the data with 'resnet-mnist fetch "
                           "[DATASET] --dir %s')",
                           dir, dir);
        return rm_fail(st, "%s: cannot open folder: %s", dir, strerror(errno));
    }
    if (!S_ISDIR(sb.st_mode))
        return rm_fail(st, "%s: not a folder (expected the folder holding the MNIST files)", dir);
    char *images_path = NULL, *labels_path = NULL;
    int rc = -1;
    if (mnist_find_split(dir, split, &images_path, &labels_path, st) == 0)
        rc = idx_load(ds, images_path, labels_path, limit, st);
    free(images_path);
    free(labels_path);
    return rc;
}

int mnist_find_split(const char *dir, enum mnist_split split, char **images, char **labels,
                     struct rm_status *st)
{
    const char *prefix = split == MNIST_SPLIT_TRAIN ? "train" : "t10k";
    *labels = NULL;
    if (mnist_find(dir, prefix, "images", "idx3", images, st) != 0)
        return -1;
    if (mnist_find(dir, prefix, "labels", "idx1", labels, st) != 0) {
        free(*images);
        *images = NULL;
        return -1;
    }
    return 0;
}

void idx_free(struct idx_dataset *ds)
{
    free(ds->images);
    free(ds->labels);
    memset(ds, 0, sizeof *ds);
}

void idx_normalize(float *x, const uint8_t *pixels, size_t count)
{
    /* Exactly torchvision's float32 steps (spec section 1): ToTensor divides by 255, then
     * Normalize subtracts the mean and divides by the std, each held as a float32. Computing
     * in double and rounding once would differ in the last bit for some bytes. No shared
     * table: the function stays pure and thread-safe, and it is cheap next to a conv. */
    for (size_t i = 0; i < count; i++)
        x[i] = ((float)pixels[i] / 255.0f - 0.1307f) / 0.3081f;
}
