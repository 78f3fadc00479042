/* activation.cl: every op's forward/backward math once, instantiated per storage type and vector width. */

/* Build options (set by backend/opencl/ocl_program.c):
 *   -DCLRELU_STORE_F32 | -DCLRELU_STORE_F16 | -DCLRELU_STORE_BF16 | -DCLRELU_STORE_F64  storage type
 *   -DVW=2|4|8|16             elements per vector load/store
 *   -DCLRELU_ACC_F64          accumulate prelu's dL/dweight in double (device has fp64)
 *   -DCLRELU_LAYOUT_BLOCKED   each work-item walks one contiguous block (CPU devices)
 *   -DCLRELU_FPGA             single work-item kernels looping over fixed-width vectors
 * Compute type: float for float32/float16/bfloat16 storage, double for float64. Comparisons,
 * never fmax/fmin, so NaN propagates and relu(-0.0) stays -0.0 (see backend/reference.c). */

#pragma OPENCL FP_CONTRACT OFF

#if defined(CLRELU_STORE_F64) || defined(CLRELU_ACC_F64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#ifndef VW
#define VW 4
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

/* ---- storage type: loads widen to the compute type, stores round to nearest even ---------- */
#if defined(CLRELU_STORE_F64)
#define REAL double
#define K_(c) c
#define ST double
#define LOAD1(i, p) ((p)[i])
#define STORE1(v, i, p) ((p)[i] = (v))
#define LOADV(i, p) CAT(vload, VW)(i, p)
#define STOREV(v, i, p) CAT(vstore, VW)(v, i, p)

#elif defined(CLRELU_STORE_F16)
#define REAL float
#define K_(c) c##f
#define ST half
#define LOAD1(i, p) vload_half(i, p)
#define STORE1(v, i, p) vstore_half_rte(v, i, p)
#define LOADV(i, p) CAT(vload_half, VW)(i, p)
#define STOREV(v, i, p) CAT(CAT(vstore_half, VW), _rte)(v, i, p)

#elif defined(CLRELU_STORE_BF16)
#define REAL float
#define K_(c) c##f
#define ST ushort
#define UINTV CAT(uint, VW)
#define LOAD1(i, p) as_float((uint)(p)[i] << 16)
#define STORE1(v, i, p) ((p)[i] = (ushort)bf16_bits(v))
#define LOADV(i, p) CAT(as_float, VW)(CAT(convert_uint, VW)(CAT(vload, VW)(i, p)) << 16)
#define STOREV(v, i, p) bf16_storev(v, i, p)

#else /* CLRELU_STORE_F32 */
#define REAL float
#define K_(c) c##f
#define ST float
#define LOAD1(i, p) ((p)[i])
#define STORE1(v, i, p) ((p)[i] = (v))
#define LOADV(i, p) CAT(vload, VW)(i, p)
#define STOREV(v, i, p) CAT(vstore, VW)(v, i, p)
#endif

#define REALV CAT(REAL, VW)
#define K(c) K_(c)
#define ZERO K(0.0)
#define ONE K(1.0)

#if defined(CLRELU_STORE_F64) || defined(CLRELU_ACC_F64)
#define ACC double
#else
#define ACC float
#endif

#if defined(CLRELU_STORE_F16) || defined(CLRELU_STORE_BF16)
/* Store VW 16-bit patterns at vector index v of p. PoCL turns a ushortN vstore into VW scalar
 * 2-byte stores (half the copy bandwidth), but a uintN vstore into vector stores; so on little-endian
 * devices, when p is 4-byte aligned (then so is every vector of an even VW), the ushortN is
 * reinterpreted as VW/2 32-bit words (element 2k in the low half) and stored as uints: one vector
 * store. A 2-byte-aligned array takes the ushortN store: the same values, slower. */
#if VW == 2
#define VW_HALF
#define STORE_PAIRS(w, v, p) (((global uint *)(p))[v] = (w))
#else
#if VW == 16
#define VW_HALF 8
#elif VW == 8
#define VW_HALF 4
#else
#define VW_HALF 2
#endif
#define STORE_PAIRS(w, v, p) CAT(vstore, VW_HALF)(w, v, (global uint *)(p))
#endif
void store16v(CAT(ushort, VW) b, ulong v, global ushort *p)
{
#if defined(__ENDIAN_LITTLE__)
    if (((size_t)p & 3u) == 0) {
        STORE_PAIRS(CAT(as_uint, VW_HALF)(b), v, p);
        return;
    }
#endif
    CAT(vstore, VW)(b, v, p);
}
#endif

#if defined(CLRELU_STORE_BF16)
/* float -> bfloat16 bits (in the low 16 bits), round to nearest even by integer arithmetic on
 * the float's bits; overflow carries into the exponent and gives inf; NaN keeps its sign and
 * becomes quiet (bit 6 of the bfloat16 mantissa set). Selects, no branches; the NaN test is the
 * float compare f != f (one unordered compare, not an and + integer compare). On PoCL/AVX-512 the
 * vector form is six instructions (shift, compare, ternary logic, add, shift, masked or). */
uint bf16_bits(float f)
{
    uint u = as_uint(f);
    uint rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    uint quiet = (u >> 16) | 0x40u;
    return select(rounded, quiet, (uint)(f != f));
}

UINTV bf16_bitsv(REALV f)
{
    UINTV u = CAT(as_uint, VW)(f);
    UINTV rounded = (u + (UINTV)0x7fffu + ((u >> 16) & (UINTV)1u)) >> 16;
    UINTV quiet = (u >> 16) | (UINTV)0x40u;
    return select(rounded, quiet, CAT(as_uint, VW)(f != f));
}

/* Store VW bfloat16 values at vector index v of p (see store16v). */
void bf16_storev(REALV f, ulong v, global ushort *p)
{
    store16v(CAT(convert_ushort, VW)(bf16_bitsv(f)), v, p);
}
#endif

