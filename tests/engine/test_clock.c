/* clock.c: clock_seconds never goes backwards, agrees with CLOCK_MONOTONIC itself (not the wall
 * clock, which can be set back), and counts seconds: a sleep of 20 ms reads as at least 20 ms.
 * Only lower bounds, which a sleep guarantees; no upper bound on a busy machine's timing. */
#include "test_util.h"

#include <math.h>
#include <time.h>

#include "resnet_mnist/engine/clock.h"

static double monotonic_now(void)
{
    struct timespec ts;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_clock_never_goes_backwards(void **state)
{
    (void)state;
    double last = clock_seconds();
    assert_true(isfinite(last) && last >= 0);
    for (int i = 0; i < 100000; i++) {
        double now = clock_seconds();
        if (now < last)
            fail_msg("call %d: %.9f after %.9f", i, now, last);
        last = now;
    }
}

/* Between two readings of CLOCK_MONOTONIC, clock_seconds reads between them (to a nanosecond's
 * rounding in double). */
static void test_clock_is_the_monotonic_clock(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        double before = monotonic_now(), t = clock_seconds(), after = monotonic_now();
        if (t < before - 1e-6 || t > after + 1e-6)
            fail_msg("clock_seconds %.9f outside [%.9f, %.9f]", t, before, after);
    }
}

static void test_clock_counts_seconds(void **state)
{
    (void)state;
    double t0 = clock_seconds();
    struct timespec pause = {0, 20 * 1000 * 1000}, rest;
    while (nanosleep(&pause, &rest) != 0)
        pause = rest;
    double dt = clock_seconds() - t0;
    if (dt < 0.020 - 1e-6) /* nanosleep sleeps at least the time asked for */
        fail_msg("20 ms of sleep measured as %.6f s", dt);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_never_goes_backwards),
        cmocka_unit_test(test_clock_is_the_monotonic_clock),
        cmocka_unit_test(test_clock_counts_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
