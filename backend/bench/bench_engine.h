/* bench_engine.h: state shared by the sweep driver (bench_run.c), the case runner and the ceiling runner. */
#ifndef CLRELU_BENCH_ENGINE_H
#define CLRELU_BENCH_ENGINE_H

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
double bench_elapsed(const bench_sweep *sw);
bool bench_out_of_time(const bench_sweep *sw);
/* Whether the caller's cancel callback says stop (polled between cases and between samples). */
bool bench_cancelled(const bench_sweep *sw);

/* bench_case.c: time one case (first run, warm-up, samples, validation of every result) into c,
 * whose identity fields (device, op, dtype, direction, placement, elements) are already set. */
void bench_case_run(bench_sweep *sw, bench_group *g, clrelu_bench_case *c);

/* bench_ceilings.c: measure the group's ceilings (copy, CLBlast copy, and add when want_add)
 * and, once per device, the empty-kernel launch (when g->n is 0 pass want_empty). Appends to
 * sw->res->ceilings; fills g->copy_ceiling / g->add_ceiling. */
void bench_group_ceilings(bench_sweep *sw, bench_group *g, bool want_add);
void bench_empty_ceiling(bench_sweep *sw, const clrelu_device *dev, int dev_index);

/* Fill a stats-derived bandwidth: bytes / ns in GB/s (0 when ns is 0). */
double bench_gbps(uint64_t bytes, double ns);

#endif
