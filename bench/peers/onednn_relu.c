/* onednn_relu.c: median time of oneDNN's eltwise relu (forward inference, f32) on N elements, for bench/peers. */
#include "peer_timing.h"

#include <dnnl.h>

#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                                                \
    do {                                                                                           \
        if ((call) != dnnl_success) {                                                              \
            fprintf(stderr, "onednn_relu: %s failed\n", #call);                                    \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* usage: onednn_relu N REPS INPLACE(0|1); prints the median nanoseconds per primitive execution */
int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    long long n = atoll(argv[1]);
    int reps = atoi(argv[2]), inplace = atoi(argv[3]);
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
    for (long long i = 0; i < n; i++) {
        x[i] = (float)((int)(i % 2001) - 1000) / 100.0f;
        y[i] = 0;
    }
    dnnl_memory_t mx, my;
    CHECK(dnnl_memory_create(&mx, MD, eng, x));
    CHECK(dnnl_memory_create(&my, MD, eng, inplace ? x : y));
    dnnl_primitive_desc_t pd;
#if DNNL_VERSION_MAJOR >= 3
    CHECK(dnnl_eltwise_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, dnnl_eltwise_relu, md, md,
                                                     0.f, 0.f, NULL));
#else
    dnnl_eltwise_desc_t ed;
    CHECK(dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, dnnl_eltwise_relu, &md, 0.f, 0.f));
    CHECK(dnnl_primitive_desc_create(&pd, &ed, NULL, eng, NULL));
#endif
    dnnl_primitive_t prim;
    CHECK(dnnl_primitive_create(&prim, pd));
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}};
    uint64_t *t = calloc((size_t)reps, sizeof *t);
    CHECK(dnnl_primitive_execute(prim, stream, 2, args));
    CHECK(dnnl_stream_wait(stream));
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = now_ns();
        dnnl_primitive_execute(prim, stream, 2, args);
        dnnl_stream_wait(stream);
        t[r] = now_ns() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_u64);
    printf("%llu\n", (unsigned long long)t[reps / 2]);
    return 0;
}
