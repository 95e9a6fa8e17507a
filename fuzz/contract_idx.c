/* The contract of the IDX readers (idx.h) on one input; see contract.h. */
#include "contract.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/idx.h"

#define IDX_NAME "fuzz-idx"
/* idx.c's cap on a file, before or after gunzipping. */
#define IDX_MAX_BYTES ((size_t)64 << 20)

/* Parses buf as images (labels = 0) or labels (labels = 1) with the given limit, checks the
 * contract and returns the result (0 or -1). */
static int idx_parse(const uint8_t *buf, size_t len, int labels, int limit,
                     const struct contract_report *r)
{
    const char *call = labels ? "idx_parse_labels" : "idx_parse_images";
    size_t header = labels ? 8 : 16, item = labels ? 1 : MNIST_PIXELS;
    uint8_t *out = (uint8_t *)&out; /* not NULL: the call must set it */
    int count = -12345;
    struct rm_status st;
    memset(&st, 0, sizeof st);
    int rc = labels ? idx_parse_labels(buf, len, IDX_NAME, limit, &out, &count, &st)
                    : idx_parse_images(buf, len, IDX_NAME, limit, &out, &count, &st);
    if (rc == -1) {
        if (out != NULL || count != 0)
            contract_fail(r, "%s(limit %d): refused but left outputs %p, %d", call, limit,
                          (void *)out, count);
        contract_check_refusal(r, &st, IDX_NAME, call);
        return -1;
    }
    if (rc != 0)
        contract_fail(r, "%s(limit %d): returned %d", call, limit, rc);
    if (!out || count < 1 || len < header)
        contract_fail(r, "%s(limit %d): accepted with outputs %p, %d", call, limit, (void *)out,
                      count);
    if (bytes_load_be32(buf) != (labels ? IDX_MAGIC_LABELS : IDX_MAGIC_IMAGES) ||
        (!labels &&
         (bytes_load_be32(buf + 8) != MNIST_ROWS || bytes_load_be32(buf + 12) != MNIST_COLS)))
        contract_fail(r, "%s(limit %d): accepted a file with a wrong magic or image size", call,
                      limit);
    uint32_t n = bytes_load_be32(buf + 4);
    uint32_t want = limit > 0 && (uint32_t)limit < n ? (uint32_t)limit : n;
    if ((uint32_t)count != want || (uint64_t)n * item != len - header)
        contract_fail(r, "%s(limit %d): accepted %d items of a %zu-byte file announcing %u", call,
                      limit, count, len, (unsigned)n);
    /* every item as the file has it: a label is any byte here (255 is not -1), the classes
     * being the run's (the engine's dataset_check_labels refuses a label >= N) */
    if (memcmp(out, buf + header, (size_t)count * item) != 0)
        contract_fail(r, "%s(limit %d): items differ from the file's", call, limit);
    free(out);
    return 0;
}

/* Parses buf both ways with each limit: acceptance must not depend on the limit, and no buffer
 * is both an images and a labels file. Returns how many ways accepted it (0 or 1). */
static int idx_parse_all(const uint8_t *buf, size_t len, const struct contract_report *r)
{
    static const int limits[] = {0, 1, 3};
    int ok[2];
    for (int labels = 0; labels < 2; labels++) {
        ok[labels] = idx_parse(buf, len, labels, limits[0], r) == 0;
        for (size_t i = 1; i < sizeof limits / sizeof limits[0]; i++)
            if ((idx_parse(buf, len, labels, limits[i], r) == 0) != ok[labels])
                contract_fail(r, "%s: limit %d changes whether the file is accepted",
                              labels ? "idx_parse_labels" : "idx_parse_images", limits[i]);
    }
    if (ok[0] && ok[1])
        contract_fail(r, "accepted both as images and as labels");
    return ok[0] + ok[1];
}

int contract_check_idx(const uint8_t *data, size_t size, const char *path,
                       const struct contract_report *r)
{
    int accepted = idx_parse_all(data, size, r);

    int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    uint8_t *out = (uint8_t *)&out; /* not NULL: the call must set it */
    size_t len = 12345;
    struct rm_status st;
    memset(&st, 0, sizeof st);
    int rc = idx_read_file(path, &out, &len, &st);
    if (rc == -1) {
        if (out != NULL || len != 0)
            contract_fail(r, "idx_read_file: refused but left outputs %p, %zu", (void *)out, len);
        contract_check_refusal(r, &st, path, "idx_read_file");
        if (!gz)
            contract_fail(r, "idx_read_file: refused a %zu-byte file that is not gzip: %s", size,
                          st.msg);
        return accepted > 0;
    }
    if (rc != 0 || !out)
        contract_fail(r, "idx_read_file: returned %d with data %p", rc, (void *)out);
    if (gz) {
        if (len > IDX_MAX_BYTES)
            contract_fail(r, "idx_read_file: gunzipped to %zu bytes, over the 64 MiB cap", len);
        accepted += idx_parse_all(out, len, r); /* the decompressed file, as idx_load parses it */
    } else if (len != size || (size && memcmp(out, data, size) != 0)) {
        contract_fail(r, "idx_read_file: a raw file read back as %zu bytes instead of its %zu", len,
                      size);
    }
    free(out);
    return accepted > 0;
}
