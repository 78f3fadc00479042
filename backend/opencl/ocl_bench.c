/* ocl_bench.c: the OpenCL backend's benchmark ceilings — copy/add/empty kernels from bench.cl (streaming-store variants where the ops stream) and CLBlast xCOPY; dense variants in ocl_bench_dense.c. */
#include "opencl/ocl.h"

#include "opencl/kernel_sources.h"

#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_FILE "bench.cl"

/* The vector width the op kernels use for dtype on this device: the tuned width when a tuning
 * record sets one, else the default rule (clr_ocl_active_cfg in ocl_program.c), so that the copy and
 * add ceilings move their bytes in the same vector shape as the op they are compared with. */
static unsigned op_vector_width(clrelu_device *dev, clrelu_dtype dtype) { return clr_ocl_active_cfg(dev, dtype).vw; }

static const char *bench_source(void)
{
    for (const kernel_source *k = clrelu_kernel_sources; k->name; k++)
        if (strcmp(k->name, BENCH_FILE) == 0)
            return k->source;
    return NULL;
}

/* A program built from bench.cl for dtype with vector width vw, through the on-disk binary cache
 * when one is set. */
static clrelu_status bench_build(clrelu_device *dev, clrelu_dtype dtype, unsigned vw, cl_program *out)
{
    static const char *const store[CLRELU_DTYPE_COUNT] = {"F32", "F16", "BF16", "F64"};
    ocl_device *od = dev->impl;
    const clrelu_device_info *in = &dev->info;
    const clrelu_context *ctx = dev->ctx;
    clrelu_status st = CLRELU_OK;
    cl_program prog = NULL;
    void *bin = NULL;
    size_t bin_size = 0;
    char opts[160], key[33];
    const char *src = bench_source();
    if (!src)
        return clrelu_set_error(CLRELU_ERR_BUILD, "kernel source %s is not embedded in the library", BENCH_FILE);
    snprintf(opts, sizeof opts, "-DBENCH_%s -DVW=%u%s", store[dtype], vw,
             (od->cl_type & CL_DEVICE_TYPE_CPU) ? " -DBENCH_BLOCKED" : "");
    const char *parts[] = {CLRELU_VERSION, in->platform, in->name, in->driver_version, in->device_version, opts, src};
    clr_ocl_cache_key(parts, (int)(sizeof parts / sizeof parts[0]), key);
    bool caching = ctx->cache_dir[0] != '\0';

    if (caching && clr_ocl_cache_load(ctx->cache_dir, key, &bin, &bin_size) == CLRELU_OK) {
        const unsigned char *b = bin;
        cl_int err = CL_SUCCESS, bst = CL_SUCCESS;
        prog = clCreateProgramWithBinary(od->context, 1, &od->id, &bin_size, &b, &bst, &err);
        if (err == CL_SUCCESS && bst == CL_SUCCESS && clBuildProgram(prog, 1, &od->id, NULL, NULL, NULL) == CL_SUCCESS)
            goto out;
        if (prog)
            clReleaseProgram(prog);
        prog = NULL;
    }
    free(bin);
    bin = NULL;
    OCL_CREATE(prog, clCreateProgramWithSource(od->context, 1, &src, NULL, &err_));
    cl_int err = clBuildProgram(prog, 1, &od->id, opts, NULL, NULL);
    if (err != CL_SUCCESS) {
        char log[2048] = "";
        clGetProgramBuildInfo(prog, od->id, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
        st = clrelu_set_error(CLRELU_ERR_BUILD, "building %s for %s with '%s' failed (%s): %s", BENCH_FILE, in->id,
                              opts, clr_ocl_error_name(err), log);
        goto out;
    }
    if (caching && clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof bin_size, &bin_size, NULL) == CL_SUCCESS &&
        bin_size && (bin = malloc(bin_size)) != NULL &&
        clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS &&
        clr_ocl_cache_store(ctx->cache_dir, key, bin, bin_size) != CLRELU_OK)
        clrelu_log(ctx, CLRELU_LOG_WARN, "opencl: cannot cache the bench program: %s", clrelu_last_error());
out:
    free(bin);
    if (st != CLRELU_OK && prog) {
        clReleaseProgram(prog);
        prog = NULL;
    }
    *out = prog;
    return st;
}

/* The device's bench program for dtype, built (or loaded) once and kept for the device's life
 * while the op kernels' vector width stays the same (a new tuning record may change it), so that
 * a caller measuring sample by sample (bench_kernels) does not load it again for each one. The
 * caller owns one reference. */
