/* context.c: context lifetime — settings, cache directory, discovery through the registry, device ids. */
#include "core/backend.h"
#include "core/fault.h"

#include <stdio.h>
#include <stdlib.h>

static void resolve_cache_dir(clrelu_context *ctx)
{
    const char *dir = ctx->opts.cache_dir;
    const clr_settings *env = &ctx->settings;
    ctx->cache_dir[0] = '\0';
    if (dir)
        snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s", dir);
    else if (env->cache_dir)
        snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s", env->cache_dir);
    else if (env->xdg_cache_home)
        snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s/clrelu", env->xdg_cache_home);
    else if (env->home)
        snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s/.cache/clrelu", env->home);
}

/* The environment, then the caller's options on top (an option can only add a restriction). */
static void resolve_settings(clrelu_context *ctx)
{
    clr_settings_read(&ctx->settings);
    if (ctx->opts.no_opencl)
        ctx->settings.no_opencl = true;
    /* contexts that pin device behaviour want the device's own kernels for every call */
    if (ctx->opts.force_fpga_variant || ctx->opts.max_chunk_bytes)
        ctx->settings.auto_host = false;
    resolve_cache_dir(ctx);
    /* the strings point into the environment, which the caller may change: keep none but the
     * cache directory, which is copied above, and the fault spec, which is applied at once */
    ctx->settings.cache_dir = ctx->settings.xdg_cache_home = ctx->settings.home = NULL;
    ctx->settings.host_isa = NULL;
}

/* Give every device its type index and stable id ("host", "cpu:0", "gpu:1"). */
static void assign_ids(clrelu_context *ctx)
{
    int per_type[CLRELU_DEVICE_OTHER + 1] = {0};
    for (int i = 0; i < ctx->n_devices; i++) {
        clrelu_device_info *info = &ctx->devices[i]->info;
        info->index = i;
        info->type_index = per_type[info->type]++;
        if (info->type == CLRELU_DEVICE_HOST)
            snprintf(info->id, sizeof info->id, "host");
        else
            snprintf(info->id, sizeof info->id, "%s:%d", clrelu_device_type_name(info->type), info->type_index);
    }
}

/* Every backend of the registry that the context wants adds its devices; a required backend's
 * failure fails the context, an optional one's (no OpenCL on this machine) is only logged. */
static clrelu_status discover(clrelu_context *ctx)
{
    for (const clr_backend_reg *const *r = clr_backend_registry; *r; r++) {
        const clr_backend_reg *reg = *r;
        if (reg->wanted && !reg->wanted(ctx))
            continue;
        int before = ctx->n_devices;
        clrelu_status st = reg->discover(ctx);
        if (st != CLRELU_OK) {
            if (reg->required)
                return st;
            clrelu_log(ctx, CLRELU_LOG_WARN, "%s discovery failed: %s", reg->name, clrelu_last_error());
        }
        if (reg->fallback && !ctx->fallback && ctx->n_devices > before)
            ctx->fallback = ctx->devices[before];
    }
    return CLRELU_OK;
}

clrelu_status clrelu_context_create(const clrelu_context_options *opts, clrelu_context **out)
{
    if (!out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "context_create: out is NULL");
    *out = NULL;
    clrelu_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "context_create: out of memory");
    if (opts)
        ctx->opts = *opts;
    resolve_settings(ctx);
    clrelu_status st = discover(ctx);
    if (st != CLRELU_OK) {
        clrelu_context_destroy(ctx);
        return st;
    }
    assign_ids(ctx);
    clr_fault_arm(ctx, ctx->settings.fault_inject);
    ctx->settings.fault_inject = NULL;
    clrelu_clear_error();
    *out = ctx;
    return CLRELU_OK;
}

void clrelu_context_destroy(clrelu_context *ctx)
{
    if (!ctx)
        return;
    for (int i = 0; i < ctx->n_devices; i++) {
        clrelu_device *dev = ctx->devices[i];
        if (dev->iface && dev->iface->destroy)
            dev->iface->destroy(dev);
        free(dev);
    }
    free(ctx->devices);
    free(ctx);
}

int clrelu_device_count(const clrelu_context *ctx) { return ctx ? ctx->n_devices : 0; }

const clrelu_device *clrelu_device_at(const clrelu_context *ctx, int index)
{
    if (!ctx || index < 0 || index >= ctx->n_devices)
        return NULL;
    return ctx->devices[index];
}

const clrelu_device_info *clrelu_device_get_info(const clrelu_device *dev) { return dev ? &dev->info : NULL; }
