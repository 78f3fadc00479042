/* host_bench.c: the host backend's benchmark ceilings — copy and add split and streamed as an op's pass is, and an empty call. */
#include "host/host_hooks.h"
#include "host/host_kernels.h"

/* The compiler must not drop the empty call: it goes through a volatile function pointer. */
static void empty_call(void) {}
static void (*volatile empty_fn)(void) = empty_call;

/* Part `part` of n of a copy/add ceiling, cut at the same points as an op's pass (host.c). */
static int ceiling_part(void *arg, int part, int n_parts)
{
    const bench_ceiling_call *c = arg;
    size_t b, e;
    clr_host_part_bounds(c->count, part, n_parts, &b, &e);
    if (b < e)
        clr_host_ceiling_range(c, b, e);
    return 0;
}

/* Wall time of each call: the host has no device timer, so compute time is what it reports. The
 * copy used to be one memcpy on the calling thread: a "ceiling" that 2-thread relu passes beat by
 * 2-3x at 16M. Now it runs on the ops' threads and stores as they do, so % of copy compares like
 * with like (docs/benchmarks.md). */
clrelu_status clr_host_bench_ceiling(clrelu_device *dev, bench_ceiling_call *c)
{
    if (c->dense)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "the dense-layer variants run on OpenCL devices only");
    if (c->kind == CLRELU_CEIL_CLBLAST_COPY)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "CLBlast runs on OpenCL devices only");
    for (int i = -(c->warmup > 0 ? c->warmup : 0); i < c->repeats; i++) {
        uint64_t t0 = clrelu_now_ns();
        if (c->kind == CLRELU_CEIL_COPY || c->kind == CLRELU_CEIL_ADD)
            clr_host_split(dev, c->count, ceiling_part, c);
        else
            empty_fn();
        if (i >= 0)
            c->samples_ns[i] = (double)(clrelu_now_ns() - t0);
    }
    return CLRELU_OK;
}
