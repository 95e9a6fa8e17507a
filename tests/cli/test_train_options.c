/* train's schedule, SGD, augmentation and recipe options (train_options.c) through the program:
 * a run stopped and resumed is bitwise the uninterrupted run with every schedule and with
 * --augment; a recipe is its flags, an explicit flag overrides it, and the run records both;
 * and the combinations that make no sense are usage errors naming the flag. */
#include "test_util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The run's options as its last.bin records them. */
static void load_options(const char *dir, struct run_state *r)
{
    char *last = tu_path(dir, "last.bin");
    float *w = malloc(2 * MODEL_MAX_PARAM_FLOATS * sizeof(float));
    struct resume_point at;
    struct rm_status st;
    if (run_load_resumable(last, w, w + MODEL_MAX_PARAM_FLOATS, &at, r, &st) != 0)
        fail_msg("%s", st.msg);
    free(w), free(last);
}

/* Three epochs straight, against the same run stopped by SIGINT in the middle of epoch 2 (after
 * batch 7's log line: no timing) and resumed on another thread count. Compares best.bin and
 * last.bin (weights, momentum, every option and the history). */
static void check_resume(const char *data, const char *const args[8])
{
    char *straight = tu_make_temp_dir(), *stopped = tu_make_temp_dir(), *o, *e;
    int rc = tu_run_program(&o, &e, "train", "--data", data, "--out", straight, "--quiet",
                            "--epochs", "3", "--threads", "2", args[0], args[1], args[2], args[3],
                            args[4], args[5], args[6], args[7], NULL);
    if (rc != 0)
        fail_msg("train %s %s exited %d: %s", args[0], args[1], rc, e);
    free(o), free(e);
    int fd;
    int pid = tu_spawn_program(&fd, 0, 1, "train", "--data", data, "--out", stopped, "--epochs",
                               "3", "--threads", "1", "--log-every", "1", args[0], args[1], args[2],
                               args[3], args[4], args[5], args[6], args[7], NULL);
    char *buf = NULL;
    size_t len = 0;
    assert_true(tu_read_until(fd, &buf, &len, "epoch: 2 num: 7 "));
    kill(pid, SIGINT);
    tu_read_until(fd, &buf, &len, NULL);
    close(fd);
    assert_int_equal(tu_wait(pid), 130);
    free(buf);
    assert_int_equal(
        tu_run_program(&o, &e, "train", "--resume", stopped, "--quiet", "--threads", "3", NULL), 0);
    free(o), free(e);
    tu_assert_same_file(straight, stopped, "last.bin");
    tu_assert_same_file(straight, stopped, "best.bin");
    tu_remove_dir(straight);
    tu_remove_dir(stopped);
}

static void test_train_options_resume_step_with_augment(void **state)
{
    struct fixture *f = *state;
    const char *args[8] = {
        "--schedule", "step", "--step-size", "1",
        "--gamma",    "0.5",  "--augment",   "rotate=20,shift=3,scale=0.2,shear=10"};
    check_resume(f->data, args);
}

static void test_train_options_resume_cosine_warmup(void **state)
{
    struct fixture *f = *state;
    const char *args[8] = {"--schedule", "cosine", "--warmup",       "1",
                           "--min-lr",   "0.001",  "--weight-decay", "0.01"};
    check_resume(f->data, args);
}

static void test_train_options_resume_onecycle(void **state)
{
    struct fixture *f = *state;
    const char *args[8] = {"--schedule", "onecycle",  "--lr", "0.05",
                           "--nesterov", "--augment", NULL,   NULL};
    check_resume(f->data, args);
}

/* The schedule and augmentation change the run (else the tests above prove nothing): each
 * option's run differs from the plain one, and the run records its options. */
static void test_train_options_options_take_effect(void **state)
{
    struct fixture *f = *state;
    const char *const variants[][4] = {{NULL},
                                       {"--schedule", "onecycle", NULL},
                                       {"--augment", NULL},
                                       {"--nesterov", NULL},
                                       {"--weight-decay", "0.01", NULL}};
    char *dirs[5];
    for (int v = 0; v < 5; v++) {
        dirs[v] = tu_make_temp_dir();
        char *o, *e;
        int rc = tu_run_program(&o, &e, "train", "--data", f->data, "--out", dirs[v], "--quiet",
                                "--epochs", "1", variants[v][0], variants[v][1], NULL);
        if (rc != 0)
            fail_msg("exit %d: %s", rc, e);
        free(o), free(e);
    }
    char *plain = tu_path(dirs[0], "best.bin");
    size_t lp;
    uint8_t *p = tu_read_file(plain, &lp);
    for (int v = 1; v < 5; v++) {
        char *path = tu_path(dirs[v], "best.bin");
        size_t l;
        uint8_t *d = tu_read_file(path, &l);
        assert_true(l != lp || memcmp(d, p, l) != 0);
        free(d), free(path);
    }
    free(p), free(plain);
    struct run_state r;
    load_options(dirs[1], &r);
    assert_int_equal(r.opt.schedule, LR_SCHEDULE_ONECYCLE);
    run_state_free(&r);
    load_options(dirs[2], &r);
    assert_true(r.opt.augment && r.opt.aug.rotate == 10 && r.opt.aug.shift == 2);
    run_state_free(&r);
    load_options(dirs[4], &r);
    assert_true(r.opt.weight_decay == 0.01f && !r.opt.nesterov && !r.opt.augment);
    run_state_free(&r);
    for (int v = 0; v < 5; v++)
        tu_remove_dir(dirs[v]);
}

