/* clrelu.h: public C API of libclrelu — ReLU-family activations on OpenCL devices and on the host. */
#ifndef CLRELU_H
#define CLRELU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clrelu_version.h" /* CLRELU_VERSION "major.minor.patch", generated from project() in CMakeLists.txt */

#ifdef __cplusplus
extern "C" {
#endif

/* Every public function that can fail returns a status. On failure a message describing the
 * cause is available from clrelu_last_error() on the same thread (like errno/dlerror). The
 * library never exits, aborts or prints: diagnostics go through the log callback. */
typedef enum {
    CLRELU_OK = 0,
    CLRELU_ERR_INVALID_ARG,   /* bad argument: null pointer, out-of-range parameter, bad shape */
    CLRELU_ERR_NOT_FOUND,     /* unknown op, or a device selector that matches nothing */
    CLRELU_ERR_UNSUPPORTED,   /* op/dtype not supported on this device (e.g. float64 without fp64) */
    CLRELU_ERR_OUT_OF_MEMORY, /* host or device allocation failed */
    CLRELU_ERR_BUILD,         /* OpenCL program build failed; the compiler log is in the message */
    CLRELU_ERR_DEVICE,        /* OpenCL runtime error (or an injected device fault) */
    CLRELU_ERR_IO,            /* file read/write failed */
    CLRELU_ERR_CANCELLED,     /* a long operation was cancelled */
} clrelu_status;

const char *clrelu_status_name(clrelu_status s);
/* Message of the last failed call on the calling thread ("" if none). Valid until the next call. */
const char *clrelu_last_error(void);

/* ---- data types ------------------------------------------------------------------------- */
/* float16 and bfloat16 are storage formats: loaded, computed in float, rounded to nearest even. */
typedef enum {
    CLRELU_F32 = 0,
    CLRELU_F16,
    CLRELU_BF16,
    CLRELU_F64,
    CLRELU_DTYPE_COUNT
} clrelu_dtype;

const char *clrelu_dtype_name(clrelu_dtype t);              /* "float32", "float16", ... */
clrelu_status clrelu_dtype_parse(const char *name, clrelu_dtype *out); /* also "fp32","f16","half","bf16","double" */
size_t clrelu_dtype_size(clrelu_dtype t);
/* Convert count elements between dtypes (round to nearest even; NaN stays NaN). src and dst
 * must not overlap unless they are the same pointer and the same dtype. */
void clrelu_convert(const void *src, clrelu_dtype src_type, void *dst, clrelu_dtype dst_type, size_t count);

/* ---- the op table ----------------------------------------------------------------------- */
#define CLRELU_MAX_PARAMS 4

typedef struct {
    const char *name;        /* e.g. "negative_slope" */
    double default_value;
    double min, max;         /* valid range; bounds inclusive unless the *_open flag is set */
    bool min_open, max_open;
    const char *doc;
} clrelu_param_desc;

typedef struct {
    const char *name;        /* e.g. "leaky_relu" */
    const char *summary;     /* one line, for docs and --help */
    const char *formula;     /* forward formula in PyTorch notation */
    int n_params;
    clrelu_param_desc params[CLRELU_MAX_PARAMS];
    bool per_channel;        /* prelu: takes a slope tensor, one value per channel (axis 1) */
    bool bit_exact;          /* results equal the reference bit for bit on every device */
    int flops_per_element;   /* rough arithmetic cost, used by benchmarks to flag compute-bound ops */
} clrelu_op_desc;

int clrelu_op_count(void);
const clrelu_op_desc *clrelu_op_get(int index);              /* NULL if out of range */
const clrelu_op_desc *clrelu_op_find(const char *name);      /* NULL if unknown */
int clrelu_op_index(const clrelu_op_desc *op);
/* Index of a parameter by name, or -1. */
int clrelu_op_param_index(const clrelu_op_desc *op, const char *param);
/* Fill params[0..n_params) with defaults. */
void clrelu_op_default_params(const clrelu_op_desc *op, double params[CLRELU_MAX_PARAMS]);
/* Check params against the table's ranges (and cross-constraints like min_val < max_val). */
clrelu_status clrelu_op_check_params(const clrelu_op_desc *op, const double params[CLRELU_MAX_PARAMS]);

/* ---- context and devices ---------------------------------------------------------------- */
typedef struct clrelu_context clrelu_context; /* opaque; thread-safe */
typedef struct clrelu_device clrelu_device;   /* opaque; owned by its context */

typedef enum { CLRELU_LOG_DEBUG = 0, CLRELU_LOG_INFO, CLRELU_LOG_WARN, CLRELU_LOG_ERROR } clrelu_log_level;
typedef void (*clrelu_log_fn)(clrelu_log_level level, const char *message, void *user);

typedef struct {
    clrelu_log_fn log;          /* NULL: no logging */
    void *log_user;
    bool no_opencl;             /* only the host device */
    const char *cache_dir;      /* program binary cache; NULL: $CLRELU_CACHE_DIR or
                                   $XDG_CACHE_HOME/clrelu or ~/.cache/clrelu; "" disables caching */
    size_t max_chunk_bytes;     /* 0: the device's max allocation. Tensors larger than this are
                                   processed in chunks (overridable so tests exercise chunking). */
    bool force_fpga_variant;    /* use the single-work-item FPGA kernels on every OpenCL device */
} clrelu_context_options;

typedef enum {
    CLRELU_DEVICE_HOST = 0,
    CLRELU_DEVICE_CPU,
    CLRELU_DEVICE_GPU,
    CLRELU_DEVICE_ACCELERATOR,
    CLRELU_DEVICE_OTHER
} clrelu_device_type;

const char *clrelu_device_type_name(clrelu_device_type t); /* "host", "cpu", "gpu", ... */

typedef struct {
    int index;                  /* position in the context's device list */
    char id[64];                /* stable selector, e.g. "host", "cpu:0", "gpu:1" */
    const char *backend;        /* "host" or "opencl" */
    clrelu_device_type type;
    int type_index;             /* index among devices of the same type */
    char platform[128];
    char vendor[128];
    char name[128];
    char driver_version[64];
    char device_version[64];
    char opencl_c_version[64];
    unsigned compute_units;
    unsigned clock_mhz;
    uint64_t global_mem_bytes;
    uint64_t max_alloc_bytes;
    uint64_t local_mem_bytes;
    size_t max_work_group_size;
    bool fp16;                  /* native cl_khr_fp16 (storage-only float16 works regardless) */
    bool fp64;
    bool host_unified_memory;   /* shares memory with the host (zero-copy possible) */
    unsigned pref_vector_width_float, pref_vector_width_half, pref_vector_width_double;
    double timer_resolution_ns;
    bool dtype_supported[CLRELU_DTYPE_COUNT];
} clrelu_device_info;

clrelu_status clrelu_context_create(const clrelu_context_options *opts /* may be NULL */,
                                    clrelu_context **out);
void clrelu_context_destroy(clrelu_context *ctx);

int clrelu_device_count(const clrelu_context *ctx);
const clrelu_device *clrelu_device_at(const clrelu_context *ctx, int index);
const clrelu_device_info *clrelu_device_get_info(const clrelu_device *dev);

/* Select a device: "host", "cpu", "gpu", "accelerator", "gpu:1" (index within the type),
 * "auto" (best available: GPU, then accelerator, then CPU, then host), or a case-insensitive
 * substring of the platform or device name. NULL or "" means "auto". */
clrelu_status clrelu_device_select(const clrelu_context *ctx, const char *selector,
                                   const clrelu_device **out);

/* ---- running ops ------------------------------------------------------------------------ */
typedef struct {
    uint64_t transfer_in_ns;    /* host -> device copies (0 on host/zero-copy) */
    uint64_t kernel_ns;         /* device time from profiling events (host: the call's wall time) */
    uint64_t transfer_out_ns;   /* device -> host copies */
    uint64_t total_ns;          /* wall time of the whole call */
    uint64_t build_ns;          /* program build/load time spent in this call (first use) */
    unsigned chunks;            /* number of chunks the tensor was split into */
    bool streaming_stores;      /* the result went through the streaming-store path: non-temporal
                                 * (cache-bypassing) stores, chosen on the host backend and OpenCL
                                 * CPU devices for out-of-place calls larger than the CPU's
                                 * last-level cache (CLRELU_STREAM_MIN_BYTES overrides the size) */
    const clrelu_device *ran_on; /* the device that ran the call: the one asked for, or the context's
                                 * host device when the call was below the asked device's crossover
                                 * (CLRELU_AUTO_HOST); NULL when nothing ran (an empty tensor) */
} clrelu_timing;

/* Most dimensions a tensor may have (Triton accepts tensor JSON nested 100 deep). */
#define CLRELU_MAX_RANK 100

/* One activation call. Forward: y = op(x). Backward (grad_output != NULL): y = dL/dx given the
 * forward input x and the upstream gradient grad_output.
 * - y may equal x (in place); y may also equal grad_output for backward.
 * - shape/rank describe the tensor (row-major, rank 0..CLRELU_MAX_RANK); shape NULL means 1-D of
 *   `count` elements.
 *   count must equal the product of shape when both are given.
 * - params: NULL for defaults, else n_params values in table order. For float32/16/bf16 the
 *   parameters are rounded to float before use (as PyTorch does); float64 uses them as is.
 * - prelu: weight holds one slope per channel (shape[1] for rank >= 2, else 1) in `dtype`;
 *   backward also writes dL/dweight (summed per channel) to grad_weight if non-NULL. */
typedef struct {
    const char *op;
    clrelu_dtype dtype;
    size_t count;
    const size_t *shape;
    int rank;
    const void *x;
    void *y;
    const void *grad_output;
    const double *params;
    const void *weight;
    void *grad_weight;
    clrelu_timing *timing;      /* optional out */
} clrelu_op_args;

clrelu_status clrelu_run(clrelu_context *ctx, const clrelu_device *dev, const clrelu_op_args *args);

/* Fault injection for reliability tests: the next `count` clrelu_run calls on dev that pass
 * validation fail with CLRELU_ERR_DEVICE, as a lost or failing device would (count 0 clears).
 * clrelu_device_faults_pending tells how many are left. Both are thread-safe. */
clrelu_status clrelu_device_inject_fault(clrelu_context *ctx, const clrelu_device *dev, unsigned count);
unsigned clrelu_device_faults_pending(const clrelu_device *dev);

/* ---- program binaries (FPGA flow) -------------------------------------------------------- */
/* Export the device's compiled program for dtype (builds it if needed). *data is malloc'd;
 * the caller frees it. Host device: CLRELU_ERR_UNSUPPORTED. */
clrelu_status clrelu_program_export(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                    void **data, size_t *size);
/* Use a prebuilt binary (e.g. offline-compiled .aocx/.xclbin, or one exported above) for dtype
 * on dev instead of building from source. Fails with CLRELU_ERR_BUILD if the device rejects it. */
clrelu_status clrelu_program_import(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                    const void *data, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* CLRELU_H */
