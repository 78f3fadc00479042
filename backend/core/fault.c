/* fault.c: device fault injection (for reliability tests): a per-device count of runs to fail. */
#include "core/fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

clrelu_status clr_fault_take(const clrelu_device *dev)
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

/* One SELECTOR:COUNT entry (entry is modified: the count is cut off). */
static void arm_entry(clrelu_context *ctx, char *entry)
{
    char *colon = strrchr(entry, ':');
    char *end = NULL;
    errno = 0;
    unsigned long count = colon ? strtoul(colon + 1, &end, 10) : 0;
    if (!colon || colon == entry || end == colon + 1 || *end || errno || count > 1000000000ul) {
        clrelu_log(ctx, CLRELU_LOG_WARN, "CLRELU_FAULT_INJECT: ignoring '%s' (want SELECTOR:COUNT)", entry);
        return;
    }
    *colon = '\0';
    const clrelu_device *dev = NULL;
    if (clrelu_device_select(ctx, entry, &dev) != CLRELU_OK) {
        clrelu_log(ctx, CLRELU_LOG_WARN, "CLRELU_FAULT_INJECT: no device '%s'", entry);
        return;
    }
    atomic_store(&((clrelu_device *)dev)->faults_left, (unsigned)count);
    clrelu_log(ctx, CLRELU_LOG_WARN, "CLRELU_FAULT_INJECT: the next %lu runs on %s fail", count, dev->info.id);
}

void clr_fault_arm(clrelu_context *ctx, const char *spec)
{
    if (!spec || !*spec)
        return;
    char *copy = strdup(spec), *save = NULL;
    if (!copy)
        return;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (*tok)
            arm_entry(ctx, tok);
    free(copy);
}
