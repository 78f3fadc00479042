/* json_int.h: the one checked conversion from a client's JSON number to a size, count or index. */
#ifndef CLRELU_SERVER_JSON_INT_H
#define CLRELU_SERVER_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* Store v as an integer in *out when v is a JSON number that is whole, not negative, finite and
 * at most max; otherwise return false and leave *out alone. Every range test is made on the
 * double before any cast, so no client value reaches an out-of-range conversion (undefined
 * behaviour: 4e64 cast to size_t). A NULL v is not a number. This is the only place under
 * server/ that casts a cJSON valuedouble to an integer type (tests/test_number_casts.py). */
bool json_to_u64(const struct cJSON *v, uint64_t max, uint64_t *out);

/* json_to_u64 for a size_t destination. */
bool json_to_size(const struct cJSON *v, size_t max, size_t *out);

#endif
