/* bench.cl: reference kernels for the benchmark ceilings — vectorised copy, add (BabelStream), their streaming-store variants, empty launch. */

/* Build options (set by backend/opencl/ocl_bench.c):
 *   -DBENCH_F32 | -DBENCH_F16 | -DBENCH_BF16 | -DBENCH_F64   storage type
 *   -DVW=2|4|8|16             elements per vector load/store (the op kernels' width)
 *   -DBENCH_BLOCKED           each work-item walks one contiguous block (CPU devices), as the op
 *                             kernels do; otherwise a grid-stride loop
 * copy moves storage bits (an unsigned type of the dtype's size); add computes in float (double
 * for float64) and stores in the storage type. */

#if defined(BENCH_F64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#ifndef VW
#define VW 4
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)

#if defined(BENCH_F64)
#define BITS ulong
#elif defined(BENCH_F16) || defined(BENCH_BF16)
#define BITS ushort
#else
#define BITS uint
#endif

/* storage <-> compute for add */
#if defined(BENCH_F64)
#define ST double
#define ADDV(i, a, b, c) VSTORE(VLOAD(i, a) + VLOAD(i, b), i, c)
#define ADD1(i, a, b, c) ((c)[i] = (a)[i] + (b)[i])
#elif defined(BENCH_F16)
#define ST half
#define ADDV(i, a, b, c) CAT(vstore_half, VW)(CAT(vload_half, VW)(i, a) + CAT(vload_half, VW)(i, b), i, c)
#define ADD1(i, a, b, c) vstore_half(vload_half(i, a) + vload_half(i, b), i, c)
#elif defined(BENCH_BF16)
#define ST ushort
#define WIDEN(v) CAT(as_float, VW)(CAT(convert_uint, VW)(v) << 16)
#define NARROW(f) CAT(convert_ushort, VW)(CAT(as_uint, VW)(f) >> 16)
#define ADDV(i, a, b, c) VSTORE(NARROW(WIDEN(VLOAD(i, a)) + WIDEN(VLOAD(i, b))), i, c)
#define ADD1(i, a, b, c) ((c)[i] = (ushort)(as_uint(as_float((uint)(a)[i] << 16) + as_float((uint)(b)[i] << 16)) >> 16))
#else
#define ST float
#define ADDV(i, a, b, c) VSTORE(VLOAD(i, a) + VLOAD(i, b), i, c)
#define ADD1(i, a, b, c) ((c)[i] = (a)[i] + (b)[i])
#endif

