/* offload.c: where a call runs — its device or the context's fallback — and the crossover measured side by side. */
#include "core/offload.h"
#include "core/stream.h"

#include <stdlib.h>
#include <string.h>

#define CROSS_REPS 5 /* calls per side (dense crossover) */
#define BATCH_REPS 4 /* back-to-back calls per batch (op crossover) */
/* A crossover measurement stops growing the size after this long (at least two sizes measured)
 * and decides from what it has: it runs on a caller's first call. */
#define MEASURE_BUDGET_NS 1000000000ull

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

clrelu_device *clr_offload_target(clrelu_device *dev, const struct op_entry *op, clrelu_dtype dtype, size_t count,
                                  uint64_t *build_ns)
{
    clrelu_device *fallback = dev->ctx->fallback;
    if (!fallback || fallback == dev || !dev->iface->offload_below || !dev->ctx->settings.auto_host)
        return dev;
    uint64_t ignored = 0;
    uint64_t below = dev->iface->offload_below(dev, clr_op_class(op), dtype, build_ns ? build_ns : &ignored);
    return count < below ? fallback : dev;
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

/* The size where the device's time crosses 0.9 of the host's (see clr_offload_measure), between
 * n1 (d1 > 0: the host's) and n2 (d2 < 0: the device's): both times are close to affine in n
 * between two sizes, so the difference is too. */
static uint64_t interpolate(size_t n1, int64_t d1, size_t n2, int64_t d2)
{
    double at = (double)n1 + (double)(n2 - n1) * (double)d1 / (double)(d1 - d2);
    uint64_t n = (uint64_t)(at + 0.5);
    return n <= n1 ? n1 + 1 : n > n2 ? n2 : n;
}

/* `reps` back-to-back calls of c on dev, their wall times appended at t. */
static clrelu_status batch(clrelu_device *dev, op_call *c, int reps, uint64_t *t)
{
    for (int r = 0; r < reps; r++) {
        clrelu_status st = timed(dev, c, &t[r]);
        if (st != CLRELU_OK)
            return st;
    }
    return CLRELU_OK;
}

/* The median of n samples (sorted in place). */
static uint64_t median(uint64_t *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_u64);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Device minus 0.9 host at c->count elements: the median call of each, from back-to-back batches
 * (two rounds of a device batch then a host batch). The median, not the fastest: PoCL's calls of
 * 16M are bimodal here (kernel 2.1 ms, wall time 2.1 or 4.1 ms), and callers pay the median (the
 * fastest made a 16M relu look as quick on PoCL as on the host, which the sweep found 1.5-2.5x
 * faster). Calls of the two alternating one by one put each in the other's wake: the host pool's
 * workers spin for 200 us after a job and PoCL's threads after theirs, on the same cores, so at
 * 256K-4M each side measured the other's tail (BENCHMARKS.md section 14.7: the crossover landed
 * below 1M where the host ran twice as fast as PoCL). The device wins where it is faster by a
 * clear margin (10 %): from 4M both stream memory on the same cores and tie within the noise,
 * and a tie is the host's (no launch, less variance); a tie at 16M (2.195 against 2.194 ms,
 * float32 relu) once put 9M-16M piecewise calls on PoCL, which the sweep then found 1.5-2.5x
 * slower than the host. */
static clrelu_status size_diff(clrelu_device *dev, clrelu_device *host, op_call *c, clrelu_op_class cls,
                               int64_t *diff)
{
    uint64_t dt[2 * BATCH_REPS], ht[2 * BATCH_REPS];
    clrelu_status st;
    for (int round = 0; round < 2; round++) {
        if ((st = batch(dev, c, BATCH_REPS, dt + round * BATCH_REPS)) != CLRELU_OK ||
            (st = batch(host, c, BATCH_REPS, ht + round * BATCH_REPS)) != CLRELU_OK)
            return st;
    }
    uint64_t d = median(dt, 2 * BATCH_REPS), h = median(ht, 2 * BATCH_REPS);
    *diff = (int64_t)d - (int64_t)(0.9 * (double)h);
    clrelu_log(dev->ctx, CLRELU_LOG_DEBUG, "crossover %s %s %s: %zu elements: device %llu ns, host %llu ns",
               dev->info.id, clrelu_op_class_name(cls), clrelu_dtype_name(c->dtype), c->count,
               (unsigned long long)d, (unsigned long long)h);
    return CLRELU_OK;
}

