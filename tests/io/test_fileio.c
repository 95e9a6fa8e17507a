/* Crash-safe output and whole-file input: an existing file is only ever replaced whole, a failed
 * write leaves it as it was and leaves no temporary file behind. */
#include "test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A FIFO with no writer: opening it for reading the ordinary way blocks for ever. It is refused
 * at once, by name and kind. The alarm turns a hang into a failure (SIGALRM kills the test). */
static void test_fileio_fifo_refused_at_once(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *fifo = tu_path(dir, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(10);
    unsigned char *data = (unsigned char *)"x";
    size_t len = 1;
    struct rm_status st;
    assert_int_equal(file_read_all(fifo, &data, &len, &st), -1);
    alarm(0);
    assert_null(data);
    assert_non_null(strstr(st.msg, fifo));
    assert_non_null(strstr(st.msg, "not a regular file (a FIFO)"));
    free(fifo);
    tu_remove_dir(dir);
}

/* A final name of 254 bytes is legal (NAME_MAX is 255) but leaves no room for ".tmp.XXXXXX":
 * the temporary name is shortened, in the same folder, and nothing is left behind. */
static void test_fileio_long_name_has_a_temporary_that_fits(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), name[255];
    memset(name, 'n', sizeof name - 5);
    memcpy(name + sizeof name - 5, ".png", 5); /* 254 bytes */
    assert_int_equal(strlen(name), 254);
    char *path = tu_path(dir, name);
    struct rm_status st;
    int rc = atomic_write_buffer(path, "png", 3, &st);
    if (rc != 0)
        fail_msg("%s", st.msg);
    size_t len;
    uint8_t *got = tu_read_file(path, &len);
    assert_int_equal(len, 3);
    assert_int_equal(count_temporaries(dir), 0);
    free(got), free(path);
    tu_remove_dir(dir);
}

/* While it is open, the shortened temporary sits in the same folder, starts with the final
 * name's first bytes and fits NAME_MAX; an ordinary name keeps "<name>.tmp.XXXXXX". */
static void test_fileio_temporary_names(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), name[255];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    char *path = tu_path(dir, name), *plain = tu_path(dir, "metrics.csv");
    struct atomic_file a, b;
    struct rm_status st;
    assert_int_equal(atomic_file_open(&a, path, &st), 0);
    assert_int_equal(atomic_file_open(&b, plain, &st), 0);
    assert_int_equal(count_temporaries(dir), 2);
    const char *tmp = strrchr(a.tmp_path, '/') + 1;
    assert_memory_equal(a.tmp_path, dir, strlen(dir));
    assert_true(strlen(tmp) <= 255);
    assert_memory_equal(tmp, "nnnn", 4);
    assert_non_null(strstr(tmp, ".tmp."));
    assert_int_equal(strlen(b.tmp_path), strlen(plain) + strlen(".tmp.XXXXXX"));
    assert_memory_equal(b.tmp_path, plain, strlen(plain));
    atomic_file_abort(&a);
    assert_int_equal(atomic_file_commit(&b, &st), 0);
    assert_int_equal(count_temporaries(dir), 0);
    /* a path that names a folder is refused before anything is created */
    char *slash = tu_path(dir, "sub/");
    assert_int_equal(atomic_write_buffer(slash, "x", 1, &st), -1);
    assert_non_null(strstr(st.msg, "not a file name"));
    free(path), free(plain), free(slash);
    tu_remove_dir(dir);
}

static void unlink_on_signal(int sig)
{
    (void)sig;
    atomic_file_unlink_temporaries();
}

/* A second signal's handler removes the temporaries of the files still open (what train does
 * before exiting); a file committed before stays, and a commit after it fails cleanly. */
