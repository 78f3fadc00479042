/* json_int.c: the one checked conversion from a client's JSON number to a size, count or index. */
#include "codec/json_int.h"

#include <cjson/cJSON.h>
#include <math.h>

bool json_to_u64(const cJSON *v, uint64_t max, uint64_t *out)
{
    if (!cJSON_IsNumber(v))
        return false;
    double d = v->valuedouble;
    /* 2^64 is exact as a double; !(d >= 0) also refuses NaN. */
    if (!(d >= 0.0 && d < 18446744073709551616.0) || d != floor(d))
        return false;
    uint64_t u = (uint64_t)d;
    if (u > max)
        return false;
    *out = u;
    return true;
}

bool json_to_size(const cJSON *v, size_t max, size_t *out)
{
    uint64_t u;
    if (!json_to_u64(v, (uint64_t)max, &u)) /* u <= max, so it fits a size_t */
        return false;
    *out = (size_t)u;
    return true;
}