static clrelu_status bench_program(clrelu_device *dev, clrelu_dtype dtype, cl_program *out)
{
    ocl_device *od = dev->impl;
    unsigned vw = op_vector_width(dev, dtype);
    clrelu_status st = CLRELU_OK;
    pthread_mutex_lock(&od->bench_lock);
    if (od->bench_prog[dtype] && od->bench_vw[dtype] != vw) {
        clReleaseProgram(od->bench_prog[dtype]);
        od->bench_prog[dtype] = NULL;
    }
    if (!od->bench_prog[dtype] && (st = bench_build(dev, dtype, vw, &od->bench_prog[dtype])) == CLRELU_OK)
        od->bench_vw[dtype] = vw;
    if (st == CLRELU_OK) {
        clRetainProgram(od->bench_prog[dtype]);
        *out = od->bench_prog[dtype];
    }
    pthread_mutex_unlock(&od->bench_lock);
    return st;
}

/* Launch geometry of the op kernels (ocl_run.c): one work-group per compute unit on CPUs,
 * enough groups to fill the device elsewhere. */
static void bench_launch_size(const clrelu_device *dev, cl_kernel k, size_t items, size_t *global, size_t *local)
{
    const ocl_device *od = dev->impl;
    size_t kwg = 0;
    if (clGetKernelWorkGroupInfo(k, od->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof kwg, &kwg, NULL) != CL_SUCCESS ||
        kwg == 0)
        kwg = 1;
    size_t cu = dev->info.compute_units ? dev->info.compute_units : 1;
    bool cpu = (od->cl_type & CL_DEVICE_TYPE_CPU) != 0;
    size_t l = kwg < (cpu ? 64u : 256u) ? kwg : (cpu ? 64u : 256u);
    size_t want = (items + l - 1) / l, cap = cpu ? cu : cu * 8;
    size_t groups = want < cap ? want : cap;
    *global = (groups ? groups : 1) * l;
    *local = l;
}

static double event_ns(cl_event ev)
{
    cl_ulong s = 0, e = 0;
    if (clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof s, &s, NULL) != CL_SUCCESS ||
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof e, &e, NULL) != CL_SUCCESS || e < s)
        return 0.0;
    return (double)(e - s);
}

/* One launch of the call's kind on q; *ev gets its event (NULL for EMPTY timing by host). */
static clrelu_status launch(clrelu_device *dev, const bench_ceiling_call *c, cl_command_queue q, cl_kernel k,
                            cl_mem ba, cl_mem bc, cl_event *ev)
{
    clrelu_status st = CLRELU_OK;
    size_t global = 1, local = 1;
    if (c->kind == CLRELU_CEIL_CLBLAST_COPY) {
        CLBlastStatusCode cs = c->dtype == CLRELU_F32   ? CLBlastScopy(c->count, ba, 0, 1, bc, 0, 1, &q, ev)
                               : c->dtype == CLRELU_F64 ? CLBlastDcopy(c->count, ba, 0, 1, bc, 0, 1, &q, ev)
                                                        : CLBlastHcopy(c->count, ba, 0, 1, bc, 0, 1, &q, ev);
        if (cs != CLBlastSuccess)
            st = clrelu_set_error(cs == CLBlastNoHalfPrecision ? CLRELU_ERR_UNSUPPORTED : CLRELU_ERR_DEVICE,
                                  "CLBlast xCOPY failed with status %d%s", (int)cs,
                                  cs == CLBlastNoHalfPrecision ? " (no half precision on this device)" : "");
        return st;
    }
    if (c->kind != CLRELU_CEIL_EMPTY)
        bench_launch_size(dev, k, c->count / op_vector_width(dev, c->dtype) + 1, &global, &local);
    OCL_CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &local, 0, NULL, ev));
out:
    return st;
}

static cl_mem host_buffer(ocl_device *od, bool zero_copy, cl_command_queue q, const void *host, size_t bytes,
                          cl_int *err)
{
    if (zero_copy)
        return clCreateBuffer(od->context, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR, bytes, (void *)host, err);
    cl_mem b = clCreateBuffer(od->context, CL_MEM_READ_WRITE, bytes, NULL, err);
    if (*err == CL_SUCCESS && host)
        *err = clEnqueueWriteBuffer(q, b, CL_TRUE, 0, bytes, host, 0, NULL, NULL);
    return b;
}

/* The hook: buffers over the caller's host memory (zero-copy where the device shares memory,
 * as clrelu_run does), warm-up launches, then `repeats` timed launches. */
