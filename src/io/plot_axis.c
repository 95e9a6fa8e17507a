/* The scale of a line plot's axis (plot_axis.h, private to plot.c). */
#include "plot_axis.h"

#include <math.h>
#include <stdio.h>

/* The next step of the 1-2-5 series after step. */
static double step_next(double step)
{
    double e = pow(10.0, floor(log10(step) + 1e-9));
    double m = step / e;
    return m < 1.5 ? 2.0 * e : m < 3.5 ? 5.0 * e : 10.0 * e;
}

/* The smallest step of the 1-2-5 series that is >= raw. */
static double step_ceil(double raw)
{
    double e = pow(10.0, floor(log10(raw)));
    double m = raw / e;
    return (m <= 1.0 + 1e-9 ? 1.0 : m <= 2.0 + 1e-9 ? 2.0 : m <= 5.0 + 1e-9 ? 5.0 : 10.0) * e;
}

void plot_axis_format_tick(char *buf, size_t n, const struct plot_axis *a, double v)
{
    if (fabs(v) < a->step * 1e-6)
        v = 0.0; /* no "-0.00" */
    if (a->decimals > 8 || fabs(v) >= 1e9)
        snprintf(buf, n, "%.6g", v);
    else
        snprintf(buf, n, "%.*f", a->decimals, v);
}

void plot_axis_place_ticks(struct plot_axis *a, const struct text_font *f, double px, double len,
                           int vertical)
{
    struct text_vmetrics vm = text_font_vmetrics(f, px);
    double span = a->hi - a->lo;
    double min_gap_px = vertical ? 2.5 * (vm.ascent + vm.descent) : 4.0 * px;
    double step = step_ceil(span * min_gap_px / len);
    if (a->integer && step < 1.0)
        step = 1.0;
    for (int iter = 0; iter < 64; iter++, step = step_next(step)) {
        double kmin = ceil(a->lo / step - 1e-9), kmax = floor(a->hi / step + 1e-9);
        if (kmax - kmin + 1 > PLOT_MAX_TICKS)
            continue;
        a->step = step;
        a->decimals = (int)ceil(-log10(step) - 1e-9);
        if (a->decimals < 0)
            a->decimals = 0;
        a->nticks = 0;
        for (double k = kmin; k <= kmax; k++)
            a->ticks[a->nticks++] = k * step;
        if (vertical)
            return;
        double widest = 0.0;
        for (int i = 0; i < a->nticks; i++) {
            char buf[64];
            plot_axis_format_tick(buf, sizeof buf, a, a->ticks[i]);
            widest = fmax(widest, text_measure_width(f, buf, px));
        }
        if (widest + 1.5 * px <= step / span * len)
            return;
    }
}

void plot_axis_widen_range(double *lo, double *hi, int integer)
{
    double mag = fmax(fabs(*lo), fabs(*hi));
    if (*hi - *lo > 1e-9 * mag && *hi - *lo > 1e-300)
        return;
    double d = integer ? 1.0 : mag > 1e-6 ? 0.01 * mag : 0.01;
    *lo -= d;
    *hi += d;
}

void plot_axis_fit(struct plot_axis *a, double dmin, double dmax, double len, double pad_lo,
                   double pad_hi)
{
    double inner = len - pad_lo - pad_hi;
    if (inner < 0.3 * len) { /* tiny plots: keep the data visible, squeeze the padding */
        double f = 0.7 * len / (pad_lo + pad_hi);
        pad_lo *= f;
        pad_hi *= f;
        inner = len - pad_lo - pad_hi;
    }
    double per_px = (dmax - dmin) / inner;
    a->lo = dmin - pad_lo * per_px;
    a->hi = dmax + pad_hi * per_px;
}
