/* model_stats.c: per-layer analysis — sparsity, per-unit activation rate, dead units, pre-activation distribution. */
#include "core/backend.h"
#include "clrelu_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Put the k-th smallest of a[0..n) at a[k], smaller or equal ones before it and larger or equal
 * ones after (Hoare's selection, median-of-three pivot): O(n) on average, no allocation. */
static void select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double x = a[lo], y = a[mid], z = a[hi];
        double pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* The p-quantile of a[from..n) by linear interpolation between order statistics (numpy's
 * default), where a[0..from) are all smaller or equal; reorders a[from..n). */
static double quantile(double *a, size_t n, size_t from, double p)
{
    double h = (double)(n - 1) * p;
    size_t k = (size_t)h;
    select_kth(a + from, n - from, k - from);
    double q = a[k];
    if (k + 1 < n && h > (double)k) {
        double next = a[k + 1];
        for (size_t i = k + 2; i < n; i++)
            next = a[i] < next ? a[i] : next;
        q += (h - (double)k) * (next - q);
    }
    return q;
}

/* The histogram's range: Tukey's fences (Q1 - 1.5 IQR, Q3 + 1.5 IQR) of the finite values,
 * clipped to their min and max, so that a few far values (a dead unit's large negative
 * pre-activations) do not squeeze the bulk into one bin; [min, max] when the fences collapse
 * (IQR 0). fin[0..n) holds the finite values and is reordered. */
static void robust_range(double *fin, size_t n, double min, double max, double *lo, double *hi)
{
    *lo = min;
    *hi = max;
    if (n < 2)
        return;
    double q1 = quantile(fin, n, 0, 0.25);
    double q3 = quantile(fin, n, (size_t)((double)(n - 1) * 0.25), 0.75);
    double iqr = q3 - q1, flo = q1 - 1.5 * iqr, fhi = q3 + 1.5 * iqr;
    if (!(iqr > 0) || !isfinite(flo) || !isfinite(fhi))
        return;
    *lo = flo > min ? flo : min;
    *hi = fhi < max ? fhi : max;
    if (!(*hi > *lo)) {
        *lo = min;
        *hi = max;
    }
}

/* Three passes over the widened values: range and counts first, then the robust range of the
 * finite values, then the histogram over it with the values outside counted. */
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
    /* the outputs are counted: v now holds the finite pre-activations */
    size_t n_fin = 0;
    double fmin = INFINITY, fmax = -INFINITY;
    for (size_t i = 0; i < count; i++)
        if (isfinite(p[i])) {
            v[n_fin++] = p[i];
            fmin = p[i] < fmin ? p[i] : fmin;
            fmax = p[i] > fmax ? p[i] : fmax;
        }
    double hlo = 0.0, hhi = 0.0;
    if (n_fin)
        robust_range(v, n_fin, fmin, fmax, &hlo, &hhi);
    out->hist_lo = hlo;
    out->hist_hi = hhi;
    double width = (hhi - hlo) / CLRELU_HIST_BINS;
    for (size_t i = 0; i < count; i++) {
        if (isnan(p[i]))
            continue;
        if (!n_fin || p[i] < hlo || p[i] > hhi) { /* with no finite value, [0, 0] holds none */
            if (p[i] < hlo)
                out->hist_below++;
            else
                out->hist_above++;
            continue;
        }
        size_t bin = 0;
        if (width > 0 && isfinite(width)) {
            double k = floor((p[i] - hlo) / width);
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
