/* clrelu_dense.h: public API for dense layers y = act(x W^T + b), forward and backward (models and analysis: clrelu_model.h). */
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
 * - Small work goes to the host, as for clrelu_run: a call of fewer multiply-adds (n * in * out)
 *   than the device's dense crossover (clrelu_dense_crossover) runs on the context's host device;
 *   timing->ran_on says which device ran it. CLRELU_AUTO_HOST=0 turns that off;
 *   CLRELU_DENSE_CROSSOVER sets the crossover instead of measuring it.
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

/* The multiply-adds below which a dense call of dtype asked of dev runs on the host device instead:
 * CLRELU_DENSE_CROSSOVER when set, else measured on first use (a 64 -> 64 relu layer on both
 * devices at batches of 1, 4, ... 4096 rows, interleaved; the smallest batch from which dev wins
 * at two sizes in a row) and kept for the context's lifetime. 0 when dense work never leaves dev (the host device itself,
 * CLRELU_AUTO_HOST=0, a context that pins device behaviour, a failed measurement). */
clrelu_status clrelu_dense_crossover(clrelu_context *ctx, const clrelu_device *dev, clrelu_dtype dtype, uint64_t *macs);

#ifdef __cplusplus
}
#endif
#endif /* CLRELU_DENSE_H */
