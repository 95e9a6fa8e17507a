/* The files of a run's folder (run_files.h): their paths, metrics.csv for a known history, the
 * two plots, the seconds a resumed run takes back from metrics.csv, the folder checks, and what
 * is saved after an epoch. Files in a temporary folder. */
#include "test_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resnet_mnist/engine/evaluation.h"
#include "resnet_mnist/engine/model.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/engine/run_files.h"
#include "resnet_mnist/engine/run_state.h"
#include "resnet_mnist/engine/trainer.h"
#include "resnet_mnist/io/ckpt.h"
#include "resnet_mnist/io/idx.h"

static int exists(const char *dir, const char *name)
{
    char *p = tu_path(dir, name);
    struct stat sb;
    int yes = stat(p, &sb) == 0;
    free(p);
    return yes;
}

/* A history of n epochs: epoch e (1-based) has train loss 1/e, test loss 2/e, e*10 correct of
 * 100, e + 0.5 seconds, 40 + e training images right of 50 and lr 0.005 (a float). */
static void make_history(struct run_state *r, int n)
{
    struct rm_status st;
    assert_int_equal(run_state_init(r, n, &st), 0);
    r->opt = (struct run_options){.batch_size = 30,
                                  .shuffle = 1,
                                  .lr = 0.005f,
                                  .momentum = 0.5f,
                                  .seed = 0,
                                  .train_images = 60000,
                                  .test_images = 10000,
                                  .conv = MODEL_CONV_DIRECT};
    for (int e = 1; e <= n; e++) {
        struct epoch_record h = {.train_loss = 1.0 / e,
                                 .test_loss = 2.0 / e,
                                 .correct = e * 10,
                                 .total = 100,
                                 .seconds = e + 0.5,
                                 .train_correct = 40 + e,
                                 .train_total = 50,
                                 .lr = 0.005f};
        assert_int_equal(run_state_push(r, &h, &st), 0);
    }
}

static void test_run_files_paths_in_the_folder(void **state)
{
    (void)state;
    struct rm_status st;
    struct run_files f;
    assert_int_equal(run_files_init(&f, "runs/a", &st), 0);
    assert_string_equal(f.best, "runs/a/best.bin");
    assert_string_equal(f.last, "runs/a/last.bin");
    assert_string_equal(f.csv, "runs/a/metrics.csv");
    assert_string_equal(f.acc_png, "runs/a/accuracy.png");
    assert_string_equal(f.loss_png, "runs/a/loss.png");
    run_files_free(&f);
    assert_null(f.best);
    assert_int_equal(run_files_init(&f, "runs/a/", &st), 0); /* no "//" */
    assert_string_equal(f.last, "runs/a/last.bin");
    run_files_free(&f);
    run_files_free(&f); /* twice is safe */
}

static void test_run_files_metrics_csv_for_a_known_history(void **state)
{
    (void)state;
    struct rm_status st;
    struct run_state r;
    char *dir = tu_make_temp_dir(), *csv = tu_path(dir, "metrics.csv");
    make_history(&r, 3);
    r.hist[2].seconds = 1234.5678;
    if (run_files_write_metrics(csv, &r, &st) != 0)
        fail_msg("%s", st.msg);
    size_t len;
    char *text = (char *)tu_read_file(csv, &len);
    text[len] = 0;
    assert_string_equal(text, "epoch,train_loss,test_loss,test_accuracy,seconds,train_accuracy,"
                              "lr,val_loss,val_accuracy\n"
                              "1,1.000000,2.000000,0.100000,1.500,0.820000,0.005,,\n"
                              "2,0.500000,1.000000,0.200000,2.500,0.840000,0.005,,\n"
                              "3,0.333333,0.666667,0.300000,1234.568,0.860000,0.005,,\n");
    /* and it reads back */
    char *line = strchr(text, '\n') + 1;
    for (int e = 1; e <= 3; e++) {
        int epoch;
        double tl, tel, acc, sec;
        assert_int_equal(sscanf(line, "%d,%lf,%lf,%lf,%lf", &epoch, &tl, &tel, &acc, &sec), 5);
        assert_int_equal(epoch, e);
        assert_float_equal(tl, 1.0 / e, 1e-6);
        assert_float_equal(tel, 2.0 / e, 1e-6);
        assert_float_equal(acc, e / 10.0, 1e-6);
        assert_float_equal(sec, r.hist[e - 1].seconds, 1e-3);
        line = strchr(line, '\n') + 1;
    }
    free(text);
    /* no epochs: the header alone */
    r.epochs_done = 0;
    assert_int_equal(run_files_write_metrics(csv, &r, &st), 0);
    text = (char *)tu_read_file(csv, &len);
    text[len] = 0;
    assert_string_equal(text, "epoch,train_loss,test_loss,test_accuracy,seconds,train_accuracy,"
                              "lr,val_loss,val_accuracy\n");
    free(text);
    /* with validation its two columns are filled; a training accuracy not recorded (an epoch
     * of a run resumed from an older file) is an empty field */
    r.epochs_done = 2;
    r.opt.val = 20;
    for (int e = 0; e < 2; e++) {
        r.hist[e].val_loss = 0.25 * (e + 1);
        r.hist[e].val_correct = 11 + e;
        r.hist[e].val_total = 20;
    }
    r.hist[0].train_total = 0;
    r.hist[0].lr = 0;
    assert_int_equal(run_files_write_metrics(csv, &r, &st), 0);
    text = (char *)tu_read_file(csv, &len);
    text[len] = 0;
    assert_string_equal(strchr(text, '\n') + 1,
                        "1,1.000000,2.000000,0.100000,1.500,,,0.250000,0.550000\n"
                        "2,0.500000,1.000000,0.200000,2.500,0.840000,0.005,0.500000,0.600000\n");
    free(text);
    run_state_free(&r);
    free(csv);
    tu_remove_dir(dir);
}

