/* host.c: the "host" backend — every op in plain C on the calling thread, straight from the reference math. */
#include "backend.h"
#include "dense.h"
#include "bench_ceiling.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double load(const void *p, clrelu_dtype t, size_t i)
{
    switch (t) {
    case CLRELU_F32: return ((const float *)p)[i];
    case CLRELU_F16: return clrelu_half_to_float(((const uint16_t *)p)[i]);
    case CLRELU_BF16: return clrelu_bf16_to_float(((const uint16_t *)p)[i]);
    case CLRELU_F64: return ((const double *)p)[i];
    case CLRELU_DTYPE_COUNT: break;
    }
    return 0.0;
}

/* Store a computed value the way a device does: float64 keeps the double, every other dtype is
 * rounded to float (the compute type) and then to its storage format. */
static void store(void *p, clrelu_dtype t, size_t i, double v)
{
    switch (t) {
    case CLRELU_F32: ((float *)p)[i] = (float)v; break;
    case CLRELU_F16: ((uint16_t *)p)[i] = clrelu_float_to_half((float)v); break;
    case CLRELU_BF16: ((uint16_t *)p)[i] = clrelu_float_to_bf16((float)v); break;
    case CLRELU_F64: ((double *)p)[i] = v; break;
    case CLRELU_DTYPE_COUNT: break;
    }
}

/* One elementwise pass. Each element's inputs are read before its output is written, so y may
 * alias x or grad_output. prelu backward also sums x*g over each channel's non-positive
 * elements into a double accumulator and stores dL/dweight at the end. */
static clrelu_status host_run(clrelu_device *dev, const op_call *c)
{
    (void)dev;
    uint64_t t0 = clrelu_now_ns();
    const struct op_entry *op = c->op;
    bool per_channel = op->desc.per_channel;
    double *gw = NULL;
    if (per_channel && c->grad_output && c->grad_weight) {
        gw = calloc(c->channels, sizeof *gw);
        if (!gw)
            return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "host: cannot allocate %zu channel sums",
                                    c->channels);
    }
    double p[CLRELU_MAX_PARAMS];
    memcpy(p, c->params, sizeof p);
    for (size_t i = 0; i < c->count; i++) {
        double x = load(c->x, c->dtype, i);
        size_t ch = 0;
        if (per_channel) {
            ch = (i / c->inner) % c->channels;
            p[0] = load(c->weight, c->dtype, ch);
        }
        double r;
        if (c->grad_output) {
            double g = load(c->grad_output, c->dtype, i);
            r = op->backward(x, g, p);
            if (gw && !(x > 0))
                gw[ch] += x * g;
        } else {
            r = op->forward(x, p);
        }
        store(c->y, c->dtype, i, r);
    }
    if (gw)
        for (size_t ch = 0; ch < c->channels; ch++)
            store(c->grad_weight, c->dtype, ch, gw[ch]);
    free(gw);
    c->timing->kernel_ns = clrelu_now_ns() - t0;
    c->timing->chunks = 1;
    return CLRELU_OK;
}

static const backend_iface host_iface = {
    .name = "host",
    .run = host_run,
    .destroy = NULL,
    .program_export = NULL,
    .program_import = NULL,
    .bench_ceiling = host_bench_ceiling,
    .dense = host_dense,
};

/* Describe the machine itself: online cores as compute units, physical memory as global memory. */
clrelu_status host_backend_discover(clrelu_context *ctx)
{
    clrelu_device *dev = context_add_device(ctx, &host_iface);
    if (!dev)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "host: cannot allocate the device");
    clrelu_device_info *info = &dev->info;
    info->backend = "host";
    info->type = CLRELU_DEVICE_HOST;
    snprintf(info->platform, sizeof info->platform, "clrelu");
    snprintf(info->vendor, sizeof info->vendor, "clrelu");
    snprintf(info->name, sizeof info->name, "host (plain C)");
    snprintf(info->driver_version, sizeof info->driver_version, "%s", CLRELU_VERSION);
    snprintf(info->device_version, sizeof info->device_version, "clrelu host %s", CLRELU_VERSION);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    info->compute_units = cores > 0 ? (unsigned)cores : 1u;
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
    info->global_mem_bytes = pages > 0 && page_size > 0 ? (uint64_t)pages * (uint64_t)page_size : 0;
    info->max_alloc_bytes = info->global_mem_bytes ? info->global_mem_bytes : (uint64_t)SIZE_MAX;
    info->max_work_group_size = 1;
    info->fp16 = false;
    info->fp64 = true;
    info->host_unified_memory = true;
    info->pref_vector_width_float = info->pref_vector_width_half = info->pref_vector_width_double = 1;
    info->timer_resolution_ns = 1.0;
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
        info->dtype_supported[t] = true;
    return CLRELU_OK;
}
