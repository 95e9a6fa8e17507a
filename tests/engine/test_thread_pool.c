/* thread_pool.c: every task of a job runs exactly once, for pools of 1 to 8 threads and jobs of
 * 0 to 1000 tasks, fewer tasks than threads included; thread t runs the contiguous share the
 * header promises, on the same worker in every job, and share 0 on the caller's thread; a pool
 * of 1 starts no thread; init refuses 0 threads; free accepts a zeroed or freed pool. */
#include "test_util.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/thread_pool.h"

#define MAX_TASKS 1000

struct record {
    _Atomic int runs[MAX_TASKS];
    int thread[MAX_TASKS];
    pthread_t self[MAX_TASKS];
};

static void record_task(void *ctx, int task, int thread)
{
    struct record *r = ctx;
    atomic_fetch_add(&r->runs[task], 1);
    r->thread[task] = thread; /* each task writes only its own slots */
    r->self[task] = pthread_self();
}

static struct record *record_new(void)
{
    struct record *r = calloc(1, sizeof *r);
    assert_non_null(r);
    return r;
}

static const int pairs[][2] = {
    /* threads, tasks */
    {1, 0}, {1, 1}, {1, 5},  {2, 0}, {2, 1},   {2, 2},    {2, 7},    {3, 2},
    {4, 3}, {4, 4}, {3, 10}, {8, 5}, {4, 100}, {3, 1000}, {8, 1000},
};

static void test_thread_pool_every_task_runs_once(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int threads = pairs[i][0], tasks = pairs[i][1];
        struct thread_pool p;
        struct rm_status st;
        assert_int_equal(thread_pool_init(&p, threads, &st), 0);
        assert_int_equal(p.threads, threads);
        for (int job = 0; job < 3; job++) { /* the same pool, job after job */
            struct record *r = record_new();
            thread_pool_run(&p, tasks, record_task, r);
            for (int t = 0; t < tasks; t++)
                if (atomic_load(&r->runs[t]) != 1)
                    fail_msg("%d threads, %d tasks, job %d: task %d ran %d times", threads, tasks,
                             job, t, atomic_load(&r->runs[t]));
            for (int t = tasks; t < MAX_TASKS; t++)
                assert_int_equal(atomic_load(&r->runs[t]), 0);
            free(r);
        }
        thread_pool_free(&p);
    }
}

/* The thread whose share [tasks*t/threads, tasks*(t+1)/threads) holds task. */
static int share_owner(int task, int tasks, int threads)
{
    for (int t = 0; t < threads; t++)
        if ((long)tasks * t / threads <= task && task < (long)tasks * (t + 1) / threads)
            return t;
    fail_msg("task %d of %d is in no share", task, tasks);
    return -1;
}

static void test_thread_pool_contiguous_shares(void **state)
{
    (void)state;
    pthread_t caller = pthread_self();
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int threads = pairs[i][0], tasks = pairs[i][1];
        struct thread_pool p;
        struct rm_status st;
        assert_int_equal(thread_pool_init(&p, threads, &st), 0);
        pthread_t worker[8];
        int seen[8] = {0};
        for (int job = 0; job < 3; job++) {
            struct record *r = record_new();
            thread_pool_run(&p, tasks, record_task, r);
            for (int t = 0; t < tasks; t++) {
                int th = r->thread[t];
                assert_in_range(th, 0, threads - 1);
                /* the header's shares; a lone task runs at once on the caller's thread */
                int owner = tasks == 1 ? 0 : share_owner(t, tasks, threads);
                if (th != owner)
                    fail_msg("%d threads, %d tasks: task %d ran as thread %d, share of %d", threads,
                             tasks, t, th, owner);
                /* thread 0 is the caller; each other index one worker, the same every job */
                if (th == 0)
                    assert_true(pthread_equal(r->self[t], caller));
                else {
                    assert_false(pthread_equal(r->self[t], caller));
                    if (seen[th])
                        assert_true(pthread_equal(r->self[t], worker[th]));
                    worker[th] = r->self[t], seen[th] = 1;
                }
            }
            free(r);
        }
        /* distinct indices are distinct workers */
        for (int a = 1; a < threads; a++)
            for (int b = a + 1; b < threads; b++)
                if (seen[a] && seen[b])
                    assert_false(pthread_equal(worker[a], worker[b]));
        thread_pool_free(&p);
    }
}

/* The process's threads, from /proc/self/task. */
static int process_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_thread_pool_of_one_starts_no_thread(void **state)
{
    (void)state;
    int before = process_threads();
    struct thread_pool p;
    struct rm_status st;
    assert_int_equal(thread_pool_init(&p, 1, &st), 0);
    assert_int_equal(p.threads, 1);
    assert_null(p.workers);
    assert_int_equal(process_threads(), before);
    struct record *r = record_new();
    thread_pool_run(&p, 50, record_task, r);
    for (int t = 0; t < 50; t++) {
        assert_int_equal(r->thread[t], 0);
        assert_true(pthread_equal(r->self[t], pthread_self()));
    }
    free(r);
    thread_pool_free(&p);
    /* a pool of 4 starts 3, and free joins them */
    assert_int_equal(thread_pool_init(&p, 4, &st), 0);
    assert_int_equal(process_threads(), before + 3);
    thread_pool_free(&p);
    assert_int_equal(process_threads(), before);
}

static void test_thread_pool_init_refuses_zero_threads(void **state)
{
    (void)state;
    struct thread_pool p;
    struct rm_status st;
    memset(&p, 0x7f, sizeof p);
    assert_int_equal(thread_pool_init(&p, 0, &st), -1);
    assert_string_equal(st.msg, "thread count must be at least 1");
    thread_pool_free(&p); /* init left it zeroed */
    assert_int_equal(thread_pool_init(&p, -5, &st), -1);
    assert_int_equal(thread_pool_init(&p, 2, NULL), 0);
    thread_pool_free(&p);
}

static void test_thread_pool_free_accepts_zeroed_and_freed(void **state)
{
    (void)state;
    struct thread_pool p;
    memset(&p, 0, sizeof p);
    thread_pool_free(&p);
    struct rm_status st;
    assert_int_equal(thread_pool_init(&p, 3, &st), 0);
    thread_pool_free(&p);
    assert_int_equal(p.threads, 0);
    assert_null(p.workers);
    thread_pool_free(&p); /* free left it zeroed */
}

/* Counts the CPUs of a list like "0-3,8,10-11" (/sys/devices/system/cpu/online). */
static int count_cpu_list(const char *s)
{
    int n = 0;
    while (*s && *s != '\n') {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s)
            return -1;
        if (*end == '-') {
            s = end + 1;
            b = strtol(s, &end, 10);
        }
        n += (int)(b - a + 1);
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

static void test_thread_pool_online_cpus(void **state)
{
    (void)state;
    int n = thread_pool_online_cpus();
    assert_true(n >= 1);
    FILE *fp = fopen("/sys/devices/system/cpu/online", "r");
    if (fp) { /* where the kernel says which CPUs are online, the count agrees */
        char line[4096];
        if (fgets(line, sizeof line, fp))
            assert_int_equal(n, count_cpu_list(line));
        fclose(fp);
    }
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_pool_every_task_runs_once),
        cmocka_unit_test(test_thread_pool_contiguous_shares),
        cmocka_unit_test(test_thread_pool_of_one_starts_no_thread),
        cmocka_unit_test(test_thread_pool_init_refuses_zero_threads),
        cmocka_unit_test(test_thread_pool_free_accepts_zeroed_and_freed),
        cmocka_unit_test(test_thread_pool_online_cpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
