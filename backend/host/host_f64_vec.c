/* host_f64_vec.c: the smooth ops in float64 on the host, eight (AVX-512) or four (AVX2) elements at a time — the reference's formulas with glibc's vector libm (libmvec). */
#include "host/host_f64_vec.h"

#include <string.h>

#if defined(CLRELU_HAVE_LIBMVEC) && defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>

/* Each op is backend/core/reference.c's expression, term for term, on vectors: both arms of its
 * condition are computed and the condition selects (so NaN, infinities, signed zeros and the
 * thresholds come out as the reference's branches give them), and exp, expm1, erfc, tanh and log1p
 * are glibc's vector variants (the x86-64 vector function ABI: _ZGV<isa>N<lanes>v_<name>), which
 * agree with the scalar libm to a few ulp. The tests hold the results to the float64 tolerance
 * against the reference (tests/support/ref_compare.c: rtol and atol 1e-12). */

/* sel(m, a, b): a where the comparison m holds, else b (m: all ones or zeros per lane); LE, GT:
 * the comparisons as that mask type */
#define DEFINE_F64_VEC(ISA, W, ATTR, VEC, MV)                                                      \
    typedef double vd_##ISA __attribute__((vector_size(W * 8)));                                  \
    typedef long long vl_##ISA __attribute__((vector_size(W * 8)));                                \
    VEC MV##exp(VEC);                                                                              \
    VEC MV##expm1(VEC);                                                                            \
    VEC MV##erfc(VEC);                                                                             \
    VEC MV##tanh(VEC);                                                                             \
    VEC MV##log1p(VEC);                                                                            \
    ATTR static inline vd_##ISA sel_##ISA(vl_##ISA m, vd_##ISA a, vd_##ISA b)                      \
    {                                                                                              \
        return (vd_##ISA)((m & (vl_##ISA)a) | (~m & (vl_##ISA)b));                                 \
    }                                                                                              \
    ATTR static inline vd_##ISA exp_##ISA(vd_##ISA x) { return (vd_##ISA)MV##exp((VEC)x); }        \
    ATTR static inline vd_##ISA expm1_##ISA(vd_##ISA x) { return (vd_##ISA)MV##expm1((VEC)x); }    \
    ATTR static inline vd_##ISA erfc_##ISA(vd_##ISA x) { return (vd_##ISA)MV##erfc((VEC)x); }      \
    ATTR static inline vd_##ISA tanh_##ISA(vd_##ISA x) { return (vd_##ISA)MV##tanh((VEC)x); }      \
    ATTR static inline vd_##ISA log1p_##ISA(vd_##ISA x) { return (vd_##ISA)MV##log1p((VEC)x); }    \
    ATTR static inline vd_##ISA sigmoid_##ISA(vd_##ISA x) { return 1.0 / (1.0 + exp_##ISA(-x)); }  \
    /* one vector: forward (g unused) or backward */                                               \
    ATTR static vd_##ISA op_##ISA(op_id id, vd_##ISA x, vd_##ISA g, bool bwd, double p0, double p1) \
    {                                                                                              \
        double alpha = p0, scale = 1.0;                                                            \
        switch (id) {                                                                              \
        case OP_SELU:                                                                              \
            alpha = SELU_ALPHA, scale = SELU_SCALE;                                                \
            __attribute__((fallthrough));                                                          \
        case OP_ELU:                                                                               \
            if (bwd)                                                                               \
                return sel_##ISA((vl_##ISA)(x <= 0.0), g * alpha * scale * exp_##ISA(x), g * scale);             \
            return sel_##ISA((vl_##ISA)(x <= 0.0), alpha * expm1_##ISA(x) * scale, x * scale);                   \
        case OP_GELU: {                                                                            \
            if (!bwd)                                                                              \
                return 0.5 * x * erfc_##ISA(-x * SQRT1_2);                                         \
            vd_##ISA cdf = 0.5 * erfc_##ISA(-x * SQRT1_2);                                         \
            vd_##ISA pdf = INV_SQRT_2PI * exp_##ISA(-0.5 * x * x);                                 \
            return g * (cdf + x * pdf);                                                            \
        }                                                                                          \
        case OP_GELU_TANH: {                                                                       \
            vd_##ISA inner = SQRT_2_OVER_PI * (x + GELU_C * x * x * x);                            \
            vd_##ISA t = tanh_##ISA(inner);                                                        \
            if (!bwd)                                                                              \
                return 0.5 * x * (1.0 + t);                                                        \
            vd_##ISA dinner = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x * x);                       \
            return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dinner);                       \
        }                                                                                          \
        case OP_SILU: {                                                                            \
            vd_##ISA s = sigmoid_##ISA(x);                                                         \
            return bwd ? g * s * (1.0 + x * (1.0 - s)) : x * s;                                    \
        }                                                                                          \
        case OP_SOFTPLUS: {                                                                        \
            vd_##ISA bx = x * p0;                                                                  \
            if (bwd)                                                                               \
                return sel_##ISA((vl_##ISA)(bx > p1), g, g * sigmoid_##ISA(bx));                               \
            return sel_##ISA((vl_##ISA)(bx > p1), x, log1p_##ISA(exp_##ISA(bx)) / p0);                         \
        }                                                                                          \
        case OP_SIGMOID: {                                                                         \
            vd_##ISA y = sigmoid_##ISA(x);                                                         \
            return bwd ? g * y * (1.0 - y) : y;                                                    \
        }                                                                                          \
        case OP_TANH: {                                                                            \
            vd_##ISA y = tanh_##ISA(x);                                                            \
            return bwd ? g * (1.0 - y * y) : y;                                                    \
        }                                                                                          \
        default: return x;                                                                         \
        }                                                                                          \
    }                                                                                              \
    /* the whole range: full vectors, then the last n % W elements from a zero-padded copy */      \
    ATTR static void run_##ISA(op_id id, const double *x, const double *g, double *y, size_t n, double p0, double p1) \
    {                                                                                              \
        vd_##ISA vx, vg = {0};                                                                     \
        size_t i = 0;                                                                              \
        for (; i + W <= n; i += W) {                                                               \
            memcpy(&vx, x + i, sizeof vx);                                                         \
            if (g)                                                                                 \
                memcpy(&vg, g + i, sizeof vg);                                                     \
            vx = op_##ISA(id, vx, vg, g != NULL, p0, p1);                                          \
            memcpy(y + i, &vx, sizeof vx);                                                         \
        }                                                                                          \
        if (i < n) {                                                                               \
            double bx[W] = {0}, bg[W] = {0};                                                       \
            memcpy(bx, x + i, (n - i) * sizeof *x);                                                \
            if (g)                                                                                 \
                memcpy(bg, g + i, (n - i) * sizeof *g);                                            \
            memcpy(&vx, bx, sizeof vx);                                                            \
            memcpy(&vg, bg, sizeof vg);                                                            \
            vx = op_##ISA(id, vx, vg, g != NULL, p0, p1);                                          \
            memcpy(bx, &vx, sizeof vx);                                                            \
            memcpy(y + i, bx, (n - i) * sizeof *y);                                                \
        }                                                                                          \
    }

