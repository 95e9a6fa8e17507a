/* The train command's promises about time and failure: a resumed run is bitwise the run that
 * was never stopped; SIGINT stops after a batch with a resumable checkpoint; kill -9 at any
 * moment leaves only whole checkpoints; a diverging run keeps best.bin; and the output modes
 * (live terminal line, plain lines, --quiet, --json). Data: small synthetic IDX files. */
#include "test_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/weights.h"

struct fixture {
    char *data; /* synthetic MNIST */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->data = tu_make_temp_dir();
    tu_write_mnist_split(f->data, "train", 600);
    tu_write_mnist_split(f->data, "t10k", 100);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tu_remove_dir(f->data);
    free(f);
    return 0;
}

/* metrics.csv without its fifth column (wall-clock seconds, which no two runs share). */
static char *metrics_without_seconds(const char *dir)
{
    char *p = tu_path(dir, "metrics.csv");
    size_t len;
    char *text = (char *)tu_read_file(p, &len);
    text[len] = 0; /* tu_read_file leaves room for it */
    char *out = calloc(len + 1, 1), *o = out;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *c = line; /* the fourth comma: the seconds follow it */
        for (int k = 0; k < 4 && c; k++)
            c = strchr(c + (k > 0), ',');
        assert_non_null(c);
        char *after = strchr(c + 1, ','); /* NULL: seconds are the last column */
        memcpy(o, line, (size_t)(c - line));
        o += c - line;
        if (after) {
            strcpy(o, after);
            o += strlen(after);
        }
        *o++ = '\n';
    }
    free(text), free(p);
    return out;
}

static void assert_same_run(const char *a, const char *b)
{
    const char *files[] = {"best.bin", "last.bin", "accuracy.png", "loss.png"};
    for (int i = 0; i < 4; i++)
        tu_assert_same_file(a, b, files[i]);
    char *ma = metrics_without_seconds(a), *mb = metrics_without_seconds(b);
    assert_string_equal(ma, mb);
    free(ma), free(mb);
}

static int run_train(const char *data, const char *out, const char *a0, const char *a1,
                     const char *a2, const char *a3)
{
    char *o, *e;
    int rc = tu_run_program(&o, &e, "train", "--data", data, "--out", out, "--quiet", a0, a1, a2,
                            a3, NULL);
    if (rc != 0 && rc != 130)
        print_message("train exited %d: %s\n", rc, e);
    free(o), free(e);
    return rc;
}

static void test_cmd_train_resume_is_bitwise_the_same_run(void **state)
{
    struct fixture *f = *state;
    char *straight = tu_make_temp_dir(), *pieces = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, straight, "--epochs", "3", "--threads", "2"), 0);
    assert_int_equal(run_train(f->data, pieces, "--epochs", "1", "--threads", "1"), 0);
    /* --resume takes the folder; the run's options come from the checkpoint */
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", pieces, "--epochs", "3", "--data",
                                    f->data, "--quiet", "--threads", "3", NULL),
                     0);
    free(o), free(e);
    assert_same_run(straight, pieces);
    tu_remove_dir(straight);
    tu_remove_dir(pieces);
}

static void test_cmd_train_resume_refusals(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, dir, "--epochs", "1", NULL, NULL), 0);
    char *o, *e;
    /* already done: nothing to train, its files written whole again */
    assert_int_equal(
        tu_run_program(&o, &e, "train", "--resume", dir, "--epochs", "1", "--data", f->data, NULL),
        0);
    assert_non_null(strstr(o, "nothing to train"));
    free(o), free(e);
    /* an option that contradicts the run */
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--epochs", "2", "--lr",
                                    "0.1", "--data", f->data, NULL),
                     2);
    assert_non_null(strstr(e, "--lr differs"));
    free(o), free(e);
    /* a weights-only file */
    char *best = tu_path(dir, "best.bin");
    assert_int_equal(
        tu_run_program(&o, &e, "train", "--resume", best, "--epochs", "2", "--data", f->data, NULL),
        1);
    assert_non_null(strstr(e, "not a resumable checkpoint"));
    assert_non_null(strstr(e, "--init"));
    free(o), free(e), free(best);
    /* --init and --resume together */
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--init", "x", NULL), 2);
    free(o), free(e);
    tu_remove_dir(dir);
}

/* SIGINT in the middle of epoch 2: exit 130, a message saying how to resume, and resuming
 * gives the uninterrupted run exactly. The signal is sent when the tutorial's log line for
 * batch 7 of epoch 2 has been printed, so the stop lands mid-epoch without any timing. */
static void test_cmd_train_sigint_stops_resumably(void **state)
{
    struct fixture *f = *state;
    char *straight = tu_make_temp_dir(), *stopped = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, straight, "--epochs", "3", NULL, NULL), 0);
    int fd;
    int pid = tu_spawn_program(&fd, 0, 1, "train", "--data", f->data, "--out", stopped, "--epochs",
                               "3", "--log-every", "1", NULL);
    char *buf = NULL;
    size_t len = 0;
    assert_true(tu_read_until(fd, &buf, &len, "epoch: 2 num: 7 "));
    kill(pid, SIGINT);
    tu_read_until(fd, &buf, &len, NULL);
    close(fd);
    assert_int_equal(tu_wait(pid), 130);
    assert_non_null(strstr(buf, "stopped by SIGINT at epoch 2"));
    assert_non_null(strstr(buf, "train --resume"));
    free(buf);
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", stopped, "--epochs", "3", "--data",
                                    f->data, "--quiet", NULL),
                     0);
    assert_non_null(strstr(o, "epoch 2:"));
    free(o), free(e);
    assert_same_run(straight, stopped);
    tu_remove_dir(straight);
    tu_remove_dir(stopped);
}

/* SIGTERM stops the same way (exit 143); two signals in a row stop at once, and whatever the
 * second one interrupted, the files on disk are whole. */
