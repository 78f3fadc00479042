/* bench_ceiling.h: the backend hook that measures reference ceilings (copy, add, CLBlast copy, empty launch). */
#ifndef CLRELU_BENCH_CEILING_H
#define CLRELU_BENCH_CEILING_H

#include "core/backend.h"
#include "clrelu_bench.h"

/* One ceiling measurement on caller-owned host buffers of `count` elements of `dtype` (the same
 * buffers the benchmark cases use):
 *   COPY          c[i] = a[i], a vectorised kernel of the op kernels' vector shape
 *   ADD           c[i] = a[i] + b[i] (float math in the compute type)
 *   CLBLAST_COPY  CLBlast xCOPY of a into c
 *   EMPTY         an empty kernel; count and buffers are unused
 * The backend sets up once, runs `warmup` untimed launches, then `repeats` timed ones and writes
 * each one's time to samples_ns[0..repeats): device time from profiling events, except EMPTY
 * which reports the host round trip (enqueue + finish). CLRELU_ERR_UNSUPPORTED (with a reason)
 * when the device cannot do this kind for this dtype. */
typedef struct bench_ceiling_call {
    clrelu_ceiling_kind kind;
    clrelu_dtype dtype;
    size_t count;
    const void *a, *b;
    void *c;
    int warmup, repeats;
    double *samples_ns;
} bench_ceiling_call;

/* The backends' hooks (backend_iface.bench_ceiling). */
clrelu_status clr_host_bench_ceiling(clrelu_device *dev, bench_ceiling_call *call);
clrelu_status clr_ocl_bench_ceiling(clrelu_device *dev, bench_ceiling_call *call);

#endif
