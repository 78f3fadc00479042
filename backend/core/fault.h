/* fault.h: device fault injection — makes the next N runs on a device fail as a device error would. */
#ifndef CLRELU_FAULT_H
#define CLRELU_FAULT_H

#include "core/backend.h"

/* If a fault is pending on dev, consume one and return CLRELU_ERR_DEVICE with the error message
 * set (as a failing OpenCL call would); else CLRELU_OK. Thread-safe, lock-free. */
clrelu_status clr_fault_take(const clrelu_device *dev);

/* Arm faults from spec (CLRELU_FAULT_INJECT, applied when ctx is created; NULL: none): a comma
 * list of SELECTOR:COUNT (a device selector as clrelu_device_select takes it, e.g. "cpu:0:3" or
 * "host:2"). Entries that do not parse or match no device are logged and skipped. */
void clr_fault_arm(clrelu_context *ctx, const char *spec);

#endif
