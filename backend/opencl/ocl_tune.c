/* ocl_tune.c: the OpenCL backend's tuning hooks — measure candidate kernel configurations, keep the fastest, store it. */
#include "opencl/ocl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TUNE_REPS 3

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Buffers for one tuning run: input, gradient, output, and the reference answers (relu is bit-exact). */
typedef struct {
    size_t n, bytes;
    void *x, *g, *y, *ref_fwd, *ref_bwd;
} tune_data;

static void data_free(tune_data *d)
{
    free(d->x);
    free(d->g);
    free(d->y);
    free(d->ref_fwd);
    free(d->ref_bwd);
}

static clrelu_status data_make(clrelu_dtype t, size_t n, tune_data *d)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->bytes = n * clrelu_dtype_size(t);
    float *tmp = malloc(n * sizeof *tmp);
    d->x = malloc(d->bytes);
    d->g = malloc(d->bytes);
    d->y = malloc(d->bytes);
    d->ref_fwd = malloc(d->bytes);
    d->ref_bwd = malloc(d->bytes);
    if (!tmp || !d->x || !d->g || !d->y || !d->ref_fwd || !d->ref_bwd) {
        free(tmp);
        data_free(d);
        return clrelu_set_error(CLRELU_ERR_OUT_OF_MEMORY, "tune: out of memory for %zu elements", n);
    }
    for (size_t i = 0; i < n; i++)
        tmp[i] = (float)((int)((i * 2654435761u) % 2001u) - 1000) / 128.0f;
    clrelu_convert(tmp, CLRELU_F32, d->x, t, n);
    for (size_t i = 0; i < n; i++)
        tmp[i] = (float)((int)(i % 13) - 6) * 0.25f;
    clrelu_convert(tmp, CLRELU_F32, d->g, t, n);
    free(tmp);
    clrelu_timing tm;
    op_call c;
    memset(&c, 0, sizeof c);
    c.op = &clrelu_ops[OP_RELU];
    c.dtype = t;
    c.count = n;
    c.x = d->x;
    c.timing = &tm;
    c.y = d->ref_fwd;
    clrelu_status st = clr_reference_call(&c);
    c.grad_output = d->g;
    c.y = d->ref_bwd;
    if (st == CLRELU_OK)
        st = clr_reference_call(&c);
    if (st != CLRELU_OK)
        data_free(d);
    return st;
}

/* Median device time of relu forward + backward with cfg; *valid is false when a result differs
 * from the reference. */
static clrelu_status measure(clrelu_device *dev, clrelu_dtype t, const tune_cfg *cfg, tune_data *d,
                             uint64_t *ns, bool *valid)
{
    cl_program prog = NULL;
    clrelu_status st = clr_ocl_program_get_vw(dev, t, cfg->vw, &prog, NULL);
    if (st != CLRELU_OK)
        return st;
    uint64_t samples[TUNE_REPS];
    *valid = true;
    for (int r = -1; r < TUNE_REPS && st == CLRELU_OK; r++) { /* r = -1: warm-up */
        uint64_t total = 0;
        for (int dir = 0; dir < 2 && st == CLRELU_OK; dir++) {
            clrelu_timing tm;
            memset(&tm, 0, sizeof tm);
            op_call c;
            memset(&c, 0, sizeof c);
            c.op = &clrelu_ops[OP_RELU];
            c.dtype = t;
            c.count = d->n;
            c.x = d->x;
            c.y = d->y;
            c.grad_output = dir ? d->g : NULL;
            c.timing = &tm;
            st = clr_ocl_run_cfg(dev, &c, cfg, prog);
            total += tm.kernel_ns;
            if (st == CLRELU_OK && memcmp(d->y, dir ? d->ref_bwd : d->ref_fwd, d->bytes) != 0)
                *valid = false;
        }
        if (r >= 0)
            samples[r] = total;
    }
    clReleaseProgram(prog);
    qsort(samples, TUNE_REPS, sizeof samples[0], cmp_u64);
    *ns = samples[TUNE_REPS / 2];
    return st;
}

/* Write the device's record (after a change) to its tuning file and install it. */
static clrelu_status save(clrelu_device *dev, const tune_record *rec)
{
    clr_ocl_tune_set(dev, rec);
    if (!dev->ctx->cache_dir[0])
        return CLRELU_OK;
    char fp[33];
    clr_tune_fingerprint(&dev->info, fp);
    return clr_tune_store(dev->ctx->cache_dir, fp, rec);
}

/* Candidates: vector widths around the device's preference, work-groups of 16..256, and either
 * the default spread or a fixed number of vectors per work-item. The default config (all 0) is
 * measured first, so the stored one is never slower than the defaults in this run. */
