/* test_streaming_stores.c: the streaming-store paths (host backend and OpenCL CPU devices, out of place) give the same bits as the ordinary path and write nothing outside y, at every alignment, head and tail. */
#include "check.h"
#include "ref_compare.h"

#include <stdlib.h>
#include <string.h>

#define GUARD 64 /* bytes of 0xA5 before and after y */

typedef struct {
    clrelu_context *ctx;
    const clrelu_device *dev;
    bool streams; /* the device has a streaming path (host: the ops with a fast path) */
} target;

/* The host's ops swept at every head and tail: the piecewise loops and one smooth op, whose
 * vector-math loop (host_vloops.h) streams through the same blocks. */
static const char *const host_ops[] = {"relu", "leaky_relu", "relu6", "hardtanh", "prelu", "sigmoid"};
#define N_HOST_OPS (sizeof host_ops / sizeof host_ops[0])

/* Whether the host's loops for op and dtype stream (host_kernels.c's fast path): the piecewise
 * (bit-exact) ops in every dtype, the smooth ops in float32/float16/bfloat16 (their float64 runs
 * glibc's vector libm or the double reference, with ordinary stores). Every op streams on OpenCL. */
static bool host_fast_path(const char *op, clrelu_dtype t)
{
    const clrelu_op_desc *desc = clrelu_op_find(op);
    return desc && (desc->bit_exact || t != CLRELU_F64);
}

/* One out-of-place call with y placed `shift` elements past a 64-byte boundary: it must report
 * streaming stores, equal the same device's in-place call (which never streams; bit for bit where
 * the op is bit-exact, else both within the reference's tolerance), and leave the guard bytes
 * around y untouched. */
static void one_case(const target *tg, const char *op, clrelu_dtype t, size_t n, size_t shift, bool backward,
                     uint64_t seed)
{
    size_t es = clrelu_dtype_size(t), span = GUARD + shift * es + n * es + GUARD;
    unsigned char *raw = aligned_alloc(64, (span + 63) / 64 * 64);
    double *v = malloc((n ? n : 1) * sizeof *v);
    void *x = ref_alloc(t, n), *g = ref_alloc(t, n), *plain = ref_alloc(t, n), *want = ref_alloc(t, n);
    const double slope[3] = {0.25, -0.5, 3.0};
    void *w = ref_alloc(t, 3);
    if (!raw || !v) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    memset(raw, 0xA5, span);
    void *y = raw + GUARD + shift * es;
    ref_random_values(v, n, seed, t);
    ref_fill(x, t, v, n);
    ref_random_values(v, n, seed * 3 + 1, t);
    ref_fill(g, t, v, n);
    ref_fill(w, t, slope, 3);
    size_t shape[3] = {1, 3, n / 3};
    clrelu_timing tm;
    clrelu_op_args a = {.op = op, .dtype = t, .count = n, .x = x, .y = y, .timing = &tm};
    if (backward)
        a.grad_output = g;
    if (strcmp(op, "prelu") == 0) {
        a.count = 3 * (n / 3);
        a.shape = shape;
        a.rank = 3;
        a.weight = w;
    }
    const char *dir = backward ? "backward" : "forward", *dn = clrelu_dtype_name(t);
    const char *id = clrelu_device_get_info(tg->dev)->id;
    CHECK_OK(clrelu_run(tg->ctx, tg->dev, &a));
    bool want_stream = tg->streams && a.count > 0;
    CHECK(tm.streaming_stores == want_stream, "%s %s %s %s n=%zu: streaming_stores %d, expected %d", id, op, dn, dir,
          n, tm.streaming_stores, want_stream);

    /* the ordinary path: in place over a copy of x (forward) or of grad_output (backward) */
    memcpy(plain, backward ? g : x, a.count * es);
    clrelu_op_args in = a;
    if (backward)
        in.grad_output = plain;
    else
        in.x = plain;
    in.y = plain;
    CHECK_OK(clrelu_run(tg->ctx, tg->dev, &in));
    CHECK(!tm.streaming_stores, "%s %s in place reported streaming stores", id, op);
    /* bit-exact ops: the same bits; the others within the reference's tolerance (a streaming
     * kernel's head is computed element by element, where the ordinary one may use a vector) */
    const clrelu_op_desc *desc = clrelu_op_find(op);
    ref_tol tol = ref_tolerance(desc, t, backward);
    ref_expected(&a, want, NULL, NULL);
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < a.count; i++) {
        bool ok = desc->bit_exact ? ref_bits(y, t, i) == ref_bits(plain, t, i)
                                  : ref_element_ok(&tol, t, y, want, i, backward ? ref_get(g, t, i) : 0.0);
        if (!ok && bad++ == 0)
            first = i;
    }
    CHECK(bad == 0, "%s %s %s %s n=%zu shift=%zu: %zu elements differ (first at %zu)", id, op, dn, dir, n, shift,
          bad, first);
    size_t end = GUARD + shift * es + a.count * es, spoiled = 0;
    for (size_t i = 0; i < span; i++)
        if ((i < GUARD + shift * es || i >= end) && raw[i] != 0xA5)
            spoiled++;
    CHECK(spoiled == 0, "%s %s %s n=%zu shift=%zu: %zu bytes written outside y", id, op, dn, n, shift, spoiled);
    free(raw);
    free(v);
    free(x);
    free(g);
    free(plain);
    free(want);
    free(w);
}