DEFINE_F64_VEC(avx512, 8, __attribute__((target("avx512f,avx512dq,avx2,fma"))), __m512d, _ZGVeN8v_)
DEFINE_F64_VEC(avx2, 4, __attribute__((target("avx2,fma"))), __m256d, _ZGVdN4v_)

bool clr_host_f64_smooth(const char *isa, op_id id, const double *x, const double *g, double *y, size_t n, double p0,
                         double p1)
{
    switch (id) {
    case OP_ELU:
    case OP_SELU:
    case OP_GELU:
    case OP_GELU_TANH:
    case OP_SILU:
    case OP_SOFTPLUS:
    case OP_SIGMOID:
    case OP_TANH: break;
    default: return false;
    }
    if (strncmp(isa, "avx512", 6) == 0)
        run_avx512(id, x, g, y, n, p0, p1);
    else if (strcmp(isa, "avx2") == 0)
        run_avx2(id, x, g, y, n, p0, p1);
    else
        return false;
    return true;
}
#else
bool clr_host_f64_smooth(const char *isa, op_id id, const double *x, const double *g, double *y, size_t n, double p0,
                         double p1)
{
    (void)isa, (void)id, (void)x, (void)g, (void)y, (void)n, (void)p0, (void)p1;
    return false;
}
#endif
