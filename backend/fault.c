/* fault.c: device fault injection (for reliability tests): a per-device count of runs to fail. */
#include "fault.h"

clrelu_status fault_take(const clrelu_device *dev)
{
    clrelu_device *d = (clrelu_device *)dev;
    unsigned left = atomic_load(&d->faults_left);
    while (left > 0) {
        if (atomic_compare_exchange_weak(&d->faults_left, &left, left - 1))
            return clrelu_set_error(CLRELU_ERR_DEVICE, "injected device fault on %s (%u more pending)", dev->info.id,
                                    left - 1);
    }
    return CLRELU_OK;
}

/* Public: arm (count > 0) or clear (count 0) injected faults on a device. */
clrelu_status clrelu_device_inject_fault(clrelu_context *ctx, const clrelu_device *dev, unsigned count)
{
    if (!ctx || !dev || dev->ctx != ctx)
        return clrelu_set_error(CLRELU_ERR_INVALID_ARG, "inject_fault: NULL or foreign device");
    atomic_store(&((clrelu_device *)dev)->faults_left, count);
    return CLRELU_OK;
}

unsigned clrelu_device_faults_pending(const clrelu_device *dev)
{
    return dev ? atomic_load(&((clrelu_device *)dev)->faults_left) : 0;
}
