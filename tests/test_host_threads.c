/* test_host_threads.c: large tensors through the host backend's thread pool equal the reference, at sizes around every split point. */
#include "check.h"
#include "host/host_pool.h"
#include "ref_compare.h"

#include <stdlib.h>
#include <string.h>

/* Every op (or the cheap ones and gelu) on `dev` at n elements, forward and backward, out of place
 * and in place, against the double reference (bit for bit for the bit-exact ops). */
static void all_ops(clrelu_context *ctx, const clrelu_device *dev, size_t n, clrelu_dtype t, bool every_op)
{
    static const char *const some[] = {"relu", "leaky_relu", "relu6", "hardtanh", "prelu", "gelu"};
    int count = every_op ? clrelu_op_count() : (int)(sizeof some / sizeof some[0]);
    double *v = malloc(n * sizeof *v);
    void *x = ref_alloc(t, n), *g = ref_alloc(t, n), *w = ref_alloc(t, 3), *gw = ref_alloc(t, 3);
    if (!v) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    ref_random_values(v, n, n * 31 + (size_t)t, t);
    ref_fill(x, t, v, n);
    ref_random_values(v, n, n * 17 + 5, t);
    ref_fill(g, t, v, n);
    const double slopes[3] = {0.25, -0.5, 3.0};
    ref_fill(w, t, slopes, 3);
    for (int k = 0; k < count; k++) {
        const clrelu_op_desc *op = every_op ? clrelu_op_get(k) : clrelu_op_find(some[k]);
        for (int dir = 0; dir < 2; dir++)
            for (int where = 0; where < 3; where++) {
                if (where == REF_IN_PLACE_G && !dir)
                    continue;
                /* prelu: 3 channels; n not divisible by 3 drops the last elements */
                size_t shape[3] = {1, 3, n / 3};
                clrelu_op_args a = {.op = op->name, .dtype = t, .count = n, .x = x, .grad_output = dir ? g : NULL};
                if (op->per_channel) {
                    a.count = 3 * (n / 3);
                    a.shape = shape;
                    a.rank = 3;
                    a.weight = w;
                    a.grad_weight = dir ? gw : NULL;
                }
                char label[96];
                snprintf(label, sizeof label, "%s %zu", clrelu_dtype_name(t), n);
                ref_run_check(ctx, dev, &a, (ref_placement)where, label);
            }
    }
    free(v);
    free(x);
    free(g);
    free(w);
    free(gw);
}

int main(void)
{
    setenv("CLRELU_HOST_THREADS", "3", 1); /* more parts than this machine may have cores */
    clrelu_context_options o = {.no_opencl = true};
    clrelu_context *ctx = check_context(&o);
    const clrelu_device *host = NULL;
    CHECK_OK(clrelu_device_select(ctx, "host", &host));

    /* just below, at and above the threshold; sizes that split unevenly over 3 threads and
     * leave a part empty or short */
    const size_t m = HOST_PARALLEL_MIN, a = HOST_SPLIT_ALIGN;
    const size_t sizes[] = {m - 1, m, m + 1, m + a - 1, m + 3 * a + 5, 3 * m + 2, 3 * m - 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++)
            all_ops(ctx, host, sizes[i], (clrelu_dtype)t, false);
    /* every op once, threaded, float32 */
    all_ops(ctx, host, m + 77, CLRELU_F32, true);

    clrelu_context_destroy(ctx);
    return check_summary("test_host_threads");
}
