/* test_opencl_pipeline.c: the discrete-GPU path (pinned staging, chunks over several queues), forced on every OpenCL device (PoCL included), equals the reference. */
#include "check.h"
#include "oclgrind/quick.h"
#include "ref_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES 8192

/* Every op, dtype, direction and placement through dev's pipeline, against the reference. */
static void pipeline_on(clrelu_context *ctx, const clrelu_device *dev)
{
    const clrelu_device_info *info = clrelu_device_get_info(dev);
    printf("test_opencl_pipeline: %s (%s)\n", info->id, info->name);
    for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
        clrelu_dtype dt = (clrelu_dtype)t;
        if (!info->dtype_supported[dt])
            continue;
        size_t per = CHUNK_BYTES / clrelu_dtype_size(dt);
        /* fewer chunks than queues, exactly the queues, many chunks with a ragged end (the quick
         * run: each queue used twice, tests/oclgrind/quick.h) */
        const size_t sizes[] = {5, per, 2 * per + 3, 3 * per, (test_quick() ? 5 : 11) * per + 17};
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            double *v = malloc(n * sizeof *v);
            void *x = ref_alloc(dt, n), *g = ref_alloc(dt, n), *w = ref_alloc(dt, 4), *gw = ref_alloc(dt, 4);
            ref_random_values(v, n, n * 5 + (size_t)t, dt);
            ref_fill(x, dt, v, n);
            ref_random_values(v, n, n + 77, dt);
            ref_fill(g, dt, v, n);
            const double slopes[4] = {0.25, -1.0, 2.0, 0.0};
            ref_fill(w, dt, slopes, 4);
            for (int k = 0; k < clrelu_op_count(); k++) {
                const clrelu_op_desc *op = clrelu_op_get(k);
                for (int dir = 0; dir < 2; dir++)
                    for (int where = 0; where < 3; where++) {
                        if (where == REF_IN_PLACE_G && !dir)
                            continue;
                        /* prelu: 4 channels, inner n/4 spanning several chunks */
                        size_t shape[3] = {1, 4, n / 4};
                        clrelu_op_args a = {.op = op->name, .dtype = dt, .count = n, .x = x,
                                            .grad_output = dir ? g : NULL};
                        if (op->per_channel) {
                            a.shape = shape;
                            a.rank = 3;
                            a.count = 4 * (n / 4);
                            a.weight = w;
                        }
                        char label[96];
                        snprintf(label, sizeof label, "pipeline %zu elements", a.count);
                        ref_run_check(ctx, dev, &a, (ref_placement)where, label);
                    }
            }
            /* chunk count as the pipeline splits: ceil(n / per) */
            clrelu_timing tm;
            void *y = ref_alloc(dt, n);
            clrelu_op_args a = {.op = "relu", .dtype = dt, .count = n, .x = x, .y = y, .timing = &tm};
            CHECK_OK(clrelu_run(ctx, dev, &a));
            CHECK(tm.chunks == (n + per - 1) / per, "%s %zu elements: %u chunks, want %zu", clrelu_dtype_name(dt), n,
                  tm.chunks, (n + per - 1) / per);
            free(y);
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
    setenv("CLRELU_FORCE_DISCRETE", "1", 1);
    clrelu_context_options o = {.max_chunk_bytes = CHUNK_BYTES};
    clrelu_context *ctx = check_context(&o);
    int tested = 0;
    for (int i = 0; i < clrelu_device_count(ctx); i++) {
        const clrelu_device *dev = clrelu_device_at(ctx, i);
        if (strcmp(clrelu_device_get_info(dev)->backend, "opencl") == 0) {
            pipeline_on(ctx, dev);
            tested++;
        }
    }
    clrelu_context_destroy(ctx);
    if (!tested) {
        fprintf(stderr, "no OpenCL device (is PoCL installed?)\n");
        return getenv("CLRELU_NO_OPENCL") ? 77 : 1;
    }
    return check_summary("test_opencl_pipeline");
}
