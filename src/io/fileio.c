/* Files in and out (fileio.h): atomic output through a temporary in the same folder, and input
 * opened only after a type check that cannot block. */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include "resnet_mnist/io/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Bytes of the final name kept in a shortened temporary name. */
#define TMP_PREFIX_MAX 32
#define TMP_SUFFIX     ".tmp.XXXXXX"
#define TMP_RANDOM     6

/* The open temporaries, for atomic_file_unlink_temporaries. A slot is FREE, CLAIMED (being
 * filled or emptied: the handler leaves it alone) or READY (dir_fd and name are valid). */
enum { SLOT_FREE, SLOT_CLAIMED, SLOT_READY };
static struct {
    atomic_int state;
    int dir_fd;
    char name[256];
} tracked[ATOMIC_FILE_TRACKED];

static int track(int dir_fd, const char *name)
{
    size_t len = strlen(name);
    if (len >= sizeof tracked[0].name)
        return -1;
    for (int i = 0; i < ATOMIC_FILE_TRACKED; i++) {
        int expect = SLOT_FREE;
        if (atomic_compare_exchange_strong(&tracked[i].state, &expect, SLOT_CLAIMED)) {
            tracked[i].dir_fd = dir_fd;
            memcpy(tracked[i].name, name, len + 1);
            atomic_store(&tracked[i].state, SLOT_READY);
            return i;
        }
    }
    return -1; /* full: written as usual, not removed by a signal handler */
}

static void untrack(int slot)
{
    if (slot < 0)
        return;
    atomic_store(&tracked[slot].state, SLOT_CLAIMED);
    tracked[slot].name[0] = 0;
    atomic_store(&tracked[slot].state, SLOT_FREE);
}

void atomic_file_unlink_temporaries(void)
{
    for (int i = 0; i < ATOMIC_FILE_TRACKED; i++)
        if (atomic_load(&tracked[i].state) == SLOT_READY && tracked[i].name[0])
            (void)unlinkat(tracked[i].dir_fd, tracked[i].name, 0);
}

static void atomic_file_release(struct atomic_file *af)
{
    untrack(af->slot);
    if (af->tmp_path && af->dir_fd >= 0)
        close(af->dir_fd);
    free(af->tmp_path);
    free(af->final_path);
    af->tmp_path = NULL;
    af->final_path = NULL;
    af->fp = NULL;
    af->dir_fd = -1;
    af->slot = -1;
}

/* The part of the temporary's path after the folder. */
static const char *tmp_name(const struct atomic_file *af)
{
    const char *slash = strrchr(af->tmp_path, '/');
    return slash ? slash + 1 : af->tmp_path;
}

static const char *final_name(const struct atomic_file *af)
{
    const char *slash = strrchr(af->final_path, '/');
    return slash ? slash + 1 : af->final_path;
}

/* Random letters and digits for a temporary name: from getrandom, or, should that fail, from the
 * clock, the process id and a counter (names are claimed with O_EXCL, so they need only
 * differ, not be secret). */
static void random_letters(char *out, int n)
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static unsigned counter;
    unsigned char r[TMP_RANDOM];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ ++counter * 0x9E3779B9u;
        for (size_t i = 0; i < sizeof r; i++, x = x * 6364136223846793005u + 1442695040888963407u)
            r[i] = (unsigned char)(x >> 56);
    }
    for (int i = 0; i < n; i++)
        out[i] = set[r[i % TMP_RANDOM] % (sizeof set - 1)];
}

/* Builds "<folder>/<name or its prefix>.tmp.XXXXXX" into af->tmp_path (X still to fill). */
static int tmp_path_init(struct atomic_file *af, const char *dir, const char *name)
{
    long name_max = fpathconf(af->dir_fd, _PC_NAME_MAX);
    size_t keep = strlen(name);
    if (name_max <= 0)
        name_max = 255;
    if (keep + strlen(TMP_SUFFIX) > (size_t)name_max) {
        keep = TMP_PREFIX_MAX;
        while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
            keep--; /* not in the middle of a UTF-8 character */
    }
    size_t dlen = strlen(dir);
    af->tmp_path = malloc(dlen + 1 + keep + sizeof TMP_SUFFIX);
    if (!af->tmp_path)
        return -1;
    memcpy(af->tmp_path, dir, dlen);
    af->tmp_path[dlen] = '/';
    memcpy(af->tmp_path + dlen + 1, name, keep);
    memcpy(af->tmp_path + dlen + 1 + keep, TMP_SUFFIX, sizeof TMP_SUFFIX);
    return 0;
}

