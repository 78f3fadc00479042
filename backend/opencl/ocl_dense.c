/* ocl_dense.c: dense layers on OpenCL — CLBlast GEMM, then one fused bias + activation kernel (kernels/dense.cl); prelu's dL/dslope as one column reduction. */
#include "opencl/ocl_dense.h"

#include "opencl/kernel_sources.h"

#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *embedded(const char *name)
{
    for (const kernel_source *k = clrelu_kernel_sources; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k->source;
    return NULL;
}

static clrelu_status build_log_error(cl_program prog, cl_device_id d, cl_int err, const char *what)
{
    size_t len = 0;
    char *log = NULL;
    if (clGetProgramBuildInfo(prog, d, CL_PROGRAM_BUILD_LOG, 0, NULL, &len) == CL_SUCCESS && len &&
        (log = malloc(len + 1)) != NULL) {
        if (clGetProgramBuildInfo(prog, d, CL_PROGRAM_BUILD_LOG, len, log, NULL) != CL_SUCCESS)
            len = 0;
        log[len] = '\0';
    }
    clrelu_status st = clrelu_set_error(CLRELU_ERR_BUILD, "%s failed (%s): %s", what, clr_ocl_error_name(err),
                                        log && *log ? log : "(no build log)");
    free(log);
    return st;
}

/* A program from a cached binary; NULL (and no error kept) when the driver refuses it. */
static cl_program from_binary(ocl_device *od, const void *data, size_t size)
{
    cl_int err = CL_SUCCESS, bin_status = CL_SUCCESS;
    const unsigned char *bin = data;
    cl_program prog = clCreateProgramWithBinary(od->context, 1, &od->id, &size, &bin, &bin_status, &err);
    if (err != CL_SUCCESS || bin_status != CL_SUCCESS || clBuildProgram(prog, 1, &od->id, NULL, NULL, NULL) != CL_SUCCESS) {
        if (prog)
            clReleaseProgram(prog);
        return NULL;
    }
    return prog;
}

/* Write the program's binary to the cache; failures only cost a rebuild next time. */
static void cache_store(clrelu_device *dev, cl_program prog, const char *key)
{
    size_t size = 0;
    unsigned char *bin = NULL;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) == CL_SUCCESS && size &&
        (bin = malloc(size)) != NULL && clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS &&
        clr_ocl_cache_store(dev->ctx->cache_dir, key, bin, size) == CLRELU_OK)
        clrelu_log(dev->ctx, CLRELU_LOG_DEBUG, "opencl: wrote dense cache entry %s/%s.clbin", dev->ctx->cache_dir, key);
    free(bin);
}

/* Build activation.cl followed by dense.cl for dtype (or load the binary from the disk cache). */
static clrelu_status build(clrelu_device *dev, clrelu_dtype dtype, cl_program *out)
{
    static const char *const store[CLRELU_DTYPE_COUNT] = {"F32", "F16", "BF16", "F64"};
    ocl_device *od = dev->impl;
    const clrelu_device_info *in = &dev->info;
    clrelu_status st = CLRELU_OK;
    const char *act_src = embedded("activation.cl"), *dense_src = embedded("dense.cl");
    if (!act_src || !dense_src)
        return clrelu_set_error(CLRELU_ERR_BUILD, "dense: activation.cl or dense.cl is not embedded in the library");
    size_t la = strlen(act_src), ld = strlen(dense_src);
    char *src = malloc(la + ld + 2), opts[256], key[33];
    if (!src)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "dense: out of memory for the kernel source");
    memcpy(src, act_src, la);
    src[la] = '\n';
    memcpy(src + la + 1, dense_src, ld + 1);
    int major = 1, minor = 0;
    sscanf(in->opencl_c_version, "OpenCL C %d.%d", &major, &minor);
    snprintf(opts, sizeof opts, "%s-DCLRELU_STORE_%s -DVW=4%s", major * 10 + minor >= 12 ? "-cl-std=CL1.2 " : "",
             store[dtype], in->fp64 ? " -DCLRELU_ACC_F64" : "");
    const char *parts[] = {"dense", CLRELU_VERSION, in->platform, in->name, in->vendor, in->driver_version,
                           in->device_version, opts, src};
    clr_ocl_cache_key(parts, (int)(sizeof parts / sizeof parts[0]), key);
    bool caching = dev->ctx->cache_dir[0] != '\0';
    cl_program prog = NULL;
    if (caching) {
        void *bin = NULL;
        size_t size = 0;
        if (clr_ocl_cache_load(dev->ctx->cache_dir, key, &bin, &size) == CLRELU_OK)
            prog = from_binary(od, bin, size);
        free(bin);
        if (prog) {
            *out = prog;
            goto out;
        }
    }
    const char *srcp = src;
    OCL_CREATE(prog, clCreateProgramWithSource(od->context, 1, &srcp, NULL, &err_));
    cl_int err = clBuildProgram(prog, 1, &od->id, opts, NULL, NULL);
    if (err != CL_SUCCESS) {
        char what[640];
        snprintf(what, sizeof what, "building dense.cl for %s (%s) with '%s'", in->id, in->name, opts);
        st = build_log_error(prog, od->id, err, what);
        clReleaseProgram(prog);
        goto out;
    }
    if (caching)
        cache_store(dev, prog, key);
    clrelu_log(dev->ctx, CLRELU_LOG_INFO, "opencl: %s %s dense program built (%s)", in->id, clrelu_dtype_name(dtype), opts);
    *out = prog;
