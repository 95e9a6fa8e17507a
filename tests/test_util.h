#ifndef RESNET_MNIST_TEST_UTIL_H
#define RESNET_MNIST_TEST_UTIL_H

/* Shared by the cmocka tests: temporary folders and small file helpers. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

struct rng;

/* cmocka's skip() returns 0 from the process, which CTest would count as a pass. This one is
 * counted too: when the one case named on the command line (tu_select_case) was skipped, the
 * process exits with TU_EXIT_SKIPPED instead, which CTest is told means "skipped"
 * (SKIP_RETURN_CODE in tests/CMakeLists.txt). */
#define TU_EXIT_SKIPPED 77
void tu_skip(const char *file, int line);
#undef skip
#define skip() tu_skip(__FILE__, __LINE__)

/* An RGB picture read back from a PNG the program wrote. */
struct tu_image {
    int w, h;
    unsigned char *px; /* w*h*3, malloc'd */
};
/* Reads a PNG (checking the signature, so that another format would not pass) that must be
 * 8-bit RGB without alpha; fails the test otherwise. Free px with free(). */
void tu_load_png_rgb(const char *path, struct tu_image *im);

/* With an argument, runs only the case of that name (CTest registers each case on its own, so a
 * failure names its case), and makes the process exit with TU_EXIT_SKIPPED if that case calls
 * skip(). Call first in main. */
void tu_select_case(int argc, char **argv);

/* Makes a fresh folder under $TMPDIR (or /tmp) and returns its malloc'd path. */
char *tu_make_temp_dir(void);
/* Removes a folder made by tu_make_temp_dir and everything in it; frees path. */
void tu_remove_dir(char *path);
/* Returns malloc'd "dir/name". */
char *tu_path(const char *dir, const char *name);
/* Writes len bytes to path (fails the test on error). */
void tu_write_file(const char *path, const void *data, size_t len);
/* A JPEG of h rows of w pixels of `channels` bytes (1 grey, 3 RGB, 4 CMYK) at a libjpeg quality,
 * written by libjpeg in memory, with an APP1 marker (EXIF) when app1 is not NULL; the caller
 * frees it. */
uint8_t *tu_write_jpeg(const uint8_t *px, int w, int h, int channels, int quality,
                       const uint8_t *app1, size_t app1_len, size_t *len);
/* Fails the test unless dir_a/name and dir_b/name hold the same bytes. */
void tu_assert_same_file(const char *dir_a, const char *dir_b, const char *name);
/* Reads a whole file; fails the test on error. The buffer has room for a NUL after *len
 * bytes. Caller frees. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* gzip-compresses data (caller frees). */
uint8_t *tu_gzip(const void *data, size_t len, size_t *out_len);
/* Path of a file in tests/golden (static buffer, valid until the next call). */
const char *tu_golden(const char *name);
/* n floats drawn uniformly from [-1, 1) (malloc'd, at least one; caller frees). */
struct idx_dataset;
float *tu_random_floats(size_t n, struct rng *r);
/* Fills ds with n images of random pixels drawn from seed, image i labelled i % 10 (malloc'd:
 * free ds->images and ds->labels). */
void tu_random_dataset(struct idx_dataset *ds, int n, uint64_t seed);
/* Sets key to value in the metadata of the resumable file (last.bin) at path and saves it with
 * matching checksums, as a hand edit that knows the format would. */
void tu_edit_resumable(const char *path, const char *key, const char *value);

/* The programs the tests start run in an environment of their own, not the caller's: the
 * caller's, with TERM=xterm (a terminal that can redraw a line in place; it matters only on a
 * pseudo-terminal), LC_ALL=C and LANG=C, and no LANGUAGE, LC_MESSAGES, COLUMNS, LINES,
 * RESNET_MNIST_DATA (so the data folder is the default) or RESNET_MNIST_FONT (so the font is
 * the default search). A test that depends on another value says so through the _env variants:
 * env is a NULL-terminated list of "NAME=value" (set) and "NAME" (unset), applied after these
 * defaults. */

/* Runs the resnet-mnist program with args (NULL-terminated), stdout and stderr captured into
 * malloc'd strings (either pointer may be NULL). Returns the exit status (or 128+signal). */
int tu_run_program(char **out, char **err, const char *arg0, ...);
int tu_run_program_env(char **out, char **err, const char *const *env, const char *arg0, ...);

/* Writes n synthetic 28x28 digits as <dir>/<prefix>-images-idx3-ubyte and -labels-idx1-ubyte:
 * image i, label i % 10, is a bright square in one of ten places (learnable) plus a little
 * noise. */
void tu_write_mnist_split(const char *dir, const char *prefix, int n);

/* Starts the program with args (NULL-terminated); its stdout (and stderr, when merge_stderr)
 * is readable from *out_fd: a pipe, or a pseudo-terminal when use_pty. Returns the pid. */
int tu_spawn_program(int *out_fd, int use_pty, int merge_stderr, const char *arg0, ...);
int tu_spawn_program_env(int *out_fd, int use_pty, int merge_stderr, const char *const *env,
                         const char *arg0, ...);
/* Reads from fd, appending to *buf (malloc'd, NUL-terminated, grows), until `want` appears in
 * it or the stream ends. Returns 1 if found. */
int tu_read_until(int fd, char **buf, size_t *len, const char *want);
/* waitpid: the exit status, or 128 + signal. */
int tu_wait(int pid);

#endif
