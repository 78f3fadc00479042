/* clrelu_npy.h: read and write NumPy .npy files (format 1.0, 2.0, 3.0) holding float16/float32/float64 arrays. */
#ifndef CLRELU_NPY_H_PUBLIC
#define CLRELU_NPY_H_PUBLIC

#include "clrelu.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most dimensions accepted (clrelu_run accepts up to 32 as well). */
#define CLRELU_NPY_MAX_RANK 32

/* What a .npy header declares. data_offset is where the array bytes start (magic + length
 * field + header); nbytes = count * element size. */
typedef struct {
    int major, minor;           /* format version: 1.0, 2.0 or 3.0 */
    clrelu_dtype dtype;         /* CLRELU_F16, CLRELU_F32 or CLRELU_F64 ('<f2', '<f4', '<f8') */
    bool fortran_order;
    int rank;
    size_t shape[CLRELU_NPY_MAX_RANK];
    size_t count;
    size_t nbytes;
    size_t data_offset;
} clrelu_npy_header;

/* An array in memory: C (row-major) order, little-endian, data malloc'd and owned by the array
 * (NULL when nbytes is 0). Release with clrelu_npy_free. */
typedef struct {
    clrelu_dtype dtype;
    int rank;
    size_t shape[CLRELU_NPY_MAX_RANK];
    size_t count;
    size_t nbytes;
    void *data;
} clrelu_npy_array;

/* Parse the magic, version and header dictionary at the start of bytes[0..len). len may cover
 * only the header or the whole file; nothing past data_offset is read. Any input is safe:
 * malformed, truncated or hostile headers give CLRELU_ERR_INVALID_ARG (CLRELU_ERR_UNSUPPORTED
 * for a well-formed header with a dtype we do not handle, e.g. '<i4' or big-endian '>f4'). */
clrelu_status clrelu_npy_parse_header(const void *bytes, size_t len, clrelu_npy_header *out);

/* From the first 10 (version 1.0) or 12 (2.0, 3.0) bytes of a file: check magic and version and
 * give the offset where the data starts, i.e. how many bytes clrelu_npy_parse_header needs. */
clrelu_status clrelu_npy_header_extent(const void *bytes, size_t len, size_t *data_offset);

/* Parse a complete in-memory .npy file: the data must be exactly header.nbytes long. Fortran-
 * order arrays are transposed into C order. On success out owns a copy of the data. */
clrelu_status clrelu_npy_parse(const void *bytes, size_t len, clrelu_npy_array *out);

/* Read a .npy file (same rules as clrelu_npy_parse; messages start with the path). CLRELU_ERR_IO when
 * the file cannot be opened or read. */
clrelu_status clrelu_npy_read(const char *path, clrelu_npy_array *out);

/* Encode a version 1.0 file (header padded so the data starts on a 64-byte boundary) into a
 * malloc'd buffer that the caller frees. dtype must be float16, float32 or float64: .npy has no
 * bfloat16 type (CLRELU_ERR_UNSUPPORTED). */
clrelu_status clrelu_npy_encode(clrelu_dtype dtype, const size_t *shape, int rank, const void *data,
                         void **out, size_t *out_len);

/* Write a .npy file atomically: the bytes go to a temporary file next to path, which is renamed
 * over path only once it is complete, so path is never left half-written. */
clrelu_status clrelu_npy_write(const char *path, clrelu_dtype dtype, const size_t *shape, int rank, const void *data);

/* Build a version 1.0 header into buf: magic, version, length, dict, spaces and a newline, so
 * that the total is a multiple of 64. Returns the total length, or 0 if cap is too small
 * (CLRELU_NPY_HEADER_MAX always suffices for rank <= CLRELU_NPY_MAX_RANK). dtype: float16/32/64. */
#define CLRELU_NPY_HEADER_MAX 1024
size_t clrelu_npy_format_header(clrelu_dtype dtype, const size_t *shape, int rank, unsigned char *buf, size_t cap);

/* Free the array's data and reset it (safe on a zeroed or already freed array). */
void clrelu_npy_free(clrelu_npy_array *a);

#ifdef __cplusplus
}
#endif
#endif
