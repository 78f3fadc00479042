/* clrelu_model.h: public API for small MLP models (folders of config.json + .npy) and per-layer sparsity analysis. */
#ifndef CLRELU_MODEL_H
#define CLRELU_MODEL_H

#include "clrelu_dense.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- analysis ----------------------------------------------------------------------------- */
#define CLRELU_HIST_BINS 16

/* Statistics of one layer over a batch. A unit is active for a sample when its output is not
 * exactly 0 (NaN counts as active); dead when it is 0 for every sample of a non-empty batch.
 * The histogram splits [hist_lo, hist_hi] into CLRELU_HIST_BINS equal bins (the last bin
 * includes hist_hi; all values land in bin 0 when hist_lo == hist_hi). That range is robust:
 * Tukey's fences (Q1 - 1.5 IQR, Q3 + 1.5 IQR, numpy's default quartiles) of the finite
 * pre-activations, clipped to their min and max, or [min, max] when the IQR is 0 — so that a
 * few far values (a dead unit's large negative pre-activations) do not squeeze the rest into one
 * bin. Values outside it, infinities included, are counted in hist_below / hist_above, so
 * hist + hist_below + hist_above + nan_count = samples * units. NaN pre-activations are counted
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
    double hist_lo, hist_hi;    /* the histogram's range (0, 0 when no value is finite) */
    uint64_t hist_below, hist_above; /* non-NaN values below hist_lo / above hist_hi */
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
 * each with clrelu_layer_stats_free). timing (optional) sums the layers' timings.
 * Every layer of a batch runs on one device, chosen per call by size as clrelu_run chooses for an
 * op: when the batch's mean layer has fewer multiply-adds (n * in * out) than dev's dense crossover
 * (clrelu_dense_crossover), the batch runs on the context's host device; timing->ran_on says
 * which device ran it (NULL for an empty batch). CLRELU_AUTO_HOST=0 keeps every batch on dev. */
clrelu_status clrelu_model_forward(clrelu_context *ctx, const clrelu_device *dev, const clrelu_model *m,
                                   const void *x, size_t n, void *y, clrelu_layer_stats *stats,
                                   clrelu_timing *timing);

#ifdef __cplusplus
}
#endif
#endif /* CLRELU_MODEL_H */
