/* Replays the fuzzing seeds (fuzz/corpus/<target>) and the inputs that once broke a parser
 * (fuzz/regressions/<target>) through the same entry points as the libFuzzer harnesses
 * (fuzz/fuzz_idx.c, fuzz/fuzz_ckpt.c), with the normal compiler and no libFuzzer, and checks the
 * same contract: no crash (the sanitizer build turns memory errors into failures), a result of
 * 0 or -1, on -1 a non-empty one-line message "<name>: <problem>" and untouched outputs, on 0
 * outputs that match the file. A failure names the file. */
#include "test_util.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/idx.h"

#ifndef RM_FUZZ_DIR
#error "RM_FUZZ_DIR must name the fuzz folder (tests/CMakeLists.txt)"
#endif

/* Fails the test with "<file>: <what>" unless ok. */
__attribute__((format(printf, 3, 4))) static void expect(int ok, const char *file, const char *fmt,
                                                         ...)
{
    if (ok)
        return;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fail_msg("%s: %s", file, what);
}

/* A refusal's message: non-empty, terminated, one line, starting with "<name>: ". */
static void expect_message(const struct rm_status *st, const char *name, const char *file,
                           const char *call)
{
    size_t n = strnlen(st->msg, sizeof st->msg), k = strlen(name);
    expect(n > 0 && n < sizeof st->msg, file, "%s: refused with an empty message", call);
    expect(memchr(st->msg, '\n', n) == NULL, file, "%s: message spans lines: %s", call, st->msg);
    expect(strncmp(st->msg, name, k) == 0 && strncmp(st->msg + k, ": ", 2) == 0, file,
           "%s: message does not start with '%s: ': %s", call, name, st->msg);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir as malloc'd paths, sorted; a missing folder has none (git keeps no
 * empty folder, so fuzz/regressions/<target> exists only once something was found). */
static char **list_files(const char *dir, size_t *count)
{
    size_t n = 0, cap = 16;
    char **paths = malloc(cap * sizeof *paths);
    assert_non_null(paths);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char *p = tu_path(dir, e->d_name);
        struct stat sb;
        if (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(p);
            continue;
        }
        if (n == cap) {
            cap *= 2;
            paths = realloc(paths, cap * sizeof *paths);
            assert_non_null(paths);
        }
        paths[n++] = p;
    }
    if (d)
        closedir(d);
    qsort(paths, n, sizeof *paths, cmp_names);
    *count = n;
    return paths;
}

