/* dense_bench.c: GFLOP/s of a dense layer on an OpenCL device — CLBlast GEMM alone, GEMM + the fused bias/activation pass, GEMM + separate bias and activation passes — measured in one run. */
#include "clrelu_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t n, in, out;
} shape;

static void usage(FILE *f)
{
    fprintf(f, "Usage: bench_dense [--device SEL] [--act OP] [--reps R] [--shape N,IN,OUT]...\n\n"
               "For each shape, times (wall clock, after a warm-up, R repetitions, median of 5 rounds):\n"
               "  gemm      CLBlast GEMM alone: z = x W^T\n"
               "  fused     GEMM + one fused bias + activation pass (what clrelu_dense_forward runs)\n"
               "  separate  GEMM + a bias pass + an activation pass\n"
               "and prints GFLOP/s (2*N*IN*OUT flops), each variant as %% of GEMM alone, and the fusion gain\n"
               "(separate time / fused time - 1). Default device: the first OpenCL device; default act relu.\n");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median over 5 rounds of the mean time of reps back-to-back runs (after one warm-up run), in seconds. */
static clrelu_status time_variant(clrelu_context *ctx, const clrelu_device *dev, clrelu_bench_dense_variant variant,
                                  const char *act, shape s, int reps, double *secs)
{
    double rounds[5];
    clrelu_status st = clrelu_bench_dense_measure(ctx, dev, variant, act, s.n, s.in, s.out, reps, 1, 5, rounds);
    if (st != CLRELU_OK)
        return st;
    qsort(rounds, 5, sizeof rounds[0], cmp_double);
    *secs = rounds[2] / 1e9;
    return CLRELU_OK;
}

int main(int argc, char **argv)
{
    const char *sel = NULL, *act = "relu";
    int reps = 10;
    shape shapes[16];
    int n_shapes = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            sel = argv[++i];
        } else if (!strcmp(argv[i], "--act") && i + 1 < argc) {
            act = argv[++i];
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--shape") && i + 1 < argc && n_shapes < 16) {
            shape s;
            if (sscanf(argv[++i], "%zu,%zu,%zu", &s.n, &s.in, &s.out) != 3 || !s.n || !s.in || !s.out) {
                fprintf(stderr, "bench_dense: --shape wants N,IN,OUT (all >= 1)\n");
                return 2;
            }
            shapes[n_shapes++] = s;
        } else {
            usage(strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? stderr : stdout);
            return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? 2 : 0;
        }
    }
    if (reps < 1) {
        fprintf(stderr, "bench_dense: --reps must be >= 1\n");
        return 2;
    }
    static const shape defaults[] = {{64, 256, 256}, {256, 512, 512}, {1024, 1024, 1024}, {4096, 512, 256}, {1, 4096, 4096}};
    if (!n_shapes) {
        n_shapes = (int)(sizeof defaults / sizeof defaults[0]);
        memcpy(shapes, defaults, sizeof defaults);
    }
    const clrelu_op_desc *desc = clrelu_op_find(act);
    if (!desc || desc->per_channel) {
        fprintf(stderr, "bench_dense: --act must name an op without per-channel weights, not '%s'\n", act);
        return 2;
    }
    clrelu_context *ctx = NULL;
    if (clrelu_context_create(NULL, &ctx) != CLRELU_OK) {
        fprintf(stderr, "bench_dense: %s\n", clrelu_last_error());
        return 1;
    }
    const clrelu_device *dev = NULL;
    if (sel) {
        if (clrelu_device_select(ctx, sel, &dev) != CLRELU_OK)
            dev = NULL;
    } else {
        for (int i = 0; i < clrelu_device_count(ctx) && !dev; i++)
            if (!strcmp(clrelu_device_get_info(clrelu_device_at(ctx, i))->backend, "opencl"))
                dev = clrelu_device_at(ctx, i);
    }
    if (!dev || strcmp(clrelu_device_get_info(dev)->backend, "opencl") != 0) {
        fprintf(stderr, "bench_dense: no OpenCL device%s%s\n", sel ? " matches " : "", sel ? sel : "");
        clrelu_context_destroy(ctx);
        return 1;
    }
    int rc = 1;
    clrelu_status st = CLRELU_OK;
    const clrelu_device_info *info = clrelu_device_get_info(dev);
    printf("dense float32 %s on %s (%s), %d reps x 5 rounds, median\n", act, info->id, info->name, reps);
    printf("%6s %6s %6s | %10s %10s %10s | %8s %8s | %8s\n", "N", "IN", "OUT", "gemm", "fused", "separate", "fused%",
           "sep%", "fusion");
    printf("%6s %6s %6s | %10s %10s %10s | %8s %8s | %8s\n", "", "", "", "GFLOP/s", "GFLOP/s", "GFLOP/s", "of gemm",
           "of gemm", "gain");
    for (int i = 0; i < n_shapes; i++) {
        shape s = shapes[i];
        double t[3];
        for (int v = 0; v < 3; v++)
            if ((st = time_variant(ctx, dev, (clrelu_bench_dense_variant)v, act, s, reps, &t[v])) != CLRELU_OK)
                goto out;
        double flop = 2.0 * (double)s.n * (double)s.in * (double)s.out;
        printf("%6zu %6zu %6zu | %10.2f %10.2f %10.2f | %7.1f%% %7.1f%% | %+7.1f%%\n", s.n, s.in, s.out, flop / t[0] / 1e9,
               flop / t[1] / 1e9, flop / t[2] / 1e9, 100.0 * t[0] / t[1], 100.0 * t[0] / t[2], 100.0 * (t[2] / t[1] - 1.0));
        fflush(stdout);
    }
    rc = 0;
out:
    if (st != CLRELU_OK)
        fprintf(stderr, "bench_dense: %s\n", clrelu_last_error());
    clrelu_context_destroy(ctx);
    return rc;
}
