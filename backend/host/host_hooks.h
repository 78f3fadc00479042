/* host_hooks.h: the host backend's optional hooks, each in its own file (backend_iface in host.c). */
#ifndef CLRELU_HOST_HOOKS_H
#define CLRELU_HOST_HOOKS_H

#include "core/backend.h"
#include "host/host_pool.h"

/* host_dense.c: the plain C dense layer (also the reference the OpenCL one is checked against). */
clrelu_status clr_host_dense(clrelu_device *dev, const struct dense_call *call);

/* host.c: run fn over count elements' parts as a pass is split (the pool from HOST_PARALLEL_MIN). */
void clr_host_split(clrelu_device *dev, size_t count, host_job_fn fn, void *arg);

/* host_bench.c: the benchmark ceilings (copy, add, empty call), threaded and streamed as the ops are. */
clrelu_status clr_host_bench_ceiling(clrelu_device *dev, bench_ceiling_call *call);

#endif
