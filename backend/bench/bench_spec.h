/* bench_spec.h: a sweep's options parsed into lists of devices, ops, dtypes, sizes, directions and placements. */
#ifndef CLRELU_BENCH_SPEC_H
#define CLRELU_BENCH_SPEC_H

#include "core/backend.h"
#include "clrelu_bench.h"

#define BENCH_MAX_DEVICES 64

/* Defaults that apply when an option is NULL/empty/0 (documented in clrelu_bench.h). */
#define BENCH_DEFAULT_OPS "relu"
#define BENCH_DEFAULT_DTYPES "float32"
#define BENCH_DEFAULT_SIZES "64K..4M x4"
#define BENCH_DEFAULT_WARMUP 1
#define BENCH_DEFAULT_MIN_SAMPLES 5
#define BENCH_DEFAULT_MIN_TIME_S 0.05
#define BENCH_DEFAULT_MAX_SAMPLES 1000

typedef struct {
    const clrelu_device *devices[BENCH_MAX_DEVICES];
    int n_devices;
    int ops[OP_COUNT];              /* indices into the op table */
    int n_ops;
    clrelu_dtype dtypes[CLRELU_DTYPE_COUNT];
    int n_dtypes;
    clrelu_bench_size *sizes;
    int n_sizes;
    bool backward[2];               /* directions in order: false = forward, true = backward */
    int n_directions;
    bool in_place[2];
    int n_placements;
    int warmup, min_samples, max_samples;
    double min_time_s, max_seconds;
    uint64_t max_bytes;
    int total;                      /* cases */
} bench_plan;

/* Parse and check every option; on failure CLRELU_ERR_INVALID_ARG / NOT_FOUND with a message
 * naming the bad item, and nothing to free. */
clrelu_status clr_bench_plan_parse(clrelu_context *ctx, const clrelu_bench_options *o, bench_plan *plan);
void clr_bench_plan_free(bench_plan *plan);

/* Elements of one tensor of dtype for a size item (bytes / sizeof(dtype), at least 1). */
size_t clr_bench_size_elements(const clrelu_bench_size *s, clrelu_dtype dtype);

#endif
