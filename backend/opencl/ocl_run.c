/* ocl_run.c: one blocking activation call on an OpenCL device — buffers, chunking, launches, timing. */
#include "opencl/ocl.h"
#include "core/stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EV_IN, EV_KERNEL, EV_OUT };

/* Everything one call holds; released in one place (run_release). */
typedef struct {
    clrelu_device *dev;
    ocl_device *od;
    const op_call *call;
    size_t esize;
    bool zero_copy, backward, prelu, want_dw;
    bool stream;                  /* the kernels' streaming-store variants (*_nt) */
    tune_cfg cfg;                 /* vector width, work-group size, vectors per work-item */
    cl_program prog;
    ocl_slot *slot;
    cl_command_queue q;
    cl_kernel kmain, kdw;
    bool single_main, single_dw;  /* single work-item (FPGA) kernels */
    cl_mem weight, partial;       /* prelu slopes; dL/dweight partial sums */
    size_t parts, acc_size;
    void *partial_host;
    double *dw_sum;               /* per channel, summed over parts and chunks */
    cl_event events[8];
    int event_kind[8];
    int n_events;
} run_state;

static clrelu_status track_event(run_state *rs, cl_event ev, int kind)
{
    if (rs->n_events == (int)(sizeof rs->events / sizeof rs->events[0])) {
        clReleaseEvent(ev);
        return clrelu_set_error(CLRELU_ERR_DEVICE, "opencl: too many events in one chunk");
    }
    rs->event_kind[rs->n_events] = kind;
    rs->events[rs->n_events++] = ev;
    return CLRELU_OK;
}

/* Add the finished events' device times to the call's timing and release them. */
static void collect_events(run_state *rs)
{
    clrelu_timing *t = rs->call->timing;
    for (int i = 0; i < rs->n_events; i++) {
        cl_ulong start = 0, end = 0;
        if (clGetEventProfilingInfo(rs->events[i], CL_PROFILING_COMMAND_START, sizeof start, &start, NULL) ==
                CL_SUCCESS &&
            clGetEventProfilingInfo(rs->events[i], CL_PROFILING_COMMAND_END, sizeof end, &end, NULL) == CL_SUCCESS &&
            end > start) {
            uint64_t ns = end - start;
            if (rs->event_kind[i] == EV_IN)
                t->transfer_in_ns += ns;
            else if (rs->event_kind[i] == EV_KERNEL)
                t->kernel_ns += ns;
            else
                t->transfer_out_ns += ns;
        }
        clReleaseEvent(rs->events[i]);
    }
    rs->n_events = 0;
}

/* A device buffer over host memory: zero-copy (CL_MEM_USE_HOST_PTR) on unified-memory devices,
 * else a device allocation, filled from host when `upload`. */
static clrelu_status make_buffer(run_state *rs, const void *host, size_t bytes, cl_mem_flags flags, bool upload,
                                 cl_mem *out)
{
    clrelu_status st = CLRELU_OK;
    cl_mem b = NULL;
    cl_event ev = NULL;
    if (rs->zero_copy) {
        OCL_CREATE(b, clCreateBuffer(rs->od->context, flags | CL_MEM_USE_HOST_PTR, bytes, (void *)host, &err_));
    } else {
        OCL_CREATE(b, clCreateBuffer(rs->od->context, flags, bytes, NULL, &err_));
        if (upload) {
            OCL_CHECK(clEnqueueWriteBuffer(rs->q, b, CL_FALSE, 0, bytes, host, 0, NULL, &ev));
            st = track_event(rs, ev, EV_IN);
        }
    }
out:
    if (st != CLRELU_OK && b) {
        clReleaseMemObject(b);
        b = NULL;
    }
    *out = b;
    return st;
}

