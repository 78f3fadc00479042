/* test_host_stream.c: the host backend's streaming-store path (out of place, large arrays) gives the reference's bits and writes nothing outside y, at every alignment and tail. */
#include "check.h"
#include "host_kernels.h"
#include "ref_compare.h"

#include <stdlib.h>
#include <string.h>

#define GUARD 64 /* bytes of 0xA5 before and after y */

/* One out-of-place call with y placed `shift` elements past a 64-byte boundary: every element
 * equals the reference bit for bit (these ops are bit-exact) and the guard bytes are untouched. */
static void one_case(clrelu_context *ctx, const clrelu_device *dev, const char *op, clrelu_dtype t, size_t n,
                     size_t shift, bool backward, uint64_t seed)
{
    size_t es = clrelu_dtype_size(t), span = GUARD + shift * es + n * es + GUARD;
    unsigned char *raw = aligned_alloc(64, (span + 63) / 64 * 64);
    double *v = malloc((n ? n : 1) * sizeof *v);
    void *x = ref_alloc(t, n), *g = ref_alloc(t, n), *want = ref_alloc(t, n);
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
    clrelu_op_args a = {.op = op, .dtype = t, .count = n, .x = x, .y = y, .grad_output = backward ? g : NULL};
    if (strcmp(op, "prelu") == 0) {
        a.count = 3 * (n / 3);
        a.shape = shape;
        a.rank = 3;
        a.weight = w;
    }
    CHECK_OK(clrelu_run(ctx, dev, &a));
    ref_expected(&a, want, NULL, NULL);
    const clrelu_op_desc *desc = clrelu_op_find(op);
    ref_tol tol = ref_tolerance(desc, t, backward);
    size_t bad = 0;
    for (size_t i = 0; i < a.count; i++)
        if (!ref_element_ok(&tol, t, y, want, i, backward ? ref_get(g, t, i) : 0.0))
            bad++;
    CHECK(bad == 0, "%s %s %s n=%zu shift=%zu: %zu elements differ from the reference", op, clrelu_dtype_name(t),
          backward ? "backward" : "forward", n, shift, bad);
    size_t end = GUARD + shift * es + a.count * es, spoiled = 0;
    for (size_t i = 0; i < span; i++)
        if ((i < GUARD + shift * es || i >= end) && raw[i] != 0xA5)
            spoiled++;
    CHECK(spoiled == 0, "%s %s n=%zu shift=%zu: %zu bytes written outside y", op, clrelu_dtype_name(t), n, shift,
          spoiled);
    free(raw);
    free(v);
    free(x);
    free(g);
    free(want);
    free(w);
}

int main(void)
{
    /* stream from the first byte, before the library reads the setting */
    setenv("CLRELU_HOST_STREAM_MIN_BYTES", "0", 1);
    setenv("CLRELU_NO_OPENCL", "1", 1);
    clrelu_context *ctx = check_context(NULL);
    const clrelu_device *dev;
    CHECK_OK(clrelu_device_select(ctx, "host", &dev));
    size_t min = host_stream_min_bytes();
    if (min == SIZE_MAX) {
        printf("test_host_stream: this build has no streaming stores; skipped\n");
        clrelu_context_destroy(ctx);
        return 77;
    }
    CHECK(min == 0, "CLRELU_HOST_STREAM_MIN_BYTES=0 is read: %zu", min);
    static const char *const ops[] = {"relu", "leaky_relu", "relu6", "hardtanh", "prelu"};
    static const clrelu_dtype dtypes[] = {CLRELU_F32, CLRELU_F64, CLRELU_F16, CLRELU_BF16};
    uint64_t seed = 1;
    for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++)
        for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
            for (int backward = 0; backward < 2; backward++) {
                /* every tail of a 256-byte block and of a 16-byte store, at every element shift
                 * within 16 bytes (f16: 2-byte steps) */
                for (size_t shift = 0; shift < 8; shift++)
                    for (size_t n = 0; n <= 200; n += (n < 70 ? 1 : 13))
                        one_case(ctx, dev, ops[o], dtypes[d], n, shift, backward, seed++);
                /* large enough to be split over the host pool (HOST_PARALLEL_MIN), odd length */
                one_case(ctx, dev, ops[o], dtypes[d], ((size_t)1 << 17) * 3 + 37, 3, backward, seed++);
            }
    clrelu_context_destroy(ctx);
    return check_summary("test_host_stream");
}
