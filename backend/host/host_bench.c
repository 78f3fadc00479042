/* host_bench.c: the host backend's benchmark ceilings — memcpy copy, an add loop and an empty call. */
#include "host/host_hooks.h"

#include <string.h>

/* The compiler must not drop the empty call: it goes through a volatile function pointer. */
static void empty_call(void) {}
static void (*volatile empty_fn)(void) = empty_call;

/* c = a + b in the compute type (float, double for float64), stored in the storage type. */
static void add_loop(const bench_ceiling_call *c)
{
    size_t n = c->count;
    switch (c->dtype) {
    case CLRELU_F32: {
        const float *a = c->a, *b = c->b;
        float *o = c->c;
        for (size_t i = 0; i < n; i++)
            o[i] = a[i] + b[i];
        break;
    }
    case CLRELU_F64: {
        const double *a = c->a, *b = c->b;
        double *o = c->c;
        for (size_t i = 0; i < n; i++)
            o[i] = a[i] + b[i];
        break;
    }
    case CLRELU_F16: {
        const uint16_t *a = c->a, *b = c->b;
        uint16_t *o = c->c;
        for (size_t i = 0; i < n; i++)
            o[i] = clrelu_float_to_half(clrelu_half_to_float(a[i]) + clrelu_half_to_float(b[i]));
        break;
    }
    case CLRELU_BF16: {
        const uint16_t *a = c->a, *b = c->b;
        uint16_t *o = c->c;
        for (size_t i = 0; i < n; i++)
            o[i] = clrelu_float_to_bf16(clrelu_bf16_to_float(a[i]) + clrelu_bf16_to_float(b[i]));
        break;
    }
    case CLRELU_DTYPE_COUNT: break;
    }
}

/* Wall time of each call: the host has no device timer, so compute time is what it reports. */
clrelu_status clr_host_bench_ceiling(clrelu_device *dev, bench_ceiling_call *c)
{
    if (c->dense)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "the dense-layer variants run on OpenCL devices only");
    if (c->kind == CLRELU_CEIL_CLBLAST_COPY)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "CLBlast runs on OpenCL devices only");
    size_t bytes = c->count * clrelu_dtype_size(c->dtype);
    for (int i = -(c->warmup > 0 ? c->warmup : 0); i < c->repeats; i++) {
        uint64_t t0 = clrelu_now_ns();
        if (c->kind == CLRELU_CEIL_COPY)
            memcpy(c->c, c->a, bytes);
        else if (c->kind == CLRELU_CEIL_ADD)
            add_loop(c);
        else
            empty_fn();
        if (i >= 0)
            c->samples_ns[i] = (double)(clrelu_now_ns() - t0);
    }
    return CLRELU_OK;
}
