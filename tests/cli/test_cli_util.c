/* cli_util.c, called directly: the strict number parsers (the whole text a number in range:
 * no white space around it, no trailing junk, no overflow) and their usage errors, the error
 * lines, the option and operand errors, a failed write to stdout, the path helpers and the data
 * folder's default. What these print to stderr is captured and compared whole. */
#include "test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"

/* stderr (fd 2) diverted into a temporary file between begin and end. */
struct capture {
    FILE *tmp;
    int saved;
};

static void capture_begin(struct capture *c, int fd)
{
    fflush(NULL);
    c->tmp = tmpfile();
    assert_non_null(c->tmp);
    c->saved = dup(fd);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->tmp), fd) >= 0);
}

/* Restores fd and returns what was written to it (malloc'd). */
static char *capture_end(struct capture *c, int fd)
{
    fflush(NULL);
    assert_true(dup2(c->saved, fd) >= 0);
    close(c->saved);
    long len = ftell(c->tmp);
    assert_true(len >= 0);
    char *text = malloc((size_t)len + 1);
    assert_non_null(text);
    rewind(c->tmp);
    assert_int_equal(fread(text, 1, (size_t)len, c->tmp), (size_t)len);
    text[len] = 0;
    fclose(c->tmp);
    return text;
}

#define TRY_TRAIN "Try 'resnet-mnist train --help' for more information.\n"

/* parse_long on text: expects rc and, on failure, exactly the stderr given; on success *out is
 * want, on failure it is left alone. */
static void expect_long(const char *text, long lo, long hi, int rc, long want, const char *err)
{
    struct capture c;
    long out = 12345;
    capture_begin(&c, 2);
    int got = parse_long("train", "--epochs", text, lo, hi, &out);
    char *printed = capture_end(&c, 2);
    if (got != rc || strcmp(printed, err) != 0)
        fail_msg("parse_long('%s'): rc %d, stderr '%s'", text, got, printed);
    assert_int_equal(out, rc == 0 ? want : 12345);
    free(printed);
}

static void test_cli_util_parse_long_is_strict(void **state)
{
    (void)state;
    const char *not_whole[] = {"",
                               "abc",
                               "3x",
                               "3 ",
                               " 3",
                               "\t3",
                               "\n3",
                               "1e3",
                               "0x10",
                               "3.0",
                               "--3",
                               "- 3",
                               "99999999999999999999",
                               "-99999999999999999999"};
    for (size_t i = 0; i < sizeof not_whole / sizeof not_whole[0]; i++) {
        char err[256];
        /* error lines show control characters escaped (status.h) */
        const char *shown = strcmp(not_whole[i], "\t3") == 0   ? "\\t3"
                            : strcmp(not_whole[i], "\n3") == 0 ? "\\n3"
                                                               : not_whole[i];
        snprintf(err, sizeof err, "resnet-mnist: --epochs: '%s' is not a whole number\n" TRY_TRAIN,
                 shown);
        expect_long(not_whole[i], LONG_MIN, LONG_MAX, EXIT_USAGE, 0, err);
    }
    expect_long("42", 1, 100, 0, 42, "");
    expect_long("-7", -10, 10, 0, -7, "");
    expect_long("007", 1, 100, 0, 7, "");
    expect_long("1", 1, 100, 0, 1, ""); /* both ends are in range */
    expect_long("100", 1, 100, 0, 100, "");
    expect_long("0", 1, 100, EXIT_USAGE, 0,
                "resnet-mnist: --epochs: 0 is out of range 1..100\n" TRY_TRAIN);
    expect_long("101", 1, 100, EXIT_USAGE, 0,
                "resnet-mnist: --epochs: 101 is out of range 1..100\n" TRY_TRAIN);
    expect_long("9223372036854775807", LONG_MIN, LONG_MAX, 0, LONG_MAX, "");
    expect_long("-9223372036854775808", LONG_MIN, LONG_MAX, 0, LONG_MIN, "");
    expect_long("9223372036854775808", LONG_MIN, LONG_MAX, EXIT_USAGE, 0,
                "resnet-mnist: --epochs: '9223372036854775808' is not a whole number\n" TRY_TRAIN);
}

