/* dispatch.c: validate a clrelu_run call once, round parameters, and hand it to the device that runs it. */
#include "core/backend.h"
#include "core/fault.h"
#include "core/offload.h"

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
    if (a->rank < 0 || a->rank > CLRELU_MAX_RANK)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "rank %d is out of range 0..%d", a->rank, CLRELU_MAX_RANK);
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

/* Round the caller's parameters (or the defaults) to the storage type's precision and check
 * them; ops without parameters skip all of it (their params stay 0). */
static clrelu_status round_params(const clrelu_op_desc *desc, const clrelu_op_args *a, op_call *call)
{
    if (desc->n_params == 0)
        return CLRELU_OK;
    double params[CLRELU_MAX_PARAMS];
    clrelu_op_default_params(desc, params);
    if (a->params)
        memcpy(params, a->params, sizeof params[0] * (size_t)desc->n_params);
    clrelu_status st = clrelu_op_check_params(desc, params);
    if (st != CLRELU_OK)
        return st;
    for (int i = 0; i < CLRELU_MAX_PARAMS; i++)
        call->params[i] = a->dtype == CLRELU_F64 ? params[i] : (double)(float)params[i];
    if (a->dtype != CLRELU_F64)
        for (int i = 0; i < desc->n_params; i++)
            if (isinf(call->params[i]))
                return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "%s: parameter %s=%g overflows float",
                                        desc->name, desc->params[i].name, params[i]);
    return CLRELU_OK;
}

/* Validate, then run on the device's backend — or on the context's fallback device when the
 * device says the call is too small to pay for its launch (core/offload.c). The clock is read only when the caller asks for
 * timings: once at entry and once at exit. A backend that reports no kernel time of its own
 * (the host backend: the computation is the whole call) gets the call's wall time as kernel_ns. */
clrelu_status clrelu_run(clrelu_context *ctx, const clrelu_device *dev, const clrelu_op_args *a)
{
    if (!ctx || !dev || !a)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "run: NULL context, device or args");
    uint64_t t0 = a->timing ? clrelu_now_ns() : 0;
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

    clrelu_timing local = {0};
    op_call call = {
        .op = clr_op_entry_of(desc),
        .dtype = a->dtype,
        .count = a->count,
        .x = a->x,
        .y = a->y,
        .grad_output = a->grad_output,
        .weight = a->weight,
        .grad_weight = a->grad_output ? a->grad_weight : NULL,
        .timing = &local,
    };
    if ((st = round_params(desc, a, &call)) != CLRELU_OK)
        return st;

    if (desc->per_channel) {
        prelu_layout(a, &call.channels, &call.inner);
        if (a->count && !a->weight)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "prelu needs a weight tensor (%zu slopes)",
                                    call.channels);
        if (a->count && call.channels == 0)
            return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "prelu: channel dimension is 0");
    }

    st = clr_fault_take(dev);
    if (st == CLRELU_OK && a->count) {
        clrelu_device *target = clr_offload_target((clrelu_device *)dev, call.op, call.dtype, call.count, &local.build_ns);
        st = target->iface->run(target, &call);
        local.ran_on = target;
    }
    if (a->timing) {
        local.total_ns = clrelu_now_ns() - t0;
        if (st == CLRELU_OK && a->count && local.kernel_ns == 0)
            local.kernel_ns = local.total_ns;
        *a->timing = local;
    }
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
