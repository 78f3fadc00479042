/* host_kernels.c: the host backend's elementwise loops over a range — fast float/double paths and the reference path. */
#include "host/host_kernels.h"
#include "core/settings.h"
#include "core/stream.h"
#include "host/host_f64_vec.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#define HOST_HAS_STREAM 1
#endif
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>
#endif

/* At -O2 GCC only vectorises loops whose trip count is known, and will not turn a select whose
 * arm multiplies into a blend while FP traps are assumed; these loops must vectorise at any
 * optimisation level the project builds with (all twelve do: checked with -O2 -fopt-info-vec).
 * Neither option changes a result: no trap handlers are installed and flags are never read. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic", "no-trapping-math")
#endif

/* The loops may run in place (y == x or y == g): each element is read before it is written,
 * which is also true vector by vector, so the compiler may ignore the apparent dependence. */
#if defined(__GNUC__) && !defined(__clang__)
#define IVDEP _Pragma("GCC ivdep")
#else
#define IVDEP
#endif

/* The default x86-64 target has only SSE2 (16-byte vectors). The loops are also compiled for
 * AVX2, AVX-512 and AVX-512 with AVX512_BF16, and the widest the CPU has is chosen once at run
 * time (or the one named by CLRELU_HOST_ISA=avx512bf16|avx512|avx2|baseline, which the tests use
 * to check every variant). It matters when the data sits in cache; memory-bound sizes run at the
 * same speed. Chosen by hand rather than with target_clones: an ifunc resolver runs before the
 * sanitizers' runtimes start. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HOST_ISA_VARIANTS 1
#define ATTR_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define ATTR_AVX2 __attribute__((target("avx2,fma,f16c")))
#endif

/* One loop per op and direction, instantiated for float (T=float) and double. */
#define DEFINE_LOOPS(T, SFX, ATTR)                                                                 \
    ATTR static void fwd_##SFX(op_id id, const T *x, T *y, size_t n, T p0, T p1)                   \
    {                                                                                              \
        const T zero = 0, six = 6;                                                                 \
        switch (id) {                                                                              \
        case OP_RELU:                                                                              \
            IVDEP for (size_t i = 0; i < n; i++) {                                                 \
                T v = x[i];                                                                        \
                y[i] = v < zero ? zero : v;                                                        \
            }                                                                                      \
            break;                                                                                 \
        case OP_LEAKY_RELU:                                                                        \
        case OP_PRELU:                                                                             \
            IVDEP for (size_t i = 0; i < n; i++) {                                                 \
                T v = x[i], s = v * p0; /* both arms computed: a select, not a branch */           \
                y[i] = v > zero ? v : s;                                                           \
            }                                                                                      \
            break;                                                                                 \
        case OP_RELU6:                                                                             \
            p0 = zero;                                                                             \
            p1 = six;                                                                              \
            /* fall through */                                                                     \
        case OP_HARDTANH:                                                                          \
            IVDEP for (size_t i = 0; i < n; i++) {                                                 \
                T v = x[i], low = v < p0 ? p0 : v; /* p0 < p1: the two selects are the clamp */    \
                y[i] = v > p1 ? p1 : low;                                                          \
            }                                                                                      \
            break;                                                                                 \
        default: break;                                                                            \
        }                                                                                          \
    }                                                                                              \
    ATTR static void bwd_##SFX(op_id id, const T *x, const T *g, T *y, size_t n, T p0, T p1)       \
    {                                                                                              \
        const T zero = 0, six = 6;                                                                 \
        switch (id) {                                                                              \
        case OP_RELU:                                                                              \
            IVDEP for (size_t i = 0; i < n; i++) {                                                 \
                T v = x[i], d = g[i];                                                              \
                y[i] = v <= zero ? zero : d;                                                       \
            }                                                                                      \
            break;                                                                                 \
        case OP_LEAKY_RELU:                                                                        \
        case OP_PRELU:                                                                             \
            IVDEP for (size_t i = 0; i < n; i++) {                                                 \
                T v = x[i], d = g[i], s = d * p0;                                                  \
                y[i] = v > zero ? d : s;                                                           \
            }                                                                                      \
            break;                                                                                 \
        case OP_RELU6:                                                                             \
            p0 = zero;                                                                             \
            p1 = six;                                                                              \
            /* fall through */                                                                     \
        case OP_HARDTANH:                                                                          \
            IVDEP for (size_t i = 0; i < n; i++) {                                                 \
                T v = x[i], d = g[i];                                                              \
                y[i] = ((v <= p0) | (v >= p1)) ? zero : d;                                         \
            }                                                                                      \
            break;                                                                                 \
        default: break;                                                                            \
        }                                                                                          \
    }