/* ---- streaming (non-temporal) stores: the *_nt kernels write their result with stores that
 * bypass the cache, for out-of-place passes larger than the cache on CPU devices, where they save
 * the read of each destination line before it is written (backend/opencl/ocl_run.c picks them).
 * Such a store needs a whole vector at an aligned address: the kernels first do the elements
 * before the destination's first aligned vector one by one (nt_head). Where the compiler lacks
 * __builtin_nontemporal_store they are ordinary aligned stores. -------------------------------- */
#if defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
#define HAVE_NT_STORE
#endif
#endif
#if defined(HAVE_NT_STORE)
#define NT_STORE(val, v, p, T) __builtin_nontemporal_store(val, (global T *)(p) + (v))
#else
#define NT_STORE(val, v, p, T) (((global T *)(p))[v] = (val))
#endif

/* Elements of p before its first vector-aligned element, at most n; all n when p is not even
 * element-aligned (then no vector store could be aligned). */
ulong nt_head(global const ST *p, ulong n)
{
    size_t a = (size_t)p;
    if (a % sizeof(ST))
        return n;
    ulong mis = (a / sizeof(ST)) % VW;
    return min(mis ? VW - mis : (ulong)0, n);
}

#if defined(CLRELU_STORE_F16) || defined(CLRELU_STORE_BF16)
/* VW 16-bit patterns at aligned vector index v of p, as VW/2 words (see store16v) */
void nt_store16v(CAT(ushort, VW) b, ulong v, global ushort *p)
{
#if defined(__ENDIAN_LITTLE__)
    NT_STORE(CAT(as_uint, VW_HALF)(b), v, p, CAT(uint, VW_HALF));
#else
    CAT(vstore, VW)(b, v, p);
#endif
}
#endif

#if defined(CLRELU_STORE_F16)
#define STOREV_NT(f, v, p) nt_store16v(half_bitsv(f), v, (global ushort *)(p))
/* f rounded to half, as bit patterns (the private round trip stays in registers) */
CAT(ushort, VW) half_bitsv(CAT(float, VW) f)
{
    CAT(ushort, VW) b;
    CAT(CAT(vstore_half, VW), _rte)(f, 0, (private half *)&b);
    return b;
}
#elif defined(CLRELU_STORE_BF16)
/* PoCL 3.1 folds this narrowing and store into one vpmovdw to memory, an ordinary store: the
 * hint is lost for the bfloat16 ops that round a computed value (BENCHMARKS.md §1) */
#define STOREV_NT(f, v, p) nt_store16v(CAT(convert_ushort, VW)(bf16_bitsv(f)), v, p)
#else
#define STOREV_NT(f, v, p) NT_STORE(f, v, p, REALV)
#endif

/* ---- the math: one expression per op and direction, valid for scalars and vectors --------- */
#define SQRT1_2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794
#define SQRT_2_OVER_PI 0.79788456080286535588
#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946
#define SELU_ALPHA_SCALE 1.7580993408473768599402175208123 /* the product, rounded once */
#define GELU_C 0.044715

#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : ((x) > (hi) ? (hi) : (x)))
#define CLAMP_GRAD(x, g, lo, hi) (((x) <= (lo) || (x) >= (hi)) ? ZERO : (g))

#define MATH_relu_fwd(x, p0, p1) ((x) < ZERO ? ZERO : (x))
#define MATH_relu_bwd(x, g, p0, p1) ((x) <= ZERO ? ZERO : (g))
#define MATH_leaky_relu_fwd(x, p0, p1) ((x) > ZERO ? (x) : (x) * (p0))
#define MATH_leaky_relu_bwd(x, g, p0, p1) ((x) > ZERO ? (g) : (g) * (p0))
#define MATH_relu6_fwd(x, p0, p1) CLAMP(x, ZERO, K(6.0))
#define MATH_relu6_bwd(x, g, p0, p1) CLAMP_GRAD(x, g, ZERO, K(6.0))
#define MATH_hardtanh_fwd(x, p0, p1) CLAMP(x, p0, p1)
#define MATH_hardtanh_bwd(x, g, p0, p1) CLAMP_GRAD(x, g, p0, p1)

#if defined(CLRELU_STORE_F64)
/* double: the reference's own formulas (backend/core/reference.c) with the device's libm */
#define SIGMOID(x) (ONE / (ONE + exp(-(x))))
#define ELU_FWD(x, alpha, scale) ((x) <= ZERO ? (alpha) * expm1(x) * (scale) : (x) * (scale))
#define ELU_BWD(x, g, alpha, scale) ((x) <= ZERO ? (g) * (alpha) * (scale) * exp(x) : (g) * (scale))
#define GELU_TANH_INNER(x) (K(SQRT_2_OVER_PI) * ((x) + K(GELU_C) * (x) * (x) * (x)))
#define MATH_elu_fwd(x, p0, p1) ELU_FWD(x, p0, ONE)
#define MATH_elu_bwd(x, g, p0, p1) ELU_BWD(x, g, p0, ONE)
#define MATH_selu_fwd(x, p0, p1) ELU_FWD(x, K(SELU_ALPHA), K(SELU_SCALE))
#define MATH_selu_bwd(x, g, p0, p1) ELU_BWD(x, g, K(SELU_ALPHA), K(SELU_SCALE))
#define MATH_gelu_fwd(x, p0, p1) (K(0.5) * (x) * erfc(-(x) * K(SQRT1_2)))
#define MATH_gelu_bwd(x, g, p0, p1)                                                                \
    ((g) * (K(0.5) * erfc(-(x) * K(SQRT1_2)) + (x) * (K(INV_SQRT_2PI) * exp(K(-0.5) * (x) * (x)))))
