/* bench_validate.c: deterministic inputs, reference results and tolerant comparison for the benchmark engine.
 *
 * Tolerances are those of tests/support/ref_compare.c: bit-exact ops compare storage bits (any
 * NaN equals any NaN); the others allow |got - exp| <= atol + rtol * |exp| with rtol 1.3e-6
 * (float32), 1e-3 (float16), 1.6e-2 (bfloat16), 1e-12 (float64) and atol 1e-5 (1e-12 float64).
 * The pattern's gradients are within [-1, 1], so the absolute floor needs no scaling. */
#include "bench/bench_validate.h"

#include <math.h>
#include <string.h>

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void clr_bench_fill(void *buf, clrelu_dtype t, size_t n, int seed)
{
    uint64_t s = (uint64_t)seed * 0x2545f4914f6cdd1dull;
    double chunk[1024];
    size_t es = clrelu_dtype_size(t);
    for (size_t at = 0; at < n; at += 1024) {
        size_t m = n - at < 1024 ? n - at : 1024;
        for (size_t i = 0; i < m; i++) {
            double u = (double)(splitmix(&s) >> 11) * 0x1p-53;
            chunk[i] = seed == 1 ? ((at + i) % 16 == 0 ? 0.0 : -8.0 + 16.0 * u) : -1.0 + 2.0 * u;
        }
        clrelu_convert(chunk, CLRELU_F64, (char *)buf + at * es, t, m);
    }
}

double clr_bench_value(const void *buf, clrelu_dtype t, size_t i)
{
    switch (t) {
    case CLRELU_F32: return ((const float *)buf)[i];
    case CLRELU_F16: return clrelu_half_to_float(((const uint16_t *)buf)[i]);
    case CLRELU_BF16: return clrelu_bf16_to_float(((const uint16_t *)buf)[i]);
    case CLRELU_F64: return ((const double *)buf)[i];
    case CLRELU_DTYPE_COUNT: break;
    }
    return 0.0;
}

static void store(void *buf, clrelu_dtype t, size_t i, double v)
{
    switch (t) {
    case CLRELU_F32: ((float *)buf)[i] = (float)v; break;
    case CLRELU_F16: ((uint16_t *)buf)[i] = clrelu_float_to_half((float)v); break;
    case CLRELU_BF16: ((uint16_t *)buf)[i] = clrelu_float_to_bf16((float)v); break;
    case CLRELU_F64: ((double *)buf)[i] = v; break;
    case CLRELU_DTYPE_COUNT: break;
    }
}

void clr_bench_expected(const struct op_entry *op, clrelu_dtype t, size_t n, const void *x, const void *g,
                    const void *weight, void *y)
{
    double p[CLRELU_MAX_PARAMS];
    clrelu_op_default_params(&op->desc, p);
    if (t != CLRELU_F64)
        for (int k = 0; k < CLRELU_MAX_PARAMS; k++)
            p[k] = (double)(float)p[k];
    if (op->desc.per_channel)
        p[0] = clr_bench_value(weight, t, 0);
    for (size_t i = 0; i < n; i++) {
        double xv = clr_bench_value(x, t, i);
        store(y, t, i, g ? op->backward(xv, clr_bench_value(g, t, i), p) : op->forward(xv, p));
    }
}

static uint64_t bits(const void *buf, size_t es, size_t i)
{
    switch (es) {
    case 2: return ((const uint16_t *)buf)[i];
    case 4: return ((const uint32_t *)buf)[i];
    default: return ((const uint64_t *)buf)[i];
    }
}

static bool element_ok(bool bit_exact, double rtol, double atol, clrelu_dtype t, const void *got, const void *exp,
                       size_t i)
{
    size_t es = clrelu_dtype_size(t);
    if (bits(got, es, i) == bits(exp, es, i))
        return true;
    double gv = clr_bench_value(got, t, i), ev = clr_bench_value(exp, t, i);
    if (isnan(gv) || isnan(ev))
        return isnan(gv) && isnan(ev);
    if (bit_exact || isinf(gv) || isinf(ev))
        return false;
    return fabs(gv - ev) <= atol + rtol * fabs(ev);
}

long clr_bench_compare(const struct op_entry *op, clrelu_dtype t, size_t n, const void *got, const void *exp,
                   size_t *first)
{
    size_t es = clrelu_dtype_size(t);
    if (memcmp(got, exp, n * es) == 0)
        return 0;
    double rtol = t == CLRELU_F32 ? 1.3e-6 : t == CLRELU_F16 ? 1e-3 : t == CLRELU_BF16 ? 1.6e-2 : 1e-12;
    double atol = t == CLRELU_F64 ? 1e-12 : 1e-5;
    long bad = 0;
    for (size_t i = 0; i < n; i++)
        if (!element_ok(op->desc.bit_exact, rtol, atol, t, got, exp, i) && bad++ == 0)
            *first = i;
    return bad;
}
