/* host_kernels.h: the host backend's loops — vector loops for every op in float32/float16/bfloat16, float64 piecewise; reference math for float64 smooth ops. */
#ifndef CLRELU_HOST_KERNELS_H
#define CLRELU_HOST_KERNELS_H

#include "core/backend.h"

/* Elements [begin, end) of the call (y may alias x or grad_output). relu, leaky_relu, relu6,
 * hardtanh and prelu compute in the dtype's compute type (float, or double for float64) in
 * vector loops; their results equal the double reference rounded, bit for bit, since each is a
 * comparison or one product of two floats. The smooth ops (elu, selu, gelu, gelu_tanh, silu,
 * softplus, sigmoid, tanh) in float32, float16 and bfloat16 compute in float with the vector
 * math of host_vmath.h (within the bounds of docs/accuracy.md); in float64 they use the double
 * reference. float16/bfloat16 are widened in registers and rounded once on the way out
 * (host_vloops.h). prelu's dL/dweight is not computed here. */
void clr_host_kernel_range(const op_call *c, size_t begin, size_t end);

/* Elements [begin, end) of a copy or add ceiling (bench_ceiling_call), written as an op's pass
 * writes y: streaming stores where an out-of-place op of that footprint streams, in the same
 * blocks (host_bench.c splits the call over the thread pool as host_run splits an op). */
void clr_host_ceiling_range(const bench_ceiling_call *cc, size_t begin, size_t end);

/* The instruction set of the loops in use: "avx512bf16", "avx512", "avx2" or "baseline" (the compiler's
 * default target). Chosen once per process: CLRELU_HOST_ISA when this CPU runs it, else the
 * widest it runs. */
const char *clr_host_kernel_isa(void);
/* Whether the call's passes write y with non-temporal stores: out of place, an op with a fast
 * path, arrays at least clr_stream_min_bytes() (stream.h), and a build that has streaming stores. */
bool clr_host_streams(const op_call *c);
/* For tests: the float16 (t == CLRELU_F16) or bfloat16 conversions of the loops of instruction
 * set isa, n elements: widen (uint16_t patterns to float) or round (float to patterns). False
 * when this build or CPU has no such set. */
bool clr_host_convert16(const char *isa, clrelu_dtype t, const void *src, void *dst, size_t n, bool widen);
/* Whether this build has loops for name and this CPU runs them. */
bool clr_host_kernel_isa_available(const char *name);

#endif
