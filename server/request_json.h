/* request_json.h: helpers shared by the JSON routes — body parsing with error offsets, op parameters. */
#ifndef CLRELU_SERVER_REQUEST_JSON_H
#define CLRELU_SERVER_REQUEST_JSON_H

#include "server.h"

struct cJSON;

/* Parse len bytes of JSON; on failure fill rp with 400 naming the byte offset, line and column. */
struct cJSON *parse_json_or_400(const char *text, size_t len, response *rp);

/* Fill params (defaults first) from a JSON object of name → number. Keys listed in ignore
 * (NULL-terminated) are skipped; any other unknown key, a non-number or an out-of-range value
 * fills rp with 400 and returns false. */
bool parse_op_params(const clrelu_op_desc *op, const struct cJSON *obj, const char *const *ignore,
                     double params[CLRELU_MAX_PARAMS], response *rp);

/* A JSON number for a double that may be infinite or NaN (as "Infinity"/"-Infinity"/"NaN"). */
struct cJSON *json_number_ext(double v);

#endif
