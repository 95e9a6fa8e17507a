#include "resnet_mnist/engine/thread_pool.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct worker_arg {
    struct thread_pool *p;
    int index;
};

/* About half a millisecond of pause instructions: longer than the gaps between the jobs of a
 * training step, much shorter than anything that follows a step (an epoch's end, a checkpoint). */
#define SPIN_ROUNDS 10000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Claims and runs tasks of the current job until none is left. */
static void run_tasks(struct thread_pool *p, int thread)
{
    /* a contiguous share of the tasks per thread: consecutive jobs give a thread the same
     * images, whose activations then stay in its core's cache */
    int lo = (int)((long)p->tasks * thread / p->threads);
    int hi = (int)((long)p->tasks * (thread + 1) / p->threads);
    for (int task = lo; task < hi; task++)
        p->fn(p->ctx, task, thread);
}

static void *worker_main(void *arg)
{
    struct thread_pool *p = ((struct worker_arg *)arg)->p;
    int thread = ((struct worker_arg *)arg)->index;
    free(arg);
    long seen = 0;
    for (;;) {
        for (int i = 0; i < SPIN_ROUNDS && atomic_load(&p->generation) == seen; i++)
            cpu_relax();
        if (atomic_load(&p->generation) == seen) {
            pthread_mutex_lock(&p->lock);
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->stopping))
                pthread_cond_wait(&p->start, &p->lock);
            pthread_mutex_unlock(&p->lock);
        }
        if (atomic_load(&p->stopping))
            break;
        seen = atomic_load(&p->generation);
        run_tasks(p, thread);
        atomic_fetch_sub(&p->busy, 1);
    }
    return NULL;
}

int thread_pool_init(struct thread_pool *p, int threads, struct rm_status *st)
{
    memset(p, 0, sizeof *p);
    if (threads < 1)
        return rm_fail(st, "thread count must be at least 1");
    p->threads = 1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->start, NULL);
    if (threads == 1)
        return 0;
    p->workers = calloc((size_t)threads - 1, sizeof *p->workers);
    if (!p->workers) {
        thread_pool_free(p);
        return rm_fail(st, "out of memory starting %d threads", threads);
    }
    for (int i = 1; i < threads; i++) {
        struct worker_arg *a = malloc(sizeof *a);
        if (a) {
            a->p = p;
            a->index = i;
        }
        if (!a || pthread_create(&p->workers[i - 1], NULL, worker_main, a) != 0) {
            free(a);
            thread_pool_free(p);
            return rm_fail(st, "cannot start thread %d of %d", i + 1, threads);
        }
        p->threads++;
    }
    return 0;
}

void thread_pool_free(struct thread_pool *p)
{
    if (p->threads > 1) {
        pthread_mutex_lock(&p->lock);
        atomic_store(&p->stopping, 1);
        pthread_cond_broadcast(&p->start);
        pthread_mutex_unlock(&p->lock);
        for (int i = 0; i < p->threads - 1; i++)
            pthread_join(p->workers[i], NULL);
    }
    if (p->threads > 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->start);
    }
    free(p->workers);
    memset(p, 0, sizeof *p);
}

void thread_pool_run(struct thread_pool *p, int tasks, void (*fn)(void *ctx, int task, int thread),
                     void *ctx)
{
    if (p->threads <= 1 || tasks <= 1) {
        for (int t = 0; t < tasks; t++)
            fn(ctx, t, 0);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->tasks = tasks;
    atomic_store(&p->busy, p->threads - 1);
    /* the job is published by the generation (sequentially consistent atomics) */
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add(&p->generation, 1);
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    run_tasks(p, 0);
    /* every worker must have left the job before the next one reuses its fields */
    for (int i = 0; atomic_load(&p->busy) > 0; i++) {
        if (i < SPIN_ROUNDS)
            cpu_relax();
        else
            sched_yield();
    }
}

int thread_pool_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? (int)n : 1;
}
