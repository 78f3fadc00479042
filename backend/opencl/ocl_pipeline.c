/* ocl_pipeline.c: discrete devices — pinned staging and a chunked upload/kernel/download pipeline over several queues. */
#include "opencl/ocl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_QUEUES 3
#define PIPE_CHUNK_BYTES ((size_t)8 << 20)

enum { PIN_X, PIN_G, PIN_Y };

/* Per queue: its slot and the chunk it has in flight (offset, count; count 0 when idle). */
typedef struct {
    ocl_slot *slot;
    cl_kernel k;
    size_t offset, n;
    cl_event ev[4];
    int kinds[4]; /* 0 in, 1 kernel, 2 out */
    int n_ev;
} pipe_lane;

/* Make sure the slot has pinned staging and device buffers of `bytes` each (x, y; g for backward). */
static clrelu_status ensure_staging(ocl_device *od, ocl_slot *s, size_t bytes, bool backward)
{
    clrelu_status st = CLRELU_OK;
    if (s->stage_bytes >= bytes && (!backward || s->pin[PIN_G]))
        return CLRELU_OK;
    clr_ocl_slot_drop_staging(s);
    for (int i = 0; i < 3; i++) {
        if (i == PIN_G && !backward)
            continue;
        OCL_CREATE(s->pin[i], clCreateBuffer(od->context, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, bytes, NULL, &err_));
        OCL_CREATE(s->pin_ptr[i], clEnqueueMapBuffer(s->q, s->pin[i], CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0, bytes, 0,
                                                     NULL, NULL, &err_));
        OCL_CREATE(s->devbuf[i], clCreateBuffer(od->context, CL_MEM_READ_WRITE, bytes, NULL, &err_));
    }
    s->stage_bytes = bytes;
out:
    if (st != CLRELU_OK)
        clr_ocl_slot_drop_staging(s);
    return st;
}

/* Chunk size in elements: 8 MiB of data, less when the device's allocation limit or the
 * context's max_chunk_bytes is smaller; whole multiples of 64 elements. */
static size_t pipe_chunk(const clrelu_device *dev, size_t esize)
{
    size_t limit = PIPE_CHUNK_BYTES;
    if (dev->info.max_alloc_bytes && dev->info.max_alloc_bytes < limit)
        limit = (size_t)dev->info.max_alloc_bytes;
    if (dev->ctx->opts.max_chunk_bytes && dev->ctx->opts.max_chunk_bytes < limit)
        limit = dev->ctx->opts.max_chunk_bytes;
    size_t n = limit / esize;
    if (n >= 128)
        n -= n % 64;
    return n ? n : 1;
}

/* Wait for the lane's chunk, copy its result out of pinned memory, and add its event times. */
static clrelu_status lane_drain(pipe_lane *l, const op_call *c, size_t esize)
{
    clrelu_status st = CLRELU_OK;
    if (!l->n)
        return CLRELU_OK;
    OCL_CHECK(clFinish(l->slot->q));
    memcpy((char *)c->y + l->offset * esize, l->slot->pin_ptr[PIN_Y], l->n * esize);
    for (int i = 0; i < l->n_ev; i++) {
        cl_ulong a = 0, b = 0;
        if (clGetEventProfilingInfo(l->ev[i], CL_PROFILING_COMMAND_START, sizeof a, &a, NULL) == CL_SUCCESS &&
            clGetEventProfilingInfo(l->ev[i], CL_PROFILING_COMMAND_END, sizeof b, &b, NULL) == CL_SUCCESS && b > a) {
            uint64_t *dst = l->kinds[i] == 0   ? &c->timing->transfer_in_ns
                            : l->kinds[i] == 1 ? &c->timing->kernel_ns
                                               : &c->timing->transfer_out_ns;
            *dst += b - a;
        }
    }
out:
    for (int i = 0; i < l->n_ev; i++)
        clReleaseEvent(l->ev[i]);
    l->n_ev = 0;
    l->n = 0;
    return st;
}

static cl_int set_real(cl_kernel k, cl_uint index, clrelu_dtype dtype, double v)
{
    if (dtype == CLRELU_F64)
        return clSetKernelArg(k, index, sizeof v, &v);
    float f = (float)v;
    return clSetKernelArg(k, index, sizeof f, &f);
}

