/* A folder's lock (dir_lock.h): exclusive between processes and between two opens in one
 * process, naming the holder's pid; released by the kernel when the holder exits or is killed;
 * taken over after a holder that left its lock file behind. Folders under $TMPDIR. */
#include "test_util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "resnet_mnist/io/dir_lock.h"

/* In a child process: tries to take dir's lock; exits 0 if it got it, 1 if refused, 2 if the
 * message does not name `pid` (when pid > 0). */
static int try_in_child(const char *dir, long pid)
{
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct dir_lock l;
        struct rm_status st;
        if (dir_lock_acquire(&l, dir, &st) == 0)
            _exit(0);
        char want[64];
        snprintf(want, sizeof want, "(pid %ld)", pid);
        _exit(pid > 0 && !strstr(st.msg, want) ? 2 : 1);
    }
    return tu_wait(child);
}

static void test_dir_lock_is_exclusive_and_names_the_holder(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    struct dir_lock l, again;
    struct rm_status st;
    if (dir_lock_acquire(&l, dir, &st) != 0)
        fail_msg("%s", st.msg);
    /* another process */
    assert_int_equal(try_in_child(dir, (long)getpid()), 1);
    /* a second lock in this process */
    assert_int_equal(dir_lock_acquire(&again, dir, &st), -1);
    char want[512];
    snprintf(want, sizeof want, "%s: in use by another resnet-mnist process (pid %ld)", dir,
             (long)getpid());
    assert_string_equal(st.msg, want);
    dir_lock_release(&again); /* a failed acquire leaves nothing to release */
    /* released: the lock file is gone and anyone may take the lock */
    dir_lock_release(&l);
    char *file = tu_path(dir, DIR_LOCK_NAME);
    assert_int_equal(access(file, F_OK), -1);
    assert_int_equal(try_in_child(dir, 0), 0);
    dir_lock_release(&l); /* twice is safe */
    free(file);
    tu_remove_dir(dir);
}

/* A holder that exits without releasing, or is killed, leaves the folder free (its lock file may
 * stay, naming a dead pid: it is taken over). */
static void test_dir_lock_dies_with_its_holder(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir();
    for (int how = 0; how < 2; how++) {
        int ready[2];
        assert_int_equal(pipe(ready), 0);
        fflush(NULL);
        pid_t holder = fork();
        assert_true(holder >= 0);
        if (holder == 0) {
            struct dir_lock l;
            struct rm_status st;
            char ok = dir_lock_acquire(&l, dir, &st) == 0 ? 'y' : 'n';
            if (write(ready[1], &ok, 1) != 1)
                _exit(3);
            if (how == 0)
                _exit(0); /* exits holding it */
            pause();      /* until killed */
            _exit(0);
        }
        char ok = 0;
        assert_int_equal(read(ready[0], &ok, 1), 1);
        assert_int_equal(ok, 'y');
        if (how == 1) {
            assert_int_equal(try_in_child(dir, (long)holder), 1); /* held, by that pid */
            kill(holder, SIGKILL);
        }
        tu_wait(holder);
        close(ready[0]);
        close(ready[1]);
        char *file = tu_path(dir, DIR_LOCK_NAME);
        assert_int_equal(access(file, F_OK), 0); /* left behind */
        free(file);
        struct dir_lock l;
        struct rm_status st;
        if (dir_lock_acquire(&l, dir, &st) != 0)
            fail_msg("after the holder %s: %s", how ? "was killed" : "exited", st.msg);
        dir_lock_release(&l);
    }
    tu_remove_dir(dir);
}

static void test_dir_lock_refusals(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *missing = tu_path(dir, "missing");
    struct dir_lock l;
    struct rm_status st;
    assert_int_equal(dir_lock_acquire(&l, missing, &st), -1);
    char want[512];
    snprintf(want, sizeof want, "%s: cannot lock: No such file or directory", missing);
    assert_string_equal(st.msg, want);
    dir_lock_release(&l);
    /* a lock file naming no pid */
    char *file = tu_path(dir, DIR_LOCK_NAME);
    assert_int_equal(dir_lock_acquire(&l, dir, &st), 0);
    assert_int_equal(truncate(file, 0), 0);
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct dir_lock c;
        _exit(dir_lock_acquire(&c, dir, &st) == -1 && strstr(st.msg, "(pid unknown)") ? 0 : 1);
    }
    assert_int_equal(tu_wait(child), 0);
    dir_lock_release(&l);
    struct dir_lock zeroed = {0};
    dir_lock_release(&zeroed); /* a zeroed struct is a no-op */
    free(file);
    free(missing);
    tu_remove_dir(dir);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dir_lock_is_exclusive_and_names_the_holder),
        cmocka_unit_test(test_dir_lock_dies_with_its_holder),
        cmocka_unit_test(test_dir_lock_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
