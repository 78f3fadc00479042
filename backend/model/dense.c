/* dense.c: validate a dense-layer call once (shapes, dtype, activation, params) and hand it to the device's backend — or to the host, below the device's dense crossover. */
#include "core/backend.h"
#include "core/offload.h"
#include "model/dense.h"

#include <math.h>
#include <string.h>

static bool is_identity(const char *act)
{
    return !act || !*act || strcmp(act, "none") == 0 || strcmp(act, "identity") == 0 || strcmp(act, "linear") == 0;
}

/* Fill call from args: the checks both directions share. */
static clrelu_status prepare(clrelu_context *ctx, const clrelu_device *dev, const clrelu_dense_args *a,
                             bool backward, struct dense_call *call)
{
    if (!ctx || !dev || !a)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense: NULL context, device or args");
    if (dev->ctx != ctx)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense: device belongs to another context");
    if ((unsigned)a->dtype >= CLRELU_DTYPE_COUNT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense: unknown dtype %d", (int)a->dtype);
    if (!dev->info.dtype_supported[a->dtype])
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "dense: dtype %s is not supported on device %s (%s)",
                                clrelu_dtype_name(a->dtype), dev->info.id, dev->info.name);
    if (a->in == 0 || a->out == 0)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense: in (%zu) and out (%zu) must be at least 1", a->in,
                                a->out);
    size_t big = a->n > a->in ? a->n : a->in;
    if (a->out > SIZE_MAX / 8 / (big ? big : 1) || a->in > SIZE_MAX / 8 / (a->n ? a->n : 1))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense: shape [%zu, %zu] x [%zu, %zu] overflows size_t",
                                a->n, a->in, a->out, a->in);
    if (!a->w || (a->n && !a->x))
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense: x and w must not be NULL");

    memset(call, 0, sizeof *call);
    call->dtype = a->dtype;
    call->n = a->n;
    call->in = a->in;
    call->out = a->out;
    call->x = a->x;
    call->w = a->w;
    call->b = a->b;
    call->backward = backward;
    if (!is_identity(a->act)) {
        const clrelu_op_desc *desc = clrelu_op_find(a->act);
        if (!desc)
            return clrelu_set_error(CLRELU_ERR_NOT_FOUND, "dense: unknown activation '%s'", a->act);
        call->act = clr_op_entry_of(desc);
        double params[CLRELU_MAX_PARAMS];
        clrelu_op_default_params(desc, params);
        if (a->params)
            memcpy(params, a->params, sizeof params[0] * (size_t)desc->n_params);
        clrelu_status st = clrelu_op_check_params(desc, params);
        if (st != CLRELU_OK)
            return st;
        for (int i = 0; i < CLRELU_MAX_PARAMS; i++) {
            call->params[i] = a->dtype == CLRELU_F64 ? params[i] : (double)(float)params[i];
            if (i < desc->n_params && isinf(call->params[i]))
                return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense: parameter %s=%g overflows float",
                                        desc->params[i].name, params[i]);
        }
        if (desc->per_channel) {
            if (!a->act_weight)
                return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense: prelu needs act_weight (%zu slopes)", a->out);
            call->slope = a->act_weight;
        }
    }
    if (backward && a->grad_act_weight && !call->slope)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG,
                                "dense backward: grad_act_weight is only for prelu (activation is '%s'); pass NULL",
                                is_identity(a->act) ? "none" : a->act);
    if (!dev->iface->dense)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "dense: device %s (%s) has no dense layers", dev->info.id,
                                dev->info.name);
    return CLRELU_OK;
}

/* Run the prepared call and fill the caller's timing. With `choose`, a call below dev's dense
 * crossover runs on the context's fallback device (core/offload.c); else on dev itself. An empty
 * batch runs nowhere. */
static clrelu_status finish(const clrelu_device *dev, bool choose, struct dense_call *call, const clrelu_dense_args *a,
                            uint64_t t0)
{
    clrelu_timing local;
    memset(&local, 0, sizeof local);
    call->timing = &local;
    clrelu_status st = CLRELU_OK;
    if (call->n) {
        clrelu_device *target = (clrelu_device *)dev;
        uint64_t build_ns = 0;
        if (choose)
            target = clr_offload_dense_target(target, call->dtype, (uint64_t)call->n * call->in * call->out, &build_ns);
        st = target->iface->dense(target, call);
        local.build_ns += build_ns;
        local.ran_on = target;
    }
    local.total_ns = clrelu_now_ns() - t0;
    if (a->timing)
        *a->timing = local;
    if (st == CLRELU_OK)
        clrelu_clear_error();
    return st;
}

static clrelu_status forward(clrelu_context *ctx, const clrelu_device *dev, bool choose, const clrelu_dense_args *a)
{
    uint64_t t0 = clrelu_now_ns();
    struct dense_call call;
    clrelu_status st = prepare(ctx, dev, a, false, &call);
    if (st != CLRELU_OK)
        return st;
    if (a->n && !a->y)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense: y must not be NULL");
    call.y = a->y;
    call.pre = a->pre;
    return finish(dev, choose, &call, a, t0);
}

clrelu_status clrelu_dense_forward(clrelu_context *ctx, const clrelu_device *dev, const clrelu_dense_args *a)
{
    return forward(ctx, dev, true, a);
}

clrelu_status clr_dense_forward_on(clrelu_context *ctx, const clrelu_device *dev, const clrelu_dense_args *a)
{
    return forward(ctx, dev, false, a);
}

clrelu_status clrelu_dense_crossover(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype, uint64_t *macs)
{
    if (!ctx || !dev || dev->ctx != ctx || !macs || (unsigned)dtype >= CLRELU_DTYPE_COUNT)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense_crossover: bad argument");
    clrelu_device *d = (clrelu_device *)dev;
    /* a call of 0 multiply-adds leaves d exactly when d hands dense work over and its crossover is above 0 */
    *macs = clr_offload_dense_target(d, dtype, 0, NULL) == d ? 0 : clr_offload_dense_below(d, dtype, NULL);
    return CLRELU_OK;
}

clrelu_status clrelu_dense_backward(clrelu_context *ctx, const clrelu_device *dev, const clrelu_dense_args *a)
{
    uint64_t t0 = clrelu_now_ns();
    struct dense_call call;
    clrelu_status st = prepare(ctx, dev, a, true, &call);
    if (st != CLRELU_OK)
        return st;
    if (a->n && !a->grad_y)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "dense backward: grad_y must not be NULL");
    call.grad_y = a->grad_y;
    call.grad_x = a->grad_x;
    call.grad_w = a->grad_w;
    call.grad_b = a->grad_b;
    call.grad_slope = a->grad_act_weight;
    if (a->n == 0) {
        /* an empty batch contributes nothing: zero gradients for the parameters */
        size_t es = clrelu_dtype_size(a->dtype);
        if (a->grad_w)
            memset(a->grad_w, 0, a->out * a->in * es);
        if (a->grad_b)
            memset(a->grad_b, 0, a->out * es);
        if (a->grad_act_weight)
            memset(a->grad_act_weight, 0, a->out * es);
    }
    if (!call.grad_x && !call.grad_w && !call.grad_b && !call.grad_slope) {
        if (a->timing)
            memset(a->timing, 0, sizeof *a->timing);
        return CLRELU_OK;
    }
    return finish(dev, true, &call, a, t0);
}
