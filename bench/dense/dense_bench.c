/* dense_bench.c: GFLOP/s of a dense layer on an OpenCL device — CLBlast GEMM alone, GEMM + the fused bias/activation pass, GEMM + separate bias and activation passes — measured in one run. */
#include "opencl/ocl_dense.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t n, in, out;
} shape;

typedef struct {
    clrelu_device *dev;
    cl_command_queue q;
    cl_program prog;
    cl_kernel fused, bias, act;
    cl_mem x, w, b, z;
    const struct op_entry *op;
} bench;

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

/* Enqueue one variant (0 gemm, 1 fused, 2 separate) for shape s. */
static clrelu_status enqueue(bench *B, int variant, shape s)
{
    clrelu_status st = clr_ocl_dense_gemm(CLRELU_F32, false, true, s.n, s.out, s.in, B->x, s.in, B->w, s.in, B->z, s.out, B->q);
    if (st != CLRELU_OK || variant == 0)
        return st;
    size_t count = s.n * s.out, global = clr_ocl_dense_global_size(B->dev, count);
    if (variant == 1) {
        if (clEnqueueNDRangeKernel(B->q, B->fused, 1, NULL, &global, NULL, 0, NULL, NULL) != CL_SUCCESS)
            return clrelu_set_error(CLRELU_ERR_DEVICE, "fused launch failed");
        return CLRELU_OK;
    }
    if (clEnqueueNDRangeKernel(B->q, B->bias, 1, NULL, &global, NULL, 0, NULL, NULL) != CL_SUCCESS ||
        clEnqueueNDRangeKernel(B->q, B->act, 1, NULL, &global, NULL, 0, NULL, NULL) != CL_SUCCESS)
        return clrelu_set_error(CLRELU_ERR_DEVICE, "separate-pass launch failed");
    return CLRELU_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median over 5 rounds of the mean time of reps back-to-back runs, in seconds. */
static clrelu_status time_variant(bench *B, int variant, shape s, int reps, double *secs)
{
    clrelu_status st = enqueue(B, variant, s);
    if (st != CLRELU_OK || clFinish(B->q) != CL_SUCCESS)
        return st != CLRELU_OK ? st : clrelu_set_error(CLRELU_ERR_DEVICE, "clFinish failed");
    double rounds[5];
    for (int r = 0; r < 5; r++) {
        uint64_t t0 = clrelu_now_ns();
        for (int i = 0; i < reps; i++)
            if ((st = enqueue(B, variant, s)) != CLRELU_OK)
                return st;
        if (clFinish(B->q) != CL_SUCCESS)
            return clrelu_set_error(CLRELU_ERR_DEVICE, "clFinish failed");
        rounds[r] = (double)(clrelu_now_ns() - t0) / 1e9 / reps;
    }
    qsort(rounds, 5, sizeof rounds[0], cmp_double);
    *secs = rounds[2];
    return CLRELU_OK;
}

static cl_mem filled(cl_context c, size_t count, float scale, unsigned seed)
{
    float *h = malloc(count * sizeof *h);
    if (!h)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1103515245u + 12345u;
        h[i] = scale * ((float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f);
    }
    cl_int err;
    cl_mem m = clCreateBuffer(c, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, count * sizeof *h, h, &err);
    free(h);
    return err == CL_SUCCESS ? m : NULL;
}

static void release(bench *B)
{
    cl_mem mems[] = {B->x, B->w, B->b, B->z};
    for (int i = 0; i < 4; i++)
        if (mems[i])
            clReleaseMemObject(mems[i]);
    if (B->fused)
        clReleaseKernel(B->fused);
    if (B->bias)
        clReleaseKernel(B->bias);
    if (B->act)
        clReleaseKernel(B->act);
    B->x = B->w = B->b = B->z = NULL;
    B->fused = B->bias = B->act = NULL;
}

/* Buffers and kernel arguments for shape s. */
static clrelu_status setup(bench *B, shape s)
{
    clrelu_status st = CLRELU_OK;
    ocl_device *od = B->dev->impl;
    cl_ulong rows = s.n, cols = s.out, count = rows * cols;
    cl_int flags = DENSE_HAS_BIAS, act = (cl_int)B->op->id;
    B->x = filled(od->context, s.n * s.in, 1.0f, 1);
    B->w = filled(od->context, s.out * s.in, 0.05f, 2);
    B->b = filled(od->context, s.out, 0.1f, 3);
    B->z = filled(od->context, s.n * s.out, 0.0f, 4);
    if (!B->x || !B->w || !B->b || !B->z)
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "cannot allocate the buffers");
    OCL_CREATE(B->fused, clCreateKernel(B->prog, "dense_fwd_epilogue", &err_));
    OCL_CREATE(B->bias, clCreateKernel(B->prog, "dense_bias", &err_));
    OCL_CREATE(B->act, clCreateKernel(B->prog, "dense_act", &err_));
    OCL_CHECK(clSetKernelArg(B->fused, 0, sizeof(cl_mem), &B->z));
    OCL_CHECK(clSetKernelArg(B->fused, 1, sizeof(cl_mem), &B->z));
    OCL_CHECK(clSetKernelArg(B->fused, 2, sizeof(cl_mem), &B->b));
    OCL_CHECK(clSetKernelArg(B->fused, 3, sizeof(cl_mem), &B->b));
    OCL_CHECK(clSetKernelArg(B->fused, 4, sizeof rows, &rows));
    OCL_CHECK(clSetKernelArg(B->fused, 5, sizeof cols, &cols));
    OCL_CHECK(clSetKernelArg(B->fused, 6, sizeof flags, &flags));
    OCL_CHECK(clSetKernelArg(B->fused, 7, sizeof act, &act));
    OCL_CHECK(clr_ocl_dense_set_real(B->fused, 8, CLRELU_F32, B->op->desc.params[0].default_value));
    OCL_CHECK(clr_ocl_dense_set_real(B->fused, 9, CLRELU_F32, B->op->desc.params[1].default_value));
    OCL_CHECK(clSetKernelArg(B->bias, 0, sizeof(cl_mem), &B->z));
    OCL_CHECK(clSetKernelArg(B->bias, 1, sizeof(cl_mem), &B->b));
    OCL_CHECK(clSetKernelArg(B->bias, 2, sizeof rows, &rows));
    OCL_CHECK(clSetKernelArg(B->bias, 3, sizeof cols, &cols));
    OCL_CHECK(clSetKernelArg(B->act, 0, sizeof(cl_mem), &B->z));
    OCL_CHECK(clSetKernelArg(B->act, 1, sizeof count, &count));
    OCL_CHECK(clSetKernelArg(B->act, 2, sizeof act, &act));
    OCL_CHECK(clr_ocl_dense_set_real(B->act, 3, CLRELU_F32, B->op->desc.params[0].default_value));
    OCL_CHECK(clr_ocl_dense_set_real(B->act, 4, CLRELU_F32, B->op->desc.params[1].default_value));
out:
    return st;
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
    bench B;
    memset(&B, 0, sizeof B);
    B.dev = (clrelu_device *)dev;
    B.op = clr_op_entry_of(desc);
    int rc = 1;
    clrelu_status st = clr_ocl_dense_program(B.dev, CLRELU_F32, &B.prog);
    if (st == CLRELU_OK)
        st = clr_ocl_queue_acquire(B.dev->impl, &B.q);
    if (st != CLRELU_OK) {
        fprintf(stderr, "bench_dense: %s\n", clrelu_last_error());
        goto out;
    }
    const clrelu_device_info *info = clrelu_device_get_info(dev);
    printf("dense float32 %s on %s (%s), %d reps x 5 rounds, median\n", act, info->id, info->name, reps);
    printf("%6s %6s %6s | %10s %10s %10s | %8s %8s | %8s\n", "N", "IN", "OUT", "gemm", "fused", "separate", "fused%",
           "sep%", "fusion");
    printf("%6s %6s %6s | %10s %10s %10s | %8s %8s | %8s\n", "", "", "", "GFLOP/s", "GFLOP/s", "GFLOP/s", "of gemm",
           "of gemm", "gain");
    for (int i = 0; i < n_shapes; i++) {
        shape s = shapes[i];
        double t[3];
        if ((st = setup(&B, s)) != CLRELU_OK)
            goto out;
        for (int v = 0; v < 3; v++)
            if ((st = time_variant(&B, v, s, reps, &t[v])) != CLRELU_OK)
                goto out;
        release(&B);
        double flop = 2.0 * (double)s.n * (double)s.in * (double)s.out;
        printf("%6zu %6zu %6zu | %10.2f %10.2f %10.2f | %7.1f%% %7.1f%% | %+7.1f%%\n", s.n, s.in, s.out, flop / t[0] / 1e9,
               flop / t[1] / 1e9, flop / t[2] / 1e9, 100.0 * t[0] / t[1], 100.0 * t[0] / t[2], 100.0 * (t[2] / t[1] - 1.0));
        fflush(stdout);
    }
    rc = 0;
out:
    if (st != CLRELU_OK)
        fprintf(stderr, "bench_dense: %s\n", clrelu_last_error());
    release(&B);
    if (B.q)
        clr_ocl_queue_release(B.dev->impl, B.q, false);
    if (B.prog)
        clReleaseProgram(B.prog);
    clrelu_context_destroy(ctx);
    return rc;
}