/* Bring a written buffer's contents back to host memory (a map/unmap when zero-copy). */
static clrelu_status fetch_buffer(run_state *rs, cl_mem b, void *host, size_t bytes)
{
    clrelu_status st = CLRELU_OK;
    cl_event ev = NULL;
    if (rs->zero_copy) {
        void *p = NULL;
        /* non-blocking: the unmap queues behind it and the caller's one clFinish waits for both */
        OCL_CREATE(p, clEnqueueMapBuffer(rs->q, b, CL_FALSE, CL_MAP_READ, 0, bytes, 0, NULL, &ev, &err_));
        if ((st = track_event(rs, ev, EV_OUT)) != CLRELU_OK)
            goto out;
        OCL_CHECK(clEnqueueUnmapMemObject(rs->q, b, p, 0, NULL, NULL));
    } else {
        OCL_CHECK(clEnqueueReadBuffer(rs->q, b, CL_FALSE, 0, bytes, host, 0, NULL, &ev));
        st = track_event(rs, ev, EV_OUT);
    }
out:
    return st;
}

/* Global/local sizes for `items` vectors of work: one work-item for the FPGA variant; else the
 * tuned work-group size and vectors per work-item when set, and by default one work-group per
 * compute unit on CPUs, enough groups to fill the device elsewhere, 16 vectors per item at least
 * (kernels loop, so any global size is correct). */
static void launch_size(const run_state *rs, cl_kernel k, bool single, size_t items, size_t *global, size_t *local)
{
    if (single) {
        *global = *local = 1;
        return;
    }
    size_t kwg = 0;
    if (clGetKernelWorkGroupInfo(k, rs->od->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof kwg, &kwg, NULL) != CL_SUCCESS ||
        kwg == 0)
        kwg = 1;
    size_t cu = rs->dev->info.compute_units ? rs->dev->info.compute_units : 1;
    bool cpu = (rs->od->cl_type & CL_DEVICE_TYPE_CPU) != 0;
    size_t l = rs->cfg.wg ? rs->cfg.wg : (cpu ? 64u : 256u);
    if (l > kwg)
        l = kwg;
    size_t groups;
    if (rs->cfg.ept) {
        size_t per_group = (size_t)rs->cfg.ept * l;
        groups = (items + per_group - 1) / per_group;
    } else {
        size_t want = ((items + 15) / 16 + l - 1) / l, cap = cpu ? cu : cu * 8;
        groups = want < cap ? want : cap;
    }
    if (groups == 0)
        groups = 1;
    *global = groups * l;
    *local = l;
}

static clrelu_status enqueue(run_state *rs, cl_kernel k, bool single, size_t items)
{
    clrelu_status st = CLRELU_OK;
    size_t global, local;
    cl_event ev = NULL;
    launch_size(rs, k, single, items, &global, &local);
    OCL_CHECK(clEnqueueNDRangeKernel(rs->q, k, 1, NULL, &global, &local, 0, NULL, &ev));
    st = track_event(rs, ev, EV_KERNEL);
out:
    return st;
}

static bool is_single_work_item(cl_kernel k, cl_device_id d)
{
    size_t wg[3] = {0, 0, 0};
    return clGetKernelWorkGroupInfo(k, d, CL_KERNEL_COMPILE_WORK_GROUP_SIZE, sizeof wg, wg, NULL) == CL_SUCCESS &&
           wg[0] == 1 && wg[1] == 1 && wg[2] == 1;
}

/* Scalar kernel arguments in the program's compute type: float, or double for float64. */
static cl_int set_real_arg(run_state *rs, cl_kernel k, cl_uint index, double v)
{
    if (rs->call->dtype == CLRELU_F64)
        return clSetKernelArg(k, index, sizeof v, &v);
    float f = (float)v;
    return clSetKernelArg(k, index, sizeof f, &f);
}

/* Elements [offset, offset + n) of the tensor: buffers for this chunk, the dL/dweight partial sums
 * first (dx may overwrite x or g), then the op's kernel, then results back to the host. */
