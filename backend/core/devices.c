/* devices.c: the context's device list — backends append their devices here during discovery. */
#include "core/backend.h"

#include <stdlib.h>

clrelu_device *clr_device_add(clrelu_context *ctx, const backend_iface *iface)
{
    clrelu_device **grown = realloc(ctx->devices, sizeof *grown * (size_t)(ctx->n_devices + 1));
    if (!grown)
        return NULL;
    ctx->devices = grown;
    clrelu_device *dev = calloc(1, sizeof *dev);
    if (!dev)
        return NULL;
    dev->iface = iface;
    dev->ctx = ctx;
    dev->info.index = ctx->n_devices;
    ctx->devices[ctx->n_devices++] = dev;
    return dev;
}
