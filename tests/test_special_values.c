/* test_special_values.c: NaN, +-inf, +-0, subnormals and extremes through every op on every device, and PyTorch's answers for them. */
#include "check.h"
#include "oclgrind/quick.h"
#include "ref_compare.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_SPECIALS 64

/* The special bit patterns of dtype t (stored in buf), followed by ordinary values near the
 * ops' break points. Returns the count. */
static size_t special_values(clrelu_dtype t, void *buf)
{
    static const uint64_t f32[] = {0x7fc00000, 0xffc00000, 0x7f800000, 0xff800000, 0x00000000, 0x80000000,
                                   0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000,
                                   0x7f7fffff, 0xff7fffff, 0x7fa00000 /* signalling NaN */};
    static const uint64_t f16[] = {0x7e00, 0xfe00, 0x7c00, 0xfc00, 0x0000, 0x8000, 0x0001, 0x8001,
                                   0x03ff, 0x83ff, 0x0400, 0x8400, 0x7bff, 0xfbff, 0x7d00};
    static const uint64_t bf16[] = {0x7fc0, 0xffc0, 0x7f80, 0xff80, 0x0000, 0x8000, 0x0001, 0x8001,
                                    0x007f, 0x807f, 0x0080, 0x8080, 0x7f7f, 0xff7f, 0x7fa0};
    static const uint64_t f64[] = {0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000000ull,
                                   0xfff0000000000000ull, 0, 0x8000000000000000ull, 1, 0x8000000000000001ull,
                                   0x000fffffffffffffull, 0x800fffffffffffffull, 0x0010000000000000ull,
                                   0x8010000000000000ull, 0x7fefffffffffffffull, 0xffefffffffffffffull,
                                   0x47efffffe0000000ull /* FLT_MAX */, 0xc7efffffe0000000ull};
    static const double ordinary[] = {1.0, -1.0, 6.0, -6.0, 0.5, 20.0, -20.0, 100.0, -100.0, 88.75, -88.75,
                                      1e-30, -1e-30, 5.9999, 6.0001, -1.0001, 1e-7, -3.0e4};
    const uint64_t *bits = t == CLRELU_F32 ? f32 : t == CLRELU_F16 ? f16 : t == CLRELU_BF16 ? bf16 : f64;
    size_t nb = t == CLRELU_F64 ? sizeof f64 / sizeof f64[0] : sizeof f32 / sizeof f32[0];
    size_t n = 0;
    for (size_t i = 0; i < nb; i++)
        ref_set_bits(buf, t, n++, bits[i]);
    size_t es = clrelu_dtype_size(t);
    ref_fill((char *)buf + n * es, t, ordinary, sizeof ordinary / sizeof ordinary[0]);
    return n + sizeof ordinary / sizeof ordinary[0];
}

/* Every special input, forward and backward with several upstream gradients (finite, zero,
 * NaN, inf), compared with the reference on dev. */
static void all_ops_against_reference(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype t)
{
    _Alignas(8) char xbuf[MAX_SPECIALS * 8], gbuf[MAX_SPECIALS * 8], wbuf[8], gwbuf[8];
    size_t n = special_values(t, xbuf);
    static const double gvals[] = {1.0, -0.75, 0.0, -0.0, NAN, INFINITY, -INFINITY, 3.0e4};
    double slope = 0.25;
    ref_fill(wbuf, t, &slope, 1);
    for (int o = 0; o < clrelu_op_count(); o++) {
        const clrelu_op_desc *op = clrelu_op_get(o);
        clrelu_op_args a = {.op = op->name, .dtype = t, .count = n, .x = xbuf};
        if (op->per_channel)
            a.weight = wbuf;
        ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, "special values");
        a.grad_output = gbuf;
        if (op->per_channel)
            a.grad_weight = gwbuf;
        for (size_t k = 0; k < sizeof gvals / sizeof gvals[0]; k++) {
            double gv[MAX_SPECIALS];
            for (size_t i = 0; i < n; i++)
                gv[i] = gvals[k];
            ref_fill(gbuf, t, gv, n);
            char label[64];
            snprintf(label, sizeof label, "special values, g=%g", gvals[k]);
            ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, label);
        }
        /* the special values as g too, against x = 1 and x = -1 */
        double ones[MAX_SPECIALS];
        for (int sign = -1; sign <= 1; sign += 2) {
            for (size_t i = 0; i < n; i++)
                ones[i] = sign;
            _Alignas(8) char xs[MAX_SPECIALS * 8];
            ref_fill(xs, t, ones, n);
            special_values(t, gbuf);
            clrelu_op_args b = a;
            b.x = xs;
            ref_run_check(ctx, dev, &b, REF_OUT_OF_PLACE, "special values as g");
        }
    }
}

