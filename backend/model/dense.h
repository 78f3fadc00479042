/* dense.h: a validated dense-layer call as a backend's `dense` hook receives it. */
#ifndef CLRELU_DENSE_PRIVATE_H
#define CLRELU_DENSE_PRIVATE_H

#include "core/backend.h"
#include "clrelu_dense.h"

/* Checked by dense.c: dtype supported by the device, n >= 1 (empty batches never reach a
 * backend), in, out >= 1, pointers non-NULL where needed, params in range and rounded to the
 * compute type. act NULL means identity. backward: compute dz = act'(x W^T + b) * grad_y and
 * whichever of grad_x / grad_w / grad_b are non-NULL; for prelu (slope non-NULL) also
 * grad_slope[j] = sum_i (z[i, j] > 0 ? 0 : z[i, j] * grad_y[i, j]) when grad_slope is non-NULL
 * (dense.c lets grad_slope through only for prelu). */
struct dense_call {
    const struct op_entry *act;
    clrelu_dtype dtype;
    size_t n, in, out;
    const void *x, *w, *b, *slope;
    double params[CLRELU_MAX_PARAMS];
    bool backward;
    void *y, *pre;
    const void *grad_y;
    void *grad_x, *grad_w, *grad_b, *grad_slope;
    clrelu_timing *timing;      /* never NULL */
};

/* host_dense.c: the plain C reference (also the host backend's hook). */
clrelu_status clr_host_dense(clrelu_device *dev, const struct dense_call *call);

/* ocl_dense.c: CLBlast GEMM + one fused epilogue kernel. */
clrelu_status clr_ocl_dense(clrelu_device *dev, const struct dense_call *call);

#endif
