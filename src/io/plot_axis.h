#ifndef RESNET_MNIST_PLOT_AXIS_H
#define RESNET_MNIST_PLOT_AXIS_H

/* Private to plot.c: the scale of one axis of a line plot, as matplotlib's defaults lay it out
 * (data limits padded a little, ticks at 1-2-5 steps with room between their labels). */

#include <stddef.h>

#include "resnet_mnist/io/text.h"

#define PLOT_MAX_TICKS 64

struct plot_axis {
    double lo, hi; /* data values at the two ends of the plot area */
    double step;   /* tick spacing: 1, 2 or 5 times a power of ten */
    int decimals;  /* digits after the point in tick labels */
    int integer;   /* ticks must be whole numbers (the x values all are) */
    int nticks;    /* ticks in [lo, hi] */
    double ticks[PLOT_MAX_TICKS];
};

/* Widens the data range [*lo, *hi] when all values are equal (one point, a flat line) so that
 * they sit in the middle of the plot: by 1 for whole numbers, else by 1% of the magnitude (0.01
 * about 0). matplotlib takes 5%, which puts a lone accuracy of 0.98 on an axis that runs past 1. */
void plot_axis_widen_range(double *lo, double *hi, int integer);

/* Sets a->lo and a->hi so that [dmin, dmax] spans len pixels less pad_lo and pad_hi pixels at
 * its ends; when the padding would leave under 30% of len, it is squeezed to 70% of len. */
void plot_axis_fit(struct plot_axis *a, double dmin, double dmax, double len, double pad_lo,
                   double pad_hi);

/* Lays the ticks of an axis len pixels long (after plot_axis_fit): the finest 1-2-5 step (whole
 * numbers when a->integer) that leaves room between labels drawn in font f at px pixels:
 * vertically 2.5 text heights, horizontally the widest label plus 1.5 px. Sets step, decimals,
 * nticks and ticks. */
void plot_axis_place_ticks(struct plot_axis *a, const struct text_font *f, double px, double len,
                           int vertical);

/* The label of tick value v: a->decimals digits after the point (%.6g past 8 of them or from
 * 1e9 on), and no "-0.00". */
void plot_axis_format_tick(char *buf, size_t n, const struct plot_axis *a, double v);

#endif