static void test_run_files_plots_are_pngs_of_the_default_size(void **state)
{
    (void)state;
    struct rm_status st;
    char *dir = tu_make_temp_dir();
    char *acc = tu_path(dir, "accuracy.png"), *loss = tu_path(dir, "loss.png");
    for (int n = 1; n <= 12; n += 11) {
        struct run_state r;
        make_history(&r, n);
        if (run_files_write_plots(acc, loss, &r, &st) != 0)
            fail_msg("%d epochs: %s", n, st.msg);
        struct tu_image a, l;
        tu_load_png_rgb(acc, &a);
        tu_load_png_rgb(loss, &l);
        assert_int_equal(a.w, 1200);
        assert_int_equal(a.h, 800);
        assert_int_equal(l.w, 1200);
        assert_int_equal(l.h, 800);
        /* two different plots: the loss plot draws a second (orange) series */
        assert_true(memcmp(a.px, l.px, (size_t)a.w * a.h * 3) != 0);
        free(a.px);
        free(l.px);
        run_state_free(&r);
    }
    free(acc);
    free(loss);
    tu_remove_dir(dir);
}

static void test_run_files_write_failures_name_the_file(void **state)
{
    (void)state;
    struct rm_status st;
    char *dir = tu_make_temp_dir(), *missing = tu_path(dir, "no/such");
    char *csv = tu_path(missing, "metrics.csv"), *acc = tu_path(missing, "accuracy.png");
    struct run_state r;
    make_history(&r, 2);
    assert_int_equal(run_files_write_metrics(csv, &r, &st), -1);
    assert_true(strncmp(st.msg, csv, strlen(csv)) == 0);
    assert_int_equal(run_files_write_plots(acc, "unused.png", &r, &st), -1);
    assert_true(strncmp(st.msg, acc, strlen(acc)) == 0);
    run_state_free(&r);
    free(csv);
    free(acc);
    free(missing);
    tu_remove_dir(dir);
}

/* The run's own metrics.csv (as run_files_write_metrics writes it) gives back every epoch's
 * seconds, also when it is a line short (a stop between last.bin and metrics.csv); a damaged
 * file or a missing one changes nothing. */