static void test_cli_util_parse_int_ranges(void **state)
{
    (void)state;
    struct capture c;
    int out = -1;
    capture_begin(&c, 2);
    assert_int_equal(parse_int("test", "--threads", "256", 1, MAX_THREADS, &out), 0);
    assert_int_equal(out, 256);
    assert_int_equal(parse_int("test", "--threads", "257", 1, MAX_THREADS, &out), EXIT_USAGE);
    /* beyond int but within long: a range error, not a wrapped value */
    assert_int_equal(parse_int("test", "--batch-size", "4294967297", 1, INT_MAX, &out), EXIT_USAGE);
    assert_int_equal(parse_int("test", "--threads", "two", 1, MAX_THREADS, &out), EXIT_USAGE);
    char *printed = capture_end(&c, 2);
    assert_int_equal(out, 256);
    assert_string_equal(printed, "resnet-mnist: --threads: 257 is out of range 1..256\n"
                                 "Try 'resnet-mnist test --help' for more information.\n"
                                 "resnet-mnist: --batch-size: 4294967297 is out of range "
                                 "1..2147483647\n"
                                 "Try 'resnet-mnist test --help' for more information.\n"
                                 "resnet-mnist: --threads: 'two' is not a whole number\n"
                                 "Try 'resnet-mnist test --help' for more information.\n");
    free(printed);
}

static void test_cli_util_parse_u64_is_strict(void **state)
{
    (void)state;
    struct capture c;
    uint64_t out = 7;
    capture_begin(&c, 2);
    assert_int_equal(parse_u64("train", "--seed", "0", &out), 0);
    assert_true(out == 0);
    assert_int_equal(parse_u64("train", "--seed", "18446744073709551615", &out), 0);
    assert_true(out == UINT64_MAX);
    char *printed = capture_end(&c, 2);
    assert_string_equal(printed, "");
    free(printed);
    const char *bad[] = {"18446744073709551616", "-1", "+1", " 1", "1 ", "", "1.5", "x", "-0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = 7;
        capture_begin(&c, 2);
        int rc = parse_u64("train", "--seed", bad[i], &out);
        printed = capture_end(&c, 2);
        char want[256];
        snprintf(
            want, sizeof want,
            "resnet-mnist: --seed: '%s' is not a number from 0 to 18446744073709551615\n" TRY_TRAIN,
            bad[i]);
        if (rc != EXIT_USAGE || strcmp(printed, want) != 0)
            fail_msg("parse_u64('%s'): rc %d, stderr '%s'", bad[i], rc, printed);
        assert_true(out == 7);
        free(printed);
    }
}

