/* test_opencl_chunking.c: tensors split into many chunks (tiny max_chunk_bytes) give the host device's results, on every OpenCL device. */
#include "test_opencl_compare.h"

#define CHUNK_BYTES 4096

/* Elements per chunk as the backend picks them: CHUNK_BYTES / size, a multiple of 64 when >= 128. */
static size_t chunk_elements(clrelu_dtype t)
{
    size_t n = CHUNK_BYTES / clrelu_dtype_size(t);
    return n >= 128 ? n - n % 64 : n;
}

/* Every op, dtype and direction on dev, split into chunks, against the host device. */
static void chunked_on(clrelu_context *ctx, const clrelu_device *dev)
{
    const clrelu_device_info *info = clrelu_device_get_info(dev);
    printf("test_opencl_chunking: %s (%s)\n", info->id, info->name);

    /* prelu shapes: channels with inner 1, inner larger and smaller than a chunk, rank 1 */
    static const size_t s1[] = {5000}, s2[] = {700, 3}, s3[] = {4, 7, 33, 9}, s4[] = {2, 3, 2500}, s5[] = {3, 1200};
    static const struct { const size_t *shape; int rank; } shapes[] = {{s1, 1}, {s2, 2}, {s3, 4}, {s4, 3}, {s5, 2}};

    for (int d = 0; d < CLRELU_DTYPE_COUNT; d++) {
        clrelu_dtype t = (clrelu_dtype)d;
        if (!info->dtype_supported[t])
            continue;
        size_t per = chunk_elements(t);
        for (int k = 0; k < clrelu_op_count(); k++) {
            const clrelu_op_desc *op = clrelu_op_get(k);
            for (int bwd = 0; bwd < 2; bwd++) {
                size_t n = 3 * per + 17; /* three whole chunks and a ragged one */
                clrelu_timing tm;
                cmp_with_host(ctx, dev, op->name, t, NULL, 0, n, bwd, CMP_OUT_OF_PLACE, 11, "chunked", &tm);
                CHECK(tm.chunks == 4, "%s %s: %zu elements in %zu-element chunks took %u chunks, want 4", op->name,
                      clrelu_dtype_name(t), n, per, tm.chunks);
                cmp_with_host(ctx, dev, op->name, t, NULL, 0, n, bwd, bwd ? CMP_IN_PLACE_G : CMP_IN_PLACE_X, 12,
                              "chunked in place", NULL);
                cmp_with_host(ctx, dev, op->name, t, NULL, 0, per, bwd, CMP_OUT_OF_PLACE, 13, "one full chunk", &tm);
                CHECK(tm.chunks == 1, "%s: exactly one chunk's elements took %u chunks", op->name, tm.chunks);
                if (!op->per_channel)
                    continue;
                for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
                    size_t count = 1;
                    for (int r = 0; r < shapes[i].rank; r++)
                        count *= shapes[i].shape[r];
                    cmp_with_host(ctx, dev, op->name, t, shapes[i].shape, shapes[i].rank, count, bwd,
                                  CMP_OUT_OF_PLACE, 20 + i, "prelu chunked", &tm);
                    CHECK(tm.chunks == (count + per - 1) / per, "prelu %s: %zu elements took %u chunks",
                          clrelu_dtype_name(t), count, tm.chunks);
                    if (bwd)
                        cmp_with_host(ctx, dev, op->name, t, shapes[i].shape, shapes[i].rank, count, bwd,
                                      CMP_IN_PLACE_X, 30 + i, "prelu chunked, dx over x", NULL);
                }
            }
        }
    }
}

int main(void)
{
    clrelu_context_options o = {.max_chunk_bytes = CHUNK_BYTES};
    clrelu_context *ctx = check_context(&o);
    int tested = 0;
    for (int i = 0; i < clrelu_device_count(ctx); i++) {
        const clrelu_device *dev = clrelu_device_at(ctx, i);
        if (strcmp(clrelu_device_get_info(dev)->backend, "opencl") == 0) {
            chunked_on(ctx, dev);
            tested++;
        }
    }
    clrelu_context_destroy(ctx);
    if (!tested) {
        fprintf(stderr, "no OpenCL device (is PoCL installed?)\n");
        return getenv("CLRELU_NO_OPENCL") ? 77 : 1;
    }
    return check_summary("test_opencl_chunking");
}