static void test_cmd_train_sigterm_and_second_signal(void **state)
{
    struct fixture *f = *state;
    const int sigs[2] = {SIGTERM, SIGINT};
    for (int round = 0; round < 2; round++) {
        char *dir = tu_make_temp_dir();
        int fd;
        int pid = tu_spawn_program(&fd, 0, 1, "train", "--data", f->data, "--out", dir, "--epochs",
                                   "3", "--log-every", "1", NULL);
        char *buf = NULL;
        size_t len = 0;
        assert_true(tu_read_until(fd, &buf, &len, "epoch: 2 num: 3 "));
        kill(pid, sigs[round]);
        if (round == 1)
            kill(pid, SIGINT); /* the second signal: no saving, exit at once */
        tu_read_until(fd, &buf, &len, NULL);
        close(fd);
        int rc = tu_wait(pid);
        if (round == 0) {
            assert_int_equal(rc, 143);
            assert_non_null(strstr(buf, "stopped by SIGTERM at epoch 2"));
        } else {
            assert_int_equal(rc, 130);
        }
        free(buf);
        /* epoch 1's files, or the stop's, are whole either way */
        char *last = tu_path(dir, "last.bin"), *best = tu_path(dir, "best.bin");
        float *w = malloc(2 * MODEL_PARAM_FLOATS * sizeof(float));
        struct resume_point at;
        struct run_state r;
        struct rm_status st;
        if (run_load_resumable(last, w, w + MODEL_PARAM_FLOATS, &at, &r, &st) != 0)
            fail_msg("%s", st.msg);
        assert_true(r.epochs_done >= 1);
        run_state_free(&r);
        struct ckpt_tensor t[MODEL_PARAM_COUNT];
        run_ckpt_tensors(w, t);
        if (ckpt_load(best, t, MODEL_PARAM_COUNT, NULL, &st) != 0)
            fail_msg("%s", st.msg);
        free(w), free(last), free(best);
        tu_remove_dir(dir);
    }
}

/* Whatever exists after kill -9 is a whole checkpoint. Each round waits until epoch 2 has been
 * reported (so epoch 1's files exist), then kills at a pseudo-random moment while short epochs
 * keep rewriting every file: the kills land in training, evaluation and writing alike. The test
 * asserts nothing about time: any moment must be safe. */
static void test_cmd_train_kill_9_never_leaves_a_broken_checkpoint(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    float *buf = malloc(2 * MODEL_PARAM_FLOATS * sizeof(float));
    unsigned seed = 12345;
    for (int round = 0; round < 12; round++) {
        int fd;
        int pid = tu_spawn_program(&fd, 0, 0, "train", "--data", f->data, "--out", dir, "--epochs",
                                   "100000", "--quiet", "--threads", "1", "--limit-train", "60",
                                   "--limit-test", "30", "--overwrite", NULL);
        char *out = NULL;
        size_t len = 0;
        assert_true(tu_read_until(fd, &out, &len, "epoch 2:"));
        seed = seed * 1103515245u + 12345u;
        struct timespec ts = {0, (long)(seed >> 8) % 100000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        tu_wait(pid);
        close(fd);
        free(out);
        char *best = tu_path(dir, "best.bin"), *last = tu_path(dir, "last.bin");
        struct ckpt_tensor t[MODEL_PARAM_COUNT];
        run_ckpt_tensors(buf, t);
        struct rm_status st;
        if (ckpt_load(best, t, MODEL_PARAM_COUNT, NULL, &st) != 0)
            fail_msg("round %d: %s", round, st.msg);
        struct resume_point at;
        struct run_state r;
        if (run_load_resumable(last, buf, buf + MODEL_PARAM_FLOATS, &at, &r, &st) != 0)
            fail_msg("round %d: %s", round, st.msg);
        assert_true(r.epochs_done >= 1);
        run_state_free(&r);
        free(best), free(last);
    }
    free(buf);
    tu_remove_dir(dir);
}

/* A run that diverges after a good epoch stops with the epoch, the batch and the --lr hint, and
 * best.bin keeps the good epoch. The divergence is made certain, on any machine, by giving the
 * run's last.bin a learning rate of 1e6 (a value the rules allow) before resuming it. */
static void test_cmd_train_divergence_keeps_best(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, dir, "--epochs", "1", NULL, NULL), 0);
    char *best = tu_path(dir, "best.bin"), *last = tu_path(dir, "last.bin");
    size_t before_len, after_len;
    uint8_t *before = tu_read_file(best, &before_len);
    tu_edit_resumable(last, "lr", "1e6");
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--epochs", "2", NULL), 1);
    assert_non_null(strstr(e, "training diverged"));
    assert_non_null(strstr(e, "epoch 2, batch"));
    assert_non_null(strstr(e, "smaller --lr"));
    assert_non_null(strstr(e, "best.bin keeps the best earlier epoch"));
    uint8_t *after = tu_read_file(best, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(o), free(e), free(before), free(after), free(best), free(last);
    tu_remove_dir(dir);
}

static void test_cmd_train_output_modes(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    char *o, *e;
    /* plain (stdout is a file here): lines only, no control characters */
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--epochs",
                                    "2", "--log-every", "5", NULL),
                     0);
    assert_null(strchr(o, '\r'));
    assert_null(strchr(o, '\033'));
    assert_non_null(strstr(o, "epoch: 1 num: 5 Loss: "));
    assert_non_null(strstr(o, "epoch 2: test accuracy"));
    assert_non_null(strstr(o, "loss.png"));
    free(o), free(e);
    /* --quiet: exactly one line per epoch */
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--epochs",
                                    "2", "--quiet", "--overwrite", NULL),
                     0);
    int lines = 0;
    for (char *p = o; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2);
    assert_true(strncmp(o, "epoch 1: test accuracy", 22) == 0);
    free(o), free(e);
    /* --json: one object per line, with the epoch's numbers */
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--epochs",
                                    "2", "--json", "--overwrite", NULL),
                     0);
    int objects = 0;
    for (char *line = strtok(o, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        assert_int_equal(cJSON_GetObjectItem(j, "epoch")->valueint, ++objects);
        int correct = cJSON_GetObjectItem(j, "test_correct")->valueint;
        int total = cJSON_GetObjectItem(j, "test_total")->valueint;
        assert_int_equal(total, 100);
        assert_true(fabs(cJSON_GetObjectItem(j, "test_accuracy")->valuedouble -
                         (double)correct / total) < 1e-9);
        assert_non_null(cJSON_GetObjectItem(j, "train_loss"));
        cJSON_Delete(j);
    }
    assert_int_equal(objects, 2);
    free(o), free(e);
    tu_remove_dir(dir);
}

/* On a terminal the epoch's line is redrawn in place and ends as the epoch's summary. The
 * terminal type is the test's, not the caller's: under TERM=dumb there would be no live line. */
static void test_cmd_train_live_progress_on_a_terminal(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    int fd;
    const char *const env[] = {"TERM=xterm-256color", NULL};
    int pid = tu_spawn_program_env(&fd, 1, 0, env, "train", "--data", f->data, "--out", dir,
                                   "--epochs", "1", "--log-every", "0", "--batch-size", "3", NULL);
    char *buf = NULL;
    size_t len = 0;
    tu_read_until(fd, &buf, &len, NULL);
    close(fd);
    assert_int_equal(tu_wait(pid), 0);
    assert_non_null(strstr(buf, "\r\033[Kepoch 1/1  batch "));
    assert_non_null(strstr(buf, "img/s"));
    assert_non_null(strstr(buf, "ETA"));
    /* the live line is cleared before the summary */
    assert_non_null(strstr(buf, "\r\033[Kepoch 1: test accuracy"));
    free(buf);
    tu_remove_dir(dir);
}