static void test_fileio_unlink_temporaries_from_a_signal_handler(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *p1 = tu_path(dir, "last.bin"), *p2 = tu_path(dir, "a.png");
    char *p3 = tu_path(dir, "best.bin");
    struct atomic_file a, b;
    struct rm_status st;
    assert_int_equal(atomic_write_buffer(p3, "kept", 4, &st), 0);
    assert_int_equal(atomic_file_open(&a, p1, &st), 0);
    assert_int_equal(atomic_file_open(&b, p2, &st), 0);
    fputs("half", a.fp);
    assert_int_equal(count_temporaries(dir), 2);
    void (*prev)(int) = signal(SIGUSR1, unlink_on_signal);
    raise(SIGUSR1);
    signal(SIGUSR1, prev);
    assert_int_equal(count_temporaries(dir), 0);
    assert_int_equal(atomic_file_commit(&a, &st), -1);
    assert_non_null(strstr(st.msg, p1));
    atomic_file_abort(&b);
    struct stat sb;
    assert_int_equal(stat(p1, &sb), -1);
    assert_int_equal(stat(p3, &sb), 0);
    /* released files are no longer in the table: nothing to remove, nothing removed */
    atomic_file_unlink_temporaries();
    assert_int_equal(stat(p3, &sb), 0);
    free(p1), free(p2), free(p3);
    tu_remove_dir(dir);
}

/* file_open_input: a regular file opens blocking; anything else is refused by kind without
 * being read (and without blocking: the alarm fails the test instead of hanging). */
static void test_fileio_open_input_kinds(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *file = tu_path(dir, "in"), *fifo = tu_path(dir, "fifo");
    char *missing = tu_path(dir, "missing");
    tu_write_file(file, "abc", 3);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    struct rm_status st;
    alarm(10);
    int fd = file_open_input(file, &st);
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    char buf[4];
    assert_int_equal(read(fd, buf, sizeof buf), 3);
    close(fd);
    const struct {
        const char *path, *want;
    } cases[] = {
        {fifo, "not a regular file (a FIFO)"},
        {dir, "not a regular file (a folder)"},
        {"/dev/null", "not a regular file (a character device)"},
        {missing, "cannot open: No such file or directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        st.msg[0] = 0;
        assert_int_equal(file_open_input(cases[i].path, &st), -1);
        assert_memory_equal(st.msg, cases[i].path, strlen(cases[i].path));
        assert_non_null(strstr(st.msg, cases[i].want));
    }
    alarm(0);
    free(file), free(fifo), free(missing);
    tu_remove_dir(dir);
}

static void test_fileio_same(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *a = tu_path(dir, "a.png"), *b = tu_path(dir, "b.png");
    char *hard = tu_path(dir, "hard.png"), *sym = tu_path(dir, "sym.png");
    char *dotted = tu_path(dir, "./a.png"), *missing = tu_path(dir, "none.png");
    tu_write_file(a, "a", 1);
    tu_write_file(b, "a", 1); /* same bytes, another file */
    assert_int_equal(link(a, hard), 0);
    assert_int_equal(symlink(a, sym), 0);
    assert_int_equal(file_same(a, a), 1);
    assert_int_equal(file_same(a, dotted), 1);
    assert_int_equal(file_same(a, hard), 1);
    assert_int_equal(file_same(sym, a), 1);
    assert_int_equal(file_same(a, b), 0);
    assert_int_equal(file_same(a, missing), 0);
    assert_int_equal(file_same(missing, missing), 0);
    free(a), free(b), free(hard), free(sym), free(dotted), free(missing);
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
        cmocka_unit_test(test_fileio_fifo_refused_at_once),
        cmocka_unit_test(test_fileio_long_name_has_a_temporary_that_fits),
        cmocka_unit_test(test_fileio_temporary_names),
        cmocka_unit_test(test_fileio_unlink_temporaries_from_a_signal_handler),
        cmocka_unit_test(test_fileio_open_input_kinds),
        cmocka_unit_test(test_fileio_same),
        cmocka_unit_test(test_fileio_join_path),
        cmocka_unit_test(test_fileio_parent_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
