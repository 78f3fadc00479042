/* bench_sweep.h: the state of one sweep and one (device, dtype, size) group, and the clock, cap and cancel checks every engine file uses. */
#ifndef CLRELU_BENCH_SWEEP_H
#define CLRELU_BENCH_SWEEP_H

#include "bench/bench_spec.h"

/* One sweep in progress. */
typedef struct {
    clrelu_context *ctx;
    const bench_plan *plan;
    const clrelu_bench_options *opts;
    clrelu_bench_result *res;
    uint64_t t_start;
    int ceil_cap;                   /* allocated entries of res->ceilings */
} bench_sweep;

/* Host buffers shared by every case and ceiling of one (device, dtype, size): the pristine
 * inputs, the output, a scratch copy for in-place runs and the expected result. */
typedef struct {
    const clrelu_device *dev;
    int dev_index;
    clrelu_dtype dtype;
    size_t n;
    void *x0, *g0, *y, *work, *exp, *weight;
    int copy_ceiling, add_ceiling;  /* indices into res->ceilings, -1 when unmeasured */
} bench_group;

/* Seconds since the sweep started; whether the sweep's time cap has passed. */
double clr_bench_elapsed(const bench_sweep *sw);
bool clr_bench_out_of_time(const bench_sweep *sw);
/* Whether the caller's cancel callback says stop (polled between cases and between samples). */
bool clr_bench_cancelled(const bench_sweep *sw);

/* A bandwidth: bytes / ns in GB/s (0 when ns is 0). */
double clr_bench_gbps(uint64_t bytes, double ns);

#endif
