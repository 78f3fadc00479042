/* ref_compare.c: expected outputs from the reference math, stated tolerances, and run-and-compare for tests.
 *
 * Expected values: every element's input (and upstream gradient) is read exactly, the op table's
 * double-precision reference is applied with the parameters rounded as dispatch rounds them
 * (float for float32/16/bf16, double for float64; prelu's slope from the weight tensor), and the
 * result is stored as a device must store it: float64 as is, other dtypes rounded to float and
 * then to their storage format (round to nearest even).
 *
 * Tolerances, per (op, dtype):
 *   bit-exact ops (desc.bit_exact: relu, leaky_relu, relu6, hardtanh, prelu forward and dL/dx):
 *       storage bit patterns must be equal, on every device and dtype; any NaN equals any NaN.
 *   other ops: |got - exp| <= atol * max(1, |g|) + rtol * |exp|, with g the upstream gradient
 *   (0 for forward: gradients scale linearly with g, so the absolute floor does too). NaN and
 *   inf must match exactly (NaN for NaN, inf of the same sign), with two exceptions where the
 *   double reference cannot predict a float computation: with g = +-inf the result is NaN or inf
 *   depending on whether dy/dx underflowed to 0, so either is accepted (infs of opposite sign are
 *   not); and when |exp| is within a factor 16 of the compute type's largest value (FLT_MAX, or
 *   DBL_MAX for float64), an inf of the same sign is accepted (an intermediate overflowed).
 *       float32   rtol 1.3e-6  atol 1e-5   PyTorch's own float32 tolerance (about 11 ulp). OpenCL
 *                                           allows exp/tanh/erfc 3-16 ulp; PoCL's CPU device passes
 *                                           at this floor on every op except gelu_tanh (whose
 *                                           failures are real errors, not ulps), so it is kept.
 *       float16   rtol 1e-3    atol 1e-5   one half ulp is at most 2^-10 = 9.8e-4 relative
 *       bfloat16  rtol 1.6e-2  atol 1e-5   one bfloat16 ulp is at most 2^-7 = 7.8e-3 relative
 *       float64   rtol 1e-12   atol 1e-12
 *   prelu dL/dweight (a sum over the channel, in any order): the element tolerance above on the
 *   stored sum plus sum_rtol * sum|x*g| of the channel, sum_rtol 1e-4 when accumulated in float
 *   (float32/16/bf16) and 1e-12 for float64.
 */
#include "ref_compare.h"
#include "check.h"
#include "core/ops.h"
#include "core/backend.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ref_tol ref_tolerance(const clrelu_op_desc *op, clrelu_dtype dtype, bool backward)
{
    (void)backward;
    ref_tol t = {false, 1.3e-6, 1e-5, 1e-4};
    switch (dtype) {
    case CLRELU_F32: t.rtol = 1.3e-6; break;
    case CLRELU_F16: t.rtol = 1e-3; break;
    case CLRELU_BF16: t.rtol = 1.6e-2; break;
    case CLRELU_F64: t.rtol = 1e-12; t.atol = 1e-12; t.sum_rtol = 1e-12; break;
    case CLRELU_DTYPE_COUNT: break;
    }
    t.bit_exact = op->bit_exact;
    return t;
}

void *ref_alloc(clrelu_dtype t, size_t n)
{
    void *p = calloc(n ? n : 1, clrelu_dtype_size(t));
    if (!p) {
        fprintf(stderr, "ref_alloc: out of memory (%zu elements)\n", n);
        exit(1);
    }
    return p;
}

void ref_fill(void *buf, clrelu_dtype t, const double *values, size_t n)
{
    clrelu_convert(values, CLRELU_F64, buf, t, n);
}

double ref_get(const void *buf, clrelu_dtype t, size_t i)
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

uint64_t ref_bits(const void *buf, clrelu_dtype t, size_t i)
{
    switch (clrelu_dtype_size(t)) {
    case 2: return ((const uint16_t *)buf)[i];
    case 4: return ((const uint32_t *)buf)[i];
    case 8: return ((const uint64_t *)buf)[i];
    }
    return 0;
}