/* The vectors [*begin, *end) step *step of total that this work-item handles. */
void bench_range(ulong total, ulong *begin, ulong *end, ulong *step)
{
#if defined(BENCH_BLOCKED)
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

/* A copy of one vector of VW elements. PoCL turns a ushortN vstore into N scalar 2-byte stores
 * (about half the bandwidth of the same bytes as words), so 16-bit storage is copied as VW/2
 * 32-bit words, as the op kernels store it (activation.cl's bf16_storev); buffers are aligned. */
#if VW == 2
#define VW_HALF
#elif VW == 4
#define VW_HALF 2
#elif VW == 8
#define VW_HALF 4
#else
#define VW_HALF 8
#endif
#if (defined(BENCH_F16) || defined(BENCH_BF16)) && VW >= 4
#define COPY_VECTOR(i, a, c) \
    CAT(vstore, VW_HALF)(CAT(vload, VW_HALF)(i, (global const uint *)(a)), i, (global uint *)(c))
#elif (defined(BENCH_F16) || defined(BENCH_BF16)) && VW == 2
#define COPY_VECTOR(i, a, c) (((global uint *)(c))[i] = ((global const uint *)(a))[i])
#else
#define COPY_VECTOR(i, a, c) VSTORE(VLOAD(i, a), i, c)
#endif

/* ---- streaming-store variants (bench_copy_nt, bench_add_nt): the ceilings for the op kernels'
 * *_nt variants (activation.cl), built the same way: the elements before c's first aligned vector
 * one by one, then whole vectors stored with __builtin_nontemporal_store (ordinary aligned stores
 * where the compiler lacks it), 16-bit patterns as VW/2 words. */
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
 * element-aligned. */
ulong nt_head(global const BITS *p, ulong n)
{
    size_t at = (size_t)p;
    if (at % sizeof(BITS))
        return n;
    ulong mis = (at / sizeof(BITS)) % VW;
    return min(mis ? VW - mis : (ulong)0, n);
}

#if defined(BENCH_F16) || defined(BENCH_BF16)
#define NT_STORE16(bits, i, c) NT_STORE(CAT(as_uint, VW_HALF)(bits), i, c, CAT(uint, VW_HALF))
#define NT_COPY_VECTOR(i, a, c) NT_STORE16(VLOAD(i, (global const ushort *)(a)), i, c)
#else
#define NT_COPY_VECTOR(i, a, c) NT_STORE(VLOAD(i, a), i, c, CAT(BITS, VW))
#endif
#if defined(BENCH_F16)
CAT(ushort, VW) half_bitsv(CAT(float, VW) f)
{
    CAT(ushort, VW) b;
    CAT(CAT(vstore_half, VW), _rte)(f, 0, (private half *)&b);
    return b;
}
#define ADDV_NT(i, a, b, c) NT_STORE16(half_bitsv(CAT(vload_half, VW)(i, a) + CAT(vload_half, VW)(i, b)), i, c)
#elif defined(BENCH_BF16)
#define ADDV_NT(i, a, b, c) NT_STORE16(NARROW(WIDEN(VLOAD(i, a)) + WIDEN(VLOAD(i, b))), i, c)
#else
#define ADDV_NT(i, a, b, c) NT_STORE(VLOAD(i, a) + VLOAD(i, b), i, c, CAT(ST, VW))
#endif

/* The whole vectors of a copy / add, then the n % VW tail (work-item 0); nt: streaming stores
 * (c must then be vector-aligned). A constant nt specialises each kernel's inlined copy. */
void copy_body(global const BITS *a, global BITS *c, ulong n, bool nt)
{
    ulong nv = n / VW, b, e, s;
    bench_range(nv, &b, &e, &s);
    for (ulong i = b; i < e; i += s) {
        if (nt)
            NT_COPY_VECTOR(i, a, c);
        else
            COPY_VECTOR(i, a, c);
    }
    if (get_global_id(0) == 0)
        for (ulong i = nv * VW; i < n; i++)
            c[i] = a[i];
}

void add_body(global const ST *a, global const ST *b_, global ST *c, ulong n, bool nt)
{
    ulong nv = n / VW, b, e, s;
    bench_range(nv, &b, &e, &s);
    for (ulong i = b; i < e; i += s) {
        if (nt)
            ADDV_NT(i, a, b_, c);
        else
            ADDV(i, a, b_, c);
    }
    if (get_global_id(0) == 0)
        for (ulong i = nv * VW; i < n; i++)
            ADD1(i, a, b_, c);
}

kernel void bench_copy(global const BITS *a, global BITS *c, ulong n) { copy_body(a, c, n, false); }

kernel void bench_add(global const ST *a, global const ST *b_, global ST *c, ulong n) { add_body(a, b_, c, n, false); }

/* the elements before c's first aligned vector one by one, then the rest with streaming stores */
kernel void bench_copy_nt(global const BITS *a, global BITS *c, ulong n)
{
    ulong h = nt_head(c, n);
    if (get_global_id(0) == 0)
        for (ulong i = 0; i < h; i++)
            c[i] = a[i];
    copy_body(a + h, c + h, n - h, true);
}

kernel void bench_add_nt(global const ST *a, global const ST *b_, global ST *c, ulong n)
{
    ulong h = nt_head((global const BITS *)c, n);
    if (get_global_id(0) == 0)
        for (ulong i = 0; i < h; i++)
            ADD1(i, a, b_, c);
    add_body(a + h, b_ + h, c + h, n - h, true);
}

kernel void bench_empty(void)
{
}
