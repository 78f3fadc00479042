/* v2_outputs.h: the "outputs" of a KServe v2 inference request, read the same way for every kind of model. */
#ifndef CLRELU_SERVER_V2_OUTPUTS_H
#define CLRELU_SERVER_V2_OUTPUTS_H

#include "server.h"
#include "v2_shm.h"

#include <stdbool.h>

struct cJSON;

/* Check root's "outputs" (absent or null: the default output) against the one output every
 * served model has, OUTPUT0, and apply its parameters.binary_data to *out_binary and its
 * shared-memory parameters to *shm (shm->set false when it names no region; a region wins over
 * binary_data). An unknown name or a name requested twice (Triton: "output already requested")
 * is a 400 on rp and false. */
bool v2_read_outputs(const struct cJSON *root, bool *out_binary, v2_shm_ref *shm, response *rp);

#endif
