/* bench_measure.c: one ceiling or dense-variant measurement through the device's bench_ceiling hook — the engine's ceilings and the public entries for bench/ programs. */
#include "bench/bench_ceiling.h"

clrelu_status clr_bench_ceiling_call(const clrelu_device *dev, bench_ceiling_call *call)
{
    if (!dev->iface->bench_ceiling)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "the %s backend measures no ceilings", dev->iface->name);
    if (!call->dense && call->kind != CLRELU_CEIL_EMPTY && !dev->info.host_unified_memory &&
        call->count * clrelu_dtype_size(call->dtype) > dev->info.max_alloc_bytes)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "%zu elements exceed the device's max allocation", call->count);
    return dev->iface->bench_ceiling((clrelu_device *)dev, call);
}

static clrelu_status check_call(clrelu_context *ctx, const clrelu_device *dev, int repeats, const double *samples_ns)
{
    if (!ctx || !dev || !samples_ns)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: NULL context, device or samples");
    if (dev->ctx != ctx)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: device belongs to another context");
    if (repeats < 1)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: repeats must be at least 1, not %d", repeats);
    return CLRELU_OK;
}

clrelu_status clrelu_bench_ceiling_measure(clrelu_context *ctx, const clrelu_device *dev, clrelu_ceiling_kind kind,
                                           clrelu_dtype dtype, const void *a, const void *b, void *c, size_t count,
                                           int warmup, int repeats, double *samples_ns)
{
    clrelu_status st = check_call(ctx, dev, repeats, samples_ns);
    if (st != CLRELU_OK)
        return st;
    if ((unsigned)kind >= CLRELU_CEIL_KIND_COUNT || (unsigned)dtype >= CLRELU_DTYPE_COUNT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: unknown ceiling kind %d or dtype %d", (int)kind,
                                (int)dtype);
    if (kind != CLRELU_CEIL_EMPTY && (count == 0 || !a || !c || (kind == CLRELU_CEIL_ADD && !b)))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: %s ceiling without elements or buffers",
                                clrelu_ceiling_kind_name(kind));
    if (!dev->info.dtype_supported[dtype])
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "bench: %s is not supported by %s", clrelu_dtype_name(dtype),
                                dev->info.id);
    bench_ceiling_call call = {kind, dtype, count, a, b, c, warmup, repeats, samples_ns, NULL};
    return clr_bench_ceiling_call(dev, &call);
}

clrelu_status clrelu_bench_dense_measure(clrelu_context *ctx, const clrelu_device *dev,
                                         clrelu_bench_dense_variant variant, const char *act, size_t n, size_t in,
                                         size_t out, int batch, int warmup, int repeats, double *samples_ns)
{
    clrelu_status st = check_call(ctx, dev, repeats, samples_ns);
    if (st != CLRELU_OK)
        return st;
    const clrelu_op_desc *desc = act ? clrelu_op_find(act) : NULL;
    if (!desc || desc->per_channel)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: the dense activation must name an op without "
                                                        "per-channel weights, not '%s'", act ? act : "(null)");
    if ((unsigned)variant > CLRELU_BENCH_DENSE_SEPARATE || !n || !in || !out || batch < 1)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "bench: dense variant %d, shape %zu,%zu,%zu, batch %d",
                                (int)variant, n, in, out, batch);
    bench_dense_variant dv = {variant, clr_op_entry_of(desc), n, in, out, batch};
    bench_ceiling_call call = {CLRELU_CEIL_COPY, CLRELU_F32, 0, NULL, NULL, NULL, warmup, repeats, samples_ns, &dv};
    return clr_bench_ceiling_call(dev, &call);
}
