/* ocl_bench_dense.c: the OpenCL backend's dense-layer benchmark variants — CLBlast GEMM alone, GEMM + the fused epilogue, GEMM + separate bias and activation passes. */
#include "opencl/ocl_dense.h"


#include <stdlib.h>

/* One variant's device state: buffers filled once, the dense program's kernels with their arguments. */
typedef struct {
    cl_command_queue q;
    cl_program prog;
    cl_kernel fused, bias, act;
    cl_mem x, w, b, z;
} dense_bench;

/* A device buffer of count floats, scale * a pseudo-random pattern in [-1, 1) from seed. */
static cl_mem filled(cl_context c, size_t count, float scale, unsigned seed)
{
    float *h = malloc(count * sizeof *h);
    if (!h)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1103515245u + 12345u;
        h[i] = scale * ((float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f);
    }
    cl_int err;
    cl_mem m = clCreateBuffer(c, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, count * sizeof *h, h, &err);
    free(h);
    return err == CL_SUCCESS ? m : NULL;
}

/* Buffers and kernel arguments for the shape: bias on, the activation at its defaults. */
static clrelu_status setup(dense_bench *B, ocl_device *od, const bench_dense_variant *v)
{
    clrelu_status st = CLRELU_OK;
    cl_ulong rows = v->n, cols = v->out, count = rows * cols;
    cl_int flags = DENSE_HAS_BIAS, act = (cl_int)v->act->id;
    const clrelu_op_desc *d = &v->act->desc;
    B->x = filled(od->context, v->n * v->in, 1.0f, 1);
    B->w = filled(od->context, v->out * v->in, 0.05f, 2);
    B->b = filled(od->context, v->out, 0.1f, 3);
    B->z = filled(od->context, v->n * v->out, 0.0f, 4);
    if (!B->x || !B->w || !B->b || !B->z)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "bench dense: cannot allocate the buffers");
    OCL_CREATE(B->fused, clCreateKernel(B->prog, "dense_fwd_epilogue", &err_));
    OCL_CREATE(B->bias, clCreateKernel(B->prog, "dense_bias", &err_));
    OCL_CREATE(B->act, clCreateKernel(B->prog, "dense_act", &err_));
    OCL_CHECK(clSetKernelArg(B->fused, 0, sizeof(cl_mem), &B->z));
    OCL_CHECK(clSetKernelArg(B->fused, 1, sizeof(cl_mem), &B->z));
    OCL_CHECK(clSetKernelArg(B->fused, 2, sizeof(cl_mem), &B->b));
    OCL_CHECK(clSetKernelArg(B->fused, 3, sizeof(cl_mem), &B->b));
    OCL_CHECK(clSetKernelArg(B->fused, 4, sizeof rows, &rows));
    OCL_CHECK(clSetKernelArg(B->fused, 5, sizeof cols, &cols));
    OCL_CHECK(clSetKernelArg(B->fused, 6, sizeof flags, &flags));
    OCL_CHECK(clSetKernelArg(B->fused, 7, sizeof act, &act));
    OCL_CHECK(clr_ocl_dense_set_real(B->fused, 8, CLRELU_F32, d->params[0].default_value));
    OCL_CHECK(clr_ocl_dense_set_real(B->fused, 9, CLRELU_F32, d->params[1].default_value));
    OCL_CHECK(clSetKernelArg(B->bias, 0, sizeof(cl_mem), &B->z));
    OCL_CHECK(clSetKernelArg(B->bias, 1, sizeof(cl_mem), &B->b));
    OCL_CHECK(clSetKernelArg(B->bias, 2, sizeof rows, &rows));
    OCL_CHECK(clSetKernelArg(B->bias, 3, sizeof cols, &cols));
    OCL_CHECK(clSetKernelArg(B->act, 0, sizeof(cl_mem), &B->z));
    OCL_CHECK(clSetKernelArg(B->act, 1, sizeof count, &count));
    OCL_CHECK(clSetKernelArg(B->act, 2, sizeof act, &act));
    OCL_CHECK(clr_ocl_dense_set_real(B->act, 3, CLRELU_F32, d->params[0].default_value));
    OCL_CHECK(clr_ocl_dense_set_real(B->act, 4, CLRELU_F32, d->params[1].default_value));
out:
    return st;
}

/* Enqueue one run of the variant (no wait). */
static clrelu_status enqueue(dense_bench *B, const clrelu_device *dev, const bench_dense_variant *v)
{
    clrelu_status st = clr_ocl_dense_gemm(CLRELU_F32, false, true, v->n, v->out, v->in, B->x, v->in, B->w, v->in, B->z,
                                      v->out, B->q);
    if (st != CLRELU_OK || v->variant == CLRELU_BENCH_DENSE_GEMM)
        return st;
    size_t count = v->n * v->out, global = clr_ocl_dense_global_size(dev, count);
    if (v->variant == CLRELU_BENCH_DENSE_FUSED) {
        if (clEnqueueNDRangeKernel(B->q, B->fused, 1, NULL, &global, NULL, 0, NULL, NULL) != CL_SUCCESS)
            return clrelu_set_error(CLRELU_ERR_DEVICE, "bench dense: fused launch failed");
        return CLRELU_OK;
    }
    if (clEnqueueNDRangeKernel(B->q, B->bias, 1, NULL, &global, NULL, 0, NULL, NULL) != CL_SUCCESS ||
        clEnqueueNDRangeKernel(B->q, B->act, 1, NULL, &global, NULL, 0, NULL, NULL) != CL_SUCCESS)
        return clrelu_set_error(CLRELU_ERR_DEVICE, "bench dense: separate-pass launch failed");
    return CLRELU_OK;
}

static void release(dense_bench *B)
{
    cl_mem mems[] = {B->x, B->w, B->b, B->z};
    cl_kernel ks[] = {B->fused, B->bias, B->act};
    for (int i = 0; i < 4; i++)
        if (mems[i])
            clReleaseMemObject(mems[i]);
    for (int i = 0; i < 3; i++)
        if (ks[i])
            clReleaseKernel(ks[i]);
    if (B->prog)
        clReleaseProgram(B->prog);
}

/* Warm-up runs (each waited for), then per sample `batch` runs back to back and one wait. */
clrelu_status clr_ocl_bench_dense(clrelu_device *dev, bench_ceiling_call *c)
{
    const bench_dense_variant *v = c->dense;
    ocl_device *od = dev->impl;
    dense_bench B = {0};
    clrelu_status st = clr_ocl_dense_program(dev, CLRELU_F32, &B.prog);
    if (st != CLRELU_OK)
        return st;
    if ((st = clr_ocl_queue_acquire(od, &B.q)) != CLRELU_OK)
        goto out;
    if ((st = setup(&B, od, v)) != CLRELU_OK)
        goto out;
    for (int i = 0; i < c->warmup; i++) {
        if ((st = enqueue(&B, dev, v)) != CLRELU_OK)
            goto out;
        OCL_CHECK(clFinish(B.q));
    }
    for (int r = 0; r < c->repeats; r++) {
        uint64_t t0 = clrelu_now_ns();
        for (int i = 0; i < v->batch; i++)
            if ((st = enqueue(&B, dev, v)) != CLRELU_OK)
                goto out;
        OCL_CHECK(clFinish(B.q));
        c->samples_ns[r] = (double)(clrelu_now_ns() - t0) / v->batch;
    }
out:
    release(&B);
    if (B.q)
        clr_ocl_queue_release(od, B.q, st != CLRELU_OK);
    return st;
}
