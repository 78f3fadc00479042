/* ocl_program.c: build (or load from the disk cache) each device's program once per dtype; export/import binaries. */
#include "opencl/ocl.h"

#include "opencl/kernel_sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL_FILE "activation.cl"

/* The kernel source: embedded at build time, or read from the source tree when the library was
 * configured with CLRELU_KERNELS_FROM_DISK. *owned is set when the caller must free it. */
static clrelu_status kernel_source_text(const char **src, char **owned)
{
    *owned = NULL;
#ifdef CLRELU_KERNELS_FROM_DISK
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", CLRELU_KERNEL_DIR, KERNEL_FILE);
    FILE *f = fopen(path, "rb");
    if (!f)
        return clrelu_set_error(CLRELU_ERR_IO, "cannot open kernel source %s", path);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *grown = realloc(buf, cap * 2 + 1);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "kernel source %s: out of memory", path);
    buf[len] = '\0';
    *src = *owned = buf;
    return CLRELU_OK;
#else
    for (const kernel_source *k = clrelu_kernel_sources; k->name; k++)
        if (strcmp(k->name, KERNEL_FILE) == 0) {
            *src = k->source;
            return CLRELU_OK;
        }
    return clrelu_set_error(CLRELU_ERR_BUILD, "kernel source %s is not embedded in the library", KERNEL_FILE);
#endif
}

bool clr_ocl_acc_is_double(const clrelu_device *dev) { return dev->info.fp64; }

static unsigned pow2_clamp(unsigned v, unsigned lo, unsigned hi)
{
    unsigned p = lo;
    while (p * 2 <= v && p * 2 <= hi)
        p *= 2;
    return p;
}

/* Vector width per storage type: the device's preferred width within sensible bounds; the FPGA
 * variant always uses 16 floats (8 doubles) per iteration. */
static unsigned default_vector_width(const clrelu_device *dev, clrelu_dtype dtype, bool fpga)
{
    const clrelu_device_info *in = &dev->info;
    if (dtype == CLRELU_F64)
        return fpga ? 8 : pow2_clamp(in->pref_vector_width_double, 2, 8);
    if (fpga)
        return 16;
    if (dtype == CLRELU_F32)
        return pow2_clamp(in->pref_vector_width_float, 4, 16);
    return pow2_clamp(in->pref_vector_width_float * 2, 8, 16);
}

static bool valid_vw(unsigned vw) { return vw == 2 || vw == 4 || vw == 8 || vw == 16; }

void clr_ocl_tune_get(clrelu_device *dev, tune_record *out)
{
    ocl_device *od = dev->impl;
    pthread_mutex_lock(&od->pool_lock);
    if (!od->tune_loaded) {
        const char *dir = dev->ctx->cache_dir;
        char fp[33];
        clr_tune_fingerprint(&dev->info, fp);
        memset(&od->tune, 0, sizeof od->tune);
        clrelu_status st = dir[0] ? clr_tune_load(dir, fp, &od->tune) : CLRELU_ERR_NOT_FOUND;
        if (st == CLRELU_OK)
            clrelu_log(dev->ctx, CLRELU_LOG_DEBUG, "opencl: %s uses tuned parameters from %s/%s.tune", dev->info.id,
                       dir, fp);
        else if (st != CLRELU_ERR_NOT_FOUND)
            clrelu_log(dev->ctx, CLRELU_LOG_INFO, "opencl: ignoring tuning file: %s", clrelu_last_error());
        if (st != CLRELU_OK)
            memset(&od->tune, 0, sizeof od->tune);
        for (int c = 0; c < CLRELU_OP_CLASS_COUNT; c++)
            for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
                od->crossover_state[c][t] = od->tune.have_cross[c][t] ? 2 : 0;
        od->tune_loaded = true;
        clr_ocl_publish_delegation(od);
    }
    *out = od->tune;
    pthread_mutex_unlock(&od->pool_lock);
}

