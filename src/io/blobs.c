/* Connected components (blobs.h).
 *
 * The classic two-pass labelling: the first pass gives each mask pixel a provisional label
 * from its already-visited 8-neighbours (west, north-west, north, north-east) or a new one, and
 * records which labels meet in a union-find whose root is always the smallest label of its
 * set; the second pass replaces each label by its set's number and gathers the statistics.
 * No recursion and no queue of pixels: the memory is one label per pixel and one parent per
 * provisional label, whatever the shapes. */
#include "resnet_mnist/io/blobs.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/image.h"

struct forest {
    int32_t *parent; /* parent[l] for provisional label l >= 1; parent[0] unused */
    int32_t n;       /* labels made so far (the next is n + 1) */
    int32_t cap;
};

static int32_t forest_root(struct forest *f, int32_t l)
{
    int32_t r = l;
    while (f->parent[r] != r)
        r = f->parent[r];
    while (f->parent[l] != r) { /* path compression */
        int32_t next = f->parent[l];
        f->parent[l] = r;
        l = next;
    }
    return r;
}

/* Joins the sets of a and b under the smaller root; returns that root. */
static int32_t forest_union(struct forest *f, int32_t a, int32_t b)
{
    a = forest_root(f, a);
    b = forest_root(f, b);
    if (a == b)
        return a;
    if (a < b) {
        f->parent[b] = a;
        return a;
    }
    f->parent[a] = b;
    return b;
}

/* A new provisional label, or 0 when out of memory. */
static int32_t forest_add(struct forest *f)
{
    if (f->n + 1 >= f->cap) {
        int32_t cap = f->cap ? f->cap : 256;
        while (f->n + 1 >= cap)
            cap = cap > INT32_MAX / 2 ? INT32_MAX : cap * 2;
        if (f->n + 1 >= cap)
            return 0;
        int32_t *p = realloc(f->parent, (size_t)cap * sizeof *p);
        if (!p)
            return 0;
        f->parent = p;
        f->cap = cap;
    }
    f->n++;
    f->parent[f->n] = f->n;
    return f->n;
}

/* Pass 1: provisional labels into lab; 0 when out of memory. */
static int label_provisional(const uint8_t *mask, int w, int h, int32_t *lab, struct forest *f)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *m = mask + (size_t)y * w;
        int32_t *row = lab + (size_t)y * w;
        const int32_t *up = y > 0 ? row - w : NULL;
        for (int x = 0; x < w; x++) {
            if (!m[x]) {
                row[x] = 0;
                continue;
            }
            int32_t l = 0;
            int32_t nb[4] = {x > 0 ? row[x - 1] : 0, up && x > 0 ? up[x - 1] : 0, up ? up[x] : 0,
                             up && x + 1 < w ? up[x + 1] : 0};
            for (int k = 0; k < 4; k++)
                if (nb[k])
                    l = l ? forest_union(f, l, nb[k]) : nb[k];
            if (!l && !(l = forest_add(f)))
                return 0;
            row[x] = l;
        }
    }
    return 1;
}

int blobs_find(const uint8_t *mask, int w, int h, const float *ink, int32_t *labels,
               struct blob **blobs, int *count, struct rm_status *st)
{
    *blobs = NULL;
    *count = 0;
    if (w < 1 || h < 1 || (long long)w * h > IMAGE_MAX_PIXELS)
        return rm_fail(st, "invalid size %dx%d for connected components", w, h);
    size_t n = (size_t)w * h;
    int32_t *lab = labels ? labels : malloc(n * sizeof *lab);
    struct forest f = {0};
    struct blob *b = NULL;
    /* per blob: the plain sums, for a blob whose ink sums to 0 */
    double *plain = NULL;
    if (!lab || !label_provisional(mask, w, h, lab, &f))
        goto oom;

    /* Roots in increasing order are the blobs in order of their first pixel: a component's
     * first pixel in raster order has no visited neighbour of its own, so it makes the
     * component's smallest label. parent[root] becomes -(blob index + 1). */
    int32_t nblobs = 0;
    for (int32_t l = 1; l <= f.n; l++)
        if (forest_root(&f, l) == l)
            nblobs++;
    for (int32_t l = 1, k = 0; l <= f.n; l++)
        if (f.parent[l] == l)
            f.parent[l] = -(++k);
    if (nblobs > 0) {
        b = calloc((size_t)nblobs, sizeof *b);
        plain = calloc(2 * (size_t)nblobs, sizeof *plain);
        if (!b || !plain)
            goto oom;
    }
    for (int32_t i = 0; i < nblobs; i++) {
        b[i].x0 = w;
        b[i].y0 = h;
    }

    /* Pass 2: final labels and statistics. Every parent now points at its root or is the root
     * (path compression ran on each label above), so one step finds the blob. */
    for (int y = 0; y < h; y++) {
        int32_t *row = lab + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            int32_t l = row[x];
            if (!l)
                continue;
            int32_t p = f.parent[l];
            int32_t id = p < 0 ? -p : -f.parent[p];
            row[x] = id;
            struct blob *o = &b[id - 1];
            double v = ink ? ink[(size_t)y * w + x] : 1.0;
            if (x < o->x0)
                o->x0 = x;
            if (x + 1 > o->x1)
                o->x1 = x + 1;
            if (y < o->y0)
                o->y0 = y;
            o->y1 = y + 1;
            o->area++;
            o->ink += v;
            o->cx += v * x;
            o->cy += v * y;
            plain[2 * (id - 1)] += x;
            plain[2 * (id - 1) + 1] += y;
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
                o->touches_border = 1;
        }
    }
    for (int32_t i = 0; i < nblobs; i++) {
        if (b[i].ink > 0) {
            b[i].cx /= b[i].ink;
            b[i].cy /= b[i].ink;
        } else {
            b[i].cx = plain[2 * i] / b[i].area;
            b[i].cy = plain[2 * i + 1] / b[i].area;
        }
    }
    free(plain);
    free(f.parent);
    if (lab != labels)
        free(lab);
    *blobs = b;
    *count = nblobs;
    return 0;

oom:
    free(b);
    free(plain);
    free(f.parent);
    if (lab != labels)
        free(lab);
    return rm_fail(st, "out of memory");
}