static void test_run_files_recover_seconds(void **state)
{
    (void)state;
    struct rm_status st;
    char *dir = tu_make_temp_dir(), *csv = tu_path(dir, "metrics.csv");
    struct run_state r;
    make_history(&r, 3);
    r.hist[0].seconds = 11.5;
    r.hist[1].seconds = 12.25;
    r.hist[2].seconds = 1234.5;
    assert_int_equal(run_files_write_metrics(csv, &r, &st), 0);
    for (int e = 0; e < 3; e++)
        r.hist[e].seconds = 0;
    assert_int_equal(run_files_recover_seconds(csv, &r), 3);
    assert_true(r.hist[0].seconds == 11.5);
    assert_true(r.hist[1].seconds == 12.25);
    assert_true(r.hist[2].seconds == 1234.5);
    /* the same lines with another lr: another run's */
    r.hist[1].lr = 0.01f;
    assert_int_equal(run_files_recover_seconds(csv, &r), 0);
    r.hist[1].lr = 0.005f;
    /* two lines of the three, written before the columns after the seconds */
    const char *text = "epoch,train_loss,test_loss,test_accuracy,seconds\n"
                       "1,1.000000,2.000000,0.100000,7.000\n"
                       "2,0.500000,1.000000,0.200000,8.000\n";
    tu_write_file(csv, text, strlen(text));
    assert_int_equal(run_files_recover_seconds(csv, &r), 2);
    assert_true(r.hist[0].seconds == 7.0 && r.hist[1].seconds == 8.0);
    assert_true(r.hist[2].seconds == 1234.5); /* unchanged */
    /* damaged: no header, a line cut short, lines out of order, bad seconds */
    const char *damaged[] = {
        "1,1.000000,2.000000,0.100000,9.000\n",
        "epoch,train_loss,test_loss,test_accuracy,seconds\n1,1.000000,2.000000,0.1000",
        "epoch,train_loss,test_loss,test_accuracy,seconds\n2,0.500000,1.000000,0.200000,9.000\n",
        "epoch,train_loss,test_loss,test_accuracy,seconds\n1,1.000000,2.000000,0.100000,x\n",
        "epoch,train_loss,test_loss,test_accuracy,seconds\n1,1.000000,2.000000,0.100000,-1\n",
    };
    for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
        tu_write_file(csv, damaged[i], strlen(damaged[i]));
        assert_int_equal(run_files_recover_seconds(csv, &r), 0);
        assert_true(r.hist[0].seconds == 7.0);
    }
    r.epochs_done = 1; /* the file has two epochs: not this run's */
    tu_write_file(csv, text, strlen(text));
    assert_int_equal(run_files_recover_seconds(csv, &r), 0);
    r.epochs_done = 3;
    /* no file */
    remove(csv);
    assert_int_equal(run_files_recover_seconds(csv, &r), 0);
    assert_true(r.hist[0].seconds == 7.0);
    run_state_free(&r);
    free(csv);
    tu_remove_dir(dir);
}

/* The output folder is made with its parents; what cannot be a folder, or is too long a path for
 * the system, is refused before any work. */
