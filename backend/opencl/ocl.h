/* ocl.h: private state and helpers shared by the OpenCL backend's files. */
#ifndef CLRELU_OCL_H
#define CLRELU_OCL_H

#include "backend.h"

#include <CL/cl.h>

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
    pthread_mutex_t pool_lock;
    cl_command_queue pool[OCL_QUEUE_POOL];
    int n_pool;
} ocl_device;

/* ocl_errors.c: name of an OpenCL error code, and the status + message for a failed call. */
const char *ocl_error_name(cl_int err);
clrelu_status ocl_fail(cl_int err, const char *call, const char *file, int line);

/* Check an OpenCL call returning cl_int; on failure set `st` and jump to `out`. */
#define OCL_CHECK(call)                                                                            \
    do {                                                                                           \
        cl_int err_ = (call);                                                                      \
        if (err_ != CL_SUCCESS) {                                                                  \
            st = ocl_fail(err_, #call, __FILE__, __LINE__);                                        \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* Assign `var = call` where call reports through &err_ (clCreate*); on failure as OCL_CHECK. */
#define OCL_CREATE(var, call)                                                                      \
    do {                                                                                           \
        cl_int err_ = CL_SUCCESS;                                                                  \
        var = (call);                                                                              \
        if (err_ != CL_SUCCESS) {                                                                  \
            st = ocl_fail(err_, #call, __FILE__, __LINE__);                                        \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* ocl_program.c: the device's program for dtype, built or loaded on first use. On success the
 * caller owns one reference (clReleaseProgram). *build_ns gets the time spent building. */
clrelu_status ocl_program_get(clrelu_device *dev, clrelu_dtype dtype, cl_program *out, uint64_t *build_ns);
clrelu_status ocl_program_export(clrelu_device *dev, clrelu_dtype dtype, void **data, size_t *size);
clrelu_status ocl_program_import(clrelu_device *dev, clrelu_dtype dtype, const void *data, size_t size);
/* Whether dL/dweight partial sums are double (else float) on this device. */
bool ocl_acc_is_double(const clrelu_device *dev);

/* ocl_cache.c: on-disk program binary cache. key is a 32-hex-digit hash of everything the
 * binary depends on. load returns CLRELU_OK with a malloc'd payload, or an error with the reason
 * (missing, corrupt, stale) in the error message; store writes atomically. */
void ocl_cache_key(const char *const parts[], int n_parts, char key[33]);
clrelu_status ocl_cache_load(const char *dir, const char *key, void **data, size_t *size);
clrelu_status ocl_cache_store(const char *dir, const char *key, const void *data, size_t size);

/* ocl_queue.c: take a profiling-enabled in-order queue for this call and give it back (broken:
 * release it instead of pooling it). */
clrelu_status ocl_queue_acquire(ocl_device *od, cl_command_queue *out);
void ocl_queue_release(ocl_device *od, cl_command_queue q, bool broken);
void ocl_queue_pool_destroy(ocl_device *od);

/* ocl_run.c */
clrelu_status ocl_run(clrelu_device *dev, const op_call *call);

#endif