static clrelu_status run_chunk(run_state *rs, size_t offset, size_t n)
{
    const op_call *c = rs->call;
    clrelu_status st = CLRELU_OK;
    size_t bytes = n * rs->esize, at = offset * rs->esize;
    const char *x = (const char *)c->x + at;
    const char *g = c->grad_output ? (const char *)c->grad_output + at : NULL;
    char *y = (char *)c->y + at;
    bool y_is_x = c->y == c->x, y_is_g = g && c->y == c->grad_output;
    cl_mem bx = NULL, bg = NULL, by = NULL;
    cl_ulong n64 = n, off64 = offset, channels = c->channels, inner = c->inner, parts = rs->parts;

    if ((st = make_buffer(rs, x, bytes, y_is_x ? CL_MEM_READ_WRITE : CL_MEM_READ_ONLY, true, &bx)) != CLRELU_OK)
        goto out;
    if (g && (st = make_buffer(rs, g, bytes, y_is_g ? CL_MEM_READ_WRITE : CL_MEM_READ_ONLY, true, &bg)) != CLRELU_OK)
        goto out;
    if (y_is_x)
        by = bx;
    else if (y_is_g)
        by = bg;
    else if ((st = make_buffer(rs, y, bytes, CL_MEM_WRITE_ONLY, false, &by)) != CLRELU_OK)
        goto out;

    if (rs->want_dw) {
        cl_kernel k = rs->kdw;
        OCL_CHECK(clSetKernelArg(k, 0, sizeof bx, &bx));
        OCL_CHECK(clSetKernelArg(k, 1, sizeof bg, &bg));
        OCL_CHECK(clSetKernelArg(k, 2, sizeof n64, &n64));
        OCL_CHECK(clSetKernelArg(k, 3, sizeof off64, &off64));
        OCL_CHECK(clSetKernelArg(k, 4, sizeof channels, &channels));
        OCL_CHECK(clSetKernelArg(k, 5, sizeof inner, &inner));
        OCL_CHECK(clSetKernelArg(k, 6, sizeof parts, &parts));
        OCL_CHECK(clSetKernelArg(k, 7, sizeof rs->partial, &rs->partial));
        if ((st = enqueue(rs, k, rs->single_dw, c->channels * rs->parts)) != CLRELU_OK)
            goto out;
    }

    cl_kernel k = rs->kmain;
    cl_uint a = 0;
    OCL_CHECK(clSetKernelArg(k, a++, sizeof bx, &bx));
    if (g)
        OCL_CHECK(clSetKernelArg(k, a++, sizeof bg, &bg));
    OCL_CHECK(clSetKernelArg(k, a++, sizeof by, &by));
    OCL_CHECK(clSetKernelArg(k, a++, sizeof n64, &n64));
    if (rs->prelu) {
        OCL_CHECK(clSetKernelArg(k, a++, sizeof rs->weight, &rs->weight));
        OCL_CHECK(clSetKernelArg(k, a++, sizeof off64, &off64));
        OCL_CHECK(clSetKernelArg(k, a++, sizeof channels, &channels));
        OCL_CHECK(clSetKernelArg(k, a++, sizeof inner, &inner));
    } else {
        OCL_CHECK(set_real_arg(rs, k, a++, c->params[0]));
        OCL_CHECK(set_real_arg(rs, k, a++, c->params[1]));
    }
    /* work in whole vectors (the tail is spread over the work-items) */
    if ((st = enqueue(rs, k, rs->single_main, (n + rs->cfg.vw - 1) / rs->cfg.vw)) != CLRELU_OK)
        goto out;

    if (rs->want_dw) {
        cl_event ev = NULL;
        size_t pbytes = c->channels * rs->parts * rs->acc_size;
        OCL_CHECK(clEnqueueReadBuffer(rs->q, rs->partial, CL_FALSE, 0, pbytes, rs->partial_host, 0, NULL, &ev));
        if ((st = track_event(rs, ev, EV_OUT)) != CLRELU_OK)
            goto out;
    }
    if ((st = fetch_buffer(rs, by, y, bytes)) != CLRELU_OK)
        goto out;
    OCL_CHECK(clFinish(rs->q));
    collect_events(rs);
    if (rs->want_dw)
        for (size_t i = 0; i < c->channels * rs->parts; i++)
            rs->dw_sum[i / rs->parts] += rs->acc_size == sizeof(double) ? ((const double *)rs->partial_host)[i]
                                                                         : ((const float *)rs->partial_host)[i];
out:
    if (bx)
        clReleaseMemObject(bx);
    if (bg)
        clReleaseMemObject(bg);
    if (by && by != bx && by != bg)
        clReleaseMemObject(by);
    return st;
}

