/* results_verdict.c: medians, robust spreads and the SAME / FASTER / SLOWER rule of compare and history. */
#include "results/results_verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of sorted s[0..n), interpolated at rank 0.5 * (n - 1). */
static double median_sorted(const double *s, int n)
{
    double rank = 0.5 * (n - 1);
    int lo = (int)rank;
    double frac = rank - lo;
    return lo + 1 < n ? s[lo] + frac * (s[lo + 1] - s[lo]) : s[lo];
}

bool clr_results_robust(const double *v, int n, double *median, double *spread)
{
    if (!v || n < 1)
        return false;
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return false;
    double *s = malloc((size_t)n * sizeof *s);
    if (!s)
        return false;
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double m = median_sorted(s, n);
    for (int i = 0; i < n; i++)
        s[i] = fabs(v[i] - m);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double mad = median_sorted(s, n);
    free(s);
    if (!(m > 0))
        return false;
    *median = m;
    *spread = 1.4826 * mad / m;
    return true;
}

static double clean_spread(double s) { return isfinite(s) && s > 0 ? s : 0.0; }

double clr_results_threshold(double spread_a, double spread_b)
{
    double s = fmax(clean_spread(spread_a), clean_spread(spread_b));
    return fmax(CLR_VERDICT_MIN_CHANGE, CLR_VERDICT_SPREAD_FACTOR * s);
}

clr_verdict clr_results_verdict(double median_a, double spread_a, double median_b, double spread_b, double *ratio)
{
    if (ratio)
        *ratio = 0;
    if (!(isfinite(median_a) && median_a > 0 && isfinite(median_b) && median_b > 0))
        return CLR_VERDICT_NONE;
    double r = median_b / median_a;
    if (ratio)
        *ratio = r;
    if (fabs(r - 1.0) <= clr_results_threshold(spread_a, spread_b))
        return CLR_VERDICT_SAME;
    return r > 1.0 ? CLR_VERDICT_SLOWER : CLR_VERDICT_FASTER;
}

const char *clr_verdict_name(clr_verdict v)
{
    switch (v) {
    case CLR_VERDICT_SAME:
        return "SAME";
    case CLR_VERDICT_FASTER:
        return "FASTER";
    case CLR_VERDICT_SLOWER:
        return "SLOWER";
    default:
        return NULL;
    }
}
