/* test_ulp_bounds.c: the smooth ops' error in ulps of the storage format against the double reference, held to the bounds of docs/accuracy.md on every device (every host instruction set through CLRELU_HOST_ISA). */
#include "check.h"
#include "host/host_kernels.h"
#include "oclgrind/quick.h"
#include "ref_compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inputs: float16/bfloat16 every pattern; float32 every 256th pattern of each sign (2^24
 * values covering every binade); 4096 of each in the quick mode (Oclgrind). Backward runs with g = 0.75.
 * Error of one element: |got - want| in ulps of the storage format at max(|want|, floor), want
 * being the double reference rounded to the format. The floor is 1e-6 (below it only the
 * absolute tolerance of ref_compare.c applies) except for the derivatives that cross zero by
 * cancellation (gelu, gelu_tanh, silu backward: two terms of about 0.2 each cancel near
 * x = -0.75 and -1.28), whose floor is 0.1 there: an absolute bound near those zeros. NaN must
 * meet NaN, infinities must be equal, and op(+-0) must have the reference's sign (else the error
 * is infinite); a zero that comes from underflow may have either sign. */
typedef struct {
    const char *op;
    int fwd[3], bwd[3]; /* bound in ulps for float32, float16, bfloat16 */
    double bwd_floor;
} bound;

/* docs/accuracy.md states the same table. */
static const bound bounds[] = {
    {"elu", {2, 1, 1}, {2, 1, 1}, 1e-6},      {"selu", {3, 1, 1}, {4, 1, 1}, 1e-6},
    {"gelu", {10, 1, 1}, {16, 1, 1}, 0.1},    {"gelu_tanh", {40, 1, 1}, {8, 1, 1}, 0.1},
    {"silu", {3, 1, 1}, {4, 1, 1}, 0.1},      {"softplus", {4, 1, 1}, {3, 1, 1}, 1e-6},
    {"sigmoid", {3, 1, 1}, {6, 1, 1}, 1e-6},  {"tanh", {3, 1, 1}, {6, 1, 1}, 1e-6},
};

/* one ulp of format t at magnitude v (normal or subnormal) */
static double ulp_at(clrelu_dtype t, double v)
{
    int mant = t == CLRELU_F32 ? 23 : t == CLRELU_F16 ? 10 : 7;
    int emin = t == CLRELU_F32 ? -126 : t == CLRELU_F16 ? -14 : -126;
    int e = v > 0 ? ilogb(v) : emin;
    return ldexp(1.0, (e < emin ? emin : e) - mant);
}

/* The largest error (see above) over the call's output, and where. */
static double max_ulps(clrelu_dtype t, const void *x, const void *got, const void *exp, size_t n, double floor,
                       size_t *worst)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double e = ref_get(exp, t, i), gv = ref_get(got, t, i), d;
        if (isnan(e) || isnan(gv))
            d = isnan(e) && isnan(gv) ? 0 : INFINITY;
        else if (isinf(e) || isinf(gv))
            d = e == gv ? 0 : INFINITY;
        else if (e == 0 && gv == 0)
            d = ref_get(x, t, i) != 0 || signbit(e) == signbit(gv) ? 0 : INFINITY;
        else
            d = fabs(gv - e) / ulp_at(t, fmax(fabs(e), floor));
        if (d > m)
            m = d, *worst = i;
    }
    return m;
}

static void check_op(clrelu_context *ctx, const clrelu_device *dev, const bound *b, clrelu_dtype t)
{
    /* float32: every step-th pattern (both signs); 16-bit: every step16-th. The quick mode
     * (Oclgrind) takes 4096 of each. */
    size_t step = test_quick() ? (size_t)1 << 20 : 256u, step16 = test_quick() ? 16u : 1u;
    size_t n = t == CLRELU_F32 ? (size_t)(((uint64_t)1 << 32) / step) : 65536u / step16;
    void *x = ref_alloc(t, n), *g = ref_alloc(t, n), *y = ref_alloc(t, n), *exp = ref_alloc(t, n);
    for (size_t i = 0; i < n; i++)
        ref_set_bits(x, t, i, (uint64_t)i * (t == CLRELU_F32 ? step : step16));
    double gv = 0.75;
    for (size_t i = 0; i < n; i++)
        ref_fill((char *)g + i * clrelu_dtype_size(t), t, &gv, 1);
    int ti = t == CLRELU_F32 ? 0 : t == CLRELU_F16 ? 1 : 2;
    for (int dir = 0; dir < 2; dir++) {
        clrelu_op_args a = {.op = b->op, .dtype = t, .count = n, .x = x, .y = y, .grad_output = dir ? g : NULL};
        CHECK_OK(clrelu_run(ctx, dev, &a));
        ref_expected(&a, exp, NULL, NULL);
        size_t worst = 0;
        double m = max_ulps(t, x, y, exp, n, dir ? b->bwd_floor : 1e-6, &worst);
        int limit = dir ? b->bwd[ti] : b->fwd[ti];
        char xs[64], gs[64], es[64];
        printf("  %-10s %-8s %-8s max %5.2f ulp (bound %d) at x=%s: got %s, want %s\n", b->op, clrelu_dtype_name(t),
               dir ? "backward" : "forward", m, limit, ref_format(xs, sizeof xs, x, t, worst),
               ref_format(gs, sizeof gs, y, t, worst), ref_format(es, sizeof es, exp, t, worst));
        CHECK(m <= limit, "%s %s %s on %s: %.2f ulp > bound %d", b->op, clrelu_dtype_name(t), dir ? "backward" : "forward",
              clrelu_device_get_info(dev)->id, m, limit);
    }
    free(x);
    free(g);
    free(y);
    free(exp);
}

int main(void)
{
    const char *isa = getenv("CLRELU_HOST_ISA");
    if (isa && !clr_host_kernel_isa_available(isa)) {
        printf("test_ulp_bounds: this CPU or build has no '%s' host loops; skipped\n", isa);
        return 77;
    }
    clrelu_context *ctx = check_context(NULL);
    for (int di = 0; di < clrelu_device_count(ctx); di++) {
        const clrelu_device *dev = clrelu_device_at(ctx, di);
        const clrelu_device_info *info = clrelu_device_get_info(dev);
        printf("test_ulp_bounds: %s (%s)%s%s\n", info->id, info->name, strcmp(info->id, "host") ? "" : ", loops ",
               strcmp(info->id, "host") ? "" : clr_host_kernel_isa());
        for (size_t o = 0; o < sizeof bounds / sizeof bounds[0]; o++) {
            check_op(ctx, dev, &bounds[o], CLRELU_F32);
            check_op(ctx, dev, &bounds[o], CLRELU_F16);
            check_op(ctx, dev, &bounds[o], CLRELU_BF16);
        }
    }
    clrelu_context_destroy(ctx);
    return check_summary("test_ulp_bounds");
}