#define MATH_gelu_tanh_fwd(x, p0, p1) (K(0.5) * (x) * (ONE + tanh(GELU_TANH_INNER(x))))
#define MATH_gelu_tanh_bwd(x, g, p0, p1)                                                           \
    ((g) * (K(0.5) * (ONE + tanh(GELU_TANH_INNER(x))) +                                            \
            K(0.5) * (x) * (ONE - tanh(GELU_TANH_INNER(x)) * tanh(GELU_TANH_INNER(x))) *           \
                (K(SQRT_2_OVER_PI) * (ONE + K(3.0) * K(GELU_C) * (x) * (x)))))
#define MATH_silu_fwd(x, p0, p1) ((x) * SIGMOID(x))
#define MATH_silu_bwd(x, g, p0, p1) ((g) * SIGMOID(x) * (ONE + (x) * (ONE - SIGMOID(x))))
#define MATH_softplus_fwd(x, p0, p1) ((x) * (p0) > (p1) ? (x) : log1p(exp((x) * (p0))) / (p0))
#define MATH_softplus_bwd(x, g, p0, p1) ((x) * (p0) > (p1) ? (g) : (g) * SIGMOID((x) * (p0)))
#define MATH_sigmoid_fwd(x, p0, p1) SIGMOID(x)
#define MATH_sigmoid_bwd(x, g, p0, p1) ((g) * SIGMOID(x) * (ONE - SIGMOID(x)))
#define MATH_tanh_fwd(x, p0, p1) tanh(x)
#define MATH_tanh_bwd(x, g, p0, p1) ((g) * (ONE - tanh(x) * tanh(x)))
#else
/* float: the vector math of the host loops (backend/host/host_vmath.h, which explains each
 * step; docs/accuracy.md states the bounds both meet): range reduction and polynomials in
 * registers, selects instead of branches, no libm calls. Each function is defined for float and
 * for the kernels' floatVW (overloadable), since the kernels' tails and heads are scalar. */
