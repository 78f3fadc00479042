/* tune_measure.h: measuring a device against the host backend — the small-tensor crossover. */
#ifndef CLRELU_TUNE_MEASURE_H
#define CLRELU_TUNE_MEASURE_H

#include "tune/tune.h"

/* Runs one validated call on a device without any delegation. */
typedef clrelu_status (*tune_run_fn)(clrelu_device *dev, const op_call *call);

/* Time relu forward of `dtype` on the device (through device_run) and on the host backend at
 * sizes from 1K up, interleaved, medians of a few runs, and return in *out the smallest size
 * where the device wins (tensors below it belong on the host); the largest size measured when
 * the host wins throughout. The device's program build time is added to *build_ns. */
clrelu_status tune_measure_crossover(clrelu_device *dev, clrelu_device *host, tune_run_fn device_run,
                                     clrelu_dtype dtype, uint64_t *build_ns, uint64_t *out);

#endif
