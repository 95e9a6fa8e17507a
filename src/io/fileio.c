#define _POSIX_C_SOURCE 200809L
#include "resnet_mnist/io/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void atomic_file_release(struct atomic_file *af)
{
    free(af->tmp_path);
    free(af->final_path);
    af->tmp_path = NULL;
    af->final_path = NULL;
    af->fp = NULL;
}

int atomic_file_open(struct atomic_file *af, const char *path, struct rm_status *st)
{
    memset(af, 0, sizeof *af);
    size_t len = strlen(path);
    af->final_path = malloc(len + 1);
    af->tmp_path = malloc(len + sizeof ".tmp.XXXXXX");
    if (!af->final_path || !af->tmp_path) {
        atomic_file_release(af);
        return rm_fail(st, "%s: out of memory", path);
    }
    memcpy(af->final_path, path, len + 1);
    memcpy(af->tmp_path, path, len);
    memcpy(af->tmp_path + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int e = errno;
        atomic_file_release(af);
        return rm_fail(st, "%s: cannot create: %s", path, strerror(e));
    }
    /* mkstemp makes 0600 files; outputs are ordinary files, so honour the umask. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        int e = errno;
        close(fd);
        unlink(af->tmp_path);
        atomic_file_release(af);
        return rm_fail(st, "%s: cannot open: %s", path, strerror(e));
    }
    return 0;
}

/* fsync the folder so that the rename itself survives a power cut. Best effort. */
static void fsync_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(copy);
}

int atomic_file_commit(struct atomic_file *af, struct rm_status *st)
{
    int rc = 0;
    const char *what = NULL;
    int e = 0;
    if (fflush(af->fp) != 0) {
        what = "write failed";
        e = errno;
    } else if (ferror(af->fp)) {
        what = "write failed";
        e = EIO;
    } else if (fsync(fileno(af->fp)) != 0 && errno != EINVAL) {
        what = "fsync failed";
        e = errno;
    }
    if (fclose(af->fp) != 0 && !what) {
        what = "close failed";
        e = errno;
    }
    af->fp = NULL;
    if (!what && rename(af->tmp_path, af->final_path) != 0) {
        what = "cannot rename temporary file into place";
        e = errno;
    }
    if (what) {
        unlink(af->tmp_path);
        rc = rm_fail(st, "%s: %s: %s", af->final_path, what, strerror(e));
    } else {
        fsync_parent(af->final_path);
    }
    atomic_file_release(af);
    return rc;
}

void atomic_file_abort(struct atomic_file *af)
{
    if (af->fp)
        fclose(af->fp);
    if (af->tmp_path)
        unlink(af->tmp_path);
    atomic_file_release(af);
}

int atomic_write_buffer(const char *path, const void *data, size_t len, struct rm_status *st)
{
    struct atomic_file af;
    if (atomic_file_open(&af, path, st) != 0)
        return -1;
    if (len && fwrite(data, 1, len, af.fp) != len) {
        int e = errno;
        atomic_file_abort(&af);
        return rm_fail(st, "%s: write failed: %s", path, strerror(e));
    }
    return atomic_file_commit(&af, st);
}

int file_read_all(const char *path, unsigned char **data, size_t *len, struct rm_status *st)
{
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rm_fail(st, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return rm_fail(st, "%s: not a regular file", path);
    }
    size_t cap = sb.st_size > 0 ? (size_t)sb.st_size : 4096, n = 0;
    unsigned char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(fp);
        return rm_fail(st, "%s: out of memory (%zu bytes)", path, cap);
    }
    for (;;) {
        if (n == cap) { /* the file grew while we read it */
            unsigned char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                fclose(fp);
                return rm_fail(st, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return rm_fail(st, "%s: read error", path);
    }
    *data = buf;
    *len = n;
    return 0;
}

char *file_join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    size_t at = a;
    if (a && dir[a - 1] != '/')
        p[at++] = '/';
    memcpy(p + at, name, b + 1);
    return p;
}

char *file_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = 0;
    }
    return d;
}