#define OVL __attribute__((overloadable))
#define DEFINE_FMATH(F, I, U, N)                                                                   \
    /* q = expm1(r) = r + r^2 P(r), |r| <= ln2/2, P the host's fitted quartic; 2^n = s1 s2 */      \
    OVL F cm_expr(F r, F nf, F *s1, F *s2)                                                         \
    {                                                                                              \
        F q = (F)1.38144463e-3f;                                                                   \
        q = q * r + 8.36877897e-3f;                                                                \
        q = q * r + 4.16683927e-2f;                                                                \
        q = q * r + 1.66665196e-1f;                                                                \
        q = q * r + 4.99999940e-1f;                                                                \
        q = (q * r) * r + r;                                                                       \
        I n = CAT(convert_int, N)(select(nf, (F)0.0f, CAT(convert_int, N)(nf != nf)));            \
        I n1 = n >> 1, n2 = n - n1;                                                                \
        *s1 = CAT(as_float, N)((n1 + 127) << 23);                                                  \
        *s2 = CAT(as_float, N)((n2 + 127) << 23);                                                  \
        return q;                                                                                  \
    }                                                                                              \
    /* max(k, x) and min(k, x) with x's NaN kept (fmax and fmin would return k) */                 \
    OVL F cm_maxk(float k, F x) { return select(x, (F)k, CAT(convert_int, N)(x < k)); }            \
    OVL F cm_mink(float k, F x) { return select(x, (F)k, CAT(convert_int, N)(x > k)); }            \
    /* q = expm1(r) and 2^n = s1 s2 for x clamped to [-104, 89] by two selects */                  \
    OVL F cm_expq0(F x, F *s1, F *s2)                                                              \
    {                                                                                              \
        F xc = cm_mink(89.0f, cm_maxk(-104.0f, x));                                                \
        F nf = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;                            \
        F r = xc - nf * 0.693359375f;                                                              \
        return cm_expr(r - nf * -2.12194440e-4f, nf, s1, s2);                                      \
    }                                                                                              \
    OVL F cm_exp(F x)                                                                              \
    {                                                                                              \
        F s1, s2, q = cm_expq0(x, &s1, &s2);                                                       \
        return ((q + 1.0f) * s1) * s2;                                                             \
    }                                                                                              \
    /* exp(x) and expm1(x), x <= 0 (or NaN); expm1(-0) = -0 */                                     \
    OVL F cm_exps(F x, F *em)                                                                      \
    {                                                                                              \
        F s1, s2, q = cm_expq0(x, &s1, &s2);                                                       \
        *em = select((q * s1) * s2 - (1.0f - s1 * s2), x, CAT(convert_int, N)(x == 0.0f));         \
        return ((q + 1.0f) * s1) * s2;                                                             \
    }                                                                                              \
    /* expm1(x), x in [-104, 0] or NaN (the caller clamps); expm1(-0) = +0: no clamp, no select */ \
    OVL F cm_expm1_le0(F x)                                                                        \
    {                                                                                              \
        F nf = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;                             \
        F r = x - nf * 0.693359375f, s1, s2;                                                       \
        F q = cm_expr(r - nf * -2.12194440e-4f, nf, &s1, &s2);                                     \
        return (q * s1) * s2 - (1.0f - s1 * s2);                                                   \
    }                                                                                              \
    /* log1p(u), u in [0, 1]: u + u^2 P(u), the host's fitted P (no division) */                   \
    OVL F cm_log1p01(F u)                                                                          \
    {                                                                                              \
        F p = (F)-0.00331846974f;                                                                  \
        p = p * u + 0.0202045739f;                                                                 \
        p = p * u - 0.0576644279f;                                                                 \
        p = p * u + 0.106805548f;                                                                  \
        p = p * u - 0.153553978f;                                                                  \
        p = p * u + 0.196954027f;                                                                  \
        p = p * u - 0.249585882f;                                                                  \
        p = p * u + 0.33330512f;                                                                   \
        p = p * u - 0.499999344f;                                                                  \
        return (p * u) * u + u;                                                                    \
    }                                                                                              \
    /* Phi(-ax) for ax in [0, 20]: t Q(t) e^(-ax^2/2), Q the host's degree-9 fit, -ax^2/2 */       \
    /* passed exactly (h = ax's upper 12 bits, and the rest) */                                    \
    OVL F cm_phi_neg(F ax)                                                                         \
    {                                                                                              \
        F t = 1.0f / (ax * (0.45f * (float)SQRT1_2) + 1.0f), q = (F)-0.0206954647f;                \
        q = q * t + 0.0953435525f;                                                                 \
        q = q * t - 0.150290534f;                                                                  \
        q = q * t + 0.071199812f;                                                                  \
        q = q * t - 0.0111786081f;                                                                 \
        q = q * t + 0.0599751063f;                                                                 \
        q = q * t + 0.0876260847f;                                                                 \
        q = q * t + 0.114135817f;                                                                  \
        q = q * t + 0.126941577f;                                                                  \
        q = q * t + 0.126942664f;                                                                  \
        F h = CAT(as_float, N)(CAT(as_uint, N)(ax) & 0xfffff000u), l = ax - h, s1, s2;             \
        F hi = cm_maxk(-104.0f, (h * h) * -0.5f), lo = (l * -0.5f - h) * l;                        \
        F nf = (hi * 1.44269504088896341f + 12582912.0f) - 12582912.0f;                            \
        F e = cm_expr(((hi - nf * 0.693359375f) - nf * -2.12194440e-4f) + lo, nf, &s1, &s2);       \
        return (t * q) * (((e + 1.0f) * s1) * s2);                                                 \
    }                                                                                              \
    /* the logistic function and its complement 1 - s, accurate on both sides */                   \
    OVL F cm_sigmoid(F x, F *sm)                                                                   \
    {                                                                                              \
        F e = cm_exp(-x), s = 1.0f / (e + 1.0f);                                                   \
        *sm = select(1.0f - s, e * s, CAT(convert_int, N)(x > 0.0f));                              \
        return s;                                                                                  \
    }                                                                                              \
    OVL F cm_phi(F x)                                                                              \
    {                                                                                              \
        F h = cm_phi_neg(cm_mink(20.0f, fabs(x)));                                                 \
        return select(1.0f - h, h, CAT(convert_int, N)(x < 0.0f));                                 \
    }                                                                                              \
    OVL F cm_gelu_tanh_u(F x) { return ((x * x) * x * (float)GELU_C + x) * (float)SQRT_2_OVER_PI; } \
    OVL F cm_elu_fwd(F x, float alpha, float scale)                                                \
    {                                                                                              \
        I neg = CAT(convert_int, N)(x <= 0.0f);                                                    \
        F em;                                                                                      \
        cm_exps(select((F)0.0f, x, neg), &em);                                                     \
        return select(x * scale, (em * alpha) * scale, neg);                                       \
    }                                                                                              \
    /* alpha >= 0: x < 0 takes expm1 (x = -0 gives x scale = -0 as alpha expm1(-0) scale would) */ \
    OVL F cm_elu_pos_fwd(F x, float alpha_scale, float scale)                                      \
    {                                                                                              \
        F em = cm_expm1_le0(cm_maxk(-104.0f, cm_mink(0.0f, x)));                                   \
        return select(x * scale, em * alpha_scale, CAT(convert_int, N)(x < 0.0f));                 \
    }                                                                                              \
    OVL F cm_elu_bwd(F x, F g, float alpha, float scale)                                           \
    {                                                                                              \
        I neg = CAT(convert_int, N)(x <= 0.0f);                                                    \
        F e = cm_exp(select((F)0.0f, x, neg));                                                     \
        return select(g * scale, g * (e * (alpha * scale)), neg);                                  \
    }                                                                                              \
    /* x Phi(x) */                                                                                 \
    OVL F cm_gelu_fwd(F x)                                                                         \
    {                                                                                              \
        F ph = cm_phi_neg(cm_mink(20.0f, fabs(x)));                                                \
        return x * select(1.0f - ph, ph, CAT(convert_int, N)(x < 0.0f));                           \
    }                                                                                              \
    OVL F cm_gelu_bwd(F x, F g)                                                                    \
    {                                                                                              \
        F pdf = cm_exp((x * x) * -0.5f) * (float)INV_SQRT_2PI;                                     \
        return g * (cm_phi(x) + x * pdf);                                                          \
    }                                                                                              \
    /* x sigmoid(2u) = x / (1 + e^z), z = -2u = x (-k0 - k1 x^2); x = -inf: NaN, as reference */   \
    OVL F cm_gelu_tanh_fwd(F x)                                                                    \
    {                                                                                              \
        float k1 = -2.0f * (float)SQRT_2_OVER_PI * (float)GELU_C;                                  \
        float k0 = 2.0f * (float)SQRT_2_OVER_PI;                                                   \
        F z = x * ((x * x) * k1 - k0);                                                             \
        return x / (cm_exp(z) + 1.0f);                                                             \
    }                                                                                              \
    OVL F cm_gelu_tanh_bwd(F x, F g)                                                               \
    {                                                                                              \
        F u = cm_gelu_tanh_u(x), sm, s = cm_sigmoid(u * 2.0f, &sm);                                \
        F d = ((x * 2.0f) * s) * sm * (((x * x) * (3.0f * (float)GELU_C) + 1.0f) * (float)SQRT_2_OVER_PI); \
        return g * (s + select(d, x - x, CAT(convert_int, N)(fabs(u) > 15.0f)));                   \
    }                                                                                              \
    /* x / (1 + e^-x): one division instead of a division and a multiply */                        \
    OVL F cm_silu_fwd(F x) { return x / (cm_exp(-x) + 1.0f); }                                     \
    OVL F cm_silu_bwd(F x, F g)                                                                    \
    {                                                                                              \
        F sm, s = cm_sigmoid(x, &sm);                                                              \
        return (g * s) * (x * sm + 1.0f);                                                          \
    }                                                                                              \
    OVL F cm_sigmoid_fwd(F x)                                                                      \
    {                                                                                              \
        F sm;                                                                                      \
        return cm_sigmoid(x, &sm);                                                                 \
    }                                                                                              \
    OVL F cm_sigmoid_bwd(F x, F g)                                                                 \
    {                                                                                              \
        F sm, s = cm_sigmoid(x, &sm);                                                              \
        return (g * s) * sm;                                                                       \
    }                                                                                              \
    OVL F cm_softplus_fwd(F x, float beta, float threshold)                                        \
    {                                                                                              \
        F z = x * beta;                                                                            \
        F l = select((F)0.0f, z, CAT(convert_int, N)(z > 0.0f)) + cm_log1p01(cm_exp(-fabs(z)));   \
        return select(l / beta, x, CAT(convert_int, N)(z > threshold));                            \
    }                                                                                              \
    OVL F cm_softplus_bwd(F x, F g, float beta, float threshold)                                   \
    {                                                                                              \
        F z = x * beta, sm;                                                                        \
        return select(g * cm_sigmoid(z, &sm), g, CAT(convert_int, N)(z > threshold));              \
    }                                                                                              \
    /* tanh |x| = (S - 1 - q) / (2S - (S - 1 - q)), S = 2^n, q = expm1(-2w), w = |x| - n ln2/2 */  \
    OVL F cm_tanh_fwd(F x)                                                                         \
    {                                                                                              \
        F ax = cm_mink(9.1f, fabs(x)); /* tanh(9.1) rounds to 1 */                                 \
        F nf = (ax * 2.88539008177792681f + 12582912.0f) - 12582912.0f;                            \
        F w = (ax - nf * 0.3466796875f) - nf * -1.06097220e-4f, q = (F)(1.38144463e-3f * 64.0f);   \
        q = q * w - 8.36877897e-3f * 32.0f;                                                        \
        q = q * w + 4.16683927e-2f * 16.0f;                                                        \
        q = q * w - 1.66665196e-1f * 8.0f;                                                         \
        q = q * w + 4.99999940e-1f * 4.0f;                                                         \
        q = (q * w - 2.0f) * w;                                                                    \
        I n = CAT(convert_int, N)(select(nf, (F)0.0f, CAT(convert_int, N)(nf != nf))); /* no NaN */\
        F big = CAT(as_float, N)((n + 127) << 23);                                                 \
        F num = (big - 1.0f) - q, t = num / (big * 2.0f - num); /* >= 0, or NaN */                 \
        return CAT(as_float, N)((CAT(as_uint, N)(x) & 0x80000000u) | CAT(as_uint, N)(t));          \
    }                                                                                              \
    OVL F cm_tanh_bwd(F x, F g)                                                                    \
    {                                                                                              \
        F m, e = cm_exps(fabs(x) * -2.0f, &m), d = m + 2.0f;                                       \
        return g * ((e * 4.0f) / (d * d));                                                         \
    }
