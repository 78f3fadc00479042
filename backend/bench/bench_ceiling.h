/* bench_ceiling.h: the backend hook that measures reference ceilings (copy, add, CLBlast copy, empty launch, dense-layer variants). */
#ifndef CLRELU_BENCH_CEILING_H
#define CLRELU_BENCH_CEILING_H

#include "core/backend.h"
#include "clrelu_bench.h"

/* A dense-layer forward variant (bench/dense), float32: x [n, in], W [out, in], b [out] in
 * device memory filled once per call, z [n, out]; act is an op without per-channel weights. */
typedef struct bench_dense_variant {
    clrelu_bench_dense_variant variant;
    const struct op_entry *act;
    size_t n, in, out;
    int batch;                  /* runs enqueued back to back per sample */
} bench_dense_variant;

/* One ceiling measurement on caller-owned host buffers of `count` elements of `dtype` (the same
 * buffers the benchmark cases use):
 *   COPY          c[i] = a[i], a vectorised kernel of the op kernels' vector shape
 *   ADD           c[i] = a[i] + b[i] (float math in the compute type)
 *   CLBLAST_COPY  CLBlast xCOPY of a into c
 *   EMPTY         an empty kernel; count and buffers are unused
 * Copy and add store the way clrelu_run stores for the same arrays (streaming stores exactly
 * where it would use them). The backend sets up once, runs `warmup` untimed launches, then
 * `repeats` timed ones and writes each one's time to samples_ns[0..repeats): device time from
 * profiling events, except EMPTY which reports the host round trip (enqueue + finish).
 * When `dense` is non-NULL the call times that dense variant instead (kind, dtype, count and the
 * buffers are unused): each sample is `batch` runs enqueued back to back and waited for, its
 * wall time divided by batch. CLRELU_ERR_UNSUPPORTED (with a reason) when the device cannot do
 * this kind for this dtype. */
typedef struct bench_ceiling_call {
    clrelu_ceiling_kind kind;
    clrelu_dtype dtype;
    size_t count;
    const void *a, *b;
    void *c;
    int warmup, repeats;
    double *samples_ns;
    const bench_dense_variant *dense;
} bench_ceiling_call;

/* bench_measure.c: every ceiling goes through here — the device's hook, after the checks that
 * skip a device without one or buffers over its max allocation (CLRELU_ERR_UNSUPPORTED). */
clrelu_status clr_bench_ceiling_call(const clrelu_device *dev, bench_ceiling_call *call);

/* The backends' hooks (backend_iface.bench_ceiling). */
clrelu_status clr_host_bench_ceiling(clrelu_device *dev, bench_ceiling_call *call);
clrelu_status clr_ocl_bench_ceiling(clrelu_device *dev, bench_ceiling_call *call);
/* ocl_bench_dense.c: the dense variants of clr_ocl_bench_ceiling (call->dense non-NULL). */
clrelu_status clr_ocl_bench_dense(clrelu_device *dev, bench_ceiling_call *call);

#endif
