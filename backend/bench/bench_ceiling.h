/* bench_ceiling.h: the engine's way to a backend's ceiling hook (the call itself is defined in core/backend.h). */
#ifndef CLRELU_BENCH_CEILING_H
#define CLRELU_BENCH_CEILING_H

#include "core/backend.h"
#include "clrelu_bench.h"

/* bench_measure.c: every ceiling goes through here — the device's hook, after the checks that
 * skip a device without one or buffers over its max allocation (CLRELU_ERR_UNSUPPORTED). */
clrelu_status clr_bench_ceiling_call(const clrelu_device *dev, bench_ceiling_call *call);

#endif
