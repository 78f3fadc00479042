/* svg_plot.c: write a sweep's GB/s-vs-size log-log chart as a standalone SVG file. */
#include "svg_plot.h"

#include <math.h>
#include <string.h>

#define W 900
#define H 520
#define LEFT 70
#define RIGHT 260
#define TOP 30
#define BOTTOM 50
#define MAX_SERIES 64

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                      "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};

typedef struct {
    double xmin, xmax, ymin, ymax;
} bounds;

static double px(const bounds *b, double x)
{
    return LEFT + (log10(x) - log10(b->xmin)) / (log10(b->xmax) - log10(b->xmin)) * (W - LEFT - RIGHT);
}

static double py(const bounds *b, double y)
{
    return H - BOTTOM - (log10(y) - log10(b->ymin)) / (log10(b->ymax) - log10(b->ymin)) * (H - TOP - BOTTOM);
}

static void series_name(const clrelu_bench_result *r, const clrelu_bench_case *c, char *buf, size_t size)
{
    snprintf(buf, size, "%s %s %s %s %s", r->devices[c->device].id, c->op, clrelu_dtype_name(c->dtype),
             c->backward ? "backward" : "forward", c->in_place ? "in" : "out");
}

static void ceiling_name(const clrelu_bench_result *r, const clrelu_bench_ceiling *c, char *buf, size_t size)
{
    snprintf(buf, size, "%s copy %s", r->devices[c->device].id, clrelu_dtype_name(c->dtype));
}

static double tensor_bytes(size_t elements, clrelu_dtype t) { return (double)elements * (double)clrelu_dtype_size(t); }

/* Bounds over every plotted point, widened to whole decades. */
static bounds plot_bounds(const clrelu_bench_result *r)
{
    bounds b = {INFINITY, 0, INFINITY, 0};
    for (int i = 0; i < r->n_cases; i++) {
        const clrelu_bench_case *c = &r->cases[i];
        if (c->n_samples == 0 || !(c->gbps_median > 0))
            continue;
        double x = tensor_bytes(c->elements, c->dtype);
        b.xmin = fmin(b.xmin, x), b.xmax = fmax(b.xmax, x);
        b.ymin = fmin(b.ymin, c->gbps_median), b.ymax = fmax(b.ymax, c->gbps_median);
    }
    for (int i = 0; i < r->n_ceilings; i++) {
        const clrelu_bench_ceiling *c = &r->ceilings[i];
        if (c->kind == CLRELU_CEIL_COPY && c->status == CLRELU_BENCH_OK && c->gbps_median > 0)
            b.ymin = fmin(b.ymin, c->gbps_median), b.ymax = fmax(b.ymax, c->gbps_median);
    }
    if (!(b.xmax > 0))
        b = (bounds){1024, 1 << 20, 0.1, 10};
    b.xmin = pow(10, floor(log10(b.xmin)));
    b.xmax = pow(10, ceil(log10(b.xmax)));
    if (b.xmax <= b.xmin)
        b.xmax = b.xmin * 10;
    b.ymin = pow(10, floor(log10(b.ymin)));
    b.ymax = pow(10, ceil(log10(b.ymax)));
    if (b.ymax <= b.ymin)
        b.ymax = b.ymin * 10;
    return b;
}

static void axes(FILE *out, const bounds *b)
{
    fprintf(out, "<g class=\"axes\" stroke=\"#888\" font-size=\"11\" font-family=\"sans-serif\">\n");
    for (double x = b->xmin; x <= b->xmax * 1.0001; x *= 10) {
        double X = px(b, x);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>", X, TOP, X, H - BOTTOM);
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\">1e%.0f</text>\n", X,
                H - BOTTOM + 16, log10(x));
    }
    for (double y = b->ymin; y <= b->ymax * 1.0001; y *= 10) {
        double Y = py(b, y);
        fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>", LEFT, Y, W - RIGHT, Y);
        fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" stroke=\"none\">%g</text>\n", LEFT - 6, Y + 4, y);
    }
    fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\"/>\n", LEFT, TOP, W - LEFT - RIGHT,
            H - TOP - BOTTOM);
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\">tensor size (bytes)</text>\n",
            (LEFT + W - RIGHT) / 2, H - 12);
    fprintf(out, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\" transform=\"rotate(-90 16 %d)\">GB/s "
                 "(median, device time)</text>\n</g>\n", (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2);
}

