/* backend.h: private interface between the library core (context, dispatch) and its backends. */
#ifndef CLRELU_BACKEND_H
#define CLRELU_BACKEND_H

#include "clrelu.h"
#include "clrelu_bench.h"
#include "clrelu_dense.h"
#include "clrelu_tune.h"
#include "core/ops.h"
#include "core/settings.h"

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

/* core/reference.c: compute call->y with the op's double-precision reference, rounded to the
 * storage type — the answer the backends are checked against. Not for per-channel ops (prelu). */
clrelu_status clr_reference_call(const op_call *call);

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

/* A validated dense-layer call as a backend's `dense` hook receives it (the front end is
 * model/dense.c). Checked there: dtype supported by the device, n >= 1 (empty batches never reach a
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


/* Backend interface (ggml style): a table of functions; optional ones may be NULL and the
 * core then answers CLRELU_ERR_UNSUPPORTED (or, for offload_below, keeps every call on the
 * device). Calls must be blocking and thread-safe: the context may be used from many threads at
 * once. A backend never calls another backend: the dispatcher (core/dispatch.c, core/offload.c)
 * decides where a call runs. */
typedef struct backend_iface {
    const char *name;
    /* run one validated call on this device, always here (never handed elsewhere) */
    clrelu_status (*run)(clrelu_device *dev, const op_call *call);
    void (*destroy)(clrelu_device *dev);                           /* free dev->impl */
    clrelu_status (*program_export)(clrelu_device *dev, clrelu_dtype dtype, void **data, size_t *size); /* (optional) */
    clrelu_status (*program_import)(clrelu_device *dev, clrelu_dtype dtype, const void *data, size_t size); /* (optional) */
    /* (optional) reference ceilings for the benchmark engine (copy, add, empty launch, ...);
     * the engine reaches it through clr_bench_ceiling_call (bench/bench_ceiling.h) */
    clrelu_status (*bench_ceiling)(clrelu_device *dev, struct bench_ceiling_call *call);
    /* (optional) dense layer y = act(x W^T + b) */
    clrelu_status (*dense)(clrelu_device *dev, const struct dense_call *call);
    /* (optional) offloading small work: the element count below which a call of an op of class
     * cls (clrelu_op_class) in dtype is better run on the context's fallback device (0: never;
     * UINT64_MAX: always). The device may measure it on first use with clr_offload_measure
     * (core/offload.h), adding program build time to *build_ns. */
    uint64_t (*offload_below)(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype, uint64_t *build_ns);
    /* (optional) tuning, behind clrelu_tune_* (include/clrelu_tune.h, tune/tune_api.c): search
     * and store launch parameters; measure and store the offload crossovers (every class and
     * supported dtype; *elements gets the piecewise float32 one); the active config; one
     * crossover now (measured if unknown). */
    clrelu_status (*tune_kernels)(clrelu_device *dev, clrelu_dtype dtype, size_t count, clrelu_tune_result *out);
    clrelu_status (*tune_crossover)(clrelu_device *dev, uint64_t *elements);
    clrelu_status (*tune_active)(clrelu_device *dev, clrelu_dtype dtype, clrelu_tune_config *cfg, bool *tuned);
    clrelu_status (*tune_get_crossover)(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype,
                                        uint64_t *elements);
} backend_iface;

struct clrelu_device {
    clrelu_device_info info;
    const backend_iface *iface;
    void *impl;                 /* backend-private state */
    clrelu_context *ctx;        /* owner */
    atomic_uint faults_left;    /* injected faults still to deliver (core/fault.c) */
    /* dense layers' crossover per dtype, in multiply-adds (core/offload.c): state 0 unknown,
     * 1 being measured, 2 known (then dense_below holds it) */
    atomic_int dense_state[CLRELU_DTYPE_COUNT];
    _Atomic uint64_t dense_below[CLRELU_DTYPE_COUNT];
};

struct clrelu_context {
    clrelu_context_options opts;
    clr_settings settings;      /* opts and the CLRELU_* environment, resolved once (core/settings.c) */
    char cache_dir[1024];       /* resolved; "" when caching is disabled */
    clrelu_device **devices;
    int n_devices;
    clrelu_device *fallback;    /* the always-present device small work is offloaded to (the host) */
};

/* One backend as the registry (core/registry.c) lists it. */
typedef struct clr_backend_reg {
    const char *name;
    bool required;              /* a failed discovery fails context creation; else it is logged */
    bool fallback;              /* its first device is the context's fallback device */
    /* (optional) whether the context wants this backend at all (e.g. settings.no_opencl) */
    bool (*wanted)(const clrelu_context *ctx);
    /* append this backend's devices to ctx with clr_device_add (core/devices.c) */
    clrelu_status (*discover)(clrelu_context *ctx);
} clr_backend_reg;

/* core/registry.c: the backends compiled in, in discovery order, NULL-terminated. The only place
 * that names backends. */
extern const clr_backend_reg *const clr_backend_registry[];

/* core/devices.c: allocate a device owned by ctx and append it (ids are assigned after
 * discovery). NULL when out of memory. */
clrelu_device *clr_device_add(clrelu_context *ctx, const backend_iface *iface);

/* Error and log helpers (core/errors.c). clrelu_set_error records the calling thread's last error
 * message and returns `status` so callers can `return clrelu_set_error(...)`. */
clrelu_status clrelu_set_error(clrelu_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void clrelu_clear_error(void);
void clrelu_log(const clrelu_context *ctx, clrelu_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Monotonic clock in nanoseconds. */
uint64_t clrelu_now_ns(void);

/* float16 / bfloat16 scalar conversion (round to nearest even, NaN preserved). */
uint16_t clrelu_float_to_half(float f);
float clrelu_half_to_float(uint16_t h);
uint16_t clrelu_float_to_bf16(float f);
float clrelu_bf16_to_float(uint16_t b);

#endif
