/* plot_samples DIR: writes sample pictures into the folder DIR for a look by eye, which no test
 * can give: the accuracy plot with 1, 50 and 500 epochs (acc1.png, acc50.png, acc500.png), the
 * loss plot with two series (loss2series.png), and the two looks of the digit grid
 * (errors_grid.png as test --errors draws it, seen_tiles.png as predict --show does).
 *
 * Built with the tests (tests/CMakeLists.txt) but not one of them:
 *   cmake --build build --target plot_samples && build/tests/plot_samples /tmp/samples
 * RESNET_MNIST_FONT chooses the font as it does for the program. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "resnet_mnist/io/digit_grid.h"
#include "resnet_mnist/io/plot.h"

#define MAX_POINT 500
#define BLUE      0x1f77b4u
#define ORANGE    0xff7f0eu

struct data {
    double x[MAX_POINT], y[MAX_POINT];
};

/* x = 1..n; y an accuracy curve with noise (kind 1) or a falling loss (kind 2). */
static void data_fill(struct data *d, int n, int kind, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        double noise = (double)(seed >> 8 & 0xffff) / 65535.0 - 0.5;
        d->x[i] = i + 1;
        if (kind == 1)
            d->y[i] = 0.9935 - 0.011 * exp(-i * 10.0 / n) + 0.0012 * noise;
        else
            d->y[i] = 0.03 + 0.25 * exp(-i * 10.0 / n) + 0.006 * noise;
    }
}

static int write_plot(const char *dir, const char *name, const struct plot_spec *sp)
{
    char path[4096];
    struct rm_status st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (plot_write_png(path, sp, &st) != 0) {
        fprintf(stderr, "plot_samples: %s\n", st.msg);
        return 1;
    }
    printf("wrote %s\n", path);
    return 0;
}

static int write_plots(const char *dir)
{
    static struct data acc, a, b;
    data_fill(&acc, 1, 1, 11);
    acc.y[0] = 0.9826;
    struct plot_series s = {"test accuracy", acc.x, acc.y, 1, BLUE, 1, 1};
    struct plot_spec sp = {"Test accuracy", "epoch", "accuracy", 0, 0, &s, 1};
    int rc = write_plot(dir, "acc1.png", &sp);
    data_fill(&acc, 50, 1, 12);
    s.n = 50;
    rc |= write_plot(dir, "acc50.png", &sp);
    data_fill(&acc, 500, 1, 13);
    s.n = 500;
    rc |= write_plot(dir, "acc500.png", &sp);

    data_fill(&a, 30, 2, 14);
    data_fill(&b, 30, 2, 15);
    for (int i = 0; i < 30; i++)
        b.y[i] += 0.02 + 0.0007 * i; /* the test loss: higher, and creeping up at the end */
    struct plot_series two[2] = {{"train loss", a.x, a.y, 30, BLUE, 0, -1},
                                 {"test loss", b.x, b.y, 30, ORANGE, 1, -1}};
    struct plot_spec sp2 = {"Loss", "epoch", "loss", 0, 0, two, 2};
    rc |= write_plot(dir, "loss2series.png", &sp2);
    return rc;
}

/* Digit k: a ring of ink (a rough zero) shifted a little with k, with soft edges. */
static void make_digits(uint8_t *images, int n)
{
    for (int k = 0; k < n; k++)
        for (int r = 0; r < 28; r++)
            for (int c = 0; c < 28; c++) {
                double d = hypot(r - 14.0 - k % 3, (c - 14.0 + k % 4) * 1.4);
                double ink = 1.0 - fabs(d - 8.0) / 2.5;
                images[(size_t)k * 784 + (size_t)r * 28 + (size_t)c] =
                    (uint8_t)(ink <= 0.0   ? 0
                              : ink >= 1.0 ? 255
                                           : ink * 255.0);
            }
}

static int write_grid(const char *dir, const char *name, const struct digit_grid_look *look,
                      const char *title, const uint8_t *images, const char *const *captions, int n)
{
    char path[4096];
    struct rm_status st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (digit_grid_write_png(path, look, title, images, captions, n, 10, &st) != 0) {
        fprintf(stderr, "plot_samples: %s\n", st.msg);
        return 1;
    }
    printf("wrote %s\n", path);
    return 0;
}

static int write_grids(const char *dir)
{
    enum { N = 13 };
    static uint8_t images[N * 784];
    char text[N][64];
    const char *captions[N];
    make_digits(images, N);
    for (int k = 0; k < N; k++) {
        snprintf(text[k], sizeof text[k], "true 0  pred %d\np 0.%03d  #%d", 6 + k % 4, 990 - 7 * k,
                 37 * k + 5);
        captions[k] = text[k];
    }
    struct digit_grid_look errors = digit_grid_look_captioned();
    struct digit_grid_look tiles = digit_grid_look_tiles(8);
    return write_grid(dir, "errors_grid.png", &errors,
                      "best.bin: 13 misclassified test images, most confident first", images,
                      captions, N) |
           write_grid(dir, "seen_tiles.png", &tiles, NULL, images, NULL, N);
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc == 2 ? stdout : stderr, "Usage: plot_samples DIR\n"
                                             "Write sample plots and digit grids into the folder "
                                             "DIR, for a look by eye.\n");
        return argc == 2 ? 0 : 2;
    }
    return write_plots(argv[1]) | write_grids(argv[1]) ? 1 : 0;
}
