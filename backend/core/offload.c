/* offload.c: where a call runs — its device or the context's fallback — and the crossover measured side by side. */
#include "core/offload.h"

#include <stdlib.h>
#include <string.h>

#define CROSS_REPS 5

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

clrelu_device *clr_offload_target(clrelu_device *dev, clrelu_dtype dtype, size_t count, uint64_t *build_ns)
{
    clrelu_device *fallback = dev->ctx->fallback;
    if (!fallback || fallback == dev || !dev->iface->offload_below || !dev->ctx->settings.auto_host)
        return dev;
    uint64_t ignored = 0;
    return count < dev->iface->offload_below(dev, dtype, build_ns ? build_ns : &ignored) ? fallback : dev;
}

/* Wall time of one call (the whole round trip is what a caller pays). */
static clrelu_status timed(clrelu_device *dev, op_call *c, uint64_t *ns)
{
    clrelu_timing tm;
    memset(&tm, 0, sizeof tm);
    c->timing = &tm;
    uint64_t t0 = clrelu_now_ns();
    clrelu_status st = dev->iface->run(dev, c);
    *ns = clrelu_now_ns() - t0;
    return st;
}

clrelu_status clr_offload_measure(clrelu_device *dev, clrelu_dtype dtype, uint64_t *build_ns, uint64_t *out)
{
    clrelu_device *host = dev->ctx->fallback;
    if (!host || host == dev)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "crossover: %s has no other device to compare with",
                                dev->info.id);
    enum { MAX_N = 1 << 20 };
    clrelu_status st = CLRELU_OK;
    size_t es = clrelu_dtype_size(dtype);
    float *src = malloc(MAX_N * sizeof *src);
    void *x = malloc(MAX_N * es), *y = malloc(MAX_N * es);
    if (!src || !x || !y) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "crossover: out of memory");
        goto out;
    }
    for (size_t i = 0; i < MAX_N; i++)
        src[i] = (float)((int)(i % 7) - 3);
    clrelu_convert(src, CLRELU_F32, x, dtype, MAX_N);

    op_call c;
    memset(&c, 0, sizeof c);
    c.op = &clrelu_ops[OP_RELU];
    c.dtype = dtype;
    c.x = x;
    c.y = y;
    /* first device call: program build or load, first-launch specialisation */
    clrelu_timing tm;
    memset(&tm, 0, sizeof tm);
    c.count = 1024;
    c.timing = &tm;
    if ((st = dev->iface->run(dev, &c)) != CLRELU_OK)
        goto out;
    if (build_ns)
        *build_ns += tm.build_ns;
    *out = MAX_N;
    for (size_t n = 1024; n <= MAX_N; n *= 4) {
        uint64_t d[CROSS_REPS], h[CROSS_REPS];
        c.count = n;
        for (int r = 0; r < CROSS_REPS; r++) {
            if ((st = timed(dev, &c, &d[r])) != CLRELU_OK || (st = timed(host, &c, &h[r])) != CLRELU_OK)
                goto out;
        }
        qsort(d, CROSS_REPS, sizeof d[0], cmp_u64);
        qsort(h, CROSS_REPS, sizeof h[0], cmp_u64);
        if (d[CROSS_REPS / 2] < h[CROSS_REPS / 2]) {
            *out = n;
            break;
        }
    }
out:
    free(src);
    free(x);
    free(y);
    return st;
}
