/* context.c: context lifetime, device list, cache directory, and device selection by string. */
#include "core/backend.h"
#include "core/fault.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void resolve_cache_dir(clrelu_context *ctx)
{
    const char *dir = ctx->opts.cache_dir;
    ctx->cache_dir[0] = '\0';
    if (dir) {
        snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s", dir);
        return;
    }
    const char *env = getenv("CLRELU_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (env)
        snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s", env);
    else if (xdg && *xdg)
        snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s/clrelu", xdg);
    else if (home && *home)
        snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s/.cache/clrelu", home);
}

clrelu_device *context_add_device(clrelu_context *ctx, const backend_iface *iface)
{
    clrelu_device **grown = realloc(ctx->devices, sizeof *grown * (size_t)(ctx->n_devices + 1));
    if (!grown)
        return NULL;
    ctx->devices = grown;
    clrelu_device *dev = calloc(1, sizeof *dev);
    if (!dev)
        return NULL;
    dev->iface = iface;
    dev->ctx = ctx;
    dev->info.index = ctx->n_devices;
    ctx->devices[ctx->n_devices++] = dev;
    return dev;
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
    resolve_cache_dir(ctx);

    clrelu_status st = host_backend_discover(ctx);
    if (st != CLRELU_OK) {
        clrelu_context_destroy(ctx);
        return st;
    }
#ifdef CLRELU_HAVE_OPENCL
    if (!ctx->opts.no_opencl && !getenv("CLRELU_NO_OPENCL")) {
        /* A machine without OpenCL still has the host device: discovery failures are logged only. */
        if (opencl_backend_discover(ctx) != CLRELU_OK)
            clrelu_log(ctx, CLRELU_LOG_WARN, "OpenCL discovery failed: %s", clrelu_last_error());
    }
#endif
    assign_ids(ctx);
    fault_arm_from_env(ctx);
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

const char *clrelu_device_type_name(clrelu_device_type t)
{
    switch (t) {
    case CLRELU_DEVICE_HOST: return "host";
    case CLRELU_DEVICE_CPU: return "cpu";
    case CLRELU_DEVICE_GPU: return "gpu";
    case CLRELU_DEVICE_ACCELERATOR: return "accelerator";
    case CLRELU_DEVICE_OTHER: return "other";
    }
    return "other";
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static bool parse_type(const char *s, size_t len, clrelu_device_type *out)
{
    static const clrelu_device_type types[] = {CLRELU_DEVICE_HOST, CLRELU_DEVICE_CPU, CLRELU_DEVICE_GPU,
                                               CLRELU_DEVICE_ACCELERATOR};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const char *name = clrelu_device_type_name(types[i]);
        if (strlen(name) == len && strncmp(s, name, len) == 0) {
            *out = types[i];
            return true;
        }
    }
    return false;
}

/* Device preference for "auto": GPU, accelerator, CPU, then the host backend. */
static int auto_rank(clrelu_device_type t)
{
    switch (t) {
    case CLRELU_DEVICE_GPU: return 0;
    case CLRELU_DEVICE_ACCELERATOR: return 1;
    case CLRELU_DEVICE_CPU: return 2;
    case CLRELU_DEVICE_OTHER: return 3;
    case CLRELU_DEVICE_HOST: return 4;
    }
    return 5;
}

clrelu_status clrelu_device_select(const clrelu_context *ctx, const char *selector, const clrelu_device **out)
{
    if (!ctx || !out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "device_select: NULL argument");
    *out = NULL;
    if (!selector || !*selector || strcmp(selector, "auto") == 0) {
        const clrelu_device *best = NULL;
        for (int i = 0; i < ctx->n_devices; i++)
            if (!best || auto_rank(ctx->devices[i]->info.type) < auto_rank(best->info.type))
                best = ctx->devices[i];
        *out = best;
        return best ? CLRELU_OK : clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no devices");
    }
    /* "type" or "type:N" */
    const char *colon = strchr(selector, ':');
    size_t type_len = colon ? (size_t)(colon - selector) : strlen(selector);
    clrelu_device_type type;
    if (parse_type(selector, type_len, &type)) {
        long want = 0;
        if (colon) {
            char *end;
            want = strtol(colon + 1, &end, 10);
            if (end == colon + 1 || *end || want < 0)
                return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bad device selector '%s': expected %.*s:N",
                                        selector, (int)type_len, selector);
        }
        for (int i = 0; i < ctx->n_devices; i++) {
            const clrelu_device_info *info = &ctx->devices[i]->info;
            if (info->type == type && info->type_index == want) {
                *out = ctx->devices[i];
                return CLRELU_OK;
            }
        }
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no device matches '%s'", selector);
    }
    /* a plain index "3" selects by position */
    char *end;
    long idx = strtol(selector, &end, 10);
    if (end != selector && !*end) {
        if (idx >= 0 && idx < ctx->n_devices) {
            *out = ctx->devices[idx];
            return CLRELU_OK;
        }
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no device with index %ld", idx);
    }
    for (int i = 0; i < ctx->n_devices; i++) {
        const clrelu_device_info *info = &ctx->devices[i]->info;
        if (contains_nocase(info->name, selector) || contains_nocase(info->platform, selector)) {
            *out = ctx->devices[i];
            return CLRELU_OK;
        }
    }
    return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "no device matches '%s'", selector);
}
