/* clrelu_dense.h: public API for dense layers y = act(x W^T + b), small MLP models and per-layer sparsity analysis. */
#ifndef CLRELU_DENSE_H
#define CLRELU_DENSE_H

#include "clrelu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- dense layer ------------------------------------------------------------------------ */
/* One dense layer on a batch: x [n, in], W [out, in], b [out] (optional), all row-major in
 * `dtype`. Forward: z = x W^T + b, y = act(z). Backward (clrelu_dense_backward): given grad_y
 * = dL/dy [n, out], recompute z and write dz = act'(z) * grad_y, then
 *   grad_x = dz W [n, in], grad_w = dz^T x [out, in], grad_b = column sums of dz [out]
 * (each optional).
 * - act: an op name of the family ("relu", "leaky_relu", ...) or NULL / "none" (identity).
 *   params: NULL for the op's defaults, else its n_params values in table order.
 * - prelu: act_weight holds one slope a[j] per output unit [out], forward and backward. As in
 *   PyTorch, backward uses dz = (z > 0 ? dy : a[j] * dy) (so a[j] * dy at z == 0 and for NaN z)
 *   and, when grad_act_weight is non-NULL, also writes the slopes' gradient
 *     grad_act_weight[j] = sum over the batch of (z > 0 ? 0 : z * dy)   [out]
 *   (a NaN z makes its unit's sum NaN, as in PyTorch). grad_act_weight must be NULL for every
 *   other activation (CLRELU_ERR_INVALID_ARG).
 * - dtypes: float32 everywhere; float64 where the device has fp64; float16 where it has
 *   cl_khr_fp16 (CLBlast's Hgemm needs it); the host device also takes bfloat16.
 * - n may be 0 (empty batch: nothing is computed; backward sets grad_w, grad_b and
 *   grad_act_weight to 0); in and out must be at least 1.
 * - Forward may also write the pre-activation z to `pre` [n, out] (optional, for analysis).
 * - OpenCL devices run a CLBlast GEMM followed by ONE fused bias + activation pass (backward:
 *   prelu's grad_act_weight is one extra column-reduction kernel, like grad_b); the host device
 *   a plain C reference (double accumulation, rounded once to the compute type). On OpenCL the
 *   column sums (grad_b, grad_act_weight) accumulate in double where the device has fp64, else
 *   in float.
 * - Fields are only ever appended (grad_act_weight came last), so older initialisers stay valid. */
typedef struct {
    clrelu_dtype dtype;
    size_t n, in, out;
    const void *x;              /* [n, in] */
    const void *w;              /* [out, in] */
    const void *b;              /* [out] or NULL */
    const char *act;            /* op name, or NULL / "none" */
    const double *params;       /* NULL: defaults */
    const void *act_weight;     /* prelu slopes [out] */
    /* forward */
    void *y;                    /* [n, out] */
    void *pre;                  /* optional [n, out] */
    /* backward */
    const void *grad_y;         /* [n, out] */
    void *grad_x;               /* optional [n, in] */
    void *grad_w;               /* optional [out, in] */
    void *grad_b;               /* optional [out] */
    clrelu_timing *timing;      /* optional out: kernel_ns covers GEMM(s) and epilogue kernels */
    void *grad_act_weight;      /* backward, prelu only: optional [out] dL/dslope */
} clrelu_dense_args;

clrelu_status clrelu_dense_forward(clrelu_context *ctx, const clrelu_device *dev, const clrelu_dense_args *args);
clrelu_status clrelu_dense_backward(clrelu_context *ctx, const clrelu_device *dev, const clrelu_dense_args *args);

/* ---- analysis ----------------------------------------------------------------------------- */
#define CLRELU_HIST_BINS 16

/* Statistics of one layer over a batch. A unit is active for a sample when its output is not
 * exactly 0 (NaN counts as active); dead when it is 0 for every sample of a non-empty batch.
 * The histogram splits [pre_min, pre_max] into CLRELU_HIST_BINS equal bins (the last bin
 * includes pre_max; all values land in bin 0 when min == max); NaN pre-activations are counted
 * in nan_count only and excluded from min/max/mean. */
typedef struct {
    size_t samples, units;
    double zero_fraction;       /* fraction of the samples*units outputs that are exactly 0 */
    double *active_rate;        /* [units]: fraction of samples where the unit is active */
    size_t n_dead;
    size_t *dead;               /* [n_dead]: indices of dead units, ascending */
    double pre_min, pre_max, pre_mean;
    size_t nan_count;
    uint64_t hist[CLRELU_HIST_BINS];
} clrelu_layer_stats;

/* Stats from a layer's pre-activations and outputs, both [samples, units] in dtype. On success
 * the arrays inside *out are malloc'd; release with clrelu_layer_stats_free. */
clrelu_status clrelu_layer_stats_compute(clrelu_dtype dtype, const void *pre, const void *y, size_t samples,
                                         size_t units, clrelu_layer_stats *out);
void clrelu_layer_stats_free(clrelu_layer_stats *s);

/* ---- MLP models ----------------------------------------------------------------------------- */
/* A model is a folder holding config.json and .npy files (see docs/models.md):
 *   {"name": "example", "dtype": "float32", "layers": [
 *     {"in": 4, "out": 16, "activation": "relu", "weight": "w0.npy", "bias": "b0.npy"},
 *     {"in": 16, "out": 3, "activation": "leaky_relu", "params": {"negative_slope": 0.1},
 *      "weight": "w1.npy"}]}
 * Loading checks every shape and file and fails with a message naming the layer and file. */
typedef struct clrelu_model clrelu_model;

typedef struct {
    size_t in, out;
    const char *activation;     /* op name or "none" */
    int n_params;
    double params[CLRELU_MAX_PARAMS];
    bool has_bias;
} clrelu_layer_info;

clrelu_status clrelu_model_load(const char *dir, clrelu_model **out);
void clrelu_model_free(clrelu_model *m);
const char *clrelu_model_name(const clrelu_model *m);
const char *clrelu_model_description(const clrelu_model *m); /* "" if none */
clrelu_dtype clrelu_model_dtype(const clrelu_model *m);
int clrelu_model_layer_count(const clrelu_model *m);
const clrelu_layer_info *clrelu_model_layer(const clrelu_model *m, int index); /* NULL if out of range */
size_t clrelu_model_input_size(const clrelu_model *m);
size_t clrelu_model_output_size(const clrelu_model *m);

/* Run a batch x [n, input_size] (model dtype) through every layer on dev into y [n, output_size].
 * stats: NULL, or an array of layer_count entries that receives each layer's analysis (free
 * each with clrelu_layer_stats_free). timing (optional) sums the layers' timings. */
clrelu_status clrelu_model_forward(clrelu_context *ctx, const clrelu_device *dev, const clrelu_model *m,
                                   const void *x, size_t n, void *y, clrelu_layer_stats *stats,
                                   clrelu_timing *timing);

#ifdef __cplusplus
}
#endif
#endif /* CLRELU_DENSE_H */
