/* fault.h: device fault injection — makes the next N runs on a device fail as a device error would. */
#ifndef CLRELU_FAULT_H
#define CLRELU_FAULT_H

#include "backend.h"

/* If a fault is pending on dev, consume one and return CLRELU_ERR_DEVICE with the error message
 * set (as a failing OpenCL call would); else CLRELU_OK. Thread-safe, lock-free. */
clrelu_status fault_take(const clrelu_device *dev);

#endif
