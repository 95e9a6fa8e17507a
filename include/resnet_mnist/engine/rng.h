#ifndef RESNET_MNIST_RNG_H
#define RESNET_MNIST_RNG_H

#include <stdint.h>

/* A small seeded generator (xoshiro256**, seeded through splitmix64) for initialisation and
 * shuffling. Its whole state is four words, so a run can save and restore it. */
struct rng {
    uint64_t s[4];
};

/* Seeds the generator; every seed, 0 included, gives a valid distinct stream. */
void rng_seed(struct rng *r, uint64_t seed);
/* Next 64 random bits. */
uint64_t rng_next(struct rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *r);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint32_t rng_below(struct rng *r, uint32_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void rng_shuffle(struct rng *r, int *idx, int n);

#endif
