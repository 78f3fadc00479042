/* v2_shm.h: inference tensors in Triton system shared memory — the shared_memory_* parameters of an input or output, and the copies in and out of the region. */
#ifndef CLRELU_SERVER_V2_SHM_H
#define CLRELU_SERVER_V2_SHM_H

#include "names.h"
#include "server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* A tensor's place in shared memory, from its parameters. */
typedef struct {
    bool set;                           /* shared_memory_region was given */
    char region[NAME_MAX_LEN + 1];
    uint64_t offset;                    /* shared_memory_offset, default 0 */
    uint64_t byte_size;                 /* shared_memory_byte_size */
} v2_shm_ref;

/* Read shared_memory_region / _byte_size / _offset from a tensor's "parameters" (may be NULL)
 * into *ref (ref->set false when absent). what names the tensor in messages ("input 'INPUT0'").
 * The region and the byte size come together (Triton); a malformed one is a 400 on rp and
 * false. */
bool v2_shm_ref_parse(const struct cJSON *params, const char *what, v2_shm_ref *ref, response *rp);

/* Memory for a tensor read from shared memory (freed with free()): large blocks are aligned to
 * 2 MiB and advised as transparent huge pages, so that the first touch of fresh memory — the
 * copy out of the region — takes one page fault per 2 MiB instead of one per 4 KiB (measured:
 * a 64 MiB pread into fresh memory about 1.6× faster). NULL when out of memory. */
void *v2_shm_scratch(size_t bytes);

/* Copy an input tensor of bytes bytes from its region into dst. The byte size must equal
 * bytes (Triton: "unexpected total byte size"); an unknown region, a range outside it or an
 * object shrunk since registration is a 400 on rp and false. */
bool v2_shm_read_input(server *s, const v2_shm_ref *ref, const char *name, void *dst, size_t bytes, response *rp);

/* The output's byte size holds bytes bytes (checked before running, so that a request that
 * cannot deliver its output costs no device time); else a 400 on rp (Triton's message). */
bool v2_shm_output_fits(const v2_shm_ref *ref, const char *name, size_t bytes, response *rp);

/* Write an output of bytes bytes into its region; the byte size must be at least bytes. Errors
 * as v2_shm_read_input. */
bool v2_shm_write_output(server *s, const v2_shm_ref *ref, const char *name, const void *src, size_t bytes,
                         response *rp);

/* Add the output's shared-memory parameters to a response output object (which gets no data). */
void v2_shm_output_params(struct cJSON *output, const v2_shm_ref *ref, size_t bytes);

#endif
