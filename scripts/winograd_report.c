/* winograd_report [--batch N] [--reps N] [--seed N]: Winograd convolution (conv_winograd.c)
 * against the direct path (conv2d) on the model's five 3x3 and 5x5 layers, every tile kind
 * that fits, one thread:
 *   (a) the largest error of each pass against conv2d and against a double-precision
 *       reference, absolute and relative to the largest |value| of that output;
 *   (b) the time per image at batch N (default 30): median over the repetitions of the
 *       thread's CPU time (so that time spent descheduled on a busy machine does not count);
 *   (c) the multiplications per output: direct taps, Winograd products, and the transforms'
 *       multiplications by constants other than +-1.
 * Inputs look like the model's: x uniform on [0, 1) (a ReLU's outputs), weights and biases
 * uniform on +-1/sqrt(fan_in) (PyTorch's initialisation), dy uniform on +-1e-3.
 *
 * Built with the tests (tests/CMakeLists.txt) but not one of them:
 *   cmake --build build --target winograd_report && nice -n 10 build/tests/winograd_report */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conv_winograd.h"
#include "resnet_mnist/ops/conv2d.h"

struct layer {
    const char *name;
    struct conv2d_shape s;
};

static const struct layer layers[] = {
    {"RB1.conv1", {0, 16, 12, 12, 16, 3, 3, 1}}, {"RB1.conv2", {0, 16, 12, 12, 16, 5, 5, 2}},
    {"conv2", {0, 16, 12, 12, 32, 3, 3, 0}},     {"RB2.conv1", {0, 32, 5, 5, 32, 3, 3, 1}},
    {"RB2.conv2", {0, 32, 5, 5, 32, 5, 5, 2}},
};

static uint64_t state = 88172645463325252ull;

static double uniform(void) /* [0, 1) */
{
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return (double)(state >> 11) / 9007199254740992.0;
}

