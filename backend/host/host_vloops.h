/* host_vloops.h: a template of the host's 16-bit (float16, bfloat16) loops, instantiated once per instruction set by host_kernels.c. */

/* No include guard: host_kernels.c includes this file once per instruction set, each time inside
 * a `#pragma GCC target` region, after defining
 *   VL_ISA   the suffix of the functions it defines (baseline, avx2, avx512)
 *   VL_VW    floats per vector (4: 16 bytes, 8: 32 bytes, 16: 64 bytes)
 *   VL_F16C  (optional) 1: float16 <-> float with the F16C instructions of VL_VW lanes; 2: with
 *            the AVX-512 ones; absent: the portable integer conversions below
 *   VL_BF16  (optional, with VL_F16C 2) float -> bfloat16 with AVX512_BF16's conversion
 * and it defines vl16_fwd_<ISA> and vl16_bwd_<ISA> (see the contract above them).
 *
 * Each loop is one pass: a vector of 16-bit patterns is loaded, widened to floats in registers,
 * the op's float math runs on it (the same expressions as the float32 loops, so the same float
 * result), and the result is rounded once to the storage format (nearest even) and stored. The
 * widening is exact; the rounding equals clrelu_float_to_half / clrelu_float_to_bf16 bit for bit
 * (NaN stays a NaN of the same sign, made quiet). The last n % VL_VW elements go through the same
 * vector code from a padded copy, so a tail gives the same bits as a full vector would. */

#define VL_CAT_(a, b) a##b
#define VL_CAT(a, b) VL_CAT_(a, b)
#define VF VL_CAT(vl_f_, VL_ISA)   /* VL_VW floats */
#define VU VL_CAT(vl_u_, VL_ISA)   /* VL_VW uint32 (and comparison masks) */
#define VH VL_CAT(vl_h_, VL_ISA)   /* VL_VW uint16 */
#define VL_FN(name) VL_CAT(VL_CAT(name, _), VL_ISA)
#define VL_INLINE static inline __attribute__((always_inline))

typedef float VF __attribute__((vector_size(VL_VW * 4)));
typedef uint32_t VU __attribute__((vector_size(VL_VW * 4)));
typedef uint16_t VH __attribute__((vector_size(VL_VW * 2)));

/* ---- selects: m is a comparison result (all ones or all zeros per lane) ------------------- */
#define VL_SEL(m, a, b) ((VF)(((VU)(a) & (VU)(m)) | ((VU)(b) & ~(VU)(m))))

/* ---- min/max and scaling by 2^n where the instruction set has them -------------------------
 * VL_MAXK(k, x) / VL_MINK(k, x): max/min of a constant vector k and x, with x's NaN kept: the x86
 * min/max instructions return their second operand when either is NaN. VL_SCALEF(v, nf): v 2^nf
 * for a whole-number float nf, rounded once (AVX-512's vscalefps: overflow to inf, gradual
 * underflow, NaN in either operand gives NaN). The baseline set (any target) has neither. */
#if defined(VL_F16C) && VL_F16C == 2
#define VL_MAXK(k, x) ((VF)_mm512_max_ps((__m512)(k), (__m512)(x)))
#define VL_MINK(k, x) ((VF)_mm512_min_ps((__m512)(k), (__m512)(x)))
#define VL_SCALEF(v, nf) ((VF)_mm512_scalef_ps((__m512)(v), (__m512)(nf)))
#elif defined(VL_F16C) && VL_F16C == 1
#define VL_MAXK(k, x) ((VF)_mm256_max_ps((__m256)(k), (__m256)(x)))
#define VL_MINK(k, x) ((VF)_mm256_min_ps((__m256)(k), (__m256)(x)))
#endif
/* VL_FMS(a, b, c): a b - c rounded once, where the set has FMA (so a b - round(a b) is exact) */
#if defined(VL_F16C) && VL_F16C == 2
#define VL_FMS(a, b, c) ((VF)_mm512_fmsub_ps((__m512)(a), (__m512)(b), (__m512)(c)))
#elif defined(VL_F16C) && VL_F16C == 1
#define VL_FMS(a, b, c) ((VF)_mm256_fmsub_ps((__m256)(a), (__m256)(b), (__m256)(c)))
#endif

