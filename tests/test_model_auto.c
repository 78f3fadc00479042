/* test_model_auto.c: MLP models and dense layers on the `auto` device choose per call by size — a small batch runs on the host, a large one on the OpenCL device (timing.ran_on), with equal results; CLRELU_AUTO_HOST=0 and CLRELU_DENSE_CROSSOVER. */
#include "check.h"
#include "clrelu_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static clrelu_model *load_example(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", __FILE__); /* <source>/tests/test_model_auto.c */
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/../models/example");
    clrelu_model *m = NULL;
    CHECK_OK(clrelu_model_load(dir, &m));
    return m;
}

static const clrelu_device *host_of(clrelu_context *ctx)
{
    const clrelu_device *h = NULL;
    CHECK_OK(clrelu_device_select(ctx, "host", &h));
    return h;
}

/* rows x 4 inputs in [-1, 1) */
static float *batch(size_t rows)
{
    float *x = malloc(rows * 4 * sizeof *x);
    for (size_t i = 0; x && i < rows * 4; i++)
        x[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
    return x;
}

/* Run rows through m on dev, check which device ran it, and compare with the host's answer. */
static void forward_on(clrelu_context *ctx, const clrelu_device *dev, const clrelu_model *m, size_t rows,
                       const clrelu_device *want, const char *what)
{
    float *x = batch(rows), *y = malloc(rows * 3 * sizeof *y), *ref = malloc(rows * 3 * sizeof *ref);
    if (!x || !y || !ref) {
        CHECK(false, "%s: out of memory for %zu rows", what, rows);
        goto out;
    }
    clrelu_timing t, th;
    memset(&t, 0, sizeof t);
    CHECK_OK(clrelu_model_forward(ctx, dev, m, x, rows, y, NULL, &t));
    CHECK(t.ran_on == want, "%s: %zu rows ran on %s, want %s", what, rows, t.ran_on ? clrelu_device_get_info(t.ran_on)->id : "nothing",
          clrelu_device_get_info(want)->id);
    const clrelu_device *host = host_of(ctx);
    CHECK_OK(clrelu_model_forward(ctx, host, m, x, rows, ref, NULL, &th));
    CHECK(th.ran_on == host, "%s: the host device runs its own batches", what);
    double worst = 0;
    for (size_t i = 0; i < rows * 3; i++) {
        double d = fabs((double)y[i] - (double)ref[i]) / (1.0 + fabs((double)ref[i]));
        worst = d > worst ? d : worst;
    }
    CHECK(worst <= 1e-5, "%s: %zu rows differ from the host's answer by %g", what, rows, worst);
out:
    free(x);
    free(y);
    free(ref);
}

/* A dense call of n x in -> out through the public dense API: which device ran it. */
static const clrelu_device *dense_ran_on(clrelu_context *ctx, const clrelu_device *dev, size_t n, size_t in, size_t out)
{
    float *x = calloc(n * in, sizeof *x), *w = calloc(out * in, sizeof *w), *y = calloc(n * out, sizeof *y);
    clrelu_timing t;
    memset(&t, 0, sizeof t);
    clrelu_dense_args a = {.dtype = CLRELU_F32, .n = n, .in = in, .out = out, .x = x, .w = w, .act = "relu", .y = y,
                           .timing = &t};
    if (x && w && y)
        CHECK_OK(clrelu_dense_forward(ctx, dev, &a));
    free(x);
    free(w);
    free(y);
    return t.ran_on;
}

int main(void)
{
    setenv("CLRELU_AUTO_HOST", "1", 1);
    unsetenv("CLRELU_DENSE_CROSSOVER");
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
    fprintf(stderr, "auto is %s (%s)\n", info->id, info->name);
    const clrelu_device *host = host_of(ctx);
    clrelu_model *m = load_example();
    if (!m)
        return check_summary("test_model_auto");

    /* measured: the example's one row (a mean layer of 72 multiply-adds) is far below any launch */
    uint64_t cross = 0;
    CHECK_OK(clrelu_dense_crossover(ctx, dev, CLRELU_F32, &cross));
    fprintf(stderr, "dense crossover of %s: %llu multiply-adds\n", info->id, (unsigned long long)cross);
    CHECK(cross >= 4096, "dense crossover %llu: a one-row 64 -> 64 layer should not pay a launch", (unsigned long long)cross);
    uint64_t host_cross = 1;
    CHECK_OK(clrelu_dense_crossover(ctx, host, CLRELU_F32, &host_cross));
    CHECK(host_cross == 0, "the host device hands nothing over (%llu)", (unsigned long long)host_cross);
    forward_on(ctx, dev, m, 1, host, "auto, measured, one row");
    /* a batch whose mean layer (216 / 3 multiply-adds a row) reaches the crossover runs on dev */
    size_t rows = (size_t)((cross * 3 + 215) / 216) + 1;
    forward_on(ctx, dev, m, rows, dev, "auto, measured, large batch");
    /* one layer through the public dense API: the same rule with that layer's n * in * out */
    CHECK(dense_ran_on(ctx, dev, 1, 4, 16) == host, "a 1 x 4 -> 16 dense call on auto runs on the host");
    size_t n = (size_t)(cross / (64 * 64)) + 1;
    CHECK(dense_ran_on(ctx, dev, n, 64, 64) == dev, "a %zu x 64 -> 64 dense call on auto runs on %s", n, info->id);
    /* an empty batch runs nowhere; an op reports where it ran too */
    clrelu_timing t;
    memset(&t, 0, sizeof t);
    t.ran_on = dev;
    CHECK_OK(clrelu_model_forward(ctx, dev, m, NULL, 0, NULL, NULL, &t));
    CHECK(t.ran_on == NULL, "an empty batch ran on nothing");
    float v[16] = {-1, 2}, out[16];
    clrelu_op_args op = {.op = "relu", .dtype = CLRELU_F32, .count = 16, .x = v, .y = out, .timing = &t};
    CHECK_OK(clrelu_run(ctx, dev, &op));
    CHECK(t.ran_on == host, "a 16-element relu on auto reports the host");
    clrelu_context_destroy(ctx);

    /* CLRELU_DENSE_CROSSOVER sets it: 1 row (72) stays below 1000, 14 rows (1008) reach it */
    setenv("CLRELU_DENSE_CROSSOVER", "1000", 1);
    ctx = check_context(NULL);
    CHECK_OK(clrelu_device_select(ctx, "auto", &dev));
    host = host_of(ctx);
    CHECK_OK(clrelu_dense_crossover(ctx, dev, CLRELU_F32, &cross));
    CHECK(cross == 1000, "CLRELU_DENSE_CROSSOVER=1000 gives %llu", (unsigned long long)cross);
    forward_on(ctx, dev, m, 1, host, "CLRELU_DENSE_CROSSOVER=1000, one row");
    forward_on(ctx, dev, m, 13, host, "CLRELU_DENSE_CROSSOVER=1000, 13 rows");
    forward_on(ctx, dev, m, 14, dev, "CLRELU_DENSE_CROSSOVER=1000, 14 rows");
    clrelu_context_destroy(ctx);

    /* CLRELU_AUTO_HOST=0: every batch stays on the device asked for */
    setenv("CLRELU_AUTO_HOST", "0", 1);
    ctx = check_context(NULL);
    CHECK_OK(clrelu_device_select(ctx, "auto", &dev));
    CHECK_OK(clrelu_dense_crossover(ctx, dev, CLRELU_F32, &cross));
    CHECK(cross == 0, "CLRELU_AUTO_HOST=0: dense crossover %llu", (unsigned long long)cross);
    forward_on(ctx, dev, m, 1, dev, "CLRELU_AUTO_HOST=0, one row");
    clrelu_context_destroy(ctx);

    clrelu_model_free(m);
    return check_summary("test_model_auto");
}