static void test_cli_util_parse_float_is_strict(void **state)
{
    (void)state;
    struct capture c;
    float out = -1;
    capture_begin(&c, 2);
    assert_int_equal(parse_float("train", "--lr", "0.05", 0, 1, 10, &out), 0);
    assert_true(out == 0.05f);
    assert_int_equal(parse_float("train", "--lr", "10", 0, 1, 10, &out), 0); /* hi included */
    assert_true(out == 10.0f);
    assert_int_equal(parse_float("train", "--momentum", "0", 0, 0, 1, &out), 0); /* lo closed */
    assert_true(out == 0.0f);
    assert_int_equal(parse_float("train", "--lr", "1e-3", 0, 1, 10, &out), 0);
    assert_true(out == 1e-3f);
    char *printed = capture_end(&c, 2);
    assert_string_equal(printed, "");
    free(printed);

    const char *not_number[] = {"", "abc", "nan", "inf", "-inf", "1e999", " 1", "1 ", "1x", "."};
    for (size_t i = 0; i < sizeof not_number / sizeof not_number[0]; i++) {
        out = -1;
        capture_begin(&c, 2);
        int rc = parse_float("train", "--lr", not_number[i], 0, 1, 10, &out);
        printed = capture_end(&c, 2);
        char want[256];
        snprintf(want, sizeof want, "resnet-mnist: --lr: '%s' is not a number\n" TRY_TRAIN,
                 not_number[i]);
        if (rc != EXIT_USAGE || strcmp(printed, want) != 0)
            fail_msg("parse_float('%s'): rc %d, stderr '%s'", not_number[i], rc, printed);
        assert_true(out == -1.0f);
        free(printed);
    }
    capture_begin(&c, 2);
    assert_int_equal(parse_float("train", "--lr", "0", 0, 1, 10, &out), EXIT_USAGE);
    assert_int_equal(parse_float("train", "--lr", "10.5", 0, 1, 10, &out), EXIT_USAGE);
    assert_int_equal(parse_float("train", "--momentum", "-0.5", 0, 0, 1, &out), EXIT_USAGE);
    /* a value in range that single precision cannot hold: 0 would be out of range */
    assert_int_equal(parse_float("train", "--lr", "1e-50", 0, 1, 10, &out), EXIT_USAGE);
    printed = capture_end(&c, 2);
    assert_true(out == -1.0f);
    assert_string_equal(printed, "resnet-mnist: --lr: 0 is out of range (0..10]\n" TRY_TRAIN
                                 "resnet-mnist: --lr: 10.5 is out of range (0..10]\n" TRY_TRAIN
                                 "resnet-mnist: --momentum: -0.5 is out of range [0..1]\n" TRY_TRAIN
                                 "resnet-mnist: --lr: 1e-50 is 0 in single precision, out of range "
                                 "(0..10]\n" TRY_TRAIN);
    free(printed);
}

static void test_cli_util_error_lines(void **state)
{
    (void)state;
    struct capture c;
    capture_begin(&c, 2);
    error_line("%s: cannot open: %s", "data/x", "No such file or directory");
    assert_int_equal(usage_error(NULL, "no command"), EXIT_USAGE);
    assert_int_equal(usage_error("predict", "%d images, at most %d", 3, 2), EXIT_USAGE);
    char *printed = capture_end(&c, 2);
    assert_string_equal(printed, "resnet-mnist: data/x: cannot open: No such file or directory\n"
                                 "resnet-mnist: no command\n"
                                 "Try 'resnet-mnist --help' for more information.\n"
                                 "resnet-mnist: 3 images, at most 2\n"
                                 "Try 'resnet-mnist predict --help' for more information.\n");
    free(printed);
}

/* An error line stays one line whatever it quotes (a file name from argv with a newline or an
 * escape sequence is shown escaped), and a long path keeps the problem at its end. */
static void test_cli_util_error_lines_escape_and_keep_the_problem(void **state)
{
    (void)state;
    static char longpath[4081];
    memset(longpath, 'p', 4080);
    struct capture c;
    capture_begin(&c, 2);
    error_line("%s: cannot open: %s", "a\nresnet-mnist: forged\x1b[2J.png", "gone");
    assert_int_equal(usage_error("predict", "unexpected argument '%s'", "x\ry"), EXIT_USAGE);
    error_line("%s: cannot create: %s", longpath, "No such file or directory");
    char *printed = capture_end(&c, 2);
    const char *want = "resnet-mnist: a\\nresnet-mnist: forged\\x1b[2J.png: cannot open: gone\n"
                       "resnet-mnist: unexpected argument 'x\\ry'\n"
                       "Try 'resnet-mnist predict --help' for more information.\n";
    assert_memory_equal(printed, want, strlen(want));
    const char *last = printed + strlen(want),
               *end = ": cannot create: No such file or directory\n";
    assert_non_null(strstr(last, "ppp...ppp"));
    assert_string_equal(last + strlen(last) - strlen(end), end);
    assert_ptr_equal(strchr(last, '\n'), last + strlen(last) - 1); /* one line */
    free(printed);
}