clrelu_status clr_offload_measure(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype, uint64_t *build_ns,
                                  uint64_t *out)
{
    clrelu_device *host = dev->ctx->fallback;
    if (!host || host == dev)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "crossover: %s has no other device to compare with",
                                dev->info.id);
    /* 1K, 4K, ... up to 16M elements, x and y together at most 128 MiB (float64: up to 4M) */
    enum { MIN_N = 1 << 10, STEPS_MAX = 8, PATTERN = 7 * 128 };
    clrelu_status st = CLRELU_OK;
    size_t es = clrelu_dtype_size(dtype), max_n = MIN_N;
    int steps = 1;
    while (steps < STEPS_MAX && max_n * 4 * 2 * es <= ((size_t)128 << 20))
        max_n *= 4, steps++;
    float src[PATTERN];
    void *x = malloc(max_n * es), *y = malloc(max_n * es);
    if (!x || !y) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "crossover: out of memory");
        goto out;
    }
    for (size_t i = 0; i < PATTERN; i++)
        src[i] = (float)((int)(i % 7) - 3) * 0.75f;
    for (size_t i = 0; i < max_n; i += PATTERN)
        clrelu_convert(src, CLRELU_F32, (char *)x + i * es, dtype, max_n - i < PATTERN ? max_n - i : PATTERN);
    memset(y, 0, max_n * es); /* its pages exist before any call is timed */

    op_call c;
    memset(&c, 0, sizeof c);
    c.op = &clrelu_ops[clr_offload_class_op(cls)];
    c.params[0] = c.op->desc.n_params > 0 ? c.op->desc.params[0].default_value : 0.0;
    c.params[1] = c.op->desc.n_params > 1 ? c.op->desc.params[1].default_value : 0.0;
    c.dtype = dtype;
    c.x = x;
    c.y = y;
    /* first device call: program build or load, first-launch specialisation */
    clrelu_timing tm;
    memset(&tm, 0, sizeof tm);
    c.count = MIN_N;
    c.timing = &tm;
    if ((st = dev->iface->run(dev, &c)) != CLRELU_OK)
        goto out;
    if (build_ns)
        *build_ns += tm.build_ns;
    /* device minus 0.9 host at 1K, 4K, ... (size_diff) */
    int64_t diff[STEPS_MAX];
    size_t sizes[STEPS_MAX];
    int first_win = -1, k = 0;
    uint64_t start = clrelu_now_ns();
    for (size_t n = MIN_N; k < steps; n *= 4, k++) {
        c.count = sizes[k] = n;
        if ((st = size_diff(dev, host, &c, cls, &diff[k])) != CLRELU_OK)
            goto out;
        /* the device must win at two sizes in a row (one win can be the noise of a shared
         * machine), or at the first or the largest */
        bool last = k == steps - 1 || (k >= 1 && clrelu_now_ns() - start > MEASURE_BUDGET_NS);
        /* a lone win at the largest size is measured again and must hold: memory-bound there,
         * the two tie, and one noisy measurement at 16M put float32 piecewise calls from 16.4M,
         * float16 from 5.1M and bfloat16 from 4.5M on PoCL (BENCHMARKS.md section 16.7) */
        if (diff[k] < 0 && first_win < 0 && k > 0 && last) {
            int64_t again;
            if ((st = size_diff(dev, host, &c, cls, &again)) != CLRELU_OK)
                goto out;
            if (again >= 0)
                diff[k] = again;
        }
        if (diff[k] < 0 && (first_win >= 0 || k == 0 || last)) {
            if (first_win < 0)
                first_win = k;
            break;
        }
        first_win = diff[k] < 0 ? k : -1;
        if (last) { /* a slow device (a simulator) or a loaded machine: the sizes so far decide */
            k++;
            break;
        }
    }
    /* When the fallback wins at every size measured, larger tensors stay with it only if the
     * largest measured was already past the cores' caches (its out-of-place pass streams,
     * stream.h): from there both devices stream memory on the same cores, and the ratio holds
     * (host/PoCL at 16M and 64M agree within 0.8-1.3x for every op and dtype measured in
     * BENCHMARKS.md section 15). A measurement cut short by its budget claims nothing beyond its
     * largest size (an extrapolation from 1M and 4M once sent 16M-64M to a slower host). */
    if (first_win == 0)
        *out = MIN_N; /* the device wins from the smallest size measured */
    else if (first_win > 0)
        *out = interpolate(sizes[first_win - 1], diff[first_win - 1], sizes[first_win], diff[first_win]);
    else if (clr_stream_pays(sizes[k - 1], es, 2))
        *out = UINT64_MAX; /* every size */
    else
        *out = sizes[k - 1];