int atomic_file_open(struct atomic_file *af, const char *path, struct rm_status *st)
{
    memset(af, 0, sizeof *af);
    af->dir_fd = -1;
    af->slot = -1;
    size_t len = strlen(path);
    if (len == 0 || path[len - 1] == '/')
        return rm_fail(st, "%s: not a file name", path);
    af->final_path = strdup(path);
    char *dir = file_parent_dir(path);
    if (!af->final_path || !dir) {
        free(dir);
        atomic_file_release(af);
        return rm_fail(st, "%s: out of memory", path);
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int e = errno;
        free(dir);
        atomic_file_release(af);
        return rm_fail(st, "%s: cannot create: %s", path, strerror(e));
    }
    af->dir_fd = dfd;
    int rc = tmp_path_init(af, dir, final_name(af));
    free(dir);
    if (rc != 0) {
        close(dfd);
        atomic_file_release(af);
        return rm_fail(st, "%s: out of memory", path);
    }
    char *x = af->tmp_path + strlen(af->tmp_path) - TMP_RANDOM;
    int fd = -1, e = EEXIST;
    for (int attempt = 0; attempt < 100 && fd < 0 && e == EEXIST; attempt++) {
        random_letters(x, TMP_RANDOM);
        /* tracked before it exists, so that a signal between the two cannot leave it behind
         * (the handler's unlink of a name not yet created does nothing) */
        untrack(af->slot);
        af->slot = track(dfd, tmp_name(af));
        fd = openat(dfd, tmp_name(af), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        e = fd < 0 ? errno : 0;
    }
    if (fd < 0) {
        atomic_file_release(af);
        return rm_fail(st, "%s: cannot create: %s", path, strerror(e));
    }
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        e = errno;
        close(fd);
        unlinkat(dfd, tmp_name(af), 0);
        atomic_file_release(af);
        return rm_fail(st, "%s: cannot open: %s", path, strerror(e));
    }
    return 0;
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
    if (!what && renameat(af->dir_fd, tmp_name(af), af->dir_fd, final_name(af)) != 0) {
        what = "cannot rename temporary file into place";
        e = errno;
    }
    if (what) {
        unlinkat(af->dir_fd, tmp_name(af), 0);
        rc = rm_fail(st, "%s: %s: %s", af->final_path, what, strerror(e));
    } else {
        (void)fsync(af->dir_fd); /* so that the rename itself survives a power cut; best effort */
    }
    atomic_file_release(af);
    return rc;
}

void atomic_file_abort(struct atomic_file *af)
{
    if (af->fp)
        fclose(af->fp);
    af->fp = NULL;
    if (af->tmp_path) {
        unlinkat(af->dir_fd, tmp_name(af), 0);
        atomic_file_release(af);
    }
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

static int not_regular(const char *path, mode_t mode, struct rm_status *st)
{
    const char *kind = S_ISDIR(mode)    ? " (a folder)"
                       : S_ISFIFO(mode) ? " (a FIFO)"
                       : S_ISCHR(mode)  ? " (a character device)"
                       : S_ISBLK(mode)  ? " (a block device)"
                       : S_ISSOCK(mode) ? " (a socket)"
                                        : "";
    return rm_fail(st, "%s: not a regular file%s", path, kind);
}

int file_open_input(const char *path, struct rm_status *st)
{
    /* stat first, so that a device is not even opened; the open cannot block (O_NONBLOCK, which
     * a FIFO needs), and fstat checks what was opened, in case the name changed in between. */
    struct stat sb;
    if (stat(path, &sb) != 0)
        return rm_fail(st, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return not_regular(path, sb.st_mode, st);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return rm_fail(st, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return rm_fail(st, "%s: cannot open: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return not_regular(path, sb.st_mode, st);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        return rm_fail(st, "%s: cannot open: %s", path, strerror(e));
    }
    return fd;
}

/* Files of at least this size are read into memory that asks for 2 MiB pages. */
#define HUGE_READ_MIN ((size_t)4 << 20)
#define HUGE_PAGE     ((size_t)2 << 20)

/* A buffer for n bytes. A large one is aligned to 2 MiB pages and asks the kernel for them, so
 * that filling it takes a page fault per 2 MiB rather than per 4 KiB: MNIST's training images
 * are 11,500 small pages, and a page fault is costly in a virtual machine (reading the 7.8 MB
 * test images was a third of a short `test`). free() releases it. */
static void *alloc_read_buffer(size_t n)
{
#ifdef MADV_HUGEPAGE
    if (n >= HUGE_READ_MIN) {
        void *p = NULL;
        if (posix_memalign(&p, HUGE_PAGE, n) != 0)
            return NULL;
        (void)madvise(p, n, MADV_HUGEPAGE); /* only advice: without it, small pages */
        return p;
    }
#endif
    return malloc(n);
}

int file_read_all(const char *path, unsigned char **data, size_t *len, struct rm_status *st)
{
    *data = NULL;
    *len = 0;
    int fd = file_open_input(path, st);
    if (fd < 0)
        return -1;
    struct stat sb;
    /* one byte more than the size, so that the end is seen without growing the buffer */
    size_t cap = (fstat(fd, &sb) == 0 && sb.st_size > 0 ? (size_t)sb.st_size : 4096) + 1, n = 0;
    unsigned char *buf = alloc_read_buffer(cap + 1);
    if (!buf) {
        close(fd);
        return rm_fail(st, "%s: out of memory (%zu bytes)", path, cap);
    }
    for (;;) {
        if (n == cap) { /* the file grew while we read it */
            unsigned char *nb = cap < SIZE_MAX / 2 - 1 ? realloc(buf, cap * 2 + 1) : NULL;
            if (!nb) {
                free(buf);
                close(fd);
                return rm_fail(st, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return rm_fail(st, "%s: read error: %s", path, strerror(e));
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    *data = buf;
    *len = n;
    return 0;
}

int file_same(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
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
