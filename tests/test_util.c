#define _XOPEN_SOURCE 700
#include "test_util.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <pty.h>
#include <unistd.h>
#include <zlib.h>

#include <jpeglib.h>

#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/digit_prep.h"
#include "resnet_mnist/io/idx.h"

static int case_skipped;

void tu_skip(const char *file, int line)
{
    case_skipped = 1;
    _skip(file, line); /* cmocka's: ends the case */
}

/* Runs at exit: a skipped single case is not a pass. (A single selected case that skipped
 * cannot also have failed: skip() ends it.) */
static void exit_if_skipped(void)
{
    if (case_skipped) {
        fflush(NULL);
        _exit(TU_EXIT_SKIPPED);
    }
}

void tu_select_case(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
        atexit(exit_if_skipped);
    }
}

float *tu_random_floats(size_t n, struct rng *r)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(rng_uniform(r) * 2.0 - 1.0);
    return v;
}

char *tu_make_temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    char *path = malloc(strlen(base) + 32);
    assert_non_null(path);
    sprintf(path, "%s/rm-test-XXXXXX", base);
    assert_non_null(mkdtemp(path));
    return path;
}

static int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void tu_remove_dir(char *path)
{
    if (path)
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(path);
}

char *tu_path(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

void tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (len)
        assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

uint8_t *tu_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(fp);
    *len = n;
    return buf;
}

void tu_assert_same_file(const char *dir_a, const char *dir_b, const char *name)
{
    char *a = tu_path(dir_a, name), *b = tu_path(dir_b, name);
    size_t la, lb;
    uint8_t *da = tu_read_file(a, &la), *db = tu_read_file(b, &lb);
    if (la != lb || memcmp(da, db, la) != 0)
        fail_msg("%s and %s differ", a, b);
    free(da), free(db), free(a), free(b);
}

uint8_t *tu_gzip(const void *data, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, len) + 64;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

const char *tu_golden(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", RM_TEST_GOLDEN_DIR, name);
    return buf;
}

/* argv[] = the program, then arg0 and the rest of the NULL-terminated list (at most 62). */
static void program_argv(const char *argv[64], const char *arg0, va_list ap)
{
    int argc = 0;
    argv[argc++] = RM_PROGRAM;
    for (const char *a = arg0; a && argc < 63; a = va_arg(ap, const char *))
        argv[argc++] = a;
    argv[argc] = NULL;
}

/* "NAME=value" sets, "NAME" unsets. */
static void apply_env(const char *entry)
{
    const char *eq = strchr(entry, '=');
    if (!eq) {
        unsetenv(entry);
        return;
    }
    char name[256];
    size_t len = (size_t)(eq - entry);
    if (len == 0 || len >= sizeof name)
        _exit(127);
    memcpy(name, entry, len);
    name[len] = 0;
    setenv(name, eq + 1, 1);
}

/* In the child, before exec: the tests' environment (test_util.h), then env, then the program. */
static void exec_program(const char *const *argv, const char *const *env)
{
    static const char *const defaults[] = {
        "TERM=xterm", "LC_ALL=C",          "LANG=C",
        "LANGUAGE",   "LC_MESSAGES",       "COLUMNS",
        "LINES",      "RESNET_MNIST_DATA", "RESNET_MNIST_FONT",
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        apply_env(defaults[i]);
    for (size_t i = 0; env && env[i]; i++)
        apply_env(env[i]);
    execv(RM_PROGRAM, (char *const *)argv);
    _exit(127);
}

static int run_program(char **out, char **err, const char *const *env, const char *arg0, va_list ap)
{
    const char *argv[64];
    program_argv(argv, arg0, ap);
    char *dir = tu_make_temp_dir();
    char *out_path = tu_path(dir, "stdout"), *err_path = tu_path(dir, "stderr");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(out_path, "w", stdout) || !freopen(err_path, "w", stderr))
            _exit(127);
        exec_program(argv, env);
    }
    int status = tu_wait(pid);
    size_t len;
    if (out)
        *out = (char *)tu_read_file(out_path, &len), (*out)[len] = 0;
    if (err)
        *err = (char *)tu_read_file(err_path, &len), (*err)[len] = 0;
    free(out_path);
    free(err_path);
    tu_remove_dir(dir);
    return status;
}

int tu_run_program(char **out, char **err, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int rc = run_program(out, err, NULL, arg0, ap);
    va_end(ap);
    return rc;
}

int tu_run_program_env(char **out, char **err, const char *const *env, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int rc = run_program(out, err, env, arg0, ap);
    va_end(ap);
    return rc;
}

void tu_write_mnist_split(const char *dir, const char *prefix, int n)
{
    size_t isz = 16 + (size_t)n * 784, lsz = 8 + (size_t)n;
    uint8_t *img = calloc(isz, 1), *lab = calloc(lsz, 1);
    assert_non_null(img);
    assert_non_null(lab);
    const uint8_t ih[16] = {0,
                            0,
                            8,
                            3,
                            (uint8_t)(n >> 24),
                            (uint8_t)(n >> 16),
                            (uint8_t)(n >> 8),
                            (uint8_t)n,
                            0,
                            0,
                            0,
                            28,
                            0,
                            0,
                            0,
                            28};
    const uint8_t lh[8] = {
        0, 0, 8, 1, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(img, ih, 16);
    memcpy(lab, lh, 8);
    for (int i = 0; i < n; i++) {
        int l = i % 10, r0 = 3 + (l / 5) * 12, c0 = 2 + (l % 5) * 5;
        uint8_t *p = img + 16 + (size_t)i * 784;
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 5; c++)
                p[(r0 + r) * 28 + c0 + c] = 255;
        p[(i * 37) % 784] ^= 0x40;
        lab[8 + i] = (uint8_t)l;
    }
    char name[4096];
    snprintf(name, sizeof name, "%s/%s-images-idx3-ubyte", dir, prefix);
    tu_write_file(name, img, isz);
    snprintf(name, sizeof name, "%s/%s-labels-idx1-ubyte", dir, prefix);
    tu_write_file(name, lab, lsz);
    free(img);
    free(lab);
}