out:
    free(x);
    free(y);
    return st;
}

op_id clr_offload_class_op(clrelu_op_class cls)
{
    return cls == CLRELU_OP_CLASS_SMOOTH ? OP_SILU : OP_RELU;
}

/* ---- dense layers --------------------------------------------------------------------------- */

/* Whether dev may hand dense work of dtype to the fallback at all. */
static bool dense_offloads(const clrelu_device *dev, clrelu_dtype dtype)
{
    const clrelu_device *fb = dev->ctx->fallback;
    return fb && fb != dev && dev->iface->offload_below && dev->ctx->settings.auto_host && dev->iface->dense &&
           dev->info.dtype_supported[dtype] && fb->iface->dense && fb->info.dtype_supported[dtype];
}

uint64_t clr_offload_dense_below(clrelu_device *dev, clrelu_dtype dtype, uint64_t *build_ns)
{
    const clr_settings *set = &dev->ctx->settings;
    if (set->dense_crossover_set)
        return set->dense_crossover;
    if (atomic_load_explicit(&dev->dense_state[dtype], memory_order_acquire) == 2)
        return atomic_load_explicit(&dev->dense_below[dtype], memory_order_relaxed);
    int unknown = 0;
    if (!atomic_compare_exchange_strong(&dev->dense_state[dtype], &unknown, 1))
        return 0; /* another thread is measuring: this call stays on dev */
    uint64_t below = 0;
    clrelu_status st = clr_offload_dense_measure(dev, dtype, build_ns, &below);
    if (st != CLRELU_OK) {
        clrelu_log(dev->ctx, CLRELU_LOG_INFO, "%s: dense crossover measurement failed: %s", dev->info.id,
                   clrelu_last_error());
        clrelu_clear_error(); /* no crossover: dense calls stay on the device */
        below = 0;
    } else {
        clrelu_log(dev->ctx, CLRELU_LOG_INFO, "%s: dense layers of %s below %llu multiply-adds run on %s",
                   dev->info.id, clrelu_dtype_name(dtype), (unsigned long long)below, dev->ctx->fallback->info.id);
    }
    atomic_store_explicit(&dev->dense_below[dtype], below, memory_order_relaxed);
    atomic_store_explicit(&dev->dense_state[dtype], 2, memory_order_release);
    return below;
}

clrelu_device *clr_offload_dense_target(clrelu_device *dev, clrelu_dtype dtype, uint64_t macs, uint64_t *build_ns)
{
    if (!dense_offloads(dev, dtype))
        return dev;
    uint64_t ignored = 0;
    return macs < clr_offload_dense_below(dev, dtype, build_ns ? build_ns : &ignored) ? dev->ctx->fallback : dev;
}