void clr_ocl_publish_delegation(ocl_device *od)
{
    for (int c = 0; c < CLRELU_OP_CLASS_COUNT; c++)
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
            uint64_t below = OCL_DELEGATE_UNKNOWN;
            if (od->tune_loaded && od->crossover_state[c][t] == 2)
                below = od->tune.cross[c][t] == OCL_DELEGATE_UNKNOWN ? UINT64_MAX : od->tune.cross[c][t];
            atomic_store_explicit(&od->delegate_below[c][t], below, memory_order_release);
        }
}

/* The configured width: the tuned one when valid (never for the FPGA variant), else the default. */
static unsigned vector_width(clrelu_device *dev, clrelu_dtype dtype, bool fpga)
{
    tune_record rec;
    clr_ocl_tune_get(dev, &rec);
    if (!fpga && rec.have[dtype] && valid_vw(rec.cfg[dtype].vw))
        return rec.cfg[dtype].vw;
    return default_vector_width(dev, dtype, fpga);
}

tune_cfg clr_ocl_active_cfg(clrelu_device *dev, clrelu_dtype dtype)
{
    ocl_device *od = dev->impl;
    tune_record rec;
    clr_ocl_tune_get(dev, &rec);
    tune_cfg c = {0, 0, 0};
    if (rec.have[dtype] && !od->fpga)
        c = rec.cfg[dtype];
    c.vw = vector_width(dev, dtype, od->fpga);
    return c;
}

void clr_ocl_tune_set(clrelu_device *dev, const tune_record *rec)
{
    ocl_device *od = dev->impl;
    unsigned before[CLRELU_DTYPE_COUNT];
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
        before[t] = vector_width(dev, (clrelu_dtype)t, od->fpga);
    pthread_mutex_lock(&od->pool_lock);
    od->tune = *rec;
    od->tune_loaded = true;
    for (int c = 0; c < CLRELU_OP_CLASS_COUNT; c++)
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
            if (rec->have_cross[c][t])
                od->crossover_state[c][t] = 2;
    clr_ocl_publish_delegation(od);
    pthread_mutex_unlock(&od->pool_lock);
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
        if (vector_width(dev, (clrelu_dtype)t, od->fpga) == before[t])
            continue;
        /* calls in flight keep their reference; the next call builds with the new width */
        pthread_mutex_lock(&od->prog_lock[t]);
        cl_program old = od->prog[t];
        od->prog[t] = NULL;
        pthread_mutex_unlock(&od->prog_lock[t]);
        if (old)
            clReleaseProgram(old);
    }
}

static void build_options(const clrelu_device *dev, clrelu_dtype dtype, unsigned vw, char *buf, size_t size)
{
    static const char *const store[CLRELU_DTYPE_COUNT] = {"F32", "F16", "BF16", "F64"};
    const ocl_device *od = dev->impl;
    int major = 1, minor = 0;
    sscanf(dev->info.opencl_c_version, "OpenCL C %d.%d", &major, &minor);
    const char *layout = od->fpga ? " -DCLRELU_FPGA"
                         : (od->cl_type & CL_DEVICE_TYPE_CPU) ? " -DCLRELU_LAYOUT_BLOCKED"
                                                              : "";
    snprintf(buf, size, "%s-DCLRELU_STORE_%s -DVW=%u%s%s", major * 10 + minor >= 12 ? "-cl-std=CL1.2 " : "",
             store[dtype], vw, clr_ocl_acc_is_double(dev) ? " -DCLRELU_ACC_F64" : "",
             layout);
}

/* After clBuildProgram failed: CLRELU_ERR_BUILD with the compiler log. */
static clrelu_status build_error(cl_program prog, cl_device_id d, cl_int err, const char *what)
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

static clrelu_status build_from_source(clrelu_device *dev, const char *src, const char *opts, cl_program *out)
{
    ocl_device *od = dev->impl;
    clrelu_status st = CLRELU_OK;
    cl_program prog = NULL;
    OCL_CREATE(prog, clCreateProgramWithSource(od->context, 1, &src, NULL, &err_));
    cl_int err = clBuildProgram(prog, 1, &od->id, opts, NULL, NULL);
    if (err != CL_SUCCESS) {
        char what[512];
        snprintf(what, sizeof what, "building %s for %s (%s) with '%s'", KERNEL_FILE, dev->info.id,
                 dev->info.name, opts);
        st = build_error(prog, od->id, err, what);
        goto out;
    }
    *out = prog;
    prog = NULL;
out:
    if (prog)
        clReleaseProgram(prog);
    return st;
}