/* A terminal that cannot redraw a line (TERM=dumb) gets the plain lines a file gets. */
static void test_cmd_train_dumb_terminal_gets_plain_lines(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    int fd;
    const char *const env[] = {"TERM=dumb", NULL};
    int pid = tu_spawn_program_env(&fd, 1, 0, env, "train", "--data", f->data, "--out", dir,
                                   "--epochs", "1", "--log-every", "50", "--batch-size", "3", NULL);
    char *buf = NULL;
    size_t len = 0;
    tu_read_until(fd, &buf, &len, NULL);
    close(fd);
    assert_int_equal(tu_wait(pid), 0);
    assert_null(strchr(buf, '\033'));
    for (const char *p = strchr(buf, '\r'); p; p = strchr(p + 1, '\r'))
        assert_int_equal(p[1], '\n'); /* the terminal's own CR LF, no redrawing */
    assert_non_null(strstr(buf, "epoch: 1 num: 50 Loss: "));
    assert_non_null(strstr(buf, "epoch 1: test accuracy"));
    free(buf);
    tu_remove_dir(dir);
}

/* ---------------------------------------------------------------- run folders */

static int file_exists(const char *dir, const char *name)
{
    char *p = tu_path(dir, name);
    struct stat sb;
    int yes = stat(p, &sb) == 0;
    free(p);
    return yes;
}

/* --out names a folder that need not exist: it is made, with its parents. */
static void test_cmd_train_out_folder_is_made_with_its_parents(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir(), *deep = tu_path(dir, "runs/a/b");
    assert_int_equal(run_train(f->data, deep, "--epochs", "1", "--limit-train", "60"), 0);
    assert_true(file_exists(deep, "best.bin"));
    assert_true(file_exists(deep, "last.bin"));
    assert_true(file_exists(deep, "metrics.csv"));
    free(deep);
    tu_remove_dir(dir);
}

/* A folder that holds a run is not trained into again by accident: the refusal names both ways
 * on (--resume, --overwrite) and touches nothing; --overwrite starts a new run there whose files
 * replace all of the old run's, even when it stops before its first epoch ends. */
static void test_cmd_train_refuses_a_folder_that_holds_a_run(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir(), *best = tu_path(dir, "best.bin");
    assert_int_equal(run_train(f->data, dir, "--epochs", "2", "--limit-train", "60"), 0);
    size_t before_len, after_len;
    uint8_t *before = tu_read_file(best, &before_len);
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--epochs",
                                    "1", "--seed", "9", NULL),
                     1);
    assert_non_null(strstr(e, "holds a run"));
    assert_non_null(strstr(e, "--resume"));
    assert_non_null(strstr(e, "--overwrite"));
    assert_null(strstr(o, "epoch"));
    free(o), free(e);
    uint8_t *after = tu_read_file(best, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(after);
    /* --overwrite, stopped by SIGINT in its first epoch: nothing of the old run is left */
    int fd;
    int pid = tu_spawn_program(&fd, 0, 1, "train", "--data", f->data, "--out", dir, "--overwrite",
                               "--epochs", "1", "--log-every", "1", "--seed", "9", NULL);
    char *buf = NULL;
    size_t len = 0;
    assert_true(tu_read_until(fd, &buf, &len, "epoch: 1 num: 3 "));
    kill(pid, SIGINT);
    tu_read_until(fd, &buf, &len, NULL);
    close(fd);
    assert_int_equal(tu_wait(pid), 130);
    free(buf);
    assert_true(file_exists(dir, "last.bin"));
    assert_false(file_exists(dir, "best.bin"));
    assert_false(file_exists(dir, "metrics.csv"));
    assert_false(file_exists(dir, "accuracy.png"));
    assert_false(file_exists(dir, "loss.png"));
    free(before), free(best);
    tu_remove_dir(dir);
}

/* A run locks its folder for its whole life: a second train into it fails at once and names
 * the holder's pid; the lock dies with its holder, kill -9 included. */
static void test_cmd_train_second_train_into_a_busy_folder_fails_at_once(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    int fd;
    int pid =
        tu_spawn_program(&fd, 0, 0, "train", "--data", f->data, "--out", dir, "--epochs", "100000",
                         "--quiet", "--limit-train", "30", "--limit-test", "30", NULL);
    char *buf = NULL;
    size_t len = 0;
    assert_true(tu_read_until(fd, &buf, &len, "epoch 1:"));
    char *o, *e;
    const char *tries[][2] = {{NULL, NULL}, {"--overwrite", NULL}, {"--resume", dir}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir,
                                        "--epochs", "1", tries[i][0], tries[i][1], NULL),
                         1);
        char want[64];
        snprintf(want, sizeof want, "pid %d", pid);
        if (!strstr(e, want))
            fail_msg("'%s' does not name the holder (%s)", e, want);
        free(o), free(e);
    }
    kill(pid, SIGKILL);
    tu_wait(pid);
    close(fd);
    free(buf);
    /* the kernel released the lock with the process */
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--overwrite",
                                    "--epochs", "1", "--quiet", "--limit-train", "30",
                                    "--limit-test", "30", NULL),
                     0);
    free(o), free(e);
    tu_remove_dir(dir);
}

/* train --resume A --out B makes B a complete run folder, the same as a run never stopped,
 * even when the resumed epochs bring no new best (lr so small that the accuracy cannot move):
 * best.bin comes from the run itself, never from B's old contents, and B must be empty or
 * given --overwrite. */
static void test_cmd_train_resume_into_another_folder_is_a_whole_run(void **state)
{
    struct fixture *f = *state;
    char *straight = tu_make_temp_dir(), *a = tu_make_temp_dir(), *b = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, straight, "--epochs", "3", "--lr", "1e-9"), 0);
    assert_int_equal(run_train(f->data, a, "--epochs", "1", "--lr", "1e-9"), 0);
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", a, "--out", b, "--epochs", "3",
                                    "--quiet", NULL),
                     0);
    free(o), free(e);
    assert_same_run(straight, b);
    assert_true(file_exists(b, "loss.png"));
    /* a folder holding another run is refused, and replaced with --overwrite */
    char *other = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, other, "--epochs", "1", "--seed", "4"), 0);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", a, "--out", other, "--epochs", "3",
                                    "--quiet", NULL),
                     1);
    assert_non_null(strstr(e, "--overwrite"));
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", a, "--out", other, "--epochs", "3",
                                    "--quiet", "--overwrite", NULL),
                     0);
    free(o), free(e);
    assert_same_run(straight, other);
    tu_remove_dir(other);
    tu_remove_dir(straight);
    tu_remove_dir(a);
    tu_remove_dir(b);
}

/* ---------------------------------------------------------------- resume needs nothing */

/* The command printed after Ctrl-C, pasted into a shell in the same folder, finishes the run:
 * the data folder (relative, with a space) and the options come from last.bin, and the paths are
 * quoted (a space and a quote in the output folder's name). */