clrelu_status clr_ocl_tune_kernels(clrelu_device *dev, clrelu_dtype dtype, size_t count, clrelu_tune_result *out)
{
    clrelu_status st = CLRELU_OK;
    clrelu_context *ctx = dev->ctx;
    ocl_device *od = dev->impl;
    if ((unsigned)dtype >= CLRELU_DTYPE_COUNT || !dev->info.dtype_supported[dtype])
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "tune: dtype not supported on %s", dev->info.id);
    if (od->fpga)
        return clrelu_set_error(CLRELU_ERR_UNSUPPORTED, "tune: the single work-item (FPGA) kernels have no launch "
                                                        "parameters to tune");
    if (!out)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "tune: out is NULL");
    memset(out, 0, sizeof *out);
    tune_data d;
    if ((st = data_make(dtype, count ? count : (size_t)16 << 20, &d)) != CLRELU_OK)
        return st;
    static const unsigned vws[] = {2, 4, 8, 16}, wgs[] = {16, 64, 256}, epts[] = {0, 256, 4096};
    tune_cfg def = {0, 0, 0}, best = def;
    def.vw = clr_ocl_active_cfg(dev, dtype).vw;
    uint64_t best_ns = UINT64_MAX, ns = 0;
    bool valid = false;
    if ((st = measure(dev, dtype, &def, &d, &ns, &valid)) != CLRELU_OK)
        goto out;
    if (valid) {
        best = def;
        best_ns = ns;
        out->default_gbps = 5.0 * (double)d.bytes / (double)ns; /* fwd 2N + bwd 3N elements */
        out->candidates++;
    }
    for (size_t a = 0; a < sizeof vws / sizeof vws[0]; a++) {
        if ((dtype == CLRELU_F64 && vws[a] > 8) || (dtype != CLRELU_F64 && vws[a] < 4))
            continue;
        for (size_t b = 0; b < sizeof wgs / sizeof wgs[0]; b++) {
            if (wgs[b] > dev->info.max_work_group_size)
                continue;
            for (size_t e = 0; e < sizeof epts / sizeof epts[0]; e++) {
                tune_cfg c = {vws[a], wgs[b], epts[e]};
                if ((st = measure(dev, dtype, &c, &d, &ns, &valid)) != CLRELU_OK)
                    goto out;
                if (!valid) {
                    clrelu_log(ctx, CLRELU_LOG_WARN, "tune: %s vw=%u wg=%u ept=%u gave wrong results; skipped",
                               dev->info.id, c.vw, c.wg, c.ept);
                    continue;
                }
                out->candidates++;
                if (ns < best_ns) {
                    best_ns = ns;
                    best = c;
                }
            }
        }
    }
    if (best_ns == UINT64_MAX) {
        st = clrelu_set_error(CLRELU_ERR_DEVICE, "tune: no configuration gave correct results on %s", dev->info.id);
        goto out;
    }
    out->best = (clrelu_tune_config){best.vw, best.wg, best.ept};
    out->best_gbps = 5.0 * (double)d.bytes / (double)best_ns;
    tune_record rec;
    clr_ocl_tune_get(dev, &rec);
    rec.have[dtype] = true;
    rec.cfg[dtype] = best;
    st = save(dev, &rec);
out:
    data_free(&d);
    return st;
}

/* Every op class in every dtype the device supports, measured now (even where known) and stored
 * together. */
clrelu_status clr_ocl_tune_crossover(clrelu_device *dev, uint64_t *elements)
{
    tune_record rec;
    clr_ocl_tune_get(dev, &rec);
    for (int c = 0; c < CLRELU_OP_CLASS_COUNT; c++)
        for (int t = 0; t < CLRELU_DTYPE_COUNT; t++) {
            if (!dev->info.dtype_supported[t])
                continue;
            uint64_t measured = 0;
            clrelu_status st = clr_offload_measure(dev, (clrelu_op_class)c, (clrelu_dtype)t, NULL, &measured);
            if (st != CLRELU_OK)
                return st;
            rec.cross[c][t] = measured;
            rec.have_cross[c][t] = true;
        }
    *elements = rec.cross[CLRELU_OP_CLASS_PIECEWISE][CLRELU_F32];
    return save(dev, &rec);
}

clrelu_status clr_ocl_tune_active(clrelu_device *dev, clrelu_dtype dtype, clrelu_tune_config *cfg, bool *tuned)
{
    tune_record rec;
    clr_ocl_tune_get(dev, &rec);
    tune_cfg c = clr_ocl_active_cfg(dev, dtype);
    *cfg = (clrelu_tune_config){c.vw, c.wg, c.ept};
    if (tuned)
        *tuned = rec.have[dtype] && !((ocl_device *)dev->impl)->fpga;
    return CLRELU_OK;
}

clrelu_status clr_ocl_tune_get_crossover(clrelu_device *dev, clrelu_op_class cls, clrelu_dtype dtype,
                                        uint64_t *elements)
{
    return clr_ocl_crossover(dev, cls, dtype, NULL, elements);
}