/* A program from a device binary (a cache entry, an exported program or an offline-compiled one). */
static clrelu_status build_from_binary(clrelu_device *dev, const void *data, size_t size, cl_program *out)
{
    ocl_device *od = dev->impl;
    cl_int err = CL_SUCCESS, bin_status = CL_SUCCESS;
    const unsigned char *bin = data;
    cl_program prog = clCreateProgramWithBinary(od->context, 1, &od->id, &size, &bin, &bin_status, &err);
    if (err != CL_SUCCESS || bin_status != CL_SUCCESS) {
        if (prog)
            clReleaseProgram(prog);
        return clrelu_set_error(CLRELU_ERR_BUILD, "%s (%s) rejected the program binary of %zu bytes: %s",
                                dev->info.id, dev->info.name, size,
                                clr_ocl_error_name(err != CL_SUCCESS ? err : bin_status));
    }
    err = clBuildProgram(prog, 1, &od->id, NULL, NULL, NULL);
    if (err != CL_SUCCESS) {
        char what[256];
        snprintf(what, sizeof what, "building the program binary for %s (%s)", dev->info.id, dev->info.name);
        clrelu_status st = build_error(prog, od->id, err, what);
        clReleaseProgram(prog);
        return st;
    }
    *out = prog;
    return CLRELU_OK;
}

/* The program's binary for its one device, malloc'd. */
static clrelu_status program_binary(cl_program prog, void **data, size_t *size)
{
    clrelu_status st = CLRELU_OK;
    size_t bin_size = 0;
    unsigned char *bin = NULL;
    OCL_CHECK(clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof bin_size, &bin_size, NULL));
    if (bin_size == 0) {
        st = clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "the OpenCL driver returned an empty program binary");
        goto out;
    }
    if (!(bin = malloc(bin_size))) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "program binary of %zu bytes: out of memory", bin_size);
        goto out;
    }
    OCL_CHECK(clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL));
    *data = bin;
    *size = bin_size;
    bin = NULL;
out:
    free(bin);
    return st;
}

/* Load from the cache when a valid entry exists, else build from source and (re)write the entry.
 * The cache key covers platform, device, driver, options and source, so any change misses. */
static clrelu_status load_or_build(clrelu_device *dev, clrelu_dtype dtype, unsigned vw, cl_program *out)
{
    const clrelu_context *ctx = dev->ctx;
    const clrelu_device_info *in = &dev->info;
    const char *src = NULL;
    char *owned = NULL, opts[256], key[33];
    void *bin = NULL;
    size_t bin_size = 0;
    clrelu_status st = kernel_source_text(&src, &owned);
    if (st != CLRELU_OK)
        return st;
    build_options(dev, dtype, vw, opts, sizeof opts);
    const char *parts[] = {CLRELU_VERSION, in->platform, in->name, in->vendor, in->driver_version,
                           in->device_version, opts, src};
    clr_ocl_cache_key(parts, (int)(sizeof parts / sizeof parts[0]), key);
    bool caching = ctx->cache_dir[0] != '\0';

    if (caching) {
        st = clr_ocl_cache_load(ctx->cache_dir, key, &bin, &bin_size);
        if (st == CLRELU_OK) {
            st = build_from_binary(dev, bin, bin_size, out);
            if (st == CLRELU_OK) {
                clrelu_log(ctx, CLRELU_LOG_DEBUG, "opencl: %s %s program loaded from cache %s/%s.clbin", in->id,
                           clrelu_dtype_name(dtype), ctx->cache_dir, key);
                goto out;
            }
        }
        if (st != CLRELU_ERR_NOT_FOUND)
            clrelu_log(ctx, CLRELU_LOG_INFO, "opencl: ignoring cache entry: %s", clrelu_last_error());
        free(bin);
        bin = NULL;
    }
    uint64_t t0 = clrelu_now_ns();
    if ((st = build_from_source(dev, src, opts, out)) != CLRELU_OK)
        goto out;
    clrelu_log(ctx, CLRELU_LOG_INFO, "opencl: %s %s program built in %.1f ms (%s)", in->id,
               clrelu_dtype_name(dtype), (double)(clrelu_now_ns() - t0) / 1e6, opts);
    if (caching) {
        /* a cache that cannot be written costs a rebuild next time, never this call */
        if (program_binary(*out, &bin, &bin_size) == CLRELU_OK &&
            clr_ocl_cache_store(ctx->cache_dir, key, bin, bin_size) == CLRELU_OK)
            clrelu_log(ctx, CLRELU_LOG_DEBUG, "opencl: wrote cache entry %s/%s.clbin (%zu bytes)", ctx->cache_dir,
                       key, bin_size);
        else
            clrelu_log(ctx, CLRELU_LOG_WARN, "opencl: cannot cache the program: %s", clrelu_last_error());
    }
    st = CLRELU_OK;
out:
    free(bin);
    free(owned);
    return st;
}