static void test_cmd_train_printed_command_finishes_the_run(void **state)
{
    struct fixture *f = *state;
    char *top = tu_make_temp_dir(), *straight = tu_make_temp_dir();
    char *data = tu_path(top, "my data"), *out = tu_path(top, "it's a run");
    assert_int_equal(symlink(f->data, data), 0);
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(top), 0);
    assert_int_equal(run_train("my data", straight, "--epochs", "2", "--limit-test", "50"), 0);
    int fd;
    assert_int_equal(mkdir(out, 0755), 0);
    int pid = tu_spawn_program(&fd, 0, 1, "train", "--data", "my data", "--out", "it's a run",
                               "--epochs", "2", "--limit-test", "50", "--log-every", "1", NULL);
    char *buf = NULL;
    size_t len = 0;
    assert_true(tu_read_until(fd, &buf, &len, "epoch: 2 num: 4 "));
    kill(pid, SIGINT);
    tu_read_until(fd, &buf, &len, NULL);
    close(fd);
    assert_int_equal(tu_wait(pid), 130);
    const char *cont = strstr(buf, "continue with: ");
    assert_non_null(cont);
    cont += strlen("continue with: ");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%.*s", (int)strcspn(cont, "\n"), cont);
    free(buf);
    /* the program is found on PATH, as a user's would be */
    char path[8192], *slash = strrchr(RM_PROGRAM, '/');
    snprintf(path, sizeof path, "%.*s:%s", (int)(slash - RM_PROGRAM), RM_PROGRAM, getenv("PATH"));
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("PATH", path, 1);
        unsetenv("RESNET_MNIST_DATA");
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int rc = tu_wait(pid);
    assert_int_equal(chdir(cwd), 0);
    if (rc != 0)
        fail_msg("the printed command '%s' exited %d", cmd, rc);
    assert_same_run(straight, out);
    free(data), free(out);
    tu_remove_dir(straight);
    tu_remove_dir(top);
}

/* --resume keeps the run's options: one that would change the run is refused by name, the
 * limits included; a data set that changed since the run began is refused, naming the file. */
static void test_cmd_train_resume_refuses_what_would_change_the_run(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, dir, "--epochs", "1", "--limit-train", "60"), 0);
    const char *flags[][2] = {{"--limit-train", "90"}, {"--limit-test", "20"},
                              {"--seed", "3"},         {"--batch-size", "10"},
                              {"--momentum", "0.9"},   {"--no-shuffle", NULL}};
    char *o, *e;
    for (int i = 0; i < 6; i++) {
        int rc = tu_run_program(&o, &e, "train", "--resume", dir, "--epochs", "2", "--data",
                                f->data, flags[i][0], flags[i][1], NULL);
        char want[64];
        snprintf(want, sizeof want, "%s differs", flags[i][0]);
        if (rc != 2 || !strstr(e, want))
            fail_msg("%s: exit %d, '%s'", flags[i][0], rc, e);
        free(o), free(e);
    }
    /* the data changed since the run began: one test label is another */
    char *moved = tu_make_temp_dir();
    tu_write_mnist_split(moved, "train", 600);
    tu_write_mnist_split(moved, "t10k", 100);
    char *labels = tu_path(moved, "t10k-labels-idx1-ubyte");
    size_t n;
    uint8_t *l = tu_read_file(labels, &n);
    l[8] = (uint8_t)((l[8] + 1) % 10);
    tu_write_file(labels, l, n);
    assert_int_equal(
        tu_run_program(&o, &e, "train", "--resume", dir, "--epochs", "2", "--data", moved, NULL),
        1);
    assert_non_null(strstr(e, "t10k-labels"));
    free(o), free(e), free(l), free(labels);
    tu_remove_dir(moved);
    tu_remove_dir(dir);
}

/* --conv fast is part of the run: it changes the numbers (rounding), a resumed run keeps it
 * and gives the uninterrupted run exactly, and contradicting it on --resume is refused. */
static void test_cmd_train_conv_fast_is_kept_by_resume(void **state)
{
    struct fixture *f = *state;
    char *direct = tu_make_temp_dir(), *straight = tu_make_temp_dir(), *pieces = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, direct, "--epochs", "2", NULL, NULL), 0);
    assert_int_equal(run_train(f->data, straight, "--epochs", "2", "--conv", "fast"), 0);
    assert_int_equal(run_train(f->data, pieces, "--epochs", "1", "--conv", "fast"), 0);
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", pieces, "--epochs", "2", "--data",
                                    f->data, "--conv", "direct", NULL),
                     2);
    assert_non_null(strstr(e, "--conv differs"));
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", pieces, "--epochs", "2", "--data",
                                    f->data, "--quiet", NULL),
                     0);
    free(o), free(e);
    assert_same_run(straight, pieces);
    size_t na, nb;
    char *a = tu_path(direct, "last.bin"), *b = tu_path(straight, "last.bin");
    uint8_t *da = tu_read_file(a, &na), *db = tu_read_file(b, &nb);
    assert_true(na != nb || memcmp(da, db, na) != 0); /* fast really ran */
    free(da), free(db), free(a), free(b);
    assert_int_equal(tu_run_program(&o, &e, "train", "--conv", "slow", NULL), 2);
    assert_non_null(strstr(e, "--conv: 'slow' is neither direct nor fast"));
    free(o), free(e);
    tu_remove_dir(direct);
    tu_remove_dir(straight);
    tu_remove_dir(pieces);
}

/* A learning rate that would be 0 in single precision is refused, not trained with. */
static void test_cmd_train_lr_that_rounds_to_zero_is_refused(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--epochs",
                                    "1", "--lr", "1e-50", "--limit-train", "30", NULL),
                     2);
    assert_non_null(strstr(e, "--lr"));
    assert_false(file_exists(dir, "last.bin"));
    free(o), free(e);
    tu_remove_dir(dir);
}

/* --init takes any checkpoint: best.bin, or last.bin (its weights; the optimizer state and the
 * best epoch's weights beside them are not used), through weights_load. */
static void test_cmd_train_init_takes_any_checkpoint(void **state)
{
    struct fixture *f = *state;
    char *a = tu_make_temp_dir(), *b = tu_make_temp_dir(), *c = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, a, "--epochs", "1", "--limit-train", "60"), 0);
    char *last = tu_path(a, "last.bin"), *best = tu_path(a, "best.bin");
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", b, "--epochs", "1",
                                    "--limit-train", "60", "--init", last, NULL),
                     0);
    assert_non_null(strstr(o, "weights from --init"));
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", c, "--epochs", "1",
                                    "--limit-train", "60", "--init", best, NULL),
                     0);
    free(o), free(e);
    /* the same weights either way (a one-epoch run's last weights are its best epoch's) */
    tu_assert_same_file(b, c, "best.bin");
    free(last), free(best);
    tu_remove_dir(a);
    tu_remove_dir(b);
    tu_remove_dir(c);
}

