/* ocl_queue.c: a small per-device pool of in-order, profiling-enabled command queues (and queue slots with cached kernels), one per call in flight. */
#include "opencl/ocl.h"

#include <stdlib.h>

clrelu_status clr_ocl_queue_acquire(ocl_device *od, cl_command_queue *out)
{
    clrelu_status st = CLRELU_OK;
    cl_command_queue q = NULL;
    pthread_mutex_lock(&od->pool_lock);
    if (od->n_pool > 0)
        q = od->pool[--od->n_pool];
    pthread_mutex_unlock(&od->pool_lock);
    if (!q)
        OCL_CREATE(q, clCreateCommandQueue(od->context, od->id, CL_QUEUE_PROFILING_ENABLE, &err_));
    *out = q;
out:
    return st;
}

/* Keep an idle queue for the next call unless the pool is full or the call failed midway. */
void clr_ocl_queue_release(ocl_device *od, cl_command_queue q, bool broken)
{
    if (!q)
        return;
    if (!broken) {
        pthread_mutex_lock(&od->pool_lock);
        if (od->n_pool < OCL_QUEUE_POOL) {
            od->pool[od->n_pool++] = q;
            q = NULL;
        }
        pthread_mutex_unlock(&od->pool_lock);
    }
    if (q) {
        clFinish(q);
        clReleaseCommandQueue(q);
    }
}

static void slot_destroy(ocl_slot *s);

void clr_ocl_queue_pool_destroy(ocl_device *od)
{
    for (int i = 0; i < od->n_pool; i++)
        clReleaseCommandQueue(od->pool[i]);
    od->n_pool = 0;
    for (int i = 0; i < od->n_slots; i++)
        slot_destroy(od->slots[i]);
    od->n_slots = 0;
}

static void slot_drop_kernels(ocl_slot *s, int dtype)
{
    for (int k = 0; k < OCL_KERNELS_PER_DTYPE; k++)
        if (s->kernels[dtype][k]) {
            clReleaseKernel(s->kernels[dtype][k]);
            s->kernels[dtype][k] = NULL;
        }
    if (s->prog[dtype])
        clReleaseProgram(s->prog[dtype]);
    s->prog[dtype] = NULL;
}

/* Release the slot's pipeline staging (pinned buffers are unmapped first). */
void clr_ocl_slot_drop_staging(ocl_slot *s)
{
    for (int i = 0; i < 3; i++) {
        if (s->pin[i] && s->pin_ptr[i] && s->q)
            clEnqueueUnmapMemObject(s->q, s->pin[i], s->pin_ptr[i], 0, NULL, NULL);
        s->pin_ptr[i] = NULL;
    }
    if (s->q)
        clFinish(s->q);
    for (int i = 0; i < 3; i++) {
        if (s->pin[i])
            clReleaseMemObject(s->pin[i]);
        if (s->devbuf[i])
            clReleaseMemObject(s->devbuf[i]);
        s->pin[i] = s->devbuf[i] = NULL;
    }
    s->stage_bytes = 0;
}

static void slot_destroy(ocl_slot *s)
{
    if (!s)
        return;
    clr_ocl_slot_drop_staging(s);
    if (s->q) {
        clFinish(s->q);
        clReleaseCommandQueue(s->q);
    }
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
        slot_drop_kernels(s, t);
    free(s);
}

/* An idle slot from the pool, or a new one with a fresh profiling queue. */
clrelu_status clr_ocl_slot_acquire(ocl_device *od, ocl_slot **out)
{
    clrelu_status st = CLRELU_OK;
    ocl_slot *s = NULL;
    *out = NULL;
    pthread_mutex_lock(&od->pool_lock);
    if (od->n_slots > 0)
        s = od->slots[--od->n_slots];
    pthread_mutex_unlock(&od->pool_lock);
    if (s) {
        *out = s;
        return CLRELU_OK;
    }
    if (!(s = calloc(1, sizeof *s)))
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "opencl: out of memory for a queue");
    OCL_CREATE(s->q, clCreateCommandQueue(od->context, od->id, CL_QUEUE_PROFILING_ENABLE, &err_));
    *out = s;
    s = NULL;
out:
    slot_destroy(s);
    return st;
}

/* Back to the pool with its kernels, unless broken (a failed call) or the pool is full. */
void clr_ocl_slot_release(ocl_device *od, ocl_slot *s, bool broken)
{
    if (!s)
        return;
    if (!broken) {
        pthread_mutex_lock(&od->pool_lock);
        if (od->n_slots < OCL_QUEUE_POOL) {
            od->slots[od->n_slots++] = s;
            s = NULL;
        }
        pthread_mutex_unlock(&od->pool_lock);
    }
    slot_destroy(s);
}

/* The slot's cached kernel; created on first use, recreated when the dtype's program changed
 * (a program import or a new tuning replaces the program object). */
clrelu_status clr_ocl_slot_kernel(ocl_slot *s, cl_program prog, clrelu_dtype dtype, int index, const char *name,
                              cl_kernel *out)
{
    clrelu_status st = CLRELU_OK;
    if (s->prog[dtype] != prog) {
        slot_drop_kernels(s, dtype);
        clRetainProgram(prog);
        s->prog[dtype] = prog;
    }
    if (!s->kernels[dtype][index])
        OCL_CREATE(s->kernels[dtype][index], clCreateKernel(prog, name, &err_));
    *out = s->kernels[dtype][index];
out:
    return st;
}
