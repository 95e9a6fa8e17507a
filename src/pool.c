#include "resnet_mnist/pool.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct worker_arg {
    struct pool *p;
    int index;
};

/* Claims and runs tasks of the current job until none is left. Called with the lock held;
 * returns with it held. */
static void run_tasks(struct pool *p, int thread)
{
    while (p->next_task < p->tasks) {
        int task = p->next_task++;
        pthread_mutex_unlock(&p->lock);
        p->fn(p->ctx, task, thread);
        pthread_mutex_lock(&p->lock);
    }
}

static void *worker_main(void *arg)
{
    struct pool *p = ((struct worker_arg *)arg)->p;
    int thread = ((struct worker_arg *)arg)->index;
    free(arg);
    long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->generation == seen && !p->stopping)
            pthread_cond_wait(&p->start, &p->lock);
        if (p->stopping)
            break;
        seen = p->generation;
        run_tasks(p, thread);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int pool_init(struct pool *p, int threads, struct rm_status *st)
{
    memset(p, 0, sizeof *p);
    if (threads < 1)
        return rm_fail(st, "thread count must be at least 1");
    p->threads = 1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    if (threads == 1)
        return 0;
    p->workers = calloc((size_t)threads - 1, sizeof *p->workers);
    if (!p->workers) {
        pool_free(p);
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
            pool_free(p);
            return rm_fail(st, "cannot start thread %d of %d", i + 1, threads);
        }
        p->threads++;
    }
    return 0;
}

void pool_free(struct pool *p)
{
    if (p->threads > 1) {
        pthread_mutex_lock(&p->lock);
        p->stopping = 1;
        pthread_cond_broadcast(&p->start);
        pthread_mutex_unlock(&p->lock);
        for (int i = 0; i < p->threads - 1; i++)
            pthread_join(p->workers[i], NULL);
    }
    if (p->threads > 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->start);
        pthread_cond_destroy(&p->done);
    }
    free(p->workers);
    memset(p, 0, sizeof *p);
}

void pool_run(struct pool *p, int tasks, void (*fn)(void *ctx, int task, int thread), void *ctx)
{
    if (p->threads <= 1 || tasks <= 1) {
        for (int t = 0; t < tasks; t++)
            fn(ctx, t, 0);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->tasks = tasks;
    p->next_task = 0;
    p->busy = p->threads - 1;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    run_tasks(p, 0);
    while (p->busy > 0)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

int pool_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? (int)n : 1;
}