/* Every head (y 0..max_shift-1 elements past a 64-byte boundary) with every tail, for one op of
 * each kernel family, both directions and all dtypes, and two lengths of several host blocks;
 * then every op once at a size that spans several work-items. */
static void sweep(const target *tg, const char *const *families, size_t n_families, size_t max_shift,
                  uint64_t *seed)
{
    static const clrelu_dtype dtypes[] = {CLRELU_F32, CLRELU_F64, CLRELU_F16, CLRELU_BF16};
    static const size_t multi_block[] = {1025, 2339};
    const clrelu_device_info *info = clrelu_device_get_info(tg->dev);
    for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++) {
        if (!info->dtype_supported[dtypes[d]])
            continue;
        for (int backward = 0; backward < 2; backward++) {
            for (size_t f = 0; f < n_families; f++) {
                target fam = *tg;
                if (strcmp(info->backend, "host") == 0)
                    fam.streams = tg->streams && host_fast_path(families[f], dtypes[d]);
                for (size_t shift = 0; shift < max_shift; shift++) {
                    for (size_t n = 0; n <= 100; n += (n < 48 ? 1 : 13))
                        one_case(&fam, families[f], dtypes[d], n, shift, backward, (*seed)++);
                    /* past the host's first blocks (2 KiB: 256 to 1,024 elements) */
                    for (size_t k = 0; k < sizeof multi_block / sizeof multi_block[0]; k++)
                        one_case(&fam, families[f], dtypes[d], multi_block[k], shift, backward, (*seed)++);
                }
            }
            for (int o = 0; o < clrelu_op_count(); o++) {
                const char *op = clrelu_op_get(o)->name;
                target one = *tg;
                one.streams = tg->streams && (strcmp(info->backend, "host") != 0 || host_fast_path(op, dtypes[d]));
                /* odd length and shift; large enough for the host pool (HOST_PARALLEL_MIN) */
                one_case(&one, op, dtypes[d], ((size_t)1 << 17) * 3 + 37, 5, backward, (*seed)++);
            }
        }
    }
}

int main(void)
{
    /* stream from the first element, before the library reads the setting */
    setenv("CLRELU_STREAM_MIN_BYTES", "0", 1);
    setenv("CLRELU_AUTO_HOST", "0", 1); /* small calls stay on the OpenCL device */
    clrelu_context *ctx = check_context(NULL);
    uint64_t seed = 1;
    int swept = 0;
    for (int i = 0; i < clrelu_device_count(ctx); i++) {
        const clrelu_device *dev = clrelu_device_at(ctx, i);
        const clrelu_device_info *info = clrelu_device_get_info(dev);
        bool host = info->type == CLRELU_DEVICE_HOST;
        if (!host && !(info->type == CLRELU_DEVICE_CPU && info->host_unified_memory))
            continue; /* streaming stores are for CPUs working in host memory */
        target tg = {ctx, dev, true};
        if (host) {
            /* the host's fast-path ops; a build without streaming stores reports none */
            clrelu_timing tm;
            float a[4] = {1, -1, 2, -2}, b[4];
            clrelu_op_args probe = {.op = "relu", .dtype = CLRELU_F32, .count = 4, .x = a, .y = b, .timing = &tm};
            CHECK_OK(clrelu_run(ctx, dev, &probe));
            tg.streams = tm.streaming_stores;
            if (!tg.streams)
                printf("test_streaming_stores: this build's host loops have no streaming stores\n");
            /* the host streams one vector per store (up to 64 bytes with AVX-512) after a first
             * block cut to reach a 64-byte line: 32 shifts reach every 16-bit misalignment */
            sweep(&tg, host_ops, N_HOST_OPS, 32, &seed);
        } else {
            /* one op per kernel family: elementwise, the 16-bit select path, prelu */
            static const char *const families[] = {"leaky_relu", "relu", "prelu"};
            /* the kernels' widest vector is 16 elements: 16 shifts reach every head */
            sweep(&tg, families, sizeof families / sizeof families[0], 16, &seed);
        }
        printf("test_streaming_stores: %s swept\n", info->id);
        swept++;
    }
    CHECK(swept >= 1, "no device was swept");
    clrelu_context_destroy(ctx);
    return check_summary("test_streaming_stores");
}