static float *fill(size_t n, double lo, double hi)
{
    float *p = malloc(n * sizeof(float));
    if (!p) {
        fprintf(stderr, "winograd_report: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(lo + (hi - lo) * uniform());
    return p;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The double-precision oracle: y, dx and dw of the same float inputs, summed in double. */
static void reference(double *y, double *dx, double *dw, const float *x, const float *w,
                      const float *b, const float *dy, const struct conv2d_shape *s)
{
    int oh = conv2d_out_h(s), ow = conv2d_out_w(s), r = s->kh;
    memset(dx, 0, (size_t)s->n * s->ic * s->ih * s->iw * sizeof(double));
    memset(dw, 0, (size_t)s->oc * s->ic * r * r * sizeof(double));
    for (int img = 0; img < s->n; img++)
        for (int o = 0; o < s->oc; o++)
            for (int p = 0; p < oh; p++)
                for (int q = 0; q < ow; q++) {
                    size_t yi = (((size_t)img * s->oc + o) * oh + p) * ow + q;
                    double sum = b[o], g = dy[yi];
                    for (int c = 0; c < s->ic; c++)
                        for (int i = 0; i < r; i++)
                            for (int j = 0; j < r; j++) {
                                int pr = p + i - s->pad, qc = q + j - s->pad;
                                if (pr < 0 || pr >= s->ih || qc < 0 || qc >= s->iw)
                                    continue;
                                size_t wi = (((size_t)o * s->ic + c) * r + i) * r + j;
                                size_t xi = (((size_t)img * s->ic + c) * s->ih + pr) * s->iw + qc;
                                sum += (double)w[wi] * x[xi];
                                dx[xi] += g * w[wi];
                                dw[wi] += g * x[xi];
                            }
                    y[yi] = sum;
                }
}

struct err {
    double abs, rel; /* largest |a - b|, and that over the largest |b| */
};

static struct err err_float(const float *a, const float *b, size_t n)
{
    double e = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        e = fmax(e, fabs((double)a[i] - b[i]));
        m = fmax(m, fabs((double)b[i]));
    }
    return (struct err){e, m > 0 ? e / m : 0};
}

static struct err err_double(const float *a, const double *b, size_t n)
{
    double e = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        e = fmax(e, fabs((double)a[i] - b[i]));
        m = fmax(m, fabs(b[i]));
    }
    return (struct err){e, m > 0 ? e / m : 0};
}

enum pass { FORWARD, INPUT_GRAD, WEIGHT_GRAD, PASSES };
static const char *pass_name[PASSES] = {"forward", "input grad", "weight grad"};

struct run {
    const struct conv2d_shape *s;
    const float *x, *w, *b, *dy;
    float *out, *db, *scratch;
};

/* One pass by the direct path (tile < 0) or tile kind tile; out is overwritten first. */
static void run_pass(const struct run *r, int tile, enum pass p)
{
    const struct conv2d_shape *s = r->s;
    size_t nx = (size_t)s->n * s->ic * s->ih * s->iw, nw = (size_t)s->oc * s->ic * s->kh * s->kw;
    enum conv_winograd_tile k = (enum conv_winograd_tile)tile;
    if (p == FORWARD) {
        if (tile < 0)
            conv2d_forward(r->out, r->x, r->w, r->b, r->scratch, s);
        else
            conv_winograd_tile_forward(k, r->out, r->x, r->w, r->b, 0, r->scratch, s);
    } else if (p == INPUT_GRAD) {
        memset(r->out, 0, nx * sizeof(float));
        if (tile < 0) /* conv2d has no input gradient alone: with dw and db, timed apart */
            conv2d_backward(r->out, r->out + nx, r->db, r->dy, r->x, r->w, r->scratch, s);
        else
            conv_winograd_tile_input_grad(k, r->out, r->dy, r->w, r->scratch, s);
    } else {
        memset(r->out, 0, nw * sizeof(float));
        if (tile < 0)
            conv2d_backward(NULL, r->out, r->db, r->dy, r->x, r->w, r->scratch, s);
        else
            conv_winograd_tile_weight_grad(k, r->out, r->db, r->dy, r->x, r->scratch, s);
    }
}

static double median_us(const struct run *r, int tile, enum pass p, int reps)
{
    double *t = malloc((size_t)reps * sizeof(double));
    run_pass(r, tile, p); /* warm up */
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        run_pass(r, tile, p);
        t[i] = now() - t0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp_double);
    double m = t[reps / 2];
    free(t);
    return m * 1e6 / r->s->n;
}

static int parse_int(const char *v, int lo)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < lo || n > 100000) {
        fprintf(stderr, "winograd_report: bad number '%s'\n", v);
        exit(2);
    }
    return (int)n;
}