/* The float math may contract a * b + c into one fused multiply-add where the device has one
 * (as the host loops do on their FMA instruction sets; both ways meet docs/accuracy.md's bounds,
 * which the tests hold every device to): its polynomials are chains of them. Everything else in
 * this file keeps FP_CONTRACT OFF. */
#pragma OPENCL FP_CONTRACT ON
DEFINE_FMATH(float, int, uint, )
DEFINE_FMATH(REALV, CAT(int, VW), CAT(uint, VW), VW)
#pragma OPENCL FP_CONTRACT OFF

#define MATH_elu_fwd(x, p0, p1) ((p0) >= 0.0f ? cm_elu_pos_fwd(x, p0, 1.0f) : cm_elu_fwd(x, p0, 1.0f))
#define MATH_elu_bwd(x, g, p0, p1) cm_elu_bwd(x, g, p0, 1.0f)
#define MATH_selu_fwd(x, p0, p1) cm_elu_pos_fwd(x, (float)SELU_ALPHA_SCALE, (float)SELU_SCALE)
#define MATH_selu_bwd(x, g, p0, p1) cm_elu_bwd(x, g, (float)SELU_ALPHA, (float)SELU_SCALE)
#define MATH_gelu_fwd(x, p0, p1) cm_gelu_fwd(x)
#define MATH_gelu_bwd(x, g, p0, p1) cm_gelu_bwd(x, g)
#define MATH_gelu_tanh_fwd(x, p0, p1) cm_gelu_tanh_fwd(x)
#define MATH_gelu_tanh_bwd(x, g, p0, p1) cm_gelu_tanh_bwd(x, g)
#define MATH_silu_fwd(x, p0, p1) cm_silu_fwd(x)
#define MATH_silu_bwd(x, g, p0, p1) cm_silu_bwd(x, g)
#define MATH_softplus_fwd(x, p0, p1) cm_softplus_fwd(x, p0, p1)
#define MATH_softplus_bwd(x, g, p0, p1) cm_softplus_bwd(x, g, p0, p1)
#define MATH_sigmoid_fwd(x, p0, p1) cm_sigmoid_fwd(x)
#define MATH_sigmoid_bwd(x, g, p0, p1) cm_sigmoid_bwd(x, g)
#define MATH_tanh_fwd(x, p0, p1) cm_tanh_fwd(x)
#define MATH_tanh_bwd(x, g, p0, p1) cm_tanh_bwd(x, g)
#endif
/* prelu: leaky_relu with the element's channel slope a */
#define MATH_prelu_fwd(x, a) ((x) > ZERO ? (x) : (x) * (a))
#define MATH_prelu_bwd(x, g, a) ((x) > ZERO ? (g) : (g) * (a))

