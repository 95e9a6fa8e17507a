/* The learning-rate schedules against PyTorch's own sequences (tests/golden/lr_schedules.txt,
 * written by scripts/make_lr_golden.py with torch 1.13), and their checks. */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

#include "resnet_mnist/engine/lr_schedule.h"

/* Every SGD step of every configuration: the C lr and momentum must be PyTorch's doubles
 * rounded to float, exactly (0 ulp: both compute the same double operations in the same order,
 * and the SGD step rounds the value to float as torch does for float32 tensors). */
static void test_lr_schedule_matches_pytorch(void **state)
{
    (void)state;
    FILE *f = fopen(tu_golden("lr_schedules.txt"), "r");
    assert_non_null(f);
    char line[512], kind[32];
    struct lr_schedule s = {0};
    int configs = 0, steps = 0, have = 0, seen[4] = {0}, warmups = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        if (strncmp(line, "schedule ", 9) == 0) {
            struct rm_status st;
            assert_int_equal(sscanf(line, "schedule %31s %lf %lf %d %lf %d %lf %d %d", kind, &s.lr,
                                    &s.momentum, &s.step_size, &s.gamma, &s.warmup, &s.min_lr,
                                    &s.epochs, &s.batches),
                             9);
            assert_int_equal(lr_schedule_parse_kind("kind", kind, &s.kind, &st), 0);
            assert_int_equal(lr_schedule_check(&s, "golden", &st), 0);
            seen[s.kind] = 1;
            warmups += s.warmup > 0;
            configs++;
            have = 1;
            continue;
        }
        int e, b;
        double want_lr, want_m;
        assert_true(have);
        assert_int_equal(sscanf(line, "%d %d %lf %lf", &e, &b, &want_lr, &want_m), 4);
        float lr, m;
        lr_schedule_at(&s, e, b, &lr, &m);
        if (lr != (float)want_lr || m != (float)want_m)
            fail_msg("%s config %d, epoch %d batch %d: lr %.9g momentum %.9g, PyTorch %.9g %.9g",
                     kind, configs, e, b, lr, m, (float)want_lr, (float)want_m);
        steps++;
    }
    fclose(f);
    assert_int_equal(seen[0] + seen[1] + seen[2] + seen[3], 4); /* every kind */
    assert_true(warmups >= 3);
    assert_true(configs >= 8 && steps > 1000);
}

/* A schedule by hand: step 2, gamma 0.5 halves the lr every two epochs; cosine ends at min_lr
 * + half its range at T_max / 2; onecycle starts at lr / 25 with momentum 0.95, peaks at 30% of
 * the steps (momentum 0.85) and ends near lr / 25 / 1e4. */
static void test_lr_schedule_shapes(void **state)
{
    (void)state;
    float lr, m;
    struct lr_schedule s = {LR_SCHEDULE_STEP, 0.08, 0.9, 2, 0.5, 0, 0, 10, 5};
    lr_schedule_at(&s, 1, 4, &lr, &m);
    assert_float_equal(lr, 0.08f, 0);
    assert_float_equal(m, 0.9f, 0);
    lr_schedule_at(&s, 5, 0, &lr, &m);
    assert_float_equal(lr, 0.02f, 1e-9);
    s = (struct lr_schedule){LR_SCHEDULE_COSINE, 0.1, 0.9, 0, 0, 0, 0.02, 8, 5};
    lr_schedule_at(&s, 4, 3, &lr, &m);
    assert_float_equal(lr, 0.06f, 1e-7);
    s = (struct lr_schedule){LR_SCHEDULE_ONECYCLE, 0.1, 0.5, 0, 0, 0, 0, 10, 10};
    lr_schedule_at(&s, 0, 0, &lr, &m);
    assert_float_equal(lr, 0.004f, 1e-9);
    assert_float_equal(m, 0.95f, 1e-7);
    lr_schedule_at(&s, 2, 9, &lr, &m); /* step 29 = 0.3 * 100 - 1 */
    assert_float_equal(lr, 0.1f, 1e-9);
    assert_float_equal(m, 0.85f, 1e-7);
    lr_schedule_at(&s, 9, 9, &lr, &m);
    assert_float_equal(lr, 0.004f / 1e4f, 1e-10);
    assert_float_equal(m, 0.95f, 1e-7);
    assert_int_equal(lr_schedule_per_epoch(LR_SCHEDULE_ONECYCLE), 0);
    assert_int_equal(lr_schedule_per_epoch(LR_SCHEDULE_COSINE), 1);
}

static void test_lr_schedule_check_refuses(void **state)
{
    (void)state;
    struct rm_status st;
    struct lr_schedule s = {LR_SCHEDULE_STEP, 0.1, 0.9, 0, 0.1, 0, 0, 10, 5};
    assert_int_equal(lr_schedule_check(&s, "run", &st), -1);
    assert_string_equal(st.msg, "run: step needs a step size of at least 1");
    s = (struct lr_schedule){LR_SCHEDULE_ONECYCLE, 0.1, 0.9, 0, 0, 2, 0, 10, 5};
    assert_int_equal(lr_schedule_check(&s, "run", &st), -1);
    assert_non_null(strstr(st.msg, "onecycle has its own warmup"));
    s = (struct lr_schedule){LR_SCHEDULE_COSINE, 0.1, 0.9, 0, 0, 10, 0, 10, 5};
    assert_int_equal(lr_schedule_check(&s, "run", &st), -1);
    assert_string_equal(st.msg, "run: a warmup of 10 epochs leaves none of the run's 10 to the "
                                "schedule");
    s = (struct lr_schedule){LR_SCHEDULE_COSINE, 0.1, 0.9, 0, 0, 0, 0.2, 10, 5};
    assert_int_equal(lr_schedule_check(&s, "run", &st), -1);
    assert_string_equal(st.msg, "run: the minimum lr 0.2 is above the lr 0.1");
    enum lr_schedule_kind k;
    assert_int_equal(lr_schedule_parse_kind("--schedule", "linear", &k, &st), -1);
    assert_string_equal(st.msg, "--schedule: 'linear' is not a schedule (constant, step, cosine "
                                "or onecycle)");
    assert_int_equal(lr_schedule_parse_kind("--schedule", "onecycle", &k, &st), 0);
    assert_string_equal(lr_schedule_kind_name(k), "onecycle");
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lr_schedule_matches_pytorch),
        cmocka_unit_test(test_lr_schedule_shapes),
        cmocka_unit_test(test_lr_schedule_check_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