static void free_files(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* Runs check (which returns 1 if it accepted the file) on every file of fuzz/<where>/<target>.
 * Seeds (where = "corpus") are valid files unless named refused-*: a seed that no longer parses,
 * or a seed folder gone missing, would leave the fuzzer stuck at the first checks. */
static void check_folder(const char *where, const char *target, int (*check)(const char *file))
{
    char *dir = tu_path(RM_FUZZ_DIR, where);
    char *sub = tu_path(dir, target);
    size_t n;
    char **files = list_files(sub, &n);
    int seeds = strcmp(where, "corpus") == 0;
    if (seeds && n == 0)
        fail_msg("%s: no seed files", sub);
    for (size_t i = 0; i < n; i++) {
        print_message("%s\n", files[i]); /* names the file if the parser crashes */
        int accepted = check(files[i]);
        const char *base = strrchr(files[i], '/') + 1;
        int refused = strncmp(base, "refused-", strlen("refused-")) == 0;
        expect(!seeds || accepted != refused, files[i], "seed %s",
               refused ? "named refused-* is accepted" : "is refused");
    }
    free_files(files, n);
    free(sub);
    free(dir);
}

/* ---- IDX (as fuzz/fuzz_idx.c) ------------------------------------------------------------ */

#define IDX_NAME "fuzz-idx"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Parses buf as images (labels = 0) or labels with the given limit; returns 0 or -1. */
static int idx_check_parse(const uint8_t *buf, size_t len, int labels, int limit, const char *file)
{
    const char *call = labels ? "idx_parse_labels" : "idx_parse_images";
    size_t header = labels ? 8 : 16, item = labels ? 1 : MNIST_PIXELS;
    uint8_t *out = (uint8_t *)&out; /* not NULL: the call must set it */
    int count = -12345;
    struct rm_status st;
    memset(&st, 0, sizeof st);
    int rc = labels ? idx_parse_labels(buf, len, IDX_NAME, limit, &out, &count, &st)
                    : idx_parse_images(buf, len, IDX_NAME, limit, &out, &count, &st);
    expect(rc == 0 || rc == -1, file, "%s(limit %d) returned %d", call, limit, rc);
    if (rc == -1) {
        expect(out == NULL && count == 0, file, "%s(limit %d): refused but set outputs", call,
               limit);
        expect_message(&st, IDX_NAME, file, call);
        return -1;
    }
    expect(out != NULL && count >= 1 && len >= header, file, "%s(limit %d): accepted, count %d",
           call, limit, count);
    expect(be32(buf) == (labels ? IDX_MAGIC_LABELS : IDX_MAGIC_IMAGES) &&
               (labels || (be32(buf + 8) == MNIST_ROWS && be32(buf + 12) == MNIST_COLS)),
           file, "%s(limit %d): accepted a wrong magic or image size", call, limit);
    uint32_t n = be32(buf + 4);
    uint32_t want = limit > 0 && (uint32_t)limit < n ? (uint32_t)limit : n;
    expect((uint32_t)count == want && (uint64_t)n * item == len - header, file,
           "%s(limit %d): accepted %d items of a %zu-byte file announcing %u", call, limit, count,
           len, (unsigned)n);
    expect(memcmp(out, buf + header, (size_t)count * item) == 0, file,
           "%s(limit %d): items differ from the file's", call, limit);
    for (size_t i = 0; labels && i < n; i++)
        expect(buf[header + i] < MNIST_CLASSES, file, "%s: accepted label %u at %zu", call,
               buf[header + i], i);
    free(out);
    return 0;
}

/* Both kinds, limits 0, 1, 3; returns how many kinds accepted buf (0 or 1). */
static int idx_check_parse_all(const uint8_t *buf, size_t len, const char *file)
{
    static const int limits[] = {0, 1, 3};
    int ok[2];
    for (int labels = 0; labels < 2; labels++) {
        ok[labels] = idx_check_parse(buf, len, labels, limits[0], file) == 0;
        for (size_t i = 1; i < sizeof limits / sizeof limits[0]; i++)
            expect((idx_check_parse(buf, len, labels, limits[i], file) == 0) == ok[labels], file,
                   "limit %d changes whether the file is accepted", limits[i]);
    }
    expect(!(ok[0] && ok[1]), file, "accepted both as images and as labels");
    return ok[0] + ok[1];
}

/* Returns 1 if some reading of the file (raw, or its gunzipped contents) is a valid IDX file. */
static int idx_check_file(const char *file)
{
    size_t size;
    uint8_t *data = tu_read_file(file, &size);
    int accepted = idx_check_parse_all(data, size, file);

    int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    uint8_t *out = (uint8_t *)&out;
    size_t len = 12345;
    struct rm_status st;
    memset(&st, 0, sizeof st);
    int rc = idx_read_file(file, &out, &len, &st);
    expect(rc == 0 || rc == -1, file, "idx_read_file returned %d", rc);
    if (rc == -1) {
        expect(out == NULL && len == 0, file, "idx_read_file: refused but set outputs");
        expect_message(&st, file, file, "idx_read_file");
        expect(gz, file, "idx_read_file refused a file that is not gzip: %s", st.msg);
    } else if (gz) {
        expect(out != NULL && len <= ((size_t)64 << 20), file, "idx_read_file: %zu bytes", len);
        accepted += idx_check_parse_all(out, len, file);
        free(out);
    } else {
        expect(out != NULL && len == size && (size == 0 || memcmp(out, data, size) == 0), file,
               "idx_read_file: a raw file read back as %zu bytes instead of its %zu", len, size);
        free(out);
    }
    free(data);
    return accepted > 0;
}

static void test_fuzz_regressions_idx(void **state)
{
    (void)state;
    check_folder("corpus", "idx", idx_check_file);
    check_folder("regressions", "idx", idx_check_file);
}

/* ---- checkpoints (as fuzz/fuzz_ckpt.c: keep the table in step) --------------------------- */

#define CKPT_NAME   "fuzz-ckpt"
#define CKPT_NT     6
#define CKPT_ELEMS  6
#define CKPT_POISON 0x7fc0deadu

static const struct ckpt_spec {
    const char *name;
    int ndim;
    int64_t shape[CKPT_MAX_DIMS];
    int optional;
} ckpt_table[CKPT_NT] = {
    {"fc.weight", 2, {2, 3}, 0}, {"fc.bias", 1, {4}, 0},  {"conv.weight", 4, {1, 2, 2, 1}, 0},
    {"scale", 0, {0}, 0},        {"empty", 2, {0, 2}, 0}, {"fc.weight.momentum", 2, {2, 3}, 1},
};

struct ckpt_run {
    float data[CKPT_NT][CKPT_ELEMS];
    struct ckpt_tensor t[CKPT_NT];
    int rc;
};

static size_t ckpt_elems(int i)
{
    size_t n = 1;
    for (int d = 0; d < ckpt_table[i].ndim; d++)
        n *= (size_t)ckpt_table[i].shape[d];
    return n;
}

static int is_poison(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u == CKPT_POISON;
}

/* ckpt_parse with the first nt tensors of the table (all required if all_required); meta is
 * NULL or {"fuzz.old": "stale"}. */
static void ckpt_check_parse(struct ckpt_run *r, const uint8_t *buf, size_t len, int nt,
                             int all_required, struct ckpt_meta *meta, const char *file)
{
    float poison;
    uint32_t bits = CKPT_POISON;
    memcpy(&poison, &bits, sizeof poison);
    for (int i = 0; i < CKPT_NT; i++) {
        for (int k = 0; k < CKPT_ELEMS; k++)
            r->data[i][k] = poison;
        r->t[i] = (struct ckpt_tensor){.name = ckpt_table[i].name,
                                       .ndim = ckpt_table[i].ndim,
                                       .data = r->data[i],
                                       .optional = all_required ? 0 : ckpt_table[i].optional,
                                       .present = -1};
        memcpy(r->t[i].shape, ckpt_table[i].shape, sizeof r->t[i].shape);
    }
    struct rm_status st;
    memset(&st, 0, sizeof st);
    r->rc = ckpt_parse(buf, len, CKPT_NAME, r->t, nt, meta, &st);
    const char *call = meta ? "ckpt_parse(meta)" : "ckpt_parse";
    expect(r->rc == 0 || r->rc == -1, file, "%s returned %d", call, r->rc);

    if (r->rc == -1) {
        expect_message(&st, CKPT_NAME, file, call);
        for (int i = 0; i < CKPT_NT; i++) {
            expect(r->t[i].present == -1, file, "%s: refused (%s) but set present of '%s'", call,
                   st.msg, ckpt_table[i].name);
            for (int k = 0; k < CKPT_ELEMS; k++)
                expect(is_poison(r->data[i][k]), file, "%s: refused (%s) but wrote into '%s'", call,
                       st.msg, ckpt_table[i].name);
        }
        expect(!meta || (meta->n == 1 && strcmp(meta->keys[0], "fuzz.old") == 0 &&
                         strcmp(meta->values[0], "stale") == 0),
               file, "%s: refused (%s) but changed the metadata", call, st.msg);
        return;
    }
    for (int i = 0; i < CKPT_NT; i++) {
        int present = r->t[i].present;
        size_t n = ckpt_elems(i);
        if (i >= nt) {
            expect(present == -1, file, "%s: set present of '%s', not in the list", call,
                   ckpt_table[i].name);
            present = 0;
        } else {
            expect(present == 0 || present == 1, file, "%s: present of '%s' is %d", call,
                   ckpt_table[i].name, present);
            expect(present || r->t[i].optional, file, "%s: accepted a file without '%s'", call,
                   ckpt_table[i].name);
        }
        for (size_t k = 0; k < CKPT_ELEMS; k++) {
            int written = !is_poison(r->data[i][k]);
            expect(written == (present && k < n), file, "%s: element %zu of '%s' %s", call, k,
                   ckpt_table[i].name, written ? "was written" : "was not written");
            expect(!written || isfinite(r->data[i][k]), file,
                   "%s: accepted a non-finite value in '%s'", call, ckpt_table[i].name);
        }
    }
    if (meta) {
        expect(meta->n >= 0 && (meta->n == 0 || (meta->keys && meta->values)), file,
               "%s: accepted, metadata has n = %d", call, meta->n);
        for (int i = 0; i < meta->n; i++)
            expect(meta->keys[i] && meta->values[i], file, "%s: metadata entry %d is NULL", call,
                   i);
    }
}

static void ckpt_expect_same(const struct ckpt_run *a, const struct ckpt_run *b, int nt,
                             const char *file, const char *what)
{
    for (int i = 0; i < nt; i++)
        expect(a->t[i].present == b->t[i].present &&
                   memcmp(a->data[i], b->data[i], sizeof a->data[i]) == 0,
               file, "%s: '%s' differs", what, ckpt_table[i].name);
}

/* The four calls of fuzz/fuzz_ckpt.c; returns 1 if the file was accepted. */
static int ckpt_check_file(const char *file)
{
    size_t size;
    uint8_t *data = tu_read_file(file, &size);
    static struct ckpt_run plain, with_meta, without_opt, all_required;

    ckpt_check_parse(&plain, data, size, CKPT_NT, 0, NULL, file);

    struct ckpt_meta meta = {0};
    struct rm_status st;
    assert_int_equal(ckpt_meta_set(&meta, "fuzz.old", "stale", &st), 0);
    ckpt_check_parse(&with_meta, data, size, CKPT_NT, 0, &meta, file);
    ckpt_meta_free(&meta);
    expect(with_meta.rc == plain.rc, file, "ckpt_parse returns %d without metadata, %d with",
           plain.rc, with_meta.rc);
    if (plain.rc == 0)
        ckpt_expect_same(&plain, &with_meta, CKPT_NT, file, "with and without metadata");

    int opt_present = plain.rc == 0 && plain.t[CKPT_NT - 1].present == 1;
    ckpt_check_parse(&without_opt, data, size, CKPT_NT - 1, 0, NULL, file);
    int want = plain.rc == 0 && !opt_present ? 0 : -1;
    expect(without_opt.rc == want, file, "without the optional tensor: returned %d, expected %d",
           without_opt.rc, want);
    if (without_opt.rc == 0)
        ckpt_expect_same(&plain, &without_opt, CKPT_NT - 1, file, "without the optional tensor");

    ckpt_check_parse(&all_required, data, size, CKPT_NT, 1, NULL, file);
    want = opt_present ? 0 : -1;
    expect(all_required.rc == want, file, "every tensor required: returned %d, expected %d",
           all_required.rc, want);
    if (all_required.rc == 0)
        ckpt_expect_same(&plain, &all_required, CKPT_NT, file, "every tensor required");
    free(data);
    return plain.rc == 0;
}

static void test_fuzz_regressions_ckpt(void **state)
{
    (void)state;
    check_folder("corpus", "ckpt", ckpt_check_file);
    check_folder("regressions", "ckpt", ckpt_check_file);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_regressions_idx),
        cmocka_unit_test(test_fuzz_regressions_ckpt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
