/* onednn_incache.c: each smooth op's compute cost in cache — clrelu's host loops against oneDNN's matching eltwise algorithm, call by call in one process. */
#include "clrelu.h"
#include "peer_timing.h"

#include <dnnl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same pairs as onednn_eltwise.c (selu: oneDNN's elu with selu's alpha, no final scale). */
static const struct {
    const char *op;
    dnnl_alg_kind_t alg;
    float alpha, beta;
} algs[] = {
    {"gelu", dnnl_eltwise_gelu_erf, 0.f, 0.f},   {"gelu_tanh", dnnl_eltwise_gelu_tanh, 0.f, 0.f},
    {"silu", dnnl_eltwise_swish, 1.f, 0.f},      {"elu", dnnl_eltwise_elu, 1.f, 0.f},
    {"selu", dnnl_eltwise_elu, 1.6732632423543772f, 0.f},
    {"softplus", dnnl_eltwise_soft_relu, 0.f, 0.f}, {"sigmoid", dnnl_eltwise_logistic, 0.f, 0.f},
    {"tanh", dnnl_eltwise_tanh, 0.f, 0.f},       {"relu", dnnl_eltwise_relu, 0.f, 0.f},
};

#define CHECK(call)                                                                                \
    do {                                                                                           \
        if ((call) != dnnl_success) {                                                              \
            fprintf(stderr, "onednn_incache: %s failed\n", #call);                                 \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* One op: `rounds` x `reps` pairs of calls (oneDNN, then clrelu's host) on the same buffers;
 * prints the fastest and the median nanoseconds per element of each and oneDNN / clrelu. */
static int measure(int a, clrelu_context *ctx, const clrelu_device *host, dnnl_engine_t eng, dnnl_stream_t stream,
                   float *x, float *y, long long n, int reps)
{
    dnnl_dims_t dims = {n};
#if DNNL_VERSION_MAJOR >= 3
    dnnl_memory_desc_t md;
    CHECK(dnnl_memory_desc_create_with_tag(&md, 1, dims, dnnl_f32, dnnl_a));
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_eltwise_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, algs[a].alg, md, md,
                                                     algs[a].alpha, algs[a].beta, NULL));
    dnnl_memory_t mx, my;
    CHECK(dnnl_memory_create(&mx, md, eng, x));
    CHECK(dnnl_memory_create(&my, md, eng, y));
#else
    dnnl_memory_desc_t md;
    CHECK(dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a));
    dnnl_eltwise_desc_t ed;
    CHECK(dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, algs[a].alg, &md, algs[a].alpha,
                                         algs[a].beta));
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_primitive_desc_create(&pd, &ed, NULL, eng, NULL));
    dnnl_memory_t mx, my;
    CHECK(dnnl_memory_create(&mx, &md, eng, x));
    CHECK(dnnl_memory_create(&my, &md, eng, y));
#endif
    dnnl_primitive_t prim;
    CHECK(dnnl_primitive_create(&prim, pd));
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}};
    clrelu_op_args ca;
    memset(&ca, 0, sizeof ca);
    ca.op = algs[a].op;
    ca.dtype = CLRELU_F32;
    ca.count = (size_t)n;
    ca.x = x;
    ca.y = y;
    uint64_t *td = calloc((size_t)reps, sizeof *td), *tc = calloc((size_t)reps, sizeof *tc);
    if (!td || !tc)
        return 1;
    for (int r = -1; r < reps; r++) { /* r = -1: one untimed pair */
        uint64_t t0 = now_ns();
        CHECK(dnnl_primitive_execute(prim, stream, 2, args));
        CHECK(dnnl_stream_wait(stream));
        uint64_t t1 = now_ns();
        if (clrelu_run(ctx, host, &ca) != CLRELU_OK) {
            fprintf(stderr, "onednn_incache: %s: %s\n", algs[a].op, clrelu_last_error());
            return 1;
        }
        uint64_t t2 = now_ns();
        if (r >= 0)
            td[r] = t1 - t0, tc[r] = t2 - t1;
    }
    qsort(td, (size_t)reps, sizeof *td, cmp_u64);
    qsort(tc, (size_t)reps, sizeof *tc, cmp_u64);
    double nd = (double)n;
    printf("%-10s %10.3f %10.3f %10.3f %10.3f %9.2f %9.2f\n", algs[a].op, (double)td[0] / nd,
           (double)td[reps / 2] / nd, (double)tc[0] / nd, (double)tc[reps / 2] / nd, (double)td[0] / (double)tc[0],
           (double)td[reps / 2] / (double)tc[reps / 2]);
    free(td);
    free(tc);
    dnnl_primitive_destroy(prim);
    dnnl_primitive_desc_destroy(pd);
    dnnl_memory_destroy(mx);
    dnnl_memory_destroy(my);
    return 0;
}

/* usage: bench_onednn_incache [N [REPS [OP...]]] (default 65536 elements, 500 pairs, every op).
 * Meant for one thread: OMP_NUM_THREADS=1, and N below the host's pool threshold (128K), so both
 * run on the calling thread with x and y in L2 — the compute cost per element, which decides
 * the ratio wherever both are compute-bound (BENCHMARKS.md section 15). */
int main(int argc, char **argv)
{
    long long n = argc > 1 ? atoll(argv[1]) : 65536;
    int reps = argc > 2 ? atoi(argv[2]) : 500;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: bench_onednn_incache [N [REPS [OP...]]]\n");
        return 2;
    }
    float *x = alloc_like_numpy((size_t)n * 4), *y = alloc_like_numpy((size_t)n * 4);
    if (!x || !y)
        return 1;
    for (long long i = 0; i < n; i++) { /* onednn_eltwise.c's input: -10 .. 10 in steps of 0.01 */
        x[i] = (float)((int)(i % 2001) - 1000) / 100.0f;
        y[i] = 0;
    }
    clrelu_context *ctx;
    const clrelu_device *host;
    if (clrelu_context_create(NULL, &ctx) != CLRELU_OK || clrelu_device_select(ctx, "host", &host) != CLRELU_OK) {
        fprintf(stderr, "onednn_incache: %s\n", clrelu_last_error());
        return 1;
    }
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags));
    printf("# %lld float32 elements, forward, out of place, %d interleaved pairs; ns per element\n", n, reps);
    printf("%-10s %10s %10s %10s %10s %9s %9s\n", "op", "dnn_min", "dnn_med", "clr_min", "clr_med", "dnn/clr", "med");
    for (int a = 0; a < (int)(sizeof algs / sizeof algs[0]); a++) {
        bool wanted = argc <= 3;
        for (int i = 3; i < argc; i++)
            wanted |= strcmp(argv[i], algs[a].op) == 0;
        if (wanted && measure(a, ctx, host, eng, stream, x, y, n, reps))
            return 1;
    }
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(eng);
    clrelu_context_destroy(ctx);
    free(x);
    free(y);
    return 0;
}