clrelu_status clr_ocl_program_get(clrelu_device *dev, clrelu_dtype dtype, cl_program *out, uint64_t *build_ns)
{
    ocl_device *od = dev->impl;
    clrelu_status st = CLRELU_OK;
    uint64_t t0 = clrelu_now_ns();
    pthread_mutex_lock(&od->prog_lock[dtype]);
    if (!od->prog[dtype]) {
        st = load_or_build(dev, dtype, vector_width(dev, dtype, od->fpga), &od->prog[dtype]);
        if (build_ns)
            *build_ns += clrelu_now_ns() - t0;
    }
    if (st == CLRELU_OK) {
        clRetainProgram(od->prog[dtype]);
        *out = od->prog[dtype];
    }
    pthread_mutex_unlock(&od->prog_lock[dtype]);
    return st;
}

clrelu_status clr_ocl_program_get_vw(clrelu_device *dev, clrelu_dtype dtype, unsigned vw, cl_program *out,
                                 uint64_t *build_ns)
{
    ocl_device *od = dev->impl;
    if (!vw || vw == vector_width(dev, dtype, od->fpga))
        return clr_ocl_program_get(dev, dtype, out, build_ns);
    if (!valid_vw(vw))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "vector width %u is not 2, 4, 8 or 16", vw);
    uint64_t t0 = clrelu_now_ns();
    clrelu_status st = load_or_build(dev, dtype, vw, out);
    if (build_ns)
        *build_ns += clrelu_now_ns() - t0;
    return st;
}

clrelu_status clr_ocl_program_export(clrelu_device *dev, clrelu_dtype dtype, void **data, size_t *size)
{
    cl_program prog = NULL;
    clrelu_status st = clr_ocl_program_get(dev, dtype, &prog, NULL);
    if (st != CLRELU_OK)
        return st;
    st = program_binary(prog, data, size);
    clReleaseProgram(prog);
    return st;
}

/* Replace the dtype's program with one built from a binary; calls in flight keep the old one. */
clrelu_status clr_ocl_program_import(clrelu_device *dev, clrelu_dtype dtype, const void *data, size_t size)
{
    ocl_device *od = dev->impl;
    cl_program prog = NULL;
    clrelu_status st = build_from_binary(dev, data, size, &prog);
    if (st != CLRELU_OK)
        return st;
    pthread_mutex_lock(&od->prog_lock[dtype]);
    cl_program old = od->prog[dtype];
    od->prog[dtype] = prog;
    pthread_mutex_unlock(&od->prog_lock[dtype]);
    if (old)
        clReleaseProgram(old);
    clrelu_log(dev->ctx, CLRELU_LOG_INFO, "opencl: %s %s program imported from a %zu-byte binary", dev->info.id,
               clrelu_dtype_name(dtype), size);
    return CLRELU_OK;
}