out:
    free(src);
    return st;
}

/* The device's dense program for dtype, built (or loaded) once under the device's dense_lock
 * and kept until the device is destroyed; the caller gets its own reference. */
clrelu_status clr_ocl_dense_program(clrelu_device *dev, clrelu_dtype dtype, cl_program *out)
{
    ocl_device *od = dev->impl;
    clrelu_status st = CLRELU_OK;
    pthread_mutex_lock(&od->dense_lock);
    if (!od->dense_prog[dtype])
        st = build(dev, dtype, &od->dense_prog[dtype]);
    if (st == CLRELU_OK) {
        clRetainProgram(od->dense_prog[dtype]);
        *out = od->dense_prog[dtype];
    }
    pthread_mutex_unlock(&od->dense_lock);
    return st;
}

clrelu_status clr_ocl_dense_gemm(clrelu_dtype dtype, bool trans_a, bool trans_b, size_t m, size_t n, size_t k, cl_mem a,
                             size_t lda, cl_mem b, size_t ldb, cl_mem c, size_t ldc, cl_command_queue q)
{
    CLBlastTranspose ta = trans_a ? CLBlastTransposeYes : CLBlastTransposeNo;
    CLBlastTranspose tb = trans_b ? CLBlastTransposeYes : CLBlastTransposeNo;
    CLBlastStatusCode s;
    const char *name = "Sgemm";
    switch (dtype) {
    case CLRELU_F64:
        name = "Dgemm";
        s = CLBlastDgemm(CLBlastLayoutRowMajor, ta, tb, m, n, k, 1.0, a, 0, lda, b, 0, ldb, 0.0, c, 0, ldc, &q, NULL);
        break;
    case CLRELU_F16:
        name = "Hgemm";
        s = CLBlastHgemm(CLBlastLayoutRowMajor, ta, tb, m, n, k, (cl_half)0x3c00, a, 0, lda, b, 0, ldb, (cl_half)0,
                         c, 0, ldc, &q, NULL);
        break;
    case CLRELU_F32:
        s = CLBlastSgemm(CLBlastLayoutRowMajor, ta, tb, m, n, k, 1.0f, a, 0, lda, b, 0, ldb, 0.0f, c, 0, ldc, &q, NULL);
        break;
    default:
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "dense: CLBlast has no %s GEMM", clrelu_dtype_name(dtype));
    }
    if (s != CLBlastSuccess)
        return clrelu_set_error(CLRELU_ERR_DEVICE, "CLBlast %s [%zu x %zu x %zu] failed with status %d%s%s", name, m, n, k, (int)s,
                                s > -100 ? " " : "", s > -100 ? clr_ocl_error_name((cl_int)s) : "");
    return CLRELU_OK;
}

size_t clr_ocl_dense_global_size(const clrelu_device *dev, size_t count)
{
    size_t cap = (size_t)dev->info.compute_units * 256;
    if (cap < 256)
        cap = 256;
    return count < cap ? (count ? count : 1) : cap;
}

cl_int clr_ocl_dense_set_real(cl_kernel k, cl_uint index, clrelu_dtype dtype, double v)
{
    if (dtype == CLRELU_F64)
        return clSetKernelArg(k, index, sizeof(cl_double), &v);
    cl_float f = (cl_float)v;
    return clSetKernelArg(k, index, sizeof f, &f);
}