/* One element through op on dev: forward when g is NULL. Returns the stored result as double
 * and its bit pattern in *bits. */
static double run1(clrelu_context *ctx, const clrelu_device *dev, const char *op, clrelu_dtype t, double x,
                   const double *g, const double *params, uint64_t *bits)
{
    _Alignas(8) char xb[8], gb[8], yb[8], wb[8];
    double slope = 0.25;
    ref_fill(xb, t, &x, 1);
    ref_fill(wb, t, &slope, 1);
    if (g)
        ref_fill(gb, t, g, 1);
    clrelu_op_args a = {.op = op, .dtype = t, .count = 1, .x = xb, .y = yb, .grad_output = g ? gb : NULL,
                        .params = params, .weight = wb};
    memset(yb, 0x5a, sizeof yb);
    CHECK_OK(clrelu_run(ctx, dev, &a));
    if (bits)
        *bits = ref_bits(yb, t, 0);
    return ref_get(yb, t, 0);
}

/* PyTorch's documented/observed results at special points, checked literally. */
static void pytorch_facts(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype t)
{
    const char *id = clrelu_device_get_info(dev)->id, *tn = clrelu_dtype_name(t);
    uint64_t bits;
    double one = 1.0, half = 0.5, nan_g = NAN;
    double r = run1(ctx, dev, "relu", t, NAN, NULL, NULL, NULL);
    CHECK(isnan(r), "relu(NaN) = %.9g on %s %s, want NaN", r, id, tn);
    r = run1(ctx, dev, "relu", t, -0.0, NULL, NULL, &bits);
    CHECK(r == 0 && signbit(r), "relu(-0.0) = %g (bits %llx) on %s %s, want -0.0", r, (unsigned long long)bits, id,
          tn);
    r = run1(ctx, dev, "relu", t, -INFINITY, NULL, NULL, NULL);
    CHECK(r == 0 && !signbit(r), "relu(-inf) = %.9g on %s %s, want 0", r, id, tn);
    r = run1(ctx, dev, "relu", t, INFINITY, NULL, NULL, NULL);
    CHECK(isinf(r) && r > 0, "relu(inf) = %.9g on %s %s", r, id, tn);
    r = run1(ctx, dev, "relu", t, 0.0, &one, NULL, NULL);
    CHECK(r == 0, "relu'(0) = %.9g on %s %s, want 0", r, id, tn);
    r = run1(ctx, dev, "relu", t, -0.0, &one, NULL, NULL);
    CHECK(r == 0, "relu'(-0) = %.9g on %s %s, want 0", r, id, tn);
    r = run1(ctx, dev, "relu", t, NAN, &half, NULL, NULL);
    CHECK(r == 0.5, "relu backward at NaN passes g: got %g on %s %s", r, id, tn);
    r = run1(ctx, dev, "relu", t, 2.0, &nan_g, NULL, NULL);
    CHECK(isnan(r), "relu backward passes a NaN gradient: got %g on %s %s", r, id, tn);
    r = run1(ctx, dev, "leaky_relu", t, -INFINITY, NULL, NULL, NULL);
    CHECK(isinf(r) && r < 0, "leaky_relu(-inf) = %.9g on %s %s, want -inf", r, id, tn);
    r = run1(ctx, dev, "leaky_relu", t, NAN, NULL, NULL, NULL);
    CHECK(isnan(r), "leaky_relu(NaN) = %.9g on %s %s", r, id, tn);
    r = run1(ctx, dev, "hardtanh", t, NAN, NULL, NULL, NULL);
    CHECK(isnan(r), "hardtanh(NaN) = %.9g on %s %s, want NaN", r, id, tn);
    r = run1(ctx, dev, "relu6", t, NAN, NULL, NULL, NULL);
    CHECK(isnan(r), "relu6(NaN) = %.9g on %s %s, want NaN", r, id, tn);
    r = run1(ctx, dev, "relu6", t, INFINITY, NULL, NULL, NULL);
    CHECK(r == 6.0, "relu6(inf) = %.9g on %s %s, want 6", r, id, tn);
    r = run1(ctx, dev, "relu6", t, 6.0, &one, NULL, NULL);
    CHECK(r == 0, "relu6'(6) = %.9g on %s %s, want 0", r, id, tn);
    r = run1(ctx, dev, "sigmoid", t, -INFINITY, NULL, NULL, NULL);
    CHECK(r == 0, "sigmoid(-inf) = %.9g on %s %s, want 0", r, id, tn);
    r = run1(ctx, dev, "sigmoid", t, INFINITY, NULL, NULL, NULL);
    CHECK(r == 1, "sigmoid(inf) = %.9g on %s %s, want 1", r, id, tn);
    r = run1(ctx, dev, "tanh", t, INFINITY, NULL, NULL, NULL);
    CHECK(r == 1, "tanh(inf) = %.9g on %s %s, want 1", r, id, tn);
    r = run1(ctx, dev, "tanh", t, -INFINITY, NULL, NULL, NULL);
    CHECK(r == -1, "tanh(-inf) = %.9g on %s %s, want -1", r, id, tn);
    r = run1(ctx, dev, "softplus", t, INFINITY, NULL, NULL, NULL);
    CHECK(isinf(r) && r > 0, "softplus(inf) = %.9g on %s %s, want inf", r, id, tn);
    r = run1(ctx, dev, "softplus", t, -INFINITY, NULL, NULL, NULL);
    CHECK(r == 0, "softplus(-inf) = %.9g on %s %s, want 0", r, id, tn);
    r = run1(ctx, dev, "elu", t, -INFINITY, NULL, NULL, NULL);
    CHECK(r == -1.0, "elu(-inf) = %.9g on %s %s, want -alpha = -1", r, id, tn);
    double alpha[] = {0.5};
    r = run1(ctx, dev, "elu", t, -INFINITY, NULL, alpha, NULL);
    CHECK(r == -0.5, "elu(-inf, alpha=0.5) = %.9g on %s %s, want -0.5", r, id, tn);
    r = run1(ctx, dev, "silu", t, -INFINITY, NULL, NULL, NULL);
    CHECK(isnan(r), "silu(-inf) = %.9g on %s %s, want NaN (-inf * 0, as PyTorch)", r, id, tn);
    r = run1(ctx, dev, "silu", t, INFINITY, NULL, NULL, NULL);
    CHECK(isinf(r) && r > 0, "silu(inf) = %.9g on %s %s, want inf", r, id, tn);
    r = run1(ctx, dev, "gelu", t, INFINITY, NULL, NULL, NULL);
    CHECK(isinf(r) && r > 0, "gelu(inf) = %.9g on %s %s, want inf", r, id, tn);
    r = run1(ctx, dev, "gelu_tanh", t, INFINITY, NULL, NULL, NULL);
    CHECK(isinf(r) && r > 0, "gelu_tanh(inf) = %.9g on %s %s, want inf", r, id, tn);
    r = run1(ctx, dev, "prelu", t, -INFINITY, NULL, NULL, NULL);
    CHECK(isinf(r) && r < 0, "prelu(-inf, slope 0.25) = %.9g on %s %s, want -inf", r, id, tn);
}

int main(void)
{
    /* the quick run: the same values, in a context with small chunks (tests/oclgrind/quick.h) */
    clrelu_context_options opts = {.max_chunk_bytes = test_quick() ? QUICK_CHUNK_BYTES : 0};
    clrelu_context *ctx = check_context(&opts);
    for (int di = 0; di < clrelu_device_count(ctx); di++) {
        const clrelu_device *dev = clrelu_device_at(ctx, di);
        const clrelu_device_info *info = clrelu_device_get_info(dev);
        printf("test_special_values: %s (%s)\n", info->id, info->name);
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
            if (!info->dtype_supported[t])
                continue;
            all_ops_against_reference(ctx, dev, (clrelu_dtype)t);
            pytorch_facts(ctx, dev, (clrelu_dtype)t);
        }
    }
    clrelu_context_destroy(ctx);
    return check_summary("test_special_values");
}
