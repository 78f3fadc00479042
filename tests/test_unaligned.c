/* test_unaligned.c: arrays that start one element past an aligned address (a 2-byte-aligned float16/bfloat16 array) give the reference's values on every device, in and out of place. */
#include "check.h"
#include "oclgrind/quick.h"
#include "ref_compare.h"

#include <stdlib.h>
#include <string.h>

/* a copy of src placed one element past a 64-byte boundary, inside a buffer the caller frees */
static void *shifted_copy(const void *src, size_t es, size_t n, unsigned char **raw)
{
    *raw = aligned_alloc(64, (es * (n + 1) + 63) / 64 * 64);
    if (!*raw) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    memcpy(*raw + es, src, es * n);
    return *raw + es;
}

static void one_case(clrelu_context *ctx, const clrelu_device *dev, const char *op, clrelu_dtype t, size_t n,
                     bool backward, bool in_place, uint64_t seed)
{
    size_t es = clrelu_dtype_size(t);
    double *v = malloc(n * sizeof *v);
    void *x0 = ref_alloc(t, n), *g0 = ref_alloc(t, n), *want = ref_alloc(t, n), *w = ref_alloc(t, 3);
    const double slope[3] = {0.25, -0.5, 3.0};
    if (!v) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    ref_random_values(v, n, seed, t);
    ref_fill(x0, t, v, n);
    ref_random_values(v, n, seed * 7 + 3, t);
    ref_fill(g0, t, v, n);
    ref_fill(w, t, slope, 3);
    unsigned char *rx, *rg, *ry;
    void *x = shifted_copy(x0, es, n, &rx), *g = shifted_copy(g0, es, n, &rg), *y = shifted_copy(x0, es, n, &ry);
    size_t shape[3] = {1, 3, n / 3};
    clrelu_op_args a = {.op = op, .dtype = t, .count = n, .x = x, .y = in_place ? (backward ? g : x) : y,
                        .grad_output = backward ? g : NULL};
    if (strcmp(op, "prelu") == 0) {
        a.count = 3 * (n / 3);
        a.shape = shape;
        a.rank = 3;
        a.weight = w;
    }
    clrelu_op_args ref = a;
    ref.x = x0;
    ref.grad_output = backward ? g0 : NULL;
    ref_expected(&ref, want, NULL, NULL);
    CHECK_OK(clrelu_run(ctx, dev, &a));
    ref_tol tol = ref_tolerance(clrelu_op_find(op), t, backward);
    size_t bad = 0;
    for (size_t i = 0; i < a.count; i++)
        if (!ref_element_ok(&tol, t, a.y, want, i, backward ? ref_get(g0, t, i) : 0.0))
            bad++;
    CHECK(bad == 0, "%s %s %s %s n=%zu on %s, arrays 1 element off alignment: %zu elements differ", op,
          clrelu_dtype_name(t), backward ? "backward" : "forward", in_place ? "in place" : "out of place", n,
          clrelu_device_get_info(dev)->id, bad);
    free(rx);
    free(rg);
    free(ry);
    free(v);
    free(x0);
    free(g0);
    free(want);
    free(w);
}

int main(void)
{
    /* the quick run: the same cases, in a context with small chunks (tests/oclgrind/quick.h) */
    clrelu_context_options opts = {.max_chunk_bytes = test_quick() ? QUICK_CHUNK_BYTES : 0};
    clrelu_context *ctx = check_context(&opts);
    static const char *const ops[] = {"relu", "leaky_relu", "relu6", "hardtanh", "prelu", "gelu"};
    uint64_t seed = 11;
    for (int di = 0; di < clrelu_device_count(ctx); di++) {
        const clrelu_device *dev = clrelu_device_at(ctx, di);
        printf("test_unaligned: %s (%s)\n", clrelu_device_get_info(dev)->id, clrelu_device_get_info(dev)->name);
        for (int ti = 0; ti < CLRELU_DTYPE_COUNT; ti++) {
            if (!clrelu_device_get_info(dev)->dtype_supported[ti])
                continue;
            for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
                for (int backward = 0; backward < 2; backward++)
                    for (int in_place = 0; in_place < 2; in_place++)
                        for (size_t n = 1000; n <= 5000; n += 3099) /* 1000 and 4099 */
                            one_case(ctx, dev, ops[o], (clrelu_dtype)ti, n, backward, in_place, seed++);
        }
    }
    clrelu_context_destroy(ctx);
    return check_summary("test_unaligned");
}
