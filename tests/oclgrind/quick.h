/* quick.h: the device tests' reduced mode (CLRELU_TEST_QUICK=1, set by tests/oclgrind/run.py), sized for a simulated device. */
#ifndef CLRELU_TEST_QUICK_H
#define CLRELU_TEST_QUICK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Chunk size of the quick runs' contexts: chunk boundaries fall inside the quick sizes (4096
 * float32 elements), and the discrete pipeline stages 16 KiB per buffer instead of 8 MiB —
 * Oclgrind's race detector spends time after every kernel in proportion to the device memory
 * allocated. */
#define QUICK_CHUNK_BYTES ((size_t)16 << 10)

/* Whether the reduced mode is on: fewer sizes and shapes, but every op, dtype, direction and
 * placement, vector tails and sizes past a chunk boundary still. */
static inline bool test_quick(void)
{
    const char *q = getenv("CLRELU_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

#endif
