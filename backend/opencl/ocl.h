/* ocl.h: private state and helpers shared by the OpenCL backend's files. */
#ifndef CLRELU_OCL_H
#define CLRELU_OCL_H

#include "core/backend.h"
#include "core/ops.h"
#include "core/offload.h"
#include "tune/tune.h"

#include <CL/cl.h>
#include <stdatomic.h>

#define OCL_QUEUE_POOL 8

/* dev->impl of an OpenCL device. The cl_context lives as long as the device; programs are built
 * lazily, one per dtype, each under its own lock; command queues come from a small pool so that
 * concurrent calls on one device each get their own in-order queue. */
typedef struct {
    cl_platform_id platform;
    cl_device_id id;
    cl_context context;
    cl_device_type cl_type;
    bool fpga;                  /* build the single work-item variant */
    pthread_mutex_t prog_lock[CLRELU_DTYPE_COUNT];
    cl_program prog[CLRELU_DTYPE_COUNT];
    /* ocl_dense.c: activation.cl + dense.cl per dtype, built on first use under dense_lock */
    pthread_mutex_t dense_lock;
    cl_program dense_prog[CLRELU_DTYPE_COUNT];
    /* ocl_bench.c: bench.cl per dtype, built on first use under bench_lock, with the vector width
     * it was built for */
    pthread_mutex_t bench_lock;
    cl_program bench_prog[CLRELU_DTYPE_COUNT];
    unsigned bench_vw[CLRELU_DTYPE_COUNT];
    pthread_mutex_t pool_lock;
    cl_command_queue pool[OCL_QUEUE_POOL];
    int n_pool;
    /* ocl_queue.c/ocl_run.c: queues with their cached kernels, tuning, host crossover
     * (all guarded by pool_lock) */
    struct ocl_slot *slots[OCL_QUEUE_POOL];
    int n_slots;
    bool tune_loaded;
    tune_record tune;
    /* per op class and dtype: 0 unknown, 1 measuring, 2 known (tune.cross) */
    int crossover_state[CLRELU_OP_CLASS_COUNT][CLRELU_DTYPE_COUNT];
    /* The delegation decisions for the hot path, read without the lock: OCL_DELEGATE_UNKNOWN until
     * the tuning is loaded and the class's and dtype's crossover known, then the element count
     * below which calls run on the host (0: none). Republished by clr_ocl_publish_delegation
     * whenever the fields above change. */
    _Atomic uint64_t delegate_below[CLRELU_OP_CLASS_COUNT][CLRELU_DTYPE_COUNT];
} ocl_device;

/* not UINT64_MAX, which is a crossover: "the host at every size" */
#define OCL_DELEGATE_UNKNOWN (UINT64_MAX - 1)

/* A command queue and the kernels created for it. A call owns its slot exclusively, so setting
 * kernel arguments cannot race; kernels live until the program they came from is replaced. */
/* Kernel cache indices per dtype: op * 2 + backward for <op>_fwd/_bwd, OCL_KERNEL_NT + the same
 * for their streaming-store variants <op>_fwd_nt/_bwd_nt, then prelu_dw. */
#define OCL_KERNEL_NT (OP_COUNT * 2)
#define OCL_KERNEL_DW (OP_COUNT * 4)
#define OCL_KERNELS_PER_DTYPE (OP_COUNT * 4 + 1)
typedef struct ocl_slot {
    cl_command_queue q;
    cl_program prog[CLRELU_DTYPE_COUNT];
    cl_kernel kernels[CLRELU_DTYPE_COUNT][OCL_KERNELS_PER_DTYPE];
    /* ocl_pipeline.c (discrete devices): pinned host staging for x, g, y, mapped for the slot's
     * life, and device buffers of the same stage_bytes each */
    cl_mem pin[3], devbuf[3];
    void *pin_ptr[3];
    size_t stage_bytes;
} ocl_slot;

/* ocl_errors.c: name of an OpenCL error code, and the status + message for a failed call. */
const char *clr_ocl_error_name(cl_int err);
clrelu_status clr_ocl_fail(cl_int err, const char *call, const char *file, int line);