/* ---- work distribution ------------------------------------------------------------------- */
#if defined(CLRELU_FPGA)
#define KERNEL __attribute__((reqd_work_group_size(1, 1, 1))) kernel
#else
#define KERNEL kernel
#endif

/* The items [*begin, *end) step *step that this work-item handles out of total. */
void work_range(ulong total, ulong *begin, ulong *end, ulong *step)
{
#if defined(CLRELU_FPGA)
    *begin = 0;
    *end = total;
    *step = 1;
#elif defined(CLRELU_LAYOUT_BLOCKED)
    ulong items = get_global_size(0);
    ulong per = (total + items - 1) / items;
    *begin = min(get_global_id(0) * per, total);
    *end = min(*begin + per, total);
    *step = 1;
#else
    *begin = get_global_id(0);
    *end = total;
    *step = get_global_size(0);
#endif
}

/* Elements [first, end) one by one, spread over the work-items (the n % VW tail of every
 * elementwise kernel, and the streaming kernels' head). MATH is the op's MATH_<name>_fwd/_bwd,
 * passed pasted: a bare name like tanh is a macro on some devices. */
#define FWD_ELEMS(MATH, first, end)                                                                \
    for (ulong i = (first) + get_global_id(0); i < (end); i += get_global_size(0)) {               \
        REAL xs = LOAD1(i, x);                                                                     \
        STORE1(MATH(xs, p0, p1), i, y);                                                            \
    }
#define BWD_ELEMS(MATH, first, end)                                                                \
    for (ulong i = (first) + get_global_id(0); i < (end); i += get_global_size(0)) {               \
        REAL xs = LOAD1(i, x);                                                                     \
        REAL gs = LOAD1(i, g);                                                                     \
        STORE1(MATH(xs, gs, p0, p1), i, dx);                                                       \
    }
#define FWD_TAIL(MATH) FWD_ELEMS(MATH, nv * VW, n)
#define BWD_TAIL(MATH) BWD_ELEMS(MATH, nv * VW, n)

/* Each kernel comes in two variants, V: PLAIN (ordinary stores) and NT (named *_nt: streaming
 * stores after the elements before the destination's first aligned vector, which then continue
 * as a shorter tensor). The FPGA variant has PLAIN only. */
#define HEAD_PLAIN_FWD(MATH)
#define HEAD_PLAIN_BWD(MATH)
#define HEAD_NT_FWD(MATH)                                                                          \
    ulong h_ = nt_head(y, n);                                                                      \
    FWD_ELEMS(MATH, 0, h_)                                                                         \
    x += h_, y += h_, n -= h_;
#define HEAD_NT_BWD(MATH)                                                                          \
    ulong h_ = nt_head(dx, n);                                                                     \
    BWD_ELEMS(MATH, 0, h_)                                                                         \
    x += h_, g += h_, dx += h_, n -= h_;
#define VSTORE_PLAIN STOREV
#define VSTORE_NT STOREV_NT
#define STORE16_PLAIN store16v
#define STORE16_NT nt_store16v
#if defined(CLRELU_FPGA)
#define BOTH_VARIANTS(DEFINE, ...) DEFINE(__VA_ARGS__, PLAIN, )
#else
#define BOTH_VARIANTS(DEFINE, ...) DEFINE(__VA_ARGS__, PLAIN, ) DEFINE(__VA_ARGS__, NT, _nt)
#endif

/* Elementwise kernels <name>_fwd(x, y, n, p0, p1) and <name>_bwd(x, g, dx, n, p0, p1): a loop
 * over whole vectors, then the n % VW tail element by element. y may alias x (or g). */
#define ELEMENTWISE_KERNELS(FWD, BWD, FMATH, BMATH, V, SFX)                                        \
    KERNEL void CAT(FWD, SFX)(global const ST *x, global ST *y, ulong n, REAL p0, REAL p1)         \
    {                                                                                              \
        HEAD_##V##_FWD(FMATH)                                                                      \
        ulong nv = n / VW, b, e, s;                                                                \
        work_range(nv, &b, &e, &s);                                                                \
        for (ulong v = b; v < e; v += s) {                                                         \
            REALV xv = LOADV(v, x);                                                                \
            VSTORE_##V(FMATH(xv, p0, p1), v, y);                                                   \
        }                                                                                          \
        FWD_TAIL(FMATH);                                                                           \
    }                                                                                              \
    KERNEL void CAT(BWD, SFX)(global const ST *x, global const ST *g, global ST *dx, ulong n,      \
                              REAL p0, REAL p1)                                                    \
    {                                                                                              \
        HEAD_##V##_BWD(BMATH)                                                                      \
        ulong nv = n / VW, b, e, s;                                                                \
        work_range(nv, &b, &e, &s);                                                                \
        for (ulong v = b; v < e; v += s) {                                                         \
            REALV xv = LOADV(v, x);                                                                \
            REALV gv = LOADV(v, g);                                                                \
            VSTORE_##V(BMATH(xv, gv, p0, p1), v, dx);                                              \
        }                                                                                          \
        BWD_TAIL(BMATH);                                                                           \
    }
