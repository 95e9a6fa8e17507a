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

static void assert_same_file(const char *dir_a, const char *dir_b, const char *name)
{
    char *a = tu_path(dir_a, name), *b = tu_path(dir_b, name);
    size_t la, lb;
    uint8_t *da = tu_read_file(a, &la), *db = tu_read_file(b, &lb);
    if (la != lb || memcmp(da, db, la) != 0)
        fail_msg("%s and %s differ", a, b);
    free(da), free(db), free(a), free(b);
}

/* metrics.csv without its last column (wall-clock seconds, which no two runs share). */
static char *metrics_without_seconds(const char *dir)
{
    char *p = tu_path(dir, "metrics.csv");
    size_t len;
    char *text = (char *)tu_read_file(p, &len);
    text[len] = 0; /* tu_read_file leaves room for it */
    char *out = calloc(len + 1, 1), *o = out;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *comma = strrchr(line, ',');
        size_t n = comma ? (size_t)(comma - line) : strlen(line);
        memcpy(o, line, n);
        o += n;
        *o++ = '\n';
    }
    free(text), free(p);
    return out;
}

static void assert_same_run(const char *a, const char *b)
{
    const char *files[] = {"best.bin", "last.bin", "accuracy.png", "loss.png"};
    for (int i = 0; i < 4; i++)
        assert_same_file(a, b, files[i]);
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
    /* already done */
    assert_int_equal(
        tu_run_program(&o, &e, "train", "--resume", dir, "--epochs", "1", "--data", f->data, NULL),
        1);
    assert_non_null(strstr(e, "1 epoch already"));
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
                                   "--limit-test", "30", NULL);
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

static void test_cmd_train_divergence_keeps_best(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir();
    assert_int_equal(run_train(f->data, dir, "--epochs", "1", NULL, NULL), 0);
    char *best = tu_path(dir, "best.bin");
    size_t before_len, after_len;
    uint8_t *before = tu_read_file(best, &before_len);
    char *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--epochs",
                                    "2", "--lr", "100000", NULL),
                     1);
    assert_non_null(strstr(e, "training diverged"));
    assert_non_null(strstr(e, "epoch 1, batch"));
    assert_non_null(strstr(e, "smaller --lr"));
    uint8_t *after = tu_read_file(best, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(o), free(e), free(before), free(after), free(best);
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
                                    "2", "--quiet", NULL),
                     0);
    int lines = 0;
    for (char *p = o; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2);
    assert_true(strncmp(o, "epoch 1: test accuracy", 22) == 0);
    free(o), free(e);
    /* --json: one object per line, with the epoch's numbers */
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--epochs",
                                    "2", "--json", NULL),
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