/* The float16/bfloat16 loops (host_vloops.h), per instruction set: float16 conversions with
 * F16C (AVX2 set) or AVX-512F (AVX-512 set), integer arithmetic in the baseline set. */
#define VL_ISA baseline
#define VL_VW 4
#include "host/host_vloops.h"
#ifdef HOST_ISA_VARIANTS
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#define VL_ISA avx2
#define VL_VW 8
#define VL_F16C 1
#include "host/host_vloops.h"
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,f16c")
#define VL_ISA avx512
#define VL_VW 16
#define VL_F16C 2
#include "host/host_vloops.h"
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16,avx2,fma,f16c")
#define VL_ISA avx512bf16
#define VL_VW 16
#define VL_F16C 2
#define VL_BF16 1
#include "host/host_vloops.h"
#pragma GCC pop_options
#endif

typedef struct {
    const char *name;
    void (*fwd_f32)(op_id, const float *, float *, size_t, float, float);
    void (*bwd_f32)(op_id, const float *, const float *, float *, size_t, float, float);
    void (*fwd_f64)(op_id, const double *, double *, size_t, double, double);
    void (*bwd_f64)(op_id, const double *, const double *, double *, size_t, double, double);
    void (*fwd_16)(op_id, clrelu_dtype, const uint16_t *, uint16_t *, size_t, float, float);
    void (*bwd_16)(op_id, clrelu_dtype, const uint16_t *, const uint16_t *, uint16_t *, size_t, float, float);
    void (*fwd_smooth)(op_id, clrelu_dtype, const void *, void *, size_t, float, float);
    void (*bwd_smooth)(op_id, clrelu_dtype, const void *, const void *, void *, size_t, float, float);
    void (*widen_16)(clrelu_dtype, const uint16_t *, float *, size_t);
    void (*narrow_16)(clrelu_dtype, const float *, uint16_t *, size_t);
    void (*stream_out)(void *, const void *, size_t);
    void (*fwd_smooth_nt)(op_id, clrelu_dtype, const void *, void *, size_t, float, float);
    void (*bwd_smooth_nt)(op_id, clrelu_dtype, const void *, const void *, void *, size_t, float, float);
    size_t vector_floats; /* floats per vector: y's alignment for streaming stores is that many elements */
} loop_set;

/* streaming copies of a computed block, one per instruction set (defined with the streaming path) */
static void stream_out_baseline(void *dst, const void *src, size_t n);
#ifdef HOST_ISA_VARIANTS
static void stream_out_avx2(void *dst, const void *src, size_t n);
static void stream_out_avx512(void *dst, const void *src, size_t n);
#endif

/* ISA: the 16-bit and smooth loops (host_vloops.h); W: the float32/float64 piecewise loops and the streaming copy */
#define LOOP_SET_OF(ISA, W) {#ISA, fwd_f32_##W, bwd_f32_##W, fwd_f64_##W, bwd_f64_##W, vl16_fwd_##ISA, vl16_bwd_##ISA, \
                             vm_fwd_##ISA, vm_bwd_##ISA, vl16_widen_##ISA, vl16_narrow_##ISA, stream_out_##W, \
                             vm_fwd_nt_##ISA, vm_bwd_nt_##ISA, sizeof(vl_f_##ISA) / sizeof(float)}
