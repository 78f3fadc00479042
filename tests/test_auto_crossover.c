/* test_auto_crossover.c: small tensors on the `auto` device run on the host below the measured crossover, exactly; CLRELU_AUTO_HOST=0 turns it off. */
#include "check.h"
#include "clrelu_tune.h"
#include "ref_compare.h"

#include <stdlib.h>
#include <string.h>

/* Every op at sizes 1..~1000 on dev, forward and backward, against the reference. */
static void small_tensors(clrelu_context *ctx, const clrelu_device *dev, const char *label)
{
    static const size_t sizes[] = {1, 3, 16, 17, 100, 1000, 1024};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
            clrelu_dtype dt = (clrelu_dtype)t;
            if (!clrelu_device_get_info(dev)->dtype_supported[dt])
                continue;
            double *v = malloc(n * sizeof *v);
            void *x = ref_alloc(dt, n), *g = ref_alloc(dt, n), *w = ref_alloc(dt, 1), *gw = ref_alloc(dt, 1);
            ref_random_values(v, n, n + (size_t)t, dt);
            ref_fill(x, dt, v, n);
            ref_random_values(v, n, n * 3 + 1, dt);
            ref_fill(g, dt, v, n);
            const double slope = 0.3;
            ref_fill(w, dt, &slope, 1);
            for (int k = 0; k < clrelu_op_count(); k++)
                for (int dir = 0; dir < 2; dir++) {
                    const clrelu_op_desc *op = clrelu_op_get(k);
                    clrelu_op_args a = {.op = op->name, .dtype = dt, .count = n, .x = x, .grad_output = dir ? g : NULL};
                    if (op->per_channel) {
                        a.weight = w;
                        a.grad_weight = dir ? gw : NULL;
                    }
                    char full[128];
                    snprintf(full, sizeof full, "%s, %zu elements", label, n);
                    ref_run_check(ctx, dev, &a, REF_OUT_OF_PLACE, full);
                    ref_run_check(ctx, dev, &a, REF_IN_PLACE_X, full);
                }
            free(v);
            free(x);
            free(g);
            free(w);
            free(gw);
        }
    }
}

int main(void)
{
    setenv("CLRELU_AUTO_HOST", "1", 1);
    clrelu_context *ctx = check_context(NULL);
    const clrelu_device *dev = NULL;
    CHECK_OK(clrelu_device_select(ctx, "auto", &dev));
    const clrelu_device_info *info = clrelu_device_get_info(dev);
    if (strcmp(info->backend, "opencl") != 0) {
        if (getenv("CLRELU_NO_OPENCL")) {
            fprintf(stderr, "CLRELU_NO_OPENCL is set: auto is the host device\n");
            return 77;
        }
        fprintf(stderr, "auto selected %s, not an OpenCL device (is PoCL installed?)\n", info->id);
        return 1;
    }

    /* auto still names the best device; the crossover is measured, at least the smallest size */
    uint64_t cross = 0;
    CHECK_OK(clrelu_tune_get_crossover(ctx, dev, &cross));
    CHECK(cross >= 1024, "crossover %llu: a 1K relu should not pay a kernel launch", (unsigned long long)cross);
    bool on_host = false;
    CHECK_OK(clrelu_tune_runs_on_host(ctx, dev, CLRELU_F32, 1024, &on_host));
    CHECK(on_host, "1K elements on %s do not go to the host (crossover %llu)", info->id, (unsigned long long)cross);
    CHECK_OK(clrelu_tune_runs_on_host(ctx, dev, CLRELU_F32, (size_t)cross, &on_host));
    CHECK(!on_host, "a tensor of exactly the crossover (%llu) goes to the host", (unsigned long long)cross);
    small_tensors(ctx, dev, "auto, delegated");
    clrelu_context_destroy(ctx);

    /* disabled: the same calls run on the device's kernels, still exact */
    setenv("CLRELU_AUTO_HOST", "0", 1);
    ctx = check_context(NULL);
    CHECK_OK(clrelu_device_select(ctx, "auto", &dev));
    CHECK_OK(clrelu_tune_runs_on_host(ctx, dev, CLRELU_F32, 1, &on_host));
    CHECK(!on_host, "CLRELU_AUTO_HOST=0: a 1-element call still goes to the host");
    small_tensors(ctx, dev, "auto, CLRELU_AUTO_HOST=0");
    clrelu_context_destroy(ctx);

    /* contexts that ask for the device's own kernels never delegate */
    setenv("CLRELU_AUTO_HOST", "1", 1);
    clrelu_context_options o = {.max_chunk_bytes = 1 << 20};
    ctx = check_context(&o);
    CHECK_OK(clrelu_device_select(ctx, "auto", &dev));
    CHECK_OK(clrelu_tune_runs_on_host(ctx, dev, CLRELU_F32, 1, &on_host));
    CHECK(!on_host, "max_chunk_bytes context delegates to the host");
    clrelu_context_destroy(ctx);
    return check_summary("test_auto_crossover");
}
