/* ocl_queue.c: a small per-device pool of in-order, profiling-enabled command queues, one per call in flight. */
#include "ocl.h"

clrelu_status ocl_queue_acquire(ocl_device *od, cl_command_queue *out)
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
void ocl_queue_release(ocl_device *od, cl_command_queue q, bool broken)
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

void ocl_queue_pool_destroy(ocl_device *od)
{
    for (int i = 0; i < od->n_pool; i++)
        clReleaseCommandQueue(od->pool[i]);
    od->n_pool = 0;
}