/* In the child: stderr to /dev/null unless merged into the output. */
static void quiet_stderr(int merge_stderr)
{
    if (!merge_stderr) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
    }
}

static int spawn_program(int *out_fd, int use_pty, int merge_stderr, const char *const *env,
                         const char *arg0, va_list ap)
{
    const char *argv[64];
    program_argv(argv, arg0, ap);
    fflush(NULL);
    pid_t pid;
    if (use_pty) {
        int master;
        pid = forkpty(&master, NULL, NULL, NULL);
        assert_true(pid >= 0);
        if (pid == 0) {
            quiet_stderr(merge_stderr);
            exec_program(argv, env);
        }
        *out_fd = master;
        return pid;
    }
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        if (merge_stderr)
            dup2(fds[1], 2);
        quiet_stderr(merge_stderr);
        close(fds[0]);
        close(fds[1]);
        exec_program(argv, env);
    }
    close(fds[1]);
    *out_fd = fds[0];
    return pid;
}

int tu_spawn_program(int *out_fd, int use_pty, int merge_stderr, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int pid = spawn_program(out_fd, use_pty, merge_stderr, NULL, arg0, ap);
    va_end(ap);
    return pid;
}

int tu_spawn_program_env(int *out_fd, int use_pty, int merge_stderr, const char *const *env,
                         const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int pid = spawn_program(out_fd, use_pty, merge_stderr, env, arg0, ap);
    va_end(ap);
    return pid;
}

int tu_read_until(int fd, char **buf, size_t *len, const char *want)
{
    if (!*buf) {
        *buf = calloc(1, 1);
        *len = 0;
    }
    for (;;) {
        if (want && strstr(*buf, want))
            return 1;
        char chunk[4096];
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) /* EOF, or EIO on a pty whose child has exited */
            return want ? strstr(*buf, want) != NULL : 1;
        *buf = realloc(*buf, *len + (size_t)got + 1);
        assert_non_null(*buf);
        memcpy(*buf + *len, chunk, (size_t)got);
        *len += (size_t)got;
        (*buf)[*len] = 0;
    }
}

int tu_wait(int pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void tu_load_png_rgb(const char *path, struct tu_image *im)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t len;
    uint8_t *bytes = tu_read_file(path, &len);
    assert_true(len > sizeof sig);
    assert_memory_equal(bytes, sig, sizeof sig);
    free(bytes);
    int channels;
    struct rm_status st;
    if (digit_prep_load_image(path, &im->px, &im->w, &im->h, &channels, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(channels, 3); /* RGB, no alpha */
}

void tu_random_dataset(struct idx_dataset *ds, int n, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed);
    ds->n = n;
    ds->images = malloc((size_t)n * MNIST_PIXELS);
    ds->labels = malloc((size_t)n);
    assert_non_null(ds->images);
    assert_non_null(ds->labels);
    for (size_t i = 0; i < (size_t)n * MNIST_PIXELS; i++)
        ds->images[i] = (uint8_t)rng_below(&r, 256);
    for (int i = 0; i < n; i++)
        ds->labels[i] = (uint8_t)(i % 10);
}

void tu_edit_resumable(const char *path, const char *key, const char *value)
{
    struct rm_status st;
    float *buf = malloc(3 * MODEL_PARAM_FLOATS * sizeof *buf);
    assert_non_null(buf);
    struct ckpt_tensor t[3 * MODEL_PARAM_COUNT];
    char names[3 * MODEL_PARAM_COUNT][64];
    for (int k = 0; k < 3; k++) {
        run_ckpt_tensors(buf + (size_t)k * MODEL_PARAM_FLOATS, t + k * MODEL_PARAM_COUNT);
        for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
            struct ckpt_tensor *e = &t[k * MODEL_PARAM_COUNT + i];
            snprintf(names[k * MODEL_PARAM_COUNT + i], 64, "%s%s",
                     k == 0   ? ""
                     : k == 1 ? "momentum."
                              : "best.",
                     e->name);
            e->name = names[k * MODEL_PARAM_COUNT + i];
            e->optional = k > 0;
        }
    }
    struct ckpt_meta meta = {0};
    if (ckpt_load(path, t, 3 * MODEL_PARAM_COUNT, &meta, &st) != 0)
        fail_msg("%s", st.msg);
    int n = 0;
    for (int i = 0; i < 3 * MODEL_PARAM_COUNT; i++)
        if (t[i].present)
            t[n++] = t[i];
    assert_int_equal(ckpt_meta_set(&meta, key, value, &st), 0);
    if (ckpt_save(path, t, n, &meta, &st) != 0)
        fail_msg("%s", st.msg);
    ckpt_meta_free(&meta);
    free(buf);
}

uint8_t *tu_write_jpeg(const uint8_t *px, int w, int h, int channels, int quality,
                       const uint8_t *app1, size_t app1_len, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *buf = NULL;
    unsigned long n = 0;
    jpeg_mem_dest(&c, &buf, &n);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = channels;
    c.in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    if (app1)
        jpeg_write_marker(&c, JPEG_APP0 + 1, app1, (unsigned)app1_len);
    for (int y = 0; y < h; y++) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)y * w * channels);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *len = n;
    return buf;
}
