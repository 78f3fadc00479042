/* ocl_discover.c: the OpenCL backend's registration — find every platform and device, describe it, add it to the context. */
#include "opencl/ocl.h"
#include "opencl/ocl_backend.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ocl_destroy(clrelu_device *dev);

static const backend_iface opencl_iface = {
    .name = "opencl",
    .run = clr_ocl_run,
    .destroy = ocl_destroy,
    .program_export = clr_ocl_program_export,
    .program_import = clr_ocl_program_import,
    .bench_ceiling = clr_ocl_bench_ceiling,
    .dense = clr_ocl_dense,
    .offload_below = clr_ocl_offload_below,
    .tune_kernels = clr_ocl_tune_kernels,
    .tune_crossover = clr_ocl_tune_crossover,
    .tune_active = clr_ocl_tune_active,
    .tune_get_crossover = clr_ocl_tune_get_crossover,
};

/* Read a string property into buf (always NUL-terminated; "" if the query fails). */
static void device_string(cl_device_id d, cl_device_info what, char *buf, size_t size)
{
    buf[0] = '\0';
    if (clGetDeviceInfo(d, what, size - 1, buf, NULL) != CL_SUCCESS) {
        /* too long for buf: fetch it whole and truncate */
        size_t need = 0;
        if (clGetDeviceInfo(d, what, 0, NULL, &need) == CL_SUCCESS && need) {
            char *tmp = malloc(need);
            if (tmp && clGetDeviceInfo(d, what, need, tmp, NULL) == CL_SUCCESS)
                snprintf(buf, size, "%s", tmp);
            free(tmp);
        }
    }
    buf[size - 1] = '\0';
}

/* Unsigned device property of any width (cl_uint, cl_ulong, size_t, cl_bool); 0 if it fails. */
static uint64_t device_uint(cl_device_id d, cl_device_info what, size_t width)
{
    unsigned char raw[8] = {0};
    if (clGetDeviceInfo(d, what, width, raw, NULL) != CL_SUCCESS)
        return 0;
    switch (width) {
    case 4: { cl_uint v; memcpy(&v, raw, 4); return v; }
    case 8: { cl_ulong v; memcpy(&v, raw, 8); return v; }
    default: return 0;
    }
}

static bool has_extension(cl_device_id d, const char *ext)
{
    size_t need = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &need) != CL_SUCCESS || !need)
        return false;
    char *all = malloc(need + 1);
    bool found = false;
    if (all && clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, need, all, NULL) == CL_SUCCESS) {
        all[need] = '\0';
        size_t n = strlen(ext);
        for (const char *p = strstr(all, ext); p && !found; p = strstr(p + 1, ext))
            found = (p == all || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0');
    }
    free(all);
    return found;
}

static clrelu_device_type map_type(cl_device_type t)
{
    if (t & CL_DEVICE_TYPE_GPU)
        return CLRELU_DEVICE_GPU;
    if (t & CL_DEVICE_TYPE_ACCELERATOR)
        return CLRELU_DEVICE_ACCELERATOR;
    if (t & CL_DEVICE_TYPE_CPU)
        return CLRELU_DEVICE_CPU;
    return CLRELU_DEVICE_OTHER;
}