int main(int argc, char **argv)
{
    int batch = 30, reps = 51;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--batch") == 0)
            batch = parse_int(argv[++i], 1);
        else if (i + 1 < argc && strcmp(argv[i], "--reps") == 0)
            reps = parse_int(argv[++i], 1);
        else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
            state += (uint64_t)parse_int(argv[++i], 0) * 0x9e3779b97f4a7c15ull;
        else {
            fprintf(stderr, "usage: winograd_report [--batch N] [--reps N] [--seed N]\n");
            return 2;
        }
    }
    printf("Winograd vs direct convolution, batch %d, one thread, median of %d runs of thread "
           "CPU time\n\n",
           batch, reps);
    printf("%-10s %-12s %-11s | %-19s | %-19s | %-10s | %-26s\n", "layer", "tile", "pass",
           "vs conv2d abs/rel", "vs double abs/rel", "direct/dbl", "us/image direct wino  x");
    for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
        struct conv2d_shape s = layers[l].s;
        s.n = batch;
        int oh = conv2d_out_h(&s), ow = conv2d_out_w(&s);
        size_t nx = (size_t)s.n * s.ic * s.ih * s.iw, nw = (size_t)s.oc * s.ic * s.kh * s.kw;
        size_t ny = (size_t)s.n * s.oc * oh * ow, no = (size_t)s.oc;
        double bound = 1.0 / sqrt((double)s.ic * s.kh * s.kw);
        float *x = fill(nx, 0, 1), *w = fill(nw, -bound, bound), *b = fill(no, -bound, bound);
        float *dy = fill(ny, -1e-3, 1e-3);
        double *yd = malloc(ny * sizeof(double)), *dxd = malloc(nx * sizeof(double));
        double *dwd = malloc(nw * sizeof(double));
        reference(yd, dxd, dwd, x, w, b, dy, &s);
        size_t scratch_n = conv2d_scratch_floats(&s);
        for (int k = 0; k < CONV_WINOGRAD_TILES; k++) {
            size_t need = conv_winograd_tile_scratch_floats((enum conv_winograd_tile)k, &s);
            scratch_n = need > scratch_n ? need : scratch_n;
        }
        size_t big = nx + nw + ny;
        float *direct = malloc(big * sizeof(float)), *wino = malloc(big * sizeof(float));
        float *db = malloc(no * sizeof(float)), *scratch = calloc(scratch_n, sizeof(float));
        struct run r = {&s, x, w, b, dy, NULL, db, scratch};
        const double *ref[PASSES] = {yd, dxd, dwd};
        const size_t len[PASSES] = {ny, nx, nw};
        double direct_us[PASSES];
        for (int p = 0; p < PASSES; p++) {
            r.out = direct;
            direct_us[p] = median_us(&r, -1, (enum pass)p, reps);
        }
        /* conv2d times dx with dw: its input gradient alone is the difference */
        direct_us[INPUT_GRAD] -= direct_us[WEIGHT_GRAD];
        for (int k = 0; k < CONV_WINOGRAD_TILES; k++) {
            enum conv_winograd_tile tile = (enum conv_winograd_tile)k;
            if (!conv_winograd_tile_ok(tile, &s))
                continue;
            for (int p = 0; p < PASSES; p++) {
                r.out = direct;
                run_pass(&r, -1, (enum pass)p);
                r.out = wino;
                run_pass(&r, k, (enum pass)p);
                struct err vd = err_float(wino, direct, len[p]);
                struct err vr = err_double(wino, ref[p], len[p]);
                struct err dr = err_double(direct, ref[p], len[p]);
                double us = median_us(&r, k, (enum pass)p, reps);
                printf(
                    "%-10s %-12s %-11s | %8.2e %8.2e | %8.2e %8.2e | %8.2e | %7.2f %7.2f %5.2f\n",
                    layers[l].name, conv_winograd_tile_name(tile), pass_name[p], vd.abs, vd.rel,
                    vr.abs, vr.rel, dr.abs, direct_us[p], us, direct_us[p] / us);
            }
        }
        free(x), free(w), free(b), free(dy), free(yd), free(dxd), free(dwd);
        free(direct), free(wino), free(db), free(scratch);
    }
    printf("\nmultiplications per output (forward; the two gradients have the same counts)\n");
    printf("%-10s %-12s %8s %8s %10s %8s\n", "layer", "tile", "direct", "products", "+transform",
           "saving");
    for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
        struct conv2d_shape s = layers[l].s;
        s.n = 1;
        double outputs = (double)s.oc * conv2d_out_h(&s) * conv2d_out_w(&s);
        double direct = (double)s.ic * s.kh * s.kw;
        for (int k = 0; k < CONV_WINOGRAD_TILES; k++) {
            enum conv_winograd_tile tile = (enum conv_winograd_tile)k;
            if (!conv_winograd_tile_ok(tile, &s))
                continue;
            double tf, prod = conv_winograd_mults(tile, &s, &tf) / outputs;
            printf("%-10s %-12s %8.1f %8.1f %10.1f %7.2fx\n", layers[l].name,
                   conv_winograd_tile_name(tile), direct, prod, prod + tf / outputs,
                   direct / (prod + tf / outputs));
        }
    }
    return 0;
}