/* ---------------------------------------------------------------- signals */

/* SIGINT after the final epoch's last batch (during its test pass or its saves) does not stop a
 * run that has nothing left to do: the summary is printed, the status is 0, and the files are
 * an uninterrupted run's. */
static void test_cmd_train_sigint_in_the_final_test_pass_completes_the_run(void **state)
{
    struct fixture *f = *state;
    char *data = tu_make_temp_dir(), *straight = tu_make_temp_dir(), *dir = tu_make_temp_dir();
    tu_write_mnist_split(data, "train", 60);
    tu_write_mnist_split(data, "t10k", 3000); /* a test pass long enough to be hit */
    assert_int_equal(run_train(data, straight, "--epochs", "2", NULL, NULL), 0);
    int fd;
    int pid = tu_spawn_program(&fd, 0, 1, "train", "--data", data, "--out", dir, "--epochs", "2",
                               "--log-every", "1", NULL);
    char *buf = NULL;
    size_t len = 0;
    assert_true(tu_read_until(fd, &buf, &len, "epoch: 2 num: 2 ")); /* the last batch */
    kill(pid, SIGINT);
    tu_read_until(fd, &buf, &len, NULL);
    close(fd);
    int rc = tu_wait(pid);
    if (rc != 0 || !strstr(buf, "best test accuracy"))
        fail_msg("exit %d: %s", rc, buf);
    assert_null(strstr(buf, "continue with"));
    free(buf);
    assert_same_run(straight, dir);
    (void)f;
    tu_remove_dir(data);
    tu_remove_dir(straight);
    tu_remove_dir(dir);
}

/* train --resume on a run that has done its epochs trains nothing and writes its files whole
 * again (as after a kill in the final saves): a missing best.bin or metrics.csv comes back. */
static void test_cmd_train_resume_of_a_finished_run_completes_its_files(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir(), *copy = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, dir, "--epochs", "2", "--limit-train", "60"), 0);
    assert_int_equal(run_train(f->data, copy, "--epochs", "2", "--limit-train", "60"), 0);
    char *best = tu_path(dir, "best.bin"), *csv = tu_path(dir, "metrics.csv");
    remove(best);
    remove(csv);
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, NULL), 0);
    assert_non_null(strstr(o, "best test accuracy"));
    free(o), free(e);
    assert_same_run(copy, dir);
    /* asking for fewer epochs than done is an error */
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--epochs", "1", NULL), 1);
    assert_non_null(strstr(e, "2 epochs already"));
    free(o), free(e), free(best), free(csv);
    tu_remove_dir(dir);
    tu_remove_dir(copy);
}

/* Waits (up to 10 s) until signal sig sent to pid is no longer pending: the process has taken
 * it, so that a second one is not merged into it. */
static void wait_until_delivered(int pid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    for (int i = 0; i < 100000; i++) {
        FILE *fp = fopen(path, "r");
        if (!fp)
            return; /* gone */
        unsigned long long pending = 0, v;
        while (fgets(line, sizeof line, fp))
            if (sscanf(line, "SigPnd: %llx", &v) == 1 || sscanf(line, "ShdPnd: %llx", &v) == 1)
                pending |= v;
        fclose(fp);
        if (!(pending & (1ull << (sig - 1))))
            return;
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

/* Two signals in a row end the process at once, at whatever moment: no temporary file is left
 * behind, even when the second one lands while a file is being written. Each round waits for
 * epoch 2's line, sends SIGINT, and once the process has taken it sends the second one at a
 * pseudo-random moment of the stop's saves. */
static void test_cmd_train_second_signal_leaves_no_temporary_file(void **state)
{
    struct fixture *f = *state;
    unsigned seed = 777;
    for (int round = 0; round < 16; round++) {
        char *dir = tu_make_temp_dir();
        int fd;
        int pid = tu_spawn_program(&fd, 0, 0, "train", "--data", f->data, "--out", dir, "--epochs",
                                   "100000", "--quiet", "--threads", "1", "--limit-train", "30",
                                   "--limit-test", "30", NULL);
        char *out = NULL;
        size_t len = 0;
        assert_true(tu_read_until(fd, &out, &len, "epoch 2:"));
        kill(pid, SIGINT);
        wait_until_delivered(pid, SIGINT);
        /* the stop's saves follow: the second signal lands in them or just before or after */
        seed = seed * 1103515245u + 12345u;
        struct timespec ts = {0, (long)(seed >> 8) % 30000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGINT);
        tu_wait(pid);
        close(fd);
        free(out);
        char cmd[512], left[256] = "";
        snprintf(cmd, sizeof cmd, "ls -a '%s' | grep '\\.tmp\\.'", dir);
        FILE *ls = popen(cmd, "r");
        assert_non_null(ls);
        size_t got = fread(left, 1, sizeof left - 1, ls);
        left[got] = 0;
        pclose(ls);
        if (got)
            fail_msg("round %d: a temporary file was left in %s: %s", round, dir, left);
        tu_remove_dir(dir);
    }
}

/* ---------------------------------------------------------------- nothing non-finite kept */

/* The case: one step with lr 1e6 leaves weights whose test loss is NaN. Training stops
 * with exit 1, naming the epoch, the batch and --lr; no best.bin is written. */
static void test_cmd_train_divergence_in_the_last_step_is_caught(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    char *o, *e;
    int rc = tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--limit-train", "30",
                            "--limit-test", "30", "--epochs", "1", "--lr", "1e6", NULL);
    if (rc != 1)
        fail_msg("exit %d: %s%s", rc, o, e);
    assert_non_null(strstr(e, "diverged"));
    assert_non_null(strstr(e, "epoch 1"));
    assert_non_null(strstr(e, "batch 1"));
    assert_non_null(strstr(e, "--lr"));
    assert_null(strstr(o, "best so far"));
    assert_false(file_exists(dir, "best.bin"));
    free(o), free(e);
    tu_remove_dir(dir);
}

/* ---------------------------------------------------------------- errors before work */

/* An output folder whose files cannot be written is found out before any training: a path
 * longer than the system takes (over 4095 characters) fails at once, and the message keeps the
 * problem. */
static void test_cmd_train_unwritable_outputs_fail_before_training(void **state)
{
    struct fixture *f = *state;
    char *top = tu_make_temp_dir();
    char path[4200];
    int n = snprintf(path, sizeof path, "%s", top);
    while (n < 4100) {
        int k = 4100 - n - 1 < 200 ? 4100 - n - 1 : 200;
        path[n++] = '/';
        memset(path + n, 'a', (size_t)k);
        n += k;
        path[n] = 0;
    }
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", path, "--epochs",
                                    "1", "--limit-train", "30", NULL),
                     1);
    assert_null(strstr(o, "epoch"));
    assert_non_null(strstr(e, "too long"));
    free(o), free(e);
    /* 4,080 characters, an existing folder: the run works, or fails before it trains */
    path[4080] = 0;
    for (char *p = path + strlen(top) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = 0;
        mkdir(path, 0755);
        *p = '/';
    }
    assert_int_equal(mkdir(path, 0755), 0);
    int rc = tu_run_program(&o, &e, "train", "--data", f->data, "--out", path, "--epochs", "1",
                            "--limit-train", "30", "--limit-test", "30", NULL);
    if (!(rc == 0 && file_exists(path, "best.bin")) &&
        !(rc == 1 && !strstr(o, "epoch") && strstr(e, "too long")))
        fail_msg("exit %d, stdout %.100s, stderr %.200s ... %s", rc, o, e,
                 strlen(e) > 100 ? e + strlen(e) - 100 : e);
    free(o), free(e);
    /* a folder that is not writable (root may write anywhere: then there is nothing to test) */
    char *ro = tu_path(top, "ro");
    assert_int_equal(mkdir(ro, 0555), 0);
    if (access(ro, W_OK) != 0) {
        assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", ro, "--epochs",
                                        "1", "--limit-train", "30", NULL),
                         1);
        assert_null(strstr(o, "epoch"));
        free(o), free(e);
    }
    chmod(ro, 0755);
    free(ro);
    tu_remove_dir(top);
}

