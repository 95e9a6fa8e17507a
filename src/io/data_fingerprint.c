/* SHA-256 fingerprints of a run's data: see data_fingerprint.h. */
#include "resnet_mnist/io/data_fingerprint.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

/* The parts in order: their names in the text form and the files they come from. */
static const char *const part_names[DATA_FINGERPRINT_PARTS] = {"train-images", "train-labels",
                                                               "t10k-images", "t10k-labels"};
static const char *const part_files[DATA_FINGERPRINT_PARTS] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte"};

int data_fingerprint_compute(struct data_fingerprint *fp, const struct idx_dataset *train,
                             const struct idx_dataset *test, struct rm_status *st)
{
    const struct idx_dataset *sets[2] = {train, test};
    for (int i = 0; i < DATA_FINGERPRINT_PARTS; i++) {
        const struct idx_dataset *ds = sets[i / 2];
        const void *data = i % 2 ? (const void *)ds->labels : (const void *)ds->images;
        size_t len = (size_t)ds->n * (i % 2 ? 1 : MNIST_PIXELS);
        unsigned int out = 0;
        if (!EVP_Digest(data, len, fp->sha256[i], &out, EVP_sha256(), NULL) || out != 32)
            return rm_fail(st, "SHA-256 of the %s failed (libcrypto)", part_names[i]);
    }
    return 0;
}

void data_fingerprint_format(const struct data_fingerprint *fp, char *buf)
{
    char *p = buf;
    for (int i = 0; i < DATA_FINGERPRINT_PARTS; i++) {
        p += sprintf(p, "%s%s:", i ? "," : "", part_names[i]);
        for (int b = 0; b < 32; b++)
            p += sprintf(p, "%02x", fp->sha256[i][b]);
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int data_fingerprint_parse(struct data_fingerprint *fp, const char *name, const char *text,
                           struct rm_status *st)
{
    struct data_fingerprint tmp;
    const char *p = text;
    for (int i = 0; i < DATA_FINGERPRINT_PARTS; i++) {
        size_t n = strlen(part_names[i]);
        if ((i && *p++ != ',') || strncmp(p, part_names[i], n) != 0 || p[n] != ':')
            goto bad;
        p += n + 1;
        for (int b = 0; b < 32; b++) {
            int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
            if (lo < 0)
                goto bad;
            tmp.sha256[i][b] = (unsigned char)(hi << 4 | lo);
            p += 2;
        }
    }
    if (*p)
        goto bad;
    *fp = tmp;
    return 0;
bad:
    return rm_fail(st, "%s: '%.300s' is not a data fingerprint", name, text);
}

int data_fingerprint_check(const struct data_fingerprint *want, const struct data_fingerprint *have,
                           const char *dir, struct rm_status *st)
{
    for (int i = 0; i < DATA_FINGERPRINT_PARTS; i++)
        if (memcmp(want->sha256[i], have->sha256[i], 32) != 0)
            return rm_fail(st,
                           "%s: %s[.gz] is not the data the run was trained on (the SHA-256 of "
                           "the %s it uses differs)",
                           dir, part_files[i], i % 2 ? "labels" : "images");
    return 0;
}
