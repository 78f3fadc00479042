/* request_json.c: JSON body parsing with positions in errors, and op parameter objects. */
#include "request_json.h"

#include "codec/tensor_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>
#include <strings.h>

cJSON *parse_json_or_400(const char *text, size_t len, response *rp)
{
    if (!text || len == 0) {
        response_error(rp, 400, "malformed JSON: the request body is empty");
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = tjson_parse(text, len, &end);
    if (root)
        return root;
    size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    response_error(rp, 400, "malformed JSON at byte offset %zu (line %zu, column %zu)", off, line, col);
    return NULL;
}

static bool number_ext(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return true;
    }
    if (cJSON_IsString(v)) {
        if (!strcasecmp(v->valuestring, "Infinity") || !strcasecmp(v->valuestring, "inf")) {
            *out = INFINITY;
            return true;
        }
        if (!strcasecmp(v->valuestring, "-Infinity") || !strcasecmp(v->valuestring, "-inf")) {
            *out = -INFINITY;
            return true;
        }
    }
    return false;
}

bool parse_op_params(const clrelu_op_desc *op, const cJSON *obj, const char *const *ignore,
                     double params[CLRELU_MAX_PARAMS], response *rp)
{
    clrelu_op_default_params(op, params);
    if (!obj || cJSON_IsNull(obj))
        return true;
    if (!cJSON_IsObject(obj)) {
        response_error(rp, 400, "parameters must be an object of name: number");
        return false;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        bool skip = false;
        for (int i = 0; ignore && ignore[i]; i++)
            skip |= strcmp(it->string, ignore[i]) == 0;
        if (skip)
            continue;
        int idx = clrelu_op_param_index(op, it->string);
        if (idx < 0) {
            char names[256] = "";
            for (int i = 0; i < op->n_params; i++) {
                strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
                strncat(names, op->params[i].name, sizeof names - strlen(names) - 1);
            }
            response_error(rp, 400, "unknown parameter '%s' for %s (parameters: %s)", it->string, op->name,
                           op->n_params ? names : "none");
            return false;
        }
        if (!number_ext(it, &params[idx])) {
            response_error(rp, 400, "parameter '%s' must be a number", it->string);
            return false;
        }
    }
    if (clrelu_op_check_params(op, params) != CLRELU_OK) {
        response_error(rp, 400, "%s", clrelu_last_error());
        return false;
    }
    return true;
}

cJSON *json_number_ext(double v)
{
    if (isnan(v))
        return cJSON_CreateString("NaN");
    if (isinf(v))
        return cJSON_CreateString(v > 0 ? "Infinity" : "-Infinity");
    return cJSON_CreateNumber(v);
}
