#ifndef RESNET_MNIST_POOL_H
#define RESNET_MNIST_POOL_H

#include <pthread.h>
#include <stdatomic.h>

#include "resnet_mnist/status.h"

/* A fixed set of worker threads that run numbered tasks. The caller's thread works too, so a
 * pool of 1 thread starts no thread at all. Which thread runs a task is not fixed; callers keep
 * results independent of it (each task writes only its own outputs), which makes the results
 * independent of the thread count too. */
struct pool {
    int threads; /* including the caller's */
    pthread_t *workers;
    /* Workers wait for a new generation by spinning briefly, then sleeping on `start`: a
     * training step runs ~20 jobs a few hundred microseconds apart, too close for a sleep and
     * wake-up each time. */
    pthread_mutex_t lock;
    pthread_cond_t start;
    _Atomic long generation; /* bumped for every pool_run */
    _Atomic int stopping;
    /* the current job, written before the generation is bumped */
    void (*fn)(void *ctx, int task, int thread);
    void *ctx;
    int tasks;
    _Atomic int next_task; /* next task to claim */
    _Atomic int busy;      /* workers still inside the current job */
};

/* Starts threads-1 workers. threads >= 1. */
int pool_init(struct pool *p, int threads, struct rm_status *st);
/* Stops and joins the workers; accepts a zeroed struct. */
void pool_free(struct pool *p);
/* Runs fn(ctx, task, thread) for task = 0..tasks-1 across the threads and returns when all
 * are done. thread is in 0..threads-1 and says whose scratch a task may use. */
void pool_run(struct pool *p, int tasks, void (*fn)(void *ctx, int task, int thread), void *ctx);

/* The number of online CPUs (at least 1). */
int pool_online_cpus(void);

#endif