static void test_run_files_make_dir(void **state)
{
    (void)state;
    struct rm_status st;
    char *dir = tu_make_temp_dir(), *deep = tu_path(dir, "a/b//c/"), *file = tu_path(dir, "f");
    assert_int_equal(run_files_make_dir(dir, &st), 0); /* there already */
    if (run_files_make_dir(deep, &st) != 0)
        fail_msg("%s", st.msg);
    char *c = tu_path(dir, "a/b/c");
    struct stat sb;
    assert_int_equal(stat(c, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(run_files_make_dir(deep, &st), 0); /* twice is fine */
    tu_write_file(file, "x", 1);
    char want[512];
    assert_int_equal(run_files_make_dir(file, &st), -1);
    snprintf(want, sizeof want, "%s: output path is not a folder", file);
    assert_string_equal(st.msg, want);
    char *under = tu_path(file, "sub");
    assert_int_equal(run_files_make_dir(under, &st), -1);
    snprintf(want, sizeof want, "%s: cannot make the output folder: Not a directory", under);
    assert_string_equal(st.msg, want);
    char *longer = malloc(5000);
    assert_non_null(longer);
    memset(longer, 'a', 4999);
    longer[4999] = 0;
    assert_int_equal(run_files_make_dir(longer, &st), -1);
    assert_non_null(strstr(st.msg, "output folder path is too long (4999 characters; the system "
                                   "takes at most 4095)"));
    free(longer), free(under), free(c), free(deep), free(file);
    tu_remove_dir(dir);
}

/* A folder holds a run when any of the five files is there; --overwrite removes all five and
 * nothing else; the probe leaves nothing behind. */
static void test_run_files_find_remove_and_probe(void **state)
{
    (void)state;
    struct rm_status st;
    char *dir = tu_make_temp_dir();
    struct run_files f;
    assert_int_equal(run_files_init(&f, dir, &st), 0);
    assert_null(run_files_find_run(&f));
    if (run_files_probe(&f, &st) != 0)
        fail_msg("%s", st.msg);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
    assert_int_equal(system(cmd), 0); /* nothing left by the probe */
    const char *names[] = {"best.bin", "last.bin", "metrics.csv", "accuracy.png", "loss.png"};
    for (int i = 0; i < 5; i++) {
        char *p = tu_path(dir, names[i]);
        tu_write_file(p, "x", 1);
        assert_string_equal(run_files_find_run(&f), names[i]);
        remove(p);
        free(p);
    }
    for (int i = 0; i < 5; i += 2) {
        char *p = tu_path(dir, names[i]);
        tu_write_file(p, "x", 1);
        free(p);
    }
    char *other = tu_path(dir, "notes.txt");
    tu_write_file(other, "x", 1);
    assert_int_equal(run_files_remove(&f, &st), 0);
    assert_null(run_files_find_run(&f));
    assert_true(exists(dir, "notes.txt"));
    free(other);
    run_files_free(&f);
    tu_remove_dir(dir);
}

/* A folder whose path is close to the system's limit (its files' paths are over it) is still
 * seen to hold a run, and --overwrite still clears it: the names are looked up in the folder. */
static void test_run_files_find_run_near_the_path_limit(void **state)
{
    (void)state;
    struct rm_status st;
    char *top = tu_make_temp_dir();
    char path[4200];
    int n = snprintf(path, sizeof path, "%s", top);
    while (n < 4090) {
        int k = 4090 - n - 1 < 200 ? 4090 - n - 1 : 200;
        path[n++] = '/';
        memset(path + n, 'd', (size_t)k);
        n += k;
        path[n] = 0;
    }
    if (run_files_make_dir(path, &st) != 0)
        fail_msg("%s", st.msg);
    struct run_files f;
    assert_int_equal(run_files_init(&f, path, &st), 0);
    assert_true(strlen(f.best) > 4095);
    int dfd = open(path, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    int fd = openat(dfd, "best.bin", O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_non_null(run_files_find_run(&f));
    assert_string_equal(run_files_find_run(&f), "best.bin");
    if (run_files_remove(&f, &st) != 0)
        fail_msg("%s", st.msg);
    assert_null(run_files_find_run(&f));
    close(dfd);
    run_files_free(&f);
    tu_remove_dir(top);
}

static void test_run_files_locate_resume(void **state)
{
    (void)state;
    struct rm_status st;
    char *dir = tu_make_temp_dir(), *file, *folder;
    /* a folder means its last.bin, and is the output folder */
    assert_int_equal(run_files_locate_resume(dir, &file, &folder, &st), 0);
    char *last = tu_path(dir, "last.bin");
    assert_string_equal(file, last);
    assert_string_equal(folder, dir);
    free(file), free(folder), free(last);
    /* a file (existing or not) is itself, in its folder */
    const char *cases[][2] = {{"runs/a/x.bin", "runs/a"}, {"x.bin", "."}, {"/x.bin", "/"}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(run_files_locate_resume(cases[i][0], &file, &folder, &st), 0);
        assert_string_equal(file, cases[i][0]);
        assert_string_equal(folder, cases[i][1]);
        free(file), free(folder);
    }
    tu_remove_dir(dir);
}

/* Saving: last.bin always; best.bin once an epoch is done, at the first save and then for a new
 * best; metrics and plots once an epoch is done. */
static void test_run_files_save_writes_what_the_run_has(void **state)
{
    (void)state;
    struct rm_status st;
    char *dir = tu_make_temp_dir();
    struct run_files f;
    assert_int_equal(run_files_init(&f, dir, &st), 0);
    struct idx_dataset ds = {1, calloc(MNIST_PIXELS, 1), calloc(1, 1)};
    struct model m;
    struct trainer t;
    struct run_state r;
    assert_int_equal(model_init(&m, 1, 1, &st), 0);
    struct run_options o = {.batch_size = 1,
                            .shuffle = 1,
                            .lr = 0.005f,
                            .momentum = 0.5f,
                            .seed = 3,
                            .train_images = 1,
                            .test_images = 1,
                            .conv = MODEL_CONV_DIRECT};
    assert_int_equal(run_state_begin(&r, &m, &t, &ds, &o, 2, NULL, &st), 0);

    if (run_files_save(&f, &m, &t, &r, 0, &st) != 0)
        fail_msg("%s", st.msg);
    assert_true(exists(dir, "last.bin"));
    assert_false(exists(dir, "best.bin"));
    assert_false(exists(dir, "metrics.csv"));
    assert_false(exists(dir, "accuracy.png"));

    struct epoch_record e = {
        .train_loss = 0.5, .test_loss = 0.5, .correct = 1, .total = 1, .seconds = 0.1};
    assert_int_equal(run_state_push(&r, &e, &st), 0);
    /* the first save with a best epoch writes best.bin (from best_params), whatever new_best */
    assert_int_equal(run_files_save(&f, &m, &t, &r, 0, &st), 0);
    assert_true(exists(dir, "best.bin"));
    assert_true(exists(dir, "metrics.csv"));
    assert_true(exists(dir, "accuracy.png"));
    assert_true(exists(dir, "loss.png"));
    /* later saves only for a new best */
    remove(f.best);
    assert_int_equal(run_files_save(&f, &m, &t, &r, 0, &st), 0);
    assert_false(exists(dir, "best.bin"));
    assert_int_equal(run_files_save(&f, &m, &t, &r, 1, &st), 0);
    assert_true(exists(dir, "best.bin"));
    struct ckpt_meta meta = {0};
    float *w = malloc(MODEL_PARAM_FLOATS * sizeof *w);
    struct ckpt_tensor ts[MODEL_PARAM_COUNT];
    run_ckpt_tensors(w, ts);
    assert_int_equal(ckpt_load(f.best, ts, MODEL_PARAM_COUNT, &meta, &st), 0);
    assert_string_equal(ckpt_meta_get(&meta, "epoch"), "1");
    ckpt_meta_free(&meta);
    free(w);
    trainer_free(&t);
    model_free(&m);
    run_state_free(&r);
    idx_free(&ds);
    run_files_free(&f);
    tu_remove_dir(dir);
}

/* The end of an epoch: the test set evaluated, the epoch recorded, the files saved (best.bin
 * only when the epoch is a new best). */
static void test_run_files_end_epoch_records_and_saves(void **state)
{
    (void)state;
    struct rm_status st;
    char *dir = tu_make_temp_dir();
    struct run_files f;
    assert_int_equal(run_files_init(&f, dir, &st), 0);
    struct idx_dataset ds = {5, malloc(5 * MNIST_PIXELS), malloc(5)};
    struct rng g;
    rng_seed(&g, 4);
    for (int i = 0; i < 5 * MNIST_PIXELS; i++)
        ds.images[i] = (uint8_t)rng_below(&g, 256);
    for (int i = 0; i < 5; i++)
        ds.labels[i] = (uint8_t)(i * 3 % 10);
    struct model m;
    struct trainer t;
    struct run_state r;
    assert_int_equal(model_init(&m, 2, 1, &st), 0);
    struct run_options o = {.batch_size = 2,
                            .shuffle = 1,
                            .lr = 0.005f,
                            .momentum = 0.5f,
                            .seed = 3,
                            .train_images = 5,
                            .test_images = 5,
                            .conv = MODEL_CONV_DIRECT};
    assert_int_equal(run_state_begin(&r, &m, &t, &ds, &o, 1, NULL, &st), 0);
    struct eval_result want;
    evaluate(&m, &ds, &want);

    if (run_files_end_epoch(&f, &r, &m, &t, NULL, &ds, 1.25, 0.0, &st) != 0)
        fail_msg("%s", st.msg);
    assert_int_equal(r.epochs_done, 1);
    assert_int_equal(r.best_epoch, 1);
    assert_true(r.hist[0].train_loss == 1.25);
    assert_memory_equal(&r.hist[0].test_loss, &want.loss, sizeof want.loss);
    assert_int_equal(r.hist[0].correct, want.correct);
    assert_int_equal(r.hist[0].total, 5);
    assert_true(r.hist[0].seconds > 0); /* since clock 0 */
    assert_true(exists(dir, "best.bin"));
    assert_true(exists(dir, "metrics.csv"));
    /* an epoch no better than the best leaves best.bin alone */
    char *best = tu_path(dir, "best.bin");
    remove(best);
    assert_int_equal(run_files_end_epoch(&f, &r, &m, &t, NULL, &ds, 1.5, 0.0, &st), 0);
    assert_int_equal(r.epochs_done, 2);
    assert_int_equal(r.best_epoch, 1);
    assert_false(exists(dir, "best.bin"));
    assert_int_equal(r.hist[1].val_total, 0);
    assert_true(r.hist[1].lr == 0.005f);
    /* validation images: evaluated as the test set is */
    r.opt.val = 1;
    assert_int_equal(run_files_end_epoch(&f, &r, &m, &t, &ds, &ds, 1.5, 0.0, &st), 0);
    assert_memory_equal(&r.hist[2].val_loss, &want.loss, sizeof want.loss);
    assert_int_equal(r.hist[2].val_correct, want.correct);
    assert_int_equal(r.hist[2].val_total, 5);
    free(best);
    trainer_free(&t);
    model_free(&m);
    run_state_free(&r);
    idx_free(&ds);
    run_files_free(&f);
    tu_remove_dir(dir);
}

/* A metrics.csv is the run's own only when its lines are the run's epochs: another run's file
 * (other losses or accuracies) gives no seconds at all. */
static void test_run_files_recover_seconds_only_from_the_run_s_own_file(void **state)
{
    (void)state;
    char *dir = tu_make_temp_dir(), *csv = tu_path(dir, "metrics.csv");
    struct run_state r;
    make_history(&r, 2);
    const char *foreign = "epoch,train_loss,test_loss,test_accuracy,seconds\n"
                          "1,0.900000,0.800000,0.500000,777.000\n"
                          "2,0.700000,0.600000,0.600000,888.000\n";
    tu_write_file(csv, foreign, strlen(foreign));
    assert_int_equal(run_files_recover_seconds(csv, &r), 0);
    assert_true(r.hist[0].seconds == 1.5);
    assert_true(r.hist[1].seconds == 2.5);
    run_state_free(&r);
    free(csv);
    tu_remove_dir(dir);
}

/* Weights whose test loss is NaN end the epoch with an error: nothing recorded, no file saved. */
static void test_run_files_end_epoch_refuses_a_non_finite_test_loss(void **state)
{
    (void)state;
    struct rm_status st;
    char *dir = tu_make_temp_dir();
    struct run_files f;
    assert_int_equal(run_files_init(&f, dir, &st), 0);
    struct idx_dataset ds = {3, malloc(3 * MNIST_PIXELS), calloc(3, 1)};
    for (int i = 0; i < 3 * MNIST_PIXELS; i++)
        ds.images[i] = (uint8_t)(i * 7);
    struct model m;
    struct trainer t;
    struct run_state r;
    assert_int_equal(model_init(&m, 3, 1, &st), 0);
    struct run_options o = {.batch_size = 3,
                            .shuffle = 1,
                            .lr = 0.005f,
                            .momentum = 0.5f,
                            .seed = 3,
                            .train_images = 3,
                            .test_images = 3,
                            .conv = MODEL_CONV_DIRECT};
    assert_int_equal(run_state_begin(&r, &m, &t, &ds, &o, 1, NULL, &st), 0);
    for (size_t i = 0; i < MODEL_PARAM_FLOATS; i++)
        m.params[i] = 1e20f; /* finite, but the logits overflow */
    assert_int_equal(run_files_end_epoch(&f, &r, &m, &t, NULL, &ds, 1.0, 0.0, &st), -1);
    assert_non_null(strstr(st.msg, "epoch 1"));
    assert_int_equal(r.epochs_done, 0);
    assert_false(exists(dir, "best.bin"));
    assert_false(exists(dir, "last.bin"));
    trainer_free(&t);
    model_free(&m);
    run_state_free(&r);
    idx_free(&ds);
    run_files_free(&f);
    tu_remove_dir(dir);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_files_paths_in_the_folder),
        cmocka_unit_test(test_run_files_metrics_csv_for_a_known_history),
        cmocka_unit_test(test_run_files_plots_are_pngs_of_the_default_size),
        cmocka_unit_test(test_run_files_write_failures_name_the_file),
        cmocka_unit_test(test_run_files_recover_seconds),
        cmocka_unit_test(test_run_files_recover_seconds_only_from_the_run_s_own_file),
        cmocka_unit_test(test_run_files_end_epoch_refuses_a_non_finite_test_loss),
        cmocka_unit_test(test_run_files_make_dir),
        cmocka_unit_test(test_run_files_find_remove_and_probe),
        cmocka_unit_test(test_run_files_find_run_near_the_path_limit),
        cmocka_unit_test(test_run_files_locate_resume),
        cmocka_unit_test(test_run_files_save_writes_what_the_run_has),
        cmocka_unit_test(test_run_files_end_epoch_records_and_saves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
