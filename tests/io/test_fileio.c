/* Crash-safe output and whole-file input: an existing file is only ever replaced whole, a failed
 * write leaves it as it was and leaves no temporary file behind. */
#include "test_util.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "resnet_mnist/io/fileio.h"

/* Files in dir whose name contains ".tmp.". */
static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void test_fileio_write_then_replace(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *path = tu_path(dir, "out.bin");
    struct rm_status st;
    assert_int_equal(atomic_write_buffer(path, "first version", 13, &st), 0);
    assert_int_equal(atomic_write_buffer(path, "second", 6, &st), 0);
    size_t len;
    uint8_t *got = tu_read_file(path, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(got, "second", 6);
    assert_int_equal(count_temporaries(dir), 0);
    /* an ordinary file: readable by others as the umask allows, not mkstemp's 0600 */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(sb.st_mode & 0777, 0666 & ~mask);
    free(got), free(path);
    tu_remove_dir(dir);
}

static void test_fileio_missing_folder_is_refused_by_name(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *path = tu_path(dir, "no/such/folder/out.bin");
    struct rm_status st;
    assert_int_equal(atomic_write_buffer(path, "x", 1, &st), -1);
    assert_non_null(strstr(st.msg, path));
    assert_non_null(strstr(st.msg, "cannot create"));
    free(path);
    tu_remove_dir(dir);
}

static void test_fileio_abort_leaves_old_file(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *path = tu_path(dir, "keep.txt");
    tu_write_file(path, "old", 3);
    struct atomic_file af;
    struct rm_status st;
    assert_int_equal(atomic_file_open(&af, path, &st), 0);
    fputs("half of a new versi", af.fp);
    assert_int_equal(count_temporaries(dir), 1);
    atomic_file_abort(&af);
    atomic_file_abort(&af); /* safe twice */
    assert_int_equal(count_temporaries(dir), 0);
    size_t len;
    uint8_t *got = tu_read_file(path, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(got, "old", 3);
    free(got), free(path);
    tu_remove_dir(dir);
}

/* A full disk, simulated with a file-size limit: the write fails, names the file, the old
 * content stays and no temporary file is left. */
static void test_fileio_full_disk_keeps_old_file(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *path = tu_path(dir, "big.bin");
    tu_write_file(path, "old", 3);
    size_t n = 1 << 20;
    char *data = calloc(n, 1);
    struct rlimit saved, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    lim = saved;
    lim.rlim_cur = 4096;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of being killed */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    struct rm_status st;
    int rc = atomic_write_buffer(path, data, n, &st);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(st.msg, path));
    assert_int_equal(count_temporaries(dir), 0);
    size_t len;
    uint8_t *got = tu_read_file(path, &len);
    assert_int_equal(len, 3);
    free(got), free(data), free(path);
    tu_remove_dir(dir);
}

static void test_fileio_read_all(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *path = tu_path(dir, "in.bin"), *empty = tu_path(dir, "e");
    tu_write_file(path, "hello", 5);
    tu_write_file(empty, "", 0);
    unsigned char *data;
    size_t len;
    struct rm_status st;
    assert_int_equal(file_read_all(path, &data, &len, &st), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(data, "hello", 5);
    free(data);
    assert_int_equal(file_read_all(empty, &data, &len, &st), 0);
    assert_int_equal(len, 0);
    free(data);
    /* a folder and a missing file are refused, by name */
    assert_int_equal(file_read_all(dir, &data, &len, &st), -1);
    assert_non_null(strstr(st.msg, dir));
    assert_non_null(strstr(st.msg, "not a regular file"));
    assert_null(data);
    char *missing = tu_path(dir, "missing");
    assert_int_equal(file_read_all(missing, &data, &len, &st), -1);
    assert_non_null(strstr(st.msg, missing));
    assert_non_null(strstr(st.msg, "No such file"));
    free(missing), free(path), free(empty);
    tu_remove_dir(dir);
}

static void test_fileio_join_path(void **state)
{
    (void)state;
    const char *cases[][3] = {
        {"data/mnist", "train-images-idx3-ubyte", "data/mnist/train-images-idx3-ubyte"},
        {"runs/", "best.bin", "runs/best.bin"}, /* no second slash */
        {"/", "x", "/x"},
        {"", "best.bin", "best.bin"}, /* no folder: the name alone */
        {".", "", "./"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = file_join_path(cases[i][0], cases[i][1]);
        assert_non_null(p);
        assert_string_equal(p, cases[i][2]);
        free(p);
    }
}

static void test_fileio_parent_dir(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"runs/a/last.bin", "runs/a"},
        {"last.bin", "."}, /* no folder: the current one */
        {"/last.bin", "/"},
        {"/srv/run/", "/srv/run"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = file_parent_dir(cases[i][0]);
        assert_non_null(p);
        assert_string_equal(p, cases[i][1]);
        free(p);
    }
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fileio_write_then_replace),
        cmocka_unit_test(test_fileio_missing_folder_is_refused_by_name),
        cmocka_unit_test(test_fileio_abort_leaves_old_file),
        cmocka_unit_test(test_fileio_full_disk_keeps_old_file),
        cmocka_unit_test(test_fileio_read_all),
        cmocka_unit_test(test_fileio_join_path),
        cmocka_unit_test(test_fileio_parent_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