/* Everything one call holds, released in one place. */
typedef struct {
    cl_command_queue q;
    cl_program prog;
    cl_kernel k1, k2, k3;
    cl_mem x, w, b, slope, z, g, y, gx, gw, gb, gs;
    bool broken;
} dense_state;

static clrelu_status upload(dense_state *s, ocl_device *od, const void *host, size_t bytes, cl_mem *out)
{
    clrelu_status st = CLRELU_OK;
    OCL_CREATE(*out, clCreateBuffer(od->context, CL_MEM_READ_WRITE, bytes, NULL, &err_));
    if (host)
        OCL_CHECK(clEnqueueWriteBuffer(s->q, *out, CL_FALSE, 0, bytes, host, 0, NULL, NULL));
out:
    return st;
}

static clrelu_status download(dense_state *s, cl_mem m, void *host, size_t bytes)
{
    clrelu_status st = CLRELU_OK;
    if (host)
        OCL_CHECK(clEnqueueReadBuffer(s->q, m, CL_FALSE, 0, bytes, host, 0, NULL, NULL));
out:
    return st;
}

static clrelu_status launch(dense_state *s, const clrelu_device *dev, cl_kernel k, size_t count)
{
    clrelu_status st = CLRELU_OK;
    size_t global = clr_ocl_dense_global_size(dev, count);
    OCL_CHECK(clEnqueueNDRangeKernel(s->q, k, 1, NULL, &global, NULL, 0, NULL, NULL));
out:
    return st;
}

static int act_code(const struct dense_call *c) { return c->act ? (int)c->act->id : -1; }

/* Run kernel `name` (dense_fwd_epilogue or dense_bwd_epilogue, which share their arguments) over
 * the n x out values of z: second is y forward (z itself unless the pre-activation is kept) and
 * dy backward. */
static clrelu_status epilogue(dense_state *s, const clrelu_device *dev, const struct dense_call *c, const char *name,
                              cl_mem second, cl_int flags)
{
    clrelu_status st = CLRELU_OK;
    cl_ulong rows = c->n, cols = c->out;
    cl_int act = act_code(c);
    OCL_CREATE(s->k1, clCreateKernel(s->prog, name, &err_));
    OCL_CHECK(clSetKernelArg(s->k1, 0, sizeof(cl_mem), &s->z));
    OCL_CHECK(clSetKernelArg(s->k1, 1, sizeof(cl_mem), &second));
    OCL_CHECK(clSetKernelArg(s->k1, 2, sizeof(cl_mem), s->b ? &s->b : &s->z));
    OCL_CHECK(clSetKernelArg(s->k1, 3, sizeof(cl_mem), s->slope ? &s->slope : &s->z));
    OCL_CHECK(clSetKernelArg(s->k1, 4, sizeof rows, &rows));
    OCL_CHECK(clSetKernelArg(s->k1, 5, sizeof cols, &cols));
    OCL_CHECK(clSetKernelArg(s->k1, 6, sizeof flags, &flags));
    OCL_CHECK(clSetKernelArg(s->k1, 7, sizeof act, &act));
    OCL_CHECK(clr_ocl_dense_set_real(s->k1, 8, c->dtype, c->params[0]));
    OCL_CHECK(clr_ocl_dense_set_real(s->k1, 9, c->dtype, c->params[1]));
    st = launch(s, dev, s->k1, c->n * c->out);
out:
    return st;
}

/* y = act(x W^T + b): one GEMM into z, then dense_fwd_epilogue over z. */
static clrelu_status forward(dense_state *s, clrelu_device *dev, const struct dense_call *c, size_t es)
{
    clrelu_status st = CLRELU_OK;
    ocl_device *od = dev->impl;
    size_t nz = c->n * c->out;
    cl_int flags = (c->b ? DENSE_HAS_BIAS : 0) | (c->pre ? DENSE_WRITE_PRE : 0) | (c->slope ? DENSE_HAS_SLOPE : 0);
    if ((st = upload(s, od, NULL, nz * es, &s->z)) != CLRELU_OK)
        goto out;
    if (c->pre && (st = upload(s, od, NULL, nz * es, &s->y)) != CLRELU_OK)
        goto out;
    cl_mem y = c->pre ? s->y : s->z;
    if ((st = clr_ocl_dense_gemm(c->dtype, false, true, c->n, c->out, c->in, s->x, c->in, s->w, c->in, s->z, c->out, s->q)) !=
        CLRELU_OK)
        goto out;
    if ((st = epilogue(s, dev, c, "dense_fwd_epilogue", y, flags)) != CLRELU_OK)
        goto out;
    if ((st = download(s, y, c->y, nz * es)) != CLRELU_OK)
        goto out;
    if (c->pre)
        st = download(s, s->z, c->pre, nz * es);
out:
    return st;
}