/* Wall time of one dense call. */
static clrelu_status dense_timed(clrelu_device *dev, struct dense_call *c, uint64_t *ns)
{
    clrelu_timing tm;
    memset(&tm, 0, sizeof tm);
    c->timing = &tm;
    uint64_t t0 = clrelu_now_ns();
    clrelu_status st = dev->iface->dense(dev, c);
    *ns = clrelu_now_ns() - t0;
    return st;
}

clrelu_status clr_offload_dense_measure(clrelu_device *dev, clrelu_dtype dtype, uint64_t *build_ns, uint64_t *out)
{
    if (!dense_offloads(dev, dtype))
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "dense crossover: %s hands no dense %s work to another device",
                                dev->info.id, clrelu_dtype_name(dtype));
    enum { WIDTH = 64, MAX_ROWS = 4096 };
    clrelu_device *host = dev->ctx->fallback;
    clrelu_status st = CLRELU_OK;
    size_t es = clrelu_dtype_size(dtype);
    float *src = malloc((size_t)MAX_ROWS * WIDTH * sizeof *src);
    void *x = malloc((size_t)MAX_ROWS * WIDTH * es), *y = malloc((size_t)MAX_ROWS * WIDTH * es);
    void *w = malloc((size_t)WIDTH * WIDTH * es), *b = malloc((size_t)WIDTH * es);
    if (!src || !x || !y || !w || !b) {
        st = clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "dense crossover: out of memory");
        goto out;
    }
    for (size_t i = 0; i < (size_t)MAX_ROWS * WIDTH; i++)
        src[i] = (float)((int)(i % 7) - 3) * 0.125f;
    clrelu_convert(src, CLRELU_F32, x, dtype, (size_t)MAX_ROWS * WIDTH);
    clrelu_convert(src + 1, CLRELU_F32, w, dtype, (size_t)WIDTH * WIDTH);
    clrelu_convert(src + 2, CLRELU_F32, b, dtype, WIDTH);

    struct dense_call c;
    memset(&c, 0, sizeof c);
    c.act = &clrelu_ops[OP_RELU];
    c.dtype = dtype;
    c.in = c.out = WIDTH;
    c.x = x;
    c.w = w;
    c.b = b;
    c.y = y;
    /* first device call: program builds (the GEMM's too), first-launch specialisation */
    clrelu_timing tm;
    memset(&tm, 0, sizeof tm);
    c.n = 16;
    c.timing = &tm;
    if ((st = dev->iface->dense(dev, &c)) != CLRELU_OK)
        goto out;
    if (build_ns)
        *build_ns += tm.build_ns;
    /* the smallest batch from which dev wins twice in a row (one win can be the noise of a
     * shared machine; the largest batch counts alone) */
    *out = (uint64_t)MAX_ROWS * WIDTH * WIDTH;
    size_t first_win = 0;
    for (size_t n = 1; n <= MAX_ROWS; n *= 4) {
        uint64_t d[CROSS_REPS], h[CROSS_REPS];
        c.n = n;
        for (int r = 0; r < CROSS_REPS; r++) {
            if ((st = dense_timed(dev, &c, &d[r])) != CLRELU_OK || (st = dense_timed(host, &c, &h[r])) != CLRELU_OK)
                goto out;
        }
        /* the fastest of each: a burst of load on a shared machine only ever adds time, and it
         * hits the device's worker threads harder than the one host thread */
        qsort(d, CROSS_REPS, sizeof d[0], cmp_u64);
        qsort(h, CROSS_REPS, sizeof h[0], cmp_u64);
        bool win = d[0] < h[0];
        if (win && (first_win || n == MAX_ROWS)) {
            *out = (uint64_t)(first_win ? first_win : n) * WIDTH * WIDTH;
            break;
        }
        first_win = win ? n : 0;
    }
out:
    free(src);
    free(x);
    free(y);
    free(w);
    free(b);
    return st;
}
