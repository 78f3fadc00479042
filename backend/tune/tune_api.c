/* tune_api.c: clrelu_tune_* — checks the arguments and forwards to the device's tuning hooks (backend-neutral). */
#include "clrelu_tune.h"
#include "core/offload.h"
#include "tune/tune.h"

#include <stdio.h>
#include <string.h>

static clrelu_status check_device(const clrelu_context *ctx, const clrelu_device *dev)
{
    if (!ctx || !dev || dev->ctx != ctx)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "tune: bad context or device");
    return CLRELU_OK;
}

/* A device whose backend has no such hook has nothing to tune (the host device). */
static clrelu_status nothing_to_tune(const clrelu_device *dev)
{
    return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "tune: device %s has nothing to tune", dev->info.id);
}

clrelu_status clrelu_tune_device(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype, size_t count,
                                 clrelu_tune_result *out)
{
    clrelu_status st = check_device(ctx, dev);
    if (st != CLRELU_OK)
        return st;
    if (!dev->iface->tune_kernels)
        return nothing_to_tune(dev);
    if ((unsigned)dtype >= CLRELU_DTYPE_COUNT || !dev->info.dtype_supported[dtype])
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "tune: dtype not supported on %s", dev->info.id);
    return dev->iface->tune_kernels((clrelu_device *)dev, dtype, count, out);
}

clrelu_status clrelu_tune_crossover(clrelu_context *ctx, const clrelu_device *dev, uint64_t *elements)
{
    clrelu_status st = check_device(ctx, dev);
    if (st != CLRELU_OK)
        return st;
    if (!dev->iface->tune_crossover)
        return nothing_to_tune(dev);
    if (!elements)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "tune: elements is NULL");
    return dev->iface->tune_crossover((clrelu_device *)dev, elements);
}

clrelu_status clrelu_tune_active(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                 clrelu_tune_config *cfg, bool *tuned)
{
    clrelu_status st = check_device(ctx, dev);
    if (st != CLRELU_OK)
        return st;
    if (!dev->iface->tune_active)
        return nothing_to_tune(dev);
    if ((unsigned)dtype >= CLRELU_DTYPE_COUNT || !cfg)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "tune: bad dtype or NULL cfg");
    return dev->iface->tune_active((clrelu_device *)dev, dtype, cfg, tuned);
}

clrelu_status clrelu_tune_get_crossover(clrelu_context *ctx, const clrelu_device *dev, uint64_t *elements)
{
    return clrelu_tune_get_crossover_of(ctx, dev, CLRELU_OP_CLASS_PIECEWISE, CLRELU_F32, elements);
}

clrelu_status clrelu_tune_get_crossover_of(clrelu_context *ctx, const clrelu_device *dev, clrelu_op_class cls,
                                           clrelu_dtype dtype, uint64_t *elements)
{
    clrelu_status st = check_device(ctx, dev);
    if (st != CLRELU_OK)
        return st;
    if (!dev->iface->tune_get_crossover)
        return nothing_to_tune(dev);
    if (!elements || (unsigned)cls >= CLRELU_OP_CLASS_COUNT || (unsigned)dtype >= CLRELU_DTYPE_COUNT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "tune: bad class, dtype or NULL elements");
    if (!dev->info.dtype_supported[dtype])
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "tune: dtype not supported on %s", dev->info.id);
    return dev->iface->tune_get_crossover((clrelu_device *)dev, cls, dtype, elements);
}

clrelu_status clrelu_tune_runs_on_host(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                       size_t count, bool *on_host)
{
    return clrelu_tune_runs_on_host_op(ctx, dev, "relu", dtype, count, on_host);
}

/* The dispatcher's own answer (core/offload.c): the same rule clrelu_run applies. */
clrelu_status clrelu_tune_runs_on_host_op(clrelu_context *ctx, const clrelu_device *dev, const char *op,
                                          clrelu_dtype dtype, size_t count, bool *on_host)
{
    const clrelu_op_desc *desc = op ? clrelu_op_find(op) : NULL;
    if (!ctx || !dev || dev->ctx != ctx || !on_host || !desc || (unsigned)dtype >= CLRELU_DTYPE_COUNT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "tune: bad argument");
    clrelu_device *target = clr_offload_target((clrelu_device *)dev, clr_op_entry_of(desc), dtype, count, NULL);
    *on_host = target->info.type == CLRELU_DEVICE_HOST;
    return CLRELU_OK;
}

clrelu_op_class clrelu_op_class_of(const clrelu_op_desc *op)
{
    return op ? clr_op_class(clr_op_entry_of(op)) : CLRELU_OP_CLASS_PIECEWISE;
}

const char *clrelu_op_class_name(clrelu_op_class cls)
{
    return cls == CLRELU_OP_CLASS_SMOOTH ? "smooth" : "piecewise";
}

clrelu_status clrelu_op_class_parse(const char *name, clrelu_op_class *out)
{
    for (int c = 0; name && out && c < CLRELU_OP_CLASS_COUNT; c++)
        if (strcmp(name, clrelu_op_class_name((clrelu_op_class)c)) == 0) {
            *out = (clrelu_op_class)c;
            return CLRELU_OK;
        }
    return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "unknown op class '%s'", name ? name : "(null)");
}

clrelu_status clrelu_tune_file(const clrelu_context *ctx, const clrelu_device *dev, char *buf, size_t size)
{
    if (!ctx || !dev || !buf || !size || dev->ctx != ctx)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "tune: bad argument");
    buf[0] = '\0';
    if (!ctx->cache_dir[0])
        return CLRELU_OK;
    char fp[33];
    clr_tune_fingerprint(&dev->info, fp);
    snprintf(buf, size, "%s/%s.tune", ctx->cache_dir, fp);
    return CLRELU_OK;
}
