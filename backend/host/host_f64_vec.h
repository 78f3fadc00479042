/* host_f64_vec.h: the smooth ops in float64 with glibc's vector libm (host_f64_vec.c). */
#ifndef CLRELU_HOST_F64_VEC_H
#define CLRELU_HOST_F64_VEC_H

#include "core/ops.h"

#include <stdbool.h>
#include <stddef.h>

/* y = op(x) (g NULL) or op's backward from x and g, over n doubles, with the vector width of the
 * host loops' instruction set `isa` ("avx512", "avx512bf16", "avx2"); p0, p1 the op's parameters.
 * False, with nothing written, for a piecewise op, another instruction set, or a build without
 * libmvec: the caller then runs the reference. y may equal x or g. */
bool clr_host_f64_smooth(const char *isa, op_id id, const double *x, const double *g, double *y, size_t n, double p0,
                         double p1);

#endif