/* --recipe fast is its flags; --epochs given explicitly overrides the recipe's; the run records
 * the recipe and every option it set, and a resume keeps them. */
static void test_train_options_recipe_expands(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir(), *o, *e;
    int rc = tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--quiet", "--epochs",
                            "1", "--recipe", "fast", "--lr", "0.02", NULL);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, e);
    free(o), free(e);
    struct run_state r;
    load_options(dir, &r);
    assert_string_equal(r.opt.recipe, "fast");
    assert_int_equal(r.epochs, 1);                          /* explicit */
    assert_true(r.opt.lr == 0.02f);                         /* explicit */
    assert_int_equal(r.opt.schedule, LR_SCHEDULE_ONECYCLE); /* the recipe's */
    assert_true(r.opt.nesterov && r.opt.weight_decay == 5e-4f && r.opt.batch_size == 128);
    run_state_free(&r);
    /* the tutorial recipe is the defaults: the same run as no recipe at all */
    char *plain = tu_make_temp_dir(), *tutorial = tu_make_temp_dir();
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", plain, "--quiet",
                                    "--epochs", "1", NULL),
                     0);
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", tutorial,
                                    "--quiet", "--epochs", "1", "--recipe", "tutorial", NULL),
                     0);
    free(o), free(e);
    load_options(tutorial, &r);
    assert_string_equal(r.opt.recipe, "tutorial");
    assert_int_equal(r.opt.schedule, LR_SCHEDULE_CONSTANT);
    assert_true(r.opt.lr == 0.005f && r.opt.momentum == 0.5f && r.opt.batch_size == 30);
    run_state_free(&r);
    struct run_state a, b;
    load_options(plain, &a);
    load_options(tutorial, &b);
    assert_memory_equal(a.best_params, b.best_params, MODEL_PARAM_FLOATS * sizeof(float));
    run_state_free(&a);
    run_state_free(&b);
    tu_remove_dir(dir);
    tu_remove_dir(plain);
    tu_remove_dir(tutorial);
}

/* Usage errors (exit 2), each naming what is wrong, before anything is written. */
static void test_train_options_refusals(void **state)
{
    struct fixture *f = *state;
    const struct {
        const char *a[4], *msg;
    } cases[] = {
        {{"--step-size", "3"}, "--step-size needs --schedule step"},
        {{"--schedule", "cosine", "--gamma", "0.5"}, "--gamma needs --schedule step"},
        {{"--min-lr", "0.001"}, "--min-lr needs --schedule cosine"},
        {{"--schedule", "onecycle", "--momentum", "0.9"},
         "--momentum needs a schedule other than onecycle"},
        {{"--schedule", "onecycle", "--warmup", "1"}, "onecycle has its own warmup"},
        {{"--schedule", "cosine", "--warmup", "5"}, "a warmup of 5 epochs leaves none"},
        {{"--schedule", "linear"}, "--schedule: 'linear' is not a schedule"},
        {{"--nesterov", "--momentum", "0"}, "Nesterov momentum needs a momentum above 0"},
        {{"--gamma", "0", "--schedule", "step"}, "--gamma: 0 is out of range"},
        {{"--weight-decay", "-1"}, "--weight-decay: -1 is out of range"},
        {{"--augment", "rotate=5,zoom=2"}, "--augment: 'zoom=2' is not key=value"},
        {{"--augment=shift=20"}, "--augment shift: 20 is out of range [0, 14]"},
        {{"--recipe", "best"}, "--recipe: 'best' is not a recipe (tutorial, fast or accurate)"},
    };
    char *dir = tu_make_temp_dir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *o, *e;
        int rc = tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--epochs", "5",
                                cases[i].a[0], cases[i].a[1], cases[i].a[2], cases[i].a[3], NULL);
        if (rc != 2 || !strstr(e, cases[i].msg))
            fail_msg("%s %s: exit %d, stderr '%s', want '%s'", cases[i].a[0], cases[i].a[1], rc, e,
                     cases[i].msg);
        free(o), free(e);
    }
    tu_remove_dir(dir);
}

/* A resumed run keeps its schedule: another one is refused, and so is changing the length of
 * a schedule that spans the run (cosine, onecycle); --recipe does not go with --resume. */
static void test_train_options_resume_refusals(void **state)
{
    struct fixture *f = *state;
    char *dir = tu_make_temp_dir(), *o, *e;
    assert_int_equal(tu_run_program(&o, &e, "train", "--data", f->data, "--out", dir, "--quiet",
                                    "--epochs", "1", "--schedule", "cosine", NULL),
                     0);
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--epochs", "2", NULL), 1);
    assert_non_null(strstr(e, "the run's cosine schedule spans its 1 epochs"));
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--schedule", "step", NULL),
                     2);
    assert_non_null(strstr(e, "--schedule differs from the run"));
    free(o), free(e);
    assert_int_equal(tu_run_program(&o, &e, "train", "--resume", dir, "--recipe", "fast", NULL), 2);
    assert_non_null(strstr(e, "--recipe starts a run"));
    free(o), free(e);
    tu_remove_dir(dir);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_train_options_resume_step_with_augment, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_train_options_resume_cosine_warmup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_train_options_resume_onecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_train_options_options_take_effect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_train_options_recipe_expands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_train_options_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_train_options_resume_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
