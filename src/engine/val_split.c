/* The validation split: see val_split.h. */
#include "resnet_mnist/engine/val_split.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/rng.h"

int val_split_data(struct idx_dataset *fit, struct idx_dataset *val, const struct idx_dataset *all,
                   int n_val, uint64_t seed, struct rm_status *st)
{
    memset(fit, 0, sizeof *fit);
    memset(val, 0, sizeof *val);
    if (n_val < 1)
        return rm_fail(st, "--val %d: must be at least 1", n_val);
    if (n_val >= all->n)
        return rm_fail(st, "--val %d: must be less than the %d training images the run uses", n_val,
                       all->n);
    int n = all->n;
    int *perm = malloc((size_t)n * sizeof *perm);
    uint8_t *held = calloc((size_t)n, 1);
    struct idx_dataset parts[2] = {{.n = n - n_val}, {.n = n_val}};
    for (int p = 0; p < 2; p++) {
        parts[p].images = malloc((size_t)parts[p].n * MNIST_PIXELS);
        parts[p].labels = malloc((size_t)parts[p].n);
    }
    if (!perm || !held || !parts[0].images || !parts[0].labels || !parts[1].images ||
        !parts[1].labels) {
        free(perm);
        free(held);
        idx_free(&parts[0]);
        idx_free(&parts[1]);
        return rm_fail(st, "out of memory for a validation split of %d images", n);
    }
    struct rng r;
    rng_seed(&r, seed ^ RUN_VAL_SALT);
    for (int i = 0; i < n; i++)
        perm[i] = i;
    rng_shuffle(&r, perm, n);
    for (int i = 0; i < n_val; i++)
        held[perm[i]] = 1;
    int count[2] = {0, 0};
    for (int i = 0; i < n; i++) { /* file order in both parts */
        struct idx_dataset *d = &parts[held[i]];
        int k = count[held[i]]++;
        memcpy(d->images + (size_t)k * MNIST_PIXELS, all->images + (size_t)i * MNIST_PIXELS,
               MNIST_PIXELS);
        d->labels[k] = all->labels[i];
    }
    free(perm);
    free(held);
    *fit = parts[0];
    *val = parts[1];
    return 0;
}
