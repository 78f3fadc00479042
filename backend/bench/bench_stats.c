/* bench_stats.c: statistics of raw samples, the bytes-moved convention, and the bench enums' names. */
#include "core/backend.h"
#include "clrelu_bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Linear interpolation between the order statistics around rank q * (n - 1). */
static double quantile(const double *sorted, size_t n, double q)
{
    double r = q * (double)(n - 1);
    size_t lo = (size_t)floor(r), hi = lo + 1 < n ? lo + 1 : lo;
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (r - (double)lo);
}

clrelu_bench_stats clrelu_bench_stats_of(const double *samples, size_t n)
{
    clrelu_bench_stats s;
    memset(&s, 0, sizeof s);
    if (!samples || n == 0)
        return s;
    double *v = malloc(n * sizeof *v);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += samples[i];
    s.mean = sum / (double)n;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (samples[i] - s.mean) * (samples[i] - s.mean);
    s.stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
    s.cv = s.mean != 0 ? s.stddev / s.mean : 0.0;
    if (!v) { /* out of memory: the order statistics from a linear scan, quantiles unavailable */
        s.min = s.max = samples[0];
        for (size_t i = 1; i < n; i++) {
            s.min = samples[i] < s.min ? samples[i] : s.min;
            s.max = samples[i] > s.max ? samples[i] : s.max;
        }
        s.median = s.p95 = s.mean;
        return s;
    }
    memcpy(v, samples, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);
    s.min = v[0];
    s.max = v[n - 1];
    s.median = quantile(v, n, 0.5);
    s.p95 = quantile(v, n, 0.95);
    free(v);
    return s;
}

uint64_t clrelu_bench_bytes_moved(bool backward, size_t elements, clrelu_dtype dtype)
{
    return (uint64_t)(backward ? 3 : 2) * elements * clrelu_dtype_size(dtype);
}

const char *clrelu_bench_case_status_name(clrelu_bench_case_status s)
{
    switch (s) {
    case CLRELU_BENCH_OK: return "ok";
    case CLRELU_BENCH_SKIPPED: return "skipped";
    case CLRELU_BENCH_FAILED: return "failed";
    case CLRELU_BENCH_MISMATCH: return "mismatch";
    }
    return "unknown";
}

const char *clrelu_ceiling_kind_name(clrelu_ceiling_kind k)
{
    switch (k) {
    case CLRELU_CEIL_COPY: return "copy";
    case CLRELU_CEIL_ADD: return "add";
    case CLRELU_CEIL_CLBLAST_COPY: return "clblast_copy";
    case CLRELU_CEIL_EMPTY: return "empty";
    case CLRELU_CEIL_KIND_COUNT: break;
    }
    return "unknown";
}