/* ---- 16 <-> 32-bit lanes (vl_zext16 loads and widens, vl_narrow16 narrows lanes below 2^16 in
 * registers): by intrinsics where GCC's __builtin_convertvector takes a detour (AVX-512: two
 * half-width extensions and a permute instead of vpmovzxwd / vpmovdw) ----------------------- */
#if defined(VL_F16C) && VL_F16C == 2
VL_INLINE VU VL_FN(vl_zext16)(const uint16_t *p) { return (VU)_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(const void *)p)); }
VL_INLINE VH VL_FN(vl_narrow16)(VU o) { return (VH)_mm512_cvtepi32_epi16((__m512i)o); }
#elif defined(VL_F16C) && VL_F16C == 1
VL_INLINE VU VL_FN(vl_zext16)(const uint16_t *p) { return (VU)_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)p)); }
/* every lane is below 2^16, so the unsigned saturating pack is exact */
VL_INLINE VH VL_FN(vl_narrow16)(VU o)
{
    __m256i w = (__m256i)o;
    return (VH)_mm_packus_epi32(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}
#else
VL_INLINE VU VL_FN(vl_zext16)(const uint16_t *p)
{
    VH hb;
    memcpy(&hb, p, sizeof hb);
    return __builtin_convertvector(hb, VU);
}
VL_INLINE VH VL_FN(vl_narrow16)(VU o) { return __builtin_convertvector(o, VH); }
#endif

/* ---- float16 <-> float ----------------------------------------------------------------- */
#if defined(VL_F16C) && VL_F16C == 2
VL_INLINE VF VL_FN(vl_load_f16)(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)p)); }
VL_INLINE VH VL_FN(vl_round_f16)(VF v) { return (VH)_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
#elif defined(VL_F16C) && VL_F16C == 1
VL_INLINE VF VL_FN(vl_load_f16)(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)p)); }
VL_INLINE VH VL_FN(vl_round_f16)(VF v) { return (VH)_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
#else
/* Exact widening by integer arithmetic: exponent rebias; inf/NaN get the float's all-ones
 * exponent (NaN made quiet); a subnormal is built as a float 2^-14 * (1 + m/1024) and corrected by
 * subtracting 2^-14 (exact). Selects only, so it vectorises. */
VL_INLINE VF VL_FN(vl_load_f16)(const uint16_t *p)
{
    VU h = VL_FN(vl_zext16)(p);
    VU o = (h & 0x7fffu) << 13;
    VU e = o & 0x0f800000u;
    o += (127u - 15u) << 23;
    VU special = (VU)(e == 0x0f800000u), tiny = (VU)(e == 0u);
    o += special & ((128u - 16u) << 23);
    o |= special & (VU)((h & 0x3ffu) != 0u) & 0x00400000u; /* quiet NaN */
    VF sub = (VF)(o + (1u << 23)) - 0x1p-14f;
    o = (tiny & (VU)sub) | (~tiny & o);
    return (VF)(o | ((h & 0x8000u) << 16));
}

/* Rounding to nearest even by integer arithmetic (as clrelu_float_to_half): normal results add
 * the rounding bias and carry into the exponent (65520 and up carry to inf); subnormal results
 * come from a float addition of 0.5, whose rounding is the half subnormal's; NaN keeps its top
 * payload bits and is made quiet. */
VL_INLINE VH VL_FN(vl_round_f16)(VF v)
{
    VU f = (VU)v, sign = f & 0x80000000u;
    f ^= sign;
    VU normal = (f + (uint32_t)((15u - 127u) << 23) + 0xfffu + ((f >> 13) & 1u)) >> 13;
    VU sub = (VU)((VF)f + 0.5f) - 0x3f000000u;
    VU naninf = (VU)(f > 0x7f800000u) & (0x7e00u | ((f >> 13) & 0x3ffu));
    naninf |= ~(VU)(f > 0x7f800000u) & 0x7c00u;
    VU big = (VU)(f >= 0x47800000u), small = (VU)(f < 0x38800000u);
    VU o = (big & naninf) | (~big & ((small & sub) | (~small & normal)));
    o |= sign >> 16;
    return VL_FN(vl_narrow16)(o);
}
#endif

/* ---- bfloat16 <-> float: the top 16 bits of a float ------------------------------------ */
VL_INLINE VF VL_FN(vl_load_bf16)(const uint16_t *p) { return (VF)(VL_FN(vl_zext16)(p) << 16); }

/* nearest even by adding 0x7fff plus the lowest kept bit; NaN: the top bits, made quiet */
VL_INLINE VH VL_FN(vl_round_bf16_int)(VF v)
{
#if defined(VL_F16C) && VL_F16C == 2
    /* the same, with the NaN lanes fixed by one masked or */
    __m512i u = (__m512i)v, hi = _mm512_srli_epi32(u, 16);
    __m512i r = _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), _mm512_and_si512(hi, _mm512_set1_epi32(1)));
    r = _mm512_srli_epi32(r, 16);
    r = _mm512_mask_or_epi32(r, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), hi, _mm512_set1_epi32(0x40));
    return VL_FN(vl_narrow16)((VU)r);
