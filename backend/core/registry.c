/* registry.c: the one table of backends compiled into the library — the only file that names them. */
#include "core/backend.h"
#include "host/host_backend.h"
#ifdef CLRELU_HAVE_OPENCL
#include "opencl/ocl_backend.h"
#endif

/* Discovery order: the host first (always present, the fallback device), then the rest. A new
 * backend adds its folder, its registration, and one line here. */
const clr_backend_reg *const clr_backend_registry[] = {
    &clr_host_backend,
#ifdef CLRELU_HAVE_OPENCL
    &clr_opencl_backend,
#endif
    NULL,
};
