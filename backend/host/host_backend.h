/* host_backend.h: the host backend as the registry (core/registry.c) sees it — one registration. */
#ifndef CLRELU_HOST_BACKEND_H
#define CLRELU_HOST_BACKEND_H

#include "core/backend.h"

/* The plain-C device: always present, required, and the context's fallback device. */
extern const clr_backend_reg clr_host_backend;

#endif
