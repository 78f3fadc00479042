/* kernel_sources.h: the OpenCL C sources embedded at build time (see cmake/embed_kernels.cmake). */
#ifndef CLRELU_KERNEL_SOURCES_H
#define CLRELU_KERNEL_SOURCES_H

#include <stddef.h>

typedef struct {
    const char *name;   /* file name, e.g. "activation.cl" */
    const char *source; /* NUL-terminated */
    size_t size;        /* bytes, without the NUL */
} kernel_source;

/* Terminated by an entry whose name is NULL. */
extern const kernel_source clrelu_kernel_sources[];

#endif
