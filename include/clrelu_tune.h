/* clrelu_tune.h: per-device tuning of the OpenCL kernels (vector width, work-group size, work per item) and of the host crossover. */
#ifndef CLRELU_TUNE_H_PUBLIC
#define CLRELU_TUNE_H_PUBLIC

#include "clrelu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A kernel configuration. 0 in a field means the library's default for it. */
typedef struct {
    unsigned vector_width;      /* elements per vector load/store: 2, 4, 8 or 16 */
    unsigned work_group_size;
    unsigned vectors_per_item;  /* 0: one work-group per compute unit (CPU) / enough to fill a GPU */
} clrelu_tune_config;

typedef struct {
    clrelu_tune_config best;
    double best_gbps;           /* relu forward+backward bandwidth of the best candidate */
    double default_gbps;        /* the same for the untuned defaults, same run */
    int candidates;             /* configurations measured (and validated) */
} clrelu_tune_result;

/* Measure candidate configurations for dtype on an OpenCL device with relu forward and backward
 * on `count` elements (0: 16M), every result checked against the host backend, and store the
 * fastest in the cache directory (<cache>/<device fingerprint>.tune, written atomically). The
 * device uses it from now on, and every context created later loads it. Fails with
 * CLRELU_ERR_UNSUPPORTED on the host device, CLRELU_ERR_IO when the file cannot be written. */
clrelu_status clrelu_tune_device(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype, size_t count,
                                 clrelu_tune_result *out);
/* Measure the element count below which the host backend is faster than the device and store it
 * with the device's tuning. Calls on the device below it run on the host (CLRELU_AUTO_HOST=0 in
 * the environment disables that). */
clrelu_status clrelu_tune_crossover(clrelu_context *ctx, const clrelu_device *dev, uint64_t *elements);
/* The configuration the device runs dtype with, and whether it came from a tuning file. */
clrelu_status clrelu_tune_active(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                 clrelu_tune_config *cfg, bool *tuned);
/* The device's crossover in elements (0: none), measuring it now if it is not known yet. */
clrelu_status clrelu_tune_get_crossover(clrelu_context *ctx, const clrelu_device *dev, uint64_t *elements);
/* Whether clrelu_run of `count` elements of dtype on dev would run on the host backend (below the
 * device's crossover; never with CLRELU_AUTO_HOST=0, nor in contexts with force_fpga_variant or
 * max_chunk_bytes set, which ask for the device's own kernels). Always true for the host device. */
clrelu_status clrelu_tune_runs_on_host(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype,
                                       size_t count, bool *on_host);
/* Path of the device's tuning file ("" when caching is disabled). */
clrelu_status clrelu_tune_file(const clrelu_context *ctx, const clrelu_device *dev, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