/* ---------------------------------------------------------------- validation and metrics */

#define METRICS_COLUMNS 9
#define METRICS_MAX     16

/* metrics.csv of a run folder: its header checked, each epoch's nine values (NaN where the
 * field is empty). */
struct metrics {
    int epochs;
    double v[METRICS_MAX][METRICS_COLUMNS];
};

static void read_metrics(const char *dir, struct metrics *m)
{
    char *p = tu_path(dir, "metrics.csv");
    size_t len;
    char *text = (char *)tu_read_file(p, &len);
    text[len] = 0;
    const char *header = "epoch,train_loss,test_loss,test_accuracy,seconds,"
                         "train_accuracy,lr,val_loss,val_accuracy\n";
    assert_true(strncmp(text, header, strlen(header)) == 0);
    m->epochs = 0;
    for (char *line = strtok(text + strlen(header), "\n"); line; line = strtok(NULL, "\n")) {
        assert_true(m->epochs < METRICS_MAX);
        char *s = line;
        for (int c = 0; c < METRICS_COLUMNS; c++) {
            size_t n = strcspn(s, ",");
            assert_true(c + 1 < METRICS_COLUMNS ? s[n] == ',' : s[n] == 0);
            char *end;
            m->v[m->epochs][c] = n ? strtod(s, &end) : NAN;
            assert_true(n == 0 || end == s + n);
            s += n + (c + 1 < METRICS_COLUMNS);
        }
        assert_int_equal((int)m->v[m->epochs][0], m->epochs + 1);
        m->epochs++;
    }
    free(text), free(p);
}

/* The first epoch (1-based) whose column col is the highest (sign +1) or lowest (-1). */
static int first_best(const struct metrics *m, int col, int sign)
{
    int best = 0;
    for (int e = 1; e < m->epochs; e++)
        if (sign * m->v[e][col] > sign * m->v[best][col])
            best = e;
    return best + 1;
}

/* A metadata value of a checkpoint, read from the safetensors header itself (8 bytes of length,
 * then JSON with "__metadata__"), not through the program's reader. Caller frees. */
static char *checkpoint_meta(const char *dir, const char *file, const char *key)
{
    char *p = tu_path(dir, file);
    size_t len;
    uint8_t *d = tu_read_file(p, &len);
    assert_true(len >= 8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | d[i];
    assert_true(n <= len - 8);
    cJSON *j = cJSON_ParseWithLength((const char *)d + 8, (size_t)n);
    assert_non_null(j);
    cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "__metadata__"), key);
    char *out = v && cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
    cJSON_Delete(j);
    free(d), free(p);
    return out;
}

static int checkpoint_epoch(const char *dir)
{
    char *v = checkpoint_meta(dir, "best.bin", "epoch");
    assert_non_null(v);
    int e = atoi(v);
    free(v);
    return e;
}

/* A data folder like the fixture's whose test labels are wrong on purpose: image i, a digit
 * i % 10, is labelled (i + 1) % 10, so that the better a model learns, the worse it does on
 * this test set, and choosing on it and on validation disagree. */
static char *make_misleading_data(void)
{
    char *dir = tu_make_temp_dir();
    tu_write_mnist_split(dir, "train", 600);
    tu_write_mnist_split(dir, "t10k", 100);
    uint8_t labels[8 + 100] = {0, 0, 8, 1, 0, 0, 0, 100};
    for (int i = 0; i < 100; i++)
        labels[8 + i] = (uint8_t)((i + 1) % 10);
    char *p = tu_path(dir, "t10k-labels-idx1-ubyte");
    tu_write_file(p, labels, sizeof labels);
    free(p);
    return dir;
}

/* best.bin is the epoch validation chooses: the first of the highest validation accuracy, or of
 * the lowest validation loss with --monitor loss; never the test set's choice, which without
 * --val is the tutorial's (the first of the highest test accuracy). */
static void test_cmd_train_val_chooses_best_not_the_test_set(void **state)
{
    (void)state;
    char *data = make_misleading_data();
    const char *monitors[3] = {NULL, "accuracy", "loss"};
    for (int k = 0; k < 3; k++) {
        char *dir = tu_make_temp_dir(), *o, *e;
        int rc = k == 0 ? tu_run_program(&o, &e, "train", "--data", data, "--out", dir, "--quiet",
                                         "--epochs", "4", "--lr", "0.002", NULL)
                        : tu_run_program(&o, &e, "train", "--data", data, "--out", dir, "--quiet",
                                         "--epochs", "4", "--lr", "0.002", "--val", "100",
                                         "--monitor", monitors[k], NULL);
        if (rc != 0)
            fail_msg("train exited %d: %s", rc, e);
        struct metrics m;
        read_metrics(dir, &m);
        assert_int_equal(m.epochs, 4);
        int by_test = first_best(&m, 3, +1), by_val_acc = first_best(&m, 8, +1),
            by_val_loss = first_best(&m, 7, -1);
        /* with validation, the data makes the three rules disagree (else this test would
         * prove nothing) */
        if (k > 0)
            assert_true(by_test != by_val_acc && by_test != by_val_loss &&
                        by_val_acc != by_val_loss);
        assert_int_equal(checkpoint_epoch(dir), k == 0   ? by_test
                                                : k == 1 ? by_val_acc
                                                         : by_val_loss);
        /* best.bin's metadata says how it was chosen */
        char *mon = checkpoint_meta(dir, "best.bin", "monitor");
        if (k == 0)
            assert_null(mon);
        else
            assert_string_equal(mon, monitors[k]);
        free(mon);
        free(o), free(e);
        tu_remove_dir(dir);
    }
    tu_remove_dir(data);
}

