/* dense.h: the dense front end's entry for engines that have already chosen the device (model.c). */
#ifndef CLRELU_MODEL_DENSE_H
#define CLRELU_MODEL_DENSE_H

#include "clrelu_dense.h"

/* clrelu_dense_forward on exactly dev: the same checks, never handed to another device. For a
 * caller that chose the device for several layers at once (clrelu_model_forward). */
clrelu_status clr_dense_forward_on(clrelu_context *ctx, const clrelu_device *dev, const clrelu_dense_args *a);

#endif