/* Program, queue slot with its cached kernels, and per-call buffers (prelu slopes, dL/dweight
 * partial sums). rs->prog may be preset (the tuner's candidate program). */
static clrelu_status run_setup(run_state *rs)
{
    const op_call *c = rs->call;
    clrelu_status st = CLRELU_OK;
    char name[64];
    if (!rs->prog && (st = clr_ocl_program_get(rs->dev, c->dtype, &rs->prog, &c->timing->build_ns)) != CLRELU_OK)
        goto out;
    if ((st = clr_ocl_slot_acquire(rs->od, &rs->slot)) != CLRELU_OK)
        goto out;
    rs->q = rs->slot->q;
    int index = (int)c->op->id * 2 + rs->backward;
    const char *dir = rs->backward ? "bwd" : "fwd";
    if (rs->stream) {
        snprintf(name, sizeof name, "%s_%s_nt", c->op->kernel, dir);
        if (clr_ocl_slot_kernel(rs->slot, rs->prog, c->dtype, OCL_KERNEL_NT + index, name, &rs->kmain) != CLRELU_OK) {
            /* a program without the streaming variants (an imported binary): ordinary stores */
            clrelu_clear_error();
            rs->stream = false;
        }
    }
    if (!rs->stream) {
        snprintf(name, sizeof name, "%s_%s", c->op->kernel, dir);
        if ((st = clr_ocl_slot_kernel(rs->slot, rs->prog, c->dtype, index, name, &rs->kmain)) != CLRELU_OK)
            goto out;
    }
    rs->single_main = is_single_work_item(rs->kmain, rs->od->id);
    if (!rs->prelu)
        goto out;

    size_t wbytes = c->channels * rs->esize;
    if (wbytes > rs->dev->info.max_alloc_bytes) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "prelu: %zu slopes exceed the device's max allocation",
                              c->channels);
        goto out;
    }
    if ((st = make_buffer(rs, c->weight, wbytes, CL_MEM_READ_ONLY, true, &rs->weight)) != CLRELU_OK)
        goto out;
    if (!rs->want_dw)
        goto out;

    if ((st = clr_ocl_slot_kernel(rs->slot, rs->prog, c->dtype, OCL_KERNEL_DW, "prelu_dw", &rs->kdw)) != CLRELU_OK)
        goto out;
    rs->single_dw = is_single_work_item(rs->kdw, rs->od->id);
    rs->acc_size = clr_ocl_acc_is_double(rs->dev) ? sizeof(double) : sizeof(float);
    /* enough channel slices to occupy the device, fewer when there are many channels */
    size_t cu = rs->dev->info.compute_units ? rs->dev->info.compute_units : 1;
    size_t target = cu * ((rs->od->cl_type & CL_DEVICE_TYPE_CPU) ? 64 : 1024);
    rs->parts = rs->single_dw ? 1 : target / c->channels;
    if (rs->parts < 1)
        rs->parts = 1;
    if (rs->parts > 256)
        rs->parts = 256;
    size_t pbytes = c->channels * rs->parts * rs->acc_size;
    if (pbytes > rs->dev->info.max_alloc_bytes) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "prelu: %zu channel sums exceed the device's max allocation",
                              c->channels);
        goto out;
    }
    rs->partial_host = malloc(pbytes);
    rs->dw_sum = calloc(c->channels, sizeof *rs->dw_sum);
    if (!rs->partial_host || !rs->dw_sum) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "prelu: out of memory for %zu channel sums", c->channels);
        goto out;
    }
    OCL_CREATE(rs->partial, clCreateBuffer(rs->od->context, CL_MEM_READ_WRITE, pbytes, NULL, &err_));
out:
    return st;
}