/* --patience N stops after the first epoch that is N epochs past the best one, says so in one
 * line and in --json, and a resumed run continues the count: stopped with --patience 2 and
 * resumed with --patience 4 it is the run made with --patience 4 from the start. */
static void test_cmd_train_patience_stops_at_the_right_epoch(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir(), *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--epochs",
                                    "12", "--val", "100", "--patience", "2", "--log-every", "0",
                                    NULL),
                     0);
    struct metrics m;
    read_metrics(dir, &m);
    /* the rule: the first epoch E with E - (the first best epoch up to E) >= 2 */
    int best = 1, stop = 0;
    for (int k = 2; k <= 12 && !stop; k++) {
        if (k <= m.epochs && m.v[k - 1][8] > m.v[best - 1][8])
            best = k;
        if (k - best >= 2)
            stop = k;
    }
    assert_true(stop > 0 && stop < 12); /* the data plateaus: the run must stop early */
    assert_int_equal(m.epochs, stop);
    assert_int_equal(checkpoint_epoch(dir), best);
    char want[128];
    snprintf(want, sizeof want,
             "stopping early: the validation accuracy has not improved on epoch %d's for 2 "
             "epochs (--patience 2)\n",
             best);
    assert_non_null(strstr(o, want));
    assert_non_null(strstr(o, "best validation accuracy "));
    free(o), free(e);
    /* resumed as it is: nothing to train, exit 0 */
    assert_int_equal(
        tu_run_program(&o, &e, "train", "--resume", dir, "--data", f->data, "--quiet", NULL), 0);
    assert_string_equal(o, "");
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--data", f->data, NULL), 0);
    assert_non_null(strstr(o, "stopped early"));
    free(o), free(e);
    /* resumed with more patience, it goes on to where a run with that patience stops */
    char *straight = tu_make_temp_dir();
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", straight,
                                    "--epochs", "12", "--val", "100", "--patience", "4", "--json",
                                    NULL),
                     0);
    int objects = 0, stops = 0;
    for (char *line = strtok(o, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        objects++;
        cJSON *s = cJSON_GetObjectItem(j, "early_stop");
        assert_true(cJSON_IsBool(s));
        stops += cJSON_IsTrue(s);
        if (cJSON_IsTrue(s)) /* only the last one */
            assert_null(strtok(NULL, "\n"));
        cJSON_Delete(j);
        if (stops)
            break;
    }
    assert_int_equal(stops, 1);
    assert_int_equal(objects, best + 4);
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--data", f->data,
                                    "--patience", "4", "--quiet", NULL),
                     0);
    free(o), free(e);
    assert_same_run(straight, dir);
    tu_remove_dir(straight);
    tu_remove_dir(dir);
}

/* A run with --val, --monitor loss and --patience stopped after an epoch and resumed is bitwise
 * the run never stopped: the same held-out images, the same choices, the same files. */
static void test_cmd_train_resume_with_val_is_bitwise_the_same_run(void **state)
{
    struct fixture *f = *state;
    char *straight = tu_make_temp_dir(), *pieces = tu_make_temp_dir(), *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", straight,
                                    "--quiet", "--epochs", "3", "--val", "150", "--monitor", "loss",
                                    "--patience", "5", "--threads", "2", NULL),
                     0);
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", pieces, "--quiet",
                                    "--epochs", "1", "--val", "150", "--monitor", "loss",
                                    "--patience", "5", "--threads", "1", NULL),
                     0);
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", pieces, "--epochs", "3", "--data",
                                    f->data, "--quiet", "--threads", "3", NULL),
                     0);
    free(o), free(e);
    assert_same_run(straight, pieces);
    char *val = checkpoint_meta(pieces, "last.bin", "val");
    assert_string_equal(val, "150");
    free(val);
    tu_remove_dir(straight);
    tu_remove_dir(pieces);
}

/* What --val, --monitor and --patience refuse, each a usage error naming the problem. */
static void test_cmd_train_val_refusals(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir(), *o, *e;
    /* nothing left to train on: 600 images with --limit-train 200 */
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir,
                                    "--limit-train", "200", "--val", "200", NULL),
                     2);
    assert_non_null(strstr(e, "--val 200: must be less than the 200 training images the run uses"));
    free(o), free(e);
    assert_int_equal(
        tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--patience", "3", NULL),
        2);
    assert_non_null(strstr(e, "--patience needs --val"));
    free(o), free(e);
    assert_int_equal(
        tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--monitor", "loss", NULL),
        2);
    assert_non_null(strstr(e, "--monitor needs --val"));
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--val", "10",
                                    "--monitor", "speed", NULL),
                     2);
    assert_non_null(strstr(e, "'speed' is neither accuracy nor loss"));
    free(o), free(e);
    /* a resumed run keeps its split */
    assert_int_equal(run_train(f->data, dir, "--epochs", "1", "--val", "50"), 0);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--epochs", "2", "--val",
                                    "60", "--data", f->data, NULL),
                     2);
    assert_non_null(strstr(e, "--val differs"));
    free(o), free(e);
    char *plain = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, plain, "--epochs", "1", NULL, NULL), 0);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", plain, "--epochs", "2",
                                    "--patience", "2", "--data", f->data, NULL),
                     2);
    assert_non_null(strstr(e, "holds no validation images"));
    free(o), free(e);
    tu_remove_dir(plain);
    tu_remove_dir(dir);
}

/* metrics.csv's columns and --json's keys agree with each other and with the run: training
 * accuracy over all the images trained on, the lr, validation when there is some and empty
 * fields (no keys) when not. */
