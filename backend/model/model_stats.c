/* model_stats.c: per-layer analysis — sparsity, per-unit activation rate, dead units, pre-activation distribution. */
#include "core/backend.h"
#include "clrelu_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Two passes over the widened values: range and counts first, then the histogram over the
 * finite range found. */
clrelu_status clrelu_layer_stats_compute(clrelu_dtype dtype, const void *pre, const void *y, size_t samples,
                                         size_t units, clrelu_layer_stats *out)
{
    if (!out || (samples && units && (!pre || !y)) || (unsigned)dtype >= CLRELU_DTYPE_COUNT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer stats: bad argument");
    memset(out, 0, sizeof *out);
    if (units && samples > SIZE_MAX / units)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "layer stats: %zu x %zu overflows", samples, units);
    clrelu_status st = CLRELU_OK;
    size_t count = samples * units;
    double *p = malloc((count ? count : 1) * sizeof *p), *v = malloc((count ? count : 1) * sizeof *v);
    size_t *active = calloc(units ? units : 1, sizeof *active);
    out->active_rate = calloc(units ? units : 1, sizeof *out->active_rate);
    out->dead = malloc((units ? units : 1) * sizeof *out->dead);
    if (!p || !v || !active || !out->active_rate || !out->dead) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "layer stats: out of memory for %zu values", count);
        goto out;
    }
    clrelu_convert(pre, dtype, p, CLRELU_F64, count);
    clrelu_convert(y, dtype, v, CLRELU_F64, count);
    out->samples = samples;
    out->units = units;
    size_t zeros = 0, finite = 0;
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (v[i] == 0.0)
            zeros++;
        else
            active[i % units]++;
        if (isnan(p[i])) {
            out->nan_count++;
            continue;
        }
        lo = p[i] < lo ? p[i] : lo;
        hi = p[i] > hi ? p[i] : hi;
        sum += p[i];
        finite++;
    }
    out->zero_fraction = count ? (double)zeros / (double)count : 0.0;
    for (size_t u = 0; u < units; u++) {
        out->active_rate[u] = samples ? (double)active[u] / (double)samples : 0.0;
        if (samples && active[u] == 0)
            out->dead[out->n_dead++] = u;
    }
    out->pre_min = finite ? lo : 0.0;
    out->pre_max = finite ? hi : 0.0;
    out->pre_mean = finite ? sum / (double)finite : 0.0;
    double width = (hi - lo) / CLRELU_HIST_BINS;
    for (size_t i = 0; i < count; i++) {
        if (isnan(p[i]))
            continue;
        size_t bin = 0;
        if (width > 0 && isfinite(width)) {
            double k = floor((p[i] - lo) / width);
            bin = k < 0 ? 0 : k >= CLRELU_HIST_BINS ? CLRELU_HIST_BINS - 1 : (size_t)k;
        }
        out->hist[bin]++;
    }
out:
    free(p);
    free(v);
    free(active);
    if (st != CLRELU_OK)
        clrelu_layer_stats_free(out);
    return st;
}

void clrelu_layer_stats_free(clrelu_layer_stats *s)
{
    if (!s)
        return;
    free(s->active_rate);
    free(s->dead);
    memset(s, 0, sizeof *s);
}