void ref_set_bits(void *buf, clrelu_dtype t, size_t i, uint64_t bits)
{
    switch (clrelu_dtype_size(t)) {
    case 2: ((uint16_t *)buf)[i] = (uint16_t)bits; break;
    case 4: ((uint32_t *)buf)[i] = (uint32_t)bits; break;
    case 8: ((uint64_t *)buf)[i] = bits; break;
    }
}

bool ref_bits_are_nan(clrelu_dtype t, uint64_t bits)
{
    switch (t) {
    case CLRELU_F32: return (bits & 0x7fffffffu) > 0x7f800000u;
    case CLRELU_F16: return (bits & 0x7fffu) > 0x7c00u;
    case CLRELU_BF16: return (bits & 0x7fffu) > 0x7f80u;
    case CLRELU_F64: return (bits & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
    case CLRELU_DTYPE_COUNT: break;
    }
    return false;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return (double)(splitmix(s) >> 11) * 0x1p-53; }

void ref_random_values(double *v, size_t n, uint64_t seed, clrelu_dtype t)
{
    uint64_t s = seed * 0x2545f4914f6cdd1dull + 1;
    double max_exp10 = t == CLRELU_F16 ? 4.5 : 30.0; /* largest magnitudes used: 3e4 / 1e30 */
    for (size_t i = 0; i < n; i++) {
        double kind = uniform(&s);
        double sign = uniform(&s) < 0.5 ? -1.0 : 1.0;
        if (kind < 0.85)
            v[i] = -8.0 + 16.0 * uniform(&s);
        else if (kind < 0.88)
            v[i] = sign * 0.0;
        else if (kind < 0.93)
            v[i] = sign * pow(10.0, -6.0 * uniform(&s)) * 1e-1; /* near zero */
        else
            v[i] = sign * pow(10.0, 1.0 + (max_exp10 - 1.0) * uniform(&s));
    }
}

void ref_prelu_layout(const clrelu_op_args *a, size_t *channels, size_t *inner)
{
    *channels = 1;
    *inner = a->count ? a->count : 1;
    if (a->shape && a->rank >= 2) {
        *channels = a->shape[1];
        size_t in = 1;
        for (int d = 2; d < a->rank; d++)
            in *= a->shape[d];
        *inner = in;
    }
}

/* Store like a device: float64 as is, else to float then to storage. */
static void store(void *buf, clrelu_dtype t, size_t i, double v)
{
    double one = t == CLRELU_F64 ? v : (double)(float)v;
    clrelu_convert(&one, CLRELU_F64, (char *)buf + i * clrelu_dtype_size(t), t, 1);
}

void ref_expected(const clrelu_op_args *a, void *y, void *grad_weight, double *gw_abs_sum)
{
    const struct op_entry *op = clr_op_entry_of(clrelu_op_find(a->op));
    double p[CLRELU_MAX_PARAMS];
    clrelu_op_default_params(&op->desc, p);
    if (a->params)
        memcpy(p, a->params, sizeof p[0] * (size_t)op->desc.n_params);
    if (a->dtype != CLRELU_F64)
        for (int k = 0; k < CLRELU_MAX_PARAMS; k++)
            p[k] = (double)(float)p[k];
    size_t channels = 1, inner = 1;
    double *gw = NULL;
    if (op->desc.per_channel) {
        ref_prelu_layout(a, &channels, &inner);
        if (a->grad_output && grad_weight) {
            gw = calloc(channels ? channels : 1, sizeof *gw);
            if (!gw) {
                fprintf(stderr, "ref_expected: out of memory\n");
                exit(1);
            }
            for (size_t c = 0; c < channels; c++)
                gw_abs_sum[c] = 0.0;
        }
    }
    for (size_t i = 0; i < a->count; i++) {
        double x = ref_get(a->x, a->dtype, i);
        size_t c = 0;
        if (op->desc.per_channel) {
            c = (i / inner) % channels;
            p[0] = ref_get(a->weight, a->dtype, c);
        }
        if (a->grad_output) {
            double g = ref_get(a->grad_output, a->dtype, i);
            store(y, a->dtype, i, op->backward(x, g, p));
            if (gw && !(x > 0)) {
                gw[c] += x * g;
                gw_abs_sum[c] += fabs(x * g);
            }
        } else {
            store(y, a->dtype, i, op->forward(x, p));
        }
    }
    if (gw)
        for (size_t c = 0; c < channels; c++)
            store(grad_weight, a->dtype, c, gw[c]);
    free(gw);
}

/* Largest finite value of the type a dtype is computed in (float for all but float64). */
static double compute_max(clrelu_dtype t) { return t == CLRELU_F64 ? DBL_MAX : FLT_MAX; }

static bool values_ok(const ref_tol *tol, clrelu_dtype t, double got, double exp, double g, double extra)
{
    if (isinf(g))
        /* inf * dy/dx: NaN or inf depending on whether the derivative underflowed to 0 */
        return (isnan(got) || isinf(got)) && !(isinf(got) && isinf(exp) && got != exp);
    if (isnan(exp) || isnan(got))
        return isnan(exp) && isnan(got);
    if (isinf(got) && !isinf(exp) && fabs(exp) >= compute_max(t) / 16 && signbit(got) == signbit(exp))
        return true; /* an intermediate product overflowed the compute type */
    if (isinf(exp) || isinf(got))
        return got == exp;
    double scale = fabs(g) > 1.0 ? fabs(g) : 1.0;
    return fabs(got - exp) <= tol->atol * scale + tol->rtol * fabs(exp) + extra;
}

bool ref_element_ok(const ref_tol *tol, clrelu_dtype t, const void *got, const void *exp, size_t i, double g)
{
    uint64_t gb = ref_bits(got, t, i), eb = ref_bits(exp, t, i);
    if (tol->bit_exact)
        return gb == eb || (ref_bits_are_nan(t, gb) && ref_bits_are_nan(t, eb));
    return values_ok(tol, t, ref_get(got, t, i), ref_get(exp, t, i), isnan(g) ? 0.0 : g, 0.0);
}

const char *ref_format(char *out, size_t size, const void *buf, clrelu_dtype t, size_t i)
{
    int digits = t == CLRELU_F64 ? 17 : 9;
    snprintf(out, size, "%.*g (0x%0*" PRIx64 ")", digits, ref_get(buf, t, i), (int)clrelu_dtype_size(t) * 2,
             ref_bits(buf, t, i));
    return out;
}

/* Mismatch lines printed per process: enough to diagnose, not a flood ($REF_MAX_REPORTS overrides). */
static int reports_left = -1;

static void report(const char *label, const clrelu_op_args *a, const clrelu_device *dev, const char *what,
                   size_t i, const void *x, const void *g, const void *got, const void *exp)
{
    if (reports_left < 0) {
        const char *env = getenv("REF_MAX_REPORTS");
        reports_left = env ? atoi(env) + 1 : 41;
    }
    if (reports_left <= 0)
        return;
    if (--reports_left == 0)
        fprintf(stderr, "(further mismatches not printed)\n");
    char xs[64], gs[64] = "", got_s[64], exp_s[64];
    ref_format(xs, sizeof xs, x, a->dtype, i);
    if (g)
        ref_format(gs, sizeof gs, g, a->dtype, i);
    fprintf(stderr, "MISMATCH %s: op=%s dtype=%s %s device=%s (%s) %s[%zu] x=%s%s%s got=%s expected=%s\n", label,
            a->op, clrelu_dtype_name(a->dtype), a->grad_output ? "bwd" : "fwd", clrelu_device_get_info(dev)->id,
            clrelu_device_get_info(dev)->name, what, i, xs, g ? " g=" : "", gs,
            ref_format(got_s, sizeof got_s, got, a->dtype, i), ref_format(exp_s, sizeof exp_s, exp, a->dtype, i));
}

static void *dup_buffer(const void *src, clrelu_dtype t, size_t n)
{
    void *p = ref_alloc(t, n);
    if (src && n)
        memcpy(p, src, n * clrelu_dtype_size(t));
    return p;
}

long ref_run_check(clrelu_context *ctx, const clrelu_device *dev, const clrelu_op_args *a, ref_placement where,
                   const char *label)
{
    size_t n = a->count, es = clrelu_dtype_size(a->dtype);
    const clrelu_device_info *info = clrelu_device_get_info(dev);
    bool backward = a->grad_output != NULL;
    const clrelu_op_desc *desc = clrelu_op_find(a->op);
    ref_tol tol = ref_tolerance(desc, a->dtype, backward);
    size_t channels = 1, inner = 1;
    if (desc->per_channel)
        ref_prelu_layout(a, &channels, &inner);

    void *x = dup_buffer(a->x, a->dtype, n), *x_orig = dup_buffer(a->x, a->dtype, n);
    void *g = backward ? dup_buffer(a->grad_output, a->dtype, n) : NULL;
    void *g_orig = backward ? dup_buffer(a->grad_output, a->dtype, n) : NULL;
    void *exp_y = ref_alloc(a->dtype, n), *exp_gw = ref_alloc(a->dtype, channels);
    double *gw_abs = calloc(channels ? channels : 1, sizeof *gw_abs);
    void *gw = a->grad_weight && backward ? ref_alloc(a->dtype, channels) : NULL;
    void *y_fresh = where == REF_OUT_OF_PLACE ? ref_alloc(a->dtype, n) : NULL;
    if (!gw_abs) {
        fprintf(stderr, "ref_run_check: out of memory\n");
        exit(1);
    }
    clrelu_op_args r = *a;
    r.x = x;
    r.grad_output = g;
    r.grad_weight = gw;
    ref_expected(&r, exp_y, gw ? exp_gw : NULL, gw_abs);
    if (y_fresh)
        memset(y_fresh, 0xa5, n * es); /* a pattern no correct result leaves behind unnoticed */
    if (gw)
        memset(gw, 0xa5, channels * es);
    r.y = where == REF_IN_PLACE_X ? x : where == REF_IN_PLACE_G ? g : y_fresh;
    void *got = r.y;

    long bad = 0;
    clrelu_status st = clrelu_run(ctx, dev, &r);
    CHECK(st == CLRELU_OK, "%s: %s %s %s on %s: %s: %s", label, a->op, clrelu_dtype_name(a->dtype),
          backward ? "bwd" : "fwd", info->id, clrelu_status_name(st), clrelu_last_error());
    if (st != CLRELU_OK) {
        bad = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        double gv = backward ? ref_get(g_orig, a->dtype, i) : 0.0;
        if (!ref_element_ok(&tol, a->dtype, got, exp_y, i, gv)) {
            report(label, a, dev, "y", i, x_orig, g_orig, got, exp_y);
            bad++;
        }
    }
    CHECK(bad == 0, "%s: %s %s %s on %s (%s): %ld of %zu elements differ from the reference", label, a->op,
          clrelu_dtype_name(a->dtype), backward ? "bwd" : "fwd", info->id,
          where == REF_OUT_OF_PLACE ? "out of place" : "in place", bad, n);
    if (where == REF_OUT_OF_PLACE) {
        CHECK(n == 0 || memcmp(x, x_orig, n * es) == 0, "%s: %s on %s modified its input x", label, a->op, info->id);
        CHECK(!backward || n == 0 || memcmp(g, g_orig, n * es) == 0, "%s: %s on %s modified grad_output", label,
              a->op, info->id);
    }
    if (gw && n) {
        long gw_bad = 0;
        for (size_t c = 0; c < channels; c++) {
            bool ok = values_ok(&tol, a->dtype, ref_get(gw, a->dtype, c), ref_get(exp_gw, a->dtype, c), 0.0,
                                tol.sum_rtol * gw_abs[c]);
            if (!ok) {
                char got_s[64], exp_s[64];
                if (reports_left-- > 0)
                    fprintf(stderr, "MISMATCH %s: prelu %s grad_weight[%zu] on %s: got %s expected %s (sum|x*g| %g)\n",
                            label, clrelu_dtype_name(a->dtype), c, info->id, ref_format(got_s, sizeof got_s, gw, a->dtype, c),
                            ref_format(exp_s, sizeof exp_s, exp_gw, a->dtype, c), gw_abs[c]);
                gw_bad++;
            }
        }
        CHECK(gw_bad == 0, "%s: prelu %s grad_weight on %s: %ld of %zu channels differ", label,
              clrelu_dtype_name(a->dtype), info->id, gw_bad, channels);
        bad += gw_bad;
    }
out:
    free(x);
    free(x_orig);
    free(g);
    free(g_orig);
    free(exp_y);
    free(exp_gw);
    free(gw_abs);
    free(gw);
    free(y_fresh);
    return bad;
}
