/* bench.cl: reference kernels for the benchmark ceilings — vectorised copy, add (BabelStream), empty launch. */

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
#if (defined(BENCH_F16) || defined(BENCH_BF16)) && VW >= 4
#if VW == 4
#define VW_HALF 2
#elif VW == 8
#define VW_HALF 4
#else
#define VW_HALF 8
#endif
#define COPY_VECTOR(i, a, c) \
    CAT(vstore, VW_HALF)(CAT(vload, VW_HALF)(i, (global const uint *)(a)), i, (global uint *)(c))
#elif (defined(BENCH_F16) || defined(BENCH_BF16)) && VW == 2
#define COPY_VECTOR(i, a, c) (((global uint *)(c))[i] = ((global const uint *)(a))[i])
#else
#define COPY_VECTOR(i, a, c) VSTORE(VLOAD(i, a), i, c)
#endif

kernel void bench_copy(global const BITS *a, global BITS *c, ulong n)
{
    ulong nv = n / VW, b, e, s;
    bench_range(nv, &b, &e, &s);
    for (ulong i = b; i < e; i += s)
        COPY_VECTOR(i, a, c);
    if (get_global_id(0) == 0)
        for (ulong i = nv * VW; i < n; i++)
            c[i] = a[i];
}

kernel void bench_add(global const ST *a, global const ST *b_, global ST *c, ulong n)
{
    ulong nv = n / VW, b, e, s;
    bench_range(nv, &b, &e, &s);
    for (ulong i = b; i < e; i += s)
        ADDV(i, a, b_, c);
    if (get_global_id(0) == 0)
        for (ulong i = nv * VW; i < n; i++)
            ADD1(i, a, b_, c);
}

kernel void bench_empty(void)
{
}
