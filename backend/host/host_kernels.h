/* host_kernels.h: the host backend's loops — vectorisable float/double paths for the piecewise-linear ops, reference math for the rest. */
#ifndef CLRELU_HOST_KERNELS_H
#define CLRELU_HOST_KERNELS_H

#include "core/backend.h"

/* Elements [begin, end) of the call (y may alias x or grad_output). relu, leaky_relu, relu6,
 * hardtanh and prelu compute in the dtype's compute type (float, or double for float64) in
 * simple loops the compiler vectorises; their results equal the double reference rounded, bit
 * for bit, since each is a comparison or one product of two floats. Every other op goes through
 * the double reference. prelu's dL/dweight is not computed here. */
void clr_host_kernel_range(const op_call *c, size_t begin, size_t end);

/* The instruction set of the loops in use: "avx512", "avx2" or "baseline" (the compiler's
 * default target). Chosen once per process: CLRELU_HOST_ISA when this CPU runs it, else the
 * widest it runs. */
const char *clr_host_kernel_isa(void);
/* Whether the call's passes write y with non-temporal stores: out of place, an op with a fast
 * path, arrays at least clr_stream_min_bytes() (stream.h), and a build that has streaming stores. */
bool clr_host_streams(const op_call *c);
/* Whether this build has loops for name and this CPU runs them. */
bool clr_host_kernel_isa_available(const char *name);

#endif