/* Stage chunk [off, off + n) into the lane's pinned buffers, then queue upload, kernel, download. */
static clrelu_status lane_issue(pipe_lane *l, const clrelu_device *dev, const op_call *c, const tune_cfg *cfg,
                                cl_mem weight, size_t off, size_t n, size_t esize)
{
    clrelu_status st = CLRELU_OK;
    ocl_slot *s = l->slot;
    bool bwd = c->grad_output != NULL, prelu = c->op->desc.per_channel;
    size_t bytes = n * esize;
    memcpy(s->pin_ptr[PIN_X], (const char *)c->x + off * esize, bytes);
    OCL_CHECK(clEnqueueWriteBuffer(s->q, s->devbuf[PIN_X], CL_FALSE, 0, bytes, s->pin_ptr[PIN_X], 0, NULL,
                                   &l->ev[l->n_ev]));
    l->kinds[l->n_ev++] = 0;
    if (bwd) {
        memcpy(s->pin_ptr[PIN_G], (const char *)c->grad_output + off * esize, bytes);
        OCL_CHECK(clEnqueueWriteBuffer(s->q, s->devbuf[PIN_G], CL_FALSE, 0, bytes, s->pin_ptr[PIN_G], 0, NULL,
                                       &l->ev[l->n_ev]));
        l->kinds[l->n_ev++] = 0;
    }
    cl_kernel k = l->k;
    cl_uint a = 0;
    cl_ulong n64 = n, off64 = off, channels = c->channels, inner = c->inner;
    OCL_CHECK(clSetKernelArg(k, a++, sizeof(cl_mem), &s->devbuf[PIN_X]));
    if (bwd)
        OCL_CHECK(clSetKernelArg(k, a++, sizeof(cl_mem), &s->devbuf[PIN_G]));
    OCL_CHECK(clSetKernelArg(k, a++, sizeof(cl_mem), &s->devbuf[PIN_Y]));
    OCL_CHECK(clSetKernelArg(k, a++, sizeof n64, &n64));
    if (prelu) {
        OCL_CHECK(clSetKernelArg(k, a++, sizeof weight, &weight));
        OCL_CHECK(clSetKernelArg(k, a++, sizeof off64, &off64));
        OCL_CHECK(clSetKernelArg(k, a++, sizeof channels, &channels));
        OCL_CHECK(clSetKernelArg(k, a++, sizeof inner, &inner));
    } else {
        OCL_CHECK(set_real(k, a++, c->dtype, c->params[0]));
        OCL_CHECK(set_real(k, a++, c->dtype, c->params[1]));
    }
    size_t kwg = 0;
    if (clGetKernelWorkGroupInfo(k, ((ocl_device *)dev->impl)->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof kwg, &kwg,
                                 NULL) != CL_SUCCESS || !kwg)
        kwg = 1;
    size_t local = cfg->wg ? cfg->wg : 256, vectors = (n + cfg->vw - 1) / cfg->vw;
    if (local > kwg)
        local = kwg;
    size_t ept = cfg->ept ? cfg->ept : 4, groups = (vectors + ept * local - 1) / (ept * local);
    size_t global = (groups ? groups : 1) * local;
    OCL_CHECK(clEnqueueNDRangeKernel(s->q, k, 1, NULL, &global, &local, 0, NULL, &l->ev[l->n_ev]));
    l->kinds[l->n_ev++] = 1;
    OCL_CHECK(clEnqueueReadBuffer(s->q, s->devbuf[PIN_Y], CL_FALSE, 0, bytes, s->pin_ptr[PIN_Y], 0, NULL,
                                  &l->ev[l->n_ev]));
    l->kinds[l->n_ev++] = 2;
    OCL_CHECK(clFlush(s->q));
    l->offset = off;
    l->n = n;
out:
    return st;
}

/* Chunk i goes to lane i % PIPE_QUEUES: while the device works on one lane's chunk, the host
 * stages the next lane's input and collects finished output, and the queues' transfers and
 * kernels overlap on the device. y may alias x or g: a chunk's output lands after its own input
 * was staged, and chunks are disjoint. */
clrelu_status clr_ocl_pipeline_run(clrelu_device *dev, const op_call *call, const tune_cfg *cfg, cl_program prog,
                               cl_mem weight, ocl_slot *first)
{
    ocl_device *od = dev->impl;
    clrelu_status st = CLRELU_OK;
    size_t esize = clrelu_dtype_size(call->dtype);
    size_t chunk = pipe_chunk(dev, esize);
    bool bwd = call->grad_output != NULL;
    pipe_lane lanes[PIPE_QUEUES];
    memset(lanes, 0, sizeof lanes);
    char name[64];
    snprintf(name, sizeof name, "%s_%s", call->op->kernel, bwd ? "bwd" : "fwd");
    int index = (int)call->op->id * 2 + bwd;
    size_t lanes_needed = (call->count + chunk - 1) / chunk;
    if (lanes_needed > PIPE_QUEUES)
        lanes_needed = PIPE_QUEUES;
    OCL_CHECK(clFinish(first->q)); /* the prelu slopes' upload */
    for (size_t i = 0; i < lanes_needed; i++) {
        if (i == 0)
            lanes[i].slot = first;
        else if ((st = clr_ocl_slot_acquire(od, &lanes[i].slot)) != CLRELU_OK)
            goto out;
        if ((st = ensure_staging(od, lanes[i].slot, chunk * esize, bwd)) != CLRELU_OK ||
            (st = clr_ocl_slot_kernel(lanes[i].slot, prog, call->dtype, index, name, &lanes[i].k)) != CLRELU_OK)
            goto out;
    }
    size_t li = 0;
    for (size_t off = 0; off < call->count; off += chunk) {
        size_t n = call->count - off < chunk ? call->count - off : chunk;
        pipe_lane *l = &lanes[li];
        if ((st = lane_drain(l, call, esize)) != CLRELU_OK ||
            (st = lane_issue(l, dev, call, cfg, weight, off, n, esize)) != CLRELU_OK)
            goto out;
        call->timing->chunks++;
        li = (li + 1) % lanes_needed;
    }
    for (size_t i = 0; i < lanes_needed; i++)
        if ((st = lane_drain(&lanes[i], call, esize)) != CLRELU_OK)
            goto out;
out:
    for (size_t i = 0; i < PIPE_QUEUES; i++) {
        if (!lanes[i].slot)
            continue;
        if (st != CLRELU_OK) {
            clFinish(lanes[i].slot->q);
            for (int e = 0; e < lanes[i].n_ev; e++)
                clReleaseEvent(lanes[i].ev[e]);
        }
        if (i > 0) /* the first slot belongs to the caller */
            clr_ocl_slot_release(od, lanes[i].slot, st != CLRELU_OK);
    }
    return st;
}
