/* onednn_eltwise.c: median time of one oneDNN eltwise algorithm (forward inference, f32) on N elements, for bench/peers. */
#include "peer_timing.h"

#include <dnnl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clrelu's op -> oneDNN's algorithm and alpha/beta (PyTorch's defaults). selu has no oneDNN
 * algorithm: elu with selu's alpha stands in (the same work but selu's final scale). */
static const struct {
    const char *op;
    dnnl_alg_kind_t alg;
    float alpha, beta;
} algs[] = {
    {"relu", dnnl_eltwise_relu, 0.f, 0.f},
    {"gelu", dnnl_eltwise_gelu_erf, 0.f, 0.f},
    {"gelu_tanh", dnnl_eltwise_gelu_tanh, 0.f, 0.f},
    {"silu", dnnl_eltwise_swish, 1.f, 0.f},
    {"elu", dnnl_eltwise_elu, 1.f, 0.f},
    {"selu", dnnl_eltwise_elu, 1.6732632423543772f, 0.f},
    {"sigmoid", dnnl_eltwise_logistic, 0.f, 0.f},
    {"tanh", dnnl_eltwise_tanh, 0.f, 0.f},
    {"softplus", dnnl_eltwise_soft_relu, 0.f, 0.f}, /* 2.x: log(1 + exp(x)), i.e. beta 1 */
};

#define CHECK(call)                                                                                \
    do {                                                                                           \
        if ((call) != dnnl_success) {                                                              \
            fprintf(stderr, "onednn_eltwise: %s failed\n", #call);                                 \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* usage: onednn_eltwise OP N REPS INPLACE(0|1), OP a clrelu op name (relu, gelu, gelu_tanh, silu,
 * elu, selu, sigmoid, tanh, softplus); prints the median nanoseconds per primitive execution */
int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    int a = -1;
    for (int i = 0; i < (int)(sizeof algs / sizeof algs[0]); i++)
        if (strcmp(argv[1], algs[i].op) == 0)
            a = i;
    if (a < 0) {
        fprintf(stderr, "onednn_eltwise: no oneDNN algorithm for %s\n", argv[1]);
        return 2;
    }
    long long n = atoll(argv[2]);
    int reps = atoi(argv[3]), inplace = atoi(argv[4]);
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags));
    dnnl_dims_t dims = {n};
#if DNNL_VERSION_MAJOR >= 3
    dnnl_memory_desc_t md;
    CHECK(dnnl_memory_desc_create_with_tag(&md, 1, dims, dnnl_f32, dnnl_a));
#define MD md
#else /* oneDNN 2.x (Debian bookworm): descriptors by value, op descriptors */
    dnnl_memory_desc_t md;
    CHECK(dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a));
#define MD &md
#endif
    float *x = alloc_like_numpy((size_t)n * 4), *y = alloc_like_numpy((size_t)n * 4);
    if (!x || !y)
        return 1;
    float *x0 = inplace ? malloc((size_t)n * 4) : NULL;
    if (inplace && !x0)
        return 1;
    for (long long i = 0; i < n; i++) {
        x[i] = (float)((int)(i % 2001) - 1000) / 100.0f;
        y[i] = 0;
        if (x0)
            x0[i] = x[i];
    }
    dnnl_memory_t mx, my;
    CHECK(dnnl_memory_create(&mx, MD, eng, x));
    CHECK(dnnl_memory_create(&my, MD, eng, inplace ? x : y));
    dnnl_primitive_desc_t pd;
#if DNNL_VERSION_MAJOR >= 3
    CHECK(dnnl_eltwise_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, algs[a].alg, md, md,
                                                     algs[a].alpha, algs[a].beta, NULL));
#else
    dnnl_eltwise_desc_t ed;
    CHECK(dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, algs[a].alg, &md, algs[a].alpha,
                                         algs[a].beta));
    CHECK(dnnl_primitive_desc_create(&pd, &ed, NULL, eng, NULL));
#endif
    dnnl_primitive_t prim;
    CHECK(dnnl_primitive_create(&prim, pd));
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}};
    uint64_t *t = calloc((size_t)reps, sizeof *t);
    CHECK(dnnl_primitive_execute(prim, stream, 2, args));
    CHECK(dnnl_stream_wait(stream));
    for (int r = 0; r < reps; r++) {
        if (inplace) /* the same input every time, as clrelu's bench engine does (untimed) */
            memcpy(x, x0, (size_t)n * 4);
        uint64_t t0 = now_ns();
        dnnl_primitive_execute(prim, stream, 2, args);
        dnnl_stream_wait(stream);
        t[r] = now_ns() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_u64);
    printf("%llu\n", (unsigned long long)t[reps / 2]);
    return 0;
}
