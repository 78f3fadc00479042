/* clrelu_tune.h: per-device tuning of the OpenCL kernels (vector width, work-group size, work per item) and of the host crossover. */
#ifndef CLRELU_TUNE_H_PUBLIC
#define CLRELU_TUNE_H_PUBLIC

#include "clrelu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A kernel configuration. 0 in a field means the library's default for it. */
typedef struct {
    unsigned vector_width;      /* elements per vector load/store: 2, 4, 8 or 16 */
    unsigned work_group_size;
    unsigned vectors_per_item;  /* 0: one work-group per compute unit (CPU) / enough to fill a GPU */
} clrelu_tune_config;

typedef struct {
    clrelu_tune_config best;
    double best_gbps;           /* relu forward+backward bandwidth of the best candidate */
    double default_gbps;        /* the same for the untuned defaults, same run */
    int candidates;             /* configurations measured (and validated) */
} clrelu_tune_result;

/* Measure candidate configurations for dtype on an OpenCL device with relu forward and backward
 * on `count` elements (0: 16M), every result checked against the host backend, and store the
 * fastest in the cache directory (<cache>/<device fingerprint>.tune, written atomically). The
 * device uses it from now on, and every context created later loads it. Fails with
 * CLRELU_ERR_UNSUPPORTED on the host device, CLRELU_ERR_IO when the file cannot be written. */
clrelu_status clrelu_tune_device(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype, size_t count,
                                 clrelu_tune_result *out);
/* The op classes whose host crossover is measured apart, since the host and a device differ in
 * different ways for them: the piecewise-linear ops (relu, leaky_relu, relu6, hardtanh, prelu: a
 * compare or one product per element, memory-bound) and the smooth ops (elu, selu, gelu,
 * gelu_tanh, silu, softplus, sigmoid, tanh: exp/erf/log1p math, compute-bound on CPUs). */
typedef enum { CLRELU_OP_CLASS_PIECEWISE = 0, CLRELU_OP_CLASS_SMOOTH, CLRELU_OP_CLASS_COUNT } clrelu_op_class;
/* The class of an op (NULL: CLRELU_OP_CLASS_PIECEWISE), its name ("piecewise", "smooth"), and the
 * class of a name (CLRELU_ERR_INVALID_ARG for an unknown one). */
clrelu_op_class clrelu_op_class_of(const clrelu_op_desc *op);
const char *clrelu_op_class_name(clrelu_op_class cls);
clrelu_status clrelu_op_class_parse(const char *name, clrelu_op_class *out);

/* Measure, for each op class and each dtype the device supports, the element count below which
 * the host backend is faster than the device, and store them with the device's tuning. Calls on
 * the device below their class's and dtype's crossover run on the host (CLRELU_AUTO_HOST=0 in the
 * environment disables that). *elements: the piecewise float32 one. */
clrelu_status clrelu_tune_crossover(clrelu_context *ctx, const clrelu_device *dev, uint64_t *elements);
/* The configuration the device runs dtype with, and whether it came from a tuning file. */
clrelu_status clrelu_tune_active(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                 clrelu_tune_config *cfg, bool *tuned);
/* The device's piecewise float32 crossover in elements (0: none), measuring it now if it is not
 * known yet. */
clrelu_status clrelu_tune_get_crossover(clrelu_context *ctx, const clrelu_device *dev, uint64_t *elements);
/* The device's crossover for an op class and dtype (0: none; UINT64_MAX: the host is faster at
 * every size), from its tuning file or measured now on first use, as a call would. */
clrelu_status clrelu_tune_get_crossover_of(clrelu_context *ctx, const clrelu_device *dev, clrelu_op_class cls,
                                           clrelu_dtype dtype, uint64_t *elements);
/* Whether clrelu_run of `count` elements of relu in dtype on dev would run on the host backend
 * (below the device's crossover; never with CLRELU_AUTO_HOST=0, nor in contexts with
 * force_fpga_variant or max_chunk_bytes set, which ask for the device's own kernels). Always true
 * for the host device. clrelu_tune_runs_on_host_op: the same for the op named `op`. */
clrelu_status clrelu_tune_runs_on_host(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                       size_t count, bool *on_host);
clrelu_status clrelu_tune_runs_on_host_op(clrelu_context *ctx, const clrelu_device *dev, const char *op,
                                          clrelu_dtype dtype, size_t count, bool *on_host);
/* Path of the device's tuning file ("" when caching is disabled). */
clrelu_status clrelu_tune_file(const clrelu_context *ctx, const clrelu_device *dev, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
