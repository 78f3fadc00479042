/* host.c: the "host" backend — every op in plain C: vectorised loops, a thread pool for large tensors. */
#include "core/backend.h"
#include "host/host_backend.h"
#include "host/host_hooks.h"
#include "host/host_kernels.h"
#include "host/host_pool.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* dev->impl of the host device: the thread pool, started on the first large tensor. `pool` is
 * published once (release) after it is created under the lock; calls read it without locking. */
typedef struct {
    pthread_mutex_t lock;
    _Atomic(host_pool *) pool;
    atomic_bool tried;
} host_state;

static host_pool *pool_of(clrelu_device *dev)
{
    host_state *hs = dev->impl;
    if (!hs)
        return NULL;
    if (atomic_load_explicit(&hs->tried, memory_order_acquire))
        return atomic_load_explicit(&hs->pool, memory_order_relaxed);
    pthread_mutex_lock(&hs->lock);
    if (!atomic_load_explicit(&hs->tried, memory_order_relaxed)) {
        host_pool *p = clr_host_pool_create(dev->ctx->settings.host_threads, dev->ctx->settings.host_pin);
        atomic_store_explicit(&hs->pool, p, memory_order_relaxed);
        atomic_store_explicit(&hs->tried, true, memory_order_release);
        clrelu_log(dev->ctx, CLRELU_LOG_DEBUG, "host: %d threads for large tensors", clr_host_pool_threads(p));
    }
    pthread_mutex_unlock(&hs->lock);
    return atomic_load_explicit(&hs->pool, memory_order_relaxed);
}

typedef struct {
    const op_call *call;
} split_job;

/* Part `part` of n (clr_host_part_bounds). */
static int run_part(void *arg, int part, int n_parts)
{
    const op_call *c = ((split_job *)arg)->call;
    size_t b, e;
    clr_host_part_bounds(c->count, part, n_parts, &b, &e);
    if (b < e)
        clr_host_kernel_range(c, b, e);
    return 0;
}

static double load_one(const void *p, clrelu_dtype t, size_t i)
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

/* prelu dL/dweight: x*g summed in double over each channel's non-positive x, in element order,
 * stored rounded like every other result. Runs before dL/dx, which may overwrite x or g. */
static clrelu_status prelu_grad_weight(const op_call *c)
{
    double *gw = calloc(c->channels, sizeof *gw);
    if (!gw)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "host: cannot allocate %zu channel sums", c->channels);
    for (size_t i = 0; i < c->count; i++) {
        double x = load_one(c->x, c->dtype, i);
        if (!(x > 0))
            gw[(i / c->inner) % c->channels] += x * load_one(c->grad_output, c->dtype, i);
    }
    for (size_t ch = 0; ch < c->channels; ch++) {
        float f = (float)gw[ch];
        switch (c->dtype) {
        case CLRELU_F32: ((float *)c->grad_weight)[ch] = f; break;
        case CLRELU_F16: ((uint16_t *)c->grad_weight)[ch] = clrelu_float_to_half(f); break;
        case CLRELU_BF16: ((uint16_t *)c->grad_weight)[ch] = clrelu_float_to_bf16(f); break;
        case CLRELU_F64: ((double *)c->grad_weight)[ch] = gw[ch]; break;
        case CLRELU_DTYPE_COUNT: break;
        }
    }
    free(gw);
    return CLRELU_OK;
}

/* The split of an elementwise pass, for any job: parts over the pool from HOST_PARALLEL_MIN
 * elements, else one part on the calling thread (host_bench.c's ceilings use it, so they run
 * on as many threads as the ops they are the ceiling of). */
void clr_host_split(clrelu_device *dev, size_t count, host_job_fn fn, void *arg)
{
    host_pool *pool = count >= HOST_PARALLEL_MIN ? pool_of(dev) : NULL;
    if (pool)
        clr_host_pool_run(pool, fn, arg, clr_host_pool_threads(pool));
    else
        fn(arg, 0, 1);
}

/* One elementwise pass (see host_kernels.c), split over the device's thread pool when the tensor
 * has HOST_PARALLEL_MIN elements or more; small tensors stay on the calling thread. No clock
 * reads here: kernel_ns stays 0 and clrelu_run reports the call's wall time for it (the host's
 * computation is the call). */
static clrelu_status host_run(clrelu_device *dev, const op_call *c)
{
    if (c->op->desc.per_channel && c->grad_output && c->grad_weight) {
        clrelu_status st = prelu_grad_weight(c);
        if (st != CLRELU_OK)
            return st;
    }
    split_job job = {c};
    clr_host_split(dev, c->count, run_part, &job);
    c->timing->chunks = 1;
    c->timing->streaming_stores = clr_host_streams(c);
    return CLRELU_OK;
}

static void host_destroy(clrelu_device *dev)
{
    host_state *hs = dev->impl;
    if (!hs)
        return;
    clr_host_pool_destroy(atomic_load(&hs->pool));
    pthread_mutex_destroy(&hs->lock);
    free(hs);
    dev->impl = NULL;
}

static const backend_iface host_iface = {
    .name = "host",
    .run = host_run,
    .destroy = host_destroy,
    .program_export = NULL,
    .program_import = NULL,
    .bench_ceiling = clr_host_bench_ceiling,
    .dense = clr_host_dense,
};

/* Describe the machine itself: online cores as compute units, physical memory as global memory. */
static clrelu_status host_discover(clrelu_context *ctx)
{
    clrelu_device *dev = clr_device_add(ctx, &host_iface);
    if (!dev)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "host: cannot allocate the device");
    host_state *hs = calloc(1, sizeof *hs);
    if (!hs)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "host: cannot allocate the device");
    pthread_mutex_init(&hs->lock, NULL);
    atomic_init(&hs->pool, NULL);
    atomic_init(&hs->tried, false);
    dev->impl = hs;
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

const clr_backend_reg clr_host_backend = {
    .name = "host",
    .required = true,
    .fallback = true,
    .wanted = NULL,
    .discover = host_discover,
};