static void legend(FILE *out, int slot, const char *color, bool dashed, const char *name)
{
    int y = TOP + 10 + slot * 18;
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>", W - RIGHT + 12, y,
            W - RIGHT + 36, y, color, dashed ? " stroke-dasharray=\"6 4\"" : "");
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-family=\"sans-serif\">%s</text>\n", W - RIGHT + 42,
            y + 4, name);
}

bool svg_plot_write(FILE *out, const clrelu_bench_result *r)
{
    bounds b = plot_bounds(r);
    char names[MAX_SERIES][160];
    int n_series = 0, slot = 0;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                 "height=\"%d\" viewBox=\"0 0 %d %d\">\n<title>clrelu bench %s</title>\n"
                 "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            W, H, W, H, r->timestamp);
    axes(out, &b);
    /* series in order of first appearance; cases of a series are in size order within the sweep */
    for (int i = 0; i < r->n_cases && n_series < MAX_SERIES; i++) {
        char name[160];
        const clrelu_bench_case *c = &r->cases[i];
        if (c->n_samples == 0 || !(c->gbps_median > 0))
            continue;
        series_name(r, c, name, sizeof name);
        bool seen = false;
        for (int k = 0; k < n_series; k++)
            seen |= strcmp(names[k], name) == 0;
        if (seen)
            continue;
        snprintf(names[n_series], sizeof names[n_series], "%s", name);
        const char *color = palette[n_series % 10];
        fprintf(out, "<polyline class=\"series\" data-series=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                name, color);
        for (int j = i; j < r->n_cases; j++) {
            char other[160];
            const clrelu_bench_case *d = &r->cases[j];
            series_name(r, d, other, sizeof other);
            if (d->n_samples && d->gbps_median > 0 && !strcmp(other, name))
                fprintf(out, "%.1f,%.1f ", px(&b, tensor_bytes(d->elements, d->dtype)), py(&b, d->gbps_median));
        }
        fprintf(out, "\"/>\n");
        for (int j = i; j < r->n_cases; j++) {
            char other[160];
            const clrelu_bench_case *d = &r->cases[j];
            series_name(r, d, other, sizeof other);
            if (d->n_samples && d->gbps_median > 0 && !strcmp(other, name))
                fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s n=%zu: %.3g GB/s, median %.4g us</title></circle>\n",
                        px(&b, tensor_bytes(d->elements, d->dtype)), py(&b, d->gbps_median), color, name, d->elements,
                        d->gbps_median, d->kernel.median / 1e3);
        }
        legend(out, slot++, color, false, name);
        n_series++;
    }
    /* copy ceilings: one dashed line per device and dtype */
    char seen_ceil[MAX_SERIES][160];
    int n_ceil = 0;
    for (int i = 0; i < r->n_ceilings && n_ceil < MAX_SERIES; i++) {
        const clrelu_bench_ceiling *c = &r->ceilings[i];
        if (c->kind != CLRELU_CEIL_COPY || c->status != CLRELU_BENCH_OK || !(c->gbps_median > 0))
            continue;
        char name[160];
        ceiling_name(r, c, name, sizeof name);
        bool seen = false;
        for (int k = 0; k < n_ceil; k++)
            seen |= strcmp(seen_ceil[k], name) == 0;
        if (seen)
            continue;
        snprintf(seen_ceil[n_ceil++], sizeof seen_ceil[0], "%s", name);
        const char *color = palette[(n_series + n_ceil - 1) % 10];
        fprintf(out, "<polyline class=\"ceiling\" data-series=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                     "stroke-dasharray=\"6 4\" points=\"", name, color);
        for (int j = i; j < r->n_ceilings; j++) {
            const clrelu_bench_ceiling *d = &r->ceilings[j];
            char other[160];
            ceiling_name(r, d, other, sizeof other);
            if (d->kind == CLRELU_CEIL_COPY && d->status == CLRELU_BENCH_OK && d->gbps_median > 0 && !strcmp(other, name))
                fprintf(out, "%.1f,%.1f ", px(&b, tensor_bytes(d->elements, d->dtype)), py(&b, d->gbps_median));
        }
        fprintf(out, "\"/>\n");
        legend(out, slot++, color, true, name);
    }
    fprintf(out, "</svg>\n");
    return !ferror(out);
}