/* option_error and no_operands read getopt's optind, as the commands leave it. */
static void test_cli_util_option_and_operand_errors(void **state)
{
    (void)state;
    char *argv[] = {"train", "--epochs", "extra", NULL};
    struct capture c;
    capture_begin(&c, 2);
    optind = 2; /* getopt_long has just read argv[1] */
    assert_int_equal(option_error("train", ':', argv), EXIT_USAGE);
    assert_int_equal(option_error("train", '?', argv), EXIT_USAGE);
    optind = 3; /* all three are options or their values */
    assert_int_equal(no_operands("train", 3, argv), 0);
    optind = 2;
    assert_int_equal(no_operands("train", 3, argv), EXIT_USAGE);
    char *printed = capture_end(&c, 2);
    assert_string_equal(printed, "resnet-mnist: option '--epochs' needs a value\n" TRY_TRAIN
                                 "resnet-mnist: unknown option '--epochs'\n" TRY_TRAIN
                                 "resnet-mnist: unexpected argument 'extra'\n" TRY_TRAIN);
    free(printed);
    optind = 1;
}

/* A full disk behind stdout (/dev/full) turns success into exit 1 with one line; an earlier
 * failure keeps its own status; a good stdout leaves rc alone. */
static void test_cli_util_finish_stdout_reports_failed_writes(void **state)
{
    (void)state;
    int full = open("/dev/full", O_WRONLY);
    if (full < 0)
        fail_msg("/dev/full: %s", strerror(errno));
    struct capture err, out;
    capture_begin(&err, 2);
    capture_begin(&out, 1);
    assert_int_equal(finish_stdout(0), 0);
    assert_int_equal(finish_stdout(3), 3);
    assert_true(dup2(full, 1) >= 0);
    for (int rc = 0; rc <= 2; rc += 2) {
        fputs("result\n", stdout);
        assert_int_equal(finish_stdout(rc), rc ? rc : 1);
        clearerr(stdout);
    }
    fflush(stdout); /* whatever the failed flushes kept goes to /dev/full too */
    clearerr(stdout);
    char *printed_out = capture_end(&out, 1);
    char *printed = capture_end(&err, 2);
    close(full);
    assert_string_equal(printed_out, "");
    assert_string_equal(
        printed, "resnet-mnist: error writing to standard output: No space left on device\n"
                 "resnet-mnist: error writing to standard output: No space left on device\n");
    free(printed), free(printed_out);
}

