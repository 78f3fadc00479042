/* dispatch.c: validate a clrelu_run call once, round parameters, and hand it to the device's backend. */
#include "backend.h"
#include "fault.h"

#include <math.h>
#include <string.h>

/* prelu layout: channel axis 1 for rank >= 2 (inner = product of dims after it), else 1 channel. */
static void prelu_layout(const clrelu_op_args *a, size_t *channels, size_t *inner)
{
    *channels = 1;
    *inner = a->count ? a->count : 1;
    if (a->shape && a->rank >= 2) {
        *channels = a->shape[1];
        size_t in = 1;
        for (int d = 2; d < a->rank; d++)
            in *= a->shape[d];
        *inner = in;
    }
}

static clrelu_status check_shape(const clrelu_op_args *a)
{
    if (!a->shape)
        return a->rank == 0 || a->rank == 1
                   ? CLRELU_OK
                   : clrelu_set_error(CLRELU_ERR_INVALID_ARG, "rank %d given without a shape", a->rank);
    if (a->rank < 0 || a->rank > 32)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "rank %d is out of range 0..32", a->rank);
    size_t n = 1;
    for (int d = 0; d < a->rank; d++) {
        if (a->shape[d] && n > SIZE_MAX / a->shape[d])
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "shape overflows size_t");
        n *= a->shape[d];
    }
    if (n != a->count)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "count %zu does not match the shape's %zu elements",
                                a->count, n);
    return CLRELU_OK;
}

clrelu_status clrelu_run(clrelu_context *ctx, const clrelu_device *dev, const clrelu_op_args *a)
{
    uint64_t t0 = clrelu_now_ns();
    if (!ctx || !dev || !a)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "run: NULL context, device or args");
    if (dev->ctx != ctx)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "run: device belongs to another context");
    const clrelu_op_desc *desc = clrelu_op_find(a->op);
    if (!desc)
        return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "unknown op '%s'", a->op ? a->op : "(null)");
    if ((unsigned)a->dtype >= CLRELU_DTYPE_COUNT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "unknown dtype %d", (int)a->dtype);
    if (!dev->info.dtype_supported[a->dtype])
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "dtype %s is not supported on device %s (%s)",
                                clrelu_dtype_name(a->dtype), dev->info.id, dev->info.name);
    clrelu_status st = check_shape(a);
    if (st != CLRELU_OK)
        return st;
    if (a->count && (!a->x || !a->y))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s: x and y must not be NULL", desc->name);

    op_call call;
    memset(&call, 0, sizeof call);
    call.op = op_entry_of(desc);
    call.dtype = a->dtype;
    call.count = a->count;
    call.x = a->x;
    call.y = a->y;
    call.grad_output = a->grad_output;
    call.weight = a->weight;
    call.grad_weight = a->grad_output ? a->grad_weight : NULL;

    double params[CLRELU_MAX_PARAMS];
    if (a->params) {
        clrelu_op_default_params(desc, params);
        memcpy(params, a->params, sizeof params[0] * (size_t)desc->n_params);
    } else {
        clrelu_op_default_params(desc, params);
    }
    if ((st = clrelu_op_check_params(desc, params)) != CLRELU_OK)
        return st;
    for (int i = 0; i < CLRELU_MAX_PARAMS; i++)
        call.params[i] = a->dtype == CLRELU_F64 ? params[i] : (double)(float)params[i];
    if (a->dtype != CLRELU_F64)
        for (int i = 0; i < desc->n_params; i++)
            if (isinf(call.params[i]))
                return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s: parameter %s=%g overflows float",
                                        desc->name, desc->params[i].name, params[i]);

    if (desc->per_channel) {
        prelu_layout(a, &call.channels, &call.inner);
        if (a->count && !a->weight)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "prelu needs a weight tensor (%zu slopes)",
                                    call.channels);
        if (a->count && call.channels == 0)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "prelu: channel dimension is 0");
    }

    clrelu_timing local;
    memset(&local, 0, sizeof local);
    call.timing = &local;
    st = fault_take(dev);
    if (st == CLRELU_OK && a->count)
        st = dev->iface->run((clrelu_device *)dev, &call);
    local.total_ns = clrelu_now_ns() - t0;
    if (a->timing)
        *a->timing = local;
    if (st == CLRELU_OK)
        clrelu_clear_error();
    return st;
}

clrelu_status clrelu_program_export(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                    void **data, size_t *size)
{
    if (!ctx || !dev || !data || !size || dev->ctx != ctx)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "program_export: bad argument");
    if ((unsigned)dtype >= CLRELU_DTYPE_COUNT || !dev->info.dtype_supported[dtype])
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "program_export: dtype not supported on %s", dev->info.id);
    if (!dev->iface->program_export)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "device %s has no program binaries", dev->info.id);
    return dev->iface->program_export((clrelu_device *)dev, dtype, data, size);
}

clrelu_status clrelu_program_import(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                    const void *data, size_t size)
{
    if (!ctx || !dev || !data || !size || dev->ctx != ctx)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "program_import: bad argument");
    if ((unsigned)dtype >= CLRELU_DTYPE_COUNT || !dev->info.dtype_supported[dtype])
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "program_import: dtype not supported on %s", dev->info.id);
    if (!dev->iface->program_import)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "device %s has no program binaries", dev->info.id);
    return dev->iface->program_import((clrelu_device *)dev, dtype, data, size);
}