static void test_cmd_train_metrics_columns_and_json_keys(void **state)
{
    struct fixture *f = *state;
    for (int val = 0; val <= 1; val++) {
        char *dir = tu_make_temp_dir(), *o, *e;
        int rc = val ? tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--json",
                                      "--epochs", "2", "--val", "100", NULL)
                     : tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--json",
                                      "--epochs", "2", NULL);
        assert_int_equal(rc, 0);
        struct metrics m;
        read_metrics(dir, &m);
        assert_int_equal(m.epochs, 2);
        int k = 0;
        for (char *line = strtok(o, "\n"); line; line = strtok(NULL, "\n"), k++) {
            cJSON *j = cJSON_Parse(line);
            assert_non_null(j);
            int tc = cJSON_GetObjectItem(j, "train_correct")->valueint;
            int tt = cJSON_GetObjectItem(j, "train_total")->valueint;
            assert_int_equal(tt, val ? 500 : 600);
            assert_true(tc >= 0 && tc <= tt);
            assert_true(fabs(cJSON_GetObjectItem(j, "train_accuracy")->valuedouble -
                             (double)tc / tt) < 1e-12);
            assert_true(fabs(m.v[k][5] - (double)tc / tt) < 1e-6);
            assert_true(cJSON_GetObjectItem(j, "lr")->valuedouble == 0.005);
            assert_true(m.v[k][6] == 0.005);
            cJSON *vc = cJSON_GetObjectItem(j, "val_correct");
            if (!val) {
                assert_null(vc);
                assert_null(cJSON_GetObjectItem(j, "val_loss"));
                assert_true(isnan(m.v[k][7]) && isnan(m.v[k][8]));
            } else {
                int vt = cJSON_GetObjectItem(j, "val_total")->valueint;
                assert_int_equal(vt, 100);
                assert_true(fabs(m.v[k][8] - (double)vc->valueint / vt) < 1e-6);
                assert_true(fabs(cJSON_GetObjectItem(j, "val_accuracy")->valuedouble -
                                 (double)vc->valueint / vt) < 1e-12);
                assert_true(fabs(m.v[k][7] - cJSON_GetObjectItem(j, "val_loss")->valuedouble) <
                            1e-6);
            }
            cJSON_Delete(j);
        }
        assert_int_equal(k, 2);
        free(o), free(e);
        tu_remove_dir(dir);
    }
}

/* A resumed run keeps its data set: each of the data set's options is refused by name, data
 * that changed is refused naming the file, and the same data in a new place continues the run,
 * whose checkpoints still record its 12 classes, name and kind. */
static void test_cmd_train_resume_keeps_the_data_set(void **state)
{
    (void)state;
    char *a = tu_make_temp_dir(), *b = tu_make_temp_dir(), *c = tu_make_temp_dir();
    char *run = tu_make_temp_dir();
    const char *dirs[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        tu_write_mnist_split(dirs[i], "train", 60);
        tu_write_mnist_split(dirs[i], "t10k", 20);
    }
    char *bl = tu_path(b, "t10k-labels-idx1-ubyte"); /* b: one test label differs */
    size_t len;
    uint8_t *bytes = tu_read_file(bl, &len);
    bytes[8 + 3] = (uint8_t)((bytes[8 + 3] + 1) % 10);
    tu_write_file(bl, bytes, len);
    free(bytes), free(bl);
    char *out, *err;
    int rc = tu_run_program(&out, &err, "train", "--data", a, "--out", run, "--epochs", "1",
                            "--threads", "1", "--quiet", "--classes", "12", "--dataset-name",
                            "tiny", "--kind", "images", NULL);
    if (rc != 0)
        fail_msg("train: %d: %s", rc, err);
    free(out), free(err);
    char *best = tu_path(run, "best.bin"), *last = tu_path(run, "last.bin");
    size_t len0;
    uint8_t *last0 = tu_read_file(last, &len0);
    const char *opt[7][2] = {
        {"--classes", "10"},  {"--mean", "0.5"},           {"--std", "0.5"},
        {"--class-names", a}, {"--dataset-name", "mnist"}, {"--kind", "digits"},
        {"--transpose", NULL}};
    for (int i = 0; i < 7; i++) {
        rc = tu_run_program(&out, &err, "train", "--resume", run, "--epochs", "2", opt[i][0],
                            opt[i][1], NULL);
        assert_int_equal(rc, 2);
        char want[1200];
        snprintf(want, sizeof want,
                 "resnet-mnist: %s: the run in %s is continued with its own data set (tiny, 12 "
                 "classes), which cannot change\n",
                 opt[i][0], last);
        if (strncmp(err, want, strlen(want)) != 0)
            fail_msg("%s: stderr '%s'", opt[i][0], err);
        free(out), free(err);
    }
    /* other data: refused, the file named; nothing written */
    rc = tu_run_program(&out, &err, "train", "--resume", run, "--epochs", "2", "--data", b, NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "t10k-labels-idx1-ubyte"));
    assert_non_null(strstr(err, "is not the data the run was trained on"));
    free(out), free(err);
    uint8_t *last1 = tu_read_file(last, &len);
    assert_int_equal(len, len0);
    assert_memory_equal(last1, last0, len);
    free(last1), free(last0);
    /* the same data elsewhere: the run goes on with its data set */
    rc = tu_run_program(&out, &err, "train", "--resume", run, "--epochs", "2", "--data", c,
                        "--threads", "1", "--quiet", NULL);
    if (rc != 0)
        fail_msg("resume: %d: %s", rc, err);
    assert_non_null(strstr(out, "epoch 2:"));
    free(out), free(err);
    const char *files[2] = {best, last};
    for (int i = 0; i < 2; i++) {
        int classes;
        struct rm_status st;
        struct weights_info info;
        struct dataset_info *d = calloc(1, sizeof *d);
        assert_int_equal(weights_peek_classes(files[i], &classes, &st), 0);
        assert_int_equal(classes, 12);
        float *w = malloc(model_param_floats(12) * sizeof *w);
        if (weights_load_classes(files[i], w, 12, &info, d, &st) != 0)
            fail_msg("%s", st.msg);
        assert_string_equal(d->name, "tiny");
        assert_int_equal(d->classes, 12);
        assert_int_equal(d->kind, DATASET_IMAGES);
        assert_string_equal(d->class_names[11], "11");
        free(w), free(d);
    }
    free(best), free(last);
    tu_remove_dir(a), tu_remove_dir(b), tu_remove_dir(c), tu_remove_dir(run);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cmd_train_resume_is_bitwise_the_same_run, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_resume_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_sigint_stops_resumably, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_sigterm_and_second_signal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_kill_9_never_leaves_a_broken_checkpoint,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_divergence_keeps_best, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_output_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_live_progress_on_a_terminal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_dumb_terminal_gets_plain_lines, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_out_folder_is_made_with_its_parents, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_refuses_a_folder_that_holds_a_run, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_cmd_train_second_train_into_a_busy_folder_fails_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_resume_into_another_folder_is_a_whole_run,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_printed_command_finishes_the_run, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_resume_refuses_what_would_change_the_run,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_init_takes_any_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_lr_that_rounds_to_zero_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_conv_fast_is_kept_by_resume, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_cmd_train_sigint_in_the_final_test_pass_completes_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_resume_of_a_finished_run_completes_its_files,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_second_signal_leaves_no_temporary_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_divergence_in_the_last_step_is_caught, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_unwritable_outputs_fail_before_training,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_val_chooses_best_not_the_test_set, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_patience_stops_at_the_right_epoch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_resume_with_val_is_bitwise_the_same_run,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_val_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_train_metrics_columns_and_json_keys, setup,
                                        teardown),
        cmocka_unit_test(test_cmd_train_resume_keeps_the_data_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