clrelu_status clr_ocl_bench_ceiling(clrelu_device *dev, bench_ceiling_call *c)
{
    ocl_device *od = dev->impl;
    clrelu_status st = CLRELU_OK;
    cl_program prog = NULL;
    cl_kernel k = NULL;
    cl_command_queue q = NULL;
    cl_mem ba = NULL, bb = NULL, bc = NULL;
    cl_event ev = NULL;
    bool zero_copy = dev->info.host_unified_memory;
    size_t bytes = c->count * clrelu_dtype_size(c->dtype);
    cl_ulong n64 = c->count;

    if (c->dense)
        return clr_ocl_bench_dense(dev, c);

    /* CLBlast 1.5.3's XcopyFast kernel segfaults under PoCL 3.1 on an AVX-512 CPU (Debian 12: seen
     * at 4K and 64K float32 elements, every run, 1K and 16K fine): a crash takes the whole process,
     * so the CLBlast reference is measured on GPUs and accelerators only. */
    if (c->kind == CLRELU_CEIL_CLBLAST_COPY && (od->cl_type & CL_DEVICE_TYPE_CPU))
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "CLBlast xCOPY is not run on OpenCL CPU devices "
                                                        "(its XcopyFast kernel crashes PoCL on some sizes)");
    if (c->kind == CLRELU_CEIL_CLBLAST_COPY && (c->dtype == CLRELU_F16 || c->dtype == CLRELU_BF16) && !dev->info.fp16)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "CLBlast xCOPY of 16-bit data needs cl_khr_fp16");
    if (c->kind != CLRELU_CEIL_EMPTY && bytes == 0)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench ceiling: empty buffers");
    if ((st = clr_ocl_queue_acquire(od, &q)) != CLRELU_OK)
        goto out;
    if (c->kind != CLRELU_CEIL_CLBLAST_COPY) {
        /* copy and add store the way the op they are compared with does: streaming stores
         * exactly where clrelu_run would use them for the same arrays */
        static const char *const names[] = {"bench_copy", "bench_add", "", "bench_empty"};
        static const char *const nt_names[] = {"bench_copy_nt", "bench_add_nt", "", "bench_empty"};
        bool stream = c->kind != CLRELU_CEIL_EMPTY &&
                      clr_ocl_streams(dev, c->a, c->kind == CLRELU_CEIL_ADD ? c->b : NULL, c->c, c->count, c->dtype);
        if ((st = bench_program(dev, c->dtype, &prog)) != CLRELU_OK)
            goto out;
        OCL_CREATE(k, clCreateKernel(prog, (stream ? nt_names : names)[c->kind], &err_));
    }
    if (c->kind != CLRELU_CEIL_EMPTY) {
        OCL_CREATE(ba, host_buffer(od, zero_copy, q, c->a, bytes, &err_));
        OCL_CREATE(bc, host_buffer(od, zero_copy, q, c->c, bytes, &err_));
        if (c->kind == CLRELU_CEIL_ADD)
            OCL_CREATE(bb, host_buffer(od, zero_copy, q, c->b, bytes, &err_));
    }
    if (k && c->kind == CLRELU_CEIL_COPY) {
        OCL_CHECK(clSetKernelArg(k, 0, sizeof ba, &ba));
        OCL_CHECK(clSetKernelArg(k, 1, sizeof bc, &bc));
        OCL_CHECK(clSetKernelArg(k, 2, sizeof n64, &n64));
    } else if (k && c->kind == CLRELU_CEIL_ADD) {
        OCL_CHECK(clSetKernelArg(k, 0, sizeof ba, &ba));
        OCL_CHECK(clSetKernelArg(k, 1, sizeof bb, &bb));
        OCL_CHECK(clSetKernelArg(k, 2, sizeof bc, &bc));
        OCL_CHECK(clSetKernelArg(k, 3, sizeof n64, &n64));
    }
    for (int i = -(c->warmup > 0 ? c->warmup : 0); i < c->repeats; i++) {
        uint64_t t0 = clrelu_now_ns();
        if ((st = launch(dev, c, q, k, ba, bc, &ev)) != CLRELU_OK)
            goto out;
        OCL_CHECK(clFinish(q));
        double host_ns = (double)(clrelu_now_ns() - t0);
        if (i >= 0)
            c->samples_ns[i] = c->kind == CLRELU_CEIL_EMPTY ? host_ns : event_ns(ev);
        if (ev)
            clReleaseEvent(ev);
        ev = NULL;
    }
out:
    if (ev)
        clReleaseEvent(ev);
    if (ba)
        clReleaseMemObject(ba);
    if (bb)
        clReleaseMemObject(bb);
    if (bc)
        clReleaseMemObject(bc);
    if (k)
        clReleaseKernel(k);
    if (prog)
        clReleaseProgram(prog);
    clr_ocl_queue_release(od, q, st != CLRELU_OK);
    return st;
}