#else
    VU u = (VU)v, nan = (VU)(v != v);
    VU o = (nan & ((u >> 16) | 0x40u)) | (~nan & ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16));
    return VL_FN(vl_narrow16)(o);
#endif
}
#ifdef VL_BF16
/* AVX512_BF16's vcvtneps2bf16 rounds the same way (nearest even, NaN's top bits made quiet) in one
 * instruction, but reads a subnormal float as zero: lanes with one (|v| < 2^-126, rare) take the
 * integer rounding. 9 vector instructions per 16 elements become 3 (conversion, class test,
 * mask test). */
VL_INLINE VH VL_FN(vl_round_bf16)(VF v)
{
    VH h = (VH)_mm512_cvtneps_pbh((__m512)v);
    __mmask16 sub = _mm512_fpclass_ps_mask((__m512)v, 0x20); /* 0x20: subnormal */
    if (__builtin_expect(sub != 0, 0))
        h = (VH)_mm256_mask_blend_epi16(sub, (__m256i)h, (__m256i)VL_FN(vl_round_bf16_int)(v));
    return h;
}
#else
VL_INLINE VH VL_FN(vl_round_bf16)(VF v) { return VL_FN(vl_round_bf16_int)(v); }
#endif

/* Storing one vector's rounded 16-bit results: an ordinary store, or a non-temporal one (p
 * aligned to VL_VW * 2 bytes) straight from the register, without a round trip through memory. */
VL_INLINE void VL_FN(vl_put16)(uint16_t *p, VH h) { memcpy(p, &h, sizeof h); }
VL_INLINE void VL_FN(vl_stream16)(uint16_t *p, VH h)
{
#if defined(VL_F16C) && VL_F16C == 2
    _mm256_stream_si256((__m256i *)(void *)p, (__m256i)h);
#elif defined(VL_F16C) && VL_F16C == 1
    _mm_stream_si128((__m128i *)(void *)p, (__m128i)h);
#elif defined(__SSE2__) && defined(__x86_64__)
    long long q;
    memcpy(&q, &h, sizeof q);
    _mm_stream_si64((long long *)(void *)p, q);
#else
    memcpy(p, &h, sizeof h);
#endif
}
VL_INLINE void VL_FN(vl_store_f16)(uint16_t *p, VF v) { VL_FN(vl_put16)(p, VL_FN(vl_round_f16)(v)); }
VL_INLINE void VL_FN(vl_store_bf16)(uint16_t *p, VF v) { VL_FN(vl_put16)(p, VL_FN(vl_round_bf16)(v)); }
VL_INLINE void VL_FN(vl_stream_f16)(uint16_t *p, VF v) { VL_FN(vl_stream16)(p, VL_FN(vl_round_f16)(v)); }
VL_INLINE void VL_FN(vl_stream_bf16)(uint16_t *p, VF v) { VL_FN(vl_stream16)(p, VL_FN(vl_round_bf16)(v)); }

/* ---- lane masks of float comparisons, and selects of 16-bit patterns under them. AVX-512
 * compares into a mask register that blends 16-bit words directly; elsewhere the 32-bit lane
 * masks are narrowed to 16 bits (all ones stay all ones) and the select is bitwise. ---------- */
