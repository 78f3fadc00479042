/* tensor_json.h: JSON tensor data (flat or nested arrays) to typed buffers and back. */
#ifndef CLRELU_SERVER_TENSOR_JSON_H
#define CLRELU_SERVER_TENSOR_JSON_H

#include "codec/buf.h"
#include "clrelu.h"

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting of tensor data and most dimensions of a shape: Triton's limit (100). */
#define TENSOR_MAX_RANK CLRELU_MAX_RANK

struct cJSON;

/* cJSON_ParseWithLengthOpts(text, len, parse_end, false) with the numeric arrays under "data",
 * "grad_output" and "weight" parsed by the fast codec (json_numbers.h) instead of one cJSON node
 * per number. Such an array reaches cJSON_IsArray as an array without children: read it with
 * tjson_read only. Arrays the codec refuses (strings, ragged or empty nesting, non-JSON numbers)
 * are left to cJSON, so what is accepted and the error offsets are unchanged — except that in
 * such an array under those keys the bare tokens NaN, Infinity and -Infinity (Python's json) are
 * handed to cJSON as the strings "NaN", "Infinity", "-Infinity", so they are accepted there too. */
struct cJSON *tjson_parse(const char *text, size_t len, const char **parse_end);

/* Read a flat or nested (rectangular) array of numbers into a malloc'd array of doubles.
 * NaN and infinities are accepted as the strings "NaN", "Infinity", "-Infinity" (also "inf",
 * "-inf", "nan", any case) and as the bare tokens tjson_parse reads. On success shape and rank
 * hold the nesting (a flat array is rank 1). More than max_elements elements, nesting deeper than
 * TENSOR_MAX_RANK, ragged nesting, a non-number or a number literal outside the double range
 * (1e999) fail with a message in err naming the position (e.g. "data[2][1]"). */
bool tjson_read(const struct cJSON *data, const char *what, size_t max_elements, double **vals,
                size_t *count, size_t shape[TENSOR_MAX_RANK], int *rank, char *err, size_t errlen);

/* How NaN and infinities are written: the strings "NaN", "Infinity", "-Infinity" (valid JSON:
 * the native API, read by browsers), or the bare tokens NaN, Infinity, -Infinity that Triton
 * writes and Python's json (tritonclient) reads back as floats (the KServe v2 API). */
typedef enum { TJSON_NONFINITE_STRINGS, TJSON_NONFINITE_TOKENS } tjson_nonfinite;

/* Append count elements of dtype as a flat JSON array. Each number is the shortest decimal that
 * reads back to the same value of that dtype; NaN/inf are written as form says. */
buf_result tjson_write_as(buf *out, const void *data, clrelu_dtype dtype, size_t count, tjson_nonfinite form);
/* tjson_write_as with the strings (TJSON_NONFINITE_STRINGS). */
buf_result tjson_write(buf *out, const void *data, clrelu_dtype dtype, size_t count);

/* Read a JSON shape array of non-negative integers. */
bool tjson_shape(const struct cJSON *arr, size_t shape[TENSOR_MAX_RANK], int *rank, char *err, size_t errlen);
/* Product of the dims, false on overflow. */
bool shape_count(const size_t *shape, int rank, size_t *count);

#endif
