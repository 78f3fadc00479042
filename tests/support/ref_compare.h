/* ref_compare.h: run an op on a device and compare its output with the double-precision reference. */
#ifndef CLRELU_REF_COMPARE_H
#define CLRELU_REF_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clrelu.h"

/* How a result may differ from the reference (see the tolerance table in ref_compare.c). */
typedef struct {
    bool bit_exact;     /* compare storage bit patterns (any NaN equals any NaN) */
    double rtol, atol;  /* otherwise |got - exp| <= atol * max(1, |g|) + rtol * |exp| */
    double sum_rtol;    /* prelu dL/dweight: extra allowance relative to sum |x * g| of the channel */
} ref_tol;

ref_tol ref_tolerance(const clrelu_op_desc *op, clrelu_dtype dtype, bool backward);

/* Where the output goes: a fresh buffer, over x, or over grad_output (backward only). */
typedef enum { REF_OUT_OF_PLACE, REF_IN_PLACE_X, REF_IN_PLACE_G } ref_placement;

/* Buffers of a dtype (exits the test on allocation failure; at least one element). */
void *ref_alloc(clrelu_dtype t, size_t n);
void ref_fill(void *buf, clrelu_dtype t, const double *values, size_t n); /* rounds like clrelu_convert */
double ref_get(const void *buf, clrelu_dtype t, size_t i);
uint64_t ref_bits(const void *buf, clrelu_dtype t, size_t i);
void ref_set_bits(void *buf, clrelu_dtype t, size_t i, uint64_t bits);
bool ref_bits_are_nan(clrelu_dtype t, uint64_t bits);

/* Deterministic test inputs: mostly uniform in [-8, 8], some exact zeros of both signs, some
 * values near zero and some large magnitudes that the dtype can still represent. */
void ref_random_values(double *v, size_t n, uint64_t seed, clrelu_dtype t);

/* prelu layout as the library defines it: channel axis 1 for rank >= 2, else one channel. */
void ref_prelu_layout(const clrelu_op_args *a, size_t *channels, size_t *inner);

/* Expected y (and prelu dL/dweight with its per-channel sum of |x*g|) for the call described by
 * a, computed from the op table's reference functions and stored as a device must store it:
 * float64 keeps the double, other dtypes round to float and then to their storage format. */
void ref_expected(const clrelu_op_args *a, void *y, void *grad_weight, double *gw_abs_sum);

/* Compare one stored element; g is the upstream gradient (0 for forward). */
bool ref_element_ok(const ref_tol *tol, clrelu_dtype t, const void *got, const void *exp, size_t i, double g);

/* Run a (copies of its inputs, output placed per `where`) on dev and CHECK the status, every
 * output element, the prelu weight gradient and that out-of-place runs left x untouched. The
 * first mismatches are printed with op/dtype/device/index/input/got/expected. Returns the
 * number of mismatching elements (1 if the call itself failed). */
long ref_run_check(clrelu_context *ctx, const clrelu_device *dev, const clrelu_op_args *a, ref_placement where,
                   const char *label);

/* Printable value of element i ("nan", "-0", "1.5 (0x3e00)"): for mismatch reports. */
const char *ref_format(char *out, size_t size, const void *buf, clrelu_dtype t, size_t i);

#endif