#if defined(VL_F16C) && VL_F16C == 2
typedef __mmask16 VL_CAT(vl_m_, VL_ISA);
#define VM VL_CAT(vl_m_, VL_ISA)
#define VL_LT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)
#define VL_LE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ)
#define VL_GT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)
#define VL_GE(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ)
VL_INLINE VH VL_FN(vl_blend16)(VM m, VH a, VH b) { return (VH)_mm256_mask_blend_epi16(m, (__m256i)b, (__m256i)a); }
VL_INLINE VF VL_FN(vl_blendf)(VM m, VF a, VF b) { return (VF)_mm512_mask_blend_ps(m, (__m512)b, (__m512)a); }
#else
#define VM VU
#define VL_LT(a, b) ((VU)((a) < (b)))
#define VL_LE(a, b) ((VU)((a) <= (b)))
#define VL_GT(a, b) ((VU)((a) > (b)))
#define VL_GE(a, b) ((VU)((a) >= (b)))
VL_INLINE VH VL_FN(vl_blend16)(VM m, VH a, VH b)
{
#if defined(VL_F16C) && VL_F16C == 1
    __m256i w = (__m256i)m; /* signed saturation keeps -1 and 0 */
    VH mh = (VH)_mm_packs_epi32(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
#else
    VH mh = __builtin_convertvector(m, VH);
#endif
    return (a & mh) | (b & ~mh);
}
VL_INLINE VF VL_FN(vl_blendf)(VM m, VF a, VF b) { return VL_SEL(m, a, b); }
#endif
#define VL_BLEND16 VL_FN(vl_blend16)
#define VL_BLENDF VL_FN(vl_blendf)

#include "host/host_vmath.h"

/* ---- the ops' float math (the float32 loops' expressions; NaN propagates through the
 * comparisons, and relu(-0) is -0) ------------------------------------------------------- */
#define VL_leaky_fwd(v) VL_SEL((v) > 0.0f, v, (v) * p0)
#define VL_leaky_bwd(v, d) VL_SEL((v) > 0.0f, d, (d) * p0)

/* The ops whose result is x, g, zero or a clamp bound select among the stored patterns: the
 * comparisons run on the widened floats, and nothing is rounded on the way out (the bounds were
 * rounded once: lo, hi). The bits are those of rounding the float result (x, g and the rounded
 * bounds are exact in the storage format); a NaN keeps its payload, which every comparison
 * treats as the same NaN. */
#define VL_relu_sel_fwd(v, xb) VL_BLEND16(VL_LT(v, fzero), (VH){0}, xb)
#define VL_clamp_sel_fwd(v, xb) VL_BLEND16(VL_GT(v, fhi), hib, VL_BLEND16(VL_LT(v, flo), lob, xb))
#define VL_relu_sel_bwd(v, gb) VL_BLEND16(VL_LE(v, fzero), (VH){0}, gb)
#define VL_clamp_sel_bwd(v, gb) VL_BLEND16(VL_LE(v, flo) | VL_GE(v, fhi), (VH){0}, gb)

/* A prefetch into L1 of the line 2 KiB ahead of p, once per two vectors (a prefetch never faults,
 * so reading past the end is harmless). Beyond the caches the hardware prefetchers alone kept too
 * few lines in flight for a loop that also computes: 64M float32 out of place, host, two threads,
 * G B/s before -> after: silu 26 -> 32-35, gelu 22 -> 31, tanh 27 -> 31-34, elu 25 -> 34 (a
 * non-temporal prefetch 4 KiB ahead made it slower; into L1 4 KiB ahead did about the same and
 * 1 KiB ahead less steadily; BENCHMARKS.md section 16.4). */
#define VL_PREFETCH(p) __builtin_prefetch((const char *)(p) + 2048, 0, 3)

/* One pass of MATH over n elements of the storage format whose loads/stores are LD/ST (x, g and y
 * point to its element type; the tail's buffers take y's). Two vectors per iteration: two
 * independent dependency chains side by side, so the long ones of the smooth ops (a division, a
 * polynomial, exp) overlap sooner (in cache, AVX-512: gelu 0.466 -> 0.443 ns per element, elu
 * 0.257 -> 0.243). */
#define VL_FWD_PASS(LD, ST, MATH)                                                                  \
    do {                                                                                           \
        size_t i_ = 0;                                                                             \
        for (; i_ + 2 * VL_VW <= n; i_ += 2 * VL_VW) {                                             \
            VL_PREFETCH(x + i_);                                                                   \
            VF v0 = LD(x + i_), v1 = LD(x + i_ + VL_VW);                                           \
            VF r0 = MATH(v0), r1 = MATH(v1);                                                       \
            ST(y + i_, r0);                                                                        \
            ST(y + i_ + VL_VW, r1);                                                                \
        }                                                                                          \
        for (; i_ + VL_VW <= n; i_ += VL_VW) {                                                     \
            VF v = LD(x + i_);                                                                     \
            ST(y + i_, MATH(v));                                                                   \
        }                                                                                          \
        if (i_ < n) {                                                                              \
            __typeof__(*y) bx[VL_VW] = {0}; /* y's element type: x's without the const */          \
            _Alignas(64) __typeof__(*y) by[VL_VW]; /* a streaming ST needs its alignment */        \
            memcpy(bx, x + i_, (n - i_) * sizeof *x);                                              \
            VF v = LD(bx);                                                                         \
            ST(by, MATH(v));                                                                       \
            memcpy(y + i_, by, (n - i_) * sizeof *y);                                              \
        }                                                                                          \
    } while (0)
#define VL_BWD_PASS(LD, ST, MATH)                                                                  \
    do {                                                                                           \
        size_t i_ = 0;                                                                             \
        for (; i_ + 2 * VL_VW <= n; i_ += 2 * VL_VW) {                                             \
            VL_PREFETCH(x + i_);                                                                   \
            VL_PREFETCH(g + i_);                                                                   \
            VF v0 = LD(x + i_), d0 = LD(g + i_), v1 = LD(x + i_ + VL_VW), d1 = LD(g + i_ + VL_VW); \
            VF r0 = MATH(v0, d0), r1 = MATH(v1, d1);                                               \
            ST(y + i_, r0);                                                                        \
            ST(y + i_ + VL_VW, r1);                                                                \
        }                                                                                          \
        for (; i_ + VL_VW <= n; i_ += VL_VW) {                                                     \
            VF v = LD(x + i_), d = LD(g + i_);                                                     \
            ST(y + i_, MATH(v, d));                                                                \
        }                                                                                          \
        if (i_ < n) {                                                                              \
            __typeof__(*y) bx[VL_VW] = {0}, bg[VL_VW] = {0};                                       \
            _Alignas(64) __typeof__(*y) by[VL_VW];                                                 \
            memcpy(bx, x + i_, (n - i_) * sizeof *x);                                              \
            memcpy(bg, g + i_, (n - i_) * sizeof *g);                                              \
            VF v = LD(bx), d = LD(bg);                                                             \
            ST(by, MATH(v, d));                                                                    \
            memcpy(y + i_, by, (n - i_) * sizeof *y);                                              \
        }                                                                                          \
    } while (0)
/* The same for the selecting ops: MATH(floats of x, patterns of x or g) gives the patterns. */
#define VL_SEL_PASS(LD, MATH, SRC)                                                                 \
    do {                                                                                           \
        size_t i_ = 0;                                                                             \
        VH b_;                                                                                     \
        for (; i_ + VL_VW <= n; i_ += VL_VW) {                                                     \
            memcpy(&b_, SRC + i_, sizeof b_);                                                      \
            b_ = MATH(LD(x + i_), b_);                                                             \
            memcpy(y + i_, &b_, sizeof b_);                                                        \
        }                                                                                          \
        if (i_ < n) {                                                                              \
            uint16_t bx[VL_VW] = {0}, bs[VL_VW] = {0};                                             \
            memcpy(bx, x + i_, (n - i_) * sizeof *x);                                              \
            memcpy(bs, SRC + i_, (n - i_) * sizeof *y);                                            \
            memcpy(&b_, bs, sizeof b_);                                                            \
            b_ = MATH(LD(bx), b_);                                                                 \
            memcpy(y + i_, &b_, (n - i_) * sizeof *y);                                             \
        }                                                                                          \
    } while (0)

#define VL_FWD_OPS(LD, ST)                                                                         \
    switch (id) {                                                                                  \
    case OP_RELU: VL_SEL_PASS(LD, VL_relu_sel_fwd, x); break;                                     \
    case OP_LEAKY_RELU:                                                                            \
    case OP_PRELU: VL_FWD_PASS(LD, ST, VL_leaky_fwd); break;                                      \
    case OP_RELU6:                                                                                 \
    case OP_HARDTANH: VL_SEL_PASS(LD, VL_clamp_sel_fwd, x); break;                                \
    default: break;                                                                                \
    }
#define VL_BWD_OPS(LD, ST)                                                                         \
    switch (id) {                                                                                  \
    case OP_RELU: VL_SEL_PASS(LD, VL_relu_sel_bwd, g); break;                                     \
    case OP_LEAKY_RELU:                                                                            \
    case OP_PRELU: VL_BWD_PASS(LD, ST, VL_leaky_bwd); break;                                      \
    case OP_RELU6:                                                                                 \
    case OP_HARDTANH: VL_SEL_PASS(LD, VL_clamp_sel_bwd, g); break;                                \
    default: break;                                                                                \
    }

/* The clamp bounds as floats and as rounded patterns, and float zero, for the selecting ops. */
#define VL_BOUNDS(t)                                                                               \
    if (id == OP_RELU6)                                                                            \
        p0 = 0.0f, p1 = 6.0f;                                                                      \
    VF fzero = {0}, flo = fzero + p0, fhi = fzero + p1;                                            \
    VH lob = (VH){0} + (uint16_t)(t == CLRELU_F16 ? clrelu_float_to_half(p0) : clrelu_float_to_bf16(p0)); \
    VH hib = (VH){0} + (uint16_t)(t == CLRELU_F16 ? clrelu_float_to_half(p1) : clrelu_float_to_bf16(p1)); \
    (void)flo, (void)fhi, (void)lob, (void)hib

/* Forward (y = op(x)) and backward (y = dL/dx from x and g) over n elements of float16
 * (t == CLRELU_F16) or bfloat16 storage, for the ops with a fast path (relu, leaky_relu, relu6,
 * hardtanh, prelu with p0 its slope). y may equal x or g: each vector is read before it is written. */
static void VL_FN(vl16_fwd)(op_id id, clrelu_dtype t, const uint16_t *x, uint16_t *y, size_t n, float p0, float p1)
{
    VL_BOUNDS(t);
    if (t == CLRELU_F16)
        VL_FWD_OPS(VL_FN(vl_load_f16), VL_FN(vl_store_f16))
    else
        VL_FWD_OPS(VL_FN(vl_load_bf16), VL_FN(vl_store_bf16))
}

static void VL_FN(vl16_bwd)(op_id id, clrelu_dtype t, const uint16_t *x, const uint16_t *g, uint16_t *y, size_t n,
                            float p0, float p1)
{
    VL_BOUNDS(t);
    if (t == CLRELU_F16)
        VL_BWD_OPS(VL_FN(vl_load_f16), VL_FN(vl_store_f16))
    else
        VL_BWD_OPS(VL_FN(vl_load_bf16), VL_FN(vl_store_bf16))
}

/* ---- the smooth ops (host_vmath.h) over float32, float16 and bfloat16 storage ---------------- */
VL_INLINE VF VL_FN(vl_load_f32)(const float *p)
{
    VF v;
    memcpy(&v, p, sizeof v);
    return v;
}
VL_INLINE void VL_FN(vl_store_f32)(float *p, VF v) { memcpy(p, &v, sizeof v); }
/* a non-temporal store of one vector; p aligned to the vector's size */
VL_INLINE void VL_FN(vl_stream_f32)(float *p, VF v)
{
#if defined(VL_F16C) && VL_F16C == 2
    _mm512_stream_ps(p, (__m512)v);
#elif defined(VL_F16C) && VL_F16C == 1
    _mm256_stream_ps(p, (__m256)v);
#elif defined(__SSE__)
    _mm_stream_ps(p, (__m128)v);
#else
    VL_FN(vl_store_f32)(p, v);
#endif
}

#define VM_elu_fwd(v) VL_FN(vm_elu_fwd)(v, p0, 1.0f)
#define VM_elu_pos_fwd(v) VL_FN(vm_elu_pos_fwd)(v, p0, 1.0f)
#define VM_selu_fwd(v) VL_FN(vm_elu_pos_fwd)(v, VL_SELU_ALPHA_SCALE, VL_SELU_SCALE)
#define VM_softplus_fwd(v) VL_FN(vm_softplus_fwd)(v, p0, p1)
#define VM_softplus1_fwd(v) VL_FN(vm_softplus1_fwd)(v, p1)
#define VM_elu_bwd(v, d) VL_FN(vm_elu_bwd)(v, d, p0, 1.0f)
#define VM_selu_bwd(v, d) VL_FN(vm_elu_bwd)(v, d, VL_SELU_ALPHA, VL_SELU_SCALE)
#define VM_softplus_bwd(v, d) VL_FN(vm_softplus_bwd)(v, d, p0, p1)
#define VM_FWD_OPS(LD, ST)                                                                         \
    switch (id) {                                                                                  \
    case OP_ELU:                                                                                   \
        if (p0 >= 0.0f) /* vm_elu_pos_fwd's condition */                                          \
            VL_FWD_PASS(LD, ST, VM_elu_pos_fwd);                                                   \
        else                                                                                       \
            VL_FWD_PASS(LD, ST, VM_elu_fwd);                                                       \
        break;                                                                                     \
    case OP_SELU: VL_FWD_PASS(LD, ST, VM_selu_fwd); break;                                        \
    case OP_GELU: VL_FWD_PASS(LD, ST, VL_FN(vm_gelu_fwd)); break;                                 \
    case OP_GELU_TANH: VL_FWD_PASS(LD, ST, VL_FN(vm_gelu_tanh_fwd)); break;                       \
    case OP_SILU: VL_FWD_PASS(LD, ST, VL_FN(vm_silu_fwd)); break;                                 \
    case OP_SOFTPLUS:                                                                              \
        if (p0 == 1.0f) /* the default beta: x * 1 and l / 1 are exact, so skip them */            \
            VL_FWD_PASS(LD, ST, VM_softplus1_fwd);                                                 \
        else                                                                                       \
            VL_FWD_PASS(LD, ST, VM_softplus_fwd);                                                  \
        break;                                                                                     \
    case OP_SIGMOID: VL_FWD_PASS(LD, ST, VL_FN(vm_sigmoid_fwd)); break;                           \
    case OP_TANH: VL_FWD_PASS(LD, ST, VL_FN(vm_tanh_fwd)); break;                                 \
    default: break;                                                                                \
    }
#define VM_BWD_OPS(LD, ST)                                                                         \
    switch (id) {                                                                                  \
    case OP_ELU: VL_BWD_PASS(LD, ST, VM_elu_bwd); break;                                          \
    case OP_SELU: VL_BWD_PASS(LD, ST, VM_selu_bwd); break;                                        \
    case OP_GELU: VL_BWD_PASS(LD, ST, VL_FN(vm_gelu_bwd)); break;                                 \
    case OP_GELU_TANH: VL_BWD_PASS(LD, ST, VL_FN(vm_gelu_tanh_bwd)); break;                       \
    case OP_SILU: VL_BWD_PASS(LD, ST, VL_FN(vm_silu_bwd)); break;                                 \
    case OP_SOFTPLUS: VL_BWD_PASS(LD, ST, VM_softplus_bwd); break;                                \
    case OP_SIGMOID: VL_BWD_PASS(LD, ST, VL_FN(vm_sigmoid_bwd)); break;                           \
    case OP_TANH: VL_BWD_PASS(LD, ST, VL_FN(vm_tanh_bwd)); break;                                 \
    default: break;                                                                                \
    }

/* Forward and backward of the smooth ops (elu, selu, gelu, gelu_tanh, silu, softplus, sigmoid,
 * tanh) over n elements of float32, float16 or bfloat16 storage (t), computed in float and
 * rounded once; y may equal x or g. STORE names the stores: vl_store (vm_fwd, vm_bwd) or
 * vl_stream (vm_fwd_nt, vm_bwd_nt: non-temporal stores, y aligned to one vector of its storage
 * type and n a multiple of VL_VW; host_kernels.c passes them the aligned middle of a streaming
 * pass, the head and tail going through vm_fwd/vm_bwd. Computed in 256-byte blocks and copied
 * out instead, each block paid a call, the op's constants and a copy, and 16M float32 silu out
 * of place ran at a third of its rate in cache). */
#define VM_DEFINE_FWD(NAME, STORE)                                                                 \
    static void VL_FN(NAME)(op_id id, clrelu_dtype t, const void *xv, void *yv, size_t n, float p0, float p1) \
    {                                                                                              \
        if (t == CLRELU_F32) {                                                                     \
            const float *x = xv;                                                                   \
            float *y = yv;                                                                         \
            VM_FWD_OPS(VL_FN(vl_load_f32), VL_FN(STORE##_f32))                                     \
        } else {                                                                                   \
            const uint16_t *x = xv;                                                                \
            uint16_t *y = yv;                                                                      \
            if (t == CLRELU_F16)                                                                   \
                VM_FWD_OPS(VL_FN(vl_load_f16), VL_FN(STORE##_f16))                                 \
            else                                                                                   \
                VM_FWD_OPS(VL_FN(vl_load_bf16), VL_FN(STORE##_bf16))                               \
        }                                                                                          \
    }
#define VM_DEFINE_BWD(NAME, STORE)                                                                 \
    static void VL_FN(NAME)(op_id id, clrelu_dtype t, const void *xv, const void *gv, void *yv, size_t n, float p0, \
                            float p1)                                                              \
    {                                                                                              \
        if (t == CLRELU_F32) {                                                                     \
            const float *x = xv, *g = gv;                                                          \
            float *y = yv;                                                                         \
            VM_BWD_OPS(VL_FN(vl_load_f32), VL_FN(STORE##_f32))                                     \
        } else {                                                                                   \
            const uint16_t *x = xv, *g = gv;                                                       \
            uint16_t *y = yv;                                                                      \
            if (t == CLRELU_F16)                                                                   \
                VM_BWD_OPS(VL_FN(vl_load_f16), VL_FN(STORE##_f16))                                 \
            else                                                                                   \
                VM_BWD_OPS(VL_FN(vl_load_bf16), VL_FN(STORE##_bf16))                               \
        }                                                                                          \
    }
VM_DEFINE_FWD(vm_fwd, vl_store)
VM_DEFINE_BWD(vm_bwd, vl_store)
VM_DEFINE_FWD(vm_fwd_nt, vl_stream)
VM_DEFINE_BWD(vm_bwd_nt, vl_stream)
#undef VM_DEFINE_FWD
#undef VM_DEFINE_BWD

/* The conversions alone, for tests: n 16-bit patterns widened to floats, n floats rounded. */
static void VL_FN(vl16_widen)(clrelu_dtype t, const uint16_t *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i += VL_VW) {
        uint16_t b[VL_VW] = {0};
        float f[VL_VW];
        size_t m = n - i < VL_VW ? n - i : VL_VW;
        memcpy(b, x + i, m * sizeof *b);
        VF v = t == CLRELU_F16 ? VL_FN(vl_load_f16)(b) : VL_FN(vl_load_bf16)(b);
        memcpy(f, &v, sizeof f);
        memcpy(y + i, f, m * sizeof *y);
    }
}

static void VL_FN(vl16_narrow)(clrelu_dtype t, const float *x, uint16_t *y, size_t n)
{
    for (size_t i = 0; i < n; i += VL_VW) {
        VF v = {0};
        uint16_t b[VL_VW];
        size_t m = n - i < VL_VW ? n - i : VL_VW;
        memcpy(&v, x + i, m * sizeof *x);
        if (t == CLRELU_F16)
            VL_FN(vl_store_f16)(b, v);
        else
            VL_FN(vl_store_bf16)(b, v);
        memcpy(y + i, b, m * sizeof *y);
    }
}

#undef VF
#undef VM
#undef VL_MAXK
#undef VL_MINK
#undef VL_SCALEF
#undef VL_FMS
#undef VL_LT
#undef VL_LE
#undef VL_GT
#undef VL_GE
#undef VL_BLEND16
#undef VL_BLENDF
#undef VU
#undef VH
#undef VL_ISA
#undef VL_VW
#undef VL_F16C
#undef VL_BF16
