/* ocl_dense.h: the OpenCL dense-layer pieces shared with bench/dense (program, GEMM, epilogue launches). */
#ifndef CLRELU_OCL_DENSE_H
#define CLRELU_OCL_DENSE_H

#include "core/backend.h"
#include "opencl/ocl.h"

/* Epilogue flags, as in kernels/dense.cl. */
#define DENSE_HAS_BIAS 1
#define DENSE_WRITE_PRE 2
#define DENSE_HAS_SLOPE 4

/* The dense program (activation.cl + dense.cl) of dev for dtype, built or loaded from the disk
 * cache on first use and kept for the process. The caller owns one reference. */
clrelu_status clr_ocl_dense_program(clrelu_device *dev, clrelu_dtype dtype, cl_program *out);

/* Row-major C [m, n] = op(A) op(B) with CLBlast (alpha 1, beta 0) on queue q; trans_a/trans_b
 * select A^T / B^T. lda/ldb/ldc are row strides. */
clrelu_status clr_ocl_dense_gemm(clrelu_dtype dtype, bool trans_a, bool trans_b, size_t m, size_t n, size_t k, cl_mem a,
                             size_t lda, cl_mem b, size_t ldb, cl_mem c, size_t ldc, cl_command_queue q);

/* Global work size for an elementwise pass over count elements on dev. */
size_t clr_ocl_dense_global_size(const clrelu_device *dev, size_t count);

/* Set the compute-type scalar argument `index` of kernel k (float, or double for float64). */
cl_int clr_ocl_dense_set_real(cl_kernel k, cl_uint index, clrelu_dtype dtype, double v);

#endif
