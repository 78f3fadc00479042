/* fault.h: device fault injection — makes the next N runs on a device fail as a device error would. */
#ifndef CLRELU_FAULT_H
#define CLRELU_FAULT_H

#include "core/backend.h"

/* If a fault is pending on dev, consume one and return CLRELU_ERR_DEVICE with the error message
 * set (as a failing OpenCL call would); else CLRELU_OK. Thread-safe, lock-free. */
clrelu_status fault_take(const clrelu_device *dev);

/* Arm faults from $CLRELU_FAULT_INJECT, read once when ctx is created: a comma list of
 * SELECTOR:COUNT (a device selector as clrelu_device_select takes it, e.g. "cpu:0:3" or
 * "host:2"). Entries that do not parse or match no device are logged and skipped. */
void fault_arm_from_env(clrelu_context *ctx);

#endif
