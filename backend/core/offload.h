/* offload.h: the dispatcher's rule for small work — which device runs a call, and the crossover measurement behind it. */
#ifndef CLRELU_OFFLOAD_H
#define CLRELU_OFFLOAD_H

#include "core/backend.h"

/* The device that runs a call of `count` elements of op in dtype asked of dev: the context's
 * fallback device when dev's offload_below hook says the call is below the crossover of the op's
 * class (clr_op_class) and dtype, else dev itself. Never offloads with auto_host off
 * (CLRELU_AUTO_HOST=0, or a context that pins device behaviour: force_fpga_variant,
 * max_chunk_bytes), nor from the fallback device. Program build time spent measuring the
 * crossover is added to *build_ns (may be NULL). */
clrelu_device *clr_offload_target(clrelu_device *dev, const struct op_entry *op, clrelu_dtype dtype, size_t count,
                                  uint64_t *build_ns);

/* Time the class's representative op (clr_offload_class_op), forward, out of place, in dtype on
 * dev and on the context's fallback device at 1K, 4K, ... 16M elements (float64 to 4M: x and y
 * take at most 128 MiB; until a 1 s budget is spent), the fastest call of two rounds of back-to-back batches on each, and return in *out
 * the size from which dev is faster by 10 % (a tie is the fallback's): interpolated between the last size the fallback won and the first of two in a row that dev won (tensors below it belong
 * on the fallback); the smallest size when dev wins from there; when the fallback wins at every
 * size, UINT64_MAX (every size) if the largest was past the cores' caches (stream.h), else that
 * size. dev's program build time is added to *build_ns. For a device's offload_below hook and its
 * tuner; calls dev->iface->run directly. CLRELU_ERR_UNSUPPORTED without a fallback. */
clrelu_status clr_offload_measure(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype, uint64_t *build_ns,
                                  uint64_t *out);

/* The op a class's crossover is measured with: relu for the piecewise ops; silu for the smooth ops
 * (one exp and one division per element, between elu's cost and gelu's). */
op_id clr_offload_class_op(clrelu_op_class cls);

/* Dense layers (model/dense.c, model/model.c): the device that runs dense work of `macs`
 * multiply-adds per layer (n * in * out) of dtype asked of dev — the fallback device when macs is
 * below dev's dense crossover (clr_offload_dense_below), else dev. The same switches as
 * clr_offload_target decide whether dev hands work over at all (its offload_below hook, auto_host),
 * and both devices must have dense layers for dtype. */
clrelu_device *clr_offload_dense_target(clrelu_device *dev, clrelu_dtype dtype, uint64_t macs, uint64_t *build_ns);

/* dev's dense crossover for dtype in multiply-adds: CLRELU_DENSE_CROSSOVER when set, else measured
 * once per device and dtype on first use (clr_offload_dense_measure) and kept on the device (a
 * failed measurement keeps 0). 0 while another thread is measuring it: those calls stay on dev. */
uint64_t clr_offload_dense_below(clrelu_device *dev, clrelu_dtype dtype, uint64_t *build_ns);

/* Time a 64 -> 64 relu dense layer of dtype on dev and on the fallback device at batches of 1, 4,
 * ... 4096 rows, interleaved, the fastest of a few runs each, and return in *out the multiply-adds of
 * the smallest batch from which dev wins at two sizes in a row (or at the largest); those of the
 * largest batch when the fallback wins throughout.
 * dev's first-use build time is added to *build_ns. Calls both devices' dense hooks directly. */
clrelu_status clr_offload_dense_measure(clrelu_device *dev, clrelu_dtype dtype, uint64_t *build_ns, uint64_t *out);

#endif
