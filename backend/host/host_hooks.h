/* host_hooks.h: the host backend's optional hooks, each in its own file (backend_iface in host.c). */
#ifndef CLRELU_HOST_HOOKS_H
#define CLRELU_HOST_HOOKS_H

#include "core/backend.h"

/* host_dense.c: the plain C dense layer (also the reference the OpenCL one is checked against). */
clrelu_status clr_host_dense(clrelu_device *dev, const struct dense_call *call);

/* host_bench.c: the benchmark ceilings (memcpy copy, add, empty call). */
clrelu_status clr_host_bench_ceiling(clrelu_device *dev, bench_ceiling_call *call);

#endif