static void fill_info(clrelu_device_info *info, cl_platform_id p, cl_device_id d, cl_device_type t)
{
    info->backend = "opencl";
    info->type = map_type(t);
    info->platform[0] = '\0';
    if (clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof info->platform - 1, info->platform, NULL) != CL_SUCCESS)
        info->platform[0] = '\0';
    info->platform[sizeof info->platform - 1] = '\0';
    device_string(d, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor);
    device_string(d, CL_DEVICE_NAME, info->name, sizeof info->name);
    device_string(d, CL_DRIVER_VERSION, info->driver_version, sizeof info->driver_version);
    device_string(d, CL_DEVICE_VERSION, info->device_version, sizeof info->device_version);
    device_string(d, CL_DEVICE_OPENCL_C_VERSION, info->opencl_c_version, sizeof info->opencl_c_version);
    info->compute_units = (unsigned)device_uint(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof(cl_uint));
    info->clock_mhz = (unsigned)device_uint(d, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof(cl_uint));
    info->global_mem_bytes = device_uint(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof(cl_ulong));
    info->max_alloc_bytes = device_uint(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof(cl_ulong));
    info->local_mem_bytes = device_uint(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof(cl_ulong));
    info->max_work_group_size = (size_t)device_uint(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof(size_t));
    info->fp16 = has_extension(d, "cl_khr_fp16");
    info->fp64 = has_extension(d, "cl_khr_fp64") || device_uint(d, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof(cl_ulong)) != 0;
    info->host_unified_memory = device_uint(d, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof(cl_bool)) != 0;
    info->pref_vector_width_float = (unsigned)device_uint(d, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, sizeof(cl_uint));
    info->pref_vector_width_half = (unsigned)device_uint(d, CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF, sizeof(cl_uint));
    info->pref_vector_width_double =
        (unsigned)device_uint(d, CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE, sizeof(cl_uint));
    info->timer_resolution_ns = (double)device_uint(d, CL_DEVICE_PROFILING_TIMER_RESOLUTION, sizeof(size_t));
    /* float16 and bfloat16 are storage formats computed in float: every device has them */
    info->dtype_supported[CLRELU_F32] = true;
    info->dtype_supported[CLRELU_F16] = true;
    info->dtype_supported[CLRELU_BF16] = true;
    info->dtype_supported[CLRELU_F64] = info->fp64;
}

/* Register one device: its own cl_context now (cheap), programs and queues on first use. A
 * device whose context cannot be created is skipped with a warning. */
static clrelu_status add_device(clrelu_context *ctx, cl_platform_id p, cl_device_id d)
{
    cl_device_type t = 0;
    cl_bool available = CL_TRUE;
    if (clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof t, &t, NULL) != CL_SUCCESS)
        t = CL_DEVICE_TYPE_DEFAULT;
    /* One type per device, in map_type's order: a device may report several bits at once
     * (Oclgrind: accelerator, GPU, CPU and default), and the bits choose the kernels (accelerator:
     * the single work-item FPGA variant) and paths (CPU: streaming stores) — a GPU gets GPU ones. */
    t = (t & CL_DEVICE_TYPE_GPU)           ? CL_DEVICE_TYPE_GPU
        : (t & CL_DEVICE_TYPE_ACCELERATOR) ? CL_DEVICE_TYPE_ACCELERATOR
        : (t & CL_DEVICE_TYPE_CPU)         ? CL_DEVICE_TYPE_CPU
                                           : t;
    if (clGetDeviceInfo(d, CL_DEVICE_AVAILABLE, sizeof available, &available, NULL) == CL_SUCCESS && !available)
        return CLRELU_OK;

    ocl_device *od = calloc(1, sizeof *od);
    if (!od)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "opencl: out of memory");
    cl_int err = CL_SUCCESS;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)p, 0};
    od->context = clCreateContext(props, 1, &d, NULL, NULL, &err);
    if (err != CL_SUCCESS) {
        char name[128];
        device_string(d, CL_DEVICE_NAME, name, sizeof name);
        clrelu_log(ctx, CLRELU_LOG_WARN, "opencl: skipping device '%s': clCreateContext failed with %s", name,
                   clr_ocl_error_name(err));
        free(od);
        return CLRELU_OK;
    }
    od->platform = p;
    od->id = d;
    od->cl_type = t;
    od->fpga = (t & CL_DEVICE_TYPE_ACCELERATOR) || ctx->opts.force_fpga_variant;
    for (int i = 0; i < CLRELU_DTYPE_COUNT; i++)
        pthread_mutex_init(&od->prog_lock[i], NULL);
    pthread_mutex_init(&od->pool_lock, NULL);
    pthread_mutex_init(&od->dense_lock, NULL);
    pthread_mutex_init(&od->bench_lock, NULL);
    for (int c = 0; c < CLRELU_OP_CLASS_COUNT; c++)
        for (int k = 0; k < CLRELU_DTYPE_COUNT; k++)
            atomic_init(&od->delegate_below[c][k], OCL_DELEGATE_UNKNOWN);

    clrelu_device *dev = clr_device_add(ctx, &opencl_iface);
    if (!dev) {
        dev = &(clrelu_device){.impl = od};
        ocl_destroy(dev);
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "opencl: out of memory");
    }
    dev->impl = od;
    fill_info(&dev->info, p, d, t);
    clrelu_log(ctx, CLRELU_LOG_DEBUG, "opencl: found %s device '%s' on '%s' (%s, %u compute units%s)",
               clrelu_device_type_name(dev->info.type), dev->info.name, dev->info.platform,
               dev->info.driver_version, dev->info.compute_units, od->fpga ? ", single work-item kernels" : "");
    return CLRELU_OK;
}

