/* json_numbers.h: a fast, exact codec for JSON numbers and numeric arrays (tensor data). */
#ifndef CLRELU_SERVER_JSON_NUMBERS_H
#define CLRELU_SERVER_JSON_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>

/* Longest text jnum_print_f32/f64 write, without a terminating NUL. */
#define JNUM_MAX_CHARS 32
/* Deepest nesting of a numeric array: Triton's limit for tensor JSON (and CLRELU_MAX_RANK). */
#define JNUM_MAX_RANK 100

/* Write the shortest decimal that reads back (strtof) to exactly v: Ryu's algorithm, done with
 * 64-bit integer arithmetic. v must be finite. Writes at most JNUM_MAX_CHARS bytes, no NUL;
 * returns the length. Plain notation between 1e-6 and 1e21, else d.ddde±x ("1e-07" style
 * without padding: "1e-7"). */
size_t jnum_print_f32(char *out, float v);

/* Write a decimal that reads back (strtod) to exactly v, the shortest of 15, 16 or 17
 * significant digits. v must be finite. Same contract as jnum_print_f32. */
size_t jnum_print_f64(char *out, double v);

/* Parse one JSON number (strict grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?) starting at p,
 * reading no further than end. On success store the value strtod would give, bit for bit,
 * and return the first byte after the number; on a malformed number return NULL. */
const char *jnum_parse(const char *p, const char *end, double *out);

/* A parsed rectangular array of numbers: count values, shape[rank]. */
typedef struct {
    double *vals;
    size_t count;
    size_t shape[JNUM_MAX_RANK];
    int rank;
} jnum_array;

/* Parse the flat or nested numeric array starting at p ('['), ending no later than end.
 * Leaves are JSON numbers, the bare tokens NaN, Infinity and -Infinity (as Python's json and
 * tritonclient write them), or the strings "NaN", "Infinity", "-Infinity", "+Infinity", "inf",
 * "-inf", "+inf", "nan" (any case). A number literal outside the double range (1e999) is refused
 * (the caller reports it with its index). Every sub-array must be non-empty and of the length the
 * first one at its depth announced. On success fill a (vals malloc'd, caller frees) and
 * return the first byte after the closing ']'; otherwise return NULL and set *err_at to the
 * offending byte (out of memory: *err_at = NULL). */
const char *jnum_parse_array(const char *p, const char *end, jnum_array *a, const char **err_at);

#endif
