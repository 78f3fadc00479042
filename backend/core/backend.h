/* backend.h: private interface between the library core (context, dispatch) and its backends. */
#ifndef CLRELU_BACKEND_H
#define CLRELU_BACKEND_H

#include "clrelu.h"
#include "core/ops.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>

/* A validated activation call, as a backend receives it. Everything here has been checked by
 * dispatch.c: the op exists, params are in range and already rounded to the compute type
 * (float for f32/f16/bf16, double for f64), the dtype is supported by the device, pointers are
 * non-NULL where count > 0. prelu: channels/inner describe the layout
 * (element i belongs to channel (i / inner) % channels). */
typedef struct {
    const struct op_entry *op;
    clrelu_dtype dtype;
    size_t count;
    const void *x;
    void *y;
    const void *grad_output;    /* NULL: forward */
    double params[CLRELU_MAX_PARAMS];
    const void *weight;         /* prelu only */
    void *grad_weight;          /* prelu backward only, may be NULL */
    size_t channels, inner;     /* prelu layout */
    clrelu_timing *timing;      /* never NULL: dispatch supplies one */
} op_call;

struct bench_ceiling_call;
struct dense_call;

/* Backend interface (ggml style): a table of functions; optional ones may be NULL and the
 * core then answers CLRELU_ERR_UNSUPPORTED. Calls must be blocking and thread-safe: the context
 * may be used from many threads at once. */
typedef struct backend_iface {
    const char *name;
    clrelu_status (*run)(clrelu_device *dev, const op_call *call);
    void (*destroy)(clrelu_device *dev);                           /* free dev->impl */
    clrelu_status (*program_export)(clrelu_device *dev, clrelu_dtype dtype, void **data, size_t *size); /* (optional) */
    clrelu_status (*program_import)(clrelu_device *dev, clrelu_dtype dtype, const void *data, size_t size); /* (optional) */
    /* (optional) reference ceilings for the benchmark engine (copy, add, empty launch, ...);
     * struct bench_ceiling_call is defined in bench_ceiling.h */
    clrelu_status (*bench_ceiling)(clrelu_device *dev, struct bench_ceiling_call *call);
    /* (optional) dense layer y = act(x W^T + b); struct dense_call is defined in dense.h */
    clrelu_status (*dense)(clrelu_device *dev, const struct dense_call *call);
} backend_iface;

struct clrelu_device {
    clrelu_device_info info;
    const backend_iface *iface;
    void *impl;                 /* backend-private state */
    clrelu_context *ctx;        /* owner */
    atomic_uint faults_left;    /* injected faults still to deliver (fault.c) */
};

struct clrelu_context {
    clrelu_context_options opts;
    char cache_dir[1024];       /* resolved; "" when caching is disabled */
    clrelu_device **devices;
    int n_devices;
};

/* Error and log helpers (core/errors.c). clrelu_set_error records the calling thread's last error
 * message and returns `status` so callers can `return clrelu_set_error(...)`. */
clrelu_status clrelu_set_error(clrelu_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void clrelu_clear_error(void);
void clrelu_log(const clrelu_context *ctx, clrelu_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Monotonic clock in nanoseconds. */
uint64_t clrelu_now_ns(void);

/* Backends' discovery: append devices to ctx (via context_add_device). */
clrelu_status host_backend_discover(clrelu_context *ctx);
clrelu_status opencl_backend_discover(clrelu_context *ctx);
/* Allocate a device owned by ctx and append it; fills index/id bookkeeping later. */
clrelu_device *context_add_device(clrelu_context *ctx, const backend_iface *iface);

/* float16 / bfloat16 scalar conversion (round to nearest even, NaN preserved). */
uint16_t clrelu_float_to_half(float f);
float clrelu_half_to_float(uint16_t h);
uint16_t clrelu_float_to_bf16(float f);
float clrelu_bf16_to_float(uint16_t b);

#endif