/* Check an OpenCL call returning cl_int; on failure set `st` and jump to `out`. */
#define OCL_CHECK(call)                                                                            \
    do {                                                                                           \
        cl_int err_ = (call);                                                                      \
        if (err_ != CL_SUCCESS) {                                                                  \
            st = clr_ocl_fail(err_, #call, __FILE__, __LINE__);                                        \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* Assign `var = call` where call reports through &err_ (clCreate*); on failure as OCL_CHECK. */
#define OCL_CREATE(var, call)                                                                      \
    do {                                                                                           \
        cl_int err_ = CL_SUCCESS;                                                                  \
        var = (call);                                                                              \
        if (err_ != CL_SUCCESS) {                                                                  \
            st = clr_ocl_fail(err_, #call, __FILE__, __LINE__);                                        \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* ocl_program.c: the device's program for dtype, built or loaded on first use. On success the
 * caller owns one reference (clReleaseProgram). *build_ns gets the time spent building. */
clrelu_status clr_ocl_program_get(clrelu_device *dev, clrelu_dtype dtype, cl_program *out, uint64_t *build_ns);
clrelu_status clr_ocl_program_export(clrelu_device *dev, clrelu_dtype dtype, void **data, size_t *size);
clrelu_status clr_ocl_program_import(clrelu_device *dev, clrelu_dtype dtype, const void *data, size_t size);
/* Whether dL/dweight partial sums are double (else float) on this device. */
bool clr_ocl_acc_is_double(const clrelu_device *dev);

/* ocl_cache.c: on-disk program binary cache. key is a 32-hex-digit hash of everything the
 * binary depends on. load returns CLRELU_OK with a malloc'd payload, or an error with the reason
 * (missing, corrupt, stale) in the error message; store writes atomically. */
void clr_ocl_cache_key(const char *const parts[], int n_parts, char key[33]);
clrelu_status clr_ocl_cache_load(const char *dir, const char *key, void **data, size_t *size);
clrelu_status clr_ocl_cache_store(const char *dir, const char *key, const void *data, size_t size);

/* ocl_queue.c: take a profiling-enabled in-order queue for this call and give it back (broken:
 * release it instead of pooling it). */
clrelu_status clr_ocl_queue_acquire(ocl_device *od, cl_command_queue *out);
void clr_ocl_queue_release(ocl_device *od, cl_command_queue q, bool broken);
void clr_ocl_queue_pool_destroy(ocl_device *od);
/* The same for a slot (queue + kernel cache); clr_ocl_slot_kernel gives the slot's kernel `index`
 * (op * 2 + backward, or OCL_KERNEL_DW) named `name` of program prog for dtype. */
clrelu_status clr_ocl_slot_acquire(ocl_device *od, ocl_slot **out);
void clr_ocl_slot_release(ocl_device *od, ocl_slot *s, bool broken);
void clr_ocl_slot_drop_staging(ocl_slot *s);
clrelu_status clr_ocl_slot_kernel(ocl_slot *s, cl_program prog, clrelu_dtype dtype, int index, const char *name,
                              cl_kernel *out);

/* ocl_program.c: the program for dtype built with an explicit vector width (the tuner's
 * candidates; vw 0 = the device's configured width). Caller owns one reference. */
clrelu_status clr_ocl_program_get_vw(clrelu_device *dev, clrelu_dtype dtype, unsigned vw, cl_program *out,
                                 uint64_t *build_ns);
/* The device's tuning record (loaded from the cache directory on first use). */
void clr_ocl_tune_get(clrelu_device *dev, tune_record *out);
/* Install a new record: configs take effect for programs built from now on (the dtype's
 * program is dropped when its vector width changes). */
void clr_ocl_tune_set(clrelu_device *dev, const tune_record *rec);
/* The vector width / work-group / items per work-item in use for dtype (tuned or default). */
tune_cfg clr_ocl_active_cfg(clrelu_device *dev, clrelu_dtype dtype);
/* Recompute od->delegate_below from tune_loaded, crossover_state and tune.cross;
 * called with pool_lock held after changing any of them. */
void clr_ocl_publish_delegation(ocl_device *od);

/* ocl_run.c: clr_ocl_run_cfg runs with an explicit config (the tuner), clr_ocl_run with the active one. */
clrelu_status clr_ocl_run(clrelu_device *dev, const op_call *call);
clrelu_status clr_ocl_run_cfg(clrelu_device *dev, const op_call *call, const tune_cfg *cfg, cl_program prog);
/* Whether a call writes its result with the kernels' streaming-store variants (*_nt): on a CPU
 * device working in host memory (zero-copy), out of place (y is neither x nor g), past the CPU's
 * cache (stream.h), with an element-aligned y (the kernels align their vector stores themselves).
 * Not the FPGA variant, which has none. The host backend streams under the same rule, and the
 * benchmark's copy/add ceilings follow it too (ocl_bench.c). */
bool clr_ocl_streams(const clrelu_device *dev, const void *x, const void *g, const void *y, size_t count,
                 clrelu_dtype dtype);
/* The element count below which calls of an op of class cls in dtype are better run on the
 * context's fallback device (0: none; UINT64_MAX: always), from the tuning file or measured once
 * on first use (clr_offload_measure). */
clrelu_status clr_ocl_crossover(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype, uint64_t *build_ns,
                                uint64_t *out);
/* The backend's offload_below hook: clr_ocl_crossover without a lock once it is known. */
uint64_t clr_ocl_offload_below(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype, uint64_t *build_ns);
/* ocl_bench.c: the benchmark ceilings hook (copy/add/empty kernels of bench.cl, CLBlast xCOPY);
 * ocl_bench_dense.c: its dense variants (call->dense non-NULL). */
clrelu_status clr_ocl_bench_ceiling(clrelu_device *dev, bench_ceiling_call *call);
clrelu_status clr_ocl_bench_dense(clrelu_device *dev, bench_ceiling_call *call);
/* ocl_dense.c: the dense hook — CLBlast GEMM + one fused epilogue kernel. */
clrelu_status clr_ocl_dense(clrelu_device *dev, const struct dense_call *call);
/* ocl_tune.c: the backend's tuning hooks (backend_iface.tune_*). */
clrelu_status clr_ocl_tune_kernels(clrelu_device *dev, clrelu_dtype dtype, size_t count, clrelu_tune_result *out);
clrelu_status clr_ocl_tune_crossover(clrelu_device *dev, uint64_t *elements);
clrelu_status clr_ocl_tune_active(clrelu_device *dev, clrelu_dtype dtype, clrelu_tune_config *cfg, bool *tuned);
clrelu_status clr_ocl_tune_get_crossover(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype,
                                        uint64_t *elements);
/* ocl_pipeline.c: a whole call on a discrete device — pinned staging buffers and chunks spread
 * over several queues so that upload, kernel and download of different chunks overlap.
 * prog/weight belong to the caller (weight: the prelu slopes on the device, else NULL). */
clrelu_status clr_ocl_pipeline_run(clrelu_device *dev, const op_call *call, const tune_cfg *cfg, cl_program prog,
                               cl_mem weight, ocl_slot *first);

#endif
