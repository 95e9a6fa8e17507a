/* libFuzzer harness for the IDX readers (idx.h), which take MNIST files from outside the program.
 *
 * Each input is parsed in memory as an images file and as a labels file with the limits 0 (all),
 * 1 and 3, then written to an in-memory file and read back through idx_read_file, which gunzips
 * it when it starts with 1f 8b; whatever that yields is parsed again. After every call the
 * contract of idx.h is checked: the result is 0 or -1; a refusal leaves NULL/0 outputs and one
 * non-empty line "<name>: <problem>"; an acceptance returns exactly the items the header
 * announces (the first `limit` of them), labels in 0..9, and does not depend on the limit.
 * A broken contract aborts, which libFuzzer reports as a crash like any sanitizer finding.
 *
 * Build and run: scripts/fuzz.sh (fuzz/CMakeLists.txt). Seeds: fuzz/corpus/idx. */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "resnet_mnist/io/idx.h"

#define FUZZ_NAME "fuzz-idx"

/* Reports a broken contract and aborts (libFuzzer saves the input as a crash). */
__attribute__((format(printf, 1, 2), noreturn)) static void fuzz_broken(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz_idx: contract broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* A refusal's message: non-empty, terminated, one line, starting with "<name>: ". */
static void fuzz_check_message(const struct rm_status *st, const char *name, const char *call)
{
    size_t n = strnlen(st->msg, sizeof st->msg);
    size_t k = strlen(name);
    if (n == 0 || n == sizeof st->msg)
        fuzz_broken("%s: refused with an empty or unterminated message", call);
    if (memchr(st->msg, '\n', n))
        fuzz_broken("%s: message spans lines: %s", call, st->msg);
    if (strncmp(st->msg, name, k) != 0 || strncmp(st->msg + k, ": ", 2) != 0)
        fuzz_broken("%s: message does not start with '%s: ': %s", call, name, st->msg);
}

static uint32_t fuzz_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Parses buf as images (labels = 0) or labels (labels = 1) with the given limit, checks the
 * contract and returns the result (0 or -1). */
static int fuzz_parse(const uint8_t *buf, size_t len, int labels, int limit)
{
    const char *call = labels ? "idx_parse_labels" : "idx_parse_images";
    size_t header = labels ? 8 : 16, item = labels ? 1 : MNIST_PIXELS;
    uint8_t *out = (uint8_t *)&out; /* not NULL: the call must set it */
    int count = -12345;
    struct rm_status st;
    memset(&st, 0, sizeof st);
    int rc = labels ? idx_parse_labels(buf, len, FUZZ_NAME, limit, &out, &count, &st)
                    : idx_parse_images(buf, len, FUZZ_NAME, limit, &out, &count, &st);
    if (rc == -1) {
        if (out != NULL || count != 0)
            fuzz_broken("%s(limit %d): refused but left outputs %p, %d", call, limit, (void *)out,
                        count);
        fuzz_check_message(&st, FUZZ_NAME, call);
        return -1;
    }
    if (rc != 0)
        fuzz_broken("%s(limit %d): returned %d", call, limit, rc);
    if (!out || count < 1 || len < header)
        fuzz_broken("%s(limit %d): accepted with outputs %p, %d", call, limit, (void *)out, count);
    if (fuzz_be32(buf) != (labels ? IDX_MAGIC_LABELS : IDX_MAGIC_IMAGES) ||
        (!labels && (fuzz_be32(buf + 8) != MNIST_ROWS || fuzz_be32(buf + 12) != MNIST_COLS)))
        fuzz_broken("%s(limit %d): accepted a file with a wrong magic or image size", call, limit);
    uint32_t n = fuzz_be32(buf + 4);
    uint32_t want = limit > 0 && (uint32_t)limit < n ? (uint32_t)limit : n;
    if ((uint32_t)count != want || (uint64_t)n * item != len - header)
        fuzz_broken("%s(limit %d): accepted %d items of a %zu-byte file announcing %u", call, limit,
                    count, len, (unsigned)n);
    if (memcmp(out, buf + header, (size_t)count * item) != 0)
        fuzz_broken("%s(limit %d): items differ from the file's", call, limit);
    for (size_t i = 0; labels && i < n; i++)
        if (buf[header + i] >= MNIST_CLASSES)
            fuzz_broken("%s: accepted label %u at index %zu", call, buf[header + i], i);
    free(out);
    return 0;
}

/* Parses buf both ways with each limit: acceptance must not depend on the limit, and no buffer
 * is both an images and a labels file. */
static void fuzz_parse_all(const uint8_t *buf, size_t len)
{
    static const int limits[] = {0, 1, 3};
    int ok[2];
    for (int labels = 0; labels < 2; labels++) {
        ok[labels] = fuzz_parse(buf, len, labels, limits[0]) == 0;
        for (size_t i = 1; i < sizeof limits / sizeof limits[0]; i++)
            if ((fuzz_parse(buf, len, labels, limits[i]) == 0) != ok[labels])
                fuzz_broken("%s: limit %d changes whether the file is accepted",
                            labels ? "idx_parse_labels" : "idx_parse_images", limits[i]);
    }
    if (ok[0] && ok[1])
        fuzz_broken("accepted both as images and as labels");
}

/* The file idx_read_file reads: an in-memory file (memfd) made once per process, reached through
 * /proc/self/fd so that nothing touches the disk; a deleted temporary file where memfd is
 * missing. */
static int fuzz_fd = -1;
static char fuzz_path[64];

static void fuzz_open_file(void)
{
    fuzz_fd = memfd_create(FUZZ_NAME, MFD_CLOEXEC);
    if (fuzz_fd < 0) {
        char tmp[] = "/tmp/fuzz-idx-XXXXXX";
        fuzz_fd = mkstemp(tmp);
        if (fuzz_fd < 0)
            fuzz_broken("cannot create a temporary file: %s", strerror(errno));
        unlink(tmp); /* the descriptor keeps it alive; nothing is left behind */
    }
    snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d", fuzz_fd);
}

static void fuzz_write_file(const uint8_t *data, size_t size)
{
    if (fuzz_fd < 0)
        fuzz_open_file();
    if (ftruncate(fuzz_fd, 0) != 0)
        fuzz_broken("ftruncate: %s", strerror(errno));
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(fuzz_fd, data + done, size - done, (off_t)done);
        if (n <= 0)
            fuzz_broken("pwrite: %s", n < 0 ? strerror(errno) : "wrote nothing");
        done += (size_t)n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parse_all(data, size);

    fuzz_write_file(data, size);
    uint8_t *out = (uint8_t *)&out;
    size_t len = 12345;
    struct rm_status st;
    memset(&st, 0, sizeof st);
    int rc = idx_read_file(fuzz_path, &out, &len, &st);
    if (rc == -1) {
        if (out != NULL || len != 0)
            fuzz_broken("idx_read_file: refused but left outputs %p, %zu", (void *)out, len);
        fuzz_check_message(&st, fuzz_path, "idx_read_file");
        if (size < 2 || data[0] != 0x1f || data[1] != 0x8b)
            fuzz_broken("idx_read_file: refused a %zu-byte file that is not gzip: %s", size,
                        st.msg);
        return 0;
    }
    if (rc != 0 || !out)
        fuzz_broken("idx_read_file: returned %d with data %p", rc, (void *)out);
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        if (len > ((size_t)64 << 20))
            fuzz_broken("idx_read_file: gunzipped to %zu bytes, over the 64 MiB cap", len);
        fuzz_parse_all(out, len); /* the decompressed file, as idx_load would parse it */
    } else if (len != size || (size && memcmp(out, data, size) != 0)) {
        fuzz_broken("idx_read_file: a raw file read back as %zu bytes instead of its %zu", len,
                    size);
    }
    free(out);
    return 0;
}