static void run_release(run_state *rs, bool failed)
{
    if (rs->q && failed)
        clFinish(rs->q);
    for (int i = 0; i < rs->n_events; i++)
        clReleaseEvent(rs->events[i]);
    if (rs->weight)
        clReleaseMemObject(rs->weight);
    if (rs->partial)
        clReleaseMemObject(rs->partial);
    if (rs->prog)
        clReleaseProgram(rs->prog);
    clr_ocl_slot_release(rs->od, rs->slot, failed); /* the kernels stay with the slot */
    free(rs->partial_host);
    free(rs->dw_sum);
}

/* dL/dweight in the storage type, rounded like every other result (double -> float -> dtype). */
static void store_grad_weight(const op_call *c, const double *sum)
{
    for (size_t i = 0; i < c->channels; i++) {
        float f = (float)sum[i];
        switch (c->dtype) {
        case CLRELU_F32: ((float *)c->grad_weight)[i] = f; break;
        case CLRELU_F16: ((uint16_t *)c->grad_weight)[i] = clrelu_float_to_half(f); break;
        case CLRELU_BF16: ((uint16_t *)c->grad_weight)[i] = clrelu_float_to_bf16(f); break;
        case CLRELU_F64: ((double *)c->grad_weight)[i] = sum[i]; break;
        case CLRELU_DTYPE_COUNT: break;
        }
    }
}

/* Largest chunk in elements: the device's max allocation, or the context's max_chunk_bytes when
 * smaller; a multiple of 64 elements when that large, so chunks keep whole vectors. */
static size_t chunk_elements(const clrelu_device *dev, size_t esize)
{
    uint64_t limit = dev->info.max_alloc_bytes ? dev->info.max_alloc_bytes : UINT64_MAX;
    size_t opt = dev->ctx->opts.max_chunk_bytes;
    if (opt && opt < limit)
        limit = opt;
    size_t n = (size_t)(limit / esize);
    if (n >= 128)
        n -= n % 64;
    return n ? n : 1;
}

/* Whether tensors go through host memory directly (CL_MEM_USE_HOST_PTR). CLRELU_FORCE_DISCRETE=1
 * treats every device as discrete (pinned staging + pipeline), so that path is testable on PoCL. */
static bool use_zero_copy(const clrelu_device *dev)
{
    if (dev->ctx->settings.force_discrete)
        return false;
    return dev->info.host_unified_memory;
}

bool clr_ocl_streams(const clrelu_device *dev, const void *x, const void *g, const void *y, size_t count,
                 clrelu_dtype dtype)
{
    const ocl_device *od = dev->impl;
    size_t es = clrelu_dtype_size(dtype);
    if (!(od->cl_type & CL_DEVICE_TYPE_CPU) || !use_zero_copy(dev) || od->fpga || y == x || y == g ||
        (uintptr_t)y % es)
        return false;
    return clr_stream_pays(count, es, g ? 3 : 2);
}

clrelu_status clr_ocl_run_cfg(clrelu_device *dev, const op_call *call, const tune_cfg *cfg, cl_program prog)
{
    run_state rs;
    memset(&rs, 0, sizeof rs);
    rs.dev = dev;
    rs.od = dev->impl;
    rs.call = call;
    rs.esize = clrelu_dtype_size(call->dtype);
    rs.zero_copy = use_zero_copy(dev);
    rs.backward = call->grad_output != NULL;
    rs.prelu = call->op->desc.per_channel;
    rs.want_dw = rs.prelu && rs.backward && call->grad_weight;
    rs.cfg = *cfg;
    rs.stream = clr_ocl_streams(dev, call->x, call->grad_output, call->y, call->count, call->dtype);
    if (prog) {
        clRetainProgram(prog);
        rs.prog = prog;
    }

    clrelu_status st = run_setup(&rs);
    if (st == CLRELU_OK && !rs.zero_copy && !rs.want_dw && !rs.single_main) {
        /* discrete device: transfers overlap the kernels over several queues */
        st = clr_ocl_pipeline_run(dev, call, &rs.cfg, rs.prog, rs.weight, rs.slot);
        run_release(&rs, st != CLRELU_OK);
        return st;
    }
    size_t chunk = chunk_elements(dev, rs.esize);
    for (size_t off = 0; st == CLRELU_OK && off < call->count; off += chunk) {
        size_t n = call->count - off < chunk ? call->count - off : chunk;
        st = run_chunk(&rs, off, n);
        call->timing->chunks++;
    }
    if (st == CLRELU_OK && rs.want_dw)
        store_grad_weight(call, rs.dw_sum);
    call->timing->streaming_stores = st == CLRELU_OK && rs.stream;
    run_release(&rs, st != CLRELU_OK);
    return st;
}

