/* bench_validate.h: the benchmark's data pattern, expected results from the reference math, and tolerant comparison. */
#ifndef CLRELU_BENCH_VALIDATE_H
#define CLRELU_BENCH_VALIDATE_H

#include "core/backend.h"

#define BENCH_DATA_PATTERN                                                                         \
    "x uniform in [-8, 8) with every 16th element 0 (splitmix64, seed 1); "                        \
    "grad_output uniform in [-1, 1) (seed 2); prelu: one channel, slope 0.25; default params"

/* Fill n elements of dtype with the pattern (seed 1: x, seed 2: grad_output). */
void clr_bench_fill(void *buf, clrelu_dtype t, size_t n, int seed);

/* Expected y (dL/dx when g != NULL) from the op table's reference with default parameters
 * rounded as dispatch rounds them, stored as a device must store it (float64 as is, others via
 * float). prelu reads its slope from weight[0]. */
void clr_bench_expected(const struct op_entry *op, clrelu_dtype t, size_t n, const void *x, const void *g,
                    const void *weight, void *y);

/* Elements of got that differ from exp beyond the op's tolerance (bit-exact ops: storage bits,
 * others: the stated rtol/atol per dtype, as tests/support/ref_compare.c). *first gets the
 * first bad index. */
long clr_bench_compare(const struct op_entry *op, clrelu_dtype t, size_t n, const void *got, const void *exp,
                   size_t *first);

/* Element i as a double (for mismatch reports). */
double clr_bench_value(const void *buf, clrelu_dtype t, size_t i);

#endif