/* prelu: ds = dL/dslope into s->gs from z (still x W^T) and g, then read back (dense_slope_grad). */
static clrelu_status slope_grad(dense_state *s, clrelu_device *dev, const struct dense_call *c, size_t es)
{
    clrelu_status st = CLRELU_OK;
    cl_ulong rows = c->n, cols = c->out;
    cl_int flags = c->b ? DENSE_HAS_BIAS : 0;
    if ((st = upload(s, dev->impl, NULL, c->out * es, &s->gs)) != CLRELU_OK)
        goto out;
    OCL_CREATE(s->k3, clCreateKernel(s->prog, "dense_slope_grad", &err_));
    OCL_CHECK(clSetKernelArg(s->k3, 0, sizeof(cl_mem), &s->z));
    OCL_CHECK(clSetKernelArg(s->k3, 1, sizeof(cl_mem), &s->g));
    OCL_CHECK(clSetKernelArg(s->k3, 2, sizeof(cl_mem), s->b ? &s->b : &s->z));
    OCL_CHECK(clSetKernelArg(s->k3, 3, sizeof(cl_mem), &s->gs));
    OCL_CHECK(clSetKernelArg(s->k3, 4, sizeof rows, &rows));
    OCL_CHECK(clSetKernelArg(s->k3, 5, sizeof cols, &cols));
    OCL_CHECK(clSetKernelArg(s->k3, 6, sizeof flags, &flags));
    if ((st = launch(s, dev, s->k3, c->out)) != CLRELU_OK)
        goto out;
    st = download(s, s->gs, c->grad_slope, c->out * es);
out:
    return st;
}

/* [prelu: dL/dslope from z first;] dz = act'(x W^T + b) * g in place in z; then dx = dz W,
 * dW = dz^T x, db = colsum(dz). */
static clrelu_status backward(dense_state *s, clrelu_device *dev, const struct dense_call *c, size_t es)
{
    clrelu_status st = CLRELU_OK;
    ocl_device *od = dev->impl;
    size_t nz = c->n * c->out;
    cl_ulong rows = c->n, cols = c->out;
    cl_int flags = (c->b ? DENSE_HAS_BIAS : 0) | (c->slope ? DENSE_HAS_SLOPE : 0);
    if ((st = upload(s, od, NULL, nz * es, &s->z)) != CLRELU_OK || (st = upload(s, od, c->grad_y, nz * es, &s->g)) != CLRELU_OK)
        goto out;
    if ((st = clr_ocl_dense_gemm(c->dtype, false, true, c->n, c->out, c->in, s->x, c->in, s->w, c->in, s->z, c->out, s->q)) !=
        CLRELU_OK)
        goto out;
    /* in-order queue: the reduction reads z before the epilogue below overwrites it with dz */
    if (c->grad_slope && (st = slope_grad(s, dev, c, es)) != CLRELU_OK)
        goto out;
    if (!c->grad_x && !c->grad_w && !c->grad_b)
        goto out;
    if ((st = epilogue(s, dev, c, "dense_bwd_epilogue", s->g, flags)) != CLRELU_OK)
        goto out;
    if (c->grad_x) {
        if ((st = upload(s, od, NULL, c->n * c->in * es, &s->gx)) != CLRELU_OK ||
            (st = clr_ocl_dense_gemm(c->dtype, false, false, c->n, c->in, c->out, s->z, c->out, s->w, c->in, s->gx, c->in,
                                 s->q)) != CLRELU_OK ||
            (st = download(s, s->gx, c->grad_x, c->n * c->in * es)) != CLRELU_OK)
            goto out;
    }
    if (c->grad_w) {
        if ((st = upload(s, od, NULL, c->out * c->in * es, &s->gw)) != CLRELU_OK ||
            (st = clr_ocl_dense_gemm(c->dtype, true, false, c->out, c->in, c->n, s->z, c->out, s->x, c->in, s->gw, c->in,
                                 s->q)) != CLRELU_OK ||
            (st = download(s, s->gw, c->grad_w, c->out * c->in * es)) != CLRELU_OK)
            goto out;
    }
    if (c->grad_b) {
        if ((st = upload(s, od, NULL, c->out * es, &s->gb)) != CLRELU_OK)
            goto out;
        OCL_CREATE(s->k2, clCreateKernel(s->prog, "dense_colsum", &err_));
        OCL_CHECK(clSetKernelArg(s->k2, 0, sizeof(cl_mem), &s->z));
        OCL_CHECK(clSetKernelArg(s->k2, 1, sizeof(cl_mem), &s->gb));
        OCL_CHECK(clSetKernelArg(s->k2, 2, sizeof rows, &rows));
        OCL_CHECK(clSetKernelArg(s->k2, 3, sizeof cols, &cols));
        if ((st = launch(s, dev, s->k2, c->out)) != CLRELU_OK || (st = download(s, s->gb, c->grad_b, c->out * es)) != CLRELU_OK)
            goto out;
    }
out:
    return st;
}