/* What `shell` (a path) prints for `printf %s WORD`, WORD being shell_quote(word). */
static char *shell_reads(const char *shell, const char *word)
{
    char *q = shell_quote(word);
    assert_non_null(q);
    char *cmd = malloc(strlen(q) + 32);
    assert_non_null(cmd);
    sprintf(cmd, "printf %%s %s", q);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(shell, shell, "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char *buf = NULL;
    size_t len = 0;
    tu_read_until(fds[0], &buf, &len, NULL);
    close(fds[0]);
    assert_int_equal(tu_wait(pid), 0);
    free(cmd);
    free(q);
    return buf ? buf : strdup("");
}

/* A word is left alone when no shell would change it, else single-quoted; every word comes back
 * as itself through a POSIX shell (control characters through bash's $'..'). */
static void test_cli_util_shell_quote(void **state)
{
    (void)state;
    const char *same[] = {"runs/a", "/tmp/x-1_2.bin", "a=b,c@d:%+"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char *q = shell_quote(same[i]);
        assert_string_equal(q, same[i]);
        free(q);
    }
    char *q = shell_quote("it's a run");
    assert_string_equal(q, "'it'\\''s a run'");
    free(q);
    q = shell_quote("");
    assert_string_equal(q, "''");
    free(q);
    const char *words[] = {"it's a run", "$HOME `x` \\ \"q\" *?[a]", "~user",
                           "a;b|c&d",    "caf\xc3\xa9 \xff",         "-x",
                           "''''"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char *back = shell_reads("/bin/sh", words[i]);
        assert_string_equal(back, words[i]);
        free(back);
    }
    if (access("/bin/bash", X_OK) == 0) {
        char *back = shell_reads("/bin/bash", "new\nline\x1b[2J\tand a tab");
        assert_string_equal(back, "new\nline\x1b[2J\tand a tab");
        free(back);
    }
    q = shell_quote("a\nb\x7f");
    assert_string_equal(q, "'a'$'\\x0a''b'$'\\x7f'''"); /* nothing raw on the printed line */
    free(q);
}

/* resolve_data_dir keeps --data as given, else takes data_locate's first folder that holds the
 * files ($RESNET_MNIST_DATA here), else fails (1) after its error line; resolve_test_data_dir
 * needs only the test split. */
static void test_cli_util_resolve_data_dir(void **state)
{
    (void)state;
    char *tmp = tu_make_temp_dir();
    char *xdg = tu_path(tmp, "xdg");
    assert_int_equal(setenv("XDG_DATA_HOME", xdg, 1), 0);
    assert_int_equal(setenv("RESNET_MNIST_DATA", tmp, 1), 0);
    const char *dir = "given";
    assert_int_equal(resolve_data_dir(&dir, NULL), 0);
    assert_string_equal(dir, "given");
    tu_write_mnist_split(tmp, "t10k", 3);
    dir = NULL;
    assert_int_equal(resolve_test_data_dir(&dir, "test-set"), 0);
    assert_string_equal(dir, tmp);
    dir = NULL;
    int err_fd = dup(2), null_fd = open("/dev/null", O_WRONLY); /* its error line: not here */
    dup2(null_fd, 2);
    int rc = resolve_data_dir(&dir, "test-set");
    dup2(err_fd, 2);
    close(err_fd), close(null_fd);
    assert_int_equal(rc, 1);
    assert_null(dir);
    tu_write_mnist_split(tmp, "train", 3);
    assert_int_equal(resolve_data_dir(&dir, "test-set"), 0);
    assert_string_equal(dir, tmp);
    unsetenv("RESNET_MNIST_DATA");
    free(xdg);
    tu_remove_dir(tmp);
}

/* load_split loads a split (limited or whole), or prints the loader's line naming the file. */
static void test_cli_util_load_split(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    tu_write_mnist_split(dir, "t10k", 12);
    struct idx_dataset ds;
    memset(&ds, 0, sizeof ds);
    assert_int_equal(load_split(&ds, dir, MNIST_SPLIT_TEST, 0), 0);
    assert_int_equal(ds.n, 12);
    idx_free(&ds);
    assert_int_equal(load_split(&ds, dir, MNIST_SPLIT_TEST, 5), 0);
    assert_int_equal(ds.n, 5);
    idx_free(&ds);
    struct capture c;
    capture_begin(&c, 2);
    assert_int_equal(load_split(&ds, dir, MNIST_SPLIT_TRAIN, 0), 1);
    char *printed = capture_end(&c, 2);
    assert_true(strncmp(printed, "resnet-mnist: ", 14) == 0);
    assert_non_null(strstr(printed, dir));
    assert_non_null(strstr(printed, "train-"));
    assert_non_null(strchr(printed, '\n'));
    assert_true(strchr(printed, '\n')[1] == '\0'); /* one line */
    free(printed);
    tu_remove_dir(dir);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_util_parse_long_is_strict),
        cmocka_unit_test(test_cli_util_parse_int_ranges),
        cmocka_unit_test(test_cli_util_parse_u64_is_strict),
        cmocka_unit_test(test_cli_util_parse_float_is_strict),
        cmocka_unit_test(test_cli_util_error_lines),
        cmocka_unit_test(test_cli_util_error_lines_escape_and_keep_the_problem),
        cmocka_unit_test(test_cli_util_option_and_operand_errors),
        cmocka_unit_test(test_cli_util_finish_stdout_reports_failed_writes),
        cmocka_unit_test(test_cli_util_shell_quote),
        cmocka_unit_test(test_cli_util_resolve_data_dir),
        cmocka_unit_test(test_cli_util_load_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