#define DEFINE_ELEMENTWISE(NAME)                                                                   \
    BOTH_VARIANTS(ELEMENTWISE_KERNELS, NAME##_fwd, NAME##_bwd, MATH_##NAME##_fwd, MATH_##NAME##_bwd)

/* ---- 16-bit storage, ops whose result is x, g or a constant (relu, relu6, hardtanh): the
 * comparisons run on the widened floats, but the result is selected from the stored 16-bit
 * patterns, so nothing is rounded back to 16 bits on the way out. The bits are the same as the
 * generic path's (x, g and the rounded constants are exact in the storage format; a NaN x keeps
 * its payload where the generic path may quiet it, which every comparison treats as the same NaN);
 * a float -> half conversion fewer per element: on PoCL's CPU device that conversion kept
 * in-place passes below copy speed. */
#if defined(CLRELU_STORE_F16) || defined(CLRELU_STORE_BF16)
#define BITSV CAT(ushort, VW)
#define MASKV(c) CAT(convert_short, VW)(c)
#define LOADB(i, p) CAT(vload, VW)(i, (global const ushort *)(p))
/* the floats of loaded patterns, widened in registers: a second load of the same address (LOADV)
 * let PoCL's compiler merge the two into one load that assumed 16-byte alignment, which faulted
 * on a 2-byte-aligned float16 array (tests/test_unaligned.c) */
#if defined(CLRELU_STORE_F16)
REALV widen16v(BITSV b) { return CAT(vload_half, VW)(0, (private half *)&b); }
#else
REALV widen16v(BITSV b) { return CAT(as_float, VW)(CAT(convert_uint, VW)(b) << 16); }
#endif

/* f rounded to the storage format, as its bit pattern */
ushort bits16(REAL f)
{
#if defined(CLRELU_STORE_F16)
    ushort b;
    vstore_half_rte(f, 0, (private half *)&b);
    return b;
#else
    return (ushort)bf16_bits(f);
#endif
}

/* [lo, hi]: the clamp bounds as floats (flo, fhi) and as stored patterns (lo, hi) */
#define SEL_LO_relu(p0) ZERO
#define SEL_HI_relu(p1) ZERO
#define SEL_LO_relu6(p0) ZERO
#define SEL_HI_relu6(p1) K(6.0)
#define SEL_LO_hardtanh(p0) (p0)
#define SEL_HI_hardtanh(p1) (p1)
#define SEL_relu_fwd(xv, xb, flo, fhi, lo, hi) select(xb, lo, MASKV((xv) < (flo)))
#define SEL_relu_bwd(xv, gb, flo, fhi) select(gb, (BITSV)0, MASKV((xv) <= (flo)))
#define SEL_CLAMP_FWD(xv, xb, flo, fhi, lo, hi)                                                    \
    select(select(xb, hi, MASKV((xv) > (fhi))), lo, MASKV((xv) < (flo)))
#define SEL_CLAMP_BWD(xv, gb, flo, fhi) select(gb, (BITSV)0, MASKV(((xv) <= (flo)) | ((xv) >= (fhi))))
#define SEL_relu6_fwd SEL_CLAMP_FWD
#define SEL_relu6_bwd SEL_CLAMP_BWD
#define SEL_hardtanh_fwd SEL_CLAMP_FWD
#define SEL_hardtanh_bwd SEL_CLAMP_BWD

#define SELECTING_KERNELS(FWD, BWD, FMATH, BMATH, FSEL, BSEL, LO, HI, V, SFX)                   \
    KERNEL void CAT(FWD, SFX)(global const ST *x, global ST *y, ulong n, REAL p0, REAL p1)         \
    {                                                                                              \
        HEAD_##V##_FWD(FMATH)                                                                      \
        ulong nv = n / VW, b, e, s;                                                                \
        work_range(nv, &b, &e, &s);                                                                \
        REAL flo = LO(p0), fhi = HI(p1);                                                           \
        BITSV lo = (BITSV)bits16(flo), hi = (BITSV)bits16(fhi);                                    \
        for (ulong v = b; v < e; v += s) {                                                         \
            BITSV xb = LOADB(v, x);                                                                \
            STORE16_##V(FSEL(widen16v(xb), xb, flo, fhi, lo, hi), v, (global ushort *)y);          \
        }                                                                                          \
        FWD_TAIL(FMATH);                                                                           \
    }                                                                                              \
    KERNEL void CAT(BWD, SFX)(global const ST *x, global const ST *g, global ST *dx, ulong n,      \
                              REAL p0, REAL p1)                                                    \
    {                                                                                              \
        HEAD_##V##_BWD(BMATH)                                                                      \
        ulong nv = n / VW, b, e, s;                                                                \
        work_range(nv, &b, &e, &s);                                                                \
        REAL flo = LO(p0), fhi = HI(p1);                                                           \
        for (ulong v = b; v < e; v += s) {                                                         \
            REALV xv = widen16v(LOADB(v, x));                                                      \
            STORE16_##V(BSEL(xv, LOADB(v, g), flo, fhi), v, (global ushort *)dx);                  \
        }                                                                                          \
        BWD_TAIL(BMATH);                                                                           \
    }
#define DEFINE_SELECTING(NAME)                                                                     \
    BOTH_VARIANTS(SELECTING_KERNELS, NAME##_fwd, NAME##_bwd, MATH_##NAME##_fwd, MATH_##NAME##_bwd, \
                  SEL_##NAME##_fwd, SEL_##NAME##_bwd, SEL_LO_##NAME, SEL_HI_##NAME)
DEFINE_SELECTING(relu)
DEFINE_SELECTING(relu6)
DEFINE_SELECTING(hardtanh)
#else
DEFINE_ELEMENTWISE(relu)
DEFINE_ELEMENTWISE(relu6)
DEFINE_ELEMENTWISE(hardtanh)
#endif
DEFINE_ELEMENTWISE(leaky_relu)
DEFINE_ELEMENTWISE(elu)
DEFINE_ELEMENTWISE(selu)
DEFINE_ELEMENTWISE(gelu)
DEFINE_ELEMENTWISE(gelu_tanh)
DEFINE_ELEMENTWISE(silu)
DEFINE_ELEMENTWISE(softplus)
DEFINE_ELEMENTWISE(sigmoid)
DEFINE_ELEMENTWISE(tanh)

/* ---- prelu: element i of this chunk is element offset + i of the tensor, whose channel is
 * ((offset + i) / inner) % channels. Whole vectors inside one channel run go through a tight
 * vector loop with that channel's slope; the channel is tracked incrementally (one division per
 * channel crossed, not per element), so inner >= VW runs at the elementwise kernels' speed. A
 * vector straddling a channel boundary (inner not a multiple of VW, or inner < VW), the n % VW
 * tail and the streaming variant's head go element by element. --------------------------------- */
#define PRELU_SLOPE(i) LOAD1(((offset + (i)) / inner) % channels, w)
#define PRELU_FWD_AT(i)                                                                            \
    {                                                                                              \
        REAL xs = LOAD1(i, x);                                                                     \
        STORE1(MATH_prelu_fwd(xs, PRELU_SLOPE(i)), i, y);                                          \
    }
#define PRELU_BWD_AT(i)                                                                            \
    {                                                                                              \
        REAL xs = LOAD1(i, x);                                                                     \
        REAL gs = LOAD1(i, g);                                                                     \
        STORE1(MATH_prelu_bwd(xs, gs, PRELU_SLOPE(i)), i, dx);                                     \
    }
#define SPREAD(i, first, end) for (ulong i = (first) + get_global_id(0); i < (end); i += get_global_size(0))
#define PRELU_HEAD_PLAIN_FWD
#define PRELU_HEAD_PLAIN_BWD
#define PRELU_HEAD_NT_FWD                                                                          \
    ulong h_ = nt_head(y, n);                                                                      \
    SPREAD(i, 0, h_) PRELU_FWD_AT(i)                                                               \
    x += h_, y += h_, n -= h_, offset += h_;
#define PRELU_HEAD_NT_BWD                                                                          \
    ulong h_ = nt_head(dx, n);                                                                     \
    SPREAD(i, 0, h_) PRELU_BWD_AT(i)                                                               \
    x += h_, g += h_, dx += h_, n -= h_, offset += h_;

/* Channel bookkeeping for element e of the tensor: [*start, *start + inner) is its channel run. */
#define PRELU_SEEK(e, start, slope)                                                                \
    do {                                                                                           \
        start = (e) - (e) % inner;                                                                 \
        slope = LOAD1(((e) / inner) % channels, w);                                                \
    } while (0)

/* The vector loop of prelu_fwd/_bwd: LOAD_V loads vector v's operands, AT(i) does element i.
 * Vectors before run_end lie wholly inside the current channel run (v * VW + VW <= start + inner
 * - offset, for any offset). */
#define PRELU_VECTORS(LOAD_V, VMATH, OUT, AT, V)                                                   \
    ulong nv = n / VW, b, e, s;                                                                    \
    work_range(nv, &b, &e, &s);                                                                    \
    ulong start = ~(ulong)0; /* no channel yet: the first vector seeks */                          \
    REAL a = ZERO;                                                                                 \
    for (ulong v = b; v < e;) {                                                                    \
        ulong el = offset + v * VW;                                                                \
        if (el < start || el >= start + inner) {                                                   \
            PRELU_SEEK(el, start, a);                                                              \
        }                                                                                          \
        ulong run_end = min(e, (start + inner - offset) / VW);                                     \
        if (v < run_end) {                                                                         \
            REALV av = (REALV)a;                                                                   \
            for (; v < run_end; v += s) {                                                          \
                LOAD_V                                                                             \
                VSTORE_##V(VMATH, v, OUT);                                                         \
            }                                                                                      \
            continue;                                                                              \
        }                                                                                          \
        for (ulong i = v * VW; i < v * VW + VW; i++) /* straddles a channel boundary */            \
            AT(i)                                                                                  \
        v += s;                                                                                    \
    }                                                                                              \
    SPREAD(i, nv * VW, n) AT(i)

#define PRELU_KERNELS(V, SFX)                                                                      \
    KERNEL void prelu_fwd##SFX(global const ST *x, global ST *y, ulong n, global const ST *w,      \
                               ulong offset, ulong channels, ulong inner)                          \
    {                                                                                              \
        PRELU_HEAD_##V##_FWD                                                                       \
        PRELU_VECTORS(REALV xv = LOADV(v, x);, MATH_prelu_fwd(xv, av), y, PRELU_FWD_AT, V)         \
    }                                                                                              \
    KERNEL void prelu_bwd##SFX(global const ST *x, global const ST *g, global ST *dx, ulong n,      \
                               global const ST *w, ulong offset, ulong channels, ulong inner)      \
    {                                                                                              \
        PRELU_HEAD_##V##_BWD                                                                       \
        PRELU_VECTORS(REALV xv = LOADV(v, x); REALV gv = LOADV(v, g);, MATH_prelu_bwd(xv, gv, av), \
                      dx, PRELU_BWD_AT, V)                                                         \
    }
