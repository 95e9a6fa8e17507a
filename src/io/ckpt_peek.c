/* One tensor's declared shape from a safetensors header: see ckpt_peek.h. */
#include "resnet_mnist/io/ckpt_peek.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "resnet_mnist/io/bytes.h"
#include "resnet_mnist/io/fileio.h"

#define PEEK_MAX_HEADER (100u * 1000 * 1000) /* ckpt_parse's limit */

/* The header's bytes (NUL-terminated, caller frees) into *text. */
static int read_header(const char *path, char **text, struct rm_status *st)
{
    int fd = file_open_input(path, st);
    if (fd < 0)
        return -1;
    struct stat sb;
    uint8_t head[8];
    char *buf = NULL;
    int rc = -1;
    if (fstat(fd, &sb) != 0 || read(fd, head, 8) != 8) {
        rm_fail(st, "%s: not a safetensors file (shorter than its 8-byte header length)", path);
        goto done;
    }
    uint64_t n = bytes_load_le64(head);
    if (n > PEEK_MAX_HEADER || n > (uint64_t)sb.st_size - 8) {
        rm_fail(st, "%s: not a safetensors file (header length %llu)", path, (unsigned long long)n);
        goto done;
    }
    if (!(buf = malloc((size_t)n + 1))) {
        rm_fail(st, "%s: out of memory", path);
        goto done;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, (size_t)n - got);
        if (r <= 0) {
            rm_fail(st, "%s: read error in the header", path);
            goto done;
        }
        got += (size_t)r;
    }
    buf[n] = 0;
    *text = buf;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    close(fd);
    return rc;
}

int ckpt_peek_shape(const char *path, const char *name, int64_t shape[CKPT_MAX_DIMS], int *ndim,
                    struct rm_status *st)
{
    char *text = NULL;
    if (read_header(path, &text, st) != 0)
        return -1;
    cJSON *root = cJSON_Parse(text);
    free(text);
    int rc = -1;
    if (!cJSON_IsObject(root)) {
        rm_fail(st, "%s: not a safetensors file (its header is not a JSON object)", path);
        goto done;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, name);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(t, "shape");
    if (!cJSON_IsObject(t)) {
        rm_fail(st, "%s: no tensor '%s'", path, name);
        goto done;
    }
    int n = cJSON_GetArraySize(s);
    if (!cJSON_IsArray(s) || n > CKPT_MAX_DIMS) {
        rm_fail(st, "%s: tensor '%s' has no valid shape", path, name);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *d = cJSON_GetArrayItem(s, i);
        if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 2147483647.0 ||
            d->valuedouble != (double)(int64_t)d->valuedouble) {
            rm_fail(st, "%s: tensor '%s' has no valid shape", path, name);
            goto done;
        }
        shape[i] = (int64_t)d->valuedouble;
    }
    *ndim = n;
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}
