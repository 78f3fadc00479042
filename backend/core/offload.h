/* offload.h: the dispatcher's rule for small work — which device runs a call, and the crossover measurement behind it. */
#ifndef CLRELU_OFFLOAD_H
#define CLRELU_OFFLOAD_H

#include "core/backend.h"

/* The device that runs a call of count elements of dtype asked of dev: the context's fallback
 * device when dev's offload_below hook says the call is below its crossover, else dev itself.
 * Never offloads with auto_host off (CLRELU_AUTO_HOST=0, or a context that pins device behaviour:
 * force_fpga_variant, max_chunk_bytes), nor from the fallback device. Program build time spent
 * measuring the crossover is added to *build_ns (may be NULL). */
clrelu_device *clr_offload_target(clrelu_device *dev, clrelu_dtype dtype, size_t count, uint64_t *build_ns);

/* Time relu forward of dtype on dev and on the context's fallback device at sizes from 1K up,
 * interleaved, medians of a few runs, and return in *out the smallest size where dev wins
 * (tensors below it belong on the fallback); the largest size measured when the fallback wins
 * throughout. dev's program build time is added to *build_ns. For a device's offload_below hook
 * and its tuner; calls dev->iface->run directly. CLRELU_ERR_UNSUPPORTED without a fallback. */
clrelu_status clr_offload_measure(clrelu_device *dev, clrelu_dtype dtype, uint64_t *build_ns, uint64_t *out);

#endif
