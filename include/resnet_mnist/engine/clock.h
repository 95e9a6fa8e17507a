#ifndef RESNET_MNIST_CLOCK_H
#define RESNET_MNIST_CLOCK_H

/* Seconds on the monotonic clock (CLOCK_MONOTONIC): for intervals only, never for dates. The
 * one clock of the program: per-stage times, the FMA probe, epochs and progress. */
double clock_seconds(void);

#endif
