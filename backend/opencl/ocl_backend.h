/* ocl_backend.h: the OpenCL backend as the registry (core/registry.c) sees it — one registration. */
#ifndef CLRELU_OCL_BACKEND_H
#define CLRELU_OCL_BACKEND_H

#include "core/backend.h"

/* Every OpenCL platform's devices; optional (a failure is logged), off with no_opencl. */
extern const clr_backend_reg clr_opencl_backend;

#endif
