#ifndef RESNET_MNIST_THREAD_POOL_H
#define RESNET_MNIST_THREAD_POOL_H

#include <pthread.h>
#include <stdatomic.h>

#include "resnet_mnist/io/status.h"

/* A fixed set of worker threads that run numbered tasks. The caller's thread works too, so a
 * pool of 1 thread starts no thread at all. Thread t runs a contiguous share of the tasks, the
 * same share in every job, so that a thread keeps working on the same images from layer to layer
 * and finds their activations in its own core's cache (measured: 2 threads went from 1.57-1.78x
 * with tasks claimed first-come to 1.81x). Callers keep results independent of which thread runs
 * a task (each task writes only its own outputs), which makes them independent of the thread
 * count too. */
struct thread_pool {
    int threads; /* including the caller's */
    pthread_t *workers;
    /* Workers wait for a new generation by spinning briefly, then sleeping on `start`: a
     * training step runs ~20 jobs a few hundred microseconds apart, too close for a sleep and
     * wake-up each time. */
    pthread_mutex_t lock;
    pthread_cond_t start;
    _Atomic long generation; /* bumped for every thread_pool_run */
    _Atomic int stopping;
    /* the current job, written before the generation is bumped */
    void (*fn)(void *ctx, int task, int thread);
    void *ctx;
    int tasks;
    _Atomic int busy; /* workers still inside the current job */
};

/* Starts threads-1 workers. threads >= 1. */
int thread_pool_init(struct thread_pool *p, int threads, struct rm_status *st);
/* Stops and joins the workers; accepts a zeroed struct. */
void thread_pool_free(struct thread_pool *p);
/* Runs fn(ctx, task, thread) for task = 0..tasks-1 and returns when all are done; thread t
 * runs tasks [tasks*t/threads, tasks*(t+1)/threads). A single task runs at once on the caller's
 * thread (thread 0), waking no worker. thread says whose scratch a task may use. */
void thread_pool_run(struct thread_pool *p, int tasks, void (*fn)(void *ctx, int task, int thread),
                     void *ctx);

/* The number of online CPUs (at least 1). */
int thread_pool_online_cpus(void);

#endif