static void release_mem(cl_mem m)
{
    if (m)
        clReleaseMemObject(m);
}

/* Timing: everything runs on one in-order queue; transfer_in_ns is the wall time of the uploads,
 * kernel_ns the wall time from the finished uploads to the finished GEMM(s), epilogue(s) and
 * read-backs (CLBlast reports no event for all of its kernels, so they are timed together). */
clrelu_status clr_ocl_dense(clrelu_device *dev, const struct dense_call *c)
{
    ocl_device *od = dev->impl;
    clrelu_status st = CLRELU_OK;
    dense_state s;
    memset(&s, 0, sizeof s);
    if (c->dtype == CLRELU_BF16 || (c->dtype == CLRELU_F16 && !dev->info.fp16))
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED,
                                "dense: %s GEMM needs %s, which device %s (%s) lacks", clrelu_dtype_name(c->dtype),
                                c->dtype == CLRELU_F16 ? "cl_khr_fp16 (CLBlast Hgemm)" : "a bfloat16 GEMM (CLBlast has none)",
                                dev->info.id, dev->info.name);
    size_t es = clrelu_dtype_size(c->dtype);
    size_t biggest = c->n * (c->in > c->out ? c->in : c->out);
    if (c->out * c->in > biggest)
        biggest = c->out * c->in;
    if ((uint64_t)biggest * es > dev->info.max_alloc_bytes)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "dense: a %zu-byte buffer exceeds %s's max allocation of %llu bytes",
                                biggest * es, dev->info.id, (unsigned long long)dev->info.max_alloc_bytes);
    uint64_t t0 = clrelu_now_ns();
    if ((st = clr_ocl_dense_program(dev, c->dtype, &s.prog)) != CLRELU_OK)
        return st;
    c->timing->build_ns = clrelu_now_ns() - t0;
    if ((st = clr_ocl_queue_acquire(od, &s.q)) != CLRELU_OK)
        goto out;
    s.broken = true;
    t0 = clrelu_now_ns();
    if ((st = upload(&s, od, c->x, c->n * c->in * es, &s.x)) != CLRELU_OK ||
        (st = upload(&s, od, c->w, c->out * c->in * es, &s.w)) != CLRELU_OK ||
        (c->b && (st = upload(&s, od, c->b, c->out * es, &s.b)) != CLRELU_OK) ||
        (c->slope && (st = upload(&s, od, c->slope, c->out * es, &s.slope)) != CLRELU_OK))
        goto out;
    OCL_CHECK(clFinish(s.q));
    uint64_t t1 = clrelu_now_ns();
    st = c->backward ? backward(&s, dev, c, es) : forward(&s, dev, c, es);
    if (st != CLRELU_OK)
        goto out;
    OCL_CHECK(clFinish(s.q));
    uint64_t t2 = clrelu_now_ns();
    c->timing->transfer_in_ns = t1 - t0;
    c->timing->kernel_ns = t2 - t1;
    c->timing->chunks = 1;
    s.broken = false;
out:
    if (s.k1)
        clReleaseKernel(s.k1);
    if (s.k2)
        clReleaseKernel(s.k2);
    if (s.k3)
        clReleaseKernel(s.k3);
    cl_mem mems[] = {s.x, s.w, s.b, s.slope, s.z, s.g, s.y, s.gx, s.gw, s.gb, s.gs};
    if (s.q)
        clr_ocl_queue_release(od, s.q, s.broken);
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        release_mem(mems[i]);
    if (s.prog)
        clReleaseProgram(s.prog);
    return st;
}
