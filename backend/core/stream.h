/* stream.h: when an out-of-place pass on this machine's CPU writes its result with non-temporal stores. */
#ifndef CLRELU_STREAM_H
#define CLRELU_STREAM_H

#include <stdbool.h>
#include <stddef.h>

/* Footprint in bytes (read + written) from which an out-of-place pass on the CPU (the host
 * backend's loops, OpenCL CPU devices) writes its result with non-temporal stores: twice the cores'
 * level-2 caches together, at most the last-level cache (stream.c says why), or CLRELU_STREAM_MIN_BYTES (0: always, which the tests use). Read once per process. */
size_t clr_stream_min_bytes(void);

/* Whether a pass of count elements of esize bytes over `arrays` arrays (2 forward: x and y;
 * 3 backward: x, grad_output and dx) reaches that footprint. The caller checks out-of-place. */
bool clr_stream_pays(size_t count, size_t esize, int arrays);

#endif
