/* relu_timer.c: bench_relu_timer — median wall time of clrelu_run(relu or another op, float32, forward) on one device, for bench/peers. */
#include "clrelu.h"
#include "peers/peer_timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* usage: bench_relu_timer DEVICE N REPS INPLACE(0|1) [OP]; prints the median nanoseconds per call
 * of OP (default relu) with its default parameters */
int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: bench_relu_timer DEVICE N REPS INPLACE [OP]\n");
        return 2;
    }
    const char *op = argc == 6 ? argv[5] : "relu";
    size_t n = strtoull(argv[2], NULL, 10);
    int reps = atoi(argv[3]), inplace = atoi(argv[4]);
    clrelu_context *ctx;
    const clrelu_device *dev;
    if (reps < 1 || clrelu_context_create(NULL, &ctx) != CLRELU_OK || clrelu_device_select(ctx, argv[1], &dev) != CLRELU_OK) {
        fprintf(stderr, "bench_relu_timer: %s\n", clrelu_last_error());
        return 1;
    }
    float *x = alloc_like_numpy(n * sizeof *x), *y = alloc_like_numpy(n * sizeof *y);
    if (!x || !y)
        return 1;
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((int)(i % 2001) - 1000) / 100.0f;
    memset(y, 0, n * sizeof *y);
    clrelu_op_args a = {.op = op, .dtype = CLRELU_F32, .count = n, .x = x, .y = inplace ? x : y};
    uint64_t *t = calloc((size_t)reps, sizeof *t);
    if (clrelu_run(ctx, dev, &a) != CLRELU_OK) {
        fprintf(stderr, "bench_relu_timer: %s\n", clrelu_last_error());
        return 1;
    }
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = now_ns();
        clrelu_run(ctx, dev, &a);
        t[r] = now_ns() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_u64);
    printf("%llu\n", (unsigned long long)t[reps / 2]);
    free(t);
    free(x);
    free(y);
    clrelu_context_destroy(ctx);
    return 0;
}
