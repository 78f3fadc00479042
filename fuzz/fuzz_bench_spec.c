/* fuzz_bench_spec.c: libFuzzer harness for a benchmark request's options (device, op, dtype and
 * size lists, directions, placements, counts) as parsed before a sweep starts. */
#include "fuzz.h"

#include "clrelu_bench.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clrelu_context *ctx = fuzz_host_context();
    if (!ctx)
        abort();
    /* One option per line: devices, ops, dtypes, sizes, directions, placements, then the numbers
     * warmup, min_samples, max_samples (as text). */
    char f[9][512];
    const uint8_t *p = data, *end = data + size;
    for (int i = 0; i < 9; i++)
        fuzz_next_field(&p, end, f[i], sizeof f[i]);
    clrelu_bench_options o = {.devices = f[0], .ops = f[1], .dtypes = f[2], .sizes = f[3],
                              .directions = f[4], .placements = f[5], .warmup = atoi(f[6]),
                              .min_samples = atoi(f[7]), .max_samples = atoi(f[8]), .no_ceilings = true};
    int total = -1;
    if (clrelu_bench_count(ctx, &o, &total) == CLRELU_OK && total < 0)
        abort();
    clrelu_bench_size *sizes = NULL;
    int n = -1;
    if (clrelu_bench_parse_sizes(f[3], &sizes, &n) == CLRELU_OK) {
        if (n < 0 || n > 4096 || (n && !sizes))
            abort();
        volatile uint64_t sink = 0;
        for (int i = 0; i < n; i++)
            sink += sizes[i].value;
        (void)sink;
    }
    free(sizes);
    return 0;
}