#define LOOP_SET(ISA) LOOP_SET_OF(ISA, ISA)

DEFINE_LOOPS(float, f32_baseline, )
DEFINE_LOOPS(double, f64_baseline, )
#ifdef HOST_ISA_VARIANTS
DEFINE_LOOPS(float, f32_avx2, ATTR_AVX2)
DEFINE_LOOPS(double, f64_avx2, ATTR_AVX2)
DEFINE_LOOPS(float, f32_avx512, ATTR_AVX512)
DEFINE_LOOPS(double, f64_avx512, ATTR_AVX512)
/* avx512bf16: the AVX-512 loops with bfloat16 rounded by AVX512_BF16 (only the 16-bit stores differ) */
static const loop_set loop_sets[] = {LOOP_SET_OF(avx512bf16, avx512), LOOP_SET(avx512), LOOP_SET(avx2),
                                     LOOP_SET(baseline)};
#else
static const loop_set loop_sets[] = {LOOP_SET(baseline)};
#endif
#define N_LOOP_SETS (sizeof loop_sets / sizeof loop_sets[0])

static bool cpu_runs(const loop_set *l)
{
#ifdef HOST_ISA_VARIANTS
    __builtin_cpu_init();
    if (strcmp(l->name, "avx512bf16") == 0)
        return cpu_runs(&loop_sets[1]) && __builtin_cpu_supports("avx512bf16");
    if (strcmp(l->name, "avx512") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("f16c");
    if (strcmp(l->name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#endif
    (void)l;
    return true;
}

/* The loops for this CPU: CLRELU_HOST_ISA's set when the CPU runs it, else the widest it runs. */
static const loop_set *loops(void)
{
    static _Atomic(const loop_set *) chosen;
    const loop_set *l = atomic_load_explicit(&chosen, memory_order_acquire);
    if (l)
        return l;
    clr_settings env;
    clr_settings_read(&env);
    const char *want = env.host_isa;
    for (size_t i = 0; i < N_LOOP_SETS && !l; i++)
        if (want && strcmp(want, loop_sets[i].name) == 0 && cpu_runs(&loop_sets[i]))
            l = &loop_sets[i];
    for (size_t i = 0; i < N_LOOP_SETS && !l; i++)
        if (cpu_runs(&loop_sets[i]))
            l = &loop_sets[i];
    atomic_store_explicit(&chosen, l, memory_order_release); /* every thread picks the same */
    return l;
}

const char *clr_host_kernel_isa(void) { return loops()->name; }

bool clr_host_kernel_isa_available(const char *name)
{
    for (size_t i = 0; i < N_LOOP_SETS; i++)
        if (strcmp(name, loop_sets[i].name) == 0)
            return cpu_runs(&loop_sets[i]);
    return false;
}

bool clr_host_convert16(const char *isa, clrelu_dtype t, const void *src, void *dst, size_t n, bool widen)
{
    for (size_t i = 0; i < N_LOOP_SETS; i++)
        if (strcmp(isa, loop_sets[i].name) == 0 && cpu_runs(&loop_sets[i])) {
            if (widen)
                loop_sets[i].widen_16(t, src, dst, n);
            else
                loop_sets[i].narrow_16(t, src, dst, n);
            return true;
        }
    return false;
}

static bool is_piecewise(op_id id)
{
    return id == OP_RELU || id == OP_LEAKY_RELU || id == OP_RELU6 || id == OP_HARDTANH || id == OP_PRELU;
}

/* Every op has vector loops in float32, float16 and bfloat16; float64 has them here for the
 * piecewise ops only (the smooth ones run glibc's vector libm, host_f64_vec.c, or the double
 * reference, element by element: neither streams). */
static bool has_fast_path(const op_call *c) { return is_piecewise(c->op->id) || c->dtype != CLRELU_F64; }

/* ---- non-temporal stores ----------------------------------------------------------------
 * An out-of-place pass over arrays larger than the cores' caches (stream.c) writes y with streaming
 * (non-temporal) stores: an ordinary store first reads the line it writes (read-for-ownership),
 * so y costs two trips to memory instead of one, and y would be evicted before anyone reads it
 * anyway. Measured here (2 cores, 16M float32 relu out of place, AVX-512 loop): 23-33 GB/s
 * with ordinary stores, 40-57 GB/s streaming. In place the line was just read, so ordinary stores
 * stay (they were faster there: 56-65 vs 39-48 GB/s). Each block is computed into an L1-resident
 * buffer by the same loops, then streamed out a vector at a time; results are the same bits either
 * way. Blocks are 2 KiB (32 lines): each block costs two calls and a loop's set-up, which with
 * 256-byte blocks held 64M float32 relu at 27-34 GB/s against 36-41 with 1-2 KiB ones (PoCL's
 * own: 41-43), and 4 KiB blocks were slower again (34-36: the stores came in bursts that stalled
 * on the write-combining buffers while no loads were in flight). BENCHMARKS.md section 18. */
#define STREAM_BLOCK_BYTES 2048

/* Whether the pass writes y with streaming stores: out of place, and its arrays outgrow the cache. */
bool clr_host_streams(const op_call *c)
{
#ifdef HOST_HAS_STREAM
    if (c->y == c->x || c->y == c->grad_output || !has_fast_path(c))
        return false;
    return clr_stream_pays(c->count, clrelu_dtype_size(c->dtype), c->grad_output ? 3 : 2);
#else
    (void)c;
    return false;
#endif
}

/* Copy n bytes of a computed block to dst: streaming stores of W bytes (one vector of the loops'
 * instruction set: whole 64-byte lines with AVX-512, which measured 38 GB/s at 64M float32 relu
 * against 32 with 16-byte ones) where dst is W-aligned, plain stores for the unaligned head and
 * the tail. One per instruction set, in the loop sets below. */
#define DEFINE_STREAM_OUT(SFX, ATTR, W, VT, LOADU, STREAM)                                         \
    ATTR static void stream_out_##SFX(void *dst, const void *src, size_t n)                        \
    {                                                                                              \
        unsigned char *d = dst;                                                                    \
        const unsigned char *s = src;                                                              \
        size_t head = ((W) - ((uintptr_t)d & ((W) - 1))) & ((W) - 1);                              \
        if (head) { /* only an array not W-aligned has one, at the start of each block */          \
            head = head > n ? n : head;                                                            \
            memcpy(d, s, head);                                                                    \
            d += head, s += head, n -= head;                                                       \
        }                                                                                          \
        for (; n >= (W); n -= (W), d += (W), s += (W))                                             \
            STREAM((VT *)(void *)d, LOADU((const VT *)(const void *)s));                           \
        if (n)                                                                                     \
            memcpy(d, s, n);                                                                       \
    }
#ifdef HOST_HAS_STREAM
DEFINE_STREAM_OUT(baseline, , 16, __m128i, _mm_loadu_si128, _mm_stream_si128)
#else
static void stream_out_baseline(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }
#endif
#ifdef HOST_ISA_VARIANTS
DEFINE_STREAM_OUT(avx2, ATTR_AVX2, 32, __m256i, _mm256_loadu_si256, _mm256_stream_si256)
DEFINE_STREAM_OUT(avx512, ATTR_AVX512, 64, void, _mm512_loadu_si512, _mm512_stream_si512)
#endif

/* Elements of the next pass from `at` (before e): the whole run, or (stream) one block, the first
 * one cut short so that the following blocks start on a 64-byte line of y: malloc's 16-byte
 * alignment otherwise gave every block a 48-byte head of ordinary stores into a line the
 * streaming stores also wrote, and 64M float32 relu fell from 26 to 18 GB/s. */
static size_t block_len(const op_call *c, size_t at, size_t e, size_t es, bool stream)
{
    size_t left = e - at, per = STREAM_BLOCK_BYTES / es;
    if (!stream)
        return left;
    size_t mis = (uintptr_t)((const char *)c->y + at * es) & 63;
    if (mis && mis % es == 0)
        per = (64 - mis) / es;
    return left < per ? left : per;
}

/* float32/float64 in fast_run: the loops write y directly over the whole run, or (stream) each
 * block into `out`, which is then streamed to y. */
#define WIDE_RUN(T, FWD, BWD, P0, P1)                                                              \
    for (size_t at = b, m; at < e; at += m) {                                                      \
        m = block_len(c, at, e, sizeof(T), stream);                                                \
        T *dst = stream ? (T *)(void *)out : (T *)c->y + at;                                       \
        if (g)                                                                                     \
            L->BWD(id, (const T *)c->x + at, (const T *)g + at, dst, m, P0, P1);                   \
        else                                                                                       \
            L->FWD(id, (const T *)c->x + at, dst, m, P0, P1);                                      \
        if (stream)                                                                                \
            L->stream_out((T *)c->y + at, out, m * sizeof(T));                                     \
    }

/* A smooth op over [b, e) written with streaming stores from inside the vector loop (vm_fwd_nt):
 * the elements before y's first line-aligned (64-byte) address and the last partial vector go
 * through the ordinary loop, so the loop's stores, two vectors per iteration, fill whole lines
 * (a float32 vector with AVX-512 is a line; a 16-bit one is half a line, and with y aligned only
 * to its own 32 bytes a pair of them could straddle two lines: 16M float16 silu out of place ran
 * at 0.57 of float32's element rate against 0.81 at 1M, BENCHMARKS.md section 17). Mixed stores
 * in one line cost time, not correctness: the pass ends with an sfence. */
#define NT_LINE 64
static void smooth_nt(const op_call *c, const loop_set *L, size_t b, size_t e, float p0, float p1)
{
    size_t es = clrelu_dtype_size(c->dtype), vw = L->vector_floats, vb = vw * es;
    size_t align = vb > NT_LINE ? vb : NT_LINE; /* a multiple of vb: vb is a power of two */
    const char *x = c->x, *g = c->grad_output;
    char *y = c->y;
    size_t head = (align - (uintptr_t)(y + b * es) % align) % align / es;
    head = head < e - b ? head : e - b;
    size_t mid = (e - b - head) / vw * vw;
    size_t parts[3][2] = {{b, b + head}, {b + head, b + head + mid}, {b + head + mid, e}};
    for (int k = 0; k < 3; k++) {
        size_t at = parts[k][0], m = parts[k][1] - at;
        const char *xa = x + at * es, *ga = g ? g + at * es : NULL;
        if (!m)
            continue;
        if (k == 1 && g)
            L->bwd_smooth_nt(c->op->id, c->dtype, xa, ga, y + at * es, m, p0, p1);
        else if (k == 1)
            L->fwd_smooth_nt(c->op->id, c->dtype, xa, y + at * es, m, p0, p1);
        else if (g)
            L->bwd_smooth(c->op->id, c->dtype, xa, ga, y + at * es, m, p0, p1);
        else
            L->fwd_smooth(c->op->id, c->dtype, xa, y + at * es, m, p0, p1);
    }
}

/* A run [b, e) of elements sharing parameters p0/p1 (for prelu: one channel's slope); `stream`:
 * write y through stream_out (see above). */
static void fast_run(const op_call *c, size_t b, size_t e, double p0, double p1, bool stream)
{
    op_id id = c->op->id;
    const void *g = c->grad_output;
    const loop_set *L = loops();
    _Alignas(64) unsigned char out[STREAM_BLOCK_BYTES];
    if (!is_piecewise(id) && stream && (uintptr_t)c->y % clrelu_dtype_size(c->dtype) == 0) {
        smooth_nt(c, L, b, e, (float)p0, (float)p1); /* the smooth ops stream from their own loop */
        return;
    }
    if (!is_piecewise(id)) { /* the smooth ops: one loop for float32, float16 and bfloat16 */
        size_t es = clrelu_dtype_size(c->dtype);
        for (size_t at = b, m; at < e; at += m) {
            m = block_len(c, at, e, es, stream);
            void *dst = stream ? (void *)out : (char *)c->y + at * es;
            const char *x = (const char *)c->x + at * es;
            if (g)
                L->bwd_smooth(id, c->dtype, x, (const char *)g + at * es, dst, m, (float)p0, (float)p1);
            else
                L->fwd_smooth(id, c->dtype, x, dst, m, (float)p0, (float)p1);
            if (stream)
                L->stream_out((char *)c->y + at * es, out, m * es);
        }
        return;
    }
    switch (c->dtype) {
    case CLRELU_F32: WIDE_RUN(float, fwd_f32, bwd_f32, (float)p0, (float)p1); break;
    case CLRELU_F64: WIDE_RUN(double, fwd_f64, bwd_f64, p0, p1); break;
    case CLRELU_F16:
    case CLRELU_BF16:
        for (size_t at = b, m; at < e; at += m) {
            m = block_len(c, at, e, sizeof(uint16_t), stream);
            uint16_t *dst = stream ? (uint16_t *)(void *)out : (uint16_t *)c->y + at;
            if (g)
                L->bwd_16(id, c->dtype, (const uint16_t *)c->x + at, (const uint16_t *)g + at, dst, m, (float)p0,
                          (float)p1);
            else
                L->fwd_16(id, c->dtype, (const uint16_t *)c->x + at, dst, m, (float)p0, (float)p1);
            if (stream)
                L->stream_out((uint16_t *)c->y + at, out, m * sizeof(uint16_t));
        }
        break;
    case CLRELU_DTYPE_COUNT: break;
    }
}

/* c = a + b over [b0, e0) in the compute type (float, double for float64), stored in the storage type */
static void add_block(const bench_ceiling_call *cc, size_t b0, size_t e0, void *dst)
{
    size_t n = e0 - b0;
    switch (cc->dtype) {
    case CLRELU_F32: {
        const float *a = (const float *)cc->a + b0, *b = (const float *)cc->b + b0;
        float *o = dst;
        for (size_t i = 0; i < n; i++)
            o[i] = a[i] + b[i];
        break;
    }
    case CLRELU_F64: {
        const double *a = (const double *)cc->a + b0, *b = (const double *)cc->b + b0;
        double *o = dst;
        for (size_t i = 0; i < n; i++)
            o[i] = a[i] + b[i];
        break;
    }
    case CLRELU_F16:
    case CLRELU_BF16: {
        const uint16_t *a = (const uint16_t *)cc->a + b0, *b = (const uint16_t *)cc->b + b0;
        uint16_t *o = dst;
        bool h = cc->dtype == CLRELU_F16;
        for (size_t i = 0; i < n; i++)
            o[i] = h ? clrelu_float_to_half(clrelu_half_to_float(a[i]) + clrelu_half_to_float(b[i]))
                     : clrelu_float_to_bf16(clrelu_bf16_to_float(a[i]) + clrelu_bf16_to_float(b[i]));
        break;
    }
    case CLRELU_DTYPE_COUNT: break;
    }
}

void clr_host_ceiling_range(const bench_ceiling_call *cc, size_t begin, size_t end)
{
    size_t es = clrelu_dtype_size(cc->dtype);
    bool add = cc->kind == CLRELU_CEIL_ADD;
#ifdef HOST_HAS_STREAM
    bool stream = clr_stream_pays(cc->count, es, add ? 3 : 2);
#else
    bool stream = false;
#endif
    const loop_set *L = loops();
    _Alignas(64) unsigned char out[STREAM_BLOCK_BYTES];
    op_call shape; /* block_len reads y only */
    memset(&shape, 0, sizeof shape);
    shape.y = cc->c;
    for (size_t at = begin, m; at < end; at += m) {
        m = block_len(&shape, at, end, es, stream);
        char *y = (char *)cc->c + at * es;
        if (add)
            add_block(cc, at, at + m, stream ? (void *)out : (void *)y);
        else if (!stream)
            memcpy(y, (const char *)cc->a + at * es, m * es);
        if (stream)
            L->stream_out(y, add ? (const void *)out : (const char *)cc->a + at * es, m * es);
    }
#ifdef HOST_HAS_STREAM
    if (stream)
        _mm_sfence();
#endif
}

static double load(const void *p, clrelu_dtype t, size_t i)
{
    switch (t) {
    case CLRELU_F32: return ((const float *)p)[i];
    case CLRELU_F16: return clrelu_half_to_float(((const uint16_t *)p)[i]);
    case CLRELU_BF16: return clrelu_bf16_to_float(((const uint16_t *)p)[i]);
    case CLRELU_F64: return ((const double *)p)[i];
    case CLRELU_DTYPE_COUNT: break;
    }
    return 0.0;
}

/* Store a computed value the way a device does: float64 keeps the double, every other dtype is
 * rounded to float (the compute type) and then to its storage format. */
static void store(void *p, clrelu_dtype t, size_t i, double v)
{
    switch (t) {
    case CLRELU_F32: ((float *)p)[i] = (float)v; break;
    case CLRELU_F16: ((uint16_t *)p)[i] = clrelu_float_to_half((float)v); break;
    case CLRELU_BF16: ((uint16_t *)p)[i] = clrelu_float_to_bf16((float)v); break;
    case CLRELU_F64: ((double *)p)[i] = v; break;
    case CLRELU_DTYPE_COUNT: break;
    }
}

/* The reference path: double math per element. */
static void reference_range(const op_call *c, size_t begin, size_t end)
{
    const struct op_entry *op = c->op;
    double p[CLRELU_MAX_PARAMS];
    memcpy(p, c->params, sizeof p);
    for (size_t i = begin; i < end; i++) {
        double x = load(c->x, c->dtype, i);
        if (op->desc.per_channel)
            p[0] = load(c->weight, c->dtype, (i / c->inner) % c->channels);
        double r = c->grad_output ? op->backward(x, load(c->grad_output, c->dtype, i), p) : op->forward(x, p);
        store(c->y, c->dtype, i, r);
    }
}

void clr_host_kernel_range(const op_call *c, size_t begin, size_t end)
{
    if (!has_fast_path(c)) {
        /* float64 smooth ops: glibc's vector libm where this build and instruction set have it */
        const double *g = c->grad_output;
        if (c->dtype != CLRELU_F64 ||
            !clr_host_f64_smooth(loops()->name, c->op->id, (const double *)c->x + begin, g ? g + begin : NULL,
                                 (double *)c->y + begin, end - begin, c->params[0], c->params[1]))
            reference_range(c, begin, end);
        return;
    }
    bool stream = clr_host_streams(c);
    if (c->op->id != OP_PRELU) {
        fast_run(c, begin, end, c->params[0], c->params[1], stream);
    } else {
        /* prelu: runs of one channel (inner elements each) */
        for (size_t i = begin; i < end;) {
            size_t row = i / c->inner, stop = (row + 1) * c->inner;
            if (stop > end)
                stop = end;
            fast_run(c, i, stop, load(c->weight, c->dtype, row % c->channels), 0.0, stream);
            i = stop;
        }
    }
#ifdef HOST_HAS_STREAM
    if (stream)
        _mm_sfence(); /* streaming stores are weakly ordered: visible before the part reports done */
#endif
}