/* Every call here runs on this device with the active config; whether a small call runs on the
 * fallback device instead is the dispatcher's decision (core/offload.c, clr_ocl_offload_below). */
clrelu_status clr_ocl_run(clrelu_device *dev, const op_call *call)
{
    tune_cfg cfg = clr_ocl_active_cfg(dev, call->dtype);
    return clr_ocl_run_cfg(dev, call, &cfg, NULL);
}

/* The device's crossover for an op class and dtype: from the tuning file, or measured once on
 * first use and then stored in the tuning file (when caching is on). While another thread
 * measures it, *out is 0 (calls stay on the device). build_ns gets the program build time the
 * measurement spent. */
clrelu_status clr_ocl_crossover(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype, uint64_t *build_ns,
                                uint64_t *out)
{
    ocl_device *od = dev->impl;
    tune_record rec;
    clr_ocl_tune_get(dev, &rec);
    pthread_mutex_lock(&od->pool_lock);
    int state = od->crossover_state[cls][dtype];
    if (state == 0)
        od->crossover_state[cls][dtype] = 1;
    uint64_t crossover = state == 2 ? od->tune.cross[cls][dtype] : 0;
    pthread_mutex_unlock(&od->pool_lock);
    *out = crossover;
    if (state != 0)
        return CLRELU_OK;
    uint64_t measured = 0, ignored = 0;
    clrelu_status st = clr_offload_measure(dev, cls, dtype, build_ns ? build_ns : &ignored, &measured);
    if (st == CLRELU_OK)
        clrelu_log(dev->ctx, CLRELU_LOG_DEBUG, "opencl: %s: %s ops in %s below %llu elements run on the host",
                   dev->info.id, clrelu_op_class_name(cls), clrelu_dtype_name(dtype), (unsigned long long)measured);
    else
        clrelu_log(dev->ctx, CLRELU_LOG_INFO, "opencl: %s: crossover measurement failed: %s", dev->info.id,
                   clrelu_last_error());
    pthread_mutex_lock(&od->pool_lock);
    od->tune.cross[cls][dtype] = st == CLRELU_OK ? measured : 0;
    od->tune.have_cross[cls][dtype] = true;
    od->crossover_state[cls][dtype] = 2;
    clr_ocl_publish_delegation(od);
    rec = od->tune;
    pthread_mutex_unlock(&od->pool_lock);
    *out = st == CLRELU_OK ? measured : 0;
    if (st != CLRELU_OK)
        return st;
    /* kept with the tuning, so the next process does not measure it again */
    const char *dir = dev->ctx->cache_dir;
    char fp[33];
    clr_tune_fingerprint(&dev->info, fp);
    if (dir[0] && clr_tune_store(dir, fp, &rec) != CLRELU_OK) {
        clrelu_log(dev->ctx, CLRELU_LOG_INFO, "opencl: %s: crossover not cached: %s", dev->info.id,
                   clrelu_last_error());
        clrelu_clear_error();
    }
    return CLRELU_OK;
}

uint64_t clr_ocl_offload_below(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype, uint64_t *build_ns)
{
    /* the common case without a lock: tuning loaded, crossover known */
    ocl_device *od = dev->impl;
    uint64_t below = atomic_load_explicit(&od->delegate_below[cls][dtype], memory_order_acquire);
    if (below != OCL_DELEGATE_UNKNOWN)
        return below;
    uint64_t crossover = 0;
    if (clr_ocl_crossover(dev, cls, dtype, build_ns, &crossover) != CLRELU_OK)
        clrelu_clear_error(); /* no crossover: the call stays on the device */
    return crossover;
}