PRELU_KERNELS(PLAIN, )
#if !defined(CLRELU_FPGA)
PRELU_KERNELS(NT, _nt)
#endif

/* Partial sums of dL/dweight over this chunk: item w = c * parts + part sums x*g over the
 * non-positive x of channel c, visiting every parts-th element of that channel in the chunk.
 * The host adds the parts (and the chunks) up. Must run before prelu_bwd when dx aliases x or g. */
KERNEL void prelu_dw(global const ST *x, global const ST *g, ulong n, ulong offset, ulong channels,
                     ulong inner, ulong parts, global ACC *partial)
{
    ulong b, e, s;
    work_range(channels * parts, &b, &e, &s);
    ulong plane = channels * inner, end = offset + n;
    ulong row0 = offset / plane, rows = (end - 1) / plane - row0 + 1;
    for (ulong item = b; item < e; item += s) {
        ulong c = item / parts, part = item % parts;
        ACC acc = 0;
        for (ulong m = part; m < rows * inner; m += parts) {
            ulong i = (row0 + m / inner) * plane + c * inner + m % inner;
            if (i >= offset && i < end) {
                REAL xs = LOAD1(i - offset, x);
                if (!(xs > ZERO))
                    acc += (ACC)xs * (ACC)LOAD1(i - offset, g);
            }
        }
        partial[item] = acc;
    }
}