static clrelu_status ocl_discover(clrelu_context *ctx)
{
    clrelu_status st = CLRELU_OK;
    cl_platform_id *platforms = NULL;
    cl_device_id *devices = NULL;
    cl_uint n_platforms = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &n_platforms);
    if (err != CL_SUCCESS || n_platforms == 0) {
        /* no ICD or no platform installed: not an error, just no OpenCL devices */
        clrelu_log(ctx, CLRELU_LOG_DEBUG, "opencl: no platforms (%s)", clr_ocl_error_name(err));
        return CLRELU_OK;
    }
    platforms = calloc(n_platforms, sizeof *platforms);
    if (!platforms)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "opencl: out of memory");
    OCL_CHECK(clGetPlatformIDs(n_platforms, platforms, NULL));
    for (cl_uint p = 0; p < n_platforms; p++) {
        cl_uint n_devices = 0;
        err = clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, NULL, &n_devices);
        if (err != CL_SUCCESS || n_devices == 0)
            continue;
        free(devices);
        devices = calloc(n_devices, sizeof *devices);
        if (!devices) {
            st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "opencl: out of memory");
            goto out;
        }
        OCL_CHECK(clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, n_devices, devices, NULL));
        for (cl_uint d = 0; d < n_devices; d++)
            if ((st = add_device(ctx, platforms[p], devices[d])) != CLRELU_OK)
                goto out;
    }
out:
    free(devices);
    free(platforms);
    return st;
}

/* Release everything the device holds; in-flight calls hold their own references. */
static void ocl_destroy(clrelu_device *dev)
{
    ocl_device *od = dev->impl;
    if (!od)
        return;
    clr_ocl_queue_pool_destroy(od);
    for (int i = 0; i < CLRELU_DTYPE_COUNT; i++) {
        if (od->prog[i])
            clReleaseProgram(od->prog[i]);
        if (od->dense_prog[i])
            clReleaseProgram(od->dense_prog[i]);
        if (od->bench_prog[i])
            clReleaseProgram(od->bench_prog[i]);
        pthread_mutex_destroy(&od->prog_lock[i]);
    }
    pthread_mutex_destroy(&od->pool_lock);
    pthread_mutex_destroy(&od->dense_lock);
    pthread_mutex_destroy(&od->bench_lock);
    if (od->context)
        clReleaseContext(od->context);
    free(od);
    dev->impl = NULL;
}

static bool ocl_wanted(const clrelu_context *ctx) { return !ctx->settings.no_opencl; }

const clr_backend_reg clr_opencl_backend = {
    .name = "OpenCL",
    .required = false, /* a machine without OpenCL still has the host device */
    .fallback = false,
    .wanted = ocl_wanted,
    .discover = ocl_discover,
};
